"""Synthetic scenes and forgeries for the camera-trace tests (issue 5).

Everything is generated from a seed, so each test sees the same pixels every run.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image
from scipy.ndimage import gaussian_filter

from forgelens.evidence import load


def scene(h: int, w: int, seed: int = 0, noise: float = 2.0, fine: float = 5.0) -> np.ndarray:
    """A natural-looking float RGB scene (0..255): multi-scale texture, edges, sensor-like noise."""
    rng = np.random.default_rng(seed)
    base = np.full((h, w), 128.0)
    for s, a in ((40, 45), (10, 18), (3, 9), (1, fine)):
        n = gaussian_filter(rng.standard_normal((h, w)), s)
        base += a * n / (n.std() + 1e-9)
    yy, xx = np.mgrid[:h, :w]
    for _ in range(6):  # a few hard edges (discs)
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(h / 12, h / 5)
        base += rng.uniform(-35, 35) * (((yy - cy) ** 2 + (xx - cx) ** 2) < r * r)
    rgb = np.stack([base * g + o for g, o in ((1.0, 8), (0.95, 0), (0.85, -10))], axis=-1)
    rgb += rng.normal(0, noise, rgb.shape)
    return np.clip(rgb, 0, 255)


def to_u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def evidence_from(arr: np.ndarray, fmt: str = "PNG", quality: int = 95):
    """Encode an array (uint8 RGB or gray) and load it back as Evidence."""
    buf = io.BytesIO()
    im = Image.fromarray(to_u8(arr) if arr.dtype != np.uint8 else arr)
    im.save(buf, format=fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return load(buf.getvalue(), name=f"synthetic.{fmt.lower()}")


def bayer_demosaic(rgb: np.ndarray, shift: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Sample an RGGB Bayer mosaic (optionally shifted) and bilinearly demosaic it."""
    h, w, _ = rgb.shape
    yy, xx = np.mgrid[:h, :w]
    yy, xx = yy + shift[0], xx + shift[1]
    masks = [
        (yy % 2 == 0) & (xx % 2 == 0),
        (yy + xx) % 2 == 1,
        (yy % 2 == 1) & (xx % 2 == 1),
    ]
    k_rb = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], np.float64) / 4
    k_g = np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]], np.float64) / 4
    out = np.empty_like(rgb, dtype=np.float64)
    for c in range(3):
        m = masks[c].astype(np.float64)
        k = k_g if c == 1 else k_rb
        out[..., c] = cv2.filter2D(rgb[..., c] * m, -1, k, borderType=cv2.BORDER_REFLECT)
    return out


def box_mask(h: int, w: int, y0: int, x0: int, y1: int, x1: int) -> np.ndarray:
    m = np.zeros((h, w), bool)
    m[y0:y1, x0:x1] = True
    return m
