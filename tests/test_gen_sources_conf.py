"""Session 12 of issue 18: the fresh confirmation set (training.gen_sources_conf) and the declared N3-vs-N3x rule
(benchmarks/studies/generation_confirm_s12.py). No network, no data: rules and clauses only."""

from __future__ import annotations

import importlib
import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from forgelens.training import gen_sources_conf as conf
from forgelens.training import generation_data as gd

STUDIES = Path(__file__).resolve().parents[1] / "benchmarks" / "studies"


def _study():
    for d in (STUDIES, STUDIES.parent / "accuracy", STUDIES.parent / "fit"):
        if str(d) not in sys.path:
            sys.path.insert(0, str(d))
    return importlib.import_module("generation_confirm_s12")


def _kept(src: gd.Source, path: str) -> tuple[str, str] | None:
    if not gd.IMAGE_RE.search(path) or re.search(src.exclude, path):
        return None
    return next(((label, fam) for pattern, label, fam, _ in src.rules if re.search(pattern, path)), None)


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
