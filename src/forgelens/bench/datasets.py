"""Benchmark datasets: three on-disk layouts read into one list of items.

A dataset is one of:

``index.csv`` folder
    A folder with ``index.csv`` (columns ``image,mask,label,source``; paths
    relative to the folder; ``mask`` empty where there is none; ``label`` one
    of ``authentic``, ``manipulated``, ``generated``) — the layout of the
    project's shared datasets.
IMDL-BenCo JSON list
    A ``.json`` file holding ``[[image, mask], ...]`` where ``mask`` is a path
    or the string ``"Negative"`` for an authentic image. Relative paths are
    relative to the JSON file's folder.
``Tp/`` + ``Gt/`` folder pair
    Tampered images in ``Tp/``, their masks in ``Gt/`` matched by file stem
    (a trailing ``_gt``, ``_mask``, ``-gt`` or ``-mask`` on the mask's stem is
    ignored); an optional ``Au/`` folder holds authentic images.

Masks are white (≥ 128) where the image was manipulated; JPEG masks are
thresholded the same way. A mask whose size differs from its image is
**resized with nearest-neighbour and a warning is recorded** when the aspect
ratio agrees within 2 % (datasets such as CASIA ship masks saved at a
slightly different scale; nearest keeps the mask binary and does not invent
boundary values). When the aspect ratio disagrees (e.g. a transposed mask),
the mask is **refused**: the image is skipped for pixel metrics with the
reason recorded, because no resize can make such a mask match.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from forgelens.batch import IMAGE_SUFFIXES

LABELS = ("authentic", "manipulated", "generated")
ENV_ROOT = "FORGELENS_DATASETS"
_MASK_SUFFIXES = ("_gt", "_mask", "-gt", "-mask", "_GT", "_Mask")


@dataclass(frozen=True)
class Item:
    """One benchmark image: paths relative to the dataset root (``image`` is its key)."""

    image: str
    mask: str | None
    label: str
    source: str = ""

    @property
    def positive(self) -> bool:
        """True for manipulated or generated images (image-level class 1)."""
        return self.label != "authentic"


@dataclass
class Dataset:
    name: str
    root: Path
    items: list[Item]
    layout: str  # "index.csv" | "imdl-json" | "tp-gt"
    problems: list[str] = field(default_factory=list)  # rows that could not be read

    def path(self, rel: str) -> Path:
        p = Path(rel)
        return p if p.is_absolute() else self.root / p

    def counts(self) -> dict[str, int]:
        c = {lab: 0 for lab in LABELS}
        for it in self.items:
            c[it.label] = c.get(it.label, 0) + 1
        c["masks"] = sum(1 for it in self.items if it.mask)
        return c

    def subset(self, limit: int | None) -> Dataset:
        """The first ``limit`` items of each label (deterministic: file order), or all."""
        if not limit:
            return self
        seen: dict[str, int] = {}
        keep = []
        for it in self.items:
            if seen.get(it.label, 0) < limit:
                keep.append(it)
                seen[it.label] = seen.get(it.label, 0) + 1
        return Dataset(self.name, self.root, keep, self.layout, list(self.problems))


def default_root() -> Path | None:
    """``../shared/datasets`` (relative to the working directory) when present, else ``$FORGELENS_DATASETS``."""
    here = Path.cwd().parent / "shared" / "datasets"
    if here.is_dir():
        return here
    env = os.environ.get(ENV_ROOT)
    return Path(env) if env else None


def write_index_csv(folder: Path, rows: list[tuple[str, str, str, str]]) -> None:
    """Write ``folder/index.csv`` (image, mask, label, source — the layout ``read_index_csv`` reads)
    under a temporary name and rename it, so an interrupted run never leaves half an index."""
    tmp = folder / "index.csv.tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["image", "mask", "label", "source"])
        w.writerows(rows)
    tmp.replace(folder / "index.csv")


def read_index_csv(folder: Path, name: str | None = None) -> Dataset:
    items, problems = [], []
    with open(folder / "index.csv", newline="", encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            image = (row.get("image") or "").strip()
            label = (row.get("label") or "").strip().lower()
            if not image or label not in LABELS:
                problems.append(f"index.csv line {i}: missing image or unknown label {label!r}")
                continue
            mask = (row.get("mask") or "").strip() or None
            items.append(Item(image, mask, label, (row.get("source") or "").strip()))
    return Dataset(name or folder.name, folder, items, "index.csv", problems)


def read_imdl_json(path: Path, name: str | None = None) -> Dataset:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of [image, mask] pairs")
    items, problems = [], []
    for i, pair in enumerate(data):
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            problems.append(f"entry {i}: expected [image, mask or 'Negative']")
            continue
        image, mask = pair
        if mask == "Negative":
            items.append(Item(image, None, "authentic"))
        else:
            items.append(Item(image, mask, "manipulated"))
    return Dataset(name or path.stem, path.parent, items, "imdl-json", problems)


def _mask_key(stem: str) -> str:
    for suf in _MASK_SUFFIXES:
        if stem.endswith(suf):
            return stem[: -len(suf)]
    return stem


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def read_tp_gt(folder: Path, name: str | None = None) -> Dataset:
    masks = {_mask_key(p.stem): p for p in _images_in(folder / "Gt")}
    items, problems = [], []
    for p in _images_in(folder / "Tp"):
        m = masks.get(p.stem) or masks.get(_mask_key(p.stem))
        if m is None:
            problems.append(f"Tp/{p.name}: no mask in Gt/ with that stem")
        items.append(Item(f"Tp/{p.name}", f"Gt/{m.name}" if m else None, "manipulated"))
    if (folder / "Au").is_dir():
        items += [Item(f"Au/{p.name}", None, "authentic") for p in _images_in(folder / "Au")]
    return Dataset(name or folder.name, folder, items, "tp-gt", problems)


def detect_layout(path: Path) -> str | None:
    if path.is_file() and path.suffix.lower() == ".json":
        return "imdl-json"
    if path.is_dir() and (path / "index.csv").is_file():
        return "index.csv"
    if path.is_dir() and (path / "Tp").is_dir() and (path / "Gt").is_dir():
        return "tp-gt"
    return None


def open_dataset(path: Path, name: str | None = None) -> Dataset:
    layout = detect_layout(path)
    if layout == "index.csv":
        return read_index_csv(path, name)
    if layout == "imdl-json":
        return read_imdl_json(path, name)
    if layout == "tp-gt":
        return read_tp_gt(path, name)
    raise FileNotFoundError(f"{path}: not a dataset (no index.csv, no Tp/+Gt/ pair, not a .json list)")


def find_datasets(root: Path | None = None) -> list[Dataset]:
    """Every dataset directly under ``root`` (folders with a known layout, and .json lists)."""
    root = root if root is not None else default_root()
    if root is None or not Path(root).is_dir():
        return []
    found = []
    for p in sorted(Path(root).iterdir()):
        if detect_layout(p) is not None:
            try:
                found.append(open_dataset(p))
            except (ValueError, OSError, json.JSONDecodeError):
                continue
    return found


def resolve(name_or_path: str, root: Path | None = None) -> Dataset:
    """A dataset by path (folder or .json), or by name under ``root`` (default: ``default_root()``)."""
    p = Path(name_or_path)
    if p.exists():
        return open_dataset(p)
    root = root if root is not None else default_root()
    if root is not None:
        for cand in (Path(root) / name_or_path, Path(root) / f"{name_or_path}.json"):
            if cand.exists():
                return open_dataset(cand, name_or_path)
    known = ", ".join(d.name for d in find_datasets(root)) or "none"
    raise FileNotFoundError(f"dataset {name_or_path!r} not found (root {root}; known: {known})")


class MaskError(Exception):
    """A mask that cannot be used: missing, unreadable, or of an incompatible shape."""


def read_mask(path: Path, shape: tuple[int, int], *, aspect_tolerance: float = 0.02) -> tuple[np.ndarray, str | None]:
    """Read a mask as bool (≥ 128 in any channel = manipulated) at ``shape`` (H, W).

    Returns (mask, warning or None). Raises MaskError when the mask is missing,
    unreadable, or its aspect ratio differs from the image's by more than
    ``aspect_tolerance`` (see the module docstring for the policy).
    """
    if not path.is_file():
        raise MaskError(f"mask file missing: {path.name}")
    try:
        with Image.open(path) as im:
            im.load()
            arr = np.asarray(im.convert("RGB") if im.mode not in ("L", "1", "I", "I;16", "F") else im)
    except Exception as exc:
        raise MaskError(f"mask unreadable: {path.name}: {type(exc).__name__}: {exc}") from exc
    if arr.ndim == 3:
        arr = arr.max(axis=2)
    if arr.dtype == bool:
        m = arr
    elif arr.dtype == np.uint8:
        m = arr >= 128
    else:  # 16-bit / float masks: half of their own range
        m = arr.astype(np.float64) >= (128 if arr.max() <= 255 else (np.iinfo(np.uint16).max + 1) / 2)
    h, w = shape
    if m.shape == (h, w):
        return m, None
    mh, mw = m.shape
    if abs((mw / mh) / (w / h) - 1) > aspect_tolerance:
        raise MaskError(f"mask {mw}x{mh} does not match image {w}x{h} (aspect ratio differs; refused)")
    resized = np.asarray(Image.fromarray(m.astype(np.uint8) * 255).resize((w, h), Image.NEAREST)) >= 128
    return resized, f"mask {mw}x{mh} resized (nearest) to image {w}x{h}"
