"""Issue 18, session 14, round 4: N8 (no refit) against the shipped N3x on a FOURTH, new fresh confirmation set, and
on the four fresh sets pooled (N8r printed beside).

    OMP_NUM_THREADS=1 nice -n 5 python benchmarks/studies/generation_confirm_s14c4.py --data /work/gen-data-s14conf4 \
        --model N3x=/work/gen-data-s12b/s12-candN3x --model N8=/work/gen-data-s14n8/s14-candN8 \
        --model N8r=/work/gen-data-s14n8/s14-candN8r

Reads the caches only; nothing is fitted. The fourth set is the validation records of
``forgelens.training.gen_sources_conf``'s ``CONF4_*`` lists (generated: the repositories of ``CONF4_GENERATED``; real:
source key ``fresh-conf4``), scored on their ``proc`` views exactly as sets 1-3 are scored
(``generation_confirm_s13.report``: ``accuracy_generation.Scorers``' combined P(generated) at each model's
``generated_at``; gate on), beside the trivial baseline of ``generation_fresh_check.py``. Sets 1-3 are printed beside,
and the four pooled.

Clauses B and C of the lead's rule (declared 04:30 UTC, after N8's numbers on the validation split and on sets 1-3
were seen; set 4 was seen by nobody) — ``clauses_bc``:
B. set 4 alone: N8's calls of its generated pictures ≥ N3x's + 3 AND N8's false alarms on its real photos ≤ N3x's.
C. sets 1-4 pooled: N8's calls ≥ N3x's + 8 AND N8's false alarms ≤ N3x's + 1 AND ≤ 3 % of the pooled real photos.
If set 4 has fewer than 40 generated or 120 real pictures, B is not measured and N8 fails. (Clause A is read from
s14gen3's measurements on the validation split: this script does not touch that split.)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accuracy"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generation_confirm_s12 import fresh_masks  # noqa: E402
from generation_confirm_s13 import report  # noqa: E402
from generation_confirm_s14c3 import print_clauses, score_fresh_sets  # noqa: E402

from forgelens.training.gen_sources_conf import CONF4_GENERATED, FAMILY_REAL4  # noqa: E402

#: Clause B's size floor on set 4 (below it B is not measured and the candidate fails).
MIN_GEN4, MIN_REAL4 = 40, 120
#: Clause B: the candidate's set-4 calls must be at least this many above the reference's; clause C: pooled.
GAIN_B, GAIN_C = 3, 8
#: Clause C: the candidate's pooled false alarms may be at most this many above the reference's, and at most this share.
SLACK_FA_C, MAX_FA_SHARE_C = 1, 0.03


def clauses_bc(n_gen4: int, n_real4: int, called4: dict[str, int], fa4: dict[str, int], n_real_pool: int,
               called_pool: dict[str, int], fa_pool: dict[str, int], ref: str = "N3x",
               cand: str = "N8") -> list[tuple[str, bool]]:
    """Clauses B (set 4 alone) and C (sets 1-4 pooled) as (text, passed). B fails outright when set 4 is under
    ``MIN_GEN4`` generated or ``MIN_REAL4`` real pictures."""
    if n_gen4 >= MIN_GEN4 and n_real4 >= MIN_REAL4:
        b = (f"B. set 4 ({n_gen4} generated ≥ {MIN_GEN4}, {n_real4} real ≥ {MIN_REAL4}): {cand} calls {called4[cand]} "
             f"≥ {ref} {called4[ref]} + {GAIN_B} and false alarms {fa4[cand]} ≤ {ref} {fa4[ref]}",
             called4[cand] >= called4[ref] + GAIN_B and fa4[cand] <= fa4[ref])
    else:
        b = (f"B. set 4 has {n_gen4} generated / {n_real4} real (< {MIN_GEN4} / {MIN_REAL4}): not measured", False)
    c = (f"C. sets 1-4 pooled: {cand} calls {called_pool[cand]} ≥ {ref} {called_pool[ref]} + {GAIN_C}, false alarms "
         f"{fa_pool[cand]} ≤ {ref} {fa_pool[ref]} + {SLACK_FA_C} and ≤ {MAX_FA_SHARE_C:.0%} of {n_real_pool}",
         called_pool[cand] >= called_pool[ref] + GAIN_C and fa_pool[cand] <= fa_pool[ref] + SLACK_FA_C
         and fa_pool[cand] <= MAX_FA_SHARE_C * n_real_pool)
    return [b, c]


def main(argv: list[str] | None = None) -> int:
    t, scored, masks = score_fresh_sets(argv, Path("/work/gen-data-s14conf4"), "clauses B / C need N3x and N8")
    (gen1, real1), (gen2, real2), (gen3, real3) = masks[1], masks[2], masks[3]
    gen4, real4 = fresh_masks(t, CONF4_GENERATED, FAMILY_REAL4)
    c4, f4, _ = report(t, scored, gen4, real4, "Fourth fresh set (session 14, round 4; clause B)")
    report(t, scored, gen3, real3, "Third fresh set (beside)", by_file=False)
    report(t, scored, gen1 | gen2 | gen3, real1 | real2 | real3, "Sets 1 + 2 + 3 pooled (beside: s14conf3's table)",
           by_file=False)
    pool_g, pool_r = gen1 | gen2 | gen3 | gen4, real1 | real2 | real3 | real4
    cp, fp, _ = report(t, scored, pool_g, pool_r, "Sets 1-4 pooled (clause C)", by_file=True)
    if {"N3x", "N8"} <= set(scored):
        items = clauses_bc(int(gen4.sum()), int(real4.sum()), c4, f4, int(pool_r.sum()), cp, fp)
        print_clauses(items, "Clauses B and C of the lead's rule (04:30 UTC), N8 against N3x:", "B and C")
    return 0


if __name__ == "__main__":
    sys.exit(main())
