"""Out-of-fold gen_trace scores for the generation combiner (issue 18, stacking as in Wolpert 1992).

The combiner (``benchmarks/fit/fit_generation.py``) is fitted on the training split. A gen_trace trained
with multi-generator crops of that same split (``gen_trace_multigen``) scores those pictures in-sample,
and the combiner then over-trusts it on unseen families. Here the training split is cut into two halves,
each half trains its own gen_trace (same recipe, crops of that half only), and every training view is
scored by the model that did not see its half. The validation split keeps the full model's scores.

Halves (declared before training; ``halves`` prints them):

* generated pictures outside ``../shared``: whole families, largest first into the half with fewer
  pictures so far (ties: half 0), as ``generation_data.split_by_repository`` does for repositories;
* real pictures of ``BY_REPOSITORY`` sources (stock-web): whole repositories, the same greedy rule;
* every other training picture (other real sources, ``../shared`` copies): the parity of the first
  8 hex digits of sha1(record id).

    python -m forgelens.training.gen_trace_oof halves --gen-data DIR
    python -m forgelens.training.gen_trace_oof crops --half 0 --cache pairs_s0.npz --gen-data DIR --out pairs_h0.npz
    forgelens train generated --kinds trace --steps 6000 --seed 0 --cache pairs_h0.npz --out OUT_h0
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import Counter
from pathlib import Path

BY_REPOSITORY = ("stock-web",)


def _greedy(counts: Counter) -> dict[str, int]:
    """Keys to half 0/1: largest first, each into the half holding fewer pictures so far (ties: 0)."""
    total, out = [0, 0], {}
    for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        h = 0 if total[0] <= total[1] else 1
        out[key] = h
        total[h] += n
    return out


def _trainable(rec) -> bool:
    return not rec.dropped and rec.split == "train"


class Halves:
    """Which half of the training split a record belongs to (``half``), from the manifest's records."""

    def __init__(self, records) -> None:
        recs = [r for r in records if _trainable(r)]
        self.families = _greedy(Counter(r.family for r in recs
                                        if r.label == "generated" and "shared" not in r.repo))
        self.repos = _greedy(Counter(r.repo for r in recs if r.family in BY_REPOSITORY))

    def half(self, rec) -> int:
        if rec.label == "generated" and "shared" not in rec.repo and rec.family in self.families:
            return self.families[rec.family]
        if rec.family in BY_REPOSITORY and rec.repo in self.repos:
            return self.repos[rec.repo]
        return int(hashlib.sha1(rec.id.encode()).hexdigest()[:8], 16) % 2

    def scorer(self, rec) -> str:
        """"full" for pictures outside the training split, else the half whose model did not see it."""
        if not _trainable(rec):
            return "full"
        return f"h{1 - self.half(rec)}"


def describe(records, halves: Halves) -> str:
    """A table of the halves: per half, families / repositories / sources and picture counts."""
    counts: Counter = Counter()
    for r in records:
        if _trainable(r):
            key = r.family if r.label == "generated" else f"{r.family} (real)"
            counts[(halves.half(r), key, "shared" in r.repo)] += 1
    lines = []
    for h in (0, 1):
        rows = sorted((k[1] + (" [../shared]" if k[2] else ""), n) for k, n in counts.items() if k[0] == h)
        lines.append(f"half {h}: " + ", ".join(f"{k} {n}" for k, n in rows)
                     + f" | {sum(n for _, n in rows)} pictures")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from forgelens.training import gen_trace_multigen
    from forgelens.training.generation_data import load_manifest

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("halves", help="print the two halves of the training split")
    p.add_argument("--gen-data", type=Path, required=True)
    p = sub.add_parser("crops", help="a crop cache: the shared pairs + multi-generator crops of one half")
    p.add_argument("--half", type=int, choices=(0, 1), required=True)
    p.add_argument("--cache", type=Path, required=True, help="crop cache of forgelens train generated (.npz)")
    p.add_argument("--gen-data", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    records = load_manifest(a.gen_data)
    halves = Halves(records)
    if a.cmd == "halves":
        print(describe(records, halves))
        return 0
    return gen_trace_multigen.main(["--cache", str(a.cache), "--gen-data", str(a.gen_data), "--out", str(a.out),
                                    "--seed", str(a.seed)], keep=lambda r: halves.half(r) == a.half)


if __name__ == "__main__":
    sys.exit(main())
