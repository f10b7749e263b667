"""Worker bodies and app factories for the service tests (module-level, so worker processes import them)."""

from __future__ import annotations

import time
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
