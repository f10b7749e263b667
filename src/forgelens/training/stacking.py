"""Fit the stacked fusion: a logistic regression from detector scores to P(manipulated).

Training data: the image scores that `collect_scores.py` gathered on a
`forgelens synth` set made from camera originals (never on the public
benchmarks, which stay held out). Cross-validation is grouped by host photo,
so a photo's authentic version and its forgeries never sit on both sides.
The fitted model is written to src/forgelens/fusion/stacking.json and then
evaluated, unchanged, on held-out real sets (``python -m forgelens.training.stacking`` = the script below).

    python benchmarks/fit/fit_fusion.py benchmarks/out/scores-synth-dev.jsonl --write \
        --eval casia1=benchmarks/out/scores-casia1-samples.jsonl=../shared/datasets/casia1-samples \
        --eval toolkit=benchmarks/out/scores-toolkit-samples.jsonl=../shared/datasets/toolkit-samples \
        --eval pristine=benchmarks/out/scores-pristine-extra.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import GroupKFold

from forgelens.fusion.stacking import STACKING_PATH, StackingModel, feature_vector

EXCLUDED_FAMILIES = ("generation", "provenance", "baseline", "content")


def read(path: str) -> list[dict]:
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    return [r for r in rows if "scores" in r and r["label"] in ("authentic", "manipulated")]


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over equal-width probability bins, with the classes
    re-weighted to 50/50 (the prior the model is calibrated for)."""
    w = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9)) / len(y)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        sel = idx == b
        if sel.any():
            wb = w[sel]
            total += abs(np.average(p[sel], weights=wb) - np.average(y[sel], weights=wb)) * wb.sum()
    return float(total)


def main() -> None:
    from forgelens.detectors import available, default_names

    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("--eval", action="append", default=[],
                    help="name=scores.jsonl[=image folder] (held out; with the folder, trivial baselines too)")
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--write", action="store_true", help=f"write {STACKING_PATH}")
    args = ap.parse_args()

    reg = available()
    from forgelens.fusion import FusionConfig

    cfg = FusionConfig()
    features = [n for n in default_names() if reg[n].family not in EXCLUDED_FAMILIES
                and n not in cfg.map_only and dict(cfg.weights).get(n, 1.0) > 0]
    rows = read(args.train)
    X = np.array([feature_vector(r["scores"], features) for r in rows])
    y = np.array([r["label"] == "manipulated" for r in rows], dtype=int)
    groups = np.array([r.get("source", r["image"]) for r in rows])
    print(f"training rows: {len(rows)} ({y.sum()} manipulated, {len(y) - y.sum()} authentic), features: {features}")

    mean, scale = X.mean(0), X.std(0) + 1e-6
    oof = np.zeros(len(y))
    for tr, te in GroupKFold(5).split(X, y, groups):
        lr = LogisticRegression(C=args.C, class_weight="balanced", max_iter=2000)
        lr.fit((X[tr] - mean) / scale, y[tr])
        oof[te] = lr.predict_proba((X[te] - mean) / scale)[:, 1]
    rule = np.array([r["verdict"]["score"] for r in rows])
    print(f"grouped 5-fold CV on the synth set: AUC {roc_auc_score(y, oof):.3f} (first rule: {roc_auc_score(y, rule):.3f}), "
          f"ECE (50/50) {ece(y, oof):.3f}, Brier {brier_score_loss(y, oof):.3f}")
    by_kind: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_kind.setdefault(r.get("kind") or r["label"], []).append(i)
    auth = [i for i, r in enumerate(rows) if r["label"] == "authentic"]
    for kind, idx in sorted(by_kind.items()):
        if kind == "authentic":
            print(f"  authentic: FPR@0.5 {np.mean(oof[idx] >= 0.5):.3f} (n={len(idx)})")
            continue
        sel = idx + auth
        print(f"  {kind:18s} AUC vs authentic {roc_auc_score(y[sel], oof[sel]):.3f}  TPR@0.5 {np.mean(oof[idx] >= 0.5):.3f} (n={len(idx)})")

    lr = LogisticRegression(C=args.C, class_weight="balanced", max_iter=2000).fit((X - mean) / scale, y)
    model = StackingModel(features=features, mean=mean.tolist(), scale=scale.tolist(),
                          coef=lr.coef_[0].tolist(), intercept=float(lr.intercept_[0]),
                          trained_on=f"{Path(args.train).name}: {len(rows)} images ({int(y.sum())} manipulated), "
                                     "forgelens synth from camera originals; balanced classes (50/50 prior)")
    print("coefficients (standardised; score, said-nothing):",
          {f: (round(model.coef[2 * i], 3), round(model.coef[2 * i + 1], 3)) for i, f in enumerate(features)})
    if args.write:
        model.save(STACKING_PATH)
        print(f"wrote {STACKING_PATH}")

    for spec in args.eval:
        name, path, folder = (spec.split("=") + [""])[:3]
        ev = read(path)
        if not ev:
            print(f"{name}: no rows")
            continue
        p = np.array([model.probability(r["scores"]) for r in ev])
        yy = np.array([r["label"] == "manipulated" for r in ev], dtype=int)
        rule = np.array([r["verdict"]["score"] for r in ev])
        n_m, n_a = int(yy.sum()), int(len(yy) - yy.sum())
        msg = f"held-out {name}: {n_m} manipulated, {n_a} authentic; "
        if n_m and n_a:
            msg += f"AUC stacked {roc_auc_score(yy, p):.3f} vs first rule {roc_auc_score(yy, rule):.3f}; "
        if n_a:
            msg += f"authentic called manipulated (p>=0.5): {np.mean(p[yy == 0] >= 0.5):.3f}; "
        if n_m:
            msg += f"manipulated caught (p>=0.5): {np.mean(p[yy == 1] >= 0.5):.3f}"
        if n_a:
            msg += f"; verdict 'manipulated' (p>={cfg.manipulated_at}) on authentic: {np.mean(p[yy == 0] >= cfg.manipulated_at):.3f}"
        print(msg)
        if folder and n_m and n_a:
            base = baseline_scores(folder, ev)
            print("   trivial baselines on the same images (image AUC): "
                  + ", ".join(f"{k} {roc_auc_score(yy, v):.3f}" for k, v in base.items()))


def baseline_scores(folder: str, rows: list[dict]) -> dict[str, np.ndarray]:
    """Image scores of the registered trivial baselines (size, format, brightness, saturation)."""
    from forgelens.detectors import registry
    from forgelens.evidence import load

    names = ["baseline_size", "baseline_format", "baseline_brightness", "baseline_saturation"]
    out = {n: [] for n in names}
    for r in rows:
        ev = load(str(Path(folder) / r["image"]))
        for n in names:
            out[n].append(registry.run(n, ev).score)
    return {n.removeprefix("baseline_"): np.array(v) for n, v in out.items()}


if __name__ == "__main__":
    main()
