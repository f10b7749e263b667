"""Contrast enhancement, a global processing trace (gamma, levels or a histogram stretch applied
to a whole image, or to a pasted part before it is blended in).

``contrast_enhancement``
    Stamm & Liu (2010): a pixel-value mapping (gamma, histogram stretch,
    levels) leaves impulsive peaks and gaps in the pixel-value histogram, i.e.
    energy at high frequencies of the histogram's DFT, which an unaltered
    image's smooth histogram does not have. Computed over the whole image and
    over overlapping blocks, so a locally enhanced region also shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forgelens.detectors._maps import block_region
from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.maps import native_grid
from forgelens.trace import Finding, Trace


@dataclass(frozen=True)
class ContrastEnhancementConfig:
    """Stamm & Liu (2010) histogram high-frequency energy.

    cutoff : lowest DFT frequency counted as "high" (their c = 32 of 256 bins).
    pinch : width in bins of the cosine taper that silences the histogram ends
        (saturation peaks at 0/255 are not enhancement; their N_p = 8).
    threshold : image is called enhanced when the noise-normalised statistic exceeds it
        (1 ≈ a smooth histogram plus counting noise; see ``histogram_hf_energy``).
    block, step : block size / step for the local map (histograms need many pixels).
    min_spread : blocks whose values span fewer bins than this are unreliable.
    """

    cutoff: int = 32
    pinch: int = 8
    threshold: float = 2.0
    block: int = 128
    step: int = 64
    min_spread: int = 24


def _pinch(n_p: int) -> np.ndarray:
    x = np.arange(256, dtype=np.float64)
    p = np.ones(256)
    if n_p > 0:
        lo = x < n_p
        p[lo] = 0.5 - 0.5 * np.cos(np.pi * x[lo] / n_p)
        hi = x > 255 - n_p
        p[hi] = 0.5 + 0.5 * np.cos(np.pi * (x[hi] - (255 - n_p)) / n_p)
    return p


def histogram_hf_energy(hist: np.ndarray, cutoff: int = 32, pinch: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """High-frequency energy of 256-bin histograms, as published and noise-normalised.

    Parameters
    ----------
    hist : (..., 256) array
        Pixel-value histograms (counts).
    cutoff : int, optional
        First DFT bin counted (default 32, Stamm & Liu's c).
    pinch : int, optional
        Cosine taper width at both ends (default 8).

    Returns
    -------
    F : (...) array
        Stamm & Liu's statistic ``(1/N) sum_{k>=c} |G(k)|`` with ``g = h * p`` (N = pixels).
    F_norm : (...) array
        The same sum divided by what Poisson counting noise alone would give
        (``(128 - c + 1) * sqrt(pi/4 * sum(h p^2))``); about 1 for a smooth
        histogram whatever the number of pixels, much larger with peaks/gaps.

    Notes
    -----
    Assumes an unaltered image has a smooth histogram (low-pass), so energy at
    high histogram frequencies comes from the impulsive peaks and gaps a
    pixel-value mapping introduces. Posterised or synthetic images with few
    distinct values violate this. The noise normalisation is our addition so
    that one threshold serves whole images and small blocks alike.

    References
    ----------
    .. [1] M. C. Stamm, K. J. R. Liu, "Forensic detection of image manipulation
           using statistical intrinsic fingerprints", IEEE TIFS 5(3), 2010.
    """
    h = np.asarray(hist, dtype=np.float64)
    p = _pinch(pinch)
    g = h * p
    G = np.abs(np.fft.rfft(g, axis=-1))[..., cutoff:129]
    n = np.maximum(h.sum(axis=-1), 1.0)
    s = G.sum(axis=-1)
    noise = G.shape[-1] * np.sqrt(np.pi / 4 * np.maximum((h * p * p).sum(axis=-1), 1.0))
    return s / n, s / noise


def _block_histograms(ch: np.ndarray, block: int, step: int) -> tuple[np.ndarray, int, int]:
    """256-bin histograms of overlapping blocks (vectorised with bincount on cells of ``step``)."""
    h, w = ch.shape
    rc, cc = h // step, w // step
    cells = ch[: rc * step, : cc * step].reshape(rc, step, cc, step).swapaxes(1, 2).reshape(rc, cc, -1)
    idx = (np.arange(rc * cc).reshape(rc, cc, 1) * 256 + cells.astype(np.int64)).ravel()
    ch_hist = np.bincount(idx, minlength=rc * cc * 256).reshape(rc, cc, 256)
    k = block // step
    cs = ch_hist.cumsum(0).cumsum(1)
    cs = np.pad(cs, ((1, 0), (1, 0), (0, 0)))
    hist = cs[k:, k:] - cs[:-k, k:] - cs[k:, :-k] + cs[:-k, :-k]
    return hist, rc, cc


@register(
    "contrast_enhancement",
    config=ContrastEnhancementConfig,
    description="Contrast enhancement (Stamm & Liu 2010): peaks and gaps in the pixel-value histogram",
    family="camera",
    # off by default: it flags 54 of 111 authentic camera originals (their own tone curves comb the histogram)
    default=False,
    how_to_read="Red blocks have a comb-like histogram (peaks and empty bins) that a gamma/levels/stretch "
    "mapping leaves; the score says whether the whole image was remapped.",
    caveat="Many camera originals already have comb histograms from the camera's own 8-bit tone curve "
    "(about half of our camera photos score high), as do graphics and posterised images: a global finding "
    "means 'a value mapping was applied after demosaicing', not necessarily an edit. Later JPEG compression "
    "and resizing smooth the comb away.",
)
def contrast_enhancement(evidence: Evidence, config: ContrastEnhancementConfig) -> Trace:
    """Detect pixel-value mappings from histogram peaks and gaps (Stamm & Liu 2010)."""
    px = evidence.pixels
    shape = evidence.shape
    gray_like = bool(np.array_equal(px[..., 0], px[..., 1]) and np.array_equal(px[..., 1], px[..., 2]))
    chans = [px[..., 0]] if gray_like else [px[..., c] for c in range(3)]
    glob = np.stack([np.bincount(c.ravel(), minlength=256) for c in chans])
    F, Fn = histogram_hf_energy(glob, config.cutoff, config.pinch)
    # a channel counts only if its values are spread enough to have a histogram shape
    spread = (glob > 0).sum(axis=1)
    ok = spread >= config.min_spread
    fn_img = float(np.median(Fn[ok])) if ok.any() else float("nan")
    t = config.threshold
    findings: list[Finding] = []
    score = None
    if np.isfinite(fn_img):
        score = float(np.clip(0.5 + 0.5 * np.tanh((fn_img - t) / max(t * 0.5, 1e-3)), 0, 1))
        if fn_img > t:
            empty = int(np.sum(glob[:, 8:248].min(axis=0) == 0)) if not gray_like else int(np.sum(glob[0, 8:248] == 0))
            findings.append(
                Finding(
                    "contrast_enhanced",
                    f"histogram high-frequency energy {fn_img:.1f}x the smooth-histogram level (> {t:.1f}): "
                    f"peaks/gaps of a pixel-value mapping ({empty} empty bins in 8..247)",
                    strength=score,
                    values={"F_norm": fn_img, "F": float(np.median(F)), "threshold": t, "empty_bins": empty},
                )
            )
    # local map
    heat = None
    rel = None
    cell = 1
    if min(shape) >= config.block:
        bh = [_block_histograms(c, config.block, config.step) for c in chans]
        hist = np.stack([b[0] for b in bh])  # (C, R, K, 256)
        _, fnb = histogram_hf_energy(hist, config.cutoff, config.pinch)
        spread_b = (hist > 0).sum(-1)
        okb = spread_b >= config.min_spread
        fnb = np.where(okb, fnb, np.nan)
        with np.errstate(all="ignore"):
            blk = np.nanmedian(fnb, axis=0) if fnb.shape[0] > 1 else fnb[0]
        valid = np.isfinite(blk)
        blk_s = np.where(valid, np.clip(0.5 + 0.5 * np.tanh((np.nan_to_num(blk) - t) / (t * 0.5)), 0, 1), 0)
        # overlapping blocks of size block at step: centre each block's value on its central cell
        off = (config.block - config.step) // 2
        heat, cell = native_grid(blk_s, shape, config.step, offset=(off, off))  # kept at that grid
        rel = native_grid(valid.astype(np.float32), shape, config.step, offset=(off, off))[0]
        if score is not None and fn_img <= t and valid.any():
            hot = valid & (blk > t)
            if hot.sum() >= 2:
                region = block_region(hot, config.step, config.block, shape)
                findings.append(
                    Finding(
                        "local_contrast_enhancement",
                        f"{int(hot.sum())} blocks have comb-like histograms (max {np.nanmax(blk):.1f}x "
                        f"smooth level) while the whole image does not",
                        strength=float(np.nanmax(blk_s)),
                        region=region,
                        values={"blocks": int(hot.sum()), "max_F_norm": float(np.nanmax(blk))},
                    )
                )
    note = f"histogram HF energy {fn_img:.2f}x smooth level" if np.isfinite(fn_img) else "histogram too narrow"
    return Trace("contrast_enhancement", heat, rel, score, findings, note=note, block=cell)
