"""The benchmark engine's parts on tiny images made here: record, task (and its cache), engines, writers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from forgelens.bench import engines, metrics, task, writers
from forgelens.bench.datasets import Dataset, Item
from forgelens.bench.perturb import parse
from forgelens.bench.records import DetectorResult, ImageRecord


@pytest.fixture
def two_images(tmp_path: Path) -> Dataset:
    """One manipulated PNG (mask = a 20x30 box, 600 of 64x80 px) and one authentic PNG."""
    rng = np.random.default_rng(3)
    root = tmp_path / "ds"
    root.mkdir()
    Image.fromarray((rng.random((64, 80, 3)) * 255).astype(np.uint8)).save(root / "m.png")
    Image.fromarray((rng.random((64, 80, 3)) * 255).astype(np.uint8)).save(root / "a.png")
    mask = np.zeros((64, 80), np.uint8)
    mask[10:30, 20:50] = 255
    Image.fromarray(mask).save(root / "m_gt.png")
    return Dataset("two", root, [Item("m.png", "m_gt.png", "manipulated", "t"), Item("a.png", None, "authentic", "t")],
                   "index.csv")


def test_centre_prior_is_a_centred_quarter_sigma_gaussian():
    m = metrics.centre_prior((40, 60))
    assert m.dtype == np.float32 and m.shape == (40, 60)
    assert np.allclose(m, m[::-1, ::-1])  # symmetric about the grid's centre
    # one sigma (a quarter of the side) from the centre along a row: exp(-1/2)
    assert m[20, 15] / m[20, 30] == pytest.approx(np.exp(-0.5 * ((15 - 29.5) / 15) ** 2 + 0.5 * (0.5 / 15) ** 2),
                                                  rel=1e-5)


def test_record_round_trips_through_json_and_reads_the_old_flat_layout():
    old = {"dataset": "d", "image": "x.jpg", "label": "manipulated", "perturbation": "jpeg:75", "error": None,
           "reason": None, "mask": "ok", "mask_note": None, "shape": [4, 5], "format": "JPEG", "seconds": {"total": 0.1},
           "cached": False, "detectors": {"default": {
               "key": "k", "has_map": True, "pixel": {"pixel_auc": 0.7}, "pixel_reason": None, "score": 0.4,
               "applicable": True, "seconds": 0.1, "note": "rule", "error": None, "label": "manipulated",
               "probabilities": {"authentic": 0.6}}}}
    rec = ImageRecord.from_dict(json.loads(json.dumps(old)))
    assert rec.shape == (4, 5) and rec.pixels == 20 and rec.positive and rec.image_id == "d/x.jpg"
    e = rec.detectors["default"]
    assert isinstance(e, DetectorResult) and e.score == 0.4 and e.pixel == {"pixel_auc": 0.7}
    assert e.extra == {"label": "manipulated", "probabilities": {"authentic": 0.6}}
    assert rec.to_dict() == old  # the same JSON as before: old caches and per_image.jsonl stay readable
    del old["format"]  # written before the field existed
    assert ImageRecord.from_dict(old).format is None


def test_task_scores_the_trivial_references_and_reuses_its_cache(two_images: Dataset, tmp_path: Path):
    out = tmp_path / "out"
    tasks = task.make_tasks([two_images], ["baseline", "constant"], parse(None), out)
    assert [t.image_id for t in tasks] == ["two/m.png", "two/a.png"]
    man, aut = (task.run_task(t) for t in tasks)
    assert isinstance(man, ImageRecord) and man.mask == "ok" and man.shape == (64, 80) and man.format == "PNG" and not man.cached
    gt = np.zeros((64, 80), bool)
    gt[10:30, 20:50] = True
    assert man.detectors["baseline"].pixel == metrics.pixel_scores(metrics.centre_prior((64, 80)), gt).to_dict()
    const = man.detectors["constant"]
    p = gt.mean()
    assert const.pixel["pixel_auc"] == pytest.approx(0.5) and const.pixel["best_f1"] == pytest.approx(2 * p / (1 + p))
    assert const.score == 0.5
    assert aut.mask == "not needed" and aut.detectors["baseline"].pixel is None

    again = task.run_task(tasks[0])
    assert again.cached and again.detectors == man.detectors
    # a detector added later is computed; the cached ones are kept
    more = task.make_tasks([two_images], ["baseline", "constant", "ela"], parse(None), out)
    rec = task.run_task(more[0])
    assert not rec.cached and "ela" in rec.detectors and rec.detectors["baseline"] == man.detectors["baseline"]


def test_task_records_an_unreadable_image_without_raising(tmp_path: Path):
    (tmp_path / "bad.jpg").write_bytes(b"not an image")
    ds = Dataset("bad", tmp_path, [Item("bad.jpg", None, "authentic", "t")], "index.csv")
    (t,) = task.make_tasks([ds], ["baseline"], parse(None), None)
    rec = task.run_task(t)
    assert rec.error and "bad/bad.jpg" in rec.error and "unreadable" in rec.reason and rec.detectors == {}


def test_cache_keys_name_what_they_cover():
    keys = task.detector_keys(["baseline", "constant", "ela"])
    assert len(set(keys.values())) == 3
    assert task.detector_keys(["ela"], {"ela": {"quality": 80}})["ela"] != keys["ela"]  # the config is in the key
    assert task.detector_keys(["baseline"]) == {"baseline": keys["baseline"]}  # stable


def test_local_engine_in_one_process_and_in_a_pool_give_the_same_records(two_images: Dataset):
    tasks = task.make_tasks([two_images], ["constant"], parse("none,jpeg:80"), None)
    one, _ = engines.run(tasks, workers=1, progress=False)
    two, _ = engines.run(tasks, workers=2, progress=False)
    assert [(r.image, r.perturbation) for r in one] == [(t.image, t.perturbation) for t in tasks]
    assert [r.detectors["constant"].pixel for r in one] == [r.detectors["constant"].pixel for r in two]
    with pytest.raises(ValueError, match="unknown engine"):
        engines.run(tasks, engine="spark", progress=False)


def test_writers(two_images: Dataset, tmp_path: Path):
    tasks = task.make_tasks([two_images], ["baseline"], parse(None), None, maps_dir=tmp_path / "maps")
    records = [task.run_task(t) for t in tasks]
    saved = np.asarray(Image.open(writers.map_path(tmp_path / "maps", "baseline", "two/m.png")))
    assert saved.dtype == np.uint16 and np.abs(saved / 65535 - metrics.centre_prior((64, 80))).max() < 1e-4
    (scores,) = writers.write_scores_csv(records, tmp_path / "maps")
    rows = list(csv.DictReader(open(scores)))
    assert [r["image"] for r in rows] == ["two/m.png", "two/a.png"] and all(float(r["score"]) > 0 for r in rows)
    path = writers.write_per_image(records, tmp_path / "per_image.jsonl")
    assert writers.read_per_image(path) == records


def test_written_index_reads_back_and_leaves_no_temporary_file(tmp_path):
    from forgelens.bench.datasets import read_index_csv, write_index_csv

    for name in ("a.png", "b.png"):
        Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / name)
    write_index_csv(tmp_path, [("a.png", "", "authentic", "cam"), ("b.png", "", "manipulated", "edit")])
    ds = read_index_csv(tmp_path, "t")
    assert [(it.label, it.source) for it in ds.items] == [("authentic", "cam"), ("manipulated", "edit")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png", "index.csv"]


def _slow_marker(path: Path) -> ImageRecord:
    """A stand-in task body: a fifth of a second's work, then a marker file (counts the tasks that ran)."""
    import time

    time.sleep(0.2)
    path.touch()
    return ImageRecord("x", path.name, "authentic", "none")


def test_ctrl_c_stops_the_local_pool_instead_of_running_every_queued_image(tmp_path: Path, monkeypatch):
    """Session 18 (s18bench walk): Ctrl-C in `forgelens bench -j 2` ran every queued image before exiting (the pool's
    shutdown waited for them: 23 s for 78 images, all cached, tables never written). Now the queued ones are cancelled:
    only the images already running (and the one or two handed to a worker) finish."""
    monkeypatch.setattr(engines, "run_task", _slow_marker)
    tasks = [tmp_path / f"{i:02d}" for i in range(30)]

    def interrupt(_r):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        engines.run_local(tasks, workers=2, on_result=interrupt)
    import time

    time.sleep(0.5)  # let the images already handed to a worker finish
    ran = len(list(tmp_path.iterdir()))
    assert 1 <= ran <= 8, f"{ran} of 30 tasks ran after Ctrl-C"


def _wait_for_pool_workers_to_end(seconds: float = 120) -> None:
    import multiprocessing
    import time

    deadline = time.monotonic() + seconds
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.1)


def test_ctrl_c_cancels_the_queued_images_even_once_the_pool_object_is_freed(tmp_path: Path, monkeypatch):
    """Session 19: the cancel above ran in one Ctrl-C of four in a real `forgelens bench` / `synth` (seen in synth:
    95 s and 298 of 300 images made after Ctrl-C). ``shutdown(cancel_futures=True)`` only asks the pool's manager
    thread to cancel, through a weak reference to the pool; the CLI frees the pool as it handles the interrupt, and
    when that came first the request was lost and every queued image ran. The caller's futures are now cancelled
    directly."""
    import gc

    monkeypatch.setattr(engines, "run_task", _slow_marker)
    tasks = [tmp_path / f"{i:02d}" for i in range(30)]

    def interrupt(_r):
        raise KeyboardInterrupt

    def as_the_cli_does():
        try:
            engines.run_local(tasks, workers=2, on_result=interrupt)
        except KeyboardInterrupt:
            pass  # the traceback, and with it the pool, is freed here

    as_the_cli_does()
    gc.collect()
    _wait_for_pool_workers_to_end()
    ran = len(list(tmp_path.iterdir()))
    assert 1 <= ran <= 8, f"{ran} of 30 tasks ran after Ctrl-C"


def test_a_picture_too_small_is_not_called_unreadable(tmp_path: Path):
    """Session 18 (s18bench walk): a 64x48 picture was counted as "image unreadable (ImageTooSmallError)" in the
    tables' skipped list; it was read fine and refused for its size."""
    Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(tmp_path / "small.png")
    ds = Dataset("small", tmp_path, [Item("small.png", None, "authentic", "t")], "index.csv")
    (t,) = task.make_tasks([ds], ["constant"], parse(None), None)
    rec = task.run_task(t)
    assert rec.error and "small/small.png" in rec.error and "too small" in rec.error
    assert "unreadable" not in rec.reason and "too small" in rec.reason and rec.reason.startswith("image")
