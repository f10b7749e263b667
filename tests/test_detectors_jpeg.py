"""JPEG detectors: ELA, JPEG ghosts, aligned double quantisation, grid misalignment.

Forgeries are made here with known masks from natural-looking synthetic textures
(multi-scale smoothed noise, gradients, hard-edged shapes, mild sensor noise).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from forgelens.detectors import available, run
from forgelens.evidence import load
from forgelens.jpeg import estimate_jpeg_quality, ijg_qtable
from tests._jpeg_helpers import composite, jpeg_bytes, jpeg_roundtrip, natural_texture, png_bytes

H, W = 384, 512
ALIGNED_BOX = (160, 96, 320, 256)  # on the 8x8 grid, 13% of the image
MISALIGNED_BOX = (157, 99, 317, 259)
JPEG_DETECTORS = ("ela", "jpeg_ghost", "jpeg_adq", "jpeg_grid")


@pytest.fixture(scope="module")
def textures():
    return natural_texture(H, W, 1), natural_texture(H, W, 2)


def _auc(mask: np.ndarray, heat: np.ndarray) -> float:
    return float(roc_auc_score(mask.ravel(), heat.ravel()))


def test_detectors_registered_in_jpeg_family():
    reg = available()
    for name in JPEG_DETECTORS:
        assert reg[name].family == "jpeg" and reg[name].default
        assert reg[name].how_to_read and reg[name].caveat


@pytest.mark.parametrize("q", [5, 10, 25, 50, 51, 75, 90, 95, 99])
def test_quality_estimate_recovers_ijg_tables(q):
    assert estimate_jpeg_quality(ijg_qtable(q)) == (q, True)
    assert estimate_jpeg_quality(ijg_qtable(q, chroma=True), chroma=True) == (q, True)


def test_quality_estimate_of_custom_table_is_nearest_and_flagged():
    custom = ijg_qtable(80).copy()
    custom[4:, 4:] += 3  # a camera-style table, not IJG
    q, standard = estimate_jpeg_quality(custom)
    assert not standard and 74 <= q <= 82


def test_quality_estimate_matches_file_written_by_pillow(textures):
    ev = load(jpeg_bytes(textures[0], 83))
    assert estimate_jpeg_quality(ev.jpeg.qtables[0]) == (83, True)
    tr = run("ela", ev, catch=False)
    f = next(f for f in tr.findings if f.kind == "jpeg_quality")
    assert f.values["quality_luma"] == 83 and f.values["standard_ijg_luma"]


@pytest.mark.parametrize(
    "q_background, q_donor, q_final",
    [(60, 95, 90), (70, None, 90)],  # donor saved at 95 / never compressed
)
def test_adq_finds_region_without_the_first_compression(textures, q_background, q_donor, q_final):
    bg, donor = textures
    d = donor if q_donor is None else jpeg_roundtrip(donor, q_donor)
    comp, mask = composite(jpeg_roundtrip(bg, q_background), d, ALIGNED_BOX)
    tr = run("jpeg_adq", load(jpeg_bytes(comp, q_final)), catch=False)
    assert tr.applicable
    assert _auc(mask, tr.pixels(tr.heatmap)) >= 0.9
    dq = next(f for f in tr.findings if f.kind == "double_compression")
    assert abs(dq.values["primary_quality"] - q_background) <= 5
    region = next(f for f in tr.findings if f.kind == "single_compressed_region")
    x0, y0, x1, y1 = region.region
    assert x0 <= 176 and x1 >= 304 and y0 <= 112 and y1 >= 240  # it is the pasted square


def test_adq_on_png_is_not_applicable(textures):
    tr = run("jpeg_adq", load(png_bytes(textures[0])), catch=False)
    assert not tr.applicable and "not a JPEG" in tr.note


def test_ghost_finds_region_first_saved_at_lower_quality(textures):
    bg, donor = textures
    comp, mask = composite(jpeg_roundtrip(bg, 90), jpeg_roundtrip(donor, 60), ALIGNED_BOX)
    tr = run("jpeg_ghost", load(jpeg_bytes(comp, 90)), catch=False)
    assert _auc(mask, tr.pixels(tr.heatmap)) >= 0.9
    ghost = next(f for f in tr.findings if f.kind == "jpeg_ghost")
    assert abs(ghost.values["quality"] - 60) <= 2
    assert any(k.startswith("difference_q") for k in tr.extra_maps)


@pytest.mark.parametrize("final", ["png", "jpeg98"])
def test_grid_finds_misaligned_paste(textures, final):
    bg, donor = textures
    # donor content shifted by (3, 2) px and pasted off the 8x8 grid: its JPEG grid origin in
    # the composite is (x, y) = (-2 mod 8, -3 mod 8) = (6, 5)
    comp, mask = composite(
        jpeg_roundtrip(bg, 75), jpeg_roundtrip(donor, 70), MISALIGNED_BOX, (3, 2)
    )
    data = png_bytes(comp) if final == "png" else jpeg_bytes(comp, 98)
    tr = run("jpeg_grid", load(data), catch=False)
    assert _auc(mask, tr.pixels(tr.heatmap)) >= 0.9
    main = next(f for f in tr.findings if f.kind == "jpeg_grid_main")
    assert (main.values["origin_x"], main.values["origin_y"]) == (0, 0)
    foreign = next(f for f in tr.findings if f.kind == "jpeg_grid_foreign")
    assert (foreign.values["origin_x"], foreign.values["origin_y"]) == (6, 5)
    assert foreign.values["log10_nfa"] < 0


@pytest.mark.parametrize("seed, quality", [(3, 75), (4, 90)])
def test_authentic_single_jpeg_does_not_light_up(seed, quality):
    # Bound: in the forgery tests above the pasted square is 13% of the image and the maps
    # sit near 1 inside it, so a detected forgery of that size gives a map mean >= ~0.1.
    # A single-compressed authentic JPEG must stay well below: ghost / ADQ / grid < 0.03
    # (they have an explicit "nothing found" state); ELA's map follows texture by design
    # (its caveat), so it gets a looser bound, still below the forged-square level.
    ev = load(jpeg_bytes(natural_texture(H, W, seed), quality))
    bounds = {"ela": 0.15, "jpeg_ghost": 0.03, "jpeg_adq": 0.03, "jpeg_grid": 0.03}
    for name, bound in bounds.items():
        tr = run(name, ev, catch=False)
        assert tr.heatmap is not None and tr.heatmap.dtype == np.float32
        assert tr.heatmap_mean() < bound, (name, tr.heatmap_mean())
        if name != "ela":
            assert (tr.score or 0.0) < 0.5, (name, tr.score)


def test_authentic_double_jpeg_is_not_flagged_by_adq():
    # an untouched photo re-saved once (60 -> 90): double-compressed everywhere, nothing single
    ev = load(jpeg_bytes(jpeg_roundtrip(natural_texture(H, W, 5), 60), 90))
    tr = run("jpeg_adq", ev, catch=False)
    assert any(f.kind == "double_compression" for f in tr.findings)
    assert tr.heatmap_mean() < 0.05


@pytest.mark.parametrize("name", JPEG_DETECTORS)
def test_odd_sizes_and_png_give_full_resolution_maps(name):
    rgb = natural_texture(101, 133, 7)
    for data in (jpeg_bytes(rgb, 80), png_bytes(rgb)):
        ev = load(data)
        tr = run(name, ev, catch=False)
        if not tr.applicable:
            assert name == "jpeg_adq" and ev.format == "PNG"
            continue
        assert tr.pixels(tr.heatmap).shape == (101, 133)
        assert 0.0 <= float(tr.heatmap.min()) and float(tr.heatmap.max()) <= 1.0
        for m in tr.extra_maps.values():
            assert tr.pixels(m).shape == (101, 133)
        tr.to_dict()  # JSON-able


def test_grid_sentence_claims_cropping_only_as_far_as_the_votes_go():
    texture = natural_texture(H + 8, W + 8, 1)
    cropped = jpeg_roundtrip(texture, 75)[5 : 5 + H, 3 : 3 + W]  # origin moves to (5, 3)
    cases = {
        "cropped": png_bytes(cropped),
        "aligned": jpeg_bytes(texture[:H, :W], 75),
        "never_compressed": png_bytes(texture[:H, :W]),
    }
    said = {}
    for name, data in cases.items():
        tr = run("jpeg_grid", load(data), catch=False)
        main = [f for f in tr.findings if f.kind == "jpeg_grid_main"]
        said[name] = main[0].message if main else tr.note
        assert "the image was cropped after compression" not in said[name]
        assert "% of vot" in said[name] and "by chance" in said[name]
    assert "starts at (5, 3), not (0, 0): consistent with cropping after JPEG" in said["cropped"]
    assert "starts at (0, 0), as in an uncropped JPEG" in said["aligned"]
    # a PNG never compressed: no grid, or only a faint one, never a statement of cropping
    weak = said["never_compressed"]
    assert "consistent with cropping" not in weak
    assert weak.startswith("A faint 8×8 grid") or weak.startswith("no significant 8×8 JPEG grid")


def test_grid_note_when_not_significant_names_the_best_candidate():
    from forgelens.detectors.jpeg_grid import _no_grid_note

    note = _no_grid_note(9, 110, 6400)  # origin code 9 = (x 1, y 1), 1.7% of the votes
    assert note.startswith("no significant 8×8 JPEG grid was found")
    assert "origin (1, 1), gathers only 1.7% of votes" in note
