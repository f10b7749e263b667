"""PRNU camera fingerprint: camera match (PCE) and localisation of missing sensor pattern.

Given a camera's fingerprint ``K`` (``forgelens camera fingerprint REFS... -o
cam.npz``), the image's noise residual ``W`` is compared with the pattern it
should carry, ``I K``: the PCE over the whole image says whether the image
came from that camera (Goljan et al. 2009 threshold 60), and a sliding-window
correlation says where the pattern is missing — there something was pasted
or painted (Chen, Fridrich, Goljan, Lukáš 2008).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

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
    """

    fingerprint_path: str = ""
    sigma: float = 5.0
    pce_threshold: float = 60.0
    window: int = 128
    min_area: float = 0.01
    saturation: float = 250.0


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
    mu1 = np.maximum(a * pred, 0)
    resid = (rho - mu1)[good]
    sd = float(1.4826 * np.median(np.abs(resid - np.median(resid))))
    sd = max(sd, 1.0 / config.window)
    l0 = -0.5 * (rho / sd) ** 2
    l1 = -0.5 * ((rho - mu1) / sd) ** 2
    post = expit(-np.clip(l1 - l0, -50, 50))  # P(pattern absent)
    dprime = mu1 / sd
    rel = np.clip(dprime / 3.0, 0, 1).astype(np.float32)
    heat = (post * np.clip(dprime / 2.0, 0, 1)).astype(np.float32)
    hot = (post > 0.5) & (dprime > 2)
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
                f"{inside:.3f} there vs {outside:.3f} elsewhere, noise {sd:.3f})",
                strength=score,
                region=(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1),
                values={"corr_inside": inside, "corr_outside": outside, "corr_sd": sd, "area": area},
            )
        )
    note = f"PCE {value:.0f}; pattern missing over {area * 100:.2f}% (window {config.window})"
    return Trace("prnu", heat, rel, score, findings, note=note)
