"""Pipeline-level verdict facts: not_applicable with a reason, one set of probabilities."""

from __future__ import annotations

import numpy as np
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
