"""A small residual CNN on NPR up-sampling residuals: the generator-trace model (``gen_trace``).

Input: the *neighbouring pixel relationship* (NPR) residual of Tan et al. (CVPR 2024),
``r = x − up_nn(down_2(x))`` with ``down_2`` taking the top-left pixel of every 2×2 block —
inside each block, the difference of every pixel to the block's anchor. Generators and latent
decoders up-sample by nearest ×2 followed by convolutions, which leaves these within-block
differences distributed unlike those of a camera image. The residual is rearranged
losslessly into 12 channels at half resolution (pixel-unshuffle: the 2×2 phase becomes
channels), then three small residual stages (strides 2, 4, 8) give one logit per 8×8 cell.
A patch's logit is the mean over its cells; the image logit is the mean over reliable
(textured) patches; Platt scaling makes it a probability.

About 0.1 M parameters. Trained in torch (``forgelens.training.gen_trace``, network in
``forgelens.training.gen_trace_net``) and shipped as ONNX (``weights/gen_trace.onnx``, written
by ``forgelens train export``); here it runs on ONNX Runtime, no torch.

References
----------
.. [1] C. Tan et al., "Rethinking the Up-Sampling Operations in CNN-based Generative
       Network for Generalizable Deepfake Detection", CVPR 2024.
.. [2] A. Rajan et al., "Aligned Datasets Improve Detection of Latent Diffusion-Generated
       Images", ICLR 2025.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from forgelens.learned import onnx_models

__all__ = ["GenTraceNet", "load", "cell_logits", "patch_logits", "patch_level", "SHIPPED", "CELL", "PATCH"]

SHIPPED = onnx_models.SHIPPED["gen_trace"]
CELL = 8  # output stride
PATCH = 64  # patch side: the training crop size
MIN_LEVEL = 1.0  # mean |luma difference| of a patch below this: flat, unreliable


class GenTraceNet:
    """The exported network: ``net(x)`` maps float32 (N, 3, H, W) in [0, 1] to (N, H/8, W/8) logits."""

    def __init__(self, model: onnx_models.OnnxModel) -> None:
        self.model = model

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.model(x)[0]


def load(path: str | Path | None = None, threads: int = 1) -> tuple[GenTraceNet, dict]:
    """(network, meta) from a ``.onnx`` file written by ``forgelens train export`` or the shipped one.

    ``meta`` is the training run's metadata (calibration ``platt_a``/``platt_b``, ``threshold``,
    ``patch``, counts). A missing, truncated or foreign file raises ``ModelFileError`` naming it.
    """
    m = onnx_models.load("gen_trace", path, threads)
    return GenTraceNet(m), m.meta


def _to_input(rgb_batch: np.ndarray) -> np.ndarray:
    """uint8 (N, H, W, 3) → float32 (N, 3, H, W) in [0, 1]."""
    return rgb_batch.transpose(0, 3, 1, 2).astype(np.float32) / np.float32(255.0)


def cell_logits(net, rgb: np.ndarray, tile: int = 512) -> np.ndarray:
    """Logit per 8×8 cell of a uint8 RGB image (cropped to multiples of 8), tiled with overlap.

    Tiles of ``tile`` px with a 32 px margin so that cells near tile borders see the same
    context as in one pass; returns float32 (H//8, W//8).
    """
    h, w = (rgb.shape[0] // CELL) * CELL, (rgb.shape[1] // CELL) * CELL
    out = np.zeros((h // CELL, w // CELL), np.float32)
    m = 32
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            ya, xa = max(0, y0 - m), max(0, x0 - m)
            yb, xb = min(h, y0 + tile + m), min(w, x0 + tile + m)
            z = net(_to_input(rgb[None, ya:yb, xa:xb, :3]))[0]
            cy, cx = (y0 - ya) // CELL, (x0 - xa) // CELL
            ny, nx = (min(h, y0 + tile) - y0) // CELL, (min(w, x0 + tile) - x0) // CELL
            out[y0 // CELL:y0 // CELL + ny, x0 // CELL:x0 // CELL + nx] = z[cy:cy + ny, cx:cx + nx]
    return out


def patch_level(rgb: np.ndarray, patch: int = PATCH) -> np.ndarray:
    """Mean |horizontal luma difference| per non-overlapping patch (ny, nx): the texture level.

    Computed one row of patches at a time, so the float buffers stay one strip tall.
    """
    h, w = (rgb.shape[0] // patch) * patch, (rgb.shape[1] // patch) * patch
    weights = np.array([0.299, 0.587, 0.114], np.float32)
    out = np.empty((h // patch, w // patch), np.float32)
    for i, r0 in enumerate(range(0, h, patch)):
        y = rgb[r0:r0 + patch, :w, :3].astype(np.float32) @ weights
        d = np.zeros((patch, w), np.float32)
        d[:, 1:] = np.abs(np.diff(y, axis=1))
        out[i] = d.reshape(patch, w // patch, patch).mean(axis=(0, 2))
    return out * patch / max(patch - 1, 1)


def patch_logits(net, rgb: np.ndarray, patch: int = PATCH, max_patches: int = 256,
                 min_level: float = MIN_LEVEL, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Logit per patch (ny, nx; NaN where not evaluated) and the reliable-patch mask.

    ``net`` maps a float32 (N, 3, H, W) batch in [0, 1] to (N, H/8, W/8) cell logits: the
    loaded :class:`GenTraceNet`, or a torch model wrapped by ``training.gen_trace_net.runner``.

    Every patch is scored on its own (as in training: a ``patch`` crop, the mean of its cell
    logits). Flat patches are skipped; above ``max_patches`` reliable patches a regular
    subsample of them is scored, so the cost stops growing at about 1 MP.
    """
    lev = patch_level(rgb, patch)
    ok = lev >= min_level
    z = np.full(lev.shape, np.nan, np.float32)
    idx = np.flatnonzero(ok.ravel())
    if idx.size > max_patches:
        idx = idx[np.linspace(0, idx.size - 1, max_patches).round().astype(int)]
    if idx.size == 0:
        return z, ok
    nx = lev.shape[1]
    crops = np.stack([rgb[(i // nx) * patch:(i // nx + 1) * patch, (i % nx) * patch:(i % nx + 1) * patch, :3]
                      for i in idx])
    out = [net(_to_input(crops[b:b + batch])).mean(axis=(1, 2)) for b in range(0, len(crops), batch)]
    z.ravel()[idx] = np.concatenate(out)
    return z, ok
