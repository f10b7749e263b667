"""benchmarks/studies/localizer_refresh.py: the learned localizer's pooled maps, score and findings are re-run,
the fused map moves by the change the new map makes to the weighted mean; with the cache's own weights nothing
changes; the cache itself is never written."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from benchmarks.studies import localizer_refresh as lr
from forgelens.fusion import FusionConfig
from forgelens.fusion.local_evidence import pooled_fused


def test_grid_fused_is_the_weighted_mean_of_fuse_maps():
    cfg = FusionConfig()
    a, b = np.full((4, 5), 0.2, np.float16), np.full((4, 5), 0.8, np.float16)
    ra = np.full((4, 5), 0.5, np.float16)
    got = pooled_fused({"ela": a, "learned_localizer": b}, {"ela": ra}, {"ela": 0.6, "learned_localizer": 0.01},
                       {}, cfg)
    w_ela, w_l = 0.6 * 0.5, 1.0  # ela: score × reliability; the localizer is map_only (evidence weight 1)
    assert np.allclose(got, (w_ela * 0.2 + w_l * 0.8) / (w_ela + w_l), atol=1e-3)
    low = pooled_fused({"ela": a}, {}, {"ela": 0.0}, {}, cfg)  # a score below the floor still counts a little
    assert np.allclose(low, 0.2, atol=1e-3)


@pytest.fixture(scope="module")
def cached(tmp_path_factory):
    from forgelens.pipeline import analyze
    from forgelens.training.detection import write_cache_row

    d = tmp_path_factory.mktemp("refresh")
    (d / "images").mkdir()
    rng = np.random.default_rng(3)
    img = np.clip(rng.normal(128, 30, (192, 224, 3)), 0, 255).astype(np.uint8)
    img[60:130, 80:160] = np.clip(img[60:130, 80:160] * 0.6 + 90, 0, 255).astype(np.uint8)
    Image.fromarray(img).save(d / "images" / "a.jpg", quality=85)
    (d / "cache").mkdir()
    rep = analyze(str(d / "images" / "a.jpg"), detectors=["learned_localizer", "ela", "noise_wavelet"])
    write_cache_row(rep, {"image": "a.jpg", "label": "authentic", "mask": "", "source": "test"}, d / "cache" / "a.npz")
    return d


def test_own_weights_give_back_the_cached_entry(cached, tmp_path):
    before = (cached / "cache" / "a.npz").read_bytes()
    assert lr.main(["--cache", str(cached / "cache"), "--images", str(cached / "images"), "--out", str(tmp_path)]) == 0
    assert (cached / "cache" / "a.npz").read_bytes() == before  # the cache is untouched
    z0, z1 = np.load(cached / "cache" / "a.npz"), np.load(tmp_path / "a.npz")
    assert sorted(z0.files) == sorted(z1.files)
    for k in z0.files:
        if k != "meta":
            assert np.array_equal(z0[k], z1[k]), k


def test_a_stale_localizer_map_is_replaced_and_the_fused_map_follows(cached, tmp_path):
    z = np.load(cached / "cache" / "a.npz")
    arrays = {k: z[k] for k in z.files if k != "meta"}
    meta = json.loads(str(z["meta"]))
    fresh_map = arrays["map__learned_localizer"].copy()
    arrays["map__learned_localizer"] = np.ones_like(fresh_map)  # as if another model had lit up everything
    stale = tmp_path / "stale"
    stale.mkdir()
    np.savez_compressed(stale / "a.npz", meta=np.array(json.dumps(meta)), **arrays)
    out = tmp_path / "out"
    assert lr.main(["--cache", str(stale), "--images", str(cached / "images"), "--out", str(out)]) == 0
    z1 = np.load(out / "a.npz")
    assert np.array_equal(z1["map__learned_localizer"], fresh_map)
    # the fused map comes down where the stale map was higher (grid arithmetic, within float16 rounding)
    assert z1["fused"].astype(np.float32).mean() < arrays["fused"].astype(np.float32).mean()


def test_refuses_to_write_into_the_cache(tmp_path):
    with pytest.raises(SystemExit):
        lr.main(["--cache", str(tmp_path), "--images", str(tmp_path), "--out", str(tmp_path)])
