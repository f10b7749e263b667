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
#: The traces whose conditions are read ("JC", session 13's candidate: jpeg_adq only; "none": a check that
#: the code with no condition reads as the code before it).
CONDITION_SETS: dict[str, tuple[str, ...]] = {"JC": ("jpeg_adq",), "none": ()}
TRACES: tuple[str, ...] = CONDITION_SETS["JC"]

__all__ = ["HOST_REGION_PCT", "NoLocalEvidence", "apply_to_summary", "no_local_evidence", "pooled_fused"]


@dataclass(frozen=True)
class NoLocalEvidence:
    """Why one trace contributes no local evidence: the condition, the measured number and one line."""

    detector: str
    condition: str  # "host_region"
    value: float
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"detector": self.detector, "condition": self.condition, "value": self.value, "why": self.why}


def _findings(trace, kind: str) -> list[dict[str, Any]]:
    return [f.values or {} for f in trace.findings if f.kind == kind]


def no_local_evidence(traces, shape: tuple[int, int]) -> dict[str, NoLocalEvidence]:
    """{trace name: why} for the live traces that carry no local evidence on this picture (module docstring).

    ``shape`` is the analysed picture's (h, w); the area is jpeg_adq's own ``area_pct`` of its largest
    ``single_compressed_region`` finding (percent of the analysed picture)."""
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
