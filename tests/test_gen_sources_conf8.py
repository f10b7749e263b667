"""Session 15, s15conf8: the eighth fresh confirmation set (training.gen_sources_conf CONF8_*), sealed for the next
session. No network, no data, no model: source rules and checks only."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from forgelens.training import gen_sources_conf as conf
from forgelens.training import generation_data as gd


def _kept(src: gd.Source, path: str) -> tuple[str, str] | None:
    """(label, family) that ``src`` gives ``path`` (None when no rule keeps it), as ``list_source`` decides."""
    rule = gd.rule_for(src, path)
    return None if rule is None else (rule[1], rule[2])


def _src8(repo: str) -> gd.Source:
    return next(s for s in conf.CONF8_GENERATED + conf.CONF8_REAL if s.repo == repo)


def test_eighth_set_is_pinned_licensed_capped_new_and_read_by_no_other_list():
    conf.check_conf8_sources()
    assert not conf.conf8_overlaps()
    earlier = {s.repo for s in conf.CONF_GENERATED + conf.CONF_REAL + conf.CONF2_GENERATED + conf.CONF2_REAL
               + conf.CONF3_GENERATED + conf.CONF3_REAL + conf.CONF4_GENERATED + conf.CONF4_REAL
               + conf.CONF5_GENERATED + conf.CONF5_REAL + conf.CONF6_GENERATED + conf.CONF6_REAL
               + conf.CONF7_GENERATED + conf.CONF7_REAL}
    mine = [s.repo for s in conf.CONF8_GENERATED + conf.CONF8_REAL]
    assert not earlier & set(mine) and len(mine) == len(set(mine))
    assert conf.CONF8_REAL == ()  # generated only (the brief: real photos optional)
    for s in conf.CONF8_GENERATED:
        assert all(label == "generated" and fam in conf.CONF8_GEN_FAMILIES for _, label, fam, _ in s.rules)
        assert s.cap_per_family == conf.CAP4_GEN_PER_REPO == 20  # the brief: at most 20 generated from one repository
        assert s.licence and re.fullmatch(r"[0-9a-f]{40}", s.commit)
    assert conf.TAG8 == "s15conf8" and conf.FAMILY_REAL8 == "fresh-conf8"
    assert conf.SETS["conf8"][2] == conf.CONF8_GENERATED + conf.CONF8_REAL


def test_eighth_set_overlap_check_sees_the_seventh_set_and_holds_as_main():
    import runpy

    ns = runpy.run_module("forgelens.training.gen_sources_conf", run_name="not_main")
    assert ns["conf8_overlaps"]() == set() and ns["conf7_overlaps"]() == set()
    old_g, old_r = conf.CONF8_GENERATED, conf.CONF8_REAL
    try:
        conf.CONF8_GENERATED = old_g + (conf.CONF7_GENERATED[0],)
        assert conf.conf8_overlaps() == {conf.CONF7_GENERATED[0].repo}
        conf.CONF8_GENERATED = old_g
        conf.CONF8_REAL = old_r + (conf.CONF7_REAL[0],)
        assert conf.conf8_overlaps() == {conf.CONF7_REAL[0].repo}
        conf.CONF8_REAL = old_r
        conf.CONF8_GENERATED = old_g + (old_g[0],)
        assert conf.conf8_overlaps() == {old_g[0].repo}  # a repository listed twice
    finally:
        conf.CONF8_GENERATED, conf.CONF8_REAL = old_g, old_r


def test_eighth_set_check_refuses_reserved_unpinned_other_family_other_key_and_over_cap():
    good = conf.CONF8_GENERATED[0]
    real = replace(conf.CONF7_REAL[0], rules=((r".", "authentic", "fresh-conf8", "stock"),))
    conf.check_conf8_sources((good,), (real,))  # a real source of the eighth set's key would pass
    with pytest.raises(ValueError, match="reserved"):
        conf.check_conf8_sources((replace(good, repo="comfyanonymous/ComfyUI_examples"),), ())
    with pytest.raises(ValueError, match="reserved"):
        conf.check_conf8_sources((), (replace(real, repo="ianare/exif-samples"),))
    with pytest.raises(ValueError, match="pinned"):
        conf.check_conf8_sources((replace(good, commit="main"),), ())
    with pytest.raises(ValueError, match="midjourney-7"):
        conf.check_conf8_sources((replace(good, rules=((r".", "generated", "midjourney-7", "mixed"),)),), ())
    with pytest.raises(ValueError, match="20"):
        conf.check_conf8_sources((replace(good, cap_per_family=21),), ())
    with pytest.raises(ValueError, match="20"):
        conf.check_conf8_sources((replace(good, cap_per_family=None),), ())  # uncapped is over the cap too
    with pytest.raises(ValueError, match="40"):
        conf.check_conf8_sources((), (replace(real, cap_per_family=41),))
    with pytest.raises(ValueError, match="fresh-conf8"):
        conf.check_conf8_sources((), (conf.CONF7_REAL[0],))  # a fresh-conf7 rule
    with pytest.raises(ValueError, match="fresh-conf8"):
        conf.check_conf8_sources((), (replace(real, rules=((r".", "generated", "fresh-conf8", "stock"),)),))


def test_eighth_set_rules_keep_each_stated_model_text_to_image_picture_and_nothing_else():
    an = _src8("antirez/flux2.c")
    for path in ("images/woman_with_sunglasses.png", "test_vectors/reference_4step_512x512_seed123.png"):
        assert _kept(an, path) == ("generated", "flux-2-klein-4b"), path
    for out in ("images/woman_with_sunglasses_compressed2.png", "images/antirez_to_drawing.png",  # copy, img2img
                "images/kitty-example.png", "images/cat_compressed.png", "images/cat_uncompressed.png",
                "test_vectors/reference_2step_64x64_seed42.png", "test_vectors/img2img_input_256x256.png",
                "test_vectors/reference_img2img_256x256_seed456.png", "jpg_test/hopper.jpg"):
        assert _kept(an, out) is None, out
    ic = _src8("icakinser/mlx-flux2-swift")
    assert _kept(ic, "Tests/Flux2KitTests/Fixtures/ref_bike_s42.png") == ("generated", "flux-2-klein-4b")
    for out in ("Tests/Flux2KitTests/Fixtures/ref_bike_heun_s42.png", "Tests/Flux2KitTests/Fixtures/edit_img2img_s43.png",
                "Tests/Flux2KitTests/Fixtures/edit_outpaint_s45.png", "Tests/Flux2KitTests/Fixtures/ref_condition_s46.png",
                "dev/test/outputs/t2i_q05.jpg"):
        assert _kept(ic, out) is None, out
    ye = _src8("Yehia-Fahmy/ML_Benchmarking")
    for path in ("Z-Image-Turbo-outputs-png/image_001_20251205_193437.png",
                 "Z-Image-Turbo-outputs-png/image_010_20251205_195851.png",
                 "comparison results/z-image-turbo/prompt_05_20251205_202802.png",
                 "comparison_results/z-image-turbo/baseline/prompt_03_seed_19.png"):
        assert _kept(ye, path) == ("generated", "z-image-turbo"), path
    for out in ("comparison results/z-image-turbo/prompt_04_20251205_202607.png",  # the glass-crystal render
                "comparison results/sd-turbo/prompt_01_20251205_201729.png",
                "comparison_results/sd-1.5/baseline/prompt_01_seed_19.png"):
        assert _kept(ye, out) is None, out
