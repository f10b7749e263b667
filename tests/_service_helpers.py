"""Worker bodies and app factories for the service tests (module-level, so worker processes import them)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from forgelens.service.worker import run_analysis


def slow_runner(filename: str, data: bytes, detectors: list[str], workdir: str) -> dict:
    """Sleeps (a job that is still running when the test cancels it), then analyses."""
    time.sleep(30 if filename.startswith("slow") else 0)
    return run_analysis(filename, data, detectors, workdir)


def hostile_runner(filename: str, data: bytes, detectors: list[str], workdir: str) -> dict:
    """'hang*' spins past the time limit holding the GIL, 'hog*' allocates past the memory limit;
    any other file is analysed as usual."""
    if filename.startswith("hang"):
        while True:
            sum(range(10_000))
    if filename.startswith("hog"):
        blocks = []
        while True:
            blocks.append(b"\x01" * (64 * 2**20))  # written, so resident
    return run_analysis(filename, data, detectors, workdir)


def files_under(folder: Path) -> list[Path]:
    return [p for p in Path(folder).rglob("*") if p.is_file()]


def wait(c, job_id, auth: str | dict | None = None, timeout: float = 60.0) -> dict:
    """Poll a job until it is neither queued nor running; ``auth`` is a token or the request headers."""
    headers = auth if isinstance(auth, dict) else ({"Authorization": f"Bearer {auth}"} if auth else {})
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        j = c.get(f"/v1/analyses/{job_id}", headers=headers).json()
        if j["status"] not in ("queued", "running"):
            return j
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {j}")


@contextlib.contextmanager
def serve_subprocess(data_dir: Path, detectors: str, workers: int, start_seconds: float,
                     stop_seconds: float) -> Iterator[str]:
    """A real ``forgelens serve --no-auth`` on a free loopback port, from this checkout's ``src``:
    its base URL once /api/health answers (the test fails if it has not within ``start_seconds``);
    terminated on exit."""
    import pytest

    from tests.conftest import REPO

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "FORGELENS_DETECTORS": detectors, "FORGELENS_WORKERS": str(workers),
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "forgelens", "serve", "--no-auth", "--host", "127.0.0.1",
                             "--port", str(port), "--data-dir", str(data_dir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(round(start_seconds / 0.1)):
            try:
                urllib.request.urlopen(url + "/api/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(stop_seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

