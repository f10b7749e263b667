"""Traces that carry no *local* evidence on this picture: the one place fusion decides it (issue 14, session 13).

A manipulation trace's map is read by the detection model and the fused map as "this region differs from the
rest". Some traces say something true about the whole file, or about the scene, that is not a local anomaly;
on such a picture the trace contributes **no local evidence**: its map-derived detection features take the
values of an empty (all-zero) map, its map leaves the fused map, and the analyst view says why in one line
citing the measured number. The conditions are statements about the file or the scene, not tuned numbers:

- ``jpeg_adq`` (aligned double-JPEG compression, Bianchi & Piva, IEEE TIFS 2012): its *single-compressed*
  (suspect) region covers more than half of the analysed picture. The test marks the part that was NOT
  compressed twice; when that is most of the frame it is the host, not an insert — a whole-picture
  re-save whose primary quantisation the test does not find (session 12's fresh-web study, s12fa, cause A).
- ``jpeg_grid`` (blocking-artefact grid, Nikoukhah et al., IPOL 2020 / Lin et al. 2009): the last save's
  JPEG quality is at least 98. A save that fine leaves almost no blocking of its own, so an older JPEG grid
  shows through every textured area (the Fireworks q100 re-saves of s12fa's study): the "foreign" grid then
  says the file was JPEG-saved before, not that a region was pasted.
- ``copymove_sift`` / ``copymove_dense`` (Amerini et al. 2011; Cozzolino et al. 2015): every matched pair the
  trace reports is explained by repeated real structure rather than a clone (Christlein et al., "An
  evaluation of popular copy-move forgery detection approaches", IEEE TIFS 2012, name repeated objects as
  the main source of their false positives; session 12's diagnosis s12diag of the D70s railing):
  (c) *periodic repetition*: at least ``PERIODIC_MIN`` pairs whose shifts are equal or integer multiples
  (k = 1…``PERIODIC_K``) of one shift within the detector's own matching tolerance (railings, windows,
  tiles), or (d) *self-overlap*: the pair's source and target boxes overlap (a region matched onto itself
  is texture, not a copy). The copy-move trace then also reads as "nothing matched": its score 0 and its
  pair facts (``detection.finding_facts``) without its pairs. Both facts are recorded on every pair finding
  by the detectors (``_copymove_common.repetition_facts``) and recomputed here from the same values for
  analyses made before they were.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

#: (a) jpeg_adq's single-compressed region, percent of the picture, above which it is the host.
HOST_REGION_PCT = 50.0
#: (b) last-save JPEG quality at or above which an older grid shows through: jpeg_grid reads no local evidence.
FINE_RESAVE_QUALITY = 98
COPYMOVE_TRACES = ("copymove_sift", "copymove_dense")
#: The traces whose conditions are read: JB (session 13's declared candidates) = all; JA = the JPEG ones only.
CONDITION_SETS = {"JA": ("jpeg_adq", "jpeg_grid"), "JB": ("jpeg_adq", "jpeg_grid") + COPYMOVE_TRACES, "none": ()}
TRACES: tuple[str, ...] = CONDITION_SETS["JB"]

__all__ = ["NoLocalEvidence", "apply_to_summary", "no_local_evidence", "pooled_fused"]


@dataclass(frozen=True)
class NoLocalEvidence:
    """Why one trace contributes no local evidence: the condition, the measured number and one line."""

    detector: str
    condition: str  # "host_region", "fine_resave", "periodic_repetition", "self_overlap"
    value: float
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"detector": self.detector, "condition": self.condition, "value": self.value, "why": self.why}


def _findings(trace, kind: str) -> list[dict[str, Any]]:
    return [f.values or {} for f in trace.findings if f.kind == kind]


def last_save_quality(traces) -> int | None:
    """The JPEG quality of the file's last save, as the detectors estimated it from its quantisation table
    (``forgelens.jpeg.estimate_jpeg_quality``): jpeg_grid's ``file_quality`` when it recorded one, else
    jpeg_ghost's ``jpeg_quality`` finding (analyses made before jpeg_grid recorded it; the same estimate)."""
    by = {t.name: t for t in traces}
    for name, kind, key in (("jpeg_grid", "jpeg_grid_main", "file_quality"), ("jpeg_ghost", "jpeg_quality", "quality")):
        if name in by:
            for v in _findings(by[name], kind):
                if v.get(key) is not None:
                    return int(v[key])
    return None


def no_local_evidence(traces, shape: tuple[int, int]) -> dict[str, NoLocalEvidence]:
    """{trace name: why} for the live traces that carry no local evidence on this picture (module docstring)."""
    from forgelens.detectors._copymove_common import repetition_facts

    out: dict[str, NoLocalEvidence] = {}
    by = {t.name: t for t in traces if t.name in TRACES}
    adq = by.get("jpeg_adq")
    if adq is not None:
        area = max([float(v.get("area_pct", 0.0)) for v in _findings(adq, "single_compressed_region")] or [0.0])
        if area > HOST_REGION_PCT:
            out["jpeg_adq"] = NoLocalEvidence(
                "jpeg_adq", "host_region", area,
                f"jpeg_adq: the single-compressed area covers {area:.0f} % of the picture — the host, not a local "
                "anomaly (a whole-picture re-save); its map is not used.")
    if "jpeg_grid" in by:
        q = last_save_quality(traces)
        if q is not None and q >= FINE_RESAVE_QUALITY:
            out["jpeg_grid"] = NoLocalEvidence(
                "jpeg_grid", "fine_resave", float(q),
                f"jpeg_grid: the last save is JPEG quality {q} (≥ {FINE_RESAVE_QUALITY}), which leaves almost no "
                "blocking of its own, so an earlier grid shows through all texture — not a local anomaly; its map "
                "is not used.")
    for name in COPYMOVE_TRACES:
        t = by.get(name)
        if t is None:
            continue
        pairs = _findings(t, "copy_move")
        if not pairs:
            continue
        facts = [repetition_facts(pairs, name, shape)[i] if "periodic_repeats" not in v else
                 {"periodic_repeats": int(v["periodic_repeats"]), "periodic": bool(v["periodic"]),
                  "self_overlap": bool(v["self_overlap"])} for i, v in enumerate(pairs)]
        if not all(f["periodic"] or f["self_overlap"] for f in facts):
            continue  # a pair that is neither keeps the trace's evidence
        periodic = max(f["periodic_repeats"] for f in facts)
        if any(f["periodic"] for f in facts):
            s = pairs[int(np.argmax([f["periodic_repeats"] for f in facts]))]
            out[name] = NoLocalEvidence(
                name, "periodic_repetition", float(periodic),
                f"{name}: {periodic} matched pairs repeat one shift ({s.get('shift', 0):.0f} px) or its multiples — "
                "repeated real objects (railings, windows, tiles), not a clone; not used.")
        else:
            out[name] = NoLocalEvidence(
                name, "self_overlap", float(len(pairs)),
                f"{name}: the source and target of {'the matched pair' if len(pairs) == 1 else f'all {len(pairs)} pairs'} "
                "overlap — a region matched onto itself is texture, not a clone; not used.")
    return out


def pooled_fused(summary, traces, weights: dict[str, float], cfg, exclude) -> np.ndarray | None:
    """The fused map on the pooling grid from the pooled trace maps (``fusion.fuse_maps``' weighted mean of
    heatmaps × reliability, with its weights, on the grid instead of the pixels), leaving out ``exclude``.
    Used only to re-fuse cached analyses, which keep the pooled maps but not the full-resolution ones; it
    equals the pooled full-resolution fused map where the reliabilities are constant over each grid cell."""
    from forgelens.fusion import _NOT_MANIPULATION

    num = den = None
    for t in traces:
        if t.name in exclude or t.name not in summary.maps or t.family in _NOT_MANIPULATION:
            continue
        ev = 1.0 if t.name in cfg.map_only else max(t.score or 0.0, cfg.score_floor)
        w = np.float32(weights.get(t.name, 1.0) * ev)
        if w <= 0:
            continue
        r = summary.reliability.get(t.name)
        wr = w * (np.float32(1.0) if r is None else r.astype(np.float32))
        term = wr * summary.maps[t.name].astype(np.float32)
        num = term if num is None else num + term
        den = (wr + np.zeros_like(term)) if den is None else den + wr
    if num is None:
        return None
    return num / np.maximum(den, np.float32(1e-6))


def apply_to_summary(summary, nle: dict[str, NoLocalEvidence], traces, shape: tuple[int, int], *,
                     refused: tuple[dict[str, float], Any] | None = None):
    """A copy of ``summary`` in which every trace of ``nle`` reads as an empty map: its pooled map all zero
    (its reliability kept), a copy-move trace's score 0 and the copy-move pair facts recomputed without its
    pairs. ``refused`` = (weights, FusionConfig) when the summary comes from a cache: its pooled fused map is
    then rebuilt without those traces (``pooled_fused``); a live analysis adds its new fused map itself."""
    if not nle:
        return summary
    from forgelens.fusion.detection import finding_facts

    maps = {k: (np.zeros_like(v) if k in nle else v) for k, v in summary.maps.items()}
    scores = {k: (0.0 if k in nle and k in COPYMOVE_TRACES else v) for k, v in summary.scores.items()}
    facts = dict(summary.facts)
    if any(k in COPYMOVE_TRACES for k in nle):
        facts.update(finding_facts([(t.family, f.kind, f.values or {}, tuple(shape)) for t in traces
                                    if t.name not in nle for f in t.findings]))
    out = dataclasses.replace(summary, maps=maps, scores=scores, facts=facts)
    if refused is not None and summary.fused is not None:
        fused = pooled_fused(summary, traces, refused[0], refused[1], set(nle))
        out.fused = None if fused is None else fused.astype(np.float16)
    return out
