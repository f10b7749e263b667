"""Verdict → words and pictures: report.json, report.html, heatmap.png, mask.png, maps/<detector>.png.

Public functions the CLI, the batch and the web page share, so each shows the same content:
``headline`` (the label in words), ``summary`` (for a journalist), ``analyst`` (ranked
evidence by family), ``render_report_html`` (the page), ``verdict_box_html`` (its first box).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from forgelens.explain.images import display_unit, save_map_png
from forgelens.explain.text import analyst, explanation, headline, summary

__all__ = ["analyst", "explanation", "headline", "render_report_html", "summary", "verdict_box_html",
           "write_report"]


def render_report_html(report: Any) -> str:
    from forgelens.explain.html import render_report_html as render

    return render(report)


def verdict_box_html(report: Any, with_style: bool = True) -> str:
    """The verdict box as an HTML fragment (with its CSS unless ``with_style`` is False)."""
    from forgelens.explain.html import verdict_box_html as box

    if not with_style:
        return box(report)
    from importlib import resources

    css = resources.files("forgelens.explain").joinpath("templates/style.css").read_text(encoding="utf-8")
    return f"<style>{css}</style>" + box(report)


def write_report(report: Any, outdir: str | Path) -> dict[str, Path]:
    """Write every output of one analysis into ``outdir`` (created); return the paths."""
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
            save_map_png(t.pixels(t.heatmap), p)
            paths[f"map:{t.name}"] = p
        for key, m in t.extra_maps.items():
            p = out / "maps" / f"{t.name}.{key}.png"
            save_map_png(display_unit(t.pixels(m)), p)
            paths[f"extra:{t.name}.{key}"] = p
    paths["json"] = out / "report.json"
    paths["json"].write_text(json.dumps(report.to_dict(), indent=2, allow_nan=False))
    paths["html"] = out / "report.html"
    # a file name that is not valid UTF-8 (POSIX allows any bytes) is shown escaped, \udcff
    paths["html"].write_text(render_report_html(report), encoding="utf-8", errors="backslashreplace")
    return paths
