"""Throughput of `forgelens synth` at ~1 MP: seconds per image by kind, images/min, peak memory.

Uses only the large camera originals (shorter side >= --min-side) so every
output is a ~1 MP crop, makes N images in this process (wall and CPU time per
image, so a busy shared machine still gives a usable CPU figure), writes them
to a temporary folder, and prints a table. Reproduce::

    python benchmarks/speed/speed_synth.py --pristine ../shared/datasets/cameras -n 60
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pristine", default=str(Path(__file__).resolve().parents[3] / "shared/datasets/cameras"))
    ap.add_argument("-n", type=int, default=60)
    ap.add_argument("--min-side", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    from forgelens.synth import Options, make, plan, scan
    from forgelens.synth.writer import write_sample

    t = time.perf_counter()
    opts = Options(min_side=args.min_side)
    pool, skipped = scan([args.pristine], min_side=args.min_side, exclude=["ff-*"])
    scan_s = time.perf_counter() - t
    print(f"pool: {len(pool)} photos >= {args.min_side} px a side ({len(skipped)} skipped), scan {scan_s:.1f} s")
    tasks = plan(pool, args.n, args.seed, options=opts)
    tasks.sort(key=lambda tk: (tk.host.label, tk.index))  # as the runner orders them (decode cache)
    wall, cpu, mps = defaultdict(list), defaultdict(list), defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        (out / "images").mkdir()
        (out / "masks").mkdir()
        for tk in tasks:
            w0, c0 = time.perf_counter(), time.process_time()
            s = make(tk)
            write_sample(s, out)
            wall[tk.kind].append(time.perf_counter() - w0)
            cpu[tk.kind].append(time.process_time() - c0)
            mps[tk.kind].append(s.final.pixels.shape[0] * s.final.pixels.shape[1] / 1e6)
    print("\n| kind | images | MP mean | wall s/image | CPU s/image | CPU s/MP |")
    print("|---|---|---|---|---|---|")
    allw, allc, allm = [], [], []
    for k in sorted(wall):
        allw += wall[k]
        allc += cpu[k]
        allm += mps[k]
        print(f"| {k} | {len(wall[k])} | {np.mean(mps[k]):.2f} | {np.mean(wall[k]):.3f} | {np.mean(cpu[k]):.3f} | "
              f"{np.sum(cpu[k]) / np.sum(mps[k]):.3f} |")
    print(f"| all | {len(allw)} | {np.mean(allm):.2f} | {np.mean(allw):.3f} | {np.mean(allc):.3f} | "
          f"{np.sum(allc) / np.sum(allm):.3f} |")
    per_min = 60.0 / np.mean(allc)
    print(f"\none process: {per_min:.0f} images/min by CPU time ({60.0 / np.mean(allw):.0f} by wall time on this "
          f"machine now); a pool of P free cores makes about P x that.")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
