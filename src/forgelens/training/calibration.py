"""The training recipes' calling convention for the one set of calibration helpers.

The arithmetic lives in ``forgelens.fusion.calibration`` (Platt scaling, threshold at a
false-positive rate); this module only adapts it to what the generation recipes expect: Platt
as an ``(a, b)`` pair, and a decision threshold kept within [0.5, 0.999].
"""

from __future__ import annotations

import numpy as np

from forgelens.fusion import calibration

__all__ = ["fit_platt", "threshold_at_fpr", "per_source_threshold"]


def fit_platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling (``fusion.calibration.fit_platt``) as (a, b): p = sigmoid(a·z + b)."""
    p = calibration.fit_platt(z, y)
    return p["a"], p["b"]


def threshold_at_fpr(p_real: np.ndarray, fpr: float = 0.03) -> float:
    """Smallest threshold t with mean(p_real >= t) <= fpr, kept within [0.5, 0.999]."""
    return float(min(max(calibration.threshold_at_fpr(p_real, fpr), 0.5), 0.999))


def per_source_threshold(p_real: np.ndarray, source: np.ndarray, fpr: float = 0.03) -> float:
    """Smallest threshold (within [0.5, 0.999]) calling at most ``fpr`` of *each* source's real pictures:
    the largest of the per-source ``threshold_at_fpr``. Non-finite scores are not counted; 0.5 when no
    source has one."""
    p_real, source = np.asarray(p_real, float), np.asarray(source)
    ok = np.isfinite(p_real)
    return max((threshold_at_fpr(p_real[ok & (source == s)], fpr) for s in np.unique(source[ok])), default=0.5)
