"""Plan and run a synthesis: scan the pristine pool, draw the tasks, make them in a process pool.

Determinism: the pool is sorted by portable label; task ``i`` draws its kind
and chain by position (``kinds[i % K]``, ``chains[(i // K) % P]``, so every
pair is equally represented), its host and donor from a generator seeded with
``(seed, i, 1)``, and everything else from its own ``image_seed`` derived
from ``(seed, i)``. Results are written by index whatever order the workers
finish in, so the number of workers does not change a byte.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from forgelens import __version__
from forgelens.errors import ConfigError
from forgelens.progress import progress_bar
from forgelens.synth import jpeg_history
from forgelens.synth.generate import KINDS, RECIPE_VERSION, Options, Task, image_seed, make
from forgelens.synth.postprocess import CHAINS
from forgelens.synth.sources import Pristine, Skipped, inspect_file, list_files
from forgelens.synth.writer import write_index, write_recipes, write_sample

__all__ = ["Summary", "scan", "plan", "synthesize"]


@dataclass
class Summary:
    out: str
    written: int
    failed: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    pool: int = 0
    cameras: int = 0
    seconds: float = 0.0
    scan_seconds: float = 0.0
    megapixels: float = 0.0

    @property
    def images_per_minute(self) -> float:
        return 60.0 * self.written / self.seconds if self.seconds > 0 else 0.0


def _init_worker() -> None:
    import cv2

    from forgelens.isolation import end_with_parent

    end_with_parent()  # even a parent killed with SIGKILL (no clean-up of ours runs then)
    cv2.setNumThreads(1)


def _executor(workers: int):
    """A process pool (spawned: forking a process whose OpenCV thread pool ran can deadlock)."""
    if workers <= 1:
        return None
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_init_worker)


def _map(fn: Callable, items: list, executor, progress, description: str) -> list:
    """Apply ``fn`` to ``items`` (in ``executor`` when given), results in item order."""
    results: list = [None] * len(items)
    task_id = progress.add_task(description, total=len(items)) if progress is not None else None
    if executor is None:
        for k, it in enumerate(items):
            results[k] = fn(*it)
            if progress is not None:
                progress.advance(task_id)
        return results
    futs: dict = {}
    try:
        for k, it in enumerate(items):
            futs[executor.submit(fn, *it)] = k
        for f in as_completed(futs):
            results[futs[f]] = f.result()
            if progress is not None:
                progress.advance(task_id)
    except BaseException:
        # Ctrl-C (or an error): the queued items are cancelled here, as the executor's shutdown(cancel_futures=True)
        # reaches its manager thread through a weak reference to the executor, which the caller frees while it
        # handles the interrupt; the request was then lost and every queued image made (1 Ctrl-C in 4).
        for f in futs:
            f.cancel()
        raise
    return results


def scan(dirs: Iterable[str | os.PathLike], *, exclude=None, min_side: int = 256, executor=None,
         progress=None) -> tuple[list[Pristine], list[Skipped]]:
    """Read every candidate file under ``dirs``; return the usable photos and the skipped files."""
    files = list_files(list(dirs), exclude)
    res = _map(inspect_file, [(p, lab, min_side) for p, lab in files], executor, progress, "scanning pristine")
    pool = [r for r in res if isinstance(r, Pristine)]
    skipped = [r for r in res if isinstance(r, Skipped)]
    return pool, skipped


def plan(pool: list[Pristine], n: int, seed: int, *, kinds=KINDS, chains=CHAINS,
         options: Options | None = None) -> list[Task]:
    """Draw ``n`` tasks. Splice donors come from another camera whenever the pool has one."""
    if not pool:
        raise ConfigError("--pristine", "no usable pristine photo (see the log for why each was skipped)")
    options = options or Options()
    kinds, chains = tuple(kinds), tuple(chains)
    tasks = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        post = chains[(i // len(kinds)) % len(chains)]
        rng = np.random.default_rng([int(seed), i, 1])
        host = pool[int(rng.integers(len(pool)))]
        donor = None
        if kind == "splice":
            for _ in range(64):  # rejection sampling: other camera first
                cand = pool[int(rng.integers(len(pool)))]
                if cand.camera != host.camera:
                    donor = cand
                    break
            if donor is None:
                others = [p for p in pool if p.label != host.label] or [host]
                donor = others[int(rng.integers(len(others)))]
        tasks.append(Task(i, image_seed(seed, i), kind, post, host, donor, options))
    return tasks


def _run_task(task: Task, out: str) -> tuple[int, dict | None, dict | str, float]:
    try:
        sample = make(task)
        row, recipe = write_sample(sample, Path(out))
        h, w = sample.final.pixels.shape[:2]
        return task.index, row, recipe, h * w / 1e6
    except Exception as exc:  # one bad image must not stop a batch
        return task.index, None, f"{type(exc).__name__}: {exc}", 0.0


def _prepare_out(out: Path, force: bool) -> None:
    ours = ["index.csv", "recipe.jsonl", "synth.json", "synth.log"]
    if out.exists() and any((out / n).exists() for n in ours + ["images", "masks"]):
        if not force:
            raise ConfigError(str(out), "already holds a synth dataset; pass --force to replace it")
        for n in ours:
            (out / n).unlink(missing_ok=True)
        for d in ("images", "masks"):
            shutil.rmtree(out / d, ignore_errors=True)
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "masks").mkdir(parents=True, exist_ok=True)


def _write_log(out: Path, skipped, failed) -> None:
    """``OUT/synth.log``: a line per skipped pristine file (``skip``) and per image that failed (``fail``)."""
    with open(out / "synth.log", "w", encoding="utf-8") as fh:
        for s in skipped:
            fh.write(f"skip\t{s.label}\t{s.reason}\n")
        for i, why in failed:
            fh.write(f"fail\t{i:06d}\t{why}\n")


def synthesize(
    pristine: Iterable[str | os.PathLike],
    n: int,
    out: str | os.PathLike,
    *,
    seed: int = 0,
    kinds: Iterable[str] = KINDS,
    chains: Iterable[str] = CHAINS,
    options: Options | None = None,
    exclude: list[str] | None = None,
    workers: int = 0,
    force: bool = False,
    progress: bool = True,
    console=None,
) -> Summary:
    """Make a dataset of ``n`` images from the photos under ``pristine`` into ``out``.

    Parameters
    ----------
    pristine : folders (or files) of camera originals, searched recursively.
    n : number of images to make (manipulated kinds and authentic, in turn).
    out : output folder (the ``index.csv`` layout of ``../shared/datasets``).
    seed : global seed; same inputs, n, seed and version give byte-identical output.
    kinds : subset of ``KINDS``; chains : subset of ``postprocess.CHAINS``.
    options : crop size and JPEG-history probabilities (``generate.Options``).
    exclude : glob patterns of files to leave out (on label or file name).
    workers : processes (0 = one per core).

    Returns
    -------
    Summary
        counts, skipped pristine files and failed images with reasons, timing.
    """
    kinds, chains = tuple(kinds), tuple(chains)
    for k in kinds:
        if k not in KINDS:
            raise ConfigError("--kinds", f"unknown kind {k!r}; choose from {', '.join(KINDS)}")
    for c in chains:
        if c not in CHAINS:
            raise ConfigError("--post", f"unknown chain {c!r}; choose from {', '.join(CHAINS)}")
    if n < 1:
        raise ConfigError("-n", "must be at least 1")
    pristine = list(pristine)
    for d in pristine:  # a typo must not shrink the pool without a word, nor leave OUT behind
        if not Path(d).exists():
            raise ConfigError("--pristine", f"{d}: no such file or folder")
    options = options or Options()
    workers = workers or os.cpu_count() or 1
    out = Path(out)
    _prepare_out(out, force)

    bar = progress_bar(console, transient=False, disable=not progress)
    executor = _executor(workers)
    interrupted = False
    try:
        with bar:
            t0 = time.perf_counter()
            pool, skipped = scan(pristine, exclude=exclude, min_side=options.min_side, executor=executor,
                                 progress=bar)
            t1 = time.perf_counter()
            if not pool:  # write the log the error points to
                _write_log(out, skipped, [])
                raise ConfigError("--pristine", f"no usable pristine photo: {len(skipped)} files skipped (why each: "
                                                f"{out / 'synth.log'})")
            tasks = plan(pool, n, seed, kinds=kinds, chains=chains, options=options)
            order = sorted(range(len(tasks)), key=lambda k: (tasks[k].host.label, k))  # cache locality
            res = _map(_run_task, [(tasks[k], str(out)) for k in order], executor, bar, "making images")
            t2 = time.perf_counter()
    except BaseException:
        interrupted = True  # Ctrl-C or an error: a plain shutdown would make every queued image first
        raise
    finally:
        if executor is not None:
            executor.shutdown(wait=not interrupted, cancel_futures=interrupted)
    res.sort(key=lambda r: r[0])
    rows = [r[1] for r in res if r[1] is not None]
    recipes = [r[2] for r in res if r[1] is not None]
    failed = [(r[0], f"{tasks[r[0]].host.label}: {r[2]}") for r in res if r[1] is None]
    write_index(rows, out)
    write_recipes(recipes, out)
    _write_log(out, skipped, failed)
    meta = {
        "seed": int(seed), "n": int(n), "kinds": list(kinds), "chains": list(chains),
        "options": asdict(options), "exclude": list(exclude or []),
        "forgelens_version": __version__, "recipe_version": RECIPE_VERSION,
        "codecs": jpeg_history.library_versions(),
        "pool": [p.to_dict() for p in pool], "skipped": len(skipped),
        "written": len(rows), "failed": len(failed),
    }
    (out / "synth.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return Summary(
        out=str(out), written=len(rows), failed=failed, skipped=skipped, pool=len(pool),
        cameras=len({p.camera for p in pool}), seconds=t2 - t1, scan_seconds=t1 - t0,
        megapixels=float(sum(r[3] for r in res)),
    )


def regenerate(recipe: dict, pristine: Iterable[str | os.PathLike]):
    """Remake one image from its ``recipe.jsonl`` line; returns the ``generate.Sample``.

    The host (and donor) are found by label under the same ``pristine`` folders
    and must have the recorded SHA-256.
    """
    files = dict((lab, p) for p, lab in list_files(list(pristine)))
    opts = Options(**recipe["options"])

    def pristine_of(d):
        if d is None:
            return None
        if d["label"] not in files:
            raise ConfigError(d["label"], "pristine file not found under the given folders")
        p = inspect_file(files[d["label"]], d["label"], opts.min_side)
        if not isinstance(p, Pristine) or p.sha256 != d["sha256"]:
            raise ConfigError(d["label"], "pristine file differs from the one the recipe used")
        return p

    task = Task(recipe["index"], recipe["image_seed"], recipe["kind"], recipe["post"],
                pristine_of(recipe["host"]), pristine_of(recipe["donor"]), opts)
    return make(task)
