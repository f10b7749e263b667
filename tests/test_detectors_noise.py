"""Noise-trace detectors: find a pasted region of another noise level, stay quiet on clean images.

The synthetic image is smooth random texture + gradients + soft colour blobs, with
white Gaussian "sensor" noise; a region cut from another such picture with a
different noise level is pasted as an irregular blob (~15 % of the image).

Quiet bound on clean images: every detector maps robust z-scores of the local
noise statistic to suspicion, starting at |z| = 2 (noise detectors) or at an
outlier posterior of 0.5 (splicebuster, averaged over windows). On an image whose
noise is truly homogeneous only estimator tails reach there, so the map mean
must stay below 0.05 (a true 15 % region at full strength gives ≥ 0.1) and the
image score below 0.5, the default "manipulated" threshold.
"""

from __future__ import annotations

import numpy as np
import pytest
from _noise_helpers import clean_image, spliced_image, to_evidence
from sklearn.metrics import roc_auc_score

from forgelens.detectors import available, run
from forgelens.maps import grid_shape

NOISE = ["noise_wavelet", "noise_median", "noise_local", "splicebuster"]
CASES = [(3.0, 1.0), (1.5, 4.0)]  # (host σ, pasted σ): lower and higher noise inside


@pytest.fixture(scope="module")
def spliced():
    return {c: spliced_image(seed=3, host_sigma=c[0], paste_sigma=c[1], frac=0.15) for c in CASES}


@pytest.fixture(scope="module")
def clean():
    return {s: clean_image(seed=3, sigma=s) for s in (1.5, 3.0)}


def test_registered_in_noise_family():
    reg = available()
    for name in NOISE:
        assert name in reg, name
        assert reg[name].family == "noise"
        assert reg[name].default
        assert reg[name].fn.__doc__ and "References" in reg[name].fn.__doc__


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", NOISE)
def test_finds_pasted_region(name, case, spliced):
    ev, mask = spliced[case]
    t = run(name, ev, catch=False)
    assert t.applicable
    assert t.heatmap.shape == grid_shape(ev.shape, t.block) and t.heatmap.dtype == np.float32
    assert t.reliability is not None and t.reliability.shape == t.heatmap.shape
    auc = roc_auc_score(mask.ravel(), t.pixels(t.heatmap).ravel())
    assert auc >= 0.9, f"{name} {case}: pixel AUC {auc:.3f}"
    assert t.score is not None and t.score >= 0.5
    regional = [f for f in t.findings if f.region is not None]
    assert regional, "a region finding with measured values"
    x0, y0, x1, y1 = regional[0].region
    ys, xs = np.nonzero(mask)
    assert x0 <= xs.mean() <= x1 and y0 <= ys.mean() <= y1  # the region box holds the paste
    if name != "splicebuster":  # measured σ inside vs outside goes the right way
        v = regional[0].values
        assert (v["inside"] < v["outside"]) == (case[1] < case[0])


@pytest.mark.parametrize("name", NOISE)
@pytest.mark.parametrize("sigma", [1.5, 3.0])
def test_clean_image_stays_quiet(name, sigma, clean):
    t = run(name, clean[sigma], catch=False)
    assert t.applicable
    assert t.heatmap_mean() < 0.05
    assert t.score is not None and t.score < 0.5
    assert not [f for f in t.findings if f.region is not None and f.strength >= 0.5]


@pytest.mark.parametrize("name", NOISE)
def test_tiny_image_is_honest(name):
    rng = np.random.default_rng(0)
    ev = to_evidence(128 + rng.normal(0, 3, (24, 30, 3)), min_side=8)
    t = run(name, ev, catch=False)
    assert not t.applicable
    assert t.note and "small" in t.note


@pytest.mark.parametrize("name", NOISE)
def test_flat_image_is_honest(name):
    ev = to_evidence(np.full((256, 256, 3), 128.0))
    t = run(name, ev, catch=False)
    assert not t.applicable
    assert t.note
    assert t.heatmap is None or float(t.heatmap.max()) == 0.0


@pytest.mark.parametrize("name", NOISE)
def test_clipped_image_is_honest(name):
    ev = to_evidence(np.full((256, 256, 3), 255.0))
    t = run(name, ev, catch=False)
    assert not t.applicable


def test_wavelet_sigma_matches_added_noise():
    # luminance noise σ of i.i.d. RGB noise σ is σ·sqrt(.299²+.587²+.114²) ≈ 0.668σ
    t = run("noise_wavelet", clean_image(seed=5, sigma=3.0), catch=False)
    est = t.findings[0].values["sigma_median"]
    assert abs(est - 0.668 * 3.0) < 0.25


def test_deterministic():
    ev, _ = spliced_image(h=256, w=320, seed=9)
    a = run("splicebuster", ev, catch=False)
    b = run("splicebuster", ev, catch=False)
    assert np.array_equal(a.heatmap, b.heatmap) and a.score == b.score
