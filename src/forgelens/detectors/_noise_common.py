"""Shared machinery of the noise-trace detectors (family "noise").

Every noise detector here measures some local statistic of the image's noise
(a noise standard deviation per block, or a residual feature per window) and
asks the same question of it: *which places disagree with the rest of the
picture?* This module holds the parts they share:

- ``block_reliability``: where a noise statistic says little (clipped or
  digitally flat blocks);
- ``level_inconsistency``: a block map of noise levels → robust, two-sided
  "how far from the image's typical level" map, optionally after removing the
  dependence of noise on brightness (the noise level function of a camera);
- ``regions_and_score``: connected suspicious regions, the numbers inside vs
  outside them, and an image-level score.

Nothing here is a published method on its own; each detector's docstring says
which paper it follows and where these helpers stand in for a step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

from forgelens.detectors._maps import block_view, channels_any
from forgelens.evidence import Evidence
from forgelens.maps import grid_shape, native_grid
from forgelens.trace import Finding, Trace

#: Pixels at or beyond these luminance values are treated as clipped.
SAT_LO, SAT_HI = 3.0, 252.0


def block_mean(a: np.ndarray, block: int) -> np.ndarray:
    """Mean of each whole ``block``×``block`` block (edges that do not fill a block are dropped)."""
    v = block_view(np.asarray(a, dtype=np.float32), block)
    return v.mean(axis=(2, 3), dtype=np.float64).astype(np.float32)


def saturation_fraction(pixels: np.ndarray, block: int) -> np.ndarray:
    """Fraction of pixels per block where any colour channel is clipped (≤ 2 or ≥ 253)."""
    return block_mean(clipped_mask(pixels), block)


def clipped_mask(pixels: np.ndarray) -> np.ndarray:
    """uint8 0/1 mask of pixels where any colour channel is ≤ SAT_LO − 1 or ≥ SAT_HI + 1."""
    v = np.arange(256)
    return channels_any(np.asarray(pixels), (v <= SAT_LO - 1) | (v >= SAT_HI + 1))


def block_reliability(sat_frac: np.ndarray, sigma: np.ndarray, flat_sigma: float) -> np.ndarray:
    """Reliability in [0, 1] of a per-block noise estimate.

    Low where the block is clipped (the noise was cut off by the sensor or the
    tone curve) and where the estimated noise is below ``flat_sigma`` (a
    digitally flat area: JPEG-flattened sky, a synthetic fill) — both say little
    about the camera's noise.
    """
    r_sat = np.clip(1.0 - 2.0 * sat_frac, 0.0, 1.0)
    r_flat = np.clip(np.asarray(sigma, np.float32) / max(flat_sigma, 1e-6), 0.0, 1.0)
    return (r_sat * r_flat).astype(np.float32)


def weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    x = np.asarray(x, np.float64).ravel()
    w = np.asarray(w, np.float64).ravel()
    keep = np.isfinite(x) & (w > 0)
    x, w = x[keep], w[keep]
    if x.size == 0:
        return float("nan")
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cw, 0.5 * cw[-1])])


def smooth_weighted(x: np.ndarray, w: np.ndarray, sigma_blocks: float) -> np.ndarray:
    """Normalised (reliability-weighted) Gaussian smoothing of a block map."""
    if sigma_blocks <= 0:
        return x.astype(np.float32)
    xw = np.where(w > 0, x, 0.0) * w
    num = ndi.gaussian_filter(xw.astype(np.float64), sigma_blocks, mode="nearest")
    den = ndi.gaussian_filter(w.astype(np.float64), sigma_blocks, mode="nearest")
    out = np.where(den > 1e-6, num / np.maximum(den, 1e-12), x)
    return out.astype(np.float32)


def brightness_trend(
    value: np.ndarray, brightness: np.ndarray, w: np.ndarray, n_bins: int = 8, min_count: int = 8
) -> np.ndarray:
    """Weighted-median ``value`` as a function of block brightness, evaluated per block.

    Camera noise depends on brightness (photon shot noise, then the tone
    curve), so a dark sky and a bright wall legitimately carry different noise.
    The trend is the weighted median of ``value`` in ``n_bins`` brightness bins
    with equal block counts, linearly interpolated; bins with fewer than
    ``min_count`` reliable blocks fall back to the global median.
    """
    good = (w > 0.5) & np.isfinite(value)
    glob = weighted_median(value, w)
    if good.sum() < 2 * min_count:
        return np.full(value.shape, glob, np.float32)
    edges = np.unique(np.quantile(brightness[good], np.linspace(0, 1, n_bins + 1)))
    if edges.size < 3:
        return np.full(value.shape, glob, np.float32)
    centres, levels = [], []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = good & (brightness >= lo) & (brightness <= hi)
        if sel.sum() >= min_count:
            centres.append(float(np.median(brightness[sel])))
            levels.append(weighted_median(value[sel], w[sel]))
    if len(centres) < 2:
        return np.full(value.shape, glob, np.float32)
    return np.interp(brightness, centres, levels).astype(np.float32)


@dataclass
class Inconsistency:
    """Result of ``level_inconsistency`` on a block grid."""

    z: np.ndarray  # signed robust z-score per block (0 = typical)
    suspicion: np.ndarray  # [0, 1] per block, reliability-damped
    centre: float  # typical log-level
    spread: float  # robust spread (log units) used for z


def level_inconsistency(
    log_level: np.ndarray,
    reliability: np.ndarray,
    *,
    brightness: np.ndarray | None,
    smooth_blocks: float,
    z_low: float,
    z_high: float,
    min_spread: float,
) -> Inconsistency:
    """Robust two-sided outlier map of a log noise-level block map.

    1. Optionally subtract the brightness trend (noise level function).
    2. Smooth with reliability weights (estimator noise averages out; a pasted
       region is spatially coherent, so it survives).
    3. z = (x − weighted median) / max(1.4826·weighted MAD, ``min_spread``).
    4. suspicion = clip((|z| − z_low) / (z_high − z_low), 0, 1) × reliability.
    """
    x = np.asarray(log_level, np.float32).copy()
    w = np.asarray(reliability, np.float32)
    x[~np.isfinite(x)] = np.nan
    finite = np.isfinite(x)
    w = np.where(finite, w, 0.0).astype(np.float32)
    fill = weighted_median(x, w)
    if not np.isfinite(fill):
        zeros = np.zeros_like(x, dtype=np.float32)
        return Inconsistency(zeros, zeros, float("nan"), float("nan"))
    x = np.where(finite, x, fill)
    if brightness is not None:
        x = x - brightness_trend(x, brightness, w)
    x = smooth_weighted(x, w, smooth_blocks)
    centre = weighted_median(x, w)
    mad = weighted_median(np.abs(x - centre), w) * 1.4826
    spread = max(mad, min_spread)
    z = (x - centre) / spread
    sus = np.clip((np.abs(z) - z_low) / max(z_high - z_low, 1e-6), 0.0, 1.0) * w
    return Inconsistency(z.astype(np.float32), sus.astype(np.float32), float(centre), float(spread))


def native(block_map: np.ndarray, shape: tuple[int, int], block: int, offset=(0, 0)) -> tuple[np.ndarray, int]:
    """Block map → the Trace's native grid and its cell size (``maps.native_grid``; empty → zeros)."""
    if block_map.size == 0:
        k = native_grid(np.zeros((1, 1), np.float32), shape, block, offset)[1]
        return np.zeros(grid_shape(shape, k), np.float32), k
    return native_grid(block_map, shape, block, offset)


def regions_and_score(
    suspicion: np.ndarray,
    reliability: np.ndarray,
    level: np.ndarray | None,
    *,
    block: int,
    offset: tuple[int, int],
    shape: tuple[int, int],
    kind: str,
    what: str,
    unit_fmt: str = "{:.1f}",
    min_area_frac: float = 0.01,
    max_regions: int = 3,
) -> tuple[float, list[Finding]]:
    """Connected suspicious regions (suspicion ≥ 0.5) → findings and an image score.

    The score is the strongest region's mean suspicion times a size factor
    ``min(1, area / min_area_frac)``: a single odd block does not make a
    forgery, a coherent region of at least ``min_area_frac`` of the reliable
    area can. It is a ranking, not a calibrated probability.
    """
    findings: list[Finding] = []
    hot = suspicion >= 0.5
    if not hot.any():
        return 0.0, findings
    labels, n = ndi.label(hot, structure=np.ones((3, 3), bool))
    idx = np.arange(1, n + 1)
    sizes = ndi.sum_labels(reliability, labels, idx)
    means = ndi.mean(suspicion, labels, idx)
    total = max(float(reliability.sum()), 1.0)
    area = np.asarray(sizes) / total
    strength = np.asarray(means) * np.minimum(1.0, area / max(min_area_frac, 1e-9))
    order = np.argsort(-strength)
    cold = (suspicion < 0.25) & (reliability > 0.5)
    out_level = float(np.median(level[cold])) if level is not None and cold.any() else None
    for k in order[:max_regions]:
        if strength[k] < 0.05:
            break
        sel = labels == idx[k]
        rows, cols = np.nonzero(sel)
        y0 = offset[0] + rows.min() * block
        x0 = offset[1] + cols.min() * block
        y1 = min(shape[0], offset[0] + (rows.max() + 1) * block)
        x1 = min(shape[1], offset[1] + (cols.max() + 1) * block)
        values = {"area_fraction": round(float(area[k]), 4), "blocks": int(sel.sum())}
        if level is not None:
            in_level = float(np.median(level[sel & (reliability > 0)])) if (sel & (reliability > 0)).any() else float(np.median(level[sel]))
            values["inside"] = round(in_level, 3)
            if out_level is not None:
                values["outside"] = round(out_level, 3)
                msg = (
                    f"{what} {unit_fmt.format(in_level)} inside vs {unit_fmt.format(out_level)} outside "
                    f"({100 * area[k]:.1f}% of the analysable area)"
                )
            else:
                msg = f"{what} {unit_fmt.format(in_level)} in a region covering {100 * area[k]:.1f}% of the image"
        else:
            msg = f"{what}: region covering {100 * area[k]:.1f}% of the analysable area"
        findings.append(
            Finding(kind, msg, float(strength[k]), (int(x0), int(y0), int(x1), int(y1)), values)
        )
    score = float(strength[order[0]]) if n else 0.0
    return float(np.clip(score, 0.0, 1.0)), findings


def finish_level_trace(
    name: str,
    ev: Evidence,
    sigma: np.ndarray,
    rel: np.ndarray,
    bright: np.ndarray,
    px_block: int,
    cfg,
    what: str,
    method_note: str,
    offset: tuple[int, int] = (0, 0),
) -> Trace:
    """Shared tail: σ block map → inconsistency map, findings, score, Trace."""
    shape = ev.shape
    analysable = float((rel > 0.5).mean())
    global_sigma = float(np.median(sigma[rel > 0.5])) if (rel > 0.5).any() else float(np.median(sigma))
    if (rel > 0.5).sum() < 4:
        t = Trace.not_applicable(
            name,
            f"no analysable area: {100 * analysable:.0f}% of blocks are neither clipped nor flat "
            f"(median noise σ {global_sigma:.2f}); a noise comparison needs several such blocks",
        )
        t.reliability, t.block = np.zeros(grid_shape(shape, 8), np.float32), 8  # nothing reliable anywhere
        return t
    with np.errstate(divide="ignore"):
        log_sigma = np.log(np.maximum(sigma, 1e-3))
    inc = level_inconsistency(
        log_sigma,
        rel,
        brightness=bright if cfg.brightness_compensation else None,
        smooth_blocks=cfg.smooth_blocks,
        z_low=cfg.z_low,
        z_high=cfg.z_high,
        min_spread=cfg.min_spread,
    )
    score, findings = regions_and_score(
        inc.suspicion,
        rel,
        sigma,
        block=px_block,
        offset=offset,
        shape=shape,
        kind="noise_inconsistency",
        what=what,
        min_area_frac=cfg.min_area_fraction,
    )
    findings.insert(
        0,
        Finding(
            "noise_level",
            f"image noise σ ≈ {global_sigma:.2f} (median over {int((rel > 0.5).sum())} reliable "
            f"blocks; {method_note}); robust spread of log σ {inc.spread:.3f}",
            0.0,
            None,
            {
                "sigma_median": round(global_sigma, 3),
                "log_sigma_spread": round(inc.spread, 4),
                "analysable_fraction": round(analysable, 4),
            },
        ),
    )
    sigma_px, k = native(sigma, shape, px_block, offset)
    return Trace(
        name=name,
        heatmap=native(inc.suspicion, shape, px_block, offset)[0],
        reliability=native(rel, shape, px_block, offset)[0],
        block=k,
        score=score,
        findings=findings,
        extra_maps={"noise_sigma": np.clip(sigma_px / max(4.0 * global_sigma, 1e-3), 0, 1)},
        note=f"{100 * analysable:.0f}% of the image analysable (not clipped, not flat)",
    )


def too_small(name: str, ev: Evidence, px_block: int) -> Trace | None:
    rows, cols = ev.height // px_block, ev.width // px_block
    if rows < 2 or cols < 2 or rows * cols < 6:
        return Trace.not_applicable(
            name,
            f"image too small: {ev.width}x{ev.height} px gives only {rows}x{cols} blocks of {px_block} px; "
            "a noise comparison needs at least 6 blocks",
        )
    return None
