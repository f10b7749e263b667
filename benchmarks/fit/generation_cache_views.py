"""CLIP features of the test-time views (mirror, corner crops) of every cached view (issue 18, session 6).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/fit/generation_cache_views.py --data /work/gen-data-i18v \
        [--worker 0 --workers 2]

For every view whose resized-view features are in the per-block cache (``generation_cache_layers.py``,
``DATA/features-rine.npz``: training and validation pictures and their robustness copies), the tiles of
``clip_probe.VIEW_PREFIX`` other than ``centre`` (already cached as ``g_*``): the horizontal mirror of the
centre tile (``gm_*``) and the top-left / bottom-right 224 px crops of the picture resized to a 256 px
shortest side (``gtl_*``, ``gbr_*``). Each tile is encoded alone (``clip_encoder.encode_tiles``), as the
probe reads them. Stored as float16 in ``DATA/features-views-K.npz`` (one file per worker, resumable);
``training.generation_data.load_features`` merges them with the other caches.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")

from forgelens.detectors import clip_probe as gc  # noqa: E402
from forgelens.training.generation_data import fill_view_cache, load_features, pending_views  # noqa: E402

VIEWS = tuple(v for v in gc.VIEW_PREFIX if v != "centre")
PARTS = ("emb", "cls")  # the mean patch token (tok) lost every comparison of session 2: not stored


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data-i18v"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--worker", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--save-every", type=int, default=100)
    ap.add_argument("--proc-only", action="store_true", help="skip the validation robustness copies")
    a = ap.parse_args(argv)
    path = a.data / f"features-views-{a.worker}.npz"
    cache: dict[str, np.ndarray] = dict(np.load(path)) if path.is_file() else {}
    base = load_features(a.data)
    views = sorted(k.split("|")[0] for k in base if k.endswith("|g_cls"))
    views = [f for i, f in enumerate(views) if i % a.workers == a.worker]
    # pending against every view cache (any worker's file): views added later shift the worker shares
    todo = pending_views(views, base | cache, f"{gc.VIEW_PREFIX[VIEWS[-1]]}_cls", a.proc_only)
    print(f"worker {a.worker}/{a.workers}: {len(todo)} views to compute", flush=True)
    diff = []

    def parts_of(f: str, rgb: np.ndarray) -> dict[str, np.ndarray]:
        parts = gc.view_parts(rgb, a.threads, VIEWS)
        # how far the mirror moves the block-11 CLS token from the cached centre view's
        c0 = base[f"{f}|g_cls"][-1].astype(np.float32)
        c1 = parts["gm_cls"][-1]
        diff.append(float(c0 @ c1 / (np.linalg.norm(c0) * np.linalg.norm(c1) + 1e-12)))
        return {k: v for k, v in parts.items() if k.split("_", 1)[1] in PARTS}

    fill_view_cache(a.data, path, cache, todo, parts_of, a.save_every,
                    lambda: f" ({len(VIEWS)} tiles); cosine centre vs mirror (block 11 CLS): "
                            f"median {np.median(diff):.4f}, min {np.min(diff):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
