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
from forgelens.maps import grid_shape
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


#: Output rows of the dense DCT computed at a time: one band's planes (~70 rows × the width, float32)
#: stay in the CPU cache through its 64 coefficient passes instead of streaming 72 full-size planes
#: through memory (a 6 MP picture: ~3.5 GB of memory traffic). Results do not depend on it.
_DCT_BAND = 64


def _dense_zero_counts(y: np.ndarray, thr: float) -> np.ndarray:
    """Z[i, j] = number of |DCT| < thr in the 8x8 block whose top-left pixel is (i, j).

    Separable dense DCT with 8-tap filters; valid positions only, shape (H-7, W-7), uint8.
    Computed in bands of ``_DCT_BAND`` output rows (each with the 7 rows below it that its blocks
    reach): every coefficient is the same float32 arithmetic on the same pixels as a whole-picture
    pass (the full width is kept, so each filter sees the same row), hence the same counts bit for bit.
    """
    d = dct_matrix()
    h, w = y.shape
    # |c| < thr  <=>  -lim <= c <= lim with lim the float32 just below thr (inRange is inclusive)
    lim = float(np.nextafter(np.float32(thr), np.float32(0)))
    zeros = np.zeros((h - 7, w - 7), np.uint8)
    if h < 8 or w < 8:
        return zeros
    rows_in = min(h, _DCT_BAND + 7)
    src = np.empty((rows_in, w), np.float32)
    row = np.empty((rows_in, w), np.float32)
    coef = np.empty((rows_in, w), np.float32)
    mask = np.empty((min(_DCT_BAND, h - 7), w - 7), np.uint8)
    hk = [np.ascontiguousarray(d[u][None, :]) for u in range(8)]
    vk = [np.ascontiguousarray(d[v][:, None]) for v in range(8)]
    for r0 in range(0, h - 7, _DCT_BAND):
        n = min(_DCT_BAND, h - 7 - r0)  # output rows of this band
        m = n + 7  # the pixel rows their blocks cover
        s = src[:m]
        np.subtract(y[r0 : r0 + m], np.float32(128.0), out=s)
        z, mk = zeros[r0 : r0 + n], mask[:n]
        for u in range(8):
            # horizontal 1-D DCT of every 8-sample window starting at column j (anchor at tap 0)
            rw = cv2.filter2D(s, -1, hk[u], dst=row[:m], anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
            for v in range(8):
                c = cv2.filter2D(rw, -1, vk[v], dst=coef[:m], anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
                cv2.inRange(c[:n, : w - 7], -lim, lim, dst=mk)
                np.subtract(z, mk, out=z)  # mask is 255 = -1 (mod 256): counts one zero
    return zeros


def grid_votes(y: np.ndarray, zero_threshold: float = 0.5) -> np.ndarray:
    """Per-pixel vote (0..63 = origin dy * 8 + dx, -1 = no vote / tie) for the local JPEG grid.

    The 64 blocks containing pixel (i, j) are those with top-left corner in rows i-7..i and
    columns j-7..j, one per grid origin; the vote is the origin of the block with the most
    zeros when that block is unique. Computed with two 8x8 max filters on keys
    ``zeros * 64 + origin`` and ``zeros * 64 + (63 - origin)``: the two maxima point at the
    same block exactly when the maximum is unique.
    """
    h, w = y.shape
    z = _dense_zero_counts(y, zero_threshold)
    code = ((np.arange(h, dtype=np.uint16) % 8) * 8)[:, None] + (np.arange(w, dtype=np.uint16) % 8)[None, :]
    key = np.zeros((h, w), np.uint16)
    key[: h - 7, : w - 7] = z  # blocks that would leave the image have no zeros
    del z
    key <<= 6
    kern = np.ones((8, 8), np.uint8)
    # window rows i-7..i, columns j-7..j; outside the image counts as no block
    m1 = cv2.dilate(key + code, kern, anchor=(7, 7), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    np.subtract(key, code, out=key)
    key += 63
    m2 = cv2.dilate(key, kern, anchor=(7, 7), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    del key, code
    np.bitwise_and(m2, 63, out=m2)
    unique = m1 >= 64  # at least one zero
    np.bitwise_and(m1, 63, out=m1)
    m2 += m1
    unique &= m2 == 63
    votes = m1.astype(np.int16)
    votes[~unique] = -1
    return votes


def _vote_counts(votes: np.ndarray) -> np.ndarray:
    """Votes per origin (0..63), int64: ``np.bincount(votes[votes >= 0], minlength=64)`` counted in
    bands of rows (bin 0 = no vote, dropped) instead of gathering the voting pixels into a copy."""
    band = max(1, (1 << 20) // max(1, votes.shape[1]))
    counts = np.zeros(65, np.int64)
    for r0 in range(0, votes.shape[0], band):
        chunk = votes[r0 : r0 + band].astype(np.intp)
        chunk += 1
        counts += np.bincount(chunk.ravel(), minlength=65)
    return counts[1:]


def _median5(a, b, c, d, e):
    """Element-wise median of five arrays (exact; min/max network, no stacking, three buffers)."""
    f = np.minimum(a, b)
    t = np.minimum(c, d)
    np.maximum(f, t, out=f)  # f = max(min(a, b), min(c, d))
    g = np.maximum(a, b, out=t)
    t2 = np.maximum(c, d)
    np.minimum(g, t2, out=g)  # g = min(max(a, b), max(c, d))
    # median of 5 = median of (e, f, g)
    lo = np.minimum(e, f, out=t2)
    np.maximum(e, f, out=f)
    np.minimum(f, g, out=f)
    np.maximum(lo, f, out=lo)
    return lo


def _abs_second_difference(f: np.ndarray, axis: int) -> np.ndarray:
    """|2 f[k] - f[k-1] - f[k+1]| along ``axis`` with wrap-around ends (as np.roll).

    The same two subtractions per element as ``2 f - roll(f, 1) - roll(f, -1)``, on slices of ``f``
    instead of two rolled copies.
    """
    out = 2 * f
    fm = np.moveaxis(f, axis, -1)
    om = np.moveaxis(out, axis, -1)
    om[..., 1:] -= fm[..., :-1]  # - f[k-1]
    om[..., :1] -= fm[..., -1:]
    om[..., :-1] -= fm[..., 1:]  # - f[k+1]
    om[..., -1:] -= fm[..., :1]
    return np.abs(out, out=out)


#: Rows per band in ``_periodic_part``: a band's shifted copies and network buffers stay in cache.
_PERIODIC_BAND = 32


def _periodic_part(e: np.ndarray, axis: int) -> np.ndarray:
    """e minus the median of e shifted by -16, -8, 0, 8, 16 along ``axis`` (wrap-around).

    Computed in bands of ``_PERIODIC_BAND`` rows (each with its 16 wrapped rows above and below when
    the shifts run along the rows): the same min/max network on the same values as on the whole
    array at once, without five-array-sized temporaries.
    """
    e = np.asarray(e)
    n = e.shape[axis]
    out = np.empty_like(e)
    h = e.shape[0]
    if axis == 1:
        idx = np.concatenate([np.arange(n - 16, n), np.arange(n), np.arange(16)]) % n
        for r0 in range(0, h, _PERIODIC_BAND):
            band = e[r0 : r0 + _PERIODIC_BAND]
            ep = band[:, idx]  # columns wrapped: ep[:, 16 + k] = band[:, k]
            sh = [ep[:, 16 - s : 16 - s + n] for s in (-16, -8, 0, 8, 16)]  # np.roll(band, s, 1)
            med = _median5(*sh)
            np.subtract(band, med, out=out[r0 : r0 + _PERIODIC_BAND])
        return out
    for r0 in range(0, h, _PERIODIC_BAND):
        r1 = min(h, r0 + _PERIODIC_BAND)
        ep = e[np.arange(r0 - 16, r1 + 16) % n]  # rows r0-16 .. r1+15, wrapped
        sh = [ep[16 - s : 16 - s + (r1 - r0)] for s in (-16, -8, 0, 8, 16)]  # np.roll(e, s, 0)[r0:r1]
        med = _median5(*sh)
        np.subtract(e[r0:r1], med, out=out[r0:r1])
    return out


def _percentile(a: np.ndarray, q: float):
    """``np.percentile(a, q)`` (linear method), the same NumPy scalar bit for bit, without partitioning
    a whole copy of ``a``.

    NumPy's result is the linear interpolation, with weight ``gamma``, between the order statistics
    of ``a`` at ranks ``floor((n − 1)·q/100)`` and the next. Those two values are found among the
    values of a narrow bracket around the rank (its bounds read from a regular sample of ``a``, the
    values below it counted), and NumPy itself then interpolates them: the quantile ``gamma`` of the
    two-value array [lower, upper] is that same interpolation (index (2 − 1)·gamma = gamma). Falls back
    to ``np.percentile`` on small arrays, when a rank falls outside the bracket, or on NaN.
    """
    flat = np.asarray(a).reshape(-1)
    n = flat.size
    if n < 65_536 or not np.issubdtype(flat.dtype, np.floating):
        return np.percentile(a, q)
    vi = (n - 1) * np.true_divide(q, 100, out=...)  # as NumPy's virtual index
    lo_rank = int(np.floor(vi))
    if not 0 <= lo_rank < n - 1:
        return np.percentile(a, q)
    hi_rank = lo_rank + 1
    step = n // 32_768
    sample = np.sort(flat[::step])
    m = sample.size
    r = int(round(lo_rank / step))
    margin = int(8 * np.sqrt(m)) + 32
    lo, hi = sample[max(0, r - margin)], sample[min(m - 1, r + margin)]
    below = int(np.count_nonzero(flat < lo))
    inside = (flat >= lo) & (flat <= hi)
    cand = flat[inside]
    above = int(np.count_nonzero(flat > hi))
    if below + cand.size + above != n or not below <= lo_rank < hi_rank < below + cand.size:
        return np.percentile(a, q)  # NaN present, or the ranks outside the bracket
    part = np.partition(cand, (lo_rank - below, hi_rank - below))
    pair = np.array([part[lo_rank - below], part[hi_rank - below]], dtype=flat.dtype)
    gamma = vi - lo_rank
    return np.quantile(pair, float(gamma) if type(q) in (int, float) else gamma)


def block_artifact_grid(y: np.ndarray, window: int = 33) -> np.ndarray:
    """Li-Yuan-Yu block artifact grid: periodic weak-edge energy of the 8x8 block boundaries.

    Absolute second differences across columns (rows), accumulated along ``window`` pixels
    of the boundary direction, minus the median of the same quantity at -16, -8, 0, 8, 16
    pixels across (which keeps only the 8-periodic part). Returns the sum of both directions.
    """
    f = np.asarray(y, dtype=np.float32)
    dh = _abs_second_difference(f, 1)
    dv = _abs_second_difference(f, 0)
    # strong edges are not block artifacts: clip at a robust level
    cap = float(_percentile(dh, 90) + _percentile(dv, 90)) / 2 + 1e-3
    np.minimum(dh, cap, out=dh)
    np.minimum(dv, cap, out=dv)
    eh = cv2.boxFilter(dh, -1, (1, window), normalize=False)
    del dh
    gh = _periodic_part(eh, 1)
    del eh
    ev = cv2.boxFilter(dv, -1, (window, 1), normalize=False)
    del dv
    gv = _periodic_part(ev, 0)
    del ev
    np.maximum(gh, 0, out=gh)
    np.maximum(gv, 0, out=gv)
    gh += gv
    return gh


def _foreign_origin_candidates(votes, valid_density, config, counts, main, n_valid) -> list:
    """Non-main origins whose local share can exceed ``share_low``, and where.

    Returns ``[(origin, [(inner box, outer box), ...]), ...]`` with boxes as pixel
    (y0, y1, x0, x1): heat can only appear inside the inner boxes, and the window shares
    there are exact when computed on the outer box (one tile of margin, or the image edge).

    Exact pruning: on tiles of half a window, the votes for an origin in any window centred
    in a tile are at most its votes in the 3x3 tiles around it (twice per axis where the
    window reflects at a border), and the window's valid votes are at least window² times
    the tile's smallest valid density above 0.05; an origin whose bound stays at or below
    ``share_low`` everywhere gets no heat, so skipping it changes nothing.
    """
    h, w = votes.shape
    t = max(8, int(config.window) // 2 + 1)  # a window reaches at most one tile beyond its own
    ty, tx = -(-h // t), -(-w // t)
    cand = [
        int(g)
        for g in np.argsort(-counts)
        if g != main and counts[g] >= config.min_votes_share * n_valid
    ]
    if not cand:
        return []
    # votes per tile and origin, one band of tile rows at a time (bin 0 = no vote)
    colkey = ((np.arange(w) // t) * 65 + 1).astype(np.int32)[None, :]
    per = np.empty((ty, tx, 65), np.float64)
    for r in range(ty):
        key = colkey + votes[r * t : (r + 1) * t]
        per[r] = np.bincount(key.ravel(), minlength=tx * 65).reshape(tx, 65)
    per = per[..., 1:]
    near = np.pad(per, ((1, 1), (1, 1), (0, 0)))
    c48 = sum(near[i : i + ty, j : j + tx] for i in range(3) for j in range(3))
    vd = np.pad(valid_density, ((0, ty * t - h), (0, tx * t - w)), mode="edge")
    vd = np.where(vd > 0.05, vd, np.inf).reshape(ty, t, tx, t).min(axis=(1, 3))
    # near a border the window reflects, counting a vote up to twice per reflected axis
    half = int(config.window) // 2 + 1

    def reflected(n: int, count: int) -> np.ndarray:
        first = np.arange(count) * t
        last = np.minimum(first + t, n) - 1
        return np.where((first < half) | (last > n - 1 - half), 2.0, 1.0)

    fold = reflected(h, ty)[:, None] * reflected(w, tx)[None, :]
    win = float(config.window) ** 2
    bound = c48 * (fold / (win * np.maximum(vd, 0.05)))[..., None]
    over = bound * 1.01 > config.share_low
    out = []
    for g in cand:
        if not over[..., g].any():
            continue
        n, _, stats, _ = cv2.connectedComponentsWithStats(over[..., g].astype(np.uint8), connectivity=8)
        boxes = []
        for x, y, bw, bh, _area in stats[1:n]:
            # tiles -> pixels, with one tile of margin so the window sums inside are exact
            boxes.append(
                (
                    (y * t, min(h, (y + bh) * t), x * t, min(w, (x + bw) * t)),
                    (max(0, (y - 1) * t), min(h, (y + bh + 1) * t), max(0, (x - 1) * t), min(w, (x + bw + 1) * t)),
                )
            )
        out.append((g, boxes))
    return out


_CHANCE_SHARE = 1 / 64  # vote share of any one origin when the pixels hold no grid
_FAINT_SHARE = 0.10  # wording only: below it a significant grid is called faint


def _nfa_text(log_nfa: float) -> str:
    return "NFA < 10^-300" if log_nfa <= -300 else f"NFA 10^{log_nfa:.0f}"


def _no_grid_note(main: int, k: int, n_valid: int) -> str:
    """Why no grid is reported: the a contrario test found no origin above chance."""
    if n_valid == 0:
        return "no JPEG grid found in the pixels (no 8×8 block could vote)"
    dy, dx = divmod(main, 8)
    return (
        f"no significant 8×8 JPEG grid was found (the best candidate, origin ({dx}, {dy}), "
        f"gathers only {100 * k / n_valid:.1f}% of votes, {100 * _CHANCE_SHARE:.1f}% by chance): "
        "never JPEG-compressed, resampled, or very high quality"
    )


def _main_grid_sentence(dx: int, dy: int, share: float, log_nfa: float) -> str:
    """What the significant main grid says, no more: a faint one is not proof of JPEG history."""
    measured = (
        f"{100 * share:.1f}% of voting pixels agree "
        f"({100 * _CHANCE_SHARE:.1f}% by chance; {_nfa_text(log_nfa)})"
    )
    shifted = (dx, dy) != (0, 0)
    if share < _FAINT_SHARE:
        head = f"A faint 8×8 grid starts at ({dx}, {dy})" + (", not (0, 0)" if shifted else "")
        tail = (
            ": if the picture was JPEG-compressed, it was cropped afterwards, but so weak a grid "
            "may also come from texture or resampling"
            if shifted
            else ""
        )
        return f"{head}: only {measured}{tail}."
    if shifted:
        return (
            f"The picture's 8×8 JPEG grid starts at ({dx}, {dy}), not (0, 0): consistent with "
            f"cropping after JPEG compression; {measured}."
        )
    return f"The picture's 8×8 JPEG grid starts at (0, 0), as in an uncropped JPEG; {measured}."


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
    counts = _vote_counts(votes) if n_valid else np.zeros(64, int)
    main = int(np.argmax(counts))
    k = int(counts[main])
    log_nfa = (
        np.log10(64.0) + binom.logsf(k - 1, max(n_valid, 1), 1 / 64) / np.log(10)
        if n_valid
        else 0.0
    )
    log_nfa = max(float(log_nfa), -300.0)
    bag = block_artifact_grid(y, config.bag_window)
    hi = float(_percentile(bag, 99.5)) or 1.0
    np.divide(bag, hi, out=bag)  # in place: the same float32 values as bag / hi, clipped, without copies
    extra = {"bag": np.clip(bag, 0, 1, out=bag)}
    win = (int(config.window), int(config.window))
    valid_density = cv2.boxFilter(valid.astype(np.float32), -1, win)
    reliability = np.multiply(valid_density, 2.0)
    np.clip(reliability, 0.0, 1.0, out=reliability)

    if n_valid == 0 or log_nfa > config.log_nfa_max:
        return Trace(
            name="jpeg_grid",
            heatmap=np.zeros(grid_shape((h, w), 8), np.float32),  # all zero: any grid reads the same
            reliability=np.zeros(grid_shape((h, w), 8), np.float32),
            block=8,
            score=0.0,
            note=_no_grid_note(main, k, n_valid),
            extra_maps=extra,
        )

    dy, dx = divmod(main, 8)
    findings = [
        Finding(
            "jpeg_grid_main",
            _main_grid_sentence(dx, dy, k / n_valid, float(log_nfa)),
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
    candidates = _foreign_origin_candidates(votes, valid_density, config, counts, main, n_valid)
    if candidates:
        origin = np.full((h, w), np.nan, np.float32)
        denom = np.maximum(valid_density, 1e-3)
        gate = valid_density > 0.05
    else:  # no foreign origin can reach share_low: the heat stays 0 and no region reads the origins
        origin = np.broadcast_to(np.float32(np.nan), (h, w))
    for g, boxes in candidates:
        for (y0, y1, x0, x1), (oy0, oy1, ox0, ox1) in boxes:
            # window vote counts are integers: exact whatever the crop, away from its edges
            share = cv2.boxFilter((votes[oy0:oy1, ox0:ox1] == g).astype(np.float32), -1, win)
            share = share[y0 - oy0 : y1 - oy0, x0 - ox0 : x1 - ox0]
            share /= denom[y0:y1, x0:x1]
            share *= gate[y0:y1, x0:x1]
            share -= config.share_low
            share /= config.share_high - config.share_low
            m = np.clip(share, 0, 1, out=share)
            hv, ov = heat[y0:y1, x0:x1], origin[y0:y1, x0:x1]
            upd = m > hv
            np.copyto(hv, m, where=upd)
            upd &= m > 0
            ov[upd] = float(g)

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
