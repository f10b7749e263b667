"""Session 16, round 4 (N12): clause A (N12 against the shipped N11) and clause C10 of the lead's rule on the sealed set
10. No ``../shared`` and no cache is read."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from tests._study_helpers import import_study

STUDIES = Path(__file__).resolve().parents[1] / "benchmarks" / "studies"


def _study():
    return import_study("generation_confirm_s16n12")


def test_clause_c10_three_more_calls_false_alarms_not_more_than_n11_and_at_most_3_percent():
    s = _study()
    assert (s.MORE, s.MAX_FA_RATE) == (3, 0.03)
    ok = s.clause_c10(39, 103, {"N11": 20, "N12": 23}, {"N11": 3, "N12": 3})
    assert [p for _, p in ok] == [True, True, True]
    assert not s.clause_c10(39, 103, {"N11": 20, "N12": 22}, {"N11": 0, "N12": 0})[0][1]
    assert not s.clause_c10(39, 103, {"N11": 20, "N12": 23}, {"N11": 1, "N12": 2})[1][1]
    four = s.clause_c10(39, 103, {"N11": 20, "N12": 23}, {"N11": 4, "N12": 4})
    assert four[1][1] and not four[2][1]  # 4/103 > 3 % even when N11 has 4


def _measure(called=114, auc=0.969, srcs=None):
    srcs = srcs or {"portfolio": (0, 66), "stock-web": (3, 300), "camera-original": (1, 45), "film-kodak": (0, 35),
                    "web-laion": (0, 134)}
    return {"called": called, "n_gen": 182, "auc": auc, "sources": srcs}


def test_clause_a_n12_thresholds_as_declared():
    s = _study()
    sets = {"i18f fresh (fresh-web)": (0, 189, []), "s10real validation photos": (0, 84, [])}
    args = (sets, sets, (0, 66), (0, 66), (0, 0, 0), (0, 0, 0))
    ref = _measure()
    assert all(p for _, p in s.clause_a_n12(ref, _measure(), *args))  # equal to N11 passes (≥, not >)
    items = dict((t.split(".")[0] if t[0].isdigit() else t.split(" ")[0], p)
                 for t, p in s.clause_a_n12(ref, _measure(called=113, auc=0.9639), *args))
    assert not items["1a"] and not items["1b"]
    assert all(p for _, p in s.clause_a_n12(ref, _measure(auc=0.9641), *args))
    pf2 = _measure(srcs={**ref["sources"], "portfolio": (2, 66)})  # 2/66 ≤ 3 % but > N11's 0 + 1
    assert any(t.startswith("3a") and not p for t, p in s.clause_a_n12(ref, pf2, *args))
    many = _measure(srcs={**ref["sources"], "stock-web": (6, 300)})  # 7 in all > N11's 4 + 2
    res = s.clause_a_n12(ref, many, *args)
    assert any(t.startswith("all real") and not p for t, p in res)
    assert all(p for t, p in res if not t.startswith("all real"))
    c4 = s.clause_a_n12(ref, _measure(), sets, sets, (0, 66), (0, 66), (0, 0, 0), (0, 0, 2))
    assert any(t.startswith("4.") and not p for t, p in c4)


def test_set_masks_and_the_seal(tmp_path):
    s = _study()
    t = SimpleNamespace(ids=["a", "b", "c"], y=np.array([1, 0, 1]), split=np.array(["val"] * 3),
                        repo=np.array(["r/g", "r/p", "o/x"], dtype=object))
    gen, real = s.set_masks(t, {"a": "generated", "b": "real"})
    assert gen.tolist() == [True, False, False] and real.tolist() == [False, True, False]
    with pytest.raises(SystemExit, match="set 10: the table holds 1 of the closed list's 2"):
        s.set_masks(t, {"a": "generated", "z": "real"})
    (tmp_path / "set10-final.tsv").write_text("id\tlabel\na\tgenerated\n")
    with pytest.raises(SystemExit, match="no sha256 recorded"):
        s.main(["--data", str(tmp_path)], folders={10: tmp_path})
