"""Synthetic copy-move forgeries with known masks, for the copy-move tests."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image


def natural_image(h: int = 384, w: int = 512, seed: int = 0) -> np.ndarray:
    """A natural-looking RGB picture: a skimage photo resized/cropped, else 1/f noise."""
    try:
        from skimage import data

        pics = [data.astronaut, data.coffee, data.chelsea, data.rocket]
        im = pics[seed % len(pics)]()
    except Exception:  # pragma: no cover - skimage data missing
        rng = np.random.default_rng(seed)
        f = np.fft.fftfreq(h)[:, None] ** 2 + np.fft.fftfreq(w)[None, :] ** 2
        spec = (rng.normal(size=(h, w, 3)) + 1j * rng.normal(size=(h, w, 3))) / np.maximum(f, 1e-4)[..., None] ** 0.9
        im = np.real(np.fft.ifft2(spec, axes=(0, 1)))
        im = (im - im.min()) / np.ptp(im) * 255
    im = cv2.resize(np.asarray(im, np.uint8), (w, h), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(im)


def clone(img: np.ndarray, src_center, dst_center, radius: int, angle: float = 0.0, scale: float = 1.0):
    """Copy a disk of ``radius`` around ``src_center`` (x, y) to ``dst_center``, rotated/scaled.

    Returns (forged image, source mask, target mask).
    """
    h, w = img.shape[:2]
    src = np.zeros((h, w), np.uint8)
    cv2.circle(src, (int(src_center[0]), int(src_center[1])), int(radius), 1, -1)
    A = cv2.getRotationMatrix2D((float(src_center[0]), float(src_center[1])), angle, scale)
    A[:, 2] += np.array(dst_center, float) - np.array(src_center, float)
    warped = cv2.warpAffine(img, A, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    dst = cv2.warpAffine(src, A, (w, h), flags=cv2.INTER_NEAREST) > 0
    out = img.copy()
    out[dst] = warped[dst]
    return out, src.astype(bool) & ~dst, dst


def encode(img: np.ndarray, fmt: str = "PNG", quality: int = 90) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format=fmt, quality=quality) if fmt == "JPEG" else Image.fromarray(img).save(buf, format=fmt)
    return buf.getvalue()


def bricks(h: int = 384, w: int = 512, seed: int = 0, bw: int = 48, bh: int = 24) -> np.ndarray:
    """A brick wall: repeated bricks with per-brick tone, texture and slight sensor noise."""
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w), np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    row = yy // bh
    xs = xx + (row % 2) * (bw // 2)
    col = xs // bw
    tone = rng.normal(150, 12, size=(row.max() + 2, col.max() + 2))
    img[:] = tone[row, col]
    mortar = ((yy % bh) < 3) | ((xs % bw) < 3)
    img[mortar] = 200
    tex = cv2.GaussianBlur(rng.normal(0, 10, (h, w)).astype(np.float32), (0, 0), 1.2)
    img = img + tex + rng.normal(0, 2, (h, w))
    rgb = np.stack([img * 1.0, img * 0.55, img * 0.4], -1)
    return np.clip(rgb, 0, 255).astype(np.uint8)
