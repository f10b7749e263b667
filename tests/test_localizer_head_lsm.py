"""Session 17 round 4 (issue 14, candidate LSM): LS with its ``manipulated_at`` matched to B's count of "manipulated"
calls on real web photos (``localizer_head.lsm_threshold``), its probe and model files. No ``../shared``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks.studies import localizer_head as lh
from forgelens.fusion.detection import DetectionModel
from tests.test_localizer_head_lh import _logits, cache  # noqa: F401  (the fixture)
from tests.test_localizer_head_ls import base  # noqa: F401  (the fixture)

SETS = ("w1", "w2")


def _row(name, verdict, score, label="authentic"):
    return [name, label, score, verdict, score, "h", 0.0, "", 0.5]


def _res(b_called, scores, fixed=(), extra_forgery=True):
    """B calls ``b_called`` of 40 real photos; the floor probe (LSP) calls the pictures of ``scores`` (by score) and
    the ``fixed`` ones (score 0.1, called whatever the threshold, as the never-probe LSN says)."""
    res = {"B": {}, "LSP": {}, "LSN": {}}
    names = [f"{s}/{i}" for s in SETS for i in range(20)]
    sc = dict(zip(names[:len(scores)], scores, strict=True))
    for s in SETS:
        own = [n for n in names if n.startswith(s)]
        res["B"][s] = [_row(n, "manipulated" if names.index(n) < b_called else "authentic", 0.3) for n in own]
        res["LSP"][s] = [_row(n, "manipulated" if (n in sc or n in fixed) else "inconclusive", sc.get(n, 0.1))
                         for n in own]
        res["LSN"][s] = [_row(n, "manipulated" if n in fixed else "inconclusive", sc.get(n, 0.1)) for n in own]
        if extra_forgery:  # a forgery in the same cache: never counted
            for m in res:
                res[m][s].append(_row(f"{s}/forged", "manipulated", 0.99, label="manipulated"))
    return res


def test_t_web_is_just_above_the_first_score_b_does_not_leave_room_for():
    scores = [0.95, 0.9, 0.8, 0.7, 0.6, 0.55]
    rec = lh.lsm_threshold(_res(3, scores), own=0.778, sets=SETS, n_expected=40)
    assert rec["B_called"] == 3 and rec["n"] == 40
    assert rec["t_web"] == np.nextafter(0.7, np.inf)  # 0.95, 0.9, 0.8 called; 0.7 not
    assert rec["LS_called_at_t_web"] == 3 and rec["LS_called_at_floor"] == 6 and rec["LS_called_at_own"] == 3
    assert rec["manipulated_at"] == pytest.approx(0.778)  # max(own, t_web): the own value is higher here
    rec = lh.lsm_threshold(_res(2, scores), own=0.778, sets=SETS, n_expected=40)
    assert rec["t_web"] == np.nextafter(0.8, np.inf) and rec["manipulated_at"] == rec["t_web"]
    assert rec["LS_called_at_t_web"] == 2


def test_calls_made_whatever_the_threshold_use_up_b_s_count():
    scores = [0.95, 0.9, 0.8]
    rec = lh.lsm_threshold(_res(3, scores, fixed=("w2/19",)), own=0.5, sets=SETS, n_expected=40)
    assert rec["LS_called_whatever_t"] == 1
    assert rec["t_web"] == np.nextafter(0.8, np.inf)  # one place is taken by w2/19: 0.95 and 0.9 only
    assert rec["LS_called_at_t_web"] == 3 <= rec["B_called"]
    with pytest.raises(SystemExit, match="whatever the threshold"):
        lh.lsm_threshold(_res(0, scores, fixed=("w2/19",)), own=0.5, sets=SETS, n_expected=40)


def test_the_floor_when_ls_calls_no_more_than_b_and_ties_stay_below():
    rec = lh.lsm_threshold(_res(5, [0.9, 0.6]), own=0.7, sets=SETS, n_expected=40)
    assert rec["t_web"] == lh.LSM_FLOOR and rec["manipulated_at"] == 0.7
    rec = lh.lsm_threshold(_res(1, [0.9, 0.9, 0.6]), own=0.5, sets=SETS, n_expected=40)
    assert rec["t_web"] == np.nextafter(0.9, np.inf) and rec["LS_called_at_t_web"] == 0  # a tie: both or neither


def test_counts_and_pictures_are_checked():
    with pytest.raises(SystemExit, match="not 931"):
        lh.lsm_threshold(_res(1, [0.9]), own=0.7, sets=SETS)
    res = _res(1, [0.9])
    res["LSP"]["w1"].pop(0)
    with pytest.raises(SystemExit, match="same pictures"):
        lh.lsm_threshold(res, own=0.7, sets=SETS, n_expected=40)


def test_probe_and_lsm_files_change_manipulated_at_only(cache, base, tmp_path):  # noqa: F811
    logits = _logits(cache, tmp_path / "H-logits.json", np.random.default_rng(1))
    lh.ls_fit(cache, logits, tmp_path / "ls.json", base)
    ls = json.loads((tmp_path / "ls.json").read_text())
    lh.lsm_probe_model(tmp_path / "ls.json", tmp_path / "p.json")
    lh.lsm_probe_model(tmp_path / "ls.json", tmp_path / "n.json", lh.LSM_NEVER)
    own = float(ls["thresholds"]["manipulated_at"])
    rec = {"own": own, "t_web": own + 0.05, "manipulated_at": own + 0.05}
    lh.lsm_model(tmp_path / "ls.json", rec, tmp_path / "lsm.json")
    for f, at in (("p.json", 0.5), ("n.json", 2.0), ("lsm.json", own + 0.05)):
        m = json.loads((tmp_path / f).read_text())
        assert m["thresholds"] == {**ls["thresholds"], "manipulated_at": at}
        assert {k: v for k, v in m.items() if k not in ("thresholds", "provenance")} == \
            {k: v for k, v in ls.items() if k not in ("thresholds", "provenance")}
    a, b = DetectionModel.load(tmp_path / "ls.json"), DetectionModel.load(tmp_path / "lsm.json")
    assert b.coef == a.coef and b.intercept == a.intercept and b.lr_bounds == a.lr_bounds
    assert b.thresholds["authentic_below"] == a.thresholds["authentic_below"]
    assert json.loads((tmp_path / "lsm.json").read_text())["provenance"]["lsm"]["t_web"] == rec["t_web"]
    with pytest.raises(SystemExit, match="own value"):
        lh.lsm_model(tmp_path / "ls.json", {**rec, "own": own + 0.01}, tmp_path / "x.json")
