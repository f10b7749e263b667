"""Clause 7 of the session-15 rule (``localizer_ship_rule.decide_pooled``; issue 14, s15w2rs, candidate W2R-S): the
candidate's false alarms on the third and fourth fresh sets pooled are ≤ B's, on the same whole sets."""

from __future__ import annotations

from benchmarks.studies import localizer_ship_rule as lsr


def _side(a3, n3, a4, n4):
    return {"fresh-conf3": {"n": n3, "alarms": a3, "labels": {"authentic": n3 - len(a3), "manipulated": len(a3)}},
            "fresh-conf4": {"n": n4, "alarms": a4, "labels": {"authentic": n4 - len(a4), "generated": len(a4)}}}


def test_pooled_not_more_passes_even_when_one_set_gets_more():
    pooled = {"B": _side(["a", "b"], 184, ["c", "d", "e"], 144), "C": _side(["a", "b", "x"], 184, ["c"], 144)}
    ok, why = lsr.decide_pooled(pooled)["C"]
    assert ok and why.startswith("4/328 vs 5/328")


def test_one_more_pooled_or_a_set_measured_in_part_fails():
    base = _side(["a"], 184, ["c"], 144)
    assert not lsr.decide_pooled({"B": base, "C": _side(["a", "x"], 184, ["c"], 144)})["C"][0]
    assert not lsr.decide_pooled({"B": base, "C": _side([], 180, [], 144)})["C"][0]
    assert not lsr.decide_pooled({"B": _side([], 0, [], 0), "C": _side([], 0, [], 0)})["C"][0]


def test_the_table_names_the_files_that_left_and_appeared_and_the_trivial_baseline():
    text = lsr.pooled_text({"B": _side(["a", "b"], 184, [], 144), "C": _side(["b", "x"], 184, [], 144)})
    assert "left 1 (a); stayed 1; appeared 1 (x)" in text
    assert "| always authentic (trivial) | 0/184 |" in text and "| C | 2/184 |" in text
