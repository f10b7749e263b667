"""Learned localizer at inference: the shipped ONNX model, tiled full-resolution maps, bad model files.

No torch here: the ONNX-vs-torch parity and the training recipes are in ``test_training.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from forgelens.detectors import registry
from forgelens.errors import ForgeLensError
from forgelens.evidence import load
from forgelens.learned import localizer, onnx_models
from forgelens.learned.onnx_models import SHIPPED, ModelFileError
from tests._learned_helpers import CAMERAS, DONORS, HOSTS, camera_splice, jpeg_bytes, textured_photo

# --------------------------------------------------------------------------- model file and inference


def test_shipped_model_is_a_small_onnx_file_with_its_detection_head():
    path = SHIPPED["localizer"]
    assert path.is_file() and path.suffix == ".onnx" and path.stat().st_size < 30 * 2**20
    net = localizer.load(None)
    assert net.model.meta["spec"]["encoder"] == "efficientnet-lite0"
    assert net.w1.shape == (16, 6) and net.w2.shape == (1, 16)
    prob, conf = net.maps(np.zeros((1, 3, 64, 96), np.float32))
    assert prob.shape == conf.shape == (1, 1, 64, 96) and 0 <= prob.min() and prob.max() <= 1


def test_inference_never_imports_torch():
    import subprocess
    import sys

    code = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] == 'torch': raise ImportError('torch blocked')\n"
            "sys.meta_path.insert(0, Block())\n"
            "import numpy as np\n"
            "from forgelens.detectors import registry\n"
            "from forgelens.evidence import load\n"
            "rgb = np.random.default_rng(0).integers(0, 256, (96, 128, 3), dtype=np.uint8)\n"
            "import cv2\n"
            "ev = load(cv2.imencode('.png', rgb)[1].tobytes())\n"
            "for name in ('learned_localizer', 'gen_trace'):\n"
            "    t = registry.run(name, ev, catch=False)\n"
            "    assert t.applicable, (name, t.note)\n"
            "assert 'torch' not in sys.modules\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]


def test_full_resolution_trace_deterministic_and_tiled():
    rgb = textured_photo(300, 520, seed=1)  # not a multiple of 32; two tiles across at tile=384
    ev = load(jpeg_bytes(rgb))
    info = registry.get("learned_localizer")
    # Tiles of 384 px with 128 px overlap (the shipped default is 512 / 64). Measured mean |diff| vs
    # whole-image: 0.025 at 384/128, 0.051 at 256/64 (the model sees less context in smaller tiles).
    cfg = info.make_config({"tile": "384", "overlap": "128"})
    t1 = registry.run("learned_localizer", ev, cfg, catch=False)
    t2 = registry.run("learned_localizer", ev, cfg, catch=False)
    assert t1.applicable and t1.heatmap.shape == (300, 520) and t1.reliability.shape == (300, 520)
    assert t1.heatmap.dtype == np.float32 and 0 <= t1.heatmap.min() and t1.heatmap.max() <= 1
    assert 0.0 <= t1.score <= 1.0
    assert np.array_equal(t1.heatmap, t2.heatmap) and t1.score == t2.score
    # Tiled vs whole-image inference on an image small enough for both: stated tolerance.
    whole = registry.run("learned_localizer", ev, info.make_config({"tile": "544"}), catch=False)
    diff = np.abs(whole.heatmap - t1.heatmap)
    assert diff.mean() < 0.05, f"tiled vs whole mean |diff| {diff.mean():.3f}"


def test_map_statistics_match_a_direct_computation():
    rng = np.random.default_rng(3)
    prob, conf = rng.random((70, 90), dtype=np.float32), rng.random((70, 90), dtype=np.float32)
    s = localizer.map_statistics(prob, conf)
    pp = prob[:64, :88].reshape(8, 8, 11, 8).mean(axis=(1, 3)).ravel()
    pc = conf[:64, :88].reshape(8, 8, 11, 8).mean(axis=(1, 3)).ravel()
    top = np.sort(pp)[-1:].mean()  # 2 % of 88 cells rounds down to 1
    want = [pp.max(), pp.mean(), (pp * pc).sum() / pc.sum(), top, (pp * pc).max(), pc.mean()]
    assert np.allclose(s, want, atol=1e-6)


@pytest.mark.parametrize("content,says", [
    ("missing", "no such file"),
    ("garbage", "not a readable ONNX model"),
    ("truncated", "not a readable ONNX model"),
    ("foreign", "not a forgelens localizer model"),  # a valid ONNX file of another model
    ("torch", "a torch weights file"),
])
def test_bad_model_file_is_one_clear_error_naming_it(tmp_path, content, says):
    bad = tmp_path / ("mine.safetensors" if content == "torch" else f"{content}.onnx")
    if content != "missing":
        bad.write_bytes({"garbage": b"not an onnx file at all" * 10,
                         "truncated": SHIPPED["localizer"].read_bytes()[:100_000],
                         "foreign": SHIPPED["gen_trace"].read_bytes(),
                         "torch": SHIPPED["localizer"].with_suffix(".safetensors").read_bytes()}[content])
    before = bad.read_bytes() if bad.exists() else None
    with pytest.raises(ModelFileError, match=f"{bad.name}.*{says}") as err:
        localizer.load(bad)
    assert isinstance(err.value, ForgeLensError) and err.value.source == str(bad)
    assert (bad.read_bytes() if bad.exists() else None) == before  # never touched
    ev = load(jpeg_bytes(textured_photo(64, 64)))
    cfg = registry.get("learned_localizer").make_config({"weights_path": str(bad)})
    with pytest.raises(ModelFileError):
        registry.run("learned_localizer", ev, cfg, catch=False)
    t = registry.run("learned_localizer", ev, cfg)  # in a batch: recorded, not raised
    assert not t.applicable and says in t.error


def test_sessions_are_cached_per_file_and_threads():
    a = onnx_models.load("gen_trace", None, threads=1)
    assert onnx_models.load("gen_trace", None, threads=1) is a


# --------------------------------------------------------------------------- accuracy on splices made here


def _need_cameras():
    if not all((CAMERAS / n).is_file() for n in HOSTS + DONORS):
        pytest.skip("../shared/datasets/cameras/exif-samples absent")


SPLICE_SEEDS = (0, 1, 2, 3, 4, 5)


def test_camera_splice_is_found():
    """Another camera's noise and JPEG history pasted in a camera photo: pixel AUC >= 0.8 (mean of 6)."""
    from sklearn.metrics import roc_auc_score

    _need_cameras()
    aucs = []
    for seed in SPLICE_SEEDS:
        data, mask, _ = camera_splice(seed)
        t = registry.run("learned_localizer", load(data), catch=False)
        aucs.append(roc_auc_score(mask.ravel(), t.heatmap.ravel()))
    aucs = np.array(aucs)
    assert aucs.mean() >= 0.8 and aucs.min() >= 0.6, f"pixel AUCs {np.round(aucs, 3)}"


def test_authentic_camera_photo_stays_low():
    _need_cameras()
    for seed in SPLICE_SEEDS[:4]:
        _, _, clean = camera_splice(seed)
        t = registry.run("learned_localizer", load(clean), catch=False)
        assert (t.heatmap >= 0.5).mean() < 0.05 and t.heatmap.mean() < 0.3, (
            f"seed {seed}: {(t.heatmap >= 0.5).mean():.3f} of pixels >= 0.5, mean {t.heatmap.mean():.2f}")
        assert not [f for f in t.findings if f.values["area_fraction"] >= 0.05]




# --------------------------------------------------------------------------- layering


def _imports(path) -> set[str]:
    """forgelens modules a source file imports (anywhere in it, lazy imports included)."""
    import ast

    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("forgelens"):
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("forgelens"))
    return out


def test_training_is_above_inference_and_has_no_import_circle():
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "forgelens"
    mods = {".".join(("forgelens",) + p.relative_to(src).with_suffix("").parts): p
            for sub in ("learned", "training") for p in (src / sub).glob("*.py") if p.name != "__init__.py"}
    graph = {m: {i for i in _imports(p) if i in mods} for m, p in mods.items()}
    for m, p in mods.items():
        imps = _imports(p)
        assert "forgelens.cli" not in imps, f"{m} imports the CLI (cli.py imports the recipes, never the reverse)"
        if m.startswith("forgelens.learned"):
            assert not [i for i in imps if i.startswith("forgelens.training")], f"{m} imports training code"
            assert "import torch" not in p.read_text(), f"{m} imports torch"

    def visit(m, stack):
        assert m not in stack, f"import circle: {' -> '.join([*stack, m])}"
        for n in graph[m]:
            visit(n, [*stack, m])

    for m in graph:
        visit(m, [])
