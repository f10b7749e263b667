"""Importing a benchmark study module in a test: ``benchmarks/`` is not a package, so its folders go on ``sys.path``."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def import_study(name: str) -> ModuleType:
    """The module ``name`` of ``benchmarks/studies``, ``accuracy`` or ``fit`` (the three folders go on ``sys.path`` once;
    no module name repeats across them, as the scripts that import each other assume)."""
    for sub in ("fit", "accuracy", "studies"):
        d = str(BENCHMARKS / sub)
        if d not in sys.path:
            sys.path.insert(0, d)
    return importlib.import_module(name)


def assert_clause_c(study: ModuleType, more: int, expected: tuple[int, int], sealed: list[int], cand: str) -> None:
    """A confirmation study's clause C on its pooled sealed sets, read at its edges: the candidate's calls must be
    at least the reference's + ``more``; its false alarms not more than the reference's and not above 3 % of the
    real photos. ``expected`` = (generated, real) of the pooled sets."""
    import math

    s = study
    assert (s.MORE, s.MAX_FA_RATE, s.EXPECTED, s.REF, s.CAND) == (more, 0.03, expected, "N11", cand)
    assert sorted(s.SEALED) == sealed
    n_gen, n_real = expected
    cap = math.floor(0.03 * n_real)  # the most false alarms that are still ≤ 3 %
    ok = s.clause_c(n_gen, n_real, {"N11": 40, cand: 40 + more}, {"N11": cap, cand: cap})
    assert [p for _, p in ok] == [True, True, True]
    assert not s.clause_c(n_gen, n_real, {"N11": 40, cand: 39 + more}, {"N11": 0, cand: 0})[0][1]
    assert not s.clause_c(n_gen, n_real, {"N11": 40, cand: 40 + more}, {"N11": 1, cand: 2})[1][1]
    over = s.clause_c(n_gen, n_real, {"N11": 40, cand: 40 + more}, {"N11": cap + 1, cand: cap + 1})
    assert over[1][1] and not over[2][1]  # above 3 % even when N11 has as many


def assert_refuses_unsealed(study: ModuleType, sets: list[int], folder: Path) -> None:
    """The study stops before any scoring when a set's closed list has no sha256 recorded at its close."""
    import pytest

    for k in sets:
        (folder / f"set{k}-final.tsv").write_text("id\tlabel\na\tgenerated\n")
    with pytest.raises(SystemExit, match="no sha256 recorded"):
        study.main(["--data", str(folder)], folders={k: folder for k in sets})
