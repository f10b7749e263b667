"""Fit the image-level detection model (``src/forgelens/fusion/detection.json``) — one command.

    forgelens train detection            # = python benchmarks/fit/fit_detection.py all

Steps (each resumable, each callable alone: ``python -m forgelens.training.detection STEP``):

1. ``data``: ``forgelens.training.detection_data`` makes the train / validation synth sets and
   hard negatives from a camera-disjoint host split under ``benchmarks/data/detection``.
2. ``extract NAME FOLDER``: the default analysis once per image; the maps shrunk to the pooling
   grid, the scores and findings are cached as one ``.npz`` per image under
   ``benchmarks/out/detection-cache/NAME`` (the fit and the benchmarks read only the cache).
3. ``fit``: gradient-boosted trees (scikit-learn ``HistGradientBoostingClassifier``, exported to
   JSON by ``fusion.trees``; ``--model logistic`` for the standardised logistic regression) on
   the training sets (synth-train, synth-train2, synth-train-auth, hard-train, nist16 / casia2
   forgeries; the synth "local" filter edits left out). Every training image is scored out of
   fold (5 folds grouped by host photo), and those honest scores choose the settings, fit the
   Platt scaling and set the thresholds: ``manipulated_at`` calls ≤ 3 % of the training
   authentic camera photos (the synth sets' authentic images) manipulated — and ≤ 3 % of the
   full-size camera originals of ``camera-train`` when that set is fitted (the larger of the two
   3 % points, ``training.calibration.per_source_threshold``) —, ``authentic_below``
   calls ≤ 20 % of the synth authentic images not-authentic (between the two: inconclusive); the hard negatives are
   trained on but do not set the operating point (their false alarms are measured on hard-val). The validation sets (camera-disjoint synth-val, hard-val)
   are only measured; casia1, toolkit, cameras and pristine-extra are never read here
   (evaluation only: ``benchmarks/accuracy/verdict_accuracy.py``).

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

#: The repository root (the recipe runs from a checkout: data and caches live beside the code).
ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / ".." / "shared" / "datasets"
CACHE = ROOT / "benchmarks" / "out" / "detection-cache"
GEN = ROOT / "benchmarks" / "data" / "detection"

#: name → (folder, row filter). Training and validation sets for the fit.
TRAIN_SETS = {"synth-train": GEN / "synth-train", "synth-train2": GEN / "synth-train2",
              "synth-train-auth": GEN / "synth-train-auth", "hard-train": GEN / "hard-train",
              "nist16": DATA / "nist16", "casia2": DATA / "casia2-samples",
              "camera-train": GEN / "camera-originals" / "train"}
#: Training sets made from public repositories' mirrors (``forgelens.training.camera_originals``), not by
#: ``data``: extracted by ``all`` only when their folder exists; fitted on when their cache exists.
MIRROR_SETS = ("camera-train",)
#: Training sets fitted only when ``fit --with NAME`` asks (the default recipe stays as it is): the camera-train
#: originals' hosts re-saved through the synth set's saving at native size (``forgelens synth --kinds authentic
#: --post none,jpeg --max-pixels 30000000``; issue 14, sessions 8–9).
#: ``web-train-auth``: small authentic web photos of the generation set's training split, at most 20 per
#: repository (``benchmarks/fit/detection_web_data.py``; issue 14, session 12), grouped by repository in the folds
#: and, like the hard negatives, trained on without setting the operating point.
OPTIONAL_SETS = {"fullsize-train-auth": GEN / "camera-originals" / "fullsize-train-auth",
                 "web-train-auth": GEN / "web-train-auth"}
#: Optional sets whose rows are grouped by the repository they came from (``source`` ``web:<owner/name>``).
WEB_SETS = ("web-train-auth",)
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


def _row_meta(row: dict) -> dict:
    return {"image": row["image"], "label": row["label"], "mask": row.get("mask", ""),
            "source": row.get("source", ""), "kind": row.get("kind", ""), "post": row.get("post", "")}


def write_cache_row(rep, row: dict, path: Path) -> None:
    """Write one cache file: the map summary of the analysis ``rep`` of ``row``'s image, its traces' scores
    and findings and the verdict at extraction (what the detection fit and the verdict benchmarks read)."""
    from forgelens.fusion.detection import summarise

    ev = rep.evidence
    meta = _row_meta(row)
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


def extract_one(folder: Path, row: dict, out: Path) -> None:
    """Analyse one image and cache what the detection model and the verdict benchmark need."""
    from forgelens.errors import ForgeLensError
    from forgelens.pipeline import analyze

    path = out / f"{_key(row['image'])}.npz"
    if path.exists():
        return
    try:
        rep = analyze(str(folder / row["image"]))
    except ForgeLensError as exc:
        meta = _row_meta(row)
        meta["error"] = str(exc)
        np.savez_compressed(path, meta=np.array(json.dumps(meta)))
        return
    write_cache_row(rep, row, path)


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
            out.append((s, {**meta, "_set": name}))
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


C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3)
#: Gradient-boosting settings tried (grouped CV on training only); the rest is fixed: a slow
#: learning rate, leaves of ≥ 20 images, L2 1, classes balanced, no early stopping (deterministic).
TREE_GRID = ({"max_iter": 150, "max_leaf_nodes": 8}, {"max_iter": 300, "max_leaf_nodes": 8},
             {"max_iter": 150, "max_leaf_nodes": 16}, {"max_iter": 300, "max_leaf_nodes": 4})
TREE_FIXED = {"learning_rate": 0.05, "min_samples_leaf": 20, "l2_regularization": 1.0,
              "class_weight": "balanced", "early_stopping": False, "random_state": 0}
#: Synth kinds left out of training: the "local" filter edits (blur / sharpen of a region) that
#: no detector sees (AUC ≈ 0.49 in the i14d note) are label noise for the model.
DROP_KINDS = ("local",)
FOLDS = 5


def _host(meta: dict, cameras: dict[str, str] | None = None) -> str:
    """The photo an image was made from (synth rows and hard negatives name it in ``source``), for
    grouped folds; a web photo (``source`` ``web:<repository>``) is grouped with its repository; a public-set image (nist16, casia2: ``source`` names a split) is its own group. A
    picture made from a camera original (``cameras``: original's image → ``camera:<model>``) is grouped
    with its camera, as the original is."""
    src = meta.get("source", "")
    if src.startswith(("synth:", "smoothed:", "screenshot:", "repeated:")):
        host = src.split(":", 1)[-1]
        return (cameras or {}).get(host, host)
    if src.startswith("camera:"):  # full-size camera originals: grouped by camera model
        return src
    if src.startswith("web:"):  # web photos (web-train-auth): grouped by the repository they were fetched from
        return src
    return meta["image"]


def _learner(kind: str, hyper: dict):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "trees":
        return HistGradientBoostingClassifier(**TREE_FIXED, **hyper)
    return make_pipeline(StandardScaler(), LogisticRegression(C=hyper["C"], class_weight="balanced", max_iter=5000))


def out_of_fold(kind: str, hyper: dict, X: np.ndarray, y: np.ndarray, groups: list[str]) -> np.ndarray:
    """Raw scores (log-odds) of every training row from a model fitted without its host photo
    (GroupKFold): honest scores of the training data, used to choose settings, calibrate and set
    the thresholds."""
    from sklearn.model_selection import GroupKFold

    raw = np.zeros(len(y))
    for tr, te in GroupKFold(FOLDS).split(X, y, groups):
        raw[te] = _learner(kind, hyper).fit(X[tr], y[tr]).decision_function(X[te])
    return raw


def _to_model(kind: str, fitted, detectors, names, platt, thresholds, lr_bounds, info):
    from forgelens.fusion.detection import DetectionModel
    from forgelens.fusion.trees import export

    if kind == "trees":
        return DetectionModel(detectors=detectors, features=names, platt=platt, thresholds=thresholds,
                              trees=export(fitted), prior=0.5, lr_bounds=lr_bounds, fitted=info)
    scaler, lr = fitted[0], fitted[-1]
    return DetectionModel(detectors=detectors, features=names, platt=platt, thresholds=thresholds,
                          mean=scaler.mean_.tolist(), scale=scaler.scale_.tolist(), coef=lr.coef_[0].tolist(),
                          intercept=float(lr.intercept_[0]), prior=0.5, lr_bounds=lr_bounds, fitted=info)


def fit(kind: str = "trees", out: Path | None = None, drop_kinds=DROP_KINDS, without=(), with_sets=(),
        size_class_authentic: bool = False) -> None:
    """Fit, calibrate and set the thresholds on the training data's out-of-fold scores.

    ``with_sets``: ``OPTIONAL_SETS`` fitted as well (their authentic rows join the full-size source of
    the ``manipulated_at`` rule). ``size_class_authentic``: also write ``large_authentic_below`` (the
    20 % point, capped at 0.5, of the out-of-fold P of the full-size authentic training pictures above
    ``LARGE_ABOVE_PIXELS``; ``DetectionModel.thresholds_for``).

    The validation sets (synth-val, hard-val) are only *measured* here (printed and recorded),
    never used to choose, calibrate or threshold anything: they stay an evaluation set."""
    from sklearn.metrics import roc_auc_score

    from forgelens.fusion.calibration import apply_platt, fit_platt, threshold_at_fpr
    from forgelens.fusion.detection import DETECTION_PATH, shape_of
    from forgelens.training.calibration import per_source_threshold

    unknown = [n for n in with_sets if n not in OPTIONAL_SETS]
    if unknown:
        raise SystemExit(f"--with: unknown set(s) {unknown}; optional sets: {', '.join(OPTIONAL_SETS)}")
    sets = [n for n in TRAIN_SETS if n not in without] + [n for n in OPTIONAL_SETS if n in with_sets]
    train = [r for n in sets for r in load_cache(n)
             if r[1]["label"] in ("authentic", "manipulated") and r[1].get("kind") not in drop_kinds]
    val = [r for n in VAL_SETS for r in load_cache(n) if r[1]["label"] in ("authentic", "manipulated")]
    detectors = detectors_of(train)
    X, y, names = matrix(train, detectors)
    cameras = {m["image"]: m["source"] for _, m in train if str(m.get("source", "")).startswith("camera:")}
    groups = [_host(m, cameras) for _, m in train]
    grid = TREE_GRID if kind == "trees" else tuple({"C": c} for c in C_GRID)
    cv = {}
    for hyper in grid:
        cv[json.dumps(hyper)] = round(float(roc_auc_score(y, out_of_fold(kind, hyper, X, y, groups))), 4)
        print(f"  grouped {FOLDS}-fold AUC {cv[json.dumps(hyper)]:.4f}  {hyper}", flush=True)
    best = json.loads(max(cv, key=cv.get))
    oof = out_of_fold(kind, best, X, y, groups)
    # Platt on the out-of-fold scores, classes re-weighted to 50/50 (the prior the model states)
    w = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    platt = fit_platt(oof, y, sample_weight=w)
    n_auth, n_manip = int((y == 0).sum()), int((y == 1).sum())
    lr_bounds = [1.0 / max(1, n_manip), float(max(1, n_auth))]
    p_oof = np.clip(apply_platt(platt, oof), lr_bounds[0] / (1 + lr_bounds[0]), lr_bounds[1] / (1 + lr_bounds[1]))
    # the operating point is for camera photos (the goal: <= 3 % of authentic camera photos
    # called manipulated): thresholds on the authentic synth rows (camera originals through the
    # synth chains); the deliberately hard negatives (screenshots, repeated signs, denoised) are
    # trained on, and their false alarms measured on hard-val, but do not set the threshold
    camera = np.array([m.get("_set", "").startswith("synth-") for _, m in train])
    originals = np.array([m.get("_set", "") in LARGE_SETS for _, m in train])
    web = np.array([m.get("_set", "") in WEB_SETS for _, m in train])
    neg = p_oof[(y == 0) & camera]
    # exact floats: rounding could move a threshold across a calibration image. With full-size camera
    # originals in training, manipulated_at is the larger of the two sources' 3 % points.
    source = np.where(originals, "camera-originals", "synth")
    sel = (y == 0) & (camera | originals)
    thresholds = {"manipulated_at": max(0.5, per_source_threshold(p_oof[sel], source[sel], TARGET_FPR)),
                  "authentic_below": min(0.5, threshold_at_fpr(neg, INCONCLUSIVE_FPR))}
    large = originals & (y == 0) & np.array([np.prod(shape_of(m)) > LARGE_ABOVE_PIXELS for _, m in train])
    if size_class_authentic:
        if not large.any():
            raise SystemExit("--size-class-authentic: no full-size authentic training picture in the fit")
        thresholds.update(large_above_pixels=LARGE_ABOVE_PIXELS, large_authentic_below=large_authentic_below(p_oof[large]))
    final = _learner(kind, best).fit(X, y)
    Xv, yv, _ = matrix(val, detectors, names)
    auc_val = roc_auc_score(yv, final.decision_function(Xv)) if len(set(yv.tolist())) == 2 else None
    per_set = {n: sum(1 for r in train if r[1].get("_set") == n) for n in sets}
    info = {"script": "benchmarks/fit/fit_detection.py", "model": kind, "settings": best,
            "fixed": TREE_FIXED if kind == "trees" else {"class_weight": "balanced"},
            "grouped_cv_auc": cv, "train_sets": per_set, "dropped_kinds": list(drop_kinds),
            "counts": {"authentic": n_auth, "manipulated": n_manip},
            "auc_out_of_fold": round(float(roc_auc_score(y, oof)), 4),
            "calibration": ("Platt scaling on the out-of-fold scores of the training data (folds grouped by "
                            "host photo), classes re-weighted to 50/50"),
            "thresholds": (f"manipulated_at: <= {TARGET_FPR:.0%} of the {neg.size} authentic camera photos of the "
                           "training synth sets (out-of-fold) at or above"
                           + (f", and <= {TARGET_FPR:.0%} of the {int(((y == 0) & originals).sum())} full-size camera pictures "
                              "(originals, and their re-saved copies when fitted; out-of-fold, folds grouped by camera model): the larger of the two"
                              if originals.any() else "")
                           + f", floored at 0.5; authentic_below: <= {INCONCLUSIVE_FPR:.0%} of the synth ones at or "
                           "above, capped at 0.5"),
            "out_of_fold_fpr_at_manipulated_at": round(float((neg >= thresholds["manipulated_at"]).mean()), 4),
            "out_of_fold_fpr_hard_negatives_at_manipulated_at":
                round(float((p_oof[(y == 0) & ~camera & ~originals & ~web] >= thresholds["manipulated_at"]).mean()), 4)
                if ((y == 0) & ~camera & ~originals & ~web).any() else None,
            **({"out_of_fold_fpr_web_at_manipulated_at":
                round(float((p_oof[(y == 0) & web] >= thresholds["manipulated_at"]).mean()), 4),
                "out_of_fold_web_not_authentic": round(float((p_oof[(y == 0) & web] >= thresholds["authentic_below"]).mean()), 4)}
               if ((y == 0) & web).any() else {}),
            **({"out_of_fold_fpr_camera_originals_at_manipulated_at":
                round(float((p_oof[(y == 0) & originals] >= thresholds["manipulated_at"]).mean()), 4)}
               if ((y == 0) & originals).any() else {}),
            **({"size_class_authentic_below": (
                f"large_authentic_below: the {INCONCLUSIVE_FPR:.0%} point of the out-of-fold P of the {int(large.sum())} "
                f"full-size authentic training pictures above {LARGE_ABOVE_PIXELS} pixels, capped at 0.5 "
                "(conditional calibration by size class, Vovk et al. 2005, ch. 4)")} if size_class_authentic else {}),
            **({"out_of_fold_p_full_size_authentic": {
                "n": int(large.sum()), "median": round(float(np.median(p_oof[large])), 4),
                "max": round(float(p_oof[large].max()), 4),
                "below_authentic_below": int((p_oof[large] < thresholds["authentic_below"]).sum())}}
               if large.any() else {}),
            "out_of_fold_tpr_at_manipulated_at":
                round(float((p_oof[y == 1] >= thresholds["manipulated_at"]).mean()), 4),
            "evaluation_only_validation": {"sets": {n: len(load_cache(n)) for n in VAL_SETS},
                                           "auc_raw": None if auc_val is None else round(float(auc_val), 4)}}
    model = _to_model(kind, final, detectors, names, platt, thresholds, lr_bounds, info)
    model.save(out or DETECTION_PATH)
    print(json.dumps({k: v for k, v in info.items() if k != "grouped_cv_auc"}, indent=1))


def guard(folder: Path) -> None:
    out = subprocess.run([sys.executable, str(ROOT / ".." / "shared" / "tools" / "heldout_guard.py"), str(folder)],
                         capture_output=True, text=True)
    print(out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr.strip())
    if out.returncode != 0 or " 0 near-copies" not in out.stdout:
        raise SystemExit(f"heldout_guard flagged {folder}: drop the flagged files first")


#: Full-size authentic *training* pictures that set the size-class threshold (``large_threshold``): the
#: camera-train originals and the same hosts re-saved through the synth set's saving
#: (``forgelens synth --kinds authentic --post none,jpeg --max-pixels 30000000``). Never the val cameras.
LARGE_SETS = ("camera-train", "fullsize-train-auth")
#: Pictures of more pixels than this form the "large" size class.
LARGE_ABOVE_PIXELS = 2_000_000


def large_authentic_below(p_authentic) -> float:
    """The size class's ``authentic_below``, computed as the fit computes the shipped one from its authentic
    rows: the point calling ≤ ``INCONCLUSIVE_FPR`` (20 %) of them not-authentic
    (``fusion.calibration.threshold_at_fpr``), capped at 0.5."""
    from forgelens.fusion.calibration import threshold_at_fpr

    return min(0.5, threshold_at_fpr(np.asarray(p_authentic, float), INCONCLUSIVE_FPR))


#: What ``large_threshold`` may set for the size class: S = ``manipulated_at`` (session 8), A = ``authentic_below``.
LARGE_KEYS = ("manipulated_at", "authentic_below")


def large_threshold(model_path: Path, out: Path | None = None, sets: tuple[str, ...] = LARGE_SETS,
                    above: int = LARGE_ABOVE_PIXELS, keys: tuple[str, ...] = ("manipulated_at",)) -> dict:
    """Add size-class thresholds to a fitted detection model (conditional — Mondrian — calibration,
    Vovk et al. 2005, ch. 4), from the model's P(manipulated) over the full-size authentic training
    pictures of ``sets`` above ``above`` pixels: ``large_manipulated_at`` = their 3 % point (within
    [0.5, 0.999]; candidate S) and / or ``large_authentic_below`` = their 20 % point capped at 0.5
    (``large_authentic_below``; candidate A), as ``keys`` says. Pictures of that size class are judged at
    them (``DetectionModel.thresholds_for``). The model itself is not refitted. Returns what was written
    to the file's provenance."""
    import dataclasses

    from forgelens.fusion.detection import DetectionModel, MapSummary, features
    from forgelens.training.calibration import threshold_at_fpr

    if not keys or any(k not in LARGE_KEYS for k in keys):
        raise SystemExit(f"size-class thresholds: one or more of {', '.join(LARGE_KEYS)}")
    model = DetectionModel.load(model_path)
    if model is None:
        raise SystemExit(f"{model_path}: no detection model")
    p, counts = [], {}
    for name in sets:
        files = sorted((CACHE / name).glob("*.npz"))
        if not files:
            raise SystemExit(f"{CACHE / name}: no cached analyses (fit_detection.py extract {name} FOLDER)")
        for f in files:
            s, meta = MapSummary.from_npz(f)
            if "error" in meta or meta.get("label") != "authentic" or meta["shape"][0] * meta["shape"][1] <= above:
                continue
            p.append(model.probability(features(s, model.detectors)))
            counts[name] = counts.get(name, 0) + 1
    p = np.asarray(p)
    pictures = (f"the {p.size} full-size authentic training pictures above {above} pixels "
                f"({', '.join(f'{k} {v}' for k, v in counts.items())})")
    info: dict = {"above_pixels": above, "authentic_pictures": counts, "p_median": float(np.median(p)),
                  "p_max": float(p.max())}
    rules, new_thresholds = [], {"large_above_pixels": above}
    if "manipulated_at" in keys:
        thr = threshold_at_fpr(p, TARGET_FPR)
        info.update(manipulated_at=thr, called_at_threshold=int((p >= thr).sum()))
        new_thresholds["large_manipulated_at"] = thr
        rules.append(f"manipulated_at: the {TARGET_FPR:.0%} point of P(manipulated) over {pictures}, within [0.5, 0.999]")
    if "authentic_below" in keys:
        low = large_authentic_below(p)
        info.update(authentic_below=low, authentic_at_threshold=int((p < low).sum()))
        new_thresholds["large_authentic_below"] = low
        rules.append(f"authentic_below: the {INCONCLUSIVE_FPR:.0%} point of P(manipulated) over {pictures}, "
                     "capped at 0.5")
    info["rule"] = "; ".join(rules) + " (conditional calibration by size class, Vovk et al. 2005, ch. 4)"
    thresholds = {**model.thresholds, **new_thresholds}
    new = dataclasses.replace(model, thresholds=thresholds, fitted={**model.fitted, "large_pictures": info})
    new.save(out or model_path)
    print(json.dumps(info, indent=1))
    return info


def register(app) -> None:
    """Add ``forgelens train detection`` to the CLI (the ``train`` group, shared if one exists)."""
    import typer

    from forgelens.cli_groups import command_group

    train_app = command_group(app, "train", "Train forgelens' learned components.")

    @train_app.command("detection")
    def detection_cmd(
        step: str = typer.Argument("all", help="all (data + extraction + fit), data, or fit (reads the cache only)."),
        model: str = typer.Option("trees", "--model", help="trees (gradient boosting) or logistic."),
        out: Path = typer.Option(None, "--out", "-o", help="Write the model here instead of fusion/detection.json."),
    ) -> None:
        """Fit the image-level detection model (fusion/detection.json) from map statistics."""
        if step not in ("all", "data", "fit") or model not in ("trees", "logistic"):
            raise typer.BadParameter("step: all, data or fit; --model: trees or logistic")
        args = [step] + (["--model", model] + (["--out", str(out)] if out else []) if step == "fit" else [])
        main(args)


def main(argv: list[str] | None = None) -> None:
    global CACHE
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=None,
                    help=f"folder of the per-picture caches, one sub-folder per set (default {CACHE})")
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
    f.add_argument("--model", choices=("trees", "logistic"), default="trees")
    f.add_argument("--out", type=Path, default=None, help="write the model here instead of the shipped path")
    f.add_argument("--drop-kind", action="append", default=None,
                   help=f"synth kind left out of training (repeatable; default {', '.join(DROP_KINDS)}; 'none')")
    f.add_argument("--without", action="append", default=[], help="training set left out (repeatable)")
    f.add_argument("--with", dest="with_sets", action="append", default=[], choices=tuple(OPTIONAL_SETS),
                   help="optional training set fitted as well (repeatable)")
    f.add_argument("--size-class-authentic", action="store_true",
                   help="also write large_authentic_below from the full-size authentic training pictures")
    lt = sub.add_parser("large-threshold", help="add the size-class threshold to a fitted model (large_threshold)")
    lt.add_argument("--model-file", type=Path, required=True, help="the fitted detection model to read")
    lt.add_argument("--out", type=Path, default=None, help="write here instead of over --model-file")
    lt.add_argument("--set", dest="large_keys", action="append", choices=LARGE_KEYS, default=None,
                    help="which size-class threshold to fit (repeatable; default manipulated_at)")
    sub.add_parser("all")
    args = ap.parse_args(argv)
    if args.cache is not None:
        CACHE = args.cache
    if args.cmd in ("data", "all"):
        from forgelens.training.detection_data import make_all

        make_all(GEN)
    if args.cmd == "extract":
        extract(args.name, args.folder, args.limit, args.label, args.reverse, args.match, args.max_bytes)
    if args.cmd == "all":
        for name, folder in {**TRAIN_SETS, **VAL_SETS}.items():
            if name in MIRROR_SETS and not folder.exists():
                print(f"{name}: {folder} absent (python -m forgelens.training.camera_originals DIR); not fitted")
                continue
            guard(folder)
            extract(name, folder, NIST16_LIMIT if name == "nist16" else 0)
    if args.cmd == "large-threshold":
        large_threshold(args.model_file, args.out, keys=tuple(args.large_keys or ("manipulated_at",)))
    if args.cmd in ("fit", "all"):
        drop = tuple(k for k in (getattr(args, "drop_kind", None) or DROP_KINDS) if k != "none")
        fit(getattr(args, "model", "trees"), getattr(args, "out", None), drop, tuple(getattr(args, "without", ())),
            tuple(getattr(args, "with_sets", ())), getattr(args, "size_class_authentic", False))


if __name__ == "__main__":
    main()
