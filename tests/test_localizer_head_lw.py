"""Session 17 round 3 (issue 14, candidate LSW): the localizer head H_W = H's recipe with real web photos as authentic
training pictures, grouped by repository (``localizer_head.py head --with-authentic``), and ``lw-info``. No ``../shared``."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from benchmarks.studies import localizer_head as lh
from tests.test_localizer_head_lh import _feats, _res

REPOS = ("alice/photos", "bob/photos", "carol/site", "dan/pics", "erin/gallery", "frank/blog")


def _web(root, rng, name="fresh-conf", n=30, error=None, label="authentic", unindexed=None):
    """Fake features of one fresh set of real photos (as ``extract-caches`` writes them: no source) and its index.csv."""
    out = root / "feats" / name
    out.mkdir(parents=True)
    index = root / f"{name}-index.csv"
    with open(index, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["image", "label", "repo"])
        for i in range(n):
            image = f"images/{name}{i:04d}.jpg"
            if image != unindexed:
                w.writerow([image, "authentic", REPOS[i % len(REPOS)]])
            meta = {"image": image, "label": label if i == 0 else "authentic", "source": "", "kind": "", "mask": "",
                    "post": "", "shape": [64, 64]}
            feats = {}
            if i == error:
                meta["error"] = "cannot decode"
            else:
                feats = {"enc": rng.normal(0, 1, (2, 4, 320)).astype(np.float32),
                         "dec": rng.normal(0, 1, (2, 5, 64)).astype(np.float32),
                         "maps": rng.normal(0, 1, 7).astype(np.float32), "score": np.float32(0.5), "tiles": np.int32(1)}
            np.savez(out / f"{lh._key(image)}.npz", meta=np.array(json.dumps(meta)), **feats)
    return index


def test_web_photos_are_grouped_by_their_whole_repository():
    assert lh.host_name("web:alice/photos") == "web:alice/photos"
    assert lh.host_name("web:alice/photos") != lh.host_name("web:bob/photos")  # same name, other owner: other group
    assert lh.host_name("synth:real~22/dir/x.jpg") == "x.jpg"  # H's own hosts unchanged


def test_web_rows_are_authentic_with_their_repository_as_source(tmp_path):
    index = _web(tmp_path, np.random.default_rng(0))
    rows = lh.web_authentic_rows(tmp_path, "fresh-conf", index)
    assert len(rows) == 30 and all(r["label"] == "authentic" and r["set"] == "fresh-conf" for r in rows)
    assert {r["source"] for r in rows} == {f"web:{r}" for r in REPOS}
    assert rows[0]["enc"].shape == (2, 4, 320)


@pytest.mark.parametrize("bad, match", [
    ({"error": 3}, "has no features"),
    ({"label": "manipulated"}, "not authentic"),
    ({"unindexed": "images/fresh-conf0005.jpg"}, "has no repository"),
])
def test_a_bad_web_row_stops_the_fit_naming_the_file(tmp_path, bad, match):
    index = _web(tmp_path, np.random.default_rng(0), **bad)
    with pytest.raises(SystemExit, match=match):
        lh.web_authentic_rows(tmp_path, "fresh-conf", index)
    with pytest.raises(SystemExit, match="no localizer features"):
        lh.web_authentic_rows(tmp_path, "absent", index)


def test_head_with_web_photos_adds_them_as_authentic_and_keeps_each_repository_in_one_fold(tmp_path, monkeypatch):
    monkeypatch.setattr(lh, "FEATURE_SETS", {"decoder": ("dec",), "encoder": ("enc",)})
    monkeypatch.setattr(lh, "C_GRID", (1e-2, 1.0))
    rng = np.random.default_rng(0)
    _feats(tmp_path, rng)
    index = _web(tmp_path, rng)
    plain = lh.head_fit(tmp_path, log=lambda *_: None)
    again = lh.head_fit(tmp_path, log=lambda *_: None, web={})
    assert np.array_equal(lh.head_json(plain)["coef"], lh.head_json(again)["coef"])  # no web sets: H as before
    res = lh.head_fit(tmp_path, log=lambda *_: None, web={"fresh-conf": index})
    assert res["n"] == (plain["n"][0] + 30, plain["n"][1]) and res["web"] == {"fresh-conf": 30}
    assert res["hosts"] == plain["hosts"] + len(REPOS)
    assert {f"web:{r}" for r in REPOS} <= set(res["host_fold"])
    assert lh.head_json(res)["web_authentic"] == {"fresh-conf": 30}
    # the detection rows' out-of-fold logits still use the fold model that never saw their host
    rows = lh.load_feats(tmp_path, "synth-train")
    oof = lh.head_logit(res, rows, out_of_fold=True)
    x = lh.design(rows, res["fits"][res["chosen"]]["groups"])
    k = res["host_fold"][lh.host_name(rows[0]["source"])]
    assert oof[0] == pytest.approx(res["fold_models"][k].decision_function(x[:1])[0])


def test_head_step_writes_no_logits_for_its_web_training_sets(tmp_path, monkeypatch):
    monkeypatch.setattr(lh, "FEATURE_SETS", {"decoder": ("dec",)})
    monkeypatch.setattr(lh, "C_GRID", (1e-2,))
    rng = np.random.default_rng(1)
    _feats(tmp_path, rng)
    index = _web(tmp_path, rng)
    _web(tmp_path, rng, name="fresh-conf9", n=12)  # a measured set, not a training one
    lh.main(["head", "--root", str(tmp_path), "--out", str(tmp_path / "HW"), "--with-authentic", f"fresh-conf={index}"])
    table = json.loads((tmp_path / "HW" / "H-logits.json").read_text())
    assert "fresh-conf" not in table and len(table["fresh-conf9"]) == 12
    assert json.loads((tmp_path / "HW" / "H.json").read_text())["web_authentic"] == {"fresh-conf": 30}
    for bad in (f"fresh-conf10={index}", f"synth-val={index}", f"hard-train={index}"):
        with pytest.raises(SystemExit, match="none of the head's own"):
            lh.main(["head", "--root", str(tmp_path), "--with-authentic", bad])
    with pytest.raises(SystemExit, match="want SET=INDEX_CSV"):
        lh.main(["head", "--root", str(tmp_path), "--with-authentic", f"fresh-conf={tmp_path / 'absent.csv'}"])


def test_lw_information_compares_the_two_heads_on_the_same_pictures():
    res_w, res_h = {"B": _res()}, {"B": _res()}
    for s in lh.LH_HELDOUT:  # H_W's logit follows the label, H's does not
        for r in res_w["B"][s]:
            r[6] = 1.0 if r[1] != "authentic" else -1.0
    lines = lh.lw_information(res_w, res_h)
    assert lines[2].startswith("| all | 184 | 1.000")
    res_h["B"]["heldout-web"] = res_h["B"]["heldout-web"][:-1]
    with pytest.raises(SystemExit, match="same held-out pictures"):
        lh.lw_information(res_w, res_h)
