"""Time-line of one analysis: when each detector starts and ends on which worker thread (issue 16).

Wraps ``registry.run`` (the one call ``pipeline.analyze`` makes per detector) to record the start
and end of every detector with its thread and CPU time (the thread's own, ``time.thread_time``), and
times the stretches outside the pool: decoding, the luminance built before the threads, fusion and
the report. Prints the time-line, the serial stretches and the idle time of each worker at the end
of the pool (a long detector started last shows there).

    python benchmarks/speed/timeline.py                     # the 6 MP Nikon D70s JPEG of speed_photoholmes.py
    python benchmarks/speed/timeline.py --image X.jpg --workers 2 --repeat 3
    python benchmarks/speed/timeline.py --set jpeg_ghost.large_q_step=2     # a detector option, as speed.py --set

Wall figures are honest only on a quiet machine: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def one_run(path: Path, workers: int, configs: dict | None = None) -> dict:
    from forgelens import pipeline
    from forgelens.detectors import registry
    from forgelens.evidence import load

    events: list[tuple[str, str, float, float, float]] = []
    lock = threading.Lock()
    real_run = registry.run

    def timed_run(name, evidence, config=None, **kw):
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return real_run(name, evidence, config, **kw)
        finally:
            with lock:
                events.append((name, threading.current_thread().name, t0, time.perf_counter(),
                               time.thread_time() - c0))

    data = path.read_bytes()
    registry.run = timed_run
    try:
        c0, t0 = time.process_time(), time.perf_counter()
        ev = load(data, name=str(path))
        t_load = time.perf_counter()
        _ = ev.luminance
        t_lum = time.perf_counter()
        rep = pipeline.analyze(ev, workers=workers, configs=configs)
        t_end = time.perf_counter()
        _ = rep.to_dict()
        t_dict = time.perf_counter()
        cpu = time.process_time() - c0
    finally:
        registry.run = real_run
    return {"t0": t0, "load": t_load - t0, "luminance": t_lum - t_load, "analyze": t_end - t_lum,
            "fusion": rep.seconds["fusion"], "report_dict": t_dict - t_end, "wall": t_dict - t0, "cpu": cpu,
            "events": events, "mp": ev.megapixels}


def show(r: dict) -> None:
    ev = sorted(r["events"], key=lambda e: e[2])
    start = min(e[2] for e in ev)
    end = max(e[3] for e in ev)
    t0 = r["t0"]
    print(f"decode {r['load']:.3f} s, luminance {r['luminance']:.3f} s, pool {end - start:.3f} s "
          f"(from {start - t0:.3f} to {end - t0:.3f}), fusion {r['fusion']:.3f} s, report dict {r['report_dict']:.3f} s; "
          f"whole {r['wall']:.3f} s wall, {r['cpu']:.2f} CPU s")
    print("| detector | thread | start s | end s | wall s | thread CPU s |")
    print("|---|---|---|---|---|---|")
    for name, th, a, b, c in ev:
        print(f"| {name} | {th.rsplit('_', 1)[-1]} | {a - t0:.3f} | {b - t0:.3f} | {b - a:.3f} | {c:.3f} |")
    threads = sorted({e[1] for e in ev})
    for th in threads:
        mine = [e for e in ev if e[1] == th]
        busy = sum(e[3] - e[2] for e in mine)
        last = max(e[3] for e in mine)
        print(f"thread {th.rsplit('_', 1)[-1]}: busy {busy:.3f} s of the pool's {end - start:.3f} s, "
              f"idle at the end {end - last:.3f} s")
    serial = r["wall"] - (end - start)
    print(f"outside the pool: {serial:.3f} s (decode, luminance, before/after the threads, fusion, report)")


def main() -> None:
    from speed_photoholmes import default_image

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--image", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], metavar="DET.OPTION=VALUE",
                    help="a detector option for these runs (repeatable), e.g. jpeg_ghost.large_q_step=2")
    args = ap.parse_args()
    from forgelens.cli import _parse_sets

    configs = _parse_sets(args.set)
    image = args.image or default_image()
    print(f"image: {image.name}; load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"workers={args.workers}" + (f"; options {' '.join(args.set)}" if args.set else ""))
    print("first analysis in this process (as speed_photoholmes.py times it: model sessions load inside):")
    show(one_run(image, args.workers, configs))
    for _ in range(args.repeat):
        print("again, warm:")
        show(one_run(image, args.workers, configs))


if __name__ == "__main__":
    main()
