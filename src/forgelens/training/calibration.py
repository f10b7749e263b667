"""Calibration shared by the training recipes: Platt scaling and a threshold at a false-positive rate."""

from __future__ import annotations

import numpy as np

__all__ = ["fit_platt", "threshold_at_fpr"]


def fit_platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e4, max_iter=1000)
    lr.fit(np.asarray(z, np.float64).reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def threshold_at_fpr(p_real: np.ndarray, fpr: float = 0.03) -> float:
    """Smallest threshold t with mean(p_real >= t) <= fpr."""
    s = np.sort(np.asarray(p_real))[::-1]
    k = int(np.floor(fpr * len(s)))  # number of reals allowed at or above t
    t = s[k] + 1e-6 if k < len(s) else 0.0
    return float(min(max(t, 0.5), 0.999))
