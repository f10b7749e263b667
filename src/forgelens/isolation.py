"""Per-file isolation: run each job in a worker process with a wall-time and a memory limit.

Why: a hostile or merely huge file must not hang, exhaust or kill the batch or
the service that analyses it. Each job runs in a long-lived worker process
(started with ``forkserver``, safe under a threaded parent such as the HTTP
service). Every worker caps its own address space with
``resource.setrlimit(RLIMIT_AS)``; a watchdog thread in the parent also reads
each busy worker's resident memory from ``/proc`` and its elapsed time, kills a
worker that passes either limit (SIGKILL works even while the worker holds the
GIL in a regular expression), fails that job with one clear
:class:`LimitExceeded`, and starts a replacement. A worker that dies on its own
(segfault, ``os._exit``, the kernel's OOM killer) fails its job with
:class:`WorkerDied` and is replaced too: the pool itself never breaks.

A second, cheaper guard refuses before decoding what cannot fit:
:func:`estimated_analysis_bytes` turns a pixel count into the memory the
default analysis needs, and :func:`check_fits` (called by ``evidence.load``
inside a worker) raises :class:`LimitExceeded` when that is over the limit.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from typing import Any

from forgelens.errors import ForgeLensError

__all__ = [
    "Limits",
    "LimitExceeded",
    "WorkerDied",
    "IsolatedPool",
    "current_limits",
    "estimated_analysis_bytes",
    "check_fits",
    "format_bytes",
    "recycle_worker_after_job",
    "end_with_parent",
]


@dataclass(frozen=True)
class Limits:
    """Per-file resource limits of one isolated job.

    seconds : wall time a single job may take (default 120 s; the default
        analysis takes about 2 s per megapixel on one busy core).
    memory_bytes : resident memory a worker may use (default 4 GiB), enforced
        by the watchdog on RSS and, as a hard backstop, by ``RLIMIT_AS``.
    address_space_slack_bytes : extra virtual address space granted above
        ``memory_bytes`` for ``RLIMIT_AS`` (thread stacks and allocator arenas
        reserve address space they never touch; 0 disables the rlimit).
    """

    seconds: float = 120.0
    memory_bytes: int = 4 * 2**30
    address_space_slack_bytes: int = 4 * 2**30


class LimitExceeded(ForgeLensError):
    """A job passed its wall-time or memory limit and was stopped (or refused before starting)."""

    reason = "resource limit"


class WorkerDied(ForgeLensError):
    """The worker process running a job died (crash, ``os._exit``, killed from outside)."""

    reason = "worker died"


def format_bytes(n: int) -> str:
    """4294967296 -> '4 GB' (binary units, as the limits are set)."""
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            v = n / size
            return f"{v:.0f} {unit}" if abs(v - round(v)) < 0.05 else f"{v:.1f} {unit}"
    return f"{n} bytes"


def _seconds_text(s: float) -> str:
    return f"{s:g} s"


# ---------------------------------------------------------------- memory estimate

#: Peak bytes of the default analysis per pixel, from ``benchmarks/speed/memory.py --sizes 6 12
#: --whole-only`` (peak RSS 1356 MB at 6 MP, 1947 MB at 12 MP: ~98 B/px above ~765 MB).
#: With the 4 GB default this admits ~33 MP (the default analysis at ~3.5 s/MP also needs
#: about the 120 s default for that size on one core).
ANALYSIS_BYTES_PER_PIXEL = 100
#: Interpreter, libraries and models before the first pixel (the intercept of the fit above).
ANALYSIS_BASE_BYTES = 768 * 2**20

_CURRENT: Limits | None = None
_RECYCLE = False


def recycle_worker_after_job() -> None:
    """Ask for this worker to be replaced once its job is done (e.g. a native call that
    timed out still runs in a leaked thread). Does nothing outside a pool."""
    global _RECYCLE
    _RECYCLE = True


def current_limits() -> Limits | None:
    """The limits of the isolated worker this code runs in, or None outside a pool."""
    return _CURRENT


def estimated_analysis_bytes(pixels: int) -> int:
    """Memory the default analysis of an image with ``pixels`` pixels is expected to need."""
    return ANALYSIS_BASE_BYTES + ANALYSIS_BYTES_PER_PIXEL * int(pixels)


def check_fits(source: str, width: int, height: int, limits: Limits | None = None) -> None:
    """Refuse, before decoding, an image whose analysis cannot fit the memory limit.

    Uses ``limits`` or, inside an isolated worker, the worker's limits; does nothing
    when neither is known.
    """
    limits = limits or _CURRENT
    if limits is None:
        return
    need = estimated_analysis_bytes(width * height)
    if need > limits.memory_bytes:
        raise LimitExceeded(
            source,
            f"{width}x{height} = {width * height / 1e6:.0f} MP would need about {format_bytes(need)} "
            f"to analyse, over the {format_bytes(limits.memory_bytes)} memory limit "
            f"(refused before decoding; raise the memory limit to analyse it)",
        )


# ---------------------------------------------------------------- worker side

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def end_with_parent() -> None:
    """End this worker process soon after the process that started it (its pool's process) dies.

    Why: once that process is gone a pool worker finishes the job it holds, with no watchdog
    left to stop it, and then waits on its task queue for ever. A process killed with SIGKILL
    (a test's timeout, the out-of-memory killer, ``kill -9``) runs no clean-up of its own:
    session 18 found a bench's two workers still running 13 minutes later. Call this first in
    the worker (a pool's initializer). Two guards:

    - a daemon thread waits on ``multiprocessing.parent_process().sentinel``, a pipe that the
      starting process holds open (read end at EOF once it is gone), and exits; it works for
      every start method, the fork server's grandchildren included, but needs the GIL, so a
      job inside one long C call that holds the GIL ends first;
    - on Linux, when the starting process is also the parent (fork, spawn), the kernel sends
      SIGKILL at its death as well (``prctl(PR_SET_PDEATHSIG)``, man 2 prctl), GIL or not. The
      kernel counts the *thread* that started the worker: the pools that use this are started,
      used and shut down by one call, in one thread.

    Does nothing in a process that multiprocessing did not start.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    if os.getppid() == parent.pid and _set_parent_death_signal() and os.getppid() != parent.pid:
        os._exit(1)  # the parent died before the signal was armed
    threading.Thread(target=_exit_when_ready, args=(parent.sentinel,), name="forgelens-parent-watch",
                     daemon=True).start()


def _set_parent_death_signal() -> bool:
    """Ask Linux for SIGKILL when this process's parent dies; False where that cannot be asked."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        c = ctypes.c_ulong
        return libc.prctl(ctypes.c_int(_PR_SET_PDEATHSIG), c(int(signal.SIGKILL)), c(0), c(0), c(0)) == 0
    except (OSError, AttributeError):
        return False


def _exit_when_ready(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _worker_main(conn, limits: Limits, parent_sys_path: list[str]) -> None:
    """Worker loop: receive pickled jobs, run them, send pickled outcomes back."""
    global _CURRENT
    end_with_parent()  # the pool's process, even one killed with SIGKILL
    _CURRENT = limits
    sys.path[:] = parent_sys_path  # so module-level job functions import as in the parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    if limits.address_space_slack_bytes > 0:
        try:
            import resource

            cap = limits.memory_bytes + limits.address_space_slack_bytes
            _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            if hard != resource.RLIM_INFINITY:
                cap = min(cap, hard)
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        except (ImportError, ValueError, OSError):
            pass  # no rlimit on this platform: the watchdog's RSS check still applies
    while True:
        try:
            payload = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if not payload:
            return
        try:
            job_id, fn, args, kwargs = pickle.loads(payload)
        except BaseException as exc:
            conn.send_bytes(pickle.dumps((-1, "err", RuntimeError(f"cannot unpickle the job: {exc!r}"))))
            continue
        try:
            outcome = (job_id, "ok", fn(*args, **kwargs))
        except MemoryError:
            outcome = (job_id, "memory", None)
        except BaseException as exc:  # the job's error goes back to its future, the worker lives on
            outcome = (job_id, "err", exc, traceback.format_exc())
        del args, kwargs
        try:
            data = pickle.dumps(outcome)
        except MemoryError:
            data = pickle.dumps((job_id, "memory", None))
        except Exception as exc:
            what = outcome[2]
            data = pickle.dumps(
                (job_id, "err", RuntimeError(f"job outcome cannot be sent back ({exc!r}): {what!r}"[:2000]))
            )
        outcome = None
        try:
            conn.send_bytes(data)
        except (OSError, ValueError):
            return
        if _RECYCLE:
            return  # the pool sees the exit between jobs and starts a fresh worker


# ---------------------------------------------------------------- parent side


@dataclass
class _Job:
    id: int
    payload: bytes
    future: concurrent.futures.Future
    label: str


class _Worker:
    def __init__(self, ctx, limits: Limits):
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        self.conn = parent_conn
        self.process = ctx.Process(
            target=_worker_main, args=(child_conn, limits, list(sys.path)), daemon=True, name="forgelens-worker"
        )
        self.process.start()
        child_conn.close()
        self.job: _Job | None = None
        self.started: float = 0.0
        self.kill_reason: BaseException | None = None

    def rss_bytes(self) -> int:
        try:
            with open(f"/proc/{self.process.pid}/statm", "rb") as fh:
                return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return 0

    def kill(self) -> None:
        try:
            self.process.kill()
        except Exception:
            pass

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:
            pass


_ctx_lock = threading.Lock()
_ctx = None
_preload: list[str] = ["forgelens.isolation"]


def _context(preload: tuple[str, ...] = ()):
    """The forkserver context (safe to fork from while other threads run).

    ``preload`` modules are imported once by the fork server, so that workers (and the
    replacement of a killed one) start without importing them again; this takes effect
    only if the fork server has not started yet in this process.
    """
    global _ctx
    with _ctx_lock:
        if _ctx is None:
            try:
                _ctx = multiprocessing.get_context("forkserver")
            except ValueError:  # no forkserver on this platform
                _ctx = multiprocessing.get_context("spawn")
        if _ctx.get_start_method() == "forkserver":
            for m in preload:
                if m not in _preload:
                    _preload.append(m)
            # the fork server imports these, never the caller's __main__
            _ctx.set_forkserver_preload(list(_preload))
        return _ctx


class IsolatedPool:
    """A pool of worker processes, each job under :class:`Limits`.

    ``submit(fn, *args, **kwargs)`` returns a :class:`concurrent.futures.Future`
    resolving to ``fn``'s result, or raising :class:`LimitExceeded` (time or
    memory), :class:`WorkerDied`, or the exception ``fn`` raised. ``fn`` must be
    a picklable module-level function. A failed worker is replaced; later jobs
    run as usual. ``preload`` names modules the fork server imports once (e.g.
    ``("forgelens.pipeline",)``) so that workers start fast; it only takes effect for
    the first pool of a process.

    Examples
    --------
    >>> import math
    >>> with IsolatedPool(1, Limits(seconds=30)) as pool:
    ...     pool.submit(math.sqrt, 16.0).result()
    4.0
    """

    #: how often the watchdog checks memory and time while jobs run
    poll_seconds = 0.1

    def __init__(self, workers: int, limits: Limits = Limits(), *, preload: tuple[str, ...] = ()):
        if workers < 1:
            raise ValueError("an IsolatedPool needs at least one worker")
        self.limits = limits
        self._ctx = _context(tuple(preload))
        self._lock = threading.RLock()
        #: outcomes decided under the lock, delivered to their futures after it is released
        #: (so done-callbacks may call submit/cancel)
        self._outbox: list[tuple[concurrent.futures.Future, str, Any]] = []
        self._pending: deque[_Job] = deque()
        self._ids = itertools.count()
        self._closing = False
        self._closed = False
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._workers = [_Worker(self._ctx, limits) for _ in range(workers)]
        self._thread = threading.Thread(target=self._run, name="forgelens-watchdog", daemon=True)
        self._thread.start()

    # -- public API

    def submit(self, fn, /, *args, **kwargs) -> concurrent.futures.Future:
        """Queue ``fn(*args, **kwargs)``; errors name the first argument (e.g. the file)."""
        label = str(args[0]) if args and isinstance(args[0], str | os.PathLike) else getattr(fn, "__name__", "job")
        return self.submit_as(label, fn, *args, **kwargs)

    def submit_as(self, label: str, fn, /, *args, **kwargs) -> concurrent.futures.Future:
        """Like :meth:`submit`, with ``label`` naming the job in LimitExceeded/WorkerDied messages."""
        job_id = next(self._ids)
        payload = pickle.dumps((job_id, fn, args, kwargs))  # unpicklable jobs fail here, in the caller
        fut: concurrent.futures.Future = concurrent.futures.Future()
        with self._lock:
            if self._closing:
                raise RuntimeError("cannot submit to an IsolatedPool that is shut down")
            self._pending.append(_Job(job_id, payload, fut, label))
        self._wake()
        return fut

    def cancel(self, future: concurrent.futures.Future) -> bool:
        """Cancel a queued job, or stop a running one (its worker is killed and replaced).

        A job stopped while running resolves with ``concurrent.futures.CancelledError``.
        Returns False when the job had already finished.
        """
        with self._lock:
            for job in self._pending:
                if job.future is future:
                    self._pending.remove(job)
                    future.cancel()
                    return True
            for w in self._workers:
                if w.job is not None and w.job.future is future and w.kill_reason is None:
                    w.kill_reason = concurrent.futures.CancelledError("cancelled while running")
                    w.kill()
                    self._wake()
                    return True
        return future.cancel()

    def shutdown(self, wait: bool = True) -> None:
        """Stop the pool. ``wait=True`` finishes every queued job first; ``wait=False``
        cancels queued jobs, kills running ones (CancelledError) and returns at once."""
        with self._lock:
            if self._closed:
                return
            self._closing = True
            if not wait:
                while self._pending:
                    self._pending.popleft().future.cancel()
                for w in self._workers:
                    if w.job is not None and w.kill_reason is None:
                        w.kill_reason = concurrent.futures.CancelledError("pool shut down")
                        w.kill()
        self._wake()
        if wait:
            self._thread.join()
        else:
            self._thread.join(timeout=5)

    def __enter__(self) -> IsolatedPool:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.shutdown(wait=exc_type is None)

    # -- watchdog

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except (BlockingIOError, OSError):
            pass

    def _dispatch(self) -> None:
        for w in self._workers:
            if not self._pending:
                return
            if w.job is None and w.process.is_alive():
                job = self._pending.popleft()
                while not job.future.set_running_or_notify_cancel():
                    if not self._pending:
                        return
                    job = self._pending.popleft()
                try:
                    w.conn.send_bytes(job.payload)
                except (OSError, ValueError):  # worker vanished between checks: retry on its replacement
                    self._pending.appendleft(job)
                    w.kill()
                    continue
                w.job, w.started, w.kill_reason = job, time.monotonic(), None

    def _finish(self, w: _Worker, kind: str, value: Any = None, tb: str = "") -> None:
        job, w.job = w.job, None
        if job is None:
            return
        if kind == "ok":
            self._outbox.append((job.future, "ok", value))
        elif kind == "memory":
            self._outbox.append((job.future, "err", self._memory_error(job.label)))
        else:
            if tb and isinstance(value, BaseException) and not isinstance(value, ForgeLensError):
                value.add_note(f"in the isolated worker:\n{tb}")
            self._outbox.append((job.future, "err", value))

    def _deliver(self) -> None:
        with self._lock:
            box, self._outbox = self._outbox, []
        for fut, kind, value in box:
            try:
                if kind == "ok":
                    fut.set_result(value)
                else:
                    fut.set_exception(value)
            except concurrent.futures.InvalidStateError:
                pass  # cancelled meanwhile

    def _memory_error(self, label: str) -> LimitExceeded:
        return LimitExceeded(label, f"exceeded the {format_bytes(self.limits.memory_bytes)} memory limit")

    def _replace(self, i: int) -> None:
        w = self._workers[i]
        w.close()
        try:
            w.process.join(timeout=1)
        except Exception:
            pass
        if not self._closing or self._pending:
            self._workers[i] = _Worker(self._ctx, self.limits)

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # never leave futures hanging
            with self._lock:
                for w in self._workers:
                    if w.job is not None:
                        w.job.future.set_exception(WorkerDied(w.job.label, f"the pool's watchdog failed: {exc!r}"))
                        w.job = None
                        w.kill()
                while self._pending:
                    self._pending.popleft().future.set_exception(RuntimeError(f"pool watchdog failed: {exc!r}"))
            raise

    def _loop(self) -> None:
        while True:
            with self._lock:
                self._dispatch()
                busy = [w for w in self._workers if w.job is not None]
                if self._closing and not busy and not self._pending:
                    break
                waitables: list[Any] = [self._wake_r]
                for w in self._workers:
                    waitables.append(w.process.sentinel)
                    if w.job is not None:
                        waitables.append(w.conn)
            ready = multiprocessing.connection.wait(waitables, timeout=self.poll_seconds if busy else None)
            if self._wake_r in ready:
                try:
                    os.read(self._wake_r, 4096)
                except OSError:
                    pass
            with self._lock:
                now = time.monotonic()
                for i, w in enumerate(self._workers):
                    if w.job is not None and w.conn in ready:
                        try:
                            msg = pickle.loads(w.conn.recv_bytes())
                        except (EOFError, OSError):
                            msg = None  # died while sending: handled as a death below
                        except Exception as exc:
                            msg = (w.job.id, "err", RuntimeError(f"cannot read the job's outcome: {exc!r}"))
                        if msg is not None and msg[0] == w.job.id:
                            self._finish(w, msg[1], msg[2] if len(msg) > 2 else None, msg[3] if len(msg) > 3 else "")
                    if w.job is not None and w.kill_reason is None:
                        if now - w.started > self.limits.seconds:
                            w.kill_reason = LimitExceeded(
                                w.job.label, f"exceeded the {_seconds_text(self.limits.seconds)} limit"
                            )
                            w.kill()
                        elif w.rss_bytes() > self.limits.memory_bytes:
                            w.kill_reason = self._memory_error(w.job.label)
                            w.kill()
                    if w.process.sentinel in ready or not w.process.is_alive():
                        w.process.join(timeout=1)
                        if w.job is not None:
                            reason = w.kill_reason or WorkerDied(w.job.label, _death_text(w.process.exitcode))
                            self._finish(w, "err", reason)
                        self._replace(i)
            self._deliver()
        with self._lock:
            for w in self._workers:
                try:
                    if w.process.is_alive():
                        w.conn.send_bytes(b"")  # polite stop
                except (OSError, ValueError):
                    pass
            for w in self._workers:
                w.process.join(timeout=2)
                if w.process.is_alive():
                    w.kill()
                    w.process.join(timeout=2)
                w.close()
            self._closed = True
            os.close(self._wake_r)
            os.close(self._wake_w)


def _death_text(exitcode: int | None) -> str:
    if exitcode is None:
        return "the worker process vanished"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (possibly the system's out-of-memory killer)" if -exitcode == signal.SIGKILL else ""
        return f"the worker process was killed by {name}{hint}"
    return f"the worker process exited with status {exitcode} before finishing"
