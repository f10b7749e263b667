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
