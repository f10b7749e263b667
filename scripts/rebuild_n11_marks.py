"""The hand steps between issue 18's builders, as code: records marked dropped, and the families a cache step reads.

Why: sessions 12 and 14 made three of N11's data folders by marking records of a copy dropped with one-off scripts
that lived in deleted cache folders (docs/notes/issue-18.md: s12gen2's ``$D-N3``, the lead's N3x, s14gen's
``withdraw.py``), and s15n9 / s16n11 cached "the new families" by hand-written lists. ``scripts/rebuild_n11.sh``
calls this so that the rebuild does those steps the same way every time.

    python scripts/rebuild_n11_marks.py n3 DATA            # round 1's generated (Nano Banana Pro) pictures dropped
    python scripts/rebuild_n11_marks.py n3x DATA           # GPT-4o training pictures not in session 11's cache dropped
    python scripts/rebuild_n11_marks.py withdraw DATA      # gen_sources_s13.WITHDRAWN_SOURCES' pictures dropped
    python scripts/rebuild_n11_marks.py families DATA TAG  # --family arguments: the families of OUT/TAG-records.json
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from forgelens.training import gen_sources_s12 as s12
from forgelens.training import gen_sources_s13 as s13
from forgelens.training import generation_data as gd

#: ``generation_cache.py --train-cap`` of session 11's base cache (docs/notes/issue-18.md, s11gen's Reproduce).
S11_TRAIN_CAP = 60


def mark_dropped(data: Path, drop: set[str], reason: str) -> int:
    """Mark the kept records whose id is in ``drop`` dropped with ``reason``; rewrite the manifest (by rename, so a
    hard-linked copy's manifest is untouched). Returns how many were marked."""
    records = gd.load_manifest(data)
    n = 0
    for rec in records:
        if rec.id in drop and not rec.dropped:
            rec.dropped = reason
            n += 1
    gd.write_manifest(data, records)
    return n


def n3_drop(records: list[gd.Record]) -> set[str]:
    """s12gen2's N3 data: round 1's generated pictures (``gen_sources_s12.GENERATED_SOURCES``) left out."""
    repos = {s.repo for s in s12.GENERATED_SOURCES}
    return {r.id for r in records if not r.dropped and r.repo in repos}


def n3x_drop(records: list[gd.Record], cap: int = S11_TRAIN_CAP) -> set[str]:
    """The lead's N3x data: the GPT-4o training pictures that session 11's cache did not hold, i.e. all but the first
    ``cap`` kept GPT-4o training records in manifest order (``generation_cache.py --train-cap 60``'s choice; later
    builders append records, so that order is session 11's); round 1's uncapped ``--family gpt-4o`` cache had added
    them to N3's fit."""
    kept = [r.id for r in records if not r.dropped and r.family == "gpt-4o" and r.split == "train"]
    return set(kept[cap:])


def withdraw_drop(records: list[gd.Record]) -> set[str]:
    """s14gen's withdrawal: every kept picture of ``gen_sources_s13.WITHDRAWN_SOURCES`` (all rights reserved)."""
    repos = {s.repo for s in s13.WITHDRAWN_SOURCES}
    return {r.id for r in records if not r.dropped and r.repo in repos}


def new_families(data: Path, tag: str) -> list[str]:
    """The families of the kept new pictures a builder listed in ``DATA/TAG-records.json``, sorted."""
    recs = json.loads((Path(data) / f"{tag}-records.json").read_text())
    return sorted({r["family"] for r in recs if not r["dropped"]})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=("n3", "n3x", "withdraw", "families"))
    ap.add_argument("data", type=Path)
    ap.add_argument("extra", nargs="?", default="")
    a = ap.parse_args(argv)
    if a.what == "families":
        print(" ".join(f"--family {f}" for f in new_families(a.data, a.extra)))
        return 0
    records = gd.load_manifest(a.data)
    if a.what == "n3":
        drop, reason = n3_drop(records), "N3: round 1's generated pictures left out (session 12)"
    elif a.what == "n3x":
        drop = n3x_drop(records)
        reason = "N3x: GPT-4o training picture not in session 11's cache (session 12, lead)"
    else:
        drop, reason = withdraw_drop(records), "withdrawn: all rights reserved (session 14)"
    n = mark_dropped(a.data, drop, reason)
    fam = Counter(r.family for r in records if r.id in drop)
    print(f"{a.what}: {n} records marked dropped {dict(sorted(fam.items()))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
