"""jpeg_ghost on pictures with and without a JPEG history (issue 14, session 10).

A ghost (Farid, TIFS 2009) is a local minimum of the re-compression difference d(q) at the quality a region was
first saved at; a picture never JPEG-compressed loses less at every higher quality and has none. Reported case:
``aigen-sd12/generated/sd12_000.png`` (a generator's PNG) showed "JPEG ghost at quality 74" on near-flat areas.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from forgelens.detectors import registry
from forgelens.detectors.jpeg_ghost import rises_again
from forgelens.evidence import load
from tests._jpeg_helpers import composite, jpeg_bytes, jpeg_roundtrip, natural_texture, png_bytes

H, W = 384, 512
BOX = (160, 96, 320, 256)  # on the 8x8 grid, 13 % of the picture


@pytest.fixture(scope="module")
def textures():
    return natural_texture(H, W, 1), natural_texture(H, W, 2)


def _with_test(ev):
    """The ghost with the history test on (an option, off by default until the detection model is refitted)."""
    return registry.run("jpeg_ghost", ev, registry.get("jpeg_ghost").make_config({"history_test": "true"}),
                        catch=False)


def test_history_test_is_off_by_default():
    """The shipped detection model was fitted on ghost traces without the test; with it on, authentic PNGs
    read as more manipulated (session 10: Kodak24 false alarms 2 -> 5 of 24). On again after a refit."""
    assert registry.get("jpeg_ghost").make_config({}).history_test is False


def _ghosts(tr):
    return [f for f in tr.findings if f.kind == "jpeg_ghost"]


def test_rises_again_marks_farid_minimum_not_a_steady_fall():
    q = np.arange(50, 99, 2, dtype=np.float32)
    steady = 20.0 - 0.18 * (q - 50)  # never compressed: less loss at every higher quality
    assert not rises_again(steady, 0.25).any()
    ghost = steady.copy()
    ghost[q == 60] = 2.0  # first saved at 60: far less loss there, more again above
    mins = rises_again(ghost, 0.25)
    assert mins[q == 60].all() and mins.sum() == 1
    shallow = steady.copy()
    shallow[q == 60] *= 0.9  # a 10 % wobble is not a minimum by the 25 % margin
    assert not rises_again(shallow, 0.25).any()


def test_ghost_still_found_when_the_composite_was_saved_as_png(textures):
    bg, donor = textures
    comp, mask = composite(jpeg_roundtrip(bg, 90), jpeg_roundtrip(donor, 60), BOX)
    tr = _with_test(load(png_bytes(jpeg_roundtrip(comp, 90))))  # JPEG q90, then PNG
    assert roc_auc_score(mask.ravel(), tr.pixels(tr.heatmap).ravel()) >= 0.9
    assert abs(_ghosts(tr)[0].values["quality"] - 60) <= 2


def test_never_compressed_picture_has_no_ghost_heat_and_says_why(textures):
    tr = _with_test(load(png_bytes(textures[0])))
    assert not _ghosts(tr) and tr.score == 0.0
    assert float(np.max(tr.heatmap)) == 0.0 and "no JPEG history" in tr.note


def test_history_test_leaves_jpeg_files_alone(textures):
    bg, donor = textures
    comp, _ = composite(jpeg_roundtrip(bg, 90), jpeg_roundtrip(donor, 60), BOX)
    ev = load(jpeg_bytes(comp, 90))
    info = registry.get("jpeg_ghost")
    on = registry.run("jpeg_ghost", ev, info.make_config({"history_test": "true"}), catch=False)
    off = registry.run("jpeg_ghost", ev, info.make_config({"history_test": "false"}), catch=False)
    assert on.score == off.score > 0.5
    assert np.array_equal(np.asarray(on.heatmap), np.asarray(off.heatmap))


def test_jpeg_region_in_a_never_compressed_png_is_not_read(textures):
    """The documented limit of the history test (see the detector's caveat): the whole picture shows no JPEG
    history, so a region first saved as JPEG and pasted into it is not looked for."""
    bg, donor = textures
    comp, _ = composite(bg, jpeg_roundtrip(donor, 60), BOX)
    tr = _with_test(load(png_bytes(comp)))
    assert not _ghosts(tr) and "no JPEG history" in tr.note


def test_generator_png_reported_in_the_walkthrough_has_no_ghost(shared_datasets):
    path = shared_datasets / "aigen-sd12" / "generated" / "sd12_000.png"
    if not path.is_file():
        pytest.skip(f"{path} absent")
    ev = load(str(path))
    tr = _with_test(ev)
    assert not _ghosts(tr) and tr.score == 0.0
    old = registry.run("jpeg_ghost", ev, registry.get("jpeg_ghost").make_config({"history_test": "false"}),
                       catch=False)
    assert _ghosts(old)  # what main reported: "JPEG ghost at quality 74"
