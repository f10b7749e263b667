"""Resampling traces (Kirchner 2008, fast linear-predictor variant of Popescu & Farid 2005).

Resizing or rotating an image computes every output pixel as a weighted sum of
a few input pixels, with weights that repeat periodically. So the error of a
linear predictor of each pixel from its neighbours is periodically small; its
"p-map" ``p = exp(-|e|^tau / sigma)`` is periodic, and its DFT has strong
isolated peaks. Popescu & Farid estimate the predictor by EM; Kirchner showed a
fixed predictor gives the same peaks far faster. Here the p-map spectrum is
computed per overlapping block, whitened by the image's typical spectrum, and
the height of its largest peak is turned into a p-value under "no periodicity".
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import scipy.fft

from forgelens.detectors._maps import block_region
from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.maps import native_grid
from forgelens.trace import Finding, Trace

#: Kirchner's fixed linear predictor (2008): weights of the 8 neighbours.
KIRCHNER_PREDICTOR = np.array([[-0.25, 0.5, -0.25], [0.5, 0.0, 0.5], [-0.25, 0.5, -0.25]], np.float32)


@dataclass(frozen=True)
class ResamplingConfig:
    """Kirchner (2008) parameters, plus the block analysis.

    lam, sigma, tau : p-map ``p = lam * exp(-|e|^tau / sigma)`` (Kirchner: 1, 1, 2).
    block, step : side and step of the overlapping blocks whose p-map spectra are tested.
    low_freq : DFT bins (radius) around DC ignored (image content, not periodicity).
    jpeg_guard : ignore bins within this distance of the 8-pixel JPEG grid frequencies
        (multiples of block/8) when the file is a JPEG: blocking is periodic too.
    alpha : p-value of a block's largest peak at which suspicion starts (0 there).
    alpha_full : p-value at which suspicion is 1.
    min_area : share of the image flagged (p < alpha_full) that makes the score 0.5.
    global_peak : ratio of the image's median spectrum peak to its median level above
        which the whole image is reported as resampled.
    """

    lam: float = 1.0
    sigma: float = 1.0
    tau: float = 2.0
    block: int = 64
    step: int = 32
    low_freq: int = 4
    jpeg_guard: int = 2
    alpha: float = 1e-2
    alpha_full: float = 1e-5
    min_area: float = 0.02
    global_peak: float = 6.0


def p_map(gray: np.ndarray, lam: float = 1.0, sigma: float = 1.0, tau: float = 2.0) -> np.ndarray:
    """Kirchner's p-map of the fixed linear predictor's residual.

    Parameters
    ----------
    gray : (H, W) array
        Luminance.
    lam, sigma, tau : float, optional
        ``p = lam * exp(-|e|^tau / sigma)``; defaults 1, 1, 2 as published.

    Returns
    -------
    p : (H, W) float32 array

    References
    ----------
    .. [1] M. Kirchner, "Fast and reliable resampling detection by spectral
           analysis of fixed linear predictor residue", ACM MM&Sec 2008.
    .. [2] A. C. Popescu, H. Farid, "Exposing digital forgeries by detecting
           traces of resampling", IEEE TSP 53(2), 2005.
    """
    g = np.asarray(gray, dtype=np.float32)
    e = g - cv2.filter2D(g, -1, KIRCHNER_PREDICTOR, borderType=cv2.BORDER_REFLECT)
    return (lam * np.exp(-(np.abs(e) ** tau) / sigma)).astype(np.float32)


def _band_mask(block: int, low: int, jpeg_guard: int | None) -> np.ndarray:
    fy = np.fft.fftfreq(block) * block  # signed bin index
    fx = np.arange(block // 2 + 1, dtype=np.float64)
    FY, FX = np.meshgrid(fy, fx, indexing="ij")
    ok = np.hypot(FY, FX) > low
    # the Nyquist row/column: period-2 structure is what CFA interpolation leaves
    ok &= (np.abs(FY) < block // 2) & (FX < block // 2)
    if jpeg_guard is not None:
        g = block / 8.0
        for F in (FY, FX):
            d = np.abs(F / g - np.round(F / g)) * g
            ok &= ~((d <= jpeg_guard) & (np.round(F / g) != 0))
    return ok


def block_periodicity(p: np.ndarray, block: int = 64, step: int = 32, low: int = 4,
                      jpeg_guard: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-block peak of the whitened p-map spectrum and its p-value.

    Returns
    -------
    peak : (R, C) float array
        Largest whitened power in the analysed band (about Exp(1)/ln 2 under no periodicity).
    pval : (R, C) float array
        P(max of n such values >= peak) for n = number of bins tested.
    shape_spec : (block, block//2+1) array
        The image's typical (median) normalised spectrum, for the global test.

    Notes
    -----
    Each block's power spectrum (Hann-windowed, mean removed) is divided by its
    own median (block energy) and then by the median over all blocks (the
    image's spectral shape), which leaves roughly unit-median exponential noise
    wherever there is no periodicity. The assumption is that most of the image
    is not resampled differently from the rest; a whole-image resampling shows
    in ``shape_spec`` instead (see the detector's global finding).
    """
    h, w = p.shape
    if h < block or w < block:
        raise ValueError(f"image {w}x{h} smaller than one {block}-px block")
    win = np.outer(np.hanning(block), np.hanning(block)).astype(np.float32)
    view = np.lib.stride_tricks.sliding_window_view(p, (block, block))[::step, ::step]
    R, C = view.shape[:2]
    band = _band_mask(block, low, jpeg_guard)
    spec = np.empty((R, C, int(band.sum())), np.float32)
    for r0 in range(0, R, 16):
        chunk = np.array(view[r0 : r0 + 16], dtype=np.float32)
        chunk -= chunk.mean(axis=(2, 3), keepdims=True)
        chunk *= win
        P = np.abs(scipy.fft.rfft2(chunk, axes=(2, 3), workers=2)) ** 2
        P = P[..., band]
        P /= np.median(P, axis=-1, keepdims=True) + 1e-12
        spec[r0 : r0 + 16] = P
    shape_b = np.median(spec.reshape(R * C, -1), axis=0)
    white = spec / (shape_b + 1e-12)
    # a unit-median exponential has rate ln 2
    peak = white.max(axis=-1).astype(np.float64)
    n = white.shape[-1]
    q = 1.0 - np.exp(-np.log(2.0) * peak)
    with np.errstate(divide="ignore"):
        pval = -np.expm1(n * np.log(np.maximum(q, 1e-300)))
    shape_spec = np.zeros((block, block // 2 + 1), np.float32)
    shape_spec[band] = shape_b
    return peak, np.clip(pval, 1e-300, 1.0), shape_spec


def block_saturation_and_std(y: np.ndarray, block: int, step: int, rows_per_pass: int = 4):
    """Per analysis block: share of pixels ≥ 250 and the standard deviation of ``y``.

    The same NumPy reductions over the same block views, a few block rows at a time: each block's
    result depends only on its own pixels, so it is the same to the last bit, and the temporaries
    (a bool and a float32 copy of every block: ~4× the picture, blocks overlap by half) stay small.
    """
    yv = np.lib.stride_tricks.sliding_window_view(y, (block, block))[::step, ::step]
    parts = [yv[r0 : r0 + rows_per_pass] for r0 in range(0, yv.shape[0], rows_per_pass)]
    sat = np.concatenate([(part >= 250).mean(axis=(2, 3)) for part in parts])
    sd = np.concatenate([part.std(axis=(2, 3)) for part in parts])
    return sat, sd


@register(
    "resampling",
    config=ResamplingConfig,
    description="Resampling (Kirchner 2008 fixed-predictor p-map spectrum): regions resized or rotated",
    family="camera",
    how_to_read="Red blocks have a periodic linear-prediction residual, the fingerprint of interpolation: "
    "that part was resized or rotated differently from the rest of the image.",
    caveat="Downscaling leaves weak traces, strong JPEG compression hides them, and strongly "
    "periodic textures (fabric, grilles, halftone) produce peaks without resampling.",
)
def resampling(evidence: Evidence, config: ResamplingConfig) -> Trace:
    """Localise resampled regions from per-block p-map periodicity (Kirchner 2008)."""
    shape = evidence.shape
    if min(shape) < config.block * 2:
        return Trace.not_applicable("resampling", f"image too small for {config.block}-px blocks")
    y = evidence.luminance
    p = p_map(y, config.lam, config.sigma, config.tau)
    guard = config.jpeg_guard if evidence.format == "JPEG" else None
    peak, pval, shape_spec = block_periodicity(p, config.block, config.step, config.low_freq, guard)
    # reliability: saturated / flat blocks give a p-map of all ones
    sat, sd = block_saturation_and_std(y, config.block, config.step)
    rel_b = np.clip((1 - 2 * sat) * np.clip(sd / 3.0, 0, 1), 0, 1)
    lp = -np.log10(pval)
    lo, hi = -np.log10(config.alpha), -np.log10(config.alpha_full)
    heat_b = np.clip((lp - lo) / (hi - lo), 0, 1) * (rel_b > 0.2)
    off = (config.block - config.step) // 2
    heat, cell = native_grid(heat_b, shape, config.step, offset=(off, off))  # the Trace keeps this grid
    rel = native_grid(rel_b, shape, config.step, offset=(off, off))[0]
    flagged = (pval < config.alpha_full) & (rel_b > 0.2)
    area = float(flagged.mean())
    score = float(np.clip(area / (2 * config.min_area), 0, 1))
    findings: list[Finding] = []
    # global: does the image's median spectrum itself have an isolated peak?
    band = shape_spec > 0
    sv = shape_spec[band]
    # a flat picture has no prediction residual, so no spectrum to have a peak
    g_peak = float(sv.max() / (np.median(sv) + 1e-12)) if sv.size else 0.0
    if g_peak > config.global_peak:
        iy, ix = np.unravel_index(np.argmax(np.where(band, shape_spec, 0)), shape_spec.shape)
        fy = (iy if iy <= config.block // 2 else iy - config.block) / config.block
        fx = ix / config.block
        findings.append(
            Finding(
                "global_resampling",
                f"the whole image's prediction residual is periodic (peak {g_peak:.1f}x the spectrum's median "
                f"at frequency ({fy:.3f}, {fx:.3f}) cycles/px): resizing or rotating the whole picture does "
                "this, and so do demosaicing, JPEG blocking and periodic textures",
                strength=float(np.clip(g_peak / 16, 0, 1)),
                values={"peak_ratio": g_peak, "freq_y": fy, "freq_x": fx},
            )
        )
    if area >= config.min_area:
        region = block_region(flagged, config.step, config.block, shape)
        findings.append(
            Finding(
                "local_resampling",
                f"{int(flagged.sum())} blocks ({area * 100:.1f}% of the image) have a periodic prediction "
                f"residual (strongest peak p-value {float(pval.min()):.1e}) that the rest lacks",
                strength=score,
                region=region,
                values={"blocks": int(flagged.sum()), "min_pvalue": float(pval.min()), "max_peak": float(peak.max())},
            )
        )
    note = f"{area * 100:.2f}% of blocks periodic at p < {config.alpha_full:g}; global peak ratio {g_peak:.1f}"
    return Trace("resampling", heat, rel, score, findings, note=note, block=cell)
