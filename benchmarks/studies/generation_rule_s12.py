"""The lead's declared ship rule of session 12 (issue 18: more training data — new real photo sources and
generated pictures of ``training.gen_sources_s12``).

    OMP_NUM_THREADS=1 nice -n 15 python benchmarks/studies/generation_rule_s12.py --data /work/gen-data-s12 \
        --models /work/gen-data-s12/shipped-B --models /work/gen-data-s12/s12-candN1 --models /work/gen-data-s12/s12-candN2

Reads the caches only; nothing is fitted. Gate on, as ``generation_rule_s11.py`` (whose items 1-3 it applies
unchanged, with B = the shipped R of session 11) and ``generation_new_families.measure``. The first ``--models`` is
the reference B, every further one a candidate. The rule (declared by the lead at 21:45 UTC, before any
measurement; verbatim in docs/notes/issue-18.md, "Session 12"): session 11's clauses 1-4 on the extended set —
clause 1 on the same 182 unseen-family pictures, clause 3 on every real validation source of ≥ 34 pictures, the
new ones included — and

5. the new real validation pictures (the validation pictures of the repositories of
   ``gen_sources_s12.REAL_SOURCES``), counted together, have false alarms ≤ 3 % under the candidate.

Clause 4 (``accuracy_generation.py --cameras``) is run separately. Every false alarm on the new real validation
pictures is listed by file, with the per-repository counts.

``--round2`` (session 12, round 2; rule declared by the lead at 22:14 UTC, before any measurement; verbatim in
docs/notes/issue-18.md, "Session 12, round 2"): the same clauses on the set extended by both rounds, clause 5 over
the new real validation pictures of rounds 1 AND 2 counted together (the repositories of
``gen_sources_s12.REAL_SOURCES`` and ``REAL_STYLE_SOURCES``); clause 3b counts each small style over all its
validation pictures, round 2's included (they carry the style's source key).

    OMP_NUM_THREADS=1 nice -n 15 python benchmarks/studies/generation_rule_s12.py --round2 --data /work/gen-data-s12b \
        --models /work/gen-data-s12b/shipped-B --models /work/gen-data-s12b/s12-candN3 --models /work/gen-data-s12b/s12-candN3m
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accuracy"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy_generation import Scorers  # noqa: E402
from fit_generation import Table  # noqa: E402
from generation_new_families import fmt  # noqa: E402
from generation_rule_s11 import (  # noqa: E402
    MAX_SHARE,
    print_fresh_sets,
    print_rule,
    print_sources,
    print_training_and_families,
    real_set_masks,
    score,
)
from generation_rule_s11 import rule as rule_s11  # noqa: E402

from forgelens.training.gen_sources_s12 import REAL_SOURCES, REAL_STYLE_SOURCES  # noqa: E402

NEW_REAL = "s12 new real validation photos"
NEW_REAL_R2 = "s12 new real validation photos, rounds 1 + 2"


def new_real_mask(t: Table, round2: bool = False) -> np.ndarray:
    """The validation real pictures of the repositories of ``gen_sources_s12.REAL_SOURCES`` (and, with ``round2``,
    of ``REAL_STYLE_SOURCES``)."""
    sources = REAL_SOURCES + (REAL_STYLE_SOURCES if round2 else ())
    return (t.split == "val") & (t.y == 0) & np.isin(t.repo, sorted({s.repo for s in sources}))


def clause5(k: int, n: int, name: str = NEW_REAL) -> tuple[str, bool]:
    """Clause 5: the new real validation pictures together ≤ 3 % false alarms (none measured fails)."""
    return (f"5. {name}: false alarms {k}/{n} ≤ 3 % ({MAX_SHARE * n:.2f})", n > 0 and k <= MAX_SHARE * n)


def rule(ref: dict, cand: dict, sets_ref: dict, sets_cand: dict, new_cand: tuple[int, int],
         name: str = NEW_REAL) -> list[tuple[str, bool]]:
    """Clauses 1-3 (session 11's items, unchanged) and clause 5, (text, passed) each."""
    return rule_s11(ref, cand, sets_ref, sets_cand) + [clause5(*new_cand, name=name)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--models", action="append", required=True,
                    help="'shipped' or a fit_generation.py --out folder; first = B, every further one a candidate")
    ap.add_argument("--round2", action="store_true",
                    help="round 2: clause 5 over the new real validation pictures of rounds 1 and 2 together")
    a = ap.parse_args(argv)
    t = Table(a.data)
    scorers = {m: Scorers(t, None if m == "shipped" else Path(m)) for m in a.models}
    masks = real_set_masks(t)
    new = new_real_mask(t, a.round2)
    new_name = NEW_REAL_R2 if a.round2 else NEW_REAL
    res, sets, called = score(t, scorers, {**masks, new_name: new})
    names = list(res)
    print_training_and_families(t, res, names, a.models[0])
    print_fresh_sets(sets, names)  # the fresh sets, then the new real validation photos
    news = {m: sets[m].pop(new_name) for m in sets}
    if a.round2:
        for label, mk in (("round 1 only", new_real_mask(t)), ("round 2 only", new & ~new_real_mask(t))):
            print(f"| ({label}) | " + " | ".join(fmt(int((called[m] & mk).sum()), int(mk.sum())) for m in names) + " |")
    print_sources(res, names, a.models[0])
    repos = sorted(set(t.repo[new]))
    print("\n| new real validation repository | n | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for r in repos:
        mk = new & (t.repo == r)
        print(f"| {r} | {int(mk.sum())} | " + " | ".join(fmt(int((called[m] & mk).sum()), int(mk.sum())) for m in names) + " |")
    print("\nFalse alarms on the fresh sets and the new real validation photos, by file:\n")
    for m in a.models:
        for k in masks:
            print(f"- {m}, {k}: " + ("; ".join(sets[m][k][2]) or "none"))
        print(f"- {m}, {new_name}: " + ("; ".join(news[m][2]) or "none"))
    for cand in a.models[1:]:
        items = rule(res[a.models[0]], res[cand], sets[a.models[0]], sets[cand], news[cand][:2], name=new_name)
        print_rule(f"Declared rule (session 12{', round 2' if a.round2 else ''}), clauses 1-3 and 5, candidate {cand} "
                   f"against {a.models[0]}", items, "clauses 1-3 and 5", "clause 4: accuracy_generation.py --cameras")
    return 0


if __name__ == "__main__":
    sys.exit(main())
