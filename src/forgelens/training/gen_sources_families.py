"""Generated pictures of generator families new to the training split (issue 18, session 8).

Why: the CLIP probe + combiner call too few pictures of the unseen validation families (Seedream 5,
Midjourney v7, Flux.1-dev, Grok) generated at a low false-alarm rate. Detectors of generated images
generalise to unseen generators mainly through the diversity of generators seen in training (Ojha et
al., UnivFD, CVPR 2023; Cozzolino et al., B-Free, CVPR 2025), so this module adds pictures of families
the training split has never held — Ideogram 4, HunyuanDiT, HunyuanImage 3, Kandinsky 3, Infinity (bitwise
autoregressive), OmniGen, Nano Banana (Gemini 2.5 Flash Image), PixArt-α and, one or two pictures each,
ERNIE-Image, HiDream-O1, LongCat-Image, Ovis-Image, Qwen-Image, Wan 2.2 and Z-Image — from public
repositories at pinned commits.

Each ``Source`` is one repository and one family (stable-diffusion.cpp: one rule per model). Path rules keep single generated pictures only:
grids, collages, teaser figures, screenshots, side-by-side comparisons with other models and
anything whose model is not stated are left out by rule (each repository's contact sheet was looked
at). Never a held-out family (``generation_data.HELDOUT_FAMILIES``: no Seedream / Doubao, Midjourney
v5+, Flux, Grok) and never a reserved repository. At most ``CAP_PER_REPO`` pictures per repository.
Every picture goes to the TRAINING split (``extend(..., split="train")``): these families are not
held out, and the validation split stays the four unseen families.

Usage (adds them to a ``cp -al`` copy of a set)::

    python -m forgelens.training.gen_sources_families --mirrors /work/.mirror --shared ../shared --out /work/gen-data-i18n
"""

from __future__ import annotations

from forgelens.training.generation_data import HELDOUT_FAMILIES, Source, extend_cli

G = "generated"
TAG = "gen-families"
#: At most this many pictures from one repository (diversity over volume).
CAP_PER_REPO = 30


def _src(repo: str, commit: str, licence: str, family: str, pattern: str, style: str,
         exclude: str = r"$^") -> Source:
    return Source(repo, commit, licence, ((pattern, G, family, style),), exclude=exclude, cap_per_family=CAP_PER_REPO)


FAMILY_SOURCES: tuple[Source, ...] = (
    # Ideogram 4.0 examples shared by their authors on X (recompressed there). Left out: the multi-model
    # comparison cases (1, 6-11: other models' outputs or labelled grids), the designed text posters and
    # magazine covers, a neon lettering, a screenshot and a chat mock-up.
    _src("EvoLinkAI/awesome-ideogram-4.0-prompts", "7a16c2333975f54278de6685c717bbab21450e13",
         "CC-BY-4.0 (repository); example images as shared by their authors", "ideogram-4",
         r"^images/(portrait_case[12]/|comparison_case(14|2|4)/|comparison_case13/output[123]?\.|comparison_case12/output[34]|"
         r"comparison_case3/output[23]|comparison_case5/output4|comparison_case15/output[23]|poster_case1/output4|"
         r"poster_case2/|poster_case5/output2|poster_case7/)", "x-recompressed"),
    # HunyuanDiT outputs: the app's default picture, ControlNet / IP-Adapter / LoRA inference results (their
    # inputs and training pictures are left out; the ComfyUI example is flagged by the held-out guard).
    _src("Tencent/HunyuanDiT", "368280ec35119ed2741a30cc5b40aafde34f8a8a",
         "Tencent Hunyuan Community License (repository)", "hunyuan-dit",
         r"^(app/default\.png|controlnet/asset/output/|ipadapter/asset/output/|lora/asset/porcelain/inference/)",
         "mixed"),
    # HunyuanImage 3.0 prompt-guide pictures 1-4 (5-8 are grids, a two-panel collage and a banner).
    _src("Tencent-Hunyuan/HunyuanImage-3.0", "1d011c84a579a0292bd739a0cee2092243d73986",
         "Tencent Hunyuan Community License (repository)", "hunyuan-image-3",
         r"^assets/pg_imgs/image[1-4]\.png$", "photoreal"),
    # Kandinsky 3 sample pictures of the readme (the architecture figure is left out).
    _src("ai-forever/Kandinsky-3", "a4c9e92e4d9b2a57081b7e33a2e82373c99ddbfc", "Apache-2.0 (repository)",
         "kandinsky-3", r"^assets/(photo_\d+|butterly_effect|title)\.jpg$", "mixed"),
    # Infinity 2B / 8B / 20B samples (bitwise visual autoregressive model); the toy training data are real photos
    # and are left out.
    _src("FoundationVision/Infinity", "4c27bbb54a9918847a2fe56b0fbe31a8523791a1", "MIT (repository)",
         "infinity", r"^assets/2b_(20b|8b)/\d[lr]\.(jpg|webp)$", "photoreal"),
    # PixArt-α ControlNet outputs (the readme's grids and diagrams are left out).
    # OmniGen (v1) outputs of the readme's demo cases: text-to-image, subject-driven, editing, pose-guided
    # (their input photographs in imgs/test_cases and the docs copies are left out).
    _src("VectorSpaceLab/OmniGen", "d4752019ae16741dc3801fd4989432aad4c81a4f", "MIT (repository)", "omnigen",
         r"^imgs/demo_cases/(edit|entity|id2|id3|reasoning|same_pose|skeletal2img|t2i_woman_with_book)\.png$",
         "photoreal"),
    # Nano Banana (Gemini 2.5 Flash Image) outputs shared by their authors: photographic ones only (the
    # figurine, sticker, infographic, anime, character-sheet, blueprint and poster cases, a four-panel collage,
    # a colouring page, a photo with an app overlay and every input picture are left out). Not nano-banana-pro (Gemini 3 Pro Image, a training family already).
    _src("PicoTrex/Awesome-Nano-Banana-images", "7d344750a40e9061821d4fdf1ef22bdc3a970ead",
         "Apache-2.0 (repository); example images as shared by their authors", "nano-banana",
         r"^images/(case1/output0|case18/output[123]|case2/output[23]?|case30/output1?|"
         r"case(102|103|11|20|21|22|26|37|38|5|51|55|6|62|63|67|68|7|70|73|78|80|82)/output)\.(jpg|png)$",
         "x-recompressed"),
    _src("PixArt-alpha/PixArt-alpha", "cac2fd3b4544cf7620d8fbbf8b19d97ffcb85892", "Apache-2.0 (repository)",
         "pixart-alpha", r"^asset/images/controlnet/0_\d\.png$", "mixed"),
    # stable-diffusion.cpp's one example output per supported model, for the models not held out and not
    # already trained on (every Flux / Chroma / Kontext / Flux.2 example and models of unstated lineage left out).
    Source("leejet/stable-diffusion.cpp", "97d2990807fe6d558e395f8764198d7c7e7b411c", "MIT (repository)",
           tuple((pattern, G, family, "mixed") for family, pattern in (
               ("ernie-image", r"^assets/ernie_image/(turbo_)?example\.png$"),
               ("hidream", r"^assets/hidream-o1/dev_example\.png$"),
               ("ideogram-4", r"^assets/ideogram4/example\.png$"),
               ("longcat-image", r"^assets/longcat/example\.png$"),
               ("ovis-image", r"^assets/ovis_image/example\.png$"),
               ("qwen-image", r"^assets/qwen/example\.png$"),
               ("wan-2", r"^assets/wan/Wan2\.2_14B_t2i\.png$"),
               ("z-image", r"^assets/z_image/(base_)?bf16\.png$"))),
           cap_per_family=CAP_PER_REPO),
)


def check_sources(sources: tuple[Source, ...]) -> None:
    """Refuse a source that would put a held-out family, or a real picture, into the training split."""
    for s in sources:
        for _pattern, label, family, _style in s.rules:
            if label != G or family in HELDOUT_FAMILIES:
                raise ValueError(f"{s.repo}: {label} / {family} cannot go to the training split as a new family")


def main(argv: list[str] | None = None) -> int:
    check_sources(FAMILY_SOURCES)
    return extend_cli(argv, FAMILY_SOURCES, TAG,
                      "add generated pictures of new generator families (training split) to a generation set",
                      split="train")


if __name__ == "__main__":
    raise SystemExit(main())
