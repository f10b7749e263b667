"""The reference comparison in the words: first sentence of the summary, first analyst item,
its own section in report.html; every number it cites is one of the comparison's."""

from __future__ import annotations

import re

import numpy as np
from _compare_helpers import original, paste, reshare
from conftest import natural_image, png_bytes

import forgelens
from forgelens.explain import faithfulness, render_report_html, summary, text
from forgelens.explain.readability import fk_grade


def _analyze(tmp_path, suspect: bytes, reference: bytes):
    sus, ref = tmp_path / "suspect.jpg", tmp_path / "original.png"
    sus.write_bytes(suspect)
    ref.write_bytes(reference)
    return forgelens.analyze(str(sus), detectors=["ela"], reference=str(ref))


def _sentences(s: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+", s.strip())


def _check_words(report) -> str:
    s = summary(report)
    assert 3 <= len(_sentences(s)) <= 5, s
    assert fk_grade(s) <= 9.0, (fk_grade(s), s)
    n, missing = faithfulness.cited_numbers(report)
    assert not missing, missing
    assert faithfulness.overclaims(report) == []
    return s


def test_edited_pair_is_the_first_sentence_and_the_first_analyst_item(tmp_path):
    img = original()
    edited, gt = paste(img)
    sus, _ = reshare(edited, gt, scale=0.7, quality=85)
    r = _analyze(tmp_path, sus, png_bytes(img))
    c = r.comparison
    assert c.edited, c.summary()
    s = _check_words(r)
    first = _sentences(s)[0]
    assert first.startswith("This picture differs from original.png in "), first
    share = 100 * c.changed_fraction
    assert (f"{share:.1f} %" if share >= 1 else "less than 1 %") in first
    n = len(c.regions)
    assert ("one area" if n == 1 else f"{n} areas") in first
    assert "not which one is the original" in s
    groups = text.analyst(r)["groups"]
    head = groups[0]
    assert head["family"] == "reference comparison"
    item = head["items"][0]
    assert item["status"] == "observed" and "not which of the two is the original" in item["caveat"]
    assert f"{100 * c.changed_fraction:.1f}%" in item["statement"]


def test_reprocessed_unedited_copy_says_no_change_beyond_processing(tmp_path):
    img = original(seed=7)
    sus, _ = reshare(img, np.zeros(img.shape[:2], bool), scale=0.55, quality=60, gamma=0.8, gain=1.08)
    r = _analyze(tmp_path, sus, png_bytes(img))
    assert r.comparison.same_scene and not r.comparison.edited
    s = _check_words(r)
    assert _sentences(s)[0] == "This picture matches original.png with no change beyond processing."
    assert "edits made before that copy" in s
    assert text.analyst(r)["groups"][0]["items"][0]["kind"] == "reference_unchanged"


def test_other_scene_says_the_blind_analysis_stands_alone(tmp_path):
    r = _analyze(tmp_path, png_bytes(natural_image(400, 500, seed=21)), png_bytes(natural_image(400, 500, seed=22)))
    assert not r.comparison.same_scene
    s = _check_words(r)
    assert _sentences(s)[0].startswith("The picture original.png does not show the same scene")


def test_report_html_has_the_comparison_section_after_the_verdict(tmp_path):
    img = original()
    edited, gt = paste(img)
    sus, _ = reshare(edited, gt, scale=0.7, quality=85)
    r = _analyze(tmp_path, sus, png_bytes(img))
    page = render_report_html(r)
    assert "Compared with the reference" in page and "fl-compare" in page
    assert page.index('id="verdict"') < page.index("Compared with the reference") < page.index("Evidence, by")
    assert "difference overlay" in page and "<h3>Changed regions</h3>" in page


def test_archive_with_no_copy_gives_one_line_and_leaves_the_summary(tmp_path):
    img = original(seed=11)
    sus = tmp_path / "suspect.png"
    sus.write_bytes(png_bytes(img))
    r = forgelens.analyze(str(sus), detectors=["ela"])
    plain = summary(r)
    r.comparison = {"same_scene": False, "archive": {"db": "cases.db", "candidates": []},
                    "summary": "no copy of this picture found in the archive"}
    assert summary(r) == plain
    page = render_report_html(r)
    assert "Compared with the reference" in page and "no copy of this picture found in the archive" in page
    assert not faithfulness.cited_numbers(r)[1]
