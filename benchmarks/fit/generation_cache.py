"""Per-view features of the issue-18 generation set, cached once (CLIP costs ~0.15 s a tile).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/fit/generation_cache.py --data /work/gen-data

Reads ``DATA/manifest.jsonl`` (written by ``forgelens.training.generation_data``) and, for
every processed view (and the validation robustness copies, at most ``--robust-cap`` per
family/source), stores in ``DATA/features.npz``: the CLIP parts of
``detectors.clip_probe.clip_features`` (resized view + native crops), the shipped
``gen_trace`` score, and trivial statistics (log size, JPEG or not, brightness,
saturation, sharpness) for the baseline. Resumable: views already cached are skipped.
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
from forgelens.detectors import registry  # noqa: E402
from forgelens.evidence import load  # noqa: E402
from forgelens.training.generation_data import load_features, load_manifest, save_features  # noqa: E402
from forgelens.training.probes import trivial_stats  # noqa: E402


def wanted_views(data: Path, robust_cap: int, train_cap: int = 0) -> list[tuple[str, str]]:
    """(record id, view file) pairs to cache: processed views (at most ``train_cap`` per training
    family/source, 0 = all; validation always whole), then the robustness copies."""
    out, robust, per_group, per_train = [], [], Counter(), Counter()
    for rec in load_manifest(data):
        if rec.dropped:
            continue
        if rec.split == "train" and train_cap:
            per_train[rec.family] += 1
            if per_train[rec.family] > train_cap:
                continue
        take_robust = rec.split == "val" and per_group[rec.family] < robust_cap
        per_group[rec.family] += rec.split == "val"
        for v in rec.views:
            if v["view"] == "proc":
                out.append((rec.id, v["file"]))
            elif take_robust:
                robust.append((rec.id, v["file"]))
    return out + robust


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data"))
    ap.add_argument("--robust-cap", type=int, default=12)
    ap.add_argument("--train-cap", type=int, default=0, help="at most this many training pictures per family")
    ap.add_argument("--save-every", type=int, default=50)
    ap.add_argument("--shard", type=int, default=0, help="this worker's share (k %% nshards == shard)")
    ap.add_argument("--nshards", type=int, default=1)
    ap.add_argument("--family", action="append", default=None,
                    help="only views of records of this family (repeatable), e.g. the source added by "
                         "training.gen_sources_stock")
    a = ap.parse_args(argv)
    path = a.data / ("features.npz" if a.nshards == 1 else f"features-{a.shard}.npz")
    cache: dict[str, np.ndarray] = dict(np.load(path)) if path.is_file() else {}
    done = set(load_features(a.data)) | set(cache)
    wanted = wanted_views(a.data, a.robust_cap, a.train_cap)
    if a.family:
        fam = {r.id: r.family for r in load_manifest(a.data)}
        wanted = [(rid, f) for rid, f in wanted if fam[rid] in a.family]
    todo = [(rid, f) for k, (rid, f) in enumerate(wanted) if f"{f}|g_emb" not in done and k % a.nshards == a.shard]
    print(f"{len(todo)} views to compute, {len(cache) // 6} cached", flush=True)
    t0 = time.time()
    for i, (_rid, f) in enumerate(todo):
        ev = load(a.data / "views" / f)
        rgb = np.asarray(ev.pixels)[..., :3]
        for k, v in gc.clip_features(rgb, threads=1).items():
            cache[f"{f}|{k}"] = v.astype(np.float16)
        tr = registry.run("gen_trace", ev)
        cache[f"{f}|gen_trace"] = np.array([np.nan if tr.score is None else tr.score], np.float32)
        cache[f"{f}|trivial"] = trivial_stats(rgb, f.endswith(".jpg"))
        if (i + 1) % a.save_every == 0 or i + 1 == len(todo):
            save_features(path, cache)
            print(f"{i + 1}/{len(todo)} {(time.time() - t0) / (i + 1):.2f} s/view", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
