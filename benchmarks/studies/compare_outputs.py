"""Snapshot every default detector's output on a few images, and compare two snapshots.

Used to check that a speed/memory change leaves what the detectors find unchanged:
max |difference| of every heatmap, reliability map and extra map, and of every score,
plus whether the finding kinds/messages match.

    python benchmarks/studies/compare_outputs.py save before.npz      # before the change
    python benchmarks/studies/compare_outputs.py save after.npz       # after it
    python benchmarks/studies/compare_outputs.py compare before.npz after.npz

The images: three synthetic composites made here (a q60 region pasted into a q90 photo,
grid-aligned; a misaligned q70 paste into a q75 image saved as PNG; a noisier pasted blob),
and, where ``../shared/datasets`` is present, a few real images (first files of nist16,
casia2-samples, cameras).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _jpeg(rgb: np.ndarray, q: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=q)
    return buf.getvalue()


def _dec(b: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(b)).convert("RGB")).copy()


def _base(h: int, w: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.float32)
    for sigma, amp in ((20, 60), (5, 25), (1.5, 10)):
        n = cv2.GaussianBlur(rng.standard_normal((h, w, 3)).astype(np.float32), (0, 0), sigma)
        img += amp * (0.7 * n[..., :1] + 0.3 * n) / (n.std() + 1e-6)
    img += 128 + rng.normal(0, 2.0, img.shape).astype(np.float32)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def images() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    h, w = 768, 1024
    a, b = _base(h, w, 1), _base(h, w, 2)
    comp = _dec(_jpeg(a, 95)).copy()
    comp[256:512, 320:640] = _dec(_jpeg(b, 60))[256:512, 320:640]
    out["ghost_adq_q60_in_q90"] = _jpeg(comp, 90)
    comp = _dec(_jpeg(a, 75)).copy()
    donor = _dec(_jpeg(b, 70))
    comp[203:459, 301:601] = donor[200:456, 299:599]
    buf = io.BytesIO()
    Image.fromarray(comp).save(buf, "PNG")
    out["grid_shift_png"] = buf.getvalue()
    rng = np.random.default_rng(3)
    noisy = a.astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    blob = ((yy - 400) ** 2 + (xx - 500) ** 2) < 150**2
    noisy[blob] += rng.normal(0, 6, (int(blob.sum()), 3))
    out["noise_blob_q92"] = _jpeg(np.clip(noisy, 0, 255).astype(np.uint8), 92)
    for sub, pat in (("nist16/images", "*"), ("casia2-samples/tampered", "*"), ("cameras", "**/hdr_*_YES.jpg")):
        d = SHARED / sub
        if d.exists():
            files = sorted(p for p in d.glob(pat) if p.is_file() and p.suffix.lower() in (".jpg", ".jpeg", ".tif", ".png"))
            for p in files[:2]:
                out[f"{sub.split('/')[0]}_{p.stem}"] = p.read_bytes()
    return out


def save(path: str, detectors: list[str] | None) -> None:
    from forgelens.pipeline import analyze

    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, dict] = {}
    for name, data in images().items():
        rep = analyze(data, detectors=detectors, name=name)
        for t in rep.traces:
            key = f"{name}|{t.name}"
            meta[key] = {
                "score": t.score,
                "applicable": t.applicable,
                "error": t.error,
                "findings": [f.message for f in t.findings],
            }
            for k, m in [("heatmap", t.heatmap), ("reliability", t.reliability), *t.extra_maps.items()]:
                if m is not None:
                    # at pixels, so runs of code that keeps block grids and of code that did not compare
                    arrays[f"{key}|{k}"] = t.pixels(m) if hasattr(t, "pixels") else np.asarray(m, np.float32)
        print(f"{name}: {rep.evidence.width}x{rep.evidence.height}", file=sys.stderr)
    np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)


def compare(a: str, b: str) -> None:
    A, B = np.load(a), np.load(b)
    ma, mb = json.loads(str(A["meta"])), json.loads(str(B["meta"]))
    per_det: dict[str, dict] = {}
    for key in sorted(set(ma) | set(mb)):
        det = key.split("|")[1]
        r = per_det.setdefault(det, {"map": 0.0, "score": 0.0, "findings_differ": 0, "missing": 0, "n": 0})
        r["n"] += 1
        if key not in ma or key not in mb:
            r["missing"] += 1
            continue
        sa, sb = ma[key]["score"], mb[key]["score"]
        if (sa is None) != (sb is None):
            r["score"] = float("inf")
        elif sa is not None:
            r["score"] = max(r["score"], abs(sa - sb))
        if ma[key]["findings"] != mb[key]["findings"]:
            r["findings_differ"] += 1
            print(f"findings differ: {key}\n  before: {ma[key]['findings']}\n  after:  {mb[key]['findings']}")
        if ma[key]["error"] or mb[key]["error"]:
            print(f"error: {key}: {ma[key]['error']!r} / {mb[key]['error']!r}")
    for k in sorted(set(A.files) | set(B.files)):
        if k == "meta":
            continue
        det = k.split("|")[1]
        if k not in A.files or k not in B.files:
            print(f"map only in {'before' if k in A.files else 'after'}: {k}")
            per_det[det]["missing"] += 1
            continue
        x, y = A[k], B[k]
        if x.shape != y.shape:
            print(f"shape differs: {k} {x.shape} vs {y.shape}")
            per_det[det]["map"] = float("inf")
            continue
        d = float(np.max(np.abs(x - y))) if x.size else 0.0
        if d > 1e-4:
            print(f"  {k}: max |diff| {d:.2e}, mean {float(np.mean(np.abs(x - y))):.2e}")
        per_det[det]["map"] = max(per_det[det]["map"], d)
    print("| detector | images | max abs diff, maps | max abs diff, score | findings text differs | missing |")
    print("|---|---|---|---|---|---|")
    for det, r in sorted(per_det.items()):
        print(f"| {det} | {r['n']} | {r['map']:.2e} | {r['score']:.2e} | {r['findings_differ']} | {r['missing']} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("save")
    s.add_argument("path")
    s.add_argument("--detectors", default="")
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    args = ap.parse_args()
    if args.cmd == "save":
        save(args.path, [d for d in args.detectors.split(",") if d] or None)
    else:
        compare(args.a, args.b)


if __name__ == "__main__":
    main()
