"""Faster paths that must give the same numbers as the plain ones (issue 16, session 5):
the on-grid area shrink of the detection features, the histogram std of clip_probe's flat
check, and the on-disk cache of the CLIP graph with per-block outputs."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from forgelens.detectors.clip_probe import pixel_std
from forgelens.fusion import detection
from forgelens.learned import clip_encoder
from forgelens.maps import area_shrink, area_weights, grid_shape, to_pixels
from forgelens.trace import Trace


@pytest.mark.parametrize(("shape", "block"), [((70, 101), 8), ((300, 457), 4), ((513, 250), 16), ((96, 96), 2),
                                               ((1000, 333), 32)])
def test_area_shrink_matches_opencv_on_the_pixels(shape, block):
    g = np.random.default_rng(block).random(grid_shape(shape, block)).astype(np.float32)
    f = 96 / max(shape)
    out = (max(1, round(shape[0] * f)), max(1, round(shape[1] * f)))
    ref = cv2.resize(to_pixels(g, shape, block), (out[1], out[0]), interpolation=cv2.INTER_AREA)
    got = area_shrink(g, shape, block, out)
    assert got.shape == ref.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, ref, atol=1e-6)


def test_area_weights_rows_sum_to_one_and_refuse_growing():
    w = area_weights(1000, 96)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-3)
    with pytest.raises(ValueError, match="shrinks only"):
        area_shrink(np.zeros((2, 2), np.float32), (16, 16), 8, (32, 8))


def test_summary_of_grid_maps_equals_the_summary_of_their_pixels():
    shape = (200, 299)
    rng = np.random.default_rng(0)
    grid, pixels = [], []
    for name, block in (("ela", 8), ("noise_local", 4), ("splicebuster", 2), ("learned_localizer", 1)):
        g = grid_shape(shape, block)
        t = Trace(name, heatmap=rng.random(g).astype(np.float32), reliability=rng.random(g).astype(np.float32),
                  score=0.5, block=block)
        t.validate(shape)
        grid.append(t)
        p = Trace(name, heatmap=t.pixels(t.heatmap), reliability=t.pixels(t.reliability), score=0.5)
        p.validate(shape)
        pixels.append(p)
    a, b = detection.summarise(grid), detection.summarise(pixels)
    assert a.maps.keys() == b.maps.keys() and a.reliability.keys() == b.reliability.keys()
    for k in a.maps:  # float16 storage: equal, or one float16 step apart where float32 rounding straddles it
        np.testing.assert_allclose(a.maps[k].astype(np.float32), b.maps[k].astype(np.float32), atol=1e-3)
        np.testing.assert_allclose(a.reliability[k].astype(np.float32), b.reliability[k].astype(np.float32), atol=1e-3)


@pytest.mark.parametrize("seed", [0, 1])
def test_pixel_std_is_numpy_std(seed):
    rng = np.random.default_rng(seed)
    px = rng.integers(0, 256, (301, 517, 3), dtype=np.uint8)
    assert pixel_std(px) == pytest.approx(float(px.std()), rel=1e-12)
    flat = np.full((40, 60, 3), 77, np.uint8)
    assert pixel_std(flat) == 0.0
    near_flat = flat.copy()
    near_flat[0, 0, 0] = 80
    assert pixel_std(near_flat) == pytest.approx(float(near_flat.std()), rel=1e-12)


needs_clip = pytest.mark.skipif(clip_encoder.unavailable_reason() is not None,
                                reason=f"CLIP encoder absent: {clip_encoder.unavailable_reason()}")


@needs_clip
def test_clip_graph_cache_gives_the_same_features_and_survives_damage(tmp_path, monkeypatch):
    monkeypatch.setenv("FORGELENS_CACHE_DIR", str(tmp_path))
    clip_encoder._session.cache_clear()
    tile = np.random.default_rng(0).integers(0, 256, (224, 224, 3), dtype=np.uint8)
    try:
        first = clip_encoder.encode_tiles([tile], threads=1)  # builds the graph, writes the cache
        files = list((tmp_path / "clip").glob("*.onnx"))
        assert len(files) == 1 and not list((tmp_path / "clip").glob("*.tmp"))
        assert clip_encoder.edited_graph_source() == str(files[0])  # ONNX Runtime reads the file itself
        clip_encoder._session.cache_clear()
        again = clip_encoder.encode_tiles([tile], threads=1)  # from the cached file
        files[0].write_bytes(files[0].read_bytes()[:1000])  # damaged: truncated
        clip_encoder._session.cache_clear()
        damaged = clip_encoder.encode_tiles([tile], threads=1)
    finally:
        clip_encoder._session.cache_clear()
    for k in first:
        np.testing.assert_array_equal(first[k], again[k])
        np.testing.assert_array_equal(first[k], damaged[k])


def test_cache_dir_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("FORGELENS_CACHE_DIR", "")
    assert clip_encoder.cache_dir() is None
    monkeypatch.setenv("FORGELENS_CACHE_DIR", "/some/where")
    assert str(clip_encoder.cache_dir()) == "/some/where"


class _PointwiseNet:
    """A stand-in network whose maps depend on each pixel alone: any tiling must give the same map."""

    def maps(self, x):
        return x[:, :1] / 255.0, x[:, 1:2] / 255.0

    def detect(self, prob, conf):
        return float(prob.mean() - conf.mean())


@pytest.mark.parametrize("shape", [(2000, 3008), (1024, 768), (513, 600), (300, 520), (100, 90)])
@pytest.mark.parametrize("tile", [512, 768])
def test_even_layout_covers_with_the_least_overlap_on_the_grid(shape, tile):
    from forgelens.learned.localizer import STRIDE, _even_layout, _starts

    for n in shape:
        side, starts = _even_layout(n, tile, 64)
        assert side % STRIDE == 0 and side <= max(tile, -(-n // STRIDE) * STRIDE)
        assert starts[0] == 0 and (n <= side or starts[-1] + side == n)
        assert all(s % 8 == 0 for s in starts[:-1])
        assert all(side - (b - a) >= 64 - 7 for a, b in zip(starts, starts[1:], strict=False))
        assert side * len(starts) <= min(tile, -(-n // STRIDE) * STRIDE) * len(_starts(n, min(tile, n), tile - 64))


def test_even_tiles_blend_to_the_same_map_as_fixed_tiles_for_a_pointwise_net():
    from forgelens.learned.localizer import localize

    rgb = np.random.default_rng(3).integers(0, 256, (700, 1100, 3), dtype=np.uint8)
    a = localize(_PointwiseNet(), rgb, 512, 64, even=False)
    b = localize(_PointwiseNet(), rgb, 512, 64, even=True)
    np.testing.assert_allclose(a[0], rgb[..., 0] / 255.0, atol=1e-5)
    np.testing.assert_allclose(b[0], a[0], atol=1e-5)
    np.testing.assert_allclose(b[1], a[1], atol=1e-5)


def test_even_tiles_of_the_shipped_model_stay_close_to_fixed_tiles():
    from forgelens.learned import localizer
    from tests._learned_helpers import textured_photo

    rgb = textured_photo(700, 1100, seed=2)
    net = localizer.load()
    fixed, _, s_fixed = localizer.localize(net, rgb, 512, 64, even=False)
    even, _, s_even = localizer.localize(net, rgb, 512, 64, even=True)
    diff = np.abs(fixed - even)
    # the network sees each tile's own context (global pooling in its decoder): maps move where tiles
    # are placed differently, as between any two tile sizes (test_learned: 0.025-0.05 vs whole-image).
    # Measured here: mean |diff| 0.018, correlation 0.978, scores 0.836 / 0.837.
    assert diff.mean() < 0.03, f"mean |diff| {diff.mean():.3f}"
    assert np.corrcoef(fixed.ravel(), even.ravel())[0, 1] > 0.9
    assert abs(s_fixed - s_even) < 0.05
