"""What produced a report (session 19, s19words): report.json's "tool" names the model files by SHA-256
and the source commit, so that two reports made with different model files can be told apart, while the
same picture analysed twice still gives the same report apart from its timings."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import numpy as np
import pytest
from conftest import jpeg_bytes, natural_image

from forgelens import model_file
from forgelens.pipeline import SCHEMA_VERSION, analyze


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _report(**kw):
    return analyze(jpeg_bytes(natural_image(160, 192, seed=3), 90), detectors=["ela"], **kw)


def test_report_json_names_every_shipped_model_file_by_its_sha256():
    d = _report().to_dict()
    assert d["schema_version"] == SCHEMA_VERSION == "1.5"
    files = d["tool"]["model_files"]
    for name in ("fusion/detection.json", "fusion/generation.json", "learned/weights/clip_probe.json",
                 "learned/weights/generation_families.json", "learned/weights/gen_trace.onnx",
                 "learned/weights/localizer_lite0.onnx", "evidence/data/qtables.json"):
        assert files[name] == _sha256(model_file.PACKAGE_DIR / name), name
    # training-only weights and model cards are not model files of an analysis
    assert not any(n.endswith((".safetensors", ".md")) for n in files)
    assert d["tool"]["version"] and d["tool"]["python"]


def test_two_reports_from_different_model_files_are_told_apart(tmp_path, monkeypatch):
    first = _report().to_dict()["tool"]["model_files"]
    copy = tmp_path / "forgelens"
    for folder in model_file.SHIPPED_DIRS:
        shutil.copytree(model_file.PACKAGE_DIR / folder, copy / folder)
    changed = copy / "fusion" / "detection.json"
    changed.write_text(changed.read_text().replace('"prior"', '"prior" ', 1))  # the same model, other bytes
    monkeypatch.setattr(model_file, "PACKAGE_DIR", copy)
    model_file.shipped_digests.cache_clear()
    try:
        second = _report().to_dict()["tool"]["model_files"]
    finally:
        model_file.shipped_digests.cache_clear()
    assert second["fusion/detection.json"] != first["fusion/detection.json"]
    assert second["fusion/detection.json"] == _sha256(changed)
    assert {k: v for k, v in second.items() if k != "fusion/detection.json"} == \
        {k: v for k, v in first.items() if k != "fusion/detection.json"}


def test_the_same_picture_twice_gives_the_same_report_apart_from_timings():
    a, b = _report().to_dict(), _report().to_dict()
    a.pop("seconds"), b.pop("seconds")
    for t in a["traces"] + b["traces"]:
        t.pop("seconds", None)
    assert a == b


def test_a_file_named_by_an_option_is_hashed_too(tmp_path):
    from forgelens.camera.prnu import save_fingerprint

    fp = tmp_path / "cam.npz"
    save_fingerprint(fp, np.zeros((160, 192), np.float32), n_images=10)
    d = analyze(jpeg_bytes(natural_image(160, 192, seed=3), 90), detectors=["prnu"],
                configs={"prnu": {"fingerprint_path": str(fp)}}).to_dict()
    assert d["tool"]["option_files"] == {"prnu.fingerprint_path": {"file": "cam.npz", "sha256": _sha256(fp)}}
    assert _report().to_dict()["tool"]["option_files"] == {}


def test_the_source_commit_is_named_from_a_checkout_and_never_fails_without_git(monkeypatch):
    from forgelens import pipeline

    pipeline.source_commit.cache_clear()
    try:
        commit = _report().to_dict()["tool"]["commit"]
        top = model_file.PACKAGE_DIR.parent.parent
        if shutil.which("git") and (top / ".git").exists():
            head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=top, capture_output=True, text=True).stdout.strip()
            assert commit["id"] == head and isinstance(commit["modified"], bool)

        def no_git(*a, **k):
            raise FileNotFoundError("git")

        monkeypatch.setattr(subprocess, "run", no_git)
        pipeline.source_commit.cache_clear()
        assert _report().to_dict()["tool"]["commit"] is None
    finally:
        monkeypatch.undo()
        pipeline.source_commit.cache_clear()


def test_report_html_shows_the_commit_and_short_model_hashes():
    from forgelens.explain import render_report_html

    r = _report()
    html = render_report_html(r)
    tool = r.to_dict()["tool"]
    assert f"detection.json {tool['model_files']['fusion/detection.json'][:12]}" in html
    if tool["commit"]:
        assert f"git commit {tool['commit']['id'][:12]}" in html
    else:
        assert "not a git checkout" in html


@pytest.mark.parametrize("value", ["", "relative/missing.npz"])
def test_an_unreadable_option_file_does_not_stop_the_report(value):
    assert model_file.file_digest(value) is None
