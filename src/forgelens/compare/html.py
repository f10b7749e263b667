"""The comparison page: both pictures aligned, a slider between them, the difference overlay.

One self-contained HTML file (pictures inlined as base64 JPEG/PNG, no external asset), so it
can be mailed or archived with a case. ``compare_report_html(result)`` returns the page;
``compare_section_html(result)`` only the section, for embedding in another report.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from forgelens.compare.core import CompareResult

#: What a comparison can and cannot say, on the page itself (a comparison page travels alone, mailed or in a
#: case file): the kinds are relative to the reference, which is only the second file, not a proven original.
READING = ("This shows how the suspect differs from the reference, not which of the two is the original: "
           "\"added\" means present in the suspect and not in the reference, \"removed\" the reverse. "
           "A match with no change does not rule out edits made before the reference was saved.")


def _data_uri(rgb: np.ndarray, fmt: str = "JPEG") -> str:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format=fmt, quality=88)
    mime = "image/jpeg" if fmt == "JPEG" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode()}"


def _shrink(rgb: np.ndarray, side: int = 900) -> np.ndarray:
    f = min(1.0, side / max(rgb.shape[:2]))
    return rgb if f >= 1 else cv2.resize(rgb, (round(rgb.shape[1] * f), round(rgb.shape[0] * f)),
                                         interpolation=cv2.INTER_AREA)


def overlay(result: CompareResult) -> np.ndarray:
    """The suspect with the difference score in red, changed regions outlined, no-counterpart parts hatched blue."""
    base = result.suspect_work.astype(np.float32) * 0.6
    s = result.score_work[..., None]
    red = np.array([255, 30, 30], np.float32)
    out = base * (1 - s) + red * s
    nc = ~result.valid_work
    hatch = ((np.add.outer(np.arange(nc.shape[0]), np.arange(nc.shape[1])) // 6) % 2 == 0) & nc
    out[hatch] = out[hatch] * 0.4 + np.array([60, 110, 255]) * 0.6
    out = np.clip(out, 0, 255).astype(np.uint8)
    contours, _ = cv2.findContours(result.mask_work.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(out, contours, -1, (255, 255, 0), max(1, round(max(out.shape) / 500)))
    return out


def compare_section_html(result: CompareResult) -> str:
    e = html.escape
    d = result.to_dict()
    parts = [f"<section class='fl-compare'><h2>Comparison with the reference</h2><p><b>{e(d['summary'])}</b></p>",
             f"<p class='muted'>{e(READING)}</p>",
             f"<p>Suspect: {e(str(d['suspect'].get('source')))} ({d['suspect'].get('width')}×{d['suspect'].get('height')})"
             f" · reference: {e(str(d['reference'].get('source')))} ({d['reference'].get('width')}×"
             f"{d['reference'].get('height')})</p>"]
    a = d["alignment"]
    if a.get("found"):
        parts.append(f"<p>Transform (reference → suspect): scale {a['scale']}, rotation {a['rotation_deg']}°, "
                     f"mirror {e(a['flip'])}, perspective {a['perspective']} ({e(a['model'])}, {a['inliers']} of "
                     f"{a['matches']} matches consistent{', refined by ECC' if a.get('refined') else ''}).</p>")
    if result.score_work is not None and result.suspect_work is not None:
        sus = _shrink(result.suspect_work)
        ref = _shrink(np.where(result.valid_work[..., None], result.reference_work, 128).astype(np.uint8))
        ov = _shrink(overlay(result))
        parts.append(
            "<h3>Aligned pictures (drag the slider: left of it the reference, right the suspect)</h3>"
            "<div class='fl-slider' style='position:relative;display:inline-block;max-width:100%'>"
            f"<img src='{_data_uri(sus)}' style='display:block;max-width:100%' alt='suspect'>"
            "<div class='fl-top' style='position:absolute;top:0;left:0;height:100%;width:50%;overflow:hidden'>"
            f"<img src='{_data_uri(ref)}' style='display:block;height:100%;max-width:none' alt='aligned reference'></div>"
            "</div><br><input type='range' min='0' max='100' value='50' style='width:60%' oninput=\""
            "var s=this.previousElementSibling.previousElementSibling;var t=s.querySelector('.fl-top');"
            "t.style.width=this.value+'%';t.firstElementChild.style.width=s.clientWidth+'px'\">"
            "<h3>Difference overlay (red: changed; yellow outline: changed region; blue hatch: no counterpart)</h3>"
            f"<img src='{_data_uri(ov)}' style='max-width:100%' alt='difference overlay'>")
    if d["regions"]:
        rows = "".join(f"<tr><td>{i + 1}</td><td>{e(r['kind'])}</td><td>{r['box']}</td>"
                       f"<td>{100 * r['area_fraction']:.2f}%</td><td>{r['mean_difference']}</td></tr>"
                       for i, r in enumerate(d["regions"]))
        parts.append("<h3>Changed regions</h3><table><tr><th>#</th><th>kind</th><th>box x,y,w,h (suspect px)</th>"
                     f"<th>area</th><th>mean difference</th></tr>{rows}</table>")
    if d["no_counterpart_regions"]:
        rows = "".join(f"<tr><td>{r['box']}</td><td>{100 * r['area_fraction']:.1f}%</td></tr>"
                       for r in d["no_counterpart_regions"])
        parts.append("<h3>Parts of the suspect not in the reference (crop extension, outpainting)</h3>"
                     f"<table><tr><th>box</th><th>area</th></tr>{rows}</table>")
    if d["metadata_differences"]:
        rows = "".join(f"<tr><td>{e(m['field'])}</td><td>{e(str(m['suspect']))}</td><td>{e(str(m['reference']))}</td>"
                       f"<td>{e(m['change'])}</td></tr>" for m in d["metadata_differences"])
        parts.append("<h3>Metadata differences</h3><table><tr><th>field</th><th>suspect</th><th>reference</th>"
                     f"<th></th></tr>{rows}</table>")
    parts.append("</section>")
    return "\n".join(parts)


def compare_report_html(result: CompareResult) -> str:
    """A complete, self-contained HTML page for one comparison."""
    style = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:3px 8px;font-size:90%}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>forgelens comparison</title>"
            f"<style>{style}</style></head><body>{compare_section_html(result)}</body></html>")


def write_comparison(result: CompareResult, outdir: str | Path) -> dict[str, Path]:
    """OUT/comparison.json, comparison.html and, when aligned, difference.png, difference_mask.png,
    aligned_reference.png (all at the suspect's resolution)."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "comparison.json", "html": out / "comparison.html"}
    paths["json"].write_text(json.dumps(result.to_dict(), indent=2, allow_nan=False))
    paths["html"].write_text(compare_report_html(result), encoding="utf-8")
    if result.score_work is not None:
        paths["difference"] = out / "difference.png"
        Image.fromarray((result.heatmap * 255).round().astype(np.uint8)).save(paths["difference"])
        paths["mask"] = out / "difference_mask.png"
        Image.fromarray(result.mask.astype(np.uint8) * 255).save(paths["mask"])
        paths["aligned"] = out / "aligned_reference.png"
        h, w = result.suspect_shape
        Image.fromarray(cv2.resize(result.reference_work, (w, h), interpolation=cv2.INTER_LINEAR)).save(paths["aligned"])
    return paths
