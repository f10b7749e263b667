"""Session 12 of issue 18: the fresh confirmation set (training.gen_sources_conf) and the declared N3-vs-N3x rule
(benchmarks/studies/generation_confirm_s12.py). No network, no data: rules and clauses only."""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path

import pytest

from forgelens.training import gen_sources_conf as conf
from forgelens.training import generation_data as gd
from tests._gen_source_helpers import kept as _kept
from tests._study_helpers import import_study

STUDIES = Path(__file__).resolve().parents[1] / "benchmarks" / "studies"


def _study():
    return import_study("generation_confirm_s12")


def _src(repo: str) -> gd.Source:
    return next(s for s in conf.CONF_GENERATED + conf.CONF_REAL if s.repo == repo)


def test_sources_are_pinned_licensed_new_and_unread_by_any_list():
    conf.check_conf_sources()
    assert not conf.conf_overlaps()
    for s in conf.CONF_GENERATED:
        for _, label, family, _ in s.rules:
            # a held-out family or one not in training, never a training family
            assert label == "generated" and family in conf.CONF_GEN_FAMILIES
            assert family in gd.HELDOUT_FAMILIES or family == "z-image-turbo"
    for s in conf.CONF_REAL:
        assert all(label == "authentic" and fam == conf.FAMILY_REAL for _, label, fam, _ in s.rules)
        assert s.cap_per_family == conf.CAP_PER_REPO


def test_check_refuses_reserved_unpinned_and_training_family():
    good = conf.CONF_GENERATED[0]
    with pytest.raises(ValueError, match="reserved"):
        conf.check_conf_sources((replace(good, repo="ianare/exif-samples"),), ())
    with pytest.raises(ValueError, match="pinned"):
        conf.check_conf_sources((replace(good, commit="main"),), ())
    with pytest.raises(ValueError, match="not a confirmation"):
        conf.check_conf_sources((replace(good, rules=((r".", "generated", "gpt-4o", "mixed"),)),), ())
    with pytest.raises(ValueError, match="fresh-conf"):
        conf.check_conf_sources((), (replace(conf.CONF_REAL[0], rules=((r".", "authentic", "stock-web", "stock"),)),))


def test_only_pictures_whose_generator_is_stated_per_picture():
    velo = _src("velokey-ai/awesome-seedream-5.0-pro-prompts")
    assert _kept(velo, "images/1-1.jpg") == ("generated", "seedream-5")
    assert _kept(velo, "images/47-2.jpg") == ("generated", "seedream-5")
    for compared in ("images/2-1.jpg", "images/2-2.jpg", "images/15-3.jpg", "images/43-1.jpg"):  # "对比 GPT Image 2"
        assert _kept(velo, compared) is None
    assert _kept(velo, "images/8-1.jpg") is None  # the designed sneaker advert
    assert _kept(velo, "images/banner.png") is None
    sg = _src("songguoxs/gpt4o-image-prompts")
    assert _kept(sg, "images/676.jpeg") == ("generated", "grok")
    assert _kept(sg, "images/628.jpeg") == ("generated", "z-image-turbo")
    assert _kept(sg, "images/675.jpeg") is None  # the pencil-sketch composite
    assert _kept(sg, "images/630.jpeg") is None  # Nano Banana Pro (a training family)
    iv = _src("imaginevid-ai/Awesome-seedream-5-pro-prompts-and-skills")
    assert _kept(iv, "public/official-cases/case-17-cinematic-boxing-action.png") == ("generated", "seedream-5")
    assert _kept(iv, "public/official-cases/case-16-cinematic-tennis-glass-shatter.png") is None  # Pro vs Lite
    assert _kept(iv, "public/official-cases/case-15-seven-reference-input.png") is None


def test_real_path_rules_leave_out_graphics_and_duplicated_folders():
    paus = _src("paussaanz/photography-portfolio")
    assert _kept(paus, "public/images/hi/greece-12.webp") == ("authentic", conf.FAMILY_REAL)
    assert _kept(paus, "public/images/hi/greece-cover.webp") is None
    assert _kept(paus, "public/images/mid/greece-12.webp") is None
    ev = _src("themefisher/eventre-bootstrap")
    assert _kept(ev, "source/images/gallery/gallery-one.jpg")
    assert _kept(ev, "theme/images/gallery/gallery-one.jpg") is None
    assert _kept(ev, "source/images/background/pattern-background.jpg") is None
    kr = _src("themefisher/kross-hugo")
    assert _kept(kr, "exampleSite/assets/images/portfolio/item-3.png")
    assert _kept(kr, "exampleSite/assets/images/team/member-1.png") is None


def test_rule_clause_1_is_no_decision():
    s = _study()
    res, ships = s.rule(39, 150, {"N3": 30, "N3x": 10}, {"N3": 0, "N3x": 0}, {})
    assert not ships and len(res) == 1 and not res[0][1]
    res, ships = s.rule(60, 99, {"N3": 30, "N3x": 10}, {"N3": 0, "N3x": 0}, {})
    assert not ships and len(res) == 1


def test_rule_clauses_2_to_4():
    s = _study()
    repos = {"a": (1, 40), "b": (0, 10)}
    _, ships = s.rule(60, 150, {"N3": 25, "N3x": 20}, {"N3": 4, "N3x": 3}, repos)
    assert ships  # 5 more, 4 ≤ 4.5 and ≤ 3 + 1, repository a 1/40 = 2.5 %
    _, ships = s.rule(60, 150, {"N3": 24, "N3x": 20}, {"N3": 4, "N3x": 3}, repos)
    assert not ships  # 4 more only
    _, ships = s.rule(60, 150, {"N3": 25, "N3x": 20}, {"N3": 5, "N3x": 3}, repos)
    assert not ships  # more than N3x + 1
    _, ships = s.rule(60, 100, {"N3": 25, "N3x": 20}, {"N3": 4, "N3x": 4}, repos)
    assert not ships  # 4 > 3 % of 100
    res, ships = s.rule(60, 150, {"N3": 25, "N3x": 20}, {"N3": 2, "N3x": 2}, {"a": (2, 40), "b": (1, 10)})
    assert not ships and not res[-1][1]  # a: 2/40 = 5 %; b (10 photos) is not held to clause 4


# --- Session 13: the second fresh set (CONF2_*) and its study script.

def _src2(repo: str) -> gd.Source:
    return next(s for s in conf.CONF2_GENERATED + conf.CONF2_REAL if s.repo == repo)


def test_second_set_is_pinned_licensed_new_and_read_by_no_other_list():
    conf.check_conf2_sources()
    assert not conf.conf2_overlaps()
    first = {s.repo for s in conf.CONF_GENERATED + conf.CONF_REAL}
    assert not first & {s.repo for s in conf.CONF2_GENERATED + conf.CONF2_REAL}
    for s in conf.CONF2_GENERATED:
        for _, label, family, _ in s.rules:
            # Flux in any version: the held-out family; never a family of the training split
            assert label == "generated" and family in conf.CONF2_GEN_FAMILIES and family.startswith("flux-")
    assert "flux-1-dev" in gd.HELDOUT_FAMILIES
    for s in conf.CONF2_REAL:
        assert all(label == "authentic" and fam == conf.FAMILY_REAL2 for _, label, fam, _ in s.rules)
        assert s.cap_per_family == conf.CAP_PER_REPO


def test_second_set_check_refuses_reserved_unpinned_training_family_and_wrong_key():
    good = conf.CONF2_GENERATED[0]
    with pytest.raises(ValueError, match="reserved"):
        conf.check_conf2_sources((replace(good, repo="comfyanonymous/ComfyUI_examples"),), ())
    with pytest.raises(ValueError, match="pinned"):
        conf.check_conf2_sources((replace(good, commit="HEAD"),), ())
    with pytest.raises(ValueError, match="not a confirmation"):
        conf.check_conf2_sources((replace(good, rules=((r".", "generated", "gpt-4o", "mixed"),)),), ())
    with pytest.raises(ValueError, match="not a confirmation"):  # session 12's families belong to the first set
        conf.check_conf2_sources((replace(good, rules=((r".", "generated", "seedream-5", "mixed"),)),), ())
    with pytest.raises(ValueError, match="fresh-conf2"):
        conf.check_conf2_sources((), (replace(conf.CONF2_REAL[0], rules=((r".", "authentic", "fresh-conf", "stock"),)),))


def test_second_set_generated_path_rules_keep_only_stated_text_to_image_outputs():
    vg = _src2("VincentGourbin/flux-2-swift-mlx")
    assert _kept(vg, "docs/examples/flux2-klein-9b/klein_9b/eagle_1536x1024.png") == ("generated", "flux-2")
    assert _kept(vg, "docs/examples/quantization-benchmark/images/klein4b_bf16.png") == ("generated", "flux-2")
    for out in ("docs/examples/quantization-benchmark/images/klein4b_int4.png",  # the same seed, quantized: a near-copy
                "docs/examples/comparison_quality/dev_bf16.png",  # comic superheroes with lettering
                "docs/examples/flux2-dev/cat_beach_standard/step_014.png",  # a denoising checkpoint
                "docs/examples/flux2-dev/i2i_cat_hat_jacket/output.png",  # an edit of an input picture
                "docs/examples/evaluate-lora/reference.png", "docs/examples/evaluate-lora/baseline.png",
                "docs/examples/evaluate-lora/cattoy_reference.png",  # training photos / unsure which is generated
                "examples/tarot-style/train/tarot_fixed_0000_Layer-78.png"):
        assert _kept(vg, out) is None, out
    mf = _src2("filipstrand/mflux")
    assert _kept(mf, "tests/resources/reference_schnell.png") == ("generated", "flux-1-schnell")
    assert _kept(mf, "tests/resources/reference_dev_lora_multiple.png") == ("generated", "flux-1-dev")
    assert _kept(mf, "tests/resources/reference_flux2_klein_9b_tiger_swim.png") == ("generated", "flux-2")
    for out in ("tests/resources/reference_fibo.png", "tests/resources/reference_qwen_txt2img.png",
                "tests/resources/reference_z_image_turbo.png", "tests/resources/reference_dev_image_to_image.png",
                "tests/resources/reference_controlnet_dev.png", "tests/resources/reference_flux2_klein_edit_dalmatian.png",
                "src/mflux/assets/kontext_example.jpg"):
        assert _kept(mf, out) is None, out
    xf = _src2("XLabs-AI/x-flux")
    assert _kept(xf, "assets/readme/examples/picture-6-rev1.png") == ("generated", "flux-1-dev")
    assert _kept(xf, "assets/readme/examples/furry1.png") is None
    assert _kept(xf, "assets/readme/examples/result_12.png") is None  # illustration
    kg = _src2("kagura-agent/flux-prompt-gallery")
    assert _kept(kg, "assets/promptbase-examples/p4-product-photo/example-2.png") == ("generated", "flux-1-schnell")
    for out in ("assets/promptbase-examples/p5-logo/example-2.png", "examples/anime-portrait/anime-portrait-cyber.png",
                "assets/batch3/12-fashion-evening-gown.png", "assets/promptbase-examples/p2-wallpaper/example-3.png"):
        assert _kept(kg, out) is None, out


def test_second_set_real_path_rules_leave_out_graphics_posters_and_theme_copies():
    kl = _src2("kalandjl/photography-portfolio")
    assert _kept(kl, "public/portraits/Devine and Ngan-39.jpg") == ("authentic", conf.FAMILY_REAL2)
    assert _kept(kl, "public/pictures/about/BCSS 2025 media.jpg") is None  # a poster with lettering
    assert _kept(kl, "public/graphics/Winner.jpg") is None
    nb = _src2("themefisher/newsbit-bootstrap")
    assert _kept(nb, "source/images/news/news-07.jpg") == ("authentic", conf.FAMILY_REAL2)
    assert _kept(nb, "theme/images/news/news-07.jpg") is None  # the theme's duplicated folder
    assert _kept(nb, "source/images/news/video-thumb/thumb-02.jpg") is None  # a designed graphic
    assert _kept(nb, "source/images/logos/logo.png") is None
    md = _src2("themefisher/medic-bootstrap")
    assert _kept(md, "source/images/gallery/gallery-01.jpg")
    assert _kept(md, "source/images/team/doctor-1.jpg") is None  # cut-out portraits on white
    assert _kept(md, "source/images/background/3.jpg") is None
    mp = _src2("MattiaPARRINELLO/photography-portfolio")
    assert _kept(mp, "photos/IMG_3981.jpg") and _kept(mp, "photos/thumbnails/IMG_1647.jpg")
    assert _kept(mp, "dist/assets/og-image.jpg") is None


def test_study_s13_applies_session_12s_rule_verbatim():
    _study()
    s13 = importlib.import_module("generation_confirm_s13")
    s12 = importlib.import_module("generation_confirm_s12")
    assert s13.rule is s12.rule
    assert (s12.MIN_GEN, s12.MIN_REAL, s12.MIN_MORE, s12.MAX_SHARE, s12.FA_SLACK, s12.MIN_REPO) == (40, 100, 5, 0.03, 1, 20)


def _src3(repo: str) -> gd.Source:
    return next(s for s in conf.CONF3_GENERATED + conf.CONF3_REAL if s.repo == repo)


def test_third_set_is_pinned_licensed_new_and_read_by_no_other_list():
    conf.check_conf3_sources()
    assert not conf.conf3_overlaps()
    earlier = {s.repo for s in conf.CONF_GENERATED + conf.CONF_REAL + conf.CONF2_GENERATED + conf.CONF2_REAL}
    mine = [s.repo for s in conf.CONF3_GENERATED + conf.CONF3_REAL]
    assert not earlier & set(mine) and len(mine) == len(set(mine))
    assert len(conf.CONF3_GENERATED) >= 3 and len(conf.CONF3_REAL) >= 5  # the brief's repository floors
    for s in conf.CONF3_GENERATED:
        assert all(label == "generated" and fam in conf.CONF3_GEN_FAMILIES for _, label, fam, _ in s.rules)
    for s in conf.CONF3_REAL:
        assert all(label == "authentic" and fam == conf.FAMILY_REAL3 for _, label, fam, _ in s.rules)
    for s in conf.CONF3_GENERATED + conf.CONF3_REAL:
        assert s.cap_per_family == conf.CAP_PER_REPO


def test_third_set_overlap_check_sees_every_training_list():
    # yangliu2060's Nano Banana Pro pictures were looked at for this set: session 12's training list reads them
    yl = gd.Source("yangliu2060/awesome-imagen-vs-gpt4o", "be885fa5720cf743dade54a1c5e85a6d586da1d4", "CC-BY-4.0",
                   ((r"google\.jpg$", "generated", "gpt-image-2", "mixed"),))
    old = conf.CONF3_GENERATED
    try:
        conf.CONF3_GENERATED = old + (yl,)
        assert conf.conf3_overlaps() == {"yangliu2060/awesome-imagen-vs-gpt4o"}
    finally:
        conf.CONF3_GENERATED = old


def test_third_set_check_refuses_reserved_unpinned_other_family_and_wrong_key():
    good = conf.CONF3_GENERATED[0]
    with pytest.raises(ValueError, match="reserved"):
        conf.check_conf3_sources((replace(good, repo="c2pa-org/public-testfiles"),), ())
    with pytest.raises(ValueError, match="pinned"):
        conf.check_conf3_sources((replace(good, commit="main"),), ())
    with pytest.raises(ValueError, match="not a confirmation"):
        conf.check_conf3_sources((replace(good, rules=((r".", "generated", "flux-2", "mixed"),)),), ())
    with pytest.raises(ValueError, match="fresh-conf3"):
        conf.check_conf3_sources((), (replace(conf.CONF3_REAL[0], rules=((r".", "authentic", "fresh-conf2", "stock"),)),))


def test_third_set_generated_path_rules_keep_only_photoreal_stated_outputs():
    hi = _src3("HiAPIAI/awesome-gpt-image-2-prompts")
    for ok in ("images/portrait_case1/output.jpg", "images/portrait_case17/output.jpg",
               "images/portrait_photography_case26/output.png", "images/e_commerce_case20/output.png"):
        assert _kept(hi, ok) == ("generated", "gpt-image-2"), ok
    for out in ("images/portrait_case12/output.jpg", "images/portrait_case13/output.jpg",  # 3x3 contact grids
                "images/portrait_case8/output.jpg",  # a phone-UI panel over the picture
                "images/portrait_case18/output.jpg",  # a lettered desk poster
                "images/poster_case1/output.jpg", "images/ui_case3/output.jpg", "images/comparison_case35/output.jpg",
                "images/community_reference/xhs-07/output.jpg", "images/e_commerce_case21/output.png"):
        assert _kept(hi, out) is None, out
    zs = _src3("zhutao100/Z-Image.swift")
    assert _kept(zs, "examples/z-image.png") == ("generated", "z-image")
    assert _kept(zs, "examples/z-image-distill-control-hed.png") == ("generated", "z-image")
    assert _kept(zs, "examples/z-image-turbo-control-pose.png") == ("generated", "z-image-turbo")
    assert _kept(zs, "examples/z-image-turbo-lokr.png") == ("generated", "z-image-turbo")
    assert _kept(zs, "examples/lora_lion.png") is None  # a child's-drawing LoRA
    assert _kept(zs, "images/canny.jpg") is None  # the control inputs (photos / maps)
    st = _src3("SamuelTallet/Z-Image-Turbo-Windows")
    assert _kept(st, "docs/gallery/originals/image1.png") == ("generated", "z-image-turbo")
    for out in ("docs/gallery/originals/image2.png", "docs/gallery/originals/image8.png",  # lettered pop-up, sketch
                "docs/gallery/image1.webp"):  # the webp copies of the originals
        assert _kept(st, out) is None, out


def test_third_set_real_path_rules_leave_out_graphics_maps_and_logos():
    wf = _src3("themefisher/wishfund-bulma")
    assert _kept(wf, "source/images/gallery/3.jpg") == ("authentic", conf.FAMILY_REAL3)
    for out in ("source/images/about/fiver1.jpg", "source/images/about/img-2.png", "source/images/bg/worldmap.png",
                "source/images/blog/gallery-2.jpg", "theme/images/gallery/3.jpg", "source/images/logo.png"):
        assert _kept(wf, out) is None, out
    rp = _src3("themefisher/rappo-bootstrap")
    assert _kept(rp, "source/images/work/12.jpg") == ("authentic", conf.FAMILY_REAL3)
    assert _kept(rp, "source/images/bg/10.jpg") is None  # a world map
    assert _kept(rp, "source/images/banner/p-4.jpg") is None  # a pattern
    assert _kept(rp, "source/images/client/img-1.jpg") is None
    cm = _src3("themefisher/classimax-bootstrap")
    assert _kept(cm, "source/images/team/team2.jpg")
    assert _kept(cm, "source/images/products/products-1.jpg") is None  # 3D renders of furniture
    assert _kept(cm, "source/images/call-to-action/mockup.png") is None
    hs = _src3("herschel666/photoblog")
    assert _kept(hs, "_sets/nepal-2016/nepal-2016-01.jpg") == ("authentic", conf.FAMILY_REAL3)
    nk = _src3("hey-nicolasklein/photography-portfolio")
    assert _kept(nk, "public/images/gallery/DSCF_1.webp") and _kept(nk, "public/og.png") is None


def test_study_s14c3_clauses_c_and_d():
    _study()
    s14 = importlib.import_module("generation_confirm_s14c3")
    c3, f3 = {"N3x": 20, "N8r": 19}, {"N3x": 5, "N8r": 4}
    cp, fp = {"N3x": 50, "N8r": 48}, {"N3x": 12, "N8r": 8}
    assert [p for _, p in s14.clauses_cd(59, 184, c3, f3, cp, fp)] == [True, True]
    assert [p for _, p in s14.clauses_cd(59, 184, {"N3x": 20, "N8r": 18}, f3, cp, fp)] == [False, True]  # C: −2
    assert [p for _, p in s14.clauses_cd(59, 184, c3, {"N3x": 4, "N8r": 4}, cp, fp)] == [False, True]  # C: not fewer
    assert [p for _, p in s14.clauses_cd(59, 184, c3, f3, {"N3x": 50, "N8r": 47}, fp)] == [True, False]  # D: −3
    assert [p for _, p in s14.clauses_cd(59, 184, c3, f3, cp, {"N3x": 8, "N8r": 8})] == [True, False]  # D: not fewer
    assert not s14.clauses_cd(39, 184, c3, f3, cp, fp)[0][1]  # under 40 generated: C not measured, fails
    assert not s14.clauses_cd(59, 119, c3, f3, cp, fp)[0][1]  # under 120 real
    assert (s14.MIN_GEN3, s14.MIN_REAL3, s14.SLACK_C, s14.SLACK_D) == (40, 120, 1, 2)


def _src4(repo: str) -> gd.Source:
    return next(s for s in conf.CONF4_GENERATED + conf.CONF4_REAL if s.repo == repo)


def test_fourth_set_is_pinned_licensed_new_and_read_by_no_other_list():
    conf.check_conf4_sources()
    assert not conf.conf4_overlaps()
    earlier = {s.repo for s in conf.CONF_GENERATED + conf.CONF_REAL + conf.CONF2_GENERATED + conf.CONF2_REAL
               + conf.CONF3_GENERATED + conf.CONF3_REAL}
    mine = [s.repo for s in conf.CONF4_GENERATED + conf.CONF4_REAL]
    assert not earlier & set(mine) and len(mine) == len(set(mine))
    assert len(conf.CONF4_GENERATED) >= 3 and len(conf.CONF4_REAL) >= 5  # the brief's repository floors
    for s in conf.CONF4_GENERATED:
        assert all(label == "generated" and fam in conf.CONF4_GEN_FAMILIES for _, label, fam, _ in s.rules)
        assert s.cap_per_family == conf.CAP4_GEN_PER_REPO == 20  # the brief: at most 20 from one repository
    for s in conf.CONF4_REAL:
        assert all(label == "authentic" and fam == conf.FAMILY_REAL4 for _, label, fam, _ in s.rules)
        assert s.cap_per_family == conf.CAP_PER_REPO


def test_overlap_checks_hold_when_the_module_runs_as_main():
    # ``python -m forgelens.training.gen_sources_conf`` loads this module a second time (as __main__): the sources it
    # finds by name are equal to, not identical with, the set's own, and must not count as read by another list
    import runpy

    ns = runpy.run_module("forgelens.training.gen_sources_conf", run_name="not_main")
    assert ns["conf4_overlaps"]() == set() and ns["conf3_overlaps"]() == set()


def test_fourth_set_overlap_check_sees_the_third_set_and_training_lists():
    old = conf.CONF4_GENERATED
    try:
        conf.CONF4_GENERATED = old + (conf.CONF3_GENERATED[0],)
        assert conf.conf4_overlaps() == {conf.CONF3_GENERATED[0].repo}
    finally:
        conf.CONF4_GENERATED = old


def test_fourth_set_check_refuses_reserved_unpinned_other_family_wrong_key_and_over_cap():
    good = conf.CONF4_GENERATED[0]
    with pytest.raises(ValueError, match="reserved"):
        conf.check_conf4_sources((replace(good, repo="c2pa-org/public-testfiles"),), ())
    with pytest.raises(ValueError, match="pinned"):
        conf.check_conf4_sources((replace(good, commit="main"),), ())
    with pytest.raises(ValueError, match="flux-2"):
        conf.check_conf4_sources((replace(good, rules=((r".", "generated", "flux-2", "mixed"),)),), ())
    with pytest.raises(ValueError, match="20"):
        conf.check_conf4_sources((replace(good, cap_per_family=40),), ())
    with pytest.raises(ValueError, match="fresh-conf4"):
        conf.check_conf4_sources((), (replace(conf.CONF4_REAL[0], rules=((r".", "authentic", "fresh-conf3", "stock"),)),))


def test_fourth_set_generated_path_rules_keep_only_photoreal_stated_outputs():
    jo = _src4("joesaiw1208-stack/awesome-gpt-image-2-commercial-prompts")
    assert _kept(jo, "assets/examples/luxury-handbag-shelf-hero.png") == ("generated", "gpt-image-2")
    for out in ("assets/examples/brand-typography-launch-poster.png", "assets/examples/lookbook-collection-grid.png",
                "assets/examples/saas-case-study-page.png", "assets/examples/luxury-window-display-ooh.png",
                "assets/examples/luxury-watch-macro-campaign.png"):  # past the first 20 photoreal in name order
        assert _kept(jo, out) is None, out
    az = _src4("AzhuTech/awesome-gpt-image-2-prompts")
    assert _kept(az, "assets/generated/noir-detective-still.png") == ("generated", "gpt-image-2")
    for out in ("assets/generated/anime-gacha-hero.png", "assets/generated/sticker-sheet.png",
                "assets/generated/packaging-system.png", "docs/assets/generated/product-hero.png"):
        assert _kept(az, out) is None, out
    mu = _src4("muset-ai/awesome-nano-banana-pro")
    assert _kept(mu, "cases/15/case.png") == ("generated", "nano-banana-pro")
    assert _kept(mu, "cases/144/310.output.1.JPG") == ("generated", "nano-banana-pro")
    for out in ("cases/3/case.webp", "cases/7/case.png", "cases/109/428.output.1.webp", "cases/142/308.output.1.JPG",
                "cases/121/121.output.1.png"):  # CCTV overlay, newspaper, "Nano Banana 2" batch, grid, an edit
        assert _kept(mu, out) is None, out
    hx = _src4("haxlys/ideogram4-mps")
    assert _kept(hx, "examples/result_village.png") == ("generated", "ideogram-4")
    assert _kept(hx, "examples/result_pattern.png") is None and _kept(hx, "examples/webui-screenshot.png") is None


def test_fourth_set_real_path_rules_leave_out_logos_flags_and_screenshots():
    tl = _src4("tosia921/Lekawa-Photography-Portfolio")
    assert _kept(tl, "nextjs-frontend/public/images/gray1.jpg") == ("authentic", conf.FAMILY_REAL4)
    for out in ("nextjs-frontend/public/images/LogoWhite.png", "nextjs-frontend/public/images/UKFlag.png",
                "nextjs-frontend/public/images/LekawaScreenshot.png", "nextjs-frontend/public/images/LandingPagePhone.jpg"):
        assert _kept(tl, out) is None, out
    ml = _src4("mallocs/photoblog")
    assert _kept(ml, "public/posts/sunsets/IMG_7084.JPG") == ("authentic", conf.FAMILY_REAL4)
    assert _kept(ml, "public/assets/authors/default.png") is None and _kept(ml, "public/assets/watermark.png") is None
    k1 = _src4("k1monfared/photoblog")
    assert _kept(k1, "gallery/IMG_2430.png") and _kept(k1, "gallery/IMG_2435.png") is None
    fd = _src4("Fady7618/Photography-Portfolio")
    assert _kept(fd, "public/wedding/wedding2.webp") and _kept(fd, "public/camera2-removebg-preview.png") is None


def test_study_s14c4_clauses_b_and_c():
    _study()
    s14 = importlib.import_module("generation_confirm_s14c4")
    c4, f4 = {"N3x": 20, "N8": 23}, {"N3x": 3, "N8": 3}
    cp, fp = {"N3x": 60, "N8": 68}, {"N3x": 12, "N8": 13}
    assert [p for _, p in s14.clauses_bc(49, 144, c4, f4, 614, cp, fp)] == [True, True]
    assert [p for _, p in s14.clauses_bc(49, 144, {"N3x": 20, "N8": 22}, f4, 614, cp, fp)] == [False, True]  # B: +2
    assert [p for _, p in s14.clauses_bc(49, 144, c4, {"N3x": 3, "N8": 4}, 614, cp, fp)] == [False, True]  # B: FA
    assert [p for _, p in s14.clauses_bc(49, 144, c4, f4, 614, {"N3x": 60, "N8": 67}, fp)] == [True, False]  # C: +7
    assert [p for _, p in s14.clauses_bc(49, 144, c4, f4, 614, cp, {"N3x": 12, "N8": 14})] == [True, False]  # C: +2
    assert [p for _, p in s14.clauses_bc(49, 144, c4, f4, 400, cp, fp)] == [True, False]  # C: 13 > 3 % of 400
    assert not s14.clauses_bc(39, 144, c4, f4, 614, cp, fp)[0][1]  # under 40 generated: B not measured, fails
    assert not s14.clauses_bc(49, 119, c4, f4, 614, cp, fp)[0][1]  # under 120 real


def _src5(repo: str) -> gd.Source:
    return next(s for s in conf.CONF5_GENERATED + conf.CONF5_REAL if s.repo == repo)


def test_fifth_set_generated_path_rules_keep_only_photoreal_text_to_image_outputs():
    evo = _src5("EvoLinkAI/awesome-gpt-image-2-prompts")
    for kept in ("images/portrait_case27/output.jpg", "images/portrait_case108/output.jpg",
                 "images/case_case96/output.jpg"):
        assert _kept(evo, kept) == ("generated", "gpt-image-2"), kept
    for out in ("images/portrait_case1/output.jpg",  # 1-26: copies held by set 3's HiAPIAI gallery
                "images/portrait_case109/output.jpg",  # a 2x2 grid
                "images/portrait_case111/output.jpg",  # a repeat of case 104
                "images/portrait_case82/output.jpg",  # a restored photo
                "images/case_case65/output.jpg",  # a captioned "news" picture
                "images/poster_case62/output.jpg", "images/ui_case1/output.jpg"):
        assert _kept(evo, out) is None, out
    mmd = _src5("mmd19999/gpt-image2-vs-nano-banana2")
    assert _kept(mmd, "public/images/matchups/1-gpt.webp") == ("generated", "gpt-image-2")
    assert _kept(mmd, "public/images/matchups/4-banana.webp") == ("generated", "nano-banana-2")
    for out in ("public/images/matchups/5-gpt.webp", "public/images/matchups/12-banana.webp",  # lettering, an edit
                "public/images/matchups/10-gpt.webp", "public/images/references/img1.webp"):  # edit, its input photo
        assert _kept(mmd, out) is None, out
    hy = _src5("EricRollei/Comfy_HunyuanImage3")
    assert _kept(hy, "Docs/examples/HunyuanImage3-NF4-example1.png") == ("generated", "hunyuan-image-3")
    for out in ("Docs/nano-banana-result.jpeg", "Docs/image-edit-example-3.png", "Docs/multi-fusion-example-nf4.png"):
        assert _kept(hy, out) is None, out


def test_fifth_set_real_path_rules_leave_out_screenshots_renders_and_memes():
    lu = _src5("luftaquila/luftaquila")
    assert _kept(lu, "assets/posts/e-formula/2023-08-29-hv-introduction/fuse.jpg") == ("authentic", conf.FAMILY_REAL5)
    for out in ("assets/posts/e-formula/2022-03-28-introduction/2.jpg",  # censored with black boxes
                "assets/posts/e-formula/2023-08-15-living-point/zero_vs_null.jpg",  # a meme
                "assets/posts/e-formula/2023-09-01-precharge/oscilloscope_tau.jpg",  # a scope screen capture
                "assets/posts/e-formula/2024-01-18-monolith-telemetry-datalogger/monolith.jpg",  # a board render
                "assets/posts/diy/2017-07-21-usb-wattmeter-diy/1.png", "assets/images/works/ajoumeow/main.png"):
        assert _kept(lu, out) is None, out
    na = _src5("nathanbirrell/natee.biz")
    assert _kept(na, "src/content/photos/2016-02-06 14-09-19.jpg") == ("authentic", conf.FAMILY_REAL5)
    assert _kept(na, "src/content/pinboard/x.jpg") is None and _kept(na, "public/img/posts/a.jpg") is None
    dm = _src5("DmytroPI-dev/photo-portfolio")
    assert _kept(dm, "src/images/11.JPG") and _kept(dm, "build/images/11.JPG") is None  # the build copy left out
    gj = _src5("GjjvdBurg/HugoPhotoSwipe-Demo")
    assert _kept(gj, "src/photos/dogs/photos/pexels-photo-59523.jpeg") and _kept(gj, "static/pics/dogs/a.jpg") is None
    ge = _src5("GEEspinosa/GEEspinosa-photo-portfolio")
    assert _kept(ge, "public/images/Morgan_River.webp") and _kept(ge, "public/favicon.png") is None


def test_study_s15c5_pools_five_disjoint_sets_and_reports_a_short_set():
    import numpy as np

    _study()
    s15 = importlib.import_module("generation_confirm_s15c5")
    a = np.array([1, 0, 0, 0], bool)
    b = np.array([0, 1, 0, 0], bool)
    masks = {1: (a, b), 2: (b, a), 3: (~(a | b), np.zeros(4, bool))}
    gen, real = s15.pooled(masks, (1, 2))
    assert gen.tolist() == [1, 1, 0, 0] and real.tolist() == [1, 1, 0, 0]
    assert s15.pooled(masks, (3,))[0].tolist() == [0, 0, 1, 1]
    assert "SHORT" in s15.size_note(29, 147) and "29 generated < 40" in s15.size_note(29, 147)
    assert "real" not in s15.size_note(29, 147).split(":")[1]  # 147 real meets the 120 target
    assert s15.size_note(40, 120) == "set 5 meets the size target"
