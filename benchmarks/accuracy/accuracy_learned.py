"""Accuracy, speed and memory of ``learned_localizer`` beside the training-free detectors and trivial baselines.

Datasets (never used in training): casia1-samples, casia2-samples,
toolkit-samples from ../shared/datasets, a held-out synth split (different
seed AND camera models never used in training, plus the Kodak film scans:
see the note) and the same synth split laundered like a social-network upload
(downscaled ×0.75 with area averaging, re-saved JPEG q75: "synth-test-social").
nist16 is training data since session 2 of issue 10 (``--datasets nist16``
still scores it, but that is no longer a held-out figure).

Pixel level (manipulated images with masks): mean over images of pixel AUC,
best-threshold F1 (oracle threshold per image: an upper bound) and F1 at 0.5.
A detector that does not apply counts as an all-zero map (column n/a).
Baselines: the engine's centre prior (``forgelens.bench.metrics.centre_prior``)
and a constant map (the same values as the all-ones map of earlier versions;
AUC 0.5).
``--old-weights FILE`` adds a column ``learned_old``: the same detector with
another weights file (old vs new model on the same images).
A spec (detectors x datasets x perturbations) run by the benchmark engine
(``forgelens.bench``), then printed; cached under benchmarks/out/accuracy/learned
(a rerun computes only the detectors whose key changed, so ``--reuse`` is gone).
Image level (datasets with authentic images): AUC of the score; baseline:
pixel count. Speed: a synthetic photo-like JPEG at 1, 12 and 24 MP in a fresh
process (1 ONNX Runtime thread, the default), with the process's peak RSS (VmHWM).

    python benchmarks/accuracy/accuracy_learned.py                         # ~30 min on 2 loaded cores
    python benchmarks/accuracy/accuracy_learned.py --limit 20 --jobs 2
    python benchmarks/accuracy/accuracy_learned.py --only speed
    python benchmarks/accuracy/accuracy_learned.py --synth-test /work/synth-train/test
    python benchmarks/accuracy/accuracy_learned.py --detectors '' --old-weights OLD.safetensors
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from _accuracy import DATA, Spec, dataset, image_table, pixel_table, run, scored, select

LEARNED = "learned_localizer"
FREE = ("ela", "jpeg_ghost", "jpeg_adq", "cfa", "noise_wavelet", "splicebuster", "resampling")
OLD = "learned_old"
DATASETS = ("casia1-samples", "casia2-samples", "toolkit-samples")


_SPEED = r"""
import io, json, sys, time
import numpy as np
from PIL import Image
from scipy import ndimage as ndi
h, w = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
tex = ndi.gaussian_filter(rng.standard_normal((h // 4 + 1, w // 4 + 1)).astype(np.float32), 3)
tex = np.kron(tex / tex.std(), np.ones((4, 4), np.float32))[:h, :w]
img = 120 + 40 * tex[..., None] + rng.normal(0, 2, (h, w, 3)).astype(np.float32)
buf = io.BytesIO(); Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, format="JPEG", quality=90)
del img, tex
from forgelens.detectors import run
from forgelens.evidence import load
from forgelens.learned import localizer
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
ev = load(buf.getvalue()); localizer.load(None)
base = hwm()
best = 1e9
for _ in range(int(sys.argv[3])):
    t0 = time.perf_counter(); tr = run("learned_localizer", ev, catch=False); best = min(best, time.perf_counter() - t0)
print(json.dumps({"seconds": best, "peak_mb": hwm(), "before_mb": base}))
"""


def speed_table() -> str:
    lines = ["\n## speed of learned_localizer (synthetic JPEG, 1 ONNX Runtime thread; peak RSS of the process "
             "incl. decoded image and model, VmHWM)",
             f"{'MP':>6}{'seconds':>10}{'s/MP':>8}{'RSS before MB':>15}{'peak RSS MB':>13}"]
    for h, w, reps in ((866, 1155, 2), (3000, 4000, 1), (4240, 5664, 1)):
        r = subprocess.run([sys.executable, "-c", _SPEED, str(h), str(w), str(reps)], capture_output=True, text=True)
        if r.returncode:
            lines.append(f"{h * w / 1e6:>6.1f}  failed: {r.stderr.strip().splitlines()[-1:]}")
            continue
        d = json.loads(r.stdout.strip().splitlines()[-1])
        mp = h * w / 1e6
        lines.append(f"{mp:>6.1f}{d['seconds']:>10.2f}{d['seconds'] / mp:>8.2f}{d['before_mb']:>15.0f}{d['peak_mb']:>13.0f}")
    return "\n".join(lines)


def specs(datasets: list[str], synth_test: str, limit: int, detectors: tuple[str, ...],
          old_weights: str = "") -> list[tuple[str, Spec]]:
    """(how to read its records, spec): the shared sets and the held-out synth split as they are, the synth
    split laundered (``launder``: x0.75 area + JPEG q75); with ``old_weights`` the same again with
    ``learned_localizer`` on those weights (printed as ``learned_old``)."""
    sets = [dataset(ds, limit_each=limit) for ds in datasets if (DATA / ds).is_dir()]
    synth = [dataset("synth-test", root=Path(synth_test), limit_each=limit)] \
        if synth_test and (Path(synth_test) / "index.csv").is_file() else []
    out = [("", Spec("learned", detectors, sets + synth))]
    if synth:
        out.append(("", Spec("learned", detectors, synth, perturbations=("launder",))))
    if old_weights and LEARNED in detectors:
        cfg = {LEARNED: {"weights_path": old_weights}}
        out.append((OLD, Spec("learned-old", (LEARNED,), sets + synth, configs=cfg)))
        if synth:
            out.append((OLD, Spec("learned-old", (LEARNED,), synth, perturbations=("launder",), configs=cfg)))
    return out


def run_all(jobs: list[tuple[str, Spec]], workers: int, force: bool) -> list:
    """Run every spec; the old-weights runs' ``learned_localizer`` joins the main records as ``learned_old``."""
    records: list = []
    for rename, sp in jobs:
        recs = run(sp, workers=workers, force=force)
        if not rename:
            records += recs
            continue
        by_key = {(r.dataset, r.image, r.perturbation): r for r in records}
        for r in recs:
            main = by_key.get((r.dataset, r.image, r.perturbation))
            if main is not None and LEARNED in r.detectors:
                main.detectors[rename] = r.detectors[LEARNED]
    return records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="*", default=list(DATASETS))
    ap.add_argument("--synth-test", default="/work/synth-train/test", help="held-out synth folder ('' = skip)")
    ap.add_argument("--limit", type=int, default=30, help="first N images of each label per dataset (0 = all)")
    ap.add_argument("--detectors", default=",".join(FREE), help="training-free detectors to compare")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--force", action="store_true", help="ignore the cache in benchmarks/out/accuracy/learned*")
    ap.add_argument("--only", choices=("accuracy", "speed"), default=None)
    ap.add_argument("--no-learned", action="store_true", help="only the training-free detectors")
    ap.add_argument("--old-weights", default="", help="also run learned_localizer with these weights (column learned_old)")
    args = ap.parse_args()
    run_now = (() if args.no_learned else (LEARNED,)) + tuple(d for d in args.detectors.split(",") if d)
    if args.only in (None, "speed"):
        print(speed_table(), flush=True)
    if args.only == "speed":
        return
    t0 = time.time()
    records = run_all(specs(args.datasets, args.synth_test, args.limit, run_now, args.old_weights), args.jobs,
                      args.force)
    shown = run_now[:1] + ((OLD,) if args.old_weights and LEARNED in run_now else ()) + run_now[1:]
    groups = list(dict.fromkeys((r.dataset, r.perturbation) for r in records))
    for ds, pert in groups:
        recs = select(records, ds, pert)
        name = ds + ("-social" if pert == "launder" else "")
        print(pixel_table(recs, f"\n## {name}: pixel level, {len(scored(recs))} manipulated images with masks",
                          shown, f1_at=True, errors=True, width=20))
        print(image_table(recs, name, shown))
        errs = [r for r in recs if r.error]
        print(f"({len(recs)} images; {len(errs)} unreadable)", flush=True)
    print(f"({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
