"""Traces that carry no *local* evidence on this picture: the one place fusion decides it (issue 14, session 13).

A manipulation trace's map is read by the detection model and the fused map as "this region differs from the
rest". Some traces say something true about the whole file that is not a local anomaly; on such a picture the
trace contributes **no local evidence**: its map-derived detection features take the values of an empty
(all-zero) map, its map leaves the fused map, and the analyst view says why in one line citing the measured
number. The condition is a statement about the file, not a tuned number:

- ``jpeg_adq`` (aligned double-JPEG compression, Bianchi & Piva, "Image forgery localization via block-grained
  analysis of JPEG artifacts", IEEE TIFS 2012): its *single-compressed* (suspect) region covers more than half
  of the analysed picture. The test marks the part that was NOT compressed twice; when that is most of the
  frame it is the host, not an insert — a whole-picture re-save whose primary quantisation the test does not
  find (session 12's fresh-web study, s12fa, cause A). The trace's global score and reliability are kept;
  only its map stops counting as a located region.
- the copy-move traces whose findings are matched pairs (``copymove_sift``, ``copymove_dense``): the trace found
  at least one pair and EVERY pair it found is a *weak transformed pair* — at most ``WEAK_PAIR_MATCHES`` (6)
  matched keypoints (inliers) AND a rotation of at least ``WEAK_PAIR_ROTATION`` (5°) AND a scale change
  |s − 1| ≥ ``WEAK_PAIR_SCALE`` (0.15), rotation and scale read from the pair's estimated transform
  (``rotation_deg``, ``scale`` of its ``copy_move`` finding). An affine / similarity transform estimated from a
  handful of matches on repeated or radial structure is weakly determined: keypoint copy-move detectors treat
  few-inlier transformed matches as unreliable (Amerini et al., "A SIFT-based forensic method for copy-move
  attack detection and transformation recovery", IEEE TIFS 2011, who require a minimum number of inliers per
  recovered transform; Christlein et al., "An evaluation of popular copy-move forgery detection approaches",
  IEEE TIFS 2012, who name repeated structures as the main source of false matches). Session 14 (candidate
  CMW; the thresholds were read by s13fa2 from the false alarms of issue 18's fresh-conf set — disclosed in
  ``docs/notes/issue-14.md``). One pair that is not weak keeps the trace's evidence; the trace's global score
  and its pair facts (``copymove.*`` features) are kept: only its map stops counting as a located region.

Session 13 measured three more conditions (jpeg_grid under a last save at quality >= 98; copy-move pairs that
are all periodic or self-overlapping): neither candidate that used them passed its rule, and they are not
part of this module (``docs/notes/issue-14.md``, session 13).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

#: jpeg_adq's single-compressed region, percent of the picture, above which it is the host.
HOST_REGION_PCT = 50.0
#: A weak transformed copy-move pair: at most this many matches, a rotation of at least this many degrees and a
#: scale change |s - 1| of at least this much (all three).
WEAK_PAIR_MATCHES = 6
WEAK_PAIR_ROTATION = 5.0
WEAK_PAIR_SCALE = 0.15
#: The copy-move detectors whose findings are matched pairs (``detectors._copymove_common.pair_finding``).
COPYMOVE_TRACES: tuple[str, ...] = ("copymove_sift", "copymove_dense")
#: Named sets of the traces whose conditions are read (``FusionConfig.local_evidence_traces``; the benchmark's
#: ``--conditions``): "CMW" (session 14: jpeg_adq and the copy-move traces), "JC" (session 13: jpeg_adq only).
#: Reading no condition at all is ``FusionConfig(no_local_evidence=False)``.
CONDITION_SETS: dict[str, tuple[str, ...]] = {"CMW": ("jpeg_adq",) + COPYMOVE_TRACES, "JC": ("jpeg_adq",)}
#: The traces read by default.
TRACES: tuple[str, ...] = CONDITION_SETS["CMW"]

__all__ = ["COPYMOVE_TRACES", "HOST_REGION_PCT", "NoLocalEvidence", "apply_to_summary", "no_local_evidence",
           "pooled_fused", "weak_pair"]


@dataclass(frozen=True)
class NoLocalEvidence:
    """Why one trace contributes no local evidence: the condition, the measured number and one line."""

    detector: str
    condition: str  # "host_region" | "weak_pairs"
    value: float
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"detector": self.detector, "condition": self.condition, "value": self.value, "why": self.why}


def _findings(trace, kind: str) -> list[dict[str, Any]]:
    return [f.values or {} for f in trace.findings if f.kind == kind]


def weak_pair(values: dict[str, Any]) -> bool:
    """A ``copy_move`` finding's values describe a weak transformed pair (module docstring): at most
    ``WEAK_PAIR_MATCHES`` matches, |rotation| ≥ ``WEAK_PAIR_ROTATION`` degrees and |scale − 1| ≥
    ``WEAK_PAIR_SCALE``."""
    n = values.get("match_count")
    return (n is not None and int(n) <= WEAK_PAIR_MATCHES
            and abs(float(values.get("rotation_deg", 0.0))) >= WEAK_PAIR_ROTATION
            and abs(float(values.get("scale", 1.0)) - 1.0) >= WEAK_PAIR_SCALE)


def _span(xs: list[float], fmt: str) -> str:
    lo, hi = min(xs), max(xs)
    return format(lo, fmt) if format(lo, fmt) == format(hi, fmt) else f"{format(lo, fmt)}–{format(hi, fmt)}"


def _weak_pairs_reason(name: str, pairs: list[dict[str, Any]]) -> NoLocalEvidence:
    matches = [int(v["match_count"]) for v in pairs]
    rot = [abs(float(v.get("rotation_deg", 0.0))) for v in pairs]
    scale = [float(v.get("scale", 1.0)) for v in pairs]
    what = "its only pair" if len(pairs) == 1 else f"all {len(pairs)} of its pairs"
    why = (f"{name}: {what} ({_span(matches, 'd')} matches, rotation {_span(rot, '.1f')}°, scale "
           f"{_span(scale, '.2f')}) {'is a weak transformed match' if len(pairs) == 1 else 'are weak transformed matches'}"
           f" — at most {WEAK_PAIR_MATCHES} matches with both a rotation and a scale change, a transform too weakly "
           "determined to tell a copy from repeated or radial structure; its map is not used.")
    return NoLocalEvidence(name, "weak_pairs", float(max(matches)), why)


def no_local_evidence(traces, shape: tuple[int, int], read: tuple[str, ...] | None = None) -> dict[str, NoLocalEvidence]:
    """{trace name: why} for the live traces that carry no local evidence on this picture (module docstring).

    ``shape`` is the analysed picture's (h, w); the area is jpeg_adq's own ``area_pct`` of its largest
    ``single_compressed_region`` finding (percent of the analysed picture). ``read``: the traces whose
    conditions are read (``FusionConfig.local_evidence_traces``; default ``TRACES``). A copy-move trace's
    value is the most matches behind one of its pairs."""
    read = TRACES if read is None else read
    out: dict[str, NoLocalEvidence] = {}
    by = {t.name: t for t in traces if t.name in read}
    for name in COPYMOVE_TRACES:
        if name in by:
            pairs = _findings(by[name], "copy_move")
            if pairs and all(weak_pair(v) for v in pairs):
                out[name] = _weak_pairs_reason(name, pairs)
    adq = by.get("jpeg_adq")
    if adq is not None:
        area = max([float(v.get("area_pct", 0.0)) for v in _findings(adq, "single_compressed_region")] or [0.0])
        if area > HOST_REGION_PCT:
            out["jpeg_adq"] = NoLocalEvidence(
                "jpeg_adq", "host_region", area,
                f"jpeg_adq: the single-compressed area covers {area:.0f} % of the picture — the host, not a local "
                "anomaly (a whole-picture re-save); its map is not used.")
    return out


def pooled_fused(maps: dict[str, np.ndarray], reliability: dict[str, np.ndarray], scores: dict[str, float | None],
                 weights: dict[str, float], cfg) -> np.ndarray | None:
    """``fusion.fuse_maps``' weighted mean (Σ w·r·h / Σ w·r, its weights and evidence weights) of maps already
    pooled onto one grid, in the order of ``maps``. Used only to re-fuse cached analyses, which keep the pooled
    maps but not the full-resolution ones (here, and by ``benchmarks/studies/localizer_refresh.py``); it equals
    the pooled full-resolution fused map where the reliabilities are constant over each grid cell."""
    from forgelens.fusion import evidence_weight

    num = den = None
    for name, m in maps.items():
        w = np.float32(weights.get(name, 1.0) * evidence_weight(name, scores.get(name), cfg))
        if w <= 0:
            continue
        r = reliability.get(name)
        wr = w * (np.float32(1.0) if r is None else r.astype(np.float32))
        term = wr * m.astype(np.float32)
        num = term if num is None else num + term
        den = (wr + np.zeros_like(term)) if den is None else den + wr
    if num is None:
        return None
    return num / np.maximum(den, np.float32(1e-6))


def apply_to_summary(summary, nle: dict[str, NoLocalEvidence], traces, shape: tuple[int, int], *,
                     refused: tuple[dict[str, float], Any] | None = None):
    """A copy of ``summary`` in which every trace of ``nle`` reads as an empty map: its pooled map all zero
    (its reliability and score kept). ``refused`` = (weights, FusionConfig) when the summary comes from a
    cache: its pooled fused map is then rebuilt without those traces (``pooled_fused``); a live analysis adds
    its new fused map itself."""
    if not nle:
        return summary
    maps = {k: (np.zeros_like(v) if k in nle else v) for k, v in summary.maps.items()}
    out = dataclasses.replace(summary, maps=maps)
    if refused is not None and summary.fused is not None:
        from forgelens.fusion import _NOT_MANIPULATION

        kept = [tr for tr in traces if tr.name not in nle and tr.name in summary.maps and tr.family not in _NOT_MANIPULATION]
        fused = pooled_fused({tr.name: summary.maps[tr.name] for tr in kept}, summary.reliability,
                             {tr.name: tr.score for tr in kept}, refused[0], refused[1])
        out.fused = None if fused is None else fused.astype(np.float16)
    return out
