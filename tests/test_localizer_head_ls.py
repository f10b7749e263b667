"""Session 17, round 2 (issue 14, candidate LS): the shipped detection model's raw logit and the localizer head H's
logit through a two-input Platt step (``localizer_head.ls_fit``), thresholds on out-of-fold P. No ``../shared``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import expit
from sklearn.model_selection import GroupKFold

from benchmarks.fit import fit_detection_shipped as fds
from benchmarks.studies import localizer_head as lh
from forgelens.fusion.calibration import fit_platt, threshold_at_fpr
from forgelens.fusion.detection import DetectionModel, MapSummary, features
from tests.test_localizer_head_lh import _logits, cache  # noqa: F401  (the fixture)


@pytest.fixture
def base(cache, tmp_path):  # noqa: F811
    """A plain recipe model on the fake analyses: LS's z_B model."""
    train = [r for n in fds.TRAIN_SETS for r in fds.load(cache, n)]
    val = [r for n in fds.VAL_SETS for r in fds.load(cache, n)]
    model, _ = fds.fit(train, val, {"analyses": "test"})
    model.save(tmp_path / "base.json")
    return tmp_path / "base.json"


def _val(cache, table):  # noqa: F811
    rows = [r for n in fds.VAL_SETS for r in fds.load(cache, n)]
    return rows, np.array([table[m["_set"]][m["image"]] for _, m in rows])


def test_ls_is_sigma_of_a_zb_plus_b_zh_plus_c_with_the_shipped_coefficients(cache, base, tmp_path):  # noqa: F811
    logits = _logits(cache, tmp_path / "H-logits.json", np.random.default_rng(1))
    info = lh.ls_fit(cache, logits, tmp_path / "ls.json", base)
    b0, ls = DetectionModel.load(base), DetectionModel.load(tmp_path / "ls.json")
    a, b, c = info["a_z_B"], info["b_z_H"], info["c"]
    assert ls.features == b0.features + [fds.HEAD_FACT] and ls.detectors == b0.detectors
    assert b > 0  # the fake logit is informative
    rows, zh = _val(cache, json.loads(logits.read_text()))
    for (s, _), z in zip(rows, zh, strict=True):
        f0 = features(s, b0.detectors)
        s2 = MapSummary(**{**s.__dict__, "facts": {**s.facts, fds.HEAD_FACT: float(z)}})
        p = expit(a * b0.raw(f0) + b * z + c)
        lo, hi = ls.lr_bounds[0] / (1 + ls.lr_bounds[0]), ls.lr_bounds[1] / (1 + ls.lr_bounds[1])
        assert ls.probability(features(s2, ls.detectors)) == pytest.approx(float(np.clip(p, lo, hi)), abs=1e-9)
    y = np.array([m["label"] == "manipulated" for _, m in rows])
    assert ls.lr_bounds == [1.0 / y.sum(), float((~y).sum())]
    # with H's logit held fixed, LS ranks pictures exactly as the shipped model does (a > 0)
    assert a > 0


def test_ls_thresholds_are_read_on_out_of_fold_p_by_host(cache, base, tmp_path):  # noqa: F811
    logits = _logits(cache, tmp_path / "H-logits.json", np.random.default_rng(2))
    info = lh.ls_fit(cache, logits, tmp_path / "ls.json", base)
    b0 = DetectionModel.load(base)
    rows, zh = _val(cache, json.loads(logits.read_text()))
    zb = np.array([b0.raw(features(s, b0.detectors)) for s, _ in rows])
    y = np.array([m["label"] == "manipulated" for _, m in rows], int)
    oof = np.zeros(len(y))
    for tr, te in GroupKFold(5).split(zb, y, [fds.host(m) for _, m in rows]):
        a, b, c = lh.ls_platt(zb[tr], zh[tr], y[tr])
        oof[te] = a * zb[te] + b * zh[te] + c
    lo, hi = 1 / y.sum() / (1 + 1 / y.sum()), (y == 0).sum() / (1 + (y == 0).sum())
    neg = np.clip(expit(oof), lo, hi)[y == 0]
    t = DetectionModel.load(tmp_path / "ls.json").thresholds
    assert t["manipulated_at"] == pytest.approx(max(0.5, threshold_at_fpr(neg, 0.03)))
    assert t["authentic_below"] == pytest.approx(min(0.5, threshold_at_fpr(neg, 0.20)))
    assert t["authentic_below"] <= 0.5 <= t["manipulated_at"] and len(info["fold_abc"]) == 5


def test_without_head_is_the_recipes_one_input_platt_on_z_b(cache, base, tmp_path):  # noqa: F811
    logits = _logits(cache, tmp_path / "H-logits.json", np.random.default_rng(3))
    info = lh.ls_fit(cache, logits, tmp_path / "bs.json", base, without_head=True)
    b0 = DetectionModel.load(base)
    rows, _ = _val(cache, json.loads(logits.read_text()))
    zb = np.array([b0.raw(features(s, b0.detectors)) for s, _ in rows])
    y = np.array([m["label"] == "manipulated" for _, m in rows], int)
    w = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    one = fit_platt(zb, y, sample_weight=w)
    assert info["b_z_H"] == pytest.approx(0.0, abs=1e-9)
    assert info["a_z_B"] == pytest.approx(one["a"], rel=1e-3) and info["c"] == pytest.approx(one["b"], abs=1e-3)
    # the package's own Platt step on the same validation rows gives b0's calibration: BS re-reads it
    assert b0.platt["a"] == pytest.approx(one["a"], rel=1e-3)


def test_a_validation_row_without_a_logit_stops_naming_it(cache, base, tmp_path):  # noqa: F811
    logits = _logits(cache, tmp_path / "H.json", np.random.default_rng(1), drop=("synth-val", "images/000002.jpg"))
    with pytest.raises(SystemExit, match="no head logit for synth-val picture images/000002.jpg"):
        lh.ls_fit(cache, logits, tmp_path / "ls.json", base)
    assert not (tmp_path / "ls.json").exists()


def test_ls_model_refuses_a_base_that_already_reads_h(cache, base, tmp_path):  # noqa: F811
    logits = _logits(cache, tmp_path / "H-logits.json", np.random.default_rng(1))
    lh.ls_fit(cache, logits, tmp_path / "ls.json", base)
    with pytest.raises(SystemExit, match="without H's feature"):
        lh.ls_fit(cache, logits, tmp_path / "ls2.json", tmp_path / "ls.json")
