"""Generator up-sampling trace: a small residual CNN on NPR residuals, per 64 px patch (``gen_trace``).

Generators and latent-diffusion decoders build images by nearest ×2 up-sampling followed by
convolutions. Tan et al. (CVPR 2024) showed that the *neighbouring pixel relationships* this
leaves — an image minus the nearest-neighbour up-sampling of its 2× down-sampled copy —
generalise across generators better than what the picture shows. ``gen_trace`` feeds that
residual to a ~80 k-parameter residual CNN (``forgelens.learned.gen_model``, run on ONNX
Runtime) trained on
*aligned pairs* (Rajan et al., ICLR 2025): real photo crops — downscaled first, so that no
camera JPEG grid survives — and the same crops passed through the TAEF2 latent autoencoder,
with the same augmentation on both sides, plus Stable Diffusion 1.x/2.x crops. Every 64 px
patch is scored on its own; the image logit is the mean over textured patches, calibrated
(Platt) on held-out real photos; the threshold holds ≤ 3 % false alarms on each real source
it was set on (see the model card).

Parameters
----------
weights : str, default ""
    An ``.onnx`` file from ``forgelens train export`` (after ``forgelens train generated``);
    empty = the shipped ``learned/weights/gen_trace.onnx``.
max_patches : int, default 256
    At most this many textured patches are scored (a regular subsample beyond; about 1 MP),
    so a 12 MP photo costs about as much as a 1 MP one.
min_level : float, default 1.0
    Patches whose mean absolute horizontal luma difference is below this are flat: not scored.
inconclusive_band : float, default 0.15
    Probabilities within this distance below the threshold are reported as inconclusive.
threads : int, default 1
    ONNX Runtime intra-op threads (0 = its default). 1 by default: the analysis already
    runs detectors side by side on the cores.

Returns
-------
Trace
    ``heatmap``: per-patch P(generator trace) at full resolution; ``reliability``: 1 on
    scored patches, 0 on flat, unscored and border pixels; ``score``: calibrated
    P(generated) of the image.

Notes
-----
Assumes the image is near its native resolution. Resizing, heavy JPEG, screenshots and
upscaling erase or imitate the trace; a real photo re-rendered by an AI autoencoder
(laundered) carries a real decoder trace and scores high — it is real content, AI-re-rendered.
Trained on SD 1.x/2.x and TAEF2 only: other generator families are what the benchmark
(``benchmarks/accuracy/accuracy_generation.py``) measures.

References
----------
.. [1] C. Tan et al., "Rethinking the Up-Sampling Operations in CNN-based Generative
       Network for Generalizable Deepfake Detection", CVPR 2024.
.. [2] A. Rajan et al., "Aligned Datasets Improve Detection of Latent Diffusion-Generated
       Images", ICLR 2025.

Examples
--------
>>> from forgelens.detectors import registry
>>> trace = registry.run("gen_trace", evidence)  # evidence = forgelens.evidence.load("photo.png")
>>> 0.0 <= trace.score <= 1.0
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from forgelens.detectors._generation_common import (
    patch_reliability,
    strongest_patch_finding,
    verdict_finding,
)
from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.maps import native_grid
from forgelens.trace import Trace


@dataclass(frozen=True)
class GenTraceConfig:
    weights: str = ""
    max_patches: int = 256
    min_level: float = 1.0
    inconclusive_band: float = 0.15
    threads: int = 1


def score_rgb(rgb: np.ndarray, config: GenTraceConfig = GenTraceConfig()) -> dict:
    """Patch logits, reliable mask, image logit and P for a uint8 RGB array (shared with benchmarks)."""
    from forgelens.learned import gen_model

    model, meta = gen_model.load(config.weights or None, threads=config.threads)
    patch = int(meta.get("patch", gen_model.PATCH))
    z, ok = gen_model.patch_logits(model, rgb, patch=patch, max_patches=config.max_patches,
                                   min_level=config.min_level)
    a, b = float(meta.get("platt_a", 1.0)), float(meta.get("platt_b", 0.0))
    scored = np.isfinite(z)
    zi = float(np.mean(z[scored])) if scored.any() else float("nan")
    p = float(expit(a * zi + b)) if scored.any() else float("nan")
    pz = np.where(scored, expit(a * np.nan_to_num(z) + b), 0.0).astype(np.float32)
    return {"z": z, "scored": scored, "reliable": ok, "logit": zi, "p": p, "patch_p": pz, "patch": patch,
            "threshold": float(meta.get("threshold", 0.5)), "meta": meta}


@register(
    "gen_trace",
    config=GenTraceConfig,
    family="generation",
    calibrated=True,  # Platt-scaled on held-out real photos; per-source threshold (model card)
    default=True,  # ≤ 0.05 s per MP; false positives in benchmarks/RESULTS-generation.md
    description="Generator up-sampling trace: residual CNN on NPR residuals, trained on TAEF2-aligned pairs",
    how_to_read="Bright patches carry the pixel pattern a generator's or an AI autoencoder's up-sampler "
    "leaves. The score is a calibrated probability for the whole image.",
    caveat="Needs the image near native resolution: resizing, heavy JPEG, screenshots and upscaling erase "
    "or imitate the trace. Also fires on real photos re-rendered by an AI autoencoder (laundered), which "
    "still show a real scene.",
)
def gen_trace(evidence: Evidence, config: GenTraceConfig) -> Trace:
    from forgelens.learned import gen_model

    px = np.asarray(evidence.pixels)
    h, w = px.shape[:2]
    if min(h, w) < gen_model.PATCH:
        return Trace.not_applicable("gen_trace", f"image {w}×{h} smaller than one {gen_model.PATCH} px patch")
    try:
        gen_model.load(config.weights or None, threads=config.threads)
    except Exception as exc:  # missing, truncated or foreign model file: not applicable, with the reason
        return Trace.not_applicable("gen_trace", str(exc))
    r = score_rgb(px, config)
    if not r["scored"].any():
        return Trace.not_applicable("gen_trace", "every patch is flat: nothing to measure")
    patch, p, thr = r["patch"], r["p"], r["threshold"]
    heat = native_grid(r["patch_p"], (h, w), patch)[0]  # one cell per patch: the Trace keeps this grid
    rel = patch_reliability(r["scored"], (h, w), patch)
    heat *= rel
    share = float(np.mean(r["patch_p"][r["scored"]] >= thr))
    findings = [verdict_finding("Up-sampling trace", p, thr, config.inconclusive_band,
                                {"logit": round(r["logit"], 4), "patches_scored": int(r["scored"].sum()),
                                 "patches_flat": int((~r["reliable"]).sum()),
                                 "share_patches_above_threshold": round(share, 4)})]
    if p >= thr:
        findings.append(strongest_patch_finding(r["patch_p"], r["z"], r["scored"], patch))
    return Trace("gen_trace", heatmap=heat, reliability=rel, score=p, findings=findings, block=patch)
