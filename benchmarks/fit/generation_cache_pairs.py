"""Aligned generated counterparts of the real training pictures (issue 18, session 5), and their RINE features.

    OMP_NUM_THREADS=2 nice -n 10 python benchmarks/fit/generation_cache_pairs.py --data /work/gen-data --cap 40

For every real picture of the *training* split whose processed view is in the per-block
cache (``generation_cache_layers.py``), at most ``--cap`` per real source: its raw picture goes
through the builder's own chain (``generation_data.process``) with the view's own seed, so
crop, resize and compression are those of the real view, and just before encoding the
pixels are replaced by

* ``pair``: their TAEF2 latent round trip (Rajan et al., ICLR 2025: aligned datasets);
* ``dda``: the round trip with the real's high-frequency DCT band put back (Chen et al.,
  NeurIPS 2025, Dual Data Alignment: frequency-level alignment).

Only the part of the picture that the probe's one tile sees (the centre square of the
short side, ``clip_encoder.centre_tile``) plus a 64 px margin is round-tripped — the rest of
the view stays the real's — and a square larger than ``--max-side`` (768 px) is round-tripped
at that size and resized back (area down, bicubic up): the fake then is "a generator output
of ≤ 768 px that the chain resized", as generated pictures in the wild are (outputs of ~1 MP,
then resized by whoever posts them). TAEF2 costs ~10 s per megapixel on one loaded core; the
cap keeps a pair at ≤ ~6 s; the probe's tile (224 px across the same square) reads nothing
finer. Files go to ``DATA/pairs/`` (run the held-out guard on that folder), features (``g_emb``/``g_tok``/``g_cls``, each tile encoded
alone, as in the per-block cache) to ``DATA/pairs-rine.npz`` under ``<id>_<kind>|<part>``.
The first picture is also re-processed without the hook and compared with the stored view
(the chain must reproduce it byte for byte). Resumable.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")

from forgelens.detectors import clip_probe as gc  # noqa: E402
from forgelens.evidence import load  # noqa: E402
from forgelens.training import generation_data as gd  # noqa: E402
from forgelens.training import taef2  # noqa: E402

OUT = "pairs-rine.npz"
KINDS = ("pair", "dda")
MARGIN = 64
MAX_SIDE = 768


def centre_region(h: int, w: int, margin: int = MARGIN) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1): the centre square that ``centre_tile`` reads, plus ``margin``, inside the picture."""
    s = min(h, w)
    y0, x0 = (h - s) // 2, (w - s) // 2
    return max(0, y0 - margin), min(h, y0 + s + margin), max(0, x0 - margin), min(w, x0 + s + margin)


def training_reals(data: Path, cap: int) -> list[gd.Record]:
    """Real training pictures with a cached per-block view, at most ``cap`` per source (by id)."""
    with np.load(data / gd.LAYER_CACHE) as z:
        have = {k.split("|")[0] for k in z.files if k.endswith("|g_cls")}
    recs = sorted((r for r in gd.load_manifest(data) if not r.dropped and r.split == "train" and r.label == "authentic"
                   and any(v["view"] == "proc" and v["file"] in have for v in r.views)), key=lambda r: r.id)
    n: Counter = Counter()
    out = []
    for r in recs:
        n[r.family] += 1
        if n[r.family] <= cap:
            out.append(r)
    return out


def round_trip_at_most(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """TAEF2 round trip, at most ``max_side`` px on the long side (resized there and back)."""
    import cv2

    h, w = rgb.shape[:2]
    f = max_side / max(h, w)
    if f >= 1:
        return taef2.round_trip(rgb, tile=1280)
    small = cv2.resize(rgb, (max(8, round(w * f)), max(8, round(h * f))), interpolation=cv2.INTER_AREA)
    return cv2.resize(taef2.round_trip(small, tile=1280), (w, h), interpolation=cv2.INTER_CUBIC)


def aligned_views(rec: gd.Record, seed: int = 0, max_side: int = MAX_SIDE) -> dict[str, tuple[bytes, str]]:
    """The record's processed view re-made with each kind of aligned fake in place of its pixels."""
    raw = gd._decode(Path(rec.raw).read_bytes())
    made: dict[str, np.ndarray] = {}

    def hook(kind: str):
        def swap(cur: np.ndarray) -> np.ndarray:
            if "pair" not in made:
                y0, y1, x0, x1 = centre_region(*cur.shape[:2])
                fake = cur.copy()
                fake[y0:y1, x0:x1] = round_trip_at_most(cur[y0:y1, x0:x1], max_side)
                made["pair"] = fake
            return made["pair"] if kind == "pair" else taef2.high_band_from(cur, made["pair"])
        return swap

    out = {}
    for kind in KINDS:
        data, ext, _, _ = gd.process(raw, np.random.default_rng([seed, int(rec.id, 16)]), before_encode=hook(kind))
        out[kind] = (data, ext)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data"))
    ap.add_argument("--cap", type=int, default=40, help="at most this many real pictures per source")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-side", type=int, default=MAX_SIDE, help="round trip at most this many px on a side")
    ap.add_argument("--save-every", type=int, default=20)
    a = ap.parse_args(argv)
    import torch

    torch.set_num_threads(a.threads)
    path, pair_dir = a.data / OUT, a.data / "pairs"
    pair_dir.mkdir(exist_ok=True)
    cache: dict[str, np.ndarray] = dict(np.load(path)) if path.is_file() else {}
    recs = training_reals(a.data, a.cap)
    print(f"{len(recs)} real training pictures: {dict(Counter(r.family for r in recs))}", flush=True)
    if recs:  # the chain must reproduce the stored view exactly, else the pair is not aligned
        r = recs[0]
        view = next(v for v in r.views if v["view"] == "proc")
        data, _, _, _ = gd.process(gd._decode(Path(r.raw).read_bytes()), np.random.default_rng([0, int(r.id, 16)]))
        same = data == (a.data / "views" / view["file"]).read_bytes()
        print(f"re-made view of {r.id} identical to the stored one: {same}", flush=True)
        if not same:
            return 1
    todo = [r for r in recs if f"{r.id}_dda|g_cls" not in cache]
    t0 = time.time()
    for i, rec in enumerate(todo):
        for kind, (data, ext) in aligned_views(rec, max_side=a.max_side).items():
            f = pair_dir / f"{rec.id}_{kind}.{ext}"
            f.write_bytes(data)
            rgb = np.asarray(load(f).pixels)[..., :3]
            for k, v in gc.view_parts(rgb, a.threads).items():
                cache[f"{rec.id}_{kind}|{k}"] = v.astype(np.float16)
        if (i + 1) % a.save_every == 0 or i + 1 == len(todo):
            gd.save_features(path, cache)
            print(f"{i + 1}/{len(todo)} {(time.time() - t0) / (i + 1):.2f} s/picture", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
