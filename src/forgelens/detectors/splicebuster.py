"""Residual co-occurrence clustering in the spirit of Splicebuster (Cozzolino, Poggi & Verdoliva 2015)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from scipy.special import expit

from forgelens.detectors._noise_common import clipped_mask, native, regions_and_score
from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.maps import grid_shape
from forgelens.trace import Finding, Trace


@dataclass(frozen=True)
class SplicebusterConfig:
    """Configuration of ``splicebuster``.

    Parameters
    ----------
    q : float
        Quantisation step in units of the residual filter's largest coefficient (3):
        the residual is divided by 3·q (8-bit scale) before rounding. Published: q = 2.
    T : int
        Truncation: quantised residuals are clipped to [−T, T]. Published: T = 1.
    order : int
        Number of neighbouring residuals in a co-occurrence. Published: 4.
    window : int
        Side (pixels) of the sliding analysis window. Published: 128.
    stride : int
        Window stride (pixels). Published: 8.
    pca_dim : int
        Most dimensions kept after (whitened) PCA. Published: 25.
    windows_per_dim : float
        Fewer dimensions are kept when the image holds few independent (non-overlapping)
        windows: at most ``independent windows / windows_per_dim`` (at least 2). A 25-D
        covariance cannot be estimated from the ~16 independent windows of a 512×512
        image; on a 12 MP photo (~700 windows) all 25 are kept. Not in the paper.
    em_iterations : int
        Maximum EM iterations of the Gaussian + uniform mixture.
    max_fit_windows : int
        Windows sampled (seeded) to fit PCA and the mixture; all windows are scored.
    min_valid : float
        Windows with less than this fraction of unclipped pixels are not used.
    structure_ratio : tuple of float
        Homogeneity gate (not in the paper): the ratio of the largest to the median
        eigenvalue of the window features' covariance. The median eigenvalue is the
        counting noise of the histograms; when the largest direction is no larger than a
        few hundred times that, the windows differ by counting noise alone and no window
        can be an outlier. The map and score are scaled by 0 at the first value and 1 at
        the second (log-linear in between). Real photos sit at 10³–10⁵ (content), so the
        gate only silences images whose residual statistics are truly homogeneous.
    min_area_fraction : float
        Region size at which the image score is no longer reduced for smallness.
    seed : int
        Seed of the window subsampling.
    """

    q: float = 2.0
    T: int = 1
    order: int = 4
    window: int = 128
    stride: int = 8
    pca_dim: int = 25
    windows_per_dim: float = 4.0
    em_iterations: int = 50
    max_fit_windows: int = 20000
    min_valid: float = 0.5
    structure_ratio: tuple[float, float] = (300.0, 3000.0)
    min_area_fraction: float = 0.02
    seed: int = 0


@lru_cache(maxsize=8)
def symmetry_classes(T: int, order: int) -> tuple[np.ndarray, int]:
    """Map each co-occurrence code to its class under reversal and sign change.

    A code is ``Σ_k (c_k + T)·(2T+1)^k`` for quantised residuals c_0…c_{order−1}.
    Patterns that are the same up to reading direction or sign carry the same
    information about the noise, so they are pooled (81 → 25 classes for T=1,
    order 4), as in the rich-model features Splicebuster builds on.
    """
    base = 2 * T + 1
    n = base**order
    digits = (np.arange(n)[:, None] // base ** np.arange(order)[None, :]) % base
    weights = base ** np.arange(order)
    variants = [
        digits,
        digits[:, ::-1],
        2 * T - digits,
        (2 * T - digits)[:, ::-1],
    ]
    canon = np.min(np.stack([v @ weights for v in variants]), axis=0)
    _, cls = np.unique(canon, return_inverse=True)
    return cls.astype(np.int64), int(cls.max()) + 1


def _codes(qr: np.ndarray, axis: int, order: int, base: int) -> np.ndarray:
    """Co-occurrence code of ``order`` consecutive quantised residuals along ``axis``.

    Accumulated in uint8 when every code fits (base**order ≤ 256: 81 for the published T = 1,
    order 4), else int32: the same integers, a quarter of the memory traffic.
    """
    n = qr.shape[axis] - order + 1
    dtype = np.uint8 if base**order <= 256 else np.int32
    code = np.zeros([n if a == axis else s for a, s in enumerate(qr.shape)], dtype)
    for k in range(order):
        sl = [slice(None), slice(None)]
        sl[axis] = slice(k, k + n)
        code += qr[tuple(sl)].astype(dtype) * dtype(base**k)
    return code


def _quantise(r: np.ndarray, step: float, T: int) -> np.ndarray:
    """``clip(rint(r / step), −T, T) + T`` as small integers (0 … 2T).

    For T = 1 (published) by two comparisons: rint rounds half to even, so rint(x) clipped to
    [−1, 1] is +1 exactly when x > 0.5 and −1 exactly when x < −0.5 — the same integers as the
    general formula (asserted in tests), without three float passes.
    """
    x = r / step
    if T == 1:
        q = (x > 0.5).astype(np.int8)
        q += 1
        q -= x < -0.5
        return q
    return (np.clip(np.rint(x), -T, T) + T).astype(np.int8)


#: Pixel rows of one strip in ``cell_histograms`` (rounded down to whole cells): small enough that a
#: strip's residuals, codes and bin counts stay in the CPU cache (512 rows took twice the time).
_STRIP_ROWS = 32


def cell_histograms(y: np.ndarray, valid: np.ndarray, cfg: SplicebusterConfig):
    """Per ``stride``×``stride`` cell counts of the pooled co-occurrence classes.

    Returns (counts[rows, cols, 2·n_classes], valid_pixels[rows, cols], margin),
    where the first n_classes bins pool the co-occurrences taken along the
    residual's own direction (horizontal residual read horizontally, vertical
    vertically) and the second those taken across it. Processed in horizontal
    strips so memory stays bounded on large images. Clipped pixels (``valid`` false)
    are counted into one spare bin past the last cell and dropped, which gives the
    same counts as leaving them out.
    """
    s, order, T = cfg.stride, cfg.order, cfg.T
    base = 2 * T + 1
    lut, ncls = symmetry_classes(T, order)
    small = base**order <= 256
    if small:  # code → class (along) and class + ncls (across), one 256-entry table each
        tables = [np.zeros(256, np.uint8) for _ in range(2)]
        tables[0][: lut.size], tables[1][: lut.size] = lut, lut + ncls
    margin = 3 + order - 1  # residual support + co-occurrence span
    h, w = y.shape
    rows, cols = (h - margin) // s, (w - margin) // s
    counts = np.zeros((rows, cols, 2 * ncls), np.int32)  # integer counts: exact, half of float64
    nvalid = np.zeros((rows, cols), np.float64)
    step = 3.0 * cfg.q
    strip = max(1, _STRIP_ROWS // s) * s
    cell_col = (np.arange(cols * s) // s).astype(np.int64)
    base_idx = None
    for r0 in range(0, rows * s, strip):
        r1 = min(rows * s, r0 + strip)
        yy = y[r0 : r1 + margin, : cols * s + margin]
        rh = yy[:, :-3] - 3 * yy[:, 1:-2] + 3 * yy[:, 2:-1] - yy[:, 3:]
        rv = yy[:-3] - 3 * yy[1:-2] + 3 * yy[2:-1] - yy[3:]
        qh = _quantise(rh, step, T)
        qv = _quantise(rv, step, T)
        hr, wc = r1 - r0, cols * s
        maps = (
            (_codes(qh, 1, order, base)[:hr, :wc], 0),  # along
            (_codes(qv, 0, order, base)[:hr, :wc], 0),  # along
            (_codes(qh, 0, order, base)[:hr, :wc], 1),  # across
            (_codes(qv, 1, order, base)[:hr, :wc], 1),  # across
        )
        v = valid[r0:r1, :wc]
        nrow = (r1 - r0) // s
        nbin = nrow * cols * 2 * ncls
        if base_idx is None or base_idx.shape[0] != hr:  # first bin of each pixel's cell (same for full strips)
            base_idx = ((np.arange(hr) // s)[:, None] * cols + cell_col[None, :]) * (2 * ncls)
            idx = np.empty_like(base_idx)  # one bin-index buffer, reused by every map and strip
        spare = None if v.all() else ~v
        acc = np.zeros(nbin + 1, np.int64)
        for code, across in maps:
            cls = cv2.LUT(np.ascontiguousarray(code), tables[across]) if small else lut[code] + across * ncls
            np.add(base_idx, cls, out=idx)
            if spare is not None:
                idx[spare] = nbin
            acc += np.bincount(idx.ravel(), minlength=nbin + 1)
        strip_counts = acc[:nbin].reshape(nrow, cols, 2 * ncls)
        counts[r0 // s : r0 // s + nrow] = strip_counts
        # every valid pixel of a cell adds one to its "along" bins from each of the two along maps
        nvalid[r0 // s : r0 // s + nrow] = strip_counts[..., :ncls].sum(axis=2) // 2
    return counts, nvalid, margin


def _box(c: np.ndarray, m: int) -> np.ndarray:
    """Sums over every m×m group of cells (valid positions), any trailing dims kept.

    Integer inputs are summed exactly in integers (int32 while the image totals fit, which
    halves the memory of float64); float inputs in float64. The integral image is built in
    place, without copies.
    """
    if np.issubdtype(c.dtype, np.integer):
        total = int(np.abs(c).sum(axis=(0, 1), dtype=np.int64).max(initial=0))
        acc = np.int32 if total < 2**31 - 1 else np.int64
    else:
        acc = np.float64
    s = np.zeros((c.shape[0] + 1, c.shape[1] + 1) + c.shape[2:], acc)
    np.cumsum(c, axis=0, dtype=acc, out=s[1:, 1:])
    np.cumsum(s[1:, 1:], axis=1, out=s[1:, 1:])
    out = s[m:, m:] - s[:-m, m:]
    out -= s[m:, :-m]
    out += s[:-m, :-m]
    return out


def gaussian_uniform_em(x: np.ndarray, iters: int) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Fit p(x) = π·N(x; μ, Σ) + (1 − π)·U(box) by EM; return μ, Σ, π, log U density."""
    n, d = x.shape
    lo, hi = x.min(axis=0), x.max(axis=0)
    log_u = -float(np.sum(np.log(np.maximum(hi - lo, 1e-6))))
    mu = np.median(x, axis=0)
    cov = np.cov(x, rowvar=False) + 1e-6 * np.eye(d)
    pi = 0.9
    for _ in range(iters):
        log_n = _log_gauss(x, mu, cov)
        a = np.log(pi) + log_n
        b = np.log1p(-pi) + log_u
        g = expit(-np.clip(b - a, -50, 50))
        new_pi = float(np.clip(g.mean(), 0.5, 0.999))
        sw = g.sum()
        mu = (g[:, None] * x).sum(0) / sw
        xc = x - mu
        cov = (g[:, None] * xc).T @ xc / sw + 1e-6 * np.eye(d)
        done = abs(new_pi - pi) < 1e-5
        pi = new_pi
        if done:
            break
    return mu, cov, pi, log_u


def _log_gauss(x: np.ndarray, mu: np.ndarray, cov: np.ndarray, maha: np.ndarray | None = None) -> np.ndarray:
    """Gaussian log density; ``maha`` = ``_mahalanobis2(x, mu, cov)`` when the caller has it already."""
    d = x.shape[1]
    chol = np.linalg.cholesky(cov)
    if maha is None:
        z = np.linalg.solve(chol, (x - mu).T)
        maha = (z * z).sum(0)
    logdet = 2.0 * np.log(np.diag(chol)).sum()
    return -0.5 * (d * np.log(2 * np.pi) + logdet + maha)


def _mahalanobis2(x: np.ndarray, mu: np.ndarray, cov: np.ndarray) -> np.ndarray:
    chol = np.linalg.cholesky(cov)
    z = np.linalg.solve(chol, (x - mu).T)
    return (z * z).sum(0)


@register(
    "splicebuster",
    config=SplicebusterConfig,
    family="noise",
    description="Residual co-occurrence features on sliding windows, modelled blind by a "
    "Gaussian + uniform-outlier mixture (in the spirit of Splicebuster, Cozzolino et al. 2015)",
    how_to_read="Bright = the local statistics of the image's high-pass residual (noise, "
    "demosaicing, processing) do not fit the model learned from the rest of this image: "
    "probability that the 128-px windows covering the place are outliers, averaged.",
    caveat="Windows are 128 px, so the map is coarse and small edits vanish; large textured, "
    "clipped or very dark/bright areas can also look different. Not the authors' code.",
)
def splicebuster(evidence: Evidence, config: SplicebusterConfig) -> Trace:
    """Blind splicing localisation from residual co-occurrences (after Cozzolino et al. 2015).

    1. Third-order high-pass residuals of the luminance, horizontally and
       vertically: r_ij = x_i,j−1 − 3x_ij + 3x_i,j+1 − x_i,j+2.
    2. Quantise with step 3·q and truncate to [−T, T] (q = 2, T = 1: three levels).
    3. Co-occurrences of 4 neighbouring quantised residuals, along and across the
       residual direction, pooled by reversal/sign symmetry (2 × 25 classes); their
       normalised histogram over every 128×128 window (stride 8), square-rooted.
       Computed once per pixel as a class code, counted per 8×8 cell with one
       ``bincount`` and summed into windows with an integral image.
    4. Whitened PCA to 25 dimensions (fewer on small images, see
       ``windows_per_dim``); an expectation–maximisation fit of a
       Gaussian (the host camera) plus a uniform outlier class (the splice) on the
       image's own windows — no training.
    5. Per window, the posterior probability of the outlier class; each pixel
       gets the average over the windows covering it.

    Parameters
    ----------
    evidence : Evidence
        The image; its BT.601 luminance is analysed.
    config : SplicebusterConfig
        Published defaults: q = 2, T = 1, order 4, 128-px windows, stride 8, 25 PCA dims.

    Returns
    -------
    Trace
        ``heatmap``: outlier posterior averaged per 8-px cell; ``reliability``: share of
        unclipped pixels and of usable windows; ``score``: strength of the largest
        coherent outlier region; ``findings``: mixture weights and, per region, the mean
        Mahalanobis distance inside vs outside; ``extra_maps["mahalanobis"]``.

    Notes
    -----
    Assumes the whole untouched image shares one residual model (one camera,
    one processing chain) and the spliced part is a minority whose features fall
    away from it. Images smaller than about two windows per side are analysed
    with a smaller window (noted). This is a clean-room implementation from the
    paper; the authors' code is not used.

    References
    ----------
    .. [1] D. Cozzolino, G. Poggi and L. Verdoliva, "Splicebuster: a new blind image
       splicing detector", IEEE International Workshop on Information Forensics and
       Security (WIFS), 2015. :DOI:`10.1109/WIFS.2015.7368565`
    .. [2] J. Fridrich and J. Kodovský, "Rich models for steganalysis of digital
       images", IEEE Trans. Information Forensics and Security 7(3):868–882, 2012.
    """
    name = "splicebuster"
    s = int(config.stride)
    h, w = evidence.shape
    margin = 3 + config.order - 1
    window = int(config.window)
    notes: list[str] = []
    fit_side = (min(h, w) - margin) // 2 // s * s
    if fit_side < window:
        window = max(4 * s, fit_side)
        notes.append(f"window reduced to {window} px for a {w}x{h} image")
    m = window // s
    rows, cols = (h - margin) // s, (w - margin) // s
    if rows < m + 2 or cols < m + 2:
        return Trace.not_applicable(name, f"image {w}x{h} px is too small for {window}-px windows")

    y = np.ascontiguousarray(evidence.luminance, dtype=np.float32)
    p = evidence.pixels
    clipped = clipped_mask(p)
    clipped = cv2.dilate(clipped, np.ones((2 * margin + 1, 2 * margin + 1), np.uint8))
    valid = clipped[2:, 2:] == 0  # align with the residual/co-occurrence support
    counts, nvalid, _ = cell_histograms(y, valid, config)

    wc = _box(counts, m)  # (R, C, 2·ncls)
    wv = _box(nvalid, m) / float(window * window)
    ncls = counts.shape[2] // 2
    feats = np.empty(wc.shape, np.float64)
    for g in (slice(0, ncls), slice(ncls, 2 * ncls)):
        tot = wc[..., g].sum(axis=2, keepdims=True)
        feats[..., g] = np.sqrt(wc[..., g] / np.maximum(tot, 1.0))
    R, C = wv.shape
    x_all = feats.reshape(R * C, -1)
    usable = (wv.ravel() >= config.min_valid)
    if usable.sum() < max(20, 2 * config.pca_dim):
        t = Trace.not_applicable(
            name, f"only {int(usable.sum())} windows with ≥{config.min_valid:.0%} unclipped pixels"
        )
        t.reliability, t.block = np.zeros(grid_shape(evidence.shape, 8), np.float32), 8  # nothing reliable
        return t
    rng = np.random.default_rng(config.seed)
    idx = np.flatnonzero(usable)
    if idx.size > config.max_fit_windows:
        idx = np.sort(rng.choice(idx, config.max_fit_windows, replace=False))
    x_fit = x_all[idx]
    mean = x_fit.mean(axis=0)
    evals, evecs = np.linalg.eigh(np.cov(x_fit - mean, rowvar=False))
    order = np.argsort(evals)[::-1]
    n_indep = ((h - margin) / window) * ((w - margin) / window)
    dims = int(min(config.pca_dim, max(2, n_indep // config.windows_per_dim)))
    keep = [k for k in order[:dims] if evals[k] > 1e-12 * max(evals.max(), 1e-30)]
    if len(keep) < 2:
        t = Trace.not_applicable(name, "residual features are constant (flat or synthetic image)")
        t.reliability, t.block = np.zeros(grid_shape(evidence.shape, 8), np.float32), 8  # nothing reliable
        return t
    ratio = float(evals.max() / max(float(np.median(evals)), 1e-30))
    lo, hi = np.log10(config.structure_ratio[0]), np.log10(config.structure_ratio[1])
    gate = float(np.clip((np.log10(max(ratio, 1e-30)) - lo) / max(hi - lo, 1e-9), 0.0, 1.0))
    proj = evecs[:, keep] / np.sqrt(evals[keep])
    z_fit = (x_fit - mean) @ proj
    mu, cov, pi, log_u = gaussian_uniform_em(z_fit, config.em_iterations)
    z_all = (x_all - mean) @ proj
    maha2 = _mahalanobis2(z_all, mu, cov)  # one triangular solve serves the density and the distance
    log_n = _log_gauss(z_all, mu, cov, maha2)
    llr = (np.log1p(-pi) + log_u) - (np.log(pi) + log_n)
    post = expit(np.clip(llr, -50, 50))
    maha = np.sqrt(maha2)
    post = np.where(usable, post, 0.0).reshape(R, C)
    maha = np.where(usable, maha, 0.0).reshape(R, C)
    use = usable.reshape(R, C).astype(np.float64)

    # back-project: each cell averages the windows that cover it
    def cover(vals: np.ndarray) -> np.ndarray:
        padded = np.pad(vals, ((m - 1, m - 1), (m - 1, m - 1)))
        return _box(padded, m)

    ncov = cover(use)
    cell_post = (cover(post) / np.maximum(ncov, 1e-9)).astype(np.float32)
    cell_maha = (cover(maha) / np.maximum(ncov, 1e-9)).astype(np.float32)
    cell_valid = nvalid / float(s * s)
    rel = (np.clip(ncov / (m * m), 0, 1) * cell_valid).astype(np.float32)
    rel = np.where(ncov > 0, rel, 0.0).astype(np.float32)
    sus = (cell_post * (rel > 0) * gate).astype(np.float32)

    off = (2, 2)
    score, findings = regions_and_score(
        sus, rel, cell_maha, block=s, offset=off, shape=evidence.shape,
        kind="residual_anomaly", what="residual-feature Mahalanobis distance", unit_fmt="{:.1f}",
        min_area_frac=config.min_area_fraction,
    )
    findings.insert(
        0,
        Finding(
            "residual_model",
            f"{int(usable.sum())} windows of {window} px, {len(keep)} PCA dims; the Gaussian "
            f"host model holds {100 * pi:.1f}% of them, {100 * float((post[use > 0] > 0.5).mean()):.1f}% "
            f"are outliers; feature structure ratio {ratio:.0f} (gate {gate:.2f})",
            0.0,
            None,
            {
                "windows": int(usable.sum()),
                "window_px": window,
                "pca_dims": len(keep),
                "host_weight": round(pi, 4),
                "outlier_window_fraction": round(float((post[use > 0] > 0.5).mean()), 4),
                "structure_ratio": round(ratio, 1),
                "gate": round(gate, 3),
            },
        ),
    )
    mscale = float(np.percentile(cell_maha[rel > 0], 99)) if (rel > 0).any() else 1.0
    rel_grid, cell = native(rel, evidence.shape, s, off)
    return Trace(
        name=name,
        heatmap=native(sus, evidence.shape, s, off)[0],
        reliability=rel_grid,
        block=cell,
        score=score,
        findings=findings,
        extra_maps={"mahalanobis": native(cell_maha / max(mscale, 1e-6), evidence.shape, s, off)[0]},
        note="; ".join(notes),
    )
