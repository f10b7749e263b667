"""The facts a report can state, read once from a Report: evidence items, proof of origin,
declared AI, the marked region.

Both the journalist summary and the analyst view are built from these, so they cannot
disagree, and every number they cite is a finding, a score or a probability of the same
report (the faithfulness test checks this on many synthetic cases).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from forgelens.explain import words

#: Findings weaker than this are not evidence rows (they stay in report.json).
MIN_STRENGTH = 0.05

#: Independent families of traces, in the order a reader meets them, with a plain title.
FAMILY_TITLES = {
    "provenance": "Provenance (C2PA, metadata, signatures)",
    "copymove": "Copy-move (a part repeated elsewhere)",
    "jpeg": "JPEG compression history",
    "noise": "Noise (sensor grain)",
    "camera": "Camera pipeline (demosaicing, resampling, filtering, sensor pattern)",
    "learned": "Learned localizer",
    "generation": "AI-generation traces",
    "content": "Picture type (photograph or designed graphic)",
}

#: What a journalist is told each family saw (one short clause).
FAMILY_CLUES = {
    "provenance": "the file's own records",
    "copymove": "one part of the picture looks copied to another place",
    "jpeg": "one area was saved in a different way from the rest",
    "noise": "the grain in one area does not match the rest",
    "camera": "the camera's pixel pattern breaks in one area",
    "learned": "a trained checker marks an area as edited",
    "generation": "the pixels carry traces that AI tools leave",
}

#: Other causes of the same trace (issue 14: identical objects, re-saves, phone smoothing,
#: screenshots and re-share chains), by finding kind first, then by family.
ALTERNATIVES_BY_KIND = {
    "copy_move": "Two genuinely identical objects (signs, tiles, windows, printed patterns) match the same "
                 "way; and which of the two copies is the original cannot be told.",
    "ela_high_error": "Texture, edges and saturated colours raise the error level of authentic areas too.",
    "jpeg_ghost": "Near-flat areas (sky, walls, smooth gradients) lose little at every quality and can dip the "
                  "same way; in a file never saved as JPEG (a PNG or TIFF straight from a camera, scanner or "
                  "generator) this is common.",
    "editing_software": "The software may only have converted, resized or exported the picture.",
    "thumbnail_mismatch": "Cameras and phones render their thumbnails differently, and a rotation or crop "
                          "without a thumbnail update does this too.",
    "date_inconsistency": "A re-save or a metadata tool writes new dates without touching the pixels.",
    "camera_fields_missing": "Apps that re-export pictures drop camera fields without changing the content.",
    "global_resampling": "Camera demosaicing, JPEG blocking and periodic textures also make such peaks.",
    "local_resampling": "Periodic textures (fabric, grilles, halftone) also make such peaks.",
    "spectral_peaks": "JPEG blocking, resizing and sharpening also make spectral peaks.",
    "c2pa_invalid": "Some editors break a manifest without changing the picture's content.",
    # PRNU (Goljan et al. 2009): the PCE threshold assumes a clean fingerprint of the same size and orientation
    "camera_match": "A fingerprint estimated from few or textured references, or from references that include "
                    "this picture, can also match: scene content and the JPEG and demosaicing patterns that all "
                    "cameras of one model share survive in it. The match says which camera took the picture, not "
                    "that the picture was not edited.",
    "camera_mismatch": "Another camera gives this reading, and so do processing steps that remove or misalign "
                       "the pattern: resizing, a crop or rotation (the fingerprint is not searched for them), "
                       "strong compression or denoising.",
}
ALTERNATIVES_BY_FAMILY = {
    "jpeg": "A re-save of the whole picture, or a crop or resize between two saves, also leaves "
            "double-compression traces.",
    "noise": "Phone noise reduction and smoothing, or a different focus or exposure across the scene, "
             "also change the noise locally.",
    "camera": "Resizing, denoising or strong compression of the whole picture also disturb this pattern.",
    "generation": "A screenshot, a re-share chain through social networks, or AI upscaling and filters "
                  "applied to a real photo can imitate or erase these traces.",
    "learned": "Content unlike its training pictures can also light it up.",
}

#: The focus fact (``Report.focus``, ``forgelens.focus``) is worded only when the marked area is at least
#: this many times sharper than the rest of the picture ("at least twice as sharp"; fixed by the lead in
#: session 15 before any number was seen, not tuned). Below it nothing is added.
FOCUS_SHARPER = 2.0
#: The families whose traces a subject in focus against a blurred or flat background lights up in
#: untouched photos (the four false alarms of the fourth fresh set, issue 14 session 15).
FOCUS_FAMILIES = ("noise", "learned")
#: The analyst view's observed alternative (with the measured ratio) and the journalist's sentence.
FOCUS_ALTERNATIVE = ("The marked area is {ratio:.1f} times sharper than the rest of the picture; a subject in focus "
                     "against a blurred or flat background changes these traces in untouched photos too.")
FOCUS_PLAIN = ("The marked area is also the part of the picture in sharp focus, which can cause such signs in "
               "untouched photos.")

#: Facts with no strength worth keeping as context (observed, but neither for nor against).
CONTEXT_KINDS = ("jpeg_quality", "double_compression", "c2pa_valid", "camera_match", "camera_mismatch",
                 "authentic-looking", "jpeg_grid_main", "qtable_match", "graphic_content")
#: Readings that no combiner uses and that were measured not to tell the classes apart: shown as context
#: with this reason, never ranked as evidence. ``spectral_peaks`` (``spectrum``, not in the generation
#: combiner): AUC 0.565 for generated (97: aigen-sd12, aigen-playground fake) against authentic (162: Dresden
#: natural, Kodak, SUN, aigen-playground real) — below the brightness baseline (0.614); every Kodak scan
#: reads ≥ 0.9 and 2 % of the SD pictures do (docs/notes/walk-analyst.md, session 19, s19words).
NOT_USED_KINDS = {"spectral_peaks": "not used for the verdict: camera photographs and scans show such peaks as "
                                    "often as generated pictures"}
#: Kinds that state a conclusion drawn from a threshold rather than a measurement.
INFERRED_KINDS = ("generated", "authentic-looking", "inconclusive", "camera_fields_missing")
#: Kinds that are always evidence when present, whatever their strength (stated when run).
ALWAYS_KINDS = ("camera_match", "camera_mismatch", "ai_declared")


@dataclass
class Item:
    """One distinct fact: a finding of one detector (the strongest of its kind), with its
    caveat and the other causes that produce the same trace."""

    family: str
    detector: str
    kind: str
    status: str  # "observed" (a measured number) or "inferred" (a conclusion)
    statement: str
    strength: float
    score: float | None
    region: tuple[int, int, int, int] | None
    where: str | None
    other_regions: list[tuple[int, int, int, int]] = field(default_factory=list)
    caveat: str = ""
    alternatives: str = ""
    #: Other causes measured on THIS picture, each citing its number (e.g. the focus fact).
    observed_alternatives: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "detector": self.detector, "kind": self.kind, "status": self.status,
                "statement": self.statement, "strength": round(self.strength, 4),
                "score": None if self.score is None else round(self.score, 4),
                "region": list(self.region) if self.region else None, "where": self.where,
                "other_regions": [list(b) for b in self.other_regions],
                "caveat": self.caveat, "alternatives": self.alternatives,
                "observed_alternatives": list(self.observed_alternatives)}


def family_of(trace: Any) -> str:
    """A Trace's family: stamped by the registry, or looked up when it is not."""
    fam = getattr(trace, "family", None)
    if fam and fam != "unknown":
        return fam
    from forgelens.detectors import available

    info = available().get(trace.name)
    return info.family if info else "unknown"


def caveat_of(name: str) -> str:
    from forgelens.detectors import available

    info = available().get(name)
    return info.caveat if info else ""


def live_traces(report: Any) -> list[Any]:
    return [t for t in report.traces if t.applicable and t.error is None]


def sharp_focus(report: Any) -> float | None:
    """The focus ratio when the words state it (the marked area at least ``FOCUS_SHARPER`` times sharper
    than the rest, ``Report.focus``), else None."""
    f = getattr(report, "focus", None)
    ratio = (f or {}).get("ratio")
    return float(ratio) if ratio is not None and ratio >= FOCUS_SHARPER else None


def used_for_verdict(report: Any, name: str) -> bool:
    """Whether detector ``name`` took part in the verdict: it is among the rule's deciders or the generation
    assessment's detectors, or there was no generation assessment (then the strongest generation score
    stands in for one, ``fusion._scores``)."""
    v = report.verdict
    dec = getattr(v, "decision", None) or {}
    gen = getattr(v, "generation", None)
    if name in (dec.get("detectors") or []):
        return True
    if v.label == "not_applicable":
        return False
    return gen is None or name in (gen.get("detectors") or [])


def items(report: Any) -> tuple[list[Item], list[Item]]:
    """(evidence, context): one Item per (detector, kind), strongest first; evidence has
    strength ≥ MIN_STRENGTH (or is always stated), context is the neutral facts worth knowing.
    Evidence of the noise and learned families carries the focus fact as an observed alternative
    when the marked area is the part in sharp focus (``sharp_focus``)."""
    ev = report.evidence
    focus = sharp_focus(report)
    evidence: list[Item] = []
    context: list[Item] = []
    seen_context: set[str] = set()
    for t in live_traces(report):
        fam = family_of(t)
        if fam == "baseline":
            continue
        by_kind: dict[str, list] = {}
        for f in t.findings:
            by_kind.setdefault(f.kind, []).append(f)
        for kind, fs in by_kind.items():
            fs = sorted(fs, key=lambda f: -f.strength)
            top = fs[0]
            # a finding its own detector gives no weight (score below the floor: e.g. a whole-image
            # resampling peak, strength 1.00, under a resampling score of 0.00) is a fact, not evidence:
            # "strength 1.00" beside "detector score 0.00" would claim more than the detector does
            weightless = (t.score is not None and t.score < MIN_STRENGTH and kind not in ALWAYS_KINDS
                          and top.strength >= MIN_STRENGTH)
            not_used = kind in NOT_USED_KINDS and not used_for_verdict(report, t.name)
            is_evidence = (top.strength >= MIN_STRENGTH or kind in ALWAYS_KINDS) and not weightless and not not_used
            if not is_evidence and kind not in CONTEXT_KINDS and not weightless and not not_used:
                continue  # filler: a zero-strength note ("nothing found", "proves nothing")
            if not is_evidence:
                if kind in seen_context:  # e.g. the JPEG quality read by three detectors: once
                    continue
                seen_context.add(kind)
            numeric = any(isinstance(v, int | float) and not isinstance(v, bool) for v in top.values.values())
            status = "inferred" if kind in INFERRED_KINDS else (
                "observed" if numeric or any(c.isdigit() for c in top.message) else "inferred")
            item = Item(
                family=fam, detector=t.name, kind=kind, status=status,
                statement=top.message + (f" ({NOT_USED_KINDS[kind]})" if not_used else ""),
                strength=float(top.strength), score=t.score, region=top.region,
                where=words.where(top.region, ev.width, ev.height) if top.region else None,
                other_regions=[f.region for f in fs[1:] if f.region and f.strength >= MIN_STRENGTH][:4],
                caveat=caveat_of(t.name) if is_evidence else "",
                alternatives=(ALTERNATIVES_BY_KIND.get(kind) or ALTERNATIVES_BY_FAMILY.get(fam, ""))
                if is_evidence else "",
                observed_alternatives=[FOCUS_ALTERNATIVE.format(ratio=focus)]
                if is_evidence and focus is not None and fam in FOCUS_FAMILIES else [],
            )
            (evidence if is_evidence else context).append(item)
    evidence.sort(key=lambda i: -i.strength)
    return evidence, context


def groups(evidence: list[Item]) -> list[dict[str, Any]]:
    """Evidence grouped by independent family, the family with the strongest item first."""
    out: dict[str, list[Item]] = {}
    for it in evidence:
        out.setdefault(it.family, []).append(it)
    return [{"family": fam, "title": FAMILY_TITLES.get(fam, fam), "items": its}
            for fam, its in sorted(out.items(), key=lambda kv: -kv[1][0].strength)]


def _is_ai_dst(dst: Any) -> bool:
    return any(str(d).rstrip("/").rsplit("/", 1)[-1] in ("trainedAlgorithmicMedia", "algorithmicMedia",
                                                         "compositeWithTrainedAlgorithmicMedia")
               for d in (dst or []))


def _is_capture_dst(dst: Any) -> bool:
    return any(str(d).rstrip("/").rsplit("/", 1)[-1] in ("digitalCapture", "computationalCapture")
               for d in (dst or []))


def findings_of(report: Any, kind: str) -> list[tuple[str, Any]]:
    return [(t.name, f) for t in live_traces(report) for f in t.findings if f.kind == kind]


def declared_ai(report: Any) -> dict[str, Any] | None:
    """A declaration of AI generation in the file: {"where", "valid", "scope", "detector"}.
    A C2PA manifest that declares AI but does not validate here is still reported (both facts)."""
    for det, f in findings_of(report, "ai_declared"):
        return {"detector": det, "valid": f.values.get("signature_valid", True if det == "c2pa_manifest" else None),
                "scope": f.values.get("scope", "full"), "where": "C2PA manifest" if det == "c2pa_manifest"
                else f.values.get("where", "metadata"), "message": f.message}
    for det, f in findings_of(report, "c2pa_invalid"):
        if _is_ai_dst(f.values.get("digital_source_types")):
            partial = all(str(d).endswith("compositeWithTrainedAlgorithmicMedia")
                          for d in f.values["digital_source_types"] if _is_ai_dst([d]))
            return {"detector": det, "valid": False, "scope": "partial" if partial else "full",
                    "where": "C2PA manifest", "message": f.message}
    for det, f in findings_of(report, "generator_signature"):
        if f.strength >= 0.9:
            return {"detector": det, "valid": None, "scope": "full", "where": "metadata", "message": f.message}
    return None


def graphic_gate(report: Any) -> dict[str, Any] | None:
    """The content gate's facts when the verdict treated the picture as a designed graphic
    (``decision["graphic_gate"]``: detector, p_graphic, threshold), else None."""
    return (getattr(report.verdict, "decision", None) or {}).get("graphic_gate")


def proof_of_origin(report: Any) -> str | None:
    """Positive proof of origin, when there is one: a PRNU camera match, or a valid C2PA
    manifest that declares a camera capture. Only these let the words say "authentic"."""
    for _, f in findings_of(report, "camera_match"):
        return "the picture carries the sensor pattern of the reference camera (" + f.message.split(":")[0] + ")"
    for _, f in findings_of(report, "c2pa_valid"):
        if _is_capture_dst(f.values.get("digital_source_types")) and not _is_ai_dst(
                f.values.get("digital_source_types")):
            return "a valid C2PA manifest declares a camera capture"
    return None


def c2pa_changed_after_signing(report: Any) -> bool:
    """The file's own C2PA manifest fails validation because the file changed after it was signed
    (a ``c2pa_invalid`` finding with a hash-mismatch failure code): a measured fact about this file
    (the change may be a re-save or a metadata edit as well as an edit of the picture)."""
    # the codes the detector reads as a hash mismatch (one list for both)
    from forgelens.detectors.c2pa_manifest import HASH_CODES

    return any(code in HASH_CODES for _, f in findings_of(report, "c2pa_invalid")
               for code in (f.values or {}).get("failure_codes") or ())


def c2pa_unread(report: Any) -> bool:
    """The file holds a C2PA (JUMBF) block that this installation could not read: c2pa-python, the
    ``provenance`` extra, is not installed. The manifest may declare how the picture was made (an AI
    generator, a camera capture), the strongest evidence there is, so the reader must be told."""
    return any(t.name == "c2pa_manifest" and any(f.kind == "c2pa_unavailable" for f in t.findings)
               for t in report.traces)


def prnu_not_tested(report: Any) -> str | None:
    """Why the camera test that was asked for (a fingerprint was given) did not run: the PRNU detector's note
    when the fingerprint does not fit the picture (``prnu_mismatch``: another size or orientation) or its error
    (an unusable fingerprint file). None when it ran, or when no fingerprint was given."""
    for t in report.traces:
        if t.name != "prnu":
            continue
        if t.error:
            return t.error.splitlines()[0]
        if not t.applicable and any(f.kind == "prnu_mismatch" for f in t.findings):
            return t.note
    return None


def prnu_result(report: Any) -> tuple[str, Any] | None:
    for kind in ("camera_match", "camera_mismatch"):
        for _, f in findings_of(report, kind):
            return kind, f
    return None


#: The family of the reference comparison (``analyze --reference`` / ``--archive``): a
#: measurement against another copy, independent of every blind detector.
COMPARISON_FAMILY = "reference comparison"
COMPARISON_CAVEAT = ("It shows how this picture differs from that copy, not which of the two is the "
                     "original; a change made before that copy was saved does not show.")
#: A changed region's kind (forgelens.compare) in plain words.
REGION_KIND_WORDS = {"added": "something added", "removed": "something removed", "recoloured": "recoloured",
                     "text_changed": "text changed", "altered": "content replaced"}


def comparison(report: Any) -> dict[str, Any] | None:
    """What the reference comparison says, from its own numbers: ``state`` is "edited",
    "unchanged", "other_scene" or "not_found" (an archive search found no copy). None without one."""
    c = getattr(report, "comparison", None)
    if c is None:
        return None
    if isinstance(c, dict):
        return {"state": "not_found", "summary": c.get("summary", ""),
                "candidates": (c.get("archive") or {}).get("candidates") or []}
    from pathlib import Path

    name = Path(str(c.reference.get("source") or "reference")).name
    out: dict[str, Any] = {"name": name, "summary": c.summary(), "reason": c.reason,
                           "mirrored": (c.alignment or {}).get("flip", "none") not in ("none", None)}
    if not c.same_scene:
        return {**out, "state": "other_scene"}
    if not c.regions:
        return {**out, "state": "unchanged"}
    kinds = sorted({r["kind"] for r in c.regions})
    return {**out, "state": "edited", "regions": len(c.regions), "percent": 100 * c.changed_fraction,
            "kinds": [REGION_KIND_WORDS.get(k, k) for k in kinds], "largest": c.regions[0]}


def comparison_item(report: Any) -> Item | None:
    """The comparison as one analyst item of its own family (observed: measured on both pictures)."""
    comp = comparison(report)
    if comp is None or comp["state"] == "not_found":
        return None
    statement = f"Reference comparison: {comp['summary'][0].upper()}{comp['summary'][1:]}."
    region = where = None
    if comp["state"] == "edited":
        x, y, w, h = comp["largest"]["box"]
        region = (x, y, x + w, y + h)
        where = words.where(region, report.evidence.width, report.evidence.height)
        statement += f" The largest region is {words.at(where)}."
    elif comp["state"] == "unchanged":
        statement = statement[:-1] + ", which does not rule out edits made before that copy."
    else:
        statement = statement[:-1] + ", so the analysis of the picture alone stands on its own."
    return Item(family=COMPARISON_FAMILY, detector="compare", kind=f"reference_{comp['state']}", status="observed",
                statement=statement, strength=1.0 if comp["state"] == "edited" else 0.0, score=None,
                region=region, where=where, caveat=COMPARISON_CAVEAT)
