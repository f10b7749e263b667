"""The map contract: a Trace keeps a block method's map on its native grid, and every reader
(fusion, the report) sees the same pixels as if the map had been stored at full resolution."""

from __future__ import annotations

import numpy as np
import pytest

from forgelens.detectors import registry
from forgelens.fusion import FusionConfig, fuse_maps
from forgelens.maps import grid_shape, to_pixels
from forgelens.trace import Trace

SHAPE = (70, 101)  # partial 8x8 blocks on both edges


def _grid_trace(name: str, seed: int, block: int = 8) -> Trace:
    rng = np.random.default_rng(seed)
    g = grid_shape(SHAPE, block)
    t = Trace(name, heatmap=rng.random(g).astype(np.float32), reliability=rng.random(g).astype(np.float32),
              score=0.8, block=block)
    t.validate(SHAPE)
    return registry.stamp(t)


def _as_pixels(t: Trace) -> Trace:
    p = Trace(t.name, heatmap=t.pixels(t.heatmap), reliability=t.pixels(t.reliability), score=t.score)
    p.validate(SHAPE)
    return registry.stamp(p)


def test_validate_accepts_native_grid_and_names_a_wrong_shape():
    t = _grid_trace("ela", 0)
    assert t.heatmap.shape == (9, 13) and t.heatmap.dtype == np.float32 and t.reliability.dtype == np.float16
    assert t.shape == SHAPE and t.pixels(t.heatmap).shape == SHAPE
    bad = Trace("ela", heatmap=np.zeros((9, 12), np.float32), block=8)
    with pytest.raises(ValueError, match=r"ela: heatmap has shape \(9, 12\), expected \(9, 13\)"):
        bad.validate(SHAPE)


def test_fused_map_and_mean_same_as_full_resolution():
    block = [_grid_trace("ela", 1), _grid_trace("jpeg_ghost", 2), _grid_trace("noise_wavelet", 3, block=4)]
    full = [_as_pixels(t) for t in block]
    cfg = FusionConfig()
    hb, mb = fuse_maps(block, SHAPE, {}, cfg)
    hf, mf = fuse_maps(full, SHAPE, {}, cfg)
    assert hb.shape == SHAPE and np.array_equal(hb, hf) and np.array_equal(mb, mf)
    for b, f in zip(block, full, strict=True):
        assert b.heatmap_mean() == pytest.approx(float(f.heatmap.astype(np.float64).mean()), abs=1e-9)


def test_to_pixels_rejects_a_map_of_another_grid():
    with pytest.raises(ValueError, match="not a 8-pixel grid"):
        to_pixels(np.zeros((3, 3), np.float32), SHAPE, 8)
