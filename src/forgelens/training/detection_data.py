"""The data behind the image-level detection model: a host split, synth sets and hard negatives.

Pristine hosts (never a reserved evaluation set; ``cameras/exif-samples`` is a copy of a
reserved repository and is used only to *measure* false alarms, never to fit):

- train: Dresden Nikon D70s unit #0 (natural + flat-field), Sun-Hays 80 with even CRC32,
  Kodak 1–12, aigen-playground real photos with even CRC32;
- validation (camera-disjoint from training): Dresden Nikon D70s unit #1, Sun-Hays odd
  CRC32, Kodak 13–24, aigen-playground real photos with odd CRC32.

From each half, ``forgelens synth`` makes half authentic (through the same chains: JPEG,
resize, social, WebP, blur, noise) and half forgeries (splice, copy-move, two removals,
local edits) at ≈ 0.5 MP (training: two such draws, ``synth-train`` and ``synth-train2``, plus
``synth-train-auth``, authentic only), and this script adds **hard negatives**, all authentic:
smoothed/denoised "phone" photos, screenshots (the photo in a window with flat bars and
text), and scenes with genuinely repeated objects (the same sign drawn two to four times
on the photo, each copy with its own sensor noise, then JPEG) — what a copy-move
detector matches although nothing was cloned.

    python benchmarks/fit/detection_data.py benchmarks/data/detection   # ≈ 2 minutes
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from forgelens.bench.datasets import write_index_csv

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "datasets"
KINDS_HALF_AUTHENTIC = ("authentic,splice,authentic,copymove,authentic,removal-inpaint,authentic,"
                        "removal-exemplar,authentic,local")
#: Images per split (synth) and hard negatives per kind per split: a few hundred in all,
#: because every image costs one full analysis (≈ 5 s at 0.5 MP on one core).
N_SYNTH = {"train": 200, "val": 100}
N_HARD = {"train": 16, "val": 8}
MAX_PIXELS = 524_288


def _odd(name: str) -> bool:
    return zlib.crc32(name.encode()) % 2 == 1


def hosts(split: str) -> list[Path]:
    """Pristine files of one split (see the module docstring)."""
    val = split == "val"
    out: list[Path] = []
    for p in sorted((DATA / "cameras" / "prnu").glob("*")):
        if ("D70s_1" in p.name) == val:
            out.append(p)
    for p in sorted((DATA / "pristine-extra" / "sun-hays80").glob("*")):
        if _odd(p.name) == val:
            out.append(p)
    for p in sorted((DATA / "pristine-extra").glob("kodak*/*")):
        num = int("".join(c for c in p.stem if c.isdigit()) or 0)
        if (num > 12) == val:
            out.append(p)
    for p in sorted((DATA / "aigen-playground" / "real").glob("*")):
        if _odd(p.name) == val:
            out.append(p)
    return out


def _read(path: Path, rng: np.random.Generator) -> np.ndarray:
    """A ≈ 0.5 MP crop of a host (random position), as RGB uint8."""
    im = np.asarray(Image.open(path).convert("RGB"))
    h, w = im.shape[:2]
    f = min(1.0, (MAX_PIXELS / (h * w)) ** 0.5)
    ch, cw = max(64, int(h * f)), max(64, int(w * f))
    y = int(rng.integers(0, h - ch + 1))
    x = int(rng.integers(0, w - cw + 1))
    return im[y:y + ch, x:x + cw].copy()


def _jpeg(rgb: np.ndarray, q: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=int(q))
    return buf.getvalue()


def _png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


def smoothed(rgb: np.ndarray, rng: np.random.Generator) -> bytes:
    """A phone-like denoised photo: non-local means (or a bilateral filter), then JPEG."""
    if rng.random() < 0.5:
        out = cv2.fastNlMeansDenoisingColored(rgb, None, float(rng.uniform(5, 12)), 10, 7, 21)
    else:
        out = cv2.bilateralFilter(rgb, 9, float(rng.uniform(30, 70)), 7)
    return _jpeg(out, int(rng.integers(80, 96)))


def screenshot(rgb: np.ndarray, rng: np.random.Generator) -> bytes:
    """The photo shown in a window: scaled, flat title/status bars with text, saved as PNG."""
    h, w = rgb.shape[:2]
    s = float(rng.uniform(0.6, 0.9))
    inner = cv2.resize(rgb, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA)
    canvas = np.full((h, w, 3), int(rng.integers(230, 256)), np.uint8)
    y0, x0 = int((h - inner.shape[0]) * 0.6), (w - inner.shape[1]) // 2
    canvas[y0:y0 + inner.shape[0], x0:x0 + inner.shape[1]] = inner
    bar = max(12, y0 // 2)
    canvas[:bar] = (int(rng.integers(30, 90)),) * 3
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(canvas, f"photo_{int(rng.integers(10000)):04d}.jpg - Viewer", (8, max(10, bar - 4)), font,
                0.4, (240, 240, 240), 1, cv2.LINE_AA)
    cv2.putText(canvas, f"100%   {w}x{h}", (8, h - 6), font, 0.4, (40, 40, 40), 1, cv2.LINE_AA)
    return _png(canvas) if rng.random() < 0.7 else _jpeg(canvas, 90)


def repeated(rgb: np.ndarray, rng: np.random.Generator) -> bytes:
    """Genuinely repeated objects: one sign (panel + text) printed 2–4 times in the scene, each
    copy with its own sensor noise and the whole picture JPEG-compressed once."""
    h, w = rgb.shape[:2]
    out = rgb.astype(np.float32)
    sh, sw = max(24, h // 8), max(48, w // 5)
    colour = rng.integers(0, 256, 3)
    sign = np.empty((sh, sw, 3), np.uint8)
    sign[:] = colour
    txt = [int(255 - c) for c in colour]
    cv2.putText(sign, f"VOTE {int(rng.integers(1, 99))}", (4, sh - 6), cv2.FONT_HERSHEY_DUPLEX,
                sh / 40.0, txt, max(1, sh // 20), cv2.LINE_AA)
    sign = sign.astype(np.float32)
    n = int(rng.integers(2, 5))
    for i in range(n):
        y = int(rng.integers(0, h - sh))
        x = int((i + 0.5) * w / n - sw / 2)
        x = int(np.clip(x, 0, w - sw))
        shade = float(rng.uniform(0.8, 1.1))
        out[y:y + sh, x:x + sw] = sign * shade + rng.normal(0, 2.0, (sh, sw, 3))
    return _jpeg(np.clip(out, 0, 255).astype(np.uint8), int(rng.integers(80, 96)))


HARD = {"smoothed": smoothed, "screenshot": screenshot, "repeated": repeated}


def hard_negatives(split: str, out: Path, seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "images").mkdir(exist_ok=True)
    pool = hosts(split)
    rows = []
    for k, (kind, fn) in enumerate(HARD.items()):
        for i in range(N_HARD[split]):
            rng = np.random.default_rng([seed, k, i])
            host = pool[int(rng.integers(len(pool)))]
            data = fn(_read(host, rng), rng)
            ext = "png" if data[:4] == b"\x89PNG" else "jpg"
            name = f"images/{kind}_{i:03d}.{ext}"
            (out / name).write_bytes(data)
            rows.append((name, "", "authentic", f"{kind}:{host.name}"))
    write_index_csv(out, rows)


def synth(split: str, out: Path, seed: int, n: int | None = None, kinds: str = KINDS_HALF_AUTHENTIC) -> None:
    cmd = [sys.executable, "-m", "forgelens", "synth", "-n", str(n or N_SYNTH[split]), "--seed", str(seed),
           "--kinds", kinds, "--max-pixels", str(MAX_PIXELS), "-j", "1", "--force", "-o", str(out)]
    for p in hosts(split):
        cmd += ["-p", str(p)]
    subprocess.run(cmd, check=True)


def make_all(out: Path, seed: int = 14) -> None:
    """Every set of the recipe under ``out`` (synth sets are made once: deterministic)."""
    for split, sd in (("train", seed), ("val", seed + 1)):
        print(split, len(hosts(split)), "hosts", flush=True)
        if not (out / f"synth-{split}" / "index.csv").exists():
            synth(split, out / f"synth-{split}", sd)
        hard_negatives(split, out / f"hard-{split}", sd)
    # More training data on the same training hosts: a second half-authentic draw and an
    # authentic-only draw (other seeds). The authentic images give the operating threshold
    # enough negatives (it is set on out-of-fold scores of the training data, folds grouped by host).
    for name, sd, kinds in (("synth-train2", seed + 100, KINDS_HALF_AUTHENTIC),
                            ("synth-train-auth", seed + 200, "authentic")):
        if not (out / name / "index.csv").exists():
            synth("train", out / name, sd, N_SYNTH["train"], kinds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    make_all(args.out, args.seed)


if __name__ == "__main__":
    main()
