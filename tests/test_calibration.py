"""Calibration helpers: likelihood ratios, the ENFSI verbal scale, Platt/isotonic, FPR thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from forgelens.fusion.calibration import (
    apply_isotonic,
    apply_platt,
    enfsi_support,
    expected_calibration_error,
    fit_isotonic,
    fit_platt,
    likelihood_ratio,
    threshold_at_fpr,
)


def test_likelihood_ratio_is_posterior_odds_over_prior_odds():
    assert likelihood_ratio(0.5, 0.5) == pytest.approx(1.0)
    assert likelihood_ratio(0.9, 0.5) == pytest.approx(9.0)
    assert likelihood_ratio(0.5, 0.1) == pytest.approx(9.0)  # even odds against a 1:9 prior
    assert likelihood_ratio(None) is None
    assert np.isfinite(likelihood_ratio(1.0))  # a finite sample never supports an infinite LR


@pytest.mark.parametrize("lr,key", [(0.1, "against"), (1.0, "none"), (1.9, "none"), (2.0, "weak"),
                                    (50, "moderate"), (500, "moderately_strong"), (5e3, "strong"),
                                    (5e5, "very_strong"), (1e7, "extremely_strong")])
def test_enfsi_steps(lr, key):
    assert enfsi_support(lr) == key


def test_platt_and_isotonic_are_monotone_and_calibrate():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    s = rng.normal(y * 2.0, 1.0)
    platt = fit_platt(s, y)
    iso = fit_isotonic(s, y)
    grid = np.linspace(-3, 5, 50)
    assert np.all(np.diff(apply_platt(platt, grid)) > 0)
    assert np.all(np.diff(apply_isotonic(iso, grid)) >= 0)
    p = apply_platt(platt, s)
    assert expected_calibration_error(y, p)["ece"] < 0.05
    assert isinstance(apply_isotonic(iso, 0.3), float)


def test_threshold_at_fpr_calls_at_most_that_share_of_negatives():
    neg = np.arange(100) / 100.0
    t = threshold_at_fpr(neg, 0.03)
    assert np.mean(neg >= t) <= 0.03 and np.mean(neg >= t - 0.011) > 0.03
    with pytest.raises(ValueError):
        threshold_at_fpr([], 0.03)
