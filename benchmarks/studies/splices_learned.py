"""Camera splices made here, and false alarms on authentic images, for ``learned_localizer`` (old vs new weights).

Splices: the recipe of the test (``tests/_learned_helpers.camera_splice``, imported
here): a 512-px 8-aligned crop of a held-out camera's photo (iPhone 6,
Jolla, Olympus E-P3, Casio EX-Z750), a patch of another held-out camera's
photo (Fujifilm DX-10, Casio EX-M2, Kodak DC210, iPhone 6) given extra noise
(sigma 4) and a JPEG at q55-74, pasted hard-edged as a rectangle (odd seeds) or
a rotated ellipse (even seeds) of 1/4-1/2 of the side, saved as JPEG q85-95.
Printed per weights file: pixel AUC over ``--seeds`` splices, the image AUC of
the score (splice vs its untouched host crop saved at q90) and the false-alarm
rate (fraction of pixels >= 0.5) on those host crops and on the authentic
images of casia1-samples, toolkit-samples and the held-out synth test.

    python benchmarks/studies/splices_learned.py --seeds 32 NEW.safetensors OLD.safetensors
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[3] / "shared" / "datasets"
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))


def _decode(data: bytes) -> np.ndarray:
    return cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("weights", nargs="*", help=".onnx model files ('' or none = the shipped model)")
    ap.add_argument("--seeds", type=int, default=32)
    ap.add_argument("--synth-test", default="/work/synth-train/test")
    args = ap.parse_args()
    from _learned_helpers import CAMERAS, DONORS, HOSTS, camera_splice
    from sklearn.metrics import roc_auc_score

    from forgelens.evidence import load
    from forgelens.learned.localizer import load as load_localizer
    from forgelens.learned.localizer import localize

    if not all((CAMERAS / n).is_file() for n in HOSTS + DONORS):
        raise SystemExit(f"{CAMERAS} absent")
    authentic = [("casia1-samples", ROOT / "casia1-samples", 30), ("toolkit-samples", ROOT / "toolkit-samples", 8),
                 ("synth-test", Path(args.synth_test), 20)]
    print("| weights | splice pixel AUC mean / median / min | >= 0.8 | rect / ellipse | image AUC splice vs host "
          "| called >= 0.5 splice / host | host crops: px >= 0.5 mean / max, n > 5 % |")
    print("|---|---|---|---|---|---|---|")
    fa_lines = []
    for w in args.weights or [""]:
        model = load_localizer(w or None)
        aucs, s_spl, s_host, fr = [], [], [], []
        for seed in range(args.seeds):
            img, mask, clean = camera_splice(seed)
            img, clean = _decode(img), _decode(clean)
            p, _, s1 = localize(model, img)
            q, _, s2 = localize(model, clean)
            aucs.append(roc_auc_score(mask.ravel(), p.ravel()))
            s_spl.append(s1)
            s_host.append(s2)
            fr.append(float((q >= 0.5).mean()))
        a, fr = np.array(aucs), np.array(fr)
        n = args.seeds
        img_auc = roc_auc_score([1] * n + [0] * n, s_spl + s_host)
        name = Path(w).name if w else "shipped"
        print(f"| {name} | {a.mean():.3f} / {np.median(a):.3f} / {a.min():.3f} | {(a >= 0.8).sum()}/{n} "
              f"| {a[1::2].mean():.3f} / {a[::2].mean():.3f} | {img_auc:.3f} "
              f"| {sum(s >= 0.5 for s in s_spl)}/{n} / {sum(s >= 0.5 for s in s_host)}/{n} "
              f"| {fr.mean():.3f} / {fr.max():.3f}, {(fr > 0.05).sum()}/{n} |", flush=True)
        for ds, folder, lim in authentic:
            if not (folder / "index.csv").is_file():
                continue
            with open(folder / "index.csv", newline="") as fh:
                rows = [r for r in csv.DictReader(fh) if r["label"] == "authentic"][:lim]
            f = np.array([float((localize(model, np.asarray(load(folder / r["image"]).pixels))[0] >= 0.5).mean())
                          for r in rows])
            fa_lines.append(f"| {name} | {ds} | {len(f)} | {f.mean():.3f} | {np.median(f):.3f} | {f.max():.3f} "
                            f"| {(f > 0.05).sum()} |")
    print("\n| weights | authentic images of | n | px >= 0.5 mean | median | max | images > 5 % |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(fa_lines))


if __name__ == "__main__":
    main()
