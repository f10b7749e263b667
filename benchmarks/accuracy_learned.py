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
Baselines: a centred Gaussian prior ("centred blob") and an all-ones map (AUC 0.5).
``--old-weights FILE`` adds a column ``learned_old``: the same detector with
another weights file (old vs new model on the same images).
Image level (datasets with authentic images): AUC of the score; baseline:
pixel count. Speed: a synthetic photo-like JPEG at 1, 12 and 24 MP in a fresh
process (1 ONNX Runtime thread, the default), with the process's peak RSS (VmHWM).

    python benchmarks/accuracy_learned.py                         # ~30 min on 2 loaded cores
    python benchmarks/accuracy_learned.py --limit 20 --jobs 2
    python benchmarks/accuracy_learned.py --only speed
    python benchmarks/accuracy_learned.py --synth-test /work/synth-train/test
    python benchmarks/accuracy_learned.py --reuse --detectors '' --old-weights OLD.safetensors
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from _accuracy import centre_prior, image_table, usable_mask

LEARNED = "learned_localizer"
FREE = ("ela", "jpeg_ghost", "jpeg_adq", "cfa", "noise_wavelet", "splicebuster", "resampling")
BASELINES = ("centre_prior", "all_ones")
OLD = "learned_old"
DATASETS = ("casia1-samples", "casia2-samples", "toolkit-samples")
ROOT = Path(__file__).resolve().parents[2] / "shared" / "datasets"
OUT = Path(__file__).resolve().parent / "out" / "learned"


def _launder(path: str) -> bytes:
    import cv2

    img = cv2.imread(path, cv2.IMREAD_COLOR)
    h, w = img.shape[:2]
    img = cv2.resize(img, (round(w * 0.75), round(h * 0.75)), interpolation=cv2.INTER_AREA)
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 75])[1].tobytes()


def score_one(args: tuple[str, str, str, str, tuple[str, ...], str]) -> dict:
    import warnings

    warnings.filterwarnings("ignore")
    from forgelens.bench.metrics import pixel_scores
    from forgelens.detectors import registry, run
    from forgelens.evidence import load

    dataset, image, mask, label, detectors, old_weights = args
    out: dict = {"image": image, "dataset": dataset, "label": label}
    laundered = dataset.endswith("-social")
    try:
        ev = load(_launder(image) if laundered else Path(image))
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        return out
    out["pixels"] = ev.height * ev.width
    maps = {}
    for name in detectors:
        if name == OLD:
            tr = run(LEARNED, ev, registry.get(LEARNED).make_config({"weights_path": old_weights}))
        else:
            tr = run(name, ev)
        out[f"{name}_applicable"] = bool(tr.applicable)
        out[f"{name}_score"] = tr.score
        out[f"{name}_seconds"] = tr.seconds
        out[f"{name}_error"] = tr.error.splitlines()[0] if tr.error else None
        maps[name] = tr.pixels(tr.heatmap) if tr.heatmap is not None else np.zeros(ev.shape, np.float32)
    if mask:
        gt = usable_mask(out, mask, ev.shape)
        if gt is None:
            return out
        maps["centre_prior"] = centre_prior(ev.shape)
        maps["all_ones"] = np.ones(ev.shape, np.float32)
        for name, m in maps.items():
            s = pixel_scores(m, gt)
            out[f"{name}_auc"], out[f"{name}_f1"], out[f"{name}_f1at"] = s.pixel_auc, s.best_f1, s.f1
    return out


def _mean(v: np.ndarray) -> float:
    return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")


def pixel_table(rows: list[dict], dataset: str, detectors: tuple[str, ...]) -> str:
    ok = [r for r in rows if r["label"] == "manipulated" and "error" not in r and "centre_prior_auc" in r]
    lines = [f"\n## {dataset}: pixel level, {len(ok)} manipulated images with masks",
             f"{'map':<20}{'pixel AUC':>10}{'best F1':>9}{'F1@0.5':>8}{'n':>5}{'n/a':>5}{'err':>5}"]
    for name in detectors + BASELINES:
        aucs = np.array([r[f"{name}_auc"] for r in ok], float)
        f1s = np.array([r[f"{name}_f1"] for r in ok], float)
        f1a = np.array([r[f"{name}_f1at"] for r in ok], float)
        na = sum(1 for r in ok if r.get(f"{name}_applicable") is False)
        err = sum(1 for r in ok if r.get(f"{name}_error"))
        n = int(np.isfinite(aucs).sum())
        lines.append(f"{name:<20}{_mean(aucs):>10.3f}{_mean(f1s):>9.3f}{_mean(f1a):>8.3f}{n:>5}{na:>5}{err:>5}")
    return "\n".join(lines)


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


def _index(folder: Path) -> list[dict]:
    with open(folder / "index.csv", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["label"] in ("manipulated", "authentic")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="*", default=list(DATASETS))
    ap.add_argument("--synth-test", default="/work/synth-train/test", help="held-out synth folder ('' = skip)")
    ap.add_argument("--limit", type=int, default=30, help="first N images of each label per dataset (0 = all)")
    ap.add_argument("--detectors", default=",".join(FREE), help="training-free detectors to compare")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", choices=("accuracy", "speed"), default=None)
    ap.add_argument("--no-learned", action="store_true", help="only the training-free detectors")
    ap.add_argument("--old-weights", default="", help="also run learned_localizer with these weights (column learned_old)")
    ap.add_argument("--reuse", action="store_true",
                    help="take the columns of detectors not run now from the last run's benchmarks/out/learned/*.json")
    args = ap.parse_args()
    run_now = (() if args.no_learned else (LEARNED,)) + ((OLD,) if args.old_weights else ()) \
        + tuple(d for d in args.detectors.split(",") if d)
    if args.only in (None, "speed"):
        print(speed_table(), flush=True)
    if args.only == "speed":
        return
    sets: list[tuple[str, Path]] = [(ds, ROOT / ds) for ds in args.datasets if (ROOT / ds).is_dir()]
    if args.synth_test and Path(args.synth_test).is_dir():
        sets += [("synth-test", Path(args.synth_test)), ("synth-test-social", Path(args.synth_test))]
    OUT.mkdir(parents=True, exist_ok=True)
    for ds, folder in sets:
        items = _index(folder)
        man = [r for r in items if r["label"] == "manipulated"]
        aut = [r for r in items if r["label"] == "authentic"]
        if args.limit:
            man, aut = man[: args.limit], aut[: args.limit]
        jobs = [(ds, str(folder / r["image"]), str(folder / r["mask"]) if r["mask"] else "", r["label"], run_now,
                 args.old_weights) for r in man + aut]
        t0 = time.time()
        with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as ex:
            rows = list(ex.map(score_one, jobs))
        detectors = run_now
        cache = OUT / f"{ds}.json"
        if args.reuse and cache.is_file():
            old = {r["image"]: r for r in json.loads(cache.read_text())}
            extra = sorted({k.rsplit("_", 1)[0] for r in old.values() for k in r if k.endswith("_applicable")}
                           - set(run_now))
            for r in rows:
                for k, v in old.get(r["image"], {}).items():
                    if any(k.startswith(e + "_") for e in extra) and k not in r:
                        r[k] = v
            detectors = run_now + tuple(e for e in ([LEARNED, OLD] + list(FREE)) if e in extra)
        cache.write_text(json.dumps(rows, default=float))
        print(pixel_table(rows, ds, detectors))
        print(image_table(rows, ds, detectors))
        errs = [r for r in rows if "error" in r]
        print(f"({len(rows)} images in {time.time() - t0:.0f} s; {len(errs)} unreadable)", flush=True)


if __name__ == "__main__":
    main()
