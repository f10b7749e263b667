"""forgelens synth: exact masks, copy-move geometry, authentic negatives, determinism, skip reasons."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from forgelens.synth import KINDS, Options, make, plan, regenerate, scan, synthesize
from forgelens.synth import manipulations as man
from tests.conftest import natural_image


def _save_photo(path: Path, rgb: np.ndarray, make_: str, model: str, quality: int) -> None:
    exif = Image.Exif()
    exif[0x010F] = make_
    exif[0x0110] = model
    Image.fromarray(rgb).save(path, "JPEG", quality=quality, exif=exif.tobytes())


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """Six small 'camera originals' from two cameras, plus files that must be skipped."""
    root = tmp_path_factory.mktemp("pristine")
    for k in range(3):
        _save_photo(root / f"camA_{k}.jpg", natural_image(288, 352, seed=k), "Acme", "Acme A1", 92)
        _save_photo(root / f"camB_{k}.jpg", natural_image(320, 320, seed=10 + k), "Bolt", "B-2", 85)
    (root / "notes.txt").write_text("not a photo")
    (root / "fake.jpg").write_bytes(b"this is plain text pretending to be a jpeg")
    Image.fromarray(natural_image(40, 60, seed=5)).save(root / "tiny.jpg", quality=90)
    good = (root / "camA_0.jpg").read_bytes()
    (root / "truncated.jpg").write_bytes(good[:300])
    flat = np.zeros((300, 300, 3), np.uint8)
    flat[:, 150:] = (20, 120, 220)
    Image.fromarray(flat).save(root / "graphic.png")
    return root


OPTS = Options(max_pixels=80_000, min_side=64)


def _pool(pristine):
    pool, skipped = scan([pristine], min_side=OPTS.min_side)
    return pool, skipped


def test_bad_and_tiny_inputs_are_skipped_with_a_reason(pristine):
    pool, skipped = _pool(pristine)
    assert sorted(p.label.split("/")[-1] for p in pool) == sorted(
        [f"cam{c}_{k}.jpg" for c in "AB" for k in range(3)])
    reasons = {s.label.split("/")[-1]: s.reason for s in skipped}
    assert set(reasons) == {"notes.txt", "fake.jpg", "tiny.jpg", "truncated.jpg", "graphic.png"}
    assert "too small" in reasons["tiny.jpg"] and "40" in reasons["tiny.jpg"]
    assert "text" in reasons["fake.jpg"]
    assert "not a photo" in reasons["graphic.png"]
    assert all(r.strip() for r in reasons.values())
    assert {p.camera for p in pool} == {"Acme A1", "Bolt B-2"}


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "authentic"])
def test_mask_is_exactly_where_pixels_changed_before_post_processing(pristine, kind):
    pool, _ = _pool(pristine)
    tasks = [t for t in plan(pool, 60, seed=7, kinds=[kind], options=OPTS)][:6]
    for t in tasks:
        s = make(t)
        assert s.edited.shape == s.base.shape and s.mask.shape == s.base.shape[:2]
        changed = (s.edited != s.base).any(axis=2)
        assert not (changed & ~s.mask).any(), f"{kind}: pixels changed outside the mask"
        frac = s.mask.mean()
        assert 0.004 < frac < 0.36, f"{kind}: mask covers {frac:.3f}"
        assert changed[s.mask].mean() > 0.5, f"{kind}: most masked pixels should differ"
        # the final mask follows the final image's geometry
        assert s.final_mask.shape == s.final.pixels.shape[:2]
        if kind == "splice":
            assert s.task.donor.camera != s.task.host.camera


def test_copy_move_target_equals_transformed_source():
    host = natural_image(240, 320, seed=3)
    seen = set()
    for seed in range(40):
        e = man.copy_move(host, np.random.default_rng(seed))
        p = e.params
        exact = p["interpolation"] == "nearest"
        if exact in seen and len(seen) == 2:
            continue
        seen.add(exact)
        tgt, src = e.mask, e.source_mask
        assert not (tgt & src).any(), "target overlaps source"
        core = cv2.distanceTransform(tgt.astype(np.uint8), cv2.DIST_L2, 3) > p["feather"] + 1.5
        ys, xs = np.nonzero(core)
        if exact:  # pure translation: target pixel = source pixel shifted back
            dy, dx = p["shift"]
            np.testing.assert_array_equal(e.pixels[ys, xs], host[ys - dy, xs - dx])
        else:  # rotation / scaling: target = host warped by the recorded matrix
            m = np.asarray(p["matrix"])
            warped = cv2.warpAffine(host, m, host.shape[1::-1], flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_REFLECT_101)
            diff = np.abs(e.pixels[ys, xs].astype(int) - warped[ys, xs].astype(int))
            assert diff.max() <= 1  # rounding of the 6-decimal matrix only
        # the source mask maps onto the target mask
        m = np.asarray(p["matrix"])
        fwd = cv2.warpAffine(src.astype(np.float32), m, host.shape[1::-1]) >= 0.5
        iou = (fwd & tgt).sum() / (fwd | tgt).sum()
        assert iou > 0.9
    assert seen == {True, False}


def _read_index(out: Path) -> list[dict]:
    with open(out / "index.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_dataset_is_byte_identical_and_authentic_masks_empty(pristine, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    sa = synthesize([pristine], 21, a, seed=11, options=OPTS, workers=1, progress=False)
    sb = synthesize([pristine], 21, b, seed=11, options=OPTS, workers=2, progress=False)
    assert sa.written == sb.written == 21 and not sa.failed
    ta, tb = _tree(a), _tree(b)
    assert ta.keys() == tb.keys()
    assert all(ta[k] == tb[k] for k in ta), [k for k in ta if ta[k] != tb[k]]
    rows = _read_index(a)
    assert list(rows[0])[:4] == ["image", "mask", "label", "source"]
    auth = [r for r in rows if r["label"] == "authentic"]
    assert len(auth) == 21 // len(KINDS) + (1 if 21 % len(KINDS) else 0)
    for r in auth:
        assert r["mask"] == "" and r["source_mask"] == "" and r["kind"] == "authentic"
    for r in rows:
        if r["label"] == "manipulated":
            m = np.asarray(Image.open(a / r["mask"]))
            im = Image.open(a / r["image"])
            assert m.shape == (im.height, im.width) and m.max() == 255
        if r["kind"] == "copymove":
            assert r["source_mask"]
    log = (a / "synth.log").read_text()
    assert "tiny.jpg" in log and "too small" in log
    # a different seed gives a different set
    c = tmp_path / "c"
    synthesize([pristine], 6, c, seed=12, options=OPTS, workers=1, progress=False)
    assert (c / "recipe.jsonl").read_bytes() != ta["recipe.jsonl"]


def test_authentic_pixels_are_the_pristine_crop(pristine):
    pool, _ = _pool(pristine)
    for t in plan(pool, 12, seed=3, kinds=["authentic"], chains=["none"], options=OPTS):
        s = make(t)
        assert s.mask is None and s.final_mask is None
        np.testing.assert_array_equal(s.edited, s.base)
        if s.final.ext == "png":
            np.testing.assert_array_equal(s.final.pixels, s.base)


def test_recipe_regenerates_the_same_bytes(pristine, tmp_path):
    out = tmp_path / "r"
    synthesize([pristine], 8, out, seed=5, options=OPTS, workers=1, progress=False)
    lines = [json.loads(x) for x in (out / "recipe.jsonl").read_text().splitlines()]
    for rec in (lines[1], lines[5]):
        s = regenerate(rec, [pristine])
        assert s.final.data == (out / rec["image"]).read_bytes()


def test_cli_synth(pristine, tmp_path):
    from typer.testing import CliRunner

    from forgelens.cli import app

    out = tmp_path / "cli"
    args = ["synth", "--pristine", str(pristine), "-n", "6", "--seed", "2", "-o", str(out),
            "--max-pixels", "60000", "--min-side", "64", "-j", "1"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert len(_read_index(out)) == 6
    r2 = CliRunner().invoke(app, args)  # refuses to overwrite without --force
    assert r2.exit_code == 2
    r3 = CliRunner().invoke(app, args + ["--kinds", "nonsense", "--force"])
    assert r3.exit_code == 2


class CtrlCAtFirstImage:
    """A progress bar whose first "making images" step is where the user presses Ctrl-C."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def add_task(self, description, total):
        return description

    def advance(self, task_id):
        if task_id == "making images":
            raise KeyboardInterrupt


def test_ctrl_c_cancels_the_queued_images(pristine, tmp_path, monkeypatch):
    """Session 18 (s18bench walk): Ctrl-C in `forgelens synth -j 2` went on making every queued image (298 of 300,
    41 s) before it exited. Now the queued images are cancelled and the interrupt is raised again at once."""
    import time

    from forgelens.synth import runner

    monkeypatch.setattr(runner, "progress_bar", lambda *a, **k: CtrlCAtFirstImage())
    out = tmp_path / "s"
    with pytest.raises(KeyboardInterrupt):
        synthesize([pristine], 240, out, seed=3, options=OPTS, workers=2, progress=False)
    time.sleep(1.0)  # the images already handed to a worker finish
    made = len(list((out / "images").iterdir()))
    assert made <= 120, f"{made} of 240 images made after Ctrl-C"


def test_ctrl_c_cancels_the_queued_images_even_once_the_pool_object_is_freed(pristine, tmp_path, monkeypatch):
    """Session 19: in one Ctrl-C of four, `forgelens synth -n 300 -j 2` still made 298 images over 95 s after the
    interrupt: ``shutdown(cancel_futures=True)`` only asks the pool's manager thread to cancel, through a weak
    reference to the pool, and the CLI frees the pool as it handles the interrupt; when that came first every queued
    image was made. The caller's futures are now cancelled directly."""
    import gc
    import multiprocessing
    import time

    from forgelens.synth import runner

    monkeypatch.setattr(runner, "progress_bar", lambda *a, **k: CtrlCAtFirstImage())
    out = tmp_path / "s"

    def as_the_cli_does():
        try:
            synthesize([pristine], 240, out, seed=3, options=OPTS, workers=2, progress=False)
        except KeyboardInterrupt:
            pass  # the traceback, and with it the pool, is freed here

    as_the_cli_does()
    gc.collect()
    deadline = time.monotonic() + 300
    while multiprocessing.active_children() and time.monotonic() < deadline:  # the pool's workers end
        time.sleep(0.1)
    made = len(list((out / "images").iterdir()))
    assert made <= 120, f"{made} of 240 images made after Ctrl-C"


def test_a_missing_pristine_folder_is_named_before_anything_is_written(pristine, tmp_path):
    """Session 18 (s18bench walk): `--pristine cameras --pristine typo` made the set from `cameras` alone without a
    word, and `--pristine typo` alone said "no usable pristine photo (see the log ...)" with no log written, and left
    OUT behind (so the corrected command needed --force)."""
    from typer.testing import CliRunner

    from forgelens.cli import app

    missing = tmp_path / "typo"
    for extra in ([], ["--pristine", str(pristine)]):
        out = tmp_path / f"out{len(extra)}"
        res = CliRunner().invoke(app, ["synth", "--pristine", str(missing), *extra, "-n", "2", "-o", str(out)])
        assert res.exit_code == 2, res.output
        lines = [line for line in res.output.splitlines() if line.strip()]
        assert len(lines) == 1 and str(missing) in lines[0] and "no such file or folder" in lines[0], res.output
        assert not out.exists()


def test_no_usable_photo_writes_the_log_it_points_to(tmp_path):
    """Session 18 (s18bench walk): a --pristine folder with no usable photo said "see the log for why each was
    skipped", but synth.log was written only after a successful run."""
    from typer.testing import CliRunner

    from forgelens.cli import app

    src = tmp_path / "src"
    src.mkdir()
    (src / "notes.txt").write_text("not a photo")
    Image.fromarray(natural_image(40, 60, seed=5)).save(src / "tiny.jpg", quality=90)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["synth", "--pristine", str(src), "-n", "2", "-o", str(out), "-j", "1"])
    assert res.exit_code == 2, res.output
    log = out / "synth.log"
    assert str(log) in res.output.replace("\n", "") and "2 files skipped" in res.output, res.output
    assert "tiny.jpg" in log.read_text() and "too small" in log.read_text()
