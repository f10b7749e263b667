"""Where the generation combiner's "called generated" rate is lost (issue 18, session 6). Prints markdown.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/studies/generation_threshold_diagnosis.py --data /work/gen-data

From the cached features only (no encoder pass), with the shipped (or ``--models DIR``) clip_probe and
combiner, gate-consistent as in the pipeline:

1. which real source (and which of its training pictures) binds ``generated_at`` under the per-source
   3 % rule, each source's own 3 % point and how many pictures 3 % of it allows (a source of fewer than
   34 training pictures allows none, so its single highest picture sets its point);
2. per held-out family, the share called generated at the shipped threshold and at other rules set on
   the same training scores — pooled 3 % over all real training pictures, per source over the sources
   of ≥ 34 pictures only — each with the validation false alarms per real source it would give
   (nothing here changes the goal or the shipped rule: these rows say what the rule costs);
3. where the missed generated pictures sit: inconclusive band vs below it;
4. 95 % bootstrap intervals of the called-generated share: generated pictures resampled within their
   family, and (second interval) the training real pictures resampled within their source as well, so
   the threshold moves with its own sampling noise.

The training-split clip_probe scores are leave-family-out out-of-fold, refitted with the model's own
feature parts and C exactly as ``fit_generation.py`` does (its threshold is checked against the file's).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

import numpy as np
from scipy.special import expit

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accuracy"))

from accuracy_generation import Scorers  # noqa: E402
from fit_generation import (  # noqa: E402
    FPR,
    Table,
    fit_probe,
    logit,
    views_of,
)

from forgelens.training.calibration import threshold_at_fpr  # noqa: E402

N_BOOT = 2000


def own_point(p: np.ndarray) -> float:
    """One source's 3 % point (``threshold_at_fpr``, kept within [0.5, 0.999] as the fit does)."""
    return threshold_at_fpr(p, FPR)


def rule_thresholds(p: np.ndarray, src: np.ndarray) -> dict[str, float]:
    """The thresholds the rules compared here give on real training scores ``p`` of sources ``src``."""
    per = {s: own_point(p[src == s]) for s in np.unique(src)}
    big = [s for s in per if (src == s).sum() >= math.ceil(1 / FPR)]
    return {"per source (shipped rule)": max(per.values()),
            "pooled 3 %": own_point(p),
            f"per source, sources of ≥ {math.ceil(1 / FPR)} only": max(per[s] for s in big)}


def compare(a) -> int:
    """Paired bootstrap (generated pictures resampled within family, the same resample for both models) of
    the difference in called-generated share, each model at its own ``generated_at``; real false alarms beside."""
    t = Table(a.data)
    sc = {"A": Scorers(t, a.models), "B": Scorers(t, a.compare)}
    va = t.split == "val"
    gen, real, ok = va & (t.y == 1), va & (t.y == 0), ~t.gated
    called = {}
    for k, s in sc.items():
        p, thr = s.scores(t)["combined"]
        called[k] = ok & (p >= thr)
        print(f"{k} = {(a.models or 'shipped') if k == 'A' else a.compare}: called {int(called[k][gen].sum())}/{int(gen.sum())}, "
              f"real false alarms {int(called[k][real].sum())}/{int(real.sum())}")
    rng = np.random.default_rng(a.seed)
    rows = [np.flatnonzero(gen & (t.family == f)) for f in sorted(set(t.family[gen]))]
    d = []
    for _ in range(N_BOOT):
        r = np.concatenate([rng.choice(x, len(x)) for x in rows])
        d.append(called["B"][r].mean() - called["A"][r].mean())
    lo, hi = np.percentile(d, [2.5, 97.5])
    both = called["A"] & called["B"] & gen
    print(f"B − A called share: {np.mean(called['B'][gen]) - np.mean(called['A'][gen]):+.1%}, paired 95 % "
          f"[{lo:+.1%}, {hi:+.1%}] ({N_BOOT} resamples); called by both {int(both.sum())}, only A "
          f"{int((called['A'] & ~called['B'] & gen).sum())}, only B {int((called['B'] & ~called['A'] & gen).sum())}")
    return 0



def training_combined(t: Table, sc: Scorers):
    """(training rows, refitted probe, combined P(generated) of those rows) with the probe's P taken out of
    fold (leave-family-out, as ``fit_generation`` fits it) and the shipped combiner's weights."""
    tr = t.training_rows()
    probe, p_oof = fit_probe(t, tr, sc.parts, float(sc.probe.meta["C"]), None, (), *views_of(sc.probe.meta))
    m = sc.comb[0]
    return tr, probe, expit(m["intercept"] + m["coef"][0] * logit(t.gen_trace[tr]) + m["coef"][1] * logit(p_oof))

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data"))
    ap.add_argument("--models", type=Path, default=None, help="candidate model files (fit_generation.py --out)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--compare", type=Path, default=None,
                    help="only: paired bootstrap of the called-generated difference, --models (or shipped) vs this folder")
    a = ap.parse_args(argv)
    if a.compare is not None:
        return compare(a)
    t = Table(a.data)
    sc = Scorers(t, a.models)
    tr, probe, p_tr = training_combined(t, sc)
    m = sc.comb[0]
    real = np.isfinite(t.gen_trace[tr]) & (t.y[tr] == 0) & ~t.gated[tr]
    src, pr = t.family[tr][real], p_tr[real]
    files = np.array(t.files, dtype=object)[tr][real]
    print(f"models: {a.models or 'shipped'}; probe threshold refitted {probe.threshold:.4f} vs file "
          f"{sc.probe.threshold:.4f}; combiner generated_at {m['generated_at']:.4f}, authentic_below "
          f"{m['authentic_below']:.4f}")

    print("\n### 1. The per-source 3 % rule on the training real pictures (combined P, clip_probe out of fold)\n")
    print("| real source | n train | pictures 3 % allows | own 3 % point | highest three (P) |")
    print("|---|---|---|---|---|")
    points = {}
    for s in np.unique(src):
        q, f = pr[src == s], files[src == s]
        points[s] = own_point(q)
        top = np.argsort(q)[::-1][:3]
        print(f"| {s} | {len(q)} | {math.floor(FPR * len(q) + 1e-9)} | {points[s]:.4f} | "
              + ", ".join(f"{f[i]} ({q[i]:.3f})" for i in top) + " |")
    bind = max(points, key=points.get)
    print(f"\nBinding source: **{bind}** ({points[bind]:.4f}; the file's generated_at {m['generated_at']:.4f}). "
          f"Next: " + ", ".join(f"{s} {v:.4f}" for s, v in sorted(points.items(), key=lambda kv: -kv[1])[1:3]))

    # validation: shipped scorer (gate-consistent; clip-only fallback where gen_trace gives no score)
    p_val, _ = sc.scores(t)["combined"]
    va = t.split == "val"
    okv = ~t.gated
    gen, realv = va & (t.y == 1), va & (t.y == 0)
    fams = sorted(set(t.family[gen]))
    srcs = sorted(set(t.family[realv]))
    rules = rule_thresholds(pr, src)
    # for scale only (set on the validation split, not a rule): the threshold that would call 70 % (the goal)
    q_gen = np.sort(np.where(okv[gen], p_val[gen], -1.0))[::-1]
    rules["70 % called (set on validation: scale only, not a rule)"] = float(q_gen[math.ceil(0.7 * gen.sum()) - 1])
    lo = m["authentic_below"]

    print("\n### 2. Called generated per held-out family under each threshold rule (validation split)\n")
    print("| rule | threshold | " + " | ".join(f"{f} (n={int((gen & (t.family == f)).sum())})" for f in fams)
          + f" | all ({int(gen.sum())}) | val false alarms per real source (n) |")
    print("|---|---|" + "---|" * (len(fams) + 2))
    for name, thr in rules.items():
        called = gen & okv & (p_val >= thr)
        fa = ", ".join(f"{s} {int((realv & okv & (t.family == s) & (p_val >= thr)).sum())}/{int((realv & (t.family == s)).sum())}"
                       for s in srcs)
        print(f"| {name} | {thr:.4f} | " + " | ".join(f"{called[t.family == f].sum()}/{(gen & (t.family == f)).sum()}"
                                                      for f in fams)
              + f" | {called.sum()} ({called.sum() / gen.sum():.0%}) | {fa} |")

    print("\n### 3. Where the generated pictures sit (shipped thresholds)\n")
    print("| family | n | called generated | inconclusive band | below authentic_below | gated | median P of the missed |")
    print("|---|---|---|---|---|---|---|")
    thr = m["generated_at"]
    for f in fams + ["all"]:
        g = gen & ((t.family == f) if f != "all" else True)
        q, o = p_val[g], okv[g]
        miss = q[o & (q < thr)]
        print(f"| {f} | {int(g.sum())} | {np.sum(o & (q >= thr))} | {np.sum(o & (q >= lo) & (q < thr))} | "
              f"{np.sum(o & (q < lo))} | {np.sum(~o)} | {np.median(miss) if len(miss) else float('nan'):.3f} |")
    for k in (0.05, 0.10):
        print(f"- within {k:.2f} below generated_at: {int(np.sum(gen & okv & (p_val < thr) & (p_val >= thr - k)))}")

    print(f"\n### 4. Bootstrap 95 % intervals of the called-generated share ({N_BOOT} resamples, seed {a.seed})\n")
    rng = np.random.default_rng(a.seed)
    fam_rows = {f: np.flatnonzero(gen & (t.family == f)) for f in fams}
    src_rows = {s: np.flatnonzero(src == s) for s in np.unique(src)}
    shares = {f: [] for f in fams + ["all"]}
    shares_t = {f: [] for f in fams + ["all"]}
    thr_b = []
    for _ in range(N_BOOT):
        rows = {f: rng.choice(r, len(r)) for f, r in fam_rows.items()}
        idx = np.concatenate([rng.choice(r, len(r)) for r in src_rows.values()])
        tb = max(own_point(pr[idx][src[idx] == s]) for s in np.unique(src))
        thr_b.append(tb)
        for f, r in list(rows.items()) + [("all", np.concatenate(list(rows.values())))]:
            shares[f].append(np.mean(okv[r] & (p_val[r] >= thr)))
            shares_t[f].append(np.mean(okv[r] & (p_val[r] >= tb)))
    print("| family | called at shipped threshold | 95 % CI (pictures resampled) | 95 % CI (threshold refitted on "
          "resampled real training pictures too) |")
    print("|---|---|---|---|")
    for f in fams + ["all"]:
        g = gen & ((t.family == f) if f != "all" else True)
        lo_, hi_ = np.percentile(shares[f], [2.5, 97.5])
        lo2, hi2 = np.percentile(shares_t[f], [2.5, 97.5])
        print(f"| {f} | {np.mean(okv[g] & (p_val[g] >= thr)):.0%} | {lo_:.0%}–{hi_:.0%} | {lo2:.0%}–{hi2:.0%} |")
    q = np.percentile(thr_b, [2.5, 50, 97.5])
    print(f"\nThreshold under the per-source rule on resampled training real pictures: median {q[1]:.3f}, "
          f"95 % {q[0]:.3f}–{q[2]:.3f}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
