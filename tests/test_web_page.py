"""The web page in a real headless Chromium: create a case, upload two pictures, wait for both,
move the opacity and before/after sliders, switch maps, download the report, export the case.

Needs Debian's chromium + chromium-driver and the selenium package (.ci/run installs them);
skips, saying why, where they are absent. The server runs with --no-auth on loopback and two
cheap detectors, so the whole test takes seconds.
"""

from __future__ import annotations

import json
import shutil
import time
import zipfile

import pytest

from tests._service_helpers import serve_subprocess
from tests.conftest import jpeg_bytes, natural_image

selenium = pytest.importorskip("selenium", reason="selenium not installed")
pytest.importorskip("sqlalchemy", reason="the service extra is not installed")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(not (CHROMEDRIVER and CHROMIUM), reason="chromium/chromedriver not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serve_subprocess(tmp_path_factory.mktemp("data"), "ela,metadata", workers=2, start_seconds=30,
                          stop_seconds=15) as url:
        yield url


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(tmp_path_factory, downloads):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path_factory.mktemp('chrome')}"):
        opts.add_argument(flag)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield driver
    driver.quit()


def _wait_file(folder, pattern, timeout=30):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        found = [p for p in folder.glob(pattern) if not p.name.endswith(".crdownload")]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no {pattern} downloaded into {folder}: {list(folder.iterdir())}")


def test_two_pictures_report_sliders_download_and_case_export(server, browser, downloads, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from forgelens.service.export import verify_zip

    pics = []
    for i in range(2):
        p = tmp_path / f"pic{i}.jpg"
        p.write_bytes(jpeg_bytes(natural_image(144, 192, seed=i), 85))  # ≥ 128 px: judged, with maps
        pics.append(p)
    browser.get(server + "/")
    assert "forgelens" in browser.title
    browser.find_element(By.ID, "case-name").send_keys("Browser case")
    browser.find_element(By.ID, "case-create").click()
    WebDriverWait(browser, 20).until(lambda d: "Browser case" in d.find_element(By.ID, "case-view-h").text)
    browser.find_element(By.ID, "file").send_keys("\n".join(str(p) for p in pics))
    WebDriverWait(browser, 120).until(
        lambda d: len([li for li in d.find_elements(By.CSS_SELECTOR, "#queue li") if "done:" in li.text]) == 2)
    # the first report is shown: the whole report.html in the frame, the overlay, its controls
    WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "result").is_displayed())
    WebDriverWait(browser, 20).until(lambda d: "Verdict" in (d.find_element(By.ID, "report").get_attribute("srcdoc") or "")
                                     or len(d.find_element(By.ID, "report").get_attribute("srcdoc") or "") > 1000)
    layer = browser.find_element(By.ID, "layer")
    WebDriverWait(browser, 20).until(lambda d: layer.get_attribute("src").startswith("blob:"))
    opacity = browser.find_element(By.ID, "opacity")
    before = layer.value_of_css_property("opacity")
    opacity.send_keys(Keys.HOME)
    assert layer.value_of_css_property("opacity") == "0" and before != "0"
    browser.find_element(By.ID, "split").send_keys(Keys.END)
    assert "100%" in layer.value_of_css_property("clip-path")
    maps = browser.find_elements(By.CSS_SELECTOR, "#maps input[type=radio]")
    assert len(maps) >= 4 and browser.find_element(By.CSS_SELECTOR, "label[for=opacity]").text
    maps[-1].click()
    # downloads: the JSON report, then the case's zip
    browser.find_element(By.CSS_SELECTOR, "#downloads button[data-file='report.json']").click()
    report = json.loads(_wait_file(downloads, "*report.json").read_text())
    assert report["input"]["source"] in ("pic0.jpg", "pic1.jpg")
    WebDriverWait(browser, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#case-items tr")) == 2)
    browser.find_element(By.ID, "case-export").click()
    zpath = _wait_file(downloads, "case-*.zip")
    assert verify_zip(zpath) == []
    names = zipfile.ZipFile(zpath).namelist()
    assert sum(n.endswith("report.html") for n in names) == 2 and "audit.jsonl" in names


def test_bad_upload_shows_the_reason(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    bad = tmp_path / "notes.jpg"
    bad.write_text("this is not a picture")
    browser.get(server + "/")
    browser.find_element(By.ID, "file").send_keys(str(bad))
    WebDriverWait(browser, 60).until(lambda d: "failed" in d.find_element(By.ID, "queue").text)
    assert "notes.jpg" in browser.find_element(By.ID, "queue").text
