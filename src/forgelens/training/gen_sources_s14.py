"""More photographers' portfolio photos on the real side of the generation set (issue 18, session 14, round N7).

Why: session 14's T5 (session 13's portfolio photos without the withdrawn repository, read with the PS threshold)
called more fresh generated pictures at the shipped model's false-alarm count, but 6 of the 66 portfolio
validation photos were called generated — handball in an arena, stage dance, panning and defocus, birds and
landscapes — styles its real training side lacks. As in session 13 (``gen_sources_s13``; Ojha et al., UnivFD,
CVPR 2023; Cozzolino et al., B-Free, CVPR 2025: diverse real content lowers false alarms on real photos unlike
the training ones), this module adds photographers' own published camera photos of those styles from public
repositories that no source list of the project reads.

``PORTFOLIO2_SOURCES``: every rule ``authentic``, real source key (family) and style ``portfolio`` — the SAME
source as session 13's list — at most ``CAP_PER_REPO`` pictures of one repository (picked by path hash, as every
source list). Every repository goes to TRAINING (``SPLIT``: no split draw), so the portfolio validation photos
stay exactly session 13's 66 (``gen_sources_s13.seeded_split``'s four validation repositories, which this list
must not read):

- ``wafflestomper/Z-Photography-Site``: school and club sport — basketball in gyms, lacrosse, baseball, track,
  squash, stage dance (1920-pixel JPEG exports; the ``blog/`` copies of the same photos left out);
- ``mattyparty/concertphotography``: concert photography from the pit (stage light, gels, smoke; Sony camera
  JPEGs; the thumbnails and the ``portfolio/fullsize`` copies left out);
- ``CamilCar/jb-wildlife-photos``: Scandinavian wildlife — bear, fox, eagle, kingfisher, badger at night, loon,
  musk ox (Canon EOS R6 exports of photographer Joris Bomert, used on the site with his permission);
- ``Hoseman/landscape-photography``: landscapes at dawn and dusk, fog, night city, travel portraits (a
  photographer's WordPress theme; the large gallery and slider exports, thumbnails and tab images left out);
- ``taiadcameron/ConcertPhotography``: club concert photography (dark stage, coloured light; WebP exports
  with the photographer's small mark);
- ``Mickgw/photography-portfolio``: motorsport events (Goodwood Festival of Speed, Nordschleife, Nurburgring
  Classic) and Switzerland (6000x4000 camera JPEGs, graded).

A repository whose README or licence reserves all rights or forbids use is left out (as session 13's
nino-chavez); none stated is allowed (research use, as every earlier list): the pictures are read as features,
never redistributed. Near-duplicates are dropped against the set's kept pictures, every picture of
``../shared/datasets`` and every picture of issue 18's two confirmation sets (``--against``); the evaluation guard
runs on the raw pictures and on their processed views (``gen_sources_real.extend_real``).

Usage (adds them to a copy of a set; prints the provenance summary)::

    python -m forgelens.training.gen_sources_s14 --mirrors /work/.mirror --shared ../shared --out D \\
        --against /work/gen-data-s13conf
"""

from __future__ import annotations

from pathlib import Path

from forgelens.training import gen_sources_real as gsr
from forgelens.training import gen_sources_s12 as s12
from forgelens.training import gen_sources_s13 as s13
from forgelens.training import generation_data as gd
from forgelens.training.generation_data import Source

R = s13.R
#: The same real source key (family) and style as session 13's portfolio list.
FAMILY = STYLE = s13.FAMILY
TAG = "s14-portfolio2"
#: At most this many pictures of one repository (fixed by the brief before any count).
CAP_PER_REPO = 25
#: Every repository of this list goes to training (declared by the lead; no split draw).
SPLIT = "train"


def _pf(repo: str, commit: str, licence: str, pattern: str, exclude: str = r"$^") -> Source:
    return Source(repo, commit, licence, ((pattern, R, FAMILY, STYLE),), exclude=exclude, cap_per_family=CAP_PER_REPO)


#: Session 14's portfolio repositories (all to training). Their order is the manifest order, which a per-family
#: ``--train-cap`` follows: first the styles of T5's portfolio false alarms (sport in a gym and stage dance, concert
#: stage, wildlife, landscapes at dusk / night), fixed before any picture was scored.
PORTFOLIO2_SOURCES: tuple[Source, ...] = (
    _pf("wafflestomper/Z-Photography-Site", "b3cf3b14b4429a7b2b55999498a76768de4452e7",
        "none stated (photographer's site)", r"^images/(photo\d+|instagram/\d+)\.jpe?g$"),
    _pf("mattyparty/concertphotography", "103aecb5e7a545afb44316f0bc909b5c2b5907a6",
        "none stated (photographer's site)", r"^assets/img/(\d\d_[^/]+|portfolio/kiss)/[^/]+\.(jpe?g|JPE?G)$"),
    _pf("CamilCar/jb-wildlife-photos", "094bad73b1b4170ba60a5be32bc03cb30e86b3b8",
        "none stated (README: all photos by photographer Joris Bomert, used with his permission)",
        r"^static/media/(hero_images|print_images)/[^/]+\.jpe?g$"),
    _pf("Hoseman/landscape-photography", "3fccc0296c097741ab8e765f6394e944064fae07",
        "GPL-2.0-or-later (the theme's LICENSE); the photographer's own photos in its images/",
        r"^images/((people|travel|uk-photography)-gallery-large-\d+|home-gallery-\d+-large"
        r"|home-slider-1-large(-\d)?|singular)\.jpg$"),
    _pf("taiadcameron/ConcertPhotography", "4a44676c565723693190e4edf9f66f658605953c",
        "none stated (photographer's site)", r"^src/assets/imgs/[^/]+\.webp$"),
    _pf("Mickgw/photography-portfolio", "4f5ed62d1444935631ec40ef85c83754de8f0029",
        "none stated (photographer's site)", r"^public/images/[^/]+/[^/]+\.jpe?g$"),
)

#: Looked at and left out, with the reason (repository → why): no picture of these is read.
LEFT_OUT_WHY: dict[str, str] = {
    "mjmurphyphotography/bird-photography": "no snapshot could be had (over the mirror size limit)",
    "luhmann/photography-portfolio": "no snapshot could be had (over the mirror size limit)",
    "efemenoserime/animal-photographer-portfolio": "only stock camera / equipment pictures of a site template",
    "pradeepmurthy1992/pradhu-photography-site": "no photos in its snapshot (a logo and a cover only)",
}
LEFT_OUT = frozenset(LEFT_OUT_WHY)


def check_portfolio2_sources(sources: tuple[Source, ...] = PORTFOLIO2_SOURCES) -> None:
    """Refuse an unpinned, unlicensed or reserved source, a rule that is not an authentic ``portfolio`` picture, a
    cap above ``CAP_PER_REPO``, or a repository of session 13's portfolio validation split."""
    s13.check_portfolio_sources(sources)
    val = {r for r, s in s13.seeded_split().items() if s == "val"}
    for s in sources:
        if s.repo in val:
            raise ValueError(f"{s.repo}: a portfolio validation repository of session 13")


def portfolio2_overlaps() -> set[str]:
    """This round's repositories that any other source list reads (every list ``gen_sources_s13.portfolio_overlaps``
    checks, session 13's portfolio list and its withdrawn and left-out repositories), that appear twice, or that
    this list leaves out: must stay empty."""
    repos = [s.repo for s in PORTFOLIO2_SOURCES]
    twice = {r for r in repos if repos.count(r) > 1}
    others = s13.all_other_sources() + s13.PORTFOLIO_SOURCES + s13.WITHDRAWN_SOURCES
    return (s12.overlapping_repositories(PORTFOLIO2_SOURCES, others) | twice
            | (set(repos) & (s13.LEFT_OUT | LEFT_OUT)))


def main(argv: list[str] | None = None) -> int:
    ap = gd.extend_arguments("add session 14's photographers' portfolio photos (real, 'portfolio', all training)")
    ap.add_argument("--against", type=Path, action="append", default=[],
                    help="another set (e.g. a confirmation set) whose pictures the new ones are deduplicated against")
    a = ap.parse_args(argv)
    check_portfolio2_sources()
    if portfolio2_overlaps():
        raise SystemExit(f"repositories already read by another source list: {sorted(portfolio2_overlaps())}")
    if s13.portfolio_overlaps():
        raise SystemExit(f"session 13's portfolio list overlaps: {sorted(s13.portfolio_overlaps())}")
    guard = a.guard or a.shared / "tools" / "heldout_guard.py"
    recs = gsr.extend_real(a.out, a.mirrors, PORTFOLIO2_SOURCES, guard, shared=a.shared, seed=a.seed, tag=TAG,
                           split=SPLIT, also_against=s13.against_records(a.against))
    print(gd.summary(recs), "\n", s12.counts(recs), sep="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
