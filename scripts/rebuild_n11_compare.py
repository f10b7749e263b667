"""Two folders of N11's three model files side by side: every number that differs, and the largest coefficient gap.

Why: a rebuilt N11 is judged against the shipped one file by file (docs/notes/issue-18-reproduce.md): equal
thresholds, training counts and per-family counts, and how far the fitted vectors moved (max |difference|).

    python scripts/rebuild_n11_compare.py SHIPPED_DIR REBUILT_DIR
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

FILES = ("clip_probe.json", "generation.json", "generation_families.json")
IGNORED = {"date"}


def differences(a, b, where: str = "") -> list[str]:
    """One line per differing leaf: scalars by value, numeric lists by their max |difference| (and shape)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k in IGNORED:
                continue
            if k not in a or k not in b:
                out.append(f"{where}.{k}: only in {'rebuilt' if k not in a else 'shipped'}")
            else:
                out += differences(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        try:
            x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        except (TypeError, ValueError):
            if len(a) != len(b) or any(isinstance(v, (dict, list)) for v in a + b):
                return ([f"{where}: length {len(a)} vs {len(b)}"] if len(a) != len(b) else
                        [line for i, (u, v) in enumerate(zip(a, b, strict=True))
                         for line in differences(u, v, f"{where}[{i}]")])
            return [] if a == b else [f"{where}: {a} vs {b}"]
        if x.shape != y.shape:
            return [f"{where}: shape {x.shape} vs {y.shape}"]
        gap = float(np.max(np.abs(x - y))) if x.size else 0.0
        return [] if gap == 0 else [f"{where}: max |difference| {gap:.3g} (max |value| {float(np.max(np.abs(x))):.3g})"]
    return [] if a == b else [f"{where}: {a!r} vs {b!r}"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("shipped", type=Path)
    ap.add_argument("rebuilt", type=Path)
    a = ap.parse_args(argv)
    for name in FILES:
        lines = differences(json.loads((a.shipped / name).read_text()), json.loads((a.rebuilt / name).read_text()))
        print(f"== {name}: {'identical (date aside)' if not lines else f'{len(lines)} differences'}")
        for line in lines:
            print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
