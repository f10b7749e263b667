"""A detection model with one operating threshold taken from another model (issue 14, session 15, helper s15w2rs).

Candidate W2R-S (declared by the lead, session 15): s14det's refit ``W2R.json`` (the shipped recipe,
``fit_detection_shipped.py``, on analyses whose learned_localizer traces come from W2) with ONE change:
``thresholds.manipulated_at`` set to the shipped model's value instead of the recipe's. Both models are
Platt-calibrated (Platt 1999, "Probabilistic outputs for support vector machines") on the same validation sets, so
the same calibrated P(manipulated) is read as the same strength of evidence; the refit's ranking is kept and the
shipped operating point is applied to it. Nothing is fitted here: features, coefficients, Platt parameters, LR
bounds, prior and every other threshold are copied unchanged, and the change is recorded in the provenance
(``threshold_swap``: key, old and new value, both files' sha256).

With ``--val-cache ROOT`` (folders ``synth-val/`` and ``hard-val/`` of cached analyses, the recipe's validation sets)
the validation false-positive / true-positive rates at the old and the new threshold are printed and recorded
(information: the threshold is not chosen from them).

    python benchmarks/fit/detection_threshold_swap.py --model W2R.json --from src/forgelens/fusion/detection.json \\
        --key manipulated_at --out benchmarks/fit/candidates/W2R-S.json [--val-cache CACHE_ROOT]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
from pathlib import Path

import numpy as np

KEYS = ("manipulated_at", "authentic_below")
#: a recomputed P this close to a threshold sits ON it: ``threshold_at_fpr`` puts the threshold one ulp above a
#: validation score, and the recomputation (features → raw → Platt) may land on either side of that ulp.
AT_TOL = 1e-9


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def validation_rates(model, cache: Path, thresholds: dict[str, float]) -> dict[str, dict[str, float]]:
    """{name: {fpr, tpr}} of ``model``'s calibrated P(manipulated) on the recipe's validation sets at each threshold
    (≥ the threshold counts as called, as ``fit_detection_shipped.fit`` counts)."""
    from benchmarks.fit.fit_detection_shipped import VAL_SETS, load
    from forgelens.fusion.detection import features

    rows = [r for name in VAL_SETS for r in load(cache, name)]
    p = np.array([model.probability(features(s, model.detectors)) for s, _ in rows])
    y = np.array([m["label"] == "manipulated" for _, m in rows])
    if y.all() or not y.any():
        raise SystemExit(f"{cache}: the validation sets need both authentic and manipulated rows")
    return {k: {"fpr": round(float((p[~y] >= t).mean()), 4), "tpr": round(float((p[y] >= t).mean()), 4),
                "n_authentic": int((~y).sum()), "n_manipulated": int(y.sum()),
                "at_threshold": int((np.abs(p - t) <= AT_TOL).sum())} for k, t in thresholds.items()}


def swap(model_path: Path, reference_path: Path, key: str, out: Path, val_cache: Path | None = None) -> dict:
    """Write ``out``: ``model_path`` with ``thresholds[key]`` = ``reference_path``'s; returns the recorded change."""
    from forgelens.fusion.detection import DetectionModel

    if key not in KEYS:
        raise SystemExit(f"--key {key}: one of {', '.join(KEYS)}")
    if out.resolve() in (model_path.resolve(), reference_path.resolve()):
        raise SystemExit(f"{out}: refusing to overwrite an input")
    model, ref = DetectionModel.load(model_path), DetectionModel.load(reference_path)
    for path, m in ((model_path, model), (reference_path, ref)):
        if m is None:
            raise SystemExit(f"{path}: no such detection model")
        if key not in m.thresholds:
            raise SystemExit(f"{path}: no thresholds.{key}")
    old, new = float(model.thresholds[key]), float(ref.thresholds[key])
    thresholds = {**model.thresholds, key: new}
    if thresholds["authentic_below"] > thresholds["manipulated_at"]:
        raise SystemExit(f"{key} {new:.4f} would put authentic_below above manipulated_at")
    change = {"key": key, "old": old, "new": new, "model": str(model_path), "model_sha256": sha256(model_path),
              "from": str(reference_path), "from_sha256": sha256(reference_path),
              "why": "the refit's ranking at the reference model's operating point (same calibration sets, Platt)"}
    if val_cache is not None:
        change["validation"] = validation_rates(model, val_cache, {"old": old, "new": new})
    model = dataclasses.replace(model, thresholds=thresholds, fitted={**model.fitted, "threshold_swap": change})
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    return change


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True, help="the detection model whose ranking is kept")
    ap.add_argument("--from", dest="reference", type=Path, required=True, help="the model whose threshold is taken")
    ap.add_argument("--key", default="manipulated_at", help=f"the threshold to take ({', '.join(KEYS)})")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--val-cache", type=Path, default=None, help="folder with synth-val/ and hard-val/ analyses")
    a = ap.parse_args(argv)
    change = swap(a.model, a.reference, a.key, a.out, a.val_cache)
    print(f"{a.out}: thresholds.{change['key']} {change['old']:.4f} → {change['new']:.4f} (sha256 {sha256(a.out)})")
    for k, v in change.get("validation", {}).items():
        print(f"  validation at the {k} threshold: FPR {v['fpr']:.1%} of {v['n_authentic']}, "
              f"TPR {v['tpr']:.1%} of {v['n_manipulated']}; {v['at_threshold']} picture(s) on the threshold (±{AT_TOL:g})")


if __name__ == "__main__":
    main()
