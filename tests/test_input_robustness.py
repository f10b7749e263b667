"""Unusual inputs found by the robustness sweep (benchmarks/studies/input_sweep.py).

Each test is one fix: special files (a named pipe, a device) are refused without being opened
(opening a pipe blocks, /dev/zero never ends), symbolic-link loops and dangling links are named
as such, and float / 32-bit integer TIFFs keep their contrast instead of turning black or white.
"""

from __future__ import annotations

import io
import json
import os
import threading

import numpy as np
import pytest
from PIL import Image

from forgelens.batch import expand
from forgelens.errors import UnreadableImageError
from forgelens.evidence import load

needs_posix = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes and symlinks need POSIX")


def _tiff(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="TIFF")
    return buf.getvalue()


def _load_within(path, seconds: float = 10.0):
    """load(path) in a thread; fails the test if it does not end (a pipe would block forever)."""
    out: dict = {}

    def go():
        try:
            out["ev"] = load(path)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            out["exc"] = exc

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"load({path}) did not end within {seconds} s"
    return out


@needs_posix
def test_named_pipe_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    out = _load_within(fifo)
    exc = out.get("exc")
    assert isinstance(exc, UnreadableImageError)
    assert str(fifo) in str(exc) and "named pipe" in str(exc)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_endless_device_is_refused_without_reading():
    out = _load_within("/dev/zero")
    assert isinstance(out.get("exc"), UnreadableImageError) and "device" in str(out["exc"])


@needs_posix
def test_symlink_loop_and_dangling_link_are_named(tmp_path):
    loop = tmp_path / "loop.jpg"
    os.symlink(loop, loop)
    dangling = tmp_path / "dangling.jpg"
    os.symlink(tmp_path / "gone.jpg", dangling)
    with pytest.raises(UnreadableImageError, match="loop.jpg.*symbolic link loop"):
        load(loop)
    with pytest.raises(UnreadableImageError, match="dangling.jpg.*broken symbolic link"):
        load(dangling)


@needs_posix
def test_batch_names_links_it_cannot_follow(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(np.full((80, 96, 3), 100, np.uint8)).save(folder / "ok.png")
    loop = folder / "loop.jpg"
    os.symlink(loop, loop)
    ex = expand([str(folder), str(loop)])
    assert [p.name for p in ex.files] == ["ok.png"]
    assert any(item == str(loop) and "symbolic link loop" in why for item, why in ex.problems)
    assert any(item == str(loop) and "symbolic link loop" in why for item, why in ex.skipped)


def test_float_tiff_with_nan_and_infinity_keeps_its_picture():
    rng = np.random.default_rng(0)
    arr = rng.random((90, 100)).astype(np.float32)
    arr[0, :5], arr[1, :3], arr[2, :2] = np.nan, np.inf, -np.inf
    ev = load(_tiff(arr))
    lum = ev.luminance
    assert lum.std() > 40  # before the fix, one infinity turned the whole picture black
    assert any("non-finite" in n for n in ev.notes)
    finite = np.isfinite(arr)
    corr = np.corrcoef(lum[finite], arr[finite])[0, 1]
    assert corr > 0.99


def test_32bit_integer_tiff_is_rescaled_not_saturated():
    rng = np.random.default_rng(1)
    arr = (rng.random((90, 100)) * 1e6 - 2e5).astype(np.int32)
    ev = load(_tiff(arr))
    lum = ev.luminance
    assert (lum >= 254.5).mean() < 0.05 and (lum <= 0.5).mean() < 0.05  # before: 73 % white, 20 % black
    assert np.corrcoef(lum.ravel(), arr.ravel())[0, 1] > 0.99


def test_16bit_tiff_scaling_is_unchanged():
    arr = (np.arange(90 * 100).reshape(90, 100) * 7 % 65536).astype(np.uint16)
    ev = load(_tiff(arr))
    expected = np.clip(np.rint(arr / 257.0), 0, 255)
    assert np.abs(ev.luminance - expected).max() <= 1


def test_inputs_that_cannot_be_opened_are_listed_in_errors_txt(tmp_path):
    from typer.testing import CliRunner

    from forgelens.cli import app

    good = tmp_path / "good.png"
    Image.fromarray(np.random.default_rng(2).integers(0, 256, (80, 96, 3), np.uint8)).save(good)
    missing = tmp_path / "missing.jpg"
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["analyze", str(good), str(missing), "-o", str(out), "-d", "ela",
                                 "--time-limit", "0", "--memory-limit", "0"])
    assert r.exit_code == 1
    errors = (out / "errors.txt").read_text().splitlines()
    assert errors == [f"{missing}: no such file"]  # the batch went on: good.png has its report
    assert (out / "good" / "report.json").is_file()
    rows = json.loads((out / "batch.json").read_text())
    rows = rows["files"] if isinstance(rows, dict) else rows
    assert any(row["path"] == str(missing) and row["error"] for row in rows)


def test_file_name_that_is_not_utf8_gets_a_report_and_a_summary(tmp_path):
    from forgelens.batch import run_batch

    name = os.fsdecode(b"bad\xff\xfename.png")  # POSIX allows any bytes in a name
    try:
        Image.fromarray(np.random.default_rng(3).integers(0, 256, (80, 96, 3), np.uint8)).save(tmp_path / name)
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    missing = os.fsdecode(str(tmp_path).encode() + b"/gone\xff.jpg")
    out = tmp_path / "out"
    results = run_batch([tmp_path / name], out, {"detectors": ["ela"], "configs": {}}, limits=None,
                        problems=[(missing, "no such file")])
    assert [r.error for r in results if r.path != missing] == [None]  # before: internal error writing report.html
    assert (out / "batch.json").is_file()  # before: the summary itself crashed
    assert (out / "errors.txt").read_text(encoding="utf-8").strip().endswith("gone\\udcff.jpg: no such file")
