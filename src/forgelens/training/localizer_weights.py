"""Torch weights of the learned localizer (training and export): the shipped source file or a checkpoint.

Inference never reads these: it runs the ONNX file exported from them (``forgelens train
export``, ``forgelens.learned.localizer``).

Three payloads load (the kind is sniffed from the bytes, not the file name):

* the shipped / exported format (``forgelens train export``): a safetensors
  file of fp16 tensors (cast back to fp32 here) whose string metadata holds
  ``format = "forgelens-localizer-1"`` and ``spec`` (the architecture as
  JSON, see ``ModelSpec``); safetensors stores raw tensors only, so loading
  one can never run code;
* the older torch export: a ``torch.save`` dict with ``format``, ``spec`` and
  ``state_dict``;
* a training checkpoint (``OUT/last.pt`` of ``forgelens train localizer``):
  ``spec`` and ``model`` (fp32), optimiser state ignored.

Torch files are read with ``torch.load(weights_only=True)`` (no pickled code
runs) and the state dict must match the architecture exactly
(``strict=True``). Anything else raises :class:`WeightsError` naming the
file and the reason. Nothing is ever downloaded.
"""

from __future__ import annotations

import json
import struct
import threading
from pathlib import Path

from forgelens.errors import ForgeLensError

__all__ = ["SHIPPED_WEIGHTS", "WeightsError", "load_localizer", "read_weights", "torch_available"]

#: The torch weights the shipped ONNX file was exported from (fp16 safetensors, < 30 MB).
SHIPPED_WEIGHTS = Path(__file__).resolve().parents[1] / "learned" / "weights" / "localizer_lite0.safetensors"
#: ``format`` value of exported weights.
FORMAT = "forgelens-localizer-1"

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
        return False, f"torch is not installed ({type(exc).__name__}); pip install 'forgelens[train]'"
    try:
        import efficientnet_lite_pytorch  # noqa: F401
    except Exception as exc:
        return False, f"efficientnet-lite-pytorch is not installed ({type(exc).__name__}); pip install 'forgelens[train]'"
    return True, ""


def _is_safetensors(p: Path) -> bool:
    """True when the file starts like a safetensors file (u64 header length, then a JSON object)."""
    with open(p, "rb") as fh:
        head = fh.read(9)
    if len(head) < 9:
        return False
    (n,) = struct.unpack("<Q", head[:8])
    return 2 <= n < 2**27 and head[8:9] == b"{"  # a truncated file still counts (and fails clearly)


def _read_safetensors(p: Path, src: str) -> tuple[dict, dict]:
    from safetensors import safe_open

    try:
        with safe_open(str(p), framework="pt", device="cpu") as fh:
            meta = fh.metadata() or {}
            sd = {k: fh.get_tensor(k) for k in fh.keys()}  # noqa: SIM118 (safe_open has no __iter__)
    except Exception as exc:
        raise WeightsError(src, f"not a readable safetensors file ({type(exc).__name__}: {str(exc)[:120]})") from None
    if meta.get("format") != FORMAT or "spec" not in meta:
        raise WeightsError(src, f"not a forgelens localizer file (safetensors metadata needs format={FORMAT!r} and 'spec')")
    try:
        spec = json.loads(meta["spec"])
    except ValueError:
        raise WeightsError(src, "spec metadata is not JSON") from None
    return spec, sd


def _read_torch(p: Path, src: str) -> tuple[dict, dict]:
    import torch

    try:
        payload = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise WeightsError(src, f"not a readable torch or safetensors weights file ({type(exc).__name__}: {str(exc)[:120]})") from None
    if not isinstance(payload, dict) or "spec" not in payload or not ({"state_dict", "model"} & set(payload)):
        raise WeightsError(src, "not a forgelens localizer file (expected keys 'spec' and 'state_dict' or 'model')")
    sd = payload.get("state_dict") or payload.get("model")
    if not isinstance(sd, dict):
        raise WeightsError(src, "state dict is not a mapping")
    return payload["spec"], sd


def read_weights(path: str | Path):
    """Read a weights file into ``(ModelSpec, fp32 state dict)`` without building the model.

    Parameters
    ----------
    path : str or Path
        Exported safetensors, an older torch export, or a training checkpoint.

    Returns
    -------
    spec : ModelSpec
    state_dict : dict of str to torch.Tensor
        Floating tensors cast to float32.

    Raises
    ------
    WeightsError
        Missing, unreadable or not a localizer payload.
    """
    import torch

    from forgelens.training.localizer_net import ModelSpec

    p = Path(path).expanduser()
    src = str(p)
    if not p.is_file():
        raise WeightsError(src, "no such file")
    spec_d, sd = _read_safetensors(p, src) if _is_safetensors(p) else _read_torch(p, src)
    try:
        spec = ModelSpec.from_dict(spec_d)
    except Exception as exc:
        raise WeightsError(src, f"unknown architecture {spec_d!r}: {exc}") from None
    sd = {k: (v.float() if torch.is_tensor(v) and v.is_floating_point() else v) for k, v in sd.items()}
    return spec, sd


def save_weights(state_dict: dict, spec_dict: dict, dest: str | Path, meta: dict | None = None) -> Path:
    """Write fp16 safetensors weights with the architecture (and any JSON-able ``meta``) as metadata."""
    from safetensors.torch import save_file

    sd = {k: (v.detach().half() if v.is_floating_point() else v.detach()).contiguous() for k, v in state_dict.items()}
    md = {"format": FORMAT, "spec": json.dumps(spec_dict)}
    md.update({k: json.dumps(v) for k, v in (meta or {}).items()})
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    save_file(sd, str(dest), metadata=md)
    return dest


def load_localizer(path: str | Path | None = None):
    """Load the localizer (eval mode, fp32) from ``path`` or the shipped weights; cached per file.

    Parameters
    ----------
    path : str, Path or None
        A local weights file (exported safetensors, older torch export or a
        training checkpoint). None or "" loads ``SHIPPED_WEIGHTS``.

    Returns
    -------
    FilterFusionNet

    Raises
    ------
    WeightsError
        The file is missing, not a safetensors / torch file, not a localizer
        payload, or its tensors do not match the architecture.
    """
    from forgelens.training.localizer_net import FilterFusionNet

    p = Path(path).expanduser() if path else SHIPPED_WEIGHTS
    src = str(p)
    if not p.is_file():
        what = "shipped weights missing from the package" if not path else "no such file"
        raise WeightsError(src, what)
    key = (str(p.resolve()), p.stat().st_mtime)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        spec, sd = read_weights(p)
        try:
            model = FilterFusionNet(spec)
        except Exception as exc:
            raise WeightsError(src, f"unknown architecture {spec!r}: {exc}") from None
        try:
            model.load_state_dict(sd, strict=True)
        except RuntimeError as exc:
            raise WeightsError(src, f"weights do not fit the architecture: {str(exc).splitlines()[0][:200]}") from None
        model.eval()
        _CACHE.clear()  # keep one model in memory
        _CACHE[key] = model
        return model
