"""Generated-image detectors: clip_probe (UnivFD) and npr_trace (up-sampling trace), TAEF2, training."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from forgelens.detectors import registry
from forgelens.evidence import load
from forgelens.learned import clip_encoder
from forgelens.training import taef2
from forgelens.training.probes import WEIGHTS_DIR, LinearProbe
from tests._generation_helpers import CAMERAS, awkward_input, encode, photo


def camera_crops(n: int, size: int = 256) -> list[np.ndarray]:
    paths = sorted((CAMERAS / "exif-samples").glob("*.jpg"))
    out = []
    for p in paths:
        with Image.open(p) as im:
            a = np.asarray(im.convert("RGB"))
        if min(a.shape[:2]) >= size + 16 and a.std() > 20:
            y0, x0 = (a.shape[0] - size) // 2, (a.shape[1] - size) // 2
            out.append(np.array(a[y0:y0 + size, x0:x0 + size]))
        if len(out) == n:
            break
    return out


# ------------------------------------------------------------------ shipped weights
@pytest.mark.parametrize("name", ["clip_probe.json", "npr_probe.json"])
def test_shipped_probe_loads(name):
    p = LinearProbe.load(WEIGHTS_DIR / name)
    assert p.coef.ndim == 1 and np.isfinite(p.coef).all() and np.linalg.norm(p.coef) > 0
    assert 0.5 <= p.threshold < 1.0 and p.platt_a > 0
    assert p.meta["calibration"] and p.meta["threshold_rule"]


def test_registered_in_generation_family():
    for name in ("clip_probe", "npr_trace"):
        assert registry.get(name).family == "generation"


def test_npr_trace_valid_and_deterministic():
    ev = load(encode(photo(400, 520)))
    t1 = registry.run("npr_trace", ev, catch=False)
    t2 = registry.run("npr_trace", ev, catch=False)
    assert t1.applicable and 0.0 <= t1.score <= 1.0 and t1.score == t2.score
    assert t1.pixels(t1.heatmap).shape == ev.shape and t1.heatmap.dtype == np.float32
    assert t1.reliability.shape == t1.heatmap.shape
    assert t1.findings and "p_generated" in t1.findings[0].values


def test_npr_trace_flags_nearest_upsampled_image():
    """An image made by ×2 nearest up-sampling + smoothing (a decoder's last stage) scores higher."""
    small = photo(200, 200, seed=3)
    up = np.repeat(np.repeat(small, 2, 0), 2, 1).astype(np.float32)
    up = np.clip(ndimage.uniform_filter(up, size=(2, 2, 1)), 0, 255).astype(np.uint8)
    plain = photo(400, 400, seed=3)
    s_up = registry.run("npr_trace", load(encode(up)), catch=False).score
    s_plain = registry.run("npr_trace", load(encode(plain)), catch=False).score
    assert s_up > s_plain


@pytest.mark.parametrize("case", ["tiny", "flat", "alpha", "sixteen", "animated"])
def test_bad_input_never_crashes(case):
    data = awkward_input(case)
    ev = load(data)
    for name in ("npr_trace", "clip_probe"):
        t = registry.run(name, ev)
        assert t.error is None, t.error
        assert (not t.applicable and t.note) or (t.score is not None and 0 <= t.score <= 1)


# ------------------------------------------------------------------ CLIP probe
needs_clip = pytest.mark.skipif(clip_encoder.unavailable_reason() is not None,
                                reason=f"CLIP encoder absent: {clip_encoder.unavailable_reason()}")


def test_clip_probe_not_applicable_without_model(monkeypatch):
    monkeypatch.setenv("FORGELENS_CLIP_ONNX", "/nonexistent/clip.onnx")
    t = registry.run("clip_probe", load(encode(photo())))
    assert not t.applicable and ("not found" in t.note or "onnxruntime" in t.note)


@needs_clip
def test_clip_probe_valid_trace_and_deterministic():
    ev = load(encode(photo()))
    t1 = registry.run("clip_probe", ev, catch=False)
    t2 = registry.run("clip_probe", ev, catch=False)
    assert t1.applicable and 0.0 <= t1.score <= 1.0
    assert abs(t1.score - t2.score) < 1e-6
    assert t1.findings[0].kind in ("generated", "inconclusive", "authentic-looking")


@needs_clip
def test_clip_preprocess_contract():
    x = clip_encoder.preprocess(photo(300, 500))
    assert x.shape == (3, 224, 224) and x.dtype == np.float32
    e = clip_encoder.embed(photo(300, 500))
    assert e.shape == (1, 512) and abs(np.linalg.norm(e) - 1) < 1e-4


@needs_clip
def test_clip_block_cls_tokens_and_batch_independence():
    a, b = photo(224, 224), (photo(224, 224, seed=3) // 4).astype(np.uint8)
    one = clip_encoder.encode_tiles([a])
    two = clip_encoder.encode_tiles([a, b])
    assert one["cls"].shape == (1, 12, 768) and one["emb"].shape == (1, 512) and one["tok"].shape == (1, 768)
    # a tile's features do not depend on the tiles encoded with it
    for k in ("emb", "tok", "cls"):
        assert np.array_equal(one[k][0], two[k][0])
    # the blocks differ (not twelve copies of one output) and the embedding is what embed() gives the tile
    assert np.abs(one["cls"][0, 0] - one["cls"][0, 11]).max() > 1e-3
    assert np.allclose(one["emb"][0], clip_encoder.embed(a)[0], atol=1e-5)


def test_with_layer_outputs_adds_one_cls_output_per_block():
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    # a two-block stand-in with the exported graph's names: block 1's output is already a graph output
    x = helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, [1, 3, 4])
    nodes = [helper.make_node("Relu", ["pixel_values"], ["/vision_model/encoder/layers.0/Add_1_output_0"]),
             helper.make_node("Relu", ["/vision_model/encoder/layers.0/Add_1_output_0"], ["last"]),
             helper.make_node("Identity", ["last"], ["/vision_model/encoder/layers.1/Add_1_output_0"])]
    out = helper.make_tensor_value_info("/vision_model/encoder/layers.1/Add_1_output_0", TensorProto.FLOAT, None)
    model = helper.make_model(helper.make_graph(nodes, "g", [x], [out]))
    graph, n = clip_encoder.with_layer_outputs(model.SerializeToString())
    m = onnx.load_from_string(graph)
    assert n == 1 and [o.name for o in m.graph.output][-1] == "cls_layer_0"
    import onnxruntime as ort

    v = np.arange(12, dtype=np.float32).reshape(1, 3, 4) - 5
    res = ort.InferenceSession(graph, providers=["CPUExecutionProvider"]).run(["cls_layer_0"], {"pixel_values": v})[0]
    assert np.array_equal(res, np.maximum(v, 0)[:, 0])


# ------------------------------------------------------------------ TAEF2 and laundering (shared data)
needs_taef2 = pytest.mark.skipif(taef2.available() is not None, reason=f"TAEF2: {taef2.available()}")


@needs_taef2
def test_taef2_reproduces_camera_crop():
    if not CAMERAS.is_dir():
        pytest.skip("../shared/datasets/cameras absent")
    crop = camera_crops(1)[0]
    rec = taef2.launder(crop)
    mse = np.mean((crop.astype(np.float64) - rec) ** 2)
    assert 10 * np.log10(255**2 / mse) > 30


@needs_taef2
@pytest.mark.xfail(reason="known shortfall: the shipped NPR probe does not separate TAEF2 reconstructions "
                   "from their originals (held-out AUC 0.38-0.66, see notes/issue-9); the aligned pairs "
                   "were made from JPEG camera crops, so the probe learned the JPEG grid", strict=False)
def test_npr_separates_taef2_reconstructions_and_spares_camera_crops():
    if not CAMERAS.is_dir():
        pytest.skip("../shared/datasets/cameras absent")
    crops = camera_crops(3)
    orig = [registry.run("npr_trace", load(encode(c, "JPEG", quality=95)), catch=False) for c in crops]
    laund = [registry.run("npr_trace", load(encode(taef2.launder(c))), catch=False) for c in crops]
    assert all(la.score > o.score for la, o in zip(laund, orig, strict=True))
    thr = LinearProbe.load(WEIGHTS_DIR / "npr_probe.json").threshold
    assert sum(o.score >= thr for o in orig) == 0


# ------------------------------------------------------------------ training recipe
def test_training_runs_end_to_end_on_tiny_set(tmp_path):
    from forgelens.training import gen_data
    from forgelens.training.probes import train_all

    for ds, label in (("cameras", "authentic"), ("aigen-sd12", "generated")):
        (tmp_path / ds).mkdir()
        rows = []
        for i in range(5):
            rgb = photo(300, 300, seed=10 * i + (label == "generated"))
            if label == "generated":  # a decoder-like last stage: nearest ×2 then smoothing
                rgb = np.repeat(np.repeat(rgb[::2, ::2], 2, 0), 2, 1)
                rgb = ndimage.uniform_filter(rgb.astype(np.float32), (2, 2, 1)).astype(np.uint8)
            name = f"{i}.png"
            Image.fromarray(rgb).save(tmp_path / ds / name)
            rows.append({"image": name, "mask": "", "label": label, "source": ""})
        with open(tmp_path / ds / "index.csv", "w", newline="") as f:
            w = csv.DictWriter(f, ["image", "mask", "label", "source"])
            w.writeheader()
            w.writerows(rows)
    items = gen_data.list_items(tmp_path)
    assert len(items) == 10
    written = train_all(items, tmp_path / "w", kinds=("npr",), aligned=False, log=lambda s: None)
    probe = LinearProbe.load(Path(written["npr"]))
    assert probe.meta["n_train_images"] == 10 and np.isfinite(probe.coef).all()


def test_cli_has_train_generated():
    if importlib.util.find_spec("typer") is None:
        pytest.skip("typer absent")
    import typer
    from typer.testing import CliRunner

    from forgelens.training.probes import register

    app = typer.Typer()

    @app.command()
    def noop() -> None:  # a second command so that typer keeps sub-commands
        pass

    register(app)
    res = CliRunner().invoke(app, ["train", "generated", "--help"])
    assert res.exit_code == 0 and "--aligned" in res.output


def test_three_way_sums_to_one():
    from forgelens.fusion.laundering import three_way

    for pt, pc in ((0.9, 0.1), (0.1, 0.9), (0.5, 0.5), (0.0, 0.0)):
        d = three_way(pt, pc)
        assert abs(d["p_pristine"] + d["p_laundered"] + d["p_synthetic"] - 1) < 1e-9
    assert three_way(0.95, 0.05)["p_laundered"] > 0.8
    assert three_way(None, None)["p_synthetic"] is None


def test_unreadable_probe_file_is_one_clear_error_naming_it(tmp_path):
    from forgelens.errors import ForgeLensError

    bad = tmp_path / "probe.json"
    bad.write_text("{not json")
    cfg = registry.get("npr_trace").config_cls(probe_path=str(bad))
    t = registry.run("npr_trace", load(encode(photo())), config=cfg)
    assert not t.applicable and str(bad) in t.error and "unreadable probe weights" in t.error
    with pytest.raises(ForgeLensError, match="unreadable probe weights"):
        registry.run("npr_trace", load(encode(photo())), config=cfg, catch=False)
    assert bad.read_text() == "{not json"  # left as it was


def test_probe_parts_name_blocks_and_crops():
    from forgelens.detectors import clip_probe as gc

    one = {"g_cls": np.arange(12 * 4, dtype=np.float32).reshape(12, 4), "g_emb": np.ones(3, np.float32)}
    assert gc.part_array(one, "g_cls[6:12]").shape == (6, 4)
    assert np.array_equal(gc.part_array(one, "g_cls[6:12]")[0], one["g_cls"][6])
    assert gc.feature_vector(one, ("g_emb", "g_cls[10:12]")).shape == (3 + 2 * 4,)
    rows = {"g_cls": np.zeros((5, 12, 4), np.float32)}
    assert gc.part_array(rows, "g_cls[0:3]").shape == (5, 3, 4)
    assert gc.crops_needed(("g_cls[6:12]",)) == 0
    assert gc.crops_needed(("g_emb", "c_emb")) == gc.N_CROPS
    assert gc.crops_needed(("g_cls", "c4_cls")) == 4


def test_clip_test_time_views_are_deterministic_tiles_and_average_the_logit():
    from forgelens.detectors import clip_probe as gc
    from forgelens.learned import clip_encoder
    from forgelens.learned.probe import LinearProbe

    rgb = photo(300, 420)
    centre = gc.view_tile(rgb, "centre")
    assert np.array_equal(centre, clip_encoder.centre_tile(rgb))
    assert np.array_equal(gc.view_tile(rgb, "mirror"), centre[:, ::-1])
    tl, br = gc.view_tile(rgb, "crop_tl"), gc.view_tile(rgb, "crop_br")
    assert tl.shape == br.shape == (gc.TILE, gc.TILE, 3) and tl.dtype == np.uint8
    assert not np.array_equal(tl, br)
    assert np.array_equal(gc.view_tile(rgb, "crop_br"), br)  # deterministic
    with pytest.raises(ValueError, match="unknown CLIP view"):
        gc.view_tile(rgb, "rotate")
    assert gc.view_part("g_cls[6:12]", "mirror") == "gm_cls[6:12]"
    assert gc.view_part("g_cls[6:12]", "centre") == "g_cls[6:12]"
    assert gc.view_part("c_cls", "crop_tl") == "c_cls"  # native crops are the same for every view
    # the logit over several views is the mean of the one-view logits
    rng = np.random.default_rng(0)
    feats = {f"{p}_cls": rng.normal(size=(12, 4)).astype(np.float32) for p in ("g", "gm", "gtl")}
    probe = LinearProbe(np.zeros(24, np.float32), np.ones(24, np.float32),
                        rng.normal(size=24).astype(np.float32), 0.3)
    parts = ("g_cls[6:12]",)
    one = [gc.probe_logit(probe, feats, parts, (v,)) for v in ("centre", "mirror", "crop_tl")]
    assert gc.probe_logit(probe, feats, parts) == pytest.approx(one[0])
    assert gc.probe_logit(probe, feats, parts, ("centre", "mirror", "crop_tl")) == pytest.approx(np.mean(one), abs=1e-5)


def test_clip_probe_with_views_reads_them_deterministically(tmp_path):
    """A probe whose meta names test-time views runs every view's tile and averages the logits."""
    from forgelens.detectors import clip_probe as gc
    from forgelens.learned import clip_encoder
    from forgelens.learned.probe import LinearProbe

    if clip_encoder.unavailable_reason():
        pytest.skip(clip_encoder.unavailable_reason())
    rng = np.random.default_rng(1)
    n = 6 * 768
    probe = LinearProbe(np.zeros(n, np.float32), np.ones(n, np.float32),
                        (rng.normal(size=n) * 0.01).astype(np.float32), 0.0,
                        meta={"parts": ["g_cls[6:12]"], "views": ["centre", "mirror"]})
    path = tmp_path / "probe.json"
    probe.save(path)
    ev = load(encode(photo(256, 320)))
    cfg = registry.get("clip_probe").config_cls(probe_path=str(path), threads=1)
    a, b = registry.run("clip_probe", ev, config=cfg), registry.run("clip_probe", ev, config=cfg)
    assert a.score == b.score and 0.0 <= a.score <= 1.0
    feats = gc.clip_features(np.asarray(ev.pixels), threads=1, n_crops=0, views=("centre", "mirror"))
    z = gc.probe_logit(probe, feats, ("g_cls[6:12]",), ("centre", "mirror"))
    assert a.findings[0].values["logit"] == pytest.approx(z, abs=1e-3)


def test_train_generated_refuses_the_old_clip_recipe_and_names_the_writer(tmp_path):
    """One writer of the shipped clip_probe.json: `forgelens train generated --kinds clip` and
    ``train_all(kinds=("clip",))`` refuse and point to benchmarks/fit/fit_generation.py."""
    from forgelens.training.probes import train_all

    with pytest.raises(ValueError, match="fit_generation.py"):
        train_all([], tmp_path, kinds=("clip",))
    if importlib.util.find_spec("typer") is None:
        pytest.skip("typer absent")
    import typer
    from typer.testing import CliRunner

    from forgelens.training.probes import register

    app = typer.Typer()

    @app.command()
    def noop() -> None:
        pass

    register(app)
    shipped = (WEIGHTS_DIR / "clip_probe.json").read_bytes()
    res = CliRunner().invoke(app, ["train", "generated", "--kinds", "clip", "--out", str(WEIGHTS_DIR)])
    assert res.exit_code == 2 and "fit_generation.py" in res.output
    assert (WEIGHTS_DIR / "clip_probe.json").read_bytes() == shipped
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("p, kind, says", [
    (0.93, "inconclusive", "P(generated) 0.93 is within the uncertain band 0.65–0.95 around the threshold 0.80"),
    (0.66, "inconclusive", "within the uncertain band 0.65–0.95"),
    (0.96, "generated", "P(generated) 0.96 ≥ threshold 0.80"),
    (0.40, "authentic-looking", "below threshold 0.80"),
])
def test_generation_sentence_gives_the_uncertain_band_numbers(p, kind, says):
    from forgelens.detectors._generation_common import verdict_finding

    f = verdict_finding("probe", p, 0.80, 0.15, {})
    assert f.kind == kind and says in f.message and "near the threshold" not in f.message
    # a band that passes 1: uncertain only below the threshold, its top edge is the threshold itself
    g = verdict_finding("probe", 0.85, 0.90, 0.15, {})
    assert g.kind == "inconclusive" and "band 0.75–0.90 around the threshold 0.90" in g.message
