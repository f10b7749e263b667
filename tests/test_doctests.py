"""Every docstring example in ``src/forgelens`` runs, as CI's ``pytest`` run goes (no separate step).

Examples may use ``evidence``: ``examples/splice.jpg`` loaded (the picture the README analyses),
so a detector's example reads as a user would write it. An example that writes files or takes
minutes (``synthesize``) is marked ``# doctest: +SKIP``; modules that need an optional package
that is not installed (torch on the inference-only install) are skipped, saying which.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
#: Not importable on their own: Alembic runs its migration environment itself.
NOT_MODULES = ("forgelens.service.migrations",)


def _module_names() -> list[str]:
    names = []
    for p in sorted((SRC / "forgelens").rglob("*.py")):
        parts = list(p.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if not any(name == n or name.startswith(n + ".") for n in NOT_MODULES) and "__main__" not in name:
            names.append(name)
    return names


def _with_examples() -> list[str]:
    """Modules whose source has a ``>>>`` prompt (read as text: nothing imported to list them)."""
    out = []
    for name in _module_names():
        rel = Path(*name.split("."))
        path = SRC / rel / "__init__.py" if (SRC / rel).is_dir() else (SRC / rel).with_suffix(".py")
        if ">>> " in path.read_text(encoding="utf-8"):
            out.append(name)
    return out


@pytest.fixture(scope="module")
def example_evidence():
    from forgelens.evidence import load

    return load(ROOT / "examples" / "splice.jpg")


@pytest.mark.parametrize("name", _with_examples())
def test_docstring_examples_run(name, example_evidence):
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        pytest.skip(f"{name} needs {exc.name}, not installed here")
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    found = 0
    for test in finder.find(module, name, extraglobs={"evidence": example_evidence}):
        runner.run(test, out=report.append)
        found += len(test.examples)
    assert found, f"{name}: a '>>>' in the source, but no example found"
    assert runner.failures == 0, "".join(report)
