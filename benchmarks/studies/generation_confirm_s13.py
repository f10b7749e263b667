"""Issue 18, session 13: the second confirmation of N3 (uncapped GPT-4o training) against the shipped N3x, on a
second, NEW fresh set.

    OMP_NUM_THREADS=1 nice -n 15 python benchmarks/studies/generation_confirm_s13.py --data /work/gen-data-s13conf \
        --model B=/work/gen-data-s12b/shipped-B --model N3x=/work/gen-data-s12b/s12-candN3x \
        --model N3=/work/gen-data-s12b/s12-candN3

Reads the caches only; nothing is fitted. The binding set is the validation records of
``forgelens.training.gen_sources_conf``'s second set (generated: the repositories of ``CONF2_GENERATED``; real: source
key ``fresh-conf2``), scored on their ``proc`` views exactly as ``generation_confirm_s12.py`` scores session 12's set
(``accuracy_generation.Scorers``: the combined P(generated) at each model's ``generated_at``; gate on — a picture the
designed-graphic gate takes gets no generation verdict, is never called and is left out of the AUC), beside the
trivial baseline of ``generation_fresh_check.py``. Session 12's confirmation set (``CONF_GENERATED`` / ``fresh-conf``)
is printed beside, and the two sets pooled, for the record only: neither is part of the rule.

The rule (declared by the lead at 00:12 UTC, before any measurement; s12conf's rule verbatim, applied to the NEW
fresh pictures only; ``generation_confirm_s12.rule``): N3's three files replace N3x's only if ALL hold on the fresh
confirmation set: (1) it has ≥ 40 generated and ≥ 100 real pictures after dedupe and guard (otherwise no decision:
nothing changes); (2) N3 calls more fresh generated pictures than N3x, by at least 5 pictures; (3) N3's false alarms
on the fresh real photos are ≤ 3 % and ≤ N3x's count + 1; (4) per source repository of ≥ 20 fresh real photos,
N3 ≤ 3 %.
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
from generation_confirm_s12 import fresh_masks, rule  # noqa: E402
from generation_confirm_s12 import report as report_tables  # noqa: E402

from forgelens.training.gen_sources_conf import (  # noqa: E402
    CONF2_GENERATED,
    CONF_GENERATED,
    FAMILY_REAL,
    FAMILY_REAL2,
)


def report(t: Table, scored: dict[str, tuple[np.ndarray, float]], gen: np.ndarray, real: np.ndarray,
           title: str, by_file: bool = True) -> tuple[dict[str, int], dict[str, int], dict[str, dict]]:
    """``generation_confirm_s12.report``'s tables, then (``by_file``) every false alarm and every called picture."""
    called, fa, fa_repo = report_tables(t, scored, gen, real, title)
    ok = ~t.gated
    if by_file:
        for name, (p, thr) in scored.items():
            if name == "trivial baseline":
                continue
            hits = np.where(real & ok & (p >= thr))[0]
            print(f"\nfalse alarms, {name}: "
                  + ("; ".join(f"{t.repo[i]} {t.path[i]} ({p[i]:.3f})" for i in hits) or "none"))
            calls = np.where(gen & ok & (p >= thr))[0]
            print(f"generated called, {name}: " + ("; ".join(f"{t.repo[i]} {t.path[i]} ({p[i]:.3f})" for i in calls)
                                                   or "none"))
    return called, fa, fa_repo


#: Clause 6 (session 13, round N5): the candidate calls at least this many more pooled fresh generated pictures.
CLAUSE6_MORE = 3


def clause6(n_gen: int, n_real: int, called: dict, fa: dict, ref: str, cand: str) -> list[tuple[str, bool]]:
    """Round N5's clause 6 on the two confirmation sets pooled: CAND calls ≥ REF's count + 3 of the ``n_gen`` fresh
    generated pictures AND CAND's false alarms on the ``n_real`` fresh real photos ≤ REF's count."""
    return [(f"6a. {cand} calls {called[cand]}/{n_gen} ≥ {ref} {called[ref]} + {CLAUSE6_MORE}",
             called[cand] >= called[ref] + CLAUSE6_MORE),
            (f"6b. {cand} false alarms {fa[cand]}/{n_real} ≤ {ref} {fa[ref]}", fa[cand] <= fa[ref])]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data-s13conf"))
    ap.add_argument("--model", action="append", default=None,
                    help="NAME=fit_generation.py --out folder (repeatable); the rule needs N3x and N3")
    ap.add_argument("--clause6", nargs=2, metavar=("REF", "CAND"), default=None, action="append",
                    help="session 13, round N5: clause 6 on the two sets pooled, CAND against REF (model names); "
                         "repeatable (session 14: one per candidate)")
    a = ap.parse_args(argv)
    models = dict(m.split("=", 1) for m in (a.model or []))
    t = Table(a.data)
    scored: dict[str, tuple[np.ndarray, float]] = {"trivial baseline": Scorers(t, None).scores(t)["trivial"]}
    for name, path in models.items():
        scored[name] = Scorers(t, Path(path)).scores(t)["combined"]

    gen2, real2 = fresh_masks(t, CONF2_GENERATED, FAMILY_REAL2)
    gen1, real1 = fresh_masks(t, CONF_GENERATED, FAMILY_REAL)
    called, fa, fa_repo = report(t, scored, gen2, real2, "Second fresh set (session 13; binding)")
    report(t, scored, gen1, real1, "Session 12's fresh set (s12conf; beside, not counted)", by_file=False)
    pooled = report(t, scored, gen1 | gen2, real1 | real2, "Both fresh sets pooled (record only, not part of the rule)",
                    by_file=bool(a.clause6))
    for ref, cand in a.clause6 or []:
        items = clause6(int((gen1 | gen2).sum()), int((real1 | real2).sum()), pooled[0], pooled[1], ref, cand)
        print(f"\nClause 6 of session 13's round-N5 rule (lead, 01:05 UTC), {cand} against {ref}, both sets pooled:")
        for text, passed in items:
            print(f"- {text}: {'pass' if passed else 'FAIL'}")
        print("=> clause 6 " + ("pass" if all(p for _, p in items) else "FAIL"))
    if {"N3", "N3x"} <= set(scored):
        res, ships = rule(int(gen2.sum()), int(real2.sum()), called, fa, fa_repo["N3"])
        print("\nDeclared rule (lead, 00:12 UTC; s12conf's rule on the second fresh set), N3 against N3x:")
        for text, passed in res:
            print(f"- {text}: {'pass' if passed else 'FAIL'}")
        size_ok = res[0][1]
        print("=> " + ("N3's three files replace N3x's" if ships else
                       "nothing changes (N3 does not pass)" if size_ok else "no decision: nothing changes (clause 1)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
