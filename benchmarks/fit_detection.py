"""Fit the image-level detection model (``src/forgelens/fusion/detection.json``) — one command.

    python benchmarks/fit_detection.py all          # data + extraction + fit (≈ 1 h on one core)

Steps (each resumable, each callable alone):

1. ``data``: ``benchmarks/detection_data.py`` makes the train / validation synth sets and hard
   negatives from a camera-disjoint host split (see that script) under ``benchmarks/data/detection``.
2. ``extract NAME FOLDER``: the default analysis once per image; the maps shrunk to the pooling
   grid, the scores and findings are cached as one ``.npz`` per image under
   ``benchmarks/out/detection-cache/NAME`` (the fit and the benchmarks read only the cache).
3. ``fit``: standardised logistic regression on the training sets (train synth + hard negatives
   + nist16 / casia2 forgeries as extra positives), Platt scaling fitted on the validation sets
   (camera-disjoint synth + hard negatives), thresholds on the calibrated probability:
   ``manipulated_at`` calls ≤ 3 % of the validation authentic images manipulated,
   ``authentic_below`` calls ≤ 20 % of them not-authentic (between the two: inconclusive).
   casia1, toolkit, cameras and pristine-extra are never read here (evaluation only:
   ``benchmarks/verdict_accuracy.py``).

Every folder fitted on passes ``../shared/tools/heldout_guard.py`` first.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "datasets"
CACHE = ROOT / "benchmarks" / "out" / "detection-cache"
GEN = ROOT / "benchmarks" / "data" / "detection"

#: name → (folder, row filter). Training and validation sets for the fit.
TRAIN_SETS = {"synth-train": GEN / "synth-train", "hard-train": GEN / "hard-train",
              "nist16": DATA / "nist16", "casia2": DATA / "casia2-samples"}
VAL_SETS = {"synth-val": GEN / "synth-val", "hard-val": GEN / "hard-val"}
#: Forgeries of nist16 used as extra positives (a fixed subset: the analysis costs ≈ 5 s each).
NIST16_LIMIT = 60
TARGET_FPR = 0.03
INCONCLUSIVE_FPR = 0.20


def _rows(folder: Path, limit: int = 0) -> list[dict]:
    if folder.is_file():  # one picture, e.g. examples/splice.jpg (label from --label)
        return [{"image": folder.name, "mask": "", "label": "", "source": str(folder)}]
    rows = list(csv.DictReader(open(folder / "index.csv")))
    if limit:
        step = max(1, len(rows) // limit)
        rows = rows[::step][:limit]
    return rows


def _key(image: str) -> str:
    return hashlib.sha1(image.encode()).hexdigest()[:16]


def extract_one(folder: Path, row: dict, out: Path) -> None:
    """Analyse one image and cache what the detection model and the verdict benchmark need."""
    from forgelens.errors import ForgeLensError
    from forgelens.fusion.detection import summarise
    from forgelens.pipeline import analyze

    path = out / f"{_key(row['image'])}.npz"
    if path.exists():
        return
    meta = {"image": row["image"], "label": row["label"], "mask": row.get("mask", ""),
            "source": row.get("source", ""), "kind": row.get("kind", ""), "post": row.get("post", "")}
    try:
        rep = analyze(str(folder / row["image"]))
    except ForgeLensError as exc:
        meta["error"] = str(exc)
        np.savez_compressed(path, meta=np.array(json.dumps(meta)))
        return
    ev = rep.evidence
    summary = summarise(rep.traces, rep.verdict.heatmap)
    meta.update({
        "shape": list(ev.shape), "format": ev.format, "megapixels": ev.megapixels,
        "brightness": float(ev.luminance[::4, ::4].mean()), "seconds": rep.seconds.get("total"),
        "traces": [{"name": t.name, "family": t.family, "calibrated": t.calibrated, "applicable": t.applicable,
                    "error": None if t.error is None else t.error.splitlines()[0], "score": t.score,
                    "findings": [f.to_dict() for f in t.findings]} for t in rep.traces],
        "verdict_at_extraction": {k: v for k, v in rep.verdict.to_dict().items() if k != "findings"},
    })
    summary.to_npz(path, **meta)


def extract(name: str, folder: Path, limit: int = 0, label: str | None = None, reverse: bool = False,
            match: str = "", max_bytes: int = 0) -> None:
    """Cache every row of ``folder`` (resumable; ``reverse`` lets a second process start from the end;
    ``match``: only images whose path contains it; ``max_bytes``: skip larger files)."""
    out = CACHE / name
    out.mkdir(parents=True, exist_ok=True)
    rows = _rows(folder, limit)
    if folder.is_file():
        rows[0]["label"] = label or "manipulated"
        folder = folder.parent
    elif label:
        rows = [r for r in rows if r["label"] == label]
    rows = [r for r in rows if match in r["image"]
            and (not max_bytes or (folder / r["image"]).stat().st_size <= max_bytes)]
    if reverse:
        rows = rows[::-1]
    t0 = time.time()
    for i, row in enumerate(rows, 1):
        extract_one(folder, row, out)
        if i % 10 == 0:
            print(f"{name}: {i}/{len(rows)} ({time.time() - t0:.0f} s)", flush=True)
    print(f"{name}: {len(rows)} done", flush=True)


def load_cache(name: str) -> list[tuple[object, dict]]:
    """[(MapSummary, meta)] for every cached image of a set that was analysed."""
    from forgelens.fusion.detection import MapSummary

    out = []
    for p in sorted((CACHE / name).glob("*.npz")):
        s, meta = MapSummary.from_npz(p)
        if "error" not in meta:
            out.append((s, meta))
    return out


def detectors_of(rows) -> list[str]:
    """Manipulation detectors with a map that ran on most images."""
    from collections import Counter

    c = Counter(n for s, _ in rows for n in s.maps)
    return sorted(n for n, k in c.items() if k >= 0.5 * len(rows) and n != "prnu")


def matrix(rows, detectors, feature_names=None):
    from forgelens.fusion.detection import features

    feats = [features(s, detectors) for s, _ in rows]
    names = feature_names or sorted(feats[0])
    X = np.array([[f.get(n, 0.0) for n in names] for f in feats], np.float64)
    y = np.array([1 if m["label"] == "manipulated" else 0 for _, m in rows])
    return X, y, names


def fit(C: float = 0.05, out: Path | None = None) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from forgelens.fusion.calibration import apply_platt, fit_platt, threshold_at_fpr
    from forgelens.fusion.detection import DETECTION_PATH, DetectionModel

    train = [r for n in TRAIN_SETS for r in load_cache(n) if r[1]["label"] in ("authentic", "manipulated")]
    val = [r for n in VAL_SETS for r in load_cache(n) if r[1]["label"] in ("authentic", "manipulated")]
    detectors = detectors_of(train)
    X, y, names = matrix(train, detectors)
    Xv, yv, _ = matrix(val, detectors, names)
    mean, scale = X.mean(0), X.std(0)
    scale[scale < 1e-6] = 1.0
    lr = LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit((X - mean) / scale, y)
    raw_v = ((Xv - mean) / scale) @ lr.coef_[0] + lr.intercept_[0]
    w = np.where(yv == 1, 0.5 / yv.mean(), 0.5 / (1 - yv.mean()))
    platt = fit_platt(raw_v, yv, sample_weight=w)
    lr_bounds = [1.0 / max(1, int((yv == 1).sum())), float(max(1, int((yv == 0).sum())))]
    # the probabilities the shipped model gives: Platt, kept inside the supported LR range (prior 0.5)
    pv = np.clip(apply_platt(platt, raw_v), lr_bounds[0] / (1 + lr_bounds[0]), lr_bounds[1] / (1 + lr_bounds[1]))
    neg = pv[yv == 0]
    # rounded down: a threshold rounded above the largest probability would call nothing manipulated
    thresholds = {"manipulated_at": float(np.floor(max(0.5, threshold_at_fpr(neg, TARGET_FPR)) * 1e6) / 1e6),
                  "authentic_below": round(min(0.5, threshold_at_fpr(neg, INCONCLUSIVE_FPR)), 6)}
    auc_train = roc_auc_score(y, lr.decision_function((X - mean) / scale))
    auc_val = roc_auc_score(yv, raw_v)
    counts = {"train": {"authentic": int((y == 0).sum()), "manipulated": int((y == 1).sum())},
              "val": {"authentic": int((yv == 0).sum()), "manipulated": int((yv == 1).sum())}}
    model = DetectionModel(
        detectors=detectors, features=names, mean=mean.tolist(), scale=scale.tolist(),
        coef=lr.coef_[0].tolist(), intercept=float(lr.intercept_[0]), platt=platt, thresholds=thresholds,
        prior=0.5, lr_bounds=lr_bounds,
        fitted={"script": "benchmarks/fit_detection.py", "C": C, "class_weight": "balanced",
                "train_sets": list(TRAIN_SETS), "validation_sets": list(VAL_SETS), "counts": counts,
                "auc_train": round(float(auc_train), 4), "auc_validation": round(float(auc_val), 4),
                "validation_fpr_at_manipulated_at": round(float((neg >= thresholds["manipulated_at"]).mean()), 4),
                "validation_tpr_at_manipulated_at":
                    round(float((pv[yv == 1] >= thresholds["manipulated_at"]).mean()), 4),
                "calibration": "Platt scaling on the validation sets, classes re-weighted to 50/50",
                "thresholds": f"manipulated_at: <= {TARGET_FPR:.0%} of validation authentic images at or above "
                              f"(floored at 0.5); authentic_below: <= {INCONCLUSIVE_FPR:.0%} at or above "
                              "(capped at 0.5)"})
    model.save(out or DETECTION_PATH)
    print(json.dumps(model.fitted, indent=1))
    top = sorted(zip(names, lr.coef_[0], strict=True), key=lambda p: -abs(p[1]))[:15]
    for n, c in top:
        print(f"  {c:+.3f}  {n}")


def guard(folder: Path) -> None:
    out = subprocess.run([sys.executable, str(ROOT / ".." / "shared" / "tools" / "heldout_guard.py"), str(folder)],
                         capture_output=True, text=True)
    print(out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr.strip())
    if out.returncode != 0 or " 0 near-copies" not in out.stdout:
        raise SystemExit(f"heldout_guard flagged {folder}: drop the flagged files first")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("data")
    e = sub.add_parser("extract")
    e.add_argument("name")
    e.add_argument("folder", type=Path)
    e.add_argument("--limit", type=int, default=0)
    e.add_argument("--label", default=None)
    e.add_argument("--reverse", action="store_true")
    e.add_argument("--match", default="")
    e.add_argument("--max-bytes", type=int, default=0)
    f = sub.add_parser("fit")
    f.add_argument("--C", type=float, default=0.05)
    f.add_argument("--out", type=Path, default=None, help="write the model here instead of the shipped path")
    sub.add_parser("all")
    args = ap.parse_args()
    if args.cmd in ("data", "all"):
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "detection_data.py"), str(GEN)], check=True)
    if args.cmd == "extract":
        extract(args.name, args.folder, args.limit, args.label, args.reverse, args.match, args.max_bytes)
    if args.cmd == "all":
        for name, folder in {**TRAIN_SETS, **VAL_SETS}.items():
            guard(folder)
            extract(name, folder, NIST16_LIMIT if name == "nist16" else 0)
    if args.cmd in ("fit", "all"):
        fit(getattr(args, "C", 0.05), getattr(args, "out", None))


if __name__ == "__main__":
    main()
