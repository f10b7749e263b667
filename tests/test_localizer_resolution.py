"""The learned localizer's working resolution for large pictures (``max_pixels``, issue 16).

Pictures at or below the limit are analysed exactly as at native resolution; larger ones are
area-averaged by an integer factor k and their maps kept on the k-pixel grid of the picture.
The limit is set small here so the pictures stay small and the tests fast.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from forgelens.detectors import registry
from forgelens.evidence import load
from forgelens.learned import localizer
from forgelens.maps import grid_shape
from tests._learned_helpers import CAMERAS, DONORS, HOSTS, camera_splice, jpeg_bytes, textured_photo


@pytest.mark.parametrize("shape,limit", [((2000, 3008), 2_000_000), ((3024, 4032), 1_000_000),
                                         ((4000, 6000), 2_000_000), ((999, 1001), 100_000), ((7, 5), 1)])
def test_working_factor_is_the_smallest_integer_that_fits(shape, limit):
    k = localizer.working_factor(shape, limit)
    gh, gw = grid_shape(shape, k)
    assert k >= 2 and gh * gw <= limit
    h1, w1 = grid_shape(shape, k - 1)
    assert k == 2 or h1 * w1 > limit


def test_working_factor_is_one_at_or_below_the_limit_and_when_off():
    assert localizer.working_factor((1000, 2000), 2_000_000) == 1
    assert localizer.working_factor((4000, 6000), 0) == 1


def test_downscale_is_the_mean_of_each_block_edges_repeated():
    rgb = np.random.default_rng(0).integers(0, 256, (10, 13, 3), dtype=np.uint8)
    small = localizer.downscale(rgb, 3)
    assert small.shape == (4, 5, 3) and small.dtype == np.uint8
    padded = np.pad(rgb.astype(np.float64), ((0, 2), (0, 2), (0, 0)), mode="edge")
    want = padded.reshape(4, 3, 5, 3, 3).mean(axis=(1, 3))
    assert np.abs(small - want).max() <= 0.5 + 1e-9  # rounded to uint8


@pytest.mark.parametrize("limit", [300 * 520, 10**9])
def test_pictures_at_or_below_the_limit_are_untouched(limit):
    ev = load(jpeg_bytes(textured_photo(300, 520, seed=2)))
    info = registry.get("learned_localizer")
    native = registry.run("learned_localizer", ev, info.make_config({"max_pixels": "0"}), catch=False)
    limited = registry.run("learned_localizer", ev, info.make_config({"max_pixels": str(limit)}), catch=False)
    assert limited.block == native.block == 1
    assert np.array_equal(limited.heatmap, native.heatmap) and np.array_equal(limited.reliability, native.reliability)
    assert limited.score == native.score and limited.note == native.note
    assert [f.to_dict() for f in limited.findings] == [f.to_dict() for f in native.findings]


def test_the_shipped_default_leaves_pictures_up_to_its_limit_untouched():
    cfg = registry.get("learned_localizer").make_config()
    ev = load(jpeg_bytes(textured_photo(200, 360, seed=3)))
    assert (cfg.max_pixels, cfg.resize_above) == (1_000_000, 2_000_000)  # candidate R1, issue-16 note session 8
    assert localizer.working_factor((1000, 2000), cfg.max_pixels, cfg.resize_above) == 1  # 2 MP: untouched
    assert localizer.working_factor((1000, 2001), cfg.max_pixels, cfg.resize_above) == 2
    a = registry.run("learned_localizer", ev, cfg, catch=False)
    b = registry.run("learned_localizer", ev, registry.get("learned_localizer").make_config({"max_pixels": "0"}),
                     catch=False)
    assert np.array_equal(a.heatmap, b.heatmap) and a.score == b.score


def test_a_large_picture_goes_through_the_working_resolution_and_finds_the_paste():
    if not all((CAMERAS / n).is_file() for n in HOSTS + DONORS):
        pytest.skip("../shared/datasets/cameras/exif-samples absent")
    from sklearn.metrics import roc_auc_score

    data, mask, clean = camera_splice(1)  # 512 × 512, a rectangle of another camera's photo
    spliced, host = (cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_COLOR) for b in (data, clean))
    picture = np.hstack([host, spliced])  # 512 × 1024: not square, the paste in the right half
    truth = np.hstack([np.zeros_like(mask), mask])
    ev = load(cv2.imencode(".png", picture)[1].tobytes())
    cfg = registry.get("learned_localizer").make_config({"max_pixels": "200000", "resize_above": "0"})
    t = registry.run("learned_localizer", ev, cfg, catch=False)
    assert t.block == 2 and t.heatmap.shape == grid_shape((512, 1024), 2) == (256, 512)
    assert "1/2 scale" in t.note
    full = t.pixels(t.heatmap)
    assert full.shape == (512, 1024)
    assert roc_auc_score(truth.ravel(), full.ravel()) >= 0.9
    x0, y0, x1, y1 = t.findings[0].region  # in the picture's pixels
    assert 0 <= x0 < x1 <= 1024 and 0 <= y0 < y1 <= 512
    assert truth[y0:y1, x0:x1].mean() > 0.5
    from forgelens.fusion import fuse

    v = fuse([t], ev.shape)
    assert v.heatmap.shape == (512, 1024)


def test_a_picture_between_the_target_and_the_trigger_is_untouched():
    ev = load(jpeg_bytes(textured_photo(300, 520, seed=4)))  # 156 000 px
    info = registry.get("learned_localizer")
    native = registry.run("learned_localizer", ev, info.make_config({"max_pixels": "0"}), catch=False)
    held = registry.run("learned_localizer", ev, info.make_config({"max_pixels": "50000", "resize_above": "200000"}),
                        catch=False)
    assert held.block == 1 and np.array_equal(held.heatmap, native.heatmap) and held.score == native.score
    moved = registry.run("learned_localizer", ev, info.make_config({"max_pixels": "50000", "resize_above": "100000"}),
                         catch=False)
    assert moved.block == localizer.working_factor((300, 520), 50_000) == 2
