"""forgelens.compare: alignment, difference map, regions, errors, CLI and analyze --reference."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _compare_helpers import original, paste, removal, reshare, text_change
from conftest import jpeg_bytes, natural_image, png_bytes
from sklearn.metrics import roc_auc_score

import forgelens
from forgelens.compare import ComparisonError, compare_report_html
from forgelens.errors import ForgeLensError


def _auc(result, gt: np.ndarray) -> float:
    valid = ~result.no_counterpart
    return roc_auc_score(gt[valid], result.heatmap[valid])


@pytest.mark.parametrize("edit", ["paste", "removal", "text"])
def test_edit_found_after_crop_scale_jpeg(edit):
    img = original()
    if edit == "paste":
        ref, (edited, gt) = img, paste(img)
    else:
        ref, edited, gt = text_change(img) if edit == "text" else removal(img)
    sus, gt_s = reshare(edited, gt, scale=0.7, quality=80, gamma=0.9)
    r = forgelens.compare(sus, png_bytes(ref))
    assert r.same_scene, r.reason
    assert r.alignment["scale"] == pytest.approx(0.7, abs=0.02)
    assert r.heatmap.shape == gt_s.shape
    assert _auc(r, gt_s) >= 0.9
    assert r.regions, "the edit should give a changed region"
    expected_kind = {"text": "text_changed", "removal": "removed"}.get(edit)
    if expected_kind:  # the kind is told where the two sides make it clear
        assert r.regions[0]["kind"] == expected_kind, r.regions
    m = r.mask
    assert (m & gt_s).sum() / gt_s.sum() > 0.5  # most of the edit is in the mask
    assert (m & ~gt_s).sum() < 0.02 * m.size  # and little else
    # the cropped-away border of the reference is not reported; no part of the suspect lacks a counterpart
    assert r.no_counterpart.mean() < 0.02


def test_mirrored_and_upscaled_copy_is_aligned():
    img = original(seed=5)
    edited, gt = paste(img)
    sus, gt_s = reshare(edited[:, ::-1].copy(), gt[:, ::-1].copy(), scale=1.4, quality=90)
    r = forgelens.compare(sus, png_bytes(img))
    assert r.same_scene and r.alignment["flip"] == "horizontal"
    assert _auc(r, gt_s) >= 0.9


def test_reprocessed_unedited_copy_gives_empty_mask():
    img = original(seed=7)
    sus, _ = reshare(img, np.zeros(img.shape[:2], bool), scale=0.55, quality=60, gamma=0.8, gain=1.08)
    r = forgelens.compare(sus, png_bytes(img))
    assert r.same_scene
    assert r.regions == [] and not r.mask.any()
    assert not r.edited


def test_extended_suspect_has_no_counterpart_part():
    """A suspect that shows more than the reference (outpainting): the extra part is reported."""
    img = original(seed=9)
    ref = img[:, :400]
    r = forgelens.compare(jpeg_bytes(img, 92), png_bytes(ref))
    assert r.same_scene
    assert r.no_counterpart_regions and 0.3 < r.no_counterpart_regions[0]["area_fraction"] < 0.45
    assert r.no_counterpart[:, 450:].all() and not r.no_counterpart[:, :380].any()


def test_different_pictures_are_not_the_same_scene():
    r = forgelens.compare(png_bytes(natural_image(400, 500, seed=21)), png_bytes(natural_image(400, 500, seed=22)))
    assert not r.same_scene
    assert r.mask is None or not r.mask.any()
    assert "not the same scene" in r.summary()


def test_bad_reference_gives_one_clear_error(tmp_path):
    sus = tmp_path / "suspect.jpg"
    sus.write_bytes(jpeg_bytes(original(), 90))
    bad = tmp_path / "reference.jpg"
    bad.write_bytes(b"this is not a picture")
    before = sus.read_bytes()
    with pytest.raises(ForgeLensError, match="reference.jpg"):
        forgelens.compare(str(sus), str(bad))
    with pytest.raises(ComparisonError, match="same file"):
        forgelens.compare(str(sus), str(sus))
    copy = tmp_path / "copy.jpg"
    copy.write_bytes(before)
    with pytest.raises(ComparisonError, match="same bytes"):
        forgelens.compare(str(sus), str(copy))
    with pytest.raises(ForgeLensError, match="missing.png"):
        forgelens.compare(str(sus), str(tmp_path / "missing.png"))
    assert sus.read_bytes() == before


def test_report_json_and_html():
    img = original()
    edited, gt = paste(img)
    sus, _ = reshare(edited, gt)
    r = forgelens.compare(sus, png_bytes(img))
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert d["same_scene"] and d["regions"][0]["kind"] in {"added", "removed", "recoloured", "text_changed", "altered"}
    assert set(d["regions"][0]) >= {"box", "area_fraction", "kind"}
    assert any(m["field"] == "file.format" for m in d["metadata_differences"])  # JPEG vs PNG
    page = compare_report_html(r)
    assert page.startswith("<!doctype html>") and "type='range'" in page and "data:image/jpeg;base64," in page
    assert "http" not in page.replace("http-equiv", "")  # self-contained


def test_cli_compare_and_analyze_reference(tmp_path):
    from typer.testing import CliRunner

    from forgelens.cli import app

    img = original()
    edited, gt = paste(img)
    sus_bytes, _ = reshare(edited, gt)
    sus, ref = tmp_path / "sus.jpg", tmp_path / "ref.png"
    sus.write_bytes(sus_bytes)
    ref.write_bytes(png_bytes(img))
    runner = CliRunner()
    res = runner.invoke(app, ["compare", str(sus), str(ref), "-o", str(tmp_path / "cmp")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "cmp" / "comparison.html").is_file() and (tmp_path / "cmp" / "difference.png").is_file()
    res = runner.invoke(app, ["analyze", str(sus), "-d", "ela", "--reference", str(ref), "-o", str(tmp_path / "an")])
    assert res.exit_code == 0, res.output
    rep = json.loads((tmp_path / "an" / "sus" / "report.json").read_text())
    assert rep["comparison"]["same_scene"] and rep["comparison"]["regions"]
    assert (tmp_path / "an" / "sus" / "comparison.html").is_file()
    res = runner.invoke(app, ["compare", str(sus), str(sus)])
    assert res.exit_code == 1 and "same file" in res.output


def test_analyze_with_bad_reference_fails_before_the_detectors(tmp_path):
    sus = tmp_path / "suspect.jpg"
    sus.write_bytes(jpeg_bytes(original(), 90))
    bad = tmp_path / "reference.png"
    bad.write_bytes(b"")
    with pytest.raises(ForgeLensError, match="reference.png"):
        forgelens.analyze(str(sus), detectors=["ela"], reference=str(bad))
    with pytest.raises(ComparisonError, match="same file"):
        forgelens.analyze(str(sus), detectors=["ela"], reference=str(sus))
