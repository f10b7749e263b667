"""Camera/processing traces (issue 5): CFA, PRNU, resampling, median filtering, contrast enhancement.

Each detector must find its own kind of synthetic forgery (pixel AUC >= 0.9 where
it localises) and stay quiet on a clean image of the same kind.
"""

from __future__ import annotations

import numpy as np
import pytest
from _camera_helpers import bayer_demosaic, box_mask, evidence_from, scene, to_u8
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from forgelens.camera import (
    FingerprintError,
    estimate_fingerprint,
    load_fingerprint,
    save_fingerprint,
)
from forgelens.detectors import get, run

H = W = 512
MASK = box_mask(H, W, 160, 200, 352, 392)


def auc(mask: np.ndarray, heat: np.ndarray) -> float:
    return float(roc_auc_score(mask.ravel(), heat.ravel()))


# ---------------------------------------------------------------- CFA


@pytest.mark.parametrize("kind", ["no_cfa", "shifted_cfa"])
def test_cfa_finds_region_with_other_demosaicing(kind):
    base = bayer_demosaic(scene(H, W, 0))
    other = scene(H, W, 10)
    if kind == "shifted_cfa":
        other = bayer_demosaic(other, shift=(0, 1))
    forged = base.copy()
    forged[MASK] = other[MASK]
    t = run("cfa", evidence_from(forged), catch=False)
    assert t.applicable
    assert auc(MASK, t.pixels(t.heatmap)) >= 0.9
    assert t.score > 0.5
    assert any(f.kind == "cfa_inconsistent" for f in t.findings)


def test_cfa_quiet_on_clean_demosaiced_image():
    t = run("cfa", evidence_from(bayer_demosaic(scene(H, W, 1))), catch=False)
    assert t.applicable and t.score < 0.5
    assert float((t.pixels(t.heatmap) > 0.5).mean()) < 0.01


def test_cfa_declines_without_any_cfa_trace():
    t = run("cfa", evidence_from(scene(H, W, 2)), catch=False)
    assert not t.applicable and "no demosaicing trace" in t.note


# ---------------------------------------------------------------- resampling


def test_resampling_finds_upscaled_region():
    import cv2

    base = scene(H, W, 0)
    big = cv2.resize(scene(H, W, 11).astype(np.float32), None, fx=1.5, fy=1.5, interpolation=cv2.INTER_LINEAR)
    forged = base.copy()
    forged[MASK] = big[:H, :W][MASK]
    t = run("resampling", evidence_from(forged), catch=False)
    assert auc(MASK, t.pixels(t.heatmap)) >= 0.9
    assert t.score > 0.5


def test_resampling_quiet_on_clean_image():
    t = run("resampling", evidence_from(scene(H, W, 0)), catch=False)
    assert t.score < 0.5
    assert float((t.pixels(t.heatmap) > 0.5).mean()) < 0.02


def test_resampling_on_a_flat_picture_finds_nothing_instead_of_failing():
    t = run("resampling", evidence_from(np.full((H, W), 128.0)), catch=False)
    assert t.error is None and t.score == 0.0
    assert not any(f.kind == "global_resampling" for f in t.findings)


# ---------------------------------------------------------------- PRNU


def _shoot(K: np.ndarray, seed: int, flat: bool = False) -> np.ndarray:
    r = np.random.default_rng(seed)
    h, w = K.shape
    base = np.full((h, w, 3), 170.0) + r.normal(0, 10, (1, 1, 3)) if flat else scene(h, w, seed, noise=0)
    return to_u8(base * (1 + K[..., None]) + r.normal(0, 1.5, base.shape))


@pytest.fixture(scope="module")
def prnu_setup(tmp_path_factory):
    rng = np.random.default_rng(1)
    K1, K2 = rng.normal(0, 0.02, (H, W)), rng.normal(0, 0.02, (H, W))
    d = tmp_path_factory.mktemp("prnu")
    K = estimate_fingerprint([_shoot(K1, 100 + i, flat=True) for i in range(6)])
    path = d / "cam.npz"
    save_fingerprint(path, K, n_images=6)
    return K1, K2, K, path


def _prnu_cfg(path, **kw):
    return get("prnu").make_config({"fingerprint_path": str(path), "window": 64, **kw})


def test_prnu_not_applicable_without_fingerprint():
    assert get("prnu").default is False
    t = run("prnu", evidence_from(scene(128, 128, 0)), catch=False)
    assert not t.applicable and "fingerprint" in t.note


def test_prnu_fingerprint_estimate_and_round_trip(prnu_setup, tmp_path):
    K1, _, K, path = prnu_setup
    assert np.corrcoef(K.ravel(), K1.ravel())[0, 1] > 0.8
    np.testing.assert_array_equal(load_fingerprint(path), K)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(FingerprintError):
        load_fingerprint(bad)


def test_prnu_localises_region_from_another_sensor(prnu_setup):
    K1, K2, _, path = prnu_setup
    forged = np.where(MASK[..., None], _shoot(K2, 7), _shoot(K1, 8))
    t = run("prnu", evidence_from(forged), _prnu_cfg(path), catch=False)
    assert any(f.kind == "camera_match" for f in t.findings)
    assert auc(MASK, t.pixels(t.heatmap)) >= 0.9
    assert t.score > 0.5


def test_prnu_quiet_on_clean_image_and_rejects_other_camera(prnu_setup):
    K1, K2, _, path = prnu_setup
    t = run("prnu", evidence_from(_shoot(K1, 5)), _prnu_cfg(path), catch=False)
    pce = next(f for f in t.findings if f.kind == "camera_match").values["pce"]
    assert pce > 60 and t.score < 0.5
    t2 = run("prnu", evidence_from(_shoot(K2, 6)), _prnu_cfg(path), catch=False)
    assert any(f.kind == "camera_mismatch" for f in t2.findings) and t2.heatmap is None


def test_prnu_mask_stays_on_the_pasted_region_without_small_specks(prnu_setup):
    """Chen et al. 2008's two-threshold decision and map cleaning: the decided map (heat >= 0.5) covers
    most of a region pasted from another sensor, little outside it, and no region under (window/2)^2."""
    from scipy import ndimage

    K1, K2, _, path = prnu_setup
    recall, outside = [], []
    for seed in (7, 17, 27):
        forged = np.where(MASK[..., None], _shoot(K2, seed), _shoot(K1, seed + 1))
        t = run("prnu", evidence_from(forged), _prnu_cfg(path), catch=False)
        hot = t.pixels(t.heatmap) >= 0.5
        assert any(f.kind == "prnu_missing" for f in t.findings)
        labels, n = ndimage.label(hot)
        assert n >= 1 and np.bincount(labels.ravel())[1:].min() >= 32 * 32
        recall.append(hot[MASK].mean())
        outside.append(hot[~MASK].mean())
    assert np.mean(recall) > 0.5
    assert np.mean(outside) < 0.01


def test_prnu_untouched_same_pattern_pictures_do_not_light_up(prnu_setup):
    K1, _, _, path = prnu_setup
    for seed in (5, 15, 25):
        t = run("prnu", evidence_from(_shoot(K1, seed)), _prnu_cfg(path), catch=False)
        assert not any(f.kind == "prnu_missing" for f in t.findings)
        assert float((t.pixels(t.heatmap) >= 0.5).mean()) == 0.0


def test_prnu_decision_needs_both_tests_of_chen_2008():
    """A window is tampered only if its correlation is low for the no-pattern law AND unlikely under the
    predicted one: a window predicted to carry little pattern (dark, textured) is never called."""
    from forgelens.detectors.prnu import PRNUConfig, _tampered_map

    cfg = PRNUConfig(window=64)
    rho = np.full((256, 256), 0.10, np.float32)
    mu1 = np.full((256, 256), 0.10, np.float32)
    rho[64:160, 64:160] = 0.0  # pattern absent where it was expected
    mu1[180:250, 20:120] = 0.005  # expected to carry almost nothing (dark area) ...
    rho[180:250, 20:120] = 0.0  # ... and indeed carries nothing
    rho[10:20, 200:210] = 0.0  # a speck smaller than a quarter window
    hot = _tampered_map(rho, mu1, sd0=1 / 64, sd1=0.02, config=cfg)
    assert hot[64:160, 64:160].all()
    assert not hot[185:245, 25:115].any()
    assert not hot[10:20, 200:210].any()


def test_prnu_reports_orientation_mismatch(prnu_setup):
    _, _, _, path = prnu_setup
    t = run("prnu", evidence_from(scene(H, W - 64, 3)), _prnu_cfg(path), catch=False)
    assert not t.applicable and "mismatch" in t.note
    assert t.findings and t.findings[0].kind == "prnu_mismatch"


def test_fingerprint_cli(tmp_path):
    from PIL import Image

    from forgelens.cli import app

    rng = np.random.default_rng(3)
    K = rng.normal(0, 0.02, (96, 128))
    refs = []
    for i in range(3):
        p = tmp_path / f"ref{i}.png"
        Image.fromarray(_shoot(K, 200 + i, flat=True)).save(p)
        refs.append(str(p))
    out = tmp_path / "cam.npz"
    res = CliRunner().invoke(app, ["camera", "fingerprint", *refs, "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert load_fingerprint(out).shape == (96, 128)
    Image.fromarray(_shoot(K, 300, flat=True)[:64, :]).save(tmp_path / "odd.png")
    res = CliRunner().invoke(app, ["camera", "fingerprint", refs[0], str(tmp_path / "odd.png"), "-o", str(out)])
    assert res.exit_code != 0


# ---------------------------------------------------------------- median filter / contrast


def _smooth_scene(seed: int) -> np.ndarray:
    # low-contrast scene with mild noise: the h1/h0 ratio depends on gradient size (as in photos)
    r = np.random.default_rng(seed)
    return 128 + (scene(H, W, seed, noise=0, fine=0) - 128) * 0.25 + r.normal(0, 1.0, (H, W, 3))


@pytest.mark.parametrize("seed", [0, 1])
def test_median_filtering_detected_at_image_level(seed):
    import cv2

    clean = to_u8(_smooth_scene(seed))
    med = cv2.medianBlur(clean, 3)
    tc = run("median_filter", evidence_from(clean), catch=False)
    tm = run("median_filter", evidence_from(med), catch=False)
    assert tc.score < 0.5 and not tc.findings
    assert tm.score > 0.5 and tm.findings[0].kind == "median_filtered"


@pytest.mark.parametrize("seed", [0, 1])
def test_contrast_enhancement_detected_globally(seed):
    clean = to_u8(scene(H, W, seed))
    gamma = to_u8(255 * (clean / 255.0) ** 0.7)
    stretch = to_u8((clean.astype(float) - 30) * 1.25)
    assert run("contrast_enhancement", evidence_from(clean), catch=False).score < 0.5
    for im in (gamma, stretch):
        t = run("contrast_enhancement", evidence_from(im), catch=False)
        assert t.score > 0.5 and t.findings[0].kind == "contrast_enhanced"


def test_contrast_enhancement_local_map():
    clean = to_u8(scene(H, W, 4))
    forged = clean.copy()
    forged[MASK] = to_u8(255 * (clean[MASK] / 255.0) ** 0.6)
    t = run("contrast_enhancement", evidence_from(forged), catch=False)
    assert auc(MASK, t.pixels(t.heatmap)) >= 0.9
