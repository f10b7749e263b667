"""Run analyses over many files: expand inputs, isolated workers, one error per bad file.

A bad file never stops a batch. Each file is analysed in an isolated worker
process (:mod:`forgelens.isolation`) under a wall-time and a memory limit; a
file that passes either, or whose worker dies, is recorded against its name
and the worker is replaced. Results are streamed to ``OUT/batch.jsonl`` as each
file finishes; ``OUT/batch.json`` and ``OUT/errors.txt`` are always written,
also when the batch is interrupted (Ctrl-C). Each report folder is written
under a temporary name and renamed when complete, so a folder ``OUT/<name>``
exists only whole and a rerun redoes whatever was cut short. Output names are
sanitised (no ``.``/``..``, no separators) and never leave OUT.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forgelens.isolation import IsolatedPool, Limits

#: Suffixes of every format ``evidence.READ_FORMATS`` reads (a folder walk takes these files without sniffing).
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".bmp", ".dib", ".webp", ".gif", ".jfif",
                  ".ppm", ".pgm", ".pbm", ".pnm", ".heic", ".heif", ".avif", ".hif", ".psd", ".ico", ".qoi",
                  ".jp2", ".j2k", ".j2c", ".jpx", ".jpf"}

#: Files in OUT itself: no report folder may take these names.
RESERVED_NAMES = {"batch.json", "batch.jsonl", "errors.txt"}
_PARTIAL = ".partial-"
_OLD = ".old-"


@dataclass
class Expansion:
    """What the inputs expanded to: files to analyse, inputs that matched nothing, files skipped."""

    files: list[Path] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def sniff_image(path: Path) -> str | None:
    """The image format the first bytes announce, or None (for files without an image suffix);
    the same signatures ``evidence.load`` reads (``evidence.sniff_format``)."""
    from forgelens.evidence import sniff_format

    try:
        with open(path, "rb") as fh:
            return sniff_format(fh.read(32))
    except OSError:
        return None


def _describe_content(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    if not head:
        return "empty"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in head)
    return "text" if printable / len(head) > 0.95 else "not a known image format"


def expand(items: Iterable[str], exclude: Path | None = None) -> Expansion:
    """Files as given; folders walked recursively (image suffixes, else sniffed by content);
    globs expanded. Files under ``exclude`` (the output folder) are left out."""
    from forgelens.evidence import path_problem

    ex = Expansion()
    excl = exclude.resolve() if exclude is not None else None

    def excluded(q: Path) -> bool:
        return excl is not None and (q.resolve() == excl or excl in q.resolve().parents)

    for item in items:
        p = Path(item)
        if p.is_dir():
            found = []
            for q in sorted(p.rglob("*")):
                if q.is_symlink() and not q.exists():  # a loop or a dangling link: say so, do not follow
                    ex.skipped.append((str(q), path_problem(q) or "unreadable link"))
                    continue
                if not q.is_file() or excluded(q):
                    continue
                if q.suffix.lower() in IMAGE_SUFFIXES or sniff_image(q):
                    found.append(q)
                else:
                    ex.skipped.append((str(q), f"not an image by name or content ({_describe_content(q)})"))
            if not found:
                ex.problems.append((item, "folder holds no image files"))
            ex.files += found
        elif p.exists():
            ex.files.append(p)
        elif any(c in item for c in "*?["):
            found = sorted(Path(q) for q in glob.glob(item, recursive=True) if Path(q).is_file())
            found = [q for q in found if not excluded(q)]
            if not found:
                ex.problems.append((item, "pattern matches no file"))
            ex.files += found
        else:
            ex.problems.append((item, path_problem(p) or "no such file"))
    seen: set[Path] = set()
    ex.files = [f for f in ex.files if not (f.resolve() in seen or seen.add(f.resolve()))]
    return ex


def expand_inputs(items: Iterable[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """(files, problems) of :func:`expand` (problems: (item, reason) for inputs that match nothing)."""
    ex = expand(items)
    return ex.files, ex.problems


def safe_name(stem: str) -> str:
    """A folder name made from a file stem that cannot leave its parent or hide: no separators,
    no control characters, no leading dots or spaces, at most 100 characters (150 bytes)."""
    s = unicodedata.normalize("NFC", stem)
    s = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]', "_", s)
    s = s.lstrip(". ").rstrip(". ")
    s = s[:100]
    while len(s.encode("utf-8", "surrogateescape")) > 150:  # file systems allow 255 bytes a name
        s = s[:-1]
    if not s or s.lower() in RESERVED_NAMES:
        s = "image" + (f"-{s}" if s else "")
    return s


def output_dirs(files: list[Path], out: Path) -> dict[Path, Path]:
    """OUT/<safe stem>; names that collide (case-insensitively) get a short hash of the path."""
    names = {f: safe_name(f.stem) for f in files}
    counts: dict[str, int] = {}
    for n in names.values():
        counts[n.lower()] = counts.get(n.lower(), 0) + 1
    result = {}
    out_resolved = out.resolve()
    for f in files:
        name = names[f]
        if counts[name.lower()] > 1:
            name += "-" + hashlib.sha1(str(f.resolve()).encode()).hexdigest()[:8]
        d = out / name
        if d.resolve().parent != out_resolved:  # cannot happen after safe_name; kept as a guard
            raise ValueError(f"output folder {d} would leave {out}")
        result[f] = d
    return result


@dataclass
class ItemResult:
    path: str
    outdir: str | None
    label: str | None = None
    score: float | None = None
    probabilities: dict[str, float | None] | None = None
    seconds: float | None = None
    error: str | None = None
    skipped: bool = False
    report: dict[str, Any] | None = None
    skip_reason: str | None = None
    #: The label in words (``forgelens.explain.headline``), for the one line printed per file.
    headline: str | None = None
    #: What report.html prints beside the probabilities where neither a calibrated model nor a declaration
    #: set them (``forgelens.explain.text.RANKING_NOTE``: "… a ranking, not a probability"); None otherwise.
    probability_note: str | None = None

    def row(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "report"}


def analyze_one(path: str, outdir: str | None, options: dict[str, Any], tmpdir: str | None = None) -> ItemResult:
    """Worker body: analyse one file, write its report (into ``tmpdir``, then renamed to
    ``outdir``); a ForgeLensError or a bug becomes the result's ``error``."""
    from forgelens.errors import ForgeLensError
    from forgelens.pipeline import analyze

    try:
        report = analyze(path, detectors=options.get("detectors"), configs=options.get("configs"),
                         workers=options.get("image_workers", 1),
                         reference=options.get("reference"), archive=options.get("archive"))
        if outdir is not None:
            from forgelens.explain import write_report

            write_report(report, tmpdir or outdir)
            if getattr(report.comparison, "score_work", None) is not None:  # comparison.html beside report.html
                from forgelens.compare.html import write_comparison

                write_comparison(report.comparison, tmpdir or outdir)
            if tmpdir is not None:
                _publish(Path(tmpdir), Path(outdir))
        d = report.to_dict() if options.get("want_json") else None
        v = report.verdict
        from forgelens.explain import headline, text

        return ItemResult(path, outdir, v.label, v.score, v.probabilities, report.seconds["total"], report=d,
                          headline=headline(report), probability_note=text.ranking_note(report))
    except ForgeLensError as exc:
        return ItemResult(path, outdir, error=str(exc))
    except MemoryError:
        raise  # the pool turns it into "exceeded the ... memory limit"
    except Exception as exc:  # a bug must not sink the batch; it is recorded with the file name
        return ItemResult(path, outdir, error=f"{path}: internal error: {type(exc).__name__}: {exc}")


def _publish(tmp: Path, final: Path) -> None:
    """Rename a complete report folder into place (replacing an older one with --force)."""
    old = None
    if final.exists():
        old = final.with_name(f"{_OLD}{final.name}-{os.getpid()}-{time.monotonic_ns()}")
        os.rename(final, old)
    os.rename(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _is_done(d: Path) -> bool:
    return (d / "report.json").is_file() and (d / "report.html").is_file()


def _clean_leftovers(out: Path) -> None:
    """Remove temporary folders that an earlier, killed batch left in OUT."""
    if not out.is_dir():
        return
    for q in out.iterdir():
        if q.is_dir() and q.name.startswith((_PARTIAL, _OLD)):
            m = re.search(r"-(\d+)-\d+$", q.name)
            if m and _pid_alive(int(m.group(1))) and int(m.group(1)) != os.getpid():
                continue  # another batch writing into the same OUT right now
            shutil.rmtree(q, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Journal:
    """batch.jsonl appended (and flushed) as each result arrives."""

    def __init__(self, out: Path | None):
        self.fh = None
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            self.fh = open(out / "batch.jsonl", "w", encoding="utf-8")  # noqa: SIM115

    def add(self, r: ItemResult) -> None:
        if self.fh is not None:
            self.fh.write(json.dumps(r.row(), allow_nan=False, default=str) + "\n")
            self.fh.flush()

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


def run_batch(
    files: list[Path],
    out: Path | None,
    options: dict[str, Any],
    *,
    workers: int = 0,
    force: bool = False,
    on_result: Callable[[ItemResult], None] | None = None,
    limits: Limits | None = Limits(),
    skipped: list[tuple[str, str]] | None = None,
    problems: list[tuple[str, str]] | None = None,
) -> list[ItemResult]:
    """Analyse ``files`` (reports under ``out``), each in an isolated worker under ``limits``
    (``None``: in this process, without limits). ``skipped`` (path, reason) pairs are recorded
    as skipped; ``problems`` (input, reason) pairs, inputs that could not be opened at all (a
    missing path, a symbolic-link loop), as errors, so that errors.txt lists every input not
    analysed. On Ctrl-C, running analyses are stopped, the summary is written and
    KeyboardInterrupt is raised again."""
    dirs = output_dirs(files, out) if out is not None else {f: None for f in files}
    results: list[ItemResult] = []
    journal = _Journal(out)
    if out is not None:
        _clean_leftovers(out)

    def record(r: ItemResult) -> None:
        results.append(r)
        journal.add(r)
        if on_result:
            on_result(r)

    for path, reason in skipped or []:
        record(ItemResult(path, None, skipped=True, skip_reason=reason))
    for item, reason in problems or []:
        record(ItemResult(item, None, error=f"{item}: {reason}"))
    todo: list[Path] = []
    for f in files:
        d = dirs[f]
        if d is not None and not force and _is_done(d):
            record(ItemResult(str(f), str(d), skipped=True, skip_reason="report exists (--force to redo)"))
        else:
            todo.append(f)
    workers = workers or min(len(todo), os.cpu_count() or 1)
    workers = max(1, min(workers, len(todo) or 1))
    if workers == 1:
        # one image at a time: its detectors share the cores instead (threads, identical results;
        # 12 MP on 2 idle cores: 2.3–2.8 → 1.6–1.7 s/MP wall)
        options = {**options, "image_workers": options.get("image_workers", os.cpu_count() or 1)}
    try:
        if limits is None:
            for f in todo:
                tmp = _tmp_dir(dirs[f])
                try:
                    record(analyze_one(str(f), _s(dirs[f]), options, _s(tmp)))
                finally:
                    _remove(tmp)
        elif todo:
            _run_isolated(todo, dirs, options, workers, limits, record)
    except BaseException:
        done = {r.path for r in results}
        for f in todo:
            if str(f) not in done:
                results.append(ItemResult(str(f), _s(dirs[f]), error=f"{f}: not analysed: the batch was interrupted"))
        raise
    finally:
        journal.close()
        order = {str(f): i for i, f in enumerate(files)}
        results.sort(key=lambda r: order.get(r.path, -1))
        if out is not None:
            write_summary(results, out)
    return results


def _run_isolated(todo, dirs, options, workers, limits, record) -> None:
    pool = IsolatedPool(workers, limits, preload=("forgelens.pipeline",))
    clean_exit = False
    futs: dict[Future, tuple[Path, Path | None]] = {}
    try:
        for f in todo:
            tmp = _tmp_dir(dirs[f])
            futs[pool.submit_as(str(f), analyze_one, str(f), _s(dirs[f]), options, _s(tmp))] = (f, tmp)
        pending = set(futs)
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in done:
                f, tmp = futs[fut]
                _remove(tmp)  # left only when the worker was stopped mid-write
                try:
                    r = fut.result()
                except CancelledError:
                    r = ItemResult(str(f), _s(dirs[f]), error=f"{f}: not analysed: cancelled")
                except Exception as exc:  # LimitExceeded, WorkerDied, or a bug outside analyze_one
                    from forgelens.errors import ForgeLensError

                    msg = (str(exc) if isinstance(exc, ForgeLensError)
                           else f"{f}: internal error: {type(exc).__name__}: {exc}")
                    r = ItemResult(str(f), _s(dirs[f]), error=msg)
                record(r)
        clean_exit = True
    finally:
        pool.shutdown(wait=clean_exit)
        for _f, tmp in futs.values():
            _remove(tmp)


def _tmp_dir(final: Path | None) -> Path | None:
    if final is None:
        return None
    return final.with_name(f"{_PARTIAL}{final.name}-{os.getpid()}-{time.monotonic_ns()}")


def _remove(p: Path | None) -> None:
    if p is not None and p.exists():
        shutil.rmtree(p, ignore_errors=True)


def write_summary(results: list[ItemResult], out: Path) -> None:
    """batch.json (every file) and errors.txt (one line per failed file), each written atomically."""
    out.mkdir(parents=True, exist_ok=True)
    rows = [r.row() for r in results]
    _atomic_write(out / "batch.json", json.dumps(rows, indent=2, default=str))
    _atomic_write(out / "errors.txt", "".join(f"{r.error}\n" for r in results if r.error))


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8", errors="backslashreplace")  # file names need not be UTF-8
    os.replace(tmp, path)


def _s(p: Path | None) -> str | None:
    return None if p is None else str(p)
