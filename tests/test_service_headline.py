"""The job's headline column (migration 0002): stored when a job finishes, served by the three job
endpoints without reading report.json, filled by the upgrade for jobs finished before it, and
undone by the downgrade; the audit table stays append-only throughout.
"""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")
from sqlalchemy import inspect, text  # noqa: E402

from forgelens.service.storage import HEADLINE_MISSING, ContentStore, Database  # noqa: E402
from tests.test_service import make_client, picture, submit, wait  # noqa: E402


def report_headline(c, job_id: str) -> str:
    """What report.json itself says: the reference every endpoint must repeat word for word."""
    return c.get(f"/v1/analyses/{job_id}/report.json").json()["explanation"]["headline"]


def endpoints(c, job_id: str, case_id: str) -> dict[str, dict]:
    """The job as each of the three endpoints shows it."""
    return {"analysis": c.get(f"/v1/analyses/{job_id}?report=false").json(),
            "list": next(j for j in c.get("/v1/analyses").json() if j["id"] == job_id),
            "case": next(i for i in c.get(f"/v1/cases/{case_id}").json()["items"] if i["job_id"] == job_id)}


def columns(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return {col["name"] for col in inspect(conn).get_columns("jobs")}


def audit_refuses_changes(db: Database) -> None:
    with db.engine.connect() as conn:  # row triggers: there must be an entry to refuse changing
        assert conn.execute(text("SELECT count(*) FROM audit")).scalar() > 0
    for sql in ("UPDATE audit SET actor = 'mallory'", "DELETE FROM audit"):
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql))


def test_a_finished_job_carries_its_reports_headline_in_every_endpoint(tmp_path):
    with make_client(tmp_path) as c:
        case = c.post("/v1/cases", json={"name": "headlines"}).json()["id"]
        done = submit(c, "a.jpg", picture(1), case_id=case).json()["id"]
        failed = submit(c, "notes.jpg", b"plain text, not a picture", case_id=case).json()["id"]
        assert wait(c, done)["status"] == "done" and wait(c, failed)["status"] == "failed"
        words = report_headline(c, done)
        assert words and words != c.get(f"/v1/analyses/{done}").json()["label"]  # words, not the bare label
        for where, j in endpoints(c, done, case).items():
            assert j["headline"] == words and j["headline_missing"] is None, where
            assert j["label"] == c.get(f"/v1/analyses/{done}").json()["report"]["verdict"]["label"], where
        for where, j in endpoints(c, failed, case).items():
            assert j["headline"] is None and j["headline_missing"] is None, where  # failed: no verdict to word
        j = c.get(f"/v1/analyses/{failed}").json()
        assert j["error"] and "notes.jpg" in j["error"] and j["report"] is None
        with c.app.state.db.session() as s:  # stored in the row, beside the label
            assert s.execute(text("SELECT headline FROM jobs WHERE id = :i"), {"i": done}).scalar() == words


def test_the_endpoints_read_no_report_unless_the_report_is_asked_for(tmp_path, monkeypatch):
    with make_client(tmp_path) as c:
        case = c.post("/v1/cases", json={"name": "no reads"}).json()["id"]
        job = submit(c, "a.jpg", picture(2), case_id=case).json()["id"]
        wait(c, job)
        words = report_headline(c, job)
        store = c.app.state.store

        def no_reading(*_a, **_kw):
            raise AssertionError("a report was read")

        monkeypatch.setattr(store, "read", no_reading)
        monkeypatch.setattr(store, "path", no_reading)
        for where, j in endpoints(c, job, case).items():
            assert j["headline"] == words, where
        assert c.get(f"/v1/analyses/{job}?report=false").json()["report"] is None
        monkeypatch.undo()
        assert c.get(f"/v1/analyses/{job}").json()["report"]["explanation"]["headline"] == words


def test_upgrade_fills_the_headline_of_jobs_finished_before_and_downgrade_removes_it(tmp_path):
    with make_client(tmp_path) as c:
        case = c.post("/v1/cases", json={"name": "old jobs"}).json()["id"]
        ids = {n: submit(c, f"{n}.jpg", picture(i), case_id=case).json()["id"]
               for i, n in enumerate(["fine", "lost", "garbled"])}
        ids["failed"] = submit(c, "failed.jpg", b"not a picture", case_id=case).json()["id"]
        for job in ids.values():
            wait(c, job)
        words = report_headline(c, ids["fine"])
        url = c.app.state.db.url
    store = ContentStore(tmp_path / "data")
    db = Database(url)
    try:
        db.downgrade("0001")  # the database as the previous release left it
        assert "headline" not in columns(db)
        audit_refuses_changes(db)
        with db.engine.begin() as conn:
            sha = conn.execute(text("SELECT sha256 FROM job_files WHERE job_id = :i AND name = 'report.json'"),
                               {"i": ids["lost"]}).scalar()
            store.delete(sha)  # its report.json is gone from the store
            bad, _ = store.put_bytes(b'{"explanation": {"headline": ')  # cut short
            conn.execute(text("UPDATE job_files SET sha256 = :s WHERE job_id = :i AND name = 'report.json'"),
                         {"s": bad, "i": ids["garbled"]})
        with pytest.raises(RuntimeError, match="needs the data folder"):
            db.upgrade()  # reports to read and no store: refused before any change
        assert "headline" not in columns(db)
        db.upgrade(store)
        assert "headline" in columns(db)
        with db.engine.connect() as conn:
            got = dict(conn.execute(text("SELECT id, headline FROM jobs")).all())
        assert got[ids["fine"]] == words
        assert got[ids["lost"]] is None and got[ids["garbled"]] is None and got[ids["failed"]] is None
        audit_refuses_changes(db)
        db.upgrade(store)  # at head: nothing to do
    finally:
        db.dispose()
    with make_client(tmp_path) as c:  # the API over the upgraded database: no 500, says why
        for where, j in endpoints(c, ids["fine"], case).items():
            assert j["headline"] == words and j["headline_missing"] is None, where
        for name in ("lost", "garbled"):
            for where, j in endpoints(c, ids[name], case).items():
                assert j["status"] == "done" and j["label"], (name, where)
                assert j["headline"] is None and j["headline_missing"] == HEADLINE_MISSING, (name, where)
        assert c.get(f"/v1/analyses/{ids['garbled']}?report=false").status_code == 200
        assert c.get(f"/v1/cases/{case}").status_code == 200
        new = submit(c, "new.jpg", picture(5)).json()["id"]
        assert wait(c, new)["headline"] == report_headline(c, new)  # and new jobs store theirs
        audit_refuses_changes(c.app.state.db)
    db = Database(url)
    try:
        db.downgrade("0001")
        assert "headline" not in columns(db)
        with db.engine.connect() as conn:  # the downgrade drops the column, nothing else
            assert conn.execute(text("SELECT count(*) FROM jobs")).scalar() == 5
        audit_refuses_changes(db)
    finally:
        db.dispose()


def test_a_fresh_database_upgrades_without_a_store(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    try:
        db.upgrade()  # no jobs, so no report to read
        assert "headline" in columns(db)
        with db.session() as s, db.audit_lock:
            db.append_audit(s, case_id=None, actor="test", action="checked")
        audit_refuses_changes(db)
    finally:
        db.dispose()
