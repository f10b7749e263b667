"""Style-conditional thresholds for the generation combiner (Mondrian calibration) — issue 18, session 6.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/studies/generation_style_thresholds.py --data /work/gen-data \
        [--models DIR]

Mondrian conformal prediction (Vovk, Gammerman, Shafer, *Algorithmic Learning in a Random World*, 2005,
ch. 4; Vovk, "Conditional validity of inductive conformal predictors", ACML 2012) controls the error rate
within each category of a taxonomy that is computed from the input. The taxonomy here: a multinomial
logistic regression on the probe's own CLIP parts (centre view), trained on the *real* training pictures,
predicts which real source a picture looks like (stock, portrait, re-shared, scan, ...). Each predicted
category gets its own threshold, the 3 % point of the combined score over the real training pictures
predicted into it (out-of-fold predictions, 5 folds); a category with fewer than 34 of them (where 3 %
allows none) keeps the model's ``generated_at``, and no category threshold goes below ``authentic_below``.
The question: do generated pictures that look like a low-scoring style (portraits, re-shared photos) get
called at that style's lower threshold without raising any real source's false alarms?

Declared before measuring (docs/notes/issue-18.md, session 6, 3a); the validation split is only read to
report. Same accounting as ``accuracy_generation.py`` (gate-consistent, processed views).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accuracy"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy_generation import Scorers  # noqa: E402
from fit_generation import FPR, Table, auc  # noqa: E402
from generation_threshold_diagnosis import training_combined  # noqa: E402

from forgelens.training.calibration import threshold_at_fpr  # noqa: E402

STYLE_C = 0.01
MIN_CATEGORY = math.ceil(1 / FPR)  # 34: the fewest pictures at which 3 % allows one


def style_model(x: np.ndarray, src: np.ndarray):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=STYLE_C, max_iter=3000)).fit(x, src)


def main(argv: list[str] | None = None) -> int:
    from sklearn.model_selection import StratifiedKFold

    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data"))
    ap.add_argument("--models", type=Path, default=None)
    a = ap.parse_args(argv)
    t = Table(a.data)
    sc = Scorers(t, a.models)
    tr, _, p_tr = training_combined(t, sc)
    real = np.isfinite(t.gen_trace[tr]) & (t.y[tr] == 0) & ~t.gated[tr]
    x = t.x(sc.parts)
    x_real, src = x[tr][real], t.family[tr][real]
    p_real = p_tr[real]

    pred = np.empty(len(src), object)
    for a_, b_ in StratifiedKFold(5, shuffle=True, random_state=0).split(x_real, src):
        pred[b_] = style_model(x_real[a_], src[a_]).predict(x_real[b_])
    print(f"style taxonomy, out-of-fold accuracy on {len(src)} real training pictures: {np.mean(pred == src):.0%}")
    hi, lo = sc.comb[0]["generated_at"], sc.comb[0]["authentic_below"]
    thr = {}
    print("\n| predicted style | real training pictures in it | own 3 % point | threshold used |")
    print("|---|---|---|---|")
    for k in sorted(set(src)):
        q = p_real[pred == k]
        own = threshold_at_fpr(q, FPR) if len(q) else float("nan")
        thr[k] = max(own, lo) if len(q) >= MIN_CATEGORY else hi
        print(f"| {k} | {len(q)} | {own:.3f} | {thr[k]:.3f} |")

    full = style_model(x_real, src)
    va = t.split == "val"
    p_val, _ = sc.scores(t)["combined"]
    style_val = full.predict(x[va])
    thr_val = np.array([thr[s] for s in style_val])
    p, ok, y, fam = p_val[va], ~t.gated[va], t.y[va], t.family[va]
    called_m, called_s = ok & (p >= thr_val), ok & (p >= hi)
    print("\n| held-out family | n | called, shipped threshold | called, style thresholds | predicted styles |")
    print("|---|---|---|---|---|")
    for f in sorted(set(fam[y == 1])) + ["all"]:
        g = (y == 1) & ((fam == f) if f != "all" else True)
        styles, counts = np.unique(style_val[g], return_counts=True)
        print(f"| {f} | {g.sum()} | {called_s[g].sum()} ({called_s[g].mean():.0%}) | {called_m[g].sum()} "
              f"({called_m[g].mean():.0%}) | " + ", ".join(f"{s} {n}" for s, n in zip(styles, counts, strict=True)) + " |")
    print("\n| real source (held out) | n | false alarms, shipped | false alarms, style thresholds |")
    print("|---|---|---|---|")
    for s in sorted(set(fam[y == 0])):
        g = (y == 0) & (fam == s)
        print(f"| {s} | {g.sum()} | {called_s[g].sum()} | {called_m[g].sum()} |")
    sel = ok
    print(f"\nunseen AUC (unchanged by thresholds): {auc(y[sel], p[sel]):.4f}")

    print("\nRobustness copies (≤ 6 per family / real source): called generated and false alarms, shipped → style")
    print("\n| view | generated called | real false alarms (by source, where any) |")
    print("|---|---|---|")
    for view in ("jpeg75", "half", "social"):
        tv = Table(a.data, view)
        vv = tv.split == "val"
        if not vv.any() or not all(k.split("[")[0] in tv.parts for k in sc.parts):
            continue
        pv = sc.scores(tv)["combined"][0][vv]
        okv = ~tv.gated[vv]
        tv_thr = np.array([thr[s] for s in full.predict(tv.x(sc.parts)[vv])])
        yv, fv = tv.y[vv], tv.family[vv]
        cs, cm = okv & (pv >= hi), okv & (pv >= tv_thr)
        fa = [f"{s} {cs[(yv == 0) & (fv == s)].sum()}→{cm[(yv == 0) & (fv == s)].sum()}/{((yv == 0) & (fv == s)).sum()}"
              for s in sorted(set(fv[yv == 0])) if cs[(yv == 0) & (fv == s)].sum() or cm[(yv == 0) & (fv == s)].sum()]
        print(f"| {view} | {cs[yv == 1].sum()} → {cm[yv == 1].sum()} of {(yv == 1).sum()} | {', '.join(fa) or 'none'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
