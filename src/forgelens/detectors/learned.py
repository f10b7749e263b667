"""Learned localizer: forensic filters fused early into an EfficientNet-Lite0 encoder (MMFusion / TruFor spirit)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.trace import Finding, Trace

_NAME = "learned_localizer"


@dataclass(frozen=True)
class LearnedLocalizerConfig:
    """Configuration of ``learned_localizer``.

    Parameters
    ----------
    weights_path : str
        A local weights file (``forgelens train export`` output or a training
        checkpoint ``last.pt``); empty = the weights shipped in the package.
    tile : int
        Tile side in pixels (a multiple of 32). The image is analysed at its
        native resolution, tile by tile; smaller images are padded, not resized.
    overlap : int
        Overlap of neighbouring tiles (a multiple of 8, so every tile keeps
        the image's 8x8 JPEG grid phase); maps are blended with a linear ramp.
    threads : int
        torch CPU threads (0 = torch's default). 1 by default: on a loaded
        2-core machine extra threads spin-wait and run several times slower.
    threshold : float
        Probability above which a region is reported as a finding.
    """

    weights_path: str = ""
    tile: int = 512
    overlap: int = 64
    threads: int = 1
    threshold: float = 0.5


def _starts(n: int, tile: int, stride: int) -> list[int]:
    if n <= tile:
        return [0]
    s = list(range(0, n - tile, stride))
    s.append(n - tile)
    return s


def _ramp(n: int, overlap: int) -> np.ndarray:
    """1-D blending weights: linear ramp over ``overlap`` px at both ends, floor 1e-3."""
    if overlap <= 0:
        return np.ones(n, np.float32)
    i = np.arange(n, dtype=np.float32)
    r = np.minimum(i + 1, n - i) / float(overlap)
    return np.clip(r, 1e-3, 1.0).astype(np.float32)


def localize(model, rgb: np.ndarray, tile: int = 512, overlap: int = 64) -> tuple[np.ndarray, np.ndarray, float]:
    """Run the localizer on a full-resolution RGB image, tiled with blended overlaps.

    Parameters
    ----------
    model : FilterFusionNet
        In eval mode (see ``forgelens.learned.weights.load_localizer``).
    rgb : ndarray
        uint8 (H, W, 3).
    tile, overlap : int
        Tile side (multiple of 32) and overlap (multiple of 8).

    Returns
    -------
    prob, conf : ndarray
        float32 (H, W) manipulation probability and confidence in [0, 1].
    score : float
        Image-level probability from the detection head (on the full maps).
    """
    import torch
    from torch.nn import functional as F

    from forgelens.learned.model import STRIDE

    if tile % STRIDE or overlap % 8 or overlap >= tile:
        raise ValueError(f"tile must be a multiple of {STRIDE} and overlap a multiple of 8 below it")
    h, w = rgb.shape[:2]
    th, tw = min(tile, -(-h // STRIDE) * STRIDE), min(tile, -(-w // STRIDE) * STRIDE)
    prob = np.zeros((h, w), np.float32)
    conf = np.zeros((h, w), np.float32)
    wsum = np.zeros((h, w), np.float32)
    with torch.inference_mode():
        for y0 in _starts(h, th, th - overlap):
            for x0 in _starts(w, tw, tw - overlap):
                patch = rgb[y0:y0 + th, x0:x0 + tw]
                ph, pw = patch.shape[:2]
                x = torch.from_numpy(np.array(patch, dtype=np.float32)).permute(2, 0, 1)[None]
                if ph < th or pw < tw:  # only when the whole image is smaller than a tile
                    mode = "reflect" if (th - ph < ph and tw - pw < pw) else "replicate"
                    x = F.pad(x, (0, tw - pw, 0, th - ph), mode=mode)
                loc, cf = model(x)
                p = torch.sigmoid(loc)[0, 0, :ph, :pw].numpy()
                c = torch.sigmoid(cf)[0, 0, :ph, :pw].numpy()
                wy = _ramp(ph, overlap if h > th else 0)
                wx = _ramp(pw, overlap if w > tw else 0)
                wt = wy[:, None] * wx[None, :]
                prob[y0:y0 + ph, x0:x0 + pw] += p * wt
                conf[y0:y0 + ph, x0:x0 + pw] += c * wt
                wsum[y0:y0 + ph, x0:x0 + pw] += wt
        prob /= wsum
        conf /= wsum
        logit = model.detect(torch.from_numpy(prob)[None, None], torch.from_numpy(conf)[None, None])
        score = float(torch.sigmoid(logit)[0])
    return prob, conf, score


@register(
    _NAME,
    config=LearnedLocalizerConfig,
    family="learned",
    # In the default analysis for its map (best pixel AUC on 5 of 6 held-out sets, issue 10 note);
    # fusion uses the map only, not the image score (see FusionConfig.map_only).
    default=True,
    description="Learned localizer: SRM + Bayar + learned noise residual fused with RGB into an "
    "ImageNet-pretrained EfficientNet-Lite0 (MMFusion-style early fusion, TruFor-style confidence "
    "and detection heads), trained here on forgelens synth forgeries",
    how_to_read="Bright = the network's probability that the pixel was spliced, copied, removed or "
    "locally edited. The reliability map is its own confidence (TruFor's idea): dark where it "
    "expects its map to be wrong. The score is its detection head on the two maps.",
    caveat="Trained on one CPU thread (28 + 51 min) on 2 200 synthetic forgeries from ~120 photos, 383 NIST16 "
    "probes and pasted foreign regions: it learned synth artefacts as much as real edits, lights up "
    "smooth, heavily denoised phone photos more than it should, and its image score is weak on real data "
    "(use the map). See forgelens/learned/weights/MODEL_CARD.md for measured accuracy and failure modes.",
)
def learned_localizer(evidence: Evidence, config: LearnedLocalizerConfig) -> Trace:
    """Tiled full-resolution inference of the shipped (or a user's) filter-fusion localizer.

    Parameters
    ----------
    evidence : Evidence
        The image; its stored RGB pixels are analysed at native resolution.
    config : LearnedLocalizerConfig

    Returns
    -------
    Trace
        ``heatmap`` = manipulation probability, ``reliability`` = confidence
        map, ``score`` = detection-head probability; not applicable (with the
        reason) when torch is absent.

    Notes
    -----
    Assumes the forgery left traces in the high-frequency residuals (SRM,
    Bayar, learned) or in content that the training forgeries resemble.

    References
    ----------
    .. [1] K. Triaridis and V. Mezaris, "Exploring Multi-Modal Fusion for
           Image Manipulation Detection and Localization", MMM 2024.
    .. [2] F. Guillaro, D. Cozzolino, A. Sud, N. Dufour and L. Verdoliva,
           "TruFor: Leveraging All-Round Clues for Trustworthy Image
           Manipulation Detection and Localization", CVPR 2023.
    """
    from forgelens.learned.weights import load_localizer, torch_available

    ok, why = torch_available()
    if not ok:
        return Trace.not_applicable(_NAME, why)
    import torch

    model = load_localizer(config.weights_path or None)
    old = torch.get_num_threads()
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    try:
        prob, conf, score = localize(model, np.asarray(evidence.pixels), config.tile, config.overlap)
    finally:
        torch.set_num_threads(old)
    findings = []
    lab, n = ndimage.label(prob >= config.threshold)
    if n:
        sizes = ndimage.sum_labels(np.ones_like(prob), lab, index=np.arange(1, n + 1))
        k = int(np.argmax(sizes)) + 1
        ys, xs = np.nonzero(lab == k)
        region = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
        inside = prob[lab == k]
        findings.append(Finding(
            "learned_region",
            f"the learned localizer marks a {sizes[k - 1] / prob.size:.1%} region "
            f"(mean probability {inside.mean():.2f}, confidence {conf[lab == k].mean():.2f})",
            strength=float(inside.mean()),
            region=region,
            values={"area_fraction": float(sizes[k - 1] / prob.size), "mean_probability": float(inside.mean()),
                    "mean_confidence": float(conf[lab == k].mean()), "regions": int(n),
                    "image_score": score},
        ))
    note = f"tiles {config.tile}px, overlap {config.overlap}px, {os.path.basename(config.weights_path) or 'shipped weights'}"
    return Trace(_NAME, heatmap=prob, reliability=conf, score=score, findings=findings, note=note)
