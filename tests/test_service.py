"""HTTP service: jobs lifecycle, queue, uploads, auth, quotas, cases, audit log, export, retention.

Tiny pictures and two cheap detectors (ela, metadata) keep each analysis well under a second;
the worker pool is the real isolated pool of issue 19.
"""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
pytest.importorskip("sqlalchemy")
from fastapi.testclient import TestClient  # noqa: E402

from forgelens.service.app import create_app  # noqa: E402
from forgelens.service.settings import Settings  # noqa: E402
from tests._service_helpers import files_under, hostile_runner, slow_runner, wait  # noqa: E402
from tests.conftest import REPO, jpeg_bytes, natural_image  # noqa: E402

EXAMPLE = REPO / "examples" / "splice.jpg"
CHEAP = "ela,metadata"


def picture(seed: int = 0) -> bytes:
    return jpeg_bytes(natural_image(144, 160, seed=seed), 85)  # ≥ 128 px: judged, with maps


def make_client(tmp_path, runner=None, **kw) -> TestClient:
    kw = {"data_dir": tmp_path / "data", "auth": False, "workers": 1, "detectors": CHEAP, **kw}
    return TestClient(create_app(Settings(**kw), runner=runner))


def submit(c, name="a.jpg", data=None, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return c.post("/v1/analyses", params=params, headers=headers,
                  files={"file": (name, data if data is not None else picture(), "image/jpeg")})


def test_page_health_ready_and_offline_docs(tmp_path):
    with make_client(tmp_path) as c:
        r = c.get("/")
        assert r.status_code == 200 and "<title>forgelens</title>" in r.text
        assert "cdn" not in r.text.lower()
        assert c.get("/api/health").json()["status"] == "ok"
        assert c.get("/api/ready").json()["status"] == "ready"
        docs = c.get("/docs").text
        assert "cdn.jsdelivr" not in docs and "/static-offline-docs/swagger-ui-bundle.js" in docs
        assert c.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
        assert "/v1/analyses" in c.get("/openapi.json").json()["paths"]


def test_job_lifecycle_submit_poll_fetch_delete(tmp_path):
    with make_client(tmp_path) as c:
        r = submit(c)
        assert r.status_code == 202 and r.headers["location"] == f"/v1/analyses/{r.json()['id']}"
        job_id = r.json()["id"]
        j = wait(c, job_id)
        assert j["status"] == "done", j
        assert j["report"]["input"]["sha256"] == j["input_sha256"] and j["label"] == j["report"]["verdict"]["label"]
        assert j["tool_version"] and j["options"]["detectors"] == ["ela", "metadata"] and j["seconds"]["total"] > 0
        for name in ("report.json", "report.html", "heatmap.png", "mask.png", "overlay.png", "maps/ela.png"):
            assert name in j["files"]
            r = c.get(f"/v1/analyses/{job_id}/{name}")
            assert r.status_code == 200 and r.content
        assert c.get(f"/v1/analyses/{job_id}/report.html").headers["content-security-policy"].endswith("sandbox")
        assert "attachment" in c.get(f"/v1/analyses/{job_id}/report.json?download=1").headers["content-disposition"]
        assert c.get(f"/v1/analyses/{job_id}/original").status_code == 404  # not kept unless asked
        assert files_under(tmp_path / "data" / "tmp") == []  # the private work folder is gone
        objects = files_under(tmp_path / "data" / "objects")
        assert objects and all(p.read_bytes() != picture() for p in objects)
        assert c.delete(f"/v1/analyses/{job_id}").json()["status"] == "deleted"
        assert c.get(f"/v1/analyses/{job_id}").status_code == 404
        assert files_under(tmp_path / "data" / "objects") == []


def test_bad_files_fail_their_job_with_the_reason_and_sync_call(tmp_path):
    with make_client(tmp_path) as c:
        j = wait(c, submit(c, "notes.jpg", b"plain text, not a picture").json()["id"])
        assert j["status"] == "failed" and "notes.jpg" in j["error"] and j["files"] == []
        r = c.post("/api/analyze", files={"file": ("splice.jpg", EXAMPLE.read_bytes(), "image/jpeg")},
                   params={"detectors": CHEAP})
        assert r.status_code == 200, r.text
        assert r.json()["report"]["input"]["source"] == "splice.jpg" and r.json()["overlay_png"].startswith("data:image/png")
        r = c.post("/api/analyze", files={"file": ("notes.jpg", b"plain text, not a picture", "image/jpeg")})
        assert r.status_code == 422 and "notes.jpg" in r.json()["detail"]
        r = submit(c, detectors="nope")
        assert r.status_code == 400 and "nope" in r.json()["detail"]


def test_cancel_queued_and_running_jobs(tmp_path):
    with make_client(tmp_path, runner=slow_runner) as c:
        running = submit(c, "slow-1.jpg").json()["id"]
        queued = submit(c, "slow-2.jpg").json()["id"]
        t0 = time.monotonic()
        while c.get(f"/v1/analyses/{running}").json()["status"] != "running":
            assert time.monotonic() - t0 < 30
            time.sleep(0.05)
        q = c.get(f"/v1/analyses/{queued}").json()
        assert q["status"] == "queued" and q["progress"]["queue_position"] == 1
        assert c.delete(f"/v1/analyses/{queued}").json()["status"] == "cancelled"
        assert c.delete(f"/v1/analyses/{running}").json()["status"] == "cancelled"
        assert wait(c, running, timeout=10)["status"] == "cancelled"
        assert wait(c, queued, timeout=10)["status"] == "cancelled"
        assert wait(c, submit(c, "after.jpg").json()["id"])["status"] == "done"  # the pool goes on


def test_full_queue_answers_429_with_retry_after(tmp_path):
    with make_client(tmp_path, runner=slow_runner, queue_size=1) as c:
        first, second = submit(c, "slow-1.jpg"), submit(c, "slow-2.jpg")
        assert first.status_code == second.status_code == 202
        r = submit(c, "slow-3.jpg")
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        t0 = time.monotonic()
        assert c.get("/api/health").status_code == 200 and time.monotonic() - t0 < 1.0
        assert c.get("/api/ready").status_code == 503
        for r in (first, second):
            c.delete(f"/v1/analyses/{r.json()['id']}")


def test_upload_over_the_limit_is_refused_before_it_is_stored(tmp_path):
    with make_client(tmp_path, max_upload_bytes=20_000) as c:
        r = submit(c, "big.jpg", b"\xff" * 200_000)
        assert r.status_code == 413 and "20000" in r.json()["detail"]
        assert c.get("/api/ready").json()["jobs_active"] == 0  # the reserved slot was given back


def test_streamed_upload_stops_reading_at_the_limit():
    """No Content-Length (chunked): the body is read only until the limit is passed."""
    import asyncio

    from fastapi import HTTPException
    from starlette.requests import Request

    from forgelens.service.uploads import FRAMING_BYTES, read_upload

    boundary = b"XyZ"
    head = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jpg\"\r\n\r\n"
    chunks = [head] + [b"\0" * 65536] * 1000  # 64 MB offered
    sent = 0

    async def receive():
        nonlocal sent
        body = chunks[sent]
        sent += 1
        return {"type": "http.request", "body": body, "more_body": sent < len(chunks)}

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [
        (b"content-type", b"multipart/form-data; boundary=" + boundary)]}
    with pytest.raises(HTTPException) as e:
        asyncio.run(read_upload(Request(scope, receive), limit=100_000))
    assert e.value.status_code == 413
    assert sent * 65536 <= 100_000 + FRAMING_BYTES + 2 * 65536


def test_auth_required_tokens_hashed_and_jobs_private(tmp_path):
    from forgelens.service.auth import create_token

    with make_client(tmp_path, auth=True) as c:
        alice, bob = create_token(c.app.state.db, "alice"), create_token(c.app.state.db, "bob")
        assert submit(c).status_code == 401
        assert submit(c, token="fl_0000_wrong").status_code == 401
        assert c.get("/v1/cases").status_code == 401
        assert c.get("/api/health").status_code == 200
        job_id = submit(c, token=alice).json()["id"]
        assert wait(c, job_id, alice)["status"] == "done"
        assert c.get(f"/v1/analyses/{job_id}", headers={"Authorization": f"Bearer {bob}"}).status_code == 404
    db_bytes = b"".join(p.read_bytes() for p in (tmp_path / "data").glob("forgelens.sqlite*"))
    for token in (alice, bob):
        assert token.encode() not in db_bytes and token.split("_", 2)[2].encode() not in db_bytes  # the whole secret (it may hold "_")
    assert b"$argon2id$" in db_bytes


def test_no_auth_only_on_loopback():
    from forgelens.errors import ConfigError

    with pytest.raises(ConfigError, match="loopback"):
        Settings(host="0.0.0.0", auth=False).check()
    Settings(host="::1", auth=False).check()


def test_quotas_per_token(tmp_path):
    from forgelens.service.auth import create_token

    with make_client(tmp_path, auth=True, jobs_per_hour=1, bytes_per_day=10**6) as c:
        t = create_token(c.app.state.db, "carol")
        assert submit(c, token=t).status_code == 202
        r = submit(c, token=t)
        assert r.status_code == 429 and "per hour" in r.json()["detail"] and int(r.headers["retry-after"]) > 0
    with make_client(tmp_path / "b", auth=True, bytes_per_day=len(picture()) + 10) as c:
        t = create_token(c.app.state.db, "dave")
        assert submit(c, token=t).status_code == 202
        r = submit(c, token=t)
        assert r.status_code == 429 and "bytes per day" in r.json()["detail"]


def test_case_audit_log_and_export(tmp_path):
    from sqlalchemy import text

    from forgelens.service.audit import verify_audit_chain
    from forgelens.service.auth import create_token
    from forgelens.service.export import verify_zip

    with make_client(tmp_path, auth=True) as c:
        t = create_token(c.app.state.db, "erin")
        h = {"Authorization": f"Bearer {t}"}
        case = c.post("/v1/cases", json={"name": "Flood photos"}, headers=h).json()["id"]
        one = submit(c, "one.jpg", picture(1), token=t, case_id=case, keep_original="true").json()["id"]
        two = submit(c, "two.jpg", picture(2), token=t).json()["id"]
        wait(c, one, t), wait(c, two, t)
        assert c.post(f"/v1/cases/{case}/items", json={"job_id": two, "note": "from the agency"}, headers=h).status_code == 201
        assert c.patch(f"/v1/cases/{case}/items/{two}", json={"note": "agency, 2nd copy"}, headers=h).status_code == 200
        view = c.get(f"/v1/cases/{case}", headers=h).json()
        assert [i["filename"] for i in view["items"]] == ["one.jpg", "two.jpg"]
        assert verify_audit_chain(view["audit"])
        r = c.get(f"/v1/cases/{case}/export", headers=h)
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
        with pytest.raises(Exception, match="append-only"), c.app.state.db.engine.begin() as conn:
            conn.execute(text("UPDATE audit SET actor = 'mallory'"))
        with pytest.raises(Exception, match="append-only"), c.app.state.db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit"))
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert verify_zip(io.BytesIO(r.content)) == []
    manifest = json.loads(z.read("manifest.json"))
    audit = [json.loads(line) for line in z.read("audit.jsonl").decode().splitlines()]
    assert verify_audit_chain(audit)
    actions = [a["action"] for a in audit]
    assert actions[0] == "case created" and actions[-1] == "exported"
    assert {"picture added", "analysis done", "note changed"} <= set(actions)
    assert all(a["actor"] in ("erin", "forgelens") for a in audit)
    assert all(a["input_sha256"] and a["tool_version"] for a in audit if a["job_id"])
    orig = {o["filename"]: o for o in manifest["originals"]}
    assert orig["one.jpg"]["kept"] and not orig["two.jpg"]["kept"]
    kept = [n for n in z.namelist() if "/original/" in n]
    assert len(kept) == 1 and z.read(kept[0]) == picture(1)
    import hashlib

    assert orig["two.jpg"]["sha256"] == hashlib.sha256(picture(2)).hexdigest()
    assert any(n.endswith("report.html") for n in z.namelist()) and "SHA256SUMS" in z.namelist()
    # a changed file no longer matches the manifest
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as w:
        for n in z.namelist():
            w.writestr(n, b"tampered" if n.endswith("report.json") else z.read(n))
    assert any("differs" in p for p in verify_zip(io.BytesIO(buf.getvalue())))


def test_retention_deletes_old_originals_and_loose_jobs(tmp_path):
    from sqlalchemy import update

    from forgelens.service.jobs import apply_retention
    from forgelens.service.storage import Job

    with make_client(tmp_path, keep_originals=True) as c:
        case = c.post("/v1/cases", json={"name": "kept"}).json()["id"]
        in_case = submit(c, "in.jpg", picture(3), case_id=case).json()["id"]
        loose = submit(c, "loose.jpg", picture(4)).json()["id"]
        wait(c, in_case), wait(c, loose)
        r = c.get(f"/v1/analyses/{in_case}/original")
        assert r.content == picture(3) and r.headers["content-disposition"].startswith("attachment")
        assert r.headers["content-type"] == "application/octet-stream"
        assert submit(c, "x.jpg", picture(5), case_id="no-such-case").status_code == 404
        assert not any(p.read_bytes() == picture(5) for p in files_under(tmp_path / "data" / "objects"))
        db, store = c.app.state.db, c.app.state.store
        with db.session() as s:
            s.execute(update(Job).values(created_at=Job.created_at - 40 * 86400))
        assert apply_retention(db, store, 30) == {"originals_deleted": 2, "jobs_deleted": 1}
        assert c.get(f"/v1/analyses/{loose}").status_code == 404
        j = c.get(f"/v1/analyses/{in_case}").json()
        assert j["status"] == "done" and not j["original_kept"] and "report.json" in j["files"]
        assert not any(p.read_bytes() == picture(3) for p in files_under(tmp_path / "data" / "objects"))
        audit = c.get(f"/v1/cases/{case}").json()["audit"]
        assert audit[-1]["action"] == "original deleted" and audit[-1]["actor"] == "retention"


def test_a_hostile_file_does_not_disturb_the_other_jobs(tmp_path):
    with make_client(tmp_path, runner=hostile_runner, workers=2, job_seconds=10,
                     job_memory_bytes=1024 * 2**20) as c:  # above the 768 MB pre-decode estimate of a tiny picture
        ids = {name: submit(c, name, picture(i)).json()["id"]
               for i, name in enumerate(["hang.jpg", "fine-1.jpg", "hog.jpg", "fine-2.jpg", "fine-3.jpg"])}
        t0 = time.monotonic()
        while time.monotonic() - t0 < 120:
            health = time.monotonic()
            assert c.get("/api/health").status_code == 200 and time.monotonic() - health < 1.0
            if all(c.get(f"/v1/analyses/{i}?report=false").json()["status"] not in ("queued", "running")
                   for i in ids.values()):
                break
            time.sleep(0.2)
        out = {n: c.get(f"/v1/analyses/{i}?report=false").json() for n, i in ids.items()}
    assert out["hang.jpg"]["status"] == "failed" and "10 s limit" in out["hang.jpg"]["error"]
    assert out["hog.jpg"]["status"] == "failed" and "memory" in out["hog.jpg"]["error"]
    assert all(out[f"fine-{k}.jpg"]["status"] == "done" for k in (1, 2, 3)), {n: o["error"] for n, o in out.items()}


def test_settings_from_file_environment_and_options(tmp_path):
    from forgelens.service.settings import describe, load_settings

    f = tmp_path / "forgelens.toml"
    f.write_text('[service]\nworkers = 3\nretention_days = 7\nhost = "127.0.0.1"\n')
    s = load_settings(f, env={"FORGELENS_WORKERS": "4", "FORGELENS_AUTH": "false"}, port=9000)
    assert (s.workers, s.retention_days, s.auth, s.port) == (4, 7.0, False, 9000)
    assert "FORGELENS_DATABASE_URL" in describe() and "FORGELENS_RETENTION_DAYS" in describe()
    f.write_text("[service]\nworkrs = 3\n")
    with pytest.raises(Exception, match="unknown setting 'workrs'"):
        load_settings(f, env={})


def test_cli_token_retention_and_case_export(tmp_path):
    from typer.testing import CliRunner

    from forgelens.cli import app
    from forgelens.service.export import verify_zip

    runner = CliRunner()
    data = str(tmp_path / "data")
    r = runner.invoke(app, ["serve", "--data-dir", data, "token", "create", "--name", "frank"])
    assert r.exit_code == 0 and r.stdout.strip().startswith("fl_")
    token = r.stdout.strip()
    r = runner.invoke(app, ["serve", "--data-dir", data, "token", "list"])
    assert r.exit_code == 0 and "frank" in r.stdout and "active" in r.stdout and token not in r.stdout
    r = runner.invoke(app, ["serve", "--data-dir", data, "token", "revoke", "--name", "frank"])
    assert r.exit_code == 0 and "revoked" in runner.invoke(app, ["serve", "--data-dir", data, "token", "list"]).stdout
    from forgelens.service.auth import Authenticator
    from forgelens.service.storage import Database

    db = Database(Settings(data_dir=tmp_path / "data").db_url)
    assert Authenticator(db).verify(token) is None
    db.dispose()
    r = runner.invoke(app, ["serve", "--data-dir", data, "retention", "--days", "1"])
    assert r.exit_code == 0 and "originals deleted: 0" in r.stdout
    r = runner.invoke(app, ["serve", "--help"])
    assert "FORGELENS_DATA_DIR" in r.stdout and "token" in r.stdout
    reports = tmp_path / "reports"
    for stem, sha in (("a", "1" * 64), ("b", "2" * 64)):
        (reports / stem / "maps").mkdir(parents=True)
        (reports / stem / "report.json").write_text(json.dumps({"input": {"sha256": sha, "source": f"{stem}.jpg"},
                                                               "verdict": {"label": "authentic"}}))
        (reports / stem / "maps" / "ela.png").write_bytes(b"png")
    r = runner.invoke(app, ["case", "export", str(reports), "-o", str(tmp_path / "case.zip")])
    assert r.exit_code == 0, r.output
    assert verify_zip(tmp_path / "case.zip") == []
    z = zipfile.ZipFile(tmp_path / "case.zip")
    assert {"items/a/report.json", "items/b/maps/ela.png", "audit.jsonl", "manifest.json"} <= set(z.namelist())
    r = runner.invoke(app, ["case", "export", str(tmp_path / "data"), "-o", str(tmp_path / "x.zip")])
    assert r.exit_code == 1 and "holds no report.json" in r.output


def test_the_worker_writes_only_inside_its_private_job_folder(tmp_path, monkeypatch):
    """jpeglib needs a file: the loader's temporary copy lands in the job's own folder, which the
    service removes whatever the outcome (checked above: data/tmp is empty after each job)."""
    import tempfile

    from forgelens.service import worker

    made: list[str] = []
    real = tempfile.mkstemp

    def spy(*a, **kw):
        fd, name = real(*a, **kw)
        made.append(name)
        return fd, name

    monkeypatch.setattr(worker, "_niced", True)  # do not renice the test process
    monkeypatch.setattr(tempfile, "mkstemp", spy)
    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    (tmp_path / "job" / "tmp").mkdir(parents=True)
    out = worker.run_analysis("a.jpg", picture(), ["ela"], str(tmp_path / "job"))
    assert out["label"] and out["format"] == "JPEG"
    assert all(str(tmp_path / "job" / "tmp") in m for m in made)  # none at all where jpeglib reads a memfd
    assert (tmp_path / "job" / "out" / "report.json").is_file()
