"""Difference map between a suspect and a reference already aligned onto it.

Why each step: processing that an honest re-share applies (recompression,
resizing, colour grading, cropping) must stay dark, edits must light up.

1. Both pictures are compared on the suspect's grid at a working resolution,
   low-passed at the coarser of the two effective resolutions (a Gaussian of
   sigma ≈ 0.6 × the scale change, at least 1 px), so that resampling and JPEG
   block noise, which live in the highest frequencies, fall away.
2. Photometry: a global colour transform (a second-order polynomial in R, G,
   B per output channel, which covers gain, offset, gamma-like curves,
   saturation and channel mixing) is fitted from the reference to the suspect
   by iteratively re-weighted least squares with Tukey's biweight, so that
   edited pixels do not pull the fit (Holland & Welsch 1977).
3. The per-pixel colour distance is taken as the minimum over ±1 px shifts of
   the reference (absorbs residual misregistration at edges), then expressed
   in units of a robust noise scale (1.4826 × MAD over the overlap).
4. Mask: distance above max(absolute floor, k × noise), cleaned by opening
   and a minimum area; connected components become the changed regions.
"""

from __future__ import annotations

import cv2
import numpy as np

WORK_SIDE = 1024  # working resolution of the difference (longest side)
ABS_FLOOR = 18.0  # minimum colour distance (0-255 RGB units) that counts as a change
K_SIGMA = 6.0  # ... and in robust noise units
MIN_AREA_FRACTION = 0.0008  # smallest changed region kept, as a fraction of the overlap


def _poly_features(x: np.ndarray) -> np.ndarray:
    """[1, r, g, b, r², g², b², rg, rb, gb] for rows of RGB in [0, 1]."""
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    return np.stack([np.ones_like(r), r, g, b, r * r, g * g, b * b, r * g, r * b, g * b], axis=1)


def fit_colour_transform(ref: np.ndarray, sus: np.ndarray, iters: int = 6, seed: int = 0) -> np.ndarray:
    """Robust (Tukey IRLS) quadratic colour map from reference rows (N, 3) to suspect rows, values in 0-255.

    Returns the (10, 3) coefficient matrix.
    """
    rng = np.random.default_rng(seed)
    if len(ref) > 60000:
        pick = rng.choice(len(ref), 60000, replace=False)
        ref, sus = ref[pick], sus[pick]
    X = _poly_features(ref / 255.0)
    Y = sus / 255.0
    w = np.ones(len(X))
    coef = np.zeros((10, 3))
    coef[1:4] = np.eye(3)
    for _ in range(iters):
        Xw = X * w[:, None]
        coef = np.linalg.lstsq(Xw.T @ X + 1e-6 * np.eye(10), Xw.T @ Y, rcond=None)[0]
        res = np.linalg.norm(X @ coef - Y, axis=1)
        s = 1.4826 * np.median(res) + 1e-4
        u = res / (4.685 * s)
        w = np.where(u < 1, (1 - u * u) ** 2, 0.0)
        if w.sum() < 50:
            break
    return coef


def apply_colour_transform(rgb: np.ndarray, coef: np.ndarray) -> np.ndarray:
    flat = rgb.reshape(-1, 3).astype(np.float32) / 255.0
    out = (_poly_features(flat) @ coef.astype(np.float32)) * 255.0
    return out.reshape(rgb.shape).astype(np.float32)


def shift_min_distance(a: np.ndarray, b: np.ndarray, radius: int = 1) -> np.ndarray:
    """Per-pixel min over shifts of b within ±radius of the Euclidean colour distance |a − b_shifted|."""
    pad = cv2.copyMakeBorder(b, radius, radius, radius, radius, cv2.BORDER_REPLICATE)
    h, w = a.shape[:2]
    best = None
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            d = np.sqrt(((a - pad[dy:dy + h, dx:dx + w]) ** 2).sum(axis=2))
            best = d if best is None else np.minimum(best, d)
    return best


def difference(sus: np.ndarray, ref_warped: np.ndarray, valid: np.ndarray, scale: float) -> dict:
    """Difference of the suspect and the aligned reference, both RGB float32 on the same grid.

    ``scale`` is the linear size of one reference pixel in suspect pixels (from the alignment).
    Returns distance (float32, 0-255 units), z (in noise units), score map in [0, 1],
    mask (bool), the colour coefficients and the noise scale.
    """
    sigma = max(1.0, 0.6 * scale)
    a = cv2.GaussianBlur(sus, (0, 0), sigma)
    b = cv2.GaussianBlur(ref_warped, (0, 0), sigma)
    v = cv2.erode(valid.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    if v.sum() < 100:
        v = valid
    coef = fit_colour_transform(b[v], a[v])
    b_norm = apply_colour_transform(b, coef)
    dist = shift_min_distance(a, b_norm, 1)
    dist = cv2.blur(dist, (3, 3))
    dist[~v] = 0.0
    noise = 1.4826 * float(np.median(dist[v])) + 1.0 if v.any() else 1.0
    thresh = max(ABS_FLOOR, K_SIGMA * noise)
    score = np.clip(dist / (2 * thresh), 0, 1).astype(np.float32)
    mask = clean_mask(dist > thresh, int(MIN_AREA_FRACTION * max(v.sum(), 1)))
    return {"distance": dist.astype(np.float32), "score": score, "mask": mask, "colour_coef": coef,
            "noise": noise, "threshold": thresh, "valid": v, "sus_blur": a, "ref_blur": b_norm}


def clean_mask(m: np.ndarray, min_area: int) -> np.ndarray:
    """Open (3x3), close (5x5), and drop components smaller than ``min_area`` pixels."""
    m = cv2.morphologyEx(m.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    keep = np.zeros(n, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= max(min_area, 4)
    return keep[lab]


def _grad_energy(rgb: np.ndarray) -> np.ndarray:
    g = cv2.cvtColor(np.clip(rgb, 0, 255).astype(np.uint8), cv2.COLOR_RGB2GRAY).astype(np.float32)
    return np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))


def changed_regions(mask: np.ndarray, sus: np.ndarray, ref_norm: np.ndarray, dist: np.ndarray,
                    to_suspect: float, max_regions: int = 50) -> list[dict]:
    """Connected components of the mask with box (suspect pixels), area and a kind when it can be told.

    Kind (a heuristic from the two sides of the region, reported with its cues):
    ``added`` when the suspect has a contour along the region's border that the reference
    lacks (border gradient ratio > 1.4), ``removed`` when the reference has it (< 1/1.4) or
    much more detail inside (< 1/1.6); ``recoloured`` when the structure matches (gradient
    correlation > 0.7) and only the colour differs; ``text_changed`` when both sides hold
    dense fine strokes (≥ 15 % strong-gradient pixels each) in a low, wide strip; otherwise
    ``altered`` (content replaced, kind not told).
    """
    # parts of one edit split by a thin unchanged line (a hole, a stroke) are one region:
    # group the components that lie within 1 % of the picture's diagonal of each other
    m8 = mask.astype(np.uint8)
    r = max(1, round(0.01 * np.hypot(*mask.shape)))
    grouped = cv2.dilate(m8, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    n, lab, _, _ = cv2.connectedComponentsWithStats(grouped, connectivity=8)
    lab = np.where(mask, lab, 0)
    areas = np.bincount(lab.ravel(), minlength=n)
    ga, gb = _grad_energy(sus), _grad_energy(ref_norm)
    strong = 60.0  # Sobel magnitude of a clear edge (≈ 15 grey levels per pixel)
    total = mask.size
    H, W = mask.shape
    order = [i for i in np.argsort(-areas[1:]) + 1 if areas[i] > 0][:max_regions]
    ring_k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    out = []
    for i in order:
        ys, xs = np.nonzero(lab == i)
        x, y, w, h, area = int(xs.min()), int(ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1, int(areas[i])
        x0, y0, x1, y1 = max(0, x - 6), max(0, y - 6), min(W, x + w + 6), min(H, y + h + 6)
        sel = (lab[y0:y1, x0:x1] == i).astype(np.uint8)
        ring = (cv2.dilate(sel, ring_k) > 0) & ~(cv2.erode(sel, ring_k) > 0)
        inside = sel > 0
        a_in, b_in = ga[y0:y1, x0:x1][inside], gb[y0:y1, x0:x1][inside]
        ea, eb = float(a_in.mean()), float(b_in.mean())
        detail = (ea + 1.0) / (eb + 1.0)
        border = (float(ga[y0:y1, x0:x1][ring].mean()) + 1.0) / (float(gb[y0:y1, x0:x1][ring].mean()) + 1.0)
        corr = float(np.corrcoef(a_in, b_in)[0, 1]) if a_in.std() > 1e-3 and b_in.std() > 1e-3 else 0.0
        busy = min(float((a_in > strong).mean()), float((b_in > strong).mean()))
        if corr > 0.7:
            kind = "recoloured"
        elif busy >= 0.15 and h < 0.12 * H and w >= 1.2 * h and 0.6 < detail < 1.6:
            kind = "text_changed"
        elif border > 1.4 and detail >= 0.8:
            kind = "added"
        elif border < 1 / 1.4 or detail < 1 / 1.6:
            kind = "removed"
        else:
            kind = "altered"
        k = to_suspect
        out.append({"box": [round(x * k), round(y * k), round(w * k), round(h * k)],
                    "area_fraction": round(area / total, 5),
                    "mean_difference": round(float(dist[y0:y1, x0:x1][inside].mean()), 2),
                    "kind": kind, "detail_ratio": round(detail, 3), "border_ratio": round(border, 3),
                    "structure_correlation": round(corr, 3), "stroke_density": round(busy, 3)})
    return out
