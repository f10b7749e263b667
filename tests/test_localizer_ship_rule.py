"""benchmarks/studies/localizer_ship_rule.py: clauses 1–3 of the session-13 rule read as declared — fresh-web
strictly fewer, no clause-2 set with one false alarm more (3 % cap on the camera sets), held-out called not fewer
and AUC within 0.01, full-size / casia1 / toolkit forgeries called within one, whole sets only."""

from __future__ import annotations

import copy

from benchmarks.studies import localizer_ship_rule as rule


def _result(fresh=12, hard_val=3, called=77, auc=0.81, full=21, casia_called=6, n_heldout=184):
    fa = {c: {"n": 100, "alarms": []} for c in rule.S13_SETS}
    fa["fresh-web"] = {"n": 194, "alarms": [f"f{i}" for i in range(fresh)]}
    fa["hard-val"] = {"n": 24, "alarms": [f"h{i}" for i in range(hard_val)]}
    casia = [("manipulated", 0.9, "manipulated")] * casia_called + [("manipulated", 0.2, "authentic")] * (
        39 - casia_called) + [("authentic", 0.1, "authentic")] * 39
    toolkit = [("manipulated", 0.9, "manipulated")] * 6 + [("manipulated", 0.2, "authentic")] * 16
    return {"heldout": {"auc": (auc, auc - 0.05, auc + 0.05), "called": called, "n_forged": n_heldout, "n_auth": 184},
            "fullsize": {"auc": (0.88, 0.8, 0.95), "called": full, "n_forged": 36, "n_auth": 18},
            "false_alarms": fa, "casia1": casia, "toolkit": toolkit}


def test_a_candidate_with_fewer_fresh_web_alarms_and_nothing_worse_passes():
    res = {"B": _result(), "L0": _result(fresh=9, auc=0.801, full=20, casia_called=5)}
    c = rule.decide(res)["L0"]
    assert all(ok for ok, _ in c.values()), c


def test_each_clause_fails_on_its_own():
    base = _result()
    cases = {"1 fresh-web false alarms strictly fewer": _result(fresh=12),
             "2 hard-val false alarms not more": _result(fresh=9, hard_val=4),
             "3a held-out called ≥ B": _result(fresh=9, called=76),
             "3b held-out AUC ≥ B − 0.01": _result(fresh=9, auc=0.799),
             "3c full-size called ≥ B − 1": _result(fresh=9, full=19),
             "3d casia1 forgeries called ≥ B − 1": _result(fresh=9, casia_called=4)}
    for clause, cand in cases.items():
        c = rule.decide({"B": base, "L0": cand})["L0"]
        assert [k for k, (ok, _) in c.items() if not ok] == [clause], (clause, c)


def test_the_camera_sets_carry_the_3_percent_cap_and_sets_are_read_whole():
    base = _result()
    base["false_alarms"]["cameras-exif"] = {"n": 83, "alarms": ["a", "b", "c"]}
    cand = copy.deepcopy(base)
    cand["false_alarms"]["fresh-web"]["alarms"] = ["f0"]
    c = rule.decide({"B": base, "L0": cand})["L0"]
    assert not c["2 cameras-exif false alarms not more"][0]  # 3/83 = 3.6 % > 3 %, even if equal to B
    part = _result(fresh=9, n_heldout=180)
    c = rule.decide({"B": base, "L0": part})["L0"]
    assert not c["3a held-out called ≥ B"][0] and not c["3b held-out AUC ≥ B − 0.01"][0]


def test_changes_lists_left_stayed_appeared():
    b, l0 = _result(fresh=3), _result(fresh=0)
    l0["false_alarms"]["fresh-web"]["alarms"] = ["f1", "new"]
    ch = rule.changes({"B": b, "L0": l0}, "fresh-web")["L0"]
    assert ch == {"left": ["f0", "f2"], "stayed": ["f1"], "appeared": ["new"]}


def test_clause_6_reads_the_confirmation_sets_when_the_baseline_has_them():
    base, cand = _result(), _result(fresh=9)
    assert not any(k.startswith("6 ") for k in rule.decide({"B": base, "L2": cand})["L2"])  # without --conf: no clause 6
    for r, k in ((base, 13), (cand, 13)):
        r["false_alarms"]["fresh-conf"] = {"n": 164, "alarms": [f"c{i}" for i in range(k)]}
        r["false_alarms"]["fresh-conf2"] = {"n": 122, "alarms": [f"d{i}" for i in range(8)]}
    c = rule.decide({"B": base, "L2": cand})["L2"]
    assert c["6 fresh-conf false alarms ≤ B"][0] and c["6 fresh-conf2 false alarms ≤ B"][0]
    cand["false_alarms"]["fresh-conf2"]["alarms"].append("new")  # one more on one set fails it
    c = rule.decide({"B": base, "L2": cand})["L2"]
    assert [k for k, (ok, _) in c.items() if not ok] == ["6 fresh-conf2 false alarms ≤ B"]
    del cand["false_alarms"]["fresh-conf"]  # a candidate without the set (or on fewer pictures) fails it
    c = rule.decide({"B": base, "L2": cand})["L2"]
    assert not c["6 fresh-conf false alarms ≤ B"][0]
