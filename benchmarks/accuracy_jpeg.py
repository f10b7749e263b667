"""Pixel-level accuracy of the JPEG detectors (ela, jpeg_ghost, jpeg_adq, jpeg_grid) on the
shared datasets, beside trivial baseline maps, per dataset, with counts.

For every manipulated image with a mask: pixel AUC and best-threshold F1 (oracle threshold
per image: an upper bound), averaged over the images where each is defined. A detector that
returns "not applicable" (ADQ on a PNG/TIFF) is scored with an all-zero map and counted in
the "n/a" column. Baselines: a centred Gaussian "centre prior" map and a constant map.

    python benchmarks/accuracy_jpeg.py                      # nist16, casia1-samples, casia2-samples
    python benchmarks/accuracy_jpeg.py --limit 40 --jobs 2  # quicker
    python benchmarks/accuracy_jpeg.py --speed              # + seconds per megapixel at 1 and 12 MP
"""

from __future__ import annotations

import argparse
import io
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from _accuracy import centre_prior

DETECTORS = ("ela", "jpeg_ghost", "jpeg_adq", "jpeg_grid")
BASELINES = ("centre_prior", "constant")
DATASETS = ("nist16", "casia1-samples", "casia2-samples")
ROOT = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def score_one(args: tuple[str, str, str]) -> dict:
    import warnings

    warnings.filterwarnings("ignore", category=UserWarning)  # TIFF metadata chatter (CASIA2)
    from forgelens.bench.datasets import read_mask
    from forgelens.bench.metrics import best_f1, pixel_auc
    from forgelens.detectors import run
    from forgelens.evidence import load

    dataset, image, mask = args
    out: dict = {"image": image, "dataset": dataset}
    try:
        ev = load(Path(image))
        gt, _ = read_mask(Path(mask), ev.shape)
    except Exception as exc:  # recorded, not fatal
        out["error"] = f"{type(exc).__name__}: {exc}"
        return out
    if gt.all() or not gt.any():
        out["error"] = "mask all one class"
        return out
    out["format"] = ev.format
    maps = {
        "centre_prior": centre_prior(ev.shape),
        "constant": np.full(ev.shape, 0.5, np.float32),
    }
    for name in DETECTORS:
        tr = run(name, ev)
        out[f"{name}_applicable"] = bool(tr.applicable)
        out[f"{name}_error"] = tr.error.splitlines()[0] if tr.error else None
        maps[name] = tr.pixels(tr.heatmap) if tr.heatmap is not None else np.zeros(ev.shape, np.float32)
    for name, m in maps.items():
        out[f"{name}_auc"] = float(pixel_auc(m, gt))
        out[f"{name}_f1"] = float(best_f1(m, gt))
    return out


def table(rows: list[dict], dataset: str) -> str:
    ok = [r for r in rows if "error" not in r]
    errs = len(rows) - len(ok)
    fmts: dict[str, int] = {}
    for r in ok:
        fmts[r["format"]] = fmts.get(r["format"], 0) + 1
    lines = [
        f"\n## {dataset}: {len(ok)} manipulated images scored ({errs} skipped); formats {fmts}",
        f"{'map':<14}{'pixel AUC':>10}{'best F1':>10}{'n':>6}{'n/a':>6}",
    ]
    for name in DETECTORS + BASELINES:
        aucs = np.array([r[f"{name}_auc"] for r in ok], float)
        f1s = np.array([r[f"{name}_f1"] for r in ok], float)
        na = sum(1 for r in ok if r.get(f"{name}_applicable") is False)
        n = int(np.isfinite(aucs).sum())
        auc = np.nanmean(aucs) if n else float("nan")
        f1 = np.nanmean(f1s) if np.isfinite(f1s).any() else float("nan")
        lines.append(f"{name:<14}{auc:>10.3f}{f1:>10.3f}{n:>6}{na:>6}")
    return "\n".join(lines)


def speed(sizes=(1.0, 12.0)) -> str:
    from PIL import Image
    from scipy import ndimage

    from forgelens.detectors import run
    from forgelens.evidence import load

    lines = ["\n## seconds per megapixel (photo-like JPEG q90 → pasted q60 region → q90)"]
    lines.append(f"{'MP':>6}" + "".join(f"{d:>12}" for d in DETECTORS))
    for mp in sizes:
        rng = np.random.default_rng(0)
        h = int(round((mp * 1e6 * 3 / 4) ** 0.5))
        w = int(round(h * 4 / 3))
        small = ndimage.gaussian_filter(rng.normal(0, 1, (h // 8, w // 8, 3)), (3, 3, 0))
        img = np.asarray(
            Image.fromarray(np.clip(128 + 60 * small, 0, 255).astype(np.uint8)).resize((w, h)),
            np.float32,
        )
        img = np.clip(img + rng.normal(0, 3, (h, w, 1)), 0, 255).astype(np.uint8)

        def roundtrip(a, q):
            b = io.BytesIO()
            Image.fromarray(a).save(b, "JPEG", quality=q)
            return b.getvalue()

        base = np.asarray(Image.open(io.BytesIO(roundtrip(img, 60))).convert("RGB")).copy()
        base[h // 4 : h // 2, w // 4 : w // 2] = img[h // 4 : h // 2, w // 4 : w // 2]
        ev = load(roundtrip(base, 90))
        cells = []
        for d in DETECTORS:
            t0 = time.perf_counter()
            run(d, ev, catch=False)
            cells.append((time.perf_counter() - t0) / ev.megapixels)
        lines.append(f"{ev.megapixels:>6.1f}" + "".join(f"{c:>12.3f}" for c in cells))
    return "\n".join(lines)


def main() -> None:
    import csv

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="*", default=list(DATASETS))
    ap.add_argument("--limit", type=int, default=0, help="first N manipulated images per dataset")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--speed", action="store_true", help="also time the detectors at 1 and 12 MP")
    ap.add_argument("--no-accuracy", action="store_true")
    args = ap.parse_args()
    if not args.no_accuracy:
        if not ROOT.is_dir():
            raise SystemExit(f"datasets absent: {ROOT}")
        for ds in args.datasets:
            folder = ROOT / ds
            with open(folder / "index.csv", newline="") as fh:
                items = [r for r in csv.DictReader(fh) if r["label"] == "manipulated" and r["mask"]]
            if args.limit:
                items = items[: args.limit]
            jobs = [(ds, str(folder / r["image"]), str(folder / r["mask"])) for r in items]
            t0 = time.perf_counter()
            with ProcessPoolExecutor(max_workers=args.jobs) as pool:
                rows = list(pool.map(score_one, jobs, chunksize=2))
            print(table(rows, ds) + f"\n({time.perf_counter() - t0:.0f} s)", flush=True)
            for r in rows:
                if "error" in r:
                    print(f"  skipped {Path(r['image']).name}: {r['error']}")
    if args.speed:
        print(speed(), flush=True)


if __name__ == "__main__":
    main()
