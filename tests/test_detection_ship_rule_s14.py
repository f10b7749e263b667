"""The session-14 ship rule for candidate CMW (benchmarks/studies/detection_ship_rule.py, ``decide_s14``): clause 1
needs strictly fewer false alarms on fresh-conf + fresh-conf2 pooled and not more on fresh-web; clause 2 none more on
any other set, cm-rot's authentic crops included; clause 3 no detection loss (cm-rot: one forgery). Also the
``--conditions`` switch (a ``FusionConfig``, no module global) and cm-rot's selection by recipe
(``copymove_rot.py``)."""

from __future__ import annotations

import copy
import csv
import json

from benchmarks.studies.copymove_rot import rotated_and_scaled, select
from benchmarks.studies.detection_ship_rule import changes_s13, conditions_config, decide_s14
from tests.test_detection_ship_rule_s13 import _code, _with_conf


def _s14(conf=7, conf2=6, fresh=10, cm=29, cm_fa=2, **kw):
    code = _with_conf(_code(fresh=fresh, **kw), conf=conf, conf2=conf2)
    code["cm_rot"] = {"n_forged": 73, "called": [f"r{i}" for i in range(cm)], "n_auth": 73,
                      "alarms": [f"ra{i}" for i in range(cm_fa)], "auc": [0.8, 0.73, 0.87]}
    return code


def _failed(base, cand):
    return [k for k, (ok, _) in decide_s14(base, cand).items() if not ok]


def test_one_fewer_pooled_confirmation_alarm_and_no_detection_loss_passes():
    base = _s14()
    assert _failed(base, _s14(conf=6)) == []
    assert _failed(base, _s14(conf=8, conf2=4)) == []  # pooled: 12 < 13
    assert _failed(base, _s14(conf2=5, cm=28)) == []  # cm-rot: B − 1 allowed


def test_each_clause_is_strict():
    base = _s14()
    assert _failed(base, _s14()) == ["1 fresh-conf + fresh-conf2 false alarms strictly fewer"]
    assert _failed(base, _s14(conf=6, fresh=11)) == ["1 fresh-web false alarms not more"]
    assert _failed(base, _s14(conf=6, heldout=76)) == ["3 held-out called ≥ B"]
    assert _failed(base, _s14(conf=6, auc=0.8049)) == ["3 held-out AUC ≥ B − 0.005"]
    assert _failed(base, _s14(conf=6, fullsize=20)) == ["3 full-size called ≥ B"]
    assert _failed(base, _s14(conf=6, casia1=5)) == ["3 casia1 forgeries called ≥ B"]
    assert _failed(base, _s14(conf=6, q98=77)) == ["3 q98 variant forgeries called ≥ B"]
    assert _failed(base, _s14(conf=6, cm=27)) == ["3 cm-rot forgeries called ≥ B − 1"]
    assert _failed(base, _s14(conf=6, cm_fa=3)) == ["2 cm-rot authentic crops false alarms not more"]
    assert _failed(base, _s14(conf=6, alarms={"kodak24": 1})) == ["2 kodak24 false alarms not more"]


def test_a_set_not_measured_or_in_part_fails():
    base = _s14()
    cand = _s14(conf=6)
    del cand["cm_rot"]
    assert _failed(base, cand) == ["2 cm-rot authentic crops false alarms not more", "3 cm-rot forgeries called ≥ B − 1"]
    cand = copy.deepcopy(_s14(conf=5))
    cand["conf"]["fresh-conf2"]["n"] = 121
    assert _failed(base, cand) == ["1 fresh-conf + fresh-conf2 false alarms strictly fewer"]
    text = "\n".join(changes_s13(base, _s14(conf=6, cm=28)))
    assert "fresh-conf: left ['cf-6']" in text and "cm-rot forgeries: no longer called ['r28']" in text


def test_conditions_are_a_fusion_config():
    from forgelens.fusion import FusionConfig
    from forgelens.fusion import local_evidence as le

    before = le.TRACES
    assert conditions_config("JC") == FusionConfig(local_evidence_traces=("jpeg_adq",))
    assert conditions_config("CMW") == FusionConfig() and FusionConfig().local_evidence_traces == le.CONDITION_SETS["CMW"]
    assert conditions_config("none") == FusionConfig(no_local_evidence=False)
    assert le.TRACES == before  # the module global is not touched


def test_cm_rot_keeps_the_rotated_and_scaled_copy_moves_and_as_many_authentic_crops(tmp_path):
    src = tmp_path / "synth"
    (src / "images").mkdir(parents=True)
    (src / "masks").mkdir()
    edits = [("authentic", {}), ("copymove", {"angle": 12.0, "scale": 1.2}), ("authentic", {}),
             ("copymove", {"angle": 0.0, "scale": 1.2}), ("authentic", {}), ("copymove", {"angle": -30.0, "scale": 1.0}),
             ("copymove", {"angle": -40.0, "scale": 0.8})]
    rows, recipes = [], []
    for i, (kind, e) in enumerate(edits):
        img = f"images/{i:06d}.png"
        (src / img).write_bytes(b"x")
        mask = ""
        if kind != "authentic":
            mask = f"masks/{i:06d}.png"
            (src / mask).write_bytes(b"m")
        rows.append({"image": img, "mask": mask, "label": "authentic" if kind == "authentic" else "manipulated",
                     "kind": kind})
        recipes.append({"image": img, "kind": kind, "edit": e})
    with open(src / "index.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    (src / "recipe.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recipes))
    assert [rotated_and_scaled(r) for r in recipes] == [False, True, False, False, False, False, True]
    assert select(src, tmp_path / "cm-rot") == (2, 2)
    kept = list(csv.DictReader(open(tmp_path / "cm-rot" / "index.csv")))
    assert [r["image"] for r in kept] == ["images/000000.png", "images/000001.png", "images/000002.png", "images/000006.png"]
    assert (tmp_path / "cm-rot" / "masks" / "000006.png").read_bytes() == b"m"
    assert len((tmp_path / "cm-rot" / "recipe.jsonl").read_text().splitlines()) == 4
