"""Authentic hard negatives for the learned localizer's fine-tuning (issue 14, session 13).

    python benchmarks/studies/localizer_hardneg.py MANIFEST OUT [--drop NAME ...]

The learned localizer lights up salient smooth or bright subjects of untouched web photos (portraits,
product shots, balloons, shallow depth of field; ``docs/notes/issue-14.md``, session 12, helper s12fa):
it never saw untouched salient objects. This folder gives ``forgelens train localizer -d OUT`` such
pictures as rows labelled ``authentic`` (no mask: every pixel is a negative for the map, and the picture
a negative for the detection head), exactly as fixed by the session-13 brief before any measurement:

* rows of the generation set's ``manifest.jsonl`` (``forgelens.training.generation_data``) with label
  ``authentic`` (or ``real``), split ``train`` and a ``repo`` that is a public repository (not
  ``../shared/...``: pristine-extra and the cameras are evaluation sets), every style family;
* read from their ``raw`` file as fetched (a symlink: never re-encoded, never modified);
* only pictures at least ``MIN_SIDE`` px on the short side (read from the file header) are eligible;
* at most ``PER_REPO`` per repository, chosen with ONE ``random.Random(SEED)`` over the eligible rows
  sorted by id, repositories in sorted order (a repository with more eligible rows gives
  ``rng.sample(rows, PER_REPO)``, one with fewer gives all of them).

``index.csv`` has ``image,mask,label,source`` with ``source`` = ``web:<repository>``. Run
``../shared/tools/heldout_guard.py OUT`` afterwards and rebuild with ``--drop`` for every file it flags
(``--drop`` also takes near-copies of evaluation pictures found otherwise; say so in the note).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import defaultdict
from pathlib import Path

PER_REPO = 40
SEED = 13
MIN_SIDE = 192
LABELS = ("authentic", "real")


def _short_side(path: Path) -> int:
    """The short side of the picture in ``path`` from its header (0 when Pillow cannot open it)."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return min(im.size)
    except Exception:
        return 0


def eligible(rows: list[dict], min_side: int = MIN_SIDE, short_side=_short_side) -> list[dict]:
    """The training-split authentic web rows of a manifest whose raw file is at least ``min_side`` px a side."""
    out = []
    for r in rows:
        if r.get("label") not in LABELS or r.get("split") != "train":
            continue
        if str(r.get("repo", "")).startswith("../shared") or not r.get("raw"):
            continue
        if short_side(Path(r["raw"])) >= min_side:
            out.append(r)
    return out


def select(rows: list[dict], per_repo: int = PER_REPO, seed: int = SEED) -> list[dict]:
    """At most ``per_repo`` rows per repository, one seeded generator (see the module docstring)."""
    by_repo: dict[str, list[dict]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: r["id"]):
        by_repo[r["repo"]].append(r)
    rng = random.Random(seed)
    chosen: list[dict] = []
    for repo in sorted(by_repo):
        group = by_repo[repo]
        pick = group if len(group) <= per_repo else rng.sample(group, per_repo)
        chosen += sorted(pick, key=lambda r: r["id"])
    return chosen


def write(out: Path, rows: list[dict], drop: set[str] = frozenset()) -> int:
    """Symlink each row's raw file into ``out/images`` and write ``out/index.csv``; returns the row count."""
    (out / "images").mkdir(parents=True, exist_ok=True)
    n = 0
    with open(out / "index.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["image", "mask", "label", "source"])
        for r in rows:
            src = Path(r["raw"])
            if src.name in drop or r["id"] in drop:
                continue
            dst = out / "images" / src.name
            if not dst.is_symlink() and not dst.exists():
                dst.symlink_to(src.resolve())
            w.writerow([f"images/{src.name}", "", "authentic", f"web:{r['repo']}"])
            n += 1
    return n


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("manifest", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--drop", action="append", default=[], help="file name or id left out (heldout_guard's flags)")
    ap.add_argument("--per-repo", type=int, default=PER_REPO)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--min-side", type=int, default=MIN_SIDE)
    args = ap.parse_args(argv)
    rows = [json.loads(line) for line in open(args.manifest, encoding="utf-8") if line.strip()]
    ok = eligible(rows, args.min_side)
    missing = [r["id"] for r in ok if not Path(r["raw"]).exists()]
    if missing:
        raise SystemExit(f"{args.manifest}: raw files missing for {missing}")
    chosen = select(ok, args.per_repo, args.seed)
    n = write(args.out, chosen, set(args.drop))
    repos = len({r["repo"] for r in chosen})
    print(f"{args.out}: {n} rows from {repos} repositories ({len(ok)} eligible, {len(chosen)} chosen, "
          f"{len(chosen) - n} dropped)")


if __name__ == "__main__":
    main()
