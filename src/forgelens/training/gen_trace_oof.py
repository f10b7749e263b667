"""Out-of-fold gen_trace scores for the generation combiner (issue 18, stacking as in Wolpert 1992).

The combiner (``benchmarks/fit/fit_generation.py``) is fitted on the training split. A gen_trace trained
with multi-generator crops of that same split (``gen_trace_multigen``) scores those pictures in-sample,
and the combiner then over-trusts it on unseen families. Here the training split is cut into two halves,
each half trains its own gen_trace (same recipe, crops of that half only), and every training view is
scored by the model that did not see its half (``k`` folds: a model per fold, trained on the others).
The validation split keeps the full model's scores.

Folds (declared before training; ``folds`` prints them):

* generated pictures outside ``../shared``: whole families, largest first into the fold with fewest
  pictures so far (ties: fold 0), as ``generation_data.split_by_repository`` does for repositories;
* real pictures of ``BY_REPOSITORY`` sources (stock-web): whole repositories, the same greedy rule;
* every other training picture (other real sources, ``../shared`` copies): the first 8 hex digits of
  sha1(record id) modulo k.

    python -m forgelens.training.gen_trace_oof folds --gen-data DIR [--k 2]
    python -m forgelens.training.gen_trace_oof crops --without 0 --cache pairs_s0.npz --gen-data DIR --out pairs_x0.npz
    forgelens train generated --kinds trace --steps 6000 --seed 0 --cache pairs_x0.npz --out OUT_x0
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import Counter
from pathlib import Path

from forgelens.training.generation_data import greedy_folds

BY_REPOSITORY = ("stock-web",)


def _trainable(rec) -> bool:
    return not rec.dropped and rec.split == "train"


class Folds:
    """Which of ``k`` folds of the training split a record belongs to (``fold``), from the manifest's records.

    Model ``x{j}`` is trained on every fold but ``j`` and scores fold ``j`` (``scorer``); with ``k=2`` the
    two halves: ``x0`` is trained on half 1, ``x1`` on half 0."""

    def __init__(self, records, k: int = 2) -> None:
        recs = [r for r in records if _trainable(r)]
        self.k = k
        self.families = greedy_folds(Counter(r.family for r in recs
                                        if r.label == "generated" and "shared" not in r.repo), k)
        self.repos = greedy_folds(Counter(r.repo for r in recs if r.family in BY_REPOSITORY), k)

    def fold(self, rec) -> int:
        if rec.label == "generated" and "shared" not in rec.repo and rec.family in self.families:
            return self.families[rec.family]
        if rec.family in BY_REPOSITORY and rec.repo in self.repos:
            return self.repos[rec.repo]
        return int(hashlib.sha1(rec.id.encode()).hexdigest()[:8], 16) % self.k

    def scorer(self, rec) -> str:
        """"full" for pictures outside the training split, else ``x{fold}``: the model that did not see it."""
        return f"x{self.fold(rec)}" if _trainable(rec) else "full"


def describe(records, folds: Folds) -> str:
    """A table of the folds: per fold, families / sources and picture counts."""
    counts: Counter = Counter()
    for r in records:
        if _trainable(r):
            key = r.family if r.label == "generated" else f"{r.family} (real)"
            counts[(folds.fold(r), key, "shared" in r.repo)] += 1
    lines = []
    for f in range(folds.k):
        rows = sorted((k[1] + (" [../shared]" if k[2] else ""), n) for k, n in counts.items() if k[0] == f)
        lines.append(f"fold {f}: " + ", ".join(f"{k} {n}" for k, n in rows)
                     + f" | {sum(n for _, n in rows)} pictures")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from forgelens.training import gen_trace_multigen
    from forgelens.training.generation_data import load_manifest

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("folds", help="print the folds of the training split")
    p.add_argument("--gen-data", type=Path, required=True)
    p.add_argument("--k", type=int, default=2)
    p = sub.add_parser("crops", help="a crop cache: the shared pairs + multi-generator crops of every fold but one")
    p.add_argument("--without", type=int, required=True, help="the fold left out (the model scores it)")
    p.add_argument("--k", type=int, default=2)
    p.add_argument("--cache", type=Path, required=True, help="crop cache of forgelens train generated (.npz)")
    p.add_argument("--gen-data", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    records = load_manifest(a.gen_data)
    folds = Folds(records, a.k)
    if a.cmd == "folds":
        print(describe(records, folds))
        return 0
    return gen_trace_multigen.main(["--cache", str(a.cache), "--gen-data", str(a.gen_data), "--out", str(a.out),
                                    "--seed", str(a.seed)], keep=lambda r: folds.fold(r) != a.without)


if __name__ == "__main__":
    sys.exit(main())
