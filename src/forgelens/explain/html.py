"""A self-contained HTML report: every picture embedded, no network, readable offline.

Images in the page are display previews (long side ≤ 1600 px); the
full-resolution maps are the PNG files written beside the report.
"""

from __future__ import annotations

import html
import json

import numpy as np

from forgelens.detectors import available
from forgelens.explain.images import data_uri, display_unit, draw_pairs, overlay
from forgelens.pipeline import Report

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;max-width:1200px;color:#222}
h1{font-size:1.5rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.verdict{padding:1rem;border-radius:6px;font-size:1.1rem}
.authentic{background:#e6f4ea}.manipulated{background:#fde7e7}.generated{background:#ede7fd}
.inconclusive{background:#fff4d6}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:1rem}
figure{margin:0;border:1px solid #ddd;border-radius:6px;padding:.5rem}
figure img{width:100%;height:auto;image-rendering:pixelated}
figcaption{font-size:.85rem;color:#444}
table{border-collapse:collapse;font-size:.85rem} td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
.caveat{color:#8a5a00} .muted{color:#777} code{font-size:.8rem;word-break:break-all}
"""


def _e(x) -> str:
    return html.escape(str(x))


def render_html(report: Report) -> str:
    ev, v = report.evidence, report.verdict
    reg = available()
    parts: list[str] = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>forgelens report — {_e(ev.source)}</title><style>{_CSS}</style></head><body>",
        f"<h1>forgelens report: {_e(ev.source)}</h1>",
        f"<div class='verdict {_e(v.label)}'><b>Verdict: {_e(v.label)}</b> "
        f"(score {v.score:.2f}{'' if v.calibrated else ', not a calibrated probability'})"
        f"{' — ' + _e(v.domain) if v.domain else ''}<br>{_e(v.explanation)}{_probability_line(v)}</div>",
        "<div class='grid'>",
        f"<figure><img alt='the picture' src='{data_uri(np.asarray(ev.pixels))}'><figcaption>The picture as stored "
        f"({ev.width}×{ev.height}, {_e(ev.format)})</figcaption></figure>",
    ]
    if v.heatmap is not None:
        parts.append(
            f"<figure><img alt='fused map over the picture' src='{data_uri(overlay(np.asarray(ev.pixels), v.heatmap))}'>"
            "<figcaption>Fused suspicion map over the picture (red–yellow = more suspicious). "
            "Full-resolution map: heatmap.png; binary mask: mask.png.</figcaption></figure>"
        )
    pairs, boxes = [], []
    for t in report.traces:
        for f in t.findings:
            if f.kind == "copy_move" and t.score is not None and t.score >= 0.5:
                pairs += [p for p in f.values.get("lines", []) if len(p) == 4]
                for key in ("source_bbox", "target_bbox"):
                    b = f.values.get(key)
                    if isinstance(b, list | tuple) and len(b) == 4:
                        boxes.append(tuple(b))
    if pairs or boxes:
        parts.append(
            f"<figure><img alt='copy-move pairs' src='{data_uri(draw_pairs(np.asarray(ev.pixels), pairs, boxes))}'>"
            "<figcaption>Copy-move: boxes around source and copy, red lines from matched points "
            "(green dots) to where they were copied. Which region is the original cannot be told.</figcaption></figure>"
        )
    parts.append("</div>")

    parts += _generation_section(report)

    if v.findings:
        parts.append("<h2>Why: the strongest findings</h2><ol>")
        for det, f in v.findings[:10]:
            parts.append(f"<li><b>{_e(det)}</b>: {_e(f.message)} <span class='muted'>(strength {f.strength:.2f})</span></li>")
        parts.append("</ol>")

    if report.provenance_rows:
        parts.append("<h2>Provenance</h2><table><tr><th>signal</th><th>value</th><th>what it proves</th>"
                     "<th>what it does not prove</th></tr>")
        for row in report.provenance_rows:
            parts.append("<tr>" + "".join(f"<td>{_e(row.get(k, ''))}</td>" for k in
                                          ("signal", "value", "proves", "does_not_prove")) + "</tr>")
        parts.append("</table>")

    parts.append("<h2>Traces</h2><div class='grid'>")
    for t in report.traces:
        info = reg.get(t.name)
        head = f"<b>{_e(t.name)}</b> — {_e(info.description if info else '')}"
        score = "" if t.score is None else f" · score {t.score:.2f}"
        body = ""
        if t.heatmap is not None:
            body = f"<img alt='{_e(t.name)} map' src='{data_uri(t.heatmap, 800)}'>"
        status = "" if t.applicable else f"<br><span class='muted'>not applicable: {_e(t.note)}</span>"
        if t.error:
            status = f"<br><span class='caveat'>failed: {_e(t.error.splitlines()[0])}</span>"
        read = f"<br>How to read: {_e(info.how_to_read)}" if info and info.how_to_read else ""
        cav = f"<br><span class='caveat'>Caveat: {_e(info.caveat)}</span>" if info and info.caveat else ""
        finds = "".join(f"<br>• {_e(f.message)}" for f in t.findings[:5])
        for key, m in list(t.extra_maps.items())[:4]:
            body += (f"<img alt='{_e(t.name)} {_e(key)}' title='{_e(key)}' src='{data_uri(display_unit(m), 400)}'>"
                     f"<div class='muted'>{_e(key)} (maps/{_e(t.name)}.{_e(key)}.png)</div>")
        parts.append(f"<figure>{body}<figcaption>{head}{score} · {t.seconds:.2f} s{status}{read}{cav}{finds}"
                     "</figcaption></figure>")
    parts.append("</div>")

    parts.append("<h2>Metadata</h2><table>")
    md = ev.metadata
    rows = list(md.exif.items())[:80] + [(f"PNG text: {k}", v) for k, v in list(md.png_text.items())[:40]]
    rows += [("ICC profile", f"{len(md.icc_profile)} bytes" if md.icc_profile else "none"),
             ("JPEG comments", "; ".join(md.jpeg_comments) or "none"),
             ("XMP", "present" if md.xmp else "none"),
             ("EXIF orientation", f"{md.orientation} (recorded, not applied)")]
    rows += [("unreadable metadata", e) for e in md.errors]
    for k, val in rows:
        parts.append(f"<tr><th>{_e(k)}</th><td>{_e(val[:300])}</td></tr>")
    parts.append("</table>")

    desc = ev.describe()
    parts.append("<h2>Input and run</h2><table>")
    for k in ("source", "sha256", "size_bytes", "format", "width", "height", "original_mode", "n_frames"):
        parts.append(f"<tr><th>{k}</th><td><code>{_e(desc[k])}</code></td></tr>")
    for note in ev.notes:
        parts.append(f"<tr><th>note</th><td>{_e(note)}</td></tr>")
    if ev.segments:
        parts.append(f"<tr><th>file structure</th><td><code>{_e(' '.join(s.name for s in ev.segments[:60]))}</code></td></tr>")
    parts.append(f"<tr><th>timings (s)</th><td><code>{_e(json.dumps({k: round(x, 3) for k, x in report.seconds.items()}))}</code></td></tr>")
    parts.append("</table><p class='muted'>Probabilities are calibrated on forgelens's own training and "
                 "held-out sets at a 50/50 prior (see the verdict's <code>calibrated</code> flag); detector "
                 "scores are rankings, not probabilities. Metadata never proves authenticity.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _probability_line(v) -> str:
    p = v.probabilities
    if not p:
        return ""
    cells = [f"{k} {p[k]:.2f}" if p.get(k) is not None else f"{k}: not measured"
             for k in ("authentic", "manipulated", "generated")]
    return "<br><span class='muted'>Probabilities: " + _e(" · ".join(cells)) + "</span>"


_GENERATION_CAVEAT = (
    "What fools it: heavy recompression, screenshots, strong downscaling or upscaling and "
    "re-photographing erase the low-level generator trace; generators unlike those it was trained "
    "on score lower; a real photo passed through an AI autoencoder (\"laundered\") carries generator "
    "traces although its scene is real.")


def _generation_section(report: Report) -> list[str]:
    """P(generated), the threshold it was judged against, laundering and the patch maps."""
    v, ev = report.verdict, report.evidence
    gen_traces = [t for t in report.traces if (info := available().get(t.name)) and info.family == "generation"
                  and t.applicable and t.error is None]
    if v.generation is None and not gen_traces:
        return []
    out = ["<h2>Generated or laundered?</h2>"]
    g = v.generation
    if g:
        out.append(
            f"<p>P(generated) <b>{g['p_generated']:.2f}</b> from {_e(', '.join(g['detectors']))} — "
            f"called generated at ≥ {g['generated_at']:.2f}, inconclusive from {g['authentic_below']:.2f}"
            + (f" (threshold fitted to {100 * g['heldout_fpr']:.1f} % false positives on held-out camera photos)"
               if g.get("heldout_fpr") is not None else "")
            + f": <b>{_e(g['band'])}</b>.</p>")
    lw = v.laundering
    if lw and g and g["band"] != "not generated":  # p_laundered is conditional on generated traces
        c = lw["classes"]
        out.append(
            f"<p>Pristine {c['pristine']:.2f} · laundered {c['laundered']:.2f} · fully synthetic "
            f"{c['fully_synthetic']:.2f}; p_laundered = {lw['p_laundered']:.2f} = P(real content re-synthesised "
            "by an autoencoder | generated traces). A laundered picture is real content, AI-re-rendered — "
            "not a scene that never existed.</p>")
    att = g.get("attribution") if g else None
    if att and g["band"] != "not generated":  # issue 18: a hint, never a verdict
        p = f" (probability {att['probability']:.2f})" if att.get("probability") is not None else ""
        known = f"; families it knows: {_e(', '.join(att['known_families']))}" if att.get("known_families") else ""
        out.append(f"<p>Generator hint: <b>{_e(att['family'])}</b>{p} from {_e(att['method'])}{known}. "
                   "A hint, not a verdict.</p>")
    figs = []
    for t in gen_traces:
        calibrated = available()[t.name].calibrated
        score = "" if t.score is None else f" · {'P' if calibrated else 'uncalibrated score'} {t.score:.2f}"
        if t.heatmap is not None:
            figs.append(f"<figure><img alt='{_e(t.name)} patch map' src='{data_uri(overlay(np.asarray(ev.pixels), t.heatmap))}'>"
                        f"<figcaption><b>{_e(t.name)}</b>{score}: where its generator traces are strongest "
                        f"(maps/{_e(t.name)}.png)</figcaption></figure>")
        else:
            figs.append(f"<figure><figcaption><b>{_e(t.name)}</b>{score} (whole-image score, no map)"
                        "</figcaption></figure>")
    if figs:
        out.append("<div class='grid'>" + "".join(figs) + "</div>")
    out.append(f"<p class='caveat'>{_e(_GENERATION_CAVEAT)}</p>")
    return out
