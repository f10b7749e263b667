"""JPEG grid misalignment: regions whose 8x8 compression grid is not the image's main grid.

A local grid-origin estimate in the spirit of ZERO (Nikoukhah et al. 2019/2021): every
pixel votes for the grid origin of the 8x8 block, among the 64 blocks that contain it,
whose DCT has the most zero coefficients (JPEG quantisation leaves many exact zeros
only when the DCT is computed on its own grid). The main grid is the most-voted
origin, validated a contrario; regions where another origin dominates the votes were
compressed on a different grid (pasted, cropped then pasted, or re-aligned content).
The block artifact grid of Li, Yuan & Yu (2009) is kept as an extra map for the analyst.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.stats import binom

from forgelens.detectors._jpeg_common import dct_matrix, region_findings
from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.trace import Finding, Trace

__all__ = ["GridConfig", "jpeg_grid", "grid_votes", "block_artifact_grid"]


@dataclass(frozen=True)
class GridConfig:
    """Parameters of the grid-misalignment detector.

    zero_threshold : float
        A DCT coefficient counts as zero when its magnitude is below this (ZERO rounds
        the coefficients: |c| < 0.5).
    window : int
        Side in pixels of the square in which the local share of votes is measured.
    share_low, share_high : float
        Local share of valid votes for one non-main origin at which the heatmap starts
        to rise (share_low) and saturates (share_high). By chance a given origin gets
        about 1/64 of the votes; clusters of correlated votes on edges reach ~0.15.
    log_nfa_max : float
        log10 of the number of false alarms allowed for the main grid to be accepted
        (ZERO: NFA < 1, i.e. 0).
    min_votes_share : float
        A non-main origin is considered only if it collects at least this share of all
        valid votes in the image.
    bag_window : int
        Summation length (pixels) of Li et al.'s vertical/horizontal accumulation (33).
    """

    zero_threshold: float = 0.5
    window: int = 32
    share_low: float = 0.2
    share_high: float = 0.5
    log_nfa_max: float = 0.0
    min_votes_share: float = 0.002
    bag_window: int = 33


def _dense_zero_counts(y: np.ndarray, thr: float) -> np.ndarray:
    """Z[i, j] = number of |DCT| < thr in the 8x8 block whose top-left pixel is (i, j).

    Separable dense DCT with 8-tap filters; valid positions only, shape (H-7, W-7), uint8.
    """
    d = dct_matrix()
    src = np.ascontiguousarray(y - 128.0, dtype=np.float32)
    h, w = src.shape
    zeros = np.zeros((h - 7, w - 7), np.uint8)
    for u in range(8):
        # horizontal 1-D DCT of every 8-sample window starting at column j (anchor at tap 0)
        row = cv2.filter2D(src, -1, d[u][None, :], anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
        for v in range(8):
            c = cv2.filter2D(row, -1, d[v][:, None], anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
            zeros += (np.abs(c[: h - 7, : w - 7]) < thr).astype(np.uint8)
    return zeros


def grid_votes(y: np.ndarray, zero_threshold: float = 0.5) -> np.ndarray:
    """Per-pixel vote (0..63 = origin dy * 8 + dx, -1 = no vote / tie) for the local JPEG grid."""
    h, w = y.shape
    z = _dense_zero_counts(y, zero_threshold)
    best = np.full((h, w), -1, np.int16)
    best_count = np.zeros((h, w), np.int16)
    tie = np.ones((h, w), bool)
    for dy in range(8):
        for dx in range(8):
            sub = z[dy::8, dx::8].astype(np.int16)
            up = np.repeat(np.repeat(sub, 8, axis=0), 8, axis=1)
            # block (i, j) of this lattice covers rows dy + 8i .. dy + 8i + 7
            full = np.zeros((h, w), np.int16)
            hh, ww = min(h - dy, up.shape[0]), min(w - dx, up.shape[1])
            full[dy : dy + hh, dx : dx + ww] = up[:hh, :ww]
            gt = full > best_count
            eq = (full == best_count) & ~gt
            best = np.where(gt, dy * 8 + dx, best)
            best_count = np.where(gt, full, best_count)
            tie = np.where(gt, False, tie | eq)
    return np.where(tie | (best_count == 0), -1, best).astype(np.int16)


def block_artifact_grid(y: np.ndarray, window: int = 33) -> np.ndarray:
    """Li-Yuan-Yu block artifact grid: periodic weak-edge energy of the 8x8 block boundaries.

    Absolute second differences across columns (rows), accumulated along ``window`` pixels
    of the boundary direction, minus the median of the same quantity at -16, -8, 0, 8, 16
    pixels across (which keeps only the 8-periodic part). Returns the sum of both directions.
    """
    f = y.astype(np.float32)
    dh = np.abs(2 * f - np.roll(f, 1, axis=1) - np.roll(f, -1, axis=1))
    dv = np.abs(2 * f - np.roll(f, 1, axis=0) - np.roll(f, -1, axis=0))
    # strong edges are not block artifacts: clip at a robust level
    cap = float(np.percentile(dh, 90) + np.percentile(dv, 90)) / 2 + 1e-3
    dh, dv = np.minimum(dh, cap), np.minimum(dv, cap)
    eh = cv2.boxFilter(dh, -1, (1, window), normalize=False)
    ev = cv2.boxFilter(dv, -1, (window, 1), normalize=False)
    gh = eh - np.median(np.stack([np.roll(eh, s, axis=1) for s in (-16, -8, 0, 8, 16)]), axis=0)
    gv = ev - np.median(np.stack([np.roll(ev, s, axis=0) for s in (-16, -8, 0, 8, 16)]), axis=0)
    return np.maximum(gh, 0) + np.maximum(gv, 0)


@register(
    "jpeg_grid",
    config=GridConfig,
    description="JPEG grid misalignment (ZERO-style DCT-zero votes, Li et al. BAG): regions on another 8x8 grid",
    family="jpeg",
    how_to_read=(
        "Bright regions carry JPEG compression traces on a different 8x8 grid from the rest of "
        "the picture: they were compressed separately and pasted or shifted."
    ),
    caveat=(
        "Needs visible JPEG traces (quality below ~95, no resizing after); a strong last JPEG save "
        "on the main grid can erase older grids. Flat areas do not vote."
    ),
)
def jpeg_grid(evidence: Evidence, config: GridConfig) -> Trace:
    """Locate regions whose JPEG 8x8 grid origin differs from the image's main grid.

    Every pixel votes for the grid origin (one of 64) of the block containing it whose
    DCT has the most coefficients below ``zero_threshold`` (ties and flat blocks do not
    vote). The main grid is the most-voted origin if its vote count is meaningful a
    contrario (binomial tail with p = 1/64, times 64 tests, below 10**log_nfa_max). The
    heatmap is, for the best non-main origin, its share of the valid votes in a
    ``window`` square, mapped linearly from ``share_low`` (0) to ``share_high`` (1).

    Parameters
    ----------
    evidence : Evidence
        Any image with a JPEG history (decoded pixels are used, so a PNG saved from a
        JPEG works).
    config : GridConfig
        ``zero_threshold`` = 0.5 (ZERO), ``window`` = 32, ``share_low`` = 0.2,
        ``share_high`` = 0.5, ``log_nfa_max`` = 0, ``min_votes_share`` = 0.002,
        ``bag_window`` = 33 (Li et al.).

    Returns
    -------
    Trace
        ``heatmap``: local dominance of a foreign grid; ``reliability``: local share of
        pixels that voted; ``score``: mean heat in the strongest foreign-grid region;
        findings: the main grid origin (and whether it is the (0, 0) of the file), and
        each foreign-grid region with its origin and NFA. ``extra_maps['bag']``: the
        block artifact grid of Li et al., normalised.

    Notes
    -----
    Assumes JPEG compression left DCT coefficients at zero on its own grid only, and
    that the decoded pixels were not resampled afterwards.

    References
    ----------
    .. [1] T. Nikoukhah, J. Anger, T. Ehret, M. Colom, J.-M. Morel, R. Grompone von Gioi,
           "JPEG grid detection based on the number of DCT zeros and its application to
           automatic and localized forgery detection", CVPR Workshops 2019.
    .. [2] W. Li, Y. Yuan, N. Yu, "Passive detection of doctored JPEG image via block
           artifact grid extraction", Signal Processing 89(9):1821-1829, 2009.
    """
    y = np.asarray(evidence.luminance, dtype=np.float32)
    h, w = y.shape
    votes = grid_votes(y, config.zero_threshold)
    valid = votes >= 0
    n_valid = int(valid.sum())
    counts = (
        np.bincount(votes[valid].astype(np.int64), minlength=64) if n_valid else np.zeros(64, int)
    )
    main = int(np.argmax(counts))
    k = int(counts[main])
    log_nfa = (
        np.log10(64.0) + binom.logsf(k - 1, max(n_valid, 1), 1 / 64) / np.log(10)
        if n_valid
        else 0.0
    )
    log_nfa = max(float(log_nfa), -300.0)
    bag = block_artifact_grid(y, config.bag_window)
    hi = float(np.percentile(bag, 99.5)) or 1.0
    extra = {"bag": np.clip(bag / hi, 0, 1).astype(np.float32)}
    win = (int(config.window), int(config.window))
    valid_density = cv2.boxFilter(valid.astype(np.float32), -1, win)
    reliability = np.clip(valid_density * 2.0, 0.0, 1.0).astype(np.float32)

    if n_valid == 0 or log_nfa > config.log_nfa_max:
        return Trace(
            name="jpeg_grid",
            heatmap=np.zeros((h, w), np.float32),
            reliability=np.zeros((h, w), np.float32),
            score=0.0,
            note="no JPEG grid found in the pixels (never JPEG-compressed, resampled, or very high quality)",
            extra_maps=extra,
        )

    dy, dx = divmod(main, 8)
    findings = [
        Finding(
            "jpeg_grid_main",
            f"Main JPEG grid origin at ({dx}, {dy})"
            + ("" if main == 0 else " — not (0, 0): the image was cropped after compression")
            + f"; {100 * k / n_valid:.1f}% of voting pixels agree.",
            0.0 if main == 0 else 0.5,
            None,
            {
                "origin_x": dx,
                "origin_y": dy,
                "vote_share": k / n_valid,
                "log10_nfa": float(log_nfa),
            },
        )
    ]
    heat = np.zeros((h, w), np.float32)
    origin = np.full((h, w), np.nan, np.float32)
    denom = np.maximum(valid_density, 1e-3)
    for g in np.argsort(-counts):
        if g == main or counts[g] < config.min_votes_share * n_valid:
            continue
        share = cv2.boxFilter((votes == g).astype(np.float32), -1, win) / denom
        share *= valid_density > 0.05
        m = np.clip((share - config.share_low) / (config.share_high - config.share_low), 0, 1)
        upd = m > heat
        heat = np.where(upd, m, heat)
        origin = np.where(upd & (m > 0), float(g), origin)

    regions = region_findings(
        heat,
        0.5,
        "jpeg_grid_foreign",
        "{area_pct}% of the image is on a different JPEG grid (origin code {origin}; "
        "mean dominance {mean}).",
        value_maps={"origin": origin},
    )
    out = []
    for f in regions:
        g = f.values.get("origin", 0)
        ody, odx = divmod(int(g), 8)
        x0, y0, x1, y1 = f.region
        sel = votes[y0:y1, x0:x1]
        n = int((sel >= 0).sum())
        kk = int((sel == g).sum())
        lnfa = float(np.log10(64.0 * h * w) + binom.logsf(kk - 1, max(n, 1), 1 / 64) / np.log(10))
        lnfa = max(lnfa, -300.0)  # below double precision: report as <= -300
        vals = dict(f.values, origin_x=odx, origin_y=ody, log10_nfa=lnfa)
        msg = (
            f"{vals['area_pct']}% of the image is on a JPEG grid with origin ({odx}, {ody}) instead of "
            f"({dx}, {dy}) ({kk} of {n} voting pixels; log10 NFA {lnfa:.0f})."
        )
        out.append(Finding(f.kind, msg, f.strength, f.region, vals))
    findings += out
    return Trace(
        name="jpeg_grid",
        heatmap=heat,
        reliability=reliability,
        score=max((f.strength for f in out), default=0.0),
        findings=findings,
        extra_maps=extra,
    )
