"""A picture with too little texture to judge is not_applicable, with its reason (issue 14, candidate F)."""

from __future__ import annotations

import io
import re

import cv2
import numpy as np
from conftest import jpeg_bytes, natural_image, png_bytes

from forgelens.detectors import registry
from forgelens.evidence import load
from forgelens.explain import faithfulness
from forgelens.pipeline import (
    FLAT_LUMA_STD,
    MIN_JUDGEABLE_SIDE,
    analyze,
    textured_pixels,
    why_not_applicable,
)

CHEAP = ["ela", "noise_wavelet", "jpeg_grid"]


def flat_rectangle() -> np.ndarray:
    """A plain blue rectangle on white, like a designed graphic (e.g. exif-samples' xmp_BlueSquare)."""
    rgb = np.full((216, 360, 3), 255, np.uint8)
    rgb[60:160, 100:260] = (30, 60, 200)
    return rgb


def text_page() -> np.ndarray:
    """A few lines of black text on a white page, about 0.5 MP."""
    page = np.full((600, 840, 3), 255, np.uint8)
    for i, line in enumerate(["Minutes of the meeting held on 4 March", "1. The budget was approved as proposed.",
                              "2. The next meeting is set for 12 April.", "3. Any other business: none raised."]):
        cv2.putText(page, line, (40, 80 + 40 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (0, 0, 0), 2, cv2.LINE_AA)
    return page


def sky_photo() -> np.ndarray:
    """A photo-like picture whose upper two thirds are a uniform sky."""
    rgb = natural_image(384, 512, seed=3)
    rgb[:256] = (135, 180, 230)
    return rgb


def test_flat_rectangle_is_not_applicable_with_the_textured_pixels_in_the_reason():
    r = analyze(jpeg_bytes(flat_rectangle(), 90), detectors=CHEAP)
    assert r.verdict.label == "not_applicable"
    reason = r.verdict.not_applicable_reason
    n = textured_pixels(r.evidence.luminance)
    assert 0 < n < MIN_JUDGEABLE_SIDE**2
    assert reason == why_not_applicable(r.evidence)
    assert f"only {n:,} px of the picture carry texture" in reason
    assert f"{MIN_JUDGEABLE_SIDE} × {MIN_JUDGEABLE_SIDE} px" in reason
    assert r.to_dict()["explanation"]["headline"] == f"Cannot be judged: {reason}"
    assert faithfulness.cited_numbers(r)[1] == [] and faithfulness.overclaims(r) == []  # the count is the report's


def test_texture_text_and_sky_pictures_are_judged_as_before():
    for rgb in (natural_image(256, 256, seed=1), text_page(), sky_photo()):
        ev = load(png_bytes(rgb))
        assert textured_pixels(ev.luminance) >= MIN_JUDGEABLE_SIDE**2
        assert why_not_applicable(ev) is None
    r = analyze(jpeg_bytes(text_page(), 92), detectors=CHEAP)
    assert r.verdict.label != "not_applicable"


def test_textured_pixels_counts_whole_8x8_blocks_at_the_flat_threshold():
    y = np.zeros((35, 42), np.float32)  # 4 × 5 whole blocks; the partial edge blocks are left out
    y[0:8, 0:8] = np.tile([0.0, 2.0], 32).reshape(8, 8)  # std 1.0: textured (at least the threshold)
    y[8:16, 8:16] = np.tile([0.0, 1.9], 32).reshape(8, 8)  # std 0.95: uniform
    y[32:35, :] = 50 * np.arange(42)  # only the partial bottom rows vary
    y[:, 40:42] = 100.0
    y[16:24, 16:24] = np.random.default_rng(0).normal(100, 5, (8, 8))
    assert FLAT_LUMA_STD == 1.0
    assert textured_pixels(y) == 2 * 64


def test_the_check_runs_no_detector(monkeypatch):
    ev = load(jpeg_bytes(flat_rectangle(), 90))

    def refuse(*args, **kwargs):
        raise AssertionError("a detector ran")

    monkeypatch.setattr(registry, "run", refuse)
    reason = why_not_applicable(ev)
    assert reason and re.search(r"only [\d,]+ px", reason)


def test_a_declaration_in_the_metadata_still_decides_on_a_flat_picture():
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "a blue square on white\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, "
                                "Size: 360x216, Model: sd_xl_base_1.0")
    buf = io.BytesIO()
    Image.fromarray(flat_rectangle()).save(buf, "PNG", pnginfo=info)
    r = analyze(buf.getvalue(), detectors=["generator_signature", *CHEAP])
    assert why_not_applicable(r.evidence).startswith("only ")
    assert r.verdict.label == "generated" and r.verdict.decision["rule"] == "provenance_declared_ai"


def test_study_rows_mark_the_cached_analysis_not_applicable(tmp_path):
    """benchmarks: textured_area.py's flagged rows reach verdict_accuracy.refuse (caches made before the check)."""
    import json

    from benchmarks.accuracy import verdict_accuracy as va
    from benchmarks.studies import textured_area

    (tmp_path / "set" / "images").mkdir(parents=True)
    (tmp_path / "set" / "images" / "flat.jpg").write_bytes(jpeg_bytes(flat_rectangle(), 90))
    (tmp_path / "set" / "images" / "photo.jpg").write_bytes(jpeg_bytes(natural_image(256, 256, seed=2), 90))
    (tmp_path / "set" / "index.csv").write_text("image,mask,label\nimages/flat.jpg,,authentic\nimages/photo.jpg,,authentic\n")
    rows = textured_area.measure("set", tmp_path / "set")
    assert [r["flagged_by_f"] for r in rows] == [True, False]
    (tmp_path / "rows.json").write_text(json.dumps(rows))
    saved = dict(va.NOT_APPLICABLE)
    try:
        va.NOT_APPLICABLE.clear()
        assert va.read_not_applicable(tmp_path / "rows.json") == 1
        flat = rows[0]
        key = va.picture_key("images/flat.jpg", (flat["height"], flat["width"]), flat["brightness"])
        assert va.NOT_APPLICABLE[key].startswith("only ")
    finally:
        va.NOT_APPLICABLE.clear()
        va.NOT_APPLICABLE.update(saved)
