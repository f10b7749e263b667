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

About 0.1 M parameters (fp16 safetensors, a few hundred KB). Runs on torch (extra
``learned``), one or more threads.

References
----------
.. [1] C. Tan et al., "Rethinking the Up-Sampling Operations in CNN-based Generative
       Network for Generalizable Deepfake Detection", CVPR 2024.
.. [2] A. Rajan et al., "Aligned Datasets Improve Detection of Latent Diffusion-Generated
       Images", ICLR 2025.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from forgelens.errors import ForgeLensError

__all__ = ["build", "npr_residual", "load", "save", "cell_logits", "patch_logits", "SHIPPED", "CELL", "PATCH"]

SHIPPED = Path(__file__).resolve().parent / "weights" / "gen_trace.safetensors"
CELL = 8  # output stride
PATCH = 64  # patch side: the training crop size
MIN_LEVEL = 1.0  # mean |luma difference| of a patch below this: flat, unreliable
_LOCK = threading.Lock()
_CACHE: dict[tuple[str, float], tuple[object, dict]] = {}


def npr_residual(x):
    """NPR residual of a (N, 3, H, W) float tensor with even H, W."""
    import torch.nn.functional as F

    anchor = x[:, :, ::2, ::2]
    return x - F.interpolate(anchor, scale_factor=2, mode="nearest")


def build(width: int = 16):
    """The network (torch ``nn.Module``): NPR residual → logit map at stride 8."""
    import torch
    from torch import nn

    class Res(nn.Module):
        def __init__(self, c: int) -> None:
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                                      nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))

        def forward(self, x):
            return torch.relu(x + self.body(x))

    def down(ci: int, co: int) -> nn.Module:
        return nn.Sequential(nn.Conv2d(ci, co, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(co), nn.ReLU())

    class GenTrace(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            w = width
            self.stem = nn.Sequential(nn.Conv2d(12, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU())
            self.s1 = nn.Sequential(down(w, 2 * w), Res(2 * w))
            self.s2 = nn.Sequential(down(2 * w, 3 * w), Res(3 * w))
            self.head = nn.Conv2d(3 * w, 1, 1)

        def forward(self, x):  # x: (N, 3, H, W) in [0, 1], H and W multiples of 8
            r = npr_residual(x) * 16.0
            r = nn.functional.pixel_unshuffle(r, 2)
            return self.head(self.s2(self.s1(self.stem(r))))[:, 0]  # (N, H/8, W/8)

    return GenTrace()


def save(model, meta: dict, path: Path) -> None:
    """fp16 safetensors with the metadata (JSON strings) in the header."""
    from safetensors.torch import save_file

    sd = {k: v.detach().to("cpu").half().contiguous() if v.is_floating_point() else v.contiguous()
          for k, v in model.state_dict().items()}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_file(sd, str(path), metadata={"forgelens": json.dumps(meta)})


def load(path: str | Path | None = None):
    """(model in eval mode, fp32; meta dict) from a safetensors file; cached per file."""
    p = Path(path) if path else SHIPPED
    if not p.is_file():
        raise ForgeLensError(str(p), "gen_trace weights absent (forgelens train generated)")
    key = (str(p), p.stat().st_mtime)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        try:
            from safetensors import safe_open
            from safetensors.torch import load_file
        except ImportError as exc:
            raise ForgeLensError(str(p), "safetensors is not installed (pip install 'forgelens[learned]')") from exc
        try:
            with safe_open(str(p), framework="pt") as f:
                meta = json.loads((f.metadata() or {}).get("forgelens", "{}"))
            tensors = load_file(str(p))
        except Exception as exc:  # not safetensors, truncated, or a header that is not our JSON
            raise ForgeLensError(str(p), f"unreadable gen_trace weights: {exc}") from exc
        model = build(int(meta.get("width", 16)))
        sd = {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}
        try:
            model.load_state_dict(sd, strict=True)
        except RuntimeError as exc:
            raise ForgeLensError(str(p), f"weights do not fit the gen_trace network ({exc})") from exc
        _CACHE[key] = (model.eval(), meta)
        return _CACHE[key]


def cell_logits(model, rgb: np.ndarray, tile: int = 512) -> np.ndarray:
    """Logit per 8×8 cell of a uint8 RGB image (cropped to multiples of 8), tiled with overlap.

    Tiles of ``tile`` px with a 32 px margin so that cells near tile borders see the same
    context as in one pass; returns float32 (H//8, W//8).
    """
    import torch

    h, w = (rgb.shape[0] // CELL) * CELL, (rgb.shape[1] // CELL) * CELL
    x = np.ascontiguousarray(rgb[:h, :w, :3])
    out = np.zeros((h // CELL, w // CELL), np.float32)
    m = 32
    with torch.inference_mode():
        for y0 in range(0, h, tile):
            for x0 in range(0, w, tile):
                ya, xa = max(0, y0 - m), max(0, x0 - m)
                yb, xb = min(h, y0 + tile + m), min(w, x0 + tile + m)
                t = torch.from_numpy(x[ya:yb, xa:xb]).permute(2, 0, 1)[None].float() / 255.0
                z = model(t)[0].numpy()
                cy, cx = (y0 - ya) // CELL, (x0 - xa) // CELL
                ny, nx = (min(h, y0 + tile) - y0) // CELL, (min(w, x0 + tile) - x0) // CELL
                out[y0 // CELL:y0 // CELL + ny, x0 // CELL:x0 // CELL + nx] = z[cy:cy + ny, cx:cx + nx]
    return out


def patch_level(rgb: np.ndarray, patch: int = PATCH) -> np.ndarray:
    """Mean |horizontal luma difference| per non-overlapping patch (ny, nx): the texture level."""
    h, w = (rgb.shape[0] // patch) * patch, (rgb.shape[1] // patch) * patch
    y = rgb[:h, :w, :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    d = np.zeros((h, w), np.float32)
    d[:, 1:] = np.abs(np.diff(y, axis=1))
    return d.reshape(h // patch, patch, w // patch, patch).mean(axis=(1, 3)) * patch / max(patch - 1, 1)


def patch_logits(model, rgb: np.ndarray, patch: int = PATCH, max_patches: int = 256,
                 min_level: float = MIN_LEVEL, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Logit per patch (ny, nx; NaN where not evaluated) and the reliable-patch mask.

    Every patch is scored on its own (as in training: a ``patch`` crop, the mean of its cell
    logits). Flat patches are skipped; above ``max_patches`` reliable patches a regular
    subsample of them is scored, so the cost stops growing at about 1 MP.
    """
    import torch

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
    out = []
    with torch.inference_mode():
        for b in range(0, len(crops), batch):
            t = torch.from_numpy(crops[b:b + batch]).permute(0, 3, 1, 2).float() / 255.0
            out.append(model(t).mean(dim=(1, 2)).numpy())
    z.ravel()[idx] = np.concatenate(out)
    return z, ok
