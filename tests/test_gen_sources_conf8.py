"""Session 15, s15conf8: the eighth fresh confirmation set (training.gen_sources_conf CONF8_*), sealed for the next
session. No network, no data, no model: source rules and checks only."""

from __future__ import annotations

from forgelens.training import gen_sources_conf as conf
from forgelens.training import generation_data as gd
from tests._gen_source_helpers import kept as _kept


def _src8(repo: str) -> gd.Source:
    return next(s for s in conf.CONF8_GENERATED + conf.CONF8_REAL if s.repo == repo)


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
