"""Requests per second of the service's job views over a case of N finished jobs (default 50).

Why: before migration 0002 the service read and parsed every finished job's stored report.json on
each ``GET /v1/analyses/{id}`` and, per item, on each ``GET /v1/cases/{id}``, only to show its
headline; now the headline is a column. This script measures those views on a real server
(`forgelens serve --no-auth`, loopback, one keep-alive HTTP client) so two checkouts can be compared
on the same data:

    python benchmarks/speed/service_headline.py --src OLD/src --data-dir /tmp/hb-old   # fills: N analyses
    cp -a /tmp/hb-old /tmp/hb-new                       # the same jobs; the new server migrates them
    python benchmarks/speed/service_headline.py --src src --data-dir /tmp/hb-new

A data folder without ``bench_case.json`` is filled first: one case and N synthetic photo-like
JPEGs (``--size``, default 512×384) analysed with ``--detectors`` (default: the service default),
one worker. Prints per endpoint: requests, requests/s with one client and with ``--clients``
concurrent clients, p50 and p95 latency; plus the server's start time (migrations included) and
the mean report.json size. Timings, not tests: run it on a quiet machine, twice, and compare runs
of one session only.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from service_load import photo_jpeg  # noqa: E402  (the same photo-like JPEG as the load benchmark)


def start(src: Path, data: Path, detectors: str) -> tuple[subprocess.Popen, str, float]:
    """(server, base URL, seconds until /api/health answered: imports and migrations included)."""
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(src), "FORGELENS_WORKERS": "1", "FORGELENS_DETECTORS": detectors}
    log = open(data / "server.log", "ab")  # noqa: SIM115 (kept open for the server's lifetime)
    t0 = time.monotonic()
    server = subprocess.Popen([sys.executable, "-m", "forgelens", "serve", "--no-auth", "--port", str(port),
                               "--data-dir", str(data)], stdout=subprocess.DEVNULL, stderr=log, env=env)
    url = f"http://127.0.0.1:{port}"
    while time.monotonic() - t0 < 120:
        try:
            httpx.get(url + "/api/health", timeout=1)
            return server, url, time.monotonic() - t0
        except httpx.HTTPError:
            if server.poll() is not None:
                break
            time.sleep(0.05)
    server.kill()
    sys.exit("server did not start: " + (data / "server.log").read_text(errors="replace")[-2000:])


def fill(client, data: Path, n: int, size: tuple[int, int]) -> dict:
    case = client.post("/v1/cases", json={"name": f"{n} finished jobs"}).json()["id"]
    ids = []
    for i in range(n):
        r = client.post("/v1/analyses", params={"case_id": case},
                        files={"file": (f"p{i:03d}.jpg", photo_jpeg(size[1], size[0], seed=i), "image/jpeg")})
        if r.status_code == 429:
            time.sleep(float(r.headers.get("retry-after", 1)))
            r = client.post("/v1/analyses", params={"case_id": case},
                            files={"file": (f"p{i:03d}.jpg", photo_jpeg(size[1], size[0], seed=i), "image/jpeg")})
        r.raise_for_status()
        ids.append(r.json()["id"])
        while len([j for j in client.get("/v1/analyses", params={"limit": 1000}).json()
                   if j["status"] in ("queued", "running")]) >= 8:  # keep the queue short
            time.sleep(0.5)
    t0 = time.monotonic()
    while any(client.get(f"/v1/analyses/{j}", params={"report": "false"}).json()["status"] in ("queued", "running")
              for j in ids):
        if time.monotonic() - t0 > 1800:
            sys.exit("jobs did not finish in 30 min")
        time.sleep(1)
    meta = {"case_id": case, "job_ids": ids}
    (data / "bench_case.json").write_text(json.dumps(meta))
    return meta


def measure(url: str, paths: list[str], seconds: float, clients: int) -> dict:
    """Ask ``paths`` in turn for ``seconds`` from each of ``clients`` keep-alive clients."""
    import httpx

    def one_client(k: int) -> list[float]:
        lat = []
        with httpx.Client(base_url=url, timeout=60) as c:
            c.get(paths[0]).raise_for_status()  # warm: connection, caches
            t_end = time.monotonic() + seconds
            i = k
            while time.monotonic() < t_end:
                t = time.perf_counter()
                c.get(paths[i % len(paths)]).raise_for_status()
                lat.append(time.perf_counter() - t)
                i += 1
        return lat

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(clients) as ex:
        lats = [x for part in ex.map(one_client, range(clients)) for x in part]
    wall = time.monotonic() - t0
    lats.sort()
    return {"requests": len(lats), "rps": len(lats) / wall, "p50_ms": 1000 * statistics.median(lats),
            "p95_ms": 1000 * lats[int(0.95 * (len(lats) - 1))]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", type=Path, default=HERE / "src", help="the checkout's src folder to serve")
    ap.add_argument("--data-dir", type=Path, required=True, help="filled on first use, then reused")
    ap.add_argument("--jobs", type=int, default=50)
    ap.add_argument("--size", type=int, nargs=2, default=(512, 384), metavar=("W", "H"))
    ap.add_argument("--detectors", default="default")
    ap.add_argument("--seconds", type=float, default=5.0, help="per endpoint and client count")
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    import httpx

    args.data_dir.mkdir(parents=True, exist_ok=True)
    server, url, started = start(args.src.resolve(), args.data_dir, args.detectors)
    try:
        with httpx.Client(base_url=url, timeout=120) as client:
            meta_file = args.data_dir / "bench_case.json"
            filled = not meta_file.exists()
            t0 = time.monotonic()
            meta = fill(client, args.data_dir, args.jobs, tuple(args.size)) if filled else json.loads(meta_file.read_text())
            case, ids = meta["case_id"], meta["job_ids"]
            view = client.get(f"/v1/cases/{case}").json()
            done = [it for it in view["items"] if it["status"] == "done"]
            sizes = [len(client.get(f"/v1/analyses/{j}/report.json").content) for j in ids[:10]]
            print(f"server {args.src}: forgelens {client.get('/api/health').json()['version']}, "
                  f"up in {started:.2f} s (migrations included)"
                  + (f"; filled {len(ids)} jobs in {time.monotonic() - t0:.0f} s" if filled else ""))
            print(f"case {case[:8]}: {len(view['items'])} items, {len(done)} done, "
                  f"{sum(1 for it in done if it.get('headline'))} with a headline; "
                  f"report.json mean {statistics.mean(sizes) / 1024:.1f} kB (first 10)")
        endpoints = {
            "GET /v1/cases/{id}": [f"/v1/cases/{case}"],
            "GET /v1/analyses?limit=100": ["/v1/analyses?limit=100"],
            "GET /v1/analyses/{id}?report=false": [f"/v1/analyses/{j}?report=false" for j in ids],
            "GET /v1/analyses/{id} (with report)": [f"/v1/analyses/{j}" for j in ids],
        }
        print(f"{'endpoint':38s} {'clients':>7s} {'requests':>8s} {'req/s':>8s} {'p50 ms':>8s} {'p95 ms':>8s}")
        for name, paths in endpoints.items():
            for k in sorted({1, args.clients}):
                m = measure(url, paths, args.seconds, k)
                print(f"{name:38s} {k:7d} {m['requests']:8d} {m['rps']:8.1f} {m['p50_ms']:8.2f} {m['p95_ms']:8.2f}")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
