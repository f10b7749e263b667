"""Seconds per megapixel of the camera-trace detectors (cfa, resampling, median_filter,
contrast_enhancement, prnu with a same-size fingerprint) at 1 and 12 MP, with peak RSS.

    python benchmarks/speed/speed_camera.py            # 1 and 12 MP
    python benchmarks/speed/speed_camera.py --mp 1 3   # other sizes
"""

from __future__ import annotations

import argparse
import io
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

DETECTORS = ("cfa", "resampling", "median_filter", "contrast_enhancement", "prnu")


def photo_like(mp: float, seed: int = 0) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(seed)
    h = int(round((mp * 1e6 * 3 / 4) ** 0.5))
    w = int(round(h * 4 / 3))
    small = cv2.GaussianBlur(rng.normal(0, 1, (h // 8, w // 8, 3)).astype(np.float32), (0, 0), 3)
    img = cv2.resize(128 + 60 * small / small.std(), (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(img + rng.normal(0, 2, (h, w, 1)), 0, 255).astype(np.uint8)


def main() -> None:
    from PIL import Image

    from forgelens.camera import save_fingerprint
    from forgelens.detectors import get, run
    from forgelens.evidence import load

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mp", type=float, nargs="*", default=[1.0, 12.0])
    args = ap.parse_args()
    print(f"{'MP':>6}" + "".join(f"{d:>22}" for d in DETECTORS) + "   (s/MP)")
    with tempfile.TemporaryDirectory() as d:
        for mp in args.mp:
            img = photo_like(mp)
            buf = io.BytesIO()
            Image.fromarray(img).save(buf, "JPEG", quality=92)
            ev = load(buf.getvalue())
            fp = Path(d) / f"k{mp}.npz"
            save_fingerprint(fp, np.random.default_rng(1).normal(0, 0.01, ev.shape).astype(np.float32))
            cells = []
            for name in DETECTORS:
                cfg = get(name).make_config({"fingerprint_path": str(fp)} if name == "prnu" else None)
                t0 = time.perf_counter()
                run(name, ev, cfg, catch=False)
                cells.append((time.perf_counter() - t0) / ev.megapixels)
            print(f"{ev.megapixels:>6.1f}" + "".join(f"{c:>22.3f}" for c in cells), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
