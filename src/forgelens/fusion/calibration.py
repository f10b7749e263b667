"""Calibration helpers shared by every fitted combiner: scores → probabilities → evidence.

One place for the arithmetic that turns a model's raw output into something a
forensic reader can weigh:

- **Platt scaling** (Platt 1999, "Probabilistic outputs for support vector machines"):
  a one-dimensional logistic fit ``p = sigmoid(a·s + b)`` on held-out scores.
- **Isotonic calibration** (Zadrozny & Elkan 2002, "Transforming classifier scores into
  accurate multiclass probability estimates"): a monotone step function fitted by pool
  adjacent violators, stored as its knots and applied by linear interpolation.
- **Threshold at a target false-positive rate**: the lowest score that calls at most
  ``fpr`` of the negatives positive (e.g. ≤ 3 % of authentic camera photos).
- **Likelihood ratio** from a calibrated posterior: LR = posterior odds / prior odds,
  where the prior is the class balance the model was calibrated for (0.5 for balanced
  fits), so LR answers "how much more probable are these findings if the image was
  manipulated than if it was not" (Evett et al., the ENFSI guideline's framework).
- **ENFSI verbal scale** (ENFSI Guideline for Evaluative Reporting in Forensic Science,
  2015, Table on p. 17): LR 2–10 weak, 10–100 moderate, 100–1 000 moderately strong,
  1 000–10 000 strong, 10 000–1 000 000 very strong, above 1 000 000 extremely strong
  support. LRs between 1/2 and 2 give no support either way ("none"); below 1/2 the
  findings support the alternative ("against"). Keys only: ``explain/`` words them.

Everything here is a pure function of numbers, with JSON-able fitted parameters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import expit

__all__ = [
    "ENFSI_STEPS",
    "apply_isotonic",
    "apply_platt",
    "enfsi_support",
    "expected_calibration_error",
    "fit_isotonic",
    "fit_platt",
    "likelihood_ratio",
    "threshold_at_fpr",
]

#: (lower LR bound, key), ascending. A likelihood ratio gets the key of the last bound it reaches.
ENFSI_STEPS: tuple[tuple[float, str], ...] = (
    (0.0, "against"),
    (0.5, "none"),
    (2.0, "weak"),
    (10.0, "moderate"),
    (100.0, "moderately_strong"),
    (1e3, "strong"),
    (1e4, "very_strong"),
    (1e6, "extremely_strong"),
)

#: Probabilities are kept inside [EPS, 1 − EPS] before odds are taken: a finite sample
#: cannot support an infinite likelihood ratio.
EPS = 1e-6


def likelihood_ratio(p: float | None, prior: float = 0.5) -> float | None:
    """Posterior odds / prior odds of a calibrated probability ``p`` (None stays None)."""
    if p is None or not math.isfinite(float(p)):
        return None
    p = min(max(float(p), EPS), 1 - EPS)
    q = min(max(float(prior), EPS), 1 - EPS)
    return (p / (1 - p)) / (q / (1 - q))


def enfsi_support(lr: float | None) -> str | None:
    """The ENFSI (2015) verbal-scale key for a likelihood ratio (None stays None)."""
    if lr is None or not math.isfinite(float(lr)):
        return None
    key = ENFSI_STEPS[0][1]
    for bound, name in ENFSI_STEPS:
        if lr >= bound:
            key = name
    return key


def fit_platt(scores: Sequence[float], labels: Sequence[int], sample_weight: Sequence[float] | None = None,
              ) -> dict[str, float]:
    """Platt scaling: {"a", "b"} with p = sigmoid(a·score + b), fitted by logistic regression
    (nearly unregularised) on held-out scores."""
    from sklearn.linear_model import LogisticRegression

    s = np.asarray(scores, np.float64).reshape(-1, 1)
    lr = LogisticRegression(C=1e4, max_iter=5000).fit(s, np.asarray(labels, int), sample_weight=sample_weight)
    return {"a": float(lr.coef_[0, 0]), "b": float(lr.intercept_[0])}


def apply_platt(params: dict[str, float], score: float | np.ndarray) -> float | np.ndarray:
    z = params["a"] * np.asarray(score, np.float64) + params["b"]
    out = expit(np.clip(z, -50, 50))
    return float(out) if np.ndim(out) == 0 else out


def fit_isotonic(scores: Sequence[float], labels: Sequence[int], sample_weight: Sequence[float] | None = None,
                 ) -> dict[str, list[float]]:
    """Isotonic calibration: {"x", "y"} knots of the monotone fit (apply with ``apply_isotonic``)."""
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    iso.fit(np.asarray(scores, np.float64), np.asarray(labels, np.float64), sample_weight=sample_weight)
    return {"x": [float(v) for v in iso.X_thresholds_], "y": [float(v) for v in iso.y_thresholds_]}


def apply_isotonic(params: dict[str, list[float]], score: float | np.ndarray) -> float | np.ndarray:
    out = np.interp(np.asarray(score, np.float64), params["x"], params["y"])
    return float(out) if np.ndim(out) == 0 else out


def threshold_at_fpr(negative_scores: Sequence[float], fpr: float) -> float:
    """The lowest threshold t with mean(negatives ≥ t) ≤ fpr (a score ≥ t is called positive)."""
    neg = np.sort(np.asarray(negative_scores, np.float64))[::-1]
    if neg.size == 0:
        raise ValueError("no negative scores to set a threshold on")
    allowed = int(math.floor(fpr * neg.size + 1e-9))  # negatives that may sit at or above t
    if allowed >= neg.size:
        return float(neg[-1])
    # just above the (allowed+1)-th highest negative
    return float(np.nextafter(neg[allowed], np.inf))


def expected_calibration_error(y: Sequence[int], p: Sequence[float], bins: int = 10) -> dict[str, Any]:
    """ECE over equal-width bins, with the per-bin counts, mean prediction and observed rate
    (the data behind a reliability diagram)."""
    y = np.asarray(y, np.float64)
    p = np.asarray(p, np.float64)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    ece = 0.0
    for b in range(bins):
        sel = idx == b
        n = int(sel.sum())
        if n == 0:
            continue
        conf, acc = float(p[sel].mean()), float(y[sel].mean())
        ece += n / len(y) * abs(conf - acc)
        rows.append({"bin": b, "n": n, "mean_p": conf, "observed": acc})
    return {"ece": float(ece), "bins": rows, "n": int(len(y))}
