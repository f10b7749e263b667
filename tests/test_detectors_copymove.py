"""Copy-move detectors: synthetic clones with known masks, repetitive and degenerate images."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from forgelens.detectors import available, run
from forgelens.evidence import load
from tests._copymove_helpers import bricks, clone, encode, natural_image

DETECTORS = ["copymove_sift", "copymove_dense"]

CASES = {
    "shift": dict(angle=0.0, scale=1.0, fmt="PNG"),
    "rotated": dict(angle=30.0, scale=1.0, fmt="PNG"),
    "scaled": dict(angle=0.0, scale=1.15, fmt="PNG"),
    "recompressed": dict(angle=15.0, scale=1.0, fmt="JPEG"),
}


@pytest.fixture(scope="module")
def forgeries():
    out = {}
    for name, c in CASES.items():
        img = natural_image(seed=2 if name != "rotated" else 1)
        forged, src, dst = clone(img, (120, 120), (380, 260), 50, c["angle"], c["scale"])
        out[name] = (load(encode(forged, c["fmt"], 85)), src, dst)
    return out


def test_registered_in_copymove_family():
    reg = available()
    for name in DETECTORS:
        assert reg[name].family == "copymove"
    # the keypoint detector is in the default analysis; the dense one is opt-in for speed
    assert reg["copymove_sift"].default is True
    assert reg["copymove_dense"].default is False


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("name", DETECTORS)
def test_clone_found_at_source_and_target(forgeries, name, case):
    ev, src, dst = forgeries[case]
    tr = run(name, ev, catch=False)
    assert tr.heatmap.shape == ev.shape and tr.heatmap.dtype == np.float32
    assert tr.score >= 0.5, tr.note
    gt = (src | dst).ravel()
    assert roc_auc_score(gt, tr.heatmap.ravel()) >= 0.85
    hot = tr.heatmap > 0.5
    assert hot[src].mean() > 0.5 and hot[dst].mean() > 0.5  # both regions, not one
    assert hot[~(src | dst)].mean() < 0.04
    f = tr.findings[0]
    assert f.kind == "copy_move"
    v = f.values
    for key in ("source_bbox", "target_bbox", "shift", "rotation_deg", "scale", "match_count", "lines"):
        assert key in v
    assert abs(v["shift"] - np.hypot(260, 140)) < 40
    assert "copymove_pairs" in tr.extra_maps and tr.extra_maps["copymove_pairs"].shape == ev.shape


def test_rotation_and_scale_recovered(forgeries):
    ev, _, _ = forgeries["rotated"]
    v = run("copymove_sift", ev, catch=False).findings[0].values
    assert abs(abs(v["rotation_deg"]) - 30) < 4
    ev, _, _ = forgeries["scaled"]
    v = run("copymove_sift", ev, catch=False).findings[0].values
    assert abs(max(v["scale"], 1 / v["scale"]) - 1.15) < 0.05


@pytest.mark.parametrize("name", DETECTORS)
def test_repetitive_authentic_stays_quiet(name):
    for seed in range(2):
        tr = run(name, load(encode(bricks(seed=seed))), catch=False)
        assert tr.score < 0.5, tr.note
        assert not tr.findings
    tr = run(name, load(encode(natural_image(seed=0))), catch=False)
    assert tr.score < 0.5 and not tr.findings


@pytest.mark.parametrize("name", DETECTORS)
def test_tiny_and_flat_give_nothing_found(name):
    rng = np.random.default_rng(0)
    tiny = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    flat = np.full((300, 400, 3), 128, np.uint8)
    for img in (tiny, flat):
        tr = run(name, load(encode(img)), catch=False)
        assert tr.applicable and tr.error is None
        assert tr.score < 0.5 and not tr.findings
        assert "nothing found" in tr.note
        assert float(tr.heatmap.max()) == 0.0
