"""Pristine sources: find the camera originals, check them, tell cameras apart.

Every file under the given folders is read with :func:`forgelens.evidence.load`
(the same loader the analysis uses). A file is skipped, with the reason
recorded, when it cannot be read, when it is smaller than ``min_side`` pixels
on a side, or when it does not look like a photograph (mostly perfectly flat
8x8 blocks or very few grey levels: graphics, screenshots, test patterns).
The camera of a photo is its EXIF make and model; files without them count as
cameras of their own.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from forgelens.errors import ForgeLensError
from forgelens.evidence import LoadLimits, load
from forgelens.jpeg import estimate_jpeg_quality

__all__ = ["Pristine", "Skipped", "list_files", "inspect_file", "photo_problem", "camera_id"]

SKIP_SUFFIXES = {".csv", ".txt", ".md", ".json", ".jsonl", ".xml", ".html", ".py", ".log", ".npz", ".npy"}


@dataclass(frozen=True)
class Pristine:
    """One usable pristine photo. ``label`` is its portable name (folder name / relative path)."""

    path: str
    label: str
    camera: str
    width: int
    height: int
    format: str
    sha256: str
    jpeg_quality: int | None

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("path")
        return d


@dataclass(frozen=True)
class Skipped:
    label: str
    reason: str


def list_files(dirs: list[str | os.PathLike], exclude: list[str] | None = None) -> list[tuple[str, str]]:
    """All candidate files under ``dirs`` as sorted (path, label) pairs.

    The label is ``<folder name>/<path relative to it>`` (POSIX separators), so
    recipes do not depend on where the folders are mounted. Hidden files and
    files matching an ``exclude`` glob (on the label or the file name) are left out.
    """
    exclude = exclude or []
    out: dict[str, str] = {}
    names_seen: dict[str, int] = {}
    for d in dirs:
        root = Path(d)
        if root.is_file():
            files, base = [root], root.parent
        else:
            files, base = [p for p in root.rglob("*") if p.is_file()], root
        name = root.name if root.is_dir() else root.parent.name
        k = names_seen.get(name, 0)
        names_seen[name] = k + 1
        if k:
            name = f"{name}~{k}"
        for p in files:
            rel = p.relative_to(base).as_posix()
            if any(part.startswith(".") for part in Path(rel).parts):
                continue
            label = f"{name}/{rel}"
            if any(fnmatch.fnmatch(label, g) or fnmatch.fnmatch(p.name, g) for g in exclude):
                continue
            out[label] = str(p)
    return [(out[k], k) for k in sorted(out)]


def photo_problem(pixels: np.ndarray) -> str | None:
    """Why ``pixels`` do not look like a photograph, or None."""
    y = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2GRAY)
    f = min(1.0, 512.0 / max(y.shape))
    if f < 1.0:
        y = cv2.resize(y, (max(8, round(y.shape[1] * f)), max(8, round(y.shape[0] * f))),
                       interpolation=cv2.INTER_NEAREST)
    levels = int(np.unique(y).size)
    if levels < 32:
        return f"only {levels} grey levels: a graphic, not a photo"
    h8, w8 = (y.shape[0] // 8) * 8, (y.shape[1] // 8) * 8
    blocks = y[:h8, :w8].astype(np.float32).reshape(h8 // 8, 8, w8 // 8, 8).std(axis=(1, 3))
    flat = float((blocks < 0.5).mean())
    if flat > 0.5:
        return f"{flat:.0%} of 8x8 blocks perfectly flat: a graphic or synthetic image, not a photo"
    return None


def camera_id(exif: dict[str, str]) -> str | None:
    make = " ".join(str(exif.get("Make", "")).split())
    model = " ".join(str(exif.get("Model", "")).split())
    if not model:
        return None
    if make and not model.lower().startswith(make.split()[0].lower()):
        return f"{make} {model}"
    return model


def inspect_file(path: str, label: str, min_side: int = 256) -> Pristine | Skipped:
    """Load one candidate with forgelens' loader and decide whether it can serve."""
    suffix = Path(path).suffix.lower()
    if suffix in SKIP_SUFFIXES:
        return Skipped(label, f"not an image file ({suffix})")
    try:
        ev = load(path, name=label, limits=LoadLimits(min_side=min_side))
    except ForgeLensError as exc:
        return Skipped(label, f"{exc.reason}: {exc.detail}")
    except Exception as exc:  # never let one odd file stop a scan
        return Skipped(label, f"{type(exc).__name__}: {exc}")
    problem = photo_problem(ev.pixels)
    if problem:
        return Skipped(label, problem)
    cam = camera_id(ev.metadata.exif) or f"unknown:{label}"
    q = estimate_jpeg_quality(ev.jpeg.qtables[0])[0] if ev.jpeg is not None else None
    return Pristine(path, label, cam, ev.width, ev.height, ev.format, ev.sha256, q)
