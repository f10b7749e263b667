"""The four fresh confirmation sets moved into TRAINING (issue 18, session 15, candidate N9).

Why: sets 1-4 (``gen_sources_conf``'s ``CONF_*``, ``CONF2_*``, ``CONF3_*``, ``CONF4_*``: generated pictures of 2026
generators as users meet them and real web / photographers' photos from 26 repositories) have each been used once, to
judge a candidate, and are now seen. They are the closest data the project has to what users meet, while every earlier
candidate added training data far from it. A detector of generated images learns what separates real photographs from
generated ones from the pictures it is trained on (Ojha et al., UnivFD, CVPR 2023; Cozzolino et al., B-Free, CVPR 2025:
diverse real content, in-distribution generators), so N9 fits on them; a fifth set, closed before any model scores it,
judges N9.

``n9_sources()`` derives the list from the four sets' OWN source lists (same repositories, commits, path rules,
excludes and caps — so the same pictures they scored are read), with two changes:

- generated rules of a ``generation_data.HELDOUT_FAMILIES`` family (seedream-5, grok, flux-1-dev, midjourney-v7) are
  dropped, so the family-disjoint validation split keeps its meaning (a source left with no rule is dropped whole:
  ``heldout_left_out``); every other generated rule keeps its own family name (gpt-image-2, nano-banana-pro,
  ideogram-4, z-image, z-image-turbo, flux-1-schnell, flux-2 — the last two are NOT in ``HELDOUT_FAMILIES``, which
  names Flux's [dev] only, so they go in, as declared);
- every real rule (``fresh-conf`` … ``fresh-conf4``) becomes the repository-grouped real source ``stock-web``
  (``gen_sources_s12.FAMILY``; ``fit_generation.py --group-real-by-repo stock-web`` makes each repository a CV group).
  No new real family is needed (``fresh-web`` is already the key of i18f's validation-only photos and is not reused).

Licences: a source whose recorded licence reserves all rights or forbids use is dropped (``LICENCE_DROPPED``), the
rule of every training list (``gen_sources_s14``: "none stated" is accepted — research use, read as features, never
redistributed). None of the four sets' sources is dropped by it; ``LICENCE_DECISION`` says why per source.

The list is exposed as a FUNCTION, not a module-level tuple, on purpose: ``gen_sources_conf.all_source_lists`` finds
every module-level ``Source`` tuple of every ``gen_sources_*`` module, and ``conf3_overlaps`` / ``conf4_overlaps``
assert that sets 3 and 4 were read by no other list when they were built. N9's list is the one declared exception
(the lead's brief, session 15): every repository it reads is already a ``CONF*`` repository that those checks and any
later set's check see, so nothing is hidden from a fresh set's overlap check (``tests/test_gen_sources_s15.py``).

Build (adds them to a ``cp -al`` copy of N8's data, every new picture to ``train``, the builder's usual chain and
views: ``gen_sources_real.extend_real`` — size / flatness filter, the held-out guard on the raw pictures and on the new
views, near-duplicates dropped against the set's kept pictures, N8's training AND validation pictures included, every
picture of ``../shared/datasets`` and among themselves)::

    python -m forgelens.training.gen_sources_s15 --mirrors /work/.mirror --shared ../shared --out /work/gen-data-s15n9 \\
        --scored /work/gen-data-s14conf4
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections import Counter
from pathlib import Path

from forgelens.training import gen_sources_conf as conf
from forgelens.training import gen_sources_real as gsr
from forgelens.training import gen_sources_s12 as s12
from forgelens.training import generation_data as gd
from forgelens.training.generation_data import HELDOUT_FAMILIES, Source

R, G = "authentic", "generated"
#: The real source key the fresh real photos join (repository-grouped in the fit).
REAL_FAMILY = s12.FAMILY
TAG = "s15-fresh"
#: Every picture of this list goes to training.
SPLIT = "train"
#: The four sets' real source keys (what the confirmation sets called their real photos).
FRESH_REAL_KEYS = frozenset({conf.FAMILY_REAL, conf.FAMILY_REAL2, conf.FAMILY_REAL3, conf.FAMILY_REAL4})
#: Recorded licences that a training list refuses (all rights reserved, use forbidden).
_REFUSED = re.compile(r"all rights reserved|proprietary|forbid|prohibit|no use|not be used", re.I)

#: (set name, its sources: generated then real), in the order the sets were built.
FreshSets = tuple[tuple[str, tuple[Source, ...]], ...]


def fresh_sets() -> FreshSets:
    """(set name, its sources: generated then real) for sets 1-4, in the order they were built."""
    return (("set 1", conf.CONF_GENERATED + conf.CONF_REAL), ("set 2", conf.CONF2_GENERATED + conf.CONF2_REAL),
            ("set 3", conf.CONF3_GENERATED + conf.CONF3_REAL), ("set 4", conf.CONF4_GENERATED + conf.CONF4_REAL))


def sets_label(sets: FreshSets) -> str:
    """'sets 1-4' / 'sets 5-8': the sets' numbers as the messages name them."""
    nums = [n.split()[-1] for n, _s in sets]
    return f"sets {nums[0]}-{nums[-1]}" if len(nums) > 1 else f"set {nums[0]}"


def licence_refused(licence: str) -> bool:
    """Whether a recorded licence reserves all rights or forbids use (the training lists' refusal rule)."""
    return not licence or bool(_REFUSED.search(licence))


def _decision(s: Source) -> str:
    low = s.licence.lower()
    if licence_refused(s.licence):
        return "dropped: the recorded licence reserves all rights or forbids use"
    if low.startswith("none stated"):
        return "accepted: none stated (as every training list: research use, features only, never redistributed)"
    if "redistributable" in low:
        return ("accepted: use allowed, redistribution not (the pictures are read as features, never "
                "redistributed)")
    return f"accepted: {s.licence.split(';')[0]}"


def licence_decisions(sets: FreshSets) -> dict[str, str]:
    """Per source of ``sets``: repository → what the training lists' licence rule decides, and why."""
    return {s.repo: _decision(s) for _n, srcs in sets for s in srcs}


#: Per source of sets 1-4 (repository → what the training lists' licence rule decides, and why).
LICENCE_DECISION: dict[str, str] = licence_decisions(fresh_sets())
#: Sources dropped for their licence (none of sets 1-4's).
LICENCE_DROPPED = frozenset(r for r, d in LICENCE_DECISION.items() if d.startswith("dropped"))


def _to_training(s: Source, real_family: str = REAL_FAMILY) -> Source | None:
    """The same source with held-out generated rules dropped and real rules under ``real_family``; None if no rule
    is left."""
    rules = tuple((p, lab, real_family if lab == R else fam, sty) for p, lab, fam, sty in s.rules
                  if not (lab == G and fam in HELDOUT_FAMILIES))
    return dataclasses.replace(s, rules=rules) if rules else None


def training_sources(sets: FreshSets, real_family: str = REAL_FAMILY) -> tuple[Source, ...]:
    """Fresh sets moved into training: their sources in build order, licence-refused ones out, held-out generated
    rules out, real rules under ``real_family`` (the module docstring; the one code path of N9's and N11's lists)."""
    dropped = {r for r, d in licence_decisions(sets).items() if d.startswith("dropped")}
    out = []
    for _name, srcs in sets:
        for s in srcs:
            t = None if s.repo in dropped else _to_training(s, real_family)
            if t is not None:
                out.append(t)
    return tuple(out)


@functools.lru_cache(maxsize=1)
def n9_sources() -> tuple[Source, ...]:
    """N9's training sources: sets 1-4's sources in build order, licence-refused ones out, held-out generated rules
    out, real rules under ``REAL_FAMILY`` (see the module docstring)."""
    return training_sources(fresh_sets())


def heldout_left_out_of(sets: FreshSets) -> list[tuple[str, str]]:
    """(repository, family) of every generated rule of ``sets`` left out because its family is held out."""
    return [(s.repo, fam) for _n, srcs in sets for s in srcs for _p, lab, fam, _st in s.rules
            if lab == G and fam in HELDOUT_FAMILIES]


def heldout_left_out() -> list[tuple[str, str]]:
    """(repository, family) of every generated rule of sets 1-4 left out because its family is held out."""
    return heldout_left_out_of(fresh_sets())


def check_training_sources(sources: tuple[Source, ...], sets: FreshSets, real_family: str = REAL_FAMILY) -> None:
    """Refuse an unpinned, unlicensed or reserved source, a held-out generated family, a real rule outside
    ``real_family``, a repository that is not one of ``sets``', or one listed twice."""
    gsr.check_provenance(sources)
    fresh = {s.repo for _n, srcs in sets for s in srcs}
    repos = [s.repo for s in sources]
    for s in sources:
        if s.repo not in fresh:
            raise ValueError(f"{s.repo}: not a source of fresh {sets_label(sets)}")
        if repos.count(s.repo) > 1:
            raise ValueError(f"{s.repo}: listed twice")
        if licence_refused(s.licence):
            raise ValueError(f"{s.repo}: licence refused for training ({s.licence})")
        for _p, label, family, _style in s.rules:
            if label == G and family in HELDOUT_FAMILIES:
                raise ValueError(f"{s.repo}: {family} is a held-out (validation-only) family")
            if label == R and family != real_family:
                raise ValueError(f"{s.repo}: real rule under {family}, not {real_family}")


def check_n9_sources(sources: tuple[Source, ...] | None = None) -> None:
    """``check_training_sources`` for N9's list and sets 1-4."""
    check_training_sources(n9_sources() if sources is None else sources, fresh_sets())


def scored_of(conf_data: Path, sets: FreshSets) -> dict[str, tuple[str, str]]:
    """The pictures ``sets`` scored: id → (repository, family) of every kept record of one of their repositories in
    ``conf_data`` (a data folder that holds all of them: the last set's)."""
    fresh = {s.repo for _n, srcs in sets for s in srcs}
    return {r.id: (r.repo, r.family) for r in gd.load_manifest(conf_data) if not r.dropped and r.repo in fresh}


def scored_pictures(conf_data: Path) -> dict[str, tuple[str, str]]:
    """The pictures sets 1-4 scored: id → (repository, family) of every kept record of a ``CONF*`` repository in
    ``conf_data`` (the fourth set's data folder, which holds all four sets)."""
    return scored_of(conf_data, fresh_sets())


def compare_with_scored(records: list[gd.Record], scored: dict[str, tuple[str, str]], *, name: str = "N9",
                        label: str = "sets 1-4") -> str:
    """Which scored pictures are in ``name``'s training records, which are left out (held-out family, dropped here,
    not read), and which new training pictures were not scored: a short report."""
    kept = {r.id: r for r in records if not r.dropped}
    dropped = {r.id: r.dropped for r in records if r.dropped}
    heldout = Counter(f for i, (_repo, f) in scored.items() if f in HELDOUT_FAMILIES)
    lines = [f"scored pictures of {label}: {len(scored)} ({sum(heldout.values())} of a held-out family: "
             f"{dict(sorted(heldout.items()))})"]
    rest = {i: v for i, v in scored.items() if v[1] not in HELDOUT_FAMILIES}
    lines.append(f"scored, not held out: {len(rest)}; in {name}'s training: {len(set(rest) & set(kept))}")
    for i, (repo, fam) in sorted(rest.items()):
        if i not in kept:
            lines.append(f"  scored but not in training: {repo} {fam} {i} ({dropped.get(i, 'not read')})")
    for i in sorted(set(kept) - set(scored)):
        lines.append(f"  in training but not scored: {kept[i].repo} {kept[i].path} {i}")
    return "\n".join(lines)


def build_main(argv: list[str] | None, *, sets: FreshSets, sources: tuple[Source, ...], tag: str, name: str) -> int:
    """The command line of a module that adds fresh sets to a copy of a generation set as training (N9's, N11's):
    checks the list, prints every licence decision and held-out left-out rule, builds through
    ``gen_sources_real.extend_real`` with ``split="train"``, compares with the pictures the sets scored (``--scored``)
    and writes ``OUT/TAG-records.json``."""
    label = sets_label(sets)
    ap = gd.extend_arguments(f"add fresh {label} (less held-out families) to a copy of a generation set, as training")
    ap.add_argument("--scored", type=Path, default=None,
                    help=f"a data folder holding all of {label}: compare the kept pictures with the pictures they "
                         "scored")
    a = ap.parse_args(argv)
    check_training_sources(sources, sets)
    for repo, d in sorted(licence_decisions(sets).items()):
        print(f"licence: {repo}: {d}")
    for repo, fam in heldout_left_out_of(sets):
        print(f"held-out family left out: {repo}: {fam}")
    guard = a.guard or a.shared / "tools" / "heldout_guard.py"
    recs = gsr.extend_real(a.out, a.mirrors, sources, guard, shared=a.shared, seed=a.seed, tag=tag, split=SPLIT)
    print(gd.summary(recs), "\n", s12.counts(recs), sep="\n")
    if a.scored is not None:
        print(compare_with_scored(recs, scored_of(a.scored, sets), name=name, label=label))
    (Path(a.out) / f"{tag}-records.json").write_text(json.dumps(
        [{"id": r.id, "repo": r.repo, "path": r.path, "family": r.family, "dropped": r.dropped} for r in recs]))
    return 0


def main(argv: list[str] | None = None) -> int:
    return build_main(argv, sets=fresh_sets(), sources=n9_sources(), tag=TAG, name="N9")


if __name__ == "__main__":
    raise SystemExit(main())
