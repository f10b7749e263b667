"""Synthetic natural-looking pictures and JPEG composites with known masks (JPEG detector tests)."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image


def natural_texture(h: int, w: int, seed: int) -> np.ndarray:
    """uint8 RGB: multi-scale smoothed noise + gradients + hard-edged shapes + mild sensor noise."""
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.float32)
    for sigma, amp in ((24, 60), (6, 25), (1.5, 10)):
        n = rng.standard_normal((h, w, 3)).astype(np.float32)
        n = cv2.GaussianBlur(n, (0, 0), sigma)
        n /= n.std() + 1e-6
        mix = rng.uniform(0.6, 1.0, 3).astype(np.float32)  # correlated colour channels
        img += amp * (0.7 * n[..., :1] + 0.3 * n * mix)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    img += (np.cos(ang) * xx / w + np.sin(ang) * yy / h)[..., None] * rng.uniform(30, 60, 3)
    for _ in range(6):
        c = tuple(int(v) for v in rng.integers(0, [w, h]))
        col = rng.uniform(-50, 50, 3)
        shape = np.zeros((h, w), np.uint8)
        if rng.random() < 0.5:
            cv2.circle(shape, c, int(rng.integers(10, max(11, min(h, w) // 4))), 1, -1, cv2.LINE_AA)
        else:
            d = rng.integers(10, max(11, min(h, w) // 3), 2)
            cv2.rectangle(shape, c, (c[0] + int(d[0]), c[1] + int(d[1])), 1, -1)
        img += shape[..., None].astype(np.float32) * col
    img = img - img.mean() + 128
    img += rng.normal(0, 2.0, img.shape).astype(np.float32)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def jpeg_bytes(rgb: np.ndarray, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def png_bytes(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


def decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB")).copy()


def jpeg_roundtrip(rgb: np.ndarray, quality: int) -> np.ndarray:
    return decode(jpeg_bytes(rgb, quality))


def composite(
    background: np.ndarray,
    donor: np.ndarray,
    box: tuple[int, int, int, int],
    src_shift: tuple[int, int] = (0, 0),
) -> tuple[np.ndarray, np.ndarray]:
    """Paste donor[y0+sy:y1+sy, x0+sx:x1+sx] into background at box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    sy, sx = src_shift
    out = background.copy()
    out[y0:y1, x0:x1] = donor[y0 + sy : y1 + sy, x0 + sx : x1 + sx]
    mask = np.zeros(background.shape[:2], bool)
    mask[y0:y1, x0:x1] = True
    return out, mask
