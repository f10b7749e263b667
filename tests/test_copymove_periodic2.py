"""The session-16 ship rule for candidate CMP2 (benchmarks/studies/copymove_periodic2.py, ``decide_s16``): clause 1
needs not more false alarms (called manipulated) on the sealed seventh set, strictly fewer on fresh-conf5 and not
more on fresh-web, fresh-conf + fresh-conf2 and fresh-conf3 + fresh-conf4; clauses 2 and 3 are session 14's. Also the
seventh set's count (``detection_ship_rule --conf-sets s16``): manipulated only, "generated" folded into
inconclusive, and the study's ``compare``."""

from __future__ import annotations

import copy

from benchmarks.studies.copymove_periodic2 import compare, decide_s16
from tests.test_copymove_periodic import _s15


def _s16(c7=3, **kw):
    code = _s15(**kw)
    code["conf"]["fresh-conf7"] = {"n": 170, "alarms": [f"fresh-conf7-{i}" for i in range(c7)], "errors": 0}
    return code


def _failed(base, cand):
    return [k for k, (ok, _) in decide_s16(base, cand).items() if not ok]


def test_one_fewer_on_the_fifth_set_and_nothing_worse_passes():
    base = _s16()
    assert _failed(base, _s16(c5=6)) == []
    assert _failed(base, _s16(c5=6, c7=2, conf=6, c34=(4, 5), fresh=8)) == []


def test_each_clause_one_part_is_read_on_its_own_sets():
    base = _s16()
    assert _failed(base, _s16()) == ["1 fresh-conf5 false alarms strictly fewer"]
    assert _failed(base, _s16(c5=6, c7=4)) == ["1 fresh-conf7 false alarms not more"]
    assert _failed(base, _s16(c5=6, conf=8)) == ["1 fresh-conf + fresh-conf2 false alarms not more"]
    assert _failed(base, _s16(c5=6, c34=(6, 5))) == ["1 fresh-conf3 + fresh-conf4 false alarms not more"]
    assert _failed(base, _s16(c5=6, fresh=11)) == ["1 fresh-web false alarms not more"]
    assert _failed(base, _s16(c5=6, toolkit=5)) == ["3 toolkit forgeries called ≥ B"]
    assert _failed(base, _s16(c5=6, cm=27)) == ["3 cm-rot forgeries called ≥ B − 1"]
    cand = copy.deepcopy(_s16(c5=5))
    cand["conf"]["fresh-conf7"]["n"] = 169  # the extract not complete: not measured whole
    assert _failed(base, cand) == ["1 fresh-conf7 false alarms not more"]
    cand = copy.deepcopy(_s16(c5=5))
    del cand["conf"]["fresh-conf7"]
    assert _failed(base, cand) == ["1 fresh-conf7 false alarms not more"]
    cand = copy.deepcopy(_s16(c5=5))
    cand["conf"]["fresh-conf7"]["errors"] = 1
    assert _failed(base, cand) == ["1 fresh-conf7 false alarms not more"]


def test_the_seventh_set_counts_manipulated_only_and_keeps_no_generated_label(monkeypatch, tmp_path):
    from benchmarks.studies import detection_ship_rule as dsr

    root = tmp_path / "root"
    for c in ("fresh-conf7", "fresh-conf5"):
        (root / "verdict" / c).mkdir(parents=True)
    labels = ["authentic", "generated", "manipulated", "inconclusive", "not_applicable", "generated"]
    rows = [("authentic", 0.5, lab, {"image": f"images/{i}.jpg", "shape": [10, 10]}) for i, lab in enumerate(labels)]
    monkeypatch.setattr(dsr, "verdict_rows", lambda cache, with_meta=False, config=None: list(rows))
    monkeypatch.setattr(dsr, "heldout", lambda root, config=None: {"auc": (0.8, 0.7, 0.9)})
    monkeypatch.setattr(dsr, "fullsize", lambda root, config=None: {"auc": (0.8, 0.7, 0.9)})
    r = dsr.measure_s13(root, tmp_path / "q98", set(), None, dsr.S16_CONF_SETS)
    c7, c5 = r["conf"]["fresh-conf7"], r["conf"]["fresh-conf5"]
    assert c7["alarms"] == ["images/2.jpg"] and c5["alarms"] == ["images/1.jpg", "images/2.jpg", "images/5.jpg"]
    assert c7["labels"] == {"authentic": 1, "inconclusive": 3, "manipulated": 1, "not_applicable": 1}
    assert "labels" not in c5 and "generated" not in str(c7)


def test_compare_lists_label_changes_then_moves_of_p():
    base = {"/c/fresh-web": {"a": ["authentic", "manipulated", 0.13], "b": ["authentic", "authentic", 0.6],
                             "c": ["authentic", "inconclusive", 0.3]}}
    cand = {"/c/fresh-web": {"a": ["authentic", "inconclusive", 0.29], "b": ["authentic", "authentic", 0.6],
                             "c": ["authentic", "inconclusive", 0.25]}}
    out = compare(base, cand)
    assert out[:2] == ["label changed:", "fresh-web a (authentic): manipulated 0.13 → inconclusive 0.29"]
    assert out[-1] == "fresh-web c (authentic): inconclusive 0.3 → inconclusive 0.25" and len(out) == 5


def _tiles(h: int = 384, w: int = 512, period: int = 64, seed: int = 4):
    """A periodic luminance: one textured tile (a dark hole and a frame) on a ``period`` px grid, with noise."""
    import numpy as np

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:period, 0:period]
    tile = (150 + rng.normal(0, 18, (period, period)) - 90 * (((yy - 32) ** 2 + (xx - 32) ** 2) < 100)
            + 40 * ((yy < 4) | (xx < 4)))
    img = np.tile(tile, (h // period + 1, w // period + 1))[:h, :w] + rng.normal(0, 2, (h, w))
    return np.clip(img, 0, 255).astype(np.float32)


def test_the_high_pass_of_a_window_equals_the_whole_pictures():
    import cv2
    import numpy as np

    from benchmarks.studies.copymove_periodic2 import highpass_window

    rng = np.random.default_rng(3)
    lum = cv2.GaussianBlur(rng.uniform(0, 255, (384, 512)).astype(np.float32), (0, 0), 1.5)
    full = lum - cv2.GaussianBlur(lum, (0, 0), 3.0)
    for x0, y0, x1, y1 in ((0, 0, 512, 384), (40, 30, 200, 170), (422, 314, 512, 384), (0, 100, 30, 140)):
        np.testing.assert_allclose(highpass_window(lum, x0, y0, x1, y1), full[y0:y1, x0:x1], atol=1e-3)


def test_the_candidates_ring_tells_a_period_from_smooth_content_and_from_other_shifts():
    """The candidate's ring (kept in the study script): a tiled picture's fine detail repeats at its period and not
    at the ±45° controls; a block of a smooth picture copied by a plain shift reads ~0 once high-passed (session
    15's plain-luminance ring read 0.98 on it); a flat ring, a box covering the picture, or a shift that takes most
    of the ring out of the picture reads nothing."""
    import cv2
    import numpy as np

    from benchmarks.studies.copymove_periodic import ring_ncc
    from benchmarks.studies.copymove_periodic2 import repeated_pair, ring_reading

    lum = _tiles()
    box = [192, 128, 256, 192]
    on = ring_reading(lum, box, (64.0, 0.0))
    assert on["ring_r_d"] > 0.9 and on["ring_r_c"] < 0.3 and on["ring_px"] == 128 * 128 - 64 * 64
    assert on["ring_controls"] == [[45, 45], [45, -45]] and on["ring_std"] > 5
    assert repeated_pair({**on, "rotation_deg": 0.0, "scale": 1.0})
    assert ring_reading(lum, box, (37.0, 0.0))["ring_r_d"] < 0.5
    yy, xx = np.mgrid[0:384, 0:512].astype(np.float32)
    rng = np.random.default_rng(2)
    smooth = (60 + 0.25 * xx + 40 * np.sin(yy / 40.0)
              + cv2.GaussianBlur(rng.normal(0, 20, (384, 512)).astype(np.float32), (0, 0), 8)
              + cv2.GaussianBlur(rng.normal(0, 8, (384, 512)).astype(np.float32), (0, 0), 1.0))
    smooth[150:214, 300:364] = smooth[150:214, 100:164]
    r = ring_reading(smooth, [300, 150, 364, 214], (200.0, 0.0))
    assert r["ring_r_d"] < 0.2 and r["ring_std"] >= 1.0 and not repeated_pair({**r, "rotation_deg": 0.0, "scale": 1.0})
    assert ring_ncc(smooth, [300, 150, 364, 214], (200.0, 0.0))["ring_ncc"] > 0.9
    assert ring_reading(np.full((384, 512), 90, np.float32), box, (64.0, 0.0))["ring_r_d"] is None
    assert ring_reading(lum, [0, 0, 512, 384], (64.0, 0.0)) is None
    assert ring_reading(lum, [400, 128, 464, 192], (-100.0, 0.0))["ring_r_d"] is None


def test_the_candidates_repeated_pair_edges():
    from benchmarks.studies.copymove_periodic2 import repeated_pair

    ok = {"ring_r_d": 0.5, "ring_r_c": 0.25, "ring_std": 1.0, "rotation_deg": 4.9, "scale": 1.14}
    assert repeated_pair(ok)
    assert not repeated_pair({**ok, "ring_r_d": 0.49, "ring_r_c": 0.0})
    assert not repeated_pair({**ok, "ring_r_c": 0.26})
    assert not repeated_pair({**ok, "ring_std": 0.99})
    assert not repeated_pair({**ok, "rotation_deg": 5.0})
    assert not repeated_pair({**ok, "scale": 0.85})
    assert not repeated_pair({**ok, "ring_r_c": None})
    assert not repeated_pair({"rotation_deg": 0.0, "scale": 1.0, "ring_ncc": 0.9})
