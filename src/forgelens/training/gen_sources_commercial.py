"""Generated pictures of two more generator families for the training split (issue 18, session 9).

Why: the unseen-family ranking improved with every family added to training in session 8 (Ojha et al.,
UnivFD, CVPR 2023; Cozzolino et al., B-Free, CVPR 2025: generalisation comes mainly from the diversity
of generators seen), and the large commercial generators were the ones missing. What public snapshots
here hold in usable numbers this session: **GPT Image 2** (OpenAI, e-commerce listing photos, model
try-ons and product scenes of a CC-BY-4.0 prompt cookbook) and **Meissonic** (a masked generative
transformer, the repository's own text-to-image outputs). DALL-E 3 (openai/dalle3-eval-samples: Git LFS
pointers only), Imagen 4, Firefly, Recraft, Leonardo, SDXL, Stable Cascade, SANA, Lumina, CogView 3 and
Playground were searched for and not found as picture files in a snapshot (docs/notes/issue-18.md,
session 9).

Same shape as ``gen_sources_families``: one ``Source`` per repository at a pinned commit, one family,
path rules that keep single generated pictures (each repository's contact sheet was looked at): the
cookbook's designed listing graphics (text panels, size charts, multi-language banners, infographics,
feature call-outs) and every *input* product photo are left out by rule; Meissonic's inpainting /
outpainting inputs (Unsplash photos) and masks, its figures and demo collage are left out. Never a
held-out family (``generation_data.HELDOUT_FAMILIES``), never a reserved repository, at most
``CAP_PER_REPO`` pictures per repository, every picture to the TRAINING split.

Usage (adds them to a ``cp -al`` copy of a set)::

    python -m forgelens.training.gen_sources_commercial --mirrors /work/.mirror --shared ../shared --out /work/gen-data-i18p
"""

from __future__ import annotations

from forgelens.training.gen_sources_families import CAP_PER_REPO, _src, check_sources
from forgelens.training.generation_data import Source, extend_cli

TAG = "gen-commercial"

#: GPT Image 2 cookbook cases whose outputs are photographs (people wearing the product, product on a
#: table or in a room, food scenes), not designed listing graphics. Case 19/01 (jar labels with large
#: text), 35/01 and 5 (text banners) keep only their photographic half where it is a separate folder.
_GPT_IMAGE_2_CASES = (r"^e-commerce/Case(7|8|9|10|11|12|17|18|22|24|25|31|34)/\d+/[Oo]utput[^/]*\.png$|"
                      r"^e-commerce/Case(19|35)/02/[Oo]utput[^/]*\.png$")

COMMERCIAL_SOURCES: tuple[Source, ...] = (
    # GPT Image 2 e-commerce outputs (listing photos, try-ons, product scenes), the authors' own runs.
    _src("EvoLinkAI/gpt-image-2-for-e-commerce", "799b13dd6ea54baefa35375ea70f3224e3c94e75",
         "CC-BY-4.0 (repository); outputs of the authors' GPT Image 2 runs", "gpt-image-2",
         _GPT_IMAGE_2_CASES, "photoreal", exclude=r"(?i)/input[^/]*$"),
    # Meissonic (masked generative transformer) text-to-image outputs of the repository's fp8 demo.
    _src("viiika/Meissonic", "aeba85e8db9cc4831f0766d226e82548b6ebe76a", "Apache-2.0 (repository)",
         "meissonic", r"^output/[^/]+\.png$", "mixed"),
)

assert all(s.cap_per_family == CAP_PER_REPO for s in COMMERCIAL_SOURCES)


def main(argv: list[str] | None = None) -> int:
    check_sources(COMMERCIAL_SOURCES)
    return extend_cli(argv, COMMERCIAL_SOURCES, TAG,
                      "add generated pictures of two more generator families (training split) to a generation set",
                      split="train")


if __name__ == "__main__":
    raise SystemExit(main())
