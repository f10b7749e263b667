"""Which files count as full-size camera originals (training.camera_originals), and how the detection
recipe groups and thresholds them (training.detection)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from forgelens.training import detection
from forgelens.training.camera_originals import camera_facts


def _jpeg(size=(1800, 1200), make="Canon", model="Canon EOS 10D", software=None, exif_size=None) -> bytes:
    rng = np.random.default_rng(0)
    im = Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))
    exif = Image.Exif()
    if make:
        exif[271] = make
    if model:
        exif[272] = model
    if software:
        exif[305] = software
    w, h = exif_size or size
    exif.get_ifd(0x8769).update({40962: w, 40963: h})
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def test_a_camera_jpeg_at_its_native_size_is_kept():
    facts = camera_facts(_jpeg(software="Firmware Ver.1.00"))
    assert facts["why_left_out"] == ""
    assert (facts["make"], facts["model"], facts["width"], facts["height"]) == ("Canon", "Canon EOS 10D", 1800, 1200)


def test_a_portrait_original_whose_exif_size_is_landscape_is_kept():
    assert camera_facts(_jpeg(size=(1200, 1800), exif_size=(1800, 1200)))["why_left_out"] == ""


def test_edited_resized_small_and_anonymous_pictures_are_left_out():
    assert camera_facts(_jpeg(software="Adobe Photoshop CC 2019 (Macintosh)"))["why_left_out"].startswith("edited")
    assert camera_facts(_jpeg(exif_size=(3600, 2400)))["why_left_out"].startswith("not at the camera's size")
    assert camera_facts(_jpeg(make=None))["why_left_out"] == "EXIF names no camera"
    assert camera_facts(_jpeg(size=(800, 600)))["why_left_out"].startswith("under 2 MP")
    buf = io.BytesIO()
    Image.new("RGB", (1800, 1200)).save(buf, "PNG")
    assert camera_facts(buf.getvalue())["why_left_out"].startswith("not a JPEG")


def test_camera_originals_are_grouped_by_camera_model_in_the_folds():
    a = {"source": "camera:Canon Canon IXUS 125 HS", "image": "images/snowpeak_IMG_1.JPG"}
    b = {"source": "camera:Canon Canon IXUS 125 HS", "image": "images/snowpeak_IMG_2.JPG"}
    c = {"source": "camera:HMD Global Nokia G21", "image": "images/bottle_IMG_3.jpg"}
    assert detection._host(a) == detection._host(b) != detection._host(c)
    assert "camera-train" in detection.TRAIN_SETS and "camera-train" in detection.MIRROR_SETS


def test_a_broken_file_is_left_out_with_its_reason_not_fatal():
    good = _jpeg()
    for broken in (b"", b"not an image at all", good[:200], good[: len(good) // 2]):
        assert camera_facts(broken)["why_left_out"].startswith("unreadable")
    assert camera_facts(good)["why_left_out"] == ""
