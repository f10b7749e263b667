"""PRNU camera fingerprint: camera match (PCE) and localisation of missing sensor pattern.

Given a camera's fingerprint ``K`` (``forgelens camera fingerprint REFS... -o
cam.npz``), the image's noise residual ``W`` is compared with the pattern it
should carry, ``I K``: the PCE over the whole image says whether the image
came from that camera (Goljan et al. 2009 threshold 60), and a sliding-window
correlation says where the pattern is missing — there something was pasted
or painted (Chen, Fridrich, Goljan, Lukáš 2008: a window is tampered when its
correlation is low for the no-pattern law (Neyman–Pearson) and unlikely under
the correlation predicted for it; small regions are dropped, the rest dilated).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage
from scipy.special import ndtr, ndtri

from forgelens.camera.prnu import correlation_map, load_fingerprint, noise_residual, pce
from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.trace import Finding, Trace


@dataclass(frozen=True)
class PRNUConfig:
    """PRNU detector parameters (Lukáš et al. 2006; Chen et al. 2008).

    fingerprint_path : the camera fingerprint (.npz); empty = detector not applicable.
    sigma : noise level the wavelet denoiser assumes (5).
    pce_threshold : PCE above which the image is declared to come from the camera (60).
    window : side of the correlation window for the map (Chen et al.: 128).
    min_area : share of the image without the pattern that makes the score 0.5.
    saturation : luminance at/above which pixels carry no PRNU (excluded).
    missed_tamper_rate : Neyman–Pearson rate of the first test (Chen et al. 2008): a window without the
        pattern has a correlation above the threshold with this probability (0.01).
    false_alarm_rate : the second test: a window is called tampered only if a correlation this low has
        at most this probability when the pattern is present, given the predicted correlation (0.01).
        Dark, saturated and textured windows, whose predicted correlation is low, are thereby never called.
    dilation : connected tampered regions smaller than a quarter of the window, (window/2)^2 pixels
        (64 x 64 for 128), are dropped and the rest dilated by this square (20 x 20).
    """

    fingerprint_path: str = ""
    sigma: float = 5.0
    pce_threshold: float = 60.0
    window: int = 128
    min_area: float = 0.01
    saturation: float = 250.0
    missed_tamper_rate: float = 0.01
    false_alarm_rate: float = 0.01
    dilation: int = 20

    @property
    def absent_quantile(self) -> float:
        """Threshold of the first test in units of the no-pattern spread: Phi^-1(1 - missed_tamper_rate)."""
        return float(ndtri(1.0 - self.missed_tamper_rate))


@functools.lru_cache(maxsize=4)
def _cached_fingerprint(path: str, mtime: float) -> tuple[np.ndarray, int | None]:
    """(K, how many reference pictures made it): the count that ``camera fingerprint`` saves in the
    .npz (None when the file does not record it), so that a report says how strong the fingerprint was."""
    K = load_fingerprint(path)
    K.setflags(write=False)
    try:
        with np.load(path, allow_pickle=False) as z:
            n = int(z["n_images"]) if "n_images" in z.files else 0
    except (OSError, ValueError, KeyError):
        n = 0
    return K, (n if n > 0 else None)


def _robust_sd(x: np.ndarray) -> float:
    """Standard deviation from the median absolute deviation (robust to the tampered windows)."""
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def _absence_sd(W: np.ndarray, img: np.ndarray, K: np.ndarray, usable: np.ndarray, window: int) -> float:
    """Spread of the windowed correlation when the pattern is absent (H0 of Chen et al. 2008).

    The paper measures it by correlating with other cameras' fingerprints; here the camera's own
    fingerprint shifted by an odd, non-multiple-of-8 offset stands in for another camera (its
    pattern is then independent of the picture's, while the picture's content and noise are the
    same). Floor: ``1 / window``, the spread for white residuals.
    """
    h, w = K.shape
    other = np.roll(K, (2 * (h // 4) + 1, 2 * (w // 4) + 1), axis=(0, 1))
    rho0, _ = correlation_map(W, img * other * usable, window)
    return max(_robust_sd(rho0[::8, ::8]), 1.0 / window)


def _tampered_map(rho: np.ndarray, mu1: np.ndarray, sd0: float, sd1: float, config: PRNUConfig) -> np.ndarray:
    """Chen, Fridrich, Goljan, Lukáš 2008 (Sec. VI) two-threshold decision and map cleaning.

    A window is tampered when (1) its correlation is below the Neyman–Pearson threshold of the
    no-pattern distribution N(0, sd0^2) and (2) so low a correlation is unlikely (probability below
    ``false_alarm_rate``) under the predicted one N(mu1, sd1^2); then regions smaller than
    a quarter of the window, ``(window/2)^2`` pixels, are removed and the rest dilated by a ``dilation`` square.
    """
    below = rho < config.absent_quantile * sd0
    unlikely = ndtr((rho - mu1) / sd1) < config.false_alarm_rate
    cand = below & unlikely
    labels, n = ndimage.label(cand)
    if n:
        sizes = np.bincount(labels.ravel(), minlength=n + 1)
        keep = sizes >= (config.window // 2) ** 2
        keep[0] = False
        cand = keep[labels]
    if config.dilation > 1 and cand.any():
        kernel = np.ones((config.dilation, config.dilation), np.uint8)
        cand = cv2.dilate(cand.astype(np.uint8), kernel) > 0
    return cand


def _fingerprint_words(n_images: int | None) -> str:
    if n_images is None:
        return "the fingerprint file does not say how many pictures made it"
    return f"fingerprint from {n_images} picture{'s' if n_images != 1 else ''}"


@register(
    "prnu",
    config=PRNUConfig,
    description="PRNU sensor fingerprint (Lukáš 2006, Chen 2008): camera-match PCE and missing-pattern map",
    family="camera",
    default=False,
    how_to_read="Needs the camera's fingerprint. PCE above 60 means the picture comes from that camera; "
    "red areas are where its sensor pattern is missing although it is present elsewhere: pasted or painted content.",
    caveat="Only for images of the same size and orientation as the fingerprint (no search over crops, "
    "rotations or rescaling). Dark, saturated and strongly textured areas carry little pattern (low reliability).",
)
def prnu(evidence: Evidence, config: PRNUConfig) -> Trace:
    """Match the image against a camera fingerprint and localise where the pattern is missing."""
    if not config.fingerprint_path:
        return Trace.not_applicable("prnu", "no camera fingerprint given (analyze --camera cam.npz)")
    path = os.fspath(config.fingerprint_path)
    K, n_images = _cached_fingerprint(path, os.path.getmtime(path) if os.path.exists(path) else 0.0)
    shape = evidence.shape
    if K.shape != shape:
        kind = "orientation" if K.shape == shape[::-1] else "size"
        note = (
            f"camera match failed: fingerprint is {K.shape[1]}x{K.shape[0]}, image is {shape[1]}x{shape[0]} "
            f"({kind} mismatch; forgelens does not search crops, rotations or rescaling)"
        )
        t = Trace.not_applicable("prnu", note)
        t.findings.append(
            Finding("prnu_mismatch", note, 0.0, values={"fingerprint_shape": list(K.shape), "image_shape": list(shape)})
        )
        return t
    img = evidence.luminance
    W = noise_residual(img, config.sigma)
    usable = (img < config.saturation).astype(np.float32)
    X = img * K * usable
    Wu = W * usable
    value, peak_at = pce(Wu, X)
    matched = value >= config.pce_threshold
    vals = {"pce": value, "threshold": config.pce_threshold, "peak_shift": list(peak_at), "n_images": n_images}
    # a PCE below the threshold says the pattern was not found: another camera and processing both cause it
    findings = [
        Finding(
            "camera_match" if matched else "camera_mismatch",
            (f"PCE {value:.0f} ≥ {config.pce_threshold:.0f}: the image carries this camera's sensor pattern "
             f"({_fingerprint_words(n_images)})") if matched else
            (f"this camera's sensor pattern was not found (PCE {value:.0f} < {config.pce_threshold:.0f}; "
             f"{_fingerprint_words(n_images)})"),
            strength=float(np.clip(value / (10 * config.pce_threshold), 0, 1)) if matched else 0.5,
            values=vals,
        )
    ]
    if not matched:
        # no pattern anywhere: another camera, or processing that destroyed it; nothing to localise
        return Trace("prnu", None, None, None, findings, note=f"no camera match (PCE {value:.1f})")
    rho, pred = correlation_map(Wu, X, config.window)
    good = pred > np.percentile(pred, 25)
    a = float(np.median(rho[good] / pred[good]))  # scale of the predictor (fingerprint estimate noise)
    mu1 = np.maximum(a * pred, 0)  # predicted correlation if the pattern is present (H1)
    resid = (rho - mu1)[good]
    sd1 = max(_robust_sd(resid), 1.0 / config.window)  # predictor error (spread of rho under H1)
    sd0 = _absence_sd(Wu, img, K, usable, config.window)  # spread of rho without the pattern (H0)
    tampered = _tampered_map(rho, mu1, sd0, sd1, config)
    dprime = mu1 / sd1
    rel = np.clip(dprime / 3.0, 0, 1).astype(np.float32)
    # how unlikely so low a correlation is if the pattern were there; >= 0.5 exactly on the decided map
    unlikely = (1.0 - ndtr((rho - mu1) / sd1)).astype(np.float32)
    heat = np.where(tampered, np.maximum(unlikely, 0.5), np.minimum(unlikely, 0.49)).astype(np.float32)
    hot = tampered
    area = float(hot.mean())
    score = float(np.clip(area / (2 * config.min_area), 0, 1))
    if area >= config.min_area:
        ys, xs = np.nonzero(hot)
        inside = float(np.median(rho[hot]))
        outside = float(np.median(rho[~hot & (dprime > 2)])) if (~hot & (dprime > 2)).any() else float("nan")
        findings.append(
            Finding(
                "prnu_missing",
                f"sensor pattern missing over {area * 100:.1f}% of the image (windowed correlation "
                f"{inside:.3f} there vs {outside:.3f} elsewhere, noise {sd1:.3f})",
                strength=score,
                region=(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1),
                values={"corr_inside": inside, "corr_outside": outside, "corr_sd": sd1, "corr_sd_absent": sd0,
                        "threshold": config.absent_quantile * sd0, "area": area},
            )
        )
    note = f"PCE {value:.0f}; pattern missing over {area * 100:.2f}% (window {config.window})"
    return Trace("prnu", heat, rel, score, findings, note=note)
