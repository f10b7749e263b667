"""Noise-level inconsistency: wavelet MAD per block and the median-filter noise residue.

Two classic, training-free views of an image's noise. A region pasted from
another picture usually carries another camera's (or another processing
chain's) noise; a region that was retouched, blurred or denoised carries less
noise than its surroundings. Both detectors estimate a local noise level per
block and mark the places that disagree with the rest of the image.

- ``noise_wavelet``: Mahdian & Saic (2009), median absolute deviation of the
  finest diagonal wavelet subband (HH1) per block.
- ``noise_median``: the median-filter noise residue (the "NOI4" map of the
  image-forensics toolbox, Forensically's "noise analysis"): the image minus
  its 3×3 median-filtered copy, its magnitude averaged per block.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import pywt

from forgelens.detectors._noise_common import (
    block_mean,
    block_reliability,
    finish_level_trace,
    saturation_fraction,
    too_small,
)
from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.trace import Trace

#: E|x − median3×3(x)| / σ for white Gaussian noise (measured by simulation,
#: 0.72–0.73 for σ = 1…10 on 8-bit data); turns the median residue into a σ.
MEDIAN_RESIDUE_PER_SIGMA = 0.724

#: The Donoho–Johnstone constant: MAD / 0.6745 estimates σ for Gaussian data.
MAD_TO_SIGMA = 0.6745


@dataclass(frozen=True)
class NoiseWaveletConfig:
    """Configuration of ``noise_wavelet``.

    Parameters
    ----------
    wavelet : str
        Wavelet of the one-level decomposition; Mahdian & Saic use Daubechies 8 ("db8").
    block_size : int
        Block side in HH1 coefficients (one coefficient per 2×2 pixels, so 8 → 16 px
        blocks). 8 is the block size of the reference toolbox implementation.
    smooth_blocks : float
        Gaussian smoothing (in blocks) of the log-σ map before the outlier test; stands in
        for the paper's merging of neighbouring blocks with the same noise level.
    brightness_compensation : bool
        Subtract the median noise level at each brightness (the camera's noise level
        function) before comparing blocks. Not in the paper; reduces false alarms where
        dark and bright areas legitimately differ.
    z_low, z_high : float
        Robust z-scores of log σ mapped to suspicion 0 and 1.
    min_spread : float
        Floor on the robust spread of log σ (0.05 = 5 %), so a perfectly uniform image
        does not turn estimator noise into alarms.
    flat_sigma : float
        Blocks with estimated σ below this (8-bit units) are digitally flat: unreliable.
    min_area_fraction : float
        Region size (fraction of the analysable area) at which the image score is no
        longer reduced for smallness.
    """

    wavelet: str = "db8"
    block_size: int = 8
    smooth_blocks: float = 1.0
    brightness_compensation: bool = True
    z_low: float = 2.0
    z_high: float = 5.0
    min_spread: float = 0.05
    flat_sigma: float = 0.3
    min_area_fraction: float = 0.01


@dataclass(frozen=True)
class NoiseMedianConfig:
    """Configuration of ``noise_median``.

    Parameters
    ----------
    median_size : int
        Median filter size (3 in NOI4 and in Forensically's noise analysis).
    block_size : int
        Side (pixels) of the blocks over which the residue magnitude is averaged.
    smooth_blocks, brightness_compensation, z_low, z_high, min_spread, flat_sigma,
    min_area_fraction
        As in ``NoiseWaveletConfig``.
    view_gain : float
        Amplification of the raw residue in the ``median_residue`` extra map (NOI4 uses 10).
    """

    median_size: int = 3
    block_size: int = 16
    smooth_blocks: float = 1.0
    brightness_compensation: bool = True
    z_low: float = 2.0
    z_high: float = 5.0
    min_spread: float = 0.05
    flat_sigma: float = 0.3
    min_area_fraction: float = 0.01
    view_gain: float = 10.0


def finest_diagonal(y: np.ndarray, wavelet: str) -> np.ndarray:
    """HH1 of ``pywt.dwt2(y, wavelet, mode="periodization")``, without the three subbands not used.

    ``dwt2`` filters along rows first, then along columns of both halves; HH1 needs only the
    column pass of the row detail. Same one-axis transforms in the same order: the same numbers.
    The pass along axis 0 runs on the transposed picture, along its contiguous rows (PyWavelets
    gathers a strided column per signal otherwise: twice the time); each 1-D signal and its
    transform are the same, so the coefficients are too.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.dtype in (np.float32, np.float64):
        detail_cols = pywt.dwt(cv2.transpose(y), wavelet, mode="periodization", axis=1)[1]
        return pywt.dwt(cv2.transpose(detail_cols), wavelet, mode="periodization", axis=1)[1]
    detail_rows = pywt.dwt(y, wavelet, mode="periodization", axis=0)[1]
    return pywt.dwt(detail_rows, wavelet, mode="periodization", axis=1)[1]


@register(
    "noise_wavelet",
    config=NoiseWaveletConfig,
    family="noise",
    description="Noise level per block from the wavelet HH1 median absolute deviation "
    "(Mahdian & Saic 2009); regions whose noise disagrees with the rest",
    how_to_read="Bright = the local noise level (σ = MAD/0.6745 of the finest diagonal wavelet "
    "band) differs from the image's typical level at that brightness. Pasted, blurred, "
    "denoised or resampled regions often carry a different noise level.",
    caveat="Strong texture raises the estimate and JPEG flattens smooth areas; clipped and "
    "flat areas are marked unreliable. A different noise level is a clue, not proof.",
)
def noise_wavelet(evidence: Evidence, config: NoiseWaveletConfig) -> Trace:
    """Local noise-level inconsistency from the wavelet HH1 subband (Mahdian & Saic 2009).

    The luminance is decomposed with one level of a ``db8`` discrete wavelet
    transform; the finest diagonal subband HH1 is nearly pure noise in smooth
    areas. It is tiled into blocks and each block's noise standard deviation
    is estimated robustly as σ = median(|HH1|) / 0.6745 (Donoho's MAD
    estimator). Blocks whose log σ departs from the image's typical level (a
    robust two-sided z-score, after an optional brightness compensation and a
    light spatial smoothing) are marked.

    Parameters
    ----------
    evidence : Evidence
        The image; its BT.601 luminance is analysed.
    config : NoiseWaveletConfig
        ``wavelet="db8"`` and ``block_size=8`` HH1 coefficients (16 px) by default.

    Returns
    -------
    Trace
        ``heatmap``: suspicion per 16-px block in [0, 1] (damped where unreliable);
        ``reliability``: low in clipped or digitally flat blocks; ``score``: strength of
        the most suspicious coherent region; ``findings``: the image's noise σ and, per
        region, σ inside vs outside; ``extra_maps["noise_sigma"]``: σ map scaled by
        4× its median.

    Notes
    -----
    The method assumes the noise of an untouched photograph is additive,
    white, Gaussian and of one level across the image (here: at one brightness),
    and that HH1 of natural content is sparse, so the median sees noise, not
    edges. Textured areas overestimate σ; JPEG compression underestimates it in
    smooth areas. Mahdian & Saic then merge blocks of equal σ into regions
    (a homogeneity test); this implementation replaces the merging with a
    smoothed robust outlier map.

    References
    ----------
    .. [1] B. Mahdian and S. Saic, "Using noise inconsistencies for blind image
       forensics", Image and Vision Computing 27(10):1497–1503, 2009.
       :DOI:`10.1016/j.imavis.2009.02.001`
    .. [2] D. L. Donoho and I. M. Johnstone, "Ideal spatial adaptation by wavelet
       shrinkage", Biometrika 81(3):425–455, 1994.

    Examples
    --------
    >>> from forgelens.detectors import run
    >>> trace = run("noise_wavelet", evidence)
    >>> trace.findings[0].kind, trace.findings[0].values["sigma_median"] > 0
    ('noise_level', True)
    """
    b = int(config.block_size)
    px = 2 * b
    small = too_small("noise_wavelet", evidence, px)
    if small is not None:
        return small
    y = np.asarray(evidence.luminance, dtype=np.float32)
    hh = finest_diagonal(y, config.wavelet)
    rows = min(hh.shape[0] // b, evidence.height // px)
    cols = min(hh.shape[1] // b, evidence.width // px)
    v = np.abs(hh[: rows * b, : cols * b]).reshape(rows, b, cols, b).swapaxes(1, 2).reshape(rows, cols, b * b)
    sigma = (np.median(v, axis=2) / MAD_TO_SIGMA).astype(np.float32)
    sat = saturation_fraction(evidence.pixels, px)[:rows, :cols]
    bright = block_mean(y, px)[:rows, :cols]
    rel = block_reliability(sat, sigma, config.flat_sigma)
    return finish_level_trace(
        "noise_wavelet", evidence, sigma, rel, bright, px, config,
        "luminance noise σ", f"{config.wavelet} HH1 MAD/0.6745",
    )


@register(
    "noise_median",
    config=NoiseMedianConfig,
    family="noise",
    description="Median-filter noise residue (image minus its 3×3 median), averaged per block; "
    "regions whose residue level disagrees with the rest (NOI4 / Forensically noise analysis)",
    how_to_read="Bright = the fine-grain residue that a 3×3 median filter removes is stronger or "
    "weaker here than elsewhere at the same brightness. The extra map 'median_residue' is the "
    "classic amplified residue view for visual inspection.",
    caveat="Edges and fine texture leave a residue too; compare like with like (flat with flat). "
    "Clipped and flat areas are marked unreliable.",
)
def noise_median(evidence: Evidence, config: NoiseMedianConfig) -> Trace:
    """Median-filter noise residue map (the "NOI4" / Forensically noise-analysis view).

    Each colour channel is median filtered (``median_size``×``median_size``);
    the absolute difference to the original, averaged over the channels, is
    the residue that the filter removed — mostly noise in smooth areas. Its
    mean per block, divided by 0.724 (E|x − median₃ₓ₃(x)| for white Gaussian
    noise of unit σ), is a local noise σ; blocks whose log σ departs from the
    image's typical level are marked as in ``noise_wavelet``.

    Parameters
    ----------
    evidence : Evidence
        The image (all three colour channels are used, as in NOI4).
    config : NoiseMedianConfig
        ``median_size=3`` (published), ``block_size=16`` px.

    Returns
    -------
    Trace
        ``heatmap``, ``reliability``, ``score`` and ``findings`` as in ``noise_wavelet``;
        ``extra_maps["median_residue"]``: the raw residue ×``view_gain``/255 (the NOI4
        picture an analyst looks at).

    Notes
    -----
    Assumes the untouched image's fine-grain noise is homogeneous (at a given
    brightness) and that a small median filter removes noise but keeps
    structure, so the residue measures noise in smooth areas. Textured areas
    and edges add a residue of their own.

    References
    ----------
    .. [1] J. Wagner, "Noise analysis for image forensics", 29a.ch, 2015
       (Forensically). https://29a.ch/2015/08/21/noise-analysis-for-image-forensics
    .. [2] M. Zampoglou, S. Papadopoulos and Y. Kompatsiaris, "Large-scale evaluation of
       splicing localization algorithms for web images", Multimedia Tools and
       Applications 76(4):4801–4834, 2017 (the NOI4 median-filter noise residue).
    """
    px = int(config.block_size)
    small = too_small("noise_median", evidence, px)
    if small is not None:
        return small
    k = int(config.median_size) | 1
    p = np.ascontiguousarray(evidence.pixels)
    med = cv2.medianBlur(p, k)
    ad = cv2.absdiff(p, med)
    del med
    if ad.ndim == 3:  # channel mean: exact integer sum, then / 3 as float32 (same as .mean(axis=2))
        res = ad[..., 0].astype(np.float32)
        res += ad[..., 1]
        res += ad[..., 2]
        res /= np.float32(ad.shape[2])
    else:
        res = ad.astype(np.float32)
    del ad
    sigma = block_mean(res, px) / MEDIAN_RESIDUE_PER_SIGMA
    sat = saturation_fraction(p, px)
    bright = block_mean(np.asarray(evidence.luminance), px)
    rel = block_reliability(sat, sigma, config.flat_sigma)
    trace = finish_level_trace(
        "noise_median", evidence, sigma, rel, bright, px, config,
        "noise σ (median residue)", f"mean |x − median{k}×{k}(x)| / {MEDIAN_RESIDUE_PER_SIGMA}",
    )
    if trace.applicable:
        trace.extra_maps["median_residue"] = np.clip(res * (config.view_gain / 255.0), 0, 1)
    return trace
