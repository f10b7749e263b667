"""Picture counts of a rebuild by ``scripts/rebuild_n11.sh``, stage by stage, and the views its cache steps pick.

Why: the rebuild is judged against the counts docs/notes/issue-18.md recorded (per stage, per source, per family).
Which views the CLIP cache holds decides what the fit reads (``fit_generation.Table`` reads cached ``proc`` views), and
that follows from the manifests alone: replaying the script's cache steps (``generation_cache.wanted_views`` with each
step's families and caps, on that stage's manifest) gives N11's training pictures before any CLIP feature exists.
``CACHE_STEPS`` repeats the cache commands of ``rebuild_n11.sh``; keep the two together.

    python scripts/rebuild_n11_counts.py OUT
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from benchmarks.fit.fit_generation import RESERVED_PREFIX
from benchmarks.fit.generation_cache import wanted_views
from forgelens.training import generation_data as gd

S11_FAMILIES = ("nano-banana-pro stock-unsplash stock-web fresh-web ideogram-4 infinity nano-banana pixart-alpha "
                "hunyuan-image-3 hunyuan-dit omnigen kandinsky-3 ernie-image hidream longcat-image ovis-image "
                "qwen-image wan-2 z-image gpt-image-2 meissonic film-kodak web-laion camera-original").split()

#: (stage folder, families (None = every picture of generation_data's own build, which the first cache step ran on
#: before the extends; a str = the families of that TAG-records.json), train cap, robust cap)
CACHE_STEPS = (
    ("gen-data-s11", None, 60, 6), ("gen-data-s11", S11_FAMILIES, 0, 6),
    ("gen-data-s12", ("stock-web", "nano-banana-pro", "gpt-4o"), 0, 6),
    ("gen-data-s12b", ("film-kodak", "web-laion", "camera-original"), 0, 6),
    ("gen-data-s13n5", ("portfolio",), 60, 6), ("gen-data-s14t5", ("portfolio",), 60, 6),
    ("gen-data-s14n7", ("portfolio",), 120, 6), ("gen-data-s14n8", ("portfolio",), 210, 6),
    ("gen-data-s15n9", "s15-fresh", 0, 12), ("gen-data-s16n11", "s16-fresh", 0, 12),
)
STAGES = ("gen-data-s11", "gen-data-s12", "gen-data-s12b", "gen-data-s12b-N3x", "gen-data-s13n5", "gen-data-s14t5",
          "gen-data-s14n7", "gen-data-s14n8", "gen-data-s15n9", "gen-data-s16n11")


def cached_by_replay(out: Path) -> set[str]:
    """The view files the script's cache steps would have cached, replayed on each stage's manifest."""
    views: set[str] = set()
    for stage, families, train_cap, robust_cap in CACHE_STEPS:
        data = out / stage
        if not (data / "manifest.jsonl").is_file():
            break
        if isinstance(families, str):
            families = {r["family"] for r in json.loads((data / f"{families}-records.json").read_text())
                        if not r["dropped"]}
        recs = gd.load_manifest(data)
        if families is None:  # only the base build's records: replay on them alone (the cap counts in manifest order)
            keep = {r.id for r in recs if Path(r.raw).parent.name == "raw"}
        else:
            keep = {r.id for r in recs if r.family in families}
        views |= {f for rid, f in wanted_views(data, robust_cap, train_cap) if rid in keep}
    return views


def stage_counts(data: Path) -> str:
    recs = gd.load_manifest(data)
    kept = Counter((r.split, r.label) for r in recs if not r.dropped)
    dropped = Counter(r.dropped.split(" of ")[0].split(":")[0] for r in recs if r.dropped)
    views = sum(len(r.views) for r in recs if not r.dropped)
    return (f"{data.name}: {len(recs)} records, {sum(kept.values())} kept ({dict(sorted(kept.items()))}), {views} views; "
            f"dropped {dict(sorted(dropped.items()))}")


def fit_counts(data: Path, cached: set[str]) -> str:
    """The training pictures the fit would read (kept, train split, cached proc view, not exif-samples), before the
    designed-graphic gate: per label and per generated family."""
    rows = [r for r in gd.load_manifest(data) if not r.dropped and r.split == "train"
            and not r.path.startswith(RESERVED_PREFIX)
            and any(v["view"] == "proc" and v["file"] in cached for v in r.views)]
    label = Counter(r.label for r in rows)
    fam = Counter(r.family for r in rows if r.label == "generated")
    return (f"fit rows before the gate: {len(rows)} ({dict(label)})\n"
            f"generated per family: {dict(sorted(fam.items()))}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    a = ap.parse_args(argv)
    last = None
    for stage in STAGES:
        if (a.out / stage / "manifest.jsonl").is_file():
            print(stage_counts(a.out / stage))
            last = a.out / stage
    if last is not None:
        print(f"cache replay up to {last.name}:")
        print(fit_counts(last, cached_by_replay(a.out)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
