"""Shared pieces of the copy-move detectors (keypoint and dense-field).

Working views (a downscaled grey image for very large inputs), affine
parameters, the pairing of a source region with its copy into a ``Finding``,
the colour-coded pairing map, the zero-normalised cross-correlation map used to
grow dense masks, and the small morphological helpers.

Copy-move gives no way to tell which of the two regions is the original: the
"source" of a pair is simply the end of the estimated transform, the "target"
its image. Findings say so.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from scipy import ndimage as ndi

from forgelens.maps import grid_shape
from forgelens.trace import Finding, Trace

#: How many matched point pairs a finding carries for the report to draw as lines.
MAX_LINES = 40


def working_gray(luminance: np.ndarray, max_pixels: float) -> tuple[np.ndarray, float]:
    """Grey image (float32, 0..255) downscaled (INTER_AREA) so it holds at most ``max_pixels``.

    Returns the image and the factor ``s`` (working = full * s, s <= 1).
    """
    h, w = luminance.shape
    s = 1.0
    if max_pixels and h * w > max_pixels:
        s = math.sqrt(max_pixels / float(h * w))
        size = (max(1, round(w * s)), max(1, round(h * s)))
        g = cv2.resize(np.ascontiguousarray(luminance, dtype=np.float32), size, interpolation=cv2.INTER_AREA)
        s = size[0] / w
    else:
        g = np.array(luminance, dtype=np.float32, copy=True)
    return g, s


def to_full(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Upsample a working-resolution map (any dtype) to the full image shape as float32."""
    m = mask.astype(np.float32)
    if m.shape == shape:
        return m
    return cv2.resize(m, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


def disk(radius: int) -> np.ndarray:
    """Binary disk structuring element of the given radius (uint8)."""
    r = int(max(0, radius))
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    return (yy * yy + xx * xx <= r * r + r).astype(np.uint8) if r > 0 else np.ones((1, 1), np.uint8)


def remove_small(mask: np.ndarray, min_size: float) -> np.ndarray:
    """Drop 8-connected components smaller than ``min_size`` pixels."""
    mask = mask.astype(bool)
    if not mask.any() or min_size <= 1:
        return mask
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_size
    keep[0] = False
    return keep[lab]


def zncc_map(a: np.ndarray, b: np.ndarray, win: int, min_std: float = 1.0) -> np.ndarray:
    """Local zero-normalised cross-correlation of two aligned images over ``win`` x ``win`` windows.

    Where either window is flat (std below ``min_std`` grey levels) the correlation is
    undefined and set to 0.
    """
    a = a.astype(np.float32)
    b = b.astype(np.float32)
    k = (win, win)
    ma = cv2.boxFilter(a, -1, k)
    mb = cv2.boxFilter(b, -1, k)
    va = cv2.boxFilter(a * a, -1, k) - ma * ma
    vb = cv2.boxFilter(b * b, -1, k) - mb * mb
    cab = cv2.boxFilter(a * b, -1, k) - ma * mb
    ok = (va > min_std**2) & (vb > min_std**2)
    den = np.sqrt(np.maximum(va, 1e-6) * np.maximum(vb, 1e-6))
    return np.where(ok, cab / den, 0.0).astype(np.float32)


def affine_params(A: np.ndarray) -> dict[str, float]:
    """Shift, rotation (degrees, counter-clockwise in image axes) and scale of a 2x3 affine map."""
    M = np.asarray(A, dtype=np.float64)[:, :2]
    sx = math.hypot(M[0, 0], M[1, 0])
    sy = math.hypot(M[0, 1], M[1, 1])
    rot = math.degrees(math.atan2(M[1, 0], M[0, 0]))
    return {"rotation_deg": rot, "scale": float(math.sqrt(abs(np.linalg.det(M)))), "scale_x": sx, "scale_y": sy}


def bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the True pixels (x1, y1 exclusive) or None."""
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def scale_box(b: tuple[int, int, int, int] | None, s: float, shape: tuple[int, int]) -> list[int] | None:
    """Box from working coordinates to full-resolution coordinates (clipped)."""
    if b is None:
        return None
    h, w = shape
    x0, y0, x1, y1 = b
    return [
        int(max(0, math.floor(x0 / s))),
        int(max(0, math.floor(y0 / s))),
        int(min(w, math.ceil(x1 / s))),
        int(min(h, math.ceil(y1 / s))),
    ]


def union_box(a: list[int] | None, b: list[int] | None) -> tuple[int, int, int, int] | None:
    boxes = [x for x in (a, b) if x is not None]
    if not boxes:
        return None
    return (min(x[0] for x in boxes), min(x[1] for x in boxes), max(x[2] for x in boxes), max(x[3] for x in boxes))


def pair_finding(
    *,
    method: str,
    source_mask: np.ndarray,
    target_mask: np.ndarray,
    A: np.ndarray,
    n_matches: int,
    points_src: np.ndarray,
    points_dst: np.ndarray,
    s: float,
    full_shape: tuple[int, int],
    strength: float,
    pair_id: int,
    extra: dict | None = None,
) -> Finding:
    """One ``copy_move`` finding pairing a source region with its copy.

    ``A`` maps working-resolution source coordinates (x, y) to target coordinates;
    ``points_src``/``points_dst`` are matched (x, y) points in working coordinates
    (a subset is kept as ``lines`` for drawing). All numbers reported are in
    full-resolution pixels.
    """
    sb = scale_box(bbox(source_mask), s, full_shape)
    tb = scale_box(bbox(target_mask), s, full_shape)
    prm = affine_params(A)
    ps = np.asarray(points_src, dtype=np.float64).reshape(-1, 2)
    pd = np.asarray(points_dst, dtype=np.float64).reshape(-1, 2)
    if ps.shape[0]:
        disp = (pd - ps) / s
        shift = np.median(disp, axis=0)
        step = max(1, ps.shape[0] // MAX_LINES)
        lines = np.concatenate([ps[::step], pd[::step]], axis=1)[:MAX_LINES] / s
        lines = np.round(lines, 1).tolist()
    else:
        shift = np.zeros(2)
        lines = []
    values = {
        "pair_id": int(pair_id),
        "method": method,
        "source_bbox": sb,
        "target_bbox": tb,
        "shift_x": round(float(shift[0]), 2),
        "shift_y": round(float(shift[1]), 2),
        "shift": round(float(np.hypot(*shift)), 2),
        "rotation_deg": round(prm["rotation_deg"], 2),
        "scale": round(prm["scale"], 4),
        "match_count": int(n_matches),
        "source_area_px": int(round(float(source_mask.sum()) / (s * s))),
        "target_area_px": int(round(float(target_mask.sum()) / (s * s))),
        "affine": [[round(float(v), 5) for v in row] for row in _affine_full(A, s)],
        "lines": lines,
        "direction": "undetermined: either region may be the original",
    }
    if extra:
        values.update(extra)
    msg = (
        f"region at {sb} reappears at {tb} (shift {values['shift']:.0f} px, "
        f"rotation {values['rotation_deg']:.1f} deg, scale {values['scale']:.2f}, "
        f"{n_matches} matches)"
    )
    return Finding("copy_move", msg, float(np.clip(strength, 0, 1)), union_box(sb, tb), values)


def _affine_full(A: np.ndarray, s: float) -> np.ndarray:
    """Affine in working coordinates -> the same map in full-resolution coordinates."""
    A = np.asarray(A, dtype=np.float64).copy()
    A[:, 2] = A[:, 2] / s
    return A


def pairing_map(pairs: list[tuple[np.ndarray, np.ndarray]], shape: tuple[int, int]) -> np.ndarray:
    """Colour-coded pairing map: both regions of pair k get the value (k+1)/n (0 elsewhere).

    A report renders it with a qualitative colour map so a source and its copy share a colour.
    """
    n = len(pairs)
    out = np.zeros(pairs[0][0].shape if pairs else (1, 1), np.float32)
    for k, (a, b) in enumerate(pairs):
        v = (k + 1) / n
        out[(a | b) & (out == 0)] = v
    return to_full(out, shape) if pairs else np.zeros(shape, np.float32)


def nothing_found(shape: tuple[int, int], note: str, score: float = 0.0) -> Trace:
    """An applicable Trace with an empty heatmap: the method ran and found no clone."""
    return Trace(
        name="",
        heatmap=np.zeros(grid_shape(shape, 8), np.float32),  # all zero: any grid reads the same
        block=8,
        score=float(score),
        findings=[],
        note=note,
    )


def fill_holes(mask: np.ndarray) -> np.ndarray:
    return ndi.binary_fill_holes(mask)
