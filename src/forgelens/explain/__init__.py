"""Reports: report.json, report.html, heatmap.png, mask.png and maps/<detector>.png."""

from __future__ import annotations

import json
from pathlib import Path

from forgelens.explain.images import display_unit, save_map_png
from forgelens.pipeline import Report

__all__ = ["write_report"]


def write_report(report: Report, outdir: str | Path) -> dict[str, Path]:
    """Write every output of one analysis into ``outdir`` (created); return the paths."""
    from forgelens.explain.html import render_html

    out = Path(outdir)
    (out / "maps").mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    v = report.verdict
    if v.heatmap is not None:
        paths["heatmap"] = out / "heatmap.png"
        save_map_png(v.heatmap, paths["heatmap"])
        paths["mask"] = out / "mask.png"
        save_map_png(v.mask.astype("float32"), paths["mask"])
    for t in report.traces:
        if t.heatmap is not None:
            p = out / "maps" / f"{t.name}.png"
            save_map_png(t.heatmap, p)
            paths[f"map:{t.name}"] = p
        for key, m in t.extra_maps.items():
            p = out / "maps" / f"{t.name}.{key}.png"
            save_map_png(display_unit(m), p)
            paths[f"extra:{t.name}.{key}"] = p
    paths["json"] = out / "report.json"
    paths["json"].write_text(json.dumps(report.to_dict(), indent=2, allow_nan=False))
    paths["html"] = out / "report.html"
    paths["html"].write_text(render_html(report), encoding="utf-8")
    return paths
