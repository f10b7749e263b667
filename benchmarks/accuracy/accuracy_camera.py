"""Accuracy of the camera-trace detectors (cfa, resampling, median_filter, contrast_enhancement)
on the shared datasets, beside trivial baselines, per dataset, with counts; and their
false-alarm rate on the authentic camera photos.

Pixel level (manipulated images with masks): mean pixel AUC and best-threshold F1 (oracle
threshold per image, an upper bound). "Not applicable" is scored as an all-zero map and
counted in n/a. Baselines: the engine's centre prior (``forgelens.bench.metrics.centre_prior``)
and a constant map.
Image level (datasets with authentic images): AUC of the score, manipulated vs authentic,
beside the image-size baseline (pixel count as the score).
False alarms: share of the authentic photos in cameras/ whose score >= 0.5 (the default
decision threshold), over the images where the detector applies.
A spec (detectors x datasets) run by the benchmark engine (``forgelens.bench``), then printed;
cached under benchmarks/out/accuracy/camera.

    python benchmarks/accuracy/accuracy_camera.py                 # all four datasets + false alarms
    python benchmarks/accuracy/accuracy_camera.py --limit 40      # first 40 manipulated per dataset
    python benchmarks/accuracy/accuracy_camera.py --no-false-alarms --datasets casia1-samples
"""

from __future__ import annotations

import time

from _accuracy import (
    DATA,
    Spec,
    dataset,
    false_alarm_table,
    image_table,
    pixel_table,
    run,
    scored,
    select,
    skipped_lines,
)
from _accuracy import (
    arguments as acc_arguments,
)

DETECTORS = ("cfa", "resampling", "median_filter", "contrast_enhancement")
DATASETS = ("nist16", "casia1-samples", "casia2-samples", "toolkit-samples")


def spec(datasets: list[str], limit: int, false_alarms: bool, detectors: tuple[str, ...] = DETECTORS) -> Spec:
    """The camera-trace detectors on each dataset (first ``limit`` manipulated + every authentic image)
    and, for false alarms, on the authentic photos of cameras/."""
    sets = [dataset(ds, limit_manipulated=limit) for ds in datasets]
    if false_alarms:
        sets.append(dataset("cameras", labels=("authentic",)))
    return Spec("camera", detectors, sets)


def main() -> None:
    ap = acc_arguments(__doc__, DATASETS, DETECTORS, "camera")
    ap.add_argument("--no-false-alarms", action="store_true")
    args = ap.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"datasets absent: {DATA}")
    t0 = time.perf_counter()
    dets = tuple(d for d in args.detectors.split(",") if d)
    records = run(spec(args.datasets, args.limit, not args.no_false_alarms, dets), workers=args.jobs, force=args.force)
    for ds in args.datasets:
        recs = select(records, ds)
        print(pixel_table(recs, f"\n## {ds}: pixel level, {len(scored(recs))} manipulated images with masks",
                          dets))
        print(image_table(recs, ds, dets), flush=True)
        print(skipped_lines(recs))
    if not args.no_false_alarms:
        print(false_alarm_table(select(records, "cameras"), dets))
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
