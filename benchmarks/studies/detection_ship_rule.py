"""The ship rule of a detection-model candidate, measured beside the shipped model (issue 14, session 7).

For each model (the shipped ``fusion/detection.json`` first, then every ``--model NAME=PATH``) this
re-fuses the cached analyses with that detection model and prints one row per clause of the rule
declared in docs/notes/issue-14.md (session 7):

1. i14v's held-out exact-mask forgeries vs authentic crops (``heldout_verdict.records``, hosts no model
   saw): AUC of 1 − P(authentic) with its host-bootstrap interval, forgeries called manipulated;
2. camera false alarms (authentic called manipulated or generated) on exif-samples, pristine-extra and
   the held-out camera originals (``camera-val``), from ``verdict_accuracy``'s caches;
3. casia1 and toolkit AUC of 1 − P(authentic), with a picture bootstrap interval and the paired
   difference to the shipped model.

    python benchmarks/studies/detection_ship_rule.py --heldout-root /work/caches/i14v \\
        --verdict-cache /work/caches/i14n/verdict --model L7=/work/caches/i14n/L7.json ...

The numbers are the ones ``heldout_verdict.py measure`` and ``verdict_accuracy.py`` print for the same
model (same code: their functions are called); this script only puts them side by side.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

FALSE_ALARM_SETS = ("cameras-exif", "pristine-extra", "camera-val")
AUC_SETS = ("casia1", "toolkit")
RESAMPLES = 2000


def _use(model_path: Path | None) -> None:
    from forgelens.fusion import detection

    detection._MODEL[:] = [] if model_path is None else [detection.DetectionModel.load(model_path)]


def heldout(root: Path) -> dict:
    from benchmarks.studies.heldout_verdict import DRAWS, _exact, auc_row, records

    rows = [r for r in records(root, list(DRAWS)) if "error" not in r]
    forg = [r for r in rows if _exact(r)]
    auth = [r for r in rows if r["label"] == "authentic"]
    return {"auc": auc_row(rows, forg, lambda r: r["p_not_authentic"]),
            "called": sum(r["verdict"] == "manipulated" for r in forg), "n_forged": len(forg),
            "false_alarms": sum(r["verdict"] in ("manipulated", "generated") for r in auth), "n_auth": len(auth)}


def verdict_rows(cache: str) -> list[tuple[str, float, str]]:
    """(true label, 1 − P(authentic), verdict label) of every analysed picture of a cache."""
    from benchmarks.accuracy.verdict_accuracy import refuse, rows_of

    out = []
    for s, meta in rows_of(cache):
        v = refuse(s, meta)
        pa = (v.probabilities or {}).get("authentic")
        out.append((meta["label"], np.nan if pa is None else 1.0 - pa, v.label))
    return out


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    ok = np.isfinite(s)
    return float(roc_auc_score(y[ok], s[ok])) if len(set(y[ok].tolist())) == 2 else float("nan")


def auc_interval(y: np.ndarray, s: np.ndarray, base: np.ndarray | None = None, seed: int = 0):
    """AUC, its 95 % picture-bootstrap interval, and (with ``base``) the paired difference and its interval."""
    rng = np.random.default_rng(seed)
    vals, diffs = [], []
    for _ in range(RESAMPLES):
        i = rng.integers(0, len(y), len(y))
        if len(set(y[i].tolist())) < 2:
            continue
        a = _auc(y[i], s[i])
        vals.append(a)
        if base is not None:
            diffs.append(a - _auc(y[i], base[i]))
    out = {"auc": _auc(y, s), "ci": tuple(np.percentile(vals, [2.5, 97.5]))}
    if base is not None:
        out["diff"] = out["auc"] - _auc(y, base)
        out["diff_ci"] = tuple(np.percentile(diffs, [2.5, 97.5]))
    return out


def measure(models: dict[str, Path | None], heldout_root: Path, verdict_cache: Path) -> dict:
    from forgelens.training import detection as detection_training

    detection_training.CACHE = verdict_cache
    res = {}
    for name, path in models.items():
        _use(path)
        r = {"heldout": heldout(heldout_root)}
        for cache in FALSE_ALARM_SETS + AUC_SETS:
            r[cache] = verdict_rows(cache)
        res[name] = r
    _use(None)
    return res


def table(res: dict) -> str:
    names = list(res)
    base = res[names[0]]
    lines = ["| model | held-out AUC 1 − P(auth) | held-out called manipulated | held-out authentic called "
             "| exif-samples false alarms | pristine-extra false alarms | held-out cameras false alarms "
             "| casia1 AUC [95 %] (Δ vs shipped [95 %]) | toolkit AUC [95 %] (Δ vs shipped [95 %]) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name in names:
        r = res[name]
        h = r["heldout"]
        p, lo, hi = h["auc"]
        cells = [f"{p:.3f} [{lo:.3f}, {hi:.3f}]", f"{h['called']}/{h['n_forged']} = {h['called'] / h['n_forged']:.0%}",
                 f"{h['false_alarms']}/{h['n_auth']}"]
        for cache in FALSE_ALARM_SETS:
            auth = [lab for t, _, lab in r[cache] if t == "authentic"]
            fa = sum(lab in ("manipulated", "generated") for lab in auth)
            cells.append(f"{fa}/{len(auth)} = {fa / max(1, len(auth)):.1%}" if auth else "—")
        for cache in AUC_SETS:
            y = np.array([t != "authentic" for t, _, _ in r[cache]], int)
            s = np.array([p for _, p, _ in r[cache]], float)
            b = np.array([p for _, p, _ in base[cache]], float)
            a = auc_interval(y, s, None if name == names[0] else b)
            cell = f"{a['auc']:.3f} [{a['ci'][0]:.3f}, {a['ci'][1]:.3f}]"
            if "diff" in a:
                cell += f" ({a['diff']:+.3f} [{a['diff_ci'][0]:+.3f}, {a['diff_ci'][1]:+.3f}])"
            cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--heldout-root", type=Path, required=True, help="i14v's root (data/ and cache/)")
    ap.add_argument("--verdict-cache", type=Path, required=True, help="caches of the verdict sets (one folder each)")
    ap.add_argument("--model", action="append", default=[], help="NAME=PATH of a candidate model (repeatable)")
    ap.add_argument("--md", type=Path, default=None, help="also write the table here")
    ap.add_argument("--not-applicable", type=Path, default=None, help="textured_area.py --json rows: pictures it flags read not_applicable (candidate F)")
    args = ap.parse_args(argv)
    if args.not_applicable:
        from benchmarks.accuracy.verdict_accuracy import read_not_applicable

        read_not_applicable(args.not_applicable)
    models: dict[str, Path | None] = {"shipped": None}
    for spec in args.model:
        name, path = spec.split("=", 1)
        models[name] = Path(path)
    text = table(measure(models, args.heldout_root, args.verdict_cache))
    print(text)
    if args.md:
        args.md.write_text(text + "\n")


if __name__ == "__main__":
    main()
