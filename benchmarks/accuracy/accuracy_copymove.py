"""Accuracy and speed of the copy-move detectors (copymove_sift, copymove_dense).

Real copy-moves in the shared data:
- casia1-samples: the ``Sp_S`` tampered images (copy-moves) and their authentic originals;
- casia2-samples: the ``Tp_S_`` images (CASIA v2 naming: ``Tp_S`` = source and target in the
  same image, i.e. copy-move; the ``_S_`` in the fourth field is the *size* code, not the kind);
- nist16: images whose mask has exactly two significant connected regions (a proxy for
  copy-moves; nist16 carries no manipulation type here). No authentic images: pixel-level only.

Synthetic set made on the fly from the natural photos in ``cameras`` (downscaled to ~1 MP): a
disk (radius 40-90 px) copied elsewhere with, per group, a plain shift, a rotation in
10-90 deg, a scale in 0.8-1.2, or a rotation 0-90 deg + scale 0.8-1.2 + JPEG q70-95 after the
copy; the authentic counterpart of every forged image is the same photo through the same
chain (so image AUC compares like with like).

Figures: pixel AUC and best-threshold F1 per image (oracle threshold over every distinct map
value, an upper bound), averaged over manipulated images; image AUC (score) where authentic
images exist. Trivial baselines beside: the engine's centre prior (pixel;
``forgelens.bench.metrics.centre_prior``) and the mean gradient magnitude (image). A spec
(detectors x datasets) run by the benchmark engine (``forgelens.bench``), then printed; cached
under benchmarks/out/accuracy/copymove[-synth-n<N>], the synthetic images written once to
benchmarks/out/accuracy/copymove-synth-n<N>/. A map a detector does not give scores as an
all-zero map; a missing score as 0.
Ground truth note: CASIA masks mark only the pasted copy while the detectors light up both
the source and the copy, which caps pixel F1 there.

    python benchmarks/accuracy/accuracy_copymove.py                 # everything (~10-15 min on 2 cores)
    python benchmarks/accuracy/accuracy_copymove.py --n 6 --skip-speed
    python benchmarks/accuracy/accuracy_copymove.py --speed-only
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import time
import tracemalloc
import warnings
from pathlib import Path

import _accuracy as acc
import cv2
import numpy as np
from PIL import Image
from sklearn.metrics import roc_auc_score

from forgelens.bench.datasets import Dataset, write_index_csv
from forgelens.detectors import run
from forgelens.evidence import load

DETECTORS = ("copymove_sift", "copymove_dense")
ROOT = acc.DATA


# ----------------------------------------------------------------------------- metrics


def grad_score(img: np.ndarray) -> float:
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.mean(np.abs(cv2.Sobel(g, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(g, cv2.CV_32F, 0, 1))))


# ----------------------------------------------------------------------------- data


def real_sets() -> list[Dataset]:
    """casia1 ``Sp_S`` images, casia2 ``Tp_S_`` images with a mask, nist16 images whose mask has two regions."""
    out = []
    d = ROOT / "casia1-samples"
    if d.exists():
        ds = acc.dataset("casia1-samples")
        out.append(Dataset(ds.name, ds.root, [it for it in ds.items if "Sp_S" in Path(it.image).name], ds.layout))
    d = ROOT / "casia2-samples"
    if d.exists():
        ds = acc.dataset("casia2-samples")
        out.append(Dataset(ds.name, ds.root, [it for it in ds.items if Path(it.image).name.startswith("Tp_S_")
                                              and it.mask], ds.layout))
    d = ROOT / "nist16"
    if d.exists():
        ds = acc.dataset("nist16")
        keep = []
        for it in ds.items:
            if not it.mask:
                continue
            m = np.asarray(Image.open(d / it.mask).convert("L")) >= 128
            n, lab, st, _ = cv2.connectedComponentsWithStats(m.astype(np.uint8), connectivity=8)
            if (st[1:, cv2.CC_STAT_AREA] >= 0.001 * m.size).sum() == 2:
                keep.append(it)
        out.append(Dataset(ds.name, ds.root, keep, ds.layout))
    return out


def clone(img, rng, kind):
    h, w = img.shape[:2]
    rad = int(min(rng.integers(40, 91), min(h, w) // 8))
    ang = 0.0
    sc = 1.0
    if kind == "rotate":
        ang = float(rng.uniform(10, 90))
    elif kind == "scale":
        sc = float(rng.uniform(0.8, 1.2))
    elif kind == "jpeg":
        ang, sc = float(rng.uniform(0, 90)), float(rng.uniform(0.8, 1.2))
    for _ in range(100):
        s = rng.integers([rad + 5, rad + 5], [w - rad - 5, h - rad - 5])
        t = rng.integers([rad * 2, rad * 2], [w - rad * 2, h - rad * 2])
        if np.hypot(*(s - t)) > 2.6 * rad:
            break
    src = np.zeros((h, w), np.uint8)
    cv2.circle(src, (int(s[0]), int(s[1])), rad, 1, -1)
    A = cv2.getRotationMatrix2D((float(s[0]), float(s[1])), ang, sc)
    A[:, 2] += (t - s).astype(float)
    warped = cv2.warpAffine(img, A, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    dst = cv2.warpAffine(src, A, (w, h), flags=cv2.INTER_NEAREST) > 0
    out = img.copy()
    out[dst] = warped[dst]
    return out, (src.astype(bool) | dst)


def encode(img, q=None):
    buf = io.BytesIO()
    if q is None:
        Image.fromarray(img).save(buf, format="PNG")
    else:
        Image.fromarray(img).save(buf, format="JPEG", quality=int(q))
    return buf.getvalue()


def camera_photos(n):
    d = ROOT / "cameras"
    rows = [r for r in csv.DictReader(open(d / "cameras.csv")) if r["subset"] != "flatfield"]
    rows.sort(key=lambda r: r["image"])
    rng = np.random.default_rng(0)
    rng.shuffle(rows)
    for r in rows:
        img = np.asarray(Image.open(d / r["image"]).convert("RGB"))
        h, w = img.shape[:2]
        s = min(1.0, (1.0e6 / (h * w)) ** 0.5)
        if s < 1:
            img = cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
        if min(img.shape[:2]) >= 400:
            yield r["image"], np.ascontiguousarray(img)


# ----------------------------------------------------------------------------- runs


def synthetic_sets(n: int) -> list[Dataset]:
    """The synthetic clones as four datasets (one per group), written once to benchmarks/out/accuracy/.

    Deterministic (photos shuffled with seed 0, clones drawn with seed 1), so a rerun finds the same
    files and the engine's cache.
    """
    folder = acc.OUT / f"copymove-synth-n{n}"
    index = folder / "index.csv"
    if not index.is_file():
        rng = np.random.default_rng(1)
        photos = list(itertools.islice(camera_photos(4 * n), 4 * n))
        rows = []
        for gi, kind in enumerate(("shift", "rotate", "scale", "jpeg")):
            for i, (_name, img) in enumerate(photos[gi * n : (gi + 1) * n]):
                forged, gt = clone(img, rng, kind)
                q = int(rng.integers(70, 96)) if kind == "jpeg" else None
                ext = "png" if q is None else "jpg"
                for label, pixels in (("manipulated", forged), ("authentic", img)):
                    rel = f"{kind}/{i:03d}-{label[:3]}.{ext}"
                    (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                    (folder / rel).write_bytes(encode(pixels, q))
                    mask = ""
                    if label == "manipulated":
                        mask = f"{kind}/{i:03d}-mask.png"
                        Image.fromarray(gt.astype(np.uint8) * 255).save(folder / mask)
                    rows.append((rel, mask, label, kind))
        write_index_csv(folder, rows)
    ds = acc.dataset(folder.name, root=folder)
    return [Dataset(kind, folder, [it for it in ds.items if it.source == kind], ds.layout)
            for kind in ("shift", "rotate", "scale", "jpeg")]


def gradient_scores(datasets: list[Dataset]) -> dict[tuple[str, str], float]:
    """The image-level trivial baseline: mean gradient magnitude of each (dataset, image)."""
    out = {}
    for ds in datasets:
        for it in ds.items:
            try:
                out[(ds.name, it.image)] = grad_score(np.asarray(load(ds.path(it.image)).pixels))
            except Exception:  # unreadable: the engine's record says why
                continue
    return out


def print_table(title: str, records: list, grads: dict[tuple[str, str], float]) -> None:
    print(f"\n## {title}\n")
    print("| group | n manip | n auth | method | pixel AUC | pixel F1 (best thr) | image AUC | detected@0.5 (manip / auth) |")
    print("|---|---|---|---|---|---|---|---|")
    for group in dict.fromkeys(r.dataset for r in records):
        recs = [r for r in acc.select(records, group) if not r.error]
        pix = acc.scored(recs)
        ys = np.array([r.label == "manipulated" for r in recs])
        n1, n0 = int(ys.sum()), int((~ys).sum())
        for d in DETECTORS + ("baseline",):
            px = [acc.pixel_values(r, "centre_prior" if d == "baseline" else d) for r in pix]
            aucs = [p["pixel_auc"] for p in px if p.get("pixel_auc") is not None]
            f1s = [p["best_f1"] for p in px]
            if d == "baseline":
                ss = np.array([grads.get((r.dataset, r.image), np.nan) for r in recs])
            else:
                ss = np.array([acc.score_or_zero(r.detectors.get(d)) for r in recs])
            iauc = f"{roc_auc_score(ys, ss):.3f}" if n0 and n1 else "–"
            det = f"{(ss[ys] >= 0.5).mean():.2f} / {(ss[~ys] >= 0.5).mean():.2f}" if d != "baseline" and n0 else (
                f"{(ss[ys] >= 0.5).mean():.2f} / –" if d != "baseline" else "–")
            name = "baseline (centre prior / gradient)" if d == "baseline" else d
            print(f"| {group} | {n1} | {n0} | {name} | {np.mean(aucs) if aucs else float('nan'):.3f} | "
                  f"{np.mean(f1s) if f1s else float('nan'):.3f} | {iauc} | {det} |")


def speed():
    d = ROOT / "cameras"
    rows = [r for r in csv.DictReader(open(d / "cameras.csv")) if r["subset"] != "flatfield"]
    img = np.asarray(Image.open(d / sorted(rows, key=lambda r: r["image"])[0]["image"]).convert("RGB"))
    print("\n## Speed (seconds per megapixel; wall and CPU of this process; numpy peak via tracemalloc)\n")
    print("| detector | MP | wall s | wall s/MP | CPU s/MP | numpy peak MiB |")
    print("|---|---|---|---|---|---|")
    for mp in (1.0, 12.0):
        h, w = img.shape[:2]
        s = (mp * 1e6 / (h * w)) ** 0.5
        im = cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
        ev = load(encode(im, 92))
        for dname in DETECTORS:
            tracemalloc.start()
            t0, c0 = time.perf_counter(), time.process_time()
            run(dname, ev, catch=False)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            print(f"| {dname} | {ev.megapixels:.1f} | {wall:.2f} | {wall / ev.megapixels:.2f} | {cpu / ev.megapixels:.2f} | {peak:.0f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10, help="camera photos per synthetic transform group")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--force", action="store_true", help="ignore the cache in benchmarks/out/accuracy/copymove")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--speed-only", action="store_true")
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--skip-synthetic", action="store_true")
    a = ap.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    if not a.speed_only:
        if not a.skip_real:
            sets = real_sets()
            records = acc.run(acc.Spec("copymove", DETECTORS, sets), workers=a.jobs, force=a.force)
            print_table("Real copy-moves (shared data)", records, gradient_scores(sets))
        if not a.skip_synthetic:
            sets = synthetic_sets(a.n)
            records = acc.run(acc.Spec(f"copymove-synth-n{a.n}", DETECTORS, sets), workers=a.jobs, force=a.force)
            print_table(f"Synthetic clones from cameras photos (~1 MP, {a.n} per group)", records,
                        gradient_scores(sets))
    if not a.skip_speed:
        speed()


if __name__ == "__main__":
    main()
