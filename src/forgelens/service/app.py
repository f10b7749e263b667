"""HTTP service: analysis jobs, cases, tokens and the web page, over one FastAPI app.

    forgelens serve                       # loopback, auth on; see `forgelens serve --help`
    forgelens serve --no-auth --port 8000 # loopback only; then open http://127.0.0.1:8000/

Routes (OpenAPI, offline, at /docs and /redoc): ``POST /v1/analyses`` (202 + job id),
``GET /v1/analyses/{id}`` (status, progress, then the report), its ``report.json``,
``report.html``, ``heatmap.png``, ``mask.png``, ``overlay.png``, ``maps/{name}.png`` and
``original``; ``DELETE /v1/analyses/{id}`` cancels or deletes; ``/v1/cases`` (create, list, add,
note, ``export`` zip, delete by its creator or an admin token); ``GET /v1/audit`` (the server-wide log, or a
case's); ``POST /api/analyze`` waits for its job (small images, the old synchronous call);
``/api/health`` and ``/api/ready`` answer on the event loop, never waiting for an analysis. Uploads are streamed into memory and refused with 413 at the limit (408 when
the body stops arriving for ``upload_idle_seconds``, or arrives slower on the whole than
``upload_min_bytes_per_second``); a full
queue answers 429 with Retry-After; every /v1 route needs ``Authorization: Bearer <token>``
unless the server runs with ``--no-auth`` (loopback only). A job belongs to its token; cases are
shared by every token, so a job in a case can be read (not deleted) by all.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import json
import mimetypes
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy import select, text
from starlette.background import BackgroundTask

from forgelens import __version__
from forgelens.errors import ConfigError, DecompressionBombError, ForgeLensError
from forgelens.isolation import Limits
from forgelens.service import cases as case_ops
from forgelens.service.auth import Authenticator, Caller, quota_problem
from forgelens.service.jobs import ACTIVE, JobManager, QueueFull, Submission, apply_retention
from forgelens.service.settings import Settings
from forgelens.service.storage import (
    CaseItem,
    ContentStore,
    Database,
    Job,
    JobFile,
    headline_fields,
    iso,
)
from forgelens.service.uploads import declared_length, read_upload, too_large

MAX_UPLOAD_BYTES = Settings.max_upload_bytes
THREADS = 8  # threads serving the synchronous routes (database reads, file responses)
STATIC = Path(str(resources.files("forgelens.service").joinpath("static")))
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "The image to analyse."},
                   "detectors": {"type": "string", "description": "Comma-separated detector names."},
                   "keep_original": {"type": "boolean", "description": "Keep the original (read-only)."},
                   "case_id": {"type": "string", "description": "Add the analysis to this case."}}}}}}}


class DetectorOut(BaseModel):
    name: str
    family: str
    default: bool
    licence: str
    description: str


class AnalyzeOut(BaseModel):
    report: dict[str, Any]
    job_id: str
    overlay_png: str | None = None
    heatmap_png: str | None = None


class JobOut(BaseModel):
    id: str
    status: str = Field(description="queued, running, done, failed, cancelled or deleted")
    progress: dict[str, Any] | None = None
    filename: str
    input_sha256: str
    input_size: int
    input_format: str | None = None
    tool_version: str
    options: dict[str, Any]
    created_at: str | None
    finished_at: str | None = None
    seconds: dict[str, Any] | None = None
    label: str | None = None
    headline: str | None = Field(None, description="The label in words, as the CLI line and report.html say it "
                                "(report.json's explanation.headline, stored when the job finished).")
    headline_missing: str | None = Field(None, description="Why a finished job has no headline (its report.json "
                                         "was missing or unreadable when the headline was recorded); else null.")
    probabilities: dict[str, Any] | None = None
    error: str | None = None
    original_kept: bool = False
    files: list[str] = []
    report: dict[str, Any] | None = None


class CaseIn(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    description: str = Field("", max_length=10000)


class ItemIn(BaseModel):
    job_id: str = Field(min_length=1, max_length=32)
    note: str = Field("", max_length=10000)


class NoteIn(BaseModel):
    note: str = Field(max_length=10000)


def create_app(settings: Settings | None = None, *, runner=None, max_upload_bytes: int | None = None) -> FastAPI:
    """The app over ``settings`` (database migrated, worker pool started). ``runner`` replaces the
    worker body (tests); ``max_upload_bytes`` overrides the setting."""
    from fastapi_offline import FastAPIOffline

    settings = (settings or Settings()).check()
    if max_upload_bytes is not None:
        from dataclasses import replace

        settings = replace(settings, max_upload_bytes=max_upload_bytes)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.db_url)
    store = ContentStore(settings.data_dir)
    db.upgrade(store)
    kwargs = {"runner": runner} if runner else {}
    jobs = JobManager(db, store, settings.data_dir / "tmp", workers=settings.workers, queue_size=settings.queue_size,
                      limits=Limits(seconds=settings.job_seconds, memory_bytes=settings.job_memory_bytes), **kwargs)
    auth = Authenticator(db)
    limit = settings.max_upload_bytes

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        # Few threads for the synchronous routes: many polling clients then queue for a thread
        # instead of all contending for the GIL with the event loop that answers /api/health.
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        task = asyncio.create_task(_retention_loop())
        try:
            yield
        finally:
            task.cancel()
            await run_in_threadpool(close)

    async def _retention_loop() -> None:
        await asyncio.sleep(min(60.0, settings.retention_interval_s))  # first pass soon after start
        while True:
            with contextlib.suppress(Exception):  # a failed pass is retried at the next interval
                await run_in_threadpool(apply_retention, db, store, settings.retention_days, jobs.store_lock)
            await asyncio.sleep(settings.retention_interval_s)

    def close() -> None:
        jobs.shutdown()
        db.dispose()

    app = FastAPIOffline(title="forgelens", version=__version__, lifespan=lifespan,
                         description="Image forensics: was it manipulated or generated, where, and why.")
    app.state.settings, app.state.db, app.state.store, app.state.jobs, app.state.close = settings, db, store, jobs, close
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=[o.strip() for o in settings.cors_origins.split(",")],
                           allow_methods=["*"], allow_headers=["Authorization", "Content-Type"])
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # -- who is calling

    def caller(request: Request) -> Caller:
        if not settings.auth:
            return Caller("local", False)
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        who = auth.caller(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if who is None:
            raise HTTPException(401, "a valid API token is needed: Authorization: Bearer <token> "
                                     "(forgelens serve token create --name NAME)", headers={"WWW-Authenticate": "Bearer"})
        return who

    def own_job(s, job_id: str, who: Caller, *, read: bool = False) -> Job:
        """The caller's own job; with ``read``, also another token's job that is in a case: cases are
        shared by every token (their page, export and zip hold the job's reports), so what a case holds
        can be read by all. Deleting stays the owner's. Else 404."""
        job = s.get(Job, job_id)
        mine = job is not None and (not who.authenticated or job.token_name == who.name)
        shared = read and job is not None and s.scalars(
            select(CaseItem.job_id).where(CaseItem.job_id == job_id).limit(1)).first() is not None
        if not (mine or shared):
            raise HTTPException(404, f"no analysis {job_id}")
        return job

    # -- page, health

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return (STATIC / "index.html").read_text(encoding="utf-8")

    @app.get("/api/health", tags=["health"])
    async def health() -> dict[str, str]:
        """Liveness: answered on the event loop, never behind an analysis."""
        return {"status": "ok", "version": __version__}

    @app.get("/api/ready", tags=["health"])
    async def ready() -> JSONResponse:
        """Readiness: the database answers (within 0.8 s) and the queue has room."""
        def ping() -> None:
            with db.engine.connect() as c:
                c.execute(text("SELECT 1"))
        try:
            await asyncio.wait_for(asyncio.to_thread(ping), 0.8)
            database = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            database = f"unavailable: {type(exc).__name__}"
        active, capacity = jobs.load()
        ok = database == "ok" and active < capacity
        return JSONResponse({"status": "ready" if ok else "not ready", "database": database,
                             "jobs_active": active, "capacity": capacity, "workers": settings.workers},
                            status_code=200 if ok else 503)

    @app.get("/api/config", tags=["health"])
    async def config() -> dict[str, Any]:
        """What the web page needs to know: is a token needed, the upload limit."""
        return {"auth": settings.auth, "max_upload_bytes": limit, "version": __version__}

    @app.get("/api/detectors", response_model=list[DetectorOut])
    def detectors() -> list[DetectorOut]:
        from forgelens.detectors import available

        return [DetectorOut(name=n, family=i.family, default=i.default, licence=i.licence,
                            description=i.description) for n, i in available().items()]

    # -- analyses

    async def admit(request: Request, who: Caller, detectors: str | None, keep_original: bool,
                    case_id: str | None) -> Job:
        """Everything before the worker: slot, quota, streamed upload, options; then submit."""
        try:
            job_id = jobs.reserve()
        except QueueFull as exc:
            raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
        try:
            n = declared_length(request)
            if n is not None and n > limit + 65536:
                raise too_large(limit)
            problem = await run_in_threadpool(quota_problem, db, who, 0, settings.jobs_per_hour,
                                              settings.bytes_per_day)
            if problem:
                raise HTTPException(429, f"{who.name}: {problem[0]}", headers={"Retry-After": str(problem[1])})
            up = await read_upload(request, limit, idle_seconds=settings.upload_idle_seconds,
                                   min_bytes_per_second=settings.upload_min_bytes_per_second)
            detectors = up.fields.get("detectors", detectors) or settings.detectors
            keep = keep_original or up.fields.get("keep_original", "").lower() in ("1", "true", "yes", "on")
            case_id = up.fields.get("case_id", case_id) or None
            problem = await run_in_threadpool(quota_problem, db, who, len(up.data), settings.jobs_per_hour,
                                              settings.bytes_per_day)
            if problem:
                raise HTTPException(429, f"{who.name}: {problem[0]}", headers={"Retry-After": str(problem[1])})
            from forgelens.detectors.registry import resolve

            try:
                names = resolve(detectors)
            except ConfigError as exc:
                raise HTTPException(400, str(exc)) from None
            if not up.data:
                raise HTTPException(422, f"{up.filename}: empty file")
            sub = Submission(filename=Path(up.filename.replace("\\", "/")).name[:300] or "upload",
                             data=bytes(up.data), detectors=names, actor=who.name,
                             token_name=who.name if who.authenticated else None,
                             keep_original=keep or settings.keep_originals, case_id=case_id)
            del up
            try:
                return await run_in_threadpool(jobs.submit, job_id, sub)
            except case_ops.NotFound as exc:
                raise HTTPException(404, str(exc)) from None
        except BaseException:
            jobs.release(job_id)
            raise

    @app.post("/v1/analyses", status_code=202, tags=["analyses"], openapi_extra=UPLOAD_BODY,
              responses={413: {"description": "upload over the limit"}, 429: {"description": "queue full or quota"}})
    async def submit_analysis(request: Request, response: Response, who: Caller = Depends(caller),
                              detectors: str | None = Query(None, description="Comma-separated detector names."),
                              keep_original: bool = Query(False, description="Keep the original, read-only."),
                              case_id: str | None = Query(None, description="Add the analysis to this case.")
                              ) -> dict[str, Any]:
        """Queue one picture; answers at once with the job id (poll ``GET /v1/analyses/{id}``)."""
        job = await admit(request, who, detectors, keep_original, case_id)
        response.headers["Location"] = f"/v1/analyses/{job.id}"
        return {"id": job.id, "status": "queued", "input_sha256": job.input_sha256, "url": f"/v1/analyses/{job.id}"}

    @app.get("/v1/analyses", tags=["analyses"])
    def list_analyses(who: Caller = Depends(caller), limit_: int = Query(100, alias="limit", ge=1, le=1000)
                      ) -> list[dict[str, Any]]:
        with db.session() as s:
            q = select(Job).where(Job.status != "deleted").order_by(Job.created_at.desc()).limit(limit_)
            if who.authenticated:
                q = q.where(Job.token_name == who.name)
            return [{"id": j.id, "filename": j.filename, "status": j.status, "label": j.label, **headline_fields(j),
                     "error": j.error, "created_at": iso(j.created_at)} for j in s.scalars(q)]

    @app.get("/v1/analyses/{job_id}", response_model=JobOut, tags=["analyses"])
    def get_analysis(job_id: str, who: Caller = Depends(caller),
                     report: bool = Query(True, description="Include the report once done.")) -> JobOut:
        with db.session() as s:
            job = own_job(s, job_id, who, read=True)
            files = {f.name: f.sha256 for f in s.scalars(select(JobFile).where(JobFile.job_id == job_id))}
        out = JobOut(id=job.id, status=job.status, filename=job.filename, input_sha256=job.input_sha256,
                     input_size=job.input_size, input_format=job.input_format, tool_version=job.tool_version,
                     options=job.options, created_at=iso(job.created_at), finished_at=iso(job.finished_at),
                     seconds=job.seconds, label=job.label, probabilities=job.probabilities, error=job.error,
                     original_kept=job.original_sha256 is not None, files=sorted(files), **headline_fields(job))
        if job.status in ACTIVE:
            out.progress = jobs.progress(job_id) or {"state": job.status}
            out.status = out.progress.get("state", job.status)
            out.progress["elapsed_s"] = round(time.time() - job.created_at, 1)
        if report and "report.json" in files:
            out.report = json.loads(store.read(files["report.json"]))
        return out

    def job_file(job_id: str, name: str, who: Caller, download: bool) -> FileResponse:
        with db.session() as s:
            job = own_job(s, job_id, who, read=True)
            if name == "original":  # always a download of opaque bytes: never rendered on our origin
                sha, media, fname, download = job.original_sha256, "application/octet-stream", job.filename, True
            else:
                f = s.get(JobFile, (job_id, name))
                sha = f.sha256 if f else None
                media, fname = mimetypes.guess_type(name)[0] or "application/octet-stream", Path(name).name
        if not sha:
            what = "no original kept" if name == "original" else f"no {name}"
            state = "" if job.status == "done" else f" (analysis {job.status})"
            raise HTTPException(404, f"{job_id}: {what}{state}")
        headers = {"X-Content-Type-Options": "nosniff"}
        if name.endswith(".html"):  # the report: no scripts, images inline only
            headers["Content-Security-Policy"] = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"
        stem = Path(job.filename).stem
        return FileResponse(store.path(sha), media_type=media, headers=headers,
                            filename=f"{stem}-{fname}" if download else None,
                            content_disposition_type="attachment" if download else "inline")

    for fixed in ("report.json", "report.html", "heatmap.png", "mask.png", "overlay.png", "original"):
        def route(job_id: str, who: Caller = Depends(caller), download: bool = Query(False),
                  _name: str = fixed) -> FileResponse:
            return job_file(job_id, _name, who, download)
        app.add_api_route(f"/v1/analyses/{{job_id}}/{fixed}", route, methods=["GET"], tags=["analyses"],
                          response_class=FileResponse, name=f"analysis {fixed}",
                          summary=f"The analysis' {fixed}")

    @app.get("/v1/analyses/{job_id}/maps/{name}", tags=["analyses"], response_class=FileResponse)
    def map_file(job_id: str, name: str, who: Caller = Depends(caller), download: bool = Query(False)) -> FileResponse:
        """One detector's map, e.g. ``maps/ela.png``."""
        return job_file(job_id, f"maps/{name}", who, download)

    @app.delete("/v1/analyses/{job_id}", tags=["analyses"])
    def delete_analysis(job_id: str, who: Caller = Depends(caller)) -> dict[str, str]:
        """Cancel a queued or running analysis; delete a finished one (its files and original)."""
        with db.session() as s:
            job = own_job(s, job_id, who)
            status = job.status
        if status in ACTIVE and jobs.cancel(job_id):
            return {"id": job_id, "status": "cancelled"}
        jobs.wait_for(job_id, 10.0)
        jobs.delete(job_id, who.name)
        return {"id": job_id, "status": "deleted"}

    @app.post("/api/analyze", response_model=AnalyzeOut, tags=["analyses"], openapi_extra=UPLOAD_BODY,
              responses={413: {"description": "upload over the limit"}, 422: {"description": "bad image"}})
    async def analyze_upload(request: Request, who: Caller = Depends(caller),
                             detectors: str = Query("default", description="Comma-separated detector names."),
                             maps: bool = Query(True, description="Include display PNGs of the fused map and overlay.")
                             ) -> AnalyzeOut:
        """Analyse one (small) picture and wait for the report: a job like any other, cancelled if
        the client goes away."""
        job = await admit(request, who, detectors, False, None)
        fut = jobs.future(job.id)
        if fut is not None:
            waiting = asyncio.wrap_future(fut)
            while True:
                done, _ = await asyncio.wait({waiting}, timeout=0.5)
                if done:
                    break
                if await request.is_disconnected():
                    jobs.cancel(job.id)
                    raise HTTPException(499, "client went away; analysis cancelled")
            await run_in_threadpool(jobs.wait_for, job.id, 10.0)
            if not waiting.cancelled():  # read the asyncio copy too: left unread, a bad upload's error was
                waiting.exception()      # logged as "Future exception was never retrieved" with its traceback
            exc = fut.exception() if not fut.cancelled() else concurrent.futures.CancelledError()
            if isinstance(exc, DecompressionBombError):
                raise HTTPException(413, str(exc))
            if isinstance(exc, ForgeLensError):
                raise HTTPException(422, str(exc))
            if exc is not None:
                raise HTTPException(500, f"{job.filename}: internal error: {type(exc).__name__}")
        with db.session() as s:
            files = {f.name: f.sha256 for f in s.scalars(select(JobFile).where(JobFile.job_id == job.id))}
            row = s.get(Job, job.id)
        if "report.json" not in files:
            raise HTTPException(422, row.error or f"{job.filename}: no report")
        out = AnalyzeOut(report=json.loads(store.read(files["report.json"])), job_id=job.id)
        if maps:
            for key, name in (("overlay_png", "overlay.png"), ("heatmap_png", "heatmap.png")):
                if name in files:
                    setattr(out, key, "data:image/png;base64," + base64.b64encode(store.read(files[name])).decode())
        return out

    # -- cases

    @app.post("/v1/cases", status_code=201, tags=["cases"])
    def create_case(body: CaseIn, who: Caller = Depends(caller)) -> dict[str, Any]:
        case = case_ops.create_case(db, body.name, body.description, who.name)
        return {"id": case.id, "name": case.name, "url": f"/v1/cases/{case.id}"}

    @app.get("/v1/cases", tags=["cases"])
    def list_cases(who: Caller = Depends(caller)) -> list[dict[str, Any]]:
        return case_ops.list_cases(db)

    @app.get("/v1/cases/{case_id}", tags=["cases"])
    def get_case(case_id: str, who: Caller = Depends(caller)) -> dict[str, Any]:
        """The case, its pictures (with notes and the verdict in words) and its audit log."""
        try:
            return case_ops.case_view(db, case_id)
        except case_ops.NotFound as exc:
            raise HTTPException(404, str(exc)) from None

    @app.post("/v1/cases/{case_id}/items", status_code=201, tags=["cases"])
    def add_item(case_id: str, body: ItemIn, who: Caller = Depends(caller)) -> dict[str, str]:
        with db.session() as s:
            own_job(s, body.job_id, who)
        try:
            case_ops.add_job(db, case_id, body.job_id, who.name, body.note)
        except case_ops.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from None
        return {"case_id": case_id, "job_id": body.job_id}

    @app.patch("/v1/cases/{case_id}/items/{job_id}", tags=["cases"])
    def set_note(case_id: str, job_id: str, body: NoteIn, who: Caller = Depends(caller)) -> dict[str, str]:
        try:
            case_ops.set_note(db, case_id, job_id, body.note, who.name)
        except case_ops.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        return {"case_id": case_id, "job_id": job_id, "note": body.note}

    @app.delete("/v1/cases/{case_id}", tags=["cases"])
    def delete_case(case_id: str, who: Caller = Depends(caller)) -> dict[str, Any]:
        """Delete a case (its creator's token or an admin token; 403 for others). Its pictures' analyses
        stay, their owners' again, under the rules of analyses outside cases; both audit logs keep the
        deletion."""
        try:
            return case_ops.delete_case(db, case_id, who.name, any_creator=not who.authenticated or who.admin)
        except case_ops.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except case_ops.NotAllowed as exc:
            raise HTTPException(403, str(exc)) from None

    @app.get("/v1/audit", tags=["cases"])
    def audit(who: Caller = Depends(caller), case_id: str | None = Query(
            None, description="One case's log, also after the case was deleted; default: the server-wide log.")
              ) -> dict[str, Any]:
        """An audit log and whether its hash chain holds: the server-wide one (case deletions, tokens created and
        revoked) or a case's."""
        from forgelens.service.audit import verify_audit_chain

        with db.session() as s:
            entries = case_ops.audit_log(s, case_id)
        return {"case_id": case_id, "entries": entries, "chain_ok": verify_audit_chain(entries)}

    @app.get("/v1/cases/{case_id}/export", tags=["cases"], response_class=FileResponse)
    def export_case(case_id: str, who: Caller = Depends(caller)) -> FileResponse:
        """One zip: reports, maps, kept originals, audit log, and a SHA-256 manifest of it all."""
        tmp = tempfile.NamedTemporaryFile(dir=jobs.tmp_root, suffix=".zip", delete=False)
        try:
            with tmp:
                case_ops.export_case(db, store, case_id, who.name, tmp)
        except case_ops.NotFound as exc:
            Path(tmp.name).unlink(missing_ok=True)
            raise HTTPException(404, str(exc)) from None
        except BaseException:
            Path(tmp.name).unlink(missing_ok=True)
            raise
        return FileResponse(tmp.name, media_type="application/zip", filename=f"case-{case_id[:8]}.zip",
                            background=BackgroundTask(Path(tmp.name).unlink, missing_ok=True))

    return app
