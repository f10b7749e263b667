"""Accuracy and speed of the noise-trace detectors (noise_wavelet, noise_median, noise_local,
splicebuster) on the shared datasets, beside trivial baselines, per dataset, with counts;
their false-alarm rate on the authentic camera photos; seconds per megapixel at 1 and 12 MP.

Pixel level (manipulated images with masks): mean over images of the pixel AUC and of the
best-threshold F1 (oracle threshold per image: an upper bound). A detector that does not
apply is scored as an all-zero map and counted in n/a. Baselines: a centred Gaussian map
and a constant map (AUC 0.5 by construction; its best F1 is the "paint everything" F1).
Image level (datasets with authentic images): AUC of the score, manipulated vs authentic,
beside the image-size baseline (pixel count as the score).
False alarms: share of the authentic photos in cameras/ whose score >= 0.5 (the default
decision threshold), over the images where the detector applies.
Speed: a synthetic photo-like image at 1 and 12 MP, best of 2 runs, with the peak of
Python-tracked (NumPy) memory.

    python benchmarks/accuracy_noise.py                      # everything (~15 min on 2 cores)
    python benchmarks/accuracy_noise.py --limit 40           # first 40 manipulated per dataset
    python benchmarks/accuracy_noise.py --only speed
    python benchmarks/accuracy_noise.py --only false-alarms --fa-limit 40
"""

from __future__ import annotations

import argparse
import csv
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from _accuracy import image_table, score_maps

DETECTORS = ("noise_wavelet", "noise_median", "noise_local", "splicebuster")
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
    traces = {}
    for name in DETECTORS:
        tr = run(name, ev)
        traces[name] = tr
        out[f"{name}_applicable"] = bool(tr.applicable)
        out[f"{name}_score"] = tr.score
        out[f"{name}_seconds"] = tr.seconds
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
        f"{'map':<16}{'pixel AUC':>10}{'best F1':>10}{'n':>6}{'n/a':>6}{'errors':>8}",
    ]
    for name in DETECTORS + BASELINES:
        aucs = np.array([r[f"{name}_auc"] for r in ok], float)
        f1s = np.array([r[f"{name}_f1"] for r in ok], float)
        na = sum(1 for r in ok if r.get(f"{name}_applicable") is False)
        err = sum(1 for r in ok if r.get(f"{name}_error"))
        n = int(np.isfinite(aucs).sum())
        auc = np.nanmean(aucs) if n else float("nan")
        f1 = np.nanmean(f1s) if np.isfinite(f1s).any() else float("nan")
        lines.append(f"{name:<16}{auc:>10.3f}{f1:>10.3f}{n:>6}{na:>6}{err:>8}")
    return "\n".join(lines)


def false_alarm_table(rows: list[dict]) -> str:
    ok = [r for r in rows if "error" not in r]
    lines = [f"\n## false alarms on {len(ok)} authentic photos in cameras/ (score >= 0.5)",
             f"{'detector':<16}{'flagged':>10}{'applicable':>12}{'rate':>8}{'s/MP':>8}"]
    for name in DETECTORS:
        app = [r for r in ok if r[f"{name}_applicable"] and r[f"{name}_score"] is not None]
        fl = sum(1 for r in app if r[f"{name}_score"] >= 0.5)
        rate = fl / len(app) if app else float("nan")
        big = [r for r in ok if r["pixels"] >= 1e6]
        spm = (sum(r[f"{name}_seconds"] for r in big) / (sum(r["pixels"] for r in big) / 1e6)) if big else float("nan")
        lines.append(f"{name:<16}{fl:>10}{len(app):>12}{rate:>8.2f}{spm:>8.2f}")
    return "\n".join(lines)


def speed_table() -> str:
    import io

    from PIL import Image
    from scipy import ndimage as ndi

    from forgelens.detectors import run
    from forgelens.evidence import load

    lines = ["\n## speed (synthetic photo-like image, best of 2; peak = NumPy memory tracked by tracemalloc)",
             f"{'detector':<16}{'MP':>6}{'seconds':>10}{'s/MP':>8}{'peak MB':>10}"]
    rng = np.random.default_rng(0)
    for h, w in ((866, 1155), (3000, 4000)):
        tex = ndi.gaussian_filter(rng.standard_normal((h // 4 + 1, w // 4 + 1)).astype(np.float32), 3)
        tex = np.kron(tex / tex.std(), np.ones((4, 4), np.float32))[:h, :w]
        img = 120 + 40 * tex[..., None] + rng.normal(0, 2, (h, w, 3)).astype(np.float32)
        buf = io.BytesIO()
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, format="JPEG", quality=90)
        ev = load(buf.getvalue())
        _ = ev.luminance
        for name in DETECTORS:
            best = float("inf")
            for _ in range(2):
                tracemalloc.start()
                t0 = time.perf_counter()
                run(name, ev, catch=False)
                best = min(best, time.perf_counter() - t0)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
            lines.append(f"{name:<16}{h * w / 1e6:>6.1f}{best:>10.2f}{best / (h * w / 1e6):>8.2f}{peak / 2**20:>10.0f}")
    return "\n".join(lines)


def _index(ds: str) -> list[dict]:
    with open(ROOT / ds / "index.csv", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["label"] in ("manipulated", "authentic")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="*", default=list(DATASETS))
    ap.add_argument("--limit", type=int, default=0, help="first N manipulated images per dataset")
    ap.add_argument("--fa-limit", type=int, default=0, help="every k-th camera photo so that about N are used")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", choices=("accuracy", "false-alarms", "speed"), default=None)
    args = ap.parse_args()
    if args.only in (None, "speed"):
        print(speed_table(), flush=True)
    if args.only == "speed":
        return
    if not ROOT.is_dir():
        raise SystemExit(f"datasets absent: {ROOT}")
    if args.only in (None, "accuracy"):
        for ds in args.datasets:
            items = _index(ds)
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
    if args.only in (None, "false-alarms"):
        items = [r for r in _index("cameras") if r["label"] == "authentic"]
        if args.fa_limit and len(items) > args.fa_limit:
            step = int(np.ceil(len(items) / args.fa_limit))
            items = items[::step]
            print(f"(false alarms: every {step}-th camera photo, {len(items)} images)")
        jobs = [("cameras", str(ROOT / "cameras" / r["image"]), "", "authentic") for r in items]
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            rows = list(pool.map(score_one, jobs, chunksize=1))
        print(false_alarm_table(rows) + f"\n({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
