"""Start `forgelens serve --no-auth` on a free loopback port for a benchmark and wait until it
answers /api/health (shared by service_load.py and service_fuzz.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def start_server(serve_args: list[str], env: dict[str, str], prefix: str,
                 wait_s: float = 60.0) -> tuple[subprocess.Popen, str, str]:
    """(server process, base URL, its temporary data folder). The server's stderr goes to a file
    in that folder (a pipe nobody reads would fill and stall the server); its tail is printed if
    the server does not answer within ``wait_s``."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tempfile.mkdtemp(prefix=prefix)
    env = {**os.environ, "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""), **env}
    log = open(Path(data) / "server.log", "wb")  # noqa: SIM115 (kept open for the server's lifetime)
    server = subprocess.Popen([sys.executable, "-m", "forgelens", "serve", "--no-auth", "--port", str(port),
                               "--data-dir", data, *serve_args],
                              stdout=subprocess.DEVNULL, stderr=log, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/api/health", timeout=1)
            return server, url, data
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("server did not start: " + (Path(data) / "server.log").read_text(errors="replace")[-2000:])
