"""report.html from Jinja2 templates: one self-contained page, every picture embedded, offline.

Order (issue 14): the verdict box first (the label in words, the three probabilities once,
the ENFSI verbal scale, the journalist summary, the marked region outlined on the picture),
then the evidence grouped by independent family with caveats and alternatives beside each
item, then the detector cards (those with nothing to show collapsed, "nothing found"),
colour maps drawn as overlays on the picture. Images are display previews (long side
≤ 1600 px); the full-resolution maps are the PNG files written beside the report.

The web page reuses ``verdict_box_html`` so it shows the same words and numbers.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np

from forgelens.explain import facts, text, words
from forgelens.explain.images import Previews, data_uri, display_unit, draw_pairs, outline


@lru_cache(maxsize=1)
def _env():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("forgelens.explain", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["p2"] = lambda x: "—" if x is None else f"{x:.2f}"
    env.filters["box"] = lambda b: "" if not b else f"x {b[0]}–{b[2]}, y {b[1]}–{b[3]} px"
    return env


def verdict_context(report: Any, previews: Previews | None = None) -> dict[str, Any]:
    """What the verdict box shows (shared by report.html and the web page)."""
    v, ev = report.verdict, report.evidence
    previews = previews or Previews(ev.pixels)
    region = words.mask_region(v.mask)
    ctx = {
        "label": v.label,
        "headline": text.headline(report),
        "probability_line": words.probability_text(v.probabilities),
        "calibrated": bool(v.calibrated),
        "has_probabilities": any(x is not None for x in (v.probabilities or {}).values()),
        "uncalibrated_note": (text.DECLARED_NOTE if facts.declared_ai(report) is not None
                              else text.RANKING_NOTE),
        "support": text.support_sentences(report),
        "summary": text.summary(report),
        # facts that weigh on their own: a declaration of AI, the PRNU result, laundering
        "facts": [c["statement"] for c in text.combined(report)
                  if c["kind"] in ("declared_ai", "camera_match", "camera_mismatch", "camera_not_tested", "laundering",
                                   "c2pa_unread")
                  or (c["kind"] == "domain" and "copy-move" in c["statement"])],
        "picture": data_uri(outline(previews.base(1600), v.mask), fmt="JPEG"),
        "size": f"{ev.width}×{ev.height} px, {ev.format}",
        "region": region,
        "region_text": (f"Outlined: the marked region, {words.area_text(region['fraction'])} of the picture, "
                        f"largest part {words.at(region['where'])}") if region else None,
        "overlay": previews.overlay_uri(v.heatmap) if v.heatmap is not None else None,
    }
    return ctx


def verdict_box_html(report: Any) -> str:
    """The verdict box alone, as an HTML fragment (for the web page)."""
    return _env().get_template("verdict_box.html").render(v=verdict_context(report))


def _cards(report: Any, evidence: list[facts.Item], previews: Previews) -> list[dict[str, Any]]:
    from forgelens.detectors import available

    reg = available()
    strong = {it.detector for it in evidence}
    shape = report.evidence.shape
    cards = []
    for t in report.traces:
        info = reg.get(t.name)
        has_something = t.applicable and t.error is None and (
            t.name in strong or (t.score is not None and t.score >= facts.MIN_STRENGTH))
        status = ("failed: " + t.error.splitlines()[0]) if t.error else (
            "not applicable: " + t.note if not t.applicable else ("" if has_something else "nothing found"))
        maps = []
        if has_something and t.heatmap is not None:
            maps.append({"src": previews.overlay_uri(t.pixels(t.heatmap), 800), "alt": f"{t.name} map over the picture",
                         "caption": f"{t.name} map over the picture (maps/{t.name}.png)"})
        for key, m in list(t.extra_maps.items())[:4]:  # the analyst's views, also inside a collapsed card
            m = display_unit(t.pixels(m))
            src = previews.overlay_uri(m, 800) if has_something and m.shape == shape else data_uri(m, 400)
            maps.append({"src": src, "alt": f"{t.name} {key}", "caption": f"{key} (maps/{t.name}.{key}.png)"})
        cards.append({
            "name": t.name, "family": facts.family_of(t), "description": info.description if info else "",
            "how_to_read": info.how_to_read if info else "", "caveat": info.caveat if info else "",
            "score": t.score, "calibrated": bool(getattr(t, "calibrated", False)), "seconds": t.seconds,
            "open": has_something, "status": status, "maps": maps,
            "findings": [f.message for f in t.findings if f.strength >= facts.MIN_STRENGTH][:5]
            if has_something else [],
        })
    cards.sort(key=lambda c: not c["open"])  # cards with something to show first
    return cards


def _copy_move_figure(report: Any) -> str | None:
    pairs, boxes = [], []
    for t in report.traces:
        for f in t.findings:
            if f.kind == "copy_move" and t.score is not None and t.score >= 0.5:
                pairs += [p for p in f.values.get("lines", []) if len(p) == 4]
                for key in ("source_bbox", "target_bbox"):
                    b = f.values.get(key)
                    if isinstance(b, list | tuple) and len(b) == 4:
                        boxes.append(tuple(b))
    if not (pairs or boxes):
        return None
    return data_uri(draw_pairs(np.asarray(report.evidence.pixels), pairs, boxes), fmt="JPEG")


def _generation(report: Any, previews: Previews) -> dict[str, Any] | None:
    """The generation model's thresholds, laundering and the generation detectors' patch maps
    (P(generated) itself is in the verdict box, once)."""
    v = report.verdict
    traces = [t for t in facts.live_traces(report) if facts.family_of(t) == "generation"]
    if v.generation is None and not traces:
        return None
    g = v.generation or {}
    lw = v.laundering
    figs = []
    for t in traces:
        kind = "P" if getattr(t, "calibrated", False) else "uncalibrated score"
        figs.append({"name": t.name, "score": None if t.score is None else f"{kind} {t.score:.2f}",
                     "src": previews.overlay_uri(t.pixels(t.heatmap), 800) if t.heatmap is not None else None})
    # the laundering split and the generator hint are conditional on generator traces being there: not
    # shown when the verdict's P(generated) is negligible (a splice must not read "fully synthetic 0.50")
    p_gen = (v.probabilities or {}).get("generated")
    not_negligible = p_gen is not None and p_gen >= text.NEGLIGIBLE_GENERATED
    show_split = bool(lw and lw.get("classes")) and not_negligible
    # issue 18: the likely generator family, a hint and never a verdict (only above the "not generated" band)
    attribution = g.get("attribution") if g.get("band") not in (None, "not generated") and not_negligible else None
    # a designed graphic: the photo-trained detectors' reading is shown as such, never as P(generated)
    gated = text.GRAPHIC_GATE_SENTENCE if facts.graphic_gate(report) is not None else None
    return {"g": g, "laundering": lw if show_split else None, "figs": figs,
            "attribution": None if gated else attribution, "gated": gated,
            "band_text": _band_text(g.get("band")), "p_verdict": p_gen}


def _band_text(band: str | None) -> str:
    """The generation model's band in words that claim no more than it measures: below its
    inconclusive band it found no trace it knows, which is not proof that no AI tool made the picture."""
    if band == "not generated":
        return ("below its inconclusive band: it found no generator trace it knows, which does not show "
                "that no AI tool made the picture")
    return band or "not decided"


def _comparison(report: Any) -> dict[str, Any] | None:
    """The "Compared with the reference" section: the comparison's own section (pictures, overlay,
    regions) when one was made; the archive's answer and its candidates when none was found."""
    c = getattr(report, "comparison", None)
    if c is None:
        return None
    if isinstance(c, dict):
        return {"section": None, "summary": c.get("summary", ""),
                "candidates": (c.get("archive") or {}).get("candidates") or []}
    from markupsafe import Markup

    from forgelens.compare.html import compare_section_html

    return {"section": Markup(compare_section_html(c)), "summary": c.summary(), "candidates": []}


#: Said where the file records an EXIF orientation: the page (style.css, ``image-orientation: none``) shows
#: the picture as stored, so that the maps, heatmap.png and mask.png lie on it as they were measured.
SHOWN_AS_STORED = ("this page shows the picture as stored, not turned as a viewer shows it, so that the maps "
                   "and the mask line up with it")


def _produced_by(report: Any) -> list[tuple[str, str]]:
    """What produced the report, so that an analyst can name it and run it again: the forgelens and Python
    versions and the source commit, the model files by a short SHA-256 (report.json's "tool" has them in
    full), the rule and model file that set the label, and the detectors run; each detector's settings are
    in report.json (traces[].config)."""
    from forgelens.pipeline import tool_identity

    tool = tool_identity(report.traces)
    commit = tool.get("commit")
    dec = getattr(report.verdict, "decision", None) or {}
    rule = dec.get("rule") or "none"
    files = {**tool.get("model_files", {}),
             **{f"{k} ({o['file']})": o.get("sha256") or "unreadable" for k, o in tool.get("option_files", {}).items()}}
    return [("produced by", f"forgelens {tool['version']}, Python {tool['python']}"),
            ("source", (f"git commit {commit['id'][:12]}" + (" with local changes" if commit["modified"] else ""))
             if commit else "not a git checkout (an installed package)"),
            ("model files (SHA-256, first 12)", "; ".join(f"{n.rsplit('/', 1)[-1]} {d[:12]}" for n, d in files.items())
             or "none"),
            ("label set by", f"rule {rule}" + (f", model file {dec['model']}" if dec.get("model") else "")),
            ("detectors run", ", ".join(t.name for t in report.traces) or "none"),
            ("detector settings", "report.json, traces[].config")]


def render_report_html(report: Any) -> str:
    """The whole report page."""
    ev, v = report.evidence, report.verdict
    evidence, context = facts.items(report)
    md = ev.metadata
    meta_rows = list(md.exif.items())[:80] + [(f"PNG text: {k}", val) for k, val in list(md.png_text.items())[:40]]
    meta_rows += [("ICC profile", f"{len(md.icc_profile)} bytes" if md.icc_profile else "none"),
                  ("JPEG comments", "; ".join(md.jpeg_comments) or "none"),
                  ("XMP", "present" if md.xmp else "none"),
                  ("EXIF orientation", f"{md.orientation} (recorded, not applied)"
                   + (f"; {SHOWN_AS_STORED}" if md.orientation not in (None, 1) else ""))]
    meta_rows += [("unreadable metadata", e) for e in md.errors]
    desc = ev.describe()
    prior = (getattr(v, "prior", None) or {}).get("manipulated")
    previews = Previews(ev.pixels)
    return _env().get_template("report.html").render(
        source=ev.source,
        v=verdict_context(report, previews),
        combined=text.combined(report),
        groups=text.groups(report, evidence),
        comparison=_comparison(report),
        context=context,
        copy_move=_copy_move_figure(report),
        generation=_generation(report, previews),
        cards=_cards(report, evidence, previews),
        provenance=report.provenance_rows,
        meta_rows=[(k, str(val)[:300]) for k, val in meta_rows],
        run_rows=[(k, desc[k]) for k in ("source", "sha256", "size_bytes", "format", "width", "height",
                                         "original_mode", "n_frames")] + _produced_by(report),
        notes=list(ev.notes),
        segments=" ".join(s.name for s in ev.segments[:60]) if ev.segments else "",
        timings=json.dumps({k: round(x, 3) for k, x in report.seconds.items()}),
        width=ev.width, height=ev.height, fmt=ev.format,
        shown_as_stored=SHOWN_AS_STORED[0].upper() + SHOWN_AS_STORED[1:] + "." if md.orientation not in (None, 1) else "",
        calibrated=bool(v.calibrated), prior=prior, rule=(getattr(v, "decision", None) or {}).get("rule"),
    )


#: The name the report writer has always called.
render_html = render_report_html
