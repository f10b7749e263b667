"""HTTP API: analyse an upload, list detectors, and refuse bad uploads clearly."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

from forgelens.service.app import create_app  # noqa: E402
from tests.conftest import REPO  # noqa: E402

EXAMPLE = REPO / "examples" / "splice.jpg"


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(max_upload_bytes=2_000_000))


def test_page_and_health(client):
    r = client.get("/")
    assert r.status_code == 200 and "<title>forgelens</title>" in r.text
    assert client.get("/api/health").json()["status"] == "ok"
    assert isinstance(client.get("/api/detectors").json(), list)
    assert "/api/analyze" in client.get("/openapi.json").json()["paths"]


def test_analyze_upload_returns_report(client):
    r = client.post("/api/analyze", files={"file": ("splice.jpg", EXAMPLE.read_bytes(), "image/jpeg")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["report"]["input"]["sha256"]
    assert body["report"]["input"]["source"] == "splice.jpg"
    assert body["report"]["verdict"]["label"] in ("authentic", "manipulated", "generated", "inconclusive")


def test_bad_uploads_are_refused_with_the_reason(client):
    r = client.post("/api/analyze", files={"file": ("notes.jpg", b"plain text, not a picture", "image/jpeg")})
    assert r.status_code == 422 and "notes.jpg" in r.json()["detail"] and "text" in r.json()["detail"]
    r = client.post("/api/analyze", files={"file": ("big.jpg", b"\xff" * 2_000_001, "image/jpeg")})
    assert r.status_code == 413
    r = client.post("/api/analyze?detectors=nope", files={"file": ("splice.jpg", EXAMPLE.read_bytes(), "image/jpeg")})
    assert r.status_code == 400 and "nope" in r.json()["detail"]
