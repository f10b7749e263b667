"""Session 13 (issue 14): traces read as "no local evidence" — each condition's fact on a picture made here.

(a) jpeg_adq's single-compressed area covers most of the picture; (b) the last save is JPEG q >= 98 (jpeg_grid);
(c) / (d) copy-move on repeated identical objects; and a real copy-move forgery that must still be found where it is.
"""

from __future__ import annotations

import numpy as np

from forgelens.detectors import run
from forgelens.detectors._copymove_common import match_tolerance, repetition_facts
from forgelens.evidence import load
from forgelens.fusion import FusionConfig, fuse
from forgelens.fusion.detection import MapSummary, features
from forgelens.fusion.local_evidence import (
    FINE_RESAVE_QUALITY,
    HOST_REGION_PCT,
    apply_to_summary,
    no_local_evidence,
)
from forgelens.jpeg import encode_jpeg
from forgelens.trace import Finding, Trace
from tests._copymove_helpers import clone, encode, natural_image
from tests._jpeg_helpers import composite, jpeg_bytes, jpeg_roundtrip, natural_texture

H, W = 384, 512


def _objects_in_a_row(n: int = 4, step: int = 110) -> np.ndarray:
    """A picture with ``n`` identical textured objects in a row (a railing / window row), each the same patch."""
    bg = natural_image(H, W, seed=3)
    obj = natural_image(H, W, seed=0)[100:180, 200:270]  # one textured object, 80 x 70
    out = bg.copy()
    for i in range(n):
        x = 30 + i * step
        out[150:230, x:x + 70] = obj
    return out


def test_single_compressed_area_over_half_reads_as_the_host():
    # the part never compressed before the last save covers just over half of the frame
    bg, donor = natural_texture(H, W, 1), natural_texture(H, W, 2)
    comp, mask = composite(jpeg_roundtrip(bg, 60), donor, (0, 0, 264, H))
    ev = load(jpeg_bytes(comp, 90))
    tr = run("jpeg_adq", ev, catch=False)
    area = max(f.values["area_pct"] for f in tr.findings if f.kind == "single_compressed_region")
    assert area > HOST_REGION_PCT and abs(area - 100 * mask.mean()) < 5
    why = no_local_evidence([tr], ev.shape)["jpeg_adq"]
    assert why.condition == "host_region" and why.value == area
    assert f"{area:.0f} %" in why.why and "not a local anomaly" in why.why
    # a pasted square of 13 % stays local evidence
    comp, _ = composite(jpeg_roundtrip(bg, 60), donor, (160, 96, 320, 256))
    ev = load(jpeg_bytes(comp, 90))
    assert "jpeg_adq" not in no_local_evidence([run("jpeg_adq", ev, catch=False)], ev.shape)


def test_host_region_condition_on_a_whole_picture_region():
    # the finding web re-saves give (98-99 % of the frame): read straight from the values
    tr = Trace("jpeg_adq", score=0.9, family="jpeg", findings=[
        Finding("double_compression", "", 0.5, None, {"primary_quality": 89, "quality": 94}),
        Finding("single_compressed_region", "", 0.8, (0, 0, 400, 400), {"area_pct": 99.1})])
    assert no_local_evidence([tr], (400, 400))["jpeg_adq"].value == 99.1
    tr.findings[1].values["area_pct"] = 49.9
    assert no_local_evidence([tr], (400, 400)) == {}


def test_fine_resave_reads_jpeg_grid_as_no_local_evidence():
    rgb = natural_image(H, W, seed=1)
    once = jpeg_roundtrip(rgb, 75)
    for q, expected in ((98, True), (100, True), (95, False)):
        ev = load(encode_jpeg(once, q))
        tr = run("jpeg_grid", ev, catch=False)
        main = next(f for f in tr.findings if f.kind == "jpeg_grid_main")
        assert main.values["file_quality"] == q
        nle = no_local_evidence([tr], ev.shape)
        assert ("jpeg_grid" in nle) is expected
        if expected:
            assert nle["jpeg_grid"].value == q >= FINE_RESAVE_QUALITY and f"quality {q}" in nle["jpeg_grid"].why
    # analyses made before jpeg_grid recorded the quality: jpeg_ghost's reading of the same table
    grid = Trace("jpeg_grid", score=0.6, family="jpeg", findings=[Finding("jpeg_grid_main", "", 0.5, None, {})])
    ghost = Trace("jpeg_ghost", score=0.1, family="jpeg", findings=[Finding("jpeg_quality", "", 0.0, None,
                                                                            {"quality": 100})])
    assert no_local_evidence([grid, ghost], (H, W))["jpeg_grid"].condition == "fine_resave"


def test_identical_objects_in_a_row_read_as_repetition():
    ev = load(encode(_objects_in_a_row()))
    tr = run("copymove_sift", ev, catch=False)
    pairs = [f for f in tr.findings if f.kind == "copy_move"]
    assert pairs, "the identical objects are matched"
    assert all(f.values["periodic"] or f.values["self_overlap"] for f in pairs)
    assert max(f.values["periodic_repeats"] for f in pairs) >= 3
    nle = no_local_evidence([tr], ev.shape)
    assert nle["copymove_sift"].condition == "periodic_repetition"
    # the fused map leaves the trace out, the decision says why
    v = fuse([tr], ev.shape, FusionConfig(use_detection=False, use_stacking=False))
    assert v.heatmap is None or float(v.heatmap.max()) == 0.0
    assert v.decision["no_local_evidence"][0]["detector"] == "copymove_sift"
    # with the conditions off, the same trace is local evidence
    v0 = fuse([tr], ev.shape, FusionConfig(use_detection=False, use_stacking=False, no_local_evidence=False))
    assert v0.heatmap is not None and float(v0.heatmap.max()) > 0.5 and "no_local_evidence" not in v0.decision


def test_repetition_facts_periodic_and_overlap():
    shape = (H, W)
    tol = match_tolerance("copymove_sift", shape)
    assert tol == 3.0
    row = [{"shift_x": 110.0, "shift_y": 0.0, "source_bbox": [30, 150, 100, 230], "target_bbox": [140, 150, 210, 230]},
           {"shift_x": -220.0 + tol / 2, "shift_y": 1.0, "source_bbox": [250, 150, 320, 230],
            "target_bbox": [30, 150, 100, 230]},
           {"shift_x": 330.0, "shift_y": 0.0, "source_bbox": [30, 150, 100, 230], "target_bbox": [360, 150, 430, 230]}]
    facts = repetition_facts(row, "copymove_sift", shape)
    assert [f["periodic_repeats"] for f in facts] == [3, 3, 3] and all(f["periodic"] for f in facts)
    assert not any(f["self_overlap"] for f in facts)
    one = repetition_facts(row[:2], "copymove_sift", shape)
    assert not any(f["periodic"] for f in one)
    lap = repetition_facts([{"shift_x": 58.0, "shift_y": 0.0, "source_bbox": [0, 10, 300, 60],
                             "target_bbox": [58, 10, 358, 60]}], "copymove_sift", shape)
    assert lap[0]["self_overlap"] and not lap[0]["periodic"]


def test_copy_move_forgery_is_still_found_where_it_is():
    img = natural_image(seed=2)
    forged, src, dst = clone(img, (120, 120), (380, 260), 50)
    ev = load(encode(forged))
    tr = run("copymove_sift", ev, catch=False)
    pairs = [f for f in tr.findings if f.kind == "copy_move"]
    assert pairs and not any(f.values["periodic"] or f.values["self_overlap"] for f in pairs)
    assert no_local_evidence([tr], ev.shape) == {}
    v = fuse([tr], ev.shape, FusionConfig(use_detection=False, use_stacking=False))
    assert "no_local_evidence" not in v.decision
    heat = v.heatmap
    assert float(heat[dst].mean()) > 0.5 and float(heat[src].mean()) > 0.5
    assert float(heat[~(src | dst)].mean()) < 0.2
    x0, y0, x1, y1 = pairs[0].region  # the finding's box holds the clone
    ys, xs = np.nonzero(dst)
    assert x0 <= xs.min() and xs.max() < x1 and y0 <= ys.min() and ys.max() < y1


def test_summary_reads_an_empty_map_and_nothing_matched():
    ev = load(encode(_objects_in_a_row()))
    tr = run("copymove_sift", ev, catch=False)
    from forgelens.fusion.detection import summarise

    s = summarise([tr], None, ev.shape)
    nle = no_local_evidence([tr], ev.shape)
    out = apply_to_summary(s, nle, [tr], ev.shape)
    f_out, f_in = features(out, ["copymove_sift"]), features(s, ["copymove_sift"])
    empty = features(MapSummary(maps={"copymove_sift": np.zeros_like(s.maps["copymove_sift"])},
                                scores={"copymove_sift": 0.0}, families=dict(s.families)), ["copymove_sift"])
    for k in ("top", "contrast", "a50", "a75", "lcc", "fill", "score"):
        assert f_out[f"copymove_sift.{k}"] == empty[f"copymove_sift.{k}"] == 0.0
    assert f_in["copymove_sift.top"] > 0 and f_in["copymove.pairs"] > 0
    assert f_out["copymove.pairs"] == f_out["copymove.plain_shift"] == f_out["copymove.max_matches"] == 0.0
    assert s.maps["copymove_sift"].max() > 0  # the summary given is not changed
