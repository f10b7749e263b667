"""The lead's declared ship rule for candidate N (new generator families in training; issue 18, session 8).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/studies/generation_new_families.py --data /work/gen-data-i18n \
        --models /work/gen-data-i18n/shipped-B --models /work/gen-data-i18n/s8-candN

Reads the caches only; nothing is fitted. Gate on, as ``accuracy_generation.py`` (a picture the designed-graphic
gate takes gets no generation verdict: never a false alarm, left out of the AUC, counted as not called). The first
``--models`` is the reference (the shipped B), the second the candidate. Printed per model:

- the unseen validation families (Seedream 5, Midjourney v7, Flux.1-dev, Grok): pictures called generated per
  family with 95 % Wilson intervals, and the AUC of P(generated) against every real validation picture with a
  bootstrap 95 % interval (2 000 resamples; generated pictures resampled within family, real within source);
- every real validation source: false alarms (called generated) with Wilson intervals;
- the trivial baseline (logistic on size / format / brightness / saturation / sharpness) on the same pictures;
- rule items 1-3 (declared by the lead at 12:45 UTC, before any measurement) and their verdict. Item 4
  (``accuracy_generation.py --cameras``: exif-samples and CASIA1 called generated) is run separately.

``--leave-out`` lines (``NAME=FOLDER``) add models of a leave-one-new-family-out study, measured on item 1 only.
``--at FOLDER=THRESHOLD`` adds a row of a model read at another threshold, and every model is also read at the
threshold that gives it the reference's count of validation false alarms (set on the validation split: for the
record, never a rule). ``--make-lofo DIR --family F ...`` writes such a study's data directory: a hard-linked copy of ``--data`` whose
manifest (a new file) marks the training pictures of families F dropped, so ``fit_generation.py --data DIR`` fits
without them (the caches are shared, keyed by view file).
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

import subprocess  # noqa: E402

from accuracy_generation import Scorers  # noqa: E402
from fit_generation import Table, auc  # noqa: E402
from generation_fresh_check import wilson  # noqa: E402

from forgelens.training.generation_data import load_manifest, write_manifest  # noqa: E402

FRESH = "fresh-web"
MAX_SHARE, AUC_SLACK, MIN_SOURCE, CAMERA = 0.03, 0.005, 34, "camera-original"


def bootstrap_auc(y: np.ndarray, p: np.ndarray, groups: np.ndarray, n: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95 % interval of the AUC, resampling each group (family or source) with replacement within itself."""
    rng = np.random.default_rng(seed)
    members = [np.where(groups == g)[0] for g in np.unique(groups)]
    out = np.empty(n)
    for b in range(n):
        idx = np.concatenate([rng.choice(m, len(m)) for m in members])
        out[b] = auc(y[idx], p[idx])
    return float(np.percentile(out, 2.5)), float(np.percentile(out, 97.5))


def measure(t: Table, p: np.ndarray, thr: float) -> dict:
    """Called counts per unseen family and per real validation source, and the AUC, for one model's scores."""
    val, ok = t.split == "val", ~t.gated
    gen, real = val & (t.y == 1), val & (t.y == 0)
    called = ok & (p >= thr)
    sel = (gen | real) & ok
    fams = {f: (int((called & gen & (t.family == f)).sum()), int((gen & (t.family == f)).sum()))
            for f in sorted(set(t.family[gen]))}
    srcs = {s: (int((called & real & (t.family == s)).sum()), int((real & (t.family == s)).sum()))
            for s in sorted(set(t.family[real]))}
    fam_auc = {}
    for f in fams:
        sf = ((gen & (t.family == f)) | real) & ok
        fam_auc[f] = (auc(t.y[sf], p[sf]), bootstrap_auc(t.y[sf], p[sf], t.family[sf], n=1000))
    return {"families": fams, "family_auc": fam_auc, "called": int((called & gen).sum()), "n_gen": int(gen.sum()),
            "sources": srcs, "auc": auc(t.y[sel], p[sel]),
            "auc_ci": bootstrap_auc(t.y[sel], p[sel], t.family[sel]), "thr": thr}


def rule(ref: dict, cand: dict) -> list[tuple[str, bool]]:
    """Items 1-3 of the declared rule, (text, passed) each."""
    fr, fc = ref["sources"][FRESH], cand["sources"][FRESH]
    big = [s for s, (_, n) in cand["sources"].items() if n >= MIN_SOURCE]
    over = [f"{s} {cand['sources'][s][0]}/{cand['sources'][s][1]}" for s in big
            if cand["sources"][s][0] > MAX_SHARE * cand["sources"][s][1]]
    cam_r, cam_c = ref["sources"][CAMERA][0], cand["sources"][CAMERA][0]
    return [
        (f"1a. unseen families called generated {cand['called']}/{cand['n_gen']} > reference {ref['called']}/{ref['n_gen']}",
         cand["called"] > ref["called"]),
        (f"1b. AUC vs the validation real pictures {cand['auc']:.4f} ≥ reference {ref['auc']:.4f} − {AUC_SLACK}",
         cand["auc"] >= ref["auc"] - AUC_SLACK),
        (f"2. fresh real set false alarms {fc[0]}/{fc[1]} ≤ 3 % ({MAX_SHARE * fc[1]:.1f}) and ≤ reference {fr[0]} + 1",
         fc[0] <= MAX_SHARE * fc[1] and fc[0] <= fr[0] + 1),
        (f"3a. every real validation source of ≥ {MIN_SOURCE} pictures ≤ 3 % ({', '.join(big)}): "
         + ("; ".join(over) if over else "none over"), not over),
        (f"3b. camera originals {cam_c}/{cand['sources'][CAMERA][1]} not worse than reference {cam_r}", cam_c <= cam_r),
    ]


def fmt(k: int, n: int) -> str:
    lo, hi = wilson(k, n)
    return f"{k}/{n} [{lo:.0%}, {hi:.0%}]"


def print_family_table(res: dict, names: list[str], fams: list[str]) -> None:
    """The markdown table of each model's threshold, calls per unseen family, all unseen and AUC."""
    print("| model | generated_at | " + " | ".join(fams) + " | all unseen | AUC vs validation real [95 % bootstrap] |")
    print("|---|---|" + "---|" * (len(fams) + 2))
    for m in names:
        r = res[m]
        print(f"| {m} | {r['thr']:.3f} | " + " | ".join(fmt(*r["families"][f]) for f in fams)
              + f" | {fmt(r['called'], r['n_gen'])} | {r['auc']:.4f} [{r['auc_ci'][0]:.3f}, {r['auc_ci'][1]:.3f}] |")


def make_lofo(data: Path, out: Path, families: list[str]) -> int:
    """A hard-linked copy of ``data`` with the training pictures of ``families`` marked dropped; returns how many."""
    if out.exists():
        raise FileExistsError(f"{out}: exists")
    subprocess.run(["cp", "-al", f"{data}/.", str(out)], check=True)
    records = load_manifest(out)
    n = 0
    for r in records:
        if r.family in families and r.split == "train" and not r.dropped:
            r.dropped, n = f"left out (leave-one-new-family-out study: {', '.join(families)})", n + 1
    write_manifest(out, records)  # a new file renamed over the link: the source manifest is untouched
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data-i18n"))
    ap.add_argument("--models", action="append", default=[],
                    help="'shipped' or a fit_generation.py --out folder; first = reference, every further one a candidate")
    ap.add_argument("--leave-out", action="append", default=[], metavar="NAME=FOLDER",
                    help="a leave-one-new-family-out refit, measured on item 1 only")
    ap.add_argument("--at", action="append", default=[], metavar="FOLDER=THRESHOLD",
                    help="also read this model at this threshold (a row of its own)")
    ap.add_argument("--make-lofo", type=Path, default=None, metavar="DIR")
    ap.add_argument("--family", action="append", default=[], help="with --make-lofo: a family to leave out")
    a = ap.parse_args(argv)
    if a.make_lofo:
        print(f"{a.make_lofo}: {make_lofo(a.data, a.make_lofo, a.family)} training pictures left out")
        return 0
    if not a.models:
        ap.error("--models is required")
    t = Table(a.data)
    scorers = {m: Scorers(t, None if m == "shipped" else Path(m)) for m in a.models}
    res = {}
    p, thr = next(iter(scorers.values())).scores(t)["trivial"]
    res["trivial baseline"] = measure(t, p, thr)
    for m, sc in scorers.items():
        res[m] = measure(t, *sc.scores(t)["combined"])
    for spec in a.at:
        folder, thr_s = spec.rsplit("=", 1)
        res[f"{folder} at {float(thr_s):.3f}"] = measure(t, Scorers(t, Path(folder)).scores(t)["combined"][0], float(thr_s))
    for spec in a.leave_out:
        name, folder = spec.split("=", 1)
        res[name] = measure(t, *Scorers(t, Path(folder)).scores(t)["combined"])
    names = list(res)
    fams = list(res[a.models[0]]["families"])
    print(f"unseen validation families, gate on; training pictures: {int((t.split == 'train').sum())} "
          f"({int(((t.split == 'train') & (t.y == 1)).sum())} generated of "
          f"{len(set(t.family[(t.split == 'train') & (t.y == 1)]))} families)\n")
    print_family_table(res, names, fams)
    print("\nAUC of each unseen family vs every real validation picture [95 % bootstrap, 1 000]:\n")
    print("| model | " + " | ".join(fams) + " |")
    print("|---|" + "---|" * len(fams))
    for m in names[:len(a.models) + 1]:
        fa = res[m]["family_auc"]
        print(f"| {m} | " + " | ".join(f"{fa[f][0]:.3f} [{fa[f][1][0]:.3f}, {fa[f][1][1]:.3f}]" for f in fams) + " |")
    val_real = (t.split == "val") & (t.y == 0) & ~t.gated
    ref_fa = sum(k for k, _ in res[a.models[0]]["sources"].values())
    print(f"\nAt the reference's count of validation false alarms ({ref_fa}/{int(((t.split == 'val') & (t.y == 0)).sum())}; "
          "threshold set on the validation split, for the record only):\n")
    print("| model | threshold | unseen called generated | validation real called |")
    print("|---|---|---|---|")
    for m, sc in scorers.items():
        p, _ = sc.scores(t)["combined"]
        thr_m = float(np.sort(p[val_real])[::-1][ref_fa]) + 1e-9  # just above the (ref_fa+1)-th highest real picture
        r = measure(t, p, thr_m)
        print(f"| {m} | {thr_m:.3f} | {fmt(r['called'], r['n_gen'])} | {sum(k for k, _ in r['sources'].values())} |")
    srcs = list(res[a.models[0]]["sources"])
    shown = names[:len(a.models) + 1 + len(a.at)]  # baseline, models, --at rows (not the leave-out refits)
    print("\n| real validation source | n | " + " | ".join(f"{m} called generated" for m in shown) + " |")
    print("|---|---|" + "---|" * len(shown))
    for s in srcs:
        n = res[a.models[0]]["sources"][s][1]
        print(f"| {s} | {n} | " + " | ".join(fmt(*res[m]["sources"][s]) for m in shown) + " |")
    for cand in a.models[1:]:  # every further model is a candidate against the first (session 9: P and Pp)
        items = rule(res[a.models[0]], res[cand])
        print(f"\nDeclared rule, items 1-3, candidate {cand} against {a.models[0]}:")
        for text, passed in items:
            print(f"- {text}: {'pass' if passed else 'FAIL'}")
        print("=> items 1-3 " + ("pass (item 4: accuracy_generation.py --cameras)" if all(p for _, p in items)
                                 else "FAIL: nothing ships"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
