"""Object-like regions with an exact area: polygons, blobs and superpixel unions.

Forgery benchmarks whose masks are all rectangles teach a localizer to find
rectangles. Real edits follow objects, so the regions here are irregular:

- ``polygon``: a smoothed random star-shaped polygon (6–16 vertices, radius
  jitter, Chaikin corner cutting), the shape of a hand-drawn lasso;
- ``blob``: a low-pass random field thresholded inside an elliptic window,
  largest connected component kept — organic, one piece;
- ``superpixels``: a union of adjacent SLIC superpixels grown from a seed
  until the area is reached, so the boundary follows image edges like an
  object selection;
- ``ellipse`` and ``rectangle``: rarely, for variety.

Every generator takes the wanted area as a fraction of the image and returns a
boolean mask whose area is within a few percent of it, entirely inside the
image.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from scipy import ndimage as ndi

__all__ = ["SHAPES", "SHAPE_WEIGHTS", "random_region", "sample_area_fraction"]

SHAPES = ("polygon", "blob", "superpixels", "ellipse", "rectangle")
#: Sampling weights of the shapes (rectangles rare: real selections are not boxes).
SHAPE_WEIGHTS = (0.35, 0.3, 0.25, 0.06, 0.04)


def sample_area_fraction(rng: np.random.Generator, lo: float = 0.01, hi: float = 0.30) -> float:
    """Log-uniform area fraction in [lo, hi] (small edits are as common as large ones)."""
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _chaikin(pts: np.ndarray, rounds: int = 3) -> np.ndarray:
    for _ in range(rounds):
        nxt = np.roll(pts, -1, axis=0)
        q = 0.75 * pts + 0.25 * nxt
        r = 0.25 * pts + 0.75 * nxt
        pts = np.stack([q, r], axis=1).reshape(-1, 2)
    return pts


def _polygon_unit(rng: np.random.Generator) -> np.ndarray:
    """Star-shaped polygon around the origin, radii ~1, returned as smoothed (N,2) points."""
    n = int(rng.integers(6, 17))
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = rng.uniform(0.45, 1.0, n)
    aspect = rng.uniform(0.6, 1.0)
    theta = rng.uniform(0, np.pi)
    pts = np.stack([rad * np.cos(ang), aspect * rad * np.sin(ang)], axis=1)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    return _chaikin(pts @ rot.T, rounds=int(rng.integers(0, 4)))


def _shoelace(pts: np.ndarray) -> float:
    x, y = pts[:, 0], pts[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _place(rng: np.random.Generator, shape: tuple[int, int], bh: int, bw: int) -> tuple[int, int]:
    h, w = shape
    y0 = int(rng.integers(0, max(1, h - bh + 1)))
    x0 = int(rng.integers(0, max(1, w - bw + 1)))
    return y0, x0


def _polygon(rng, shape, area):
    pts = _polygon_unit(rng)
    scale = math.sqrt(area / max(_shoelace(pts), 1e-9))
    pts = pts * scale
    lo, hi = pts.min(0), pts.max(0)
    bw, bh = int(math.ceil(hi[0] - lo[0])) + 1, int(math.ceil(hi[1] - lo[1])) + 1
    h, w = shape
    if bw > w or bh > h:  # too wide for the image: squeeze into it
        f = min(w / bw, h / bh) * 0.98
        pts, bw, bh = pts * f, int(bw * f), int(bh * f)
        lo = pts.min(0)
    y0, x0 = _place(rng, shape, bh, bw)
    pts = pts - lo + np.array([x0, y0])
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(pts * 16).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=4)
    return mask.astype(bool)


def _ellipse(rng, shape, area):
    aspect = rng.uniform(0.4, 1.0)
    a = math.sqrt(area / (math.pi * aspect))
    b = a * aspect
    h, w = shape
    a, b = min(a, w / 2 - 1, h / 2 - 1), min(b, w / 2 - 1, h / 2 - 1)
    ang = float(rng.uniform(0, 180))
    bw = bh = int(2 * max(a, b)) + 2
    bw, bh = min(bw, w), min(bh, h)
    y0, x0 = _place(rng, shape, bh, bw)
    mask = np.zeros(shape, np.uint8)
    cv2.ellipse(mask, (x0 + bw // 2, y0 + bh // 2), (max(1, int(a)), max(1, int(b))), ang, 0, 360, 1, -1)
    return mask.astype(bool)


def _rectangle(rng, shape, area):
    h, w = shape
    aspect = rng.uniform(0.4, 2.5)
    bw = int(min(w, max(4, round(math.sqrt(area * aspect)))))
    bh = int(min(h, max(4, round(area / bw))))
    y0, x0 = _place(rng, shape, bh, bw)
    mask = np.zeros(shape, bool)
    mask[y0 : y0 + bh, x0 : x0 + bw] = True
    return mask


def _blob(rng, shape, area):
    h, w = shape
    aspect = rng.uniform(0.5, 1.0)
    # the window ellipse is filled to about 60% by the thresholded field
    side = math.sqrt(area / (0.6 * math.pi / 4 * aspect))
    bw, bh = int(min(w, side)), int(min(h, side * aspect))
    bw, bh = max(bw, 8), max(bh, 8)
    g = 64
    field = ndi.gaussian_filter(rng.standard_normal((g, g)), sigma=g / rng.uniform(5, 10), mode="wrap")
    yy, xx = np.mgrid[-1 : 1 : g * 1j, -1 : 1 : g * 1j]
    window = 1.0 - (xx**2 + yy**2)
    field = (field - field.mean()) / (field.std() + 1e-9) * 0.35 + window
    field = cv2.resize(field.astype(np.float32), (bw, bh), interpolation=cv2.INTER_CUBIC)
    want = min(area, bw * bh * 0.95)
    thr = np.partition(field.ravel(), field.size - int(want))[field.size - int(want)]
    blob = field >= thr
    lab, n = ndi.label(blob)
    if n > 1:
        sizes = np.bincount(lab.ravel())[1:]
        blob = lab == (1 + int(np.argmax(sizes)))
    blob = ndi.binary_fill_holes(blob)
    y0, x0 = _place(rng, shape, bh, bw)
    mask = np.zeros(shape, bool)
    mask[y0 : y0 + bh, x0 : x0 + bw] = blob
    return mask


def _superpixels(rng, shape, area, image):
    from skimage.segmentation import slic

    h, w = shape
    f = min(1.0, 256.0 / max(h, w))
    sh, sw = max(8, round(h * f)), max(8, round(w * f))
    small = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_AREA)
    seg = slic(small, n_segments=int(rng.integers(150, 400)), compactness=10.0, start_label=0)
    seg = cv2.resize(seg.astype(np.int32).astype(np.float32), (w, h), interpolation=cv2.INTER_NEAREST)
    seg = seg.astype(np.int32)
    n = int(seg.max()) + 1
    sizes = np.bincount(seg.ravel(), minlength=n)
    # adjacency of labels from horizontal/vertical neighbours
    a = np.concatenate([seg[:, :-1].ravel(), seg[:-1, :].ravel()])
    b = np.concatenate([seg[:, 1:].ravel(), seg[1:, :].ravel()])
    diff = a != b
    adj = np.zeros((n, n), bool)
    adj[a[diff], b[diff]] = True
    adj |= adj.T
    chosen = np.zeros(n, bool)
    start = int(rng.choice(n, p=sizes / sizes.sum()))
    chosen[start] = True
    total = sizes[start]
    while total < area:
        frontier = np.flatnonzero(adj[chosen].any(0) & ~chosen)
        if frontier.size == 0:
            break
        nxt = int(rng.choice(frontier))
        if total + sizes[nxt] > area * 1.15 and total > area * 0.85:
            break
        chosen[nxt] = True
        total += sizes[nxt]
    mask = chosen[seg]
    return ndi.binary_fill_holes(mask)


def random_region(
    rng: np.random.Generator,
    shape: tuple[int, int],
    area_fraction: float,
    *,
    shape_kind: str | None = None,
    image: np.ndarray | None = None,
) -> tuple[np.ndarray, dict]:
    """Draw one irregular region covering about ``area_fraction`` of the image.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness (the only one used).
    shape : (int, int)
        Image height and width.
    area_fraction : float
        Wanted area as a fraction of the image, e.g. 0.01–0.30.
    shape_kind : str, optional
        One of ``SHAPES``; sampled with ``SHAPE_WEIGHTS`` when omitted.
        ``superpixels`` needs ``image`` and falls back to ``blob`` without it.
    image : ndarray, optional
        uint8 RGB image the superpixels follow.

    Returns
    -------
    mask : ndarray of bool, shape ``shape``
        The region (non-empty).
    info : dict
        ``{"shape": name, "area_fraction": measured}``.
    """
    h, w = shape
    if shape_kind is None:
        shape_kind = str(rng.choice(SHAPES, p=np.asarray(SHAPE_WEIGHTS)))
    if shape_kind == "superpixels" and image is None:
        shape_kind = "blob"
    area = max(16.0, float(area_fraction) * h * w)
    if shape_kind == "polygon":
        mask = _polygon(rng, shape, area)
    elif shape_kind == "blob":
        mask = _blob(rng, shape, area)
    elif shape_kind == "superpixels":
        mask = _superpixels(rng, shape, area, image)
    elif shape_kind == "ellipse":
        mask = _ellipse(rng, shape, area)
    elif shape_kind == "rectangle":
        mask = _rectangle(rng, shape, area)
    else:
        raise ValueError(f"unknown region shape {shape_kind!r}; choose from {SHAPES}")
    if not mask.any():  # degenerate draw: fall back to a centred ellipse-ish blob
        mask = _ellipse(rng, shape, area)
    return mask, {"shape": shape_kind, "area_fraction": round(float(mask.mean()), 5)}
