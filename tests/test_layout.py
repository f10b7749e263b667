"""The import floors of DESIGN.md's layout, read from the source (``ast``; nothing is imported).

Each floor imports only floors below it: the ground floor (``jpeg.py``, ``maps.py``, ``progress.py``)
imports nothing from forgelens; ``evidence`` (which reads the file, metadata included) imports only
the ground floor, ``errors`` and ``isolation``; ``provenance``, ``detectors`` and ``learned`` never import
the engines and front ends above them (``cli``, ``bench``, ``service``, ``training``,
``explain``), not even lazily inside a function; and no two modules import each other,
directly or round a circle, at module level (Python then sees a half-initialised module,
and the order of imports starts to matter).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "forgelens"

GROUND = ("forgelens.jpeg", "forgelens.maps", "forgelens.progress")
LOWER = ("forgelens.evidence", "forgelens.provenance", "forgelens.detectors", "forgelens.learned", *GROUND)
#: Evidence reads the file (pixels, JPEG internals, structure, every metadata record) and needs
#: nothing that interprets it: only itself, the ground floor, errors and the worker limits.
EVIDENCE_MAY_IMPORT = ("forgelens.evidence", "forgelens.errors", "forgelens.isolation", *GROUND)
UPPER = (
    "forgelens.cli",
    "forgelens.cli_groups",
    "forgelens.bench",
    "forgelens.service",
    "forgelens.training",
    "forgelens.explain",
)

#: Imports that break a floor today, each with why it is left for now. Empty is the goal;
#: a new entry needs a reason, and an entry that no longer occurs fails the test (so it is
#: taken out once fixed).
KNOWN_FLOOR_EXCEPTIONS: dict[tuple[str, str], str] = {}

#: Module-level import circles known today (as sorted tuples of their modules), with why.
KNOWN_CIRCLES: dict[tuple[str, ...], str] = {}


def _module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules(src: Path) -> dict[str, Path]:
    return {_module_name(p, src): p for p in sorted((src / PACKAGE).rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, bool]]:
    """(imported forgelens module, at module level?) for every import statement of one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_pkg = path.name == "__init__.py"
    out: list[tuple[str, bool]] = []

    def resolve(target: str) -> str | None:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target or None

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue  # annotations only: never runs
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == PACKAGE and (m := resolve(alias.name)):
                        out.append((m, top))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = name if is_pkg else name.rpartition(".")[0]
                    for _ in range(child.level - 1):
                        base = base.rpartition(".")[0]
                    mod = f"{base}.{child.module}" if child.module else base
                else:
                    mod = child.module or ""
                if mod.split(".")[0] != PACKAGE:
                    continue
                for alias in child.names:
                    sub = f"{mod}.{alias.name}"
                    m = sub if sub in modules else resolve(mod)
                    if m:
                        out.append((m, top))
            # a function or class body runs later (lazily), everything else at import time
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            visit(child, inner)

    visit(tree, True)
    return out


def _graph(src: Path = SRC) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Module-level imports and all imports (lazy ones inside functions too) of every module."""
    modules = _modules(src)
    top: dict[str, set[str]] = {m: set() for m in modules}
    every: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for target, at_top in _imports(name, path, modules):
            if target == name:
                continue
            every[name].add(target)
            if at_top:
                top[name].add(target)
    return top, every


def _floor_breaks(every: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(m, t) for m, targets in every.items() if _within(m, LOWER) for t in targets if _within(t, UPPER)}


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the groups of modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    group.append(m)
                    if m == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


@pytest.fixture(scope="module")
def graphs():
    if not (SRC / PACKAGE).is_dir():
        pytest.skip(f"no source tree at {SRC / PACKAGE}")
    return _graph()


def test_the_walk_sees_the_package(graphs):
    top, every = graphs
    assert "forgelens.pipeline" in top and "forgelens.jpeg" in top
    assert "forgelens.jpeg" in every["forgelens.detectors.ela"]  # a known edge is found


def test_no_module_level_import_circle(graphs):
    top, _ = graphs
    circles = {tuple(g): g for g in _strongly_connected(top)}
    unexpected = {c: g for c, g in circles.items() if c not in KNOWN_CIRCLES}
    assert not unexpected, "module-level import circles: " + "; ".join(" <-> ".join(g) for g in unexpected.values())
    stale = [c for c in KNOWN_CIRCLES if c not in circles]
    assert not stale, f"known circles that are gone (take them out of KNOWN_CIRCLES): {stale}"


def test_ground_floor_imports_nothing_from_forgelens(graphs):
    _, every = graphs
    for m in GROUND:
        assert not every[m], f"{m} is the ground floor but imports {sorted(every[m])}"


def test_evidence_imports_only_what_reading_needs(graphs):
    _, every = graphs
    bad = sorted((m, t) for m, targets in every.items() if _within(m, ("forgelens.evidence",))
                 for t in targets if not _within(t, EVIDENCE_MAY_IMPORT))
    assert not bad, "evidence imports above reading: " + ", ".join(f"{a} -> {b}" for a, b in bad)


def test_lower_floors_never_import_upper_floors(graphs):
    _, every = graphs
    bad = _floor_breaks(every)
    unexpected = sorted(bad - set(KNOWN_FLOOR_EXCEPTIONS))
    assert not unexpected, "imports from a lower floor to a higher one: " + ", ".join(f"{a} -> {b}" for a, b in unexpected)
    stale = sorted(set(KNOWN_FLOOR_EXCEPTIONS) - bad)
    assert not stale, f"known exceptions that are gone (take them out of KNOWN_FLOOR_EXCEPTIONS): {stale}"


def test_the_walk_finds_a_circle_and_a_floor_break(tmp_path):
    """The checks themselves, on a made-up package: a module-level circle, a lazy one, an upward import."""
    pkg = tmp_path / PACKAGE
    for d in ("", "detectors", "explain"):
        (pkg / d).mkdir(exist_ok=True)
        (pkg / d / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from forgelens import b\n")
    (pkg / "b.py").write_text("from . import a\n")
    (pkg / "c.py").write_text("def f():\n    from forgelens import d\n")
    (pkg / "d.py").write_text("import forgelens.c\n")
    (pkg / "detectors" / "x.py").write_text("def f():\n    from forgelens.explain import words\n")
    (pkg / "explain" / "words.py").write_text("")
    top, every = _graph(tmp_path)
    assert _strongly_connected(top) == [["forgelens.a", "forgelens.b"]]  # the lazy c <-> d is allowed
    assert _floor_breaks(every) == {("forgelens.detectors.x", "forgelens.explain.words")}


@functools.cache
def _top_level_names(path: Path) -> set[str]:
    """Names a module defines or imports at its top level (what ``from it import name`` can get);
    with a module-level ``__getattr__``, also the strings of its top-level assignments (the
    ``__all__`` or table of names it resolves lazily)."""
    names: set[str] = set()
    strings: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
            strings.update(c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str))
        elif isinstance(node, (ast.If, ast.Try)):
            names.update(n.name for n in ast.walk(node) if isinstance(n, (ast.FunctionDef, ast.ClassDef)))
            names.update((a.asname or a.name).split(".")[0] for n in ast.walk(node)
                         if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names)
    return names | strings if "__getattr__" in names else names


def test_every_forgelens_import_names_something_that_exists():
    """After a module is renamed, no import of its old name is left behind (lazy ones included),
    in the package, the tests, the benchmarks, the scripts or the examples."""
    if not (SRC / PACKAGE).is_dir():
        pytest.skip(f"no source tree at {SRC / PACKAGE}")
    modules = _modules(SRC)
    root = SRC.parent
    stale = []
    for folder in ("src", "tests", "benchmarks", "scripts", "examples"):
        for path in sorted((root / folder).rglob("*.py")) if (root / folder).is_dir() else []:
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    wanted = [(a.name, None) for a in node.names if a.name.split(".")[0] == PACKAGE]
                elif isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == PACKAGE:
                    wanted = [(node.module, a.name) for a in node.names]
                else:
                    continue
                for mod, name in wanted:
                    where = f"{path.relative_to(root)}:{node.lineno}"
                    if mod not in modules:
                        stale.append(f"{where} {mod}")
                    elif name and name != "*" and f"{mod}.{name}" not in modules \
                            and name not in _top_level_names(modules[mod]) and mod != PACKAGE:
                        stale.append(f"{where} {mod}.{name}")
    assert not stale, "imports of forgelens names that do not exist: " + "; ".join(stale)
