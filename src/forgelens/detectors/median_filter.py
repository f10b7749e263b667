"""Median filtering, a global processing trace (often applied to a whole image, or to a
pasted part before it is blended in).

``median_filter``
    Kirchner & Fridrich (2010): a median filter leaves *streaking* — runs of
    equal neighbouring values — so the histogram of first-order pixel
    differences has an excess of zeros. The statistic is the ratio of its
    bins, ``rho = h(1) / h(0)``, computed block-wise and combined with weights
    that discount flat blocks (where zeros come from the content).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.maps import native_grid
from forgelens.trace import Finding, Trace

# --------------------------------------------------------------------------------------
# median filtering
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MedianFilterConfig:
    """Kirchner & Fridrich (2010) first-order difference statistics.

    block : side of the blocks over which h(0), h(1) are counted (their B = 64).
    threshold : image is called median-filtered when the image ratio rho = h1/h0 falls
        below this (unfiltered photos mostly lie at 1.1-1.9, 3x3-median-filtered ones at
        0.4-0.95; calibrated on camera and Flickr photos, see the issue-5 note).
    flat_fraction : blocks where more than this share of differences is zero are flat
        (content, not filtering, makes the zeros) and get no weight.
    scale : how far rho must lie from the threshold for the score to reach 0 or 1.
    """

    block: int = 64
    threshold: float = 1.0
    flat_fraction: float = 0.9
    #: distance of rho below/above the threshold at which the score reaches 1/0
    scale: float = 0.5


def first_difference_ratio(gray: np.ndarray, block: int = 64, flat_fraction: float = 0.9):
    """Block-wise ratio rho_b = h(1)/h(0) of the first-order difference histogram.

    Parameters
    ----------
    gray : (H, W) array
        An 8-bit-valued channel (integers stored in any dtype).
    block : int, optional
        Block side in pixels (default 64).
    flat_fraction : float, optional
        Blocks whose share of zero differences exceeds this get weight 0.

    Returns
    -------
    rho_b : (R, C) float array
        Ratio per block (horizontal and vertical differences pooled).
    weight_b : (R, C) float array
        Weight per block, ``1 - h0/n`` (share of non-zero differences), 0 for flat blocks.
    rho : float
        Weighted median of ``rho_b`` over blocks — the image statistic (a median
        rather than the paper's weighted mean, so a few flat or saturated blocks
        cannot dominate).

    Notes
    -----
    Median filtering replaces each pixel by a value from its neighbourhood, so
    neighbouring outputs are often equal ("streaking"); h(0) grows against
    h(1). The statistic assumes an uncompressed (or mildly compressed) image
    with some texture; strong JPEG compression also flattens and can mimic it.

    References
    ----------
    .. [1] M. Kirchner, J. Fridrich, "On detection of median filtering in digital
           images", Proc. SPIE 7541, Media Forensics and Security II, 2010.
    """
    g = np.asarray(gray, dtype=np.int16)
    h, w = g.shape
    hb, wb = h // block, w // block
    if hb == 0 or wb == 0:
        raise ValueError(f"image {w}x{h} is smaller than one {block}-pixel block")
    g = g[: hb * block, : wb * block]
    dx = np.abs(np.diff(g, axis=1))  # (H, W-1)
    dy = np.abs(np.diff(g, axis=0))  # (H-1, W)
    dx = np.pad(dx, ((0, 0), (0, 1)), constant_values=99)  # the pad column counts in neither bin
    dy = np.pad(dy, ((0, 1), (0, 0)), constant_values=99)

    def counts(d: np.ndarray, v: int) -> np.ndarray:
        return (d == v).reshape(hb, block, wb, block).sum(axis=(1, 3)).astype(np.float64)

    h0 = counts(dx, 0) + counts(dy, 0)
    h1 = counts(dx, 1) + counts(dy, 1)
    n = 2.0 * block * (block - 1)
    rho_b = h1 / np.maximum(h0, 1.0)
    weight = 1.0 - h0 / n
    weight[h0 / n > flat_fraction] = 0.0
    if weight.sum() <= 0:
        return rho_b, weight, float("nan")
    order = np.argsort(rho_b, axis=None)
    cw = np.cumsum(weight.ravel()[order])
    rho = float(rho_b.ravel()[order][np.searchsorted(cw, 0.5 * cw[-1])])
    return rho_b, weight, rho


@register(
    "median_filter",
    config=MedianFilterConfig,
    description="Median filtering (Kirchner & Fridrich 2010): excess of zero first-order differences",
    family="camera",
    how_to_read="Red blocks have many more equal neighbouring pixels than one-step differences, "
    "the streaking a median filter leaves. The image-level score says whether the whole picture was filtered.",
    caveat="Strong JPEG compression, denoising and flat synthetic graphics also produce equal neighbours; "
    "flat blocks are down-weighted, not excluded entirely.",
)
def median_filter(evidence: Evidence, config: MedianFilterConfig) -> Trace:
    """Detect median filtering from first-order difference histograms (Kirchner & Fridrich 2010)."""
    gray = np.rint(evidence.luminance)
    if min(gray.shape) < config.block:
        return Trace.not_applicable("median_filter", f"image smaller than one {config.block}-px block")
    rho_b, weight, rho = first_difference_ratio(gray, config.block, config.flat_fraction)
    shape = evidence.shape
    if not np.isfinite(rho):
        return Trace.not_applicable("median_filter", "every block is flat: no first-order statistics")
    t = config.threshold
    # suspicion rises as rho falls below 1 and is 0.5 at the threshold
    block_s = np.clip(0.5 + (t - rho_b) / (2 * config.scale), 0, 1) * (weight > 0)
    heat = native_grid(block_s, shape, config.block)[0]  # one cell per block: the Trace keeps this grid
    rel = native_grid(np.clip(weight * 2, 0, 1), shape, config.block)[0]
    score = float(np.clip(0.5 + (t - rho) / (2 * config.scale), 0, 1))
    findings = []
    if rho < t:
        findings.append(
            Finding(
                "median_filtered",
                f"first-order difference ratio h1/h0 = {rho:.2f} (< {t:.2f}): streaking typical of median filtering",
                strength=score,
                values={"rho": rho, "threshold": t, "blocks_used": int((weight > 0).sum())},
            )
        )
    note = f"rho = h1/h0 = {rho:.3f} over {int((weight > 0).sum())} textured blocks"
    return Trace("median_filter", heat, rel, score, findings, note=note, extra_maps={}, block=config.block)
