"""Make the bundled example forgery: examples/splice.jpg and its mask examples/splice_mask.png.

Host: scikit-image's "astronaut" (NASA, public domain), saved as JPEG quality 70
(the "camera" save). Donor: a blob cut from scikit-image's "coffee" (Rachel
Michetti, CC0), saved as JPEG quality 95, pasted on the decoded host at an offset
that is NOT a multiple of 8, and the result saved once more at quality 90 (the
editor's save). So the background is aligned double-compressed (70 → 90) while
the pasted region has lost that history and carries a shifted grid: the
double-quantisation, ghost and grid traces should light up there.

Run: python examples/make_example.py  (deterministic; the outputs are committed)
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data
from skimage.draw import ellipse

HERE = Path(__file__).resolve().parent


def jpeg_roundtrip(rgb: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def main() -> None:
    host = jpeg_roundtrip(data.astronaut(), 70)
    donor = jpeg_roundtrip(data.coffee(), 95)
    h, w = host.shape[:2]
    mask = np.zeros((h, w), bool)
    rr, cc = ellipse(136, 392, 72, 96, shape=(h, w), rotation=np.deg2rad(20))
    mask[rr, cc] = True
    # an irregular bite out of the ellipse so the shape is not a plain ellipse
    rr2, cc2 = ellipse(96, 440, 34, 40, shape=(h, w))
    mask[rr2, cc2] = False
    # the donor's own 8x8 grid lands shifted by (3, 5) px against the host's grid
    window = np.zeros_like(host)
    window[3:400] = donor[:397, 45 : 45 + w]
    out = host.copy()
    out[mask] = window[mask]
    Image.fromarray(out).save(HERE / "splice.jpg", quality=90)
    Image.fromarray((mask * 255).astype(np.uint8)).save(HERE / "splice_mask.png")


if __name__ == "__main__":
    main()
