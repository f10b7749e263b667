"""Session 16 (N10): clause C of the lead's rule on the sealed sets 7 + 8, and the seal check that runs before any
score. No ``../shared`` and no cache is read: the seal check is exercised on lists written here."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests._study_helpers import import_study

STUDIES = Path(__file__).resolve().parents[1] / "benchmarks" / "studies"


def _study():
    return import_study("generation_confirm_s16")


def test_clause_c_needs_three_more_calls_and_no_more_false_alarms_than_n3x_and_at_most_three_percent():
    s = _study()
    assert (s.MORE, s.MAX_FA_RATE, s.EXPECTED) == (3, 0.03, (52, 170))
    ok = s.clause_c(52, 170, {"N3x": 20, "N10": 23}, {"N3x": 5, "N10": 5})
    assert [p for _, p in ok] == [True, True, True]
    assert not s.clause_c(52, 170, {"N3x": 20, "N10": 22}, {"N3x": 0, "N10": 0})[0][1]  # + 2 is not enough
    assert not s.clause_c(52, 170, {"N3x": 20, "N10": 30}, {"N3x": 1, "N10": 2})[1][1]  # more false alarms than N3x
    six = s.clause_c(52, 170, {"N3x": 20, "N10": 30}, {"N3x": 6, "N10": 6})
    assert six[1][1] and not six[2][1] and "≤ 5" in six[2][0]  # 6 / 170 = 3.5 % > 3 % even when N3x has 6


def test_the_seal_check_refuses_a_changed_list_or_a_missing_record(tmp_path):
    s = _study()
    rows = "id\trepo\tcommit\tpath\tlabel\tfamily\tphash\nabc\tr/x\t0\tp.png\tgenerated\tz\t00\n"
    folders = {}
    for k in (7, 8):
        d = tmp_path / f"s{k}"
        d.mkdir()
        (d / f"set{k}-final.tsv").write_text(rows)
        sha = hashlib.sha256(rows.encode()).hexdigest()
        (d / f"set{k}-final.sha256").write_text(f"{sha}  set{k}-final.tsv\n")
        (d / f"set{k}-closed.txt").write_text(f"set {k} closed, sha256 {sha}; sealed\n")
        folders[k] = d
    out = s.check_sealed(folders)
    assert out[7][1] == ["abc"] and out[8][0] == hashlib.sha256(rows.encode()).hexdigest()
    (folders[8] / "set8-final.tsv").write_text(rows + "def\tr/y\t0\tq.png\treal\tf\t01\n")
    with pytest.raises(SystemExit, match="set8-final.tsv: sha256"):
        s.check_sealed(folders)
    (folders[8] / "set8-final.tsv").write_text(rows)
    (folders[7] / "set7-closed.txt").write_text("closed, sha256 " + "0" * 64 + "\n")  # two records that disagree
    with pytest.raises(SystemExit, match="set7-final.tsv"):
        s.check_sealed(folders)
    for f in ("set7-closed.txt", "set7-final.sha256"):
        (folders[7] / f).unlink()
    with pytest.raises(SystemExit, match="no sha256 recorded"):
        s.check_sealed(folders)
    (folders[7] / "set7-final.tsv").unlink()
    with pytest.raises(SystemExit, match="missing"):
        s.check_sealed(folders)
