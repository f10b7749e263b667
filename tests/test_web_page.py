"""The web page in a real headless Chromium: upload a picture, see the verdict and the map.

Needs Debian's chromium + chromium-driver and the selenium package (.ci/run installs them);
skips, saying why, where they are absent.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import REPO

selenium = pytest.importorskip("selenium", reason="selenium not installed")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(not (CHROMEDRIVER and CHROMIUM), reason="chromium/chromedriver not installed")


@pytest.fixture(scope="module")
def server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "forgelens", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/api/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("server did not start")
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path_factory.mktemp('chrome')}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    yield driver
    driver.quit()


def test_upload_shows_verdict_map_and_traces(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/")
    browser.find_element(By.ID, "file").send_keys(str(REPO / "examples" / "splice.jpg"))
    WebDriverWait(browser, 60).until(ec.visibility_of_element_located((By.ID, "result")))
    verdict = browser.find_element(By.ID, "verdict").text
    assert verdict.startswith("Verdict: ") and "Probabilities: authentic" in verdict
    assert browser.find_element(By.ID, "overlay").get_attribute("src").startswith("data:image/png;base64,")
    rows = browser.find_elements(By.CSS_SELECTOR, "#traces tr")
    assert len(rows) >= 1
    assert "splice.jpg" in browser.find_element(By.ID, "status").text


def test_bad_upload_shows_the_reason(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    bad = tmp_path / "notes.jpg"
    bad.write_text("this is not a picture")
    browser.get(server + "/")
    browser.find_element(By.ID, "file").send_keys(str(bad))
    WebDriverWait(browser, 30).until(lambda d: "unreadable" in d.find_element(By.ID, "status").text)
    assert "notes.jpg" in browser.find_element(By.ID, "status").text
    assert not browser.find_element(By.ID, "result").is_displayed()
