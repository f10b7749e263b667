"""Session 16, s16conf11: the eleventh fresh confirmation set (training.gen_sources_conf CONF11_*), sealed (no model scores
it in session 16). No network, no data, no model: source rules and checks only."""

from __future__ import annotations

from forgelens.training import gen_sources_conf as conf
from forgelens.training import generation_data as gd
from tests._gen_source_helpers import kept as _kept


def _src11(repo: str) -> gd.Source:
    return next(s for s in conf.CONF11_GENERATED + conf.CONF11_REAL if s.repo == repo)


def test_eleventh_set_generated_rules_keep_each_stated_model_photographic_picture_and_nothing_else():
    zy = _src11("nasa1024/zhaoyaojing")
    for name, fam in (("ai_flux_max.jpeg", "flux-2-max"), ("ai_flux_pro.jpeg", "flux-2-pro"),
                      ("ai_gptimage_1_5.png", "gpt-image-1.5"), ("ai_nano_pro.png", "nano-banana-pro")):
        assert _kept(zy, f"tests/fixtures/{name}") == ("generated", fam), name
    for out in ("ai_seedream_4_5.jpeg", "ai_seedream_v4.jpeg", "ai_seedream_v5.jpeg", "ai_seedream.jpeg",
                "ai_ideogram.png", "ai_gptimage.png", "ai_midjourney_1.png", "ai_firefly.png", "clean_synthetic.png",
                "dreamina_visible_wm.jpg", "real_photo.jpg", "image_openai-gpt-image-1.5.png",
                "image_bfl-flux-2-pro.jpg", "image_gemini-3-pro-image-preview.jpg"):
        assert _kept(zy, f"tests/fixtures/{out}") is None, out
    jt = _src11("jaredturck/JaredTurck.com")
    for n in ("1769224121", "1770680930", "1770681870"):
        assert _kept(jt, f"frontend/public/image_models/Kandinsky/output_{n}.png") == ("generated", "kandinsky-5"), n
    for n in ("1770685655", "1770686034", "1770686265", "1770686374", "1770686614"):
        assert _kept(jt, f"frontend/public/image_models/z_image_turbo/output_{n}.png") == ("generated", "z-image-turbo")
    for out in ("Kandinsky/output_1768432465.png", "Kandinsky/output_1770684271.png", "glm_image/output_1770699417.png",
                "qwen_image/output_1770701801.png", "black_forest_flux2/flux2_output_1769298330.png",
                "black_forest_flux1/output_1770692634.png", "PixArt_alpha/output_1770676872.png",
                "Anima/output_1770679143.png", "stable_diffusion/output_1770690332.png"):
        assert _kept(jt, f"frontend/public/image_models/{out}") is None, out
    sj = _src11("Sandjab/rp")
    for name, fam in (("imagen4_16x9", "imagen-4"), ("imagen4_fast", "imagen-4-fast"),
                      ("imagen4_ultra", "imagen-4-ultra"), ("nano_banana", "nano-banana"),
                      ("nano_banana_2", "nano-banana-2")):
        assert _kept(sj, f"assets/image-models/test_{name}.png") == ("generated", fam), name
    for out in ("assets/image-models/test_imagen4.png", "assets/image-models/test_nano_banana_pro.png", "image.png"):
        assert _kept(sj, out) is None, out
    cu = _src11("kevinshowkat/cue")
    base = "desktop/src/assets/onboarding/aesthetic/"
    for name, fam in (("gemini-3-pro-image-preview.png", "nano-banana-pro"), ("gpt-image-1.5.jpg", "gpt-image-1.5"),
                      ("flux-2-max.jpeg", "flux-2-max"), ("flux-2-flex.png", "flux-2-flex")):
        assert _kept(cu, base + name) == ("generated", fam), name
    for out in ("desktop/src/assets/logo.jpeg", "desktop/src/assets/onboarding/openrouter_logo_mark.svg"):
        assert _kept(cu, out) is None, out
    fl = _src11("CodeAlexx/inference-flame")
    for name, fam in (("boogu_sample", "boogu-image"), ("ernie_image_sample", "ernie-image"),
                      ("klein9b_sample", "flux-2-klein-9b"), ("nucleus_sample", "nucleus-image"),
                      ("qwenimage_sample", "qwen-image-2512"), ("sensenova_u1_sample", "sensenova-u1"),
                      ("sensenova_u1_think_jacket", "sensenova-u1"), ("sensenova_u1_chat_to_t2i", "sensenova-u1"),
                      ("zimage_sample", "z-image-turbo")):
        assert _kept(fl, f"docs/{name}.png") == ("generated", fam), name
    for out in ("docs/ideogram4_sample.png", "docs/anima_sample.png", "docs/chroma_sample.png",
                "docs/klein9b_edit_sample.png", "docs/klein_edit_source.png", "docs/qwenimage_edit_2511_sample.png",
                "docs/ltx2_sample.png", "docs/motif_sample.png", "docs/inference_ui_qwenimage.png",
                "docs/sensenova_u1_chat_input_astronaut.jpg", "docs/sensenova_u1_vqa_input_nails.png",
                "docs/sdxl_sample.png", "docs/sd3_large_sample.png", "docs/cascade_sample.png", "docs/flux1_sample.png",
                "assets/asymflux2_green_eye.png"):
        assert _kept(fl, out) is None, out


def test_eleventh_set_real_rules_keep_the_photographers_photos_and_nothing_else():
    bz = _src11("butzhang/photo-portfolio")
    for path in ("public/photos/sf_trail/R0001049_small.jpg", "public/photos/donghu/leica526 1_sm_web_use.jpg",
                 "public/photos/grant green/L1010379_sm_web_use.jpg"):
        assert _kept(bz, path) == ("authentic", "fresh-conf11"), path
    for out in ("public/selfie.jpg", "public/test-image.jpg", "public/photos/divided_by/house.jpg",  # absent blob
                "public/photos/street_select/_1011794_sm_web_use.jpg", "public/favicon.ico"):
        assert _kept(bz, out) is None, out
    tu = _src11("TulkasAstaldo/That-Macro-Guy-Photo-Portfolio")
    for path in ("public/images/bee.jpg", "public/images/IMG_2797.jpg", "public/images/storm.jpg"):
        assert _kept(tu, path) == ("authentic", "fresh-conf11"), path
    for out in ("public/images/PSX_20200203_173825-168150.jpg",  # a phone-editor composite
                "public/images/1.jpg", "public/images/eye3.jpg",  # absent blobs
                "src/images/bee.jpg", "src/images/done/IMG_1413-167.jpg"):  # the same photos again
        assert _kept(tu, out) is None, out
    al = _src11("Alestaubin/Photography-Website-V2")
    for path in ("client/src/images/OAP/OAP-favs-1.jpg", "client/src/images/OAP/OAP-favs-51.jpg"):
        assert _kept(al, path) == ("authentic", "fresh-conf11"), path
    for out in ("client/public/logo192.png", "client/node_modules/serve-index/public/icons/page_white.png"):
        assert _kept(al, out) is None, out
