"""Photographers' portfolio photos on the real side of the generation set (issue 18, session 13, round N5).

Why: the shipped generation detection (session 12's N3x) calls fresh generated pictures at a threshold set by the
real side, and the real photos it calls generated on issue 18's two confirmation sets are photographers' portfolio
pictures — concert and stage light, edited portraits, retouched product and stock shots. The training set's real
side has no such pictures: its stock photos are website-theme stock, its web photos are dataset samples, its camera
photos are unedited originals. Detectors of generated images learn the real side from the real photos they see
(Ojha et al., UnivFD, CVPR 2023; Cozzolino et al., B-Free, CVPR 2025: diverse real content lowers false alarms on
real photos unlike the training ones), so this module adds photographers' own published work — edited, graded,
exported for the web — from public portfolio repositories that no source list of the project reads.

``PORTFOLIO_SOURCES``: every rule ``authentic``, family (real source key) ``portfolio``, style ``portfolio``, at
most ``CAP_PER_REPO`` pictures of one repository (picked by path hash, as every source list):

- ``ItzLukaas/lukas-svendsen-photography``: handball matches and events (arena light, stage, neon) of a Danish
  sports / event photographer, ``portfolio/`` only (the ``references/`` and ``image-import/`` copies left out);
- ``fjmillman/millman-photography-v1``: landscapes, portraits, dance on stage, night and long exposures (camera
  JPEGs up to 6000x4000 with the author's small signature), ``docs/portfolio/images`` only;
- ``Tatwomey/PhotographyPortfolio``: concert photography (stage light, smoke, colour gels), JPEGs of the show
  folders (the logo PNG left out);
- ``NicoV00/Photographer-Portfolio``: fashion, editorial and runway photography (studio and subway), JPEGs (the
  PNG logos, brand graphics and the MP4s left out);
- ``AnttiK87/akphotography-websites``: Finnish wildlife and landscape photography (owl, bear, birds in flight,
  sunsets), JPEGs (the PNG flat shapes and icons left out);
- ``Ayzee287/adamenko-photography-site``: wedding, family, maternity and couple stories (Lyon), JPEGs;
- ``HammerheadShark666/jwm-photography``: wildlife, underwater, landscape and travel photography, at the last
  commit holding its ``wwwroot/photos`` folder (removed later);
- ``TTHai-Git/Photographer-Portfolio``: product, cocktail, cosmetics and macro photography (studio light,
  retouched), the WebP exports of the showcase and home folders (the full-size originals are absent from a
  snapshot; the avatar and logo left out).

Left out after a contact sheet: ``DangK3/Photographer-Portfolio`` (its portrait series carries the four-point
sparkle mark of an image generator in the corner: not certainly camera photographs). Withdrawn in session 14:
``nino-chavez/nino-chavez-photography`` (its README reserves all rights; ``WITHDRAWN_SOURCES``, ``LEFT_OUT_WHY``) —
it was one of N5's training repositories; the split of the others is unchanged (``seeded_split``).

Split: by REPOSITORY, seeded (``SPLIT_SEED``; half of the repositories, rounded down, to validation), so validation
measures photographers never seen in training. Near-duplicates are dropped against the set's kept pictures, every
picture of ``../shared/datasets`` and every picture of issue 18's two confirmation sets (``--against``); the
evaluation guard runs on the raw pictures and on their processed views (``gen_sources_real.extend_real``).

Usage (adds them to a copy of a set; prints the provenance summary)::

    python -m forgelens.training.gen_sources_s13 --mirrors /work/.mirror --shared ../shared --out D \\
        --against /work/gen-data-s13conf
"""

from __future__ import annotations

from pathlib import Path

from forgelens.training import gen_sources_real as gsr
from forgelens.training import gen_sources_s12 as s12
from forgelens.training import generation_data as gd
from forgelens.training.generation_data import Record, Source

R = "authentic"
#: The real source key (family of the authentic records) and style of this round.
FAMILY = STYLE = "portfolio"
TAG = "s13-portfolio"
#: At most this many pictures of one repository (fixed by the brief before any count).
CAP_PER_REPO = 25
#: Seed of the repository split (fixed before any count).
SPLIT_SEED = 13


def _pf(repo: str, commit: str, licence: str, pattern: str, exclude: str = r"$^") -> Source:
    return Source(repo, commit, licence, ((pattern, R, FAMILY, STYLE),), exclude=exclude, cap_per_family=CAP_PER_REPO)


#: The withdrawn repository (session 14): N5 (session 13) was fitted on it; its README says "all rights reserved", so a
#: fit that is to ship must leave it out (lead, session 13). Kept here for the record of N5's data and for the draw of
#: the repository split (``seeded_split``); no picture of it is read (``LEFT_OUT``).
WITHDRAWN_SOURCES: tuple[Source, ...] = (
    _pf("nino-chavez/nino-chavez-photography", "fed6153a9c0d02935e4f034847adda40863d14eb",
        "all rights reserved (README: private and proprietary); the photographer's own published photos, read as "
        "features only, never redistributed",
        r"^static/images/hero/flickday/((portfolio|triptych)/)?[a-z]+-\d+\.webp$", exclude=r"-mobile\."),
)

#: The portfolio repositories read. N5 (session 13) was fitted on these and ``WITHDRAWN_SOURCES``; it did not ship.
PORTFOLIO_SOURCES: tuple[Source, ...] = (
    _pf("ItzLukaas/lukas-svendsen-photography", "fd2d119d77dcf13ed555df123333de62d738b9fa",
        "none stated (photographer's site)", r"^public/images/portfolio/[^/]+/[^/]+\.(webp|jpe?g)$"),
    _pf("fjmillman/millman-photography-v1", "cfa21362330b956f2141ba63ed612df1140417b4",
        "none stated (photographer's site)", r"^docs/portfolio/images/[^/]+\.jpe?g$"),
    _pf("Tatwomey/PhotographyPortfolio", "aaead6c47d75ac70065d0ad20bf4647f54ca1288",
        "none stated (photographer's site)", r"^public/([^/]+/)?[^/]+\.jpe?g$"),
    _pf("NicoV00/Photographer-Portfolio", "f74bf180bf8ea2bbf6f5df9c17a70227b38c66fb",
        "none stated (photographer's site)", r"^public/images/[^/]+/[^/]+\.jpe?g$"),
    _pf("AnttiK87/akphotography-websites", "fbdfcbca97830972c52412aa07c515994fd6f02f",
        "none stated (photographer's site)",
        r"^frontend/public/images/(about|galleryCover|homeBackground|homepage)/[^/]+\.jpe?g$"),
    _pf("Ayzee287/adamenko-photography-site", "e5cdd67bab8784eafb73c04dc533d2e915d55335",
        "MIT (repository LICENSE, (c) 2026 Adamenko Photography); the photographer's own photos",
        r"^public/stories/[^/]+/[^/]+/[^/]+\.jpe?g$"),
    _pf("HammerheadShark666/jwm-photography", "54cf878ef3e04ac81bd3e120610f9ae3a5439874",
        "none stated (photographer's site)", r"^PhotographySite/wwwroot/photos/[^/]+\.jpe?g$"),
    _pf("TTHai-Git/Photographer-Portfolio", "c3996736e8a9916d105f28559dc4fd4c7126719e",
        "none stated (photographer's site)",
        r"^my-photographer-portfolio-app/src/Assets/Images/(home|showcase/[^/]+)/webp/[^/]+\.webp$"),
)

#: Left out, with the reason (repository → why): no picture of these is read.
LEFT_OUT_WHY: dict[str, str] = {
    "DangK3/Photographer-Portfolio": "looked at (contact sheet): the four-point sparkle mark of an image generator on "
                                     "its portraits, not certainly camera photographs (session 13)",
    "nino-chavez/nino-chavez-photography": "its README reserves all rights (\"private and proprietary\"): a shipped fit "
                                           "must not use it (session 14; it was in N5's training split)",
}
LEFT_OUT = frozenset(LEFT_OUT_WHY)


def check_portfolio_sources(sources: tuple[Source, ...] = PORTFOLIO_SOURCES) -> None:
    """Refuse an unpinned, unlicensed or reserved source, a rule that is not an authentic ``portfolio`` picture, or a
    cap above ``CAP_PER_REPO``."""
    gsr.check_provenance(sources)
    for s in sources:
        if not 0 < s.cap_per_family <= CAP_PER_REPO:
            raise ValueError(f"{s.repo}: cap {s.cap_per_family} is not in 1..{CAP_PER_REPO}")
        for _p, label, family, _style in s.rules:
            if label != R or family != FAMILY:
                raise ValueError(f"{s.repo}: {label} / {family} is not a real {FAMILY} rule")


def all_other_sources() -> tuple[Source, ...]:
    """Every other source list of the project, the two confirmation sets' lists included."""
    from forgelens.training import gen_sources_conf as conf

    return (s12.REAL_SOURCES + s12.GENERATED_SOURCES + s12.REAL_STYLE_SOURCES + conf.CONF_GENERATED + conf.CONF_REAL
            + conf.CONF2_GENERATED + conf.CONF2_REAL)


def portfolio_overlaps() -> set[str]:
    """This round's repositories that any other source list reads (``gen_sources_s12.overlapping_repositories``'
    lists, both rounds of session 12 and both confirmation lists), or that appear twice: must stay empty."""
    repos = [s.repo for s in PORTFOLIO_SOURCES]
    twice = {r for r in repos if repos.count(r) > 1}
    return s12.overlapping_repositories(PORTFOLIO_SOURCES, all_other_sources()) | twice | (set(repos) & LEFT_OUT)


def seeded_split() -> dict[str, str]:
    """Whole repositories to one split (``gen_sources_s12.seeded_repository_split`` with ``SPLIT_SEED``), of the
    repositories read. The draw is over those AND ``WITHDRAWN_SOURCES`` (the repositories it was drawn over in session
    13), so withdrawing a repository after the draw leaves every other one in its recorded split."""
    drawn = s12.seeded_repository_split([s.repo for s in PORTFOLIO_SOURCES + WITHDRAWN_SOURCES], seed=SPLIT_SEED)
    return {s.repo: drawn[s.repo] for s in PORTFOLIO_SOURCES}


def against_records(sets: list[Path]) -> list[Record]:
    """The kept pictures (with a perceptual hash) of other generation sets, e.g. the confirmation sets: what the new
    pictures are also deduplicated against."""
    out: list[Record] = []
    for d in sets:
        out += [r for r in gd.load_manifest(d) if not r.dropped and r.phash]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = gd.extend_arguments("add session 13's photographers' portfolio photos (real, 'portfolio') to a generation set")
    ap.add_argument("--against", type=Path, action="append", default=[],
                    help="another set (e.g. a confirmation set) whose pictures the new ones are deduplicated against")
    a = ap.parse_args(argv)
    check_portfolio_sources()
    if portfolio_overlaps():
        raise SystemExit(f"repositories already read by another source list: {sorted(portfolio_overlaps())}")
    guard = a.guard or a.shared / "tools" / "heldout_guard.py"
    split = seeded_split()
    print(f"repository split (seed {SPLIT_SEED}): " + ", ".join(f"{r} → {s}" for r, s in sorted(split.items())))
    recs = gsr.extend_real(a.out, a.mirrors, PORTFOLIO_SOURCES, guard, shared=a.shared, seed=a.seed, tag=TAG,
                           split=split, also_against=against_records(a.against))
    print(gd.summary(recs), "\n", s12.counts(recs), sep="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
