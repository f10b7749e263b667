"""Learned localizer: forensic filters fused early into an EfficientNet-Lite0 encoder (MMFusion / TruFor spirit)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.learned.localizer import localize
from forgelens.trace import Finding, Trace

__all__ = ["LearnedLocalizerConfig", "learned_localizer", "localize"]

_NAME = "learned_localizer"


@dataclass(frozen=True)
class LearnedLocalizerConfig:
    """Configuration of ``learned_localizer``.

    Parameters
    ----------
    weights_path : str
        A local ``.onnx`` file written by ``forgelens train export`` (from a
        training checkpoint or torch weights); empty = the model shipped in the package.
    tile : int
        Largest tile side in pixels (a multiple of 32). The image is analysed at
        its native resolution (see ``max_pixels``), tile by tile; smaller images
        are padded, not resized.
    overlap : int
        Least overlap of neighbouring tiles (a multiple of 8, so every tile keeps
        the image's 8x8 JPEG grid phase); maps are blended with a linear ramp.
    even_tiles : bool
        Spread the fewest tiles evenly, each cut to what covers the picture
        (``localizer._even_layout``): at 6 MP 1.43× the picture is computed
        instead of 1.52× with ``tile``-px tiles and the last one flush with the
        edge (False, the default). Off by default: the detection model
        (``fusion/detection.json``) was fitted on maps of the flush layout, and
        with even tiles its exact-mask AUC on synth hosts no model saw fell
        0.902 → 0.859 (n 17/18; docs/notes/issue-14.md, session 5) for ~5 %
        less wall time at 6 MP. Turn on after refitting that model on even tiles.
    max_pixels : int
        Working resolution for large pictures: a picture of more pixels is
        analysed area-averaged over k×k blocks (OpenCV ``INTER_AREA``, the
        smallest integer k that brings it to at most this many pixels,
        ``localizer.working_factor``) and its maps are kept on that k-pixel
        grid (read at the picture's size through ``Trace.pixels``, like any
        block map). 0 = always native. Pictures at or below the limit (and at
        or below ``resize_above``) are analysed exactly as before
        (byte-identical maps). Default 1 000 000 above 2 000 000 (candidate
        "R1" of docs/notes/issue-16.md, session 8, chosen by a rule declared
        before measuring): the network was trained on ≤ 1 MP crops; at 6–24
        MP it costs 0.04–0.11 instead of 0.67–0.69 CPU s/MP (the whole
        analysis 1.2–1.3 instead of 1.8–2.0), and on 149 pictures above 2 MP
        it drew better maps of 36 full-size forgeries (fused mask F1 0.522 →
        0.550, fused pixel AUC 0.885 → 0.931, its own map 0.690 → 0.850),
        image AUC 0.872 → 0.884, 21 instead of 14 of 36 called, as many false
        alarms (1 of 107 authentic pictures) — but 15 more of those 107 read
        "inconclusive" instead of "authentic" (the detection model was fitted
        on native-resolution maps).
    resize_above : int
        Only pictures of more pixels than this (and than ``max_pixels``) are
        brought to ``max_pixels``; 0 = every picture above ``max_pixels``.
        Default 2 000 000: pictures up to 2 MP — every training and most
        benchmark pictures — are untouched.
    threads : int
        ONNX Runtime intra-op threads (0 = its default). 1 by default: the
        analysis already runs detectors side by side on the cores.
    threshold : float
        Probability above which a region is reported as a finding.
    """

    weights_path: str = ""
    tile: int = 512
    overlap: int = 64
    even_tiles: bool = False
    max_pixels: int = 1_000_000
    resize_above: int = 2_000_000
    threads: int = 1
    threshold: float = 0.5


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
        The image; its stored RGB pixels are analysed at native resolution up to
        ``config.resize_above`` pixels, above that area-averaged to at most
        ``config.max_pixels`` (maps on the matching k-pixel grid).
    config : LearnedLocalizerConfig

    Returns
    -------
    Trace
        ``heatmap`` = manipulation probability, ``reliability`` = confidence
        map, ``score`` = detection-head probability. Runs the exported ONNX
        graph on ONNX Runtime (no torch).

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
    from forgelens.learned import localizer

    net = localizer.load(config.weights_path or None, threads=config.threads)
    rgb = np.asarray(evidence.pixels)
    h, w = rgb.shape[:2]
    k = localizer.working_factor((h, w), config.max_pixels, config.resize_above)
    if k > 1:
        rgb = localizer.downscale(rgb, k)
    prob, conf, score = localize(net, rgb, config.tile, config.overlap, config.even_tiles)
    findings = []
    lab, n = ndimage.label(prob >= config.threshold)
    if n:
        # counts and the largest region's box, without full-resolution temporaries (24 MP: ~0.5 GB less)
        sizes = np.bincount(lab.ravel(), minlength=n + 1)[1:]
        big = int(np.argmax(sizes)) + 1
        box = ndimage.find_objects(lab, max_label=big)[big - 1]
        member = lab[box] == big
        region = (box[1].start * k, box[0].start * k, min(box[1].stop * k, w), min(box[0].stop * k, h))
        inside, inside_conf = prob[box][member], conf[box][member]
        del lab, member
        findings.append(Finding(
            "learned_region",
            f"the learned localizer marks a {sizes[big - 1] / prob.size:.1%} region "
            f"(mean probability {inside.mean():.2f}, confidence {inside_conf.mean():.2f})",
            strength=float(inside.mean()),
            region=region,
            values={"area_fraction": float(sizes[big - 1] / prob.size), "mean_probability": float(inside.mean()),
                    "mean_confidence": float(inside_conf.mean()), "regions": int(n),
                    "image_score": score},
        ))
    layout = "spread evenly" if config.even_tiles else "flush with the edge"
    scale = f"; analysed at 1/{k} scale ({rgb.shape[1]}×{rgb.shape[0]} px)" if k > 1 else ""
    note = (f"tiles ≤ {config.tile}px {layout}, overlap {config.overlap}px, "
            f"{os.path.basename(config.weights_path) or 'shipped model'}{scale}")
    return Trace(_NAME, heatmap=prob, reliability=conf, score=score, findings=findings, note=note, block=k)
