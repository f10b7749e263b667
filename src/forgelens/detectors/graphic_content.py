"""Designed graphic or photograph? A content gate for the detectors trained on photographs.

Method
------
Photographs and designed graphics (logos, banners, posters, charts, slides, screenshots)
differ in colour statistics and in noise, which the web-image literature measures directly:

- Athitsos, Swain & Frankel (1997), "Distinguishing photographs and graphics on the World
  Wide Web" (IEEE CAIVL): number of distinct colours, the prevalent colour's share, the
  *farthest-neighbour* metric (for each pixel the largest colour distance to its neighbours:
  graphics have many pixels at distance 0 and abrupt jumps, photographs gradual change),
  saturation, and the dimension ratio.
- Lienhart & Hartmann (2002), "Classifying images on the web automatically" (J. Electronic
  Imaging 11(4)): the same colour features plus the share of sharp edges among all edges
  (graphics: text and flat shapes).
- Noise, JPEG-aware: a camera puts sensor noise everywhere, a graphic has large areas of one
  exact colour. JPEG flattens smooth photo areas too (an 8×8 block whose AC coefficients all
  quantise to zero decodes flat), so flatness is read on the JPEG's own blocks: a block is
  *flat* when all its luma AC coefficients are zero (pixels: constant), and it sits on a
  *plateau* when its four neighbours are flat with the same DC — a photo's smooth sky steps
  its DC every few blocks, a graphic's background does not. The luma quantisation step is a
  feature too, so the model knows how much flattening the compression alone explains.

The features feed a logistic model (standardise → logistic → Platt), ``graphic_content.json``
in ``learned/weights`` fitted by ``python -m forgelens.training.graphic_content`` on rendered
and found graphics vs photographs (never on the camera sets used for evaluation). The score is
P(designed graphic); at or above the shipped threshold fusion stops the generation detectors
(trained on photographs) from deciding "generated" (see ``forgelens.fusion``).

Notes
-----
Assumes the picture is either a photograph or a designed graphic. A photograph with a small
caption stays a photograph; a poster built around a photograph is a graphic. Colour features
are read on a nearest-neighbour subsample (exact colours kept; ≤ ``max_samples`` points),
so the cost is a few milliseconds whatever the size.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import ndimage

from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.trace import Finding, Trace

MODEL_PATH = Path(__file__).resolve().parent.parent / "learned" / "weights" / "graphic_content.json"

#: Feature names, in the order of the model file.
FEATURES = (
    "colours_log", "top_colour", "top10_colours", "fn_zero", "fn_flat", "fn_sharp", "sharp_ratio",
    "saturation_mean", "saturation_high", "aspect_log", "flat_blocks", "plateau_blocks",
    "largest_plateau", "luma_step", "text_blocks", "text_blocks_coarse",
)
#: Features that are not shares in [0, 1] (entered as they are; the shares enter as logits).
_NOT_SHARES = ("colours_log", "aspect_log", "luma_step")
_SHARE_EPS = 1e-3


@dataclass(frozen=True)
class GraphicContentConfig:
    #: Points sampled (nearest neighbour, exact colours) for the colour and neighbour features.
    max_samples: int = 100_000
    #: Farthest-neighbour distance (sum of |ΔR|+|ΔG|+|ΔB|) at or below which a pixel is "flat".
    flat_distance: int = 3
    #: ... and at or above which it is a sharp edge (Athitsos et al. 1997 use a high cut).
    sharp_distance: int = 150
    #: Luma step between neighbouring pixels that counts as a stroke edge (text, line art).
    stroke_step: float = 64.0
    #: Stroke edges per 8×8 block (horizontal neighbours) from which a block reads as text or line art.
    stroke_edges: int = 6
    #: Saturation (max − min) / max at or above which a pixel counts as highly saturated.
    high_saturation: float = 0.7
    #: P(graphic) at or above which the picture is called a designed graphic; None: the model's.
    threshold: float | None = None


def _sample_grid(h: int, w: int, max_samples: int) -> tuple[np.ndarray, np.ndarray]:
    stride = max(1, int(np.ceil(np.sqrt(h * w / max_samples))))
    return np.arange(0, h - 1, stride), np.arange(0, w - 1, stride)


def colour_features(px: np.ndarray, cfg: GraphicContentConfig = GraphicContentConfig()) -> dict[str, float]:
    """Athitsos et al. / Lienhart & Hartmann colour and neighbour features of an RGB uint8 array."""
    h, w = px.shape[:2]
    if h < 2 or w < 2:
        raise ValueError("picture too small for colour features")
    ys, xs = _sample_grid(h, w, cfg.max_samples)
    yy, xx = ys[:, None], xs[None, :]
    # one channel plane at a time: reductions over a last axis of 3 are slow in NumPy
    here = [px[yy, xx, c].astype(np.int16) for c in range(3)]
    d_right = sum(np.abs(here[c] - px[yy, xx + 1, c]) for c in range(3))
    d_below = sum(np.abs(here[c] - px[yy + 1, xx, c]) for c in range(3))
    n = here[0].size
    # farthest neighbour: the larger of the right and lower neighbours' L1 colour distance
    fn = np.maximum(d_right, d_below)
    fn_flat = float((fn <= cfg.flat_distance).mean())
    fn_sharp = float((fn >= cfg.sharp_distance).mean())
    r, g, b = (ch.ravel().astype(np.int32) for ch in here)
    n_colours = len(np.unique((r << 16) | (g << 8) | b))
    coarse = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)
    counts = np.sort(np.bincount(coarse, minlength=1 << 15))[::-1]
    mx = np.maximum(np.maximum(here[0], here[1]), here[2]).astype(np.float32)
    mn = np.minimum(np.minimum(here[0], here[1]), here[2]).astype(np.float32)
    sat = np.where(mx > 0, (mx - mn) / np.maximum(mx, 1.0), 0.0)
    return {
        "colours_log": float(np.log(n_colours) / np.log(max(n, 2))),
        "top_colour": float(counts[0] / n),
        "top10_colours": float(counts[:10].sum() / n),
        "fn_zero": float((fn == 0).mean()),
        "fn_flat": fn_flat,
        "fn_sharp": fn_sharp,
        "sharp_ratio": float(fn_sharp / max(1.0 - fn_flat, 1e-3)),
        "saturation_mean": float(sat.mean()),
        "saturation_high": float(((sat >= cfg.high_saturation) & (mx >= 64)).mean()),
        "aspect_log": float(abs(np.log(w / h))),
    }


def _plateaus(flat: np.ndarray, level: np.ndarray) -> tuple[float, float]:
    """(share of blocks on a plateau, largest one-level flat region's share) of a block grid."""
    n = flat.size
    same = np.zeros_like(flat)
    if flat.shape[0] >= 3 and flat.shape[1] >= 3:
        c = flat[1:-1, 1:-1]
        lv = level[1:-1, 1:-1]
        inner = c.copy()
        for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            nb = (slice(1 + dy, flat.shape[0] - 1 + dy), slice(1 + dx, flat.shape[1] - 1 + dx))
            inner &= flat[nb] & (level[nb] == lv)
        same[1:-1, 1:-1] = inner
    largest = 0
    if flat.any():
        values, counts = np.unique(level[flat], return_counts=True)
        for v in values[np.argsort(counts)[::-1][:4]]:  # the four commonest flat levels
            labels, k = ndimage.label(flat & (level == v))
            if k:
                largest = max(largest, int(np.bincount(labels.ravel())[1:].max()))
    return float(same.sum() / n), float(largest / n)


def text_blocks(lum: np.ndarray, cfg: GraphicContentConfig = GraphicContentConfig()) -> float:
    """Share of 8×8 blocks that read as text or line art: several strong luma steps between
    horizontal neighbours *and* flat pixels beside them (strokes on a flat ground; Lienhart &
    Hartmann's sharp-edge cue). Every second block row is read (the share does not need all)."""
    h8, w8 = (lum.shape[0] // 8) * 8, (lum.shape[1] // 8) * 8
    if h8 < 8 or w8 < 16:
        return 0.0
    rows = lum[:h8].reshape(h8 // 8, 8, lum.shape[1])[::2, :, :w8]
    d = np.abs(np.diff(rows, axis=2))
    d = np.concatenate([d, d[:, :, -1:]], axis=2).reshape(rows.shape[0], 8, w8 // 8, 8)
    strokes = (d >= cfg.stroke_step).sum(axis=(1, 3))
    flat = (d <= 2.0).sum(axis=(1, 3))
    return float(((strokes >= cfg.stroke_edges) & (flat >= 16)).mean())


def coarse_text_blocks(lum: np.ndarray, cfg: GraphicContentConfig = GraphicContentConfig()) -> float:
    """``text_blocks`` of the luma averaged over 4×4 pixels: large lettering (a poster's title)
    has strokes too thick for the full-resolution reading."""
    h4, w4 = (lum.shape[0] // 4) * 4, (lum.shape[1] // 4) * 4
    if h4 < 32 or w4 < 64:
        return 0.0
    small = lum[:h4, :w4].reshape(h4 // 4, 4, w4 // 4, 4).mean(axis=(1, 3))
    return text_blocks(small, cfg)


def block_features(evidence: Evidence) -> dict[str, float]:
    """JPEG-aware flatness: flat 8×8 luma blocks, plateaus of equal flat blocks, the luma step."""
    jpeg = evidence.jpeg
    if jpeg is not None and jpeg.coefficients and jpeg.coefficients[0].ndim == 4:
        y = jpeg.coefficients[0]
        br, bc = y.shape[:2]
        coef = y.reshape(br, bc, 64)
        flat = ~np.any(coef[:, :, 1:], axis=2)
        level = coef[:, :, 0].astype(np.int32)
        q = np.asarray(jpeg.qtables[0], np.float32).reshape(8, 8)
        step = float(q[:3, :3].mean())  # low-frequency luma step: what the coder erased
    else:
        lum = np.asarray(evidence.luminance)
        h8, w8 = (lum.shape[0] // 8) * 8, (lum.shape[1] // 8) * 8
        if h8 == 0 or w8 == 0:
            return {"flat_blocks": 0.0, "plateau_blocks": 0.0, "largest_plateau": 0.0, "luma_step": 0.0}
        blocks = lum[:h8, :w8].reshape(h8 // 8, 8, w8 // 8, 8)
        lo, hi = blocks.min(axis=(1, 3)), blocks.max(axis=(1, 3))
        flat = (hi - lo) <= 1.0
        level = np.round((hi + lo) / 2).astype(np.int32)
        step = 0.0
    plateau, largest = _plateaus(flat, level)
    return {"flat_blocks": float(flat.mean()), "plateau_blocks": plateau, "largest_plateau": largest,
            "luma_step": step}


def graphic_features(evidence: Evidence, cfg: GraphicContentConfig = GraphicContentConfig()) -> dict[str, float]:
    """Every feature of ``FEATURES`` for one picture."""
    lum = np.asarray(evidence.luminance)
    feats = {**colour_features(np.asarray(evidence.pixels), cfg), **block_features(evidence),
             "text_blocks": text_blocks(lum, cfg), "text_blocks_coarse": coarse_text_blocks(lum, cfg)}
    return {k: feats[k] for k in FEATURES}


def design_row(feats: dict[str, float]) -> np.ndarray:
    """The model's input row: shares as logits (they separate near 0 and 1), the rest as they are."""
    row = []
    for k in FEATURES:
        v = float(feats[k])
        if k not in _NOT_SHARES:
            v = min(max(v, _SHARE_EPS), 1 - _SHARE_EPS)
            v = float(np.log(v / (1 - v)))
        row.append(v)
    return np.asarray(row, np.float32)


@lru_cache(maxsize=1)
def _model():
    from forgelens.learned.probe import LinearProbe

    return LinearProbe.load(MODEL_PATH) if MODEL_PATH.is_file() else None


def probability(feats: dict[str, float]) -> float:
    """P(designed graphic) of one feature dict from the shipped model."""
    model = _model()
    if model is None:
        raise FileNotFoundError(f"{MODEL_PATH}: no graphic-content model shipped")
    x = design_row(feats)[None, :]
    return float(model.prob(model.logit(x))[0])


def threshold(cfg: GraphicContentConfig = GraphicContentConfig()) -> float:
    model = _model()
    return float(cfg.threshold if cfg.threshold is not None else (model.threshold if model else 0.5))


@register(
    "graphic_content",
    config=GraphicContentConfig,
    family="content",
    description="Designed graphic vs photograph (Athitsos et al. 1997 colour features + JPEG-aware flatness)",
    how_to_read=("The score is P(designed graphic: logo, banner, poster, chart, screenshot). At or above its "
                 "threshold the AI-image detectors, trained on photographs, do not decide the verdict."),
    caveat="Says what the picture is, not whether it was edited; a photograph with large flat areas can score high.",
)
def graphic_content(evidence: Evidence, config: GraphicContentConfig) -> Trace:
    if evidence.height < 16 or evidence.width < 16:
        return Trace.not_applicable("graphic_content", "picture smaller than 16 pixels")
    if _model() is None:
        return Trace.not_applicable("graphic_content", "no graphic-content model shipped")
    feats = graphic_features(evidence, config)
    p = probability(feats)
    thr = threshold(config)
    is_graphic = p >= thr
    values = {"p_graphic": round(p, 4), "threshold": round(thr, 4), "is_graphic": bool(is_graphic),
              **{k: round(v, 4) for k, v in feats.items()}}
    if is_graphic:
        msg = (f"looks like a designed graphic, not a photograph (P = {p:.2f}; "
               f"{feats['top10_colours']:.0%} of pixels in its 10 commonest colours, "
               f"{feats['flat_blocks']:.0%} of 8×8 blocks exactly flat)")
    else:
        msg = f"looks like a photograph, not a designed graphic (P(graphic) = {p:.2f})"
    # strength 0: what the picture *is* is context for the verdict, not evidence of an edit
    return Trace("graphic_content", score=p, findings=[Finding("graphic_content", msg, strength=0.0, values=values)])
