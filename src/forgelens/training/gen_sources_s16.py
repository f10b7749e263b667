"""Fresh confirmation sets 5-8 moved into TRAINING (issue 18, session 16, candidate N11).

Why: sets 5-8 (``gen_sources_conf``'s ``CONF5_*`` … ``CONF8_*``: 100 generated pictures of 2025-2026 generators as users
meet them — GPT Image 2, Nano Banana 2 / Pro, HunyuanImage 3, Seedream 4 / 4.5, Imagen 4, FLUX.2 [max] / [pro] /
[klein], Z-Image-Turbo and others — and 317 real photos from ten photographers' and bloggers' repositories) have each
judged a candidate once and are now seen. A detector of generated images learns what separates real photographs from
generated ones from the pictures it is trained on (Ojha et al., UnivFD, CVPR 2023; Cozzolino et al., B-Free, CVPR 2025:
diverse real content, in-distribution generators), so N11 fits on them as N9 fitted on sets 1-4; a ninth set, closed
before any model scores it, judges N11.

``n11_sources()`` derives the list from the four sets' OWN source lists (same repositories, commits, path rules,
excludes and caps — the pictures they scored) through the same code path as N9's list
(``gen_sources_s15.training_sources``, parameterised by the sets): generated rules of a
``generation_data.HELDOUT_FAMILIES`` family dropped (``heldout_left_out``; none of sets 5-8's families is held out),
every other generated rule under its own family name, every real rule (``fresh-conf5``, ``fresh-conf7``; sets 6 and 8
hold none) under the repository-grouped real source ``stock-web``, and the training lists' licence rule
(``LICENCE_DECISION``; a source whose licence reserves all rights or forbids use would be dropped — none is).

As N9's, the list is a FUNCTION, not a module-level ``Source`` tuple: ``gen_sources_conf.all_source_lists`` would
otherwise report sets 5-8's repositories as read by another list; every repository it reads is a ``CONF5``-``CONF8``
repository, which every later set's overlap check sees (``tests/test_gen_sources_s16.py``).

Build (adds them to a ``cp -al`` copy of N10's data = N9's, every new picture to ``train``; ``extend_real``'s chain:
size / flatness filter, the held-out guard on the raw pictures and the new views, near-duplicates dropped against the
set's kept pictures — N10's training AND validation pictures — every picture of ``../shared/datasets`` and among
themselves, the ``proc`` view)::

    python -m forgelens.training.gen_sources_s16 --mirrors /work/.mirror --shared ../shared --out /work/gen-data-s16n11 \\
        --scored /work/gen-data-s15conf8
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

from forgelens.training import gen_sources_conf as conf
from forgelens.training import gen_sources_s15 as s15
from forgelens.training.generation_data import Source

#: The real source key the fresh real photos join (repository-grouped in the fit), as N9's.
REAL_FAMILY = s15.REAL_FAMILY
TAG = "s16-fresh"
#: The four sets' real source keys (sets 6 and 8 hold no real photos).
FRESH_REAL_KEYS = frozenset({conf.FAMILY_REAL5, conf.FAMILY_REAL6, conf.FAMILY_REAL7, conf.FAMILY_REAL8})


def fresh_sets() -> s15.FreshSets:
    """(set name, its sources: generated then real) for sets 5-8, in the order they were built."""
    return (("set 5", conf.CONF5_GENERATED + conf.CONF5_REAL), ("set 6", conf.CONF6_GENERATED + conf.CONF6_REAL),
            ("set 7", conf.CONF7_GENERATED + conf.CONF7_REAL), ("set 8", conf.CONF8_GENERATED + conf.CONF8_REAL))


#: Per source of sets 5-8 (repository → what the training lists' licence rule decides, and why).
LICENCE_DECISION: dict[str, str] = s15.licence_decisions(fresh_sets())
#: Sources dropped for their licence (none of sets 5-8's).
LICENCE_DROPPED = frozenset(r for r, d in LICENCE_DECISION.items() if d.startswith("dropped"))


@functools.lru_cache(maxsize=1)
def n11_sources() -> tuple[Source, ...]:
    """N11's NEW training sources: sets 5-8's sources in build order through N9's code path (see the docstring)."""
    return s15.training_sources(fresh_sets(), REAL_FAMILY)


def heldout_left_out() -> list[tuple[str, str]]:
    """(repository, family) of every generated rule of sets 5-8 left out because its family is held out."""
    return s15.heldout_left_out_of(fresh_sets())


def check_n11_sources(sources: tuple[Source, ...] | None = None) -> None:
    """``gen_sources_s15.check_training_sources`` for N11's list and sets 5-8."""
    s15.check_training_sources(n11_sources() if sources is None else sources, fresh_sets(), REAL_FAMILY)


def scored_pictures(conf_data: Path) -> dict[str, tuple[str, str]]:
    """The pictures sets 5-8 scored: id → (repository, family) of every kept record of a ``CONF5``-``CONF8``
    repository in ``conf_data`` (the eighth set's data folder, which holds all eight sets)."""
    return s15.scored_of(conf_data, fresh_sets())


# --- Session 16, round 4, candidate N12: N11's data plus fresh set 9 (``CONF9_*``) as training, through the same code
# path. Set 9 (34 generated pictures of Qwen-Image, Chroma1-HD, CogView4, Z-Image-Turbo, FLUX.2 [klein] 4B, GPT Image 1.5,
# Grok Imagine and Imagen 4; 131 real photos from four photographers' repositories) judged N11 and is seen; set 10 judges
# N12. Its Grok Imagine picture is family ``grok-imagine`` in set 9's list, not ``grok`` (the held-out family of
# ``generation_data.HELDOUT_FAMILIES``), so the held-out rule keeps it, as sets 5-8's Seedream 4 / 4.5 were kept beside the
# held-out ``seedream-5``. Build (on a ``cp -al`` copy of N11's data)::
#
#     python -m forgelens.training.gen_sources_s16 --n12 --mirrors /work/.mirror --shared ../shared \
#         --out /work/gen-data-s16n12 --scored /work/gen-data-s16conf9

TAG_N12 = "s16-fresh9"


def fresh_sets_n12() -> s15.FreshSets:
    """(set name, its sources: generated then real) for set 9, N12's new training set."""
    return (("set 9", conf.CONF9_GENERATED + conf.CONF9_REAL),)


#: Per source of set 9 (repository → what the training lists' licence rule decides, and why).
LICENCE_DECISION_N12: dict[str, str] = s15.licence_decisions(fresh_sets_n12())


@functools.lru_cache(maxsize=1)
def n12_sources() -> tuple[Source, ...]:
    """N12's NEW training sources (beyond N11's): set 9's sources in build order through N9's / N11's code path."""
    return s15.training_sources(fresh_sets_n12(), REAL_FAMILY)


def heldout_left_out_n12() -> list[tuple[str, str]]:
    """(repository, family) of every generated rule of set 9 left out because its family is held out."""
    return s15.heldout_left_out_of(fresh_sets_n12())


def check_n12_sources(sources: tuple[Source, ...] | None = None) -> None:
    """``gen_sources_s15.check_training_sources`` for N12's new list and set 9."""
    s15.check_training_sources(n12_sources() if sources is None else sources, fresh_sets_n12(), REAL_FAMILY)


def main(argv: list[str] | None = None) -> int:
    """N11's build (sets 5-8), or with ``--n12`` N12's (set 9)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--n12" in args:
        args.remove("--n12")
        return s15.build_main(args, sets=fresh_sets_n12(), sources=n12_sources(), tag=TAG_N12, name="N12")
    return s15.build_main(args, sets=fresh_sets(), sources=n11_sources(), tag=TAG, name="N11")


if __name__ == "__main__":
    raise SystemExit(main())
