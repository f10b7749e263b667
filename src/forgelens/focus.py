"""Focus: the variance of the Laplacian in blocks, and how much sharper a marked area is than the rest.

The noise and learned traces respond to fine detail: an untouched photo whose subject is in sharp focus
against a blurred or flat background can light them up on the subject alone (issue 14, session 15: an
in-focus goat's head against a defocused field, a cat's fur against flat paint). This module measures,
for one picture and one binary mask, whether the marked area is the part in focus, so the report can
say so for this picture, with its number, instead of in general.

Method: the variance of the Laplacian (Pech-Pacheco et al. 2000), the standard focus measure: the
luminance is filtered with the 3 × 3 Laplacian kernel [[0, 1, 0], [1, −4, 1], [0, 1, 0]] and the
variance of the result is taken over each 32 × 32 px block. Blocks whose luminance varies by less than
2 grey levels (standard deviation) are flat at every focus (sky, a wall) and are left out on both sides.
``focus_ratio`` = median block focus inside the mask / median block focus outside it; a block is inside
when at least half its pixels are marked. At least 4 measured blocks on each side are needed, otherwise
no ratio is stated. One Laplacian, block reductions, in bands of rows: bounded memory at 24 MP.

Notes
-----
The measure assumes that, in an untouched photo, fine detail is what the lens rendered sharply: texture
that is itself coarse or smooth reads as "less sharp" whatever the focus. It says nothing about whether
an area was edited; it is an alternative explanation that holds for this picture, never a verdict.

References
----------
J. L. Pech-Pacheco, G. Cristóbal, J. Chamorro-Martínez, J. Fernández-Valdivia, "Diatom autofocusing in
brightfield microscopy: a comparative study", Proc. 15th ICPR, vol. 3, pp. 314–317, 2000.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> lum = np.full((256, 256), 128.0, np.float32) + rng.normal(0, 3, (256, 256)).astype(np.float32)
>>> lum[64:192, 64:192] += rng.normal(0, 30, (128, 128)).astype(np.float32)  # a sharp, textured square
>>> mask = np.zeros((256, 256), bool); mask[64:192, 64:192] = True
>>> r = focus_ratio(lum, mask)
>>> r["blocks_inside"], r["ratio"] > 2
(16, True)
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

#: Block side (px) of the focus measure.
BLOCK = 32
#: Blocks whose luminance standard deviation is below this (grey levels) are flat at every focus.
FLAT_STD = 2.0
#: Measured blocks needed on each side of the mask before a ratio is stated.
MIN_BLOCKS = 4
#: Block rows per band: the Laplacian and its float64 reductions never hold more than this many rows.
BAND_BLOCKS = 16
#: A median block focus below this (grey levels², float32 rounding of a pure gradient's Laplacian) is no
#: measurable sharpness: the ratio is not stated rather than divided by rounding noise.
NO_SHARPNESS = 1e-6
#: The verdict labels the report measures focus for (those with a marked area worth explaining).
LABELS = ("manipulated", "inconclusive")
METHOD = ("variance of the Laplacian (Pech-Pacheco et al., ICPR 2000) in 32 × 32 px blocks of the luminance; "
          "blocks with luminance std < 2 grey levels left out; ratio = median inside the mask / median outside")


def block_focus(luminance: np.ndarray, block: int = BLOCK,
                band_blocks: int = BAND_BLOCKS) -> tuple[np.ndarray, np.ndarray]:
    """(variance of the Laplacian, luminance standard deviation) of every whole ``block`` × ``block``
    block of ``luminance`` (partial blocks at the right and bottom edges left out), float64.

    The Laplacian is OpenCV's 3 × 3 aperture (``ksize=1``) with its default border (reflect-101),
    computed band by band with one row of context on each side, so every value is the one the whole
    picture's Laplacian gives.
    """
    y = np.asarray(luminance)
    if y.ndim != 2:
        raise ValueError(f"luminance must be 2-D, got shape {y.shape}")
    h, w = y.shape
    hb, wb = h // block, w // block
    focus = np.zeros((hb, wb), np.float64)
    std = np.zeros((hb, wb), np.float64)
    if hb == 0 or wb == 0:
        return focus, std
    rows = block * max(1, int(band_blocks))
    for r0 in range(0, hb * block, rows):
        r1 = min(r0 + rows, hb * block)
        a0, a1 = max(0, r0 - 1), min(h, r1 + 1)  # one row of context each side (none at the picture's edge)
        band = np.ascontiguousarray(y[a0:a1], dtype=np.float32)
        lap = cv2.Laplacian(band, cv2.CV_32F, ksize=1)[r0 - a0 : r0 - a0 + (r1 - r0), : wb * block]
        g0, g1 = r0 // block, r1 // block
        shape4 = (g1 - g0, block, wb, block)
        focus[g0:g1] = lap.reshape(shape4).var(axis=(1, 3), dtype=np.float64)
        std[g0:g1] = band[r0 - a0 : r0 - a0 + (r1 - r0), : wb * block].reshape(shape4).std(axis=(1, 3),
                                                                                          dtype=np.float64)
    return focus, std


def block_fraction(mask: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """The fraction of each whole block's pixels that ``mask`` marks (float64, same grid as ``block_focus``)."""
    m = np.asarray(mask, dtype=bool)
    hb, wb = m.shape[0] // block, m.shape[1] // block
    if hb == 0 or wb == 0:
        return np.zeros((hb, wb), np.float64)
    counts = m[: hb * block, : wb * block].reshape(hb, block, wb, block).sum(axis=(1, 3), dtype=np.int64)
    return counts / float(block * block)


def focus_ratio(luminance: np.ndarray, mask: np.ndarray, block: int = BLOCK, flat_std: float = FLAT_STD,
                min_blocks: int = MIN_BLOCKS) -> dict[str, Any]:
    """How much sharper the area ``mask`` marks is than the rest of the picture.

    Parameters
    ----------
    luminance : (H, W) array
        The picture's luminance (grey levels 0–255). Resized (area average) to the mask's shape when
        the two differ: the measure is taken at the resolution the mask is given in.
    mask : (H, W) bool array
        The marked area (the verdict's binary mask).
    block, flat_std, min_blocks : see ``BLOCK``, ``FLAT_STD``, ``MIN_BLOCKS``.

    Returns
    -------
    dict
        ``ratio`` (median block focus inside / median outside, or None with ``reason`` when it cannot be
        stated), ``median_inside``, ``median_outside``, ``blocks_inside``, ``blocks_outside``,
        ``blocks_flat`` (left out), ``block``, ``flat_std``, ``shape`` (H, W measured).
    """
    m = np.asarray(mask, dtype=bool)
    y = np.asarray(luminance)
    if m.ndim != 2:
        raise ValueError(f"mask must be 2-D, got shape {m.shape}")
    if y.shape != m.shape:
        y = cv2.resize(np.asarray(y, np.float32), (m.shape[1], m.shape[0]), interpolation=cv2.INTER_AREA)
    focus, std = block_focus(y, block)
    inside = block_fraction(m, block) >= 0.5
    textured = std >= flat_std
    fin, fout = focus[inside & textured], focus[~inside & textured]
    out: dict[str, Any] = {
        "ratio": None, "median_inside": float(np.median(fin)) if fin.size else None,
        "median_outside": float(np.median(fout)) if fout.size else None,
        "blocks_inside": int(fin.size), "blocks_outside": int(fout.size), "blocks_flat": int((~textured).sum()),
        "block": int(block), "flat_std": float(flat_std), "shape": [int(m.shape[0]), int(m.shape[1])],
        "reason": None,
    }
    if fin.size < min_blocks or fout.size < min_blocks:
        side = "inside" if fin.size < min_blocks else "outside"
        out["reason"] = (f"fewer than {min_blocks} textured {block} × {block} px blocks {side} the marked area "
                         f"({fin.size if side == 'inside' else fout.size})")
    elif out["median_outside"] < NO_SHARPNESS:
        out["reason"] = "the rest of the picture has no measurable sharpness"
    else:
        out["ratio"] = out["median_inside"] / out["median_outside"]
    return out


def focus_fact(luminance: np.ndarray, mask: np.ndarray | None, label: str) -> dict[str, Any] | None:
    """The report's observed focus fact for a verdict: ``focus_ratio`` with its method, rounded as
    report.json keeps it; None unless the label is manipulated or inconclusive and a mask exists."""
    if label not in LABELS or mask is None:
        return None
    r = focus_ratio(luminance, mask)
    for k in ("ratio", "median_inside", "median_outside"):
        if r[k] is not None:
            r[k] = round(float(r[k]), 4)
    return {"kind": "focus_ratio", "status": "observed", "method": METHOD, **r}
