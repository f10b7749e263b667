"""forgelens bench: datasets, metrics, perturbations, runner, tables and plots.

``run_bench`` is what ``forgelens bench`` calls::

    from forgelens.bench import run_bench
    result = run_bench(["casia1-samples"], ["default", "baseline"], ["none", "jpeg:75"], "bench-out")

One module per responsibility: ``datasets`` (layouts, masks), ``metrics``
(each metric once, and the one centre-prior baseline), ``perturb`` (robustness
transforms), ``records`` (the typed per-image record every evaluator reads),
``task`` (what one image produces, its cache key), ``engines`` (local process
pool or Ray, chosen in one place, with the progress bar), ``ray_engine`` (the
same tasks on Ray), ``writers`` (maps, scores.csv, per_image.jsonl),
``tables`` (JSON / CSV / Markdown), ``plots`` (PNG).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from forgelens.bench import datasets as _datasets
from forgelens.bench import engines as _engines
from forgelens.bench import perturb as _perturb
from forgelens.bench import tables as _tables
from forgelens.bench import task as _task
from forgelens.bench import writers as _writers
from forgelens.bench.records import ImageRecord


@dataclass
class BenchResult:
    records: list[ImageRecord]
    summary: _tables.Summary
    timing: dict[str, Any]
    paths: dict[str, Path] = field(default_factory=dict)


def expand_detectors(spec: str | list[str]) -> list[str]:
    """``"a,b"``, ``"default"`` (the fused default analysis), ``"all"`` (every registered detector + default).

    The trivial references ``baseline`` and ``constant`` are accepted by name (``"all"`` does not add them).
    """
    from forgelens.detectors import registry

    parts = spec.split(",") if isinstance(spec, str) else [p for s in spec for p in s.split(",")]
    out: list[str] = []
    for p in (p.strip() for p in parts):
        if not p:
            continue
        names = [_task.DEFAULT, *registry.available()] if p == "all" else [p]
        for n in names:
            if n not in _task.PSEUDO:
                registry.get(n)  # raises ConfigError naming the known detectors
            if n not in out:
                out.append(n)
    return out


def timing_summary(records: list[ImageRecord], wall: float, workers: int) -> dict[str, Any]:
    """Mean seconds per freshly computed image: total, detectors, fusion, and the harness's own share."""
    fresh = [r for r in records if not r.cached and r.seconds.get("total") is not None and not r.error]

    def mean(key: str) -> float | None:
        v = [r.seconds.get(key, 0.0) for r in fresh]
        return float(np.mean(v)) if v else None

    t = {k: mean(k) for k in ("total", "read", "perturb", "load", "mask", "detectors", "fusion", "metrics", "save_maps")}
    if fresh:
        overhead = [r.seconds["total"] - r.seconds.get("detectors", 0.0) - r.seconds.get("fusion", 0.0)
                    for r in fresh]
        t["harness_overhead"] = float(np.mean(overhead))
        mp = [r.pixels / 1e6 for r in fresh if r.shape]
        t["megapixels_mean"] = float(np.mean(mp)) if mp else None
    t.update({"images_fresh": len(fresh), "images_cached": sum(1 for r in records if r.cached),
              "wall_seconds": wall, "wall_per_image": wall / max(len(records), 1), "workers": workers})
    return t


def run_bench(
    datasets: list[str | _datasets.Dataset],
    detectors: list[str] | str = "default",
    perturbations: list[str] | str | None = None,
    out: str | Path = "bench-out",
    *,
    root: Path | None = None,
    limit: int | None = None,
    workers: int = 0,
    engine: str = "local",
    address: str | None = None,
    save_maps: str | Path | None = None,
    boundary: bool = False,
    force: bool = False,
    configs: dict[str, dict[str, Any]] | None = None,
    pairings: dict[str, list[str]] | None = None,
    plots: bool = True,
    progress: bool = True,
) -> BenchResult:
    """Benchmark detectors on datasets under perturbations; write tables and plots to ``out``."""
    out = Path(out)
    if limit is not None and limit < 0:
        raise ValueError(f"--limit {limit}: must be 0 (every image) or more (the first N images of each label)")
    dss = [d if isinstance(d, _datasets.Dataset) else _datasets.resolve(d, root) for d in datasets]
    names = [d.name for d in dss]
    for pos, negs in (pairings or {}).items():
        for name in (pos, *negs):
            if name not in names:
                raise ValueError(f"--pair {pos}={','.join(negs)}: {name!r} is not a dataset of this run (add "
                                 f"--dataset {name}); this run's datasets: {', '.join(names)}")
    whole = {d.name: d.counts() for d in dss}
    dss = [d.subset(limit) for d in dss]
    dets = expand_detectors(detectors)
    perts = _perturb.parse(perturbations)
    maps_dir = Path(save_maps) if save_maps else None
    tasks = _task.make_tasks(dss, dets, perts, out, maps_dir=maps_dir, boundary=boundary, force=force,
                               configs=configs)
    records, wall = _engines.run(tasks, engine=engine, workers=workers, address=address, progress=progress)
    summary = _tables.aggregate(records, pairings)
    timing = timing_summary(records, wall, workers)
    extra = {
        "datasets": [{"name": d.name, "root": str(d.root), "layout": d.layout, "counts": d.counts(),
                      "counts_whole": whole[d.name], "limit_per_label": limit, "problems": d.problems}
                     for d in dss],
        "detectors": dets, "detector_keys": dict(tasks[0].keys) if tasks else {},
        "perturbations": [p.spec for p in perts], "boundary_excluded_gt": boundary,
        "timing": timing, "engine": engine, "created": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    paths = _tables.write_all(summary, out, extra)
    paths["per_image"] = _writers.write_per_image(records, out / "per_image.jsonl")
    if maps_dir is not None:
        _writers.write_scores_csv(records, maps_dir)
    if plots:
        from forgelens.bench.plots import plot_all

        plot_all(records, summary, out / "plots", order=[p.spec for p in perts])
    return BenchResult(records, summary, timing, paths)
