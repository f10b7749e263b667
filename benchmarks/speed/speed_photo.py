"""Whole analysis on one real photo: CPU and wall s/MP, peak RSS (VmHWM) and s/MP per detector.

    python benchmarks/speed/speed_photo.py ../shared/datasets/cameras/exif-samples/hdr_iphone_hdr_YES.jpg
    python benchmarks/speed/speed_photo.py PHOTO --detectors ela,jpeg_ghost
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import warnings

from memory import peak_rss_mb  # this folder: the one VmHWM reader

from forgelens.evidence import load
from forgelens.pipeline import analyze


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--detectors", default="")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    ev = load(args.path)
    names = [d for d in args.detectors.split(",") if d] or None
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    rep = analyze(ev, detectors=names, workers=args.workers)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    mp = ev.megapixels
    print(json.dumps({
        "mp": round(mp, 2),
        "wall_s_per_mp": round(wall / mp, 3),
        "cpu_s_per_mp": round((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) / mp, 3),
        "peak_rss_mb": round(peak_rss_mb()),
        "detectors": {t.name: round(t.seconds / mp, 3) for t in rep.traces},
    }, indent=1))


if __name__ == "__main__":
    main()
