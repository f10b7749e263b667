"""A small cache of fake analyses in the shape of the detection recipe's sets (synth-train, hard-train, synth-val,
hard-val), shared by the tests of ``benchmarks/fit/fit_detection_shipped.py`` and of its ``--head-logits`` option."""

from __future__ import annotations

import csv

import numpy as np

from forgelens.fusion.detection import MapSummary


def write_set(cache, name, n, rng, kinds=("authentic", "manipulated")):
    """``n`` cached analyses under ``cache/name`` (ela + noise maps, every tenth a ``local`` kind), two per host photo;
    manipulated ones read 0.4 higher. Returns the index rows (image, label)."""
    (cache / name).mkdir(parents=True)
    rows = []
    for i in range(n):
        label = kinds[i % len(kinds)]
        level = 0.2 + (0.4 if label == "manipulated" else 0.0) + rng.normal(0, 0.15)
        m = np.clip(rng.normal(level, 0.1, (24, 32)), 0, 1).astype(np.float16)
        image = f"images/{i:06d}.jpg"
        MapSummary(maps={"ela": m, "noise": np.clip(m + rng.normal(0, 0.2, m.shape), 0, 1).astype(np.float16)},
                   scores={"ela": float(level), "noise": float(rng.random())},
                   families={"ela": "jpeg", "noise": "noise"}).to_npz(
            cache / name / f"{i:04d}.npz", image=image, label=label, source=f"synth:hosts/{i // 2}.jpg",
            kind="local" if i % 10 == 9 else "")
        rows.append({"image": image, "label": label})
    return rows


def recipe_cache(tmp_path):
    """The four sets in ``tmp_path/cache`` and synth-train's ``tmp_path/index.csv``; returns the cache folder."""
    rng = np.random.default_rng(0)
    c = tmp_path / "cache"
    rows = write_set(c, "synth-train", 60, rng)
    write_set(c, "hard-train", 10, rng, kinds=("authentic",))
    write_set(c, "synth-val", 40, rng)
    write_set(c, "hard-val", 8, rng, kinds=("authentic",))
    with open(tmp_path / "index.csv", "w", newline="") as f:
        w = csv.DictWriter(f, ["image", "label"])
        w.writeheader()
        w.writerows(rows)
    return c
