"""A fresh CONFIRMATION set for the generation detectors (issue 18, session 12): pictures no fit, threshold or rule
of this project has read, to decide between two refits whose difference was seen on the validation split.

Why: N3 (the uncapped GPT-4o training) called more unseen-family pictures than the shipped N3x on the validation
split, but that split had already been used to judge them; the only honest comparison is a set neither has been
judged on (a confirmation set in the sense of a held-out test set used once, after the model choice is fixed).

Every picture here goes to the ``val`` split (nothing is trained on), with the SAME processing chain as the set's
validation pictures (``generation_data.process`` seeded by the record id: the ``proc`` view; no robustness copies
are written — they are not scored by the confirmation rule), the evaluation guard on the extracted pictures and on
the processed views, and near-duplicates dropped against the set's kept pictures and every picture of
``../shared/datasets`` (``gen_sources_s12.extend_s12``).

GENERATED (``CONF_GENERATED``), only pictures whose generator the source states per picture, photoreal subjects only,
from repositories no source list of the project reads:

- ``velokey-ai/awesome-seedream-5.0-pro-prompts``: a prompt collection for ByteDance's Seedream 5.0 Pro whose every
  entry carries ``model: seedream-5.0-pro`` (``data/prompts.yaml``); the portrait / product / photographic-style
  entries only, and only entries with no comparison note ("对比 GPT Image 2 / Nano Banana Pro": which of their
  pictures is which model is not stated), the designed sneaker advert (No. 8) left out; family ``seedream-5``;
- ``songguoxs/gpt4o-image-prompts``: the cases whose heading states ``模型：Grok`` (seven; the pencil-sketch
  composite, case 675, left out as not photoreal) and the one case stated ``模型：通义Z-Image-Turbo`` (a family not in
  training); its 425 cases of unstated model and its Nano Banana Pro cases (a training family) left out;
- ``imaginevid-ai/Awesome-seedream-5-pro-prompts-and-skills``: two official Seedream 5.0 Pro output pictures
  (case 15's output, case 17); the GIF edit demonstrations, before/after pairs, the Pro-vs-Lite comparison (case 16)
  and poster / sign / concept-art cases left out.

REAL (``CONF_REAL``), all ``authentic``, source key ``fresh-conf`` (one real source for the report; each repository
reported on its own): a photographer's portfolio (``paussaanz/photography-portfolio``: travel, music, sports,
lifestyle photographs; the covers with lettering and the about picture left out), two small photographers' sites
(``sokimiso/photography-portfolio``: portraits, school groups, weddings; ``LFT91/photography-portfolio``: landscape
photographs), and the stock photos of four website themes not read by ``gen_sources_stock`` / ``gen_sources_s12``
(``themefisher/eventre-bootstrap``, ``themefisher/constra-bootstrap``, ``themefisher/restaurant-hugo``,
``themefisher/kross-hugo``; logos, icons, client marks, cut-outs on white and pattern backgrounds left out). At most
``CAP_PER_REPO`` pictures of one repository (fixed before any count or score).

SECOND SET (session 13; ``CONF2_GENERATED`` / ``CONF2_REAL``, real key ``fresh-conf2``, tag ``s13conf``): the same
checks, cap, processing and dedupe (now also against session 12's confirmation pictures, which the copied set holds),
from repositories no source list reads — session 12's confirmation set included (``conf2_overlaps``):

- generated, all Flux (a held-out family, in three versions), model stated per picture or for the whole repository:
  ``VincentGourbin/flux-2-swift-mlx`` (the MLX port's own FLUX.2 [dev] / [klein] text-to-image examples; edits,
  denoising checkpoints, quantized near-copies, lettered comic pictures and training photos left out),
  ``XLabs-AI/x-flux`` (README outputs of XLabs' FLUX.1 [dev] realism LoRAs), ``filipstrand/mflux`` (the test suite's
  reference text-to-image outputs, model in the file name, at the last commit holding FLUX.1's; edits, image-to-image,
  ControlNet and other families left out) and ``kagura-agent/flux-prompt-gallery`` (every example "generated locally
  ... using Flux Schnell Q4 GGUF"; only its photographic subjects — interiors, food, flat-lays, products, landscapes);
- real: two photographers' sites (``kalandjl/photography-portfolio``: sports and portraits, posters and graphics left
  out; ``MattiaPARRINELLO/photography-portfolio``: phone and camera photos, at the commit that still held them) and
  the stock photos of three website themes (``themefisher/newsbit-bootstrap``, ``themefisher/medic-bootstrap``,
  ``themefisher/novena-bootstrap``; logos, designed thumbnails and cut-outs on white left out).

FIFTH SET (session 15; ``CONF5_GENERATED`` / ``CONF5_REAL``, real key ``fresh-conf5``, tag ``s15conf5``): the same checks,
processing and dedupe, from repositories no source list reads — the first four sets included (``set_overlaps("conf5")``):
GPT Image 2 (EvoLinkAI's community gallery, text-to-image portrait cases; a blind-vote site's photoreal matchups), Nano
Banana 2 (the same site's other side) and one HunyuanImage-3.0 example; real: a Fujifilm photoblog, a Portland
photographer's film / camera portfolio, a Formula Student engineer's phone photos, a phone-photo portfolio and a demo's
Pexels pet photos. At most 20 generated and 40 real pictures from one repository.

SIXTH SET (session 15; ``CONF6_GENERATED``, no real source, tag ``s15conf6``): generated pictures only, the same checks,
processing and dedupe, from repositories no source list reads — the first five sets included (``set_overlaps("conf6")``): a
blog's one-prompt comparison of six OpenRouter models (Nano Banana Pro, Nano Banana, Seedream 4.5, GPT-5 Image, GPT-5 Image
Mini, Riverflow V2 Pro), two MCP servers' README showcases (Imagen 4, Imagen 4 Ultra and Nano Banana; FLUX1.1 [pro],
Qwen-Image, Seedream 4.0 and Nano Banana), another MCP server's two Nano Banana 2 examples and a learning-notes page's
Imagen 4 and Nano Banana pictures. The model of every picture is stated by its source. At most 20 from one repository.

SEVENTH SET (session 15; ``CONF7_GENERATED`` + ``CONF7_REAL``, real key ``fresh-conf7``, tag ``s15conf7``): sealed for the
next session (built, closed and cached; no model scored it in session 15). The same checks, processing and dedupe, from
repositories no source list reads — the first six sets included (``set_overlaps("conf7")``). Generated: one author's Nano Banana
Pro prompt gallery (text-to-image entries only), a FLUX.2 launch kit's assets (the script that made them names FLUX.2
[max], [pro] or [klein] per picture), a photographer's FLUX.2 [klein] 9B workflow outputs and an MCP server's Nano
Banana 2 example. Real: five personal sites' camera and
phone photos (New Zealand car meets and coast, a student's nature and people photos, Fujifilm street photos, Aotearoa
bush and coast, iPhone / Canon photos of pets and Seattle). At most 20 generated and 40 real pictures from one repository.

EIGHTH SET (session 15; ``CONF8_GENERATED``, no real sources, tag ``s15conf8``): sealed for the next session (built,
closed and cached; no model scored it in session 15). The same checks, processing and dedupe, from repositories no
source list reads — the first seven sets included (``set_overlaps("conf8")``). Generated only: a text-to-image benchmark's
Z-Image-Turbo outputs (filed by model, each with its prompt) and the text-to-image examples / test goldens of two FLUX.2
[klein] 4B ports (the prompt and settings stated). At most 20 generated pictures from one repository.

NINTH SET (session 16; ``CONF9_GENERATED`` + ``CONF9_REAL``, real key ``fresh-conf9``, tag ``s16conf9``): sealed (built,
closed and cached; no model scores it until the lead declares a candidate rule for it). The same checks, processing and
dedupe, from repositories no source list reads — the first eight sets included (``set_overlaps("conf9")``). Generated: a
hosting benchmark's Qwen-Image outputs (each folder's script names its endpoint), a caching library's per-pipeline
baselines (Chroma1-HD, CogView4, Z-Image-Turbo, FLUX.2 [klein] 4B), a research report's GPT Image 1.5 and Grok Imagine
photos, a TensorRT port's Z-Image-Turbo demo and a batch command's Imagen 4 product photos. Real: four personal sites'
camera and phone photos (a Fujifilm photoblog, a Sony a6400 portfolio, Australian nature photos, travel and people photos).
At most 20 generated and 40 real pictures from one repository.

TENTH SET (session 16; ``CONF10_GENERATED`` + ``CONF10_REAL``, real key ``fresh-conf10``, tag ``s16conf10``): sealed
(built, closed and cached; no model scores it in session 16). The same checks, processing and dedupe, from repositories no
source list reads — the first nine sets included (``set_overlaps("conf10")``). Generated: a blog's one-prompt comparison of
2025 generators through fal (HiDream-I1, HunyuanImage 3, Imagen 4, Janus-Pro, CogView4, Seedream 3, Bria FIBO, Wan 2.5),
a GPT Image 2 prompt library's photographic previews, ERNIE-Image's photographic showcase pictures and a parody delivery
app's proof-of-delivery photos (each picture's model — GPT Image 2, FLUX.2 [max] or Seedream 4.5 — in its manifest).
Real: three photographers' sites (two Tokyo photographers' night and nature photos, a Finnish nature and travel
photographer, an event / portrait / wedding photographer). At most 20 generated and 40 real pictures from one repository.

ELEVENTH SET (session 16; ``CONF11_GENERATED`` + ``CONF11_REAL``, real key ``fresh-conf11``, tag ``s16conf11``): sealed
(built, closed and cached; no model scores it in session 16). The same checks, processing and dedupe, from repositories
no source list reads — the first ten sets included (``set_overlaps("conf11")``). Generated: an AI-content checker's per-model
test fixtures (one prompt through FLUX.2 [max], FLUX.2 [pro], GPT Image 1.5 and Nano Banana Pro), a personal site's
image-model showcase (Kandinsky 5.0 T2I Lite, Z-Image-Turbo), a project's Google image-model inventory (one prompt
through Imagen 4, Imagen 4 Fast, Imagen 4 Ultra, Nano Banana and Nano Banana 2), a desktop app's onboarding samples (one
interior prompt through Nano Banana Pro, GPT Image 1.5, FLUX.2 [max] and FLUX.2 [flex]) and a pure-Rust inference port's
per-model samples (Boogu-Image, ERNIE-Image, FLUX.2 [klein] 9B, Nucleus-Image, Qwen-Image-2512, SenseNova-U1, Z-Image).
Real: three photographers' sites (street and film photographs, macro and night photographs, an outdoor festival's event
photographs). At most 20 generated and 40 real pictures from one repository.

TWELFTH SET (session 17; ``CONF12_GENERATED`` + ``CONF12_REAL``, real key ``fresh-conf12``, tag ``s17conf12``): sealed
(built, closed and cached; no model scores it in session 17). The same checks, processing and dedupe, from repositories
no source list reads — the first eleven sets included (``set_overlaps("conf12")``). Generated: a blog's Nano Banana and
Nano Banana Pro posts, the notebooks of a Gemini image package (Nano Banana, Nano Banana Pro), a vendor blog's captioned
samples (Imagen 4 Ultra, Nano Banana 2, Seedream 5.0 Lite, Z-Image Turbo) and a prompt collection's Gemini-app pictures
(Nano Banana). Real: three photographers' sites (Beijing city, architecture, nature and film photographs; a portrait
studio's headshots; a portrait photographer's sessions). At most 20 generated and 40 real pictures from one repository.

Usage::

    python -m forgelens.training.gen_sources_conf --mirrors /work/.mirror --shared ../shared --out /work/gen-data-s12conf
    python -m forgelens.training.gen_sources_conf --set conf2 --mirrors /work/.mirror --shared ../shared \
        --out /work/gen-data-s13conf
    python -m forgelens.training.gen_sources_conf --set conf5 --mirrors /work/.mirror --shared ../shared \
        --out /work/gen-data-s15conf5
    python -m forgelens.training.gen_sources_conf --set conf6 --mirrors /work/.mirror --shared ../shared \
        --out /work/gen-data-s15conf6
    python -m forgelens.training.gen_sources_conf --set conf7 --mirrors /work/.mirror --shared ../shared \
        --out /work/gen-data-s15conf7
    python -m forgelens.training.gen_sources_conf --set conf8 --mirrors /work/.mirror --shared ../shared \
        --out /work/gen-data-s15conf8
    python -m forgelens.training.gen_sources_conf --set conf9 --mirrors /work/.mirror --shared ../shared \
        --out /work/gen-data-s16conf9
    python -m forgelens.training.gen_sources_conf --set conf10 --mirrors /work/.mirror --shared ../shared \
        --out /work/gen-data-s16conf10
    python -m forgelens.training.gen_sources_conf --set conf11 --mirrors /work/.mirror --shared ../shared \
        --out /work/gen-data-s16conf11
    python -m forgelens.training.gen_sources_conf --set conf12 --mirrors /work/.mirror --shared ../shared \
        --out /work/gen-data-s17conf12
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from forgelens.training import gen_sources_real as gsr
from forgelens.training import gen_sources_s12 as s12
from forgelens.training import generation_data as gd
from forgelens.training.generation_data import Source

R, G = "authentic", "generated"
#: Source key of the fresh real photographs (not a key any fit reads).
FAMILY_REAL = "fresh-conf"
TAG = "s12conf"
#: At most this many pictures from one repository (fixed before any count).
CAP_PER_REPO = 40
#: Generated families this set may hold: the held-out ones and families not in training.
CONF_GEN_FAMILIES = frozenset({"seedream-5", "grok", "z-image-turbo"})

_VELOKEY_ENTRIES = "1|3|9|10|13|16|19|23|25|26|27|31|35|37|38|40|41|45|47"

CONF_GENERATED: tuple[Source, ...] = (
    Source("velokey-ai/awesome-seedream-5.0-pro-prompts", "605800c70041465f5d5e9facdf1caaf7b5dc7140",
           "CC-BY-4.0 (README badge); community pictures with author attribution (README copyright note)",
           ((rf"^images/({_VELOKEY_ENTRIES})-\d\.jpg$", G, "seedream-5", "mixed"),), cap_per_family=CAP_PER_REPO),
    Source("songguoxs/gpt4o-image-prompts", "27ee9f06bcf7d1a0a0a82411a6f03a495f9ee1b0",
           "none stated (prompt collection; pictures from the credited X posts)",
           ((r"^images/(927|883|760|739|676|659|646)\.jpeg$", G, "grok", "mixed"),
            (r"^images/628\.jpeg$", G, "z-image-turbo", "mixed")), cap_per_family=CAP_PER_REPO),
    Source("imaginevid-ai/Awesome-seedream-5-pro-prompts-and-skills", "3b459864a7e81cfdaed8f943df5086c1b924bff9",
           "CC-BY-4.0 (LICENSE, (c) 2026 ImagineVid); official Seedream 5.0 Pro cases",
           ((r"^public/official-cases/case-(15-seven-reference-output|17-cinematic-boxing-action)\.png$", G,
             "seedream-5", "mixed"),), cap_per_family=CAP_PER_REPO),
)


def _real(repo: str, commit: str, licence: str, pattern: str, style: str, exclude: str = r"$^",
          family: str = FAMILY_REAL) -> Source:
    """A real confirmation source: one rule, label real, the set's real source key ``family``, capped."""
    return Source(repo, commit, licence, ((pattern, R, family, style),), exclude=exclude,
                  cap_per_family=CAP_PER_REPO)


CONF_REAL: tuple[Source, ...] = (
    _real("paussaanz/photography-portfolio", "c5b934841bbd8552f666b242e60b3b58047c143e",
          "none stated (a photographer's portfolio site)",
          r"^public/images/hi/(dolomites|greece|lifestyle|music|nature|photoshoots|sports|tanzania)-\d+\.webp$",
          "stock"),
    _real("sokimiso/photography-portfolio", "8f73a384d19254a079f4e6af1ee8ee132cbeb26d",
          "none stated (a photographer's portfolio site)", r"^frontend/public/(portfolio|hero)/.+\.(jpe?g|webp)$",
          "stock"),
    _real("LFT91/photography-portfolio", "9528d031327289e34fa598829277eba3a68f7b46",
          "none stated (a photographer's portfolio site)", r"^assets/images/[^/]+\.(jpe?g|JPG)$", "stock"),
    _real("themefisher/eventre-bootstrap", "52a36e69d603715d43fdd1cb831f3cb4efcdd27d",
          "MIT (repository); theme demo stock photos", r"^source/images/(gallery|news|background|speakers)/[^/]+\.jpg$",
          "stock", exclude=r"pattern-background|post-thumb-sm|speaker-thumb"),
    _real("themefisher/constra-bootstrap", "d75c9a80d13618031f78aa5abbd2c5e3ac592402",
          "MIT (repository); theme demo stock photos", r"^source/images/.+\.jpg$", "stock",
          exclude=r"icon-image|clients"),
    _real("themefisher/restaurant-hugo", "253b473d7924677cd75c434c15f692a504f60d5c",
          "MIT (repository); theme demo stock photos", r"^exampleSite/static/images/.+\.jpg$", "stock"),
    _real("themefisher/kross-hugo", "0ce40db533137c67b325647be65102b0d5c4936c",
          "MIT (repository); theme demo stock photos",
          r"^exampleSite/assets/images/(about/author\.jpg|blog/post-\d+\.jpg|portfolio/item-\d+\.png)$", "stock"),
)


def check_conf_sources(generated: tuple[Source, ...] = CONF_GENERATED, real: tuple[Source, ...] = CONF_REAL, *,
                       families: frozenset[str] | None = None, real_key: str = FAMILY_REAL) -> None:
    """Refuse an unpinned or unlicensed source, a reserved repository, a generated rule outside ``families``
    (default ``CONF_GEN_FAMILIES``) or a real rule that is not an authentic ``real_key`` picture."""
    families = CONF_GEN_FAMILIES if families is None else families
    gsr.check_provenance(generated + real)
    for s in generated:
        for _p, label, family, _style in s.rules:
            if label != G or family not in families:
                raise ValueError(f"{s.repo}: {label} / {family} is not a confirmation generated rule")
    for s in real:
        for _p, label, family, _style in s.rules:
            if label != R or family != real_key:
                raise ValueError(f"{s.repo}: {label} / {family} is not a {real_key} rule")


def conf_overlaps() -> set[str]:
    """Repositories of this set that any other source list reads (rounds 1 and 2 of session 12 included) or that
    appear twice: must stay empty."""
    mine = CONF_GENERATED + CONF_REAL
    repos = [s.repo for s in mine]
    twice = {r for r in repos if repos.count(r) > 1}
    return s12.overlapping_repositories(mine, s12.REAL_SOURCES + s12.GENERATED_SOURCES + s12.REAL_STYLE_SOURCES) | twice


# --- Session 13: a second fresh confirmation set (``CONF2_*``), built the same way, from repositories that no source
# list of the project (session 12's confirmation set included) reads. Same checks, same cap, every picture to ``val``.

#: Source key of the second set's fresh real photographs (not a key any fit reads).
FAMILY_REAL2 = "fresh-conf2"
TAG2 = "s13conf"
#: Generated families the second set may hold: Flux in three versions (FLUX.1 [dev] and [schnell], FLUX.2 — Flux of
#: any version is a held-out family). Bria FIBO (cartoon renders only) and Krea 2 (one picture, not at the pinned
#: commit) were looked at and left out.
CONF2_GEN_FAMILIES = frozenset({"flux-1-dev", "flux-1-schnell", "flux-2"})

_VG_FLUX2 = (r"^docs/examples/(quantization-benchmark/images/(dev|klein4b|klein9b)_bf16"
             r"|flux2-dev/cat_beach_standard/final"
             r"|flux2-klein-4b/klein_4b/(beaver_1024|eagle_1536x1024)"
             r"|flux2-klein-9b/klein_9b/(beaver_1024|eagle_1536x1024)"
             r"|flux2-klein-9b-kv/klein_9b_kv/(beaver_512|fox_photo)"
             r"|lora_turbo/(output|standard_28steps)"
             r"|vlm-scoring/(baseline|step100)_prompt[01]|profiling_output/profiled_output"
             r"|small-decoder/images/klein4b_standard_vae|evaluate-lora/cattoy_baseline"
             r"|cat-toy-results/progression/step_000_notrigger)\.png$")

_KAGURA = (r"^(assets/batch3/14-interior-(japanese-bedroom|scandinavian-living)"
           r"|assets/promptbase-examples/batch2/(09-food-(avocado|ramen)|10-flatlay-(artist|tech))"
           r"|assets/promptbase-examples/p2-wallpaper/example-[124]|assets/promptbase-examples/p4-product-photo/example-[1-4]"
           r"|examples/product-photo/product-perfume|examples/food/09-food-ramen|examples/wallpaper/wallpaper-enchanted)\.png$")

CONF2_GENERATED: tuple[Source, ...] = (
    Source("VincentGourbin/flux-2-swift-mlx", "7770e93e9546aeb76e61a0662cf2c69ec33dbade",
           "MIT ((c) 2025 Vincent Gourbin); the port's own FLUX.2 [dev] / [klein] 4B / 9B example outputs",
           ((_VG_FLUX2, G, "flux-2", "mixed"),), cap_per_family=CAP_PER_REPO),
    Source("XLabs-AI/x-flux", "47495425dbed499be1e8e5a6e52628b07349cba2",
           "Apache-2.0 (LICENSE); README example outputs of XLabs' FLUX.1 [dev] LoRAs",
           ((r"^assets/readme/examples/(picture-[567]-rev1|result_13)\.png$", G, "flux-1-dev", "mixed"),),
           cap_per_family=CAP_PER_REPO),
    Source("filipstrand/mflux", "a9625b1a3e08b3a6e74f6d460228228cc7c5c299",
           "MIT (LICENSE); the test suite's reference text-to-image outputs, model stated in the file name "
           "(the commit before FLUX.1's tests were removed)",
           ((r"^tests/resources/reference_(dev|dev_lora|dev_lora_multiple)\.png$", G, "flux-1-dev", "mixed"),
            (r"^tests/resources/reference_schnell\.png$", G, "flux-1-schnell", "mixed"),
            (r"^tests/resources/reference_flux2_klein(_9b)?_tiger_swim\.png$", G, "flux-2", "mixed")),
           cap_per_family=CAP_PER_REPO),
    Source("kagura-agent/flux-prompt-gallery", "71d445d620399cb4066685765a02c16139495f58",
           "prompts free to use; example images 'generated outputs, use them as reference, not as redistributable "
           "assets' (README); every example generated with Flux Schnell Q4 GGUF (README)",
           ((_KAGURA, G, "flux-1-schnell", "mixed"),), cap_per_family=CAP_PER_REPO),
)


_real2 = functools.partial(_real, family=FAMILY_REAL2)  # the second set's real sources


CONF2_REAL: tuple[Source, ...] = (
    _real2("kalandjl/photography-portfolio", "f9a14b2d317c07234b94d0db2aef97306c8c0b62",
           "none stated (a sports / portrait photographer's site)",
           r"^public/(pictures|portraits|testimonials)/.+\.(jpe?g|JPG|png)$", "stock",
           exclude=r"BCSS 2025 media|Jmai\.png"),
    _real2("MattiaPARRINELLO/photography-portfolio", "cd800e287c38c4725dae5a3fa3d77fe6b05dcdc6",
           "none stated (a photographer's site; phone and camera photos)", r"^photos/(thumbnails/)?[^/]+\.jpe?g$",
           "stock"),
    _real2("themefisher/newsbit-bootstrap", "9ebd17f617825c3e9db4638a428d6084a566a5fe",
           "MIT (LICENSE); theme demo stock photos",
           r"^source/images/(news/(news-\d+|img-\d+)\.jpg|news/video-thumb/thumb-06\.jpg|team/team-\d\.jpg)$", "stock"),
    _real2("themefisher/medic-bootstrap", "a3ad508c134804aeb9b6e41c96e9b1913cff493f",
           "MIT (LICENSE); theme demo stock photos",
           r"^source/images/(about|background|blog|gallery|services|slider|testimonials)/[^/]+\.jpg$", "stock",
           exclude=r"background/3\.jpg|post-thumb"),
    _real2("themefisher/novena-bootstrap", "429c4c7c36a7cb3c0ae3073106a19086dd23d6fb",
           "MIT (LICENSE); theme demo stock photos", r"^source/images/(about|bg|blog|service|team)/[^/]+\.jpg$",
           "stock"),
)


def check_conf2_sources(generated: tuple[Source, ...] = CONF2_GENERATED,
                        real: tuple[Source, ...] = CONF2_REAL) -> None:
    """``check_conf_sources`` for the second set: generated rules in ``CONF2_GEN_FAMILIES``, real rules authentic
    ``fresh-conf2`` pictures."""
    check_conf_sources(generated, real, families=CONF2_GEN_FAMILIES, real_key=FAMILY_REAL2)


def conf2_overlaps() -> set[str]:
    """Repositories of the second set that any other source list reads — session 12's confirmation set
    included — or that appear twice: must stay empty."""
    mine = CONF2_GENERATED + CONF2_REAL
    repos = [s.repo for s in mine]
    twice = {r for r in repos if repos.count(r) > 1}
    return s12.overlapping_repositories(
        mine, s12.REAL_SOURCES + s12.GENERATED_SOURCES + s12.REAL_STYLE_SOURCES + CONF_GENERATED + CONF_REAL) | twice


# --- Session 14: a third fresh confirmation set (``CONF3_*``), built the same way, from repositories that no source
# list of the project (the first two confirmation sets included) reads. Same checks, same cap, every picture to ``val``.

#: Source key of the third set's fresh real photographs (not a key any fit reads).
FAMILY_REAL3 = "fresh-conf3"
TAG3 = "s14conf3"
#: Generated families the third set may hold: current generators as users meet them, any family (the lead's brief,
#: session 14) — GPT Image 2 is a training family, Z-Image (base / distill LoRA) and Z-Image-Turbo are not.
CONF3_GEN_FAMILIES = frozenset({"gpt-image-2", "z-image", "z-image-turbo"})

#: HiAPIAI's GPT Image 2 gallery: photoreal portraits (the two 3x3 contact grids 12 / 13, the cosplay picture with a
#: phone-UI panel 8 and the lettered desk poster 18 left out), the portrait-photography cases 19-26 and the
#: e-commerce product photos 1-20 (the HiAPI team's own runs); posters, UI mockups, character sheets, ad creatives, the
#: comparison cases (model per picture not certain) and the community-reference pictures left out.
_HIAPI = (r"^images/(portrait_case([1-79]|1[014-7])|portrait_photography_case(19|2[0-6])"
          r"|e_commerce_case([1-9]|1\d|20))/output\.(jpg|png)$")
CONF3_GENERATED: tuple[Source, ...] = (
    Source("HiAPIAI/awesome-gpt-image-2-prompts", "92ed9bcd93a93e036edd6244e76668a437985743",
           "CC-BY-4.0 (LICENSE) for HiAPI's own parts and examples; community pictures remain their authors' "
           "(NOTICE.md); every case generated with gpt-image-2 (the gallery's per-case m=gpt-image-2 link)",
           ((_HIAPI, G, "gpt-image-2", "mixed"),), cap_per_family=CAP_PER_REPO),
    Source("zhutao100/Z-Image.swift", "868fbeb539ca0b32aa4d5d6daefefb0f10b707d8",
           "none stated (a Swift / MLX port of Z-Image); the README's own example outputs, model in the file name",
           ((r"^examples/z-image(-distill)?(-control-(canny|depth|hed|pose))?\.png$", G, "z-image", "mixed"),
            (r"^examples/z-image-turbo(-lokr|-control-(canny|depth|hed|pose))?\.png$", G, "z-image-turbo", "mixed")),
           cap_per_family=CAP_PER_REPO),
    Source("SamuelTallet/Z-Image-Turbo-Windows", "04d6f559bb78b709d82c1e609f0c1c56ea18701f",
           "GPL-3.0 (LICENSE); the README's gallery 'generated using ZPix', added 2026-01-08 with the first release, "
           "when the app ran Z-Image-Turbo only (FLUX.2 [klein] support came 2026-03-23)",
           ((r"^docs/gallery/originals/image[013567]\.png$", G, "z-image-turbo", "mixed"),),
           cap_per_family=CAP_PER_REPO),
    Source("mneves75/z-image-mps-swift", "873268b30da0ff2bc95b95406d54d58bb337c2ba",
           "MIT (LICENSE); the README's two example outputs of Tongyi-MAI/Z-Image-Turbo",
           ((r"^(magicalforest|sample)\.png$", G, "z-image-turbo", "mixed"),), cap_per_family=CAP_PER_REPO),
)


_real3 = functools.partial(_real, family=FAMILY_REAL3)  # the third set's real sources


CONF3_REAL: tuple[Source, ...] = (
    _real3("herschel666/photoblog", "b1b53b3346d12982f08623b61c96662dc5f69263",
           "MIT (LICENSE: the Gatsby starter's code); photos none stated (the author's travel photoblog, 2015-2018)",
           r"^_sets/[^/]+/[^/]+\.(jpe?g|JPG)$", "stock"),
    _real3("hey-nicolasklein/photography-portfolio", "980f9577eb2b1ace7067f04a1fe0236d92d2fb0b",
           "none stated (a photographer's portfolio: concerts, football, portraits, street)",
           r"^public/images/(stories|gallery|portfolio)/[^/]+\.(webp|jpe?g)$", "stock"),
    _real3("ThomasGerasis/photography-portfolio", "2c84793a75ce97133352bd83bb19750ef869562b",
           "none stated (a photographer's WordPress theme; stock-style portraits and street photos)",
           r"^Source/wp-content/themes/vasakos/assets/(bg-img/[^/]+\.jpg"
           r"|images/(bg-home|bg-homepage|bg-slider\d|bg_contact|about-me|industry)\.jpg)$", "stock"),
    _real3("themefisher/wishfund-bulma", "962c7b673c3e1fcc2c657ab367716ec232fd522f",
           "MIT (LICENSE); theme demo stock photos", r"^source/images/(about|bg|blog|gallery|team)/[^/]+\.(jpg|png)$",
           "stock", exclude=r"about/(fiver1\.jpg|img-2\.png)|bg/worldmap|blog/gallery-\d|logo"),
    _real3("themefisher/rappo-bootstrap", "d6a08092875a234fbd9755fb38b020d72d96e9e8",
           "MIT (LICENSE); theme demo stock photos",
           r"^source/images/(banner|bg|blog|process|projects|service|work)/[^/]+\.jpg$", "stock",
           exclude=r"bg/10\.jpg|banner/p-4\.jpg"),
    _real3("themefisher/timer-hugo", "9d78ba6a0dc9a41fc0282e40385eccc9c193799f",
           "MIT (LICENSE); theme demo stock photos",
           r"^exampleSite/assets/images/(about/about-company|author/(author|author-bg)|blog/post-\d|slider|team"
           r"|team/team-\d)\.jpg$", "stock"),
    _real3("themefisher/classimax-bootstrap", "97577ca04bf4ee736ab2f902f82f9a85e9b24e12",
           "MIT (LICENSE); theme demo stock photos",
           r"^source/images/(about/about|blog/post-[1-5]|call-to-action/cta-background|home/hero"
           r"|description/subscription-back|team/team[1-4]|user/user-thumb)\.jpg$", "stock"),
)


def check_conf3_sources(generated: tuple[Source, ...] = CONF3_GENERATED,
                        real: tuple[Source, ...] = CONF3_REAL) -> None:
    """``check_conf_sources`` for the third set: generated rules in ``CONF3_GEN_FAMILIES``, real rules authentic
    ``fresh-conf3`` pictures."""
    check_conf_sources(generated, real, families=CONF3_GEN_FAMILIES, real_key=FAMILY_REAL3)


def all_source_lists(skip: frozenset[str] = frozenset()) -> tuple[Source, ...]:
    """Every ``Source`` of every source-list module of ``forgelens.training`` (``generation_data`` and each
    ``gen_sources_*`` module, this one included), found by name at call time: the session-13 / 14 lists import this
    module, so importing them here would make an import circle; a list added later is covered without an edit. The
    names in ``skip`` (a set's own lists, in this module) are left out — by name, not by object: run as ``__main__``
    this module is loaded twice, and a source listed in two lists is still seen in the other."""
    import importlib
    import pkgutil

    import forgelens.training as pkg

    names = ["generation_data"] + sorted(m.name for m in pkgutil.iter_modules(pkg.__path__)
                                         if m.name.startswith("gen_sources_"))
    found: list[Source] = []
    for name in names:
        for key, v in vars(importlib.import_module(f"forgelens.training.{name}")).items():
            if name == "gen_sources_conf" and key in skip:
                continue
            if isinstance(v, Source):
                found.append(v)
            elif isinstance(v, tuple) and v and all(isinstance(x, Source) for x in v):
                found.extend(v)
    return tuple(found)


def _set_overlaps(generated: tuple[Source, ...], real: tuple[Source, ...], names: frozenset[str]) -> set[str]:
    """Repositories of one confirmation set (its lists named ``names``) that any other source list of the project reads
    (``all_source_lists``: the other confirmation sets and every training list included), or that appear twice."""
    repos = [s.repo for s in generated + real]
    twice = {r for r in repos if repos.count(r) > 1}
    read = {s.repo.lower() for s in all_source_lists(names)}
    return {r for r in repos if r.lower() in read} | twice


def conf3_overlaps() -> set[str]:
    """Repositories of the third set that any other source list of the project reads (``all_source_lists``, the first
    two confirmation sets and every training list included), or that appear twice: must stay empty."""
    return _set_overlaps(CONF3_GENERATED, CONF3_REAL, frozenset({"CONF3_GENERATED", "CONF3_REAL"}))


# --- Session 14, round 4: a fourth fresh confirmation set (``CONF4_*``), built the same way, from repositories that no
# source list of the project (the first three confirmation sets included) reads. Same checks and processing, every picture
# to ``val``; at most ``CAP4_GEN_PER_REPO`` generated pictures from one repository (the lead's brief, fixed before any count).

#: Source key of the fourth set's fresh real photographs (not a key any fit reads).
FAMILY_REAL4 = "fresh-conf4"
TAG4 = "s14conf4"
#: At most this many generated pictures from one repository (the brief: at most 20 from one repository).
CAP4_GEN_PER_REPO = 20
#: Generated families the fourth set may hold: GPT Image 2 and Nano Banana Pro (training families), Ideogram 4 (not).
CONF4_GEN_FAMILIES = frozenset({"gpt-image-2", "nano-banana-pro", "ideogram-4"})

#: joesaiw1208-stack's GPT Image 2 commercial examples: the first 20, in name order, of the photoreal product / still-life /
#: interior / on-model pictures; posters, banners, collages, landing pages, infographics, lookbook grids, UI / SaaS pages,
#: billboards, the lettered window display and the lettered social covers left out.
_JOESAIW = (r"^assets/examples/(beauty-campaign-kv-editorial|boot-craftsmanship-vertical-launch"
            r"|boutique-hotel-lobby-editorial|bridal-ring-macro-detail|chef-tasting-menu-plating-campaign"
            r"|clean-supplement-packshot|clinical-beauty-dropper-detail|editorial-fashion-flatlay"
            r"|fine-fragrance-obsidian-hero|flagship-smartphone-cinematic-launch|footwear-floating-hero"
            r"|haute-jewelry-maison-salon|haute-parfum-nocturne-series|heritage-leather-goods-maison-hero"
            r"|holiday-gift-box-hero|horology-maison-midnight-atelier|kitchen-appliance-countertop-demo"
            r"|luxury-editorial-bookshelf-scene|luxury-ev-night-showroom|luxury-handbag-shelf-hero)\.png$")
#: AzhuTech's GPT Image 2 gallery (``catalog/prompts.json``: ``model: gpt-image-2`` for every entry): the photoreal
#: cinematic-film, beauty-photography and commercial outputs; game art, anime, mascots, icons, stickers, diagrams, the SaaS
#: hero and the lettered packaging system left out.
_AZHU = (r"^assets/generated/(architectural-concept|beauty-golden-hour-portrait|desert-chase-frame|editorial-header"
         r"|neon-beauty-editorial|noir-detective-still|period-drama-window|product-hero|rainy-window-portrait"
         r"|space-opera-bridge|vintage-film-model)\.png$")
#: muset-ai's Nano Banana Pro gallery: text-to-image cases only (no ``reference_images`` in ``case.yml``), photoreal
#: Cinematic-Photo / Physics / Multi-Character cases; the cases 93-113 (some titled "Nano Banana 2": the model of that
#: batch is not certain), lettered signs / newspapers / labels, CCTV overlays, grids, comics and stylized renders left out.
_MUSET = (r"^cases/(1/case\.jpg|(8|14|15|19|21|27|28|30|31)/case\.png|134/216\.output\.1\.jpg"
          r"|(143/309|144/310|148/314|150/316|151/317)\.output\.1\.JPG|166/111\.output\.1\.webp)$")

CONF4_GENERATED: tuple[Source, ...] = (
    Source("joesaiw1208-stack/awesome-gpt-image-2-commercial-prompts", "6f9b01fd21efbc05cfdde1176fc988013d3c4a9b",
           "MIT (LICENSE); the repository's own GPT-Image-2 example outputs (CONTRIBUTING: 'example outputs generated "
           "from prompts in this repo')",
           ((_JOESAIW, G, "gpt-image-2", "mixed"),), cap_per_family=CAP4_GEN_PER_REPO),
    Source("AzhuTech/awesome-gpt-image-2-prompts", "fbe97c2f3f13e6dbd10c46f9b566524f248647b0",
           "CC0-1.0 (LICENSE); generated demo images, model gpt-image-2 per entry (catalog/prompts.json)",
           ((_AZHU, G, "gpt-image-2", "mixed"),), cap_per_family=CAP4_GEN_PER_REPO),
    Source("muset-ai/awesome-nano-banana-pro", "73a8b7daf15b2b6f8a08451df3f7372203ca8430",
           "CC-BY-4.0 (LICENSE); community pictures credited per case (ATTRIBUTION.yml); images generated by "
           "Nano-Banana-Pro (README)",
           ((_MUSET, G, "nano-banana-pro", "mixed"),), cap_per_family=CAP4_GEN_PER_REPO),
    Source("haxlys/ideogram4-mps", "c945f95f81982321c425041adf5f307a617e546d",
           "MIT (LICENSE); the README's example outputs of Ideogram 4 (MLX / mflux runtime)",
           ((r"^examples/result(_village)?\.png$", G, "ideogram-4", "mixed"),), cap_per_family=CAP4_GEN_PER_REPO),
)


_real4 = functools.partial(_real, family=FAMILY_REAL4)  # the fourth set's real sources


CONF4_REAL: tuple[Source, ...] = (
    _real4("k1monfared/photoblog", "986948753d095002c473b72fb771d5acef7351f4",
           "Unlicense (LICENSE: public domain); the author's camera photos (birds, animals, Victoria BC street scenes)",
           r"^gallery/IMG_\d*[0-3]\.png$", "stock"),
    _real4("MaximMurphy/photography-portfolio", "cd9bc13cd84d6601f57bc03ae9d17f4872a422a5",
           "none stated (a photographer's film travel photos: California, France, Ireland, Maryland, Mexico, Ohio, UK)",
           r"^public/photos/[^/]+/[^/]+\.webp$", "stock"),
    _real4("Fady7618/Photography-Portfolio", "9e706a0934eb650551de5a1050ad8ed6a848ebfc",
           "none stated (a photography site's Unsplash stock photos of graduations and weddings, photographers credited "
           "in the file names)", r"^public/(events|wedding)/[^/]+\.(jpe?g|webp)$", "stock"),
    _real4("imarcowenzel/exposure-photoblog", "e28b59384b273a6e4cc36676be501574c9ecb2c6",
           "none stated (a photoblog demo's stock photos: portraits, pets, a landscape)", r"^public/[^/]+\.jpe?g$",
           "stock"),
    _real4("mallocs/photoblog", "2fa4c2c918d35e02eb8218a0de7e1da0ebe595a9",
           "none stated (the author's phone photos of sunsets and snow; the demo's goat author pictures)",
           r"^public/(assets/authors/(billy|harold|joe|tim)\.jpeg|posts/[^/]+/IMG_\d+\.JPG)$", "stock"),
    _real4("tosia921/Lekawa-Photography-Portfolio", "2fba82cede6d347b7de661a4452d699869b52626",
           "none stated (a portrait photographer's site)",
           r"^nextjs-frontend/public/images/(LandingPageDesktop|ManInSuitHome|WomenYellowTopHome|alicjaHome|gray[12]"
           r"|image[1-4]-min)\.jpg$", "stock"),
    _real4("theHoracle/Photography-portfolio", "cd554fc3f0661df27a9e78543bb992ed09490b6a",
           "none stated (a portrait photographer's site: studio portraits, concert and awards press-like photos)",
           r"^public/(gallery|img)/[^/]+\.(jpe?g|webp)$", "stock"),
)


def check_conf4_sources(generated: tuple[Source, ...] = CONF4_GENERATED,
                        real: tuple[Source, ...] = CONF4_REAL) -> None:
    """``check_conf_sources`` for the fourth set: generated rules in ``CONF4_GEN_FAMILIES`` capped at
    ``CAP4_GEN_PER_REPO``, real rules authentic ``fresh-conf4`` pictures."""
    check_conf_sources(generated, real, families=CONF4_GEN_FAMILIES, real_key=FAMILY_REAL4)
    for s in generated:
        if s.cap_per_family is None or s.cap_per_family > CAP4_GEN_PER_REPO:
            raise ValueError(f"{s.repo}: more than {CAP4_GEN_PER_REPO} generated pictures allowed")


def conf4_overlaps() -> set[str]:
    """Repositories of the fourth set that any other source list of the project reads (``all_source_lists``: the first
    three confirmation sets and every training list included), or that appear twice: must stay empty."""
    return _set_overlaps(CONF4_GENERATED, CONF4_REAL, frozenset({"CONF4_GENERATED", "CONF4_REAL"}))


# --- Session 15: a fifth fresh confirmation set (``CONF5_*``), built the same way, from repositories that no source list
# of the project (the first four confirmation sets included) reads. Same checks and processing, every picture to ``val``;
# at most ``CAP4_GEN_PER_REPO`` generated pictures from one repository and ``CAP_PER_REPO`` real ones (the brief, fixed
# before any count).

#: Source key of the fifth set's fresh real photographs (not a key any fit reads).
FAMILY_REAL5 = "fresh-conf5"
TAG5 = "s15conf5"
#: Generated families the fifth set may hold: GPT Image 2 (a training family), Nano Banana 2 (not; Google's successor of
#: the Nano Banana line) and HunyuanImage 3.0 (a training family).
CONF5_GEN_FAMILIES = frozenset({"gpt-image-2", "nano-banana-2", "hunyuan-image-3"})

#: EvoLinkAI's GPT Image 2 gallery (community pictures from X, credited per case; every case is a GPT-Image-2 output):
#: text-to-image photoreal single pictures (an "Output" column only, no input picture) of ``cases/portrait.md`` and four
#: community examples of ``cases/comparison.md`` (cases 56, 61, 66, 69); portrait cases 1-26 left out (set 3's HiAPIAI
#: gallery holds copies of them: 11 of 11 tried were dropped as near-duplicates before the set closed), and grids,
#: collages, the labelled GPT-vs-Nano-Banana comparisons,
#: stylized / anime / engraved / cartoon renders, restored-photo cases (82, 83), captioned "news" pictures, magazine /
#: UI / product layouts and cases 111-116 (repeats of 100-106) left out.
_EVO = (r"^images/(portrait_case(27|28|30|81|86|88|97|98|99|101|102|104|105|106|107|108)"
        r"|case_case(96|101|110|113))/output\.jpg$")
#: mmd19999's blind GPT Image 2 vs Nano Banana 2 vote: matchups 1-4 (category "fotogercekcilik", photorealism: a cafe
#: portrait, an olive-oil product shot, a coffee macro, a street-food stall at night) are text-to-image; matchups 5-20
#: (lettering, design, reference-photo edits, handwriting, logos) left out.
_MMD = r"^public/images/matchups/[1-4]-"

CONF5_GENERATED: tuple[Source, ...] = (
    Source("EvoLinkAI/awesome-gpt-image-2-prompts", "5efa6c1b3626f83243b15cd6ef9a6b59acf890f1",
           "CC0-1.0 (LICENSE; the README badge says CC BY 4.0); community GPT-Image-2 pictures curated from X, "
           "credited per case (cases/portrait.md, cases/comparison.md)",
           ((_EVO, G, "gpt-image-2", "mixed"),),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("mmd19999/gpt-image2-vs-nano-banana2", "78aa616502395261c58bdc2e18f066006824c042",
           "none stated (a blind-vote site; model per file name: -gpt = GPT Image 2, -banana = Nano Banana 2; "
           "src/data/matchups.ts gives every prompt)",
           ((_MMD + r"gpt\.webp$", G, "gpt-image-2", "mixed"), (_MMD + r"banana\.webp$", G, "nano-banana-2", "mixed")),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("EricRollei/Comfy_HunyuanImage3", "e1caeb72f7dd445286c722e97d6c702d35fe7977",
           "CC-BY-NC-4.0 or commercial (LICENSE: dual licence); the node pack's own HunyuanImage-3.0 NF4 text-to-image "
           "example (Docs/examples)",
           ((r"^Docs/examples/HunyuanImage3-NF4-example1\.png$", G, "hunyuan-image-3", "mixed"),),
           cap_per_family=CAP4_GEN_PER_REPO),
)


_real5 = functools.partial(_real, family=FAMILY_REAL5)  # the fifth set's real sources


CONF5_REAL: tuple[Source, ...] = (
    _real5("nathanbirrell/natee.biz", "0a01d7a29d32a0fa6f43ccf54131c5336dbddc8c",
           "none stated (the author's own photos, 'mostly taken on my Fujifilm XE1': travel, surf, bikes, still lifes)",
           r"^src/content/photos/[^/]+\.jpe?g$", "stock"),
    _real5("GEEspinosa/GEEspinosa-photo-portfolio", "02573958193fd5f8d31cb0914eca8f8d0b1dba46",
           "none stated (a Portland photographer's film and camera photos: portraits, concerts, Butoh festival, "
           "coast, streets)", r"^public/images/[^/]+\.webp$", "stock"),
    _real5("luftaquila/luftaquila", "73175bbda7ea7c3e51543ccc002e20b7ee0145c7",
           "none stated (a student engineer's blog: phone photos of a Formula Student electric car, its electronics, "
           "the team, a server build)",
           r"^assets/posts/(dev|e-formula)/[^/]+/[^/]+\.jpg$", "stock",
           exclude=r"introduction/2\.jpg$|living-point/(main|zero_vs_null)\.jpg$|hv-introduction/precharge\.jpg$"
                   r"|oscilloscope_tau\.jpg$|monolith_pcb\.jpg$|telemetry-datalogger/(main|monolith)\.jpg$"),
    _real5("DmytroPI-dev/photo-portfolio", "d24cfa36842098b202713ee7aad8b1b9f5482bf2",
           "none stated (the author's phone photos: Krakow, butterflies, flowers, a dog)",
           r"^src/images/\d+\.(jpg|JPG)$", "stock"),
    _real5("GjjvdBurg/HugoPhotoSwipe-Demo", "25243ee0a9699672b4136d1295011d27fec978e0",
           "GPL-3.0 (repository); the demo's Pexels stock photos of cats and dogs (Pexels licence)",
           r"^src/photos/(cats|dogs)/photos/[^/]+\.jpe?g$", "stock"),
)


def _check_caps(generated: tuple[Source, ...], real: tuple[Source, ...]) -> None:
    """Every generated rule capped at ``CAP4_GEN_PER_REPO`` pictures per repository, every real rule at ``CAP_PER_REPO``."""
    for s in generated:
        if not s.cap_per_family or s.cap_per_family > CAP4_GEN_PER_REPO:
            raise ValueError(f"{s.repo}: more than {CAP4_GEN_PER_REPO} generated pictures allowed")
    for s in real:
        if not s.cap_per_family or s.cap_per_family > CAP_PER_REPO:
            raise ValueError(f"{s.repo}: more than {CAP_PER_REPO} real pictures allowed")



# --- Session 15, confirmation 6: a sixth fresh confirmation set (``CONF6_*``), built the same way, from repositories that no
# source list of the project (the first five confirmation sets included) reads. Same checks and processing, every picture to
# ``val``; at most ``CAP4_GEN_PER_REPO`` generated pictures from one repository (the brief, fixed before any count); no real
# source (set 5 already holds 147 real photos; the brief asks for real photos only where they come with a generated source).

#: Source key of the sixth set (no real picture is listed; kept for the checks' form).
FAMILY_REAL6 = "fresh-conf6"
TAG6 = "s15conf6"
#: Generated families the sixth set may hold: each picture's model is stated by its source (see ``CONF6_GENERATED``).
CONF6_GEN_FAMILIES = frozenset({"nano-banana-pro", "nano-banana", "nano-banana-2", "seedream-4.5", "seedream-4",
                                "gpt-5-image", "gpt-5-image-mini", "riverflow-v2-pro", "imagen-4", "imagen-4-ultra",
                                "flux-1.1-pro", "qwen-image"})

#: haskaomni's blog post "2026 AI image model comparison" (``docs/blog/ai-image-model-compare.md``, 2026-02-12): one
#: photographic portrait prompt sent through OpenRouter with default parameters to six models, one output per model, the
#: model named per picture in the post; the site's other pictures (covers, charts, screenshots) left out.
_HASKA = "^docs/public/images/compare-"
#: anand-92's MCP server showcase ("Animal + Spider-Man Raimi Suit Blends", photoreal cinematic renders, 16:9): the five
#: pictures in the snapshot, model in the file name and the README; the Gemini 3 Pro Image showcase pictures, the banner
#: and the celebrity pictures are absent from the snapshot (files over its size limit) and not listed.
_ANAND = "^showcase/examples/[a-z]+-spiderman-"
#: writingmate's MCP server README: "the same prompt" (a mountain lake at sunrise) through four models; the two other
#: ``examples/`` pictures (a dragon, a garden) state no model and are left out.
_WRITINGMATE = "^examples/comparison/"

CONF6_GENERATED: tuple[Source, ...] = (
    Source("haskaomni/my-site", "16e32213f7bdce35984c3bc4873db899bfd492dc",
           "none stated (a personal blog; the post's own OpenRouter outputs, model per picture in "
           "docs/blog/ai-image-model-compare.md)",
           ((_HASKA + r"nano-banana-pro\.png$", G, "nano-banana-pro", "mixed"),
            (_HASKA + r"nano-banana\.png$", G, "nano-banana", "mixed"),
            (_HASKA + r"seedream\.png$", G, "seedream-4.5", "mixed"),
            (_HASKA + r"gpt5\.png$", G, "gpt-5-image", "mixed"),
            (_HASKA + r"gpt5-mini\.png$", G, "gpt-5-image-mini", "mixed"),
            (_HASKA + r"riverflow\.png$", G, "riverflow-v2-pro", "mixed")),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("anand-92/ultimate-image-gen-mcp", "a3f487d4f27b8bf717006a3fb59a401cbea110fb",
           "MIT (LICENSE); the MCP server's README showcase, model per picture (file name and README: imagen-4, "
           "imagen-4-ultra, gemini-2.5-flash-image)",
           ((_ANAND + r"gemini-flash\.png$", G, "nano-banana", "mixed"),
            (_ANAND + r"imagen4\.png$", G, "imagen-4", "mixed"),
            (_ANAND + r"imagen4-ultra\.png$", G, "imagen-4-ultra", "mixed")),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("shinpr/mcp-image", "6b5196e4bb7d9ca058c5392163ba59b1b0dcd66e",
           "MIT (LICENSE); the README's two example outputs ('Gemini provider, default fast preset' = Nano Banana 2, "
           "Gemini 3.1 Flash Image, in the README's preset table at the commit that added them)",
           ((r"^assets/roast-chicken-(optimized|plain)\.jpg$", G, "nano-banana-2", "mixed"),),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("DanielHashmi/Q4_learning", "beb937dba41d178c4418ee14adac397c78098c4a",
           "none stated (a learning-notes repository; pronpt-engineering/README.md, 2025-10-17: one prompt, pictures "
           "'Generated with Google Imagen' (file imagen4.png) and 'Generated with Nano Banana')",
           ((r"^pronpt-engineering/imagen4\.png$", G, "imagen-4", "mixed"),
            (r"^pronpt-engineering/nanobanana\.png$", G, "nano-banana", "mixed")),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("writingmate/imagegen-mcp", "110d3a579d0acee05819127a35333718fd2ef5ae",
           "MIT (LICENSE); the README's model comparison, one prompt, model per picture (black-forest-labs/flux-1.1-pro, "
           "qwen/qwen-image, bytedance/seedream-4, Gemini 2.5 Flash Image Preview)",
           ((_WRITINGMATE + r"flux-1\.1-pro\.png$", G, "flux-1.1-pro", "mixed"),
            (_WRITINGMATE + r"qwen-image\.png$", G, "qwen-image", "mixed"),
            (_WRITINGMATE + r"seedream-4\.png$", G, "seedream-4", "mixed"),
            (_WRITINGMATE + r"nano-banana\.png$", G, "nano-banana", "mixed")),
           cap_per_family=CAP4_GEN_PER_REPO),
)

CONF6_REAL: tuple[Source, ...] = ()



# --- Session 15, confirmation 7: a seventh fresh confirmation set (``CONF7_*``), SEALED for the next session: built,
# closed and cached in session 15, scored by no model in it. Built the same way, from repositories that no source list of
# the project (the first six confirmation sets included) reads; every picture to ``val``; at most ``CAP4_GEN_PER_REPO``
# generated and ``CAP_PER_REPO`` real pictures from one repository (the brief, fixed before any count).

#: Source key of the seventh set's fresh real photographs (not a key any fit reads).
FAMILY_REAL7 = "fresh-conf7"
TAG7 = "s15conf7"
#: Generated families the seventh set may hold: each picture's model is stated by its source (see ``CONF7_GENERATED``).
CONF7_GEN_FAMILIES = frozenset({"nano-banana-pro", "nano-banana-2", "flux-2-max", "flux-2-pro", "flux-2-klein-9b"})

#: aimikoda's Nano Banana Pro gallery ("a curated collection of Nano Banana Pro prompts with example outputs ... all
#: created by @aimikoda"): only entries whose prompt uses no uploaded / reference picture (text-to-image) and whose
#: outputs are photographic (aerial creature shots, landmark redesigns, sand-form beauty adverts, a wrapped-chair prank,
#: dish-as-world food scenes, two frozen-in-ice pictures); the reference-photo entries (portraits, product and
#: style edits, storyboards, bullet-dodge kitchen), chat-bubble / UI layouts, lettered dioramas, city orbs, megacity
#: sculptures and the cartoon frozen-in-ice picture (01) left out.
_AIMIKODA = (r"^images/(imax-aerial-creature-shot-0[1-5]|landmark-re-designed-0[12]|sand-form-beauty-ad-0[12]"
             r"|wrapped-chair-prank-gift-0[12]|dish-as-world-scene-0[1-4]|frozen-moment-in-ice-0[23])\.jpg$")
#: MaanavD's FLUX.2 launch kit: ``generate_assets.py`` lists (number, model, size, prompt) for every text-to-image
#: asset; the photographic ones kept (#1 and #7 flux-2-max; #2, #5, #19 flux-2-pro-preview; #16 flux-2-klein-9b-preview);
#: the poster, pixel-art, anime, vector, oil-painting, diagram, logo, kawaii and fantasy-illustration assets, the
#: image-to-image restyles (#10-14) and their source photos, the ``web/public`` copies and the ``examples/`` thumbnails
#: (made from the author's headshot) left out. nyffenr's FLUX.2-klein-9B workflow: all ten documented outputs are
#: photographic (portraits, landscape, architecture, macro, product, fox); two (01, 05) are absent from the snapshot.
_MAANAV = "^assets/"

CONF7_GENERATED: tuple[Source, ...] = (
    Source("aimikoda/awesome-nano-banana-pro", "378b0b18f49f7df87726364f0a293523868556c6",
           "none stated (README: 'a curated collection of Nano Banana Pro prompts with example outputs', all created "
           "by @aimikoda)",
           ((_AIMIKODA, G, "nano-banana-pro", "mixed"),),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("MaanavD/bfl-launch-kit", "5b0aebd78a6740036072dd0340a6b176f37cd2da",
           "none stated (README: 'FLUX.2-generated images'; generate_assets.py names the model of every asset)",
           ((_MAANAV + r"0(1_hook_hero_samurai|7_generate_dragon)\.jpg$", G, "flux-2-max", "mixed"),
            (_MAANAV + r"(02_montage_dog_throne|05_montage_headphone_product|19_community_cat_ted)\.jpg$", G,
             "flux-2-pro", "mixed"),
            (_MAANAV + r"16_klein_lighthouse\.jpg$", G, "flux-2-klein-9b", "mixed")),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("nyffenr/flux2-examples", "816cf2fd94f3e3a6a35a4346a418bd41cfa2ffbf",
           "none stated (README: a FLUX.2-klein-9B ComfyUI workflow for photographers, 'Modell: FLUX.2-klein-9B', "
           "each output with its prompt; flux2_dev_9b.json loads flux-2-klein-9b.safetensors)",
           ((r"^output_images/\d\d_[a-z_]+_00\.png$", G, "flux-2-klein-9b", "mixed"),),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("easy-to-use-ai/nano-banana-pro-mcp", "5e3ced3c2ebec035e0ca9e72dce93e0bd1a2d4fe",
           "MIT (package.json); the README's prompt-template examples of the server, which 'defaults to Nano Banana 2' "
           "(gemini-3.1-flash-image-preview); the 8:1 panorama is a ratio only Nano Banana 2 offers",
           ((r"^assets/prompt-01-ultra-wide-panorama\.png$", G, "nano-banana-2", "mixed"),),
           cap_per_family=CAP4_GEN_PER_REPO),
)


_real7 = functools.partial(_real, family=FAMILY_REAL7)  # the seventh set's real sources


CONF7_REAL: tuple[Source, ...] = (
    _real7("JeremyWelsh/PhotoPortfolio", "a5af1c43c357324e3b94b4122bee06517fecf25c",
           "none stated (a New Zealand photographer's portfolio site: car meets, coast, landscapes, streets)",
           r"^photo-portfolio/public/IMG_\d+(-Pano)?\.jpg$", "stock"),
    _real7("nathaniel2go/nathaniel2go.github.io", "13f810b2892ff5f905ccab83f9a6c9b85ace10cc",
           "none stated (a student's Sony A7III / phone photos; the repository's ISC LICENSE covers the site theme)",
           r"^assets/images/portfolios/(nature|people)/[^/]+\.jpg$", "stock", exclude=r"thumbnail\.jpg$"),
    _real7("YichenWangs/yichenwangs.github.io", "a04ca9c63b808dd3e5b6e6ac32c01b7bb6a36dd1",
           "none stated (the author's Fujifilm photos: Canberra, Sydney, London, Edinburgh, Launceston, Beijing; the "
           "repository's LICENSE.md covers the site theme)", r"^assets/img/photo/[^/]+\.(jpe?g|JPG)$", "stock"),
    _real7("ikesau/ikesau.github.io", "48fd7645f315213d5f7602cddc0836e53495da9d",
           "none stated (the author's photos of Aotearoa New Zealand: bush, coast, birds, Tongariro, Wellington)",
           r"^static/images/aotearoa_photos/[^/]+\.jpg$", "stock"),
    _real7("michaelcolenso/metatron", "c8fad67ffc05b7300afb967ed0069837cbf677b5",
           "MIT (LICENSE, (c) 2025 michael colenso); README: 'photos by michaelcolenso' (iPhone and Canon EOS "
           "Rebel T7 photos: dogs, cats, Seattle, ironworkers)", r"^images/[^/]+\.(jpe?g|JPE?G)$", "stock"),
)



# --- Session 15, confirmation 8: an eighth fresh confirmation set (``CONF8_*``), SEALED for the next session: built,
# closed and cached in session 15, scored by no model in it. Built the same way, from repositories that no source list of
# the project (the first seven confirmation sets included) reads; every picture to ``val``; at most ``CAP4_GEN_PER_REPO``
# generated and ``CAP_PER_REPO`` real pictures from one repository (the brief, fixed before any count). Generated only.

#: Source key of the eighth set's fresh real photographs (not a key any fit reads; the set holds none).
FAMILY_REAL8 = "fresh-conf8"
TAG8 = "s15conf8"
#: Generated families the eighth set may hold: each picture's model is stated by its source (see ``CONF8_GENERATED``).
CONF8_GEN_FAMILIES = frozenset({"flux-2-klein-4b", "z-image-turbo"})

#: antirez's pure-C FLUX.2-klein-4B implementation: the README's text-to-image example (``woman_with_sunglasses.png``,
#: "Generated with: ./flux -d flux-klein-model -p 'A picture of a woman in 1960 America. Sunglasses. ASA 400 film.
#: Black and White.' -W 512 -H 512"); its PNG-compression test copy, the image-to-image drawing of the author's photo,
#: the terminal screenshot, the cat PNG-codec pair (no prompt or model stated) and the JPEG-decoder test files left out;
#: of the test vectors (``run_test.py`` states prompt, seed and steps) only the 512 px text-to-image one ("A red apple
#: on a wooden table", 4 steps) kept, the 64 px ones and the 256 px image-to-image input / output left out.
#: icakinser's Swift + MLX FLUX.2 [klein] 4B port: the text-to-image Euler golden (``ref_bike_s42.png``: "a red bicycle
#: leaning against a stone wall, golden hour", 4 steps, guidance 1.0, the klein distilled recipe; ``manifest.json``
#: pins the model revision); the Heun golden of the same prompt and seed (a near-copy), the img2img / inpaint /
#: outpaint / condition fixtures (edits of other pictures) and the ``dev/test`` quality-test JPEGs left out.
#: Yehia-Fahmy's text-to-image benchmark (README: Z-Image-Turbo, SD-Turbo, SD 1.5, STARFlow, one output folder per model;
#: ``Z-Image-Turbo-Visual-Results.md`` gives each Z-Image-Turbo output its prompt): the Z-Image-Turbo outputs only, all
#: photographic (reef, storm, architecture, aurora, street, macro, train, portrait, still life, library, city, forest,
#: diver, village, fisherman, dancer, street); the glass-crystal render (``prompt_04``) and every SD-Turbo / SD 1.5
#: output left out.
_YEHIA = (r"^(Z-Image-Turbo-outputs-png/image_0(0[1-9]|10)_\d+_\d+"
          r"|comparison results/z-image-turbo/prompt_0[1235]_\d+_\d+"
          r"|comparison_results/z-image-turbo/baseline/prompt_0[123]_seed_19)\.png$")

CONF8_GENERATED: tuple[Source, ...] = (
    Source("antirez/flux2.c", "b9cbbea3577acebdb0825c9f5c24cbb656834c8a",
           "MIT (LICENSE, (c) 2026 Salvatore Sanfilippo); README: FLUX.2-klein-4B, the example's command line stated",
           ((r"^(images/woman_with_sunglasses|test_vectors/reference_4step_512x512_seed123)\.png$", G,
             "flux-2-klein-4b", "mixed"),),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("icakinser/mlx-flux2-swift", "227eecbe3d743d16eaf151bcd810958872998b64",
           "Apache-2.0 (LICENSE); README: a Swift + MLX port of FLUX.2 [klein] 4B; Fixtures/README.md states the prompt, "
           "seed, steps and guidance of the golden",
           ((r"^Tests/Flux2KitTests/Fixtures/ref_bike_s42\.png$", G, "flux-2-klein-4b", "mixed"),),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("Yehia-Fahmy/ML_Benchmarking", "68214350aab61687f6b4effb55cdaafae70b7be4",
           "none stated (README: a benchmark of text-to-image models, Tongyi-MAI/Z-Image-Turbo among them, outputs "
           "filed by model)",
           ((_YEHIA, G, "z-image-turbo", "mixed"),),
           cap_per_family=CAP4_GEN_PER_REPO),
)

#: The eighth set holds no real photographs (the brief: real photos optional; set 7 has 170).
CONF8_REAL: tuple[Source, ...] = ()



# --- Session 16, confirmation 9: a ninth fresh confirmation set (``CONF9_*``), SEALED: built, closed and cached in session
# 16, scored by no model in it (the lead declares a candidate rule before any score). Built the same way, from repositories
# that no source list of the project (the first eight confirmation sets included) reads; every picture to ``val``; at most
# ``CAP4_GEN_PER_REPO`` generated and ``CAP_PER_REPO`` real pictures from one repository (the brief, fixed before any count).

#: Source key of the ninth set's fresh real photographs (not a key any fit reads).
FAMILY_REAL9 = "fresh-conf9"
TAG9 = "s16conf9"
#: Generated families the ninth set may hold: each picture's model is stated by its source (see ``CONF9_GENERATED``).
CONF9_GEN_FAMILIES = frozenset({"qwen-image", "chroma1-hd", "cogview4", "z-image-turbo", "flux-2-klein-4b", "gpt-image-1.5",
                                "grok-imagine", "imagen-4"})

#: jyoung105's Yetter benchmark: the same ten prompts (``example_inputs/prompts.txt``) sent to Qwen-Image on several hosts,
#: each folder's script naming its endpoint (fal ``fal-ai/qwen-image``, Replicate ``qwen/qwen-image``, Yetter
#: ``ytr-ai/qwen/image/t2i``; the fal report's "flux/schnell" line is a stale label: ``index.js`` calls ``fal-ai/qwen-image``).
#: Only the photographic prompts kept: 01 mountain lake at sunrise, 03 an elderly wizard's portrait (a costume portrait),
#: 04 coral reef, 05 a castle in a thunderstorm, 08 coffee-shop interior, 10 a bowl of ramen; the cyberpunk street,
#: steampunk airship, Escher-style abstract and fire-breathing dragon left out. The WaveSpeed folder is left out: the same
#: prompts with the same seed (42) on the same model give near-copies of the fal pictures; the Runware results are absent
#: from the snapshot; the FLUX.1 [dev] (2024) and FLUX.1 Kontext (edits) folders are not read.
_YETTER = r"^(control_group/(fal|replicate)|model)/qwen-image/results/prompt_(01|03|04|05|08|10)_image_1\.png$"
#: vipshop's cache-dit: one uncached, unquantized baseline per pipeline, its file named by the pipeline (``docs/EXAMPLES.md``
#: gives each pipeline's default model): Chroma1-HD (a split-lit portrait), CogView4-6B (a sports car on a coast road),
#: Z-Image-Turbo (the model's default Hanfu-portrait prompt, on an NPU) and FLUX.2 [klein] 4B (a cat). Left out: the cached,
#: quantized and parallel variants (near-copies of their baseline), the lettered pictures (Qwen-Image's coffee-shop sign,
#: HiDream's and Lumina 2's hand-held signs), cartoons (HunyuanImage 2.1's plush penguin, the Qwen-Image-Edit bears),
#: edits and ControlNet outputs, FLUX.1 (2024) and older pipelines, and the example input pictures.
_CACHEDIT = r"\.C0_L0_Q0_NONE\.png$"  # the uncached, unquantized baseline of a pipeline in assets/
#: BlockchainHB's command library, a batch-generation command's one committed run (removed from the repository after
#: commit 422f903, read there): ten product photographs of an invented coffee maker ("AeroBrew") in kitchen and cafe
#: settings, ``generation_summary.md`` stating "Model: google/imagen-4" (through Replicate) and each prompt; the studio shot
#: on plain white (003, a cut-out) left out.
_AEROBREW = r"^Generated_Images/2025-11-07_11-07-57/images/image_0(0[124-9]|10)\.jpg$"

CONF9_GENERATED: tuple[Source, ...] = (
    Source("jyoung105/yetter", "131d503f7b35d76ea6f44d9ebb4983792b3eb207",
           "none stated (README: Yetter AI image-generation examples; control_group/ runs the same prompts on other hosts; "
           "every folder's index.js names its Qwen-Image endpoint)",
           ((_YETTER, G, "qwen-image", "mixed"),),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("vipshop/cache-dit", "f86744af7daa0f569fe4324e73e3e50cebf70f4c",
           "Apache-2.0 (LICENSE); file names name the pipeline, docs/EXAMPLES.md its default model",
           ((r"^assets/chroma1-hd" + _CACHEDIT, G, "chroma1-hd", "mixed"),
            (r"^assets/cogview4" + _CACHEDIT, G, "cogview4", "mixed"),
            (r"^assets/npu_sample/zimage\.1024x1024\.C0_Q0_NONE_native_npu\.png$", G, "z-image-turbo", "mixed"),
            (r"^docs/assets/flux2_klein_4b\.1024x1024\.C0\.png$", G, "flux-2-klein-4b", "mixed")),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("qmu/research", "5f609d2fb0f9cb606a41e26372b732d7323843ee",
           "MIT (LICENSE, (c) 2026 qmu co., Inc.); the image-generation report names the model of every committed picture",
           ((r"^docs/research-reports/images/gpt-image-1\.5--photo-red-apple--r0\.png$", G, "gpt-image-1.5", "mixed"),
            (r"^docs/research-reports/images/grok-imagine-image--photo-red-apple--r0\.jpg$", G, "grok-imagine", "mixed")),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("suharvest/z-image-turbo-tensorrt-jetson", "1eb54785bfa208e1b889b07b6a060adfe844cc62",
           "MIT (LICENSE); README: a TensorRT port of Z-Image-Turbo, its text-to-image demo picture",
           ((r"^media/text2img-384\.png$", G, "z-image-turbo", "mixed"),),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("BlockchainHB/cursor-command-library", "422f903092a4880a28981b6befcaad68e9ebc4a8",
           "MIT (README, License section); generation_summary.md: 'Model: google/imagen-4', each picture's prompt in "
           "prompts/ (at the last commit that held the folder)",
           ((_AEROBREW, G, "imagen-4", "mixed"),),
           cap_per_family=CAP4_GEN_PER_REPO),
)


_real9 = functools.partial(_real, family=FAMILY_REAL9)  # the ninth set's real sources


CONF9_REAL: tuple[Source, ...] = (
    _real9("cassiomolin/cassiomolin.github.io", "167f881d91206ff86fa6d32413bcc0a4a125b56b",
           "none stated (the author's Fujifilm X100V photoblog; each photo's .yml records camera and settings; the "
           "themes/windy LICENSE covers the theme)",
           r"^content/photography/(starting-my-photography-blog/images/[0-9a-f]{5}-(4000|2667|2666)w"
           r"|the-cliff-walk-from-greystones-to-bray/images/[0-9a-f]{5})\.jpg$", "stock"),
    _real9("jakobhelton/jakobhelton.github.io", "affb408437e17c2321f622fef69761be9a53e68a",
           "none stated (an astronomer's site; 'shot using the Sony Alpha a6400 ... edited using Adobe Lightroom')",
           r"^assets/portfolio/PhotographyDigital_Color_\d\d\.jpg$", "stock"),
    _real9("MC-DeltaT/photography-portfolio-website", "d4287d65ce61eb15dcd3bd329d3019c9b7af7282",
           "none stated (a photographer's site built from his dated photos with location / genre sidecars: Australian "
           "landscapes, birds, macro, flowers)", r"^resource/photo/.+\.jpe?g$", "stock"),
    _real9("arnie12a/photography-portfolio", "e168162150bc7855119c164858fa8ab5691e0dff",
           "none stated (README: 'a dynamic, responsive portfolio built to showcase my photography work': travel, "
           "landscapes, people, animals)",
           r"^public/(places|people|animals|landscape|structures|other)/.+\.(jpe?g|JPE?G)$", "stock"),
)




# --- Session 16, confirmation 10: a tenth fresh confirmation set (``CONF10_*``), SEALED: built, closed and cached in
# session 16, scored by no model in it. Built the same way, from repositories that no source list of the project (the first
# nine confirmation sets included) reads; every picture to ``val``; at most ``CAP4_GEN_PER_REPO`` generated and
# ``CAP_PER_REPO`` real pictures from one repository (the brief, fixed before any count).

#: Source key of the tenth set's fresh real photographs (not a key any fit reads).
FAMILY_REAL10 = "fresh-conf10"
TAG10 = "s16conf10"
#: Generated families the tenth set may hold: each picture's model is stated by its source (see ``CONF10_GENERATED``).
CONF10_GEN_FAMILIES = frozenset({"hidream-i1", "hunyuan-image-3", "imagen-4", "janus-pro", "cogview4", "seedream-3",
                                 "bria-fibo", "wan-2.5", "gpt-image-2", "ernie-image", "flux-2-max", "seedream-4.5"})

#: augchan42's blog post "Testing Twelve AI Image Models with Marcel Proust's Madeleine" (2025-11-18): one prompt (a
#: photographic portrait of Proust eating a madeleine, a glowing thought bubble above him, a "1970s film still" look) sent to
#: twelve models through fal; ``public/proust/proust-multimodel-comparison.md`` names the model of every file. Kept: the
#: 2025 generators — HiDream-I1 Full, HunyuanImage 3 ("hunyuan-v3"), Imagen 4, Janus-Pro, CogView4, Seedream 3, Bria FIBO,
#: Wan 2.5 Preview. Left out: FLUX.1 [dev] / [schnell], Fast SDXL, Ideogram V2, Recraft V3 and SD 3.5 Large (2024
#: generators) and the Fast SDXL collage.
_PROUST = r"^public/proust/proust-portrait-"  # + the model tag of the file name + the run's time stamp
#: XZXY-AI's GPT Image 2 prompt library: every prompt ships a preview "generated with gpt-image-2" (CONTRIBUTING.md), a
#: <= 200 KB WebP. Kept: the photography previews (Tokyo night street, studio portrait, overhead food, Iceland landscape) and
#: the photographic product scenes (pour-over in use, skincare flat lay, beverage shelf, skincare trio, headphone unboxing).
#: Left out: the floating-ingredients cut-out on white, the colour-block render, the lettered box, the posters,
#: illustrations, infographics, UI mock-ups and social covers, and the hero 9-grid.
_XZXY = r"^images/previews/(ph-00[1-4]|ec-00[24]|pk-00[134])\.webp$"
#: lobabobloblaw's FoodBang (a parody delivery app): "over 600 generated images", the model of each recorded in its folder's
#: ``manifest.json`` (with the prompt and the prediction id). Kept: ordinary proof-of-delivery photos (a bag left at a door
#: or handed over at a desk, day / dusk / night; "careless snapshot on an old cheap smartphone" prompts), 7 by GPT Image 2,
#: 7 by FLUX.2 [max] and the 6 Seedream 4.5 ones of the same kind. Left out: the surreal / "escalated" / fauna / "unbound"
#: incident photos, the menu, logo and hero pictures, avatars and the first proof photos (``proof-delivery*``).
_FB_GPT = r"^assets/app/proof/(leave-night-01|leave-dusk-01|leave-day-0[13]|hand-day-01|hand-dusk-01|hand-night-01)\.webp$"
_FB_FLUX = r"^assets/app/proof/(leave-night-04|leave-dusk-02|leave-day-0[24]|hand-day-02|hand-dusk-02|hand-night-02)\.webp$"
_FB_SEEDREAM = r"^assets/app/proof/(leave|hand)-(day|dusk|night)-07\.webp$"

CONF10_GENERATED: tuple[Source, ...] = (
    Source("augchan42/augustinchan.dev", "79632398ef132af26f01b9e826b2372bd1621ed9",
           "none stated for the post's pictures (LICENSE: the site template's MIT, (c) 2022 Shu Ding); the post names the "
           "model of every picture",
           tuple((_PROUST + tag + r"-2025-11-17T09-38-20\.png$", G, fam, "mixed") for tag, fam in (
               ("hidream-i1", "hidream-i1"), ("hunyuan-v3", "hunyuan-image-3"), ("imagen4", "imagen-4"),
               ("janus-pro", "janus-pro"), ("cogview4", "cogview4"), ("seedream-v3", "seedream-3"),
               ("bria-fibo", "bria-fibo"), ("wan-25", "wan-2.5"))),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("XZXY-AI/awesome-gpt-image-2-playground", "cf77861c71688c0add03c9f7637ae78d019e66c1",
           "CC-BY-4.0 (prompts and preview images, CONTRIBUTING.md); code MIT (LICENSE); every preview generated with "
           "gpt-image-2 (CONTRIBUTING.md)",
           ((_XZXY, G, "gpt-image-2", "mixed"),), cap_per_family=CAP4_GEN_PER_REPO),
    Source("baidu/ERNIE-Image", "1f30f5bb499726c606da0a24cc2a4a6c4d6ad775",
           "Apache-2.0 (LICENSE); the README's showcase of ERNIE-Image outputs with their prompts",
           ((r"^assets/show_cases/showcase(3|10)\.png$", G, "ernie-image", "mixed"),), cap_per_family=CAP4_GEN_PER_REPO),
    Source("lobabobloblaw/foodbang", "ca1f17c51f33200697b3d1032c3c00f459d3f54f",
           "none stated (README: a parody delivery app, 'over 600 generated images'; assets/*/manifest.json records each "
           "picture's model, prompt and prediction id)",
           ((_FB_GPT, G, "gpt-image-2", "mixed"), (_FB_FLUX, G, "flux-2-max", "mixed"),
            (_FB_SEEDREAM, G, "seedream-4.5", "mixed")),
           cap_per_family=CAP4_GEN_PER_REPO),
)


_real10 = functools.partial(_real, family=FAMILY_REAL10)  # the tenth set's real sources


CONF10_REAL: tuple[Source, ...] = (
    _real10("cnt0705/photography-portfolio", "867e4a22778f6aae2bf1ab5cbef5207a1b5b1f1c",
            "none stated (a two-photographer portfolio site, 'works' by shinya and chinatsu: Tokyo night scenes, flowers, "
            "autumn; read at the last commit that held the photos, 2018)",
            r"^src/pages/works/img/(shinya|chinatsu)/\d\d\.jpg$", "stock"),
    _real10("jarisokka/photography-website", "6b1e36269286be2d52004da806903b534d501cba",
            "none stated (README: 'a collection of my nature, landscape, and wildlife photography'; Canon camera file "
            "names)",
            r"^public/images/(birds|finland|macros|mammals|recent|travel|winter|world)/[^/]+\.jpg$", "stock"),
    _real10("masayafunakoshi1/photography-website-v2", "763a65a793703d636593d3963816fbf2c851e082",
            "none stated (README: 'a beginner photography website' of the author's photos: events, portraits, weddings, "
            "nature)",
            r"^public/images/(eventsImgs|portraitImgs|weddingImgs|natureImgs)/.+\.(jpg|JPG)$", "stock"),
)




# --- Session 16, confirmation 11: an eleventh fresh confirmation set (``CONF11_*``), SEALED: built, closed and cached in
# session 16, scored by no model in it. Built the same way, from repositories that no source list of the project (the first
# ten confirmation sets included) reads; every picture to ``val``; at most ``CAP4_GEN_PER_REPO`` generated and
# ``CAP_PER_REPO`` real pictures from one repository (the brief, fixed before any count).

#: Source key of the eleventh set's fresh real photographs (not a key any fit reads).
FAMILY_REAL11 = "fresh-conf11"
TAG11 = "s16conf11"
#: Generated families the eleventh set may hold: each picture's model is stated by its source (see ``CONF11_GENERATED``).
CONF11_GEN_FAMILIES = frozenset({"flux-2-max", "flux-2-pro", "gpt-image-1.5", "nano-banana-pro", "kandinsky-5",
                                 "z-image-turbo", "imagen-4", "imagen-4-fast", "imagen-4-ultra", "nano-banana",
                                 "nano-banana-2", "flux-2-flex", "boogu-image", "ernie-image", "flux-2-klein-9b",
                                 "nucleus-image", "qwen-image-2512", "sensenova-u1"})

#: nasa1024's zhaoyaojing (an AI-content checker): ``tests/fixtures/ai_<model>.*`` are real outputs of one prompt (a cat riding
#: a bicycle), each named by its model; ``tests/image_detection.rs`` checks each file's provenance (the two FLUX files carry
#: a C2PA manifest naming "Flux.2"). Kept: the photographic FLUX.2 [max], FLUX.2 [pro], GPT Image 1.5 and Nano Banana Pro
#: pictures. Left out: the Seedream 4 / 4.5 cartoon renders, the Seedream 5 picture with its visible text watermark, the
#: Seedream and Ideogram pictures of unstated version, the GPT Image (1) and Midjourney illustrations, and the aihubmix
#: per-model fixtures (``image_*``: Git LFS pointers in the snapshot).
_ZYJ = r"^tests/fixtures/ai_"
#: jaredturck's personal site: an image-model showcase (``frontend/src/ai_models/image_models.ts`` names the model, Hugging
#: Face id and prompt of every sample), read at 551f650, the last commit that held the samples. Kept: Kandinsky 5.0 T2I Lite
#: (the cat with a hat, the girl walking a dog, the cat on Mars) and all five Z-Image-Turbo samples (photographic scenes).
#: Left out: the anime Kandinsky sample and the underwater-city render, the GLM-Image posters and the lettered POV street,
#: the anime Qwen-Image and FLUX.2 [dev] samples, and PixArt Sigma, Anima, SD 3.5 Large and FLUX.1 [dev] (older or
#: non-photographic generators).
_JT = r"^frontend/public/image_models/"
#: Sandjab's rp project: ``docs``' Google image-model inventory (``assets/image-models/test_<model>.png``: one "nano banana"
#: prompt through each model, the model named in the table). Kept: Imagen 4 (16:9), Imagen 4 Fast, Imagen 4 Ultra, Nano
#: Banana and Nano Banana 2 (photographs of a tiny banana). Left out: the square Imagen 4 picture (measurement annotations)
#: and the Nano Banana Pro picture (an electron-micrograph look with a lettered scale bar).
_SJ = r"^assets/image-models/test_"
#: kevinshowkat's Cue (a desktop image app): the aesthetic-onboarding samples, one prompt (a "hyper-real modern loft
#: interior ... staged for a magazine shoot") through each model; ``desktop/src/canvas_app.js`` names the model of every file.
#: Kept: all four (Nano Banana Pro, GPT Image 1.5, FLUX.2 [max], FLUX.2 [flex]).
_CUE = r"^desktop/src/assets/onboarding/aesthetic/"
#: CodeAlexx's inference-flame (pure-Rust ports of open image models, each checked against the reference implementation:
#: latent cosine / PSNR parity stated per model): ``docs/<model>_sample.png``, the README naming the model of every sample.
#: Kept: the photographic samples of Boogu-Image-0.1-Base, ERNIE-Image 8B, FLUX.2 [klein] 9B (base), Nucleus-Image 17B,
#: Qwen-Image-2512, SenseNova-U1 8B (the sample, the think-mode jacket and the chat-to-image astronaut) and Z-Image (Turbo).
#: Left out: the Ideogram-4 sample (a painted cartoon fish in photographic hands), the anime Anima and Chroma samples, the
#: edits (Klein 4B / 9B, Qwen-Image-Edit-2511) and their source, the video frames (LTX-2.3, Motif), the UI screenshot,
#: the chat input and VQA input pictures, and SD 1.5 / SDXL / SD 3.5 / Stable Cascade / FLUX.1 [dev] (older generators).
_FLAME = r"^docs/"

CONF11_GENERATED: tuple[Source, ...] = (
    Source("nasa1024/zhaoyaojing", "72bf176b8abfec9a0f6987452ab7192c0ca3b235",
           "AGPL-3.0 (LICENSE, the checker's code); the fixtures are model outputs named by their model",
           tuple((_ZYJ + name + "$", G, fam, "mixed") for name, fam in (
               (r"flux_max\.jpeg", "flux-2-max"), (r"flux_pro\.jpeg", "flux-2-pro"),
               (r"gptimage_1_5\.png", "gpt-image-1.5"), (r"nano_pro\.png", "nano-banana-pro"))),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("jaredturck/JaredTurck.com", "551f650b484253ca11aa8b668c84bad40e0e393e",
           "none stated (a personal site; frontend/src/ai_models/image_models.ts names the model and prompt of every "
           "sample)",
           ((_JT + r"Kandinsky/output_(1769224121|1770680930|1770681870)\.png$", G, "kandinsky-5", "mixed"),
            (_JT + r"z_image_turbo/output_\d+\.png$", G, "z-image-turbo", "mixed")),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("Sandjab/rp", "28346d435bedfd3027fd27ab6de1f2a2f599d530",
           "none stated (README); the model inventory names the model of every test picture",
           tuple((_SJ + name + r"\.png$", G, fam, "mixed") for name, fam in (
               ("imagen4_16x9", "imagen-4"), ("imagen4_fast", "imagen-4-fast"), ("imagen4_ultra", "imagen-4-ultra"),
               ("nano_banana", "nano-banana"), ("nano_banana_2", "nano-banana-2"))),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("kevinshowkat/cue", "847bfe5946b7a47b6cd57d62a5a65bb8c9f99ea8",
           "Apache-2.0 (LICENSE); desktop/src/canvas_app.js names the model and prompt of every onboarding sample",
           tuple((_CUE + name + "$", G, fam, "mixed") for name, fam in (
               (r"gemini-3-pro-image-preview\.png", "nano-banana-pro"), (r"gpt-image-1\.5\.jpg", "gpt-image-1.5"),
               (r"flux-2-max\.jpeg", "flux-2-max"), (r"flux-2-flex\.png", "flux-2-flex"))),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("CodeAlexx/inference-flame", "e4f7fc679c87eccdba3ed9f45fa22eb8f0f7aa9a",
           "MIT (README); the README names the model, steps and parity of every sample",
           tuple((_FLAME + name + r"\.png$", G, fam, "mixed") for name, fam in (
               ("boogu_sample", "boogu-image"), ("ernie_image_sample", "ernie-image"),
               ("klein9b_sample", "flux-2-klein-9b"), ("nucleus_sample", "nucleus-image"),
               ("qwenimage_sample", "qwen-image-2512"), ("sensenova_u1_(sample|think_jacket|chat_to_t2i)", "sensenova-u1"),
               ("zimage_sample", "z-image-turbo"))),
           cap_per_family=CAP4_GEN_PER_REPO),
)


_real11 = functools.partial(_real, family=FAMILY_REAL11)  # the eleventh set's real sources

#: butzhang's files absent from the snapshot (large blobs): left out by name so that the cap counts readable photos only.
_BUTZHANG_ABSENT = (r"/(L1000489_small-small_version-2|house|L10096442025|L10116032025|_1011790 1_sm_web_use"
                    r"|_1011794_sm_web_use|L1009491_og_2025)\.jpg$")

CONF11_REAL: tuple[Source, ...] = (
    _real11("butzhang/photo-portfolio", "7819ede47dfedd394bf5da67d369d3629ddd4f5c",
            "none stated for the photos (LICENSE: the Nextfolio site template's MIT, (c) 2024 Nextfolio); a street and "
            "film photographer's series (Leica / Ricoh / Fujifilm file names, Rolleiflex and Leica film scans)",
            r"^public/photos/[^/]+/[^/]+\.jpg$", "stock", exclude=_BUTZHANG_ABSENT),
    _real11("TulkasAstaldo/That-Macro-Guy-Photo-Portfolio", "7abc349c8b0aeabe13b932bcf3a2f5e58313092a",
            "none stated (a macro photographer's portfolio, 'That Macro Guy': insects, flowers, night and street photos; "
            "Canon file names)",
            r"^public/images/[^/]+\.jpg$", "stock",
            exclude=r"^public/images/(1|IMG_6057_edited|IMG_6089_edited|IMG_6155_edited|IMG_6159_edited|eye3)\.jpg$|PSX_"),
    _real11("Alestaubin/Photography-Website-V2", "a8ce25d67c8d6795a03121fa70d02936866888db",
            "none stated (a photographer's site: an outdoor student festival's event photos, a small photographer's mark "
            "in a corner; read at the commit that held them)",
            r"^client/src/images/OAP/OAP-favs-\d+\.jpg$", "stock"),
)



# --- Session 17, confirmation 12: a twelfth fresh confirmation set (``CONF12_*``), SEALED: built, closed and cached in
# session 17, scored by no model in it. Built the same way, from repositories that no source list of the project (the first
# eleven confirmation sets included) reads; every picture to ``val``; at most ``CAP4_GEN_PER_REPO`` generated and
# ``CAP_PER_REPO`` real pictures from one repository (the brief, fixed before any count).

#: Source key of the twelfth set's fresh real photographs (not a key any fit reads).
FAMILY_REAL12 = "fresh-conf12"
TAG12 = "s17conf12"
#: Generated families the twelfth set may hold: each picture's model is stated by its source (see ``CONF12_GENERATED``).
CONF12_GEN_FAMILIES = frozenset({"nano-banana", "nano-banana-pro", "nano-banana-2", "imagen-4-ultra", "seedream-5-lite",
                                 "z-image-turbo"})

#: minimaxir's blog: the Nano Banana post (2025-11-13) and the Nano Banana Pro post (2025-12-22); the text names the model
#: of every figure (the Nano Banana figures are named by their Gemini API response id). Kept: the photographic
#: text-to-image figures — Nano Banana: the purple-and-green kitten, the skull pancake, the three cats on a bed, the
#: Vanity-Fair-style paladin / pirate / barista; Nano Banana Pro: the same three cats and the post's cover (a skull
#: pancake, captioned "A typical Nano Banana Pro generation"). Left out: the edits (the five-edit skull pancake, Sonic with
#: Obama from input photos, the Ghibli and mirror selfies, the dating-app photos), side-by-side comparisons, the fridge-
#: magnet and code lettering, infographics, grids, screenshots, the cartoon-character pictures, the "illustration" version of
#: the paladin and the ChatGPT comparison pictures.
_MMX = r"^content/post/2025-1[12]-\d\d-nano-banana-(prompts|pro)/"
#: minimaxir's gemimg package: ``docs/notebooks/gens`` holds each notebook's generations, and each notebook names its model
#: (``aspect_ratios``, ``store_prompt_metadata``: gemini-2.5-flash-image; ``character_json``: gemini-2.5-flash-image-preview;
#: ``system_prompt``: gemini-3-pro-image-preview). Kept: the three cats in three aspect ratios, the peanut-butter sandwich
#: triangle, the hacker character (Nano Banana), the two skull pancakes with and without a system prompt (Nano Banana Pro).
#: Left out: the pictures the blog post already holds, edits (pose control, a person put into a picture), grids, lettering,
#: screenshots and the cartoon characters.
_GEMIMG = r"^docs/notebooks/gens/"
#: Atlas Cloud's blog content (articles + ``resources/samples``): every sample picture is captioned with its model in the
#: articles ("generated with <model> on Atlas Cloud"). Kept: Imagen 4 Ultra's coral reef, Nano Banana 2's Japanese garden,
#: Seedream v5.0 Lite's watch and coffee-shop pictures, Z-Image Turbo's cityscape and portrait. Left out: the lettered
#: neon sign (Imagen 4 Ultra) and the boxed toy figurine with its printed label (Nano Banana 2).
_ATLAS = r"^resources/samples/"

#: kokcheng's prompt samples: Gemini-app pictures committed 2025-09-13 / 2025-09-19 (the Nano Banana months; the prompts
#: say "using the nano-banana model"; each carries the Gemini app's small sparkle mark in a corner). Kept: the two
#: generated portraits the page calls "AI generated" reference images, the handbag and the handbag edits, the two
#: ship-in-a-bottle portraits, the giant chick, the two figurine desks, the dragon and the three mecha pictures. Left out:
#: the pictures with real celebrities' or film actors' likenesses, the cartoon-character group selfies, the comic page, the
#: expression grid, the sticker sheet, a screenshot, a 512-pixel copy (``gundam2.jpg``) and a duplicate (``gundam4.png``
#: is ``gundam3.png``); ``bag.png`` and ``sample2.png`` are not pictures in the snapshot.
_KOK = r"^images/"

CONF12_GENERATED: tuple[Source, ...] = (
    Source("minimaxir/minimaxir.github.io", "df99bc3d06937b1c3fd619a1a84d359eb92502a7",
           "MIT (LICENSE, (c) 2023-2026 Max Woolf); the posts name the model of every figure",
           ((_MMX + r"(JP28aM2cFOODqtsPi7_J8A0@0\.5x|7fm8aJD0Lp6ymtkPpqvn0QU|s57haPv7FsOumtkP1e_mqQM"
                    r"|xqYFabqsK-fVz7IP6efLiAI)\.webp$", G, "nano-banana", "mixed"),
            (_MMX + r"(cats_nbp|featured)\.webp$", G, "nano-banana-pro", "mixed")),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("minimaxir/gemimg", "fb24ed05b8900ce7f1e00d92b8a220d2f82aaee7",
           "MIT (LICENSE; pyproject); each notebook names the model of its generations",
           ((_GEMIMG + r"(NJ_haJ-sFIbQz7IPjvuZmQ4|_57haM2kFaSHz7IP77Xk6A4|jp7haNbhEqSoqtsP5M6hqQ8"
                       r"|sEQEaeiWGY3jqtsPnd6K8QM@0\.5x|U8e9aIO9EP7gz7IPpObKgAc@0\.5x)\.webp$", G, "nano-banana", "mixed"),
            (_GEMIMG + r"(maYoacJQvofPsg_R--KwBg|zqUoabigLLyjqtsPs_vzwQs)\.webp$", G, "nano-banana-pro", "mixed")),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("Qualia-Li/atlascloud-blog", "b14334f8ecdfae789d7e13f461435a3d6473b5b5",
           "none stated (a vendor's blog content); the articles caption every sample with its model",
           tuple((_ATLAS + name + r"\.png$", G, fam, "mixed") for name, fam in (
               ("imagen4-ultra-nature", "imagen-4-ultra"), ("nano-banana-2-landscape", "nano-banana-2"),
               ("seedream-(product-photo|lifestyle)", "seedream-5-lite"),
               ("z-image-turbo-(cityscape|portrait)", "z-image-turbo"))),
           cap_per_family=CAP4_GEN_PER_REPO),
    Source("kokcheng/genAI-prompt", "1e666f21e726e538e14c588b23581e10af83a165",
           "none stated; the pages say the pictures were made in the Gemini app with the nano-banana model",
           ((_KOK + r"(sample1|sample3|bag-bg|bag-green|bag-person|bottle|bottle2|chick|figurine|gundam3)\.png$", G,
             "nano-banana", "mixed"),
            (_KOK + r"(figurine2|dragon|gundam|gundam3)\.jpg$", G, "nano-banana", "mixed")),
           cap_per_family=CAP4_GEN_PER_REPO),
)

_real12 = functools.partial(_real, family=FAMILY_REAL12)  # the twelfth set's real sources

#: huizzzi's multi-exposure sequences (sun / moon rising in stacked steps), star-trail stacks and the two pictures with
#: lettered star annotations: composites, left out by name.
_HUIZZZI_COMPOSITES = r"/(beijing(03|09|10|11|17|24|26|31|33|36|38|40|41)|nature01)\.webp$"

CONF12_REAL: tuple[Source, ...] = (
    _real12("zhaoyihui78/huizzzi-photography-website", "65a31ff3bc4f2681d934966379d77fb6c36ca9c2",
            "none stated (README: a personal photography portfolio — Beijing cityscapes, landscapes, architecture and "
            "documentary film photos)",
            r"^public/works/webp/photos/(beijing\d\d|architecture0\d|nature0\d|film/film\d\d)\.webp$", "stock",
            exclude=_HUIZZZI_COMPOSITES),
    _real12("kdelwell/photography-website-backup", "be19137fb45953a08740f4bef46c0343b93c50a1",
            "none stated (a headshot photographer's studio site: single portraits, the about-me photos and a "
            "behind-the-scenes photo)",
            r"^public/images/(Gallery/(archive/)?[A-Za-z]+\.jpg|AboutMe/(Cycling|Family|Photog)\.jpg|groups/BTS\.jpg"
            r"|StudioGo_images/(Carolyn-unretouched|Kurt_unretouched)\.jpg)$", "stock"),
    _real12("d-la/chris-photo-portfolio", "d7fc5df54fd10506701d70e3826b15c28a6fc86e",
            "none stated (README: a photography portfolio site for a friend; the photos' EXIF credit Christopher Dinh, "
            "(c) 2017, Sony ILCE-7)",
            r"^client/public/img/(people/[a-z]+/[a-z]+\d+\.jpe?g|home_img\.jpeg)$", "stock",
            exclude=r"/(brian[156]|grace5|jon(1|10)|smoke[67])\.jpe?g$"),
)



class ConfSet(NamedTuple):
    """One confirmation set of the uniform kind (sets 5 onwards): its lists, found BY NAME in this module at call time
    (``<prefix>_GENERATED`` / ``<prefix>_REAL``: run as ``__main__`` this module is loaded twice, and a test may rebind a
    list), the generated families it may hold, the source key of its real photographs and its manifest tag. Its check
    is ``check_conf_sources`` with these families and key plus ``_check_caps``; its overlap check ``_set_overlaps``
    skipping its own two lists. A ``NamedTuple``, not a dataclass: the tests run this module under another name
    (``runpy``), where a dataclass cannot find its module."""

    prefix: str
    families: frozenset[str]
    real_key: str
    tag: str

    @property
    def names(self) -> frozenset[str]:
        """The names of the set's two lists in this module (what ``all_source_lists`` skips)."""
        return frozenset({f"{self.prefix}_GENERATED", f"{self.prefix}_REAL"})

    @property
    def generated(self) -> tuple[Source, ...]:
        return globals()[f"{self.prefix}_GENERATED"]

    @property
    def real(self) -> tuple[Source, ...]:
        return globals()[f"{self.prefix}_REAL"]


#: The uniform confirmation sets (5 onwards), by ``--set`` name; sets 1-4 keep their own checks above.
CONF_SETS = {
    "conf5": ConfSet("CONF5", CONF5_GEN_FAMILIES, FAMILY_REAL5, TAG5),
    "conf6": ConfSet("CONF6", CONF6_GEN_FAMILIES, FAMILY_REAL6, TAG6),
    "conf7": ConfSet("CONF7", CONF7_GEN_FAMILIES, FAMILY_REAL7, TAG7),
    "conf8": ConfSet("CONF8", CONF8_GEN_FAMILIES, FAMILY_REAL8, TAG8),
    "conf9": ConfSet("CONF9", CONF9_GEN_FAMILIES, FAMILY_REAL9, TAG9),
    "conf10": ConfSet("CONF10", CONF10_GEN_FAMILIES, FAMILY_REAL10, TAG10),
    "conf11": ConfSet("CONF11", CONF11_GEN_FAMILIES, FAMILY_REAL11, TAG11),
    "conf12": ConfSet("CONF12", CONF12_GEN_FAMILIES, FAMILY_REAL12, TAG12),
}


def check_set_sources(name: str, generated: tuple[Source, ...] | None = None,
                      real: tuple[Source, ...] | None = None) -> None:
    """``check_conf_sources`` for confirmation set ``name`` of ``CONF_SETS`` (its own lists unless ``generated`` /
    ``real`` are given): generated rules in the set's families capped at ``CAP4_GEN_PER_REPO`` pictures per repository
    (summed over its rules), real rules authentic pictures of the set's real key capped at ``CAP_PER_REPO``."""
    cs = CONF_SETS[name]
    generated = cs.generated if generated is None else generated
    real = cs.real if real is None else real
    check_conf_sources(generated, real, families=cs.families, real_key=cs.real_key)
    _check_caps(generated, real)


def set_overlaps(name: str) -> set[str]:
    """Repositories of confirmation set ``name`` of ``CONF_SETS`` that any other source list of the project reads
    (``all_source_lists``: every other confirmation set and every training list included), or that appear twice: must
    stay empty."""
    cs = CONF_SETS[name]
    return _set_overlaps(cs.generated, cs.real, cs.names)


#: Each confirmation set: (its source check, its overlap check, its sources, its manifest tag), by ``--set`` name.
SETS = {
    "conf": (check_conf_sources, conf_overlaps, CONF_GENERATED + CONF_REAL, TAG),
    "conf2": (check_conf2_sources, conf2_overlaps, CONF2_GENERATED + CONF2_REAL, TAG2),
    "conf3": (check_conf3_sources, conf3_overlaps, CONF3_GENERATED + CONF3_REAL, TAG3),
    "conf4": (check_conf4_sources, conf4_overlaps, CONF4_GENERATED + CONF4_REAL, TAG4),
} | {name: (functools.partial(check_set_sources, name), functools.partial(set_overlaps, name),
            cs.generated + cs.real, cs.tag) for name, cs in CONF_SETS.items()}


def main(argv: list[str] | None = None) -> int:
    ap = gd.extend_arguments("add a confirmation set's pictures (all validation) to a copy of a generation set")
    ap.add_argument("--set", choices=tuple(SETS), default="conf",
                    help="conf: session 12's set; conf2: session 13's second set; conf3: session 14's third set; "
                         "conf4: its fourth set; conf5: session 15's fifth set; conf6: its sixth set; conf7: its "
                         "seventh (sealed) set; conf8: its eighth (sealed) set; conf9: session 16's ninth (sealed) set; "
                         "conf10: its tenth (sealed) set; conf11: its eleventh (sealed) set; conf12: session 17's "
                         "twelfth (sealed) set")
    a = ap.parse_args(argv)
    check, overlap, sources, tag = SETS[a.set]
    check()
    overlaps = overlap()
    if overlaps:
        raise SystemExit(f"repositories already read by another source list: {sorted(overlaps)}")
    guard = a.guard or a.shared / "tools" / "heldout_guard.py"
    recs = s12.extend_s12(a.out, a.mirrors, sources, guard, split="val", shared=a.shared, seed=a.seed, tag=tag,
                          robust=False)
    print(gd.summary(recs), "\n", s12.counts(recs), sep="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
