"""Cache the designed-graphic gate's features for every cached view of the issue-18 set.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/fit/generation_cache_gate.py --data /work/gen-data

At inference the ``graphic_content`` gate keeps the generation detectors out of the verdict on
designed graphics (``forgelens.fusion.graphic_gate``). The generation fit and its benchmark treat
a gated picture the same way, so they need the gate's reading of every view they score. This
stores the gate's 16 features per view (``DATA/gate.npz``, key ``<view file>``); P(graphic) and
the gate's decision are computed from the *shipped* gate model when the cache is read
(``gate_p``), so a refitted gate needs no re-extraction. Resumable: cached views are skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")

from forgelens.detectors import graphic_content as gcont  # noqa: E402
from forgelens.evidence import load  # noqa: E402
from forgelens.training.generation_data import load_features, load_manifest, save_features  # noqa: E402

GATE_CACHE = "gate.npz"


def cached_views(data: Path) -> list[str]:
    """View files that have cached generation features (the ones the fit and benchmark score)."""
    have = {k.split("|", 1)[0] for k in load_features(data)}
    return [v["file"] for rec in load_manifest(data) if not rec.dropped for v in rec.views if v["file"] in have]


def gate_p(data: Path) -> dict[str, float]:
    """P(designed graphic) of every cached view from the shipped gate model ({} without a cache)."""
    path = Path(data) / GATE_CACHE
    if not path.is_file():
        return {}
    with np.load(path) as cache:
        return {f: gcont.probability(dict(zip(gcont.FEATURES, cache[f].tolist(), strict=True))) for f in cache.files}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data"))
    a = ap.parse_args(argv)
    path = a.data / GATE_CACHE
    cache = dict(np.load(path)) if path.is_file() else {}
    todo = [f for f in cached_views(a.data) if f not in cache]
    print(f"{len(todo)} views to compute, {len(cache)} cached", flush=True)
    t0 = time.perf_counter()
    for k, f in enumerate(todo, 1):
        try:
            feats = gcont.graphic_features(load(a.data / "views" / f))
        except Exception as e:  # noqa: BLE001 - one unreadable view must not stop the pass
            print(f"{f}: {type(e).__name__}: {e}", flush=True)
            continue
        cache[f] = np.array([feats[n] for n in gcont.FEATURES], np.float64)
        if k % 200 == 0 or k == len(todo):
            save_features(path, cache)
            print(f"{k}/{len(todo)} ({(time.perf_counter() - t0) / k:.3f} s/view)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
