"""AUC of the training-free spectral detector on the shared AI sets, with trivial baselines beside.

Protocols (the same for both classes, so image size cannot be learned):
  resize512 : every image resized to 512x512 (area interpolation), re-encoded losslessly (PNG);
  crop256   : the centred 256x256 crop at native resolution, PNG.
aigen-playground: all generated images are 559x559 JPEGs, real ones 723..2592 px JPEGs.
gan-examples: all 256x256 PNG (resize512 upsamples both classes alike).

Usage: python benchmarks/accuracy/accuracy_spectrum.py
"""

from __future__ import annotations

import csv
import io
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from sklearn.metrics import roc_auc_score

from forgelens.detectors import registry
from forgelens.evidence import load

SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"
DETECTORS = ("spectrum", "baseline_brightness", "baseline_saturation")


def _prep(path: Path, protocol: str) -> bytes:
    rgb = np.asarray(Image.open(path).convert("RGB"))
    if protocol == "resize512":
        rgb = cv2.resize(rgb, (512, 512), interpolation=cv2.INTER_AREA if min(rgb.shape[:2]) >= 512 else cv2.INTER_CUBIC)
    else:
        h, w = rgb.shape[:2]
        y0, x0 = (h - 256) // 2, (w - 256) // 2
        rgb = rgb[y0 : y0 + 256, x0 : x0 + 256]
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, "PNG")
    return buf.getvalue()


def _extra(ev) -> dict[str, float]:
    y = ev.luminance
    lap = cv2.Laplacian(np.ascontiguousarray(y), cv2.CV_32F)
    return {"baseline_laplacian_var": float(lap.var())}


def main() -> None:
    sets = [s for s in ("gan-examples", "aigen-playground") if (SHARED / s / "index.csv").exists()]
    if not sets:
        print("shared datasets absent")
        sys.exit(0)
    print("| dataset | protocol | n gen / n real | " + " | ".join(DETECTORS) + " | baseline_laplacian_var | s/img (spectrum) |")
    print("|---|---|---|" + "---|" * (len(DETECTORS) + 2))
    for ds in sets:
        rows = list(csv.DictReader(open(SHARED / ds / "index.csv")))
        rows = [r for r in rows if r["label"] in ("generated", "authentic")]
        for protocol in ("resize512", "crop256"):
            y, scores, t_spec = [], {d: [] for d in (*DETECTORS, "baseline_laplacian_var")}, 0.0
            for r in rows:
                ev = load(_prep(SHARED / ds / r["image"], protocol), name=r["image"])
                y.append(1 if r["label"] == "generated" else 0)
                for d in DETECTORS:
                    t = registry.run(d, ev)
                    if d == "spectrum":
                        t_spec += t.seconds
                    scores[d].append(t.score if t.score is not None else 0.5)
                for k, v in _extra(ev).items():
                    scores[k].append(v)
            ng, nr = sum(y), len(y) - sum(y)
            aucs = [roc_auc_score(y, scores[d]) for d in (*DETECTORS, "baseline_laplacian_var")]
            print(f"| {ds} | {protocol} | {ng} / {nr} | " + " | ".join(f"{a:.3f}" for a in aucs)
                  + f" | {t_spec / len(y):.3f} |")
    print("\nAUC 0.5 = chance; < 0.5 means the cue points the wrong way on this set. Small sets: read the counts.")


if __name__ == "__main__":
    t0 = time.time()
    main()
    print(f"total {time.time() - t0:.1f} s")
