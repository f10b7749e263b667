"""Persistence: the database (SQLAlchemy; SQLite by default, PostgreSQL by URL, schema by Alembic)
and the content-addressed file store under the data folder.

Times are UNIX seconds (float, UTC) so SQLite and PostgreSQL store them alike. Files (reports,
maps, kept originals) live once each at ``objects/<sha256[:2]>/<sha256>``, read-only; rows name
them by hash. A finished job's ``headline`` (the verdict in words, report.json's
``explanation.headline``) is a column, stored with its label, so listing jobs never reads a report. The audit table is append-only: the migration installs triggers that refuse
UPDATE and DELETE on it, and each entry carries the SHA-256 of the case's entry before it (a hash chain per case).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from forgelens.service.audit import AUDIT_FIELDS, audit_hash, iso, verify_audit_chain  # noqa: F401

MIGRATIONS = Path(__file__).with_name("migrations")


class Base(DeclarativeBase):
    pass


class Token(Base):
    __tablename__ = "tokens"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))  # argon2id, never the token itself
    created_at: Mapped[float] = mapped_column(Float)
    revoked: Mapped[bool] = mapped_column(default=False)
    admin: Mapped[bool] = mapped_column(default=False)  # migration 0003; may delete any case


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_name: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    input_sha256: Mapped[str] = mapped_column(String(64), index=True)
    input_size: Mapped[int] = mapped_column(Integer)
    input_format: Mapped[str | None] = mapped_column(String(32))
    tool_version: Mapped[str] = mapped_column(String(32))
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float, index=True)
    started_at: Mapped[float | None] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float)
    seconds: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    label: Mapped[str | None] = mapped_column(String(32))
    headline: Mapped[str | None] = mapped_column(Text)  # migration 0002; report.json's explanation.headline
    probabilities: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    original_sha256: Mapped[str | None] = mapped_column(String(64))  # set while the original is kept


#: What the API says beside a finished job whose headline column is empty.
HEADLINE_MISSING = ("no headline: this job's report.json was missing or unreadable when its headline was recorded "
                    "(the label still stands)")


def headline_of(report_json: bytes) -> str | None:
    """``explanation.headline`` of a stored report.json's bytes; None where it is unreadable or has none."""
    try:
        rep = json.loads(report_json)
    except (ValueError, UnicodeDecodeError):  # JSONDecodeError is a ValueError
        return None
    expl = rep.get("explanation") if isinstance(rep, dict) else None
    h = expl.get("headline") if isinstance(expl, dict) else None
    return h if isinstance(h, str) else None


def headline_fields(job: Job) -> dict[str, str | None]:
    """``headline`` and, for a finished job without one, ``headline_missing`` saying why (else None)."""
    missing = HEADLINE_MISSING if job.status == "done" and job.headline is None else None
    return {"headline": job.headline, "headline_missing": missing}


class JobFile(Base):
    __tablename__ = "job_files"
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), primary_key=True)  # report.json, maps/ela.png, …
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(200))


class CaseItem(Base):
    __tablename__ = "case_items"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), primary_key=True)
    note: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[float] = mapped_column(Float)
    added_by: Mapped[str] = mapped_column(String(200))


class AuditEntry(Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str | None] = mapped_column(String(32), index=True)
    at: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[str | None] = mapped_column(String(32))
    input_sha256: Mapped[str | None] = mapped_column(String(64))
    tool_version: Mapped[str | None] = mapped_column(String(32))
    verdict: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "case_id": self.case_id, "at": iso(self.at), "at_unix": self.at, "actor": self.actor,
                "action": self.action, "job_id": self.job_id, "input_sha256": self.input_sha256,
                "tool_version": self.tool_version, "verdict": self.verdict, "detail": self.detail,
                "prev_hash": self.prev_hash, "entry_hash": self.entry_hash}


class Database:
    """One engine and session factory; ``upgrade(store)`` brings the schema to the newest migration."""

    def __init__(self, url: str):
        self.url = url
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        self.engine: Engine = create_engine(url, pool_pre_ping=True, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.audit_lock = threading.Lock()

    def upgrade(self, store: ContentStore | None = None, revision: str = "head") -> None:
        """Migrate the schema to ``revision``. ``store`` is the content store the job rows name:
        migration 0002 reads each finished job's stored report.json once to fill its ``headline``
        (it refuses to run without the store when there are reports to read)."""
        self._alembic("upgrade", revision, store)

    def downgrade(self, revision: str) -> None:
        """Migrate the schema back to ``revision`` (e.g. ``"0001"``)."""
        self._alembic("downgrade", revision, None)

    def _alembic(self, verb: str, revision: str, store: ContentStore | None) -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            cfg.attributes["store_root"] = store.root if store is not None else None
            getattr(command, verb)(cfg, revision)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as s, s.begin():
            yield s

    def append_audit(self, s: Session, *, case_id: str | None, actor: str, action: str, job: Job | None = None,
                     detail: str = "") -> AuditEntry:
        """Add one audit entry, chained to the newest one of the same case (the caller's transaction
        commits it; the caller holds ``audit_lock`` until then, so two appends never share a parent)."""
        last = s.scalars(select(AuditEntry).where(AuditEntry.case_id.is_(None) if case_id is None
                                                  else AuditEntry.case_id == case_id)
                         .order_by(AuditEntry.id.desc()).limit(1).with_for_update()).first()
        prev = last.entry_hash if last else "0" * 64
        fields = {"case_id": case_id, "at": round(time.time(), 3), "actor": actor, "action": action,
                  "job_id": job.id if job else None, "input_sha256": job.input_sha256 if job else None,
                  "tool_version": job.tool_version if job else None, "verdict": job.label if job else None,
                  "detail": detail}
        entry = AuditEntry(**fields, prev_hash=prev, entry_hash=audit_hash(prev, fields))
        s.add(entry)
        s.flush()
        return entry

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


class ContentStore:
    """Files by SHA-256 under ``root/objects``: written once (temp file + rename), then read-only."""

    def __init__(self, root: Path):
        self.root = Path(root) / "objects"
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        sha = hashlib.sha256(data).hexdigest()
        dest = self.path(sha)
        if not dest.exists():
            dest.parent.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o444)
            os.replace(tmp, dest)
        return sha, len(data)

    def put_file(self, src: Path) -> tuple[str, int]:
        return self.put_bytes(Path(src).read_bytes())

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def delete(self, sha256: str) -> None:
        p = self.path(sha256)
        if p.exists():
            p.chmod(0o644)
            p.unlink()
