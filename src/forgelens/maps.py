"""Maps on the ground floor: block → pixel upsampling, robust z-scores, scaling to [0, 1].

Detectors keep block maps (a Trace stores them at their native grid, see ``native_grid``);
fusion, the report and the explanations bring them to the picture's size with ``to_pixels``
(in row bands for large pictures) and to a common scale with these. Imports nothing from forgelens.
"""

from __future__ import annotations

import functools
import math

import numpy as np

__all__ = ["MAD_TO_SIGMA", "area_shrink", "area_weights", "blocks_to_pixels", "check_grid", "grid_shape", "native_grid",
           "to_pixels", "robust_center_spread", "outlier_map", "robust_unit"]

#: 1 / Φ⁻¹(3/4): the median absolute deviation times this estimates σ of a normal sample.
MAD_TO_SIGMA = 1.4826


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


def grid_shape(shape: tuple[int, int], block: int) -> tuple[int, int]:
    """Shape of a map with one cell per ``block``×``block`` pixels: (ceil(h/k), ceil(w/k)).

    The last row/column of cells covers the picture's partial edge blocks.

    >>> grid_shape((1000, 1500), 8)
    (125, 188)
    """
    k = int(block)
    return -(-int(shape[0]) // k), -(-int(shape[1]) // k)


def native_grid(block_map: np.ndarray, shape: tuple[int, int], block: int,
                offset: tuple[int, int] = (0, 0)) -> tuple[np.ndarray, int]:
    """A per-block map as a Trace stores it: cells aligned on pixel (0, 0), and their size.

    Returns ``(grid, k)`` such that ``to_pixels(grid, shape, k)`` equals
    ``blocks_to_pixels(block_map, shape, block, offset)`` exactly. Blocks that start at a
    shifted ``offset`` give cells of ``k = gcd(block, offset)`` pixels (a cell never straddles
    two blocks); with no offset, ``k = block``.
    """
    oy, ox = (int(o) for o in offset)
    k = math.gcd(int(block), oy, ox)
    bm = np.asarray(block_map, dtype=np.float32)
    gh, gw = grid_shape(shape, k)
    if bm.size == 0:
        return np.zeros((gh, gw), np.float32), k
    rows = np.clip((np.arange(gh) * k - oy) // block, 0, bm.shape[0] - 1)
    cols = np.clip((np.arange(gw) * k - ox) // block, 0, bm.shape[1] - 1)
    return bm[np.ix_(rows, cols)], k


def check_grid(m: np.ndarray, shape: tuple[int, int], block: int, what: str = "map") -> None:
    """Refuse a map that is not the ``block``-pixel grid of a ``shape`` picture (:func:`grid_shape`);
    ``what`` names it in the error (e.g. the detector's name)."""
    k = int(block)
    if np.shape(m) != grid_shape(shape, k):
        raise ValueError(f"{what} of shape {np.shape(m)} is not a {k}-pixel grid of a {shape} picture")


def to_pixels(m: np.ndarray, shape: tuple[int, int], block: int = 1,
              rows: tuple[int, int] | None = None) -> np.ndarray:
    """A Trace's map at the picture's resolution (float32), whole or for pixel rows ``rows``.

    The one way to read a heatmap, reliability or extra map that a detector kept at its
    native resolution (``block`` pixels per cell, see :func:`grid_shape`): each pixel takes
    its cell's value (nearest — a block method measured one number per block). ``block=1``
    returns the map itself (as float32). Callers that need pixels of a large picture ask
    for bands of ``rows`` so no full-resolution copy of every map exists at once.

    >>> to_pixels(np.array([[0.0, 1.0]], np.float16), (2, 3), 2)
    array([[0., 0., 1.],
           [0., 0., 1.]], dtype=float32)
    """
    r0, r1 = (0, int(shape[0])) if rows is None else (int(rows[0]), int(rows[1]))
    if int(block) == 1:
        return np.asarray(m[r0:r1], dtype=np.float32)
    k = int(block)
    check_grid(m, shape, k)
    cols = np.arange(int(shape[1])) // k
    out = np.empty((r1 - r0, int(shape[1])), np.float32)
    if r1 <= r0:
        return out
    g0, g1 = r0 // k, (r1 - 1) // k + 1  # only the grid rows this band covers are widened
    np.take(np.asarray(m[g0:g1], np.float32)[:, cols], np.arange(r0, r1) // k - g0, axis=0, out=out)
    return out


def area_weights(n: int, m: int) -> np.ndarray:
    """(m, n) weights of an area-average shrink of ``n`` samples to ``m`` (m ≤ n), float64.

    Output sample ``i`` averages the input interval [i·n/m, (i+1)·n/m) by overlap, as OpenCV's
    ``INTER_AREA`` does when it shrinks: slivers of at most 1e-3 of a pixel are left out and the
    weights are divided by the cell's width (``min(n/m, n - i·n/m)``).

    >>> area_weights(4, 2)
    array([[0.5, 0.5, 0. , 0. ],
           [0. , 0. , 0.5, 0.5]])
    """
    scale = n / m
    start = np.arange(m, dtype=np.float64)[:, None] * scale
    px = np.arange(n, dtype=np.float64)[None, :]
    overlap = np.clip(np.minimum(px + 1, start + scale) - np.maximum(px, start), 0.0, None)
    overlap[overlap <= 1e-3] = 0.0
    return overlap / np.minimum(scale, n - start)


@functools.lru_cache(maxsize=64)
def _cell_weights(n: int, m: int, k: int):
    """``area_weights(n, m)`` summed over cells of ``k`` samples, as a sparse (m, ceil(n/k)) matrix.

    Kept (read-only) for the next map of the same picture: fusion pools every trace's heatmap and
    reliability onto one grid, so the same few matrices are asked for dozens of times per analysis."""
    from scipy import sparse  # the weights are banded: a sparse product, no BLAS threads to wake

    return sparse.csr_matrix(np.add.reduceat(area_weights(n, m), np.arange(0, n, k), axis=1))


def area_shrink(m: np.ndarray, shape: tuple[int, int], block: int, out_shape: tuple[int, int]) -> np.ndarray:
    """``cv2.resize(to_pixels(m, shape, block), out_shape, INTER_AREA)`` without the pixels.

    A map kept on a ``block``-pixel grid is constant within each cell, so the area average of its
    pixels is a product of three small matrices: (area weights summed per cell) · grid ·
    (the same for columns)ᵀ — about 100× less work than expanding the map first. Equal to the
    OpenCV result within float32 rounding (≤ ~4e-7); ``out_shape`` must not exceed ``shape``.
    """
    h, w = int(shape[0]), int(shape[1])
    oh, ow = int(out_shape[0]), int(out_shape[1])
    if oh > h or ow > w:
        raise ValueError(f"area_shrink shrinks only: {shape} → {out_shape}")
    k = int(block)
    check_grid(m, shape, k)
    wy = _cell_weights(h, oh, k)  # (oh, grid rows)
    wx = _cell_weights(w, ow, k)  # (ow, grid cols)
    rows = wy @ np.asarray(m, np.float64)  # (oh, grid cols)
    return np.asarray((wx @ rows.T).T, np.float32)


def robust_center_spread(x: np.ndarray) -> tuple[float, float]:
    """Median and robust σ (``MAD_TO_SIGMA`` × median absolute deviation) of ``x``.

    The robust z-score of a value v is then ``(v - centre) / spread``; unlike mean and
    standard deviation, a forged region covering up to half the samples cannot move them.

    Examples
    --------
    >>> robust_center_spread(np.array([1.0, 2.0, 3.0, 100.0]))
    (2.5, 1.4826)
    """
    x = np.asarray(x)
    med = float(np.median(x))
    return med, float(np.median(np.abs(x - med))) * MAD_TO_SIGMA


def outlier_map(x: np.ndarray, scale: float = 3.0) -> np.ndarray:
    """Robust z-score (median / 1.4826·MAD) mapped to [0, 1]: 0 at the median, 1 at ``scale`` σ.

    Used to turn a statistic whose typical value is unknown (noise level, error
    level) into "how unusual is this place compared with the rest of the image".
    Two-sided: unusually low and unusually high both count.
    """
    x = np.asarray(x, dtype=np.float32)
    med, mad = robust_center_spread(x)
    if mad < 1e-9:
        mad = float(np.std(x)) or 1.0
    z = np.abs(x - med) / mad
    return np.clip(z / scale, 0.0, 1.0).astype(np.float32)


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
