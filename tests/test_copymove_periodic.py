"""The session-15 ship rule for candidate CMP (benchmarks/studies/copymove_periodic.py, ``decide_s15``): clause 1 needs
strictly fewer false alarms on fresh-conf5 and not more on fresh-web, fresh-conf + fresh-conf2 and fresh-conf3 +
fresh-conf4; clauses 2 and 3 are session 14's. Also ``inject``: the measured ring values reach the cached findings."""

from __future__ import annotations

import copy
import json

from benchmarks.studies.copymove_periodic import decide_s15
from tests.test_detection_ship_rule_s14 import _s14


def _s15(c5=7, c34=(5, 5), **kw):
    code = _s14(**kw)
    for name, n, k in (("fresh-conf3", 184, c34[0]), ("fresh-conf4", 144, c34[1]), ("fresh-conf5", 147, c5)):
        code["conf"][name] = {"n": n, "alarms": [f"{name}-{i}" for i in range(k)], "errors": 0}
    return code


def _failed(base, cand):
    return [k for k, (ok, _) in decide_s15(base, cand).items() if not ok]


def test_one_fewer_on_the_fifth_set_and_nothing_worse_passes():
    base = _s15()
    assert _failed(base, _s15(c5=6)) == []
    assert _failed(base, _s15(c5=6, conf=6, c34=(4, 5), fresh=8)) == []


def test_each_clause_one_part_is_read_on_its_own_sets():
    base = _s15()
    assert _failed(base, _s15()) == ["1 fresh-conf5 false alarms strictly fewer"]
    assert _failed(base, _s15(c5=6, conf=8)) == ["1 fresh-conf + fresh-conf2 false alarms not more"]
    assert _failed(base, _s15(c5=6, conf=6, conf2=7)) == []  # pooled: 13 = 13
    assert _failed(base, _s15(c5=6, c34=(6, 5))) == ["1 fresh-conf3 + fresh-conf4 false alarms not more"]
    assert _failed(base, _s15(c5=6, fresh=11)) == ["1 fresh-web false alarms not more"]
    assert _failed(base, _s15(c5=6, toolkit=5)) == ["3 toolkit forgeries called ≥ B"]
    cand = copy.deepcopy(_s15(c5=5))
    cand["conf"]["fresh-conf5"]["n"] = 146  # not measured whole
    assert _failed(base, cand) == ["1 fresh-conf5 false alarms strictly fewer"]
    cand = copy.deepcopy(_s15(c5=5))
    del cand["conf"]["fresh-conf4"]
    assert _failed(base, cand) == ["1 fresh-conf3 + fresh-conf4 false alarms not more"]


def test_inject_adds_the_ring_values_to_the_cached_findings(tmp_path, monkeypatch):
    from benchmarks.studies import copymove_periodic
    from forgelens.fusion import detection

    meta = {"traces": [{"name": "copymove_sift", "findings": [
        {"kind": "copy_move", "values": {"pair_id": 0, "rotation_deg": 0.0, "scale": 1.0}},
        {"kind": "copy_move", "values": {"pair_id": 1, "rotation_deg": 0.0, "scale": 1.0}}]}]}
    npz = tmp_path / "a.npz"
    npz.write_bytes(b"")
    monkeypatch.setattr(detection.MapSummary, "from_npz",
                        classmethod(lambda cls, p: (None, copy.deepcopy(meta))))
    rings = tmp_path / "rings.json"
    rings.write_text(json.dumps({"rings": {str(npz.resolve()): {"copymove_sift": {
        "0": {"ring_ncc": 0.7, "ring_std": 30.0, "ring_px": 100}}}}, "missing": []}))
    copymove_periodic.inject(rings)
    _, got = detection.MapSummary.from_npz(npz)
    values = [f["values"] for f in got["traces"][0]["findings"]]
    assert values[0]["ring_ncc"] == 0.7 and "ring_ncc" not in values[1]
    _, other = detection.MapSummary.from_npz(tmp_path / "b.npz")  # a file not measured: as read
    assert "ring_ncc" not in other["traces"][0]["findings"][0]["values"]


def test_ring_ncc_reads_self_similarity_beyond_the_matched_region():
    """The candidate's ring (kept in the study script): a tiled picture is self-similar at its period outside the
    matched tile; a patch pasted into noise is not; a flat ring or a box covering the picture reads nothing."""
    import numpy as np

    from benchmarks.studies.copymove_periodic import repeated_pair, ring_ncc

    rng = np.random.default_rng(4)
    tile = rng.normal(150, 18, (64, 64))
    lum = np.tile(tile, (7, 9))[:384, :512] + rng.normal(0, 2, (384, 512))
    box = [192, 128, 256, 192]
    on_period = ring_ncc(lum, box, (64.0, 0.0))
    assert on_period["ring_ncc"] > 0.9 and on_period["ring_px"] == 128 * 128 - 64 * 64
    assert ring_ncc(lum, box, (37.0, 0.0))["ring_ncc"] < 0.5
    noise = rng.normal(128, 30, (384, 512))
    noise[128:192, 256:320] = noise[128:192, 96:160]
    assert abs(ring_ncc(noise, [256, 128, 320, 192], (160.0, 0.0))["ring_ncc"]) < 0.2
    assert ring_ncc(np.full((384, 512), 90.0), box, (64.0, 0.0))["ring_ncc"] is None
    assert ring_ncc(lum, [0, 0, 512, 384], (64.0, 0.0)) is None
    assert repeated_pair({"ring_ncc": 0.5, "rotation_deg": 4.9, "scale": 1.14})
    assert not repeated_pair({"ring_ncc": 0.49, "rotation_deg": 0.0, "scale": 1.0})
    assert not repeated_pair({"ring_ncc": 0.9, "rotation_deg": 5.0, "scale": 1.0})
    assert not repeated_pair({"ring_ncc": 0.9, "rotation_deg": 0.0, "scale": 1.16})
    assert not repeated_pair({"rotation_deg": 0.0, "scale": 1.0})
