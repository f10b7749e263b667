"""Pictures for the generated-image tests (test_generation.py, test_gen_trace.py)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

SHARED = Path(__file__).resolve().parents[2] / "shared"
CAMERAS = SHARED / "datasets" / "cameras"


def photo(h=320, w=320, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 80 + 60 * np.sin(xx / 31.0) + 40 * np.cos(yy / 17.0)
    tex = ndimage.gaussian_filter(rng.normal(0, 1, (h, w)), 2) * 50 + rng.normal(0, 3, (h, w))
    img = np.stack([base + tex, 0.9 * base + tex + 10, 0.7 * base + tex + 20], axis=2)
    return np.clip(img, 0, 255).astype(np.uint8)


def encode(rgb: np.ndarray, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format=fmt, **kw)
    return buf.getvalue()


def awkward_input(case: str) -> bytes:
    """A file the generation detectors must judge or decline, never crash on."""
    if case == "tiny":
        return encode(photo(70, 70))  # loadable (≥ 64 px), smaller than one NPR patch
    if case == "flat":
        return encode(np.full((300, 300, 3), 128, np.uint8))
    if case == "alpha":
        return encode(np.dstack([photo(300, 300), np.full((300, 300), 200, np.uint8)]))
    if case == "sixteen":
        return encode(photo(300, 300)[..., 0].astype(np.uint16) * 257)
    if case == "huge":  # 24 MP, mostly smooth
        return encode(np.tile(photo(500, 500), (8, 12, 1)), "JPEG", quality=90)
    if case == "animated":
        frames = [Image.fromarray(photo(300, 300, seed=s)) for s in range(3)]
        buf = io.BytesIO()
        frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
        return buf.getvalue()
    raise ValueError(case)
