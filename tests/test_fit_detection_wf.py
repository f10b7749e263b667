"""Session 16 (issue 14, candidate WF, helper s16wf): ``fit_detection_shipped.py --with-authentic SET=CACHE_DIR`` adds a
set of real photos to the shipped recipe's TRAINING rows as authentic, grouped by repository (``web:<owner/name>``) in the
C-selection folds, with calibration and thresholds still read on the validation sets only; without it the script is the
shipped recipe unchanged. And the rule's decision (``detection_ship_rule.decide_s16wf``)."""

from __future__ import annotations

import copy
import csv
import json

import numpy as np
import pytest

from benchmarks.fit import fit_detection_shipped as fds
from benchmarks.studies.detection_ship_rule import decide_s16wf
from forgelens.fusion.detection import DetectionModel, MapSummary
from tests._detection_cache_helpers import write_set as _set
from tests.test_detection_ship_rule_s13 import _code


def _web(folder, n, rng, repos=("a/one", "b/two", "c/three", "d/four", "e/five", "f/six"), label="authentic"):
    (folder / "images").mkdir(parents=True)
    rows = []
    for i in range(n):
        m = np.clip(rng.normal(0.3, 0.15, (24, 32)), 0, 1).astype(np.float16)
        image = f"images/w{i:04d}.jpg"
        MapSummary(maps={"ela": m, "noise": np.clip(m + rng.normal(0, 0.2, m.shape), 0, 1).astype(np.float16)},
                   scores={"ela": float(rng.random()), "noise": float(rng.random())},
                   families={"ela": "jpeg", "noise": "noise"}).to_npz(
            folder / f"w{i:04d}.npz", image=image, label=label, source="")
        rows.append({"image": image, "label": label, "repo": repos[i % len(repos)]})
    with open(folder / "index.csv", "w", newline="") as f:
        w = csv.DictWriter(f, ["image", "label", "repo"])
        w.writeheader()
        w.writerows(rows)
    return folder


@pytest.fixture
def cache(tmp_path):
    rng = np.random.default_rng(0)
    c = tmp_path / "cache"
    _set(c, "synth-train", 60, rng)
    _set(c, "hard-train", 10, rng, kinds=("authentic",))
    _set(c, "synth-val", 40, rng)
    _set(c, "hard-val", 8, rng, kinds=("authentic",))
    _web(tmp_path / "web1", 24, rng)
    _web(tmp_path / "web2", 12, rng, repos=("g/seven", "h/eight"))
    return c


def _args(cache, out, *extra):
    return ["--cache", str(cache), "--synth-train-rows", "all", "--out", str(out), *extra]


def test_without_the_option_the_script_is_the_shipped_recipe(cache, tmp_path):
    fds.main(_args(cache, tmp_path / "m.json"))
    train = [r for n in fds.TRAIN_SETS for r in fds.load(cache, n)]
    val = [r for n in fds.VAL_SETS for r in fds.load(cache, n)]
    m2, _ = fds.fit(train, val, {"synth_train_rows": "all", "analyses": str(cache)})
    m2.save(tmp_path / "m2.json")
    assert json.loads((tmp_path / "m.json").read_text()) == json.loads((tmp_path / "m2.json").read_text())
    assert "with_authentic" not in DetectionModel.load(tmp_path / "m.json").fitted
    assert fds.host({"source": "synth:hosts/3.jpg"}) == "hosts/3.jpg"  # synth rows: grouped by host photo, as before


def test_real_photos_join_training_as_authentic_grouped_by_repository(cache, tmp_path):
    w1, w2 = tmp_path / "web1", tmp_path / "web2"
    fds.main(_args(cache, tmp_path / "base.json"))
    fds.main(_args(cache, tmp_path / "wf.json", "--with-authentic", f"set1={w1}", "--repo-index", f"set1={w1}/index.csv",
                   "--with-authentic", f"set2={w2}", "--repo-index", f"set2={w2}/index.csv"))
    base, wf = DetectionModel.load(tmp_path / "base.json"), DetectionModel.load(tmp_path / "wf.json")
    info = wf.fitted
    assert info["train_sets"] == {"synth-train": 60, "hard-train": 10, "set1": 24, "set2": 12}
    assert info["counts"]["train"]["authentic"] == base.fitted["counts"]["train"]["authentic"] + 36
    assert info["counts"]["train"]["manipulated"] == base.fitted["counts"]["train"]["manipulated"]
    assert info["counts"]["val"] == base.fitted["counts"]["val"] and wf.lr_bounds == base.lr_bounds  # validation unchanged
    assert info["with_authentic"] == {"set1": str(w1), "set2": str(w2)}
    assert wf.coef != base.coef  # the regression saw the new rows
    rows = fds.load_authentic("set1", w1, w1 / "index.csv")
    assert {m["source"] for _, m in rows} == {f"web:{r}" for r in ("a/one", "b/two", "c/three", "d/four", "e/five", "f/six")}
    assert {m["label"] for _, m in rows} == {"authentic"} and {m["_set"] for _, m in rows} == {"set1"}
    assert fds.host(rows[0][1]) == "web:a/one"  # one CV group per repository


def test_bad_authentic_sets_stop_with_one_clear_error(cache, tmp_path):
    w1 = tmp_path / "web1"
    with pytest.raises(SystemExit, match="--repo-index needed"):
        fds.main(_args(cache, tmp_path / "m.json", "--with-authentic", f"set1={w1}"))
    with pytest.raises(SystemExit, match="expected SET=PATH"):
        fds.main(_args(cache, tmp_path / "m.json", "--with-authentic", str(w1)))
    with pytest.raises(SystemExit, match="none of the recipe's own sets"):
        fds.main(_args(cache, tmp_path / "m.json", "--with-authentic", f"hard-val={w1}",
                       "--repo-index", f"hard-val={w1}/index.csv"))
    bad = _web(tmp_path / "forged", 4, np.random.default_rng(1), label="manipulated")
    with pytest.raises(SystemExit, match="not authentic"):
        fds.load_authentic("bad", bad, bad / "index.csv")
    (tmp_path / "short.csv").write_text("image,label,repo\nimages/w0000.jpg,authentic,a/one\n")
    with pytest.raises(SystemExit, match="has no repository"):
        fds.load_authentic("set1", w1, tmp_path / "short.csv")
    with pytest.raises(SystemExit, match="no cached analyses"):
        fds.load_authentic("set1", tmp_path / "absent", w1 / "index.csv")


def _wf(set9=2, set9_n=131, example="manipulated", **kw):
    code = _code(**kw)
    code["conf"] = {"fresh-conf9": {"n": set9_n, "alarms": [f"s9-{i}" for i in range(set9)], "errors": 0}}
    code["examples"] = [{"image": "splice.jpg", "label": example, "p_authentic": 0.2}]
    return code


def _failed(base, cand):
    return [k for k, (ok, _) in decide_s16wf(base, cand).items() if not ok]


def test_the_wf_rule_passes_at_each_edge_and_fails_beyond():
    base = _wf(set9=3, fresh=10)
    assert _failed(base, _wf(set9=3, fresh=10)) == []
    assert _failed(base, _wf(set9=3, fresh=10, casia1=5, toolkit=5, auc=0.805)) == []  # − 1 each; AUC − 0.005
    assert _failed(base, _wf(set9=4, fresh=10)) == ["1 set 9 (131 real) called manipulated ≤ B's and ≤ 3"]
    assert _failed(_wf(set9=5), _wf(set9=4, fresh=12)) == ["1 set 9 (131 real) called manipulated ≤ B's and ≤ 3"]
    assert _failed(_wf(set9=1), _wf(set9=2, fresh=12)) == ["1 set 9 (131 real) called manipulated ≤ B's and ≤ 3"]
    assert _failed(base, _wf(set9=3, fresh=11)) == ["2 fresh-web false alarms not more"]
    assert _failed(base, _wf(set9=3, fresh=10, alarms={"cameras-exif": 1})) == ["2 cameras-exif false alarms not more"]
    assert _failed(base, _wf(set9=3, fresh=10, heldout=76)) == ["3 held-out called ≥ B"]
    assert _failed(base, _wf(set9=3, fresh=10, auc=0.8049)) == ["3 held-out AUC ≥ B − 0.005"]
    assert _failed(base, _wf(set9=3, fresh=10, fullsize=20)) == ["3 full-size called ≥ B"]
    assert _failed(base, _wf(set9=3, fresh=10, toolkit=4)) == ["3 toolkit forgeries called ≥ B − 1"]
    assert _failed(base, _wf(set9=3, fresh=10, example="inconclusive")) == ["4 the bundled example called manipulated"]


def test_set_9_not_measured_whole_fails_clause_1():
    base = _wf()
    assert _failed(base, _wf(set9_n=130)) == ["1 set 9 (131 real) called manipulated ≤ B's and ≤ 3"]
    cand = copy.deepcopy(_wf())
    del cand["conf"]
    assert _failed(base, cand) == ["1 set 9 (131 real) called manipulated ≤ B's and ≤ 3"]
    cand = copy.deepcopy(_wf())
    cand["conf"]["fresh-conf9"]["errors"] = 1
    assert _failed(base, cand) == ["1 set 9 (131 real) called manipulated ≤ B's and ≤ 3"]
