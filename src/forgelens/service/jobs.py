"""Analysis jobs: a bounded queue in front of a fixed pool of isolated worker processes.

Each job runs :func:`run_analysis` in a worker of :class:`forgelens.isolation.IsolatedPool`
under the per-file time and memory limits, so a hostile file fails its own job (and its worker
is replaced) without disturbing the others. The upload travels to the worker in memory; the
worker writes its report files into a private folder (mode 0700) that also serves as its
temporary folder, and the service removes that folder whatever happens — success, failure,
limit, cancellation. The files are then moved into the content-addressed store.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from forgelens import __version__
from forgelens.errors import ForgeLensError
from forgelens.isolation import IsolatedPool, Limits
from forgelens.service.storage import CaseItem, ContentStore, Database, Job, JobFile, headline_of
from forgelens.service.worker import run_analysis

ACTIVE = ("queued", "running")
#: What a job that the server's stop cut short says, whether the stop was clean (SIGTERM: recorded
#: at shutdown) or not (SIGKILL, power loss: recorded at the next start).
INTERRUPTED = "interrupted: the server stopped before this analysis finished; upload the picture again"


class QueueFull(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"the queue is full; retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass
class Submission:
    filename: str
    data: bytes
    detectors: list[str]
    actor: str
    token_name: str | None
    keep_original: bool = False
    case_id: str | None = None


class JobManager:
    """Admits jobs up to ``workers + queue_size`` at once, runs them, records their outcome."""

    def __init__(self, db: Database, store: ContentStore, tmp_root: Path, *, workers: int, queue_size: int,
                 limits: Limits, runner: Callable[..., dict[str, Any]] = run_analysis):
        self.db, self.store, self.runner = db, store, runner
        self.capacity = workers + queue_size
        self.workers = workers
        self.tmp_root = Path(tmp_root)
        shutil.rmtree(self.tmp_root, ignore_errors=True)  # leftovers of a killed server
        self.tmp_root.mkdir(parents=True, mode=0o700)
        # The fork server imports the analysis stack once, so workers (and replacements of killed
        # ones) start without re-importing it.
        self.pool = IsolatedPool(workers, limits, preload=("forgelens.pipeline", "forgelens.service.worker"))
        self._recorder = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="forgelens-recorder")
        self._lock = threading.Lock()
        self.store_lock = threading.Lock()  # blob writes vs. garbage collection
        self._active: dict[str, concurrent.futures.Future] = {}
        self._order: list[str] = []
        self._cancelled: set[str] = set()
        self._recent_seconds: list[float] = []
        self._idle = threading.Condition(self._lock)
        self._stopping = False
        self._interrupt_stale()

    # -- admission

    def load(self) -> tuple[int, int]:
        """(jobs admitted and not finished, capacity)."""
        with self._lock:
            return len(self._active), self.capacity

    def retry_after(self) -> int:
        """Seconds until a slot is likely free: the mean recent job time × queued jobs / workers."""
        with self._lock:
            mean = sum(self._recent_seconds) / len(self._recent_seconds) if self._recent_seconds else 10.0
            waiting = max(1, len(self._active) - self.workers + 1)
        return max(1, int(mean * waiting / self.workers + 0.999))

    def reserve(self) -> str:
        """A job id with a reserved slot, or QueueFull (checked before the upload is read)."""
        job_id = secrets.token_hex(16)
        with self._lock:
            if len(self._active) < self.capacity:
                self._active[job_id] = concurrent.futures.Future()  # placeholder until submit
                return job_id
        raise QueueFull(self.retry_after())

    def release(self, job_id: str) -> None:
        """Give back a reserved slot whose upload was refused."""
        with self._lock:
            if job_id in self._active and job_id not in self._order:
                del self._active[job_id]

    def submit(self, job_id: str, sub: Submission) -> Job:
        sha = hashlib.sha256(sub.data).hexdigest()
        options = {"detectors": sub.detectors, "keep_original": sub.keep_original, "case_id": sub.case_id}
        job = Job(id=job_id, token_name=sub.token_name, status="queued", filename=sub.filename, input_sha256=sha,
                  input_size=len(sub.data), tool_version=__version__, options=options, created_at=time.time())
        try:
            if sub.keep_original:
                with self.store_lock:
                    job.original_sha256, _ = self.store.put_bytes(sub.data)
            with self.db.session() as s:
                s.add(job)
                if sub.case_id:
                    from forgelens.service.cases import add_item

                    s.flush()
                    add_item(self.db, s, sub.case_id, job, sub.actor, note="")
            workdir = tempfile.mkdtemp(prefix=job_id + "-", dir=self.tmp_root)
            (Path(workdir) / "tmp").mkdir(mode=0o700)
            fut = self.pool.submit(self.runner, sub.filename, sub.data, sub.detectors, workdir)
        except BaseException:
            self.release(job_id)
            if job.original_sha256:
                with self.store_lock, self.db.session() as s:
                    collect_unused(s, self.store, [job.original_sha256])
            raise
        with self._lock:
            self._active[job_id] = fut
            self._order.append(job_id)
        # Recording (database, hashing files) happens on the recorder thread, never on the pool's
        # watchdog thread that resolves the future and must keep enforcing the other jobs' limits.
        fut.add_done_callback(lambda f: self._recorder.submit(self._finish, job_id, f, workdir))
        return job

    # -- progress

    def progress(self, job_id: str) -> dict[str, Any] | None:
        """{'state', 'queue_position', …} for an admitted job, None once it has finished."""
        with self._lock:
            fut = self._active.get(job_id)
            if fut is None or job_id not in self._order:
                return None
            if fut.running() or fut.done():  # done: its outcome is being recorded
                return {"state": "running", "queue_position": 0}
            waiting = [j for j in self._order if not (self._active[j].running() or self._active[j].done())]
            return {"state": "queued", "queue_position": waiting.index(job_id) + 1 if job_id in waiting else 0}

    def future(self, job_id: str) -> concurrent.futures.Future | None:
        with self._lock:
            return self._active.get(job_id) if job_id in self._order else None

    def wait_for(self, job_id: str, timeout: float | None = None) -> bool:
        """Wait until the job's outcome is recorded (True) or ``timeout`` passes (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: job_id not in self._order, timeout)

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: not self._order, timeout)

    # -- cancel, finish

    def cancel(self, job_id: str) -> bool:
        with self._lock:
            fut = self._active.get(job_id)
            if fut is None or job_id not in self._order:
                return False
            self._cancelled.add(job_id)
        return self.pool.cancel(fut) or fut.done()

    def _finish(self, job_id: str, fut: concurrent.futures.Future, workdir: str) -> None:
        try:
            self._record(job_id, fut, Path(workdir))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            with self._idle:
                self._active.pop(job_id, None)
                if job_id in self._order:
                    self._order.remove(job_id)
                self._cancelled.discard(job_id)
                self._idle.notify_all()

    def _record(self, job_id: str, fut: concurrent.futures.Future, workdir: Path) -> None:
        now = time.time()
        result, error, status = None, None, "done"
        with self._lock:
            cancelled, stopping = job_id in self._cancelled, self._stopping
        if stopping and not cancelled and (fut.cancelled() or isinstance(fut.exception(),
                                                                          concurrent.futures.CancelledError)):
            status, error = "failed", INTERRUPTED  # the pool's shutdown, not a user, cancelled it
        elif cancelled or fut.cancelled():
            status, error = "cancelled", "cancelled"
        else:
            exc = fut.exception()
            if isinstance(exc, concurrent.futures.CancelledError):
                status, error = "cancelled", "cancelled"
            elif isinstance(exc, ForgeLensError):
                status, error = "failed", str(exc)
            elif exc is not None:
                status, error = "failed", f"internal error: {type(exc).__name__}: {exc}"
            else:
                result = fut.result()
        files: list[tuple[str, str, int]] = []
        headline = None
        if result is not None:
            out = workdir / "out"
            with self.store_lock:
                for p in sorted(out.rglob("*")):
                    if p.is_file():
                        data, name = p.read_bytes(), p.relative_to(out).as_posix()
                        sha, size = self.store.put_bytes(data)
                        files.append((name, sha, size))
                        if name == "report.json":  # the headline is the stored report's, word for word
                            headline = headline_of(data)
        with self.db.session() as s:
            job = s.get(Job, job_id)
            if job is None:
                return
            job.status, job.error, job.finished_at = status, error, now
            if result is not None:
                job.label, job.probabilities, job.headline = result["label"], result["probabilities"], headline
                job.input_format, job.seconds = result["format"], result["seconds"]
                job.started_at = result["started_at"]
                with self._lock:
                    self._recent_seconds = (self._recent_seconds + [now - result["started_at"]])[-20:]
                for name, sha, size in files:
                    s.add(JobFile(job_id=job_id, name=name, sha256=sha, size=size))
            cases = s.scalars(select(CaseItem.case_id).where(CaseItem.job_id == job_id)).all()
            if cases:
                with self.db.audit_lock:
                    for case_id in cases:
                        self.db.append_audit(s, case_id=case_id, actor="forgelens", action=f"analysis {status}",
                                             job=job, detail=error or "")

    def _interrupt_stale(self) -> None:
        """Jobs left queued or running by a server that stopped are marked failed."""
        with self.db.session() as s:
            for job in s.scalars(select(Job).where(Job.status.in_(ACTIVE))).all():
                job.status, job.error, job.finished_at = "failed", INTERRUPTED, time.time()

    # -- deletion and retention

    def delete(self, job_id: str, actor: str) -> bool:
        """Remove a finished job's files and original; a job in a case keeps its row (status
        'deleted') so the case's audit log still points at it."""
        with self.store_lock, self.db.session() as s:
            job = s.get(Job, job_id)
            if job is None:
                return False
            shas = [f.sha256 for f in s.scalars(select(JobFile).where(JobFile.job_id == job_id))]
            if job.original_sha256:
                shas.append(job.original_sha256)
            s.execute(delete(JobFile).where(JobFile.job_id == job_id))
            cases = s.scalars(select(CaseItem.case_id).where(CaseItem.job_id == job_id)).all()
            if cases:
                job.status, job.original_sha256 = "deleted", None
                with self.db.audit_lock:
                    for case_id in cases:
                        self.db.append_audit(s, case_id=case_id, actor=actor, action="job deleted", job=job)
            else:
                s.delete(job)
            s.flush()
            collect_unused(s, self.store, shas)
        return True

    def shutdown(self) -> None:
        """Stop the workers; queued and running jobs are recorded as failed, interrupted (not as
        cancelled, which is what a user does)."""
        with self._lock:
            self._stopping = True
        self.pool.shutdown(wait=False)
        self._recorder.shutdown(wait=True)


def apply_retention(db: Database, store: ContentStore, days: float, store_lock: threading.Lock | None = None,
                    now: float | None = None) -> dict[str, int]:
    """Delete originals older than ``days``, and finished jobs outside every case older than that.

    Jobs in a case keep their reports (the case is the record) but lose their original; the
    deletion is written to the case's audit log. Returns counts.
    """
    cutoff = (time.time() if now is None else now) - days * 86400
    lock = store_lock or threading.Lock()
    counts = {"originals_deleted": 0, "jobs_deleted": 0}
    with lock, db.session() as s:
        doomed: list[str] = []
        for job in s.scalars(select(Job).where(Job.created_at < cutoff, Job.original_sha256.is_not(None))).all():
            doomed.append(job.original_sha256)
            job.original_sha256 = None
            counts["originals_deleted"] += 1
            for case_id in s.scalars(select(CaseItem.case_id).where(CaseItem.job_id == job.id)).all():
                with db.audit_lock:
                    db.append_audit(s, case_id=case_id, actor="retention", action="original deleted", job=job,
                                    detail=f"older than {days:g} days")
        in_case = select(CaseItem.job_id)
        for job in s.scalars(select(Job).where(Job.created_at < cutoff, Job.status.not_in(ACTIVE),
                                               Job.id.not_in(in_case))).all():
            doomed += [f.sha256 for f in s.scalars(select(JobFile).where(JobFile.job_id == job.id))]
            s.execute(delete(JobFile).where(JobFile.job_id == job.id))
            s.delete(job)
            counts["jobs_deleted"] += 1
        s.flush()
        collect_unused(s, store, doomed)
    return counts


def collect_unused(s, store: ContentStore, shas: list[str]) -> None:
    """Delete the blobs among ``shas`` that no row refers to any more (caller holds the store lock)."""
    for sha in set(shas):
        used = s.scalars(select(JobFile.sha256).where(JobFile.sha256 == sha).limit(1)).first() or \
            s.scalars(select(Job.id).where(Job.original_sha256 == sha).limit(1)).first()
        if not used:
            store.delete(sha)
