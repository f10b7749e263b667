"""Size-class (Mondrian) thresholds of the detection model: ``DetectionModel.thresholds_for`` (issue 14)."""

from __future__ import annotations

import dataclasses

from forgelens.fusion.detection import DetectionModel, detection_model


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
