"""Accuracy of every detector on a `forgelens synth` dataset, per manipulation kind x post-processing.

Runs the bench harness (``forgelens.bench``: same tasks, metrics and cache as
``forgelens bench``) over a synth folder, then groups the per-image records by
the ``kind`` and ``post`` columns of the synth index:

- pixel AUC and best-threshold F1: mean over the manipulated images of the
  group (each image's own curve), with the count;
- image AUC: manipulated images of the group against the authentic images
  that went through the same post-processing chain (same history), with counts;
- ``baseline`` (centre-prior map, bits-per-pixel score) is the trivial
  reference on the same images.

Make the dev set first (not in the repo)::

    forgelens synth --pristine ../shared/datasets/cameras -n 600 --seed 2024 -o /work/synth-dev \
        --exclude 'ff-*' --exclude 'orientation_*_[2-8].jpg'

then::

    python benchmarks/accuracy/accuracy_synth.py --data /work/synth-dev --per-kind 20 --out /work/synth-bench

Results are cached in OUT/cache, so a rerun with a larger ``--per-kind`` only
computes the new images. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import defaultdict
from pathlib import Path

import numpy as np


def _subset(data: Path, per_kind: int | None) -> tuple[list[dict], dict[str, dict]]:
    with open(data / "index.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    seen: dict[str, int] = defaultdict(int)
    keep = []
    for r in rows:  # index order cycles the chains, so the first N of a kind cover every chain
        if per_kind is None or seen[r["kind"]] < per_kind:
            keep.append(r)
            seen[r["kind"]] += 1
    return keep, {r["image"]: r for r in keep}


def _fmt(v, n=None):
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    return f"{v:.3f}" + (f" ({n})" if n is not None else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/work/synth-dev", type=Path)
    ap.add_argument("--per-kind", type=int, default=20, help="images per kind (0 = all)")
    ap.add_argument("--detectors", default="all", help="bench detector spec ('all', 'default', 'a,b')")
    ap.add_argument("--out", default="/work/synth-bench", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--grid", action="store_true", help="also print the full kind x post grid")
    args = ap.parse_args()

    from forgelens.bench import engines, expand_detectors, task, writers
    from forgelens.bench.datasets import Dataset, Item
    from forgelens.bench.metrics import image_auc
    from forgelens.bench.perturb import parse

    rows, by_image = _subset(args.data, args.per_kind or None)
    ds = Dataset("synth", args.data, [Item(r["image"], r["mask"] or None, r["label"], r["source"]) for r in rows],
                 "index.csv")
    dets = expand_detectors(args.detectors)
    if "baseline" not in dets:
        dets.append("baseline")
    tasks = task.make_tasks([ds], dets, parse(None), args.out)
    t0 = time.perf_counter()
    records, wall = engines.run(tasks, workers=args.workers)
    writers.write_per_image(records, args.out / "per_image.jsonl")

    fresh = [r for r in records if not r.cached and not r.error]
    mp = [r.pixels / 1e6 for r in records if r.shape]
    print(f"# forgelens synth dev set: {args.data} ({len(rows)} images, {np.mean(mp):.2f} MP mean)")
    print(f"bench wall {time.perf_counter() - t0:.0f} s for {len(fresh)} fresh images; "
          f"mean per fresh image {np.mean([r.seconds['total'] for r in fresh]) if fresh else float('nan'):.1f} s")
    errors = [r for r in records if r.error]
    if errors:
        print(f"{len(errors)} images unreadable: {errors[0].error}")

    kinds = [k for k in ("splice", "copymove", "removal-inpaint", "removal-exemplar", "local")
             if any(r["kind"] == k for r in rows)]
    posts = list(dict.fromkeys(r["post"] for r in rows))

    def group_stats(det: str, kind: str | None, post: str | None):
        pos, neg, pa, pf = [], [], [], []
        for rec in records:
            meta = by_image[rec.image]
            if post is not None and meta["post"] != post:
                continue
            e = rec.detectors.get(det)
            if e is None:
                continue
            s = e.score
            if meta["label"] == "authentic":
                neg.append(s)
                continue
            if kind is not None and meta["kind"] != kind:
                continue
            pos.append(s)
            px = e.pixel
            if px:
                if px.get("pixel_auc") is not None:
                    pa.append(px["pixel_auc"])
                if px.get("best_f1") is not None:
                    pf.append(px["best_f1"])
        y = [1] * len(pos) + [0] * len(neg)
        sc = pos + neg
        ok = [(a, b) for a, b in zip(y, sc, strict=True) if b is not None]
        auc = image_auc([a for a, _ in ok], [b for _, b in ok]) if ok else None
        npos = sum(a for a, _ in ok)
        return (float(np.mean(pa)) if pa else None, len(pa), float(np.mean(pf)) if pf else None, len(pf),
                auc, npos, len(ok) - npos)

    def table(title: str, groups: list[tuple[str, str | None, str | None]]) -> None:
        print(f"\n## {title}\n")
        print("| detector | " + " | ".join(g[0] for g in groups) + " |")
        print("|---|" + "---|" * len(groups))
        for det in dets:
            cells = []
            for _, k, p in groups:
                a, na, f, nf, iauc, npos, nneg = group_stats(det, k, p)
                cells.append(f"{_fmt(a)} / {_fmt(f)} / {_fmt(iauc)}")
            print(f"| {det} | " + " | ".join(cells) + " |")
        counts = []
        for _, k, p in groups:
            _, na, _, _, _, npos, nneg = group_stats("baseline", k, p)
            counts.append(f"{na} masks, {npos}+/{nneg}−")
        print("| *count* | " + " | ".join(counts) + " |")

    print("\nCells: pixel AUC / best-F1 (means over manipulated images) / image AUC vs authentic of the same "
          "chains. `baseline` = centre-prior map + bits-per-pixel score.")
    table("Per manipulation kind (all post-processing chains)", [(k, k, None) for k in kinds])
    table("Per post-processing chain (all kinds)", [(p, None, p) for p in posts])
    if args.grid:
        for k in kinds:
            table(f"{k} per post-processing chain", [(p, k, p) for p in posts])


if __name__ == "__main__":
    main()
