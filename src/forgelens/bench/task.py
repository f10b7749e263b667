"""The benchmark task: what one (image, perturbation) produces, and its cache key.

A task reads the file, applies the perturbation to its bytes, ``load``s the
result, runs the requested detectors at **native resolution**, reads the mask
and computes every per-image metric in the worker, so only a small
``records.ImageRecord`` travels back (and maps, with ``--save-maps``, are
written by the worker). The engines that run tasks are in ``engines``; the
writers of tables and files in ``writers`` and ``tables``.

Detector names
    Any registered detector, plus three pseudo-detectors:

    ``default``   the fused verdict of the default analysis
                  (``forgelens.pipeline.analyze``): map = ``verdict.heatmap``,
                  score = ``verdict.score``. ``analyze`` runs once per image and
                  every registered detector that is part of it takes its trace
                  from that report (no detector runs twice).
    ``baseline``  a trivial reference, not a detector: the centre-prior map
                  (``metrics.centre_prior``) and an image score from the file's
                  bits per pixel, bpp / (1 + bpp). It shows what cues that carry
                  no forensic information achieve on the same images.
    ``constant``  another trivial reference: a map of 0.5 everywhere and the
                  score 0.5 (pixel AUC 0.5 by construction; its best F1 is the
                  "paint everything" F1 of the mask).

Cache and resume
    Each task's result is cached as JSON under ``OUT/cache/``. A cached entry
    is reused when the image and mask files are unchanged (size, mtime) and
    the detector's key is unchanged: name, configuration, the SHA-256 of the
    detector's source file and the tool version (``default`` also covers the
    pipeline and fusion sources and every default detector; the pseudo
    detectors cover ``metrics.py``, where the centre prior is). Only what
    changed is rerun; ``--force`` reruns everything.

Bad input
    An unreadable image, a missing or unusable mask, a detector that fails or
    does not apply: recorded for that image (``reason``), the run goes on, and
    the tables count the skipped images by reason.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from forgelens import __version__
from forgelens.bench import metrics
from forgelens.bench.datasets import Dataset, MaskError, read_mask
from forgelens.bench.metrics import centre_prior, pixel_scores
from forgelens.bench.perturb import Perturbation, parse_one
from forgelens.bench.records import DetectorResult, ImageRecord
from forgelens.bench.writers import map_path, save_map

DEFAULT = "default"
BASELINE = "baseline"
CONSTANT = "constant"
PSEUDO = (DEFAULT, BASELINE, CONSTANT)


# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class Task:
    """One (image, perturbation) with every detector to run on it. Picklable (pool and Ray)."""

    dataset: str
    root: str
    image: str
    mask: str | None
    label: str
    perturbation: str
    detectors: tuple[str, ...]
    keys: tuple[tuple[str, str], ...]  # (detector, cache key)
    cache_dir: str | None
    maps_dir: str | None
    boundary: bool = False
    force: bool = False
    configs: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()

    @property
    def image_id(self) -> str:
        """``<dataset>/<image path>``: the key in per-image tables and ``scores.csv``."""
        return f"{self.dataset}/{self.image}"


def _file_sig(path: Path) -> list[int] | None:
    try:
        st = path.stat()
        return [st.st_size, st.st_mtime_ns]
    except OSError:
        return None


def _source_sha(obj: Any) -> str:
    try:
        return hashlib.sha256(Path(inspect.getsourcefile(obj)).read_bytes()).hexdigest()[:16]
    except (TypeError, OSError):
        return "?"


def detector_keys(names: Iterable[str], configs: dict[str, dict[str, Any]] | None = None) -> dict[str, str]:
    """Cache key per detector: name, config, source hash, tool version (see module docstring)."""
    from forgelens.detectors import registry

    configs = configs or {}

    def one(name: str) -> str:
        info = registry.get(name)
        cfg = info.make_config(configs.get(name))
        cfg_d = dataclasses.asdict(cfg) if dataclasses.is_dataclass(cfg) else {}
        return json.dumps([name, cfg_d, _source_sha(info.fn), __version__], sort_keys=True, default=str)

    keys: dict[str, str] = {}
    for n in names:
        if n == DEFAULT:
            from forgelens import fusion, pipeline

            parts = [one(d) for d in registry.default_names()]
            parts += [_source_sha(pipeline), _source_sha(fusion), __version__]
            raw = json.dumps(parts)
        elif n in (BASELINE, CONSTANT):
            raw = json.dumps([n, _source_sha(detector_keys), _source_sha(metrics), __version__])
        else:
            raw = one(n)
        keys[n] = hashlib.sha256(raw.encode()).hexdigest()[:20]
    return keys


def make_tasks(
    datasets: list[Dataset],
    detectors: list[str],
    perturbations: list[Perturbation],
    out: Path | None,
    *,
    maps_dir: Path | None = None,
    boundary: bool = False,
    force: bool = False,
    configs: dict[str, dict[str, Any]] | None = None,
) -> list[Task]:
    """One task per (perturbation, dataset item), each carrying every detector and its cache key."""
    keys = tuple(detector_keys(detectors, configs).items())
    cfg_t = tuple((d, tuple(sorted(o.items()))) for d, o in sorted((configs or {}).items()))
    tasks = []
    for p in perturbations:
        for ds in datasets:
            for it in ds.items:
                cache = str(out / "cache") if out is not None else None
                tasks.append(Task(ds.name, str(ds.root), it.image, it.mask, it.label, p.spec, tuple(detectors),
                                  keys, cache, str(maps_dir) if maps_dir else None, boundary, force, cfg_t))
    return tasks


# --------------------------------------------------------------------------- the worker


def _cache_file(task: Task) -> Path | None:
    if task.cache_dir is None:
        return None
    h = hashlib.sha1(task.image.encode()).hexdigest()[:16]
    tag = "b" if task.boundary else "p"
    return Path(task.cache_dir) / task.dataset / task.perturbation.replace(":", "_") / f"{h}-{tag}.json"


def run_task(task: Task) -> ImageRecord:
    """Worker body: never raises; returns the image's record (from the cache where still valid)."""
    t0 = time.perf_counter()
    rec = ImageRecord(task.dataset, task.image, task.label, task.perturbation)
    root = Path(task.root)
    img_path = root / task.image
    mask_path = root / task.mask if task.mask else None
    sig = [_file_sig(img_path), _file_sig(mask_path) if mask_path else None, task.boundary]
    keys = dict(task.keys)
    cache_file = _cache_file(task)
    cached: ImageRecord | None = None
    if cache_file is not None and cache_file.is_file() and not task.force:
        try:
            raw = json.loads(cache_file.read_text())
            cached = ImageRecord.from_dict(raw["record"]) if raw.get("sig") == sig else None
        except (OSError, ValueError, KeyError, TypeError):
            cached = None

    def have(d: str) -> bool:
        if cached is None:
            return False
        if cached.error:
            return True  # an unreadable file stays unreadable while its bytes are unchanged
        e = cached.detectors.get(d)
        if e is None or e.key != keys[d]:
            return False
        if task.maps_dir and e.has_map and not map_path(task.maps_dir, d, task.image_id, task.perturbation).is_file():
            return False
        return True

    needed = [d for d in task.detectors if not have(d)]
    if not needed and cached is not None:
        cached.detectors = {d: cached.detectors[d] for d in task.detectors if d in cached.detectors}
        cached.cached = True
        return cached
    if cached is not None and not cached.error:
        rec = cached
        rec.seconds = {}

    secs = rec.seconds
    try:
        _compute(task, needed, keys, img_path, mask_path, rec, secs)
    except Exception as exc:  # a harness bug must not sink the run; recorded per image
        rec.error = f"{task.image_id}: internal error: {type(exc).__name__}: {exc}"
        rec.reason = f"internal error ({type(exc).__name__})"
    secs["total"] = time.perf_counter() - t0
    if cache_file is not None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"sig": sig, "record": rec.to_dict()}))
            os.replace(tmp, cache_file)
        except OSError:
            pass
    return rec


def _compute(task: Task, needed: list[str], keys: dict[str, str], img_path: Path, mask_path: Path | None,
             rec: ImageRecord, secs: dict[str, float]) -> None:
    """Fill ``rec`` with the detectors in ``needed`` (an unreadable image sets ``rec.error`` and stops)."""
    from forgelens.errors import ForgeLensError
    from forgelens.evidence import load

    t = time.perf_counter()
    try:
        original = img_path.read_bytes()
    except OSError as exc:
        rec.error, rec.reason = f"{task.image_id}: cannot read file: {exc.strerror or exc}", "file unreadable"
        return
    secs["read"] = time.perf_counter() - t

    t = time.perf_counter()
    pert = parse_one(task.perturbation)
    try:
        data = pert.apply(original)
    except Exception as exc:
        rec.error = f"{task.image_id}: cannot decode for perturbation {pert.spec}: {type(exc).__name__}: {exc}"
        rec.reason = "image unreadable"
        return
    secs["perturb"] = time.perf_counter() - t

    t = time.perf_counter()
    try:
        evidence = load(data, name=task.image_id)
    except ForgeLensError as exc:
        from forgelens.errors import UnreadableImageError

        # a picture refused for its size, pixel count or format was read: say why, not "unreadable"
        what = "unreadable" if isinstance(exc, UnreadableImageError) else f"not scored: {exc.reason}"
        rec.error, rec.reason = str(exc), f"image {what} ({type(exc).__name__})"
        return
    secs["load"] = time.perf_counter() - t
    shape = evidence.shape
    rec.shape = (int(shape[0]), int(shape[1]))
    rec.format = evidence.format

    # ---- ground truth (only manipulated images with a mask enter pixel metrics)
    t = time.perf_counter()
    gt = None
    if task.label != "manipulated":
        rec.mask = "not needed"
    elif mask_path is None:
        rec.mask = "no mask"
    else:
        try:
            orig_shape = shape
            if pert.geometric:
                import io

                from PIL import Image

                with Image.open(io.BytesIO(original)) as im0:
                    orig_shape = (im0.height, im0.width)
            gt, warn = read_mask(mask_path, orig_shape)
            if orig_shape != shape:
                from PIL import Image

                gt = np.asarray(Image.fromarray(gt.astype(np.uint8) * 255).resize(shape[::-1], Image.NEAREST)) >= 128
            rec.mask, rec.mask_note = ("resized" if warn else "ok"), warn
        except MaskError as exc:
            rec.mask = "refused" if "refused" in str(exc) else ("missing" if "missing" in str(exc) else "unreadable")
            rec.mask_note = str(exc)
    secs["mask"] = time.perf_counter() - t

    # ---- detectors
    outputs: dict[str, tuple[np.ndarray | None, DetectorResult]] = {}
    configs = {d: dict(o) for d, o in task.configs}
    secs["detectors"] = 0.0
    secs["fusion"] = 0.0
    report = None
    real = [d for d in needed if d not in PSEUDO]
    if DEFAULT in needed:
        from forgelens.detectors import registry
        from forgelens.pipeline import analyze

        report = analyze(evidence, configs=configs)
        v = report.verdict
        secs["detectors"] += report.seconds.get("detectors", 0.0)
        secs["fusion"] += report.seconds.get("fusion", 0.0)
        # the image-level score of the whole analysis is P(not authentic) = P(manipulated) + P(generated),
        # one ranking for sets that mix manipulated and generated positives (the label's own score is not)
        p_auth = (v.probabilities or {}).get("authentic")
        outputs[DEFAULT] = (v.heatmap, DetectorResult(
            keys[DEFAULT], score=v.score if p_auth is None else 1.0 - p_auth,
            applicable=v.heatmap is not None or v.manipulation_score is not None,
            seconds=report.seconds.get("total", 0.0), note=v.decision.get("rule", ""), error=None,
            extra={"label": v.label, "probabilities": v.probabilities, "manipulation_score": v.manipulation_score,
                   "generation_score": v.generation_score},
        ))
        defaults = set(registry.default_names())
        for d in [d for d in real if d in defaults]:
            outputs[d] = _from_trace(keys[d], report.trace(d))
            real.remove(d)
    if real:
        from forgelens.detectors import registry

        for d in real:
            info = registry.get(d)
            trace = registry.run(d, evidence, info.make_config(configs.get(d)))
            secs["detectors"] += trace.seconds
            outputs[d] = _from_trace(keys[d], trace)
    if BASELINE in needed:
        bpp = 8.0 * len(data) / (shape[0] * shape[1])
        outputs[BASELINE] = (centre_prior(shape), DetectorResult(
            keys[BASELINE], score=bpp / (1 + bpp), applicable=True, note=f"centre prior; {bpp:.2f} bits/pixel"))
    if CONSTANT in needed:
        outputs[CONSTANT] = (np.full(shape, 0.5, np.float32), DetectorResult(
            keys[CONSTANT], score=0.5, applicable=True, note="constant map and score 0.5"))

    # ---- metrics and maps
    t_metrics = 0.0
    t_save = 0.0
    for d, (heatmap, entry) in outputs.items():
        entry.has_map = heatmap is not None
        t = time.perf_counter()
        if task.label == "manipulated":
            if gt is None:
                entry.pixel_reason = {"no mask": "no mask"}.get(rec.mask, f"mask {rec.mask}")
            elif entry.error:
                entry.pixel_reason = "detector error"
            elif heatmap is None:
                entry.pixel_reason = "no map" if entry.applicable else "not applicable"
            else:
                entry.pixel = pixel_scores(heatmap, gt, boundary=task.boundary).to_dict()
        t_metrics += time.perf_counter() - t
        if task.maps_dir and heatmap is not None:
            t = time.perf_counter()
            save_map(map_path(task.maps_dir, d, task.image_id, task.perturbation), heatmap)
            t_save += time.perf_counter() - t
        rec.detectors[d] = entry
    secs["metrics"] = t_metrics
    secs["save_maps"] = t_save
    del report


def _from_trace(key: str, trace) -> tuple[np.ndarray | None, DetectorResult]:
    if trace is None:
        return None, DetectorResult(key, note="not run", error="trace missing")
    err = trace.error.splitlines()[0] if trace.error else None
    heatmap = None if trace.heatmap is None else trace.pixels(trace.heatmap)
    return heatmap, DetectorResult(key, score=None if trace.score is None else float(trace.score),
                                         applicable=trace.applicable, seconds=trace.seconds, note=trace.note,
                                         error=err)
