"""Aligned training pairs for the generator-trace CNN, the train/held-out split, and paired augmentation.

The recipe of Rajan et al. (ICLR 2025, "Aligned Datasets Improve Detection of Latent
Diffusion-Generated Images"): every real crop is also passed through a latent autoencoder
(TAEF2 here) and the reconstruction is a positive. The pair shows the same content, so the
only difference a model can learn is the decoder's trace.

A first attempt (session 1, ``npr_trace``) showed the shortcut this recipe still allows:
camera crops carry the JPEG 8×8 grid of the camera, TAEF2 erases it, so a model learns
"JPEG grid present = real". Here every real image is therefore **downscaled first** (area
interpolation, random factor — which removes both the JPEG grid and the demosaicing
pattern) before it is cropped and laundered, and every augmentation is applied with the
**same parameters to both sides of a pair** (crop offset, resize factor, blur, noise, JPEG or
WebP quality), so that format, size, resampling and content cannot carry the decision.

Two unpaired sets complete the data: native-resolution crops of the same training photos
(negatives, so the model meets camera JPEG/demosaicing at native resolution as *real*) and
native crops of Stable Diffusion 1.x/2.x outputs (positives).

Split (fixed, deterministic): camera photos of the second Dresden Nikon D70s unit are *held
out* (never in training; with the odd-CRC Sun-Hays photos and Kodak images 13–24 they set the
threshold and measure the false-positive rate), as is every 4th SD image. ``cameras/exif-samples``
is a copy of ``ianare/exif-samples``, a repository reserved for independent evaluation: its files
are never trained on *and* never used for calibration (``is_reserved``); they only measure.
Every other shared set (playground, GAN examples, CASIA, toolkit) is never used in training.
"""

from __future__ import annotations

import csv
import io
import time
import zlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from forgelens.jpeg import recompress
from forgelens.training import gen_data

__all__ = ["is_heldout", "is_reserved", "training_items", "calibration_items", "make_pairs", "downscaled_pair",
           "augment_pair", "PAIR"]

PAIR = 128  # side of stored crops
MIN_LEVEL = 1.5  # mean |luma difference| below this: a flat crop, not used


@lru_cache(maxsize=4)
def _camera_models(cameras_dir: str) -> dict[str, tuple[str, str]]:
    out = {}
    p = Path(cameras_dir) / "cameras.csv"
    if p.is_file():
        with open(p, newline="") as f:
            for r in csv.DictReader(f):
                out[r["image"]] = (r.get("model", ""), r.get("device", ""))
    return out


RESERVED_SUBSETS = {"cameras": ("exif-samples",)}  # dataset → sub-folders copied from reserved repositories


def is_reserved(item: gen_data.Item) -> bool:
    """True for pictures copied from a repository reserved for independent evaluation (never fit on)."""
    return item.path.parent.name in RESERVED_SUBSETS.get(item.dataset, ()) or any(
        f"{item.dataset}/{sub}/" in item.path.as_posix() for sub in RESERVED_SUBSETS.get(item.dataset, ()))


def is_heldout(item: gen_data.Item) -> bool:
    """True for images that training never sees (the fixed split described in the module)."""
    name = item.path.name
    if is_reserved(item):
        return True
    if item.dataset == "cameras":
        ds = item.path.parent.parent  # cameras/<subset>/<file>
        model, device = _camera_models(str(ds)).get(f"{item.path.parent.name}/{name}", ("", ""))
        if device.endswith("_1") or "D70s_1" in name:
            return True
        if device.endswith("_0") or "D70s_0" in name:
            return False
        return zlib.crc32((model or name).encode()) % 2 == 1
    if item.group == "pristine-sun-hays80":
        return zlib.crc32(name.encode()) % 2 == 1
    if item.group == "pristine-kodak24":
        return int("".join(c for c in item.path.stem if c.isdigit()) or 0) > 12
    if item.group == "sd12":
        return int("".join(c for c in item.path.stem if c.isdigit()) or 0) % 4 == 3
    return True  # every other set: evaluation only


TRAIN_REAL_GROUPS = ("cameras", "cameras-flatfield", "pristine-sun-hays80", "pristine-kodak24")


def training_items(items: Sequence[gen_data.Item]) -> tuple[list[gen_data.Item], list[gen_data.Item]]:
    """(real, generated) training images: non-held-out photos and SD 1.x/2.x outputs (never a reserved one:
    ``is_heldout`` is true for every reserved picture)."""
    real = [it for it in items if it.label == 0 and it.group in TRAIN_REAL_GROUPS and not is_heldout(it)]
    gen = [it for it in items if it.label == 1 and it.group == "sd12" and not is_heldout(it)]
    return real, gen


def calibration_items(items: Sequence[gen_data.Item]) -> tuple[list[gen_data.Item], list[gen_data.Item]]:
    """(real, generated) held-out images that calibrate and set the threshold; never a reserved one.

    Real: the second Nikon D70s unit (natural + flat field), odd-CRC Sun-Hays photos, Kodak
    13–24. Generated: every 4th SD 1.x/2.x image.
    """
    real = [it for it in items if it.label == 0 and it.group in TRAIN_REAL_GROUPS
            and is_heldout(it) and not is_reserved(it)]
    gen = [it for it in items if it.label == 1 and it.group == "sd12" and is_heldout(it) and not is_reserved(it)]
    return real, gen


def level(rgb: np.ndarray) -> float:
    y = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return float(np.abs(np.diff(y, axis=1)).mean())


def _random_crop(rgb: np.ndarray, rng: np.random.Generator, size: int, tries: int = 6) -> np.ndarray | None:
    h, w = rgb.shape[:2]
    if h < size or w < size:
        return None
    for _ in range(tries):
        y0, x0 = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
        c = rgb[y0:y0 + size, x0:x0 + size]
        if level(c) >= MIN_LEVEL:
            return np.ascontiguousarray(c)
    return None


def _downscale_range(rgb: np.ndarray, is_jpeg: bool) -> tuple[float, float]:
    """Area factors that remove the JPEG grid / demosaicing and keep ≥ 1.25 crops per side."""
    lo = max(0.2, 1.25 * PAIR / min(rgb.shape[:2]))
    hi = 0.67 if is_jpeg else 0.9
    return (lo, max(lo, hi))


def downscaled_pair(a: np.ndarray, is_jpeg: bool, rng: np.random.Generator,
                    launder: Callable[[np.ndarray], np.ndarray]) -> np.ndarray | None:
    """One aligned pair of the recipe: ``a`` downscaled (area, random factor of ``_downscale_range``),
    a textured ``PAIR`` px crop, and its ``launder`` reconstruction, as (2, PAIR, PAIR, 3); None when
    no textured crop is found. Draws from ``rng`` in the order ``make_pairs`` always has."""
    lo, hi = _downscale_range(a, is_jpeg)
    f = float(rng.uniform(lo, hi))
    small = cv2.resize(a, (max(PAIR, round(a.shape[1] * f)), max(PAIR, round(a.shape[0] * f))),
                       interpolation=cv2.INTER_AREA)
    c = _random_crop(small, rng, PAIR)
    if c is None:
        return None
    return np.stack([c, launder(c)])


def make_pairs(real: Sequence[gen_data.Item], gen: Sequence[gen_data.Item], *, n_pairs: int = 2400,
               n_native: int = 1200, n_gen: int = 1200, n_native_pairs: int = 0, seed: int = 0,
               launder: Callable[[np.ndarray], np.ndarray] | None = None,
               log: Callable[[str], None] = print) -> dict[str, np.ndarray]:
    """Crops for training: ``pairs`` (N, 2, 128, 128, 3) original/laundered, ``native`` real, ``gen``.

    ``npairs``: ``n_native_pairs`` more pairs from native-resolution crops (camera JPEG grid and
    demosaicing kept on the original side); training always re-compresses both sides of these
    at the same JPEG quality, so that the grid is present on both.

    Deterministic for a seed. ``launder`` defaults to ``taef2.launder`` (one torch thread).
    """
    if launder is None:
        import torch

        from forgelens.training import taef2

        torch.set_num_threads(1)
        launder = taef2.launder
    rng = np.random.default_rng(seed)
    imgs = [(it, gen_data.read_rgb(it.path)) for it in real]
    imgs = [(it, a) for it, a in imgs if min(a.shape[:2]) >= PAIR + 8]
    if not imgs:
        raise RuntimeError("no real training image is at least 136 px on its short side")
    # draws per image ∝ sqrt(area), capped: big photos give more distinct crops
    wts = np.array([min(a.shape[0] * a.shape[1], 4e6) ** 0.5 for _, a in imgs])
    wts /= wts.sum()
    pairs, native = [], []
    t0 = time.perf_counter()
    owner = rng.choice(len(imgs), size=n_pairs, p=wts)
    for k, i in enumerate(owner):
        it, a = imgs[i]
        pair = downscaled_pair(a, it.path.suffix.lower() in (".jpg", ".jpeg"), rng, launder)
        if pair is None:
            continue
        pairs.append(pair)
        if (k + 1) % 200 == 0:
            log(f"pairs {k + 1}/{n_pairs} ({time.perf_counter() - t0:.0f} s)")
    for i in rng.choice(len(imgs), size=n_native, p=wts):
        c = _random_crop(imgs[i][1], rng, PAIR)
        if c is not None:
            native.append(c)
    gimgs = [gen_data.read_rgb(it.path) for it in gen]
    gens = []
    for i in rng.integers(0, len(gimgs), size=n_gen) if gimgs else []:
        c = _random_crop(gimgs[int(i)], rng, PAIR)
        if c is not None:
            gens.append(c)
    npairs = []
    for i in rng.choice(len(imgs), size=n_native_pairs, p=wts) if n_native_pairs else []:
        c = _random_crop(imgs[i][1], rng, PAIR)
        if c is not None:
            npairs.append(np.stack([c, launder(c)]))
    z = np.zeros((0, PAIR, PAIR, 3), np.uint8)
    z2 = np.zeros((0, 2, PAIR, PAIR, 3), np.uint8)
    return {"pairs": np.stack(pairs) if pairs else z2, "native": np.stack(native) if native else z,
            "gen": np.stack(gens) if gens else z, "npairs": np.stack(npairs) if npairs else z2}


# --------------------------------------------------------------------------- paired augmentation
def _webp(rgb: np.ndarray, q: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="WEBP", quality=int(q))
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB"))


def augment_pair(imgs: Sequence[np.ndarray], rng: np.random.Generator, size: int = 64,
                 force_jpeg: bool = False) -> list[np.ndarray]:
    """The same random chain for every image given (both sides of a pair, or one image).

    Resize 0.5–1.5 (p 0.3), crop ``size`` at the same offset, Gaussian blur σ 0.3–1.0
    (p 0.1), Gaussian noise σ 1–3 with the same noise field (p 0.1), then JPEG q 60–100
    (p 0.5) or WebP q 60–100 (p 0.15) at the same quality; ``force_jpeg``: always JPEG q 60–95.
    """
    out = [np.asarray(a) for a in imgs]
    if rng.random() < 0.3:
        f = float(rng.uniform(0.5, 1.5))
        h, w = out[0].shape[:2]
        nh, nw = max(size, round(h * f)), max(size, round(w * f))
        interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
        out = [cv2.resize(a, (nw, nh), interpolation=interp) for a in out]
    h, w = out[0].shape[:2]
    y0, x0 = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    out = [np.ascontiguousarray(a[y0:y0 + size, x0:x0 + size]) for a in out]
    if rng.random() < 0.1:
        s = float(rng.uniform(0.3, 1.0))
        out = [cv2.GaussianBlur(a, (0, 0), s) for a in out]
    if rng.random() < 0.1:
        n = rng.normal(0, float(rng.uniform(1, 3)), out[0].shape).astype(np.float32)
        out = [np.clip(a + n, 0, 255).astype(np.uint8) for a in out]
    u = rng.random()
    if force_jpeg:
        q = int(rng.integers(60, 96))
        out = [recompress(a, q) for a in out]
    elif u < 0.5:
        q = int(rng.integers(60, 101))
        out = [recompress(a, q) for a in out]
    elif u < 0.65:
        q = int(rng.integers(60, 101))
        out = [_webp(a, q) for a in out]
    return out
