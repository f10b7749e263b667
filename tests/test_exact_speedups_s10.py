"""Session-10 speed-ups of jpeg_grid, noise_local, noise_wavelet and splicebuster: the same numbers (issue 16).

Each faster path is compared with the code it replaced, kept here as the reference, on pictures made
in the test: ``np.array_equal`` (the changes compute the same float operations on the same values, in
bands or in place instead of on whole-picture temporaries), except noise_local's m1⁴ = (m1²)², a
rule-B change (float rounding only), compared within float32 rounding. Band sizes are shrunk with
``monkeypatch`` so that small pictures cross several band boundaries and end on a partial band.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import pywt

from forgelens.detectors import jpeg_grid, noise_local
from forgelens.detectors._jpeg_common import dct_matrix
from forgelens.detectors.registry import get
from forgelens.evidence import load
from tests.conftest import jpeg_bytes, natural_image


def _luma_jpeg(h: int, w: int, seed: int, q: int = 80) -> np.ndarray:
    """The luminance of a JPEG-compressed made picture (at least 64 px a side, then cropped), writable."""
    ev = load(jpeg_bytes(natural_image(max(h, 64), max(w, 64), seed=seed), q))
    return np.array(ev.luminance[:h, :w], dtype=np.float32)


# --- jpeg_grid: the dense DCT zero counts, in bands ---------------------------------------------


def _reference_dense_zero_counts(y, thr):
    """The whole-picture version (main before session 10): 72 full-size filter2D passes."""
    d = dct_matrix()
    src = np.ascontiguousarray(y - 128.0, dtype=np.float32)
    h, w = src.shape
    lim = float(np.nextafter(np.float32(thr), np.float32(0)))
    zeros = np.zeros((h - 7, w - 7), np.uint8)
    mask = np.empty((h - 7, w - 7), np.uint8)
    coef = np.empty((h, w), np.float32)
    for u in range(8):
        row = cv2.filter2D(src, -1, d[u][None, :], anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
        for v in range(8):
            cv2.filter2D(row, -1, d[v][:, None], dst=coef, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
            cv2.inRange(coef[: h - 7, : w - 7], -lim, lim, dst=mask)
            np.subtract(zeros, mask, out=zeros)
    return zeros


@pytest.mark.parametrize("band", [5, 16, 64])
@pytest.mark.parametrize("shape", [(8, 8), (9, 40), (71, 90), (72, 90), (135, 77), (203, 150)])
def test_dense_zero_counts_in_bands_are_the_whole_picture_counts(monkeypatch, band, shape):
    monkeypatch.setattr(jpeg_grid, "_DCT_BAND", band)
    y = _luma_jpeg(*shape, seed=shape[0])
    got = jpeg_grid._dense_zero_counts(y, 0.5)
    want = _reference_dense_zero_counts(y, 0.5)
    assert got.dtype == np.uint8 and np.array_equal(got, want)
    if shape[0] > 60:
        assert want.max() > 40  # the JPEG's own grid: many zeros, the counts are doing their job


# --- jpeg_grid: Li et al.'s block artifact grid without whole-picture temporaries ----------------


def _reference_median5(a, b, c, d, e):
    f = np.maximum(np.minimum(a, b), np.minimum(c, d))
    g = np.minimum(np.maximum(a, b), np.maximum(c, d))
    return np.maximum(np.minimum(e, f), np.minimum(np.maximum(e, f), g))


def _reference_second(f, axis):
    out = 2 * f
    out -= np.roll(f, 1, axis=axis)
    out -= np.roll(f, -1, axis=axis)
    return np.abs(out)


def _reference_periodic(e, axis):
    n = e.shape[axis]
    ep = np.concatenate([np.take(e, range(n - 16, n), axis=axis), e, np.take(e, range(16), axis=axis)], axis=axis)
    sh = []
    for s in (-16, -8, 0, 8, 16):
        sl = [slice(None), slice(None)]
        sl[axis] = slice(16 - s, 16 - s + n)
        sh.append(ep[tuple(sl)])
    return e - _reference_median5(*sh)


def _reference_bag(y, window=33):
    f = np.asarray(y, dtype=np.float32)

    dh, dv = _reference_second(f, 1), _reference_second(f, 0)
    cap = float(np.percentile(dh, 90) + np.percentile(dv, 90)) / 2 + 1e-3
    dh, dv = np.minimum(dh, cap), np.minimum(dv, cap)
    gh = _reference_periodic(cv2.boxFilter(dh, -1, (1, window), normalize=False), 1)
    gv = _reference_periodic(cv2.boxFilter(dv, -1, (window, 1), normalize=False), 0)
    return np.maximum(gh, 0) + np.maximum(gv, 0)


@pytest.mark.parametrize("shape", [(64, 64), (101, 77), (300, 260)])  # the last above _percentile's floor
def test_block_artifact_grid_is_the_plain_formula(shape):
    y = _luma_jpeg(*shape, seed=3)
    got = jpeg_grid.block_artifact_grid(y, 33)
    assert got.dtype == np.float32 and np.array_equal(got, _reference_bag(y, 33))


@pytest.mark.parametrize("band", [5, 32])
@pytest.mark.parametrize("shape", [(40, 70), (101, 77), (33, 200)])
def test_periodic_part_in_bands_is_the_whole_array_network(monkeypatch, band, shape):
    monkeypatch.setattr(jpeg_grid, "_PERIODIC_BAND", band)
    e = np.random.default_rng(shape[0]).normal(0, 10, shape).astype(np.float32)
    e[:, :9] = np.round(e[:, :9])  # ties
    for axis in (0, 1):
        got = jpeg_grid._periodic_part(e, axis)
        assert got.dtype == np.float32 and np.array_equal(got, _reference_periodic(e, axis))


@pytest.mark.parametrize("shape", [(50, 64), (71, 90)])
def test_abs_second_difference_is_the_rolled_formula(shape):
    f = np.random.default_rng(1).normal(100, 30, shape).astype(np.float32)
    for axis in (0, 1):
        assert np.array_equal(jpeg_grid._abs_second_difference(f, axis), _reference_second(f, axis))


def _same_scalar(x, y) -> bool:
    return type(x) is type(y) and np.asarray(x).tobytes() == np.asarray(y).tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_percentile_from_a_bracket_is_numpys(dtype):
    rng = np.random.default_rng(12)
    arrays = [
        rng.normal(0, 1, 200_001),
        rng.integers(0, 20, 150_000).astype(float),  # heavy ties
        np.sort(rng.exponential(1, 90_000)),  # sorted
        rng.pareto(1.5, (400, 300)),  # 2-D, heavy tail
        rng.normal(0, 1, 1000),  # below the floor: np.percentile itself
    ]
    for a in arrays:
        a = a.astype(dtype)
        for q in (90, 99.5, 50, 0.5, 0, 100, 37.25, np.float64(90)):
            assert _same_scalar(jpeg_grid._percentile(a, q), np.percentile(a, q)), (a.shape, q)
    a = arrays[0].astype(dtype)
    a[17] = np.nan  # NaN: falls back to NumPy, which answers NaN
    assert np.isnan(jpeg_grid._percentile(a, 90)) and np.isnan(np.percentile(a, 90))


def test_median5_network_is_the_reference_network():
    x = np.random.default_rng(4).normal(0, 3, (5, 3000)).astype(np.float32)
    x[:, :100] = np.round(x[:, :100])  # ties
    assert np.array_equal(jpeg_grid._median5(*x), _reference_median5(*x))


def test_jpeg_grid_trace_keeps_the_plain_extra_map_and_reliability(monkeypatch):
    """The bag map normalised in place and the reliability built without copies read as before."""
    monkeypatch.setattr(jpeg_grid, "_DCT_BAND", 24)
    data = jpeg_bytes(natural_image(180, 230, seed=7), 75)
    ev = load(data)
    t = get("jpeg_grid").fn(ev, jpeg_grid.GridConfig())
    y = np.asarray(ev.luminance, dtype=np.float32)
    bag = _reference_bag(y, 33)
    hi = float(np.percentile(bag, 99.5)) or 1.0
    assert np.array_equal(t.extra_maps["bag"], np.clip(bag / hi, 0, 1).astype(np.float32))
    votes = jpeg_grid.grid_votes(y, 0.5)
    vd = cv2.boxFilter((votes >= 0).astype(np.float32), -1, (32, 32))
    assert t.findings and t.findings[0].kind == "jpeg_grid_main"  # a real grid: the full path ran
    assert np.array_equal(t.reliability, np.clip(vd * 2.0, 0.0, 1.0).astype(np.float32))


# --- noise_local: the channel moments in bands ---------------------------------------------------


def _reference_local_noise_variance(y, cfg):
    """main before session 10: three full-size buffers per channel, cell sums of the whole picture."""
    m, cell = cfg.window_cells, cfg.cell
    rows, cols = y.shape[0] // cell, y.shape[1] // cell
    n = float(m * m * cell * cell)
    sums = []
    r = np.empty(y.shape, np.float32)
    r2 = np.empty(y.shape, np.float32)
    rk = np.empty(y.shape, np.float32)
    for f in noise_local.dct_filters(cfg.filter_size):
        cv2.filter2D(y, cv2.CV_32F, f, dst=r, borderType=cv2.BORDER_REFLECT)
        np.multiply(r, r, out=r2)
        cs = [noise_local._cell_sums(a, cell, rows, cols)
              for a in (r, r2, np.multiply(r2, r, out=rk).copy(), np.multiply(r2, r2, out=rk))]
        m1, m2, m3, m4 = (noise_local._window_sums(c, m) / n for c in cs)
        var = np.maximum(m2 - m1 * m1, 1e-6)
        c4 = m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1**4
        sk = np.sqrt(np.maximum(c4 / (var * var) - 3.0, 0.0))
        sums.append((sk, 1.0 / var, var))
    sk_sum, a_sum, a2_sum, ska_sum, min_var = sums[0][0], sums[0][1], sums[0][1] * sums[0][1], sums[0][0] * sums[0][1], sums[0][2]
    for sk, a, var in sums[1:]:
        sk_sum = sk_sum + sk
        a_sum = a_sum + a
        a2_sum = a2_sum + a * a
        ska_sum = ska_sum + sk * a
        min_var = np.minimum(min_var, var)
    k = float(len(sums))
    mean_sk, mean_a, mean_a2, mean_ska = sk_sum / k, a_sum / k, a2_sum / k, ska_sum / k
    den = mean_a2 - mean_a * mean_a
    with np.errstate(divide="ignore", invalid="ignore"):
        v = (mean_sk * mean_a - mean_ska) / den
        u = mean_sk + v * mean_a
        noise_var = v / u
    bad = ~np.isfinite(noise_var) | (u <= 1e-6) | (noise_var < 0) | (den <= 1e-18)
    noise_var = np.where(bad, min_var, np.minimum(noise_var, min_var))
    return noise_var.astype(np.float32), min_var.astype(np.float32)


def _reference_cell_moments(y, filters, cell):
    rows, cols = y.shape[0] // cell, y.shape[1] // cell
    out = []
    for f in filters:
        r = cv2.filter2D(y, cv2.CV_32F, f, borderType=cv2.BORDER_REFLECT)
        r2 = r * r
        out.append([cv2.resize(np.ascontiguousarray(a[: rows * cell, : cols * cell]), (cols, rows),
                               interpolation=cv2.INTER_AREA) for a in (r, r2, r2 * r, r2 * r2)])
    return np.array(out, np.float32)


@pytest.mark.parametrize("band_pixels", [1, 3000, noise_local._BAND_PIXELS])
@pytest.mark.parametrize("shape", [(40, 40), (83, 61), (200, 257)])
def test_channel_moments_in_bands_are_the_whole_picture_moments(monkeypatch, band_pixels, shape):
    """Exact: the banded filter / products / cell sums give the whole-picture numbers bit for bit."""
    monkeypatch.setattr(noise_local, "_BAND_PIXELS", band_pixels)
    y = _luma_jpeg(*shape, seed=shape[1], q=92)
    filters = noise_local.dct_filters(4)
    got = noise_local.channel_cell_moments(y, filters, 8)
    assert got.dtype == np.float32 and np.array_equal(got, _reference_cell_moments(y, filters, 8))


@pytest.mark.parametrize("shape", [(40, 40), (83, 61), (200, 257)])
def test_local_noise_variance_is_the_whole_picture_fit_within_rounding(monkeypatch, shape):
    """Rule B (float rounding only): m1⁴ is now (m1²)², within an ulp of ``m1**4`` in float64; the
    float32 noise variances agree to float32 rounding (here: exactly, on these pictures)."""
    monkeypatch.setattr(noise_local, "_BAND_PIXELS", 3000)
    y = _luma_jpeg(*shape, seed=shape[1], q=92)
    y[: shape[0] // 3, : shape[1] // 3] = 250.0  # a flat patch: the degenerate-fit fallback runs too
    cfg = noise_local.NoiseLocalConfig()
    got = noise_local.local_noise_variance(y, cfg)
    want = _reference_local_noise_variance(y, cfg)
    for g, wnt in zip(got, want, strict=True):
        assert g.dtype == np.float32 and g.shape == wnt.shape
        np.testing.assert_allclose(g, wnt, rtol=1e-6, atol=0)
    assert np.array_equal(got[1], want[1])  # the smallest channel variance does not use m1⁴: exact
    assert np.isfinite(got[0]).all() and got[0].max() > 0


# --- noise_wavelet: the finest diagonal band on the transposed picture ----------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_finest_diagonal_on_views_is_the_plain_two_pass_transform(dtype):
    from forgelens.detectors import noise

    big = np.random.default_rng(9).normal(120, 25, (181, 243)).astype(dtype)
    for y in (big, big[3:170, 5:200], big[:, ::2]):  # contiguous, a crop and a strided view
        for wavelet in ("db8", "haar"):
            rows = pywt.dwt(y, wavelet, mode="periodization", axis=0)[1]
            want = pywt.dwt(rows, wavelet, mode="periodization", axis=1)[1]
            got = noise.finest_diagonal(y, wavelet)
            assert got.dtype == want.dtype and np.array_equal(got, want)


# --- splicebuster: co-occurrence counts in cache-sized strips -------------------------------------


@pytest.mark.parametrize("clip", [False, True])
def test_cell_histograms_do_not_depend_on_the_strip_height(monkeypatch, clip):
    from forgelens.detectors import splicebuster

    y = _luma_jpeg(300, 211, seed=11, q=90)
    valid = np.ones((y.shape[0] - 2, y.shape[1] - 2), bool)
    if clip:
        valid[40:131, 17:90] = False  # clipped pixels: the spare bin, and cells partly valid
    cfg = splicebuster.SplicebusterConfig()
    out = {}
    for rows in (512, 32, 8):  # 512: session 9's strips (the picture in one); 8: one cell row per strip
        monkeypatch.setattr(splicebuster, "_STRIP_ROWS", rows)
        out[rows] = splicebuster.cell_histograms(y, valid, cfg)
    for rows in (32, 8):
        assert np.array_equal(out[rows][0], out[512][0]) and np.array_equal(out[rows][1], out[512][1])
    want_valid = valid[: out[512][1].shape[0] * 8, : out[512][1].shape[1] * 8]
    want_valid = want_valid.reshape(out[512][1].shape[0], 8, -1, 8).sum(axis=(1, 3))
    assert out[32][1].dtype == np.float64 and np.array_equal(out[32][1], want_valid)


def test_vote_counts_are_the_bincount_of_the_votes():
    rng = np.random.default_rng(13)
    for shape in ((7, 5), (300, 4000), (1100, 1000)):  # one band, several, a partial last band
        votes = rng.integers(-1, 64, shape).astype(np.int16)
        votes[: shape[0] // 2] = np.where(votes[: shape[0] // 2] > 30, -1, 5)
        want = np.bincount(votes[votes >= 0].astype(np.int64), minlength=64)
        got = jpeg_grid._vote_counts(votes)
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_fuse_pools_the_maps_beside_the_fusion_with_the_same_summary_and_verdict(monkeypatch):
    """fuse() pools the traces' maps for the detection model in a second thread while it fuses them, then adds
    the fused map: the summary and the verdict equal the serial order (summarise with the fused map)."""
    from forgelens import fusion
    from forgelens.fusion import detection
    from forgelens.pipeline import analyze

    rgb = natural_image(320, 416, seed=5)
    rgb[100:180, 120:220] = natural_image(80, 100, seed=9)  # a pasted block
    rep = analyze(jpeg_bytes(rgb, 85))
    live = [t for t in rep.traces if t.applicable and t.error is None]
    serial = detection.summarise(live, rep.verdict.heatmap)
    split = detection.summarise(live, None, rep.evidence.shape)
    detection.add_fused(split, rep.verdict.heatmap)
    assert serial.maps.keys() == split.maps.keys() and serial.reliability.keys() == split.reliability.keys()
    for name in serial.maps:
        assert np.array_equal(serial.maps[name], split.maps[name])
    for name in serial.reliability:
        assert np.array_equal(serial.reliability[name], split.reliability[name])
    assert np.array_equal(serial.fused, split.fused) and serial.facts == split.facts
    assert serial.scores == split.scores and serial.provenance_strength == split.provenance_strength

    # the verdict with the summary made in the serial order (the fused map first) is the same verdict
    a = fusion.fuse(rep.traces, rep.evidence.shape).to_dict()
    b = fusion.fuse(rep.traces, rep.evidence.shape, summary=serial).to_dict()
    assert a == b
