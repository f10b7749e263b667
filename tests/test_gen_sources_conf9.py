"""Session 16, s16conf9: the ninth fresh confirmation set (training.gen_sources_conf CONF9_*), sealed (no model scores it
until the lead declares a candidate rule for it). No network, no data, no model: source rules and checks only."""

from __future__ import annotations

from forgelens.training import gen_sources_conf as conf
from forgelens.training import generation_data as gd
from tests._gen_source_helpers import kept as _kept


def _src9(repo: str) -> gd.Source:
    return next(s for s in conf.CONF9_GENERATED + conf.CONF9_REAL if s.repo == repo)


def test_ninth_set_generated_rules_keep_each_stated_model_photographic_picture_and_nothing_else():
    ye = _src9("jyoung105/yetter")
    for path in ("control_group/fal/qwen-image/results/prompt_01_image_1.png",
                 "control_group/replicate/qwen-image/results/prompt_10_image_1.png",
                 "model/qwen-image/results/prompt_05_image_1.png"):
        assert _kept(ye, path) == ("generated", "qwen-image"), path
    for out in ("control_group/wavespeed/qwen-image/results/prompt_01_image_1.png",  # near-copies of the fal pictures
                "control_group/runware/qwen-image/results/prompt_01_image_1.png",
                "control_group/fal/qwen-image/results/prompt_02_image_1.png",  # cyberpunk street
                "model/qwen-image/results/prompt_07_image_1.png",  # Escher-style abstract
                "control_group/fal/flux-1-dev/results/prompt_01_image_1.png",
                "control_group/fal/flux-1-kontext-dev/results/edit_01_image_01_result_1.png",
                "example_inputs/edit-images/image_01.jpg", "plots/total_time_10_images.png"):
        assert _kept(ye, out) is None, out
    cd = _src9("vipshop/cache-dit")
    for path, fam in (("assets/chroma1-hd.C0_L0_Q0_NONE.png", "chroma1-hd"), ("assets/cogview4.C0_L0_Q0_NONE.png", "cogview4"),
                      ("assets/npu_sample/zimage.1024x1024.C0_Q0_NONE_native_npu.png", "z-image-turbo"),
                      ("docs/assets/flux2_klein_4b.1024x1024.C0.png", "flux-2-klein-4b")):
        assert _kept(cd, path) == ("generated", fam), path
    for out in ("assets/chroma1-hd.C0_L0_Q0_DBCACHE_F1B0_W8M0MC0_T0O2_R0.08_S20.png",  # cached near-copy
                "assets/npu_sample/zimage.1024x1024.C0_Q0_NONE_Ulysses2_native_npu.png",
                "docs/assets/flux2_klein_4b.1024x1024.C0_svdq_int4_r128_dq.png", "assets/qwen-image.C0_Q0_NONE.png",
                "assets/hidream.C0_L0_Q0_NONE.png", "assets/lumina2.C0_L0_Q0_NONE.png",  # lettered signs
                "assets/hunyuan-image-2.1.C0_L0_Q1_fp8_w8a16_wo_NONE.png",  # plush-toy cartoon
                "examples/assets/zimage_controlnet.1728x992.C0_Q0_NONE.png", "examples/data/snow_cat.png"):
        assert _kept(cd, out) is None, out
    qm = _src9("qmu/research")
    assert _kept(qm, "docs/research-reports/images/gpt-image-1.5--photo-red-apple--r0.png") == ("generated",
                                                                                                 "gpt-image-1.5")
    assert _kept(qm, "docs/research-reports/images/grok-imagine-image--photo-red-apple--r0.jpg") == ("generated",
                                                                                                     "grok-imagine")
    for out in ("docs/research-reports/history/image-generation/2026-07-18T15-04-12-341Z/images/"
                "gpt-image-1.5--photo-red-apple--r0.png",  # the dated copy
                "docs/research-reports/images/gpt-image-1.5--character-cartoon-robot--r0.png",
                "docs/research-reports/images/grok-imagine-image--slide-quarterly-review--r0.jpg"):
        assert _kept(qm, out) is None, out
    su = _src9("suharvest/z-image-turbo-tensorrt-jetson")
    assert _kept(su, "media/text2img-384.png") == ("generated", "z-image-turbo")
    for out in ("media/img2img-red-scarf-384.png", "media/article/success-512-refiner-fixed.png",
                "media/article/mountain-pov-s072.png", "media/article/mountain-original-wide.jpg"):
        assert _kept(su, out) is None, out
    bl = _src9("BlockchainHB/cursor-command-library")
    for n in ("001", "002", "004", "009", "010"):
        assert _kept(bl, f"Generated_Images/2025-11-07_11-07-57/images/image_{n}.jpg") == ("generated", "imagen-4"), n
    assert _kept(bl, "Generated_Images/2025-11-07_11-07-57/images/image_003.jpg") is None  # the cut-out on white


def test_ninth_set_real_rules_keep_the_photographers_photos_and_nothing_else():
    cm = _src9("cassiomolin/cassiomolin.github.io")
    for path in ("content/photography/starting-my-photography-blog/images/017eb-4000w.jpg",
                 "content/photography/starting-my-photography-blog/images/01313-2667w.jpg",
                 "content/photography/the-cliff-walk-from-greystones-to-bray/images/55286.jpg"):
        assert _kept(cm, path) == ("authentic", "fresh-conf9"), path
    for out in ("content/photography/starting-my-photography-blog/images/017eb-1500w.jpg",  # smaller copies
                "content/photography/starting-my-photography-blog/images/01313-333w.jpg",
                "content/photography/bray-air-display-2023/images/004fb.jpg",  # aircraft against the sky
                "content/photography/starting-my-photography-blog/images/_cover.jpg", "content/components/image.jpg"):
        assert _kept(cm, out) is None, out
    jh = _src9("jakobhelton/jakobhelton.github.io")
    assert _kept(jh, "assets/portfolio/PhotographyDigital_Color_01.jpg") == ("authentic", "fresh-conf9")
    for out in ("assets/portfolio/PhotographyAnalog_Color_04.jpg", "assets/portfolio/DigitalArt_DeepHaze_01.jpg",
                "assets/portfolio/Painting_01_02.jpg"):
        assert _kept(jh, out) is None, out
    mc = _src9("MC-DeltaT/photography-portfolio-website")
    assert _kept(mc, "resource/photo/2024/2024-01-10/IMG_4743.jpg") == ("authentic", "fresh-conf9")
    for out in ("resource/image/general/homepage_hero.jpg", "resource/photo/2024/2024-01-10/IMG_4743.jpg.json"):
        assert _kept(mc, out) is None, out
    ar = _src9("arnie12a/photography-portfolio")
    for path in ("public/places/india/IMG_5157.JPG", "public/other/running.jpg"):
        assert _kept(ar, path) == ("authentic", "fresh-conf9"), path
    for out in ("public/stories/nationalParks/bryceCanyon.jpg", "public/blogPhotos/parisHoops.jpg",
                "public/stories/nationalParks/emeraldLake.png"):
        assert _kept(ar, out) is None, out
