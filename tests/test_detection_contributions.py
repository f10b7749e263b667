"""benchmarks/studies/detection_contributions.py: the crop procedure, percentiles, the row census's classes and the
contribution table (no ../shared needed)."""

import io

import numpy as np
import pytest
from PIL import Image

from benchmarks.studies import detection_contributions as dc
from forgelens.fusion.detection import DetectionModel


def test_centre_crop_is_the_tests_8_aligned_crop_and_offset_moves_it():
    im = np.arange(1000 * 1500, dtype=np.int64).reshape(1000, 1500)
    c = dc.centre_crop(im)
    y, x = (500 - 256) // 8 * 8, (750 - 256) // 8 * 8
    assert c.shape == (512, 512) and c[0, 0] == im[y, x] and y % 8 == 0 and x % 8 == 0
    assert dc.centre_crop(im, offset=3)[0, 0] == im[y + 3, x + 3]
    with pytest.raises(ValueError, match="too small"):
        dc.centre_crop(np.zeros((300, 300)))


def test_encode_gives_the_asked_format_and_quality():
    from forgelens.jpeg import estimate_jpeg_quality

    px = (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)
    png = Image.open(io.BytesIO(dc.encode(px, "png", 0)))
    assert png.format == "PNG" and np.array_equal(np.asarray(png), px)
    jpg = Image.open(io.BytesIO(dc.encode(px, "jpeg", 85)))
    assert jpg.format == "JPEG"
    assert estimate_jpeg_quality(np.array(jpg.quantization[0], float).reshape(8, 8))[0] == 85


def test_percentile_is_mid_rank():
    s = np.array([1.0, 2.0, 3.0, 4.0])
    assert dc.percentile_of(0.0, s) == 0.0 and dc.percentile_of(5.0, s) == 100.0
    assert dc.percentile_of(2.0, s) == pytest.approx(37.5)
    assert np.isnan(dc.percentile_of(1.0, np.array([])))


def test_bands_and_like_test_crop():
    assert dc.quality_band("JPEG", 95) == "JPEG q93-100" and dc.quality_band("JPEG", 90) == "JPEG q88-92"
    assert dc.quality_band("PNG", None) == "PNG" and dc.quality_band("JPEG", None) == "JPEG q?"
    assert dc.size_band(512 * 512) == "≤0.3 MP" and dc.size_band(3_000_000) == ">2 MP"
    row = {"host_kind": "camera JPEG", "grid": "aligned", "post": "none", "band": "JPEG q93-100", "pixels": 500_000}
    assert dc.like_test_crop(row)
    for change in ({"grid": "misaligned"}, {"post": "jpeg"}, {"band": "JPEG q88-92"}, {"pixels": 700_000},
                   {"host_kind": "sun-hays80 JPEG"}):
        assert not dc.like_test_crop({**row, **change})


def test_contribution_table_adds_up_to_the_raw_score():
    m = DetectionModel(detectors=["a"], features=["a.x", "a.y", "a.z"], platt={"a": 1.0, "b": 0.0},
                       thresholds={"manipulated_at": 0.8, "authentic_below": 0.4}, mean=[0.0, 1.0, 2.0],
                       scale=[1.0, 2.0, 0.5], coef=[0.5, -1.0, 2.0], intercept=0.25)
    feats = {"a.x": 1.0, "a.y": -1.0, "a.z": 3.0}
    Xa = np.array([[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]])
    rows = dc.contribution_table(m, feats, Xa, Xa[:1], top=3)
    assert [r["feature"] for r in rows] == ["a.z", "a.y", "a.x"]  # 4.0, 1.0, 0.5: strongest push first
    assert sum(r["contribution"] for r in rows) + m.intercept == pytest.approx(m.raw(feats))
    assert rows[0]["z"] == pytest.approx(2.0) and rows[0]["pct_auth"] == 100.0
