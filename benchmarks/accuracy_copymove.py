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

Figures: pixel AUC and best-threshold F1 per image (oracle threshold, an upper bound),
averaged over manipulated images; image AUC (score) where authentic images exist. Trivial
baselines beside: a centred Gaussian map (pixel) and the mean gradient magnitude (image).
Ground truth note: CASIA masks mark only the pasted copy while the detectors light up both
the source and the copy, which caps pixel F1 there.

    python benchmarks/accuracy_copymove.py                 # everything (~10-15 min on 2 cores)
    python benchmarks/accuracy_copymove.py --n 6 --skip-speed
    python benchmarks/accuracy_copymove.py --speed-only
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

import cv2
import numpy as np
from _accuracy import centre_prior
from PIL import Image
from sklearn.metrics import roc_auc_score

from forgelens.detectors import run
from forgelens.evidence import load

DETECTORS = ("copymove_sift", "copymove_dense")
ROOT = Path(__file__).resolve().parents[2] / "shared" / "datasets"


# ----------------------------------------------------------------------------- metrics


def pixel_metrics(heat: np.ndarray, gt: np.ndarray) -> tuple[float | None, float]:
    gt = gt.ravel().astype(bool)
    x = heat.ravel().astype(np.float32)
    auc = roc_auc_score(gt, x) if 0 < gt.sum() < gt.size and np.ptp(x) > 0 else (0.5 if 0 < gt.sum() < gt.size else None)
    best = 0.0
    ths = np.unique(np.quantile(x, np.linspace(0, 1, 41)))
    for t in ths:
        p = x >= t
        tp = float((p & gt).sum())
        if tp == 0:
            continue
        prec, rec = tp / p.sum(), tp / gt.sum()
        best = max(best, 2 * prec * rec / (prec + rec))
    return auc, best


def grad_score(img: np.ndarray) -> float:
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.mean(np.abs(cv2.Sobel(g, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(g, cv2.CV_32F, 0, 1))))


# ----------------------------------------------------------------------------- data


def read_mask(path: Path, shape) -> np.ndarray:
    m = np.asarray(Image.open(path).convert("L"))
    if m.shape != shape:
        m = cv2.resize(m, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
    return m >= 128


def real_sets():
    """Yield (dataset, image path, mask path or None, label)."""
    d = ROOT / "casia1-samples"
    if d.exists():
        for r in csv.DictReader(open(d / "index.csv")):
            if "Sp_S" in Path(r["image"]).name:
                yield "casia1-samples", d / r["image"], (d / r["mask"]) if r["mask"] else None, r["label"]
    d = ROOT / "casia2-samples"
    if d.exists():
        for r in csv.DictReader(open(d / "index.csv")):
            if Path(r["image"]).name.startswith("Tp_S_") and r["mask"]:
                yield "casia2-samples", d / r["image"], d / r["mask"], r["label"]
    d = ROOT / "nist16"
    if d.exists():
        for r in csv.DictReader(open(d / "index.csv")):
            if not r["mask"]:
                continue
            m = np.asarray(Image.open(d / r["mask"]).convert("L")) >= 128
            n, lab, st, _ = cv2.connectedComponentsWithStats(m.astype(np.uint8), connectivity=8)
            big = (st[1:, cv2.CC_STAT_AREA] >= 0.001 * m.size).sum()
            if big == 2:
                yield "nist16", d / r["image"], d / r["mask"], r["label"]


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


def evaluate(items):
    """items: list of (group, bytes, gt mask or None, label). Returns per-group rows."""
    res = {}
    for group, data, gt, label in items:
        ev = load(data)
        r = res.setdefault(group, {"pix": {d: [] for d in DETECTORS + ("centre_prior",)},
                                    "img": {d: [] for d in DETECTORS + ("gradient",)}})
        y = 1 if label == "manipulated" else 0
        r["img"]["gradient"].append((y, grad_score(np.asarray(ev.pixels))))
        if gt is not None:
            r["pix"]["centre_prior"].append(pixel_metrics(centre_prior(ev.shape), gt))
        for d in DETECTORS:
            tr = run(d, ev)
            heat = tr.pixels(tr.heatmap) if tr.heatmap is not None else np.zeros(ev.shape, np.float32)
            r["img"][d].append((y, float(tr.score or 0.0)))
            if gt is not None:
                r["pix"][d].append(pixel_metrics(heat, gt))
    return res


def print_table(title, res):
    print(f"\n## {title}\n")
    print("| group | n manip | n auth | method | pixel AUC | pixel F1 (best thr) | image AUC | detected@0.5 (manip / auth) |")
    print("|---|---|---|---|---|---|---|---|")
    for group, r in res.items():
        for d in DETECTORS + ("baseline",):
            pix = r["pix"]["centre_prior" if d == "baseline" else d]
            img = r["img"]["gradient" if d == "baseline" else d]
            ys = np.array([a for a, _ in img])
            ss = np.array([b for _, b in img])
            n1, n0 = int((ys == 1).sum()), int((ys == 0).sum())
            aucs = [a for a, _ in pix if a is not None]
            f1s = [f for _, f in pix]
            iauc = f"{roc_auc_score(ys, ss):.3f}" if n0 and n1 else "–"
            det = f"{(ss[ys == 1] >= 0.5).mean():.2f} / {(ss[ys == 0] >= 0.5).mean():.2f}" if d != "baseline" and n0 else (
                f"{(ss[ys == 1] >= 0.5).mean():.2f} / –" if d != "baseline" else "–")
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
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--speed-only", action="store_true")
    ap.add_argument("--skip-real", action="store_true")
    a = ap.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    if not a.speed_only:
        if not a.skip_real:
            items = []
            for ds, ip, mp, label in real_sets():
                data = ip.read_bytes()
                gt = None
                if mp is not None and label == "manipulated":
                    shape = load(data).shape
                    gt = read_mask(mp, shape)
                items.append((ds, data, gt, label))
            print_table("Real copy-moves (shared data)", evaluate(items))
        rng = np.random.default_rng(1)
        items = []
        photos = list(itertools.islice(camera_photos(4 * a.n), 4 * a.n))
        for gi, kind in enumerate(("shift", "rotate", "scale", "jpeg")):
            for _name, img in photos[gi * a.n : (gi + 1) * a.n]:
                forged, gt = clone(img, rng, kind)
                q = int(rng.integers(70, 96)) if kind == "jpeg" else None
                items.append((kind, encode(forged, q), gt, "manipulated"))
                items.append((kind, encode(img, q), None, "authentic"))
        print_table(f"Synthetic clones from cameras photos (~1 MP, {a.n} per group)", evaluate(items))
    if not a.skip_speed:
        speed()


if __name__ == "__main__":
    main()
