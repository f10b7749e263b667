"""Seconds per megapixel (wall and CPU) for every default detector and for the whole default
analysis, with peak memory, at 1, 6, 12 and 24 MP (targets: ≤ 1 s/MP wall at 6 MP on 2 cores,
≤ 2 GB at 24 MP).

Each size runs in a fresh process so its peak resident memory (ru_maxrss) is its own.
CPU seconds (user + system, all threads) are printed too: on a loaded machine they are
the fairer figure, and on an idle 2-core machine wall time lies between CPU/2 and CPU.
Per-detector CPU seconds are measured around each ``registry.run`` call (the analysis runs
the detectors one after the other, ``workers=1``, so the process's CPU delta is the detector's).
The first table is the compact one to paste (with the machine's load average beside it).

    python benchmarks/speed/speed.py --sizes 1 6 12 24   # all default detectors
    python benchmarks/speed/speed.py --sizes 1 12 --detectors ela,jpeg_ghost
    python benchmarks/speed/speed.py --sizes 6 --workers 2
    python benchmarks/speed/speed.py --sizes 6 12 24 --set learned_localizer.max_pixels=2000000
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import typer
from PIL import Image
from scipy import ndimage

from forgelens.cli import _parse_sets


def photo_like(mp: float, seed: int = 0) -> bytes:
    """A photo-like JPEG (q90) of about ``mp`` megapixels, 4:3."""
    rng = np.random.default_rng(seed)
    h = int(round((mp * 1e6 * 3 / 4) ** 0.5))
    w = int(round(h * 4 / 3))
    small = ndimage.gaussian_filter(rng.normal(0, 1, (h // 8, w // 8, 3)), (3, 3, 0))
    img = np.asarray(Image.fromarray(np.clip(128 + 60 * small, 0, 255).astype(np.uint8)).resize((w, h)), np.float32)
    img += rng.normal(0, 3, (h, w, 1)).astype(np.float32)
    buf = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def one(mp: float, detectors: list[str] | None, workers: int = 1, sets: list[str] | None = None) -> dict:
    from forgelens import pipeline
    from forgelens.detectors import registry

    data = photo_like(mp)
    names = detectors or registry.default_names()
    cpu_of: dict[str, float] = {}
    run = registry.run

    def timed_run(name, *a, **k):  # CPU of each detector (meaningful with workers=1 only)
        c0 = _cpu()
        try:
            return run(name, *a, **k)
        finally:
            cpu_of[name] = _cpu() - c0

    if workers == 1:
        pipeline.registry.run = timed_run
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    report = pipeline.analyze(data, detectors=names, name=f"{mp}MP", workers=workers, configs=_parse_sets(sets or []))
    total = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    real_mp = report.evidence.megapixels
    return {
        "mp": round(real_mp, 2),
        "total_s": total,
        "total_s_per_mp": total / real_mp,
        "cpu_s_per_mp": cpu / real_mp,
        "load_s": report.seconds["load"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "detectors": {t.name: t.seconds / real_mp for t in report.traces},
        "detectors_cpu": {n: c / real_mp for n, c in cpu_of.items()},
        "fusion_s_per_mp": report.seconds["fusion"] / real_mp,
        "failed": {t.name: t.error.splitlines()[0] for t in report.traces if t.error},
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="+", type=float, default=[1, 12, 24])
    ap.add_argument("--detectors", default="")
    ap.add_argument("--workers", type=int, default=1, help="detectors run at once (pipeline.analyze)")
    ap.add_argument("--set", action="append", default=[], metavar="DET.OPTION=VALUE",
                    help="a detector option for this run (repeatable), e.g. learned_localizer.max_pixels=2000000")
    ap.add_argument("--one", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    dets = [d for d in args.detectors.split(",") if d] or None
    try:
        _parse_sets(args.set)  # as `forgelens analyze --set`: a malformed option stops here, not in each run
    except typer.BadParameter as exc:
        ap.error(exc.format_message())
    if args.one:
        print(json.dumps(one(args.one, dets, args.workers, args.set)))
        return
    rows = []
    for mp in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(mp), "--workers", str(args.workers)]
        cmd += ["--detectors", args.detectors] if dets else []
        cmd += [f"--set={s}" for s in args.set]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            print(f"{mp} MP failed:\n{res.stderr[-2000:]}")
            continue
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"whole default analysis, photo-like JPEG q90, workers={args.workers}, {os.cpu_count()} CPUs, "
          f"load average {load} (at the end)" + (f", options {' '.join(args.set)}" if args.set else ""))
    print("| MP | wall s/MP | CPU s/MP | peak RSS MB |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['mp']} | {r['total_s_per_mp']:.3f} | {r['cpu_s_per_mp']:.3f} | {r['peak_rss_mb']:.0f} |")
    print()
    names = sorted({n for r in rows for n in r["detectors"]})
    print("| detector | " + " | ".join(f"wall / CPU s/MP @ {r['mp']} MP" for r in rows) + " |")
    print("|---|" + "---|" * len(rows))
    nan = float("nan")
    for n in names:
        print(f"| {n} | " + " | ".join(f"{r['detectors'].get(n, nan):.3f} / {r['detectors_cpu'].get(n, nan):.3f}"
                                       for r in rows) + " |")
    print("| fusion (wall) | " + " | ".join(f"{r['fusion_s_per_mp']:.3f}" for r in rows) + " |")
    print("| **whole analysis, wall** | " + " | ".join(f"**{r['total_s_per_mp']:.3f}**" for r in rows) + " |")
    print("| whole analysis, CPU (all threads) | " + " | ".join(f"{r['cpu_s_per_mp']:.3f}" for r in rows) + " |")
    print("| load (s) | " + " | ".join(f"{r['load_s']:.2f}" for r in rows) + " |")
    print("| peak RSS (MB) | " + " | ".join(f"{r['peak_rss_mb']:.0f}" for r in rows) + " |")
    for r in rows:
        for n, e in r["failed"].items():
            print(f"FAILED at {r['mp']} MP: {n}: {e}")


if __name__ == "__main__":
    main()
