"""The service on PostgreSQL: a throw-away cluster (initdb + pg_ctl in a temporary folder, run as
the ``postgres`` user when the tests run as root), migrated by Alembic, then the job lifecycle,
a case with its append-only audit log and the export.

Skips, saying why, where the PostgreSQL server binaries or psycopg are absent (.ci/run installs
Debian's ``postgresql``).
"""

from __future__ import annotations

import glob
import io
import os
import shutil
import socket
import subprocess
import time

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")
pytest.importorskip("psycopg", reason="psycopg not installed (pip install 'forgelens[postgresql]')")


def _bin(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


INITDB, PG_CTL = _bin("initdb"), _bin("pg_ctl")
pytestmark = pytest.mark.skipif(not (INITDB and PG_CTL), reason="PostgreSQL server binaries (initdb, pg_ctl) not installed")


def _as_db_user(cmd: list[str]) -> list[str]:
    """Run as the 'postgres' user when we are root (PostgreSQL refuses to run as root)."""
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
    return [runuser, "-u", "postgres", "--", *cmd]


@pytest.fixture(scope="module")
def postgres_url():
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp(prefix="forgelens-pg-"))  # outside pytest's root-only temp folders
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        try:
            shutil.chown(root, "postgres")
            shutil.chown(sock, "postgres")
        except (LookupError, OSError) as exc:
            pytest.skip(f"no 'postgres' user to run the server as: {exc}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = lambda cmd: subprocess.run(_as_db_user(cmd), capture_output=True, text=True, timeout=120)  # noqa: E731
    r = run([INITDB, "-D", str(data), "-U", "forgelens", "--auth=trust", "-E", "UTF8", "--no-sync"])
    if r.returncode:
        pytest.skip(f"initdb failed: {r.stderr.strip()[-300:]}")
    r = run([PG_CTL, "-D", str(data), "-w", "-t", "60", "-l", str(root / "log"),
             "-o", f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
    if r.returncode:
        pytest.skip(f"pg_ctl start failed: {r.stderr.strip()[-300:]}")
    try:
        yield f"postgresql+psycopg://forgelens@127.0.0.1:{port}/postgres"
    finally:
        run([PG_CTL, "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(root, ignore_errors=True)


def test_lifecycle_case_and_audit_on_postgresql(postgres_url, tmp_path):
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from forgelens.service.app import create_app
    from forgelens.service.audit import verify_audit_chain
    from forgelens.service.export import verify_zip
    from forgelens.service.settings import Settings
    from tests.conftest import jpeg_bytes, natural_image

    settings = Settings(data_dir=tmp_path / "data", database_url=postgres_url, auth=False, workers=1,
                        detectors="ela,metadata")
    with TestClient(create_app(settings)) as c:
        assert not (tmp_path / "data" / "forgelens.sqlite").exists()
        case = c.post("/v1/cases", json={"name": "pg"}).json()["id"]
        r = c.post("/v1/analyses", params={"case_id": case},
                   files={"file": ("p.jpg", jpeg_bytes(natural_image(80, 96), 85), "image/jpeg")})
        assert r.status_code == 202
        job_id = r.json()["id"]
        t0 = time.monotonic()
        while (j := c.get(f"/v1/analyses/{job_id}").json())["status"] in ("queued", "running"):
            assert time.monotonic() - t0 < 60
            time.sleep(0.1)
        assert j["status"] == "done" and j["report"]["input"]["sha256"] == j["input_sha256"]
        view = c.get(f"/v1/cases/{case}").json()
        assert verify_audit_chain(view["audit"]) and view["items"][0]["job_id"] == job_id
        export = c.get(f"/v1/cases/{case}/export")
        assert verify_zip(io.BytesIO(export.content)) == []
        with pytest.raises(Exception, match="append-only"), c.app.state.db.engine.begin() as conn:
            conn.execute(text("UPDATE audit SET actor = 'mallory'"))
        assert c.delete(f"/v1/analyses/{job_id}").json()["status"] == "deleted"
        assert c.get(f"/v1/analyses/{job_id}").json()["status"] == "deleted"  # kept as a row: it is in a case


def test_headline_column_upgrade_and_downgrade_on_postgresql(postgres_url, tmp_path):
    """Migration 0002 on PostgreSQL: a database at 0001 with a finished job gets the job's headline
    from its stored report.json; the downgrade drops the column; the audit log stays append-only."""
    from fastapi.testclient import TestClient
    from sqlalchemy import create_engine, inspect, text

    from forgelens.service.app import create_app
    from forgelens.service.settings import Settings
    from forgelens.service.storage import ContentStore, Database
    from tests.conftest import jpeg_bytes, natural_image

    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE headline_upgrade"))
    admin.dispose()
    url = postgres_url.rsplit("/", 1)[0] + "/headline_upgrade"
    settings = Settings(data_dir=tmp_path / "data", database_url=url, auth=False, workers=1, detectors="ela,metadata")
    with TestClient(create_app(settings)) as c:
        case = c.post("/v1/cases", json={"name": "pg headline"}).json()["id"]
        job_id = c.post("/v1/analyses", params={"case_id": case},
                        files={"file": ("p.jpg", jpeg_bytes(natural_image(144, 160), 85), "image/jpeg")}).json()["id"]
        t0 = time.monotonic()
        while (j := c.get(f"/v1/analyses/{job_id}").json())["status"] in ("queued", "running"):
            assert time.monotonic() - t0 < 60
            time.sleep(0.1)
        words = j["report"]["explanation"]["headline"]
        assert j["headline"] == words and c.get(f"/v1/cases/{case}").json()["items"][0]["headline"] == words
        assert next(x for x in c.get("/v1/analyses").json() if x["id"] == job_id)["headline"] == words
    db = Database(url)
    try:
        def headline_column() -> bool:
            with db.engine.connect() as conn:
                return "headline" in {col["name"] for col in inspect(conn).get_columns("jobs")}

        db.downgrade("0001")
        assert not headline_column()
        db.upgrade(ContentStore(tmp_path / "data"))
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT headline FROM jobs WHERE id = :i"), {"i": job_id}).scalar() == words
        for sql in ("UPDATE audit SET actor = 'mallory'", "DELETE FROM audit"):
            with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
                conn.execute(text(sql))
        db.downgrade("0001")
        assert not headline_column()
    finally:
        db.dispose()
