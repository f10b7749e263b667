"""Session 13 (issue 14, candidate JC): jpeg_adq's single-compressed area over half the picture reads as
"no local evidence" — the condition's fact on pictures made here, its effect on the fused map, the detection
features and the analyst view, and a local splice that stays evidence.
"""

from __future__ import annotations

import numpy as np
import pytest

from forgelens import analyze
from forgelens.detectors import run
from forgelens.evidence import load
from forgelens.explain import text
from forgelens.fusion import FusionConfig, fuse
from forgelens.fusion.detection import MapSummary, features, summarise
from forgelens.fusion.local_evidence import HOST_REGION_PCT, apply_to_summary, no_local_evidence
from forgelens.trace import Finding, Trace
from tests._jpeg_helpers import composite, jpeg_bytes, jpeg_roundtrip, natural_texture

H, W = 384, 512
PLAIN = FusionConfig(use_detection=False, use_stacking=False)


def _host_region_jpeg() -> tuple[bytes, np.ndarray]:
    """A JPEG whose never-compressed part (before its last save) is just over half of the frame."""
    bg, donor = natural_texture(H, W, 1), natural_texture(H, W, 2)
    comp, mask = composite(jpeg_roundtrip(bg, 60), donor, (0, 0, 264, H))
    return jpeg_bytes(comp, 90), mask


def _adq(area_pct: float) -> Trace:
    """A jpeg_adq trace with the findings a whole-picture web re-save gives, and a map over that region."""
    heat = np.zeros((H, W), np.float32)
    heat[:, : int(W * area_pct / 100)] = 0.9
    return Trace("jpeg_adq", score=0.9, family="jpeg", heatmap=heat, findings=[
        Finding("double_compression", "", 0.5, None, {"primary_quality": 89, "quality": 94}),
        Finding("single_compressed_region", "", 0.8, (0, 0, int(W * area_pct / 100), H), {"area_pct": area_pct})])


def test_single_compressed_area_over_half_reads_as_the_host():
    data, mask = _host_region_jpeg()
    ev = load(data)
    tr = run("jpeg_adq", ev, catch=False)
    area = max(f.values["area_pct"] for f in tr.findings if f.kind == "single_compressed_region")
    assert area > HOST_REGION_PCT and abs(area - 100 * mask.mean()) < 5
    why = no_local_evidence([tr], ev.shape)["jpeg_adq"]
    assert why.condition == "host_region" and why.value == area
    assert f"{area:.0f} %" in why.why and "not a local anomaly" in why.why


def test_a_pasted_square_stays_local_evidence():
    # a never-compressed square of 13 % of the frame pasted into a JPEG host: a local anomaly
    bg, donor = natural_texture(H, W, 1), natural_texture(H, W, 2)
    comp, mask = composite(jpeg_roundtrip(bg, 60), donor, (160, 96, 320, 256))
    ev = load(jpeg_bytes(comp, 90))
    tr = run("jpeg_adq", ev, catch=False)
    regions = [f for f in tr.findings if f.kind == "single_compressed_region"]
    assert regions and max(f.values["area_pct"] for f in regions) <= HOST_REGION_PCT
    assert no_local_evidence([tr], ev.shape) == {}
    v = fuse([tr], ev.shape, PLAIN)
    assert "no_local_evidence" not in v.decision
    assert v.heatmap is not None and float(v.heatmap[mask].mean()) > float(v.heatmap[~mask].mean()) + 0.3


def test_host_region_condition_on_a_whole_picture_region():
    # the finding web re-saves give (98-99 % of the frame), read straight from the values; the boundary is strict
    assert no_local_evidence([_adq(99.1)], (H, W))["jpeg_adq"].value == 99.1
    assert no_local_evidence([_adq(49.9)], (H, W)) == {}
    tr = _adq(60.0)
    tr.findings[1].values["area_pct"] = HOST_REGION_PCT
    assert no_local_evidence([tr], (H, W)) == {}


def test_only_jpeg_adq_is_read():
    # the same finding on another trace, and the other JPEG traces, are not conditions of this candidate
    other = _adq(99.0)
    other.name = "jpeg_grid"
    assert no_local_evidence([other], (H, W)) == {}


def test_the_fused_map_leaves_the_host_region_out_and_says_why():
    tr = _adq(98.0)
    v = fuse([tr], (H, W), PLAIN)
    assert v.heatmap is None or float(v.heatmap.max()) == 0.0
    (why,) = v.decision["no_local_evidence"]
    assert why["detector"] == "jpeg_adq" and why["condition"] == "host_region" and why["value"] == 98.0
    # with the condition off, the same trace is local evidence
    v0 = fuse([tr], (H, W), FusionConfig(use_detection=False, use_stacking=False, no_local_evidence=False))
    assert v0.heatmap is not None and float(v0.heatmap.max()) > 0.5 and "no_local_evidence" not in v0.decision


def test_detection_features_read_an_empty_map():
    tr = _adq(98.0)
    s = summarise([tr], None, (H, W))
    out = apply_to_summary(s, no_local_evidence([tr], (H, W)), [tr], (H, W))
    f_out, f_in = features(out, ["jpeg_adq"]), features(s, ["jpeg_adq"])
    empty = features(MapSummary(maps={"jpeg_adq": np.zeros_like(s.maps["jpeg_adq"])}, scores=dict(s.scores),
                                families=dict(s.families)), ["jpeg_adq"])
    for k in ("top", "contrast", "a50", "a75", "lcc", "fill"):
        assert f_out[f"jpeg_adq.{k}"] == empty[f"jpeg_adq.{k}"]
    assert f_in["jpeg_adq.top"] > 0 and f_out["jpeg_adq.top"] == 0.0
    assert f_out["jpeg_adq.score"] == f_in["jpeg_adq.score"]  # the global score is kept
    assert s.maps["jpeg_adq"].max() > 0  # the summary given is not changed
    # a cached summary (pooled maps only): its pooled fused map is rebuilt without the trace
    s.fused = s.maps["jpeg_adq"].astype(np.float16)
    cfg = FusionConfig()
    rebuilt = apply_to_summary(s, no_local_evidence([tr], (H, W)), [tr], (H, W), refused=(dict(cfg.weights), cfg))
    assert rebuilt.fused is None


def test_the_analyst_view_cites_the_measured_area():
    data, _ = _host_region_jpeg()
    report = analyze(data, detectors=["jpeg_adq", "ela"], name="resaved.jpg")
    (why,) = report.verdict.decision["no_local_evidence"]
    kinds = {item["kind"]: item["statement"] for item in text.combined(report)}
    assert kinds["no_local_evidence"].startswith("No local evidence — jpeg_adq")
    assert f"{why['value']:.0f} % of the picture" in kinds["no_local_evidence"]


# --- session 14 (candidate CMW): a copy-move trace whose every pair is a weak transformed pair ------------------

def _weak_pair_trace(h: int, w: int, n: int = 5, angle: float = 13.8, scale: float = 1.23) -> tuple[Trace, np.ndarray]:
    """A copymove_sift trace exactly as the detector reports one pair (its ``pair_finding``, its score and map):
    a wedge and its rotated and rescaled image, ``n`` matched keypoints."""
    import math

    import cv2

    from forgelens.detectors import _copymove_common as cm

    src = np.zeros((h, w), np.uint8)
    cv2.fillPoly(src, [np.array([[60, 60], [150, 80], [90, 170]], np.int32)], 1)
    A = cv2.getRotationMatrix2D((100.0, 100.0), angle, scale)
    A[:, 2] += (220, 150)
    dst = cv2.warpAffine(src, A, (w, h), flags=cv2.INTER_NEAREST)
    ps = np.array([[80, 80], [120, 90], [95, 140], [70, 70], [110, 120], [100, 100], [90, 75]][:n], np.float64)
    pd = (A[:, :2] @ ps.T).T + A[:, 2]
    f = cm.pair_finding(method="copymove_sift", source_mask=src.astype(bool), target_mask=dst.astype(bool), A=A,
                        n_matches=n, points_src=ps, points_dst=pd, s=1.0, full_shape=(h, w),
                        strength=1.0 - math.exp(-n / 10.0), pair_id=0)
    heat = ((src | dst) > 0).astype(np.float32)
    return Trace("copymove_sift", heatmap=heat, score=0.5 + 0.5 * math.tanh(n / 20.0), findings=[f],
                 family="copymove"), dst.astype(bool)


def test_weak_transformed_pair_condition_reads_the_pair_facts():
    from forgelens.fusion.local_evidence import weak_pair

    assert weak_pair({"match_count": 6, "rotation_deg": -5.0, "scale": 0.85})
    assert weak_pair({"match_count": 5, "rotation_deg": 177.9, "scale": 1.84})
    assert not weak_pair({"match_count": 7, "rotation_deg": 13.8, "scale": 1.23})  # enough matches
    assert not weak_pair({"match_count": 5, "rotation_deg": 4.9, "scale": 1.23})  # no rotation
    assert not weak_pair({"match_count": 5, "rotation_deg": 13.8, "scale": 1.14})  # no scale change
    assert not weak_pair({"match_count": 40, "rotation_deg": 0.0, "scale": 1.0})  # a plain shift
    tr, _ = _weak_pair_trace(H, W)
    why = no_local_evidence([tr], (H, W))["copymove_sift"]
    assert why.condition == "weak_pairs" and why.value == 5.0
    assert "5 matches, rotation 13.8°, scale 1.23" in why.why and "its map is not used" in why.why
    # one pair that is not weak keeps the trace's evidence; a trace with no pair is not a condition
    strong, _ = _weak_pair_trace(H, W, n=7)
    both = Trace("copymove_sift", heatmap=tr.heatmap, score=tr.score, findings=tr.findings + strong.findings,
                 family="copymove")
    assert no_local_evidence([both], (H, W)) == {}
    assert no_local_evidence([Trace("copymove_sift", score=0.3, family="copymove")], (H, W)) == {}
    # copymove_dense reports pairs the same way; JC's traces alone do not read it
    dense = Trace("copymove_dense", heatmap=tr.heatmap, score=tr.score, findings=tr.findings, family="copymove")
    assert set(no_local_evidence([tr, dense], (H, W))) == {"copymove_sift", "copymove_dense"}
    assert no_local_evidence([tr, dense], (H, W), ("jpeg_adq",)) == {}


def test_a_picture_whose_only_copy_move_finding_is_a_weak_pair_is_not_called_manipulated_on_it():
    """A photo made here (skimage's coffee, JPEG q90), analysed in full; its copy-move trace replaced by one weak
    transformed pair (5 matches, rotation 13.8°, scale 1.23) as copymove_sift reports it."""
    from forgelens.fusion.detection import detection_model
    from tests._copymove_helpers import encode
    from tests._copymove_helpers import natural_image as photo

    if detection_model() is None:
        pytest.skip("no detection.json shipped")
    img = photo(H, W, 1)
    rep = analyze(encode(img, "JPEG", 90))
    weak, target = _weak_pair_trace(H, W)
    traces = [weak if t.name == "copymove_sift" else t for t in rep.traces]
    v = fuse(traces, (H, W), FusionConfig())
    v_off = fuse(traces, (H, W), FusionConfig(local_evidence_traces=("jpeg_adq",)))  # JC: the pair's map counts
    assert v.label != "manipulated"
    assert [n["detector"] for n in v.decision["no_local_evidence"]] == ["copymove_sift"]
    assert v.manipulation_score < v_off.manipulation_score
    assert float(v.heatmap[target].mean()) < float(v_off.heatmap[target].mean()) - 0.2


def test_a_plain_shift_copy_move_made_here_is_still_called_manipulated_where_it_is():
    """test_verdict's copy-move (a textured JPEG host, a block moved by a plain shift): many matches, no
    condition, called manipulated with the fused map on the copy."""
    from conftest import decode
    from conftest import jpeg_bytes as jpeg
    from conftest import natural_image as texture

    from forgelens.fusion.detection import detection_model

    if detection_model() is None:
        pytest.skip("no detection.json shipped")
    host = decode(jpeg(texture(384, 384, seed=2, noise=3.0), 80)).copy()
    y0, y1, x0, x1 = 120, 220, 140, 250
    host[y0:y1, x0:x1] = host[y0 + 130:y1 + 130, x0 - 100:x1 - 100].copy()
    rep = analyze(jpeg(host, 90))
    pairs = [f.values for t in rep.traces if t.family == "copymove" for f in t.findings if f.kind == "copy_move"]
    assert pairs and max(p["match_count"] for p in pairs) > 6
    assert not [n for n in rep.verdict.decision.get("no_local_evidence", []) if n["condition"] == "weak_pairs"]
    v = rep.verdict
    assert v.label == "manipulated"
    inside = v.heatmap[y0:y1, x0:x1].mean()
    assert inside > np.delete(v.heatmap, np.s_[y0:y1], axis=0).mean()


def test_the_analyst_view_names_the_weak_pair():
    tr, _ = _weak_pair_trace(H, W)
    v = fuse([tr], (H, W), PLAIN)
    assert v.heatmap is None or float(v.heatmap.max()) == 0.0
    (why,) = v.decision["no_local_evidence"]
    assert why["condition"] == "weak_pairs" and why["detector"] == "copymove_sift"
    v0 = fuse([tr], (H, W), FusionConfig(use_detection=False, use_stacking=False, no_local_evidence=False))
    assert v0.heatmap is not None and float(v0.heatmap.max()) > 0.5
