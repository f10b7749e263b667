"""The lead's declared ship rule of session 13, round N5 (issue 18: photographers' portfolio photos on the real side,
``training.gen_sources_s13``), clauses 1-3 and 5 on the validation split; clause 4 is
``accuracy_generation.py --cameras``, clause 6 is ``generation_confirm_s13.py`` on the two confirmation sets pooled
(``--pooled``).

    OMP_NUM_THREADS=1 nice -n 15 python benchmarks/studies/generation_rule_s13.py --data /work/gen-data-s13n5 \
        --models /work/gen-data-s12b/s12-candN3x --models /work/gen-data-s13n5/s13-candN5 \
        --models /work/gen-data-s12b/shipped-B

Reads the caches only; nothing is fitted. Gate on, as ``generation_rule_s12.py`` (whose scoring, tables and clauses
1-3 it reuses). The first ``--models`` is the reference (N3x, the shipped files), the second the candidate (N5); any
further one (B, session 11's R) is printed beside and not part of the rule. The rule (declared by the lead at
01:05 UTC, before any measurement; verbatim in docs/notes/issue-18.md, "Session 13, round N5"): the round-2 rule with
N3x in place of B on the set extended by this round — clause 1 on the same 182 unseen pictures (calls strictly more
than N3x, AUC ≥ N3x − ``AUC_SLACK_S13`` = 0.01, as the lead wrote it; session 11's 0.005 is printed beside); clause 2
fresh-web and s10real; 3a every real validation source of ≥ 34 pictures ≤ 3 %; 3b each small style not more than
N3x; clause 5: the new ``portfolio`` validation pictures ≤ 3 %. Every false alarm on the portfolio validation
pictures is listed by file, with per-repository counts; round 2's clause 5 (the new real validation photos of session
12's rounds 1 and 2) is printed beside.
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
    AUC_SLACK,
    MAX_SHARE,
    print_fresh_sets,
    print_rule,
    print_sources,
    print_training_and_families,
    real_set_masks,
    score,
)
from generation_rule_s11 import rule as rule_s11  # noqa: E402
from generation_rule_s12 import NEW_REAL_R2, new_real_mask  # noqa: E402

from forgelens.training.gen_sources_s13 import FAMILY, PORTFOLIO_SOURCES  # noqa: E402

PORTFOLIO = "s13 portfolio validation photos"
#: Clause 1b's AUC slack as the lead declared it for round N5 (session 11's rule used ``AUC_SLACK`` = 0.005).
AUC_SLACK_S13 = 0.01


def portfolio_mask(t: Table) -> np.ndarray:
    """The validation real pictures of the repositories of ``gen_sources_s13.PORTFOLIO_SOURCES`` (source key
    ``portfolio``)."""
    repos = sorted({s.repo for s in PORTFOLIO_SOURCES})
    return (t.split == "val") & (t.y == 0) & (t.family == FAMILY) & np.isin(t.repo, repos)


def clause5(k: int, n: int) -> tuple[str, bool]:
    """Clause 5: the portfolio validation pictures together ≤ 3 % false alarms (none measured fails)."""
    return (f"5. {PORTFOLIO}: false alarms {k}/{n} ≤ 3 % ({MAX_SHARE * n:.2f})", n > 0 and k <= MAX_SHARE * n)


def rule(ref: dict, cand: dict, sets_ref: dict, sets_cand: dict, portfolio_cand: tuple[int, int],
         slack: float = AUC_SLACK_S13) -> list[tuple[str, bool]]:
    """Clauses 1-3 (session 11's items with the reference N3x; 1b with ``slack``) and clause 5, (text, passed)."""
    items = rule_s11(ref, cand, sets_ref, sets_cand)
    items[1] = (f"1b. AUC vs the validation real pictures {cand['auc']:.4f} ≥ N3x {ref['auc']:.4f} − {slack}",
                cand["auc"] >= ref["auc"] - slack)
    return [(text.replace(" B ", " N3x "), ok) for text, ok in items] + [clause5(*portfolio_cand)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--models", action="append", required=True,
                    help="a fit_generation.py --out folder: first = the reference (N3x), second = the candidate, "
                         "further ones printed beside")
    ap.add_argument("--rule-for", action="append", default=None, metavar="MODELS",
                    help="session 14: apply the rule to each of these --models folders (repeatable) against the "
                         "first; default the second --models only (session 13)")
    a = ap.parse_args(argv)
    if len(a.models) < 2:
        raise SystemExit("need the reference and a candidate (--models twice)")
    t = Table(a.data)
    scorers = {m: Scorers(t, Path(m)) for m in a.models}
    masks = real_set_masks(t)
    pf, r12 = portfolio_mask(t), new_real_mask(t, round2=True)
    res, sets, called = score(t, scorers, {**masks, PORTFOLIO: pf, NEW_REAL_R2: r12})
    names = list(res)
    print_training_and_families(t, res, names, a.models[0])
    print_fresh_sets(sets, names)
    pfs = {m: sets[m].pop(PORTFOLIO) for m in sets}
    r12s = {m: sets[m].pop(NEW_REAL_R2) for m in sets}
    print_sources(res, names, a.models[0])
    print("\n| portfolio validation repository | n | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for r in sorted(set(t.repo[pf])):
        mk = pf & (t.repo == r)
        print(f"| {r} | {int(mk.sum())} | " + " | ".join(fmt(int((called[m] & mk).sum()), int(mk.sum())) for m in names)
              + " |")
    ptr = (t.split == "train") & (t.y == 0) & (t.family == FAMILY)
    print(f"\nportfolio training pictures in the fit's table: {int(ptr.sum())} from "
          f"{len(set(t.repo[ptr]))} repositories; validation {int(pf.sum())} from {len(set(t.repo[pf]))}")
    print("\nFalse alarms on the fresh sets and the portfolio validation photos, by file:\n")
    for m in names:
        for k in masks:
            print(f"- {m}, {k}: " + ("; ".join(sets[m][k][2]) or "none"))
        print(f"- {m}, {PORTFOLIO}: " + ("; ".join(pfs[m][2]) or "none"))
        print(f"- {m}, {NEW_REAL_R2} (beside): {r12s[m][0]}/{r12s[m][1]}: " + ("; ".join(r12s[m][2]) or "none"))
    ref = a.models[0]
    for cand in a.rule_for or [a.models[1]]:
        if cand not in res:
            raise SystemExit(f"--rule-for {cand}: not one of the --models")
        items = rule(res[ref], res[cand], sets[ref], sets[cand], pfs[cand][:2])
        print_rule(f"Declared rule (session 13, round N5), clauses 1-3 and 5, candidate {cand} against {ref}", items,
                   "clauses 1-3 and 5", "clause 4: accuracy_generation.py --cameras; clause 6: generation_confirm_s13.py")
        strict = res[cand]["auc"] >= res[ref]["auc"] - AUC_SLACK
        print(f"(beside, not the rule: 1b with session 11's slack {AUC_SLACK}: {'pass' if strict else 'fail'}; "
              f"round 2's clause 5 over session 12's new real validation photos: {r12s[cand][0]}/{r12s[cand][1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
