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

Usage::

    python -m forgelens.training.gen_sources_conf --mirrors /work/.mirror --shared ../shared --out /work/gen-data-s12conf
"""

from __future__ import annotations

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


def _real(repo: str, commit: str, licence: str, pattern: str, style: str, exclude: str = r"$^") -> Source:
    return Source(repo, commit, licence, ((pattern, R, FAMILY_REAL, style),), exclude=exclude,
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


def check_conf_sources(generated: tuple[Source, ...] = CONF_GENERATED, real: tuple[Source, ...] = CONF_REAL) -> None:
    """Refuse an unpinned or unlicensed source, a reserved repository, a generated rule outside
    ``CONF_GEN_FAMILIES`` or a real rule that is not an authentic ``fresh-conf`` picture."""
    gsr.check_provenance(generated + real)
    for s in generated:
        for _p, label, family, _style in s.rules:
            if label != G or family not in CONF_GEN_FAMILIES:
                raise ValueError(f"{s.repo}: {label} / {family} is not a confirmation generated rule")
    for s in real:
        for _p, label, family, _style in s.rules:
            if label != R or family != FAMILY_REAL:
                raise ValueError(f"{s.repo}: {label} / {family} is not a {FAMILY_REAL} rule")


def conf_overlaps() -> set[str]:
    """Repositories of this set that any other source list reads (rounds 1 and 2 of session 12 included) or that
    appear twice: must stay empty."""
    mine = CONF_GENERATED + CONF_REAL
    repos = [s.repo for s in mine]
    twice = {r for r in repos if repos.count(r) > 1}
    return s12.overlapping_repositories(mine, s12.REAL_SOURCES + s12.GENERATED_SOURCES + s12.REAL_STYLE_SOURCES) | twice


def main(argv: list[str] | None = None) -> int:
    ap = gd.extend_arguments("add session 12's confirmation pictures (all validation) to a copy of a generation set")
    a = ap.parse_args(argv)
    check_conf_sources()
    if conf_overlaps():
        raise SystemExit(f"repositories already read by another source list: {sorted(conf_overlaps())}")
    guard = a.guard or a.shared / "tools" / "heldout_guard.py"
    recs = s12.extend_s12(a.out, a.mirrors, CONF_GENERATED + CONF_REAL, guard, split="val", shared=a.shared,
                          seed=a.seed, tag=TAG, robust=False)
    print(gd.summary(recs), "\n", s12.counts(recs), sep="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
