"""A moderation team's day on `forgelens serve`: many moderators upload at once, the server may be
restarted mid-batch, and every upload must end in a result or one clear error.

Starts `forgelens serve` on loopback WITH authentication (one API token per moderator, made with
`forgelens serve token create`), in a temporary data folder. Each moderator is a thread with its
own token that uploads its share of a mixed batch: real pictures from ``../shared/datasets``
(CASIA, NIST16, Kodak/Flickr, Dresden camera shots, SD and playground generated images; never the
reserved sets), the same bytes again (duplicates), a few bad files (empty, truncated, text named
.jpg, random bytes) and large pictures (a real camera shot upscaled to ≥ 20 MP, said so here). A
refused upload (429) is retried after Retry-After, as the web page does; the job is then polled
with ``GET /v1/analyses/{id}?report=false`` once a second. A separate process times that same
status GET (a moderator's poll) and ``/api/health`` every 0.25 s, and a thread sums the resident
memory of the server and its workers.

``--restart term`` or ``--restart kill`` sends SIGTERM or SIGKILL to the server ``--restart-at``
seconds into the run and starts it again on the same data folder; the clients keep polling
(connection errors are retried) and the outcome of every job is what the restarted server says.

Prints: uploads by outcome (done / failed with the reason / refused / unfinished), jobs per
minute, status-GET and health latency (p50, p95, max), peak RSS.

    python benchmarks/studies/service_walk.py --moderators 10 --uploads 150
    python benchmarks/studies/service_walk.py --moderators 4 --uploads 30 --restart kill --restart-at 40
"""

from __future__ import annotations

import argparse
import collections
import io
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "speed"))  # service_load.py: its /proc helpers
from service_load import descendants, pct, tree_rss  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT.parent / "shared" / "datasets"
#: Folders read, each a glob under DATASETS (cameras/exif-samples is reserved for evaluation: not read).
SOURCES = ("casia1-samples/**/*.jpg", "casia1-samples/**/*.png", "casia2-samples/tampered/*", "nist16/images/*.jpg",
           "pristine-extra/**/*.jpg", "pristine-extra/**/*.png", "cameras/prnu/nat-*", "aigen-sd12/generated/*.png",
           "aigen-playground/**/*.png", "aigen-playground/**/*.jpg")

PROBE = """
import sys, time, json, urllib.request
url, health, token = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
while True:
    for kind, r in (("status", req), ("health", health)):
        t = time.monotonic()
        try:
            urllib.request.urlopen(r, timeout=10).read()
            print(kind, time.monotonic() - t, flush=True)
        except OSError:
            print(kind, "fail", flush=True)
    time.sleep(0.25)
"""


def real_pictures(n: int, seed: int) -> list[tuple[str, bytes]]:
    paths = sorted({p for g in SOURCES for p in DATASETS.glob(g) if p.is_file()})
    if not paths:
        sys.exit(f"no pictures under {DATASETS}")
    random.Random(seed).shuffle(paths)
    return [(p.name, p.read_bytes()) for p in paths[:n]]


def large_picture(min_mp: float) -> tuple[str, bytes]:
    """A real camera shot upscaled (Lanczos) to at least ``min_mp`` megapixels, JPEG q92."""
    src = sorted(DATASETS.glob("cameras/prnu/nat-*"))[0]
    im = Image.open(src).convert("RGB")
    f = (min_mp * 1e6 / (im.width * im.height)) ** 0.5
    im = im.resize((int(im.width * f) + 1, int(im.height * f) + 1), Image.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=92)
    return f"large-{im.width}x{im.height}.jpg", buf.getvalue()


def bad_files(good: bytes) -> list[tuple[str, bytes]]:
    return [("empty.jpg", b""), ("truncated.jpg", good[: len(good) // 3]), ("notes.jpg", b"meeting notes\n" * 50),
            ("noise.png", np.random.default_rng(0).bytes(4096))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`forgelens serve` as a moderator's admin runs it (auth on), restartable on one data folder."""

    def __init__(self, data: Path, args: list[str], env: dict[str, str]):
        self.data, self.args, self.port = data, args, free_port()
        self.env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
                    **env}
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def cli(self, *args: str) -> str:
        return subprocess.run([sys.executable, "-m", "forgelens", "serve", "--data-dir", str(self.data), *args],
                              env=self.env, capture_output=True, text=True, check=True).stdout.strip()

    def start(self, wait_s: float = 90.0) -> None:
        import urllib.request

        log = open(self.data / "server.log", "ab")  # noqa: SIM115 (the server's lifetime)
        self.proc = subprocess.Popen([sys.executable, "-m", "forgelens", "serve", "--data-dir", str(self.data),
                                      "--port", str(self.port), *self.args],
                                     stdout=log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/api/health", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        sys.exit("server did not start: " + (self.data / "server.log").read_text(errors="replace")[-2000:])

    def stop(self, sig: int = signal.SIGTERM, wait_s: float = 60.0) -> float:
        t = time.monotonic()
        self.proc.send_signal(sig)
        try:
            self.proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return time.monotonic() - t


def alive(pids: list[int]) -> list[int]:
    out = []
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    out.append(p)
        except OSError:
            pass
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--moderators", type=int, default=10)
    ap.add_argument("--uploads", type=int, default=150, help="uploads in all (bad, duplicate and large included)")
    ap.add_argument("--large", type=int, default=2, help="uploads of the ≥ 20 MP picture")
    ap.add_argument("--large-mp", type=float, default=20.0)
    ap.add_argument("--duplicates", type=int, default=10, help="uploads of bytes uploaded already")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--queue-size", type=int, default=16)
    ap.add_argument("--detectors", default="default")
    ap.add_argument("--job-seconds", type=float, default=120.0)
    ap.add_argument("--job-memory-gb", type=float, default=4.0)
    ap.add_argument("--restart", choices=("none", "term", "kill"), default="none")
    ap.add_argument("--restart-at", type=float, default=60.0, help="seconds into the run")
    ap.add_argument("--deadline", type=float, default=1500.0, help="seconds before the clients give up")
    ap.add_argument("--burst", action="store_true",
                    help="each moderator sends all its pictures at once (as the page does with several files) "
                         "instead of one at a time")
    ap.add_argument("--seed", type=int, default=19)
    args = ap.parse_args()
    import httpx

    n_real = args.uploads - 4 - args.large - args.duplicates  # 4 bad files
    real = real_pictures(n_real, args.seed)
    batch = [(*x, "real") for x in real] + [(*x, "bad") for x in bad_files(real[0][1])]
    batch += [(f"dup-{name}", data, "duplicate") for name, data in real[: args.duplicates]]
    big = large_picture(args.large_mp)
    batch += [(f"{i}-{big[0]}", big[1], "large") for i in range(args.large)]
    random.Random(args.seed).shuffle(batch)

    data = Path(tempfile.mkdtemp(prefix="forgelens-walk-"))
    server = Server(data, ["--workers", str(args.workers), "--queue-size", str(args.queue_size),
                           "--job-seconds", str(args.job_seconds),
                           "--job-memory-bytes", str(int(args.job_memory_gb * 2**30))],
                    {"FORGELENS_DETECTORS": args.detectors})
    tokens = [server.cli("token", "create", "--name", f"moderator-{i}") for i in range(args.moderators)]
    server.start()
    idle_rss = tree_rss(server.proc.pid)
    # One finished job for the probe's status GET (a tiny picture, so it is done before the batch).
    with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {tokens[0]}"}) as c:
        probe_job = c.post(server.url + "/v1/analyses", files={"file": real[0][:2]}).json()["id"]
        while c.get(f"{server.url}/v1/analyses/{probe_job}?report=false").json()["status"] in ("queued", "running"):
            time.sleep(0.5)
    prober = subprocess.Popen([sys.executable, "-c", PROBE, f"{server.url}/v1/analyses/{probe_job}?report=false",
                               server.url + "/api/health", tokens[0]], stdout=subprocess.PIPE, text=True)
    stop, peak = threading.Event(), [idle_rss]
    restarted = threading.Event()
    results: list[dict] = []
    polls: list[float] = []  # the moderators' own status GETs, seconds each
    lock = threading.Lock()
    t_end = time.monotonic() + args.deadline

    def watch_memory() -> None:
        while not stop.is_set():
            if server.proc and server.proc.poll() is None:
                peak[0] = max(peak[0], tree_rss(server.proc.pid))
            stop.wait(0.2)

    def moderator(token: str, share: list[tuple[str, bytes, str]]) -> None:
        with httpx.Client(timeout=120, headers={"Authorization": f"Bearer {token}"}) as c:
            if args.burst:  # every picture at once, as the page sends a dropped folder
                threads = [threading.Thread(target=one, args=(c, *x)) for x in share]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            else:  # one picture at a time: upload, wait for its result, next
                for x in share:
                    one(c, *x)

    def one(c, name: str, payload: bytes, kind: str) -> None:
        out = {"kind": kind, "name": name, "first": None, "retries": 0, "status": "unfinished",
               "seconds": None, "error": None, "submitted_before_restart": None}
        t0 = time.monotonic()
        job = None
        while time.monotonic() < t_end and job is None:
            try:
                r = c.post(server.url + "/v1/analyses", files={"file": (name, payload)})
            except httpx.TransportError:
                time.sleep(1)
                continue
            out["first"] = out["first"] or r.status_code
            if r.status_code == 429:
                out["retries"] += 1
                time.sleep(min(float(r.headers.get("retry-after", "5")), 30.0))
            elif r.status_code == 202:
                job = r.json()["id"]
                out["submitted_before_restart"] = not restarted.is_set()
            else:
                out["status"], out["error"] = f"refused {r.status_code}", r.json().get("detail")
                break
        while job and time.monotonic() < t_end:
            try:
                t = time.monotonic()
                r = c.get(f"{server.url}/v1/analyses/{job}?report=false")
                with lock:
                    polls.append(time.monotonic() - t)
            except httpx.TransportError:
                time.sleep(1)
                continue
            if r.status_code != 200:
                out["status"], out["error"] = f"lost {r.status_code}", r.text[:200]
                break
            j = r.json()
            if j["status"] not in ("queued", "running"):
                out["status"], out["error"], out["seconds"] = j["status"], j["error"], time.monotonic() - t0
                break
            time.sleep(1.0)
        with lock:
            results.append(out)

    threading.Thread(target=watch_memory, daemon=True).start()
    shares = [batch[i::args.moderators] for i in range(args.moderators)]
    clients = [threading.Thread(target=moderator, args=(tokens[i], shares[i])) for i in range(args.moderators)]
    t_start = time.monotonic()
    for t in clients:
        t.start()
    restart_line = ""
    if args.restart != "none":
        time.sleep(args.restart_at)
        sig = signal.SIGTERM if args.restart == "term" else signal.SIGKILL
        old_workers = descendants(server.proc.pid)
        took = server.stop(sig)
        restarted.set()
        time.sleep(1)
        orphans = alive(old_workers)
        t_r = time.monotonic()
        server.start()
        restart_line = (f"restart: {signal.Signals(sig).name} at {args.restart_at:.0f} s; old server gone after "
                        f"{took:.1f} s; new server answering {time.monotonic() - t_r:.1f} s later; "
                        f"processes of the old server still alive 1 s after it: {len(orphans)} of {len(old_workers)}")
    for t in clients:
        t.join(max(0.0, t_end - time.monotonic()) + 130)
    wall = time.monotonic() - t_start
    stop.set()
    prober.terminate()
    lat: dict[str, list[float]] = collections.defaultdict(list)
    fails: collections.Counter = collections.Counter()
    for line in prober.communicate(timeout=30)[0].splitlines():
        kind, value = line.split()
        if value == "fail":
            fails[kind] += 1
        else:
            lat[kind].append(float(value))
    server.stop()
    leftovers = sorted(str(p.relative_to(data)) for p in (data / "tmp").rglob("*")) if (data / "tmp").exists() else []

    done = [r for r in results if r["status"] == "done"]
    print(f"service walk: {args.moderators} moderators (one token each, "
          f"{'all pictures at once' if args.burst else 'one picture at a time'}), {len(batch)} uploads "
          f"({collections.Counter(k for *_, k in batch)}); workers {args.workers}, queue {args.queue_size}, "
          f"detectors {args.detectors}, {args.job_memory_gb:g} GiB and {args.job_seconds:g} s per job; "
          f"large = {big[0]} ({len(big[1]) / 1e6:.1f} MB, a Dresden shot upscaled); wall {wall:.0f} s")
    if restart_line:
        print("  " + restart_line + f"; at the end: {len(alive(orphans))}")
    print(f"  outcome: {collections.Counter(r['status'] for r in results)}; "
          f"{len(results)} of {len(batch)} uploads accounted for; "
          f"{len(done) / (wall / 60):.1f} jobs done per minute")
    if restart_line:
        before = [r for r in results if r["submitted_before_restart"]]
        print(f"  accepted before the restart: {len(before)}; their outcome as the restarted server reports it: "
              f"{dict(collections.Counter(r['status'] for r in before))}")
    for kind in ("real", "duplicate", "large", "bad"):
        rs = [r for r in results if r["kind"] == kind]
        secs = [r["seconds"] for r in rs if r["seconds"] is not None]
        print(f"  {kind}: {len(rs)}; {dict(collections.Counter(r['status'] for r in rs))}; first try 429: "
              f"{sum(r['first'] == 429 for r in rs)}; time to result p50 {pct(secs, 50):.0f} s, p95 {pct(secs, 95):.0f} s")
    reasons = collections.Counter((r["status"], (r["error"] or "")[:110]) for r in results if r["status"] != "done")
    for (status, err), n in reasons.most_common(12):
        print(f"    {n} × {status}: {err}")
    print(f"  moderators' status GETs (their polls, timed in the client): {len(polls)}, p50 {pct(polls, 50) * 1000:.0f} ms, "
          f"p95 {pct(polls, 95) * 1000:.0f} ms, max {max(polls, default=float('nan')) * 1000:.0f} ms, "
          f"over 1 s {sum(x > 1 for x in polls)}")
    for kind in ("status", "health"):
        xs = lat[kind]
        print(f"  probe process, {kind} GET: {len(xs)} answered, p50 {pct(xs, 50) * 1000:.0f} ms, p95 {pct(xs, 95) * 1000:.0f} ms, "
              f"max {max(xs, default=float('nan')) * 1000:.0f} ms, over 1 s {sum(x > 1 for x in xs)}, "
              f"failed {fails[kind]}")
    print(f"  server + workers RSS: idle {idle_rss / 2**30:.2f} GiB, peak {peak[0] / 2**30:.2f} GiB (bound: "
          f"{args.workers} × {args.job_memory_gb:g} GiB + server); load average at the end {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores; leftover files in the data folder's tmp/: {len(leftovers)}")
    print(f"  data folder: {data} (server.log inside; remove it when done)")


if __name__ == "__main__":
    main()
