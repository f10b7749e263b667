"""The detection recipe's size-class pieces (issue 14, session 9): the size class's ``authentic_below``,
``large-threshold --set authentic_below``, and folds that keep a re-saved camera picture with its camera."""

from __future__ import annotations

import numpy as np
import pytest

from forgelens.fusion.detection import DetectionModel, MapSummary
from forgelens.training import detection


def test_a_picture_made_from_a_camera_original_is_grouped_with_that_camera():
    cameras = {"images/a.jpg": "camera:Canon X"}
    original = {"image": "images/a.jpg", "source": "camera:Canon X"}
    resaved = {"image": "images/000001.jpg", "source": "synth:images/a.jpg"}
    other = {"image": "x/1.jpg", "source": "synth:hosts/b.jpg"}
    assert detection._host(resaved, cameras) == detection._host(original, cameras) == "camera:Canon X"
    assert detection._host(other, cameras) == detection._host(other) == "hosts/b.jpg"


def test_the_size_class_authentic_below_is_the_20_percent_point_capped_at_one_half():
    p = np.linspace(0.0, 0.45, 10)  # 20 % of 10 = 2 pictures may sit at or above it
    low = detection.large_authentic_below(p)
    assert (p >= low).sum() == 2 and low <= 0.5
    assert detection.large_authentic_below(np.linspace(0.3, 0.9, 10)) == 0.5


def test_large_threshold_writes_only_the_threshold_asked_for(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    for name, shape in (("camera-train", (2000, 1500)), ("fullsize-train-auth", (1000, 1000))):
        (cache / name).mkdir(parents=True)
        for i in range(5):
            m = np.full((72, 96), i / 10, np.float16)
            MapSummary(maps={"ela": m}, scores={"ela": i / 10}, families={"ela": "jpeg"}).to_npz(
                cache / name / f"{i}.npz", image=f"{i}.jpg", label="authentic", shape=list(shape))
    model = DetectionModel(detectors=["ela"], features=["ela.top"], platt={"a": 4.0, "b": -1.0},
                           thresholds={"manipulated_at": 0.82, "authentic_below": 0.3},
                           mean=[0.0], scale=[1.0], coef=[1.0])
    model.save(tmp_path / "m.json")
    monkeypatch.setattr(detection, "CACHE", cache)
    info = detection.large_threshold(tmp_path / "m.json", tmp_path / "a.json", keys=("authentic_below",))
    back = DetectionModel.load(tmp_path / "a.json")
    assert info["authentic_pictures"] == {"camera-train": 5}  # 1 MP pictures are not in the size class
    assert "large_manipulated_at" not in back.thresholds
    assert back.thresholds["large_authentic_below"] == info["authentic_below"] <= 0.5
    assert back.thresholds_for((2000, 1500))["manipulated_at"] == 0.82
    assert back.thresholds_for((1000, 1000)) == {"manipulated_at": 0.82, "authentic_below": 0.3}
    with pytest.raises(SystemExit):
        detection.large_threshold(tmp_path / "m.json", tmp_path / "b.json", keys=("nothing",))
