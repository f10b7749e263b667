"""AUC of the training-free spectral detector on the shared AI sets, with trivial baselines beside.

Protocols (the same for both classes, so image size cannot be learned):
  resize512 : every image resized to 512x512 (area interpolation), re-encoded losslessly (PNG);
  crop256   : the centred 256x256 crop at native resolution, PNG.
aigen-playground: all generated images are 559x559 JPEGs, real ones 723..2592 px JPEGs.
gan-examples: all 256x256 PNG (resize512 upsamples both classes alike).

Each protocol's images are written once to benchmarks/out/accuracy/spectrum-<protocol>/ (with an
index.csv), then benched as a spec (detectors x datasets) by the benchmark engine
(``forgelens.bench``; cached). A missing score counts as 0.5. The Laplacian-variance baseline is
computed here from the same prepared files.

Usage: python benchmarks/accuracy/accuracy_spectrum.py
"""

from __future__ import annotations

import csv
import io
import sys
import time
from pathlib import Path

import _accuracy as acc
import cv2
import numpy as np
from PIL import Image
from sklearn.metrics import roc_auc_score

from forgelens.bench.datasets import Dataset, write_index_csv
from forgelens.evidence import load

SHARED = acc.DATA
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


def protocol_set(ds: str, protocol: str) -> Dataset:
    """The generated and authentic images of ``ds`` prepared by ``protocol``, written once as PNGs."""
    folder = acc.OUT / f"spectrum-{protocol}" / ds
    index = folder / "index.csv"
    if not index.is_file():
        rows = [r for r in csv.DictReader(open(SHARED / ds / "index.csv")) if r["label"] in ("generated", "authentic")]
        out = []
        for r in rows:
            rel = str(Path(r["image"]).with_suffix(".png"))
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(_prep(SHARED / ds / r["image"], protocol))
            out.append((rel, "", r["label"], r["image"]))
        write_index_csv(folder, out)
    return acc.dataset(ds, root=folder, labels=("generated", "authentic"))


def laplacian_var(path: Path) -> float:
    """The trivial sharpness baseline: variance of the Laplacian of the luminance."""
    y = load(path).luminance
    return float(cv2.Laplacian(np.ascontiguousarray(y), cv2.CV_32F).var())


def main() -> None:
    sets = [s for s in ("gan-examples", "aigen-playground") if (SHARED / s / "index.csv").exists()]
    if not sets:
        print("shared datasets absent")
        sys.exit(0)
    print("| dataset | protocol | n gen / n real | " + " | ".join(DETECTORS) + " | baseline_laplacian_var | s/img (spectrum) |")
    print("|---|---|---|" + "---|" * (len(DETECTORS) + 2))
    for ds in sets:
        for protocol in ("resize512", "crop256"):
            data = protocol_set(ds, protocol)
            records = acc.run(acc.Spec(f"spectrum-{protocol}", DETECTORS, [data]))
            recs = [r for r in records if not r.error]
            y = [1 if r.label == "generated" else 0 for r in recs]
            scores = {d: [0.5 if r.detectors[d].score is None else r.detectors[d].score for r in recs]
                      for d in DETECTORS}
            scores["baseline_laplacian_var"] = [laplacian_var(data.path(r.image)) for r in recs]
            t_spec = sum(r.detectors["spectrum"].seconds for r in recs)
            ng, nr = sum(y), len(y) - sum(y)
            aucs = [roc_auc_score(y, scores[d]) for d in (*DETECTORS, "baseline_laplacian_var")]
            print(f"| {ds} | {protocol} | {ng} / {nr} | " + " | ".join(f"{a:.3f}" for a in aucs)
                  + f" | {t_spec / len(y):.3f} |")
            for r in records:
                if r.error:
                    print(f"  skipped {r.image}: {r.error}")
    print("\nAUC 0.5 = chance; < 0.5 means the cue points the wrong way on this set. Small sets: read the counts.")


if __name__ == "__main__":
    t0 = time.time()
    main()
    print(f"total {time.time() - t0:.1f} s")
