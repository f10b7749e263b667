"""Trivial baselines: what size, format, brightness and saturation alone would score.

These are not forensic methods. They exist so that every accuracy table can
show, beside a detector's figure, what a content-blind guess scores on the same
images: a detector earns credit only where it clearly beats them (small
benchmarks are full of such shortcuts — e.g. generated images that are all one
size, or splices that are brighter than their hosts).

Each baseline's map is the named pixel property (so pixel AUC measures how well
"brighter / more saturated / more central = manipulated" localises), and its
score is an image statistic squashed to [0, 1] (AUC depends only on the order).
None is part of the default analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.trace import Trace

_CAVEAT = "A content-blind baseline for benchmark tables, not evidence."


@dataclass(frozen=True)
class BaselineConfig:
    pass


def _saturation(px: np.ndarray) -> np.ndarray:
    p = px.astype(np.float32)
    mx, mn = p.max(axis=2), p.min(axis=2)
    return np.where(mx > 0, (mx - mn) / np.maximum(mx, 1.0), 0.0).astype(np.float32)


@register("baseline_brightness", config=BaselineConfig, family="baseline", default=False,
          description="Trivial baseline: map = brightness, score = mean brightness", caveat=_CAVEAT)
def baseline_brightness(evidence: Evidence, config: BaselineConfig) -> Trace:
    y = evidence.luminance / 255.0
    return Trace("baseline_brightness", heatmap=y.astype(np.float32), score=float(y.mean()))


@register("baseline_saturation", config=BaselineConfig, family="baseline", default=False,
          description="Trivial baseline: map = HSV saturation, score = mean saturation", caveat=_CAVEAT)
def baseline_saturation(evidence: Evidence, config: BaselineConfig) -> Trace:
    s = _saturation(np.asarray(evidence.pixels))
    return Trace("baseline_saturation", heatmap=s, score=float(s.mean()))


@register("baseline_size", config=BaselineConfig, family="baseline", default=False,
          description="Trivial baseline: map = centre prior, score = log pixel count (bigger → higher)",
          caveat=_CAVEAT)
def baseline_size(evidence: Evidence, config: BaselineConfig) -> Trace:
    h, w = evidence.shape
    yy = (np.arange(h, dtype=np.float32) - (h - 1) / 2) / max(h / 2, 1)
    xx = (np.arange(w, dtype=np.float32) - (w - 1) / 2) / max(w / 2, 1)
    centre = 1.0 - np.clip(np.sqrt(yy[:, None] ** 2 + xx[None, :] ** 2) / np.sqrt(2), 0, 1)
    score = float(np.clip(np.log10(h * w) / 9.0, 0, 1))
    return Trace("baseline_size", heatmap=centre.astype(np.float32), score=score)


@register("baseline_format", config=BaselineConfig, family="baseline", default=False,
          description="Trivial baseline: score = 1 for JPEG files, 0.5 for other lossy, 0 for lossless",
          caveat=_CAVEAT)
def baseline_format(evidence: Evidence, config: BaselineConfig) -> Trace:
    score = 1.0 if evidence.format in ("JPEG", "MPO") else 0.5 if evidence.format == "WEBP" else 0.0
    return Trace("baseline_format", score=score)
