"""Small authentic web photos for the detection fit and its false-alarm check (issue 14, session 12).

    python benchmarks/fit/detection_web_data.py train MANIFEST OUT     # web-train-auth
    python benchmarks/fit/detection_web_data.py fresh FOLDER OUT       # fresh-web (evaluation only)

``train``: the authentic pictures of the generation set's TRAINING split (``manifest.jsonl`` of
``forgelens.training.generation_data``: rows with label "authentic", split "train" and a ``repo`` that is a
public repository, not ``../shared/...`` — pristine-extra and the cameras are evaluation sets), read from
their ``raw`` file as fetched (not the processed views). At most ``PER_REPO`` per repository, chosen with
``random.Random(SEED)`` over the rows sorted by id (repositories in sorted order, one generator: a
repository with more rows gives ``rng.sample(rows, PER_REPO)``, one with fewer gives all of them).
The folder gets an ``index.csv`` (``image,mask,label,source``) whose ``source`` is ``web:<repository>``:
``training.detection`` groups the folds by repository for these rows.

``fresh``: every file of FOLDER that Pillow decodes, as authentic rows (``source`` ``fresh-web``).

The pictures are hard links (symlinks across file systems) to the files as they are: nothing is re-encoded.
Run ``../shared/tools/heldout_guard.py OUT`` on the folder afterwards and drop what it flags (``--drop`` names
files to leave out of the index).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
from collections import defaultdict
from pathlib import Path

PER_REPO = 20
SEED = 12


def select_train(manifest: Path, per_repo: int = PER_REPO, seed: int = SEED) -> list[dict]:
    """The web-train-auth rows of ``manifest`` (see the module docstring), in repository then id order."""
    rows = [json.loads(line) for line in open(manifest) if line.strip()]
    rows = [r for r in rows if r.get("label") == "authentic" and r.get("split") == "train"
            and not str(r.get("repo", "")).startswith("../shared")]
    by_repo: dict[str, list[dict]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: r["id"]):
        by_repo[r["repo"]].append(r)
    rng = random.Random(seed)
    chosen = []
    for repo in sorted(by_repo):
        group = by_repo[repo]
        pick = group if len(group) <= per_repo else rng.sample(group, per_repo)
        chosen += sorted(pick, key=lambda r: r["id"])
    return chosen


def _place(src: Path, dst: Path) -> None:
    if dst.exists():
        return
    try:
        os.link(src, dst)
    except OSError:
        dst.symlink_to(src.resolve())


def _decodes(p: Path) -> bool:
    from PIL import Image

    try:
        with Image.open(p) as im:
            im.load()
        return True
    except Exception:
        return False


def write(out: Path, items: list[tuple[Path, str]], drop: set[str]) -> int:
    """Place ``(file, source)`` items under ``out/images`` and write ``out/index.csv``; returns the row count."""
    (out / "images").mkdir(parents=True, exist_ok=True)
    n = 0
    with open(out / "index.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["image", "mask", "label", "source"])
        for src, source in items:
            if src.name in drop:
                continue
            _place(src, out / "images" / src.name)
            w.writerow([f"images/{src.name}", "", "authentic", source])
            n += 1
    return n


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("train", "fresh"))
    ap.add_argument("src", type=Path, help="manifest.jsonl (train) or the folder of fresh photos (fresh)")
    ap.add_argument("out", type=Path)
    ap.add_argument("--drop", action="append", default=[], help="file name left out (heldout_guard's flags)")
    args = ap.parse_args(argv)
    if args.what == "train":
        rows = select_train(args.src)
        missing = [r["id"] for r in rows if not Path(r["raw"]).exists()]
        if missing:
            raise SystemExit(f"{args.src}: raw files missing for {missing}")
        items = [(Path(r["raw"]), f"web:{r['repo']}") for r in rows]
    else:
        files = sorted(p for p in args.src.iterdir() if p.is_file())
        items = [(p, "fresh-web") for p in files if _decodes(p)]
        print(f"{args.src}: {len(files)} files, {len(items)} decode")
    n = write(args.out, items, set(args.drop))
    print(f"{args.out}: {n} rows ({len(set(s for _, s in items))} sources)")


if __name__ == "__main__":
    main()
