"""forgelens bench: metrics against scikit-learn, dataset layouts, perturbations, runner, cache, CLI, Ray."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn import metrics as skm

from forgelens.bench import datasets as bds
from forgelens.bench import engines as E
from forgelens.bench import metrics as M
from forgelens.bench import perturb as P
from forgelens.bench import run_bench
from forgelens.bench import task as T
from forgelens.bench import writers as W
from forgelens.detectors import registry
from forgelens.trace import Trace

# --------------------------------------------------------------------------- a test detector


@dataclass(frozen=True)
class _BrightConfig:
    level: float = 200.0


@registry.register("_bench_bright", config=_BrightConfig, description="test: bright = suspicious",
                   family="noise", default=False)
def _bright(evidence, config):
    y = evidence.luminance
    heat = np.clip((y - 100.0) / (config.level - 100.0), 0, 1).astype(np.float32)
    return Trace("_bench_bright", heatmap=heat, score=float((y > config.level).mean() * 20))


# --------------------------------------------------------------------------- metrics vs sklearn


def _cases():
    rng = np.random.default_rng(0)
    for seed in range(4):
        r = np.random.default_rng(seed)
        gt = r.random((11, 19)) < r.uniform(0.05, 0.6)
        yield "random", r.random((11, 19)).astype(np.float32), gt
        yield "quantised", np.round(r.random((11, 19)) * 4) / 4, gt  # many ties
    gt = rng.random((16, 16)) < 0.3
    yield "all-zero mask", rng.random((16, 16)), np.zeros((16, 16), bool)
    yield "all-one mask", rng.random((16, 16)), np.ones((16, 16), bool)
    yield "constant map", np.full((16, 16), 0.5), gt
    yield "constant map low", np.full((16, 16), 0.2), gt
    yield "perfect", gt.astype(float), gt
    yield "inverted", 1.0 - gt, gt


@pytest.mark.parametrize("case", list(_cases()), ids=lambda c: c[0])
def test_pixel_metrics_match_sklearn(case):
    _, heat, gt = case
    y, s = gt.ravel(), np.asarray(heat, np.float64).ravel()
    pred = s >= 0.5
    assert M.f1_at(heat, gt) == pytest.approx(skm.f1_score(y, pred, zero_division=0))
    assert M.iou_at(heat, gt) == pytest.approx(skm.jaccard_score(y, pred, zero_division=0))
    assert M.mcc_at(heat, gt) == pytest.approx(skm.matthews_corrcoef(y, pred), abs=1e-12)
    inv = max(skm.f1_score(y, pred, zero_division=0), skm.f1_score(y, (1 - s) >= 0.5, zero_division=0))
    assert M.f1_inverted_at(heat, gt) == pytest.approx(inv)
    # best threshold: brute force over every distinct value (and predicting nothing)
    brute = max([0.0] + [skm.f1_score(y, s >= t, zero_division=0) for t in np.unique(s)])
    brute_inv = max([brute] + [skm.f1_score(y, (1 - s) >= t, zero_division=0) for t in np.unique(1 - s)])
    assert M.best_f1(heat, gt) == pytest.approx(brute)
    assert M.best_f1_inverted(heat, gt) == pytest.approx(brute_inv)
    if y.all() or not y.any():
        assert np.isnan(M.pixel_auc(heat, gt))
    else:
        assert M.pixel_auc(heat, gt) == pytest.approx(skm.roc_auc_score(y, s))
    ps = M.pixel_scores(heat, gt)
    assert ps.f1 == pytest.approx(M.f1_at(heat, gt)) and ps.best_f1 == pytest.approx(brute)
    assert ps.f1_inverted == pytest.approx(inv) and ps.best_f1_inverted == pytest.approx(brute_inv)
    assert ps.iou == pytest.approx(M.iou_at(heat, gt)) and ps.mcc == pytest.approx(M.mcc_at(heat, gt), abs=1e-12)


def test_boundary_exclusion_ignores_a_band_around_the_edge():
    gt = np.zeros((80, 80), bool)
    gt[20:60, 20:60] = True
    pos, valid = M.boundary_exclusion(gt)
    assert pos.sum() == (40 - 14) ** 2 and (pos <= gt).all()  # eroded by a 15x15 square
    assert (~valid).sum() == (40 + 10) ** 2 - (40 - 14) ** 2  # dilated by 11x11, band ignored
    heat = gt.astype(np.float32)
    heat[18:62, 18:62] = 1.0  # 2-pixel spill over the edge: inside the ignored band
    assert M.pixel_scores(heat, gt, boundary=True).f1 == pytest.approx(1.0)
    assert M.pixel_scores(heat, gt, boundary=False).f1 < 1.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_image_metrics_match_sklearn(seed):
    r = np.random.default_rng(seed)
    y = r.random(60) < 0.4
    s = np.round(r.random(60) * 10) / 10 + 0.2 * y  # ties included
    assert M.image_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s))
    assert M.balanced_accuracy_at(y, s) == pytest.approx(skm.balanced_accuracy_score(y, s >= 0.5))
    assert M.average_precision(y, s) == pytest.approx(skm.average_precision_score(y, s))
    fpr, tpr, _ = skm.roc_curve(y, s)
    assert M.tpr_at_fpr(y, s) == pytest.approx(tpr[fpr <= 0.05].max())


def test_image_metrics_need_both_classes():
    assert M.image_scores(np.ones(5, bool), np.linspace(0, 1, 5)) == dict.fromkeys(M.IMAGE_METRICS)
    assert M.image_auc(np.zeros(4, bool), np.zeros(4)) is None
    # constant scores: chance AUC, AP = prevalence
    y = np.array([1, 0, 1, 0, 0], bool)
    assert M.image_auc(y, np.full(5, 0.3)) == pytest.approx(0.5)
    assert M.average_precision(y, np.full(5, 0.3)) == pytest.approx(skm.average_precision_score(y, np.full(5, 0.3)))


# --------------------------------------------------------------------------- datasets


def _save(path: Path, arr: np.ndarray, fmt: str | None = None, **kw) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path, format=fmt, **kw)


def _scene(seed: int, h: int = 128, w: int = 160, box=(30, 40, 60, 90)):
    r = np.random.default_rng(seed)
    img = (r.random((h, w, 3)) * 60 + 40).astype(np.uint8)  # dark texture
    mask = np.zeros((h, w), np.uint8)
    y0, x0, y1, x1 = box
    img[y0:y1, x0:x1] = 230  # the "forgery": a bright patch the test detector sees
    mask[y0:y1, x0:x1] = 255
    return img, mask


@pytest.fixture
def tiny_dataset(tmp_path: Path) -> Path:
    """index.csv dataset: 3 good forgeries, 2 authentic, and one of each kind of bad input."""
    root = tmp_path / "tiny"
    rows = []
    for i in range(3):
        img, mask = _scene(i)
        _save(root / f"tp/f{i}.png", img)
        _save(root / f"gt/f{i}.png", mask)
        rows.append((f"tp/f{i}.png", f"gt/f{i}.png", "manipulated"))
    for i in range(2):
        img, _ = _scene(10 + i)
        img[30:60, 40:90] = 60
        _save(root / f"au/a{i}.jpg", img, "JPEG", quality=92)
        rows.append((f"au/a{i}.jpg", "", "authentic"))
    img, mask = _scene(20)
    _save(root / "tp/bigmask.png", img)
    _save(root / "gt/bigmask.png", np.asarray(Image.fromarray(mask).resize((320, 256), Image.NEAREST)))
    rows.append(("tp/bigmask.png", "gt/bigmask.png", "manipulated"))
    _save(root / "tp/transposed.png", img)
    _save(root / "gt/transposed.png", mask.T.copy())
    rows.append(("tp/transposed.png", "gt/transposed.png", "manipulated"))
    _save(root / "tp/nomaskfile.png", img)
    rows.append(("tp/nomaskfile.png", "gt/does_not_exist.png", "manipulated"))
    (root / "tp/broken.jpg").write_bytes(b"this is not an image at all")
    rows.append(("tp/broken.jpg", "gt/f0.png", "manipulated"))
    with open(root / "index.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["image", "mask", "label", "source"])
        w.writerows([(a, b, c, "test") for a, b, c in rows])
    return root


def test_three_layouts(tmp_path: Path, tiny_dataset: Path):
    ds = bds.resolve(str(tiny_dataset))
    assert ds.layout == "index.csv" and ds.counts()["manipulated"] == 7 and ds.counts()["authentic"] == 2
    # IMDL-BenCo JSON list
    js = tmp_path / "list.json"
    js.write_text(json.dumps([[str(tiny_dataset / "tp/f0.png"), str(tiny_dataset / "gt/f0.png")],
                              ["tiny/au/a0.jpg", "Negative"]]))
    d2 = bds.resolve(str(js))
    assert d2.layout == "imdl-json" and [i.label for i in d2.items] == ["manipulated", "authentic"]
    assert d2.path(d2.items[1].image).is_file()
    # Tp/ + Gt/ pair, masks matched by stem with a _gt suffix
    tg = tmp_path / "tpgt"
    img, mask = _scene(0)
    _save(tg / "Tp/x1.png", img)
    _save(tg / "Gt/x1_gt.png", mask)
    _save(tg / "Tp/x2.png", img)
    _save(tg / "Au/y.png", img)
    d3 = bds.resolve(str(tg))
    assert d3.layout == "tp-gt"
    assert {(i.image, i.mask, i.label) for i in d3.items} == {
        ("Tp/x1.png", "Gt/x1_gt.png", "manipulated"), ("Tp/x2.png", None, "manipulated"), ("Au/y.png", None, "authentic")}
    assert any("x2" in p for p in d3.problems)
    found = {d.name for d in bds.find_datasets(tmp_path)}
    assert found == {"tiny", "list", "tpgt"}
    with pytest.raises(FileNotFoundError, match="not found"):
        bds.resolve("no-such-set", tmp_path)


def test_mask_policy(tiny_dataset: Path):
    m, warn = bds.read_mask(tiny_dataset / "gt/bigmask.png", (128, 160))
    assert m.shape == (128, 160) and m.dtype == bool and warn and "resized (nearest)" in warn
    assert m[30:60, 40:90].all() and m.sum() == 30 * 50
    with pytest.raises(bds.MaskError, match="refused"):
        bds.read_mask(tiny_dataset / "gt/transposed.png", (128, 160))
    with pytest.raises(bds.MaskError, match="missing"):
        bds.read_mask(tiny_dataset / "gt/nope.png", (128, 160))
    # JPEG mask with ringing: thresholded at 128
    buf = io.BytesIO()
    Image.fromarray(_scene(0)[1]).save(buf, "JPEG", quality=70)
    (tiny_dataset / "gt/j.jpg").write_bytes(buf.getvalue())
    mj, _ = bds.read_mask(tiny_dataset / "gt/j.jpg", (128, 160))
    assert abs(int(mj.sum()) - 1500) < 60


# --------------------------------------------------------------------------- perturbations


def test_perturbations_parse_and_apply():
    specs = P.parse("jpeg:75,resize:0.5, blur:1.5,noise:3,webp:80,social,none")
    assert [p.spec for p in specs] == ["jpeg:75", "resize:0.5", "blur:1.5", "noise:3", "webp:80", "social", "none"]
    assert [p.spec for p in P.parse("sweep")] == list(P.SWEEP)
    for bad in ("jpeg:0", "foo:1", "resize:x"):
        with pytest.raises(ValueError):
            P.parse(bad)
    img, _ = _scene(3, h=200, w=2000)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG")
    data = buf.getvalue()
    from forgelens.evidence import load

    expect = {"jpeg:75": ("JPEG", (200, 2000)), "resize:0.5": ("PNG", (100, 1000)), "blur:1.5": ("PNG", (200, 2000)),
              "noise:3": ("PNG", (200, 2000)), "webp:80": ("WEBP", (200, 2000)), "social": ("JPEG", (160, 1600)),
              "none": ("PNG", (200, 2000))}
    for p in specs:
        ev = load(p.apply(data), name=p.spec)
        assert (ev.format, ev.shape) == expect[p.spec], p.spec
    noisy = P.parse_one("noise:3")
    assert noisy.apply(data) == noisy.apply(data)  # seeded from the file
    assert load(P.parse_one("jpeg:50").apply(data)).jpeg is not None
    laundered = P.parse_one("launder")
    assert laundered.geometric and laundered.spec == "launder"
    ev = load(laundered.apply(data))
    assert (ev.format, ev.shape) == ("JPEG", (150, 1500)) and ev.jpeg is not None


# --------------------------------------------------------------------------- runner


def _records_by_image(res):
    return {r.image: r for r in res.records}


def test_runner_end_to_end_with_bad_input_and_cache(tiny_dataset: Path, tmp_path: Path):
    out = tmp_path / "out"
    maps = tmp_path / "maps"
    res = run_bench([str(tiny_dataset)], "_bench_bright,baseline", "none,resize:0.5", out, workers=1,
                    save_maps=maps, progress=False)
    recs = {(r.image, r.perturbation): r for r in res.records}
    assert len(res.records) == 2 * 9
    assert recs[("tp/broken.jpg", "none")].error and "unreadable" in recs[("tp/broken.jpg", "none")].reason
    assert recs[("tp/bigmask.png", "none")].mask == "resized"
    assert recs[("tp/transposed.png", "none")].mask == "refused"
    assert recs[("tp/nomaskfile.png", "none")].mask == "missing"
    # the bright-patch detector localises the forgery (4 usable masks: 3 + the resized one)
    auc = res.summary.value("tiny", "_bench_bright", "none", "pixel_auc")
    assert auc.n == 4 and auc.value > 0.95
    assert res.summary.value("tiny", "_bench_bright", "resize:0.5", "pixel_auc").value > 0.95
    f1 = res.summary.value("tiny", "_bench_bright", "none", "f1")
    assert f1.n == 4 and f1.value > 0.9
    img = res.summary.value("tiny", "_bench_bright", "none", "image_auc")
    assert img.n == 8 and img.value == pytest.approx(1.0)  # 6 readable manipulated + 2 authentic
    skipped = res.summary.skipped[("tiny", "_bench_bright", "none")]
    assert skipped["image unreadable (UnreadableImageError)"] == 1
    assert skipped["pixel: mask refused"] == 1 and skipped["pixel: mask missing"] == 1
    md = (out / "results.md").read_text()
    assert "mask refused" in md and "F1@0.5 inverted" in md and "tool version" in md
    assert {"results.json", "results.csv", "results.md", "per_image.jsonl"} <= {p.name for p in out.iterdir()}
    row = next(csv.DictReader(open(out / "results.csv")))
    assert set(row) >= {"metric", "value", "n", "dataset", "detector", "perturbation", "tool_version"}
    assert any(p.name.startswith("robustness_") for p in (out / "plots").iterdir())
    assert any(p.name.startswith("roc_") for p in (out / "plots").iterdir())

    # --save-maps: 16-bit PNG at full resolution, equal to the heatmap; scores.csv
    mp = W.map_path(maps, "_bench_bright", "tiny/tp/f0.png")
    assert mp == maps / "_bench_bright" / "tiny__tp__f0.png.png"
    saved = np.asarray(Image.open(mp))
    from forgelens.evidence import load

    ev = load(tiny_dataset / "tp/f0.png")
    heat = _bright(ev, _BrightConfig()).heatmap
    assert saved.dtype == np.uint16 and saved.shape == (128, 160)
    assert np.abs(saved / 65535.0 - heat).max() < 1e-4
    assert (maps / "resize_0.5" / "_bench_bright" / "tiny__tp__f0.png.png").is_file()
    with open(maps / "_bench_bright" / "scores.csv") as fh:
        scores = {r["image"]: r["score"] for r in csv.DictReader(fh)}
    assert float(scores["tiny/tp/f0.png"]) == pytest.approx(recs[("tp/f0.png", "none")].detectors["_bench_bright"].score, rel=1e-5)

    # resume: everything comes from the cache; a changed mask reruns only its image
    res2 = run_bench([str(tiny_dataset)], "_bench_bright,baseline", "none,resize:0.5", out, workers=1,
                     save_maps=maps, progress=False)
    assert all(r.cached for r in res2.records)
    assert res2.summary.rows == res.summary.rows
    st = os.stat(tiny_dataset / "gt/f1.png")
    os.utime(tiny_dataset / "gt/f1.png", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    res3 = run_bench([str(tiny_dataset)], "_bench_bright", "none", out, workers=1, progress=False, plots=False)
    fresh = [r.image for r in res3.records if not r.cached]
    assert fresh == ["tp/f1.png"]


def test_pool_matches_single_process_and_default_takes_traces_from_one_analysis(tiny_dataset, tmp_path, monkeypatch):
    ds = bds.resolve(str(tiny_dataset)).subset(2)
    a = run_bench([ds], "_bench_bright,baseline", "jpeg:75", tmp_path / "a", workers=1, progress=False, plots=False)
    b = run_bench([ds], "_bench_bright,baseline", "jpeg:75", tmp_path / "b", workers=2, progress=False, plots=False)
    def strip(records):
        out = []
        for r in records:
            d = r.to_dict()
            d.pop("seconds")
            for e in d["detectors"].values():
                e.pop("seconds", None)
            out.append(d)
        return out

    assert strip(a.records) == strip(b.records)

    # "default" = the fused verdict of one analyze() per image; its detectors' traces come from that report
    calls = []
    real_run = registry.run

    def counting_run(name, evidence, config=None, **kw):
        calls.append(name)
        return real_run(name, evidence, config, **kw)

    monkeypatch.setattr(registry, "default_names", lambda: ["_bench_bright"])
    monkeypatch.setattr(registry, "run", counting_run)
    one = bds.Dataset("tiny", ds.root, ds.items[:1], ds.layout)
    res = run_bench([one], "default,_bench_bright", "none", tmp_path / "c", workers=1, progress=False, plots=False)
    e = res.records[0].detectors
    assert calls == ["_bench_bright"]  # run once, inside analyze
    assert e["default"].pixel["pixel_auc"] > 0.95 and e["_bench_bright"].pixel["pixel_auc"] > 0.95
    assert res.timing["harness_overhead"] is not None
    # its image score ranks "not authentic" (manipulated or generated) whatever the label says
    probs = e["default"].extra["probabilities"]
    assert e["default"].score == pytest.approx(1 - probs["authentic"])


def test_paired_negatives_are_labelled(tiny_dataset, tmp_path):
    neg = bds.Dataset("negs", tiny_dataset, [i for i in bds.resolve(str(tiny_dataset)).items if i.label == "authentic"],
                      "index.csv")
    pos = bds.Dataset("pos", tiny_dataset, [i for i in bds.resolve(str(tiny_dataset)).items[:3]], "index.csv")
    res = run_bench([pos, neg], "baseline", "none", tmp_path / "o", workers=1, progress=False, plots=False,
                    pairings={"pos": ["negs"]})
    r = res.summary.value("pos", "baseline", "none", "image_auc")
    assert r.value is None and "no authentic images" in r.note
    p = res.summary.value("pos + authentic from negs", "baseline", "none", "image_auc")
    assert p.value is not None and p.n == 5 and "paired" in p.note


def test_cli_bench_and_datasets(tiny_dataset, tmp_path):
    from typer.testing import CliRunner

    from forgelens.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["datasets", "--root", str(tiny_dataset.parent)])
    assert r.exit_code == 0 and "tiny" in r.output
    r = runner.invoke(app, ["bench", "--dataset", "tiny", "--root", str(tiny_dataset.parent), "-d", "baseline",
                            "--perturb", "jpeg:85", "-o", str(tmp_path / "o"), "-j", "1", "--no-plots"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "o" / "results.md").is_file()
    r = runner.invoke(app, ["bench", "--dataset", "tiny", "--root", str(tiny_dataset.parent), "-d", "nonexistent"])
    assert r.exit_code == 2 and "no detector" in r.output
    r = runner.invoke(app, ["bench", "--dataset", "tiny", "--root", str(tiny_dataset.parent), "--perturb", "jpeg:0"])
    assert r.exit_code == 2


def test_ray_engine_gives_the_local_results(tiny_dataset, tmp_path):
    pytest.importorskip("ray")
    from forgelens.bench.ray_engine import run_ray

    ds = bds.resolve(str(tiny_dataset)).subset(2)
    tasks = T.make_tasks([ds], ["baseline"], P.parse("none"), None)
    local = E.order_results(tasks, E.run_local(tasks, workers=1))
    remote = E.order_results(tasks, run_ray(tasks, num_cpus=1))

    def clean(recs):
        out = []
        for r in recs:
            d = r.to_dict()
            out.append({**d, "seconds": None,
                        "detectors": {n: {**e, "seconds": None} for n, e in d["detectors"].items()}})
        return out

    assert clean(local) == clean(remote)
