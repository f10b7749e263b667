"""The shipped learned models as ONNX files, run with ONNX Runtime (no torch at inference).

Each ``.onnx`` file is written by ``forgelens train export`` (``forgelens.training.export``)
from the torch weights it was trained as. The file's metadata (``metadata_props``) says what
it is: ``format`` (``forgelens-localizer-onnx-1`` or ``forgelens-gen-trace-onnx-1``) and
``forgelens``, a JSON object with what inference needs beside the graph (the gen_trace
calibration, the localizer's detection head) and where the weights came from.

A missing, truncated or foreign file (a valid ONNX file of some other model, or of the other
kind) raises one :class:`ModelFileError` naming the file and the reason. Sessions are cached
per (file, modification time, threads); ``InferenceSession.run`` is thread-safe.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from forgelens.errors import ForgeLensError

__all__ = ["FORMATS", "SHIPPED", "WEIGHTS_DIR", "ModelFileError", "OnnxModel", "load"]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
#: ``format`` metadata value of each kind of model file.
FORMATS = {"localizer": "forgelens-localizer-onnx-1", "gen_trace": "forgelens-gen-trace-onnx-1"}
#: The files shipped in the package.
SHIPPED = {"localizer": WEIGHTS_DIR / "localizer_lite0.onnx", "gen_trace": WEIGHTS_DIR / "gen_trace.onnx"}

_CACHE: dict[tuple, OnnxModel] = {}
_LOCK = threading.Lock()


class ModelFileError(ForgeLensError):
    """A model file that is missing, unreadable, or not the forgelens model it should be."""

    reason = "bad model file"


@dataclass
class OnnxModel:
    """An ONNX Runtime session of one forgelens model and the metadata stored in its file."""

    path: Path
    kind: str
    session: object = field(repr=False)
    meta: dict

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        """Run the graph on one float32 NCHW batch; returns its outputs in order."""
        name = self.session.get_inputs()[0].name
        return self.session.run(None, {name: np.ascontiguousarray(x, dtype=np.float32)})


def session_options(threads: int = 1):
    """ONNX Runtime options: ``threads`` intra-op threads (0 = ORT's default), no spin-waiting.

    Spinning threads burn a core while waiting for work; on a shared 2-core machine, with
    detectors already running side by side, that makes everything slower.
    """
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = max(0, int(threads))
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.add_session_config_entry("session.inter_op.allow_spinning", "0")
    so.log_severity_level = 3  # errors only
    return so


def load(kind: str, path: str | Path | None = None, threads: int = 1) -> OnnxModel:
    """The ONNX model of ``kind`` ("localizer" or "gen_trace") from ``path`` or the shipped file.

    Parameters
    ----------
    kind : str
        Which model the file must hold (checked against its ``format`` metadata).
    path : str, Path or None
        A local ``.onnx`` file written by ``forgelens train export``; None or "" = shipped.
    threads : int
        ONNX Runtime intra-op threads of the session.

    Raises
    ------
    ModelFileError
        Missing, not an ONNX file (truncated, corrupt, a torch checkpoint), or an ONNX file
        that is not this forgelens model.
    """
    import onnxruntime as ort

    p = Path(path).expanduser() if path else SHIPPED[kind]
    src = str(p)
    if not p.is_file():
        raise ModelFileError(src, "shipped model file missing from the package" if not path else "no such file")
    if p.suffix.lower() in (".pt", ".pth", ".safetensors"):
        raise ModelFileError(src, "a torch weights file: make an ONNX file of it with "
                                  f"`forgelens train export {p.name}` (needs forgelens[train])")
    key = (str(p.resolve()), p.stat().st_mtime, int(threads), kind)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        try:
            sess = ort.InferenceSession(src, session_options(threads), providers=["CPUExecutionProvider"])
        except Exception as exc:  # InvalidProtobuf, truncated graph, missing external data ...
            first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
            raise ModelFileError(src, f"not a readable ONNX model ({type(exc).__name__}: {first})") from None
        props = sess.get_modelmeta().custom_metadata_map
        if props.get("format") != FORMATS[kind]:
            found = props.get("format") or "no forgelens format metadata"
            raise ModelFileError(src, f"not a forgelens {kind} model (format {FORMATS[kind]!r} expected, found {found!r})")
        try:
            meta = json.loads(props.get("forgelens", "{}"))
        except ValueError:
            raise ModelFileError(src, "its 'forgelens' metadata is not JSON") from None
        model = OnnxModel(p, kind, sess, meta)
        for k in [k for k in _CACHE if k[3] == kind]:  # keep one session per kind in memory
            del _CACHE[k]
        _CACHE[key] = model
        return model
