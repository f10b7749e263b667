"""Peak memory of each default detector on its own, and of the whole default analysis
(issue 2's target: ≤ 2 GB peak at 24 MP).

Each (size, detector) pair runs in a fresh process: the test image (the same photo-like
JPEG q90 as ``speed.py``) is written once to a temporary file, the child loads it, builds
``evidence.luminance`` (shared by most detectors, so it counts as part of the baseline),
then runs the detector while a thread samples the resident set size every 2 ms.

Columns:

- ``peak over baseline`` — highest RSS during the detector minus RSS just before it (MB);
  what the detector itself adds, transient buffers included.
- ``kept`` — bytes of the maps the returned Trace keeps (heatmap, reliability, extra maps):
  they stay alive until the report is written, so they add up over detectors.
- ``CPU s/MP`` — user + system CPU seconds of the detector call, all threads, per megapixel.

The last rows run the whole default analysis (``pipeline.analyze``) in one process and
report its peak RSS (VmHWM: ru_maxrss would include the parent's size at fork) and the
load baseline.

    python benchmarks/speed/memory.py                       # 12 and 24 MP, every default detector
    python benchmarks/speed/memory.py --sizes 12 --detectors ela,jpeg_ghost
    python benchmarks/speed/memory.py --sizes 24 --whole-only                  # load + whole analysis only
    python benchmarks/speed/memory.py --sizes 24 --whole-only --workers 2      # as the CLI runs one file on 2 CPUs
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def peak_rss_mb() -> float:
    """Peak RSS of this process image (VmHWM). Unlike ru_maxrss, it does not carry over the
    parent's resident size from fork() across execve()."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class _Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss_mb()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, _rss_mb())
            time.sleep(0.002)

    def stop(self) -> float:
        self._halt.set()
        self.join()
        self.peak = max(self.peak, _rss_mb())
        return self.peak


def child_detector(path: str, name: str) -> dict:
    import gc

    from forgelens.detectors import registry
    from forgelens.evidence import load

    ev = load(path)
    _ = ev.luminance
    gc.collect()
    base = _rss_mb()
    sampler = _Sampler()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    sampler.start()
    trace = registry.run(name, ev)
    peak = sampler.stop()
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    kept = sum(m.nbytes for m in (trace.heatmap, trace.reliability) if m is not None)
    kept += sum(m.nbytes for m in trace.extra_maps.values())
    return {
        "baseline_mb": base,
        "peak_over_mb": peak - base,
        "kept_mb": kept / 2**20,
        "cpu_s_per_mp": cpu / ev.megapixels,
        "error": (trace.error or "").splitlines()[0] if trace.error else "",
    }


def child_whole(path: str, detectors: str = "", workers: str = "1") -> dict:
    from forgelens.pipeline import analyze

    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    report = analyze(path, detectors=[d for d in detectors.split(",") if d] or None, workers=int(workers))
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    kept = 0
    for t in report.traces:
        kept += sum(m.nbytes for m in (t.heatmap, t.reliability) if m is not None)
        kept += sum(m.nbytes for m in t.extra_maps.values())
    return {
        "peak_rss_mb": peak_rss_mb(),
        "kept_mb": kept / 2**20,
        "wall_s_per_mp": wall / report.evidence.megapixels,
        "cpu_s_per_mp": ((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)) / report.evidence.megapixels,
    }


def child_load(path: str) -> dict:
    from forgelens.evidence import load

    ev = load(path)
    after_load = _rss_mb()
    load_peak = peak_rss_mb()
    _ = ev.luminance
    return {"load_peak_mb": load_peak, "luminance_peak_mb": peak_rss_mb(),
            "after_load_mb": after_load, "after_luminance_mb": _rss_mb()}


def _spawn(*args: str) -> dict:
    res = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if res.returncode != 0:
        return {"error": res.stderr.strip().splitlines()[-1] if res.stderr.strip() else f"rc {res.returncode}"}
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="+", type=float, default=[12, 24])
    ap.add_argument("--detectors", default="")
    ap.add_argument("--no-whole", action="store_true", help="skip the whole-analysis row")
    ap.add_argument("--whole-only", action="store_true",
                    help="only the load and whole-analysis rows (with --detectors: analyse with those)")
    ap.add_argument("--workers", type=int, default=1,
                    help="detectors run at once in the whole analysis (the CLI runs one file with one per CPU)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, path, *rest = args.child
        out = {"det": lambda: child_detector(path, rest[0]), "whole": lambda: child_whole(path, *rest),
               "load": lambda: child_load(path)}[kind]()
        print(json.dumps(out))
        return

    from speed import photo_like

    from forgelens.detectors import registry

    names = [d for d in args.detectors.split(",") if d] or registry.default_names()
    results: dict[float, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mp in args.sizes:
            path = os.path.join(tmp, f"photo_{mp}.jpg")
            Path(path).write_bytes(photo_like(mp))
            row = {"load": _spawn("--child", "load", path)}
            for n in [] if args.whole_only else names:
                row[n] = _spawn("--child", "det", path, n)
                print(f"  {mp} MP {n}: {row[n]}", file=sys.stderr, flush=True)
            if not args.no_whole:
                row["whole"] = _spawn("--child", "whole", path, args.detectors if args.whole_only else "",
                                      str(args.workers))
            results[mp] = row
            os.unlink(path)

    sizes = list(results)
    print("| detector | " + " | ".join(f"peak over baseline MB @ {s:g} MP | kept MB | CPU s/MP" for s in sizes) + " |")
    print("|---|" + "---|---|---|" * len(sizes))
    for n in [] if args.whole_only else names:
        cells = []
        for s in sizes:
            r = results[s][n]
            if "error" in r and "peak_over_mb" not in r:
                cells.append(f"failed: {r['error'][:40]} | | ")
            else:
                cells.append(f"{r['peak_over_mb']:.0f} | {r['kept_mb']:.0f} | {r['cpu_s_per_mp']:.2f}"
                             + (f" (error: {r['error'][:30]})" if r["error"] else ""))
        print(f"| {n} | " + " | ".join(cells) + " |")
    print()
    print("| size | load peak RSS MB | RSS after load MB | peak with luminance MB | RSS with luminance MB "
          "| whole analysis peak RSS MB | maps kept by traces MB | whole CPU s/MP | whole wall s/MP |")
    print("|---|---|---|---|---|---|---|---|---|")
    for s in sizes:
        ld, wh = results[s]["load"], results[s].get("whole", {})
        print(f"| {s:g} MP | {ld.get('load_peak_mb', float('nan')):.0f} | {ld.get('after_load_mb', float('nan')):.0f} "
              f"| {ld.get('luminance_peak_mb', float('nan')):.0f} "
              f"| {ld.get('after_luminance_mb', float('nan')):.0f} | {wh.get('peak_rss_mb', float('nan')):.0f} "
              f"| {wh.get('kept_mb', float('nan')):.0f} | {wh.get('cpu_s_per_mp', float('nan')):.2f} "
              f"| {wh.get('wall_s_per_mp', float('nan')):.2f} |")


if __name__ == "__main__":
    main()
