"""One operating threshold taken from another detection model (``benchmarks/fit/detection_threshold_swap.py``; issue 14,
session 15, s15w2rs — candidate W2R-S): only the named threshold moves, the change is recorded, inputs are never
overwritten; and the committed candidate file carries the shipped model's ``manipulated_at``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.fit import detection_threshold_swap as dts
from forgelens.fusion.detection import DETECTION_PATH, DetectionModel

CANDIDATE = Path(__file__).resolve().parents[1] / "benchmarks" / "fit" / "candidates" / "W2R-S.json"


def _model(path: Path, manipulated_at: float, authentic_below: float, coef=(0.5, -1.0)) -> Path:
    DetectionModel(detectors=["a"], features=["a.x", "a.y"], platt={"a": 1.2, "b": 0.1},
                   thresholds={"manipulated_at": manipulated_at, "authentic_below": authentic_below},
                   mean=[0.0, 1.0], scale=[1.0, 2.0], coef=list(coef), intercept=0.25, lr_bounds=[0.02, 74.0],
                   fitted={"script": "test"}).save(path)
    return path


def test_only_the_named_threshold_moves_and_the_change_is_recorded(tmp_path):
    src = _model(tmp_path / "refit.json", 0.775, 0.457)
    ref = _model(tmp_path / "shipped.json", 0.819, 0.499, coef=(2.0, 3.0))
    out = tmp_path / "cand" / "W2R-S.json"
    change = dts.swap(src, ref, "manipulated_at", out)
    a, b = json.loads(src.read_text()), json.loads(out.read_text())
    assert b["thresholds"] == {"manipulated_at": 0.819, "authentic_below": 0.457}
    assert {k for k in a if a[k] != b[k]} == {"thresholds", "provenance"}
    assert b["parameters"] == a["parameters"] and b["calibration"] == a["calibration"]  # the refit's ranking kept
    rec = b["provenance"]["threshold_swap"]
    assert (rec["key"], rec["old"], rec["new"]) == ("manipulated_at", 0.775, 0.819) == (
        change["key"], change["old"], change["new"])
    assert rec["model_sha256"] == dts.sha256(src) and rec["from_sha256"] == dts.sha256(ref)
    assert b["provenance"]["script"] == "test"
    m = DetectionModel.load(out)
    assert m.probability({"a.x": 1.0, "a.y": 0.0}) == DetectionModel.load(src).probability({"a.x": 1.0, "a.y": 0.0})


def test_refuses_to_overwrite_an_input_an_unknown_key_or_crossed_thresholds(tmp_path):
    src = _model(tmp_path / "refit.json", 0.775, 0.457)
    ref = _model(tmp_path / "shipped.json", 0.819, 0.499)
    low = _model(tmp_path / "low.json", 0.40, 0.30)
    before = src.read_bytes()
    with pytest.raises(SystemExit, match="overwrite"):
        dts.swap(src, ref, "manipulated_at", src)
    with pytest.raises(SystemExit, match="one of"):
        dts.swap(src, ref, "large_manipulated_at", tmp_path / "x.json")
    with pytest.raises(SystemExit, match="above manipulated_at"):
        dts.swap(src, low, "manipulated_at", tmp_path / "y.json")
    with pytest.raises(SystemExit, match="no such"):
        dts.swap(src, tmp_path / "missing.json", "manipulated_at", tmp_path / "z.json")
    assert src.read_bytes() == before and not (tmp_path / "x.json").exists() and not (tmp_path / "y.json").exists()


def test_the_committed_candidate_is_a_refit_at_the_shipped_operating_point():
    cand = DetectionModel.load(CANDIDATE)
    shipped = DetectionModel.load(DETECTION_PATH)
    rec = cand.fitted["threshold_swap"]
    assert rec["key"] == "manipulated_at" and rec["old"] == pytest.approx(0.7748, abs=1e-4)
    assert cand.thresholds["manipulated_at"] == rec["new"] == pytest.approx(0.8192, abs=1e-4)
    assert cand.thresholds["authentic_below"] == pytest.approx(0.4567, abs=1e-4)  # the refit's, unchanged
    assert cand.fitted["script"].startswith("benchmarks/fit/fit_detection_shipped.py")
    assert cand.features == shipped.features and cand.detectors == shipped.detectors
    assert rec["validation"]["new"]["fpr"] <= 0.03
