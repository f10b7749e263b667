"""Is a full-size splice missed because of the picture's size? Analyse a ≈ 0.5 MP crop centred on it.

Diagnostic for issue 14 (session 7): on the full-size exact-mask set (``forgelens synth … --max-pixels 30000000``
from the held-out camera originals) no splice was called manipulated. Each splice is cut to a 1024 × 512 crop
centred on its mask (JPEG grid phase kept, saved lossless, so no new compression), the size of the detection
model's training crops, and analysed by the default analysis; as a control, the same crop is cut from the centre
of the first N authentic pictures of the re-saved authentic set. Nothing is fitted.

    python benchmarks/studies/fullsize_splice_crops.py --forgeries DIR --authentic DIR [--n 9]
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image


def crop_png(path: Path, cy: float, cx: float, h: int = 512, w: int = 1024) -> bytes:
    """PNG bytes of the h × w crop centred near (cy, cx), its corner on the 8 × 8 grid."""
    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB"))
    hh, ww = rgb.shape[:2]
    y0 = int(min(max(cy - h // 2, 0), hh - h))
    x0 = int(min(max(cx - w // 2, 0), ww - w))
    y0, x0 = y0 - y0 % 8, x0 - x0 % 8
    buf = io.BytesIO()
    Image.fromarray(rgb[y0:y0 + h, x0:x0 + w]).save(buf, "PNG")
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    from forgelens.pipeline import analyze

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forgeries", type=Path, required=True, help="a synth set (index.csv) holding splices")
    ap.add_argument("--authentic", type=Path, required=True, help="a synth set of authentic pictures (control)")
    ap.add_argument("--n", type=int, default=9, help="authentic pictures cropped")
    a = ap.parse_args(argv)
    print("| picture | class | region share of the whole picture | crop verdict | P(manipulated) |")
    print("|---|---|---|---|---|")
    for r in csv.DictReader(open(a.forgeries / "index.csv")):
        if r["kind"] != "splice":
            continue
        mask = cv2.imread(str(a.forgeries / r["mask"]), cv2.IMREAD_GRAYSCALE) > 127
        ys, xs = np.nonzero(mask)
        v = analyze(crop_png(a.forgeries / r["image"], ys.mean(), xs.mean())).verdict
        print(f"| {r['image']} | splice | {mask.mean():.3f} | {v.label} | {v.manipulation_score:.3f} |")
    for r in list(csv.DictReader(open(a.authentic / "index.csv")))[:a.n]:
        with Image.open(a.authentic / r["image"]) as im:
            w, h = im.size
        v = analyze(crop_png(a.authentic / r["image"], h // 2, w // 2)).verdict
        print(f"| {r['image']} | authentic | — | {v.label} | {v.manipulation_score:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
