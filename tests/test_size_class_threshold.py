"""Size-class (Mondrian) thresholds of the detection model: ``DetectionModel.thresholds_for`` (issue 14)."""

from __future__ import annotations

import dataclasses

import pytest

from forgelens.fusion.detection import DetectionModel, detection_model
from forgelens.trace import Trace


def _model(**extra) -> DetectionModel:
    return DetectionModel(detectors=["a"], features=["a.top"], platt={"a": 1.0, "b": 0.0},
                          thresholds={"manipulated_at": 0.82, "authentic_below": 0.49, **extra},
                          mean=[0.0], scale=[1.0], coef=[1.0])


def test_without_a_size_class_every_picture_gets_the_same_thresholds():
    m = _model()
    for shape in ((100, 100), (3000, 4000)):
        assert m.thresholds_for(shape) == {"manipulated_at": 0.82, "authentic_below": 0.49}
    shipped = detection_model()
    if shipped is not None and "large_manipulated_at" not in shipped.thresholds:
        assert shipped.thresholds_for((4000, 6000)) == shipped.thresholds


def test_pictures_above_the_size_limit_use_their_own_threshold_and_smaller_ones_do_not():
    m = _model(large_above_pixels=2_000_000, large_manipulated_at=0.55)
    small = m.thresholds_for((1000, 2000))  # exactly 2 MP: not above
    assert small == {"manipulated_at": 0.82, "authentic_below": 0.49}
    large = m.thresholds_for((2000, 1001))
    assert large["manipulated_at"] == 0.55 and large["authentic_below"] == 0.49
    assert large["size_class_above_pixels"] == 2_000_000
    low = dataclasses.replace(m, thresholds={**m.thresholds, "large_manipulated_at": 0.45})
    assert low.thresholds_for((3000, 3000))["authentic_below"] == 0.45  # never above manipulated_at


def test_a_size_class_authentic_below_moves_only_that_threshold_and_only_above_the_limit():
    m = _model(large_above_pixels=2_000_000, large_authentic_below=0.40)
    assert m.thresholds_for((1000, 2000)) == {"manipulated_at": 0.82, "authentic_below": 0.49}
    large = m.thresholds_for((2000, 1001))
    assert large == {"manipulated_at": 0.82, "authentic_below": 0.40, "size_class_above_pixels": 2_000_000}
    both = _model(large_above_pixels=2_000_000, large_manipulated_at=0.45, large_authentic_below=0.48)
    assert both.thresholds_for((3000, 3000))["authentic_below"] == 0.45  # never above manipulated_at


def _verdict_for(shape: tuple[int, int], model: DetectionModel, monkeypatch):
    """Fuse one map-producing trace on a picture of ``shape`` with ``model`` as the shipped detection model."""
    import numpy as np

    from forgelens.detectors import registry
    from forgelens.fusion import detection, fuse

    monkeypatch.setattr(detection, "_MODEL", [model])
    block = 32  # the trace's map on a coarse grid: the test stays small at 2 MP
    grid = np.zeros((-(-shape[0] // block), -(-shape[1] // block)), np.float32)
    grid[2:5, 2:5] = 0.6
    t = registry.stamp(Trace("ela", heatmap=grid, score=0.2, block=block, shape=shape))
    return fuse([t], shape)


def test_a_large_picture_reads_its_size_class_threshold_and_the_words_follow(monkeypatch):
    from types import SimpleNamespace

    from forgelens.explain.text import headline

    # P(manipulated) = sigmoid(0 · x − 0.2) ≈ 0.45 for every picture: between the two authentic_below
    flat = DetectionModel(detectors=["ela"], features=["ela.top"], platt={"a": 1.0, "b": -0.2},
                          thresholds={"manipulated_at": 0.82, "authentic_below": 0.40},
                          mean=[0.0], scale=[1.0], coef=[0.0])
    sized = dataclasses.replace(flat, thresholds={**flat.thresholds, "large_above_pixels": 2_000_000,
                                                  "large_authentic_below": 0.49})
    small, large = (1000, 1000), (1500, 1400)
    for model in (flat, sized):  # a picture ≤ 2 MP: the same verdict with or without the field
        v = _verdict_for(small, model, monkeypatch)
        assert v.label == "inconclusive" and v.decision["thresholds"]["authentic_below"] == 0.40
    assert _verdict_for(large, flat, monkeypatch).label == "inconclusive"
    v = _verdict_for(large, sized, monkeypatch)
    assert v.manipulation_score == pytest.approx(0.450166, abs=1e-6)
    assert v.label == "authentic" and v.decision["thresholds"]["authentic_below"] == 0.49
    assert v.decision["thresholds"]["size_class_above_pixels"] == 2_000_000
    assert v.probabilities["authentic"] > v.probabilities["manipulated"]  # the label's class is the likeliest shown
    words = headline(SimpleNamespace(verdict=v, traces=[]))
    assert words.startswith("No evidence of manipulation found") and "does not prove" in words
