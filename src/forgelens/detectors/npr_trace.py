"""Low-level up-sampling trace of generators (NPR-style patch probe).

Generators build images by up-sampling (nearest ×2 then convolutions, three times in a
latent diffusion decoder; transposed convolutions in many GANs). Tan et al. (CVPR 2024)
showed that the *neighbouring pixel relationships* this leaves — an image minus the
nearest-neighbour up-sampling of its 2× down-sampled copy — generalise across generators
better than semantic cues. Here that relationship is measured per 128×128 patch without a
network (``forgelens.learned.npr_features``: phase profiles of first and second pixel
differences modulo 8, their DFT magnitudes at periods 8, 4, 2 — period 2 being exactly
NPR's within-block vs across-block contrast) and a logistic probe trained with aligned
pairs (camera crops and their TAEF2 autoencoder reconstructions, Rajan et al. ICLR 2025)
and identical augmentation for both classes (resize 0.5–1.5, JPEG 65–100).

Parameters
----------
probe_path : str, default ""
    JSON probe; empty = the shipped ``learned/weights/npr_probe.json``.
patch : int, default 128
    Patch side in pixels (multiple of 8; must match the probe).
min_level : float, default 1.0
    Patches whose mean absolute luma difference is below this are flat: unreliable, unused.
max_patches : int, default 2048
    For huge images, at most this many patches (a regular subsample) enter the score.
inconclusive_band : float, default 0.15
    Probabilities within this distance of the threshold are reported as inconclusive.

Returns
-------
Trace
    ``heatmap``: per-patch P(generator up-sampling trace) at full resolution;
    ``reliability``: 0 on flat patches and uncovered borders; ``score``: calibrated P
    from the mean patch logit.

Notes
-----
Assumes the image is at (or near) its native resolution: any resampling, strong JPEG or
screenshotting overwrites the up-sampling pattern (generated images that were resized
then re-saved, as in ``aigen-playground``, are not caught). It also fires on real photos
that went through an AI autoencoder (laundering): that is a real decoder trace, not proof
that the scene never existed. Demosaicing and JPEG grids are periodic too; the probe was
trained with both classes JPEG-compressed so that the JPEG grid alone does not decide.

References
----------
.. [1] C. Tan et al., "Rethinking the Up-Sampling Operations in CNN-based Generative
       Network for Generalizable Deepfake Detection", CVPR 2024.
.. [2] A. Rajan et al., "Aligned Datasets Improve Detection of Latent Diffusion-Generated
       Images", ICLR 2025.

Examples
--------
>>> from forgelens.detectors import registry
>>> trace = registry.run("npr_trace", evidence)  # evidence = forgelens.evidence.load("photo.png")
>>> 0.0 <= trace.score <= 1.0
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from forgelens.detectors._generation_common import (
    patch_reliability,
    strongest_patch_finding,
    verdict_finding,
)
from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.learned.npr_features import patch_features
from forgelens.maps import native_grid
from forgelens.trace import Trace

_WEIGHTS = Path(__file__).resolve().parents[1] / "learned" / "weights" / "npr_probe.json"


@dataclass(frozen=True)
class NprTraceConfig:
    probe_path: str = ""
    patch: int = 128
    min_level: float = 1.0
    max_patches: int = 2048
    inconclusive_band: float = 0.15


@lru_cache(maxsize=4)
def _probe(path: str):
    from forgelens.learned.probe import LinearProbe

    return LinearProbe.load(Path(path))


@register(
    "npr_trace",
    config=NprTraceConfig,
    family="generation",
    default=False,  # experimental: see benchmarks/accuracy/accuracy_generation.py
    description="NPR-style up-sampling trace: patch probe on periodic pixel-difference statistics",
    how_to_read="Bright patches carry the periodic pixel pattern of a generator's (or an AI "
    "autoencoder's) up-sampler. The score is a calibrated probability for the whole image.",
    caveat="Needs the image near native resolution: resizing, heavy JPEG, screenshots erase the trace. "
    "Also fires on real photos re-rendered by an AI autoencoder (laundered), which still show a real scene.",
)
def npr_trace(evidence: Evidence, config: NprTraceConfig) -> Trace:
    path = config.probe_path or str(_WEIGHTS)
    if not Path(path).is_file():
        return Trace.not_applicable("npr_trace", f"probe weights {path} absent (forgelens train generated)")
    probe = _probe(path)
    if int(probe.meta.get("patch", config.patch)) != config.patch:
        return Trace.not_applicable("npr_trace", f"probe was trained on {probe.meta.get('patch')} px patches")
    px = np.asarray(evidence.pixels)
    h, w = px.shape[:2]
    if min(h, w) < config.patch + 2:
        return Trace.not_applicable("npr_trace", f"image {w}×{h} smaller than one {config.patch}px patch")
    feats, level = patch_features(px, config.patch)
    ok = level >= config.min_level
    if not ok.any():
        return Trace.not_applicable("npr_trace", "every patch is flat: nothing to measure")
    z = probe.logit(feats.reshape(-1, feats.shape[-1])).reshape(level.shape)
    zs = z[ok]
    if zs.size > config.max_patches:
        zs = zs[np.linspace(0, zs.size - 1, config.max_patches).astype(int)]
    zi = float(zs.mean())
    p = float(probe.prob(zi))
    patch_p = np.where(ok, probe.prob(z), 0.0).astype(np.float32)
    heat = native_grid(patch_p, (h, w), config.patch)[0]  # one cell per patch: the Trace keeps this grid
    rel = patch_reliability(ok, (h, w), config.patch)
    findings = [verdict_finding("Up-sampling trace", p, probe.threshold, config.inconclusive_band,
                                {"logit": round(zi, 4), "patches": int(ok.sum()),
                                 "share_patches_above_threshold": round(float(np.mean(probe.prob(z[ok]) >= probe.threshold)), 4)})]
    if p >= probe.threshold:
        findings.append(strongest_patch_finding(patch_p, z, ok, config.patch))
    return Trace("npr_trace", heatmap=heat, reliability=rel, score=p, findings=findings, block=config.patch)
