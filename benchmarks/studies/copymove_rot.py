"""cm-rot: a rotated-and-scaled copy-move variant of the held-out exact-mask forgeries (issue 14, session 14).

Why: the candidate "no local evidence" condition for weak transformed copy-move pairs (CMW,
``fusion/local_evidence.py``) silences a copy-move trace whose every pair has few matches with both a
rotation and a scale change. The 184 held-out forgeries hold no such pair, so the condition's cost on real
rotated-and-scaled copy-moves is not measured there. This builds that set from the SAME held-out hosts
(``heldout_verdict.host_files``: aigen-playground real photos with odd CRC32, Kodak 13–24, the camera models the
localizer holds out), with ``forgelens synth`` and its documented copy-move recipe (rotation 0–90° with
probability 0.5, scale 0.7–1.3 with probability 0.5, ≈ 0.5 MP crops, every post chain), a new seed (1436):

    python benchmarks/studies/copymove_rot.py hosts /work/caches/s14/s14cm/hosts.txt
    python -m forgelens synth -n 560 --seed 1436 --kinds authentic,copymove --max-pixels 524288 -j 1 --force \
        -o /work/caches/s14/s14cm/synth-all $(sed 's/^/-p /' /work/caches/s14/s14cm/hosts.txt)
    python benchmarks/studies/copymove_rot.py select /work/caches/s14/s14cm/synth-all /work/caches/s14/s14cm/data/cm-rot
    python ../shared/tools/heldout_guard.py /work/caches/s14/s14cm/data/cm-rot
    python benchmarks/studies/copymove_rot.py extract /work/caches/s14/s14cm/data/cm-rot /work/caches/s14/s14cm/cache

``select`` keeps, by the synth recipe alone (before any analysis), every copy-move whose copy is BOTH rotated
(angle ≠ 0) and scaled (scale ≠ 1) and as many authentic crops of the same draw (the first by index); files are
hard-linked, ``index.csv`` and ``recipe.jsonl`` are the kept rows. ``extract`` analyses them with the code on
PYTHONPATH's full default analysis (``training.detection.extract``: one cache row per picture). Nothing is fitted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path


def rotated_and_scaled(recipe: dict) -> bool:
    """A synth copy-move whose copy is both rotated and rescaled (its recipe's ``edit`` parameters)."""
    e = recipe.get("edit") or {}
    return recipe.get("kind") == "copymove" and float(e.get("angle", 0.0)) != 0.0 and float(e.get("scale", 1.0)) != 1.0


def select(src: Path, dst: Path) -> tuple[int, int]:
    """Hard-link the rotated-and-scaled copy-moves of ``src`` and as many authentic crops into ``dst``."""
    recipes = {r["image"]: r for r in map(json.loads, (src / "recipe.jsonl").read_text().splitlines())}
    with open(src / "index.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    forged = [r for r in rows if rotated_and_scaled(recipes[r["image"]])]
    auth = [r for r in rows if r["label"] == "authentic"][: len(forged)]
    keep = sorted(forged + auth, key=lambda r: r["image"])
    for sub in ("images", "masks"):
        (dst / sub).mkdir(parents=True, exist_ok=True)
    for r in keep:
        for col in ("image", "mask", "source_mask"):
            if r.get(col):
                target = dst / r[col]
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    os.link(src / r[col], target)
    with open(dst / "index.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(keep)
    (dst / "recipe.jsonl").write_text("".join(json.dumps(recipes[r["image"]]) + "\n" for r in keep))
    return len(forged), len(auth)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hosts", help="write the held-out host photos (one path a line)")
    h.add_argument("out", type=Path)
    s = sub.add_parser("select", help="keep the rotated-and-scaled copy-moves and as many authentic crops")
    s.add_argument("src", type=Path)
    s.add_argument("dst", type=Path)
    e = sub.add_parser("extract", help="analyse a selected folder into CACHE/<folder name>")
    e.add_argument("folder", type=Path)
    e.add_argument("cache", type=Path)
    a = ap.parse_args(argv)
    if a.cmd == "hosts":
        from benchmarks.studies.heldout_verdict import host_files

        paths = host_files("web") + host_files("camera")
        a.out.write_text("".join(f"{p.resolve()}\n" for p in paths))
        print(f"{len(paths)} host photos → {a.out}")
    elif a.cmd == "select":
        nf, na = select(a.src, a.dst)
        print(f"{nf} rotated-and-scaled copy-moves + {na} authentic crops → {a.dst}")
    else:
        import forgelens.training.detection as detection

        detection.CACHE = a.cache
        detection.extract(a.folder.name, a.folder)


if __name__ == "__main__":
    sys.exit(main())
