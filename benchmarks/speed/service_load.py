"""Load on `forgelens serve` over loopback: concurrent uploads, the queue, health under load, memory.

Starts a server (--no-auth, loopback, a temporary data folder), then at once N_SMALL clients
upload a ~1 MP JPEG and N_LARGE a ~12 MP JPEG (synthetic photo-like pictures made here). A client
refused with 429 waits Retry-After and tries again, as the web page does. Meanwhile a separate process
asks /api/health every 0.25 s and a thread sums the resident memory of the server and its
worker processes every 0.2 s. Everything stops at --deadline seconds.

Prints: accepted at first try / refused at first try (429) / too large (413) / failed,
p50 and p95 seconds from first try to result, health latency (p50, p95, max), peak RSS.

    python benchmarks/speed/service_load.py                        # 50 × 1 MP + 10 × 12 MP, default detectors
    python benchmarks/speed/service_load.py --small 10 --large 0 --detectors ela,metadata
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/_local_server.py
from _local_server import start_server  # noqa: E402


def photo_jpeg(h: int, w: int, seed: int) -> bytes:
    """A photo-like picture (gradients, texture, noise), JPEG quality 90."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 60 + 80 * (xx / w) + 40 * np.sin(yy / 37.0)
    small = rng.normal(0, 1, (h // 8 + 1, w // 8 + 1)).astype(np.float32)
    tex = np.kron(small, np.ones((8, 8), np.float32))[:h, :w] * 25
    img = np.stack([base + tex, base * 0.9 + tex + 10, base * 0.7 + tex * 0.8 + 25], axis=2)
    img += rng.normal(0, 2, img.shape).astype(np.float32)
    buf = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


HEALTH_PROBE = """
import sys, time, urllib.request
while True:
    t = time.monotonic()
    try:
        urllib.request.urlopen(sys.argv[1], timeout=10).read()
        print(time.monotonic() - t, flush=True)
    except OSError:
        print("fail", flush=True)
    time.sleep(0.25)
"""


def descendants(pid: int) -> list[int]:
    """Process ids below ``pid`` (its worker processes and fork server), from /proc."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], list(children.get(pid, []))
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (from /proc)."""
    total = 0
    for p in [pid, *descendants(pid)]:
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):
            pass
    return total


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q)) if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=int, default=50, help="clients uploading a ~1 MP JPEG")
    ap.add_argument("--large", type=int, default=10, help="clients uploading a ~12 MP JPEG")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--queue-size", type=int, default=16)
    ap.add_argument("--detectors", default="default")
    ap.add_argument("--job-seconds", type=float, default=300.0)
    ap.add_argument("--job-memory-gb", type=float, default=3.0)
    ap.add_argument("--deadline", type=float, default=900.0, help="seconds before the run stops")
    args = ap.parse_args()
    import httpx

    small, large = photo_jpeg(864, 1152, 1), photo_jpeg(3000, 4000, 2)  # 1.0 MP, 12.0 MP
    server, url, data = start_server(
        ["--workers", str(args.workers), "--queue-size", str(args.queue_size), "--job-seconds", str(args.job_seconds),
         "--job-memory-bytes", str(int(args.job_memory_gb * 2**30))],
        {"FORGELENS_DETECTORS": args.detectors}, prefix="forgelens-load-")
    idle_rss = tree_rss(server.pid)
    stop = threading.Event()
    t_end = time.monotonic() + args.deadline
    health: list[float] = []
    health_failures = [0]
    peak = [idle_rss]

    # Health is probed from its own process, so the latencies are the server's and not those of
    # this process's 60 client threads competing for one GIL.
    prober = subprocess.Popen([sys.executable, "-c", HEALTH_PROBE, url + "/api/health"],
                              stdout=subprocess.PIPE, text=True)

    def watch_memory() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], tree_rss(server.pid))
            stop.wait(0.2)

    results: list[dict] = []
    lock = threading.Lock()

    def client(name: str, payload: bytes, kind: str) -> None:
        out = {"kind": kind, "first": None, "retries": 0, "status": "unfinished", "seconds": None}
        t0 = time.monotonic()
        with httpx.Client(timeout=120) as c:
            while time.monotonic() < t_end:
                r = c.post(url + "/v1/analyses", files={"file": (name, payload, "image/jpeg")})
                out["first"] = out["first"] or r.status_code
                if r.status_code == 429:
                    out["retries"] += 1
                    time.sleep(min(float(r.headers.get("retry-after", "5")), 30.0))
                    continue
                if r.status_code != 202:
                    out["status"] = f"http {r.status_code}"
                    break
                job = r.json()["id"]
                while time.monotonic() < t_end:
                    j = c.get(f"{url}/v1/analyses/{job}?report=false").json()
                    if j["status"] not in ("queued", "running"):
                        out["status"], out["seconds"] = j["status"], time.monotonic() - t0
                        if j["error"]:
                            out["error"] = j["error"]
                        break
                    time.sleep(0.5)
                break
        with lock:
            results.append(out)

    watchers = [threading.Thread(target=watch_memory, daemon=True)]
    for t in watchers:
        t.start()
    clients = [threading.Thread(target=client, args=(f"small-{i}.jpg", small, "1 MP")) for i in range(args.small)]
    clients += [threading.Thread(target=client, args=(f"large-{i}.jpg", large, "12 MP")) for i in range(args.large)]
    t_start = time.monotonic()
    for t in clients:
        t.start()
    for t in clients:
        t.join(max(0.0, t_end - time.monotonic()) + 130)
    wall = time.monotonic() - t_start
    stop.set()
    prober.terminate()
    for line in prober.communicate(timeout=30)[0].split():
        if line == "fail":
            health_failures[0] += 1
        else:
            health.append(float(line))
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
    import shutil

    shutil.rmtree(data, ignore_errors=True)

    print(f"service load: {args.small} × 1 MP ({len(small) / 1e6:.2f} MB) + {args.large} × 12 MP "
          f"({len(large) / 1e6:.2f} MB) uploads at once; workers {args.workers}, queue {args.queue_size}, "
          f"detectors {args.detectors}; wall {wall:.0f} s (deadline {args.deadline:.0f} s)")
    for kind in ("1 MP", "12 MP"):
        rs = [r for r in results if r["kind"] == kind]
        if not rs:
            continue
        done = [r["seconds"] for r in rs if r["status"] == "done"]
        print(f"  {kind}: {len(rs)} clients; first try: accepted {sum(r['first'] == 202 for r in rs)}, "
              f"refused 429 {sum(r['first'] == 429 for r in rs)}, other {sum(r['first'] not in (202, 429) for r in rs)}; "
              f"outcome: done {len(done)}, failed {sum(r['status'] == 'failed' for r in rs)}, "
              f"unfinished {sum(r['status'] == 'unfinished' for r in rs)}; retries {sum(r['retries'] for r in rs)}; "
              f"time to result p50 {pct(done, 50):.1f} s, p95 {pct(done, 95):.1f} s")
        errors = {r.get("error") for r in rs if r.get("error")}
        for e in sorted(errors)[:3]:
            print(f"    error: {e}")
    print(f"  health: {len(health)} checks, p50 {pct(health, 50) * 1000:.0f} ms, p95 {pct(health, 95) * 1000:.0f} ms, "
          f"max {max(health, default=float('nan')) * 1000:.0f} ms, over 1 s {sum(h > 1 for h in health)}, "
          f"failures {health_failures[0]}; machine load average at the end {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"  server + workers RSS: idle {idle_rss / 2**30:.2f} GiB, peak {peak[0] / 2**30:.2f} GiB "
          f"(bound: workers × job memory limit + server = {args.workers} × {args.job_memory_gb:g} GiB + server)")
    if statistics.mean(health or [0]) > 1:
        print("  WARNING: health checks averaged over 1 s")


if __name__ == "__main__":
    main()
