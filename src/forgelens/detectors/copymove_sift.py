"""Keypoint copy-move detection: SIFT, g2NN, clustering, per-cluster affine (Amerini et al. 2011)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from forgelens.detectors import _copymove_common as cm
from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.trace import Trace


@dataclass(frozen=True)
class CopyMoveSiftConfig:
    """Parameters of :func:`copymove_sift` (published defaults where the paper gives one)."""

    #: g2NN ratio threshold T on successive nearest-neighbour distances (Amerini 2011: 0.5).
    g2nn_ratio: float = 0.5
    #: neighbours examined by the generalised 2NN test.
    g2nn_k: int = 10
    #: cut-off of the hierarchical clustering (Amerini 2011: Th = 2.2, inconsistency coefficient).
    cluster_cutoff: float = 2.2
    #: linkage of the agglomerative clustering (Amerini 2011: ward / centroid / single; ward best).
    cluster_linkage: str = "ward"
    #: a pair of clusters is a clone when linked by more than 3 matches (Amerini 2011), i.e. >= 4.
    min_matches: int = 4
    #: RANSAC reprojection threshold, working-resolution pixels.
    ransac_threshold: float = 3.0
    ransac_iterations: int = 1000
    #: matches between keypoints closer than this (full-res px) are ignored (duplicate keypoints).
    min_match_distance: float = 10.0
    #: median shift below which a pair is not called a clone (full-res px; T_D2 of Cozzolino 2015).
    min_shift: float = 50.0
    #: minimum size of a localised region, full-res px (T_S of Cozzolino 2015).
    min_region: int = 1200
    #: ZNCC window and threshold of the correlation localisation (Amerini et al. 2013: 7, 0.55).
    zncc_window: int = 7
    zncc_threshold: float = 0.55
    #: SIFT settings (OpenCV defaults except a lower contrast threshold for smooth clones).
    contrast_threshold: float = 0.02
    max_keypoints: int = 8000
    #: the search runs on a view holding at most this many pixels (very large images).
    max_pixels: float = 3.0e6
    #: on pictures of more than ``large_above`` pixels the view holds at most ``large_max_pixels``
    #: instead (issue 16: SIFT and the matching grow with the view); pictures at or below it are
    #: searched exactly as with ``max_pixels``. 1.5 MP and 2 MP were measured (issue-16 note, session 9)
    #: and lost forgeries under the declared rule, so the default keeps today's 3 MP.
    large_max_pixels: float = 3.0e6
    large_above: int = 2_000_000


@register(
    "copymove_sift",
    config=CopyMoveSiftConfig,
    description="Copy-move by SIFT keypoints: g2NN matching inside the image, clustering, "
    "affine per cluster pair (RANSAC), mask grown by correlation (Amerini et al. 2011).",
    family="copymove",
    default=True,
    how_to_read="Both the source and the copy light up; findings pair them with the shift, "
    "rotation and scale of the estimated transform and the number of matched keypoints.",
    caveat="Needs texture: smooth or small clones give too few keypoints (the dense-field "
    "detector covers them). Genuinely repeated objects (two identical signs) also match.",
)
def copymove_sift(evidence: Evidence, config: CopyMoveSiftConfig) -> Trace:
    """Detect copy-moved regions by matching SIFT keypoints inside the image.

    SIFT keypoints of the grey image are matched against each other with the
    generalised 2-nearest-neighbour test (g2NN): the sorted descriptor
    distances d1 <= d2 <= ... are scanned and the first j neighbours kept while
    d_j / d_{j+1} < T. Matched points are grouped by agglomerative hierarchical
    clustering of their positions; two clusters linked by at least
    ``min_matches`` matches are a candidate clone, whose affine transform is
    estimated with RANSAC. The clone is localised densely by the zero-normalised
    cross-correlation between the image and its copy warped by the transform
    (and by the inverse, for the other region); regions that hold inlier
    keypoints are kept.

    Parameters
    ----------
    evidence : Evidence
        The image (its luminance is used).
    config : CopyMoveSiftConfig
        ``g2nn_ratio`` = 0.5, ``cluster_cutoff`` = 2.2 (ward linkage) and
        ``min_matches`` = 4 follow Amerini et al. (2011); ZNCC 7x7 at 0.55 follows
        the localisation of Amerini et al. (2013); ``min_shift`` = 50 px and
        ``min_region`` = 1200 px follow Cozzolino et al. (2015).

    Returns
    -------
    Trace
        ``heatmap``: 1 on both the source and the copy of every accepted clone;
        ``score``: >= 0.5 when at least one clone was validated, growing with the
        inlier count, below 0.5 otherwise; ``findings``: one ``copy_move`` finding
        per pair with source/target boxes, shift, rotation, scale, match count
        and matched points (``lines``) for drawing; ``extra_maps["copymove_pairs"]``:
        both regions of pair k carry the value (k+1)/n.

    Notes
    -----
    Assumes the clone carries enough texture for SIFT keypoints and that the
    copy is an affine transform of the source. Repeated structures (tiles,
    bricks) are kept quiet by the ratio test (their nearest neighbours are
    ambiguous), by the minimum shift and by the minimum match count. Which of
    the two regions is the original cannot be told.

    References
    ----------
    .. [1] I. Amerini, L. Ballan, R. Caldelli, A. Del Bimbo, G. Serra, "A SIFT-based
           forensic method for copy-move attack detection and transformation
           recovery", IEEE Trans. Information Forensics and Security 6(3), 2011.
    .. [2] I. Amerini, L. Ballan, R. Caldelli, A. Del Bimbo, L. Del Tongo, G. Serra,
           "Copy-move forgery detection and localization by means of robust
           clustering with J-Linkage", Signal Processing: Image Communication, 2013.

    Examples
    --------
    >>> from forgelens.detectors import run
    >>> trace = run("copymove_sift", evidence)
    >>> [f.values["shift"] for f in trace.findings]  # a splice: nothing copied within the picture
    []
    """
    shape = evidence.shape
    large = shape[0] * shape[1] > config.large_above
    gray, s = cm.working_gray(evidence.luminance, config.large_max_pixels if large else config.max_pixels)
    h, w = gray.shape
    if min(h, w) < 32:
        return cm.nothing_found(shape, "image too small for keypoint matching; nothing found")
    g8 = np.clip(gray + 0.5, 0, 255).astype(np.uint8)
    sift = cv2.SIFT_create(nfeatures=int(config.max_keypoints), contrastThreshold=config.contrast_threshold)
    kps, desc = sift.detectAndCompute(g8, None)
    n_kp = len(kps)
    if desc is None or n_kp < 2 * config.min_matches:
        return cm.nothing_found(shape, f"{n_kp} keypoints: too little texture to match; nothing found")
    pts = np.array([k.pt for k in kps], np.float32)
    desc = desc.astype(np.float32)

    pairs = _g2nn_pairs(pts, desc, config.g2nn_ratio, config.g2nn_k, config.min_match_distance * s)
    n_pairs = len(pairs)
    if n_pairs < config.min_matches:
        return _quiet(shape, n_kp, n_pairs, config)

    clusters = _cluster(pts, pairs, config)
    found = _validate(pts, pairs, clusters, config, s)
    if not found:
        return _quiet(shape, n_kp, n_pairs, config)

    heat = np.zeros((h, w), np.float32)
    findings = []
    region_pairs = []
    min_region = config.min_region * s * s
    for k, (A, src_pts, dst_pts) in enumerate(found):
        src_mask, dst_mask = _localise(gray, A, src_pts, dst_pts, config, s, min_region)
        heat[src_mask | dst_mask] = 1.0
        region_pairs.append((src_mask, dst_mask))
        n_in = src_pts.shape[0]
        strength = 1.0 - np.exp(-n_in / 10.0)
        findings.append(
            cm.pair_finding(
                method="copymove_sift",
                source_mask=src_mask,
                target_mask=dst_mask,
                A=A,
                n_matches=n_in,
                points_src=src_pts,
                points_dst=dst_pts,
                s=s,
                full_shape=shape,
                strength=strength,
                pair_id=k,
                extra={"keypoints": n_kp, "g2nn_matches": n_pairs},
            )
        )
    best = max(f.values["match_count"] for f in findings)
    score = 0.5 + 0.5 * float(np.tanh(best / 20.0))
    findings.sort(key=lambda f: -f.strength)
    return Trace(
        name="copymove_sift",
        heatmap=cm.to_full(heat, shape),
        score=score,
        findings=findings,
        note=f"{len(found)} cloned pair(s); {n_kp} keypoints, {n_pairs} g2NN matches",
        extra_maps={"copymove_pairs": cm.pairing_map(region_pairs, shape)},
    )


def _quiet(shape, n_kp: int, n_pairs: int, config: CopyMoveSiftConfig) -> Trace:
    # below threshold: a faint image-level score from the raw match count only
    score = 0.45 * (1.0 - np.exp(-n_pairs / (10.0 * config.min_matches)))
    return cm.nothing_found(
        shape, f"no validated clone ({n_kp} keypoints, {n_pairs} g2NN matches); nothing found", score
    )


def _g2nn_pairs(pts: np.ndarray, desc: np.ndarray, ratio: float, k: int, min_dist: float) -> np.ndarray:
    """Generalised 2NN matches (i, j), i < j, between descriptors of the same image.

    A keypoint whose nearest and second-nearest distances already fail the ratio test
    has no g2NN match, so the k-nearest search (a partial sort per row) runs only on the
    rows that pass it; both nearest distances come from two row minima.

    The squared distances are formed in place (the same float32 operations in the same order
    as ``sq_i + sq_j - 2 * d_i . d_j``), and the keypoints closer than ``min_dist`` (itself and
    duplicates) are found once for the whole image by ``_close_pairs`` instead of from a dense
    n x n table of coordinate differences per chunk: the same pairs are excluded, so the matches
    are identical (issue 16, session 10).
    """
    n = desc.shape[0]
    k = int(min(k, n - 1))
    sq = (desc * desc).sum(1)
    out = []
    chunk = max(1, int(4_000_000 // max(n, 1)))
    close_i, close_j = _close_pairs(pts, min_dist)
    bounds = np.searchsorted(close_i, np.arange(0, n + chunk, chunk))
    buf = np.empty((min(chunk, n), n), np.float32)
    for ci, a in enumerate(range(0, n, chunk)):
        b = min(n, a + chunk)
        d2 = buf[: b - a]
        prod = desc[a:b] @ desc.T
        np.multiply(prod, 2.0, out=prod)
        np.add(sq[a:b, None], sq[None, :], out=d2)
        np.subtract(d2, prod, out=d2)
        del prod
        np.maximum(d2, 0.0, out=d2)
        # exclude itself and keypoints at (nearly) the same place
        lo, hi = bounds[ci], bounds[ci + 1]
        d2[close_i[lo:hi] - a, close_j[lo:hi]] = np.inf
        # rows whose first ratio d1 / d2 fails (most of them) cannot match
        rows_all = np.arange(b - a)
        first = d2.argmin(axis=1)
        m1 = d2[rows_all, first]
        d2[rows_all, first] = np.inf
        m2 = d2.min(axis=1)
        d2[rows_all, first] = m1
        with np.errstate(invalid="ignore", divide="ignore"):
            r1 = np.sqrt(m1) / np.sqrt(m2)
        cand = np.nonzero((np.nan_to_num(r1, nan=1.0) < ratio) & np.isfinite(m1))[0]
        if cand.size == 0:
            continue
        dc = d2[cand]
        idx = np.argpartition(dc, k, axis=1)[:, : k + 1]
        dk = np.take_along_axis(dc, idx, axis=1)
        order = np.argsort(dk, axis=1)
        idx = np.take_along_axis(idx, order, axis=1)
        d = np.sqrt(np.take_along_axis(dk, order, axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            r = d[:, :-1] / d[:, 1:]
        ok = np.nan_to_num(r, nan=1.0) < ratio  # r_j = d_j / d_{j+1}
        keep = np.cumprod(ok, axis=1).astype(bool) & np.isfinite(d[:, :-1])
        rows, cols = np.nonzero(keep)
        out.append(np.stack([cand[rows] + a, idx[rows, cols]], 1))
    pairs = np.concatenate(out, 0) if out else np.zeros((0, 2), int)
    pairs = np.sort(pairs, axis=1)
    pairs = np.unique(pairs, axis=0)
    return pairs[pairs[:, 0] != pairs[:, 1]]


def _close_pairs(pts: np.ndarray, min_dist: float) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair (i, j), i itself included, whose squared distance computed in float32 as
    ``(x_i - x_j)**2 + (y_i - y_j)**2`` is below ``min_dist**2``, sorted by i.

    A k-d tree lists the pairs within a slightly larger radius (float32 rounding moves a squared
    distance by a few parts in 10^7); the float32 test, the same operations on the same values as a
    dense table of differences would do, then decides each one.
    """
    from scipy.spatial import cKDTree

    n = pts.shape[0]
    lim2 = min_dist * min_dist
    r = float(min_dist) * (1.0 + 1e-4) + 1e-6
    near = cKDTree(pts.astype(np.float64)).query_pairs(r, output_type="ndarray") if n > 1 else np.zeros((0, 2), int)
    diag = np.arange(n)
    i = np.concatenate([diag, near[:, 0], near[:, 1]]).astype(np.intp)
    j = np.concatenate([diag, near[:, 1], near[:, 0]]).astype(np.intp)
    dx = pts[i, 0] - pts[j, 0]
    dy = pts[i, 1] - pts[j, 1]
    np.multiply(dx, dx, out=dx)
    np.multiply(dy, dy, out=dy)
    dx += dy
    hit = dx < lim2
    i, j = i[hit], j[hit]
    order = np.argsort(i, kind="stable")
    return i[order], j[order]


def _cluster(pts: np.ndarray, pairs: np.ndarray, config: CopyMoveSiftConfig) -> dict[int, int]:
    """Agglomerative clustering of matched keypoint positions -> {keypoint index: cluster}."""
    ids = np.unique(pairs)
    if ids.size < 3:
        return {int(i): 0 for i in ids}
    if ids.size > 4000:  # bound the O(n^2) linkage: keep the points of the first 2000 pairs
        pairs = pairs[:2000]
        ids = np.unique(pairs)
    Z = linkage(pts[ids].astype(np.float64), method=config.cluster_linkage)
    lab = fcluster(Z, t=config.cluster_cutoff, criterion="inconsistent")
    return {int(i): int(c) for i, c in zip(ids, lab, strict=True)}


def _validate(pts, pairs, clusters, config: CopyMoveSiftConfig, s: float):
    """Cluster pairs linked by >= min_matches matches whose RANSAC affine holds."""
    ca = np.array([clusters.get(int(i), -1) for i in pairs[:, 0]])
    cb = np.array([clusters.get(int(j), -1) for j in pairs[:, 1]])
    valid = (ca >= 0) & (cb >= 0)
    pairs, ca, cb = pairs[valid], ca[valid], cb[valid]
    # orient every match from the lower to the higher cluster id
    swap = ca > cb
    p0 = np.where(swap, pairs[:, 1], pairs[:, 0])
    p1 = np.where(swap, pairs[:, 0], pairs[:, 1])
    key = np.minimum(ca, cb) * 1_000_003 + np.maximum(ca, cb)
    found = []
    used = np.zeros(len(pairs), bool)
    for kv in np.unique(key):
        sel = np.nonzero(key == kv)[0]
        if sel.size < config.min_matches:
            continue
        src = pts[p0[sel]].astype(np.float32)
        dst = pts[p1[sel]].astype(np.float32)
        if ca[sel[0]] == cb[sel[0]]:
            # both ends in one cluster (copy close to its source): orient by displacement
            d = dst - src
            flip = (d[:, 0] < 0) | ((d[:, 0] == 0) & (d[:, 1] < 0))
            src, dst = np.where(flip[:, None], dst, src), np.where(flip[:, None], src, dst)
        A, inl = cv2.estimateAffine2D(
            src,
            dst,
            method=cv2.RANSAC,
            ransacReprojThreshold=config.ransac_threshold,
            maxIters=int(config.ransac_iterations),
            confidence=0.99,
            refineIters=10,
        )
        if A is None:
            continue
        inl = inl.ravel().astype(bool)
        if inl.sum() < config.min_matches:
            continue
        shift = np.median(np.hypot(*(dst[inl] - src[inl]).T)) / s
        if shift < config.min_shift:
            continue
        sc = float(np.sqrt(abs(np.linalg.det(A[:, :2]))))
        if not 0.25 < sc < 4.0:  # degenerate fit
            continue
        used[sel[inl]] = True
        found.append((A, src[inl], dst[inl]))
    found.sort(key=lambda t: -t[1].shape[0])
    return found


def _localise(gray, A, src_pts, dst_pts, config: CopyMoveSiftConfig, s: float, min_region: float):
    """Dense masks of source and copy by ZNCC between the image and its warped copy."""
    h, w = gray.shape
    Ai = cv2.invertAffineTransform(A)
    g = cv2.GaussianBlur(gray, (7, 7), 0.5)
    fwd = cv2.warpAffine(g, A, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)
    inv = cv2.warpAffine(g, Ai, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    disp = np.hypot(A[0, 0] * xx + A[0, 1] * yy + A[0, 2] - xx, A[1, 0] * xx + A[1, 1] * yy + A[1, 2] - yy)
    far = disp >= config.min_shift * s
    win = config.zncc_window
    src_mask = _grow(cm.zncc_map(g, fwd, win) > config.zncc_threshold, far, src_pts, min_region, win)
    # the inverse map moves target points back by the same amount
    dst_mask = _grow(cm.zncc_map(g, inv, win) > config.zncc_threshold, far, dst_pts, min_region, win)
    if not src_mask.any():
        src_mask = _hull(src_pts, (h, w), win)
    if not dst_mask.any():
        dst_mask = _hull(dst_pts, (h, w), win)
    return src_mask, dst_mask


def _grow(corr_mask: np.ndarray, far: np.ndarray, seeds: np.ndarray, min_region: float, pad: int) -> np.ndarray:
    m = corr_mask & far
    m = cv2.morphologyEx(m.astype(np.uint8), cv2.MORPH_OPEN, cm.disk(1)).astype(bool)
    m = cm.remove_small(m, min_region)
    if not m.any():
        return m
    n, lab = cv2.connectedComponents(m.astype(np.uint8), connectivity=8)
    h, w = m.shape
    sx = np.clip(np.round(seeds[:, 0]).astype(int), 0, w - 1)
    sy = np.clip(np.round(seeds[:, 1]).astype(int), 0, h - 1)
    # a seed counts for the component it lies in or touches (3 px)
    hit = np.unique(cv2.dilate(lab.astype(np.float32), cm.disk(3))[sy, sx].astype(int))
    keep = np.zeros(n, bool)
    keep[hit[hit > 0]] = True
    m = keep[lab]
    m = cv2.morphologyEx(m.astype(np.uint8), cv2.MORPH_CLOSE, cm.disk(3))
    # the correlation window straddles the border of the clone: give back half a window
    m = cv2.dilate(m, cm.disk(pad // 2)).astype(bool)
    return cm.fill_holes(m)


def _hull(p: np.ndarray, shape: tuple[int, int], pad: int) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    if p.shape[0] >= 3:
        cv2.fillConvexPoly(m, cv2.convexHull(p.astype(np.int32)), 1)
    m = cv2.dilate(m, cm.disk(pad))
    return m.astype(bool)
