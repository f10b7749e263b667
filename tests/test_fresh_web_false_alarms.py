"""The fresh-web false-alarm study's bookkeeping (benchmarks/studies/fresh_web_false_alarms.py); no ../shared needed."""

import numpy as np
import pytest

from benchmarks.studies import fresh_web_false_alarms as F
from forgelens.fusion.detection import MapSummary


def test_agreement_features_are_split_between_their_two_families():
    assert F.cause_of("agree.learned-noise.iou") == [("learned localizer", 0.5), ("noise / residual", 0.5)]
    assert F.cause_of("copymove.plain_shift") == [("copy-move", 1.0)]
    assert F.cause_of("jpeg_grid.lcc") == [("JPEG history", 1.0)]
    shares = F.cause_of("agree.best_iou")
    assert sum(s for _, s in shares) == pytest.approx(1.0)
    sums = F.cause_sums({"agree.learned-jpeg.corr": 1.0, "ela.fill": 0.5, "learned_localizer.top": -0.2})
    assert sums["learned localizer"] == pytest.approx(0.3)
    assert sums["JPEG history"] == pytest.approx(1.0)
    assert sum(sums.values()) == pytest.approx(1.3)


def test_each_false_alarm_gets_the_cause_with_the_largest_excess_over_the_quiet_pictures():
    def rec(label, **causes):
        base = {c: 0.0 for c in list(F.CAUSES) + ["other"]}
        return {"label": label, "causes": {**base, **causes}}

    recs = [rec("authentic", **{"copy-move": 1.0}), rec("inconclusive", **{"copy-move": 1.0}),
            rec("manipulated", **{"copy-move": 1.5, "JPEG history": 0.8}), rec("generated"),
            {**rec("manipulated", **{"copy-move": 3.0}), "rule": "provenance_declared_partial_ai"}]
    base = F.assign_causes(recs)
    assert base["copy-move"] == pytest.approx(1.0)
    assert recs[2]["cause"] == "JPEG history"  # +0.8 over the quiet median beats copy-move's +0.5
    assert recs[3]["cause"] == "generation"
    assert recs[4]["cause"] == "provenance"  # a declaration decided, whatever the detection model's sums


def test_the_fused_regions_box_and_the_detectors_that_agree_with_it():
    fused = np.zeros((20, 40), np.float16)
    fused[2:6, 30:38] = 1.0
    near = np.zeros((20, 40), np.float16)
    near[2:6, 30:38] = 0.9
    far = np.zeros((20, 40), np.float16)
    far[14:18, 0:8] = 0.9
    s = MapSummary(maps={"near": near, "far": far, "flat": np.zeros((20, 40), np.float16)}, fused=fused)
    r = F.region_facts(s)
    assert r["bbox"] == pytest.approx((0.1, 0.75, 0.3, 0.95))
    assert r["agree"]["near"] == pytest.approx(1.0)
    assert r["agree"]["far"] == 0.0
    assert "flat" not in r["agree"]  # a constant map has no top region to compare


def test_picture_facts_read_from_the_cached_findings():
    meta = {"format": "JPEG", "shape": [400, 400], "megapixels": 0.16, "traces": [
        {"name": "jpeg_ghost", "findings": [{"kind": "jpeg_quality", "values": {"quality": 94}}]},
        {"name": "jpeg_adq", "findings": [{"kind": "double_compression", "values": {"primary_quality": 86}}]},
        {"name": "jpeg_grid", "findings": [{"kind": "jpeg_grid_foreign", "values": {}}] * 2},
        {"name": "metadata", "findings": [{"kind": "editing_software", "values": {"software": "Adobe Photoshop"}}]},
        {"name": "quant_tables", "findings": [{"kind": "editing_software", "values": {"match": {"label": "X 1 (re-save)"}}}]},
        {"name": "copymove_sift", "findings": [{"kind": "copy_move", "values": {"match_count": 9, "rotation_deg": 0.04,
                                                                                "scale": 1.0, "shift": 70.6}}]}]}
    f = F.picture_facts(meta)
    assert f["quality"] == 94 and f["compression"] == "double (primary q86)" and f["foreign_grids"] == 2
    assert f["software"] == ["tag Adobe Photoshop", "qtable X 1"]
    assert f["copymove_pairs"] == [(9, 0.0, 1.0, 70.6)]


def test_repositories_come_from_the_image_folders_index(tmp_path):
    (tmp_path / "index.csv").write_text("image,label,repo\nimages/a.jpg,authentic,o/r1\nimages/b.jpg,authentic,o/r2\n")
    assert F.repos_of(tmp_path) == {"images/a.jpg": "o/r1", "images/b.jpg": "o/r2"}
    assert F.repos_of(tmp_path / "missing") == {} and F.repos_of(None) == {}
    recs = [{"label": lab, "facts": {"repo": repo}} for lab, repo in
            [("manipulated", "o/r2"), ("authentic", "o/r2"), ("generated", "o/r1"), ("authentic", "o/r1"),
             ("authentic", "o/r1")]]
    lines = F.md_repos(recs).splitlines()
    assert lines[2] == "| o/r1 | 3 | 0 | 1 |" and lines[3] == "| o/r2 | 2 | 1 | 0 |"


def test_generation_facts_name_the_row_the_scores_and_the_provenance_findings():
    from types import SimpleNamespace

    v = SimpleNamespace(decision={"rule": "provenance_c2pa", "detectors": ["c2pa_manifest"]},
                        generation={"p_generated": 0.9, "band": "generated", "detectors": ["gen_trace"]})
    meta = {"traces": [
        {"name": "gen_trace", "family": "generation", "score": 0.91, "findings": []},
        {"name": "c2pa_manifest", "family": "provenance", "score": None,
         "findings": [{"kind": "c2pa_ai_declared", "values": {"source_type": "compositeWithTrainedAlgorithmicMedia"}}]},
        {"name": "metadata", "family": "provenance", "score": 0.4,
         "findings": [{"kind": "editing_software", "values": {"software": "GIMP"}}]},
        {"name": "ela", "family": "jpeg", "score": 0.2, "findings": [{"kind": "ela_high_error"}]}]}
    g = F.generation_facts(v, meta)
    assert g["rule"] == "provenance_c2pa" and g["decision_detectors"] == ["c2pa_manifest"]
    assert g["trace_scores"] == {"gen_trace": 0.91} and g["p_generated"] == 0.9
    assert g["provenance"] == ["c2pa_manifest:c2pa_ai_declared (source_type=compositeWithTrainedAlgorithmicMedia)"]
