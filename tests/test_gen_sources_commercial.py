"""Session 9 of issue 18: two more generator families (training.gen_sources_commercial) and the fit's
pooling of small real sources for the 3 % thresholds (fit_generation --pool-small-real-sources)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from forgelens.training import gen_sources_commercial as gsc
from forgelens.training import gen_sources_families as gsf
from forgelens.training import generation_data as gd
from tests.test_generation_data import bare_mirror, picture, png, rec
from tests.test_generation_fit import _fit_module


def test_commercial_sources_are_new_generated_families_pinned_and_licensed():
    from forgelens.training.gen_sources_fresh import FRESH_SOURCES
    from forgelens.training.gen_sources_stock import STOCK_WEB_SOURCES

    gsf.check_sources(gsc.COMMERCIAL_SOURCES)
    old = {fam for s in gd.SOURCES + gsf.FAMILY_SOURCES for _, _, fam, _ in s.rules}
    old_repos = {s.repo for s in gd.SOURCES + gsf.FAMILY_SOURCES + STOCK_WEB_SOURCES + FRESH_SOURCES}
    for s in gsc.COMMERCIAL_SOURCES:
        assert len(s.commit) == 40 and s.licence and 0 < s.cap_per_family <= gsf.CAP_PER_REPO
        assert s.repo not in old_repos
        for _, label, family, _ in s.rules:
            assert label == "generated" and family not in gd.HELDOUT_FAMILIES and family not in old


def test_the_cookbook_rule_keeps_outputs_of_photographic_cases_and_never_an_input():
    import re

    src = gsc.COMMERCIAL_SOURCES[0]
    pattern = src.rules[0][0]

    def kept(path: str) -> bool:
        return bool(re.search(pattern, path)) and not re.search(src.exclude, path)

    assert kept("e-commerce/Case12/01/Output-03.png") and kept("e-commerce/Case7/02/output-01.png")
    assert kept("e-commerce/Case19/02/Output-01.png")
    assert not kept("e-commerce/Case12/01/Input.png")  # the product photo given to the model
    assert not kept("e-commerce/Case19/01/Output-01.png")  # jar labels: a designed graphic
    assert not kept("e-commerce/Case2/01/Output-En.png")  # a multi-language listing banner
    assert not kept("e-commerce/Case1/01/output-01.png")  # a text panel


def test_new_families_go_to_training_and_the_guard_drops_a_reserved_picture(tmp_path, guard, monkeypatch):
    script, mod = guard
    out = tmp_path / "out"
    base = gd.build(out, None, None, script, extra=[(rec(i, "authentic", "real-x"), png(picture(i + 40))) for i in range(2)],
                    robust=False)
    work = tmp_path / "work"
    reserved = picture(61)
    files = {"e-commerce/Case7/01/Output-1.png": picture(50), "e-commerce/Case7/01/Input.png": picture(51),
             "e-commerce/Case9/02/Output-02.png": reserved, "e-commerce/Case9/02/Output-03.png": picture(40)}
    for path, rgb in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_bytes(png(rgb))
    (script.parent / "reserved_phashes.txt").write_text(f"{mod.phash(Image.fromarray(reserved)):016x}\n")
    commit = bare_mirror(work, tmp_path / "m")
    real = gsc.COMMERCIAL_SOURCES[0]
    monkeypatch.setattr(gsc, "COMMERCIAL_SOURCES", (gd.Source("o/n", commit, "CC-BY-4.0", real.rules, real.exclude,
                                                               real.cap_per_family),))
    before = (out / "manifest.jsonl").read_text()
    assert gsc.main(["--mirrors", str(tmp_path / "m"), "--out", str(out), "--guard", str(script)]) == 0
    assert (out / "manifest.jsonl").read_text().startswith(before)
    added = {r.path: r for r in gd.load_manifest(out) if r.repo == "o/n"}
    assert set(added) == {"e-commerce/Case7/01/Output-1.png", "e-commerce/Case9/02/Output-02.png",
                          "e-commerce/Case9/02/Output-03.png"}  # the input photo is never listed
    assert "heldout_guard" in added["e-commerce/Case9/02/Output-02.png"].dropped
    assert added["e-commerce/Case9/02/Output-03.png"].dropped == f"near-duplicate of {base[0].id}"
    kept = added["e-commerce/Case7/01/Output-1.png"]
    assert not kept.dropped and kept.split == "train" and kept.family == "gpt-image-2" and len(kept.views) == 1
    assert (out / "raw-gen-commercial").is_dir()


def test_a_held_out_family_stops_the_command_before_anything_is_written(tmp_path, monkeypatch):
    bad = gd.Source("o/n", "0" * 40, "MIT", ((r"^x/", "generated", "midjourney-v7", "photoreal"),))
    monkeypatch.setattr(gsc, "COMMERCIAL_SOURCES", (bad,))
    with pytest.raises(ValueError, match="midjourney-v7"):
        gsc.main(["--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()


def test_small_real_sources_are_pooled_and_a_small_pool_joins_the_largest_source():
    fit = _fit_module("fit_generation")
    src = np.array(["big"] * 50 + ["mid"] * 40 + ["a"] * 14 + ["b"] * 17 + ["c"] * 8, dtype=object)
    pooled = fit.pooled_sources(src, 34)
    assert set(pooled[:90]) == {"big", "mid"} and set(pooled[90:]) == {fit.POOLED_SOURCE}  # 39 >= 34
    small = fit.pooled_sources(src[:104], 34)  # the pool of "a" alone (14) is too small: it joins "big"
    assert set(small[90:]) == {"big"} and (small == "big").sum() == 64
    assert (fit.pooled_sources(src, 1) == src).all()  # nothing under one picture: unchanged


def test_pooling_lets_three_percent_mean_a_rate_on_a_tiny_source():
    fit = _fit_module("fit_generation")
    rng = np.random.default_rng(0)
    # a large source with low scores, three tiny ones; one tiny source holds a single high picture (the
    # film still of session 8): alone, 3 % of 14 allows no picture, so that picture sets the threshold
    p = np.r_[rng.uniform(0.05, 0.6, 100), rng.uniform(0.05, 0.6, 13), 0.95, rng.uniform(0.05, 0.6, 25)]
    src = np.array(["big"] * 100 + ["tiny"] * 14 + ["small"] * 25, dtype=object)
    alone = fit.per_source_threshold(p, src)
    pooled = fit.per_source_threshold(p, src, pool_below=34)  # tiny + small = 39 pictures: 3 % allows one
    assert alone > 0.95 and pooled < 0.65
    assert fit.per_source_threshold(p, src, pool_below=0) == alone
