"""Issue 18, session 14: N8r (N8's data, the per-source 3 % threshold, no PS) against the shipped N3x on a THIRD,
new fresh confirmation set, and on the three fresh sets pooled.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/studies/generation_confirm_s14c3.py --data /work/gen-data-s14conf3 \
        --model N3x=/work/gen-data-s12b/s12-candN3x --model N8r=/work/gen-data-s14n8/s14-candN8r \
        --model N8=/work/gen-data-s14n8/s14-candN8

Reads the caches only; nothing is fitted. The third set is the validation records of
``forgelens.training.gen_sources_conf``'s ``CONF3_*`` lists (generated: the repositories of ``CONF3_GENERATED``; real:
source key ``fresh-conf3``), scored on their ``proc`` views exactly as the first two sets are scored
(``generation_confirm_s12.report``: ``accuracy_generation.Scorers``' combined P(generated) at each model's
``generated_at``; gate on — a picture the designed-graphic gate takes gets no generation verdict, is never called and is
left out of the AUC), beside the trivial baseline of ``generation_fresh_check.py``. The first two sets (sessions 12
and 13) are printed beside, and the three pooled.

Clauses C and D of the lead's rule (declared 03:57 UTC, after N8r's numbers on the validation split and on sets 1 + 2
were seen; set 3 was seen by nobody) — ``clauses_cd``:
C. set 3 alone: N8r's false alarms strictly fewer than N3x's AND N8r's calls of its generated pictures ≥ N3x's − 1.
D. sets 1 + 2 + 3 pooled: N8r's false alarms strictly fewer than N3x's AND calls ≥ N3x's − 2.
If set 3 has fewer than 40 generated or 120 real pictures, C is not measured and N8r fails. (Clauses A and B are
read from s14gen3's measurements on the validation split: this script does not touch that split.)
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
from generation_confirm_s12 import fresh_masks  # noqa: E402
from generation_confirm_s13 import report  # noqa: E402

from forgelens.training.gen_sources_conf import (  # noqa: E402
    CONF2_GENERATED,
    CONF3_GENERATED,
    CONF_GENERATED,
    FAMILY_REAL,
    FAMILY_REAL2,
    FAMILY_REAL3,
)

#: Clause C's size floor on set 3 (below it C is not measured and the candidate fails).
MIN_GEN3, MIN_REAL3 = 40, 120
#: Clause C: the candidate's set-3 calls may be at most this many below the reference's; clause D: pooled.
SLACK_C, SLACK_D = 1, 2


def clauses_cd(n_gen3: int, n_real3: int, called3: dict[str, int], fa3: dict[str, int], called_pool: dict[str, int],
               fa_pool: dict[str, int], ref: str = "N3x", cand: str = "N8r") -> list[tuple[str, bool]]:
    """Clauses C (set 3 alone) and D (sets 1 + 2 + 3 pooled) as (text, passed). C fails outright when set 3 is
    under ``MIN_GEN3`` generated or ``MIN_REAL3`` real pictures."""
    size = n_gen3 >= MIN_GEN3 and n_real3 >= MIN_REAL3
    if size:
        c = (f"C. set 3 ({n_gen3} generated ≥ {MIN_GEN3}, {n_real3} real ≥ {MIN_REAL3}): {cand} false alarms "
             f"{fa3[cand]} < {ref} {fa3[ref]} and calls {called3[cand]} ≥ {ref} {called3[ref]} − {SLACK_C}",
             fa3[cand] < fa3[ref] and called3[cand] >= called3[ref] - SLACK_C)
    else:
        c = (f"C. set 3 has {n_gen3} generated / {n_real3} real (< {MIN_GEN3} / {MIN_REAL3}): not measured", False)
    d = (f"D. sets 1 + 2 + 3 pooled: {cand} false alarms {fa_pool[cand]} < {ref} {fa_pool[ref]} and calls "
         f"{called_pool[cand]} ≥ {ref} {called_pool[ref]} − {SLACK_D}",
         fa_pool[cand] < fa_pool[ref] and called_pool[cand] >= called_pool[ref] - SLACK_D)
    return [c, d]


def score_fresh_sets(argv: list[str] | None, default_data: Path, needs: str):
    """Parse ``--data`` / ``--model``, score the trivial baseline and every model's combined P(generated) on the set's
    table, and return (table, scores, {1: masks, 2: masks, 3: masks}) — each masks = (generated, real) of one fresh
    confirmation set. Shared by the third and fourth sets' studies."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=default_data)
    ap.add_argument("--model", action="append", default=None,
                    help=f"NAME=fit_generation.py --out folder (repeatable); {needs}")
    a = ap.parse_args(argv)
    models = dict(m.split("=", 1) for m in (a.model or []))
    t = Table(a.data)
    scored: dict[str, tuple[np.ndarray, float]] = {"trivial baseline": Scorers(t, None).scores(t)["trivial"]}
    for name, path in models.items():
        scored[name] = Scorers(t, Path(path)).scores(t)["combined"]
    masks = {3: fresh_masks(t, CONF3_GENERATED, FAMILY_REAL3), 2: fresh_masks(t, CONF2_GENERATED, FAMILY_REAL2),
             1: fresh_masks(t, CONF_GENERATED, FAMILY_REAL)}
    return t, scored, masks


def print_clauses(items: list[tuple[str, bool]], title: str, names: str) -> None:
    """The lead's clauses as measured, one line each, and the verdict."""
    print(f"\n{title}")
    for text, passed in items:
        print(f"- {text}: {'pass' if passed else 'FAIL'}")
    print(f"=> clauses {names} " + ("pass" if all(p for _, p in items) else "FAIL"))


def main(argv: list[str] | None = None) -> int:
    t, scored, masks = score_fresh_sets(argv, Path("/work/gen-data-s14conf3"), "clauses C / D need N3x and N8r")
    (gen1, real1), (gen2, real2), (gen3, real3) = masks[1], masks[2], masks[3]
    c3, f3, _ = report(t, scored, gen3, real3, "Third fresh set (session 14; clause C)")
    report(t, scored, gen2, real2, "Second fresh set (session 13; beside)", by_file=False)
    report(t, scored, gen1, real1, "First fresh set (session 12; beside)", by_file=False)
    report(t, scored, gen1 | gen2, real1 | real2, "Sets 1 + 2 pooled (beside: s14gen3's clause-6 sets)", by_file=False)
    cp, fp, _ = report(t, scored, gen1 | gen2 | gen3, real1 | real2 | real3, "Sets 1 + 2 + 3 pooled (clause D)",
                       by_file=True)
    if {"N3x", "N8r"} <= set(scored):
        items = clauses_cd(int(gen3.sum()), int(real3.sum()), c3, f3, cp, fp)
        print_clauses(items, "Clauses C and D of the lead's rule (03:57 UTC), N8r against N3x:", "C and D")
    return 0


if __name__ == "__main__":
    sys.exit(main())
