"""WiSE-FT weight-space interpolation of two localizer weight sets (``forgelens train interpolate``).

Method: WiSE-FT — Wortsman, Ilharco, Kim, Li, Kornblith, Roelofs, Gontijo-Lopes, Hajishirzi, Farhadi,
Namkoong and Schmidt, "Robust fine-tuning of zero-shot models", CVPR 2022 (arXiv:2109.01903), eq. (1):
the weights of the original model θ0 and of a model fine-tuned from it θ1 are mixed element-wise,

    θ_α = (1 − α) · θ0 + α · θ1,

with the paper's default α = 0.5 (its "WiSE-FT, α = 0.5" rows). The mixture is meaningful because the
fine-tune starts from θ0 and stays in its basin (the paper's linear-mode-connectivity argument); two
models trained independently must not be mixed this way.

Here it is applied to every floating-point entry of the localizer's state dict, BatchNorm running means
and variances included (the paper's "all parameters"; the running statistics are averaged the same
way); integer entries (BatchNorm ``num_batches_tracked``) are taken from θ1. Both inputs are read by
:func:`forgelens.training.localizer_weights.read_weights` (the shipped safetensors, an older torch
export or a training checkpoint; fp16 files are cast to fp32), must have the same architecture and
the same keys and shapes. The result is a training-checkpoint payload (``spec``, ``model``, ``step``,
``config``), so ``forgelens train export OUT.pt --calibrate …`` turns it into the shipped formats
exactly as it does a fine-tune's ``last.pt`` (the Platt step of the detection head is refitted there).
"""

from __future__ import annotations

from pathlib import Path

from forgelens.training.localizer_weights import WeightsError, read_weights

__all__ = ["interpolate_state", "wise_ft"]


def interpolate_state(theta0: dict, theta1: dict, alpha: float = 0.5, *, src: str = "theta1") -> dict:
    """Element-wise (1 − α)·θ0 + α·θ1 over floating entries; integer entries from θ1.

    Parameters
    ----------
    theta0, theta1 : dict of str to torch.Tensor
        State dicts with the same keys and shapes (θ1 the fine-tune of θ0).
    alpha : float
        Mixing coefficient in [0, 1]; 0 gives θ0, 1 gives θ1.
    src : str
        Name used in the error when the two do not match.

    Returns
    -------
    dict of str to torch.Tensor
        Floating tensors in float32.

    Raises
    ------
    WeightsError
        ``alpha`` outside [0, 1], different keys, shapes or dtype kinds.
    """
    import torch

    if not 0.0 <= float(alpha) <= 1.0:
        raise WeightsError(src, f"alpha must lie in [0, 1], got {alpha}")
    k0, k1 = set(theta0), set(theta1)
    if k0 != k1:
        diff = sorted(k0 ^ k1)
        raise WeightsError(src, f"state dicts differ in {len(diff)} keys (e.g. {diff[:3]})")
    out = {}
    for k in theta0:
        a, b = theta0[k], theta1[k]
        if tuple(a.shape) != tuple(b.shape):
            raise WeightsError(src, f"{k}: shape {tuple(a.shape)} vs {tuple(b.shape)}")
        if a.is_floating_point() != b.is_floating_point():
            raise WeightsError(src, f"{k}: one tensor is floating-point and the other is not")
        if b.is_floating_point():
            out[k] = torch.lerp(a.float(), b.float(), float(alpha))  # a + α(b − a) = (1 − α)a + αb
        else:
            out[k] = b.clone()
    return out


def wise_ft(theta0_path: str | Path, theta1_path: str | Path, dest: str | Path, alpha: float = 0.5) -> Path:
    """Write the WiSE-FT mixture of two localizer weight files as a training checkpoint (``dest``, .pt).

    ``theta0_path``: the original weights (e.g. the shipped safetensors); ``theta1_path``: a fine-tune
    of them (e.g. ``run/last.pt``). Their architectures (``spec``) must be equal.
    """
    import torch

    spec0, sd0 = read_weights(theta0_path)
    spec1, sd1 = read_weights(theta1_path)
    if spec0.to_dict() != spec1.to_dict():
        raise WeightsError(str(theta1_path), f"architecture {spec1.to_dict()} differs from {spec0.to_dict()}")
    sd = interpolate_state(sd0, sd1, alpha, src=str(theta1_path))
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    payload = {"spec": spec1.to_dict(), "model": sd, "step": None,
               "config": {"wise_ft": {"alpha": float(alpha), "theta0": str(theta0_path), "theta1": str(theta1_path),
                                      "method": "WiSE-FT (Wortsman et al., CVPR 2022)"}}}
    torch.save(payload, dest)
    return dest
