"""Cases: several analysed pictures, notes per item, and their append-only audit log.

Every change to a case (created, picture added, note changed, analysis finished, original
deleted, exported, deleted) appends one audit entry: who (the token's name), when, what, the
input's SHA-256, the tool version and the verdict at that moment. A case's deletion is also
written to the server-wide log (the entries without a case, one hash chain of their own), and
neither log loses an entry when the case goes: the audit table is append-only.
"""

from __future__ import annotations

import secrets
import time
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from forgelens.service.export import ExportItem, write_case_zip
from forgelens.service.storage import (
    AuditEntry,
    Case,
    CaseItem,
    ContentStore,
    Database,
    Job,
    JobFile,
    headline_fields,
    iso,
)


class NotFound(LookupError):
    pass


class NotAllowed(PermissionError):
    pass


def create_case(db: Database, name: str, description: str, actor: str) -> Case:
    case = Case(id=secrets.token_hex(16), name=name, description=description, created_at=time.time(),
                created_by=actor)
    with db.session() as s, db.audit_lock:
        s.add(case)
        s.flush()
        db.append_audit(s, case_id=case.id, actor=actor, action="case created", detail=name)
    return case


def add_item(db: Database, s: Session, case_id: str, job: Job, actor: str, note: str = "") -> CaseItem:
    """Add ``job`` to the case inside the caller's session (and audit it)."""
    if s.get(Case, case_id) is None:
        raise NotFound(f"no case {case_id}")
    if s.get(CaseItem, (case_id, job.id)) is not None:
        raise ValueError(f"job {job.id} is in case {case_id} already")
    item = CaseItem(case_id=case_id, job_id=job.id, note=note, added_at=time.time(), added_by=actor)
    s.add(item)
    with db.audit_lock:
        db.append_audit(s, case_id=case_id, actor=actor, action="picture added", job=job,
                        detail=f"{job.filename}" + (f"; note: {note}" if note else ""))
    return item


def add_job(db: Database, case_id: str, job_id: str, actor: str, note: str = "") -> CaseItem:
    with db.session() as s:
        job = s.get(Job, job_id)
        if job is None or job.status == "deleted":
            raise NotFound(f"no job {job_id}")
        return add_item(db, s, case_id, job, actor, note)


def set_note(db: Database, case_id: str, job_id: str, note: str, actor: str) -> None:
    with db.session() as s:
        item = s.get(CaseItem, (case_id, job_id))
        if item is None:
            raise NotFound(f"job {job_id} is not in case {case_id}")
        item.note = note
        with db.audit_lock:
            db.append_audit(s, case_id=case_id, actor=actor, action="note changed", job=s.get(Job, job_id),
                            detail=note)


def delete_case(db: Database, case_id: str, actor: str, *, any_creator: bool = False) -> dict[str, Any]:
    """Delete the case and take its pictures out of it; only its creator may, unless ``any_creator``
    (an admin token, or a server without tokens where there is no "who" to check).

    The jobs stay, each its token's own again, under the rules of jobs outside cases: the owner can
    delete them, and retention removes them (kept original included) once older than
    ``retention_days``. A job already deleted whose row the case alone kept (for its audit log)
    goes now. The case's log ends with "case deleted" and keeps every entry; the server-wide log
    records the deletion with the hash of that last entry, so the case's chain stays anchored.
    """
    with db.session() as s:
        case = s.get(Case, case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        if not any_creator and case.created_by != actor:
            raise NotAllowed(f"case {case_id} was created by {case.created_by!r}; only that token or an admin token "
                             "can delete it")
        items = s.scalars(select(CaseItem).where(CaseItem.case_id == case_id)).all()
        job_ids = [it.job_id for it in items]
        for it in items:
            s.delete(it)
        s.flush()
        removed = 0
        for job_id in job_ids:
            job = s.get(Job, job_id)
            in_other_case = s.scalars(select(CaseItem.case_id).where(CaseItem.job_id == job_id).limit(1)).first()
            if job is not None and job.status == "deleted" and in_other_case is None:
                s.delete(job)
                removed += 1
        by = "" if case.created_by == actor else f"created by {case.created_by}, deleted by another (admin) token; "
        summary = (f"{case.name}: {by}{len(job_ids)} picture(s) taken out of the case; their analyses now follow "
                   "the rules of analyses outside cases (owner's delete, retention)")
        with db.audit_lock:
            last = db.append_audit(s, case_id=case_id, actor=actor, action="case deleted", detail=summary)
            db.append_audit(s, case_id=None, actor=actor, action="case deleted",
                            detail=f"case {case_id} ({summary}); its log ends at {last.entry_hash}")
        s.delete(case)
    return {"id": case_id, "status": "deleted", "items_removed": len(job_ids), "deleted_job_rows_removed": removed}


def audit_log(s: Session, case_id: str | None) -> list[dict[str, Any]]:
    """A case's audit entries in order; ``None``: the server-wide entries (those of no case)."""
    where = AuditEntry.case_id.is_(None) if case_id is None else AuditEntry.case_id == case_id
    rows = s.scalars(select(AuditEntry).where(where).order_by(AuditEntry.id))
    return [r.to_dict() for r in rows]


def case_view(db: Database, case_id: str) -> dict[str, Any]:
    with db.session() as s:
        case = s.get(Case, case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        items = []
        for item, job in s.execute(select(CaseItem, Job).join(Job, Job.id == CaseItem.job_id)
                                   .where(CaseItem.case_id == case_id).order_by(CaseItem.added_at)):
            items.append({"job_id": job.id, "filename": job.filename, "status": job.status, "label": job.label,
                          **headline_fields(job), "error": job.error, "input_sha256": job.input_sha256,
                          "note": item.note,
                          "added_at": iso(item.added_at),
                          "added_by": item.added_by, "original_kept": job.original_sha256 is not None})
        return {"id": case.id, "name": case.name, "description": case.description,
                "created_at": iso(case.created_at), "created_by": case.created_by, "items": items,
                "audit": audit_log(s, case_id)}


def list_cases(db: Database) -> list[dict[str, Any]]:
    with db.session() as s:
        return [{"id": c.id, "name": c.name, "created_at": iso(c.created_at), "created_by": c.created_by}
                for c in s.scalars(select(Case).order_by(Case.created_at.desc()))]


def export_case(db: Database, store: ContentStore, case_id: str, actor: str, dest: BinaryIO) -> dict[str, Any]:
    """Write the case's zip to ``dest`` (its own export is the last audit entry in it)."""
    with db.session() as s, db.audit_lock:
        if s.get(Case, case_id) is None:
            raise NotFound(f"no case {case_id}")
        db.append_audit(s, case_id=case_id, actor=actor, action="exported")
    view = case_view(db, case_id)
    items = []
    with db.session() as s:
        for it in view["items"]:
            job = s.get(Job, it["job_id"])
            files = {f.name: store.read(f.sha256)
                     for f in s.scalars(select(JobFile).where(JobFile.job_id == job.id).order_by(JobFile.name))}
            original = store.read(job.original_sha256) if job.original_sha256 else None
            items.append(ExportItem(key=f"{job.id[:8]}-{job.filename}", filename=job.filename,
                                    input_sha256=job.input_sha256, files=files, original=original,
                                    note=it["note"], verdict=job.label))
    audit = view.pop("audit")
    return write_case_zip(dest, view, items, audit)
