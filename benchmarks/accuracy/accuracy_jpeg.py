"""Pixel-level accuracy of the JPEG detectors (ela, jpeg_ghost, jpeg_adq, jpeg_grid) on the
shared datasets, beside trivial baseline maps, per dataset, with counts.

A spec (these detectors x datasets) run by the benchmark engine (``forgelens.bench``), then
printed. For every manipulated image with a mask: pixel AUC and best-threshold F1 (oracle
threshold per image: an upper bound), averaged over the images where each is defined. A
detector that returns "not applicable" (ADQ on a PNG/TIFF) is scored as an all-zero map and
counted in the "n/a" column. Baselines: the engine's centre prior
(``forgelens.bench.metrics.centre_prior``) and a constant map. Cached under
benchmarks/out/accuracy/jpeg.

    python benchmarks/accuracy/accuracy_jpeg.py                      # nist16, casia1-samples, casia2-samples
    python benchmarks/accuracy/accuracy_jpeg.py --limit 40 --jobs 2  # quicker
    python benchmarks/accuracy/accuracy_jpeg.py --speed              # + seconds per megapixel at 1 and 12 MP
"""

from __future__ import annotations

import io
import time

import numpy as np
from _accuracy import DATA, Spec, dataset, pixel_table, run, scored, select, skipped_lines
from _accuracy import arguments as acc_arguments

DETECTORS = ("ela", "jpeg_ghost", "jpeg_adq", "jpeg_grid")
DATASETS = ("nist16", "casia1-samples", "casia2-samples")


def spec(datasets: list[str], limit: int, detectors: tuple[str, ...] = DETECTORS) -> Spec:
    """The JPEG detectors on the manipulated images with a mask of each dataset (first ``limit``)."""
    return Spec("jpeg", detectors, [dataset(ds, labels=("manipulated",), need_mask=True, limit_manipulated=limit)
                                    for ds in datasets])


def table(records: list, ds: str, detectors: tuple[str, ...] = DETECTORS) -> str:
    recs = select(records, ds)
    ok = scored(recs)
    fmts: dict[str, int] = {}
    for r in ok:
        fmts[r.format] = fmts.get(r.format, 0) + 1
    title = f"\n## {ds}: {len(ok)} manipulated images scored ({len(recs) - len(ok)} skipped); formats {fmts}"
    return pixel_table(recs, title, detectors, width=14)


def speed(sizes=(1.0, 12.0)) -> str:
    from PIL import Image
    from scipy import ndimage

    from forgelens.detectors import run
    from forgelens.evidence import load

    lines = ["\n## seconds per megapixel (photo-like JPEG q90 → pasted q60 region → q90)"]
    lines.append(f"{'MP':>6}" + "".join(f"{d:>12}" for d in DETECTORS))
    for mp in sizes:
        rng = np.random.default_rng(0)
        h = int(round((mp * 1e6 * 3 / 4) ** 0.5))
        w = int(round(h * 4 / 3))
        small = ndimage.gaussian_filter(rng.normal(0, 1, (h // 8, w // 8, 3)), (3, 3, 0))
        img = np.asarray(
            Image.fromarray(np.clip(128 + 60 * small, 0, 255).astype(np.uint8)).resize((w, h)),
            np.float32,
        )
        img = np.clip(img + rng.normal(0, 3, (h, w, 1)), 0, 255).astype(np.uint8)

        def roundtrip(a, q):
            b = io.BytesIO()
            Image.fromarray(a).save(b, "JPEG", quality=q)
            return b.getvalue()

        base = np.asarray(Image.open(io.BytesIO(roundtrip(img, 60))).convert("RGB")).copy()
        base[h // 4 : h // 2, w // 4 : w // 2] = img[h // 4 : h // 2, w // 4 : w // 2]
        ev = load(roundtrip(base, 90))
        cells = []
        for d in DETECTORS:
            t0 = time.perf_counter()
            run(d, ev, catch=False)
            cells.append((time.perf_counter() - t0) / ev.megapixels)
        lines.append(f"{ev.megapixels:>6.1f}" + "".join(f"{c:>12.3f}" for c in cells))
    return "\n".join(lines)


def main() -> None:
    ap = acc_arguments(__doc__, DATASETS, DETECTORS, "jpeg")
    ap.add_argument("--speed", action="store_true", help="also time the detectors at 1 and 12 MP")
    ap.add_argument("--no-accuracy", action="store_true")
    args = ap.parse_args()
    if not args.no_accuracy:
        if not DATA.is_dir():
            raise SystemExit(f"datasets absent: {DATA}")
        t0 = time.perf_counter()
        dets = tuple(d for d in args.detectors.split(",") if d)
        records = run(spec(args.datasets, args.limit, dets), workers=args.jobs, force=args.force)
        for ds in args.datasets:
            print(table(records, ds, dets), flush=True)
            print(skipped_lines(select(records, ds)))
        print(f"({time.perf_counter() - t0:.0f} s)")
    if args.speed:
        print(speed(), flush=True)


if __name__ == "__main__":
    main()
