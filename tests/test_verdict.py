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


def _verdict(rgb: np.ndarray, quality: int = 90, detectors: list[str] | None = None):
    return analyze(jpeg_bytes(rgb, quality), detectors=detectors).verdict


def _manipulation_detectors() -> list[str]:
    """The default detectors less the generation family (the hosts here are procedural textures, not photographs)."""
    from forgelens.detectors import registry

    info = registry.available()
    return [n for n in registry.default_names() if info[n].family != "generation"]


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
    # Since issue 18 session 7 (B) the generation models read this spliced procedural texture as generated
    # (P 0.79 >= 0.755), which is their call on a synthetic picture; this test is about the detection model.
    v = _verdict(host, detectors=_manipulation_detectors())
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


def test_authentic_camera_crops_are_not_called_manipulated(shared_datasets):
    """Centre 512 px crops (8-aligned, re-saved at q95) of every natural shot of the Dresden unit the
    detection model never trained on (Nikon D70s #1: its validation unit)."""
    _manipulated_models()
    import glob
    import io

    from PIL import Image

    files = sorted(glob.glob(str(shared_datasets / "cameras" / "prnu" / "nat-jpg__Nikon_D70s_1_*")))
    if not files:
        pytest.skip("no Dresden D70s #1 natural shots in ../shared/datasets/cameras")
    for f in files:
        im = np.asarray(Image.open(f).convert("RGB"))
        h, w = im.shape[:2]
        y, x = (h // 2 - 256) // 8 * 8, (w // 2 - 256) // 8 * 8
        buf = io.BytesIO()
        Image.fromarray(im[y:y + 512, x:x + 512]).save(buf, format="JPEG", quality=95)
        v = analyze(buf.getvalue()).verdict
        assert v.label in ("authentic", "inconclusive"), (f, v.label, v.manipulation_score)


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
