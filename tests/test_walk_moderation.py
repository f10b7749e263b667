"""A moderation team's walk through `forgelens serve` (session 19): what the walk found, pinned.

Each test reproduces one thing a team of moderators met (docs/notes/walk-moderation.md): a stalled
upload that held its queue slot for ever, a shared case whose pictures another moderator could
not open, a failed case item shown without its reason, and a phone photo whose map the page drew
over a rotated picture. Tiny pictures and two cheap detectors keep each analysis under a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import shutil
import time

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
pytest.importorskip("sqlalchemy")
from fastapi.testclient import TestClient  # noqa: E402
from PIL import Image  # noqa: E402

from forgelens.service.app import STATIC, create_app  # noqa: E402
from forgelens.service.auth import create_token  # noqa: E402
from forgelens.service.settings import Settings  # noqa: E402
from tests._service_helpers import serve_subprocess, wait  # noqa: E402
from tests.conftest import jpeg_bytes, natural_image  # noqa: E402

CHEAP = "ela,metadata"


def settings(tmp_path, **kw) -> Settings:
    return Settings(**{"data_dir": tmp_path / "data", "auth": False, "workers": 1, "detectors": CHEAP, **kw})


def upload_slowly(app, filename: str, pause: float | None) -> tuple[int, bytes, int, float]:
    """Send the app the start of a multipart upload of ``filename`` (a 100 kB body declared), then nothing
    (``pause`` None) or one byte every ``pause`` seconds, until it answers (10 s at most; main's code never
    did). Checks that the queue slot the upload held was given back; returns (status, body, chunks sent,
    seconds)."""
    head = b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="' + filename.encode() + b'"\r\n\r\n\xff\xd8'
    scope = {"type": "http", "http_version": "1.1", "method": "POST", "path": "/v1/analyses", "raw_path": b"/v1/analyses",
             "query_string": b"", "root_path": "", "scheme": "http", "server": ("127.0.0.1", 8000),
             "client": ("127.0.0.1", 5000),
             "headers": [(b"content-type", b"multipart/form-data; boundary=XyZ"), (b"content-length", b"100000")]}
    sent: list[dict] = []
    chunks = [0]

    async def run():
        answered = asyncio.Event()

        async def receive():
            chunks[0] += 1
            if chunks[0] == 1:
                return {"type": "http.request", "body": head, "more_body": True}
            if pause is None:
                await answered.wait()  # the client never sends the rest
            elif not answered.is_set():
                await asyncio.sleep(pause)
                return {"type": "http.request", "body": b"\x00", "more_body": True}
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                answered.set()

        await asyncio.wait_for(app(scope, receive, send), 10)

    t0 = time.monotonic()
    try:
        asyncio.run(run())
        assert app.state.jobs.load()[0] == 0  # the reserved slot was given back
    finally:
        app.state.close()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, chunks[0], time.monotonic() - t0


def test_a_stalled_upload_is_refused_with_408_and_gives_its_queue_slot_back(tmp_path):
    """A client that sends the start of a body and then nothing held a reserved queue slot for as
    long as its connection stayed open: 18 such connections (2 workers + queue 16) made every other
    moderator's upload answer 429 (measured on a real server, walk-moderation.md)."""
    app = create_app(settings(tmp_path, upload_idle_seconds=0.5))
    status, body, _chunks, _seconds = upload_slowly(app, "slow.jpg", pause=None)  # on main: no answer at all
    assert status == 408
    assert b"slow.jpg" in body and b"no data received" in body


def test_the_stalled_upload_limit_is_a_setting_that_must_be_positive():
    from forgelens.errors import ConfigError
    from forgelens.service.settings import load_settings

    assert load_settings(env={"FORGELENS_UPLOAD_IDLE_SECONDS": "12"}).upload_idle_seconds == 12.0
    with pytest.raises(ConfigError, match="upload_idle_seconds"):
        Settings(upload_idle_seconds=0).check()


def test_a_moderator_opens_a_teammates_picture_from_a_shared_case_but_cannot_delete_it(tmp_path):
    """Cases are shared by every token (the case page, export and zip already hold the reports and
    kept originals); the page's 'Show report' on a teammate's item answered 404. A job outside any
    case stays private, and only its owner may delete a job."""
    with TestClient(create_app(settings(tmp_path, auth=True))) as c:
        alice, bob = create_token(c.app.state.db, "alice"), create_token(c.app.state.db, "bob")
        ha, hb = {"Authorization": f"Bearer {alice}"}, {"Authorization": f"Bearer {bob}"}
        case = c.post("/v1/cases", json={"name": "reported posts"}, headers=ha).json()["id"]
        pic = jpeg_bytes(natural_image(144, 160, seed=1), 85)
        in_case = c.post("/v1/analyses", data={"case_id": case, "keep_original": "true"}, headers=ha,
                         files={"file": ("post-1.jpg", pic, "image/jpeg")}).json()["id"]
        loose = c.post("/v1/analyses", headers=ha, files={"file": ("mine.jpg", pic, "image/jpeg")}).json()["id"]
        assert wait(c, in_case, ha)["status"] == "done" and wait(c, loose, ha)["status"] == "done"
        items = c.get(f"/v1/cases/{case}", headers=hb).json()["items"]
        assert [i["job_id"] for i in items] == [in_case]
        j = c.get(f"/v1/analyses/{in_case}", headers=hb)
        assert j.status_code == 200 and j.json()["report"]["verdict"]["label"] == j.json()["label"]
        for name in ("report.html", "overlay.png", "mask.png", "original"):
            assert c.get(f"/v1/analyses/{in_case}/{name}", headers=hb).status_code == 200, name
        assert c.get(f"/v1/analyses/{loose}", headers=hb).status_code == 404
        assert c.get(f"/v1/analyses/{loose}/report.json", headers=hb).status_code == 404
        assert c.delete(f"/v1/analyses/{in_case}", headers=hb).status_code == 404
        assert c.get(f"/v1/analyses/{in_case}", headers=ha).json()["status"] == "done"
        assert in_case not in [x["id"] for x in c.get("/v1/analyses", headers=hb).json()]  # bob's list: his own


def test_a_failed_case_item_says_why(tmp_path):
    """The case table showed 'failed' and nothing else; the reason was only on the uploader's queue line."""
    with TestClient(create_app(settings(tmp_path))) as c:
        case = c.post("/v1/cases", json={"name": "c"}).json()["id"]
        job = c.post("/v1/analyses", data={"case_id": case},
                     files={"file": ("notes.jpg", b"meeting notes\n" * 20, "image/jpeg")}).json()["id"]
        assert wait(c, job, {})["status"] == "failed"
        item = c.get(f"/v1/cases/{case}").json()["items"][0]
        assert item["status"] == "failed" and item["error"].startswith("notes.jpg: unreadable image")
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    assert "it.error" in js  # the case table writes it


CHROMEDRIVER, CHROMIUM = shutil.which("chromedriver"), shutil.which("chromium")


@pytest.mark.skipif(not (CHROMEDRIVER and CHROMIUM), reason="chromium/chromedriver not installed")
def test_the_page_draws_the_map_over_the_picture_as_stored_not_rotated(tmp_path):
    """A phone photo stored landscape with EXIF orientation 6: the analysis (and every map) keeps the
    stored pixel grid, but the browser rotated the page's picture to portrait, so the landscape map
    covered its top half and the picture ran on below it."""
    pytest.importorskip("selenium", reason="selenium not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buf = io.BytesIO()
    Image.fromarray(natural_image(120, 200, seed=3)).save(buf, "JPEG", quality=90, exif=exif.tobytes())
    (tmp_path / "phone.jpg").write_bytes(buf.getvalue())
    Image.new("RGB", (200, 120), (255, 0, 0)).save(tmp_path / "map.png")  # a map has the stored size
    (tmp_path / "page.html").write_text(
        f'<!doctype html><link rel="stylesheet" href="{(STATIC / "app.css").as_uri()}">'
        '<div class="viewer-wrap"><div id="viewer"><img id="before" src="phone.jpg">'
        '<img id="layer" src="map.png"></div><div></div></div>', encoding="utf-8")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                 f"--user-data-dir={tmp_path / 'chrome'}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.get((tmp_path / "page.html").as_uri())
        driver.execute_async_script(
            "const done = arguments[0]; const imgs = [...document.images];"
            "Promise.all(imgs.map(i => i.decode())).then(() => done(true), () => done(false));")
        before, layer = driver.execute_script(
            "return ['before', 'layer'].map(id => { const r = document.getElementById(id).getBoundingClientRect();"
            " return [Math.round(r.left), Math.round(r.top), Math.round(r.width), Math.round(r.height)]; });")
    finally:
        driver.quit()
    assert before[2] > before[3]  # landscape, as stored
    assert before == layer  # the map covers the picture exactly


def test_jobs_cut_short_by_a_clean_stop_say_the_server_stopped_not_cancelled(tmp_path):
    """SIGTERM mid-batch: the running and the queued job were recorded as 'cancelled', the word of a
    moderator's own Cancel button, so nobody could tell that the picture had to be sent again."""
    from tests._service_helpers import slow_runner

    pic = jpeg_bytes(natural_image(144, 160, seed=2), 85)
    with TestClient(create_app(settings(tmp_path), runner=slow_runner)) as c:
        running = c.post("/v1/analyses", files={"file": ("slow-1.jpg", pic, "image/jpeg")}).json()["id"]
        queued = c.post("/v1/analyses", files={"file": ("slow-2.jpg", pic, "image/jpeg")}).json()["id"]
        mine = c.post("/v1/analyses", files={"file": ("slow-3.jpg", pic, "image/jpeg")}).json()["id"]
        assert c.delete(f"/v1/analyses/{mine}").json()["status"] == "cancelled"  # a user's cancel
        for _ in range(100):
            if c.get(f"/v1/analyses/{running}").json()["status"] == "running":
                break
            time.sleep(0.1)
    # the server stopped cleanly (lifespan shutdown); a new one starts on the same data folder
    with TestClient(create_app(settings(tmp_path))) as c:
        for job in (running, queued):
            j = c.get(f"/v1/analyses/{job}").json()
            assert j["status"] == "failed" and "the server stopped" in j["error"] and "again" in j["error"], j
        assert c.get(f"/v1/analyses/{mine}").json()["status"] == "cancelled"


@contextlib.contextmanager
def real_server_and_browser(tmp_path):
    """`forgelens serve --no-auth` on a free loopback port (cheap detectors, one worker) and a headless
    Chromium: (base URL, driver)."""
    pytest.importorskip("selenium", reason="selenium not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'chrome'}"):
        opts.add_argument(flag)
    with serve_subprocess(tmp_path / "data", CHEAP, workers=1, start_seconds=60, stop_seconds=30) as url:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        try:
            yield url, driver
        finally:
            driver.quit()


@pytest.mark.skipif(not (CHROMEDRIVER and CHROMIUM), reason="chromium/chromedriver not installed")
def test_the_page_keeps_asking_while_the_server_does_not_answer(tmp_path):
    """A restart mid-batch: every poll that found the server down turned its line into 'lost: Failed
    to fetch' for good, though the restarted server knew how each job ended. Here the page's first
    three polls get no answer (as while the server restarts); it must still show the result."""
    from selenium.webdriver.common.by import By

    (tmp_path / "post.jpg").write_bytes(jpeg_bytes(natural_image(144, 160, seed=4), 85))
    with real_server_and_browser(tmp_path) as (url, driver):
        driver.get(url)
        driver.execute_script(  # the next three polls of a job get no answer, as from a stopped server
            "const real = window.fetch; let down = 3;"
            "window.fetch = (u, o) => String(u).includes('?report=false') && down-- > 0"
            " ? Promise.reject(new TypeError('Failed to fetch')) : real(u, o);")
        driver.find_element(By.ID, "file").send_keys(str(tmp_path / "post.jpg"))
        line = ""
        for _ in range(300):
            line = driver.find_element(By.CSS_SELECTOR, "#queue li").text
            if "done" in line or "lost" in line or "failed" in line:
                break
            time.sleep(0.1)
    assert "done:" in line and "lost" not in line, line


@pytest.mark.skipif(not (CHROMEDRIVER and CHROMIUM), reason="chromium/chromedriver not installed")
def test_a_reloaded_page_lists_the_earlier_analyses_and_opens_their_reports(tmp_path):
    """The page's queue lives in the tab: after a reload (or a restart, or closing the laptop) a
    moderator saw none of the pictures sent before, though the server keeps them all."""
    import httpx
    from selenium.webdriver.common.by import By

    pic = jpeg_bytes(natural_image(144, 160, seed=5), 85)
    with real_server_and_browser(tmp_path) as (url, driver):
        with httpx.Client(base_url=url, timeout=60) as c:
            good = c.post("/v1/analyses", files={"file": ("earlier.jpg", pic, "image/jpeg")}).json()["id"]
            bad = c.post("/v1/analyses", files={"file": ("notes.jpg", b"notes\n" * 40, "image/jpeg")}).json()["id"]
            done = wait(c, good, {})
            assert wait(c, bad, {})["status"] == "failed"
        driver.get(url)
        rows = []
        for _ in range(100):
            rows = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#history li")]
            if len(rows) == 2:
                break
            time.sleep(0.1)
        assert len(rows) == 2, rows
        by_name = {r.split(" ", 1)[0]: r for r in rows}
        assert done["headline"] in by_name["earlier.jpg"]
        assert "notes.jpg: unreadable image" in by_name["notes.jpg"]
        driver.find_element(By.CSS_SELECTOR, "#history li button:not([disabled])").click()
        for _ in range(100):
            if driver.find_element(By.ID, "result").is_displayed() and driver.find_element(By.ID, "result-line").text:
                break
            time.sleep(0.1)
        assert driver.find_element(By.ID, "result-line").text.startswith(done["headline"])


# -- session 19, s19svc2: what the walk left (walk-moderation.md, For the lead 2 and 5)


def test_a_case_is_deleted_by_its_creator_and_the_audit_logs_keep_the_deletion(tmp_path):
    """There was no way to delete a case. Its creator can now (a teammate gets 403); its pictures'
    analyses go back to their owners under the rules of analyses outside cases (retention removes
    them and their kept originals), and the deletion stays in the case's log and the server-wide one."""
    from forgelens.service.jobs import apply_retention

    with TestClient(create_app(settings(tmp_path, auth=True))) as c:
        alice, bob = create_token(c.app.state.db, "alice"), create_token(c.app.state.db, "bob")
        ha, hb = {"Authorization": f"Bearer {alice}"}, {"Authorization": f"Bearer {bob}"}
        case = c.post("/v1/cases", json={"name": "reported posts"}, headers=ha).json()["id"]
        pic = jpeg_bytes(natural_image(144, 160, seed=1), 85)
        kept, gone = (c.post("/v1/analyses", data={"case_id": case, "keep_original": "true"}, headers=ha,
                             files={"file": (name, pic, "image/jpeg")}).json()["id"] for name in ("a.jpg", "b.jpg"))
        assert wait(c, kept, ha)["status"] == "done" and wait(c, gone, ha)["status"] == "done"
        assert c.delete(f"/v1/analyses/{gone}", headers=ha).json()["status"] == "deleted"  # row kept by the case
        r = c.delete(f"/v1/cases/{case}", headers=hb)
        assert r.status_code == 403 and "alice" in r.json()["detail"]
        assert c.get(f"/v1/cases/{case}", headers=hb).status_code == 200
        r = c.delete(f"/v1/cases/{case}", headers=ha)
        assert r.status_code == 200 and r.json()["items_removed"] == 2
        assert c.get(f"/v1/cases/{case}", headers=ha).status_code == 404
        assert case not in [x["id"] for x in c.get("/v1/cases", headers=ha).json()]
        assert c.delete(f"/v1/cases/{case}", headers=ha).status_code == 404
        # the analyses are their owner's again, private, kept original included; the deleted one is gone
        assert c.get(f"/v1/analyses/{kept}/original", headers=ha).content == pic
        assert c.get(f"/v1/analyses/{kept}", headers=hb).status_code == 404
        assert c.get(f"/v1/analyses/{gone}", headers=ha).status_code == 404
        # the case's log keeps every entry and ends with the deletion; the server-wide log names it
        log = c.get(f"/v1/audit?case_id={case}", headers=hb).json()
        assert log["chain_ok"] and [e["action"] for e in log["entries"]][0] == "case created"
        assert log["entries"][-1]["action"] == "case deleted" and log["entries"][-1]["actor"] == "alice"
        server = c.get("/v1/audit", headers=hb).json()
        deletions = [e for e in server["entries"] if e["action"] == "case deleted"]
        assert server["chain_ok"] and [e["actor"] for e in deletions] == ["alice"]
        assert case in deletions[0]["detail"] and log["entries"][-1]["entry_hash"] in deletions[0]["detail"]
        # retention now treats the analysis as one outside cases: it and its original go when old
        original = c.app.state.store.path(hashlib.sha256(pic).hexdigest())
        assert original.exists()
        counts = apply_retention(c.app.state.db, c.app.state.store, 30, now=time.time() + 31 * 86400)
        assert counts == {"originals_deleted": 1, "jobs_deleted": 1}
        assert not original.exists() and c.get(f"/v1/analyses/{kept}", headers=ha).status_code == 404


def test_a_trickled_upload_is_refused_with_408_and_gives_its_queue_slot_back(tmp_path):
    """A client that sends one byte just inside every pause limit (one every 29 s against 30 s) held
    its queue slot for ever: the pause limit alone never fires. Here a fake client sends a byte every
    0.1 s against a 0.5 s pause limit and a 200 bytes/s minimum; it must be refused within a few
    seconds (on main's code it is still sending when the 10 s wait gives up)."""
    app = create_app(settings(tmp_path, upload_idle_seconds=0.5, upload_min_bytes_per_second=200))
    status, body, chunks, seconds = upload_slowly(app, "drip.jpg", pause=0.1)  # well inside the pause limit
    assert status == 408
    assert b"drip.jpg: upload too slow" in body and b"200 bytes/s" in body
    # deadline: 0.5 s + (bytes received) / 200 bytes/s, about 0.5 + (81 + 10 t) / 200 → refused near 1.0 s
    assert chunks < 60, chunks
    assert seconds < 10


def test_the_upload_minimum_rate_is_a_setting_that_must_be_positive():
    from forgelens.errors import ConfigError
    from forgelens.service.settings import describe, load_settings

    assert load_settings(env={"FORGELENS_UPLOAD_MIN_BYTES_PER_SECOND": "4096"}).upload_min_bytes_per_second == 4096.0
    assert Settings().upload_min_bytes_per_second == 1024.0
    assert "FORGELENS_UPLOAD_MIN_BYTES_PER_SECOND" in describe()
    with pytest.raises(ConfigError, match="upload_min_bytes_per_second"):
        Settings(upload_min_bytes_per_second=0).check()


def test_an_exported_case_says_what_produced_it_and_its_reports(tmp_path):
    """The case zip's manifest named only forgelens' version: not the source commit nor the model
    files whose numbers the reports give. It now carries tool_identity() of the exporter and, per
    picture, the ``tool`` its report.json recorded (None for an item without a report)."""
    import json
    import zipfile

    from forgelens.pipeline import tool_identity

    with TestClient(create_app(settings(tmp_path))) as c:
        case = c.post("/v1/cases", json={"name": "c"}).json()["id"]
        done = c.post("/v1/analyses", data={"case_id": case},
                      files={"file": ("a.jpg", jpeg_bytes(natural_image(144, 160, seed=2), 85), "image/jpeg")}).json()["id"]
        bad = c.post("/v1/analyses", data={"case_id": case},
                     files={"file": ("notes.jpg", b"meeting notes\n" * 20, "image/jpeg")}).json()["id"]
        assert wait(c, done, {})["status"] == "done" and wait(c, bad, {})["status"] == "failed"
        report_tool = c.get(f"/v1/analyses/{done}/report.json").json()["tool"]
        z = zipfile.ZipFile(io.BytesIO(c.get(f"/v1/cases/{case}/export").content))
    manifest = json.loads(z.read("manifest.json"))
    here = tool_identity()
    assert manifest["tool"]["version"] == here["version"] and manifest["tool"]["commit"] == here["commit"]
    assert manifest["tool"]["model_files"] == here["model_files"] and manifest["tool"]["model_files"]
    by_name = {o["filename"]: o for o in manifest["originals"]}
    assert by_name["a.jpg"]["report_tool"] == report_tool and report_tool["model_files"]
    assert by_name["notes.jpg"]["report_tool"] is None


def test_an_admin_token_deletes_a_teammates_case_and_the_logs_say_who(tmp_path):
    """A team's lead moderator could not remove another moderator's case: there was no role above
    "token". An admin token (``token create --admin``) can; a plain one still gets 403."""
    from typer.testing import CliRunner

    from forgelens.cli import app as cli

    data = str(tmp_path / "data")
    runner = CliRunner()
    r = runner.invoke(cli, ["serve", "--data-dir", data, "token", "create", "--name", "lead", "--admin"])
    assert r.exit_code == 0, r.output
    lead = r.stdout.strip().splitlines()[0]
    assert "lead\t" in (listing := runner.invoke(cli, ["serve", "--data-dir", data, "token", "list"]).stdout)
    assert listing.strip().endswith("admin")
    with TestClient(create_app(settings(tmp_path, auth=True))) as c:
        alice, bob = create_token(c.app.state.db, "alice"), create_token(c.app.state.db, "bob")
        ha, hb, hl = ({"Authorization": f"Bearer {t}"} for t in (alice, bob, lead))
        case = c.post("/v1/cases", json={"name": "alice's"}, headers=ha).json()["id"]
        assert c.delete(f"/v1/cases/{case}", headers=hb).status_code == 403
        r = c.delete(f"/v1/cases/{case}", headers=hl)
        assert r.status_code == 200 and c.get(f"/v1/cases/{case}", headers=ha).status_code == 404
        entry = c.get("/v1/audit", headers=ha).json()["entries"][-1]
        assert entry["actor"] == "lead" and "created by alice" in entry["detail"]


@pytest.mark.skipif(not (CHROMEDRIVER and CHROMIUM), reason="chromium/chromedriver not installed")
def test_the_case_view_deletes_its_case_after_asking(tmp_path):
    """The page's case view has a Delete case button: it asks first, then the case is gone from the
    server and from the page's list of cases."""
    import httpx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    with real_server_and_browser(tmp_path) as (url, driver):
        with httpx.Client(base_url=url, timeout=60) as c:
            case = c.post("/v1/cases", json={"name": "to go"}).json()["id"]
        driver.get(url)
        for _ in range(100):
            if case in [o.get_attribute("value") for o in Select(driver.find_element(By.ID, "case-select")).options]:
                break
            time.sleep(0.1)
        Select(driver.find_element(By.ID, "case-select")).select_by_value(case)
        driver.find_element(By.ID, "case-open").click()
        for _ in range(100):
            if driver.find_element(By.ID, "case").is_displayed():
                break
            time.sleep(0.1)
        driver.execute_script("window.confirm = () => false;")  # the moderator says no: nothing happens
        driver.find_element(By.ID, "case-delete").click()
        time.sleep(0.5)
        with httpx.Client(base_url=url, timeout=60) as c:
            assert c.get(f"/v1/cases/{case}").status_code == 200
        driver.execute_script("window.confirm = () => true;")
        driver.find_element(By.ID, "case-delete").click()
        for _ in range(100):
            if not driver.find_element(By.ID, "case").is_displayed():
                break
            time.sleep(0.1)
        assert "deleted" in driver.find_element(By.ID, "status").text
        options = [o.get_attribute("value") for o in Select(driver.find_element(By.ID, "case-select")).options]
        with httpx.Client(base_url=url, timeout=60) as c:
            assert c.get(f"/v1/cases/{case}").status_code == 404
    assert case not in options


def test_creating_and_revoking_a_token_is_in_the_server_wide_audit_log(tmp_path):
    """Who may read and delete what changes with the tokens, but creating or revoking one (the server's
    command line) left no trace in any log; the server-wide log now records both, in its hash chain."""
    from forgelens.service.auth import revoke_token

    with TestClient(create_app(settings(tmp_path, auth=True))) as c:
        alice = create_token(c.app.state.db, "alice")
        create_token(c.app.state.db, "lead", admin=True)
        assert revoke_token(c.app.state.db, "lead") and revoke_token(c.app.state.db, "lead")  # twice: one entry
        server = c.get("/v1/audit", headers={"Authorization": f"Bearer {alice}"}).json()
    assert server["chain_ok"]
    assert [(e["action"], e["detail"]) for e in server["entries"]] == [
        ("token created", "token 'alice'"), ("token created", "token 'lead' (admin: may delete any case)"),
        ("token revoked", "token 'lead'")]
    assert {e["actor"] for e in server["entries"]} == {"server command line"}



def test_deleting_an_unknown_or_already_deleted_case_is_one_clear_404(tmp_path):
    """A case id that does not exist (a typo, or a case deleted a moment ago by a teammate) gets 404
    naming it, and the server-wide log records only the deletion that happened."""
    with TestClient(create_app(settings(tmp_path, auth=True))) as c:
        ha = {"Authorization": f"Bearer {create_token(c.app.state.db, 'alice')}"}
        case = c.post("/v1/cases", json={"name": "reported posts"}, headers=ha).json()["id"]
        assert c.delete(f"/v1/cases/{case}", headers=ha).status_code == 200
        for target in (case, "no-such-case"):
            r = c.delete(f"/v1/cases/{target}", headers=ha)
            assert r.status_code == 404 and target in r.json()["detail"]
        server = c.get("/v1/audit", headers=ha).json()
    assert server["chain_ok"] and [e["action"] for e in server["entries"]].count("case deleted") == 1
