"""Session 16, round 2 (N11): clause C9 of the lead's rule on the sealed set 9, and how set 9's pictures are taken from
its closed list. No ``../shared`` and no cache is read."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from tests._study_helpers import import_study

STUDIES = Path(__file__).resolve().parents[1] / "benchmarks" / "studies"


def _study():
    return import_study("generation_confirm_s16n11")


def test_clause_c9_size_three_more_calls_and_false_alarms_only_when_set_9_has_real_photos():
    s = _study()
    assert (s.MIN_GEN, s.MORE, s.MAX_FA_RATE) == (25, 3, 0.03)
    small = s.clause_c9(24, 0, {"N3x": 0, "N11": 24}, {"N3x": 0, "N11": 0})
    assert len(small) == 1 and not small[0][1] and "not measured" in small[0][0]
    ok = s.clause_c9(25, 0, {"N3x": 10, "N11": 13}, {"N3x": 0, "N11": 0})
    assert [p for _, p in ok] == [True]  # no real photos: the false-alarm items are not part of C9
    assert not s.clause_c9(40, 0, {"N3x": 10, "N11": 12}, {"N3x": 0, "N11": 0})[0][1]
    with_real = s.clause_c9(40, 100, {"N3x": 10, "N11": 13}, {"N3x": 3, "N11": 3})
    assert [p for _, p in with_real] == [True, True, True]
    assert not s.clause_c9(40, 100, {"N3x": 10, "N11": 13}, {"N3x": 2, "N11": 3})[1][1]  # more than N3x
    four = s.clause_c9(40, 100, {"N3x": 10, "N11": 13}, {"N3x": 4, "N11": 4})
    assert four[1][1] and not four[2][1]  # 4 % > 3 % even when N3x has 4


def test_set_masks_take_the_closed_lists_ids_and_refuse_a_mismatch(tmp_path):
    s = _study()
    t = SimpleNamespace(ids=["a", "b", "c", "d"], y=np.array([1, 0, 1, 0]), split=np.array(["val"] * 3 + ["train"]),
                        repo=np.array(["r/g", "r/p", "o/x", "r/p"], dtype=object))
    gen, real = s.set_masks(t, {"a": "generated", "b": "real"})
    assert gen.tolist() == [True, False, False, False] and real.tolist() == [False, True, False, False]
    with pytest.raises(SystemExit, match="1 of the closed list's 2"):
        s.set_masks(t, {"a": "generated", "z": "real"})
    with pytest.raises(SystemExit, match="on the list but not"):
        s.set_masks(t, {"a": "real", "b": "real"})
    t.repo[2] = "r/g"  # a validation record of a listed repository that is not on the list
    with pytest.raises(SystemExit, match="not on the list"):
        s.set_masks(t, {"a": "generated", "b": "real"})
    tsv = tmp_path / "set9-final.tsv"
    tsv.write_text("id\trepo\tlabel\na\tr/g\tgenerated\nb\tr/p\treal\n")
    assert s.list_labels(tsv) == {"a": "generated", "b": "real"}


def test_nothing_is_scored_when_the_seal_does_not_hold(tmp_path):
    s = _study()
    (tmp_path / "set9-final.tsv").write_text("id\tlabel\na\tgenerated\n")
    with pytest.raises(SystemExit, match="no sha256 recorded"):
        s.main(["--data", str(tmp_path)], folders={9: tmp_path})
