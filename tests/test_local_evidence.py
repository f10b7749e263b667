"""Session 13 (issue 14, candidate JC): jpeg_adq's single-compressed area over half the picture reads as
"no local evidence" — the condition's fact on pictures made here, its effect on the fused map, the detection
features and the analyst view, and a local splice that stays evidence.
"""

from __future__ import annotations

import numpy as np

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
