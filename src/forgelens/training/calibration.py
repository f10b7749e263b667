"""The training recipes' calling convention for the one set of calibration helpers.

The arithmetic lives in ``forgelens.fusion.calibration`` (Platt scaling, threshold at a
false-positive rate); this module only adapts it to what the generation recipes expect: Platt
as an ``(a, b)`` pair, and a decision threshold kept within [0.5, 0.999].
"""

from __future__ import annotations

import numpy as np

from forgelens.fusion import calibration

__all__ = ["fit_platt", "threshold_at_fpr"]


def fit_platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling (``fusion.calibration.fit_platt``) as (a, b): p = sigmoid(a·z + b)."""
    p = calibration.fit_platt(z, y)
    return p["a"], p["b"]


def threshold_at_fpr(p_real: np.ndarray, fpr: float = 0.03) -> float:
    """Smallest threshold t with mean(p_real >= t) <= fpr, kept within [0.5, 0.999]."""
    return float(min(max(calibration.threshold_at_fpr(p_real, fpr), 0.5), 0.999))
