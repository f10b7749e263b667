"""Small shared helpers for building full-resolution maps from block or tile statistics."""

from __future__ import annotations

import numpy as np


def blocks_to_pixels(block_map: np.ndarray, shape: tuple[int, int], block: int, offset=(0, 0)) -> np.ndarray:
    """Expand a per-block map to full resolution (nearest), padding uncovered edges.

    ``offset`` is the (row, col) pixel where block (0, 0) starts (e.g. a shifted JPEG grid).
    Pixels not covered by any block take the nearest block's value.
    """
    h, w = shape
    oy, ox = offset
    big = np.repeat(np.repeat(block_map.astype(np.float32), block, axis=0), block, axis=1)
    out = np.empty((h, w), dtype=np.float32)
    # place big at (oy, ox), then edge-pad to cover the whole image
    bh, bw = big.shape
    y1, x1 = min(h, oy + bh), min(w, ox + bw)
    core = big[: y1 - oy, : x1 - ox]
    pad = ((oy, h - y1), (ox, w - x1))
    out[:] = np.pad(core, pad, mode="edge") if core.size else 0.0
    return out


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
