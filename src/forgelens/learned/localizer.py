"""Inference of the learned localizer (``learned_localizer``): tiled maps and the detection head.

The network (``forgelens.training.localizer_net.FilterFusionNet``, MMFusion-style early
fusion of forensic filters into an EfficientNet-Lite0, TruFor-style confidence and detection
heads) runs as an ONNX graph: RGB in [0, 255], (N, 3, H, W) with H, W multiples of 32 →
manipulation probability and confidence, (N, 1, H, W). The detection head is a 2-layer MLP on
six tiling-independent statistics of the full-resolution maps; its weights are in the ONNX
file's metadata and it runs here in NumPy.

Anything with ``maps(x) -> (prob, conf)`` and ``detect(prob, conf) -> logit`` can be tiled by
:func:`localize` (training wraps the torch model the same way).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.special import expit

from forgelens.learned import onnx_models

__all__ = ["STRIDE", "OnnxLocalizer", "downscale", "load", "localize", "map_statistics", "working_factor"]

#: Multiple the input size must have (the encoder's total stride).
STRIDE = 32


def map_statistics(prob: np.ndarray, conf: np.ndarray) -> np.ndarray:
    """Six tiling-independent statistics (6,) of a (H, W) probability map and its confidence.

    Max and mean of the 8x8-average-pooled map, the confidence-weighted mean, the mean of the
    top 2 % pooled values, the max of the confidence-weighted pooled map and the mean pooled
    confidence (the same numbers as the torch ``map_statistics`` of training).
    """
    k = 8 if min(prob.shape) >= 32 else 1
    h, w = (prob.shape[0] // k) * k, (prob.shape[1] // k) * k

    def pool(a: np.ndarray) -> np.ndarray:
        return a[:h, :w].astype(np.float32, copy=False).reshape(h // k, k, w // k, k).mean(axis=(1, 3)).ravel()

    flat, cflat = pool(prob), pool(conf)
    top = max(1, int(0.02 * flat.size))
    topk = np.partition(flat, flat.size - top)[flat.size - top:].mean()
    wmean = (flat * cflat).sum() / max(float(cflat.sum()), 1e-6)
    return np.array([flat.max(), flat.mean(), wmean, topk, (flat * cflat).max(), cflat.mean()], np.float32)


class OnnxLocalizer:
    """The exported localizer: an ONNX Runtime session plus the detection head's weights."""

    def __init__(self, model: onnx_models.OnnxModel) -> None:
        self.model = model
        head = model.meta.get("det_head")
        try:
            self.w1 = np.asarray(head["w1"], np.float32)
            self.b1 = np.asarray(head["b1"], np.float32)
            self.w2 = np.asarray(head["w2"], np.float32)
            self.b2 = np.asarray(head["b2"], np.float32)
            ok = self.w1.shape[1] == 6 and self.w2.shape == (1, self.w1.shape[0])
        except (TypeError, KeyError, IndexError, ValueError):
            ok = False
        if not ok:
            raise onnx_models.ModelFileError(str(model.path), "its metadata lacks a valid detection head ('det_head')")

    def maps(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        prob, conf = self.model(x)
        return prob, conf

    def detect(self, prob: np.ndarray, conf: np.ndarray) -> float:
        """Image-level logit from the full-resolution (H, W) maps."""
        s = map_statistics(prob, conf)
        hidden = np.maximum(self.w1 @ s + self.b1, 0.0)
        return float((self.w2 @ hidden + self.b2)[0])


def load(path: str | Path | None = None, threads: int = 1) -> OnnxLocalizer:
    """The localizer from a local ``.onnx`` file or the shipped one (see ``onnx_models.load``)."""
    return OnnxLocalizer(onnx_models.load("localizer", path, threads))


def working_factor(shape: tuple[int, int], max_pixels: int, above: int = 0) -> int:
    """The smallest integer k with ceil(h/k)·ceil(w/k) ≤ ``max_pixels`` for a picture of more than
    ``max(above, max_pixels)`` pixels, else 1 (also when ``max_pixels`` is 0): the localizer then sees
    one pixel per k×k block, so its maps are a ``k``-pixel grid of the picture (``maps.grid_shape``)
    that the Trace can store as it is.

    >>> working_factor((2000, 3008), 2_000_000), working_factor((3024, 4032), 1_000_000)
    (2, 4)
    >>> working_factor((1200, 1600), 1_000_000, above=2_000_000)  # 1.9 MP: not above the trigger
    1
    """
    h, w = int(shape[0]), int(shape[1])
    if max_pixels <= 0 or h * w <= max(max_pixels, above):
        return 1
    k = max(2, int(np.ceil(np.sqrt(h * w / max_pixels))))
    while -(-h // k) * -(-w // k) > max_pixels:
        k += 1
    return k


def downscale(rgb: np.ndarray, k: int) -> np.ndarray:
    """The (ceil(h/k), ceil(w/k), 3) area average of ``rgb`` over k×k blocks aligned on pixel (0, 0).

    OpenCV ``INTER_AREA`` at an exact integer factor (each output pixel = the mean of its block,
    rounded to uint8); a partial last row/column of blocks is completed by repeating the edge pixels.
    """
    import cv2

    h, w = rgb.shape[:2]
    ph, pw = -h % k, -w % k
    img = np.ascontiguousarray(rgb[..., :3])
    if ph or pw:
        img = cv2.copyMakeBorder(img, 0, ph, 0, pw, cv2.BORDER_REPLICATE)
    return cv2.resize(img, ((w + pw) // k, (h + ph) // k), interpolation=cv2.INTER_AREA)


def _starts(n: int, tile: int, stride: int) -> list[int]:
    if n <= tile:
        return [0]
    s = list(range(0, n - tile, stride))
    s.append(n - tile)
    return s


def _even_layout(n: int, tile: int, overlap: int) -> tuple[int, list[int]]:
    """(side, starts) of the fewest tiles of at most ``tile`` px that cover ``n`` px with at least
    ``overlap`` px shared by neighbours (up to 7 px less after snapping to the 8-px grid), the side
    cut to the smallest multiple of ``STRIDE`` that still covers, the starts spread evenly on
    multiples of 8 (the last one ends at ``n``).

    The fixed layout (``_starts``) keeps ``tile`` and puts the last tile at ``n - tile``, which can
    overlap its neighbour by most of a tile: at 3008 × 2000 px, 512-px tiles cover 1.52× the picture;
    evenly spread ones of up to 768 px cover it 1.23×.
    """
    if n <= tile:
        return min(tile, -(-n // STRIDE) * STRIDE), [0]
    count = -(-(n - overlap) // (tile - overlap))
    need = -(-(n + (count - 1) * overlap) // count)  # ceil: the side that just covers
    side = min(tile, -(-need // STRIDE) * STRIDE)
    step = (n - side) / (count - 1)
    starts = [int(round(i * step / 8)) * 8 for i in range(count - 1)] + [n - side]
    return side, starts


def _ramp(n: int, overlap: int) -> np.ndarray:
    """1-D blending weights: linear ramp over ``overlap`` px at both ends, floor 1e-3."""
    if overlap <= 0:
        return np.ones(n, np.float32)
    i = np.arange(n, dtype=np.float32)
    r = np.minimum(i + 1, n - i) / float(overlap)
    return np.clip(r, 1e-3, 1.0).astype(np.float32)


def _pad(patch: np.ndarray, th: int, tw: int) -> np.ndarray:
    """Pad a (h, w, 3) patch to (th, tw): reflect when the pad is smaller than the patch, else replicate."""
    ph, pw = patch.shape[:2]
    mode = "reflect" if (th - ph < ph and tw - pw < pw) else "edge"
    return np.pad(patch, ((0, th - ph), (0, tw - pw), (0, 0)), mode=mode)


def localize(net, rgb: np.ndarray, tile: int = 512, overlap: int = 64,
             even: bool = False) -> tuple[np.ndarray, np.ndarray, float]:
    """Run the localizer on a full-resolution RGB image, tiled with blended overlaps.

    Parameters
    ----------
    net : OnnxLocalizer (or anything with the same ``maps`` / ``detect``)
    rgb : ndarray
        uint8 (H, W, 3).
    tile, overlap : int
        Tile side (multiple of 32) and overlap (multiple of 8, so every tile keeps the image's
        8x8 JPEG grid phase). Images smaller than a tile are padded, never resized.
    even : bool
        Spread the fewest tiles of at most ``tile`` px evenly (``_even_layout``) instead of
        ``tile``-px tiles every ``tile - overlap`` px with the last one flush with the edge.

    Returns
    -------
    prob, conf : ndarray
        float32 (H, W) manipulation probability and confidence in [0, 1].
    score : float
        Image-level probability from the detection head (on the full maps).
    """
    if tile % STRIDE or overlap % 8 or overlap >= tile:
        raise ValueError(f"tile must be a multiple of {STRIDE} and overlap a multiple of 8 below it")
    h, w = rgb.shape[:2]
    if even:
        (th, ys), (tw, xs) = _even_layout(h, tile, overlap), _even_layout(w, tile, overlap)
    else:
        th, tw = min(tile, -(-h // STRIDE) * STRIDE), min(tile, -(-w // STRIDE) * STRIDE)
        ys, xs = _starts(h, th, th - overlap), _starts(w, tw, tw - overlap)
    ramp_y, ramp_x = _ramp(min(th, h), overlap if h > th else 0), _ramp(min(tw, w), overlap if w > tw else 0)
    # The tiles form a grid, so the summed blending weight is separable: (Σ y-ramps) ⊗ (Σ x-ramps).
    # Two vectors instead of a third full-resolution buffer (96 MB at 24 MP).
    wsum_y, wsum_x = np.zeros(h, np.float32), np.zeros(w, np.float32)
    for y0 in ys:
        wsum_y[y0:y0 + len(ramp_y)] += ramp_y
    for x0 in xs:
        wsum_x[x0:x0 + len(ramp_x)] += ramp_x
    prob = np.zeros((h, w), np.float32)
    conf = np.zeros((h, w), np.float32)
    for y0 in ys:
        for x0 in xs:
            patch = rgb[y0:y0 + th, x0:x0 + tw, :3]
            ph, pw = patch.shape[:2]
            if ph < th or pw < tw:  # only when the whole image is smaller than a tile
                patch = _pad(patch, th, tw)
            x = patch.transpose(2, 0, 1)[None].astype(np.float32)
            p, c = net.maps(x)
            wt = ramp_y[:, None] * ramp_x[None, :]
            prob[y0:y0 + ph, x0:x0 + pw] += p[0, 0, :ph, :pw] * wt
            conf[y0:y0 + ph, x0:x0 + pw] += c[0, 0, :ph, :pw] * wt
    inv_x = 1.0 / wsum_x
    for r0 in range(0, h, 512):  # in bands: no full-resolution temporary
        inv = (1.0 / wsum_y[r0:r0 + 512])[:, None] * inv_x[None, :]
        prob[r0:r0 + 512] *= inv
        conf[r0:r0 + 512] *= inv
    score = float(expit(net.detect(prob, conf)))
    return prob, conf, score
