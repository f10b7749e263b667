"""More training data for the generation detectors (issue 18, session 12): new real photo sources and
generated pictures of families already in training.

Why: the shipped generation detection (session 11's R) calls 83 of the 182 unseen-family validation
pictures at a threshold set by the real side — the 3 % point of the real source ``stock-unsplash``,
whose top stock photographs score like generated pictures. Detectors of generated images learn what
separates real photographs from generated ones from the real photographs they see as much as from the
generators (Ojha et al., UnivFD, CVPR 2023; Cozzolino et al., B-Free, CVPR 2025: diverse real content),
so this module adds real photographs in the styles that bind — stock / professional photos, phone and
camera photos, web photos — from public repositories not yet read by any source list of this project,
and generated pictures of a family already in training.

REAL sources (``REAL_SOURCES``), all ``authentic`` and family ``stock-web`` (the repository-grouped real
source of ``gen_sources_stock``; one real source for the per-source threshold, each repository a CV
group under ``fit_generation.py --group-real-by-repo stock-web``):

- ``google/dreambooth``: the DreamBooth subject photographs (Ruiz et al., CVPR 2023): objects and pets
  photographed by the paper's authors or taken from Unsplash (two of the 4-6 photographs per subject; the
  drawn ``red_cartoon`` subject left out);
- ``CompVis/taming-transformers``: the COCO (Flickr) and ADE20K example photographs of its data folder;
- ``DepthAnything/Depth-Anything-V2``: the demo photographs of the depth estimator (12 of 20: the paintings,
  drawings, sketches and one picture of unclear origin among the demos, the teaser and figures are left out);
- ``themefisher/meghna-hugo``, ``themefisher/airspace-hugo``, ``themefisher/educenter-hugo``: stock photos of
  website themes (JPEG copies only; the WebP copies of the same photos, logos, icons, screenshots, the
  duplicated ``static/`` folder, meghna's product mock-ups (renders) and designed banner, and educenter's
  three rendered research pictures are left out);
- ``acani/acani-sinatra`` (at the last commit that holds them): 28 Flickr portraits under CC BY / BY-SA,
  the ``@2`` (double-size) copies only;
- ``kaivalyagandhi/ai-or-not-game``: the ``-human`` pictures of a real-or-AI game (photographs of
  animals, food, architecture, products and nature; the science category — renders, cut-outs — and one
  sculpture picture are left out); its ``-ai`` pictures are left out entirely: their generator is not
  stated (they could be of a held-out family).

Split: by REPOSITORY (``seeded_repository_split``): the repositories are shuffled with a fixed seed and
half of them (rounded down) go to validation, so validation measures photographers, cameras and
processing never seen in training.

GENERATED sources (``GENERATED_SOURCES``): training split only (the unseen-family validation set stays
the four held-out families). Never a held-out family (``generation_data.HELDOUT_FAMILIES``: no
Midjourney of any version, Flux, Seedream / Doubao or Grok) and never a picture whose generator is not
stated:

- ``yangliu2060/awesome-imagen-vs-gpt4o``: 100 prompts of a prompt collection rendered with Google AI
  Studio's Nano Banana Pro (Gemini 3 Pro Image), family ``nano-banana-pro``; the GPT-4o pictures beside
  them are copies from ``jamez-bondos/awesome-gpt4o-images`` (already in the set) and fall to the
  near-duplicate check.

Every repository is checked against the reserved list (``gen_sources_real.reserved``) and against
every other source list of the project (``overlapping_repositories``); the evaluation guard runs on the
extracted pictures and on their processed views; near-duplicates are dropped against the set's kept
pictures and every picture of ``../shared/datasets``.

ROUND 2 (``REAL_STYLE_SOURCES``, issue 18 session 12, round 2): real photographs of the three small real styles
whose false alarms rose when round 1's stock photos lowered the threshold, each labelled with its style's existing
source key (as ``gen_sources_real`` does), so that it counts in that style's per-source threshold and in the
small-style clause of the ship rule:

- ``film-kodak`` (style ``scan``): ``jiny2001/dcscn-super-resolution``'s ``bsd200`` — the 200 training pictures
  of the Berkeley segmentation set (BSD300 train: Corel stock photographs, 35 mm film scans at 481x321; Martin et
  al., ICCV 2001), disjoint from the BSD100 (= BSD300 test) pictures of ``gen_sources_real``;
- ``web-laion`` (style ``web``): ``ajschumacher/imagen`` — ImageNet web photographs, five for each of the 200
  ILSVRC detection categories (a different sample from ``EliSchwartz/imagenet-sample-images``),
  ``facebookresearch/Detectron``'s demo photographs (US government Flickr photos, public domain) and the web
  photographs among ``open-mmlab/mmpose``'s test pictures (COCO, AI Challenger, CrowdPose, OCHuman, AP-10K,
  MacaquePose, LaPa and WFLW samples; its video frames, lab captures, renders and drawings are left out);
- ``camera-original`` (style ``camera``): ``alicevision/dataset_monstree`` — iPhone 7 photographs (4032x3024, as
  the phone wrote them) of one scene, four frames spread over the sequence (a scene's frames are near-copies) —
  and ``Tech4Tracing/CartridgeOCR``'s test photographs (Pixel 5 and iPhone 11 JPEGs as the phones wrote them).

Split: by repository, seeded (``seeded_repository_split`` over the round-2 repositories, seed 12); at most
``CAP_STYLE_REPO`` pictures of one style from one repository.

Usage (adds them to a copy of a set; prints the provenance summary)::

    python -m forgelens.training.gen_sources_s12 --mirrors /work/.mirror --shared ../shared --out /work/gen-data-s12
    python -m forgelens.training.gen_sources_s12 --out D --only real        # the real sources only
    python -m forgelens.training.gen_sources_s12 --out D --only styles      # round 2: the small real styles
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from forgelens.training import gen_sources_real as gsr
from forgelens.training import generation_data as gd
from forgelens.training.generation_data import HELDOUT_FAMILIES, Record, Source

R, G = "authentic", "generated"
FAMILY = "stock-web"
TAG_REAL, TAG_GEN, TAG_STYLES = "s12-real", "s12-gen", "s12-styles"
#: At most this many pictures of one family from one repository (diversity over volume; as gen_sources_stock).
CAP_PER_REPO = 40
#: The generated families this module may add (all already in training; never a held-out one).
GEN_FAMILIES = frozenset({"nano-banana-pro", "gpt-4o"})
#: Seed of the repository split of the new real sources (fixed before any count).
SPLIT_SEED = 12
#: Round 2: at most this many pictures of one small style from one repository (fewer repositories of these styles
#: were found than of stock photos, so a larger cap than ``CAP_PER_REPO``; fixed before any count).
CAP_STYLE_REPO = 60


def _real(repo: str, commit: str, licence: str, pattern: str, style: str, exclude: str = r"$^") -> Source:
    return Source(repo, commit, licence, ((pattern, R, FAMILY, style),), exclude=exclude, cap_per_family=CAP_PER_REPO)


REAL_SOURCES: tuple[Source, ...] = (
    # DreamBooth subjects: two photographs (00, 01) of each of the 30 subjects (authors' photos or Unsplash).
    _real("google/dreambooth", "4f887af7970a06fc0cd3adaa1d0b368547d6a1d0",
          "CC-BY-4.0 (repository); photographs by the authors or from Unsplash (Unsplash licence), "
          "per dataset/references_and_licenses.txt", r"^dataset/[^/]+/0[01]\.jpg$", "phone",
          exclude=r"^dataset/red_cartoon/"),
    # COCO (Flickr) and ADE20K example photographs (the segmentation maps and the drin / ImageNet depth examples
    # are left out).
    _real("CompVis/taming-transformers", "3ba01b241669f5ade541ce990f7650a3b8f65318",
          "MIT (repository); COCO photographs (Flickr, CC licences) and ADE20K photographs (research use)",
          r"^data/(coco_images|ade20k_images)/[^/]+\.jpg$", "web"),
    # The depth estimator's demo photographs (teaser / comparison figures left out).
    _real("DepthAnything/Depth-Anything-V2", "a561b849ebae10a6f5ef49e26c83cbbcd36c71bf",
          "Apache-2.0 (repository); demo photographs",
          r"^assets/examples/demo(01|02|04|06|07|08|10|12|13|14|15|16)\.jpg$", "web"),
    # Website themes' stock photos (JPEG only; logos, favicons, markers, screenshots, the WebP copies and the
    # static/ duplicates left out).
    _real("themefisher/meghna-hugo", "a91fc6a1d62ec48c64edd519e97f8ec5eb68e5dc",
          "MIT (repository); theme demo stock photos",
          r"^exampleSite/assets/images/(about|backgrounds|blog|team)/[^/]+\.jpg$", "stock",
          exclude=r"/blog/meghna\.jpg$"),
    _real("themefisher/airspace-hugo", "128e5f84ee58c3e2acc3a48637028828f7fbbee0",
          "MIT (repository); theme demo stock photos", r"^exampleSite/assets/images/.+\.jpg$", "stock"),
    _real("themefisher/educenter-hugo", "c88000a032f5acce45ddb8c57042a97d283263aa",
          "MIT (repository); theme demo stock photos", r"^exampleSite/assets/images/.+\.jpg$", "stock",
          exclude=r"event-speakers/|/teacher\.jpg$|/research/research-[135]\.jpg$"),
    # Flickr CC BY / BY-SA portraits (cropped / resized by the project), the double-size copies; removed from the
    # repository later, so pinned at the last commit that holds them.
    _real("acani/acani-sinatra", "7206b57e3234f5e7669658a565cb4ce834de6630",
          "MIT-style (repository); photos CC BY 2.0 / CC BY-SA (Flickr), credits in seed/pics-thbs/README.md",
          r"^seed/pics-thbs/picture_\d+@2\.jpg$", "web"),
    # A real-or-AI game's human photographs (its -ai pictures: generator not stated, left out entirely).
    _real("kaivalyagandhi/ai-or-not-game", "8c02dba5a12e1b2e6422b75e0bf0297a9b772f40",
          "MIT (repository, (c) 2025 Reddit Inc.); game photographs, sources not stated (research use)",
          r"^src/client/public/images/(animals|architecture|food|nature|products)/pair\d+-human\.(jpe?g|png|webp)$",
          "stock", exclude=r"/food/pair23-human\."),
)

GENERATED_SOURCES: tuple[Source, ...] = (
    # Nano Banana Pro renderings of 100 prompts (README: "Google AI Studio (Nano Banana Pro)"); the gpt4o.png beside
    # each are copies of jamez-bondos/awesome-gpt4o-images (in the set already: dropped as near-duplicates).
    Source("yangliu2060/awesome-imagen-vs-gpt4o", "be885fa5720cf743dade54a1c5e85a6d586da1d4",
           "CC-BY-4.0 (README badge); generated pictures",
           ((r"^awesome-imagen-vs-gpt4o/cases/\d+/google\.jpg$", G, "nano-banana-pro", "mixed"),
            (r"^awesome-imagen-vs-gpt4o/cases/\d+/gpt4o\.png$", G, "gpt-4o", "mixed")), cap_per_family=100),
)


def _style(repo: str, commit: str, licence: str, pattern: str, family: str, style: str,
           exclude: str = r"$^", cap: int = CAP_STYLE_REPO) -> Source:
    return Source(repo, commit, licence, ((pattern, R, family, style),), exclude=exclude, cap_per_family=cap)


#: Round 2: real photographs of the three small real styles, each under its style's existing source key.
REAL_STYLE_SOURCES: tuple[Source, ...] = (
    # BSD300's 200 training pictures (Corel 35 mm film scans), lossless PNG copies; the bsd100 folder beside them
    # (BSD300 test, already read through jbhuang0604/SelfExSR) and set5 / set14 / yang91 are left out.
    _style("jiny2001/dcscn-super-resolution", "d382bc30d41c94ac72f8cb148d61cc4864b3b380",
           "MIT (repository, (c) 2017 jiny2001); BSD pictures: Berkeley segmentation dataset (Corel), research use",
           r"^data/bsd200/\d+\.png$", gsr.FILM, "scan"),
    # ImageNet web photographs, five per ILSVRC detection category.
    _style("ajschumacher/imagen", "2e8718956e3bb046db9a8e488c2254fd9846b6c5",
           "none stated (README: sampled from ImageNet, no copyright claim made; ImageNet terms: research use)",
           r"^imagen/n\d{8}_\d+_[^/]+\.jpg$", gsr.WEB, "web"),
    # The detector's demo photographs (US government works, Flickr; demo/NOTICE); the drawn output/ copies and
    # projects/ figures are left out.
    _style("facebookresearch/Detectron", "04155a01a6ea68f22ac27c79a822066457941ece",
           "Apache-2.0 (repository); demo photographs: United States government works (demo/NOTICE)",
           r"^demo/\d+_[0-9a-f]+_k\.jpg$", gsr.WEB, "web"),
    # Web photographs among a pose estimator's test pictures (dataset samples: COCO / Flickr, AI Challenger,
    # CrowdPose, OCHuman, AP-10K, MacaquePose, LaPa, WFLW / WIDER); video frames (MPII, PoseTrack, JHMDB, 300VW),
    # lab and studio captures (H36M, Panoptic, fly, locust, zebra, FreiHAND, InterHand), renders and drawings
    # (HumanArt's virtual humans, RHD) and the pre-cropped face sets are left out.
    _style("open-mmlab/mmpose", "759b39c13fea6ba094afc1fa932f51dc1b11cbf9",
           "Apache-2.0 (repository); dataset sample pictures (research use, per each dataset's terms)",
           r"^tests/data/(coco|aic|crowdpose|ochuman|ap10k|macaque|lapa|wflw)/[^/]+\.jpg$", gsr.WEB, "web"),
    # iPhone 7 photographs of one scene (3D-reconstruction sample); four frames spread over the sequence.
    _style("alicevision/dataset_monstree", "c697b936be47d6b78ce58d7eb4188e6908503ee2",
           "none stated (AliceVision sample dataset for 3D reconstruction)",
           r"^full/IMG_10(25|36|47|57)\.JPG$", gsr.CAMERA, "camera"),
    # Pixel 5 and iPhone 11 photographs of cartridge heads (an OCR project's test photos, as the phones wrote them);
    # at most 12 (the photos are of similar objects), the WhatsApp re-share and the Canon folder (absent) left out.
    _style("Tech4Tracing/CartridgeOCR", "a93185a9ff5d6d490ce367cd01b5d0fd697967e2",
           "MIT (repository LICENSE); the project's own test photographs",
           r"^imagesForTesting/(2021-05-1[58]|deviceComparison/(androidPixel5|iPhone11))/(PXL|IMG)_[^/]+\.(jpg|JPG)$",
           gsr.CAMERA, "camera", cap=12),
)


def check_style_sources(sources: tuple[Source, ...] = REAL_STYLE_SOURCES) -> None:
    """Round 2: refuse an unpinned, unlicensed or reserved source, or a rule that is not an authentic picture of
    one of the three small real styles (``gen_sources_real.REAL_STYLES``)."""
    gsr.check_provenance(sources)
    for s in sources:
        for _p, label, family, _style in s.rules:
            if label != R or family not in gsr.REAL_STYLES:
                raise ValueError(f"{s.repo}: {label} / {family} is not a real small-style rule")


def check_s12_sources(real: tuple[Source, ...] = REAL_SOURCES,
                      generated: tuple[Source, ...] = GENERATED_SOURCES) -> None:
    """Refuse an unpinned or unlicensed source, a reserved repository, a real source that is not an authentic
    ``stock-web`` rule, or a generated source of a held-out (or undeclared) family."""
    gsr.check_provenance(real + generated)
    for s in real:
        for _p, label, family, _style in s.rules:
            if label != R or family != FAMILY:
                raise ValueError(f"{s.repo}: {label} / {family} is not a real {FAMILY} rule")
    for s in generated:
        for _p, label, family, _style in s.rules:
            if label != G or family in HELDOUT_FAMILIES or family not in GEN_FAMILIES:
                raise ValueError(f"{s.repo}: {label} / {family} cannot go to the training split")


def overlapping_repositories(sources: tuple[Source, ...] = REAL_SOURCES + GENERATED_SOURCES,
                             others_extra: tuple[Source, ...] = ()) -> set[str]:
    """Repositories of ``sources`` that another source list of the project (or ``others_extra``) already reads:
    must stay empty."""
    from forgelens.training import (
        gen_sources_commercial,
        gen_sources_families,
        gen_sources_fresh,
        gen_sources_stock,
    )

    others = (gd.SOURCES + gen_sources_stock.STOCK_WEB_SOURCES + gen_sources_fresh.FRESH_SOURCES
              + gen_sources_families.FAMILY_SOURCES + gen_sources_commercial.COMMERCIAL_SOURCES + gsr.REAL_SOURCES
              + others_extra)
    return {s.repo for s in sources} & {s.repo for s in others}


def style_overlaps() -> set[str]:
    """Round 2's repositories that any other source list reads, round 1's included, or that appear twice: must
    stay empty."""
    repos = [s.repo for s in REAL_STYLE_SOURCES]
    twice = {r for r in repos if repos.count(r) > 1}
    return overlapping_repositories(REAL_STYLE_SOURCES, REAL_SOURCES + GENERATED_SOURCES) | twice


def seeded_repository_split(repos: list[str], seed: int = SPLIT_SEED) -> dict[str, str]:
    """Whole repositories to one split: sorted, shuffled with ``seed``, the first half (rounded down) to
    validation, the rest to training."""
    order = sorted(set(repos))
    random.Random(seed).shuffle(order)
    n_val = len(order) // 2
    return {r: ("val" if i < n_val else "train") for i, r in enumerate(order)}


def extend_s12(out: Path, mirrors: Path | None, sources: tuple[Source, ...], guard: Path, *, split: str | dict[str, str],
               shared: Path | None = None, seed: int = 0, tag: str = TAG_REAL, robust: bool = True,
               extra: list[tuple[Record, bytes]] | None = None) -> list[Record]:
    """Add the pictures of ``sources`` to the set in ``out``: ``split`` is "train" / "val" for every new picture,
    or a repository → split map; otherwise ``gen_sources_real.extend_real`` (the steps of
    ``generation_data.extend``, near-duplicates dropped against the set AND ``shared``/datasets, the guard on the
    raw pictures and the new views). The old records stay first and unchanged."""
    return gsr.extend_real(out, mirrors, sources, guard, shared=shared, seed=seed, tag=tag, robust=robust,
                           extra=extra, split=split)


def counts(records: list[Record]) -> str:
    """Markdown table: kept pictures per repository, label and split; then the drop reasons."""
    kept = Counter((r.repo, r.label, r.family, r.split) for r in records if not r.dropped)
    lines = ["| repository | label | family | split | kept |", "|---|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} | {n} |" for (a, b, c, d), n in sorted(kept.items())]
    dropped = Counter((r.repo, r.dropped.split(" of ")[0]) for r in records if r.dropped)
    lines += [""] + [f"- {repo}: dropped, {why}: {n}" for (repo, why), n in sorted(dropped.items())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = gd.extend_arguments("add session 12's real photo sources and generated pictures to a generation set")
    ap.add_argument("--only", choices=("real", "generated", "both", "styles"), default="both")
    a = ap.parse_args(argv)
    if a.only == "styles":
        check_style_sources()
        if style_overlaps():
            raise SystemExit(f"repositories already read by another source list: {sorted(style_overlaps())}")
        guard = a.guard or a.shared / "tools" / "heldout_guard.py"
        split = seeded_repository_split([s.repo for s in REAL_STYLE_SOURCES])
        pairs = ", ".join(f"{r} → {s}" for r, s in sorted(split.items()))
        print(f"round 2 repository split (seed {SPLIT_SEED}): {pairs}")
        recs = extend_s12(a.out, a.mirrors, REAL_STYLE_SOURCES, guard, split=split, shared=a.shared, seed=a.seed,
                          tag=TAG_STYLES)
        print(gd.summary(recs), "\n", counts(recs), sep="\n")
        return 0
    check_s12_sources()
    if overlapping_repositories():
        raise SystemExit(f"repositories already read by another source list: {sorted(overlapping_repositories())}")
    guard = a.guard or a.shared / "tools" / "heldout_guard.py"
    if a.only in ("real", "both"):
        split = seeded_repository_split([s.repo for s in REAL_SOURCES])
        pairs = ", ".join(f"{r} → {s}" for r, s in sorted(split.items()))
        print(f"repository split (seed {SPLIT_SEED}): {pairs}")
        recs = extend_s12(a.out, a.mirrors, REAL_SOURCES, guard, split=split, shared=a.shared, seed=a.seed, tag=TAG_REAL)
        print(gd.summary(recs), "\n", counts(recs), sep="\n")
    if a.only in ("generated", "both"):
        recs = extend_s12(a.out, a.mirrors, GENERATED_SOURCES, guard, split="train", shared=a.shared, seed=a.seed,
                          tag=TAG_GEN)
        print(gd.summary(recs), "\n", counts(recs), sep="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
