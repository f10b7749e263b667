"""benchmarks/studies/verdict_band.py on synthetic rows (no ../shared, no caches)."""

import numpy as np
import pytest

from benchmarks.studies.verdict_band import auc, best_threshold_accuracy, cause, what_if


def _row(p_m, p_g=None, verdict=None, rule="manipulation_model", **kw):
    r = {"verdict": verdict, "rule": rule, "p_m": p_m, "det_ma": 0.8, "det_ab": 0.5, "manip_calibrated": True,
         "manip_prior": 0.5, "p_g": p_g, "gen_at": None if p_g is None else 0.9,
         "gen_ab": None if p_g is None else 0.7, "gen_prior": 0.5, "gen_calibrated": p_g is not None}
    r.update(kw)
    if r["verdict"] is None:  # the shipped decision table, written out for the synthetic row
        r["verdict"] = str(what_if([{**r, "verdict": "x"}])[0])
    return r


@pytest.mark.parametrize("p_m,p_g,expected", [
    (0.3, 0.2, "authentic"),
    (0.6, 0.2, "detection band"),
    (0.3, 0.75, "generation band"),
    (0.3, 0.6, "generation leans"),
    (0.6, 0.75, "detection band + generation band"),
    (0.6, 0.6, "detection band + generation leans"),
    (0.85, 0.2, "manipulated"),
    (0.6, None, "detection band"),
])
def test_cause_names_the_rule_of_the_decision_table(p_m, p_g, expected):
    r = _row(p_m, p_g)
    assert cause(r) == expected
    assert r["verdict"] == ("inconclusive" if " " in expected or expected.startswith("generation") else expected)


def test_generation_outweighs_a_high_manipulation_probability():
    # LR_g (0.88 → 7.3) above LR_m (0.81 → 4.3) but P(generated) below generated_at: inconclusive
    r = _row(0.81, 0.88)
    assert r["verdict"] == "inconclusive" and cause(r) == "generation outweighs"


def test_other_rules_keep_their_verdict_and_are_named():
    r = _row(0.6, 0.95, verdict="generated", rule="generation_model")
    assert cause(r) == "generated"
    n = _row(None, None, verdict="inconclusive", rule="no_score")
    assert cause(n) == "no score"
    assert list(what_if([r, n], det_ab=0.99, gen_ab=0.99, leans=False)) == ["generated", "inconclusive"]


def test_what_if_moves_only_what_the_thresholds_decide():
    rows = [_row(0.3, 0.2), _row(0.6, 0.2), _row(0.3, 0.75), _row(0.3, 0.6), _row(0.85, 0.2)]
    assert list(what_if(rows)) == [r["verdict"] for r in rows]
    # a higher detection edge frees the detection-band row only; generation rows stay inconclusive (leans on)
    assert list(what_if(rows, det_ab=0.7)) == ["authentic", "authentic", "inconclusive", "inconclusive", "manipulated"]
    # the band's edge alone changes nothing while the leans clause (LR > 1) still holds
    assert list(what_if(rows, gen_ab=0.8)) == list(what_if(rows))
    # without the leans clause, the band row goes only once the edge is above it
    assert list(what_if(rows, leans=False))[2:4] == ["inconclusive", "authentic"]
    assert list(what_if(rows, gen_ab=0.8, leans=False))[2:4] == ["authentic", "authentic"]
    # the edge never goes above manipulated_at
    assert what_if([_row(0.81, 0.1)], det_ab=0.95)[0] == "manipulated"


def test_trivial_baseline_metrics():
    y = np.array([True, True, False, False])
    assert auc(y, np.array([4.0, 3.0, 2.0, 1.0])) == 1.0
    assert auc(y, np.array([1.0, 1.0, 1.0, 1.0])) == 0.5
    assert auc(np.array([True, True]), np.array([1.0, 2.0])) is None
    assert best_threshold_accuracy(y, np.array([4.0, 3.0, 2.0, 1.0])) == 1.0
    assert best_threshold_accuracy(y, np.array([1.0, 1.0, 1.0, 1.0])) == 0.5
