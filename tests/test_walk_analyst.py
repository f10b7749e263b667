"""A forensic analyst's walk (session 19): the words a challenged report would be read by.

Each test holds one fix of ``docs/notes/walk-analyst.md``: the place and area words must not say more
than the mask or the finding measured.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from forgelens.explain import text, words


def _report_with_mask(mask: np.ndarray) -> SimpleNamespace:
    return SimpleNamespace(verdict=SimpleNamespace(mask=mask))


def test_a_thin_region_spanning_the_picture_is_not_said_to_cover_most_of_it():
    # a one-piece frame 4 px wide round a 300 × 200 picture: its box spans the picture, it covers about 7 %
    mask = np.zeros((200, 300), bool)
    mask[:4], mask[-4:], mask[:, :4], mask[:, -4:] = True, True, True, True
    region = words.mask_region(mask)
    assert region["parts"] == 1 and region["fraction"] < 0.1
    sentence = text._region_sentence(_report_with_mask(mask), "The marked area")
    assert "covers most of the picture" not in sentence
    assert words.area_text(region["fraction"]) in sentence and "across most" in sentence
    # a region that does fill most of the picture still says so
    full = np.ones((200, 300), bool)
    full[:20, :20] = False
    assert text._region_sentence(_report_with_mask(full), "The marked area") == \
        "The marked area covers most of the picture."


def test_a_band_from_side_to_side_is_placed_as_a_band():
    # a strip across the top (the whole width, 20 % of the height): not "the top centre"
    assert words.where((0, 0, 300, 40), 300, 200) == "across the top"
    assert words.where((0, 80, 300, 120), 300, 200) == "across the middle"
    assert words.where((250, 0, 300, 200), 300, 200) == "down the right"
    # a box that spans both ways only says where the finding lies, not that it fills the picture
    assert words.where((10, 0, 290, 200), 300, 200) == "across most of the picture"
    assert words.where((10, 10, 60, 50), 300, 200) == "the upper left"
    assert words.at("across the top") == "across the top" and words.at("the centre") == "in the centre"
