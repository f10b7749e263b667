"""Dense-field copy-move detection: Zernike features, PatchMatch, dense linear fitting (Cozzolino et al. 2015)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from forgelens.detectors import _copymove_common as cm
from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.trace import Trace


@dataclass(frozen=True)
class CopyMoveDenseConfig:
    """Parameters of :func:`copymove_dense`; defaults are the published ones (Cozzolino et al. 2015)."""

    #: diameter of the circular patch on which the Zernike moments are computed.
    diameter: int = 16
    #: maximum order of the Zernike moments (order 5 -> 12 rotation-invariant magnitudes).
    zm_order: int = 5
    #: PatchMatch iterations N_it.
    iterations: int = 8
    #: T_D1: offsets shorter than this are not searched (a patch would match itself).
    min_offset: float = 8.0
    #: T_D2: minimum distance between a clone and its source, full-res px.
    min_shift: float = 50.0
    #: radius of the dense linear fitting neighbourhood.
    dlf_radius: int = 6
    #: T_eps^2: threshold on the squared DLF error (summed over the neighbourhood and both components).
    dlf_threshold: float = 300.0
    #: T_S: minimum size of a clone, full-res px.
    min_region: int = 1200
    #: radius of the median filter applied to the detection mask.
    median_radius: int = 4
    #: dilation radius that gives back the border eaten by the patch and the fitting window.
    dilation_radius: int = 10
    #: random-search candidates per iteration (alternately at a radius halving from the
    #: image size, alpha = 1/2 as in PatchMatch, and at 2-4 px around the current match).
    random_candidates: int = 2
    #: the search runs on a view holding at most this many pixels (larger images are
    #: downscaled first, sizes and distances rescaled; keeps the cost near 2 s/MP or less).
    max_pixels: float = 0.3e6
    #: seed of the random initialisation and search (same input, same result).
    seed: int = 0


@register(
    "copymove_dense",
    config=CopyMoveDenseConfig,
    description="Copy-move by dense field: rotation-invariant Zernike features per pixel, "
    "PatchMatch nearest-neighbour field, dense linear fitting (Cozzolino, Poggi, Verdoliva 2015).",
    family="copymove",
    # Opt-in (`-d default,copymove_dense`): ~2.3 CPU s per image, 45 % of the whole default
    # analysis at 1 MP, while copymove_sift scores as well or better on CASIA (issue 4 note).
    default=False,
    how_to_read="Both the source and the copy light up; findings pair them with the measured "
    "shift, rotation and scale and the number of matching pixels.",
    caveat="Flat regions (sky, walls) copied onto flat regions match anything and are not "
    "claimed; genuinely repeated objects larger than the minimum size also match.",
)
def copymove_dense(evidence: Evidence, config: CopyMoveDenseConfig) -> Trace:
    """Detect copy-moved regions with a dense nearest-neighbour field.

    Every pixel is described by the magnitudes of the Zernike moments of the
    disk of diameter ``diameter`` around it (rotation invariant). A PatchMatch
    search finds for every pixel its nearest neighbour at least ``min_offset``
    pixels away; the propagation step is the modified one of the paper: besides
    the neighbour's offset (zero order) it tries the offset predicted to first
    order from two neighbours, so offsets that vary linearly (rotated or scaled
    copies) propagate too. The field is vectorised over the whole image each
    half-iteration (all pixels take their neighbour's candidate at once; steps
    of 1 and of decreasing powers of two spread a good offset across a region
    within one iteration). Dense linear fitting then fits an affine model to
    the offsets in a disk of radius ``dlf_radius`` around each pixel: a clone
    gives a smooth field and a small fitting error, a random match does not.
    Pixels with error below ``dlf_threshold`` and offset longer than
    ``min_shift`` are kept, regions smaller than ``min_region`` removed, the
    mask is mirrored through the offsets (the copy of each detected pixel is
    detected too), median-filtered and dilated.

    Parameters
    ----------
    evidence : Evidence
        The image (its luminance is used).
    config : CopyMoveDenseConfig
        Published defaults: ``diameter`` = 16, ``zm_order`` = 5, ``iterations`` = 8,
        ``min_offset`` (T_D1) = 8, ``min_shift`` (T_D2) = 50, ``dlf_radius`` = 6,
        ``dlf_threshold`` = 300, ``min_region`` (T_S) = 1200, ``median_radius`` = 4.

    Returns
    -------
    Trace
        ``heatmap``: 1 on the detected source and copy; ``score``: >= 0.5 when a
        clone survives, growing with its size, below 0.5 otherwise;
        ``findings``: one ``copy_move`` finding per pair (source/target boxes,
        shift, rotation, scale by least squares on the offsets, matching pixel
        count, a few point pairs as ``lines``); ``extra_maps["copymove_pairs"]``.

    Notes
    -----
    Assumes the copy is a rigid (rotation/scale/shift) transform of the source
    and that the region holds some texture; exact repetitions in the scene
    (two identical objects) are indistinguishable from clones. Images above
    ``max_pixels`` are searched on a downscaled view (sizes and distances are
    rescaled accordingly).

    References
    ----------
    .. [1] D. Cozzolino, G. Poggi, L. Verdoliva, "Efficient dense-field copy-move
           forgery detection", IEEE Trans. Information Forensics and Security
           10(11), 2015.
    .. [2] C. Barnes, E. Shechtman, A. Finkelstein, D. B. Goldman, "PatchMatch: a
           randomized correspondence algorithm for structural image editing",
           ACM Trans. Graphics (SIGGRAPH) 28(3), 2009.

    Examples
    --------
    >>> from forgelens.detectors import run
    >>> trace = run("copymove_dense", evidence)
    >>> [f.kind for f in trace.findings]  # a splice: nothing copied within the picture
    []
    """
    shape = evidence.shape
    gray, s = cm.working_gray(evidence.luminance, config.max_pixels)
    h, w = gray.shape
    min_region = config.min_region * s * s
    min_shift = config.min_shift * s
    if h < 2 * config.diameter or w < 2 * config.diameter or h * w < 2 * min_region:
        return cm.nothing_found(shape, "image too small for a clone of the minimum size; nothing found")
    if float(gray.std()) < 1.0:
        return cm.nothing_found(shape, "flat image: no texture to match; nothing found")

    feats = zernike_features(gray, config.diameter, config.zm_order)
    ty, tx, cost = patchmatch(feats, config.iterations, config.min_offset, config.random_candidates, config.seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.int32)
    # median filtering of the offset field (radius ~ median_radius: repeated 5x5 medians)
    dy = (ty - yy).astype(np.float32)
    dx = (tx - xx).astype(np.float32)
    for _ in range(max(0, config.median_radius // 2)):
        dy, dx = cv2.medianBlur(dy, 5), cv2.medianBlur(dx, 5)
    ty = np.clip(yy + np.rint(dy).astype(np.int32), 0, h - 1)
    tx = np.clip(xx + np.rint(dx).astype(np.int32), 0, w - 1)

    err = dlf_error(dy, dx, config.dlf_radius)
    long = dy * dy + dx * dx >= min_shift * min_shift
    raw = (err < config.dlf_threshold) & long
    mask = cm.remove_small(raw, min_region)
    coherent = int(cm.remove_small(raw, 1).sum())
    if not mask.any():
        return _quiet(shape, raw, min_region, coherent)

    # group detected pixels into pairs by connected component and its offset
    n, lab = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    comps = []
    for k in range(1, n):
        sel = lab == k
        py, px = np.nonzero(sel)
        qy, qx = ty[sel], tx[sel]
        comps.append((k, sel, px, py, qx, qy))
    comps.sort(key=lambda c: -c[2].size)
    used = np.zeros(n, bool)
    pairs = []
    for k, sel, px, py, qx, qy in comps:
        if used[k]:
            continue
        used[k] = True
        tgt = np.zeros((h, w), bool)
        tgt[qy, qx] = True
        # the mirror of this component: usually another detected component (the copy found its source)
        partners = np.unique(lab[tgt])
        used[partners[partners > 0]] = True
        tgt = tgt | np.isin(lab, partners[partners > 0])
        tgt = cv2.morphologyEx(tgt.astype(np.uint8), cv2.MORPH_CLOSE, cm.disk(2)).astype(bool)
        src_pts = np.stack([px, py], 1).astype(np.float32)
        dst_pts = np.stack([qx, qy], 1).astype(np.float32)
        A = _lstsq_affine(src_pts, dst_pts)
        pairs.append((sel, tgt, A, src_pts, dst_pts))

    dil = cm.disk(max(1, round(config.dilation_radius * max(s, 0.5))))
    heat = np.zeros((h, w), np.float32)
    findings, region_pairs = [], []
    for i, (sel, tgt, A, sp, dp) in enumerate(pairs):
        a = cv2.dilate(sel.astype(np.uint8), dil).astype(bool)
        b = cv2.dilate(tgt.astype(np.uint8), dil).astype(bool)
        b &= ~a | tgt  # keep the pair's regions apart where they touch
        heat[a | b] = 1.0
        region_pairs.append((a, b))
        npx = int(sp.shape[0])
        findings.append(
            cm.pair_finding(
                method="copymove_dense",
                source_mask=a,
                target_mask=b,
                A=A,
                n_matches=int(round(npx / (s * s))),
                points_src=sp,
                points_dst=dp,
                s=s,
                full_shape=shape,
                strength=1.0 - math.exp(-npx / (2.0 * min_region)),
                pair_id=i,
                extra={"match_unit": "pixels"},
            )
        )
    largest = max(p[0].sum() for p in pairs)
    score = 0.5 + 0.5 * float(np.tanh(largest / (4.0 * min_region)))
    findings.sort(key=lambda f: -f.strength)
    return Trace(
        name="copymove_dense",
        heatmap=cm.to_full(heat, shape),
        score=score,
        findings=findings,
        note=f"{len(pairs)} cloned pair(s); search at {w}x{h}",
        extra_maps={"copymove_pairs": cm.pairing_map(region_pairs, shape)},
    )


def _quiet(shape, raw: np.ndarray, min_region: float, coherent: int) -> Trace:
    # below threshold: how close the largest coherent area came to the minimum size
    if raw.any():
        _, _, stats, _ = cv2.connectedComponentsWithStats(raw.astype(np.uint8), connectivity=8)
        big = float(stats[1:, cv2.CC_STAT_AREA].max()) if len(stats) > 1 else 0.0
    else:
        big = 0.0
    score = 0.45 * min(1.0, big / max(min_region, 1.0))
    return cm.nothing_found(shape, "no coherent offset region of the minimum size; nothing found", score)


def _majority(mask: np.ndarray, radius: int) -> np.ndarray:
    """Median filter of a binary mask over a disk (majority vote)."""
    if radius <= 0:
        return mask
    k = cm.disk(radius).astype(np.float32)
    k /= k.sum()
    return cv2.filter2D(mask.astype(np.float32), -1, k, borderType=cv2.BORDER_CONSTANT) > 0.5


def _lstsq_affine(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares affine (2x3) mapping src (x, y) to dst."""
    if src.shape[0] < 3:
        A = np.eye(2, 3)
        if src.shape[0]:
            A[:, 2] = (dst - src).mean(0)
        return A
    X = np.concatenate([src, np.ones((src.shape[0], 1), np.float32)], 1).astype(np.float64)
    sol, *_ = np.linalg.lstsq(X, dst.astype(np.float64), rcond=None)
    return sol.T


# --------------------------------------------------------------------------- features


@lru_cache(maxsize=8)
def _zernike_kernels(
    diameter: int, order: int, n_radii: int = 26, n_angles: int = 32
) -> tuple[np.ndarray | None, ...]:
    """Zernike kernels V*_nm (real, imaginary) for n <= order, m >= 0, n - m even, sampled on a polar grid.

    The moment of the disk around a pixel is a weighted sum of the image at the
    polar sample points (``n_radii`` x ``n_angles``, "ZM-polar"); with bilinear
    interpolation that sum is a linear filter whose kernel is the weights
    splatted bilinearly onto the pixel grid. Uniform angular sampling keeps the
    magnitudes rotation invariant where a Cartesian disk would alias the
    higher repetitions against the pixel grid.
    """
    R = diameter / 2.0
    rho = (np.arange(n_radii) + 0.5) / n_radii  # unit-disk radii
    theta = 2.0 * np.pi * np.arange(n_angles) / n_angles
    P, T = np.meshgrid(rho, theta, indexing="ij")
    dA = (1.0 / n_radii) * (2.0 * np.pi / n_angles) * P  # polar area element
    px, py = R * P * np.cos(T), R * P * np.sin(T)
    size = int(math.ceil(R)) * 2 + 3
    c = size // 2
    x0, y0 = np.floor(px).astype(int), np.floor(py).astype(int)
    fx, fy = px - x0, py - y0

    def splat(weights: np.ndarray) -> np.ndarray:
        k = np.zeros((size, size), np.float64)
        for oy, ox, wgt in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx), (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
            np.add.at(k, (c + y0 + oy, c + x0 + ox), weights * wgt)
        return k.astype(np.float32)

    kernels: list[np.ndarray | None] = []
    for n in range(order + 1):
        for m in range(n % 2, n + 1, 2):
            Rnm = np.zeros_like(P)
            for k in range((n - m) // 2 + 1):
                coef = (-1) ** k * math.factorial(n - k) / (
                    math.factorial(k) * math.factorial((n + m) // 2 - k) * math.factorial((n - m) // 2 - k)
                )
                Rnm += coef * P ** (n - 2 * k)
            base = (n + 1) / math.pi * Rnm * dA
            kernels.append(splat(base * np.cos(m * T)))
            kernels.append(splat(-base * np.sin(m * T)) if m > 0 else None)
    return tuple(kernels)


def zernike_features(gray: np.ndarray, diameter: int = 16, order: int = 5) -> np.ndarray:
    """Per-pixel magnitudes of the Zernike moments of the surrounding disk: (H, W, n_moments) float32.

    Magnitudes are invariant to a rotation of the patch about its centre.
    """
    ks = _zernike_kernels(diameter, order)
    g = np.ascontiguousarray(gray, np.float32)
    out = []
    for re, im in zip(ks[0::2], ks[1::2], strict=True):
        a = cv2.filter2D(g, cv2.CV_32F, re, borderType=cv2.BORDER_REFLECT)
        if im is None:
            out.append(np.abs(a))
        else:
            b = cv2.filter2D(g, cv2.CV_32F, im, borderType=cv2.BORDER_REFLECT)
            out.append(np.sqrt(a * a + b * b))
    return np.stack(out, -1)


# --------------------------------------------------------------------------- PatchMatch


def patchmatch(
    feats: np.ndarray, iterations: int = 8, min_offset: float = 8.0, random_candidates: int = 2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest-neighbour field of per-pixel features inside one image (offsets >= ``min_offset``).

    Returns (target row, target column, squared feature distance), each (H, W).

    Each iteration propagates along rows then along columns, forward on even
    iterations and backward on odd ones. A propagation is a sweep over lines,
    each line vectorised: every pixel of line k tries the offset of its
    neighbour in line k -/+ 1, already updated (zero order), and the offset
    extrapolated from lines k -/+ 1 and k -/+ 2 (first order, exact for the
    affine offset fields of rotated or scaled copies: the modified propagation
    of Cozzolino et al.). A good offset thus crosses the whole region in one
    iteration, as in the raster scan of PatchMatch. A random search follows,
    vectorised over the image: one candidate at a radius halving from the image
    size (alpha = 1/2) and one within a few pixels of the current match.
    """
    h, w, c = feats.shape
    F = np.ascontiguousarray(feats, np.float32)
    flat = F.reshape(h * w, c)
    Ft = np.ascontiguousarray(F.transpose(1, 0, 2))
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.int32)
    md2 = float(min_offset) ** 2
    buf = np.empty_like(flat)

    def full_cost(cy: np.ndarray, cx: np.ndarray) -> np.ndarray:
        np.take(flat, (cy * w + cx).ravel(), axis=0, out=buf)
        np.subtract(buf, flat, out=buf)
        d = np.einsum("ij,ij->i", buf, buf).reshape(h, w)
        oy, ox = cy - yy, cx - xx
        d[oy * oy + ox * ox < md2] = np.inf
        return d

    ty = rng.integers(0, h, size=(h, w), dtype=np.int32)
    tx = rng.integers(0, w, size=(h, w), dtype=np.int32)
    cost = full_cost(ty, tx)

    big = max(h, w)
    levels = max(1, int(math.log2(big)))
    for it in range(iterations):
        sgn = 1 if it % 2 == 0 else -1
        # rows: sweep axis 0; the along-axis coordinate is ty, across is tx
        _sweep(flat, F, ty, tx, cost, sgn, h, w, md2, rows=True)
        # columns: the same on transposed copies
        tyT, txT, costT = ty.T.copy(), tx.T.copy(), cost.T.copy()
        _sweep(flat, Ft, txT, tyT, costT, sgn, w, h, md2, rows=False, width=w)
        ty, tx, cost = tyT.T.copy(), txT.T.copy(), costT.T.copy()
        # regularised candidate: the median offset of the 5x5 neighbourhood (fills isolated misses)
        my = cv2.medianBlur((ty - yy).astype(np.float32), 5)
        mx = cv2.medianBlur((tx - xx).astype(np.float32), 5)
        _consider(full_cost, ty, tx, cost, yy + np.rint(my).astype(np.int32), xx + np.rint(mx).astype(np.int32), h, w)
        for j in range(random_candidates):
            if j % 2 == 0:
                r = int(big * 0.5 ** ((it * max(1, random_candidates // 2) + j // 2) % levels))
            else:
                r = 2 ** (1 + it % 2)
            ry = rng.integers(-r, r + 1, size=(h, w), dtype=np.int32)
            rx = rng.integers(-r, r + 1, size=(h, w), dtype=np.int32)
            _consider(full_cost, ty, tx, cost, ty + ry, tx + rx, h, w)
    return ty, tx, cost


def _consider(full_cost, ty, tx, cost, cy, cx, h, w) -> None:
    """Replace the current match by the candidate (cy, cx) where it is nearer (in place)."""
    np.clip(cy, 0, h - 1, out=cy)
    np.clip(cx, 0, w - 1, out=cx)
    d = full_cost(cy, cx)
    better = d < cost
    np.copyto(ty, cy, where=better)
    np.copyto(tx, cx, where=better)
    np.copyto(cost, d, where=better)


def _sweep(flat, lines, ta, tb, cost, sgn, n_lines, n_along, md2, rows, width=None):
    """One propagation sweep over the lines (axis 0) of ``ta``/``tb``/``cost``, in place.

    ``ta`` holds the target coordinate along the sweep axis, ``tb`` the one across
    it; ``lines[k]`` are the features of line k; ``flat`` the image features by
    flat index (row * width + column). Pixel (k, j) tries three targets derived
    from the previous line p1 = k - sgn (already updated in this sweep):
    zero order f(p1) + sgn e_a, first order 2 f(p1) - f(p2), and first order
    from the across-line derivative of f in line p1 under a similarity model
    (d f_a / d a = d f_b / d b, d f_b / d a = -d f_a / d b).
    """
    pos = np.arange(n_along, dtype=np.int32)
    hi = np.minimum(pos + 2, n_along - 1)
    lo = np.maximum(pos - 2, 0)
    inv_span = (sgn / np.maximum(hi - lo, 1)).astype(np.float32)
    order = range(1, n_lines) if sgn > 0 else range(n_lines - 2, -1, -1)
    wdt = width if width is not None else n_along
    c = flat.shape[1]
    CA = np.empty((3, n_along), np.int32)
    CB = np.empty((3, n_along), np.int32)
    inf = np.float32(np.inf)
    for k in order:
        p1, p2 = k - sgn, k - 2 * sgn
        ra, rb = ta[p1], tb[p1]
        CA[0] = ra + sgn
        CB[0] = rb
        if 0 <= p2 < n_lines:
            np.subtract(2 * ra, ta[p2], out=CA[1])
            np.subtract(2 * rb, tb[p2], out=CB[1])
        else:
            CA[1] = CA[0]
            CB[1] = CB[0]
        CA[2] = ra + np.rint((rb[hi] - rb[lo]) * inv_span).astype(np.int32)
        CB[2] = rb - np.rint((ra[hi] - ra[lo]) * inv_span).astype(np.int32)
        np.clip(CA, 0, n_lines - 1, out=CA)
        np.clip(CB, 0, n_along - 1, out=CB)
        idx = CA * wdt + CB if rows else CB * wdt + CA
        g = flat[idx.ravel()].reshape(3, n_along, c)
        g -= lines[k]
        d = np.einsum("kij,kij->ki", g, g)
        oa, ob = CA - k, CB - pos
        d[oa * oa + ob * ob < md2] = inf
        best = d.argmin(0)
        dbest = d[best, pos]
        better = dbest < cost[k]
        if better.any():
            ta[k] = np.where(better, CA[best, pos], ta[k])
            tb[k] = np.where(better, CB[best, pos], tb[k])
            cost[k] = np.where(better, dbest, cost[k])


def _shift(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """out[p] = a[p - k e_axis] (edge replicated): the value of the k-th previous neighbour."""
    n = a.shape[axis]
    idx = np.clip(np.arange(n) - k, 0, n - 1)
    return np.take(a, idx, axis=axis)


# --------------------------------------------------------------------------- dense linear fitting


def dlf_error(dy: np.ndarray, dx: np.ndarray, radius: int = 6) -> np.ndarray:
    """Squared residual of a local affine fit of the offset field over a disk of ``radius``.

    Within a centred symmetric window the regressors 1, u, v are orthogonal, so
    the residual energy of each component f is
    sum f^2 - (sum f)^2 / N - (sum u f)^2 / sum u^2 - (sum v f)^2 / sum v^2,
    all of which are correlations with fixed kernels. Both components are summed.
    """
    d = cm.disk(radius).astype(np.float32)
    r = d.shape[0] // 2
    vv, uu = np.mgrid[-r : r + 1, -r : r + 1].astype(np.float32)
    ku, kv = uu * d, vv * d
    n, su2, sv2 = d.sum(), (ku * uu).sum(), (kv * vv).sum()
    err = np.zeros(dy.shape, np.float64)
    bt = cv2.BORDER_REFLECT
    for f in (dy, dx):
        f = f.astype(np.float64)
        s0 = cv2.filter2D(f * f, -1, d.astype(np.float64), borderType=bt)
        s1 = cv2.filter2D(f, -1, d.astype(np.float64), borderType=bt)
        su = cv2.filter2D(f, -1, ku.astype(np.float64), borderType=bt)
        sv = cv2.filter2D(f, -1, kv.astype(np.float64), borderType=bt)
        err += s0 - s1 * s1 / n - su * su / su2 - sv * sv / sv2
    return np.maximum(err, 0.0).astype(np.float32)
