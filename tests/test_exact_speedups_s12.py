"""Issue 16, session 12: exact changes to the stretches outside the detectors' pool.

- ``fusion.fuse_maps`` sums the traces' maps band by band (traces inside) instead of trace by trace
  over whole maps: every pixel gets the same float32 operations in the same order, so the fused map
  and mask must equal the whole-map formula byte for byte.
- ``Trace.validate`` skips ``nan_to_num`` on finite maps (where it changes nothing).
- ``Evidence.luminance`` computes 0.299 R + 0.587 G + 0.114 B into reused band buffers: the same
  float32 products and sums.
- ``pipeline.verdict_for`` checks whether the picture can be judged beside fusion, in a thread.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from forgelens import pipeline
from forgelens.evidence import load
from forgelens.fusion import FusionConfig, fuse, fuse_maps
from forgelens.maps import grid_shape, to_pixels
from forgelens.trace import Trace


def _whole_map_fuse(traces, shape, weights, cfg):
    """The session-11 formula: whole maps, trace by trace (num += (w·r)·h, den += w·r)."""
    num = np.zeros(shape, np.float32)
    den = np.zeros(shape, np.float32)
    for t in traces:
        if t.heatmap is None or t.family in ("generation", "provenance", "baseline", "content"):
            continue
        ew = 1.0 if t.name in cfg.map_only else max(t.score or 0.0, cfg.score_floor)
        w = np.float32(weights.get(t.name, 1.0) * ew)
        if w <= 0:
            continue
        if t.block > 1:
            wr = w * (np.float32(1.0) if t.reliability is None else np.asarray(t.reliability, np.float32))
            num += to_pixels(wr * np.asarray(t.heatmap, np.float32), shape, t.block)
            den += wr if t.reliability is None else to_pixels(wr, shape, t.block)
        else:
            r = np.float32(1.0) if t.reliability is None else to_pixels(t.reliability, shape, 1)
            num += w * r * to_pixels(t.heatmap, shape, 1)
            den += w * r
    if not den.any():
        return None, None
    heat = np.divide(num, np.maximum(den, 1e-6, out=den), out=num)
    return heat, heat >= cfg.mask_threshold


def _traces(shape, blocks, seed, reliability=True, zero_rel=False):
    rng = np.random.default_rng(seed)
    out = []
    for i, k in enumerate(blocks):
        g = grid_shape(shape, k)
        rel = None
        if reliability and i % 3 != 2:
            rel = np.zeros(g, np.float32) if zero_rel else rng.random(g, dtype=np.float32)
        t = Trace(name=f"d{i}", score=float(rng.random()), heatmap=rng.random(g, dtype=np.float32),
                  reliability=rel, family="noise", block=k)
        t.validate(shape)
        out.append(t)
    return out


@pytest.mark.parametrize("shape", [(203, 517), (2000, 301), (48, 48), (97, 1), (1, 130), (600, 641)])
@pytest.mark.parametrize("blocks", [(8, 1, 3, 64, 2), (1,), (16, 16, 4), (7, 5, 1, 1), (512, 1000)])
def test_fuse_maps_equals_the_whole_map_formula_byte_for_byte(shape, blocks):
    cfg = FusionConfig()
    for seed in (0, 1):
        traces = _traces(shape, blocks, seed, reliability=seed == 0)
        weights = {"d1": 0.5, "d2": 2.0}
        a_heat, a_mask = _whole_map_fuse(traces, shape, weights, cfg)
        b_heat, b_mask = fuse_maps(traces, shape, weights, cfg)
        assert b_heat.dtype == np.float32 and b_heat.shape == shape
        assert a_heat.tobytes() == b_heat.tobytes()
        assert a_mask.tobytes() == b_mask.tobytes()


def test_fuse_maps_none_when_no_weight_or_no_map():
    cfg = FusionConfig()
    shape = (130, 90)
    traces = _traces(shape, (8, 1), 3, zero_rel=True)  # every reliability 0: no weight anywhere
    assert _whole_map_fuse(traces, shape, {}, cfg) == (None, None)
    assert fuse_maps(traces, shape, {}, cfg) == (None, None)
    assert fuse_maps([], shape, {}, cfg) == (None, None)
    assert fuse_maps(_traces(shape, (8,), 4), shape, {"d0": 0.0}, cfg) == (None, None)


def test_fuse_maps_refuses_a_map_off_its_grid():
    t = Trace(name="x", score=0.5, heatmap=np.zeros((3, 3), np.float32), family="noise", block=8)
    with pytest.raises(ValueError, match="grid"):
        fuse_maps([t], (100, 100), {}, FusionConfig())


def _old_validate_maps(heat, rel, extra, shape, block):
    """The session-11 contract, step by step (nan_to_num always)."""
    def one(m, is_rel):
        m = m.astype(np.float32, copy=True)
        np.nan_to_num(m, copy=False, nan=0.0, posinf=1.0, neginf=0.0)
        np.clip(m, 0.0, 1.0, out=m)
        return m.astype(np.float16) if is_rel else m

    grid = grid_shape(shape, block)
    ex = {}
    for k, m in extra.items():
        m = np.nan_to_num(np.asarray(m, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        ex[k] = m.astype(np.float16) if m.shape in (shape, grid) else m
    return one(heat, False), one(rel, True), ex


@pytest.mark.parametrize("bad", [False, True])
def test_validate_equals_the_nan_to_num_contract(bad):
    rng = np.random.default_rng(5)
    shape, block = (40, 50), 4
    g = grid_shape(shape, block)
    heat = (rng.random(g) * 1.4 - 0.2).astype(np.float32)
    rel = rng.random(g)  # float64 in: converted
    extra = {"full": rng.random(shape).astype(np.float32) * 3, "grid": rng.random(g),
             "own": rng.random((7, 3)).astype(np.float32), "half": rng.random(shape).astype(np.float16),
             "neg": np.full(shape, -0.0, np.float32)}
    if bad:
        heat[0, :4] = [np.nan, np.inf, -np.inf, -0.0]
        rel[1, :3] = [np.nan, np.inf, -np.inf]
        extra["full"][2, :3] = [np.nan, np.inf, -np.inf]
        extra["own"][0, :3] = [np.nan, np.inf, -np.inf]
        extra["half"][3, :3] = [np.nan, np.inf, -np.inf]
    want = _old_validate_maps(heat, rel, extra, shape, block)
    inputs = {k: v.copy() for k, v in extra.items()}
    t = Trace(name="x", score=0.3, heatmap=heat.copy(), reliability=rel.copy(), family="noise", block=block,
              extra_maps=dict(inputs))
    t.validate(shape)
    assert t.heatmap.dtype == np.float32 and t.heatmap.tobytes() == want[0].tobytes()
    assert t.reliability.dtype == np.float16 and t.reliability.tobytes() == want[1].tobytes()
    for k, m in want[2].items():
        assert t.extra_maps[k].dtype == m.dtype and t.extra_maps[k].tobytes() == m.tobytes(), k
        assert not np.may_share_memory(t.extra_maps[k], inputs[k]), k  # a new array, as nan_to_num gave
    for k, m in inputs.items():  # the detector's arrays are left as they were
        assert m.tobytes() == extra[k].tobytes(), k


def _old_luminance(pixels):
    h, w = pixels.shape[:2]
    y = np.empty((h, w), np.float32)
    for r0 in range(0, h, 256):
        p = pixels[r0 : r0 + 256].astype(np.float32)
        y[r0 : r0 + 256] = 0.299 * p[..., 0] + 0.587 * p[..., 1] + 0.114 * p[..., 2]
    return y


def _png(rgb) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


def test_luminance_equals_the_float32_formula_on_every_colour():
    # all 2**24 colours, in a 2048 x 8192 picture (bands of 64 rows, and a last partial band below)
    c = np.arange(2**24, dtype=np.uint32)
    rgb = np.stack([(c >> 16) & 255, (c >> 8) & 255, c & 255], -1).astype(np.uint8).reshape(2048, 8192, 3)
    ev = load(_png(rgb[:1000, :3000]))
    assert ev.luminance.dtype == np.float32 and not ev.luminance.flags.writeable
    assert ev.luminance.tobytes() == _old_luminance(ev.pixels).tobytes()
    ev2 = load(_png(rgb[1000:2048].reshape(-1, 4096, 3)[:, :4001]))
    assert ev2.luminance.tobytes() == _old_luminance(ev2.pixels).tobytes()


def test_verdict_for_equals_fusion_then_the_judgeable_check():
    rng = np.random.default_rng(2)
    rgb = (rng.random((160, 200, 3)) * 255).astype(np.uint8)
    ev = load(_png(rgb))
    traces = _traces(ev.shape, (8, 1, 16), 7)
    v = pipeline.verdict_for(ev, traces)
    ref = fuse(traces, ev.shape)
    assert pipeline.why_not_applicable(ev) is None
    assert v.to_dict() == ref.to_dict()
    assert v.heatmap.tobytes() == ref.heatmap.tobytes()
    flat = load(_png(np.full((160, 200, 3), 128, np.uint8)))
    v2 = pipeline.verdict_for(flat, traces)
    assert v2.label == "not_applicable" and "flat" in v2.not_applicable_reason


def test_area_shrink_kept_weights_give_the_same_numbers():
    from forgelens.maps import area_shrink, area_weights

    rng = np.random.default_rng(4)
    for shape, k, out in (((203, 517), 8, (20, 40)), ((600, 641), 3, (64, 64)), ((2000, 3008), 16, (64, 96))):
        g = rng.random(grid_shape(shape, k)).astype(np.float32)
        wy = np.add.reduceat(area_weights(shape[0], out[0]), np.arange(0, shape[0], k), axis=1)
        wx = np.add.reduceat(area_weights(shape[1], out[1]), np.arange(0, shape[1], k), axis=1)
        from scipy import sparse

        want = np.asarray((sparse.csr_matrix(wx) @ (sparse.csr_matrix(wy) @ g.astype(np.float64)).T).T, np.float32)
        for _ in range(2):  # the second call reads the kept matrices
            assert area_shrink(g, shape, k, out).tobytes() == want.tobytes()
