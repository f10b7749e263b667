"""Options that change only pictures above a size limit (issue 16, session 9): jpeg_ghost's sweep step
(``large_q_step``) and copymove_sift's view size (``large_max_pixels``), each above ``large_above``.

Pictures at or below the limit must give byte-identical traces whatever the large-picture option;
above it the option is what the detector uses. The limit is set small so the pictures stay small.
"""

from __future__ import annotations

import numpy as np
import pytest

from forgelens.detectors import _copymove_common as cm
from forgelens.detectors import jpeg_ghost as ghost_mod
from forgelens.detectors import registry
from forgelens.evidence import load
from tests._copymove_helpers import clone, encode, natural_image
from tests._jpeg_helpers import composite, jpeg_bytes, jpeg_roundtrip, natural_texture


def _same(a, b) -> None:
    assert a.error is None and b.error is None
    assert a.block == b.block and a.score == b.score and a.note == b.note
    assert np.array_equal(a.heatmap, b.heatmap) and a.heatmap.tobytes() == b.heatmap.tobytes()
    assert (a.reliability is None) == (b.reliability is None)
    if a.reliability is not None:
        assert a.reliability.tobytes() == b.reliability.tobytes()
    assert sorted(a.extra_maps) == sorted(b.extra_maps)
    assert all(a.extra_maps[k].tobytes() == b.extra_maps[k].tobytes() for k in a.extra_maps)
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]


def _ghost_picture() -> bytes:
    """A q90 JPEG whose centre was first saved at q60 (a ghost to find)."""
    host = jpeg_roundtrip(natural_texture(256, 320, seed=4), 90)
    donor = jpeg_roundtrip(natural_texture(256, 320, seed=5), 60)
    return jpeg_bytes(composite(host, donor, (80, 64, 240, 192))[0], 90)


@pytest.mark.parametrize("large_above", [256 * 320, 10**9])
def test_ghost_step_leaves_pictures_at_or_below_the_limit_untouched(large_above):
    ev = load(_ghost_picture())
    info = registry.get("jpeg_ghost")
    base = registry.run("jpeg_ghost", ev, info.make_config({"large_above": str(large_above), "large_q_step": "2"}),
                        catch=False)
    coarse = registry.run("jpeg_ghost", ev, info.make_config({"large_above": str(large_above), "large_q_step": "4"}),
                          catch=False)
    _same(base, coarse)


def test_ghost_step_applies_above_the_limit(monkeypatch):
    seen = []
    real = ghost_mod.ghost_differences

    def spy(rgb, qualities, *a, **k):
        seen.append([int(q) for q in qualities])
        return real(rgb, qualities, *a, **k)

    monkeypatch.setattr(ghost_mod, "ghost_differences", spy)
    ev = load(_ghost_picture())
    info = registry.get("jpeg_ghost")
    t = registry.run("jpeg_ghost", ev, info.make_config({"large_above": str(256 * 320 - 1), "large_q_step": "4"}),
                     catch=False)
    registry.run("jpeg_ghost", ev, info.make_config({"large_above": str(256 * 320)}), catch=False)  # shipped step 4
    assert seen[0] == list(range(50, 99, 4)) and len(seen[0]) == 13  # 50, 54, ..., 98
    assert seen[1] == list(range(50, 99, 2))  # at the limit: the published step
    # the q60 paste is still found with the coarse sweep (60 lies between 58 and 62)
    assert t.score > 0 and t.heatmap[8:24, 10:30].mean() > t.heatmap.mean()


def _clone_picture() -> bytes:
    img = natural_image(384, 512, seed=1)
    forged, _, _ = clone(img, (150, 150), (380, 250), 50)
    return encode(forged, "PNG")


@pytest.mark.parametrize("large_above", [384 * 512, 10**9])
def test_sift_view_leaves_pictures_at_or_below_the_limit_untouched(large_above):
    ev = load(_clone_picture())
    info = registry.get("copymove_sift")
    base = registry.run("copymove_sift", ev, info.make_config({"large_above": str(large_above)}), catch=False)
    small = registry.run("copymove_sift", ev, info.make_config({"large_above": str(large_above),
                                                               "large_max_pixels": "50000"}), catch=False)
    _same(base, small)


def test_sift_view_applies_above_the_limit(monkeypatch):
    seen = []
    real = cm.working_gray

    def spy(lum, max_pixels):
        g, s = real(lum, max_pixels)
        seen.append((max_pixels, g.shape))
        return g, s

    monkeypatch.setattr(cm, "working_gray", spy)
    ev = load(_clone_picture())
    info = registry.get("copymove_sift")
    t = registry.run("copymove_sift", ev, info.make_config({"large_above": str(384 * 512 - 1),
                                                           "large_max_pixels": "120000"}), catch=False)
    assert seen[0][0] == 120000 and seen[0][1][0] * seen[0][1][1] <= 120000
    assert t.heatmap.shape == ev.shape  # the map is at the picture's size whatever the view
    assert t.score >= 0.5  # the clone is still found on the smaller view


def test_shipped_defaults_and_limits():
    g = registry.get("jpeg_ghost").make_config()
    c = registry.get("copymove_sift").make_config()
    assert g.large_above == c.large_above == 2_000_000
    assert g.q_step == 2 and c.max_pixels == 3.0e6
    # shipped by the declared rule (issue-16 note, session 9): G4 passed, C15 did not (19 of 36 called, main 21)
    assert g.large_q_step == 4 and c.large_max_pixels == 3.0e6
