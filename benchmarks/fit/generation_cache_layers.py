"""Per-block CLIP CLS tokens (RINE) and four-crop native-resolution features of the cached views.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/fit/generation_cache_layers.py --data /work/gen-data

For every view already in the feature cache of ``generation_cache.py`` (same pictures, same
robustness copies), 224 px tiles, each encoded alone (``clip_encoder.encode_tiles``), so the
passes add up independently: ``--crops 0`` the resized UnivFD view; ``--crops 2`` or ``4``
native-resolution crops along the diagonal (``clip_probe.native_crops(rgb, n)``; the first
and last of four are the shipped probe's two crops). In ``DATA/features-rine.npz``:
``g_emb``/``g_tok``/``g_cls`` (embedding, mean patch token, CLS after each block of the resized
view), ``c_emb``/``c_tok``/``c_cls`` (the same, mean of the two shipped crops) and
``c4_emb``/``c4_tok``/``c4_cls`` (mean of all four crops). These replace the older cache's
``g_emb``/``c_emb``, which were encoded in one batch of three tiles (so depended on the batch).
Resumable.

``--reuse OTHER`` (session 17): a view whose file is the same file as ``OTHER/views/<name>`` (same inode — the
data folders are ``cp -al`` copies of one another — or the same bytes) takes this pass's parts from
``OTHER/features-rine.npz`` instead of being encoded again; the encoding is deterministic and one tile at a time,
so the values are those a fresh pass would write. Only the parts this pass writes are copied.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")

from forgelens.detectors import clip_probe as gc  # noqa: E402
from forgelens.training.generation_data import (  # noqa: E402
    fill_view_cache,
    load_features,
    pending_views,
    save_features,
)

OUT = "features-rine.npz"


def layer_parts(rgb: np.ndarray, threads: int, crops: int) -> dict[str, np.ndarray]:
    """``crops`` = 0: the resized view's ``g_*``; 2 or 4: the native crops' ``c_*`` (and ``c4_*``)."""
    return gc.view_parts(rgb, threads) if crops == 0 else gc.crop_parts(rgb, crops, threads)


def pass_parts(crops: int) -> tuple[str, ...]:
    """The parts one pass writes: ``g_*`` (``--crops 0``), ``c_*`` (2), ``c_*`` and ``c4_*`` (4)."""
    kinds = ("emb", "tok", "cls")
    pre = ("g",) if crops == 0 else ("c",) if crops == 2 else ("c", "c4")
    return tuple(f"{p}_{k}" for p in pre for k in kinds)


def reuse_views(data: Path, other: Path, todo: list[str], cache: dict[str, np.ndarray],
                parts: tuple[str, ...]) -> list[str]:
    """Copy ``parts`` of every view in ``todo`` that ``other``'s layer cache holds for the same view file (same
    inode, or equal bytes) into ``cache``; returns the views still to encode."""
    src = other / OUT
    if not src.is_file():
        raise SystemExit(f"--reuse {other}: no {OUT} there")
    left = []
    with np.load(src) as z:
        have = set(z.files)
        for f in todo:
            a, b = data / "views" / f, other / "views" / f
            if (all(f"{f}|{p}" in have for p in parts) and b.is_file()
                    and (os.path.samefile(a, b) or filecmp.cmp(a, b, shallow=False))):
                for p in parts:
                    cache[f"{f}|{p}"] = z[f"{f}|{p}"]
            else:
                left.append(f)
    return left


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--save-every", type=int, default=100)
    ap.add_argument("--crops", type=int, default=0, choices=(0, 2, 4),
                    help="0: resized view only (g_*); 2/4: native crops (c_*, and c4_* with 4)")
    ap.add_argument("--proc-only", action="store_true", help="skip the validation robustness copies")
    ap.add_argument("--reuse", type=Path, default=None, metavar="OTHER",
                    help="take this pass's parts of views that are the same file in OTHER (a data folder) from "
                         "OTHER's layer cache instead of encoding them again")
    a = ap.parse_args(argv)
    path = a.data / OUT
    cache: dict[str, np.ndarray] = dict(np.load(path)) if path.is_file() else {}
    base = load_features(a.data)
    views = sorted({k.split("|")[0] for k in base if k.endswith("|g_emb")})
    key = "g_cls" if a.crops == 0 else ("c_cls" if a.crops == 2 else "c4_cls")
    todo = pending_views(views, cache, key, a.proc_only)
    if a.reuse is not None and todo:
        n = len(todo)
        todo = reuse_views(a.data, a.reuse, todo, cache, pass_parts(a.crops))
        print(f"{n - len(todo)} views taken from {a.reuse / OUT} (same view files)", flush=True)
        if n > len(todo):
            save_features(path, cache)
    print(f"{len(todo)} views to compute, {len({k.split('|')[0] for k in cache})} cached", flush=True)
    diff = []

    def parts_of(f: str, rgb: np.ndarray) -> dict[str, np.ndarray]:
        parts = layer_parts(rgb, a.threads, a.crops)
        # how far one-tile-at-a-time encoding moves the embedding from the older batched cache
        k = "g_emb" if a.crops == 0 else "c_emb"
        diff.append(float(parts[k] @ base[f"{f}|{k}"].astype(np.float32)))
        return parts

    fill_view_cache(a.data, path, cache, todo, parts_of, a.save_every,
                    lambda: f"; cosine to the batched embedding: median {np.median(diff):.4f}, min {np.min(diff):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
