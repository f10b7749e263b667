"""The shipped detection model's recipe (``benchmarks/fit/fit_detection_shipped.py``; issue 14, session 14, s14det):
the shipped model's 169 synth-train rows, Platt and thresholds on the validation sets only, C by grouped folds."""

from __future__ import annotations

import csv

import pytest

from benchmarks.fit import fit_detection_shipped as fds
from forgelens.fusion.detection import DetectionModel
from tests._detection_cache_helpers import recipe_cache


@pytest.fixture
def cache(tmp_path):
    return recipe_cache(tmp_path)


def test_the_shipped_rows_are_the_last_169_of_the_index(tmp_path):
    with open(tmp_path / "i.csv", "w", newline="") as f:
        w = csv.DictWriter(f, ["image", "label"])
        w.writeheader()
        w.writerows({"image": f"{i}.jpg", "label": "authentic"} for i in range(200))
    keep = fds.shipped_rows(tmp_path / "i.csv")
    assert len(keep) == 169 and "31.jpg" in keep and "30.jpg" not in keep and "199.jpg" in keep


def test_calibration_and_thresholds_come_from_validation_only(cache, tmp_path):
    fds.main(["--cache", str(cache), "--synth-train-rows", "all", "--out", str(tmp_path / "m.json")])
    model = DetectionModel.load(tmp_path / "m.json")
    info = model.fitted
    # every kind is trained on (local included), hard negatives too; validation counted apart
    assert info["train_sets"] == {"synth-train": 60, "hard-train": 10}
    assert info["counts"]["val"] == {"authentic": 28, "manipulated": 20}
    assert model.lr_bounds == [1 / 20, 28.0]
    assert info["C"] in fds.C_GRID and set(info["C_grouped_cv_auc"]) == {str(c) for c in fds.C_GRID}
    # the thresholds are the 3 % / 20 % points of the validation authentic pictures' P
    train = [r for n in fds.TRAIN_SETS for r in fds.load(cache, n)]
    val = [r for n in fds.VAL_SETS for r in fds.load(cache, n)]
    m2, info2 = fds.fit(train, val)
    assert m2.thresholds == model.thresholds and m2.platt == model.platt  # deterministic
    assert 0.5 <= model.thresholds["manipulated_at"] and model.thresholds["authentic_below"] <= 0.5
    # changing only the validation sets moves the calibration, never the regression
    m3, _ = fds.fit(train, val[: len(val) // 2] + val[-4:])
    assert m3.coef == m2.coef and m3.intercept == m2.intercept
    assert m3.platt != m2.platt


def test_last169_keeps_the_shipped_rows_and_refuses_a_cache_missing_some(cache, tmp_path):
    fds.main(["--cache", str(cache), "--synth-train-index", str(tmp_path / "index.csv"),
              "--out", str(tmp_path / "m.json")])  # an index of 60 rows: all 60 are "the last 169"
    assert DetectionModel.load(tmp_path / "m.json").fitted["train_sets"]["synth-train"] == 60
    with open(tmp_path / "big.csv", "w", newline="") as f:
        w = csv.DictWriter(f, ["image", "label"])
        w.writeheader()
        w.writerows({"image": f"images/{i:06d}.jpg", "label": "authentic"} for i in range(200))
    with pytest.raises(SystemExit, match="not analysed"):  # rows 31–199 wanted, 31–59 cached
        fds.main(["--cache", str(cache), "--synth-train-index", str(tmp_path / "big.csv"),
                  "--out", str(tmp_path / "m.json")])
    with pytest.raises(SystemExit, match="needs --synth-train-index"):
        fds.main(["--cache", str(cache), "--out", str(tmp_path / "m.json")])
