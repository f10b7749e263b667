"""The edits: splice, copy-move, removal (inpainting and exemplar copying), local processing.

Every function takes the host pixels (uint8 RGB, never modified) and a
``numpy.random.Generator`` and returns an :class:`Edit`: the edited pixels, the
exact mask of the pixels the edit wrote (a pixel outside it is bit-identical to
the host), for copy-move and exemplar removal the mask of the pixels copied
from, and the parameters drawn. Feathered edges ramp *inside* the mask (the
blend weight is 1 in the interior and falls towards the boundary), so the
blend never leaks out of the mask.

Notes
-----
The recipes follow how the public benchmarks were made: Columbia and CASIA
splice object-shaped regions between photos of different cameras; CoMoFoD and
the copy-move sets of Christlein et al. (2012) move regions inside one photo
with rotation and scaling; removals are filled from the surroundings with
diffusion inpainting (Telea 2004; Bertalmio et al. 2001, the Navier–Stokes
variant in OpenCV) or exemplar copying (Criminisi et al. 2004 copy whole
patches from the known part of the image; here one best-matching exemplar is
copied whole, chosen by the match of its surrounding ring to the hole's).

References
----------
.. [1] T.-T. Ng, S.-F. Chang, "A data set of authentic and spliced image
       blocks", Columbia University ADVENT Tech. Rep. 203-2004-3, 2004.
.. [2] V. Christlein, C. Riess, J. Jordan, C. Riess, E. Angelopoulou, "An
       evaluation of popular copy-move forgery detection approaches", IEEE
       TIFS 7(6), 2012.
.. [3] A. Telea, "An image inpainting technique based on the fast marching
       method", J. Graphics Tools 9(1), 2004.
.. [4] M. Bertalmio, A. L. Bertozzi, G. Sapiro, "Navier-Stokes, fluid
       dynamics, and image and video inpainting", CVPR 2001.
.. [5] A. Criminisi, P. Pérez, K. Toyama, "Region filling and object removal
       by exemplar-based image inpainting", IEEE TIP 13(9), 2004.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from forgelens.jpeg import recompress
from forgelens.synth import jpeg_history as jh
from forgelens.synth.regions import random_region, sample_area_fraction

__all__ = [
    "Edit",
    "splice",
    "copy_move",
    "remove_inpaint",
    "remove_exemplar",
    "local_process",
    "feather_alpha",
    "composite",
]


@dataclass
class Edit:
    """Result of one edit. ``mask``: pixels written; ``source_mask``: pixels copied from."""

    pixels: np.ndarray
    mask: np.ndarray
    source_mask: np.ndarray | None = None
    params: dict = field(default_factory=dict)


def feather_alpha(mask: np.ndarray, radius: float) -> np.ndarray:
    """Blend weight that is 1 deep inside ``mask``, ramps to ~1/(radius+1) at its edge, 0 outside."""
    if radius <= 0:
        return mask.astype(np.float32)
    dist = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    return np.clip(dist / (radius + 1.0), 0.0, 1.0).astype(np.float32) * mask


def composite(host: np.ndarray, content: np.ndarray, mask: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Blend ``content`` over ``host`` with ``alpha`` inside ``mask``; outside, host bytes exactly."""
    a = alpha[..., None]
    mixed = np.rint(a * content.astype(np.float32) + (1.0 - a) * host.astype(np.float32))
    mixed = np.clip(mixed, 0, 255).astype(np.uint8)
    return np.where(mask[..., None], mixed, host)


def _sample_feather(rng: np.random.Generator, p_hard: float, lo: float = 1.0, hi: float = 4.0) -> float:
    return 0.0 if rng.random() < p_hard else round(float(rng.uniform(lo, hi)), 3)


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(ys.min()), int(xs.min()), int(ys.max()) + 1, int(xs.max()) + 1


def _affine(scale: float, angle_deg: float, src_c: tuple[float, float], dst_c: tuple[float, float]) -> np.ndarray:
    """2x3 matrix mapping (x, y) around src_c to dst_c, rotated by angle and scaled."""
    a = math.radians(angle_deg)
    c, s = scale * math.cos(a), scale * math.sin(a)
    r = np.array([[c, -s], [s, c]])
    t = np.asarray(dst_c, float) - r @ np.asarray(src_c, float)
    return np.hstack([r, t[:, None]])


def _transformed_box(h: float, w: float, scale: float, angle_deg: float) -> tuple[float, float]:
    a = math.radians(angle_deg)
    c, s = abs(math.cos(a)), abs(math.sin(a))
    return scale * (h * c + w * s), scale * (w * c + h * s)


# --------------------------------------------------------------------------- splice


def splice(
    host: np.ndarray,
    donor: np.ndarray,
    rng: np.random.Generator,
    *,
    area_fraction: float | None = None,
) -> Edit:
    """Paste an object-shaped region of ``donor`` into ``host``.

    The donor is JPEG-recompressed at quality 50–95 first with probability 0.7
    (its grid origin is kept at the donor's (0, 0)); with probability 0.4 it is
    rescaled by 0.7–1.3 and with 0.3 rotated by up to ±30°. Without resampling,
    the paste offset is a multiple of 8 (donor grid aligned with the host
    grid) with probability 0.5, otherwise misaligned. Edges are hard with
    probability 0.4, otherwise feathered over 1–4 px inside the region.
    """
    h, w = host.shape[:2]
    frac = area_fraction if area_fraction is not None else sample_area_fraction(rng, 0.01, 0.30)
    mask, rinfo = random_region(rng, (h, w), frac, image=host)
    y0, x0, y1, x1 = _bbox(mask)
    bh, bw = y1 - y0, x1 - x0
    params: dict = {"region": rinfo}

    donor = np.asarray(donor)
    if rng.random() < 0.7:
        q = int(rng.integers(50, 96))
        donor = recompress(donor, q)
        params["donor_jpeg_quality"] = q
    else:
        params["donor_jpeg_quality"] = None
    dh, dw = donor.shape[:2]
    scale = round(float(rng.uniform(0.7, 1.3)), 4) if rng.random() < 0.4 else 1.0
    angle = round(float(rng.uniform(-30, 30)), 3) if rng.random() < 0.3 else 0.0
    # the donor area the region needs (in donor pixels) must fit inside the donor
    need_h, need_w = _transformed_box(bh, bw, 1.0 / scale, angle)
    fit = min((dh - 2) / max(need_h, 1.0), (dw - 2) / max(need_w, 1.0))
    if fit < 1.0:  # donor too small: enlarge it (part of the recipe)
        scale = round(scale / fit * 1.02, 4)
        need_h, need_w = _transformed_box(bh, bw, 1.0 / scale, angle)
    params.update(scale=scale, angle=angle)

    cy, cx = (y0 + y1 - 1) / 2.0, (x0 + x1 - 1) / 2.0
    if scale == 1.0 and angle == 0.0:
        # pure integer translation: exact copy, grid alignment is meaningful
        aligned = bool(rng.random() < 0.5)
        lo_y, hi_y = 0, dh - bh  # donor top-left (ty, tx) range
        lo_x, hi_x = 0, dw - bw
        if aligned:
            ty = y0 + 8 * int(rng.integers(math.ceil((lo_y - y0) / 8), math.floor((hi_y - y0) / 8) + 1))
            tx = x0 + 8 * int(rng.integers(math.ceil((lo_x - x0) / 8), math.floor((hi_x - x0) / 8) + 1))
        else:
            for _ in range(20):
                ty = int(rng.integers(lo_y, hi_y + 1))
                tx = int(rng.integers(lo_x, hi_x + 1))
                if not jh.is_grid_aligned(ty - y0, tx - x0):
                    break
        content = np.zeros_like(host)
        content[y0:y1, x0:x1] = donor[ty : ty + bh, tx : tx + bw]
        params.update(donor_offset=[ty, tx], donor_grid="aligned" if jh.is_grid_aligned(ty - y0, tx - x0)
                      else "misaligned")
    else:
        my, mx = need_h / 2 + 1, need_w / 2 + 1
        dcy = float(rng.uniform(my, max(my, dh - my)))
        dcx = float(rng.uniform(mx, max(mx, dw - mx)))
        m = _affine(scale, angle, (dcx, dcy), (cx, cy))
        content = cv2.warpAffine(donor, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
        params.update(donor_center=[round(dcy, 3), round(dcx, 3)], donor_grid="resampled")

    radius = _sample_feather(rng, 0.4)
    params["feather"] = radius
    return Edit(composite(host, content, mask, feather_alpha(mask, radius)), mask, None, params)


# --------------------------------------------------------------------------- copy-move


def copy_move_transform(
    source_mask: np.ndarray, scale: float, angle: float, shift: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Affine matrix (source → target) rotating/scaling about the source's centre, then shifting."""
    y0, x0, y1, x1 = _bbox(source_mask)
    c = ((x0 + x1 - 1) / 2.0, (y0 + y1 - 1) / 2.0)
    m = _affine(scale, angle, c, (c[0] + shift[1], c[1] + shift[0]))
    return m, np.array(c)


def apply_copy_move(host: np.ndarray, source_mask: np.ndarray, m: np.ndarray, exact: bool):
    """Warp the host with ``m`` and the source mask alike; returns (content, target_mask)."""
    h, w = host.shape[:2]
    flags = cv2.INTER_NEAREST if exact else cv2.INTER_LINEAR
    content = cv2.warpAffine(host, m, (w, h), flags=flags, borderMode=cv2.BORDER_REFLECT_101)
    tgt = cv2.warpAffine(source_mask.astype(np.float32), m, (w, h), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0.0) >= 0.5
    return content, tgt


def copy_move(host: np.ndarray, rng: np.random.Generator, *, area_fraction: float | None = None) -> Edit:
    """Copy an object-shaped region of the host onto another place of the same host.

    With probability 0.5 the copy is rotated by 0–90° (either sense), with 0.5
    scaled by 0.7–1.3; otherwise it is an exact integer translation. The target
    never touches the source (a 4-px gap). Edges are hard with probability 0.6,
    otherwise feathered inside the target over 1–3 px. ``source_mask`` marks the
    source region.
    """
    h, w = host.shape[:2]
    frac = area_fraction if area_fraction is not None else sample_area_fraction(rng, 0.01, 0.15)
    for _attempt in range(8):
        src, rinfo = random_region(rng, (h, w), frac, image=host)
        angle = round(float(rng.uniform(0, 90)) * (1 if rng.random() < 0.5 else -1), 3) if rng.random() < 0.5 else 0.0
        scale = round(float(rng.uniform(0.7, 1.3)), 4) if rng.random() < 0.5 else 1.0
        y0, x0, y1, x1 = _bbox(src)
        th, tw = _transformed_box(y1 - y0, x1 - x0, scale, angle)
        guard = cv2.dilate(src.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
        cy, cx = (y0 + y1 - 1) / 2.0, (x0 + x1 - 1) / 2.0
        for _try in range(40):
            ty = float(rng.uniform(th / 2 + 1, max(th / 2 + 1, h - th / 2 - 1)))
            tx = float(rng.uniform(tw / 2 + 1, max(tw / 2 + 1, w - tw / 2 - 1)))
            shift = (round(ty - cy), round(tx - cx))
            exact = scale == 1.0 and angle == 0.0
            m, _ = copy_move_transform(src, scale, angle, shift)
            content, tgt = apply_copy_move(host, src, m, exact)
            if tgt.sum() < 0.5 * src.sum() * scale * scale or (tgt & guard).any():
                continue
            # the pixels actually used as the source are the target mapped back
            inv = cv2.invertAffineTransform(m)
            used = cv2.warpAffine(tgt.astype(np.float32), inv, (w, h), flags=cv2.INTER_LINEAR) >= 0.5
            radius = _sample_feather(rng, 0.6, 1.0, 3.0)
            params = {
                "region": rinfo, "angle": angle, "scale": scale, "shift": [int(shift[0]), int(shift[1])],
                "matrix": np.round(m, 6).tolist(), "interpolation": "nearest" if exact else "bilinear",
                "feather": radius,
            }
            out = composite(host, content, tgt, feather_alpha(tgt, radius))
            return Edit(out, tgt, used, params)
        frac *= 0.7  # no room: try a smaller region
    raise RuntimeError("could not place a copy-move target that does not overlap its source")


# --------------------------------------------------------------------------- removal


def remove_inpaint(
    host: np.ndarray, rng: np.random.Generator, *, method: str | None = None, area_fraction: float | None = None
) -> Edit:
    """Remove an object-shaped region by diffusion inpainting (OpenCV Telea or Navier–Stokes).

    Area 1–10% of the image; inpainting radius 3–9 px. Only the crop around
    the hole (plus a margin larger than the radius) is processed, which gives
    the same result as the full image for these local methods.
    """
    h, w = host.shape[:2]
    frac = area_fraction if area_fraction is not None else sample_area_fraction(rng, 0.01, 0.10)
    mask, rinfo = random_region(rng, (h, w), frac, image=host)
    method = method or ("telea" if rng.random() < 0.5 else "ns")
    radius = int(rng.integers(3, 10))
    flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
    y0, x0, y1, x1 = _bbox(mask)
    pad = 4 * radius + 8
    ya, xa, yb, xb = max(0, y0 - pad), max(0, x0 - pad), min(h, y1 + pad), min(w, x1 + pad)
    crop = np.ascontiguousarray(host[ya:yb, xa:xb])
    filled = cv2.inpaint(crop, mask[ya:yb, xa:xb].astype(np.uint8), radius, flag)
    content = host.copy()
    content[ya:yb, xa:xb] = filled
    out = np.where(mask[..., None], content, host)
    return Edit(out, mask, None, {"region": rinfo, "method": method, "radius": radius})


def remove_exemplar(host: np.ndarray, rng: np.random.Generator, *, area_fraction: float | None = None) -> Edit:
    """Remove a region by copying one exemplar from the surroundings over it.

    Candidate exemplars are the region shifted by 64 offsets at 1–3 region
    radii in every direction; the one whose ring of pixels around it best
    matches (least mean squared difference) the ring around the hole is copied
    over the hole and feathered inside it over 2–5 px. ``source_mask`` marks
    the exemplar.
    """
    h, w = host.shape[:2]
    frac = area_fraction if area_fraction is not None else sample_area_fraction(rng, 0.01, 0.10)
    for _attempt in range(6):
        mask, rinfo = random_region(rng, (h, w), frac, image=host)
        y0, x0, y1, x1 = _bbox(mask)
        bh, bw = y1 - y0, x1 - x0
        rad = math.sqrt(mask.sum() / math.pi)
        ring_w = max(3, int(rad * 0.15))
        ring = cv2.dilate(mask.astype(np.uint8), cv2.getStructuringElement(
            cv2.MORPH_ELLIPSE, (2 * ring_w + 1, 2 * ring_w + 1))).astype(bool) & ~mask
        guard = cv2.dilate(mask.astype(np.uint8), np.ones((2 * ring_w + 5, 2 * ring_w + 5), np.uint8)).astype(bool)
        ry, rx = np.nonzero(ring)
        hf = host.astype(np.float32)
        ring_vals = hf[ry, rx]
        ang = rng.uniform(0, 2 * np.pi, 64)
        dist = rng.uniform(1.0, 3.0, 64) * max(2 * rad, bh / 2 + ring_w + 3, bw / 2 + ring_w + 3)
        best, best_cost = None, np.inf
        for a, d in zip(ang, dist, strict=True):
            dy, dx = int(round(d * math.sin(a))), int(round(d * math.cos(a)))
            if not (0 <= y0 + dy - ring_w and y1 + dy + ring_w <= h and 0 <= x0 + dx - ring_w
                    and x1 + dx + ring_w <= w):
                continue
            # exemplar (and its ring) must lie outside the hole and its ring
            ey, ex = ry + dy, rx + dx
            if guard[ey, ex].any():
                continue
            sy, sx = np.nonzero(mask)
            if guard[sy + dy, sx + dx].any():
                continue
            cost = float(np.mean((hf[ey, ex] - ring_vals) ** 2))
            if cost < best_cost:
                best, best_cost = (dy, dx), cost
        if best is None:
            frac *= 0.7
            continue
        dy, dx = best
        content = np.zeros_like(host)
        sy, sx = np.nonzero(mask)
        content[sy, sx] = host[sy + dy, sx + dx]
        src = np.zeros_like(mask)
        src[sy + dy, sx + dx] = True
        radius = round(float(rng.uniform(2.0, 5.0)), 3)
        out = composite(host, content, mask, feather_alpha(mask, radius))
        params = {"region": rinfo, "method": "exemplar", "offset": [dy, dx], "ring_mse": round(best_cost, 3),
                  "feather": radius}
        return Edit(out, mask, src, params)
    raise RuntimeError("no exemplar fits beside the hole")


# --------------------------------------------------------------------------- local processing

LOCAL_OPS = ("blur", "sharpen", "contrast", "noise")


def local_process(
    host: np.ndarray, rng: np.random.Generator, *, op: str | None = None, area_fraction: float | None = None
) -> Edit:
    """Process one object-shaped region: blur, sharpen, contrast/brightness change or added noise.

    blur: Gaussian sigma 1–3; sharpen: unsharp mask, sigma 1–2, amount
    0.6–1.5; contrast: gain 0.7–0.85 or 1.15–1.35 about the region mean plus
    an offset of ±(5–20) grey levels; noise: Gaussian, sigma 3–8. Edges hard
    with probability 0.3, otherwise feathered inside over 2–8 px.
    """
    h, w = host.shape[:2]
    frac = area_fraction if area_fraction is not None else sample_area_fraction(rng, 0.01, 0.30)
    mask, rinfo = random_region(rng, (h, w), frac, image=host)
    op = op or str(rng.choice(LOCAL_OPS))
    hf = host.astype(np.float32)
    p: dict = {"region": rinfo, "op": op}
    if op == "blur":
        p["sigma"] = round(float(rng.uniform(1.0, 3.0)), 3)
        content = cv2.GaussianBlur(hf, (0, 0), p["sigma"])
    elif op == "sharpen":
        p["sigma"] = round(float(rng.uniform(1.0, 2.0)), 3)
        p["amount"] = round(float(rng.uniform(0.6, 1.5)), 3)
        content = hf + p["amount"] * (hf - cv2.GaussianBlur(hf, (0, 0), p["sigma"]))
    elif op == "contrast":
        gain = float(rng.uniform(0.7, 0.85) if rng.random() < 0.5 else rng.uniform(1.15, 1.35))
        offset = float(rng.uniform(5, 20) * (1 if rng.random() < 0.5 else -1))
        mean = hf[mask].mean(axis=0)
        p.update(gain=round(gain, 4), offset=round(offset, 3))
        content = (hf - mean) * p["gain"] + mean + p["offset"]
    elif op == "noise":
        p["sigma"] = round(float(rng.uniform(3.0, 8.0)), 3)
        content = hf + rng.normal(0.0, p["sigma"], hf.shape).astype(np.float32)
    else:
        raise ValueError(f"unknown local operation {op!r}; choose from {LOCAL_OPS}")
    p["feather"] = _sample_feather(rng, 0.3, 2.0, 8.0)
    content = np.clip(np.rint(content), 0, 255).astype(np.uint8)
    return Edit(composite(host, content, mask, feather_alpha(mask, p["feather"])), mask, None, p)
