"""Refresh some detectors' traces in cached analyses after their model files changed.

Why: the verdict benchmarks (``verdict_accuracy.py``, ``heldout_verdict.py``) re-fuse cached
analyses (``fit_detection.py extract``: every trace's score and findings + the map summary) with
today's fusion code. When a detector's model changes (e.g. a refitted ``clip_probe.json``), its
cached trace is stale while the other detectors' are not; re-running the whole analysis costs
~5 s a picture, re-running the changed detector alone a fraction of that. This writes copies of
the cache files with the named detectors' traces (score, findings, applicability) and map-summary
scores replaced by a fresh run on the same picture; every other field is copied unchanged.

    python benchmarks/studies/refresh_traces.py --detector clip_probe \\
        --cache /work/caches/i14v/cache/heldout --images /work/caches/i14v/data/heldout \\
        --out /work/caches/s7/cache/heldout

A cache entry whose picture is missing, or that recorded an analysis error, is copied unchanged
and counted; a cache file that cannot be read, or a picture the analysis rejects, is named with the
reason and left out of the copy (the cache itself is never written). The detectors must not produce
maps the summary uses (their maps are not refreshed): the script refuses a detector whose cached
trace has a map in the summary.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np


def refresh_one(src: Path, image: Path, detectors: list[str], dest: Path) -> str:
    """Write ``dest``: ``src`` with ``detectors``' traces re-run on ``image``. Returns what happened."""
    from forgelens.pipeline import analyze

    z = np.load(src, allow_pickle=False)
    arrays = {k: z[k] for k in z.files if k != "meta"}
    meta = json.loads(str(z["meta"]))
    if "traces" not in meta or not image.is_file():
        np.savez_compressed(dest, meta=np.array(json.dumps(meta)), **arrays)
        return "copied (analysis error or picture missing)"
    for name in detectors:
        if f"map__{name}" in arrays:
            raise SystemExit(f"{src}: {name} has a map in the summary; re-extract instead")
    fresh = {t.name: t for t in analyze(str(image), detectors=detectors).traces}
    for t in meta["traces"]:
        new = fresh.get(t["name"])
        if new is None:
            continue
        t.update(score=new.score, applicable=new.applicable, calibrated=new.calibrated,
                 error=None if new.error is None else new.error.splitlines()[0],
                 findings=[f.to_dict() for f in new.findings])
        if "scores" in meta and t["name"] in meta["scores"]:
            meta["scores"][t["name"]] = new.score
    np.savez_compressed(dest, meta=np.array(json.dumps(meta)), **arrays)
    return "refreshed"


def refresh_cache(cache: Path, images: Path, out: Path, refresh: Callable[[Path, Path, Path], str],
                  limit: int = 0) -> dict[str, int]:
    """Walk a folder of cached analyses into ``out``: ``refresh(src, picture, dest)`` writes ``dest`` for each
    ``*.npz`` not yet there and returns what happened (a short phrase, counted). A picture the analysis rejects
    or an unreadable cache file or picture is named with the reason and left out; the cache itself is never
    written. ``limit`` > 0: only the first files (a check). Returns the counts. Shared by this script and
    ``localizer_refresh.py``."""
    if out.resolve() == cache.resolve():
        raise SystemExit("--out must differ from --cache (the cache is kept as it was)")
    out.mkdir(parents=True, exist_ok=True)
    from forgelens.errors import ForgeLensError

    counts: dict[str, int] = {}
    for src in sorted(cache.glob("*.npz"))[: limit or None]:
        dest = out / src.name
        if dest.exists():
            counts["already done"] = counts.get("already done", 0) + 1
            continue
        try:
            meta = json.loads(str(np.load(src, allow_pickle=False)["meta"]))
            what = refresh(src, images / meta.get("image", ""), dest)
        except ForgeLensError as exc:
            print(f"{src}: picture rejected by the analysis ({exc}); not copied")
            what = "left out (picture rejected)"
        except (OSError, ValueError, KeyError) as exc:  # not an npz, no meta, broken JSON, unreadable picture
            print(f"{src}: unreadable cache file or picture ({type(exc).__name__}: {exc}); not copied")
            what = "left out (unreadable)"
        counts[what] = counts.get(what, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--detector", action="append", required=True, help="detector to re-run (repeatable)")
    ap.add_argument("--cache", type=Path, required=True, help="folder of cached analyses (*.npz)")
    ap.add_argument("--images", type=Path, required=True, help="folder the cached 'image' paths are relative to")
    ap.add_argument("--out", type=Path, required=True, help="new folder for the refreshed copies")
    a = ap.parse_args(argv)
    counts = refresh_cache(a.cache, a.images, a.out,
                           lambda src, image, dest: refresh_one(src, image, a.detector, dest))
    print(f"{a.cache} → {a.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
