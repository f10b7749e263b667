"""TAEF2 tiny latent autoencoder (FLUX.2 VAE latent space), written from its layout description.

Used to make "laundered" images: a real photo passed through encoder → decoder keeps
its content but carries a latent decoder's up-sampling trace (nearest ×2 then 3×3
convolutions, three times), the way a Stable Diffusion img2img pass at low strength
does. Real/reconstruction pairs are the "aligned dataset" recipe of Rajan et al.

Needs torch (extra ``learned``) and the two state dicts ``taef2_encoder.pth`` /
``taef2_decoder.pth`` (MIT, from madebyollin/taesd), looked up in ``$FORGELENS_TAEF2``
or ``../shared/models/taef2`` beside the repository.

References
----------
.. [1] A. Rajan, Y. Lee et al., "Aligned Datasets Improve Detection of Latent
       Diffusion-Generated Images", ICLR 2025.
.. [2] "When Synthetic Traces Hide Real Content: Analysis of Stable Diffusion Image
       Laundering" (Politecnico di Milano), 2024.
.. [3] R. Chen, J. Xi, Z. Yan et al., "Dual Data Alignment Makes AI-Generated Image Detector
       Easier Generalizable", NeurIPS 2025 (frequency-level alignment: ``aligned_fake(kind="dda")``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from forgelens.errors import ForgeLensError

__all__ = ["default_dir", "available", "load", "launder", "round_trip", "aligned_fake", "HIGH_BAND"]


def default_dir() -> Path:
    env = os.environ.get("FORGELENS_TAEF2")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[4] / "shared" / "models" / "taef2"


def available(directory: Path | None = None) -> str | None:
    """None when the autoencoder can be loaded, else the reason why not."""
    d = Path(directory) if directory else default_dir()
    try:
        import torch  # noqa: F401
    except ImportError:
        return "torch is not installed (pip install 'forgelens[train]')"
    for f in ("taef2_encoder.pth", "taef2_decoder.pth"):
        if not (d / f).is_file():
            return f"{d / f} is absent"
    return None


def _build(kind: str):
    import torch
    from torch import nn

    def conv(ci: int, co: int, bias: bool = True, stride: int = 1) -> nn.Conv2d:
        return nn.Conv2d(ci, co, 3, stride=stride, padding=1, bias=bias)

    class Block(nn.Module):
        def __init__(self, pool: bool = False) -> None:
            super().__init__()
            self.conv = nn.Sequential(conv(64, 64), nn.ReLU(), conv(64, 64), nn.ReLU(), conv(64, 64))
            self.pool = (
                nn.Sequential(nn.Conv2d(64, 256, 1, bias=False), nn.GroupNorm(4, 256), nn.ReLU(),
                              nn.Conv2d(256, 64, 1, bias=False))
                if pool else None
            )

        def forward(self, x):
            if self.pool is not None:
                x = x + self.pool(x)
            return torch.relu(self.conv(x) + x)

    class SoftClamp(nn.Module):
        def forward(self, x):
            return 3.0 * torch.tanh(x / 3.0)

    if kind == "encoder":
        layers: list[nn.Module] = [conv(3, 64), Block()]
        for g in range(3):
            layers += [conv(64, 64, bias=False, stride=2)] + [Block(pool=g == 2) for _ in range(3)]
        layers.append(conv(64, 32))
    else:
        layers = [SoftClamp(), conv(32, 64), nn.ReLU()]
        for g in range(3):
            layers += [Block(pool=g == 0) for _ in range(3)]
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), conv(64, 64, bias=False)]
        layers += [Block(), conv(64, 3)]
    return nn.Sequential(*layers)


@lru_cache(maxsize=2)
def load(directory: str | None = None):
    """(encoder, decoder) as float32 eval-mode torch modules, loaded strictly."""
    import torch

    d = Path(directory) if directory else default_dir()
    why = available(d)
    if why:
        raise ForgeLensError("TAEF2", why)
    nets = []
    for kind in ("encoder", "decoder"):
        net = _build(kind)
        sd = torch.load(d / f"taef2_{kind}.pth", map_location="cpu", weights_only=True)
        net.load_state_dict({k: v.float() for k, v in sd.items()}, strict=True)
        nets.append(net.eval())
    return nets[0], nets[1]


def launder(rgb: np.ndarray, directory: str | None = None) -> np.ndarray:
    """Pass a uint8 RGB image (H, W multiples of 8 after cropping) through encoder → decoder.

    The image is cropped to multiples of 8 (top-left anchored); returns uint8 RGB of the
    cropped size.
    """
    import torch

    enc, dec = load(directory)
    h, w = (rgb.shape[0] // 8) * 8, (rgb.shape[1] // 8) * 8
    if h < 8 or w < 8:
        raise ForgeLensError("TAEF2", "image smaller than 8×8")
    x = torch.from_numpy(np.array(rgb[:h, :w, :3])).permute(2, 0, 1)[None].float() / 255.0
    with torch.inference_mode():
        y = dec(enc(x)).clamp(0, 1)
    return (y[0].permute(1, 2, 0).numpy() * 255.0 + 0.5).astype(np.uint8)


#: DCT frequencies u + v ≥ this (of an 8×8 block, 0..14) form the high band that ``aligned_fake(kind="dda")``
#: takes from the real picture: 28 of the 64 coefficients.
HIGH_BAND = 8
ROUND_TRIP_TILE = 768  # larger pictures are round-tripped in tiles (bounded memory)
ROUND_TRIP_MARGIN = 64  # context kept around each tile and cut away after decoding


def round_trip(rgb: np.ndarray, directory: str | None = None, tile: int = ROUND_TRIP_TILE,
               margin: int = ROUND_TRIP_MARGIN) -> np.ndarray:
    """Encoder → decoder of a picture of any size, same size out (edge-padded to multiples of 8).

    Pictures larger than ``tile`` on a side go through in ``tile``-sized pieces with ``margin``
    pixels of context each side, so memory stays bounded (64 float channels at full size).
    """
    h, w = rgb.shape[:2]
    ph, pw = -h % 8, -w % 8
    x = np.pad(np.asarray(rgb)[..., :3], ((0, ph), (0, pw), (0, 0)), mode="edge")
    hh, ww = x.shape[:2]
    if max(hh, ww) <= tile:
        return launder(x, directory)[:h, :w]
    out = np.empty_like(x)
    for y0 in range(0, hh, tile):
        for x0 in range(0, ww, tile):
            y1, x1 = min(hh, y0 + tile), min(ww, x0 + tile)
            a, b = max(0, y0 - margin), max(0, x0 - margin)
            c, d = min(hh, y1 + margin), min(ww, x1 + margin)
            piece = launder(x[a:c, b:d], directory)
            out[y0:y1, x0:x1] = piece[y0 - a:y1 - a, x0 - b:x1 - b]
    return out[:h, :w]


def _block_dct(x: np.ndarray) -> np.ndarray:
    """8×8 block DCT-II (orthonormal) of an (H, W, C) float array, H and W multiples of 8."""
    from forgelens.detectors._jpeg_common import dct_matrix

    d = dct_matrix(np.float64)
    h, w, c = x.shape
    b = x.reshape(h // 8, 8, w // 8, 8, c)
    return np.einsum("ui,aibjc,vj->aubvc", d, b, d, optimize=True), d


def _block_idct(coef: np.ndarray, d: np.ndarray) -> np.ndarray:
    a, _, b, _, c = coef.shape
    return np.einsum("ui,aubvc,vj->aibjc", d, coef, d, optimize=True).reshape(a * 8, b * 8, c)


def high_band_from(real: np.ndarray, fake: np.ndarray, band: int = HIGH_BAND) -> np.ndarray:
    """DDA frequency alignment: ``fake`` with the 8×8-block DCT coefficients of frequency u + v ≥ ``band``
    replaced by ``real``'s, so the pair differs only in the lower frequencies (the decoder's
    colour/texture rendering), not in how much fine detail each carries."""
    h, w = real.shape[:2]
    ph, pw = -h % 8, -w % 8
    pad = ((0, ph), (0, pw), (0, 0))
    cr, d = _block_dct(np.pad(real[..., :3].astype(np.float32), pad, mode="edge"))
    cf, _ = _block_dct(np.pad(fake[..., :3].astype(np.float32), pad, mode="edge"))
    k = np.arange(8)
    high = (k[:, None] + k[None, :]) >= band  # (u, v)
    cf = np.where(high[None, :, None, :, None], cr, cf)
    return np.clip(_block_idct(cf, d)[:h, :w] + 0.5, 0, 255).astype(np.uint8)


def aligned_fake(real: np.ndarray, kind: str = "pair", directory: str | None = None) -> np.ndarray:
    """The generated counterpart of a real picture with the same content (aligned pair).

    ``"pair"``: its TAEF2 round trip (Rajan et al. [1]); ``"dda"``: the round trip with the real
    picture's high-frequency band put back (Chen et al. [3], frequency-level alignment).
    """
    if kind not in ("pair", "dda"):  # checked before the (slow, torch-needing) round trip
        raise ValueError(f"aligned_fake: unknown kind {kind!r} (pair, dda)")
    fake = round_trip(real, directory)
    return fake if kind == "pair" else high_band_from(real, fake)
