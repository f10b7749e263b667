"""CFA / demosaicing artefacts (Ferrara, Bianchi, De Rosa, Piva 2012).

A camera records one colour per pixel through a Bayer colour filter array and
interpolates the other two. In the green channel, half of the pixels (a
quincunx lattice) were *acquired* and half *interpolated* from their
neighbours; an interpolated pixel is predicted almost exactly by a local
interpolator, an acquired one is not. So the local variance of the prediction
error is larger on the acquired lattice than on the interpolated one. A region
pasted from another picture (resized, re-demosaiced with another phase, or
never demosaiced) breaks that ratio. Ferrara et al. measure it per 2x2 block
and model it as a two-component Gaussian mixture (CFA present / absent),
fitted by EM, which gives a fine-grained likelihood map.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.special import expit

from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.maps import native_grid
from forgelens.trace import Finding, Trace


@dataclass(frozen=True)
class CFAConfig:
    """Ferrara et al. (2012) parameters.

    window : side of the Gaussian-weighted window over which the prediction-error
        variance is estimated on each lattice (the paper's (2K+1) with K = 3 → 7).
    sigma : standard deviation of the window's Gaussian weights (paper: 1).
    em_iterations : EM iterations for the two-component mixture.
    integrate : side, in 2x2 blocks, of the window over which per-block
        log-likelihood ratios are summed for the final map (the paper shows maps
        for several aggregation sizes; 8 blocks = 16 px here).
    min_cfa_strength : median per-block feature below which the image is judged to
        carry no demosaicing trace at all (resized, strongly compressed or
        synthetic) and the detector declines to localise.
    min_area : smallest suspicious area (pixels, as a share of the image) that
        makes the image-level score rise.
    """

    window: int = 7
    sigma: float = 1.0
    em_iterations: int = 50
    integrate: int = 8
    min_cfa_strength: float = 0.4
    min_area: float = 0.005


_PREDICT = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.float32) / 4.0


def cfa_feature(green: np.ndarray, window: int = 7, sigma: float = 1.0) -> np.ndarray:
    """Per-2x2-block log ratio of prediction-error variances, acquired vs interpolated.

    Parameters
    ----------
    green : (H, W) array
        The green channel.
    window : int, optional
        Side of the Gaussian window for the local variance (default 7).
    sigma : float, optional
        Standard deviation of the Gaussian weights (default 1).

    Returns
    -------
    L : (H//2, W//2) float32 array
        ``log(GM(var at lattice A) / GM(var at lattice B))`` per 2x2 block, where
        lattice A is the green quincunx containing pixel (0, 0) and B the other
        (GM = geometric mean). Positive where lattice A looks acquired.

    Notes
    -----
    The prediction is the bilinear interpolator of green from its 4 neighbours;
    the variance of the prediction error is computed separately over each
    lattice (weights zero on the other lattice), as in the paper.

    References
    ----------
    .. [1] P. Ferrara, T. Bianchi, A. De Rosa, A. Piva, "Image forgery
           localization via fine-grained analysis of CFA artifacts", IEEE TIFS
           7(5):1566-1577, 2012.
    """
    g = np.asarray(green, dtype=np.float32)
    h, w = g.shape[0] // 2 * 2, g.shape[1] // 2 * 2
    g = g[:h, :w]
    e = g - cv2.filter2D(g, -1, _PREDICT, borderType=cv2.BORDER_REFLECT)
    ee = e * e
    k1 = cv2.getGaussianKernel(window, sigma).astype(np.float32)

    def smooth(x: np.ndarray) -> np.ndarray:
        return cv2.sepFilter2D(x, -1, k1, k1, borderType=cv2.BORDER_REFLECT)

    var = np.empty_like(e)
    tmp = np.empty_like(e)
    for parity in (0, 1):
        m = np.zeros((h, w), np.float32)  # lattice A: (row + col) even; B: odd
        m[parity::2, 0::2] = 1.0
        m[1 - parity :: 2, 1::2] = 1.0
        wsum = smooth(m)
        np.multiply(e, m, out=tmp)
        mu = smooth(tmp)
        mu /= wsum
        np.multiply(ee, m, out=tmp)
        v = smooth(tmp)
        v /= wsum
        mu *= mu
        v -= mu
        np.copyto(var, v, where=m > 0)
        del m, wsum, mu, v
    del e, ee, tmp
    lv = np.log(np.maximum(var, 1e-3, out=var), out=var)
    # per 2x2 block: lattice A = (0,0),(1,1); lattice B = (0,1),(1,0)
    a = 0.5 * (lv[0::2, 0::2] + lv[1::2, 1::2])
    b = 0.5 * (lv[0::2, 1::2] + lv[1::2, 0::2])
    return (a - b).astype(np.float32)


def _em_two_gaussians(x: np.ndarray, iters: int) -> tuple[float, float, float, float]:
    """EM for p(x) = pi N(mu1, s1) + (1 - pi) N(0, s0): returns (pi, mu1, s1, s0)."""
    mu1 = float(np.median(x))
    s1 = s0 = float(np.std(x)) + 1e-3
    pi = 0.5
    for _ in range(iters):
        l1 = pi * np.exp(-0.5 * ((x - mu1) / s1) ** 2) / s1
        l0 = (1 - pi) * np.exp(-0.5 * (x / s0) ** 2) / s0
        r = l1 / (l1 + l0 + 1e-30)
        sr = r.sum()
        pi = float(np.clip(sr / x.size, 1e-3, 1 - 1e-3))
        mu1 = float((r * x).sum() / max(sr, 1e-9))
        s1 = float(np.sqrt((r * (x - mu1) ** 2).sum() / max(sr, 1e-9))) + 1e-3
        s0 = float(np.sqrt(((1 - r) * x**2).sum() / max(x.size - sr, 1e-9))) + 1e-3
    return pi, mu1, s1, s0


@register(
    "cfa",
    config=CFAConfig,
    description="CFA demosaicing artefacts (Ferrara et al. 2012): per-2x2-block acquired/interpolated variance ratio",
    family="camera",
    # Not in the default analysis since issue 16's fifth session: leaving it out moved no fused-map
    # metric, image AUC or false alarm on casia1, toolkit, nist16 (speed_ablation --variants) for
    # ~0.07-0.09 CPU s/MP and the largest working set; run it with -d cfa (or -d default,cfa).
    default=False,
    how_to_read="Red where the green channel lacks the camera's demosaicing pattern (or carries it with another "
    "phase) while the rest of the image has it: a pasted, resized or retouched region.",
    caveat="Needs an image straight from a camera (or lightly compressed): resizing, strong JPEG "
    "compression and many in-camera pipelines erase the pattern, and then the detector says so and stays silent.",
)
def cfa(evidence: Evidence, config: CFAConfig) -> Trace:
    """Localise regions without the image's CFA interpolation pattern (Ferrara et al. 2012)."""
    shape = evidence.shape
    px = evidence.pixels
    if np.array_equal(px[..., 0], px[..., 1]) and np.array_equal(px[..., 1], px[..., 2]):
        return Trace.not_applicable("cfa", "greyscale image: no colour filter array trace")
    green = px[..., 1].astype(np.float32)
    L = cfa_feature(green, config.window, config.sigma)
    # reliability: saturated or flat 2x2 blocks say nothing
    gb = green[: L.shape[0] * 2, : L.shape[1] * 2]
    quad = (gb[0::2, 0::2], gb[0::2, 1::2], gb[1::2, 0::2], gb[1::2, 1::2])
    gmax = np.maximum(np.maximum(quad[0], quad[1]), np.maximum(quad[2], quad[3]))
    gmin = np.minimum(np.minimum(quad[0], quad[1]), np.minimum(quad[2], quad[3]))
    del gb, quad
    mean5 = cv2.blur(green, (5, 5))[::2, ::2][: L.shape[0], : L.shape[1]]
    local_sd = cv2.blur(green * green, (5, 5))[::2, ::2][: L.shape[0], : L.shape[1]]
    local_sd = np.sqrt(np.maximum(local_sd - mean5**2, 0))
    del mean5
    reliable = (gmax < 250) & (gmin > 5) & (local_sd > 0.5)
    if reliable.mean() < 0.05:
        return Trace.not_applicable("cfa", "image is almost all saturated or flat")
    # phase of the Bayer green lattice: the one whose "acquired" side has the larger error
    med = float(np.median(L[reliable]))
    phase = 0 if med >= 0 else 1
    if phase == 1:
        L = -L
    strength = abs(med)
    if strength < config.min_cfa_strength:
        note = (
            f"no demosaicing trace to compare against (median log variance ratio {strength:.2f} "
            f"< {config.min_cfa_strength}): resized, compressed or not from a Bayer camera"
        )
        t = Trace.not_applicable("cfa", note)
        t.findings.append(Finding("cfa_absent", note, 0.0, values={"cfa_strength": strength}))
        return t
    x = L[reliable].astype(np.float64)
    if x.size > 400_000:  # EM on a fixed random subsample (seeded): same fit, bounded time
        x = np.random.default_rng(0).choice(x, 400_000, replace=False)
    pi, mu1, s1, s0 = _em_two_gaussians(x, config.em_iterations)
    # per-block log-likelihood ratio of "no CFA" vs "CFA", summed over integrate x integrate blocks
    Ld = L.astype(np.float64)
    llr = (-0.5 * (Ld / s0) ** 2 - np.log(s0)) - (-0.5 * ((Ld - mu1) / s1) ** 2 - np.log(s1))
    llr = np.where(reliable, np.clip(llr, -20, 20), 0.0)
    n = config.integrate
    agg = cv2.boxFilter(llr.astype(np.float32), -1, (n, n), normalize=False, borderType=cv2.BORDER_REFLECT)
    relw = cv2.blur(reliable.astype(np.float32), (n, n))
    post = expit(np.clip(agg, -50, 50))
    heat_b = post * (relw > 0.25)
    heat = native_grid(heat_b, shape, 2)[0]  # one cell per 2x2 block (edges padded), kept at that grid
    rel = native_grid(relw, shape, 2)[0]
    hot = heat_b > 0.5
    area = float(hot.mean())
    score = float(np.clip(area / (2 * config.min_area), 0, 1))  # 0.5 at min_area
    findings: list[Finding] = []
    values = {
        "cfa_strength": strength,
        "mu_cfa": mu1,
        "sigma_cfa": s1,
        "sigma_no_cfa": s0,
        "share_cfa": pi,
        "green_phase": "(0,0)" if phase == 0 else "(0,1)",
        "suspicious_area": area,
    }
    if area >= config.min_area:
        ys, xs = np.nonzero(hot)
        region = (int(xs.min() * 2), int(ys.min() * 2), int(xs.max() * 2 + 2), int(ys.max() * 2 + 2))
        inside = float(np.median(L[hot & reliable])) if (hot & reliable).any() else float("nan")
        findings.append(
            Finding(
                "cfa_inconsistent",
                f"{area * 100:.1f}% of the image lacks the demosaicing pattern found elsewhere "
                f"(log variance ratio {inside:.2f} there vs {mu1:.2f} in the rest)",
                strength=score,
                region=region,
                values={**values, "ratio_inside": inside},
            )
        )
    note = f"CFA pattern found (log variance ratio {mu1:.2f}); {area * 100:.2f}% of blocks inconsistent"
    return Trace("cfa", heat.astype(np.float32), rel.astype(np.float32), score, findings, note=note, block=2)
