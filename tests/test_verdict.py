"""Pipeline-level verdict facts: not_applicable with a reason, one set of probabilities."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import jpeg_bytes, natural_image

from forgelens.pipeline import analyze

CHEAP = ["ela", "noise_wavelet", "jpeg_grid"]


def test_thumbnail_is_not_applicable_with_a_reason():
    r = analyze(jpeg_bytes(natural_image(68, 100), 90), detectors=CHEAP)
    v = r.to_dict()["verdict"]
    assert v["label"] == "not_applicable"
    assert "100×68" in v["not_applicable_reason"] and v["decision"]["rule"] == "not_applicable"
    assert v["probabilities"] is None and v["support"]["manipulated"] is None


def test_flat_image_is_not_applicable():
    flat = np.full((256, 256, 3), 127, np.uint8)
    v = analyze(jpeg_bytes(flat, 90), detectors=CHEAP).verdict
    assert v.label == "not_applicable" and "flat" in v.not_applicable_reason


def test_ordinary_picture_is_judged_and_traces_carry_their_family():
    r = analyze(jpeg_bytes(natural_image(256, 256), 90), detectors=CHEAP)
    assert r.verdict.label != "not_applicable" and r.verdict.not_applicable_reason is None
    assert {t.name: t.family for t in r.traces} == {"ela": "jpeg", "noise_wavelet": "noise", "jpeg_grid": "jpeg"}


# --- forgeries made here, judged by the shipped detection model (full default analysis) -------

SIDE = 384
BOX = (120, 220, 140, 250)  # y0, y1, x0, x1 of the edited region


def _host(seed: int = 1, quality: int = 70) -> np.ndarray:
    from conftest import decode

    return decode(jpeg_bytes(natural_image(SIDE, SIDE, seed=seed, noise=3.0), quality)).copy()


def _verdict(rgb: np.ndarray, quality: int = 90):
    return analyze(jpeg_bytes(rgb, quality)).verdict


def _points_at_box(v) -> bool:
    y0, y1, x0, x1 = BOX
    inside = v.heatmap[y0:y1, x0:x1].mean()
    outside = np.delete(v.heatmap, np.s_[y0:y1], axis=0).mean()
    return inside > outside


def _manipulated_models():
    from forgelens.fusion.detection import detection_model

    if detection_model() is None:
        pytest.skip("no detection.json shipped")


def test_a_splice_from_another_jpeg_history_is_called_manipulated():
    _manipulated_models()
    from conftest import decode

    host = _host(1, 70)
    donor = decode(jpeg_bytes(natural_image(SIDE, SIDE, seed=7, noise=0.5), 97))
    y0, y1, x0, x1 = BOX
    host[y0:y1, x0:x1] = donor[y0 + 10:y1 + 10, x0 - 20:x1 - 20]
    v = _verdict(host)
    assert v.label == "manipulated" and _points_at_box(v)


def test_a_copy_move_is_called_manipulated():
    _manipulated_models()
    host = _host(2, 80)
    y0, y1, x0, x1 = BOX
    host[y0:y1, x0:x1] = host[y0 + 130:y1 + 130, x0 - 100:x1 - 100].copy()
    v = _verdict(host)
    assert v.label == "manipulated" and _points_at_box(v)


def test_a_removal_by_inpainting_is_called_manipulated():
    _manipulated_models()
    import cv2

    host = _host(3, 70)
    mask = np.zeros(host.shape[:2], np.uint8)
    y0, y1, x0, x1 = BOX
    mask[y0:y1, x0:x1] = 255
    v = _verdict(cv2.inpaint(host, mask, 5, cv2.INPAINT_TELEA))
    assert v.label == "manipulated" and _points_at_box(v)


def test_an_authentic_camera_like_picture_is_not_called_manipulated():
    _manipulated_models()
    v = analyze(jpeg_bytes(natural_image(SIDE, SIDE, seed=4, noise=3.0), 90)).verdict
    assert v.label in ("authentic", "inconclusive")


def test_two_identical_objects_are_not_called_copy_move_with_high_support():
    _manipulated_models()
    import cv2

    rng = np.random.default_rng(5)
    img = natural_image(SIDE, SIDE, seed=5, noise=0.0).astype(np.float32)
    sign = np.full((50, 110, 3), (200, 30, 30), np.uint8)
    cv2.putText(sign, "VOTE", (8, 38), cv2.FONT_HERSHEY_DUPLEX, 1.2, (255, 255, 255), 2, cv2.LINE_AA)
    for x in (40, 230):  # the same printed sign twice; each photographed with its own noise
        img[150:200, x:x + 110] = sign * 0.95
    img += rng.normal(0, 3.0, img.shape)
    v = analyze(jpeg_bytes(np.clip(img, 0, 255).astype(np.uint8), 90)).verdict
    strong = ("moderate", "moderately_strong", "strong", "very_strong", "extremely_strong")
    assert not (v.label == "manipulated" and "copy-move" in (v.domain or "") and v.support["manipulated"] in strong)
