"""Session 16 of issue 18, candidate N11: fresh sets 5-8 moved into training (training.gen_sources_s16) through the
same code path as N9's sets 1-4 (training.gen_sources_s15, generalised). No network, no data: rules only."""

from __future__ import annotations

from dataclasses import replace

import pytest

from forgelens.training import gen_sources_conf as conf
from forgelens.training import gen_sources_s15 as s15
from forgelens.training import gen_sources_s16 as s16
from forgelens.training import generation_data as gd

FRESH = (conf.CONF5_GENERATED + conf.CONF5_REAL + conf.CONF6_GENERATED + conf.CONF6_REAL + conf.CONF7_GENERATED
         + conf.CONF7_REAL + conf.CONF8_GENERATED + conf.CONF8_REAL)


def test_n11_sources_are_sets_5_to_8_less_held_out_families_real_under_stock_web():
    s16.check_n11_sources()
    src = s16.n11_sources()
    by_repo = {s.repo: s for s in FRESH}
    assert [s.repo for s in src] == [s.repo for s in FRESH]  # build order, none dropped (no held-out family)
    for s in src:
        o = by_repo[s.repo]
        assert (s.commit, s.exclude, s.cap_per_family, s.licence) == (o.commit, o.exclude, o.cap_per_family, o.licence)
        assert [r[0] for r in s.rules] == [r[0] for r in o.rules]
        assert [r[2] for r in s.rules if r[1] == "generated"] == [r[2] for r in o.rules if r[1] == "generated"]
    real = [s for s in src if s.rules[0][1] == "authentic"]
    assert len(real) == 10 and {s.repo for s in real} == {s.repo for s in conf.CONF5_REAL + conf.CONF7_REAL}
    assert all(r[2] == s16.REAL_FAMILY == s15.REAL_FAMILY == "stock-web" for s in real for r in s.rules)
    fams = {r[2] for s in src for r in s.rules if r[1] == "generated"}
    assert not fams & gd.HELDOUT_FAMILIES and s16.heldout_left_out() == []
    assert {"gpt-image-2", "nano-banana-2", "hunyuan-image-3", "flux-2-klein-4b", "z-image-turbo"} <= fams
    assert s16.TAG != s15.TAG


def test_one_code_path_the_held_out_rule_applies_to_any_set_list():
    """``training_sources`` is N9's and N11's code path: a held-out rule in a set is dropped and counted; a source left
    with no rule is out whole; real rules of any fresh key go under stock-web."""
    g = conf.CONF5_GENERATED[0]
    r = conf.CONF5_REAL[0]
    mixed = replace(g, rules=(g.rules[0], (g.rules[0][0], "generated", "seedream-5", "mixed")))
    only_held = replace(conf.CONF6_GENERATED[0], rules=(("^x", "generated", "grok", "mixed"),))
    sets = (("set 5", (mixed, only_held, r)),)
    out = s15.training_sources(sets)
    assert [s.repo for s in out] == [g.repo, r.repo]
    assert [x[2] for x in out[0].rules] == [g.rules[0][2]]
    assert out[1].rules[0][2] == "stock-web"
    assert sorted(s15.heldout_left_out_of(sets)) == sorted([(g.repo, "seedream-5"), (only_held.repo, "grok")])
    assert s15.sets_label(s16.fresh_sets()) == "sets 5-8" and s15.sets_label(s15.fresh_sets()) == "sets 1-4"
    # N9's list is unchanged by the generalisation
    assert s15.n9_sources() == s15.training_sources(s15.fresh_sets())


def test_licences_every_source_decided_none_refused():
    assert set(s16.LICENCE_DECISION) == {s.repo for s in FRESH}
    assert not s16.LICENCE_DROPPED
    assert all(d.startswith("accepted") for d in s16.LICENCE_DECISION.values())


def test_check_refuses_held_out_wrong_real_key_a_set_1_to_4_repo_twice_and_refused_licence():
    src = s16.n11_sources()
    gen = next(s for s in src if s.rules[0][1] == "generated")
    real = next(s for s in src if s.rules[0][1] == "authentic")
    with pytest.raises(ValueError, match="held-out"):
        s16.check_n11_sources((replace(gen, rules=((gen.rules[0][0], "generated", "flux-1-dev", "mixed"),)),))
    with pytest.raises(ValueError, match="stock-web"):
        s16.check_n11_sources((replace(real, rules=((real.rules[0][0], "authentic", "fresh-conf7", "stock"),)),))
    with pytest.raises(ValueError, match="not a source of fresh sets 5-8"):
        s16.check_n11_sources((s15.n9_sources()[0],))
    with pytest.raises(ValueError, match="twice"):
        s16.check_n11_sources((real, real))
    with pytest.raises(ValueError, match="licence refused"):
        s16.check_n11_sources((replace(real, licence="all rights reserved"),))


def test_the_list_hides_no_repository_from_a_fresh_sets_overlap_check():
    """As N9's: a function, not a module-level Source tuple; every repository it reads is a CONF5-CONF8 repository,
    which ``all_source_lists`` (and so every later set's overlap check) sees."""
    assert not any(isinstance(v, tuple) and v and all(isinstance(x, gd.Source) for x in v)
                   for v in vars(s16).values())
    seen = {s.repo.lower() for s in conf.all_source_lists()}
    assert {s.repo.lower() for s in s16.n11_sources()} <= seen
    assert all(conf.set_overlaps(name) == set() for name in ("conf5", "conf6", "conf7", "conf8"))


def test_compare_with_scored_names_the_candidate_and_the_sets():
    rec = gd.Record("a", "o/r", "c" * 40, "p/a.jpg", "authentic", "stock-web", "stock", "MIT")
    text = s15.compare_with_scored([rec], {"a": ("o/r", "fresh-conf5")}, name="N11", label="sets 5-8")
    assert text.startswith("scored pictures of sets 5-8: 1 (0 of a held-out family") and "in N11's training: 1" in text


# --- round 4, candidate N12: set 9 as training through the same code path

def test_n12_sources_are_set_9_through_the_same_code_path_grok_imagine_is_not_held_out():
    s16.check_n12_sources()
    set9 = conf.CONF9_GENERATED + conf.CONF9_REAL
    src = s16.n12_sources()
    assert src == s15.training_sources((("set 9", set9),), s16.REAL_FAMILY)
    assert [s.repo for s in src] == [s.repo for s in set9]  # build order, none dropped
    fams = [r[2] for s in src for r in s.rules if r[1] == "generated"]
    # set 9's Grok Imagine picture is family "grok-imagine", not the held-out "grok": the held-out rule keeps it
    assert "grok-imagine" in fams and "grok" in gd.HELDOUT_FAMILIES and "grok-imagine" not in gd.HELDOUT_FAMILIES
    assert not set(fams) & gd.HELDOUT_FAMILIES and s16.heldout_left_out_n12() == []
    real = [s for s in src if s.rules[0][1] == "authentic"]
    assert len(real) == 4 and all(r[2] == "stock-web" for s in real for r in s.rules)
    assert all(d.startswith("accepted") for d in s16.LICENCE_DECISION_N12.values())
    assert s16.TAG_N12 not in (s16.TAG, s15.TAG)
    assert not {s.repo for s in src} & {s.repo for s in s16.n11_sources()}
    with pytest.raises(ValueError, match="not a source of fresh set 9"):
        s16.check_n12_sources((s16.n11_sources()[0],))
    with pytest.raises(ValueError, match="held-out"):
        s16.check_n12_sources((replace(src[0], rules=((src[0].rules[0][0], "generated", "grok", "mixed"),)),))
