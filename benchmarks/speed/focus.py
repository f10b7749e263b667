"""Seconds per megapixel and memory of the focus fact (``forgelens.focus.focus_ratio``: the variance of the
Laplacian in 32 × 32 px blocks, median inside the verdict's mask / outside), issue 14 session 15.

The measure runs after the verdict, on the luminance the detectors already built (``Evidence.luminance``), so
its cost is the Laplacian and the block reductions, band by band. Per size: a photo-like luminance (smooth
shapes, texture, noise; the left half blurred) and a mask on a centred rectangle of 10 % of the picture;
the best of ``--repeat`` runs (CPU seconds of this process and wall seconds) per megapixel, and the memory
the call allocates at its peak beyond its inputs (``tracemalloc``: NumPy's buffers are traced; OpenCV's
``cv2.Laplacian`` output is a NumPy array and is counted too).

    PYTHONPATH=src OMP_NUM_THREADS=1 python benchmarks/speed/focus.py                 # 1, 6, 12, 24 MP
    PYTHONPATH=src OMP_NUM_THREADS=1 python benchmarks/speed/focus.py --sizes 24 --repeat 5
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import cv2
import numpy as np

from forgelens.focus import focus_ratio


def luminance(mp: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A 4:3 photo-like luminance of ``mp`` megapixels (left half defocused) and a 10 % centred mask."""
    h = int(round(np.sqrt(mp * 1e6 * 3 / 4)))
    w = int(round(h * 4 / 3))
    rng = np.random.default_rng(seed)
    small = cv2.resize(rng.normal(0, 1, (h // 16, w // 16)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    y = 120 + 40 * small + rng.normal(0, 6, (h, w)).astype(np.float32)
    y[:, : w // 2] = cv2.GaussianBlur(y[:, : w // 2], (0, 0), 3.0)
    mask = np.zeros((h, w), bool)
    s = np.sqrt(0.1)
    bh, bw = int(h * s), int(w * s)
    mask[(h - bh) // 2 : (h - bh) // 2 + bh, (w - bw) // 2 : (w - bw) // 2 + bw] = True
    return np.clip(y, 0, 255).astype(np.float32), mask


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,6,12,24", help="megapixels, comma-separated")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    cv2.setNumThreads(1)
    print(f"OpenCV threads {cv2.getNumThreads()}; best of {a.repeat}")
    print("| MP | shape | CPU s | CPU s/MP | wall s/MP | peak allocated beyond the inputs (MB) |")
    print("|---|---|---|---|---|---|")
    for mp in (float(x) for x in a.sizes.split(",")):
        y, mask = luminance(mp)
        real_mp = y.size / 1e6
        cpu, wall = [], []
        for _ in range(a.repeat):
            c0, w0 = time.process_time(), time.perf_counter()
            focus_ratio(y, mask)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        tracemalloc.start()
        focus_ratio(y, mask)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"| {real_mp:.1f} | {y.shape[1]}×{y.shape[0]} | {min(cpu):.3f} "
              f"| {min(cpu) / real_mp:.4f} | {min(wall) / real_mp:.4f} | {peak / 2**20:.0f} |", flush=True)


if __name__ == "__main__":
    main()
