"""The benchmark harness's own cost per image, beyond the detectors.

    python benchmarks/speed/bench_overhead.py [--dataset nist16] [--n 20]

Runs ``forgelens bench`` machinery with only the ``baseline`` pseudo-detector (a centre prior:
no detector time to speak of), in one process, without cache, and prints the mean seconds per
image for each step: read, perturb, load (Evidence: decode + JPEG internals + metadata),
mask, metrics (every pixel metric), 16-bit map writing — plus the wall time per image.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="nist16")
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--perturb", default="none,jpeg:75")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    from forgelens.bench import datasets as bds
    from forgelens.bench import run_bench

    root = REPO.parent / "shared" / "datasets"
    if not (root / args.dataset).exists():
        print(f"{root / args.dataset} absent", file=sys.stderr)
        return 1
    ds = bds.resolve(str(root / args.dataset)).subset(args.n)
    print(f"{args.dataset}: {len(ds.items)} images, perturbations {args.perturb}, 1 process, baseline only")
    print(f"{'perturbation':>12} {'maps':>5} {'MP':>5} {'read':>6} {'perturb':>7} {'load':>6} {'mask':>6} "
          f"{'metrics':>7} {'save':>6} {'harness':>7} {'wall/img':>8}")
    for pert in args.perturb.split(","):
        for maps in (False, True):
            with tempfile.TemporaryDirectory() as tmp:
                res = run_bench([ds], "baseline", pert, Path(tmp) / "out", workers=1, force=True, progress=False,
                                plots=False, save_maps=Path(tmp) / "maps" if maps else None)
            t = res.timing
            print(f"{pert:>12} {'yes' if maps else 'no':>5} {t['megapixels_mean']:5.2f} {t['read']:6.3f} "
                  f"{t['perturb']:7.3f} {t['load']:6.3f} {t['mask']:6.3f} {t['metrics']:7.3f} {t['save_maps']:6.3f} "
                  f"{t['harness_overhead']:7.3f} {t['wall_per_image']:8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
