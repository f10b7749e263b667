"""The accuracy scripts' shared part: a spec (detectors x datasets x perturbations) run by the one
benchmark engine (``forgelens.bench``: the same tasks, metrics, cache and centre prior as
``forgelens bench``), and the printers of their tables.

Every spec also runs the two trivial references of the engine: ``baseline`` (the centre-prior
map of ``forgelens.bench.metrics.centre_prior``; image score from bits per pixel) and
``constant`` (0.5 everywhere). Pixel tables score a detector that returns no map on an image
(not applicable, no map, or an error) as an all-zero map, as these scripts always did: pixel
AUC 0.5 and the "paint everything" best F1 (the ``constant`` row's values for that image), F1
at 0.5 of 0. Images whose mask has one class only are left out of every pixel row, as are images
whose mask is refused or missing.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from forgelens.bench.datasets import Dataset, Item, read_index_csv, resolve
from forgelens.bench.records import DetectorResult, ImageRecord

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "datasets"
OUT = REPO / "benchmarks" / "out" / "accuracy"
#: The engine's trivial references, added to every spec; printed under these names.
REFERENCES = {"centre_prior": "baseline", "constant": "constant"}


@dataclass
class Spec:
    """What an accuracy script measures: detectors x datasets x perturbations (cached under ``OUT/name``)."""

    name: str
    detectors: tuple[str, ...]
    datasets: list[Dataset]
    perturbations: tuple[str, ...] = ("none",)
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)


def dataset(name: str, *, labels: tuple[str, ...] = ("manipulated", "authentic"), limit_manipulated: int = 0,
            limit_each: int = 0, need_mask: bool = False, every: int = 1, root: Path | None = None) -> Dataset:
    """A shared dataset (or a folder with an ``index.csv``), its items filtered in file order.

    ``limit_manipulated``: the first N manipulated images (the authentic ones all kept);
    ``limit_each``: the first N of each label; ``need_mask``: manipulated images with a mask only;
    ``every``: every k-th item (after the label filter).
    """
    if root is not None and (Path(root) / "index.csv").is_file():
        ds = read_index_csv(Path(root), name)
    else:
        ds = resolve(name, root or DATA)
    items: list[Item] = [it for it in ds.items if it.label in labels and (not need_mask or it.mask)]
    if limit_manipulated:
        man = [it for it in items if it.label == "manipulated"][:limit_manipulated]
        items = man + [it for it in items if it.label != "manipulated"]
    if limit_each:
        items = Dataset(ds.name, ds.root, items, ds.layout).subset(limit_each).items
    return Dataset(ds.name, ds.root, items[::every], ds.layout, ds.problems)


def run(spec: Spec, *, workers: int = 2, force: bool = False) -> list[ImageRecord]:
    """Run the spec on the local engine (cached: a rerun only computes what changed)."""
    import warnings

    from forgelens.bench import engines, task
    from forgelens.bench.perturb import parse

    warnings.simplefilter("ignore")  # library chatter (TIFF metadata, all-NaN slices); the pool's workers inherit it

    detectors = [*spec.detectors, *(d for d in REFERENCES.values() if d not in spec.detectors)]
    tasks = task.make_tasks(spec.datasets, detectors, parse(list(spec.perturbations)), OUT / spec.name,
                            force=force, configs=spec.configs or None)
    records, _ = engines.run(tasks, workers=workers)
    return records



def arguments(doc: str, datasets: tuple[str, ...], detectors: tuple[str, ...], cache: str) -> argparse.ArgumentParser:
    """The options every accuracy spec script shares (datasets, limit, jobs, detectors, force)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--datasets", nargs="*", default=list(datasets))
    ap.add_argument("--limit", type=int, default=0, help="first N manipulated images per dataset")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--detectors", default=",".join(detectors), help="comma-separated ('' = the baselines only)")
    ap.add_argument("--force", action="store_true", help=f"ignore the cache in benchmarks/out/accuracy/{cache}")
    return ap

def select(records: list[ImageRecord], dataset: str, perturbation: str = "none") -> list[ImageRecord]:
    return [r for r in records if r.dataset == dataset and r.perturbation == perturbation]


def _mean(values: list[float | None]) -> float:
    v = np.array([np.nan if x is None else x for x in values], float)
    return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")


def pixel_values(r: ImageRecord, name: str) -> dict[str, float | None]:
    """The pixel metrics of ``name`` on ``r``; a missing map is scored as an all-zero map.

    An all-zero map has the constant map's AUC (0.5) and best F1 (every threshold paints all or
    nothing), and predicts nothing at 0.5: F1, IoU and MCC at 0.5 are 0, the inverted F1 is the
    constant map's (``1 - map`` paints everything).
    """
    e = r.detectors.get(REFERENCES.get(name, name))
    if e is not None and e.pixel is not None:
        return e.pixel
    const = r.detectors["constant"].pixel
    return {**const, "f1": 0.0, "iou": 0.0, "mcc": 0.0, "f1_inverted": const["f1"]}


def scored(records: list[ImageRecord]) -> list[ImageRecord]:
    """Manipulated images with a usable two-class mask (the images of the pixel rows)."""
    out = []
    for r in records:
        c = r.detectors.get("constant")
        if r.label == "manipulated" and not r.error and c is not None and c.pixel is not None \
                and c.pixel.get("pixel_auc") is not None:
            out.append(r)
    return out


def pixel_table(records: list[ImageRecord], title: str, detectors: tuple[str, ...], *,
                baselines: tuple[str, ...] = ("centre_prior", "constant"), f1_at: bool = False,
                errors: bool = False, width: int = 22) -> str:
    """Mean pixel AUC and best-threshold F1 (+ F1@0.5) over ``scored(records)``; n, n/a (and errors) per row."""
    ok = scored(records)
    head = f"{'map':<{width}}{'pixel AUC':>10}{'best F1':>10}" + (f"{'F1@0.5':>8}" if f1_at else "") \
        + f"{'n':>6}{'n/a':>6}" + (f"{'errors':>8}" if errors else "")
    lines = [title, head]
    for name in detectors + baselines:
        px = [pixel_values(r, name) for r in ok]
        aucs = [p.get("pixel_auc") for p in px]
        n = sum(1 for a in aucs if a is not None)
        ent = [r.detectors.get(REFERENCES.get(name, name)) for r in ok]
        na = sum(1 for e in ent if e is not None and not e.applicable)
        err = sum(1 for e in ent if e is not None and e.error)
        lines.append(f"{name:<{width}}{_mean(aucs):>10.3f}{_mean([p.get('best_f1') for p in px]):>10.3f}"
                     + (f"{_mean([p.get('f1') for p in px]):>8.3f}" if f1_at else "")
                     + f"{n:>6}{na:>6}" + (f"{err:>8}" if errors else ""))
    return "\n".join(lines)


def score_or_zero(e: DetectorResult | None) -> float:
    """The image score, 0 where the detector gave none (as the scripts always counted it)."""
    return 0.0 if e is None or e.score is None else float(e.score)


def image_table(records: list[ImageRecord], dataset: str, detectors: tuple[str, ...]) -> str:
    """Image AUC of each detector's score (manipulated vs authentic) beside the pixel-count baseline.

    A missing score counts as 0; "called" = score >= 0.5 among manipulated / authentic.
    """
    from forgelens.bench.metrics import image_auc

    ok = [r for r in records if not r.error]
    y = np.array([r.label == "manipulated" for r in ok])
    if y.all() or not y.any():
        return f"(image level: {dataset} has no authentic images)"
    lines = [f"## {dataset}: image level, {int(y.sum())} manipulated vs {int((~y).sum())} authentic",
             f"{'score':<22}{'image AUC':>10}{'called (man/auth)':>20}"]
    for name in detectors:
        s = np.array([score_or_zero(r.detectors.get(name)) for r in ok])
        a = image_auc(y, s)
        lines.append(f"{name:<22}{(a if a is not None else float('nan')):>10.3f}"
                     f"{f'{int((s[y] >= 0.5).sum())}/{int((s[~y] >= 0.5).sum())}':>20}")
    a = image_auc(y, np.array([r.pixels for r in ok], float))
    lines.append(f"{'baseline: pixel count':<22}{(a if a is not None else float('nan')):>10.3f}")
    return "\n".join(lines)


def false_alarm_table(records: list[ImageRecord], detectors: tuple[str, ...], *, seconds: bool = False,
                      width: int = 22) -> str:
    """Share of authentic images whose score >= 0.5, over those where the detector applies (+ s/MP at >= 1 MP)."""
    ok = [r for r in records if not r.error]
    lines = [f"\n## false alarms on {len(ok)} authentic photos in cameras/ (score >= 0.5)",
             f"{'detector':<{width}}{'flagged':>10}{'applicable':>12}{'rate':>8}" + (f"{'s/MP':>8}" if seconds else "")]
    big = [r for r in ok if r.pixels >= 1e6]
    for name in detectors:
        app = [r.detectors[name] for r in ok if r.detectors[name].applicable and r.detectors[name].score is not None]
        fl = sum(1 for e in app if e.score >= 0.5)
        rate = fl / len(app) if app else float("nan")
        line = f"{name:<{width}}{fl:>10}{len(app):>12}{rate:>8.2f}"
        if seconds:
            mp = sum(r.pixels for r in big) / 1e6
            spm = sum(r.detectors[name].seconds for r in big) / mp if big else float("nan")
            line += f"{spm:>8.2f}"
        lines.append(line)
    return "\n".join(lines)


def skipped_lines(records: list[ImageRecord]) -> str:
    """One line per unreadable image (recorded by the engine, never fatal)."""
    return "\n".join(f"  skipped {Path(r.image).name}: {r.error}" for r in records if r.error)
