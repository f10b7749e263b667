"""The lead's declared ship rule of session 11 (issue 18: the refit with the real photographs of ``gen_sources_real``).

    OMP_NUM_THREADS=1 nice -n 19 python benchmarks/studies/generation_rule_s11.py --data /work/gen-data-s11 \
        --models /work/gen-data-s11/shipped-B --models /work/gen-data-s11/s11-candR --models /work/gen-data-s11/s11-candRp

Reads the caches only; nothing is fitted. Gate on (a picture the designed-graphic gate takes gets no generation
verdict: never a false alarm, left out of the AUC, not called), as ``generation_new_families.py``, whose ``measure``
it reuses. The first ``--models`` is the reference B, every further one a candidate. Items 1-3 of the rule (declared
by the lead at 19:44 UTC, before any measurement), verbatim in docs/notes/issue-18.md, "Session 11":

1. unseen families: more called generated than B, AUC of P(generated) vs the validation real pictures ≥ B's − 0.005;
2. fresh real photos: i18f's set (family ``fresh-web``) AND s10real's validation photos (the validation pictures of
   the repositories of ``training.gen_sources_real.REAL_SOURCES``): false alarms ≤ 3 % on each and ≤ B's count + 1
   on each;
3. every real validation source of ≥ 34 pictures ≤ 3 % false alarms; each of the three small real styles (camera
   originals, film scans, LAION-like web: families ``camera-original``, ``film-kodak``, ``web-laion``), counted over all
   its validation pictures, not more false alarms than B.

Item 4 (``accuracy_generation.py --cameras``) is run separately. Every false alarm of items 2-3 is listed by file.
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
from generation_new_families import fmt, measure, print_family_table  # noqa: E402

from forgelens.training.gen_sources_real import REAL_SOURCES  # noqa: E402

FRESH = "fresh-web"
SMALL_STYLES = ("camera-original", "film-kodak", "web-laion")
MAX_SHARE, AUC_SLACK, MIN_SOURCE = 0.03, 0.005, 34


def real_set_masks(t: Table) -> dict[str, np.ndarray]:
    """Validation real pictures of the two fresh sets of item 2: i18f's ``fresh-web`` and s10real's repositories."""
    val_real = (t.split == "val") & (t.y == 0)
    s10 = {s.repo for s in REAL_SOURCES}
    return {"i18f fresh (fresh-web)": val_real & (t.family == FRESH),
            "s10real validation photos": val_real & np.isin(t.repo, sorted(s10))}


def false_alarms(t: Table, p: np.ndarray, thr: float, mask: np.ndarray) -> tuple[int, int, list[str]]:
    """(called, pictures, called files) of the pictures in ``mask``; gated pictures are never called."""
    called = mask & ~t.gated & (p >= thr)
    return int(called.sum()), int(mask.sum()), [f"{t.family[i]}:{t.path[i]} (P {p[i]:.3f})" for i in np.flatnonzero(called)]


def rule(ref: dict, cand: dict, sets_ref: dict, sets_cand: dict) -> list[tuple[str, bool]]:
    """Items 1-3 of the session-11 rule, (text, passed) each."""
    out = [
        (f"1a. unseen families called generated {cand['called']}/{cand['n_gen']} > B {ref['called']}/{ref['n_gen']}",
         cand["called"] > ref["called"]),
        (f"1b. AUC vs the validation real pictures {cand['auc']:.4f} ≥ B {ref['auc']:.4f} − {AUC_SLACK}",
         cand["auc"] >= ref["auc"] - AUC_SLACK),
    ]
    for name, (k, n, _) in sets_cand.items():
        kb = sets_ref[name][0]
        out.append((f"2. {name}: false alarms {k}/{n} ≤ 3 % ({MAX_SHARE * n:.2f}) and ≤ B {kb} + 1",
                    n > 0 and k <= MAX_SHARE * n and k <= kb + 1))
    big = [s for s, (_, n) in cand["sources"].items() if n >= MIN_SOURCE]
    over = [f"{s} {cand['sources'][s][0]}/{cand['sources'][s][1]}" for s in big
            if cand["sources"][s][0] > MAX_SHARE * cand["sources"][s][1]]
    out.append((f"3a. every real validation source of ≥ {MIN_SOURCE} pictures ≤ 3 % ({', '.join(big)}): "
                + ("; ".join(over) if over else "none over"), not over))
    for s in SMALL_STYLES:
        if s not in cand["sources"]:
            out.append((f"3b. {s}: not in the validation split (cannot be measured)", False))
            continue
        kc, n = cand["sources"][s]
        kr = ref["sources"][s][0]
        out.append((f"3b. {s} (all {n} validation pictures): {kc} not more than B {kr}", kc <= kr))
    return out


def score(t: Table, scorers: dict, masks: dict[str, np.ndarray]) -> tuple[dict, dict, dict]:
    """The trivial baseline's (the first scorer's ``trivial``) and every model's measures, false alarms per
    set of ``masks`` and the pictures each calls generated (gate-passed, P ≥ its threshold)."""
    res, sets, called = {}, {}, {}
    first = next(iter(scorers.values()))
    for name, key, sc in [("trivial baseline", "trivial", first)] + [(m, "combined", sc) for m, sc in scorers.items()]:
        p, thr = sc.scores(t)[key]
        called[name] = ~t.gated & (p >= thr)
        res[name] = measure(t, p, thr)
        sets[name] = {k: false_alarms(t, p, thr, mk) for k, mk in masks.items()}
    return res, sets, called


def print_training_and_families(t: Table, res: dict, names: list[str], first: str) -> None:
    """The training split's counts, then the unseen-family table (``print_family_table``)."""
    tr = t.split == "train"
    print(f"training pictures: {int(tr.sum())} ({int((tr & (t.y == 1)).sum())} generated of "
          f"{len(set(t.family[tr & (t.y == 1)]))} families, {int((tr & (t.y == 0)).sum())} real); gate on\n")
    print_family_table(res, names, list(res[first]["families"]))


def print_fresh_sets(sets: dict, names: list[str]) -> None:
    """False alarms per fresh real set (every set of ``sets``' models, in order)."""
    print("\n| fresh real set | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for k in sets[names[0]]:
        print(f"| {k} | " + " | ".join(fmt(*sets[m][k][:2]) for m in names) + " |")


def print_sources(res: dict, names: list[str], first: str) -> None:
    """False alarms per real validation source."""
    print("\n| real validation source | n | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for s in res[first]["sources"]:
        print(f"| {s} | {res[first]['sources'][s][1]} | " + " | ".join(fmt(*res[m]["sources"][s]) for m in names) + " |")


def print_rule(title: str, items: list[tuple[str, bool]], what: str, then: str) -> None:
    """A declared rule's items, pass / FAIL each, and the verdict line ("=> WHAT pass (THEN)" or "=> WHAT FAIL")."""
    print(f"\n{title}:")
    for text, passed in items:
        print(f"- {text}: {'pass' if passed else 'FAIL'}")
    print(f"=> {what} " + (f"pass ({then})" if all(p for _, p in items) else "FAIL"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--models", action="append", required=True,
                    help="'shipped' or a fit_generation.py --out folder; first = B, every further one a candidate")
    a = ap.parse_args(argv)
    t = Table(a.data)
    scorers = {m: Scorers(t, None if m == "shipped" else Path(m)) for m in a.models}
    masks = real_set_masks(t)
    res, sets, _called = score(t, scorers, masks)
    names = list(res)
    print_training_and_families(t, res, names, a.models[0])
    print_fresh_sets(sets, names)
    print_sources(res, names, a.models[0])
    print("\nFalse alarms on the two fresh sets, by file:\n")
    for m in a.models:
        for k in masks:
            print(f"- {m}, {k}: " + ("; ".join(sets[m][k][2]) or "none"))
    for cand in a.models[1:]:
        items = rule(res[a.models[0]], res[cand], sets[a.models[0]], sets[cand])
        print_rule(f"Declared rule (session 11), items 1-3, candidate {cand} against {a.models[0]}", items,
                   "items 1-3", "item 4: accuracy_generation.py --cameras")
    return 0


if __name__ == "__main__":
    sys.exit(main())
