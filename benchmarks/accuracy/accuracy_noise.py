"""Accuracy and speed of the noise-trace detectors (noise_wavelet, noise_median, noise_local,
splicebuster) on the shared datasets, beside trivial baselines, per dataset, with counts;
their false-alarm rate on the authentic camera photos; seconds per megapixel at 1 and 12 MP.

Pixel level (manipulated images with masks): mean over images of the pixel AUC and of the
best-threshold F1 (oracle threshold per image: an upper bound). A detector that does not
apply is scored as an all-zero map and counted in n/a.
Baselines: the engine's centre prior (``forgelens.bench.metrics.centre_prior``) and a constant
map (AUC 0.5 by construction; its best F1 is the "paint everything" F1).
A spec (detectors x datasets) run by the benchmark engine (``forgelens.bench``), then printed;
cached under benchmarks/out/accuracy/noise.
Image level (datasets with authentic images): AUC of the score, manipulated vs authentic,
beside the image-size baseline (pixel count as the score).
False alarms: share of the authentic photos in cameras/ whose score >= 0.5 (the default
decision threshold), over the images where the detector applies.
Speed: a synthetic photo-like image at 1 and 12 MP, best of 2 runs, with the peak of
Python-tracked (NumPy) memory.

    python benchmarks/accuracy/accuracy_noise.py                      # everything (~15 min on 2 cores)
    python benchmarks/accuracy/accuracy_noise.py --limit 40           # first 40 manipulated per dataset
    python benchmarks/accuracy/accuracy_noise.py --only speed
    python benchmarks/accuracy/accuracy_noise.py --only false-alarms --fa-limit 40
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
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

DETECTORS = ("noise_wavelet", "noise_median", "noise_local", "splicebuster")
DATASETS = ("nist16", "casia1-samples", "casia2-samples", "toolkit-samples")


def spec(datasets: list[str], limit: int, fa_every: int | None, detectors: tuple[str, ...] = DETECTORS) -> Spec:
    """The noise detectors on each dataset (first ``limit`` manipulated + every authentic image) and,
    with ``fa_every``, on every k-th authentic photo of cameras/ (false alarms)."""
    sets = [dataset(ds, limit_manipulated=limit) for ds in datasets]
    if fa_every:
        sets.append(dataset("cameras", labels=("authentic",), every=fa_every))
    return Spec("noise", detectors, sets)


def speed_table() -> str:
    import io

    from PIL import Image
    from scipy import ndimage as ndi

    from forgelens.detectors import run
    from forgelens.evidence import load

    lines = ["\n## speed (synthetic photo-like image, best of 2; peak = NumPy memory tracked by tracemalloc)",
             f"{'detector':<16}{'MP':>6}{'seconds':>10}{'s/MP':>8}{'peak MB':>10}"]
    rng = np.random.default_rng(0)
    for h, w in ((866, 1155), (3000, 4000)):
        tex = ndi.gaussian_filter(rng.standard_normal((h // 4 + 1, w // 4 + 1)).astype(np.float32), 3)
        tex = np.kron(tex / tex.std(), np.ones((4, 4), np.float32))[:h, :w]
        img = 120 + 40 * tex[..., None] + rng.normal(0, 2, (h, w, 3)).astype(np.float32)
        buf = io.BytesIO()
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, format="JPEG", quality=90)
        ev = load(buf.getvalue())
        _ = ev.luminance
        for name in DETECTORS:
            best = float("inf")
            for _ in range(2):
                tracemalloc.start()
                t0 = time.perf_counter()
                run(name, ev, catch=False)
                best = min(best, time.perf_counter() - t0)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
            lines.append(f"{name:<16}{h * w / 1e6:>6.1f}{best:>10.2f}{best / (h * w / 1e6):>8.2f}{peak / 2**20:>10.0f}")
    return "\n".join(lines)


def main() -> None:
    ap = acc_arguments(__doc__, DATASETS, DETECTORS, "noise")
    ap.add_argument("--fa-limit", type=int, default=0, help="every k-th camera photo so that about N are used")
    ap.add_argument("--only", choices=("accuracy", "false-alarms", "speed"), default=None)
    args = ap.parse_args()
    if args.only in (None, "speed"):
        print(speed_table(), flush=True)
    if args.only == "speed":
        return
    if not DATA.is_dir():
        raise SystemExit(f"datasets absent: {DATA}")
    datasets = args.datasets if args.only in (None, "accuracy") else []
    fa_every = None
    if args.only in (None, "false-alarms"):
        n = len(dataset("cameras", labels=("authentic",)).items)
        fa_every = int(np.ceil(n / args.fa_limit)) if args.fa_limit and n > args.fa_limit else 1
    t0 = time.perf_counter()
    dets = tuple(d for d in args.detectors.split(",") if d)
    records = run(spec(datasets, args.limit, fa_every, dets), workers=args.jobs, force=args.force)
    for ds in datasets:
        recs = select(records, ds)
        print(pixel_table(recs, f"\n## {ds}: pixel level, {len(scored(recs))} manipulated images with masks",
                          dets, errors=True, width=16))
        print(image_table(recs, ds, dets), flush=True)
        print(skipped_lines(recs))
    if fa_every:
        cams = select(records, "cameras")
        if fa_every > 1:
            print(f"(false alarms: every {fa_every}-th camera photo, {len(cams)} images)")
        print(false_alarm_table(cams, dets, seconds=True, width=16))
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
