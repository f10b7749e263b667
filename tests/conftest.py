"""Shared test fixtures: natural-looking synthetic pictures and helpers to save/encode them."""

from __future__ import annotations

import importlib.util
import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
HELDOUT_GUARD = SHARED / "tools" / "heldout_guard.py"


def natural_image(h: int = 256, w: int = 256, seed: int = 0, noise: float = 2.0) -> np.ndarray:
    """A photo-like RGB uint8 picture: smooth shapes, gradients, edges, texture and sensor-like noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 60 + 80 * (xx / w) + 40 * np.sin(yy / 23.0)
    tex = ndimage.gaussian_filter(rng.normal(0, 1, (h, w)), 3) * 60
    tex += ndimage.gaussian_filter(rng.normal(0, 1, (h, w)), 1) * 15
    img = np.stack([base + tex, base * 0.9 + tex * 1.1 + 10, base * 0.7 + tex * 0.8 + 25], axis=2)
    for _ in range(6):  # a few solid shapes with edges
        cy, cx, r = rng.integers(0, h), rng.integers(0, w), rng.integers(10, max(11, min(h, w) // 5))
        disk = (yy - cy) ** 2 + (xx - cx) ** 2 < r**2
        img[disk] += rng.uniform(-50, 50, 3)
    img += rng.normal(0, noise, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def jpeg_bytes(rgb: np.ndarray, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def png_bytes(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.fixture
def shared_datasets() -> Path:
    d = SHARED / "datasets"
    if not d.is_dir():
        pytest.skip(f"shared datasets absent ({d}); run from a checkout beside ../shared")
    return d


@pytest.fixture
def guard(tmp_path) -> tuple[Path, object]:
    """A copy of the shared guard with a reserved-hash list made here (it reads the list beside itself)."""
    if not HELDOUT_GUARD.is_file():
        pytest.skip(f"evaluation guard absent ({HELDOUT_GUARD}); run from a checkout beside ../shared")
    d = tmp_path / "guard"
    d.mkdir()
    shutil.copy(HELDOUT_GUARD, d / "heldout_guard.py")
    spec = importlib.util.spec_from_file_location("guard_copy", d / "heldout_guard.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    (d / "reserved_phashes.txt").write_text("# test\n")
    return d / "heldout_guard.py", mod
