"""Issue 18, session 15: N9 (the four fresh sets in training) against the shipped N3x on a SIXTH, new fresh confirmation
set, on the fifth set, and on sets 5 + 6 pooled — clause B' of the lead's rule (declared 06:00 UTC, before any number of
N9 on set 5 or 6 existed).

    OMP_NUM_THREADS=1 nice -n 5 python benchmarks/studies/generation_confirm_s15c6.py --data /work/gen-data-s15conf6 \
        --model N3x=/work/gen-data-s12b/s12-candN3x --model N9=/work/gen-data-s15n9/s15-candN9 \
        --model N9r=/work/gen-data-s15n9/s15-candN9r

Reads the caches only; nothing is fitted. The sixth set is the validation records of
``forgelens.training.gen_sources_conf``'s ``CONF6_GENERATED`` (generated pictures only: set 5 already holds 147 real
photos), the fifth set that of ``CONF5_*``; both are scored on their ``proc`` views exactly as sets 1-4 are scored
(``generation_confirm_s14c3.score_fresh_sets`` → ``generation_confirm_s13.report``: ``accuracy_generation.Scorers``'
combined P(generated) at each model's ``generated_at``; gate on — a picture the designed-graphic gate takes gets no
generation verdict, is never called and is left out of the AUC), beside the trivial baseline of
``generation_fresh_check.py`` (a logistic on image statistics at its per-source 3 % threshold).

Clause B' (``clause_b_prime``), copied from the lead's brief:
B'. On sets 5 and 6 POOLED (each closed before any model scored it): if the pool has ≥ 40 generated and ≥ 120 real
pictures, N9's calls of the generated ≥ N3x's + 3 AND N9's false alarms on the real photos ≤ N3x's AND ≤ 3 %; with
fewer, B' is not measured and N9 fails.
(Clause A — validation — is s15n9's; N9 ships only if A and B' both pass.) N9r is printed beside, information only.

Also printed (information, s15band's "leans" reading of issue 14): the share of set 5's real photos whose P(generated)
each model puts at or above ``generated_at`` (called), in its band [``authentic_below``, ``generated_at``), or above 0.5
and below the band ("leans") — the last two read "inconclusive" under the shipped decision table, not "authentic".
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accuracy"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from accuracy_generation import OUT_JSON  # noqa: E402
from generation_confirm_s12 import fresh_masks  # noqa: E402
from generation_confirm_s13 import report  # noqa: E402
from generation_confirm_s14c3 import print_clauses, score_fresh_sets  # noqa: E402
from generation_confirm_s15c5 import fresh_set_masks, pooled  # noqa: E402

from forgelens.fusion.generation import GenerationCombiner  # noqa: E402
from forgelens.training.gen_sources_conf import CONF6_GENERATED, FAMILY_REAL6  # noqa: E402

#: B''s size floor on sets 5 + 6 pooled (below it B' is not measured and N9 fails).
MIN_GEN, MIN_REAL = 40, 120
#: B': the candidate calls at least this many more pooled generated pictures than the reference.
MORE = 3
#: B': the candidate's false-alarm rate on the pooled real photos is at most this.
MAX_FA_RATE = 0.03


def clause_b_prime(n_gen: int, n_real: int, called: dict[str, int], fa: dict[str, int], ref: str = "N3x",
                   cand: str = "N9") -> list[tuple[str, bool]]:
    """Clause B' as (text, passed) items: not measured (and failed) under ``MIN_GEN`` generated or ``MIN_REAL`` real
    pictures; else CAND's calls ≥ REF's + ``MORE``, CAND's false alarms ≤ REF's, and ≤ ``MAX_FA_RATE`` of ``n_real``."""
    if n_gen < MIN_GEN or n_real < MIN_REAL:
        return [(f"B'. sets 5 + 6 pooled have {n_gen} generated / {n_real} real (< {MIN_GEN} / {MIN_REAL}): "
                 "not measured", False)]
    rate = fa[cand] / n_real
    return [(f"B'1. sets 5 + 6 pooled ({n_gen} generated ≥ {MIN_GEN}): {cand} calls {called[cand]} ≥ {ref} "
             f"{called[ref]} + {MORE}", called[cand] >= called[ref] + MORE),
            (f"B'2. {cand} false alarms {fa[cand]}/{n_real} ≤ {ref} {fa[ref]}", fa[cand] <= fa[ref]),
            (f"B'3. {cand} false alarms {fa[cand]}/{n_real} = {rate:.1%} ≤ {MAX_FA_RATE:.0%}", rate <= MAX_FA_RATE)]


def lean_shares(p: np.ndarray, real: np.ndarray, ok: np.ndarray, generated_at: float,
                authentic_below: float) -> dict[str, int]:
    """Counts of the real photos (``real``; gated ones — ``~ok`` — apart) by where P(generated) falls: called
    (≥ ``generated_at``), band ([``authentic_below``, ``generated_at``)), leans (0.5 < P < ``authentic_below``),
    clear (P ≤ 0.5)."""
    r = real & ok
    return {"n": int(real.sum()), "gated": int((real & ~ok).sum()),
            "called": int((r & (p >= generated_at)).sum()),
            "band": int((r & (p >= authentic_below) & (p < generated_at)).sum()),
            "leans": int((r & (p > 0.5) & (p < authentic_below)).sum()),
            "clear": int((r & (p <= 0.5)).sum())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--model", action="append", default=None)
    known, _ = ap.parse_known_args(argv)
    paths = dict(m.split("=", 1) for m in (known.model or []))
    t, scored, masks13 = score_fresh_sets(argv, Path("/work/gen-data-s15conf6"),
                                          "clause B' needs N3x and N9 (N9r beside)")
    masks = fresh_set_masks(t, masks13)
    masks[6] = fresh_masks(t, CONF6_GENERATED, FAMILY_REAL6)
    print(f"set 6: {int(masks[6][0].sum())} generated, {int(masks[6][1].sum())} real; set 5: "
          f"{int(masks[5][0].sum())} generated, {int(masks[5][1].sum())} real")
    report(t, scored, *masks[6], "Sixth fresh set (session 15, s15conf6; generated only)")
    report(t, scored, *masks[5], "Fifth fresh set (session 15, s15conf5)")
    gen56, real56 = pooled(masks, (5, 6))
    called, fa, _ = report(t, scored, gen56, real56, "Sets 5 + 6 pooled (clause B')")
    if {"N3x", "N9"} <= set(scored):
        print_clauses(clause_b_prime(int(gen56.sum()), int(real56.sum()), called, fa),
                      "Clause B' of the lead's rule (06:00 UTC), N9 against N3x:", "B'")
    if {"N3x", "N9r"} <= set(scored):
        print_clauses(clause_b_prime(int(gen56.sum()), int(real56.sum()), called, fa, cand="N9r"),
                      "Clause B' read for N9r (beside, information only; N9r is not the declared candidate):", "B'")
    print("\nSet 5's real photos by P(generated) (information; s15band's reading, first model's band edges):")
    print("| model | real | gated | called (≥ generated_at) | band | leans (0.5 < P < band) | band + leans | P ≤ 0.5 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    ok = ~t.gated
    for name, path in paths.items():
        m0 = GenerationCombiner.load(Path(path) / OUT_JSON.name).models[0]
        c = lean_shares(scored[name][0], masks[5][1], ok, m0.generated_at, m0.authentic_below)
        k = c["n"] - c["gated"]
        print(f"| {name} [{m0.authentic_below:.3f}, {m0.generated_at:.3f}) | {c['n']} | {c['gated']} | {c['called']} | "
              f"{c['band']} | {c['leans']} | {c['band'] + c['leans']} = {(c['band'] + c['leans']) / max(k, 1):.1%} | "
              f"{c['clear']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
