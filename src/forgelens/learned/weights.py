"""Weights of the learned localizer: the file shipped in the package, or a checkpoint from a local path.

Two payloads load:

* the shipped / exported format (``forgelens train export``): a dict with
  ``format = "forgelens-localizer-1"``, ``spec`` (the architecture, see
  ``ModelSpec``) and ``state_dict`` (fp16 tensors, cast back to fp32 here);
* a training checkpoint (``OUT/last.pt`` of ``forgelens train localizer``):
  ``spec`` and ``model`` (fp32), optimiser state ignored.

Files are read with ``torch.load(weights_only=True)`` (no pickled code runs)
and the state dict must match the architecture exactly (``strict=True``).
Anything else raises :class:`WeightsError` naming the file and the reason.
Nothing is ever downloaded.
"""

from __future__ import annotations

import threading
from pathlib import Path

from forgelens.errors import ForgeLensError

__all__ = ["SHIPPED_WEIGHTS", "WeightsError", "load_localizer", "torch_available"]

#: The weights shipped inside the package (fp16 state dict, < 30 MB).
SHIPPED_WEIGHTS = Path(__file__).resolve().parent / "weights" / "localizer_lite0.pt"

_CACHE: dict[tuple[str, float], object] = {}
_LOCK = threading.Lock()


class WeightsError(ForgeLensError):
    """A weights file that is missing, unreadable or does not fit the localizer."""

    reason = "bad weights"


def torch_available() -> tuple[bool, str]:
    """(True, "") when torch and efficientnet-lite-pytorch import; else (False, why)."""
    try:
        import torch  # noqa: F401
    except Exception as exc:  # ImportError, or a broken install
        return False, f"torch is not installed ({type(exc).__name__}); pip install 'forgelens[learned]'"
    try:
        import efficientnet_lite_pytorch  # noqa: F401
    except Exception as exc:
        return False, f"efficientnet-lite-pytorch is not installed ({type(exc).__name__}); pip install 'forgelens[learned]'"
    return True, ""


def load_localizer(path: str | Path | None = None):
    """Load the localizer (eval mode, fp32) from ``path`` or the shipped weights; cached per file.

    Parameters
    ----------
    path : str, Path or None
        A local weights file (exported or a training checkpoint). None or ""
        loads ``SHIPPED_WEIGHTS``.

    Returns
    -------
    FilterFusionNet

    Raises
    ------
    WeightsError
        The file is missing, not a torch file, not a localizer payload, or its
        tensors do not match the architecture.
    """
    import torch

    from forgelens.learned.model import FilterFusionNet, ModelSpec

    p = Path(path).expanduser() if path else SHIPPED_WEIGHTS
    src = str(p)
    if not p.is_file():
        what = "shipped weights missing from the package" if not path else "no such file"
        raise WeightsError(src, what)
    key = (str(p.resolve()), p.stat().st_mtime)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        try:
            payload = torch.load(p, map_location="cpu", weights_only=True)
        except Exception as exc:
            raise WeightsError(src, f"not a readable torch weights file ({type(exc).__name__}: {str(exc)[:120]})") from None
        if not isinstance(payload, dict) or "spec" not in payload or not ({"state_dict", "model"} & set(payload)):
            raise WeightsError(src, "not a forgelens localizer file (expected keys 'spec' and 'state_dict' or 'model')")
        try:
            spec = ModelSpec.from_dict(payload["spec"])
            model = FilterFusionNet(spec)
        except Exception as exc:
            raise WeightsError(src, f"unknown architecture {payload['spec']!r}: {exc}") from None
        sd = payload.get("state_dict") or payload.get("model")
        if not isinstance(sd, dict):
            raise WeightsError(src, "state dict is not a mapping")
        sd = {k: (v.float() if torch.is_tensor(v) and v.is_floating_point() else v) for k, v in sd.items()}
        try:
            model.load_state_dict(sd, strict=True)
        except RuntimeError as exc:
            raise WeightsError(src, f"weights do not fit the architecture: {str(exc).splitlines()[0][:200]}") from None
        model.eval()
        _CACHE.clear()  # keep one model in memory
        _CACHE[key] = model
        return model
