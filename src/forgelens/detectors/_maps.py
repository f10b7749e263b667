"""Small helpers the detectors share: channel masks, block views, block-grid regions.

Block → pixel upsampling, robust z-scores and unit scaling are on the ground floor,
in :mod:`forgelens.maps`, for fusion and the explanations too.
"""

from __future__ import annotations

import cv2
import numpy as np


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
