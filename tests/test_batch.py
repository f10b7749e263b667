"""Batches that survive anything (issue 19): isolated workers, streamed results, atomic report
folders, safe output names, non-image files sniffed or listed as skipped, Ctrl-C."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from forgelens.batch import expand, output_dirs, run_batch, safe_name
from forgelens.isolation import Limits
from tests.conftest import jpeg_bytes, natural_image

CHEAP = {"detectors": ["ela", "metadata"], "configs": {}}


def _tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def inputs(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.jpg").write_bytes(jpeg_bytes(natural_image(96, 128, seed=1), 90))
    (src / "...jpg").write_bytes(jpeg_bytes(natural_image(96, 96, seed=2), 85))  # stem ".."
    (src / "photo_without_suffix").write_bytes(jpeg_bytes(natural_image(80, 80, seed=3), 80))
    (src / "notes.txt").write_text("not a picture\n")
    (src / "doc.pdf").write_bytes(b"%PDF-1.4\n% hostile\n")
    (src / "empty.png").write_bytes(b"")
    return src


@pytest.mark.parametrize("stem, expected", [("..", "image"), (".", "image"), ("", "image"),
                                            ("../../etc/passwd", "_.._etc_passwd"), (".hidden", "hidden"),
                                            ("a\x00b", "a_b"), ("batch.json", "image-batch.json"),
                                            ("C:\\x", "C__x")])
def test_safe_name(stem, expected):
    assert safe_name(stem) == expected


def test_safe_name_fits_a_file_system_name():
    assert len(safe_name("\u0444" * 300).encode()) <= 150


def test_output_dirs_never_leave_out_and_collisions_resolve(tmp_path):
    out = tmp_path / "out"
    files = [Path("a/...jpg"), Path("b/..jpg"), Path("c/Photo.jpg"), Path("d/photo.jpg"), Path("e/x.jpg")]
    dirs = output_dirs(files, out)
    assert all(d.parent == out for d in dirs.values())
    assert len({str(d).lower() for d in dirs.values()}) == len(files)


def test_expand_sniffs_and_lists_skipped(inputs, tmp_path):
    ex = expand([str(inputs)], exclude=tmp_path / "out")
    names = sorted(p.name for p in ex.files)
    assert names == ["...jpg", "empty.png", "good.jpg", "photo_without_suffix"]
    skipped = dict((Path(p).name, why) for p, why in ex.skipped)
    assert skipped["notes.txt"].endswith("(text)") and "a PDF document" in skipped["doc.pdf"]


def test_batch_survives_and_reports_everything(inputs, tmp_path):
    before = _tree_digest(inputs)
    out = tmp_path / "out"
    ex = expand([str(inputs)], exclude=out)
    results = run_batch(ex.files, out, CHEAP, workers=2, limits=Limits(seconds=120), skipped=ex.skipped)
    by_name = {Path(r.path).name: r for r in results}
    assert by_name["good.jpg"].label and by_name["photo_without_suffix"].label
    assert by_name["...jpg"].label and Path(by_name["...jpg"].outdir).parent == out
    assert not (tmp_path / "report.json").exists() and not (inputs / "report.json").exists()
    assert "empty file" in by_name["empty.png"].error
    assert by_name["notes.txt"].skipped and "text" in by_name["notes.txt"].skip_reason
    rows = json.loads((out / "batch.json").read_text())
    assert len(rows) == len(results) == 6
    assert len((out / "batch.jsonl").read_text().splitlines()) == 6
    assert (out / "errors.txt").read_text().count("\n") == 1
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary folders left
    assert _tree_digest(inputs) == before  # the input folder is byte-identical


def test_limit_exceeded_files_are_recorded_then_a_rerun_redoes_them(inputs, tmp_path):
    out = tmp_path / "out"
    # pictures large enough to be analysed (the tiny fixtures are answered not_applicable at once)
    # and to need far more than 0.05 s: decoding, ELA's re-encode and the report of 0.8 MP
    files = [inputs / "large.jpg", inputs / "...jpg"]
    files[0].write_bytes(jpeg_bytes(natural_image(768, 1024, seed=4), 90))
    files[1].write_bytes(jpeg_bytes(natural_image(768, 1024, seed=5), 85))
    first = run_batch(files, out, CHEAP, workers=1, limits=Limits(seconds=0.05))
    assert all(r.error and "exceeded the 0.05 s limit" in r.error for r in first)
    assert sorted(p.name for p in out.iterdir()) == ["batch.json", "batch.jsonl", "errors.txt"]
    assert len((out / "errors.txt").read_text().splitlines()) == 2
    second = run_batch(files, out, CHEAP, workers=1, limits=Limits(seconds=120))
    assert all(r.label and not r.skipped for r in second)
    third = run_batch(files, out, CHEAP, workers=1, limits=Limits(seconds=120))
    assert all(r.skipped for r in third)


def test_half_written_report_folder_is_redone(inputs, tmp_path):
    out = tmp_path / "out"
    (out / "good").mkdir(parents=True)
    (out / "good" / "report.json").write_text("{")  # an older, cut-short run: no report.html
    (out / ".partial-good-999999999-1").mkdir()  # a temporary folder left by a killed run
    [r] = run_batch([inputs / "good.jpg"], out, CHEAP, workers=1, limits=Limits(seconds=120))
    assert r.label and not r.skipped
    assert json.loads((out / "good" / "report.json").read_text())
    assert not (out / ".partial-good-999999999-1").exists()


def test_ctrl_c_still_writes_the_summary(inputs, tmp_path):
    out = tmp_path / "out"
    files = [inputs / "good.jpg", inputs / "...jpg", inputs / "photo_without_suffix"]
    seen = []

    def interrupt(r):
        seen.append(r)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(files, out, CHEAP, workers=1, limits=Limits(seconds=120), on_result=interrupt)
    rows = json.loads((out / "batch.json").read_text())
    assert len(rows) == 3
    assert sum("interrupted" in (r["error"] or "") for r in rows) == 2
    assert len((out / "errors.txt").read_text().splitlines()) == 2
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_without_limits_runs_in_process_with_the_same_outputs(inputs, tmp_path):
    out = tmp_path / "out"
    [r] = run_batch([inputs / "...jpg"], out, CHEAP, workers=1, limits=None)
    assert r.label and Path(r.outdir) == out / "image"
    assert (out / "image" / "report.html").is_file() and (out / "batch.jsonl").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
