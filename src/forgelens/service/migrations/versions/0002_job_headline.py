"""Jobs carry their headline (the verdict in words) as a column, filled here for jobs finished before.

The headline is report.json's ``explanation.headline``. New jobs store it when they finish, in the
transaction that stores ``label`` and ``probabilities`` (``jobs.JobManager._record``). Jobs finished
before this migration get it here, read once from their stored report.json, in the migration's own
transaction: the column then never needs a read-time fallback, and no request reads a report to
list jobs. A report that is missing from the store or unreadable leaves the job's headline NULL
(the API says so); it never fails the migration. The store's folder comes from
``Database.upgrade(store)``; without it, and with reports to read, the migration refuses before it
changes anything. Self-contained on purpose (no ORM models, its own report reader): a migration
must do tomorrow what it does today.

Revision ID: 0002
Revises: 0001
"""

import json
import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 500  # job rows read and updated at a time (bounded memory however many jobs there are)
log = logging.getLogger("alembic.runtime.migration")

jobs = sa.table("jobs", sa.column("id", sa.String), sa.column("headline", sa.Text))
job_files = sa.table("job_files", sa.column("job_id", sa.String), sa.column("name", sa.String),
                     sa.column("sha256", sa.String))


def _headline(store_root: Path, sha256: str) -> str | None:
    """report.json's explanation.headline from the store; None where the file is missing or unreadable."""
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        return None
    try:
        rep = json.loads((store_root / sha256[:2] / sha256).read_bytes())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    expl = rep.get("explanation") if isinstance(rep, dict) else None
    h = expl.get("headline") if isinstance(expl, dict) else None
    return h if isinstance(h, str) else None


def upgrade() -> None:
    bind = op.get_bind()
    reports = (sa.select(job_files.c.job_id, job_files.c.sha256)
               .join(jobs, jobs.c.id == job_files.c.job_id)
               .where(job_files.c.name == "report.json"))
    store_root = context.config.attributes.get("store_root")
    if store_root is None and bind.execute(reports.limit(1)).first() is not None:
        raise RuntimeError("migration 0002 fills each finished job's headline from its stored report.json and needs "
                           "the data folder's content store: Database.upgrade(store)")
    if "headline" not in {c["name"] for c in sa.inspect(bind).get_columns("jobs")}:  # re-run after a failed fill
        op.add_column("jobs", sa.Column("headline", sa.Text, nullable=True))
    if store_root is None:
        return
    filled = missing = 0
    last = ""
    todo = reports.where(jobs.c.headline.is_(None)).order_by(job_files.c.job_id).limit(BATCH)
    while rows := bind.execute(todo.where(job_files.c.job_id > last)).all():
        found = [{"id_": job_id, "h": h} for job_id, sha in rows
                 if (h := _headline(Path(store_root), sha)) is not None]
        if found:
            bind.execute(jobs.update().where(jobs.c.id == sa.bindparam("id_"))
                         .values(headline=sa.bindparam("h")), found)
        filled, missing = filled + len(found), missing + len(rows) - len(found)
        last = rows[-1][0]
    log.info("0002: headline filled for %d finished job(s); %d left NULL (report.json missing or unreadable)",
             filled, missing)


def downgrade() -> None:
    op.drop_column("jobs", "headline")
