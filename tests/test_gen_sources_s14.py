"""Session 14, round N7 of issue 18: more photographers' portfolio photos on the real side (training.gen_sources_s14).
No network: the rules and the deduplication run on made-up bare mirrors."""

from __future__ import annotations

import pytest

from forgelens.training import gen_sources_conf as conf
from forgelens.training import gen_sources_s13 as s13
from forgelens.training import gen_sources_s14 as s14
from forgelens.training import generation_data as gd
from tests.test_gen_sources_s13 import bad_portfolio_sources, run_portfolio_main


def _kept(src: gd.Source, path: str) -> bool:
    """Whether ``src`` keeps ``path``, as ``list_source`` decides."""
    return gd.rule_for(src, path) is not None


def _source(repo: str) -> gd.Source:
    return next(s for s in s14.PORTFOLIO2_SOURCES if s.repo == repo)


def test_portfolio2_sources_are_new_pinned_licensed_real_capped_and_the_same_source_key():
    s14.check_portfolio2_sources()
    repos = [s.repo for s in s14.PORTFOLIO2_SOURCES]
    assert len(set(repos)) == len(repos) >= 6
    assert all(len(s.commit) == 40 and s.licence and 0 < s.cap_per_family <= 25 for s in s14.PORTFOLIO2_SOURCES)
    # the same real source as session 13's portfolio list
    assert all(rule[1:3] == ("authentic", s13.FAMILY) for s in s14.PORTFOLIO2_SOURCES for rule in s.rules)
    assert s14.portfolio2_overlaps() == set() and s13.portfolio_overlaps() == set()
    # none of session 13's repositories (read, withdrawn or left out), none of the confirmation lists'
    s13_repos = {s.repo for s in s13.PORTFOLIO_SOURCES + s13.WITHDRAWN_SOURCES} | s13.LEFT_OUT
    assert not set(repos) & s13_repos
    assert not set(repos) & {s.repo for s in conf.CONF_REAL + conf.CONF2_REAL + conf.CONF_GENERATED
                             + conf.CONF2_GENERATED}
    assert not set(repos) & s14.LEFT_OUT
    # no README or licence reserving all rights
    assert not any("all rights" in s.licence.lower() for s in s14.PORTFOLIO2_SOURCES)


def test_check_refuses_a_validation_repository_reserved_unpinned_and_large_caps():
    ok = s14.PORTFOLIO2_SOURCES[0]
    val = next(r for r, v in s13.seeded_split().items() if v == "val")
    bad = [gd.Source(val, ok.commit, ok.licence, ok.rules, cap_per_family=25)]  # a portfolio validation repository
    for src in bad + bad_portfolio_sources(ok):
        with pytest.raises(ValueError):
            s14.check_portfolio2_sources((src,))


def test_path_rules_keep_the_photographers_photos_and_leave_out_copies_thumbnails_and_graphics():
    waffle = _source("wafflestomper/Z-Photography-Site")
    assert _kept(waffle, "images/photo17.jpg") and _kept(waffle, "images/instagram/18052609961352085.jpg")
    assert not _kept(waffle, "images/blog/soccer-celebration.jpg")  # a copy of a photo
    assert not _kept(waffle, "images/about-me.jpg")
    matty = _source("mattyparty/concertphotography")
    assert _kept(matty, "assets/img/02_blink182/01_blink182.JPG") and _kept(matty, "assets/img/portfolio/kiss/k1.jpg")
    assert not _kept(matty, "assets/img/portfolio/thumbnails/01.jpg")
    assert not _kept(matty, "assets/img/portfolio/fullsize/01.jpg")
    camil = _source("CamilCar/jb-wildlife-photos")
    assert _kept(camil, "static/media/print_images/wildlife.prints.kingfisher.jpg")
    assert not _kept(camil, "media/mockupwebshop.jpg")  # screenshots of the site
    hose = _source("Hoseman/landscape-photography")
    assert _kept(hose, "images/travel-gallery-large-13.jpg") and _kept(hose, "images/home-gallery-6-large.jpg")
    assert not _kept(hose, "images/travel-gallery-thumb-13.jpg") and not _kept(hose, "images/people-tab.jpg")
    assert not _kept(hose, "screenshot.png") and not _kept(hose, "images/blog-banner-1.png")
    taia = _source("taiadcameron/ConcertPhotography")
    assert _kept(taia, "src/assets/imgs/galimg (12).webp")
    mick = _source("Mickgw/photography-portfolio")
    assert _kept(mick, "public/images/goodwood_fos_2023_day_1/MickGoodwoodDAY1-11-P.jpg")
    assert not _kept(mick, "public/images/hero_img.jpg")


def test_the_order_puts_the_styles_of_t5s_false_alarms_first():
    # the manifest order (which a per-family --train-cap follows) was fixed before any picture was scored
    assert [s.repo for s in s14.PORTFOLIO2_SOURCES][:4] == [
        "wafflestomper/Z-Photography-Site", "mattyparty/concertphotography", "CamilCar/jb-wildlife-photos",
        "Hoseman/landscape-photography"]


def test_main_sends_every_new_repository_to_training_and_dedupes_against_the_confirmation_sets(
        tmp_path, guard, monkeypatch):
    script, _mod = guard
    by_path, conf_id = run_portfolio_main(tmp_path, script, monkeypatch, s14, "PORTFOLIO2_SOURCES")
    new = list(by_path.values())
    assert next(r for r in new if r.path == "p/9.jpg").dropped == f"near-duplicate of {conf_id}"
    assert all(r.family == "portfolio" and r.label == "authentic" for r in new)
    assert {r.split for r in new if not r.dropped} == {"train"}
    assert [r.repo for r in new] == sorted(r.repo for r in new)  # the list's order is the manifest order
