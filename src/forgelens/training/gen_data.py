"""Training and evaluation data for the generated-image detectors, and the views that level them.

Every image of the shared sets is listed with its class (authentic / generated) and its
*group* (a generator family or a real-photo source). Detectors are judged on groups they
never saw in training, never on pooled numbers.

Views applied identically to both classes, so that size, format and resampling cannot
carry the decision (``aigen-playground``'s generated images are all 559×559 JPEGs, the
SD set is all PNG, the cameras are all JPEG):

- ``as_is``: the stored pixels (what the detector meets in use);
- ``square512``: centre square, resized to 512×512 (area), JPEG q90 — for semantic
  detectors, which look at the whole scene;
- ``crop256``: native-resolution centre crop 256×256, JPEG q90 — for low-level
  detectors, which must not see a resampled image.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from forgelens.jpeg import recompress

__all__ = ["Item", "shared_root", "list_items", "read_rgb", "view", "random_view"]


@dataclass(frozen=True)
class Item:
    path: Path
    label: int  # 1 = generated, 0 = authentic
    group: str  # generator family or real source
    dataset: str


def shared_root() -> Path:
    return Path(__file__).resolve().parents[4] / "shared"


def _group(dataset: str, image: str, label: str, source: str) -> str:
    stem = Path(image).stem
    if dataset == "aigen-playground":
        return "playground-" + stem.rsplit("_", 1)[0] if label == "generated" else "playground-real"
    if dataset == "gan-examples":
        return "gan-examples" if label == "generated" else "gan-real"
    if dataset == "aigen-sd12":
        return "sd12"
    if dataset == "pristine-extra":
        return f"pristine-{source}"
    if dataset == "cameras":
        return "cameras-flatfield" if "flatfield" in source else "cameras"
    return dataset


DATASETS = ("cameras", "pristine-extra", "aigen-sd12", "aigen-playground", "gan-examples")


def list_items(root: Path | None = None, datasets: tuple[str, ...] = DATASETS) -> list[Item]:
    """Every authentic/generated image of the named shared sets, in a fixed order."""
    root = Path(root) if root else shared_root() / "datasets"
    items = []
    for ds in datasets:
        idx = root / ds / "index.csv"
        if not idx.is_file():
            continue
        with open(idx, newline="") as f:
            for row in csv.DictReader(f):
                if row["label"] not in ("authentic", "generated"):
                    continue
                items.append(Item(root / ds / row["image"], int(row["label"] == "generated"),
                                  _group(ds, row["image"], row["label"], row.get("source", "")), ds))
    return items


def read_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def _centre(rgb: np.ndarray, h: int, w: int) -> np.ndarray:
    y0, x0 = (rgb.shape[0] - h) // 2, (rgb.shape[1] - w) // 2
    return rgb[y0:y0 + h, x0:x0 + w]


def view(rgb: np.ndarray, kind: str, quality: int = 90) -> np.ndarray:
    """One of the levelling views (see module docstring)."""
    if kind == "as_is":
        return rgb
    if kind == "square512":
        s = min(rgb.shape[:2])
        sq = _centre(rgb, s, s)
        interp = cv2.INTER_AREA if s > 512 else cv2.INTER_CUBIC
        return recompress(np.ascontiguousarray(cv2.resize(sq, (512, 512), interpolation=interp)), quality)
    if kind == "crop256":
        return recompress(np.ascontiguousarray(_centre(rgb, min(256, rgb.shape[0]), min(256, rgb.shape[1]))),
                    quality)
    raise ValueError(f"unknown view {kind!r}")


def random_view(rgb: np.ndarray, rng: np.random.Generator, size: int = 256,
                resize_p: float = 0.3, jpeg_q: tuple[int, int] = (65, 100)) -> np.ndarray:
    """Training augmentation applied identically to both classes.

    Random resize 0.5–1.5 with probability ``resize_p``, random crop ``size``, JPEG at a
    random quality in ``jpeg_q`` (always: the camera class is all JPEG, so the generated
    class must be too, or the detector learns "no JPEG grid = generated").
    """
    if rng.random() < resize_p:
        f = float(rng.uniform(0.5, 1.5))
        nh, nw = max(size, round(rgb.shape[0] * f)), max(size, round(rgb.shape[1] * f))
        rgb = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC)
    h, w = rgb.shape[:2]
    ch, cw = min(size, h), min(size, w)
    y0 = int(rng.integers(0, h - ch + 1))
    x0 = int(rng.integers(0, w - cw + 1))
    crop = np.ascontiguousarray(rgb[y0:y0 + ch, x0:x0 + cw])
    return recompress(crop, int(rng.integers(jpeg_q[0], jpeg_q[1] + 1)))
