"""Forensic filter front end of the learned localizer: SRM, Bayar constrained conv, learned residual.

Each filter turns an RGB batch into a 3-channel *residual* view that suppresses
scene content and keeps the high-frequency traces (sensor noise, demosaicing,
compression) that splices and local edits disturb. The network sees each view
through its own copy of the pretrained stem (see ``forgelens.training.localizer_net``).

Inputs to every filter are float tensors ``(N, 3, H, W)`` with values in
[0, 255] (the pixel scale on which SRM's truncation threshold is defined).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["SRM_KERNELS", "SRMFilter", "BayarConv2d", "NoiseResidual"]

# The three 5x5 SRM high-pass kernels of the Rich Model (Fridrich & Kodovský 2012) that RGB-N
# (Zhou et al. 2018) and MMFusion (Triaridis & Mezaris 2024) use: the 3x3 "KB" square
# (2nd order), the 5x5 "KV" square (3rd order) and the horizontal 2nd-order difference [1 -2 1].
# Each is written with its normalisation; every kernel sums to zero (it annihilates flat content).
SRM_KERNELS: tuple[tuple[tuple[float, ...], ...], ...] = (
    tuple(tuple(v / 4.0 for v in row) for row in (
        (0, 0, 0, 0, 0),
        (0, -1, 2, -1, 0),
        (0, 2, -4, 2, 0),
        (0, -1, 2, -1, 0),
        (0, 0, 0, 0, 0),
    )),
    tuple(tuple(v / 12.0 for v in row) for row in (
        (-1, 2, -2, 2, -1),
        (2, -6, 8, -6, 2),
        (-2, 8, -12, 8, -2),
        (2, -6, 8, -6, 2),
        (-1, 2, -2, 2, -1),
    )),
    tuple(tuple(v / 2.0 for v in row) for row in (
        (0, 0, 0, 0, 0),
        (0, 0, 0, 0, 0),
        (0, 1, -2, 1, 0),
        (0, 0, 0, 0, 0),
        (0, 0, 0, 0, 0),
    )),
)


class SRMFilter(nn.Module):
    """Fixed SRM high-pass residuals, truncated (TLU) and scaled to [-1, 1].

    Parameters
    ----------
    truncation : float, optional
        Threshold T of the truncation linear unit applied to the residual
        (SRM quantises and truncates residuals at T = 2; Ye, Ni & Yi 2017 use a
        trainable TLU with T = 3 on the same kernels). Default 3.0.
    per_channel : bool, optional
        False (RGB-N's convention, the default): each kernel filters the mean
        of R, G and B → 3 residual channels. True: the three kernels are
        applied to each colour channel and averaged per kernel over the
        colours *after* truncation (keeps colour-specific clipping).

    Returns
    -------
    torch.Tensor
        ``(N, 3, H, W)`` residuals in [-1, 1] (same size: reflect padding).

    Notes
    -----
    Assumes the trace of interest is in the high-frequency residual that a
    local polynomial predictor cannot explain; the kernels are fixed (no
    gradient) and each sums to zero, so a constant image gives 0 everywhere.

    References
    ----------
    .. [1] J. Fridrich and J. Kodovský, "Rich Models for Steganalysis of
           Digital Images", IEEE TIFS 7(3), 2012.
    .. [2] P. Zhou, X. Han, V. I. Morariu and L. S. Davis, "Learning Rich
           Features for Image Manipulation Detection", CVPR 2018.
    .. [3] K. Triaridis and V. Mezaris, "Exploring Multi-Modal Fusion for
           Image Manipulation Detection and Localization", MMM 2024.
    """

    def __init__(self, truncation: float = 3.0, per_channel: bool = False) -> None:
        super().__init__()
        k = torch.tensor(SRM_KERNELS, dtype=torch.float32).unsqueeze(1)  # (3, 1, 5, 5)
        self.register_buffer("kernels", k, persistent=False)
        self.truncation = float(truncation)
        self.per_channel = bool(per_channel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        xp = F.pad(x, (2, 2, 2, 2), mode="reflect")
        if self.per_channel:
            n, c, h, w = xp.shape
            r = F.conv2d(xp.reshape(n * c, 1, h, w), self.kernels)
            r = r.clamp(-self.truncation, self.truncation)
            r = r.reshape(n, c, 3, *r.shape[-2:]).mean(dim=1)
        else:
            r = F.conv2d(xp.mean(dim=1, keepdim=True), self.kernels)
            r = r.clamp(-self.truncation, self.truncation)
        return r / self.truncation


class BayarConv2d(nn.Module):
    """Bayar & Stamm's constrained convolution: a learned prediction-error filter.

    Every kernel predicts its centre pixel from its neighbours and subtracts
    it: the centre weight is fixed at −1 and the other weights are projected
    to sum to +1, so each kernel sums to 0 and cannot learn scene content.
    The projection is applied to the stored weights at every forward pass in
    training (Bayar & Stamm re-project after each optimiser step, which is
    the same thing one step later) and the projected kernel is what filters.

    Parameters
    ----------
    in_channels : int, optional
        Input channels (3: RGB).
    out_channels : int, optional
        Number of constrained kernels (3, as in MMFusion / ManTra-Net's
        Bayar branch).
    kernel_size : int, optional
        Odd kernel size; 5 in the papers.
    scale : float, optional
        Divides the 0..255 input so the residual is O(1). Default 1/32 of the
        pixel scale (a fixed constant; the per-stem BatchNorm adapts anyway).

    Notes
    -----
    Assumes manipulation traces live in the prediction error of a local
    linear predictor, which the constraint forces the layer to compute.

    References
    ----------
    .. [1] B. Bayar and M. C. Stamm, "A Deep Learning Approach to Universal
           Image Manipulation Detection Using a New Convolutional Layer",
           ACM IH&MMSec 2016.
    .. [2] B. Bayar and M. C. Stamm, "Constrained Convolutional Neural
           Networks: A New Approach Towards General Purpose Image Manipulation
           Detection", IEEE TIFS 13(11), 2018.
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 3, kernel_size: int = 5,
                 scale: float = 1.0 / 32.0, seed: int = 0) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError("kernel_size must be odd")
        g = torch.Generator().manual_seed(seed)
        w = torch.rand(out_channels, in_channels, kernel_size, kernel_size, generator=g)
        self.weight = nn.Parameter(w)
        self.kernel_size = kernel_size
        self.scale = float(scale)
        self._project_()

    @torch.no_grad()
    def _project_(self) -> None:
        """Project the stored weights onto the constraint (centre −1, the rest sums to +1)."""
        c = self.kernel_size // 2
        w = self.weight.data
        w[:, :, c, c] = 0.0
        s = w.sum(dim=(2, 3), keepdim=True)
        s = torch.where(s.abs() < 1e-8, torch.ones_like(s), s)
        w /= s
        w[:, :, c, c] = -1.0

    def constrained_weight(self) -> torch.Tensor:
        """The kernel that filters: the stored weight, projected (differentiably) onto the constraint."""
        c = self.kernel_size // 2
        mask = torch.ones_like(self.weight)
        mask[:, :, c, c] = 0.0
        off = self.weight * mask
        off = off / off.sum(dim=(2, 3), keepdim=True).clamp_min(1e-8)
        return off - (1.0 - mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self._project_()
        p = self.kernel_size // 2
        xp = F.pad(x, (p, p, p, p), mode="reflect")
        return F.conv2d(xp, self.constrained_weight()) * self.scale


class NoiseResidual(nn.Module):
    """A small learned full-resolution noise residual, in the Noiseprint spirit.

    Three 3x3 convolutions (no stride, no pooling) map RGB to a 3-channel
    residual; the input is high-passed first (image minus its 3x3 box mean),
    so the branch starts from noise, not scene content.

    Parameters
    ----------
    width : int, optional
        Hidden channels (8: the branch costs ~1 k multiply-adds per pixel).

    Notes
    -----
    Only the *architecture* follows Noiseprint (a full-resolution,
    content-suppressing residual extractor). Noiseprint is trained alone
    with a Siamese camera-model / position objective; this branch is trained
    end-to-end with the localizer's loss, on our synthetic forgeries only.

    References
    ----------
    .. [1] D. Cozzolino and L. Verdoliva, "Noiseprint: A CNN-Based Camera
           Model Fingerprint", IEEE TIFS 15, 2020.
    """

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1, padding_mode="reflect"),
            nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 3, padding=1, padding_mode="reflect"),
            nn.ReLU(inplace=True),
            nn.Conv2d(width, 3, 3, padding=1, padding_mode="reflect"),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x / 32.0
        hp = x - F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), 3, stride=1)
        return self.net(hp)
