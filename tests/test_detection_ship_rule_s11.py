"""The session-11 ship rule's clauses (benchmarks/studies/detection_ship_rule.py, ``decide_s11``): a candidate
passes only when every set is measured whole and no clause is worse than the baseline's (issue 14, session 11)."""

from __future__ import annotations

import copy

from benchmarks.studies.detection_ship_rule import S11_FALSE_ALARM_SETS, decide_s11


def _model(heldout_auc=0.8, called=77, fs_auc=0.88, fs_called=21, alarms=None, n=None):
    alarms = alarms or {}
    n = n or {}
    rows = {c: [("authentic", 0.2, "authentic")] * 2 + [("manipulated", 0.8, "manipulated")] * 2
            for c in ("casia1", "toolkit")}
    return {"heldout": {"auc": (heldout_auc, 0.7, 0.9), "called": called, "n_forged": 184, "false_alarms": 4,
                        "n_auth": 184},
            "fullsize": {"auc": (fs_auc, 0.7, 0.9), "called": fs_called, "n_forged": 36, "false_alarms": 0,
                         "n_auth": 18},
            "false_alarms": {c: {"n": n.get(c, 40), "alarms": [f"{c}-{i}" for i in range(alarms.get(c, 0))]}
                             for c in S11_FALSE_ALARM_SETS},
            **rows}


def test_a_candidate_better_everywhere_passes_every_clause():
    res = {"shipped": _model(alarms={"casia1": 2}), "G": _model(0.85, 86, 0.9, 22, alarms={"casia1": 2})}
    clauses = decide_s11(res)["G"]
    assert all(ok for ok, _ in clauses.values()), clauses


def test_one_more_false_alarm_on_one_set_fails_that_clause_only():
    res = {"shipped": _model(alarms={"kodak24": 2}), "G": _model(0.85, 86, 0.9, 22, alarms={"kodak24": 3})}
    failed = [k for k, (ok, _) in decide_s11(res)["G"].items() if not ok]
    assert failed == ["2 kodak24 false alarms"]


def test_the_three_percent_cap_applies_to_the_camera_sets():
    # 2 of 40 = 5 %: fails on exif-samples even when the baseline has as many
    res = {"shipped": _model(alarms={"cameras-exif": 2}), "G": _model(0.85, 86, 0.9, 22, alarms={"cameras-exif": 2})}
    assert not decide_s11(res)["G"]["2 cameras-exif false alarms"][0]


def test_a_set_measured_in_part_or_not_at_all_does_not_pass():
    base = _model()
    part = copy.deepcopy(_model(0.85, 86, 0.9, 22))
    part["heldout"]["n_forged"] = 100  # the held-out set not extracted whole
    part["false_alarms"]["s10real"]["n"] = 0  # a set not measured
    c = decide_s11({"shipped": base, "G": part})["G"]
    assert not c["1a held-out AUC higher"][0] and not c["1b held-out called higher"][0]
    assert not c["2 s10real false alarms"][0]


def test_equal_held_out_figures_are_not_higher():
    res = {"shipped": _model(), "G": _model(0.8, 77, 0.9, 22)}
    c = decide_s11(res)["G"]
    assert not c["1a held-out AUC higher"][0] and not c["1b held-out called higher"][0]
    assert c["3a full-size AUC not lower"][0] and c["3b full-size called not fewer"][0]
