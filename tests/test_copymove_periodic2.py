"""The session-16 ship rule for candidate CMP2 (benchmarks/studies/copymove_periodic2.py, ``decide_s16``): clause 1
needs not more false alarms (called manipulated) on the sealed seventh set, strictly fewer on fresh-conf5 and not
more on fresh-web, fresh-conf + fresh-conf2 and fresh-conf3 + fresh-conf4; clauses 2 and 3 are session 14's. Also the
seventh set's count (``detection_ship_rule --conf-sets s16``): manipulated only, "generated" folded into
inconclusive, and the study's ``compare``."""

from __future__ import annotations

import copy

from benchmarks.studies.copymove_periodic2 import compare, decide_s16
from tests.test_copymove_periodic import _s15


def _s16(c7=3, **kw):
    code = _s15(**kw)
    code["conf"]["fresh-conf7"] = {"n": 170, "alarms": [f"fresh-conf7-{i}" for i in range(c7)], "errors": 0}
    return code


def _failed(base, cand):
    return [k for k, (ok, _) in decide_s16(base, cand).items() if not ok]


def test_one_fewer_on_the_fifth_set_and_nothing_worse_passes():
    base = _s16()
    assert _failed(base, _s16(c5=6)) == []
    assert _failed(base, _s16(c5=6, c7=2, conf=6, c34=(4, 5), fresh=8)) == []


def test_each_clause_one_part_is_read_on_its_own_sets():
    base = _s16()
    assert _failed(base, _s16()) == ["1 fresh-conf5 false alarms strictly fewer"]
    assert _failed(base, _s16(c5=6, c7=4)) == ["1 fresh-conf7 false alarms not more"]
    assert _failed(base, _s16(c5=6, conf=8)) == ["1 fresh-conf + fresh-conf2 false alarms not more"]
    assert _failed(base, _s16(c5=6, c34=(6, 5))) == ["1 fresh-conf3 + fresh-conf4 false alarms not more"]
    assert _failed(base, _s16(c5=6, fresh=11)) == ["1 fresh-web false alarms not more"]
    assert _failed(base, _s16(c5=6, toolkit=5)) == ["3 toolkit forgeries called ≥ B"]
    assert _failed(base, _s16(c5=6, cm=27)) == ["3 cm-rot forgeries called ≥ B − 1"]
    cand = copy.deepcopy(_s16(c5=5))
    cand["conf"]["fresh-conf7"]["n"] = 169  # the extract not complete: not measured whole
    assert _failed(base, cand) == ["1 fresh-conf7 false alarms not more"]
    cand = copy.deepcopy(_s16(c5=5))
    del cand["conf"]["fresh-conf7"]
    assert _failed(base, cand) == ["1 fresh-conf7 false alarms not more"]
    cand = copy.deepcopy(_s16(c5=5))
    cand["conf"]["fresh-conf7"]["errors"] = 1
    assert _failed(base, cand) == ["1 fresh-conf7 false alarms not more"]


def test_the_seventh_set_counts_manipulated_only_and_keeps_no_generated_label(monkeypatch, tmp_path):
    from benchmarks.studies import detection_ship_rule as dsr

    root = tmp_path / "root"
    for c in ("fresh-conf7", "fresh-conf5"):
        (root / "verdict" / c).mkdir(parents=True)
    labels = ["authentic", "generated", "manipulated", "inconclusive", "not_applicable", "generated"]
    rows = [("authentic", 0.5, lab, {"image": f"images/{i}.jpg", "shape": [10, 10]}) for i, lab in enumerate(labels)]
    monkeypatch.setattr(dsr, "verdict_rows", lambda cache, with_meta=False, config=None: list(rows))
    monkeypatch.setattr(dsr, "heldout", lambda root, config=None: {"auc": (0.8, 0.7, 0.9)})
    monkeypatch.setattr(dsr, "fullsize", lambda root, config=None: {"auc": (0.8, 0.7, 0.9)})
    r = dsr.measure_s13(root, tmp_path / "q98", set(), None, dsr.S16_CONF_SETS)
    c7, c5 = r["conf"]["fresh-conf7"], r["conf"]["fresh-conf5"]
    assert c7["alarms"] == ["images/2.jpg"] and c5["alarms"] == ["images/1.jpg", "images/2.jpg", "images/5.jpg"]
    assert c7["labels"] == {"authentic": 1, "inconclusive": 3, "manipulated": 1, "not_applicable": 1}
    assert "labels" not in c5 and "generated" not in str(c7)


def test_compare_lists_label_changes_then_moves_of_p():
    base = {"/c/fresh-web": {"a": ["authentic", "manipulated", 0.13], "b": ["authentic", "authentic", 0.6],
                             "c": ["authentic", "inconclusive", 0.3]}}
    cand = {"/c/fresh-web": {"a": ["authentic", "inconclusive", 0.29], "b": ["authentic", "authentic", 0.6],
                             "c": ["authentic", "inconclusive", 0.25]}}
    out = compare(base, cand)
    assert out[:2] == ["label changed:", "fresh-web a (authentic): manipulated 0.13 → inconclusive 0.29"]
    assert out[-1] == "fresh-web c (authentic): inconclusive 0.3 → inconclusive 0.25" and len(out) == 5
