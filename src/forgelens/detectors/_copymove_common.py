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


#: Repeated structure (issue 14, session 16, candidate CMP2): the ring around a pair's target region is its
#: bounding box grown by this fraction of its size on each side (clipped to the picture), minus the box.
RING_GROW = 0.5
#: The ring is read on the high-passed luminance h = Y − GaussianBlur(Y, σ) with this σ (full-resolution px).
RING_HIGHPASS_SIGMA = 3.0
#: The two control shifts: the pair's shift d rotated by ± this angle (degrees), same length.
RING_CONTROL_DEG = 45.0
#: A shift whose moved ring keeps fewer than this fraction of the ring's pixels inside the picture gives no reading.
RING_MIN_COUNTED = 0.5
#: Near-plain shift (the only pairs a ring is read for): |rotation| below this (degrees) and |scale − 1| below
#: ``RING_PLAIN_SCALE`` (the complements of ``fusion.local_evidence``'s weak-pair thresholds).
RING_PLAIN_ROTATION = 5.0
RING_PLAIN_SCALE = 0.15
# cv2.GaussianBlur's kernel for a float image and σ: ksize = round(8σ + 1) | 1, radius ksize // 2 (12 px for σ 3).
_HP_MARGIN = int(round(8 * RING_HIGHPASS_SIGMA + 1)) // 2 + 1


def near_plain(values: dict) -> bool:
    """A pair's estimated transform is a near-plain shift: |rotation| < 5° and |scale − 1| < 0.15."""
    return (abs(float(values.get("rotation_deg", 0.0))) < RING_PLAIN_ROTATION
            and abs(float(values.get("scale", 1.0)) - 1.0) < RING_PLAIN_SCALE)


def highpass_window(luminance: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """h = Y − GaussianBlur(Y, σ = ``RING_HIGHPASS_SIGMA``) on the window [y0:y1, x0:x1] of the picture (float32).

    The blur is computed on the window grown by the kernel's radius (clipped to the picture), so the values
    equal those of the whole picture's high-pass (cv2's default reflected border at the picture's own edges);
    memory is bounded by the window."""
    y = np.asarray(luminance)
    h, w = y.shape[:2]
    X0, Y0 = max(0, x0 - _HP_MARGIN), max(0, y0 - _HP_MARGIN)
    X1, Y1 = min(w, x1 + _HP_MARGIN), min(h, y1 + _HP_MARGIN)
    win = y[Y0:Y1, X0:X1].astype(np.float32)
    hp = win - cv2.GaussianBlur(win, (0, 0), RING_HIGHPASS_SIGMA)
    return hp[y0 - Y0:y1 - Y0, x0 - X0:x1 - X0]


def _rotate_shift(dx: float, dy: float, deg: float) -> tuple[int, int]:
    t = math.radians(deg)
    return (int(round(dx * math.cos(t) - dy * math.sin(t))), int(round(dx * math.sin(t) + dy * math.cos(t))))


def _ring_ncc_at(luminance, hp_grown, ring, grown, shift) -> tuple[float | None, float, float, int]:
    """NCC of the high-passed ring (``hp_grown`` on the grown box ``grown``, ``ring`` its mask) with the
    high-passed picture at the ring's pixels moved back by ``shift`` (x − dx, y − dy); only ring pixels whose
    moved position lies inside the picture count. Returns (NCC or None, std of the ring part, std of the moved
    part, pixels counted)."""
    h, w = np.asarray(luminance).shape[:2]
    X0, Y0, X1, Y1 = grown
    dx, dy = shift
    mx0, my0, mx1, my1 = max(X0, dx), max(Y0, dy), min(X1, w + dx), min(Y1, h + dy)
    if mx1 <= mx0 or my1 <= my0:
        return None, 0.0, 0.0, 0
    sub = ring[my0 - Y0:my1 - Y0, mx0 - X0:mx1 - X0]
    n = int(sub.sum())
    if n == 0:
        return None, 0.0, 0.0, 0
    a = hp_grown[my0 - Y0:my1 - Y0, mx0 - X0:mx1 - X0][sub].astype(np.float64)
    b = highpass_window(luminance, mx0 - dx, my0 - dy, mx1 - dx, my1 - dy)[sub].astype(np.float64)
    sa, sb = float(a.std()), float(b.std())
    if sa <= 0.0 or sb <= 0.0:
        return None, sa, sb, n
    return float(np.mean((a - a.mean()) * (b - b.mean())) / (sa * sb)), sa, sb, n


def ring_reading(luminance: np.ndarray, target_bbox, shift_xy) -> dict | None:
    """Is the picture's fine detail periodic at a copy-move pair's shift beyond the matched region? (CMP2)

    Issue 14, session 16, candidate CMP2. On the high-passed luminance h = Y − GaussianBlur(Y, σ = 3 px)
    (``highpass_window``), the ring around the target region (``target_bbox`` (x0, y0, x1, y1), full
    resolution, grown by ``RING_GROW`` of its width / height on each side, clipped to the picture, minus the
    box) is correlated (NCC) with h at the ring's pixels moved back by the pair's shift d = (dx, dy) (source →
    target, rounded to whole pixels): ``ring_r_d``; and the same at the two control shifts of equal length, d
    rotated by +45° and by −45° (rounded to whole pixels): ``ring_r_c`` = the larger of the two. For each
    shift only ring pixels whose moved position lies inside the picture count; a shift that keeps fewer than
    half of the ring's pixels (or whose two sides have no variance) gives no reading (None).

    Returns {"ring_r_d", "ring_r_c" (each None when not read), "ring_std": the smaller std of h over the ring
    and over its d-moved copy, "ring_px": the ring's pixels, "ring_controls": the two control shifts}, or None
    for a missing or empty box or an empty ring. Why: keypoint and block copy-move detectors match
    self-similar texture (Christlein et al., "An evaluation of popular copy-move forgery detection
    approaches", IEEE TIFS 2012, on false matches in self-similar regions). Session 15 measured that the
    plain ring NCC (candidate CMP) also reads smooth, low-frequency content (sky, gradients, walls) as
    repetition; the high-pass removes the illumination, and the control shifts say whether the similarity
    belongs to THIS shift (a period) rather than to every shift. Vectorised; memory bounded by the grown box
    (at most the picture)."""
    if target_bbox is None:
        return None
    h, w = np.asarray(luminance).shape[:2]
    x0, y0, x1, y1 = (int(v) for v in target_bbox)
    bw, bh = x1 - x0, y1 - y0
    if bw <= 0 or bh <= 0:
        return None
    gx, gy = int(round(RING_GROW * bw)), int(round(RING_GROW * bh))
    grown = (max(0, x0 - gx), max(0, y0 - gy), min(w, x1 + gx), min(h, y1 + gy))
    X0, Y0, X1, Y1 = grown
    in_x = (np.arange(X0, X1) >= x0) & (np.arange(X0, X1) < x1)
    in_y = (np.arange(Y0, Y1) >= y0) & (np.arange(Y0, Y1) < y1)
    ring = ~(in_y[:, None] & in_x[None, :])
    n_ring = int(ring.sum())
    if n_ring == 0:
        return None
    hp = highpass_window(luminance, X0, Y0, X1, Y1)
    fx, fy = float(shift_xy[0]), float(shift_xy[1])
    d = (int(round(fx)), int(round(fy)))
    controls = [_rotate_shift(fx, fy, RING_CONTROL_DEG), _rotate_shift(fx, fy, -RING_CONTROL_DEG)]
    readings, std = [], 0.0
    for k, sh in enumerate([d] + controls):
        r, sa, sb, n = _ring_ncc_at(luminance, hp, ring, grown, sh)
        if n < RING_MIN_COUNTED * n_ring:
            r = None
        if k == 0:
            std = min(sa, sb)
        readings.append(r)
    r_c = None if readings[1] is None or readings[2] is None else max(readings[1], readings[2])
    return {"ring_r_d": None if readings[0] is None else round(readings[0], 4),
            "ring_r_c": None if r_c is None else round(r_c, 4),
            "ring_std": round(std, 3), "ring_px": n_ring, "ring_controls": [list(c) for c in controls]}


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
    luminance: np.ndarray | None = None,
) -> Finding:
    """One ``copy_move`` finding pairing a source region with its copy.

    ``A`` maps working-resolution source coordinates (x, y) to target coordinates;
    ``points_src``/``points_dst`` are matched (x, y) points in working coordinates
    (a subset is kept as ``lines`` for drawing). All numbers reported are in
    full-resolution pixels. With ``luminance`` (the full-resolution picture), a pair with a near-plain shift
    (``near_plain``) also carries ``ring_reading``'s values (``ring_r_d`` / ``ring_r_c`` / ``ring_std`` /
    ``ring_px`` / ``ring_controls``; the readings None when they cannot be read).
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
    if luminance is not None and near_plain(values):
        values.update(ring_reading(luminance, tb, (values["shift_x"], values["shift_y"]))
                      or {"ring_r_d": None, "ring_r_c": None, "ring_std": None, "ring_px": 0})
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
