"""Accuracy of the camera-trace detectors (cfa, resampling, median_filter, contrast_enhancement)
on the shared datasets, beside trivial baselines, per dataset, with counts; and their
false-alarm rate on the authentic camera photos.

Pixel level (manipulated images with masks): mean pixel AUC and best-threshold F1 (oracle
threshold per image, an upper bound). "Not applicable" is scored as an all-zero map and
counted in n/a. Baselines: a centred Gaussian map and a constant map.
Image level (datasets with authentic images): AUC of the score, manipulated vs authentic,
beside the image-size baseline (pixel count as the score).
False alarms: share of the authentic photos in cameras/ whose score >= 0.5 (the default
decision threshold), over the images where the detector applies.

    python benchmarks/accuracy_camera.py                 # all four datasets + false alarms
    python benchmarks/accuracy_camera.py --limit 40      # first 40 manipulated per dataset
    python benchmarks/accuracy_camera.py --no-false-alarms --datasets casia1-samples
"""

from __future__ import annotations

import argparse
import csv
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from _accuracy import image_table, score_maps

DETECTORS = ("cfa", "resampling", "median_filter", "contrast_enhancement")
BASELINES = ("centre_prior", "constant")
DATASETS = ("nist16", "casia1-samples", "casia2-samples", "toolkit-samples")
ROOT = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def score_one(args: tuple[str, str, str, str]) -> dict:
    import warnings

    warnings.filterwarnings("ignore")
    from forgelens.detectors import run
    from forgelens.evidence import load

    dataset, image, mask, label = args
    out: dict = {"image": image, "dataset": dataset, "label": label}
    try:
        ev = load(Path(image))
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        return out
    out["pixels"] = ev.height * ev.width
    out["format"] = ev.format
    traces = {}
    for name in DETECTORS:
        tr = run(name, ev)
        traces[name] = tr
        out[f"{name}_applicable"] = bool(tr.applicable)
        out[f"{name}_score"] = tr.score
        out[f"{name}_error"] = tr.error.splitlines()[0] if tr.error else None
    if mask:
        maps = {name: tr.pixels(tr.heatmap) if tr.heatmap is not None else np.zeros(ev.shape, np.float32)
                for name, tr in traces.items()}
        score_maps(out, maps, mask, ev.shape)
    return out


def pixel_table(rows: list[dict], dataset: str) -> str:
    ok = [r for r in rows if r["label"] == "manipulated" and "error" not in r and "centre_prior_auc" in r]
    lines = [
        f"\n## {dataset}: pixel level, {len(ok)} manipulated images with masks",
        f"{'map':<22}{'pixel AUC':>10}{'best F1':>10}{'n':>6}{'n/a':>6}",
    ]
    for name in DETECTORS + BASELINES:
        aucs = np.array([r[f"{name}_auc"] for r in ok], float)
        f1s = np.array([r[f"{name}_f1"] for r in ok], float)
        na = sum(1 for r in ok if r.get(f"{name}_applicable") is False)
        n = int(np.isfinite(aucs).sum())
        auc = np.nanmean(aucs) if n else float("nan")
        f1 = np.nanmean(f1s) if np.isfinite(f1s).any() else float("nan")
        lines.append(f"{name:<22}{auc:>10.3f}{f1:>10.3f}{n:>6}{na:>6}")
    return "\n".join(lines)


def false_alarm_table(rows: list[dict]) -> str:
    ok = [r for r in rows if "error" not in r]
    lines = [f"\n## false alarms on {len(ok)} authentic photos in cameras/ (score >= 0.5)",
             f"{'detector':<22}{'flagged':>10}{'applicable':>12}{'rate':>8}"]
    for name in DETECTORS:
        app = [r for r in ok if r[f"{name}_applicable"] and r[f"{name}_score"] is not None]
        fl = sum(1 for r in app if r[f"{name}_score"] >= 0.5)
        rate = fl / len(app) if app else float("nan")
        lines.append(f"{name:<22}{fl:>10}{len(app):>12}{rate:>8.2f}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="*", default=list(DATASETS))
    ap.add_argument("--limit", type=int, default=0, help="first N manipulated images per dataset")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-false-alarms", action="store_true")
    args = ap.parse_args()
    if not ROOT.is_dir():
        raise SystemExit(f"datasets absent: {ROOT}")
    for ds in args.datasets:
        with open(ROOT / ds / "index.csv", newline="") as fh:
            items = [r for r in csv.DictReader(fh) if r["label"] in ("manipulated", "authentic")]
        man = [r for r in items if r["label"] == "manipulated"]
        aut = [r for r in items if r["label"] == "authentic"]
        if args.limit:
            man = man[: args.limit]
        jobs = [(ds, str(ROOT / ds / r["image"]), str(ROOT / ds / r["mask"]) if r["mask"] else "", r["label"])
                for r in man + aut]
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            rows = list(pool.map(score_one, jobs, chunksize=1))
        print(pixel_table(rows, ds))
        print(image_table(rows, ds, DETECTORS) + f"\n({time.perf_counter() - t0:.0f} s)", flush=True)
        for r in rows:
            if "error" in r:
                print(f"  skipped {Path(r['image']).name}: {r['error']}")
    if not args.no_false_alarms:
        with open(ROOT / "cameras" / "index.csv", newline="") as fh:
            items = [r for r in csv.DictReader(fh) if r["label"] == "authentic"]
        jobs = [("cameras", str(ROOT / "cameras" / r["image"]), "", "authentic") for r in items]
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            rows = list(pool.map(score_one, jobs, chunksize=1))
        print(false_alarm_table(rows) + f"\n({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
