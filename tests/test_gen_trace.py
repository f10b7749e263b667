"""gen_trace: the shipped generator-trace CNN, its training command, the combined P(generated) data, bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from forgelens.detectors import registry
from forgelens.evidence import load
from forgelens.learned import gen_model
from forgelens.training import taef2
from tests._generation_helpers import CAMERAS, SHARED, awkward_input, encode, photo

GEN_JSON = Path(__file__).resolve().parents[1] / "src" / "forgelens" / "fusion" / "generation.json"


def heldout_camera_crops(n: int, size: int = 256) -> list[np.ndarray]:
    """Centre crops of held-out camera photos (never in training), downscaled 2× like a web photo."""
    from forgelens.training import gen_data, gen_pairs

    out = []
    for it in gen_data.list_items(SHARED / "datasets", datasets=("cameras",)):
        if not gen_pairs.is_heldout(it) or it.group != "cameras":
            continue
        a = gen_data.read_rgb(it.path)
        if min(a.shape[:2]) < 2 * size + 16:
            continue
        y0, x0 = (a.shape[0] - 2 * size) // 2, (a.shape[1] - 2 * size) // 2
        c = np.ascontiguousarray(a[y0:y0 + 2 * size, x0:x0 + 2 * size])
        import cv2

        c = cv2.resize(c, (size, size), interpolation=cv2.INTER_AREA)
        if c.std() > 20:
            out.append(c)
        if len(out) == n:
            break
    return out


# ------------------------------------------------------------------ shipped model
def test_shipped_model_is_onnx_small_and_calibrated():
    assert gen_model.SHIPPED.is_file() and gen_model.SHIPPED.suffix == ".onnx"
    assert gen_model.SHIPPED.stat().st_size < 1e6  # ~80 k float32 parameters
    net, meta = gen_model.load()
    assert meta["format"] == "forgelens-gen-trace-1" and meta["source"] == "gen_trace.safetensors"
    assert 0.5 <= meta["threshold"] < 1 and meta["platt_a"] > 0
    assert meta["calibration"] and meta["threshold_rule"] and meta["n_pairs"] > 0
    z = net(np.zeros((2, 3, 64, 72), np.float32))
    assert z.shape == (2, 8, 9) and z.dtype == np.float32


def test_registered_and_deterministic():
    assert registry.get("gen_trace").family == "generation"
    ev = load(encode(photo(400, 520)))
    t1 = registry.run("gen_trace", ev, catch=False)
    t2 = registry.run("gen_trace", ev, catch=False)
    assert t1.applicable and 0.0 <= t1.score <= 1.0 and t1.score == t2.score
    assert t1.pixels(t1.heatmap).shape == ev.shape and t1.heatmap.dtype == np.float32
    assert t1.reliability.shape == t1.heatmap.shape and np.array_equal(t1.heatmap, t2.heatmap)
    assert t1.findings and "p_generated" in t1.findings[0].values


def test_flat_patches_unreliable():
    img = photo(256, 512)
    img[:, 256:] = 120  # right half flat
    t = registry.run("gen_trace", load(encode(img)), catch=False)
    rel, heat = t.pixels(t.reliability), t.pixels(t.heatmap)
    assert rel[:, 300:].max() == 0 and rel[:, :200].min() == 1
    assert heat[:, 300:].max() == 0


@pytest.mark.skipif(taef2.available() is not None, reason=f"TAEF2: {taef2.available()}")
def test_separates_taef2_reconstructions_and_spares_camera_crops():
    if not CAMERAS.is_dir():
        pytest.skip("../shared/datasets/cameras absent")
    crops = heldout_camera_crops(4)
    assert len(crops) >= 3
    thr = gen_model.load()[1]["threshold"]
    orig = [registry.run("gen_trace", load(encode(c)), catch=False).score for c in crops]
    laund = [registry.run("gen_trace", load(encode(taef2.launder(c))), catch=False).score for c in crops]
    assert all(la > o for la, o in zip(laund, orig, strict=True)), (orig, laund)
    assert sum(o >= thr for o in orig) == 0, (orig, thr)


def test_plain_camera_photo_not_flagged():
    if not CAMERAS.is_dir():
        pytest.skip("../shared/datasets/cameras absent")
    from forgelens.training import gen_data, gen_pairs

    thr = gen_model.load()[1]["threshold"]
    its = [it for it in gen_data.list_items(SHARED / "datasets", datasets=("cameras",))
           if gen_pairs.is_heldout(it) and "D70s_1" in it.path.name and it.group == "cameras"]
    assert its
    t = registry.run("gen_trace", load(its[0].path), catch=False)
    assert t.applicable and t.score < thr


@pytest.mark.parametrize("case", ["tiny", "flat", "alpha", "sixteen", "animated", "huge"])
def test_bad_input_never_crashes(case):
    data = awkward_input(case)
    t = registry.run("gen_trace", load(data))
    assert t.error is None, t.error
    assert (not t.applicable and t.note) or (t.score is not None and 0 <= t.score <= 1)
    if case == "flat":
        assert not t.applicable and t.note


def test_missing_weights_is_not_applicable(tmp_path):
    t = registry.run("gen_trace", load(encode(photo())), config=registry.get("gen_trace").config_cls(
        weights=str(tmp_path / "none.onnx")))
    assert not t.applicable and "none.onnx" in t.note and "no such file" in t.note


@pytest.mark.parametrize("content,says", [
    ("garbage", "not a readable ONNX model"),
    ("truncated", "not a readable ONNX model"),
    ("foreign", "not a forgelens gen_trace model"),  # a valid ONNX file of another model
    ("torch", "a torch weights file"),  # the safetensors it was exported from
])
def test_unreadable_weights_are_not_applicable_naming_the_file(tmp_path, content, says):
    from forgelens.learned.onnx_models import SHIPPED

    bad = tmp_path / ("gen_trace.safetensors" if content == "torch" else f"{content}.onnx")
    bad.write_bytes({"garbage": b"not an onnx file" * 20, "truncated": gen_model.SHIPPED.read_bytes()[:5000],
                     "foreign": SHIPPED["localizer"].read_bytes(),
                     "torch": gen_model.SHIPPED.with_suffix(".safetensors").read_bytes()}[content])
    before = bad.read_bytes()
    t = registry.run("gen_trace", load(encode(photo())),
                     config=registry.get("gen_trace").config_cls(weights=str(bad)))
    assert t.error is None and not t.applicable
    assert str(bad) in t.note and says in t.note, t.note
    assert bad.read_bytes() == before  # the file is left as it was


# ------------------------------------------------------------------ split: reserved pictures never fitted on
def _split_items(root: Path) -> list:
    from forgelens.training import gen_data

    items = []
    for i in range(40):  # camera originals of a reserved copy (ianare/exif-samples) and of the Dresden units
        items.append(gen_data.Item(root / "cameras" / "exif-samples" / f"model_{i}.jpg", 0, "cameras", "cameras"))
        items.append(gen_data.Item(root / "cameras" / "exif-samples" / f"ff_{i}.jpg", 0, "cameras-flatfield", "cameras"))
    for unit in (0, 1):
        items.append(gen_data.Item(root / "cameras" / "prnu" / f"nat-jpg__Nikon_D70s_{unit}_1.JPG", 0, "cameras", "cameras"))
    for i in range(8):
        items.append(gen_data.Item(root / "pristine-extra" / "sun-hays80" / f"p{i}.jpg", 0, "pristine-sun-hays80",
                                   "pristine-extra"))
        items.append(gen_data.Item(root / "aigen-sd12" / f"sd_{i}.png", 1, "sd12", "aigen-sd12"))
    return items


def _fit_lists(items: list) -> list:
    from forgelens.training import gen_pairs, gen_trace

    return [*gen_pairs.training_items(items), *gen_pairs.calibration_items(items), *gen_trace.heldout_sets(items)]


def test_no_exif_samples_picture_enters_training_or_calibration(tmp_path):
    from forgelens.training import gen_data, gen_pairs

    items = _split_items(tmp_path)
    lists = _fit_lists(items)
    used = [it for lst in lists for it in lst]
    assert used and not any("exif-samples" in it.path.as_posix() for it in used)
    assert all(gen_pairs.is_reserved(it) and gen_pairs.is_heldout(it) for it in items if "exif-samples" in str(it.path))
    train_real, _, cal_real, _ = lists[:4]
    assert {it.path.name for it in train_real if it.dataset == "cameras"} == {"nat-jpg__Nikon_D70s_0_1.JPG"}
    assert {it.path.name for it in cal_real if it.dataset == "cameras"} == {"nat-jpg__Nikon_D70s_1_1.JPG"}
    assert not {it.path for it in train_real} & {it.path for it in cal_real}  # disjoint
    if CAMERAS.is_dir():  # the real shared lists too
        shared = gen_data.list_items(SHARED / "datasets")
        used = [it for lst in _fit_lists(shared) for it in lst]
        assert used and not any("exif-samples" in it.path.as_posix() for it in used)
        assert any("exif-samples" in it.path.as_posix() for it in shared)


# ------------------------------------------------------------------ training command
def _tiny_dataset(root: Path) -> None:
    for ds, label in (("cameras", "authentic"), ("aigen-sd12", "generated")):
        (root / ds).mkdir(parents=True)
        rows = []
        for i in range(4):
            rgb = photo(200, 200, seed=10 * i + (label == "generated"))
            if label == "generated":  # a decoder-like last stage: nearest ×2 then smoothing
                rgb = np.repeat(np.repeat(rgb[::2, ::2], 2, 0), 2, 1)
                rgb = ndimage.uniform_filter(rgb.astype(np.float32), (2, 2, 1)).astype(np.uint8)
            Image.fromarray(rgb).save(root / ds / f"{i}.png")
            rows.append({"image": f"{i}.png", "mask": "", "label": label, "source": ""})
        with open(root / ds / "index.csv", "w", newline="") as f:
            w = csv.DictWriter(f, ["image", "mask", "label", "source"])
            w.writeheader()
            w.writerows(rows)


def test_train_generated_cli_end_to_end(tmp_path):
    """`forgelens train generated` on a tiny set, then `forgelens train export`: deterministic, loadable."""
    pytest.importorskip("torch", reason="training needs torch: pip install 'forgelens[train]'")
    pytest.importorskip("onnx", reason="export needs onnx: pip install 'forgelens[train]'")
    import typer
    from typer.testing import CliRunner

    from forgelens.training.export import register as register_export
    from forgelens.training.probes import register

    _tiny_dataset(tmp_path / "data")
    app = typer.Typer()

    @app.command()
    def noop() -> None:
        pass

    register(app)
    register_export(app)
    outs = []
    for k in range(2):
        out = tmp_path / f"w{k}"
        res = CliRunner().invoke(app, ["train", "generated", "--data", str(tmp_path / "data"), "--out", str(out),
                                       "--no-aligned", "--steps", "6", "--pairs", "8"])
        assert res.exit_code == 0, res.output
        outs.append(out / "gen_trace.safetensors")
    assert outs[0].read_bytes() == outs[1].read_bytes()  # deterministic
    res = CliRunner().invoke(app, ["train", "export", str(outs[0]), "-o", str(tmp_path / "exported")])
    assert res.exit_code == 0, res.output
    onnx_path = tmp_path / "exported" / "gen_trace.onnx"
    _, meta = gen_model.load(onnx_path)
    assert meta["steps"] == 6 and meta["n_train_real_images"] >= 1
    t = registry.run("gen_trace", load(encode(photo())), config=registry.get("gen_trace").config_cls(weights=str(onnx_path)))
    assert t.applicable and 0 <= t.score <= 1


# ------------------------------------------------------------------ combined P(generated) data
def test_generation_json_schema():
    from forgelens.fusion.generation import GenerationCombiner

    doc = json.loads(GEN_JSON.read_text())
    assert doc["format"] == "forgelens-model" and doc["kind"] == "generation" and doc["description"]
    for k in ("script", "data", "date", "n_real", "n_generated", "heldout_real", "heldout_fpr"):
        assert k in doc["provenance"]
    combiner = GenerationCombiner.load(GEN_JSON)
    assert (combiner.laundering_trace, combiner.laundering_semantic) == ("gen_trace", "clip_probe")
    dets = [list(m.detectors) for m in combiner.models]
    assert dets[0] == ["gen_trace", "clip_probe"] and ["gen_trace"] in dets  # full model first, then fallbacks
    for m in combiner.models:
        assert len(m.coef) == len(m.detectors)
        assert 0 <= m.authentic_below <= m.generated_at <= 1 and m.generated_at >= 0.5
        assert m.heldout_fpr <= 0.03 + 1e-9
        assert all(registry.get(d).family == "generation" for d in m.detectors)


def test_three_way_laundered_vs_synthetic():
    from forgelens.fusion.laundering import three_way

    lau, syn, pri = three_way(0.95, 0.05), three_way(0.95, 0.95), three_way(0.05, 0.05)
    for d in (lau, syn, pri):
        assert abs(d["p_pristine"] + d["p_laundered"] + d["p_synthetic"] - 1) < 1e-9
    assert lau["p_laundered"] > 0.8 and syn["p_synthetic"] > 0.8 and pri["p_pristine"] > 0.8
    assert lau["p_laundered_given_traces"] > syn["p_laundered_given_traces"]


def test_threshold_holds_every_source_and_never_reads_reserved_or_validation_pictures(tmp_path):
    from forgelens.training import gen_trace
    from forgelens.training.calibration import per_source_threshold

    p = {"a": np.r_[np.linspace(0.1, 0.6, 99), 0.95], "b": np.linspace(0.2, 0.8, 40)}
    thr = per_source_threshold(np.r_[p["a"], p["b"]], np.array(["a"] * 100 + ["b"] * 40))
    assert all(np.mean(v >= thr) <= 0.03 for v in p.values())
    assert thr > per_source_threshold(p["a"], np.array(["a"] * 100))  # source b binds
    assert per_source_threshold(np.full(5, 0.1), np.array(["a"] * 5)) == 0.5  # never below 0.5

    def rec(i, repo, split, family="stock-unsplash", label="authentic"):
        return json.dumps({"id": f"{i:08x}", "repo": repo, "commit": "-", "path": f"x/{i}.jpg", "label": label,
                           "family": family, "style": "", "licence": "", "split": split,
                           "views": [{"view": "proc", "file": f"{i}_proc.jpg"}, {"view": "jpeg75", "file": f"{i}_j.jpg"}]})

    gd = tmp_path / "gen"
    gd.mkdir()
    (gd / "manifest.jsonl").write_text("\n".join([
        rec(1, "TeenBiscuits/RealOrAI", "train"), rec(2, "TeenBiscuits/RealOrAI", "val"),
        rec(3, "../shared/datasets/cameras", "train", "camera-original"),
        rec(4, "vicliv/deepfake-survey", "train", "flux-1-dev", "generated")]) + "\n")
    src = gen_trace.threshold_sources(_split_items(tmp_path / "shared"), gd)
    paths = [str(p) for v in src.values() for p in v]
    assert src["gen-data:stock-unsplash"] == [gd / "views" / "1_proc.jpg"]
    assert not any("exif-samples" in p or "2_proc" in p or "3_proc" in p or "4_proc" in p or "_j.jpg" in p for p in paths)
    assert src["cameras"] and all("D70s_1" in str(p) for p in src["cameras"])  # held-out shared photos, by group


def test_multigen_crops_read_only_training_split_pictures_from_outside_shared(tmp_path):
    from forgelens.training import gen_trace_multigen

    gd = tmp_path / "gen"
    (gd / "views").mkdir(parents=True)
    rows = [("1", "TeenBiscuits/RealOrAI", "train", "authentic"), ("2", "vicliv/deepfake-survey", "train", "generated"),
            ("3", "vicliv/deepfake-survey", "val", "generated"), ("4", "../shared/datasets/aigen-sd12", "train", "generated")]
    lines = []
    for i, repo, split, label in rows:
        Image.fromarray(photo(200, 200, seed=int(i))).save(gd / "views" / f"{i}_proc.png")
        lines.append(json.dumps({"id": i, "repo": repo, "commit": "-", "path": f"{i}.png", "label": label, "family": "f",
                                 "style": "", "licence": "", "split": split, "views": [{"view": "proc", "file": f"{i}_proc.png"}]}))
    (gd / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    real, gen = gen_trace_multigen.multigen_crops(gd, per_generated=2, per_real=3)
    assert real.shape == (3, 128, 128, 3) and gen.shape == (2, 128, 128, 3)  # pictures 3 (val) and 4 (shared) left out
    first = np.asarray(Image.open(gd / "views" / "2_proc.png"))
    assert any((first[y:y + 128, x:x + 128] == gen[0]).all() for y in range(73) for x in range(73))


def test_oof_halves_keep_each_family_and_repository_in_one_half_and_score_out_of_fold(tmp_path):
    from forgelens.training import gen_trace_multigen
    from forgelens.training.gen_trace_oof import Folds
    from forgelens.training.generation_data import load_manifest

    gd = tmp_path / "gen"
    (gd / "views").mkdir(parents=True)
    rows = [("g1", "a/x", "train", "generated", "big"), ("g2", "a/x", "train", "generated", "big"),
            ("g3", "a/x", "train", "generated", "big"), ("g4", "a/y", "train", "generated", "mid"),
            ("g5", "a/y", "train", "generated", "mid"), ("g6", "a/z", "train", "generated", "small"),
            ("w1", "s/one", "train", "authentic", "stock-web"), ("w2", "s/one", "train", "authentic", "stock-web"),
            ("w3", "s/two", "train", "authentic", "stock-web"), ("r1", "a/x", "train", "authentic", "stock"),
            ("v1", "a/x", "val", "generated", "big"), ("v2", "a/x", "val", "authentic", "stock")]
    lines = []
    for i, (rid, repo, split, label, family) in enumerate(rows):
        Image.fromarray(photo(160, 160, seed=i)).save(gd / "views" / f"{rid}_proc.png")
        lines.append(json.dumps({"id": rid, "repo": repo, "commit": "-", "path": f"{rid}.png", "label": label,
                                 "family": family, "style": "", "licence": "", "split": split,
                                 "views": [{"view": "proc", "file": f"{rid}_proc.png"}]}))
    (gd / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    records = {r.id: r for r in load_manifest(gd)}
    halves = Folds(records.values(), k=2)
    # greedy by size: the largest family alone in half 0, the next two together in half 1
    assert halves.families == {"big": 0, "mid": 1, "small": 1}
    assert halves.repos == {"s/one": 0, "s/two": 1}
    assert {halves.fold(records[i]) for i in ("g1", "g2", "g3")} == {0}
    assert halves.fold(records["w1"]) == halves.fold(records["w2"]) != halves.fold(records["w3"])
    # a training picture is scored by the model of the other half; validation pictures by the full model
    assert halves.scorer(records["g1"]) == "x0" and halves.scorer(records["g4"]) == "x1"
    assert halves.scorer(records["v1"]) == halves.scorer(records["v2"]) == "full"
    # each half's crops come from its own training pictures only
    real0, gen0 = gen_trace_multigen.multigen_crops(gd, per_generated=1, per_real=1, keep=lambda r: halves.fold(r) == 0)
    real1, gen1 = gen_trace_multigen.multigen_crops(gd, per_generated=1, per_real=1, keep=lambda r: halves.fold(r) == 1)
    assert len(gen0) == 3 and len(gen1) == 3
    assert len(real0) + len(real1) == 4  # w1, w2, w3, r1; validation pictures in neither
    # k folds: every family in exactly one fold, each fold's model trained on the others
    folds = Folds(records.values(), k=3)
    assert sorted(folds.families.values()) == [0, 1, 2]
    assert {folds.scorer(records[i]) for i in ("g4", "g5")} == {f"x{folds.families['mid']}"}
