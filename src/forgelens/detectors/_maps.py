"""Small shared helpers for building full-resolution maps from block or tile statistics."""

from __future__ import annotations

import cv2
import numpy as np


def blocks_to_pixels(block_map: np.ndarray, shape: tuple[int, int], block: int, offset=(0, 0)) -> np.ndarray:
    """Expand a per-block map to full resolution (nearest), padding uncovered edges.

    ``offset`` is the (row, col) pixel where block (0, 0) starts (e.g. a shifted JPEG grid).
    Pixels not covered by any block take the nearest block's value.
    """
    h, w = shape
    oy, ox = offset
    bm = np.asarray(block_map, dtype=np.float32)
    if bm.size == 0:
        return np.zeros((h, w), np.float32)
    # pixel -> block index (nearest block for pixels outside the covered area): one gather
    # of whole rows from a column-expanded copy, no full-size temporaries
    rows = np.clip((np.arange(h) - oy) // block, 0, bm.shape[0] - 1)
    cols = np.clip((np.arange(w) - ox) // block, 0, bm.shape[1] - 1)
    out = np.empty((h, w), dtype=np.float32)
    np.take(bm[:, cols], rows, axis=0, out=out)
    return out


def channels_any(rgb: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """uint8 mask (0/1) of pixels where ``lut[value]`` holds in any colour channel.

    ``lut`` is a boolean table over 0..255. Same as ``lut[rgb].any(axis=2)`` without the
    slow reduction over the channel axis (OpenCV table lookup and channel mixing).
    """
    if rgb.ndim == 2:
        return lut[rgb].astype(np.uint8)
    t = np.where(lut, 255, 0).astype(np.uint8)
    mixed = cv2.cvtColor(cv2.LUT(np.ascontiguousarray(rgb), t), cv2.COLOR_RGB2GRAY)
    return (mixed > 0).view(np.uint8)  # any weight of 255 rounds to > 0


def channels_all(rgb: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """uint8 mask (0/1) of pixels where ``lut[value]`` holds in every colour channel."""
    if rgb.ndim == 2:
        return lut[rgb].astype(np.uint8)
    t = np.where(lut, 255, 0).astype(np.uint8)
    mixed = cv2.cvtColor(cv2.LUT(np.ascontiguousarray(rgb), t), cv2.COLOR_RGB2GRAY)
    return (mixed == 255).view(np.uint8)  # the weights sum to exactly 255 only when all are set


def block_view(a: np.ndarray, block: int) -> np.ndarray:
    """View a 2-D array cropped to whole blocks as (rows, cols, block, block)."""
    h, w = a.shape[0] // block * block, a.shape[1] // block * block
    a = a[:h, :w]
    return a.reshape(h // block, block, w // block, block).swapaxes(1, 2)


def robust_unit(x: np.ndarray, lo_pct: float = 1.0, hi_pct: float = 99.0) -> np.ndarray:
    """Map values to [0, 1] by percentiles (robust min–max); a constant map becomes zeros."""
    x = np.asarray(x, dtype=np.float32)
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return np.zeros_like(x, dtype=np.float32)
    lo, hi = np.percentile(finite, [lo_pct, hi_pct])
    if hi - lo < 1e-12:
        return np.zeros_like(x, dtype=np.float32)
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


def outlier_map(x: np.ndarray, scale: float = 3.0) -> np.ndarray:
    """Robust z-score (median / 1.4826·MAD) mapped to [0, 1]: 0 at the median, 1 at ``scale`` σ.

    Used to turn a statistic whose typical value is unknown (noise level, error
    level) into "how unusual is this place compared with the rest of the image".
    Two-sided: unusually low and unusually high both count.
    """
    x = np.asarray(x, dtype=np.float32)
    med = float(np.median(x))
    mad = float(np.median(np.abs(x - med))) * 1.4826
    if mad < 1e-9:
        mad = float(np.std(x)) or 1.0
    z = np.abs(x - med) / mad
    return np.clip(z / scale, 0.0, 1.0).astype(np.float32)


def block_region(flags: np.ndarray, step: int, block: int, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """Pixel bounding box (x0, y0, x1, y1) of the flagged cells of a sliding-block grid whose
    cells start every ``step`` pixels and span ``block`` pixels, clipped to the image."""
    ys, xs = np.nonzero(flags)
    return (
        int(xs.min() * step),
        int(ys.min() * step),
        int(min(shape[1], xs.max() * step + block)),
        int(min(shape[0], ys.max() * step + block)),
    )
