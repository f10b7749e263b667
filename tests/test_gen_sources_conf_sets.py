"""The per-set checks shared by the uniform confirmation sets 5-12 (training.gen_sources_conf ``CONF_SETS``,
``check_set_sources`` / ``set_overlaps``), one parametrised module instead of a copy per set (session 16, s16fold). Each
set's path-rule tests (which files a rule keeps / drops) stay in its own module. No network, no data, no model."""

from __future__ import annotations

import functools
import re
import runpy
from dataclasses import dataclass, replace

import pytest

from forgelens.training import gen_sources_conf as conf


@dataclass(frozen=True)
class Case:
    """What a set's old per-set tests named: its tag, the reserved repository / unpinned commit / outside family they
    tried, the earlier sets whose generated and real lists its overlap test borrowed, and its special list sizes."""

    n: int
    tag: str
    reserved: str
    unpinned: str
    other_family: str
    other_g: str
    other_r: str
    real_empty: bool = False
    floors: tuple[int, int] = (1, 0)


CASES = (
    Case(5, "s15conf5", "ianare/exif-samples", "HEAD", "ideogram-4", "CONF4", "CONF4", floors=(3, 5)),
    Case(6, "s15conf6", "comfyanonymous/ComfyUI_examples", "main", "midjourney-7", "CONF5", "CONF5", real_empty=True),
    Case(7, "s15conf7", "comfyanonymous/ComfyUI_examples", "main", "midjourney-7", "CONF6", "CONF5"),
    Case(8, "s15conf8", "comfyanonymous/ComfyUI_examples", "main", "midjourney-7", "CONF7", "CONF7", real_empty=True),
    Case(9, "s16conf9", "comfyanonymous/ComfyUI_examples", "main", "midjourney-7", "CONF8", "CONF7"),
    Case(10, "s16conf10", "comfyanonymous/ComfyUI_examples", "main", "recraft-v3", "CONF9", "CONF9"),
    Case(11, "s16conf11", "d3x-at/sd-parsers", "main", "midjourney", "CONF10", "CONF10"),
    Case(12, "s17conf12", "c2pa-org/public-testfiles", "main", "gpt-image-2", "CONF11", "CONF11"),
)


def _lists(n: int) -> tuple[tuple, tuple]:
    return getattr(conf, f"CONF{n}_GENERATED"), getattr(conf, f"CONF{n}_REAL")


def _overlaps(ns: dict, n: int):
    """Set ``n``'s overlap check in the namespace ``ns`` (set 4 keeps its own function)."""
    return ns["conf4_overlaps"] if n == 4 else functools.partial(ns["set_overlaps"], f"conf{n}")


@pytest.mark.parametrize("c", CASES, ids=lambda c: f"conf{c.n}")
def test_set_is_pinned_licensed_capped_new_and_read_by_no_other_list(c):
    name, key = f"conf{c.n}", f"fresh-conf{c.n}"
    gen, real = _lists(c.n)
    conf.check_set_sources(name)
    assert not conf.set_overlaps(name)
    earlier = {s.repo for s in conf.CONF_GENERATED + conf.CONF_REAL}
    for m in range(2, c.n):
        earlier |= {s.repo for s in sum(_lists(m), ())}
    mine = [s.repo for s in gen + real]
    assert not earlier & set(mine) and len(mine) == len(set(mine))
    assert len(gen) >= c.floors[0] and len(real) >= c.floors[1]  # set 5: the brief's repository floors
    if c.real_empty:
        assert real == ()  # sets 6 and 8: generated only (the brief: real photos optional)
    fams = getattr(conf, f"CONF{c.n}_GEN_FAMILIES")
    for s in gen:
        assert all(label == "generated" and fam in fams for _, label, fam, _ in s.rules)
        assert s.cap_per_family == conf.CAP4_GEN_PER_REPO == 20  # the brief: at most 20 generated from one repository
        assert s.licence and re.fullmatch(r"[0-9a-f]{40}", s.commit)
    for s in real:
        assert all(label == "authentic" and fam == getattr(conf, f"FAMILY_REAL{c.n}") == key
                   for _, label, fam, _ in s.rules)
        assert s.cap_per_family == conf.CAP_PER_REPO == 40  # the brief: at most 40 real from one repository
        assert s.licence and re.fullmatch(r"[0-9a-f]{40}", s.commit)
    assert getattr(conf, f"TAG{c.n}") == c.tag and getattr(conf, f"FAMILY_REAL{c.n}") == key
    cs = conf.CONF_SETS[name]
    assert (cs.prefix, cs.families, cs.real_key, cs.tag) == (f"CONF{c.n}", fams, key, c.tag)
    assert conf.SETS[name][2] == gen + real and conf.SETS[name][3] == c.tag


@pytest.mark.parametrize("c", CASES, ids=lambda c: f"conf{c.n}")
def test_set_overlap_check_sees_the_earlier_sets_and_holds_as_main(c, monkeypatch):
    ns = runpy.run_module("forgelens.training.gen_sources_conf", run_name="not_main")
    assert _overlaps(ns, c.n)() == set() and _overlaps(ns, c.n - 1)() == set()
    name, gname, rname = f"conf{c.n}", f"CONF{c.n}_GENERATED", f"CONF{c.n}_REAL"
    old_g, old_r = _lists(c.n)
    other_g, other_r = getattr(conf, f"{c.other_g}_GENERATED")[0], getattr(conf, f"{c.other_r}_REAL")[0]
    monkeypatch.setattr(conf, gname, old_g + (other_g,))
    assert conf.set_overlaps(name) == {other_g.repo}
    monkeypatch.setattr(conf, gname, old_g)
    monkeypatch.setattr(conf, rname, old_r + (other_r,))
    assert conf.set_overlaps(name) == {other_r.repo}
    monkeypatch.setattr(conf, rname, old_r)
    monkeypatch.setattr(conf, gname, old_g + (old_g[0],))
    assert conf.set_overlaps(name) == {old_g[0].repo}  # a repository listed twice
    monkeypatch.setattr(conf, gname, old_g)
    if old_r:
        monkeypatch.setattr(conf, rname, old_r + (old_r[0],))
        assert conf.set_overlaps(name) == {old_r[0].repo}  # a real repository listed twice
        monkeypatch.setattr(conf, rname, old_r)
    assert conf.set_overlaps(name) == set()


@pytest.mark.parametrize("c", CASES, ids=lambda c: f"conf{c.n}")
def test_set_check_refuses_reserved_unpinned_other_family_other_key_and_over_cap(c):
    name, key = f"conf{c.n}", f"fresh-conf{c.n}"
    gen, real_list = _lists(c.n)
    good = gen[0]
    other_r = getattr(conf, f"{c.other_r}_REAL")[0]
    # sets without real photos: an earlier set's real source given this set's key would pass
    real = real_list[0] if real_list else replace(other_r, rules=((r".", "authentic", key, "stock"),))
    check = functools.partial(conf.check_set_sources, name)
    check((good,), (real,))
    with pytest.raises(ValueError, match="reserved"):
        check((replace(good, repo=c.reserved),), ())
    with pytest.raises(ValueError, match="reserved"):
        check((), (replace(real, repo="ianare/exif-samples"),))
    with pytest.raises(ValueError, match="pinned"):
        check((replace(good, commit=c.unpinned),), ())
    with pytest.raises(ValueError, match=c.other_family):
        check((replace(good, rules=((r".", "generated", c.other_family, "mixed"),)),), ())
    for cap in (21, None, 0):  # uncapped is over the cap too
        with pytest.raises(ValueError, match="20"):
            check((replace(good, cap_per_family=cap),), ())
    for cap in (41, None):
        with pytest.raises(ValueError, match="40"):
            check((), (replace(real, cap_per_family=cap),))
    with pytest.raises(ValueError, match=key):
        check((), (other_r,))  # an earlier set's real rule
    with pytest.raises(ValueError, match=key):
        check((), (replace(other_r, cap_per_family=40),))
    with pytest.raises(ValueError, match=key):
        check((), (replace(real, rules=((r".", "authentic", f"fresh-conf{c.n - 1}", "stock"),)),))
    with pytest.raises(ValueError, match=key):
        check((), (replace(real, rules=((r".", "generated", key, "stock"),)),))
