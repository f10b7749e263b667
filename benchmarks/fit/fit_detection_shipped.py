"""Refit the image-level detection model by the SHIPPED model's own recipe (issue 14, session 14, helper s14det).

The shipped ``fusion/detection.json`` was fitted by session i14d's ``benchmarks/fit_detection.py fit`` (commit
7f1bf30; its ``provenance`` records it). Today's ``forgelens.training.detection.fit`` is a later recipe (out-of-fold
Platt, thresholds on the training synth rows, ``local`` kinds dropped), so it does not reproduce the shipped model.
This script is 7f1bf30's ``fit`` on today's cache format, step for step:

- training rows: ``synth-train`` + ``hard-train`` (labels authentic / manipulated; every kind, ``local`` included;
  nist16 / casia2 were in the recipe but had 0 rows). The shipped model saw 169 of the 200 synth-train rows: the
  extraction ran with ``--reverse`` and stopped at the time limit, i.e. the LAST 169 rows of ``index.csv``
  (84 authentic / 85 manipulated = the recorded 132 / 85 with the 48 hard negatives). ``--synth-train-rows last169``
  (default) keeps exactly those; ``all`` takes every cached row (information);
- features: ``detectors_of`` (maps on ≥ half the training rows, prnu out) and ``matrix`` (``fusion.detection.features``);
  standardised by the training mean / standard deviation (deviations < 1e-6 set to 1);
- C from (0.003, 0.01, 0.03, 0.1, 0.3) by 5-fold ``GroupKFold`` AUC grouped by host photo (``source`` after the colon);
  ``LogisticRegression(C, class_weight="balanced", max_iter=5000)`` on all training rows;
- calibration: Platt on the validation sets' raw scores (``synth-val`` 100 + ``hard-val`` 24), classes re-weighted to
  50/50; LR bounds [1 / n manipulated, n authentic] of validation; P clipped to them;
- thresholds: ``manipulated_at`` = lowest t with ≤ 3 % of validation authentic at or above (floored at 0.5),
  ``authentic_below`` the same at 20 % (capped at 0.5).

    python benchmarks/fit/fit_detection_shipped.py --cache CACHE_ROOT --synth-train-index DATA/synth-train/index.csv \\
        --out model.json

``CACHE_ROOT`` holds one folder of ``.npz`` analyses per set (``forgelens.training.detection.extract_one``).

Session 16 (issue 14, candidate WF, helper s16wf): ``--with-authentic SET=CACHE_DIR`` (repeatable) adds every cached
analysis of ``CACHE_DIR`` (one set of real photos, e.g. issue 18's fresh sets; each must be labelled authentic) to the
TRAINING rows as authentic, nothing else changed (Platt and thresholds stay on synth-val + hard-val); its pictures are
grouped in the C-selection folds by the repository they came from (``source`` ``web:<owner/name>``, as s12det grouped
its web rows), read from ``--repo-index SET=INDEX_CSV`` (the set's ``index.csv``, columns ``image`` and ``repo``).
With no ``--with-authentic`` the script is the recipe above, unchanged::

    python benchmarks/fit/fit_detection_shipped.py --cache CACHE_ROOT --synth-train-index ... --out WF.json \\
        --with-authentic fresh-conf=CACHE/fresh-conf --repo-index fresh-conf=DATA/fresh-conf/index.csv ...

Session 17 (issue 14, candidate LH, helper s17lh): ``--head-logits FILE`` (``localizer_head.py head``'s
``H-logits.json``: set → {picture: logit of the localizer head H}) adds ONE feature to every training and validation
row, H's logit, as the fact ``learned_localizer.head_logit`` (``fusion.detection.features`` reads facts); a row without
a logit in FILE stops the fit (one error naming the set and picture). Nothing else changes; without the option the
script is the recipe above, unchanged::

    python benchmarks/fit/fit_detection_shipped.py --cache CACHE_ROOT --synth-train-index ... --out LH.json \
        --head-logits H/H-logits.json
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

TRAIN_SETS = ("synth-train", "hard-train")
VAL_SETS = ("synth-val", "hard-val")
C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3)
TARGET_FPR = 0.03
INCONCLUSIVE_FPR = 0.20
SHIPPED_SYNTH_ROWS = 169


def load(cache: Path, name: str) -> list[tuple[object, dict]]:
    """[(MapSummary, meta)] of a set's cached analyses (errors left out), labels authentic / manipulated only."""
    from forgelens.fusion.detection import MapSummary

    if not (cache / name).is_dir():
        raise SystemExit(f"{cache / name}: no cached analyses of {name}")
    out = []
    for p in sorted((cache / name).glob("*.npz")):
        s, meta = MapSummary.from_npz(p)
        if "error" not in meta and meta["label"] in ("authentic", "manipulated"):
            out.append((s, {**meta, "_set": name}))
    return out


def load_authentic(name: str, folder: Path, index: Path) -> list[tuple[object, dict]]:
    """[(MapSummary, meta)] of every analysis in ``folder`` (one set of real photos) as authentic training rows of set
    ``name``, ``source`` = ``web:<repository>`` from ``index`` (``image``, ``repo``). An analysis with an error, a label
    other than authentic or a picture missing from the index stops the fit (one error naming the file)."""
    from forgelens.fusion.detection import MapSummary

    if not folder.is_dir():
        raise SystemExit(f"{folder}: no cached analyses of {name}")
    repos = {r["image"]: r.get("repo", "") for r in csv.DictReader(open(index))}
    out = []
    for p in sorted(folder.glob("*.npz")):
        s, meta = MapSummary.from_npz(p)
        if "error" in meta:
            raise SystemExit(f"{p}: {name}'s analysis failed ({meta['error']}); not a training row")
        if meta["label"] != "authentic":
            raise SystemExit(f"{p}: {name}'s picture {meta['image']} is labelled {meta['label']!r}, not authentic")
        if not repos.get(meta["image"]):
            raise SystemExit(f"{p}: {meta['image']} has no repository in {index}")
        out.append((s, {**meta, "source": f"web:{repos[meta['image']]}", "_set": name}))
    if not out:
        raise SystemExit(f"{folder}: no cached analyses of {name}")
    return out


def shipped_rows(index: Path, n: int = SHIPPED_SYNTH_ROWS) -> set[str]:
    """The synth-train images the shipped model was fitted on: the last ``n`` rows of ``index.csv``."""
    rows = list(csv.DictReader(open(index)))
    return {r["image"] for r in rows[-n:]}


def host(meta: dict) -> str:
    """7f1bf30's ``_host``: the photo an image was made from (``source`` after the colon). Session 16: a web photo
    (``source`` ``web:<repository>``, ``--with-authentic``) is grouped with its repository: the whole source."""
    src = meta.get("source", "")
    if src.startswith("web:"):
        return src
    return src.split(":", 1)[-1] if src else meta["image"]


def choose_c(z: np.ndarray, y: np.ndarray, groups: list[str]) -> tuple[float, dict]:
    """The C with the best 5-fold AUC on the training rows, folds grouped by host photo."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    res = {}
    for c in C_GRID:
        s = np.zeros(len(y))
        for tr, te in GroupKFold(5).split(z, y, groups):
            s[te] = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(z[tr], y[tr]).decision_function(z[te])
        res[c] = round(float(roc_auc_score(y, s)), 4)
    return max(res, key=res.get), res


def fit(train: list, val: list, note: dict | None = None):
    """The shipped recipe on ``train`` / ``val`` rows → (DetectionModel, info)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from forgelens.fusion.calibration import apply_platt, fit_platt, threshold_at_fpr
    from forgelens.fusion.detection import DetectionModel
    from forgelens.training.detection import detectors_of, matrix

    detectors = detectors_of(train)
    X, y, names = matrix(train, detectors)
    Xv, yv, _ = matrix(val, detectors, names)
    mean, scale = X.mean(0), X.std(0)
    scale[scale < 1e-6] = 1.0
    z, zv = (X - mean) / scale, (Xv - mean) / scale
    c, cv = choose_c(z, y, [host(m) for _, m in train])
    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(z, y)
    raw_v = zv @ lr.coef_[0] + lr.intercept_[0]
    w = np.where(yv == 1, 0.5 / yv.mean(), 0.5 / (1 - yv.mean()))
    platt = fit_platt(raw_v, yv, sample_weight=w)
    lr_bounds = [1.0 / max(1, int((yv == 1).sum())), float(max(1, int((yv == 0).sum())))]
    pv = np.clip(apply_platt(platt, raw_v), lr_bounds[0] / (1 + lr_bounds[0]), lr_bounds[1] / (1 + lr_bounds[1]))
    neg = pv[yv == 0]
    thresholds = {"manipulated_at": max(0.5, threshold_at_fpr(neg, TARGET_FPR)),
                  "authentic_below": min(0.5, threshold_at_fpr(neg, INCONCLUSIVE_FPR))}
    extra = sorted({m["_set"] for _, m in train} - set(TRAIN_SETS))  # session 16: --with-authentic sets
    count = {s: sum(1 for _, m in train if m["_set"] == s) for s in TRAIN_SETS + tuple(extra)}
    info = {
        "script": "benchmarks/fit/fit_detection_shipped.py (the shipped model's recipe: 7f1bf30 benchmarks/fit_detection.py fit)",
        "C": c, "class_weight": "balanced", "C_grouped_cv_auc": {str(k): v for k, v in cv.items()},
        "train_sets": count, "validation_sets": {s: sum(1 for _, m in val if m["_set"] == s) for s in VAL_SETS},
        "counts": {"train": {"authentic": int((y == 0).sum()), "manipulated": int((y == 1).sum())},
                   "val": {"authentic": int((yv == 0).sum()), "manipulated": int((yv == 1).sum())}},
        "auc_train": round(float(roc_auc_score(y, lr.decision_function(z))), 4),
        "auc_validation": round(float(roc_auc_score(yv, raw_v)), 4),
        "validation_fpr_at_manipulated_at": round(float((neg >= thresholds["manipulated_at"]).mean()), 4),
        "validation_tpr_at_manipulated_at": round(float((pv[yv == 1] >= thresholds["manipulated_at"]).mean()), 4),
        "calibration": "Platt scaling on the validation sets, classes re-weighted to 50/50",
        "thresholds": f"manipulated_at: <= {TARGET_FPR:.0%} of validation authentic images at or above (floored at "
                      f"0.5); authentic_below: <= {INCONCLUSIVE_FPR:.0%} at or above (capped at 0.5)",
        **(note or {})}
    model = DetectionModel(detectors=detectors, features=names, mean=mean.tolist(), scale=scale.tolist(),
                           coef=lr.coef_[0].tolist(), intercept=float(lr.intercept_[0]), platt=platt,
                           thresholds=thresholds, prior=0.5, lr_bounds=lr_bounds, fitted=info)
    return model, info


HEAD_FACT = "learned_localizer.head_logit"


def add_head_logits(rows: list, table: dict[str, dict[str, float]], path: Path) -> None:
    """Session 17 (LH): each row's summary gets H's logit of its picture as the fact ``HEAD_FACT`` (in place)."""
    for s, meta in rows:
        value = table.get(meta["_set"], {}).get(meta["image"])
        if value is None:
            raise SystemExit(f"{path}: no head logit for {meta['_set']} picture {meta['image']}")
        s.facts[HEAD_FACT] = float(value)


def _pair(text: str, option: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise SystemExit(f"{option} {text!r}: expected SET=PATH")
    return name, value


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, required=True, help="folder with synth-train/, hard-train/, synth-val/, hard-val/")
    ap.add_argument("--synth-train-index", type=Path, default=None,
                    help="synth-train's index.csv (needed for --synth-train-rows last169)")
    ap.add_argument("--synth-train-rows", choices=("last169", "all"), default="last169")
    ap.add_argument("--out", type=Path, required=True, help="where to write the model (never the shipped path by default)")
    ap.add_argument("--note", default="", help="free text recorded in the provenance (which analyses)")
    ap.add_argument("--with-authentic", action="append", default=[], metavar="SET=CACHE_DIR",
                    help="session 16: every analysis of CACHE_DIR joins the training rows as authentic (repeatable)")
    ap.add_argument("--repo-index", action="append", default=[], metavar="SET=INDEX_CSV",
                    help="the index.csv (image, repo) of a --with-authentic set: its rows' CV groups")
    ap.add_argument("--head-logits", type=Path, default=None,
                    help="session 17: H-logits.json (localizer_head.py head); H's logit joins every row as one feature")
    a = ap.parse_args(argv)
    extra = dict(_pair(x, "--with-authentic") for x in a.with_authentic)
    indexes = dict(_pair(x, "--repo-index") for x in a.repo_index)
    if len(extra) != len(a.with_authentic) or set(extra) & set(TRAIN_SETS + VAL_SETS):
        raise SystemExit("--with-authentic: each SET once, and none of the recipe's own sets")
    if set(extra) != set(indexes):
        raise SystemExit(f"--repo-index needed for exactly the --with-authentic sets ({sorted(extra)}; given {sorted(indexes)})")
    train = [r for n in TRAIN_SETS for r in load(a.cache, n)]
    if a.synth_train_rows == "last169":
        if a.synth_train_index is None:
            raise SystemExit("--synth-train-rows last169 needs --synth-train-index")
        keep = shipped_rows(a.synth_train_index)
        train = [r for r in train if r[1]["_set"] != "synth-train" or r[1]["image"] in keep]
        missing = len(keep) - sum(1 for _, m in train if m["_set"] == "synth-train")
        if missing:
            raise SystemExit(f"{a.cache / 'synth-train'}: {missing} of the shipped model's {len(keep)} rows not analysed")
    for name, folder in extra.items():
        train += load_authentic(name, Path(folder), Path(indexes[name]))
    val = [r for n in VAL_SETS for r in load(a.cache, n)]
    note = {"synth_train_rows": a.synth_train_rows, "analyses": a.note or str(a.cache)}
    if extra:
        note["with_authentic"] = {k: str(v) for k, v in extra.items()}
    if a.head_logits is not None:
        if not a.head_logits.is_file():
            raise SystemExit(f"{a.head_logits}: no such head-logits file")
        table = json.loads(a.head_logits.read_text())
        add_head_logits(train, table, a.head_logits)
        add_head_logits(val, table, a.head_logits)
        note["head_logits"] = f"{a.head_logits.name}: {HEAD_FACT} (localizer head H, out of fold on H's training hosts)"
    model, info = fit(train, val, note)
    model.save(a.out)
    print(json.dumps(info, indent=1))
    top = sorted(zip(model.features, model.coef, strict=True), key=lambda p: -abs(p[1]))[:15]
    for n, c in top:
        print(f"  {c:+.3f}  {n}")


if __name__ == "__main__":
    main()
