"""Shared helpers of the JPEG detectors: block DCT, regions, saturation, the input's subsampling.

The standard tables, the quality estimate and re-compression live on the ground floor,
in :mod:`forgelens.jpeg`, for everything outside the detectors too.
"""

from __future__ import annotations

import cv2
import numpy as np

from forgelens.detectors._maps import channels_all
from forgelens.trace import Finding


def pillow_subsampling(evidence) -> int:
    """Pillow's ``subsampling`` code (0 = 4:4:4, 1 = 4:2:2, 2 = 4:2:0) matching the input file."""
    jpeg = getattr(evidence, "jpeg", None)
    if jpeg is None or len(jpeg.sampling) < 3:
        return 2  # Pillow's default for new files
    (yv, yh), (cv, ch) = jpeg.sampling[0], jpeg.sampling[1]
    if yv == cv and yh == ch:
        return 0
    if yv == cv:
        return 1
    return 2


def dct_matrix(dtype: type = np.float32) -> np.ndarray:
    """Orthonormal 8-point DCT-II matrix (the JPEG FDCT up to libjpeg's scaling), computed in
    float64 and returned as ``dtype``."""
    k = np.arange(8)[:, None]
    n = np.arange(8)[None, :]
    d = np.cos((2 * n + 1) * k * np.pi / 16) * np.sqrt(2 / 8)
    d[0] /= np.sqrt(2)
    return d.astype(dtype)


def block_dct(plane: np.ndarray, offset: tuple[int, int] = (0, 0)) -> np.ndarray:
    """2-D DCT of the 8x8 blocks of ``plane`` starting at ``offset``: (rows, cols, 8, 8) float32.

    Same scaling as JPEG coefficients (orthonormal DCT of the level-shifted samples).
    """
    oy, ox = offset
    p = np.asarray(plane, dtype=np.float32)[oy:, ox:]
    h, w = p.shape[0] // 8 * 8, p.shape[1] // 8 * 8
    b = p[:h, :w].reshape(h // 8, 8, w // 8, 8).swapaxes(1, 2) - 128.0
    d = dct_matrix()
    return np.einsum("ij,abjk,lk->abil", d, b, d, optimize=True).astype(np.float32)


def region_findings(
    heatmap: np.ndarray,
    threshold: float,
    kind: str,
    message: str,
    *,
    min_area_frac: float = 0.002,
    max_regions: int = 3,
    extra: dict | None = None,
    value_maps: dict[str, np.ndarray] | None = None,
) -> list[Finding]:
    """Connected regions of ``heatmap >= threshold`` as Findings with bounding boxes and numbers.

    ``message`` is formatted with the region's values (``{mean}``, ``{area_pct}``, and the
    mode of each ``value_maps`` entry inside the region, e.g. ``{quality}``).
    """
    h, w = heatmap.shape
    step = max(1, int(np.ceil(max(h, w) / 1024)))  # label on a <=1024 px view for speed
    small = heatmap[::step, ::step]
    mask = (small >= threshold).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out: list[Finding] = []
    order = np.argsort(-stats[1:, cv2.CC_STAT_AREA]) + 1 if n > 1 else []
    for lab in order[:max_regions]:
        area = stats[lab, cv2.CC_STAT_AREA]
        if area < min_area_frac * small.size:
            break
        x, y, bw, bh = stats[lab, :4]
        sel = labels == lab
        values = {
            "mean_inside": round(float(small[sel].mean()), 4),
            "mean_outside": round(float(small[~sel].mean()), 4) if (~sel).any() else None,
            "area_pct": round(100.0 * area / small.size, 2),
        }
        for name, vm in (value_maps or {}).items():
            v = vm[::step, ::step][sel]
            v = v[np.isfinite(v)]
            if v.size:
                vals, counts = np.unique(np.round(v).astype(int), return_counts=True)
                values[name] = int(vals[np.argmax(counts)])
        values.update(extra or {})
        region = (
            int(x * step),
            int(y * step),
            int(min(w, (x + bw) * step)),
            int(min(h, (y + bh) * step)),
        )
        fmt = dict(values, mean=values["mean_inside"])
        out.append(
            Finding(kind, message.format(**fmt), float(values["mean_inside"]), region, values)
        )
    return out


def saturation_reliability(rgb: np.ndarray, block: int = 8, flat_std: float = 1.0) -> np.ndarray:
    """1 where a block carries usable signal, 0 where it is clipped (0/255) or flat (std < flat_std)."""
    if rgb.ndim == 3:  # channel mean: exact integer sum, then / 3 as float32 (same as .mean(axis=2))
        y = rgb[..., 0].astype(np.float32)
        y += rgb[..., 1]
        y += rgb[..., 2]
        y /= np.float32(3)
    else:
        y = rgb.astype(np.float32)
    mean = cv2.boxFilter(y, -1, (block, block))
    np.multiply(y, y, out=y)
    sq = cv2.boxFilter(y, -1, (block, block))
    del y
    np.multiply(mean, mean, out=mean)
    sq -= mean
    del mean
    std = np.sqrt(np.maximum(sq, 0.0, out=sq), out=sq)
    v = np.arange(256)
    clipped = channels_all(rgb, v >= 254) | channels_all(rgb, v <= 1)
    clip_frac = cv2.boxFilter(clipped.astype(np.float32), -1, (block, block))
    rel = (std >= flat_std) & (clip_frac < 0.5)
    return rel.astype(np.float32)
