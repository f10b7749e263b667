"""The gen_trace network in torch (training and export only): NPR residual → small residual CNN.

Architecture and references: ``forgelens.learned.gen_model`` (inference, on ONNX Runtime).
``build`` makes the network, ``save`` writes the fp16 safetensors a training run produces,
``load_torch`` reads one back (for export and the ONNX-vs-torch parity test), ``runner`` wraps
a model as the NumPy callable that ``gen_model.patch_logits`` / ``cell_logits`` take.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from forgelens.errors import ForgeLensError

__all__ = ["build", "npr_residual", "save", "load_torch", "runner", "SOURCE"]

#: The torch weights the shipped ``gen_trace.onnx`` was exported from.
SOURCE = Path(__file__).resolve().parents[1] / "learned" / "weights" / "gen_trace.safetensors"


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


def load_torch(path: str | Path | None = None):
    """(model in eval mode, fp32; meta dict) from a gen_trace safetensors file."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    p = Path(path) if path else SOURCE
    if not p.is_file():
        raise ForgeLensError(str(p), "no such gen_trace weights file")
    try:
        with safe_open(str(p), framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get("forgelens", "{}"))
        tensors = load_file(str(p))
    except Exception as exc:  # not safetensors, truncated, or a header that is not our JSON
        raise ForgeLensError(str(p), f"unreadable gen_trace weights: {type(exc).__name__}: {exc}") from None
    model = build(int(meta.get("width", 16)))
    sd = {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as exc:
        raise ForgeLensError(str(p), f"weights do not fit the gen_trace network ({exc})") from None
    return model.eval(), meta


def runner(model):
    """The torch model as ``f(x: float32 NCHW in [0, 1]) -> (N, H/8, W/8) ndarray``."""
    import torch

    def run(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return model(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))).numpy()

    return run
