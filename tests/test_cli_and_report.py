"""The analyze command and its reports: files written, JSON schema, batch behaviour, bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from forgelens.cli import app
from forgelens.pipeline import SCHEMA_VERSION, analyze
from forgelens.trace import Finding
from tests.conftest import REPO, jpeg_bytes, natural_image

runner = CliRunner()
EXAMPLE = REPO / "examples" / "splice.jpg"


def test_finding_round_trip():
    f = Finding("noise_level", "noise σ 1.9 inside vs 4.2 outside", 0.7, (1, 2, 30, 40), {"inside": 1.9})
    assert Finding.from_dict(json.loads(json.dumps(f.to_dict()))) == f


def test_report_json_schema_round_trip(tmp_path):
    from forgelens.explain import write_report

    report = analyze(EXAMPLE)
    paths = write_report(report, tmp_path / "r")
    d = json.loads(paths["json"].read_text())
    assert d == json.loads(json.dumps(report.to_dict()))  # the file is exactly the dict, valid JSON
    assert d["schema_version"] == SCHEMA_VERSION
    assert d["input"]["sha256"] == report.evidence.sha256 and d["input"]["format"] == "JPEG"
    assert d["verdict"]["label"] in ("authentic", "manipulated", "generated", "inconclusive")
    assert 0.0 <= d["verdict"]["score"] <= 1.0
    probs = d["verdict"]["probabilities"]
    assert set(probs) == {"authentic", "manipulated", "generated"}
    assert sum(p for p in probs.values() if p is not None) == pytest.approx(1.0, abs=1e-3)
    assert "laundering" in d["verdict"] and "generation" in d["verdict"]
    for t in d["traces"]:
        assert {"name", "score", "seconds", "findings", "applicable"} <= set(t)
    html = paths["html"].read_text()
    assert html.startswith("<!doctype html>") and "data:image/png;base64," in html
    assert "http://" not in html and "https://" not in html  # self-contained


def test_analyze_writes_report_folder(tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(EXAMPLE), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "P authentic" in res.output and "generated" in res.output  # the three probabilities, one line
    d = out / "splice"
    assert (d / "report.json").is_file() and (d / "report.html").is_file()
    from PIL import Image

    if (d / "heatmap.png").exists():
        assert Image.open(d / "heatmap.png").size == (512, 512)
        assert Image.open(d / "heatmap.png").mode == "L"


def test_format_json_prints_report(tmp_path):
    res = runner.invoke(app, ["analyze", str(EXAMPLE), "--format", "json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout.strip().splitlines()[-1])
    assert d["input"]["width"] == 512


def test_single_bad_file_exits_nonzero_with_one_line(tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image at all")
    res = runner.invoke(app, ["analyze", str(bad), "-o", str(tmp_path / "o")])
    assert res.exit_code != 0
    lines = [ln for ln in res.output.splitlines() if "broken.jpg" in ln]
    assert len(lines) == 1 and "unreadable image" in lines[0]
    assert bad.read_bytes() == b"not an image at all"


def test_batch_records_bad_files_and_goes_on(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.jpg").write_bytes(jpeg_bytes(natural_image(128, 160, seed=7), 90))
    (src / "empty.jpg").write_bytes(b"")
    (src / "trunc.jpg").write_bytes(jpeg_bytes(natural_image(128, 128, seed=8), 90)[:300])
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(src), "-o", str(out), "-j", "1"])
    assert res.exit_code == 1  # some files failed
    assert (out / "good" / "report.json").is_file()
    errors = (out / "errors.txt").read_text().splitlines()
    assert len(errors) == 2
    assert any("empty.jpg" in e and "empty file" in e for e in errors)
    assert any("trunc.jpg" in e and "truncated" in e for e in errors)
    assert sorted(p.name for p in src.iterdir()) == ["empty.jpg", "good.jpg", "trunc.jpg"]  # nothing added
    # second run skips what exists unless --force
    res2 = runner.invoke(app, ["analyze", str(src / "good.jpg"), "-o", str(out)])
    assert "skipped" in res2.output


def test_unknown_detector_or_option_is_a_clear_error():
    res = runner.invoke(app, ["analyze", str(EXAMPLE), "-d", "no_such_detector"])
    assert res.exit_code == 2 and "no_such_detector" in res.output
    res = runner.invoke(app, ["analyze", str(EXAMPLE), "--set", "nonsense"])
    assert res.exit_code != 0


@pytest.mark.parametrize("cmd", [["detectors"], ["version"]])
def test_info_commands(cmd):
    assert runner.invoke(app, cmd).exit_code == 0


def test_html_draws_copy_move_pairs():
    import numpy as np

    from forgelens.explain.html import render_html

    rgb = natural_image(384, 384, seed=11, noise=1.0)
    rgb[250:330, 260:340] = rgb[30:110, 40:120]  # a plain clone, 80x80, shifted far
    report = analyze(jpeg_bytes(rgb, 95), detectors=["copymove_sift"])
    t = report.trace("copymove_sift")
    assert t.score is not None and t.score >= 0.5, t.findings
    html = render_html(report)
    assert "Copy-move: boxes around source and copy" in html
    assert report.verdict.domain == "classic edit: copy-move"
    assert np.asarray(report.verdict.mask)[260:320, 270:330].mean() > 0.5


def test_detector_specs_expand():
    from forgelens.detectors.registry import available, default_names, resolve
    from forgelens.errors import ConfigError

    assert resolve("default") == default_names()
    assert resolve("default,copymove_dense")[-1] == "copymove_dense"
    assert "baseline_size" not in resolve("all") and len(resolve("all")) > len(default_names())
    assert resolve("ela,ela") == ["ela"]
    assert set(resolve("all")) < set(available())
    with pytest.raises(ConfigError, match="nope"):
        resolve("ela,nope")


def test_extra_maps_and_reliability_are_half_precision_and_written(tmp_path):
    import numpy as np

    from forgelens.explain import write_report

    report = analyze(EXAMPLE, detectors=["ela", "noise_wavelet"])
    ela = report.trace("ela")
    assert ela.extra_maps["ela"].dtype == np.float16 and ela.extra_maps["ela"].shape == (512, 512)
    # the contract: block maps kept on their native grid (8x8 cells here), heatmap float32
    assert ela.block == 8 and ela.heatmap.shape == (64, 64) and ela.heatmap.dtype == np.float32
    assert ela.pixels(ela.heatmap).shape == (512, 512)
    assert ela.reliability.dtype == np.float16 and 0 <= ela.reliability.min() <= ela.reliability.max() <= 1
    paths = write_report(report, tmp_path / "r")
    assert paths["extra:ela.ela"].name == "ela.ela.png" and paths["extra:ela.ela"].is_file()
    assert (tmp_path / "r" / "maps" / "noise_wavelet.noise_sigma.png").is_file()
    assert "noise_sigma (maps/noise_wavelet.noise_sigma.png)" in paths["html"].read_text()


def test_missing_camera_fingerprint_is_refused_before_any_work(tmp_path):
    res = runner.invoke(app, ["analyze", str(EXAMPLE), "--camera", str(tmp_path / "nope.npz"), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "nope.npz" in res.output
    assert not (tmp_path / "o").exists()


def test_html_shows_generation_probabilities_patch_map_and_caveats(monkeypatch):
    import numpy as np

    import forgelens.fusion.generation as gen
    from forgelens.explain.html import render_html
    from forgelens.fusion.generation import GenerationCombiner, _Model

    comb = GenerationCombiner(models=(_Model(("npr_trace",), (1.0,), 0.0, 0.7, 0.4, 0.03),),
                              laundering_trace="npr_trace", laundering_semantic="clip_probe")
    monkeypatch.setattr(gen, "_COMBINER", [comb])
    rgb = natural_image(160, 200, seed=3)
    report = analyze(jpeg_bytes(rgb, 90), detectors=["ela", "npr_trace"])
    v = report.verdict
    assert v.generation is not None and v.generation["detectors"] == ["npr_trace"]
    assert sum(v.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    html = render_html(report)
    assert "Generated or laundered?" in html
    # P(generated) is stated once, in the verdict box's probability line; the section gives its thresholds
    assert html.count(f"generated {v.probabilities['generated']:.2f}") == 1 and "calls a picture generated at" in html
    assert "3.0 % false positives on held-out camera photos" in html
    assert "npr_trace patch map" in html and "What fools it" in html
    assert np.isfinite(v.generation["p_generated"])
