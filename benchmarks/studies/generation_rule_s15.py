"""Issue 18, session 15, candidate N9 (the four fresh confirmation sets in training): clause A of the lead's rule on the
family-disjoint validation split, read exactly as s14gen3 measured it (``generation_rule_s13``'s scoring and tables),
with every validation false alarm listed by file.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/studies/generation_rule_s15.py --data /work/gen-data-s13n5 \
        --models /work/gen-data-s12b/s12-candN3x --models /work/gen-data-s15n9/s15-candN9 \
        --models /work/gen-data-s14n8/s14-candN8 --models /work/gen-data-s15n9/s15-candN9r \
        --rule-for /work/gen-data-s15n9/s15-candN9 --rule-for /work/gen-data-s15n9/s15-candN9r \
        --clause4 N3x=1,0,0 --clause4 N9=0,0,0

Reads the caches only; nothing is fitted. The first ``--models`` is the reference (N3x, the shipped files). Clause A
(declared by the lead at 05:24 UTC, before any number of N9 existed; verbatim in docs/notes/issue-18.md, "Session 15
(helper s15n9)"), ``clause_a``:

1a unseen calls > N3x's; 1b AUC ≥ N3x − 0.01; 2 fresh-web and s10real ≤ 3 % and ≤ N3x + 1; 3a every real validation
source of ≥ 34 pictures ≤ 3 % (the portfolio row ≤ N3x's count, 5 / 66); 3b every small real style ≤ 3 % or not more
than N3x's count; 4 (session 11's wording) exif-samples and CASIA1 authentic not more than N3x, CASIA1 manipulated not
more than N3x + 1 (``accuracy_generation.py --cameras``' counts, given with ``--clause4 NAME=exif,authentic,manipulated``;
not given: not measured, fails); 5 portfolio validation false alarms ≤ N3x's.
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
    MIN_SOURCE,
    SMALL_STYLES,
    print_fresh_sets,
    print_rule,
    print_sources,
    print_training_and_families,
    real_set_masks,
    score,
)
from generation_rule_s13 import AUC_SLACK_S13, PORTFOLIO, portfolio_mask  # noqa: E402

from forgelens.training.gen_sources_s13 import FAMILY as PORTFOLIO_KEY  # noqa: E402


def clause_a(ref: dict, cand: dict, sets_ref: dict, sets_cand: dict, pf_ref: tuple[int, int],
             pf_cand: tuple[int, int], c4_ref: tuple[int, int, int] | None,
             c4_cand: tuple[int, int, int] | None) -> list[tuple[str, bool]]:
    """Clause A's items (text, passed): ``ref`` / ``cand`` are ``generation_new_families.measure`` dicts, ``sets_*``
    the two fresh real sets' (false alarms, pictures, files), ``pf_*`` the portfolio validation (false alarms,
    pictures), ``c4_*`` clause 4's (exif-samples, CASIA1 authentic, CASIA1 manipulated) counts or None."""
    out = [(f"1a. unseen families called {cand['called']}/{cand['n_gen']} > N3x {ref['called']}/{ref['n_gen']}",
            cand["called"] > ref["called"]),
           (f"1b. AUC {cand['auc']:.4f} ≥ N3x {ref['auc']:.4f} − {AUC_SLACK_S13}",
            cand["auc"] >= ref["auc"] - AUC_SLACK_S13)]
    for name, (k, n, _) in sets_cand.items():
        kr = sets_ref[name][0]
        out.append((f"2. {name}: {k}/{n} ≤ 3 % ({MAX_SHARE * n:.2f}) and ≤ N3x {kr} + 1",
                    n > 0 and k <= MAX_SHARE * n and k <= kr + 1))
    big = [s for s, (_, n) in cand["sources"].items() if n >= MIN_SOURCE]
    over = []
    for s in big:
        k, n = cand["sources"][s]
        if s == PORTFOLIO_KEY:
            if k > ref["sources"][s][0]:
                over.append(f"{s} {k}/{n} > N3x {ref['sources'][s][0]}")
        elif k > MAX_SHARE * n:
            over.append(f"{s} {k}/{n}")
    out.append((f"3a. every real validation source of ≥ {MIN_SOURCE} ≤ 3 %, portfolio ≤ N3x's count "
                f"({', '.join(big)}): " + ("; ".join(over) if over else "none over"), not over))
    for s in SMALL_STYLES:
        if s not in cand["sources"]:
            out.append((f"3b. {s}: not in the validation split (cannot be measured)", False))
            continue
        (kc, n), kr = cand["sources"][s], ref["sources"][s][0]
        out.append((f"3b. {s}: {kc}/{n} ≤ 3 % ({MAX_SHARE * n:.2f}) or not more than N3x {kr}",
                    kc <= MAX_SHARE * n or kc <= kr))
    if c4_ref is None or c4_cand is None:
        out.append(("4. exif-samples / CASIA1 authentic / manipulated: not measured", False))
    else:
        (e, a, m), (er, ar, mr) = c4_cand, c4_ref
        out.append((f"4. exif-samples {e} ≤ N3x {er}, CASIA1 authentic {a} ≤ N3x {ar}, manipulated {m} ≤ N3x {mr} + 1",
                    e <= er and a <= ar and m <= mr + 1))
    out.append((f"5. {PORTFOLIO}: {pf_cand[0]}/{pf_cand[1]} ≤ N3x's {pf_ref[0]}/{pf_ref[1]}",
                pf_cand[1] > 0 and pf_cand[0] <= pf_ref[0]))
    return out


def parse_clause4(items: list[str]) -> dict[str, tuple[int, int, int]]:
    """``NAME=exif,authentic,manipulated`` → {NAME: (exif, authentic, manipulated)}."""
    out = {}
    for it in items:
        name, _, vals = it.partition("=")
        nums = tuple(int(v) for v in vals.split(","))
        if len(nums) != 3:
            raise SystemExit(f"--clause4 {it}: want NAME=exif,authentic,manipulated")
        out[name] = nums
    return out


def short(model: str) -> str:
    """``/…/s15-candN9`` → ``N9``; ``…/s12-candN3x`` → ``N3x``."""
    return Path(model).name.split("cand")[-1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--models", action="append", required=True, help="first = the reference (N3x)")
    ap.add_argument("--rule-for", action="append", default=None, help="apply clause A to these --models folders")
    ap.add_argument("--clause4", action="append", default=[], metavar="NAME=E,A,M",
                    help="accuracy_generation.py --cameras counts: exif-samples, CASIA1 authentic, manipulated")
    a = ap.parse_args(argv)
    if len(a.models) < 2:
        raise SystemExit("need the reference and a candidate (--models twice)")
    c4 = parse_clause4(a.clause4)
    t = Table(a.data)
    scorers = {m: Scorers(t, Path(m)) for m in a.models}
    masks = real_set_masks(t)
    pf = portfolio_mask(t)
    res, sets, called = score(t, scorers, {**masks, PORTFOLIO: pf})
    names = list(res)
    print_training_and_families(t, res, names, a.models[0])
    print_fresh_sets(sets, names)
    pfs = {m: sets[m].pop(PORTFOLIO) for m in sets}
    print_sources(res, names, a.models[0])
    print("\n| model | generated_at | AUC [95 % bootstrap] | unseen called [95 % Wilson] | all real validation false "
          "alarms |")
    print("|---|---|---|---|---|")
    val_real = (t.split == "val") & (t.y == 0)
    for m in names:
        r = res[m]
        lo, hi = r["auc_ci"]
        print(f"| {m if m.startswith('trivial') else short(m)} | {r['thr']:.3f} | {r['auc']:.4f} [{lo:.3f}, {hi:.3f}] | "
              f"{fmt(r['called'], r['n_gen'])} | {fmt(int((called[m] & val_real).sum()), int(val_real.sum()))} |")
    fams = list(res[names[0]]["family_auc"])
    print("\n| model | " + " | ".join(f"AUC {f} vs validation real [95 % bootstrap]" for f in fams) + " |")
    print("|---|" + "---|" * len(fams))
    for m in names:
        fa = res[m]["family_auc"]
        print(f"| {m if m.startswith('trivial') else short(m)} | "
              + " | ".join(f"{fa[f][0]:.4f} [{fa[f][1][0]:.3f}, {fa[f][1][1]:.3f}]" for f in fams) + " |")
    print("\nEvery validation false alarm (real validation picture called generated), by file:\n")
    for m in names:
        p, _thr = (scorers[a.models[0]] if m.startswith("trivial") else scorers[m]).scores(t)[
            "trivial" if m.startswith("trivial") else "combined"]
        idx = np.flatnonzero(called[m] & val_real)
        print(f"- {m if m.startswith('trivial') else short(m)} ({len(idx)}): "
              + ("; ".join(f"{t.family[i]} {t.repo[i]}:{t.path[i]} ({p[i]:.3f})" for i in idx) or "none"))
    ref = a.models[0]
    for cand in a.rule_for or [a.models[1]]:
        if cand not in res:
            raise SystemExit(f"--rule-for {cand}: not one of the --models")
        items = clause_a(res[ref], res[cand], sets[ref], sets[cand], pfs[ref][:2], pfs[cand][:2],
                         c4.get(short(ref)), c4.get(short(cand)))
        print_rule(f"Clause A (session 15, N9's rule), {short(cand)} against {short(ref)}", items, "clause A",
                   "clause B: the fifth fresh set, round 2")
    return 0


if __name__ == "__main__":
    sys.exit(main())
