"""Output files of a benchmark run that are not tables: maps, per-image scores, per-image records.

(The metric tables — JSON, CSV, Markdown — are ``tables.py``; the plots ``plots.py``.)
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

from forgelens.bench.records import ImageRecord


def map_path(maps_dir: str | os.PathLike, detector: str, image_id: str, perturbation: str = "none") -> Path:
    """``DIR[/<perturbation>]/<detector>/<dataset>__<image path with / → __>.png``."""
    base = Path(maps_dir)
    if perturbation != "none":
        base = base / perturbation.replace(":", "_")
    return base / detector / (image_id.replace("/", "__") + ".png")


def save_map(path: Path, heatmap: np.ndarray) -> None:
    """A heatmap in [0, 1] as a 16-bit grey PNG at full resolution (value x 65535)."""
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    u16 = np.rint(np.clip(heatmap, 0, 1) * 65535).astype(np.uint16)
    if not cv2.imwrite(str(path), u16):
        raise OSError(f"could not write {path}")


def write_scores_csv(records: list[ImageRecord], maps_dir: Path) -> list[Path]:
    """``DIR[/<perturbation>]/<detector>/scores.csv`` with ``image,score`` (empty where no score)."""
    groups: dict[Path, list[tuple[str, float | None]]] = {}
    for r in records:
        for d, e in r.detectors.items():
            folder = map_path(maps_dir, d, "x", r.perturbation).parent
            groups.setdefault(folder, []).append((r.image_id, e.score))
    written = []
    for folder, rows in groups.items():
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "scores.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["image", "score"])
            for image, score in rows:
                w.writerow([image, "" if score is None else f"{score:.6g}"])
        written.append(folder / "scores.csv")
    return written


def write_per_image(records: list[ImageRecord], path: Path) -> Path:
    """One JSON object per line, ``ImageRecord.to_dict()`` (read back with ``read_per_image``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r.to_dict()) + "\n" for r in records))
    return path


def read_per_image(path: Path) -> list[ImageRecord]:
    """The records of a ``per_image.jsonl`` written by ``write_per_image`` (or by earlier versions)."""
    return [ImageRecord.from_dict(json.loads(line)) for line in Path(path).read_text().splitlines() if line.strip()]
