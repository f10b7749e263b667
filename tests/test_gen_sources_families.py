"""New generator families for the training split (issue 18, session 8: training.gen_sources_families)."""

from __future__ import annotations

import pytest
from PIL import Image

from forgelens.training import gen_sources_families as gsf
from forgelens.training import generation_data as gd
from tests._study_helpers import import_study
from tests.test_generation_data import bare_mirror, picture, png, rec


def test_family_sources_are_new_generated_families_pinned_and_licensed():
    from forgelens.training.gen_sources_fresh import FRESH_SOURCES
    from forgelens.training.gen_sources_stock import STOCK_WEB_SOURCES

    gsf.check_sources(gsf.FAMILY_SOURCES)
    old_families = {fam for s in gd.SOURCES for _, _, fam, _ in s.rules}
    real_repos = {s.repo for s in STOCK_WEB_SOURCES + FRESH_SOURCES}
    families = set()
    for s in gsf.FAMILY_SOURCES:
        assert len(s.commit) == 40 and s.licence and 0 < s.cap_per_family <= gsf.CAP_PER_REPO
        assert s.repo not in real_repos
        for _, label, family, _ in s.rules:
            assert label == "generated" and family not in gd.HELDOUT_FAMILIES and family not in old_families
            families.add(family)
    assert len(families) >= 6


@pytest.mark.parametrize("label, family", [("generated", "flux-1-dev"), ("generated", "seedream-5"),
                                           ("authentic", "stock-web")])
def test_a_held_out_family_or_a_real_picture_is_refused(label, family):
    bad = gd.Source("o/n", "0" * 40, "MIT", ((r"^x/", label, family, "photoreal"),))
    with pytest.raises(ValueError, match=family):
        gsf.check_sources((bad,))


def test_new_families_go_to_training_from_a_made_up_mirror(tmp_path, guard, monkeypatch):
    script, mod = guard
    out = tmp_path / "out"
    base = gd.build(out, None, None, script, extra=[(rec(i, "authentic", "real-x"), png(picture(i + 40))) for i in range(2)],
                    robust=False)
    work = tmp_path / "work"
    (work / "assets").mkdir(parents=True)
    reserved = picture(61)
    files = {"assets/a.png": picture(50), "assets/b.png": picture(51), "assets/c.png": picture(40),  # c: near-copy of base[0]
             "assets/d.png": reserved, "assets/grid.png": picture(52), "other/e.png": picture(53)}
    for path, rgb in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_bytes(png(rgb))
    (script.parent / "reserved_phashes.txt").write_text(f"{mod.phash(Image.fromarray(reserved)):016x}\n")
    commit = bare_mirror(work, tmp_path / "m")
    src = gd.Source("o/n", commit, "MIT", ((r"^assets/", "generated", "fam-new", "photoreal"),
                                           (r"^other/", "generated", "fam-other", "mixed")), exclude=r"grid")
    monkeypatch.setattr(gsf, "FAMILY_SOURCES", (src,))
    before = (out / "manifest.jsonl").read_text()
    assert gsf.main(["--mirrors", str(tmp_path / "m"), "--out", str(out), "--guard", str(script)]) == 0
    assert (out / "manifest.jsonl").read_text().startswith(before)
    added = {r.path: r for r in gd.load_manifest(out) if r.repo == "o/n"}
    assert set(added) == {"assets/a.png", "assets/b.png", "assets/c.png", "assets/d.png", "other/e.png"}  # grid excluded
    assert added["assets/c.png"].dropped == f"near-duplicate of {base[0].id}"
    assert "heldout_guard" in added["assets/d.png"].dropped
    kept = [r for r in added.values() if not r.dropped]
    assert {r.path for r in kept} == {"assets/a.png", "assets/b.png", "other/e.png"}
    assert all(r.split == "train" and r.commit == commit and len(r.views) == 1 for r in kept)  # no robustness copies
    assert {r.family for r in kept} == {"fam-new", "fam-other"}
    assert (out / "raw-gen-families").is_dir()


def test_a_held_out_family_stops_the_command_before_anything_is_written(tmp_path, monkeypatch):
    bad = gd.Source("o/n", "0" * 40, "MIT", ((r"^x/", "generated", "grok", "photoreal"),))
    monkeypatch.setattr(gsf, "FAMILY_SOURCES", (bad,))
    with pytest.raises(ValueError, match="grok"):
        gsf.main(["--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()



def _result(called: int, auc: float, sources: dict) -> dict:
    return {"called": called, "n_gen": 182, "auc": auc, "sources": sources}


def test_session8_rule_needs_more_calls_and_no_worse_real_sources():
    rule = import_study("generation_new_families").rule
    base = {"fresh-web": (1, 189), "stock-web": (4, 153), "camera-original": (1, 24), "web-laion": (1, 10)}
    ref = _result(79, 0.9206, base)
    assert all(ok for _, ok in rule(ref, _result(80, 0.9160, dict(base, **{"fresh-web": (2, 189)}))))
    failed = [t for t, ok in rule(ref, _result(75, 0.9428, base)) if not ok]
    assert len(failed) == 1 and failed[0].startswith("1a.")  # better ranking, fewer called: fails
    worse = dict(base, **{"stock-web": (5, 153), "camera-original": (2, 24), "fresh-web": (3, 189)})
    failed = [t[:2] for t, ok in rule(ref, _result(90, 0.9300, worse)) if not ok]
    assert failed == ["2.", "3a", "3b"]  # 3/189 > 1 + 1; 5/153 > 3 %; camera 2 > 1; a 10-picture source is not judged


def test_binding_source_is_the_one_whose_own_point_is_highest():
    import numpy as np

    points = import_study("generation_binding_source").source_points
    p = np.r_[np.linspace(0.1, 0.5, 40), [0.9], np.linspace(0.2, 0.6, 10)]
    src = np.array(["big"] * 41 + ["tiny"] * 10, dtype=object)
    names = np.array([f"pic{i}" for i in range(51)], dtype=object)
    rows = points(p, src, names)
    big = next(r for r in rows if r[0] == "big")
    assert big[2] == 1 and big[3] == 0.5 and big[5] == "pic40"  # 3 % of 41 allows one picture: the 0.9 one
    tiny = next(r for r in rows if r[0] == "tiny")
    assert tiny[2] == 0 and tiny[3] == 0.6 and rows[0][0] == "tiny"  # none allowed: its highest picture is its point
