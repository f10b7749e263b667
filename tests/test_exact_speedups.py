"""The faster paths of the classic detectors give the same numbers as the plain formulas (issue 16).

Each faster path is compared with the straightforward formula it replaced, kept here small as the
reference, on made pictures: ``np.array_equal`` (bit for bit) everywhere — none of these changes
alters the order of a floating-point operation.
"""

from __future__ import annotations

import numpy as np
import pytest
import pywt
from scipy.ndimage import median_filter

from forgelens.detectors import jpeg_adq, noise, noise_local, resampling, spectrum, splicebuster
from tests.conftest import natural_image


def _luma(h: int, w: int, seed: int, clip: bool = False) -> np.ndarray:
    rgb = natural_image(h, w, seed=seed, noise=3.0).astype(np.float32)
    if clip:
        rgb[h // 4 : h // 2, w // 5 : w // 2] = 255.0  # a clipped patch and a black bar
        rgb[-20:] = 0.0
    return (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]).astype(np.float32)


# --- splicebuster: co-occurrence cell histograms -------------------------------------------------


def _reference_cell_histograms(y, valid, cfg):
    """The plain formulation: int32 codes, class lookup by indexing, clipped pixels left out."""
    s, order, T = cfg.stride, cfg.order, cfg.T
    base = 2 * T + 1
    lut, ncls = splicebuster.symmetry_classes(T, order)
    margin = 3 + order - 1
    h, w = y.shape
    rows, cols = (h - margin) // s, (w - margin) // s
    step = 3.0 * cfg.q

    def codes(qr, axis):
        n = qr.shape[axis] - order + 1
        code = np.zeros([n if a == axis else d for a, d in enumerate(qr.shape)], np.int32)
        for k in range(order):
            sl = [slice(None), slice(None)]
            sl[axis] = slice(k, k + n)
            code += qr[tuple(sl)].astype(np.int32) * (base**k)
        return code

    yy = y[: rows * s + margin, : cols * s + margin]
    rh = yy[:, :-3] - 3 * yy[:, 1:-2] + 3 * yy[:, 2:-1] - yy[:, 3:]
    rv = yy[:-3] - 3 * yy[1:-2] + 3 * yy[2:-1] - yy[3:]
    qh = (np.clip(np.rint(rh / step), -T, T) + T).astype(np.int8)
    qv = (np.clip(np.rint(rv / step), -T, T) + T).astype(np.int8)
    hr, wc = rows * s, cols * s
    v = valid[:hr, :wc]
    cell = ((np.arange(hr) // s)[:, None] * cols + (np.arange(wc) // s)[None, :])[v]
    counts = np.zeros(rows * cols * 2 * ncls, np.int64)
    for code, off in ((codes(qh, 1), 0), (codes(qv, 0), 0), (codes(qh, 0), ncls), (codes(qv, 1), ncls)):
        counts += np.bincount(cell * (2 * ncls) + off + lut[code[:hr, :wc][v]], minlength=counts.size)
    nvalid = v.reshape(rows, s, cols, s).sum(axis=(1, 3)).astype(np.float64)
    return counts.reshape(rows, cols, 2 * ncls), nvalid


@pytest.mark.parametrize("T, order", [(1, 4), (2, 3), (2, 4)])  # published; uint8 codes of T=2; int32 codes
@pytest.mark.parametrize("clip", [False, True])
def test_cell_histograms_match_the_plain_counts(T, order, clip):
    y = _luma(600, 330, seed=T + order, clip=clip)  # 600 rows: two strips of 512, the second partial
    valid = (y > 5) & (y < 250) if clip else np.ones(y.shape, bool)  # with and without the spare bin
    cfg = splicebuster.SplicebusterConfig(T=T, order=order)
    counts, nvalid, _ = splicebuster.cell_histograms(y, valid, cfg)
    ref_counts, ref_nvalid = _reference_cell_histograms(y, valid, cfg)
    assert counts.dtype == np.int32 and np.array_equal(counts, ref_counts)
    assert np.array_equal(nvalid, ref_nvalid)
    assert clip == (not valid.all()) and counts.sum() > 0


def test_threshold_quantiser_is_rint_clip_at_the_ties():
    step = 6.0
    x = np.array([-9.0, -3.0000002, -3.0, -2.9999998, -0.0, 0.0, 2.9999998, 3.0, 3.0000002, 9.0, 1e30, -1e30],
                 np.float32)
    r = np.concatenate([x, np.random.default_rng(0).normal(0, 8, 10_000).astype(np.float32)])[None, :]
    for T in (1, 2):
        assert np.array_equal(splicebuster._quantise(r, step, T),
                              (np.clip(np.rint(r / step), -T, T) + T).astype(np.int8))


def test_log_density_from_a_given_distance_is_the_same():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 6))
    mu, cov = x.mean(0), np.cov(x, rowvar=False) + 0.1 * np.eye(6)
    maha = splicebuster._mahalanobis2(x, mu, cov)
    assert np.array_equal(splicebuster._log_gauss(x, mu, cov, maha), splicebuster._log_gauss(x, mu, cov))


# --- jpeg_adq: the EM of every candidate Q1 at once ----------------------------------------------


def _reference_fit(k_obs, u, q2, q1_max=40, sigma=0.2887, iterations=30):
    """The Q1-by-Q1 loop the vectorised fit replaced."""
    kmax = int(max(1, np.abs(k_obs).max()))
    ks = np.arange(-kmax, kmax + 1)
    counts = np.bincount(k_obs.astype(np.int64) + kmax, minlength=ks.size).astype(np.float64)
    n, eps = counts.sum(), 1e-6
    cdf = jpeg_adq._cdf_from_samples(u)
    p_ndq = jpeg_adq._pndq(cdf, q2, ks, eps)
    ll0 = float((counts * np.log(p_ndq)).sum())
    best = (1, 0.0, 0.0, p_ndq)
    for q1 in range(1, q1_max + 1):
        if q1 == int(q2):
            continue
        p_dq = jpeg_adq._pdq(cdf, q1, q2, ks, sigma, eps)
        alpha = 0.5
        for _ in range(iterations):
            mix = alpha * p_dq + (1 - alpha) * p_ndq
            alpha = float((counts * alpha * p_dq / mix).sum() / n)
        ll = float((counts * np.log(alpha * p_dq + (1 - alpha) * p_ndq)).sum())
        gain = (ll - ll0) / n
        if gain > best[2]:
            best = (q1, alpha, gain, p_dq)
    return best[0], best[1], best[2], ks, best[3], p_ndq


@pytest.mark.parametrize("q1, q2, share", [(7, 3.0, 0.8), (5, 4.0, 0.5), (1, 2.0, 0.0), (3, 7.0, 0.9), (2, 1.0, 0.7)])
def test_vectorised_primary_step_fit_is_the_loop(q1, q2, share):
    rng = np.random.default_rng(q1)
    u = rng.laplace(0, 12, 20_000)
    dq = rng.random(u.size) < share
    first = np.where(dq, np.rint(u / q1) * q1 + rng.normal(0, 0.3, u.size), u)  # double quantisation + rounding
    k_obs = np.rint(first / q2).astype(np.int64)
    noisy_u = u + rng.normal(0, 0.5, u.size)  # the shifted-grid estimate of the unquantised values
    got = jpeg_adq.fit_primary_step(k_obs, noisy_u, q2)
    want = _reference_fit(k_obs, noisy_u, q2)
    assert got[0] == want[0] and got[1] == want[1] and got[2] == want[2]
    for a, b in zip(got[3:], want[3:], strict=True):
        assert np.array_equal(a, b)
    if share >= 0.8 and q1 > q2:
        assert got[0] == q1  # the fit is doing its job on these made coefficients


def test_primary_step_fit_without_candidates():
    k_obs = np.array([0, 1, -1, 2, 0, 0, 3])
    u = np.linspace(-3, 3, 50)
    got, want = jpeg_adq.fit_primary_step(k_obs, u, 1.0, q1_max=1), _reference_fit(k_obs, u, 1.0, q1_max=1)
    assert got[:3] == want[:3] == (1, 0.0, 0.0)
    assert all(np.array_equal(a, b) for a, b in zip(got[3:], want[3:], strict=True))


# --- noise_wavelet, noise_local, resampling, spectrum ---------------------------------------------


@pytest.mark.parametrize("shape", [(64, 64), (101, 77), (256, 190)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_finest_diagonal_is_dwt2_hh(shape, dtype):
    y = np.random.default_rng(shape[0]).normal(100, 20, shape).astype(dtype)
    for wavelet in ("db8", "haar"):
        _, (_, _, hh) = pywt.dwt2(y, wavelet, mode="periodization")
        got = noise.finest_diagonal(y, wavelet)
        assert got.dtype == hh.dtype and np.array_equal(got, hh)


def test_window_sums_match_the_plain_integral_image():
    c = np.random.default_rng(2).normal(0, 50, (37, 53)).astype(np.float64)
    for m in (1, 4, 9):
        s = np.zeros((c.shape[0] + 1, c.shape[1] + 1), np.float64)
        s[1:, 1:] = c.cumsum(0).cumsum(1)
        want = s[m:, m:] - s[:-m, m:] - s[m:, :-m] + s[:-m, :-m]
        assert np.array_equal(noise_local._window_sums(c, m), want)


@pytest.mark.parametrize("shape", [(300, 410), (64, 64), (130, 97)])
def test_block_saturation_and_std_in_passes(shape):
    y = _luma(*shape, seed=5, clip=True)
    view = np.lib.stride_tricks.sliding_window_view(y, (64, 64))[::32, ::32]
    sat, sd = resampling.block_saturation_and_std(y, 64, 32)
    assert np.array_equal(sat, (view >= 250).mean(axis=(2, 3)))
    assert sd.dtype == np.float32 and np.array_equal(sd, view.std(axis=(2, 3)))


@pytest.mark.parametrize("shape", [(256, 256), (40, 70), (5, 7)])
def test_wrapped_median_is_the_rank_filter(shape):
    rng = np.random.default_rng(shape[1])
    a = 10 * np.log10(rng.gamma(1.0, 1.0, shape))
    a[0, :3] = a[1, 1]  # ties
    for size in (3, 9):
        assert np.array_equal(spectrum.wrapped_median(a, size), median_filter(a, size=size, mode="wrap"))
