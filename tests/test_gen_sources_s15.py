"""Session 15 of issue 18, candidate N9: fresh sets 1-4 moved into training (training.gen_sources_s15) and clause A of
the lead's rule (benchmarks/studies/generation_rule_s15.py). No network, no data: rules and clauses only."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from forgelens.training import gen_sources_conf as conf
from forgelens.training import gen_sources_s15 as s15
from forgelens.training import generation_data as gd
from tests._study_helpers import import_study

STUDIES = Path(__file__).resolve().parents[1] / "benchmarks" / "studies"
FRESH = (conf.CONF_GENERATED + conf.CONF_REAL + conf.CONF2_GENERATED + conf.CONF2_REAL + conf.CONF3_GENERATED
         + conf.CONF3_REAL + conf.CONF4_GENERATED + conf.CONF4_REAL)


def _study():
    return import_study("generation_rule_s15")


def test_n9_sources_are_the_four_sets_less_held_out_families_real_under_stock_web():
    s15.check_n9_sources()
    src = s15.n9_sources()
    by_repo = {s.repo: s for s in FRESH}
    # same repositories, commits, excludes and caps as the sets' own lists (the pictures they scored)
    for s in src:
        o = by_repo[s.repo]
        assert (s.commit, s.exclude, s.cap_per_family, s.licence) == (o.commit, o.exclude, o.cap_per_family, o.licence)
        assert [r[0] for r in s.rules] == [r[0] for r in o.rules if not (r[1] == "generated"
                                                                          and r[2] in gd.HELDOUT_FAMILIES)]
    # all 26 real repositories, every real rule under stock-web, no fresh-conf key left
    real = [s for s in src if s.rules[0][1] == "authentic"]
    assert len(real) == 26 and {s.repo for s in real} == {s.repo for s in FRESH if s.rules[0][1] == "authentic"}
    assert all(r[2] == s15.REAL_FAMILY == "stock-web" for s in real for r in s.rules)
    fams = {r[2] for s in src for r in s.rules if r[1] == "generated"}
    assert not fams & gd.HELDOUT_FAMILIES
    assert fams == {"gpt-image-2", "nano-banana-pro", "ideogram-4", "z-image", "z-image-turbo", "flux-1-schnell",
                    "flux-2"}
    # sources with only held-out rules are out whole; mixed sources keep their other families
    repos = {s.repo for s in src}
    assert not repos & {"velokey-ai/awesome-seedream-5.0-pro-prompts", "XLabs-AI/x-flux",
                        "imaginevid-ai/Awesome-seedream-5-pro-prompts-and-skills"}
    assert {r[2] for r in next(s for s in src if s.repo == "songguoxs/gpt4o-image-prompts").rules} == {"z-image-turbo"}
    assert {r[2] for r in next(s for s in src if s.repo == "filipstrand/mflux").rules} == {"flux-1-schnell", "flux-2"}
    assert sorted(s15.heldout_left_out()) == sorted([
        ("velokey-ai/awesome-seedream-5.0-pro-prompts", "seedream-5"), ("songguoxs/gpt4o-image-prompts", "grok"),
        ("imaginevid-ai/Awesome-seedream-5-pro-prompts-and-skills", "seedream-5"), ("XLabs-AI/x-flux", "flux-1-dev"),
        ("filipstrand/mflux", "flux-1-dev")])


def test_licences_every_source_decided_none_refused_and_the_refusal_rule():
    assert set(s15.LICENCE_DECISION) == {s.repo for s in FRESH}
    assert not s15.LICENCE_DROPPED
    assert all(d.startswith("accepted") for d in s15.LICENCE_DECISION.values())
    assert s15.licence_refused("all rights reserved (README: private and proprietary)")
    assert s15.licence_refused("")
    assert not s15.licence_refused("none stated (a photographer's portfolio site)")
    assert "redistribut" in s15.LICENCE_DECISION["kagura-agent/flux-prompt-gallery"]


def test_check_refuses_held_out_wrong_real_key_foreign_repo_twice_and_refused_licence():
    src = s15.n9_sources()
    gen = next(s for s in src if s.rules[0][1] == "generated")
    real = next(s for s in src if s.rules[0][1] == "authentic")
    with pytest.raises(ValueError, match="held-out"):
        s15.check_n9_sources((replace(gen, rules=((gen.rules[0][0], "generated", "seedream-5", "mixed"),)),))
    with pytest.raises(ValueError, match="stock-web"):
        s15.check_n9_sources((replace(real, rules=((real.rules[0][0], "authentic", "fresh-conf4", "stock"),)),))
    with pytest.raises(ValueError, match="not a source of fresh sets"):
        s15.check_n9_sources((replace(real, repo="someone/else"),))
    with pytest.raises(ValueError, match="twice"):
        s15.check_n9_sources((real, real))
    with pytest.raises(ValueError, match="licence refused"):
        s15.check_n9_sources((replace(real, licence="all rights reserved"),))


def test_the_declared_exception_hides_no_repository_from_a_fresh_sets_overlap_check():
    """N9's list is a function, not a module-level Source tuple (``all_source_lists`` would otherwise report sets 3
    and 4 as read by another list): every repository it reads is a CONF repository, which every overlap check sees."""
    assert not any(isinstance(v, tuple) and v and all(isinstance(x, gd.Source) for x in v)
                   for v in vars(s15).values())
    seen = {s.repo.lower() for s in conf.all_source_lists()}
    assert {s.repo.lower() for s in s15.n9_sources()} <= seen
    assert conf.conf3_overlaps() == set() and conf.conf4_overlaps() == set()


def test_compare_with_scored_reports_held_out_dropped_and_unscored():
    rec = lambda i, drop="": gd.Record(i, "o/r", "c" * 40, f"p/{i}.jpg", "authentic", "stock-web", "stock", "MIT",  # noqa: E731
                                       dropped=drop)
    scored = {"a": ("o/r", "fresh-conf"), "b": ("o/r", "fresh-conf"), "g": ("o/g", "grok")}
    text = s15.compare_with_scored([rec("a"), rec("b", "near-duplicate of x"), rec("z")], scored)
    assert "3 (1 of a held-out family" in text and "in N9's training: 1" in text
    assert "o/r fresh-conf b (near-duplicate of x)" in text and "in training but not scored: o/r p/z.jpg z" in text


def _measure(called, sources, auc=0.95):
    return {"called": called, "n_gen": 182, "auc": auc, "sources": sources}


def _sources(pf=2, film=0, cam=1, web=0, stock=4):
    return {"portfolio": (pf, 66), "film-kodak": (film, 35), "camera-original": (cam, 45), "web-laion": (web, 134),
            "stock-web": (stock, 274)}


def test_clause_a_items_and_edges():
    m = _study()
    ref = _measure(91, _sources(pf=5, film=0, cam=1), auc=0.9502)
    sets_ref = {"fresh": (0, 189, []), "s10": (0, 84, [])}
    ok = m.clause_a(ref, _measure(92, _sources(), auc=0.9403), sets_ref, {"fresh": (1, 189, []), "s10": (1, 84, [])},
                    (5, 66), (5, 66), (1, 0, 0), (1, 0, 1))
    assert all(p for _, p in ok), ok
    # 1a: equal calls fail; 1b: below the slack fails
    assert not m.clause_a(ref, _measure(91, _sources()), sets_ref, sets_ref, (5, 66), (2, 66), (1, 0, 0),
                          (0, 0, 0))[0][1]
    assert not m.clause_a(ref, _measure(92, _sources(), auc=0.9401), sets_ref, sets_ref, (5, 66), (2, 66), (1, 0, 0),
                          (0, 0, 0))[1][1]
    # 2: N3x + 2 fails
    items = m.clause_a(ref, _measure(92, _sources()), sets_ref, {"fresh": (2, 189, []), "s10": (0, 84, [])}, (5, 66),
                       (2, 66), (1, 0, 0), (0, 0, 0))
    assert not items[2][1] and items[3][1]
    # 3a: the portfolio row is read against N3x's count (6 > 5 fails, 5 passes), other sources at 3 %
    fail3a = m.clause_a(ref, _measure(92, _sources(pf=6)), sets_ref, sets_ref, (5, 66), (6, 66), (1, 0, 0), (0, 0, 0))
    assert not next(p for t, p in fail3a if t.startswith("3a"))
    assert not next(p for t, p in fail3a if t.startswith("5."))
    stock = m.clause_a(ref, _measure(92, _sources(stock=9)), sets_ref, sets_ref, (5, 66), (2, 66), (1, 0, 0), (0, 0, 0))
    assert not next(p for t, p in stock if t.startswith("3a"))
    # 3b: film 1/35 = 2.9 % passes (≤ 3 %); 2/35 fails (> 3 % and more than N3x's 0)
    film1 = m.clause_a(ref, _measure(92, _sources(film=1)), sets_ref, sets_ref, (5, 66), (2, 66), (1, 0, 0), (0, 0, 0))
    film2 = m.clause_a(ref, _measure(92, _sources(film=2)), sets_ref, sets_ref, (5, 66), (2, 66), (1, 0, 0), (0, 0, 0))
    assert next(p for t, p in film1 if "film-kodak" in t) and not next(p for t, p in film2 if "film-kodak" in t)
    # camera 2/45 = 4.4 % > 3 % and more than N3x's 1: fails
    cam2 = m.clause_a(ref, _measure(92, _sources(cam=2)), sets_ref, sets_ref, (5, 66), (2, 66), (1, 0, 0), (0, 0, 0))
    assert not next(p for t, p in cam2 if "camera-original" in t)
    # 4: not measured fails; manipulated N3x + 2 fails
    assert not next(p for t, p in m.clause_a(ref, _measure(92, _sources()), sets_ref, sets_ref, (5, 66), (2, 66),
                                             (1, 0, 0), None) if t.startswith("4."))
    assert not next(p for t, p in m.clause_a(ref, _measure(92, _sources()), sets_ref, sets_ref, (5, 66), (2, 66),
                                             (1, 0, 0), (0, 0, 2)) if t.startswith("4."))
    assert m.parse_clause4(["N9=0,1,2"]) == {"N9": (0, 1, 2)}
    assert m.short("/work/gen-data-s15n9/s15-candN9r") == "N9r"
