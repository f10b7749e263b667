"""Dataset writer: the ``../shared/datasets`` layout plus the recipe of every image.

::

    OUT/index.csv        image,mask,label,source + source_mask,kind,method,post,host_camera,donor_camera
    OUT/recipe.jsonl     one JSON object per image: every parameter drawn (regenerates the image)
    OUT/synth.json       run settings, pristine pool, codec versions, counts
    OUT/synth.log        one line per skipped pristine file or failed image, with the reason
    OUT/images/NNNNNN.{jpg,png,webp}
    OUT/masks/NNNNNN.png          white = manipulated (absent for authentic images)
    OUT/masks/NNNNNN_source.png   copy-move / exemplar source region

Nothing written depends on time, host name or folder locations, so the same
inputs give byte-identical folders.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

from forgelens.synth.generate import Sample

__all__ = ["INDEX_COLUMNS", "write_sample", "write_index", "write_recipes", "mask_png"]

INDEX_COLUMNS = ["image", "mask", "label", "source", "source_mask", "kind", "method", "post",
                 "host_camera", "donor_camera"]


def mask_png(mask: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(mask.astype(np.uint8) * 255).save(buf, "PNG", compress_level=6)
    return buf.getvalue()


def write_sample(sample: Sample, out: Path) -> tuple[dict, dict]:
    """Write one sample's files under ``out``; return its index row and recipe line."""
    i = sample.task.index
    stem = f"{i:06d}"
    image = f"images/{stem}.{sample.final.ext}"
    (out / image).write_bytes(sample.final.data)
    mask = source_mask = ""
    if sample.final_mask is not None:
        mask = f"masks/{stem}.png"
        (out / mask).write_bytes(mask_png(sample.final_mask))
    if sample.final_source_mask is not None:
        source_mask = f"masks/{stem}_source.png"
        (out / source_mask).write_bytes(mask_png(sample.final_source_mask))
    row = {
        "image": image,
        "mask": mask,
        "label": "authentic" if sample.task.kind == "authentic" else "manipulated",
        "source": f"synth:{sample.task.host.label}",
        "source_mask": source_mask,
        "kind": sample.task.kind,
        "method": sample.method,
        "post": sample.task.post,
        "host_camera": sample.task.host.camera,
        "donor_camera": sample.task.donor.camera if sample.task.donor is not None else "",
    }
    recipe = dict(sample.recipe)
    recipe.update(image=image, mask=mask or None, source_mask=source_mask or None, label=row["label"])
    return row, recipe


def write_index(rows: list[dict], out: Path) -> None:
    with open(out / "index.csv", "w", newline="", encoding="utf-8") as fh:
        wr = csv.DictWriter(fh, fieldnames=INDEX_COLUMNS, lineterminator="\n")
        wr.writeheader()
        for r in rows:
            wr.writerow(r)


def write_recipes(recipes: list[dict], out: Path) -> None:
    with open(out / "recipe.jsonl", "w", encoding="utf-8") as fh:
        for r in recipes:
            fh.write(json.dumps(r, sort_keys=True, separators=(",", ":"), default=_plain) + "\n")


def _plain(o):
    """JSON for NumPy scalars and arrays that slip into recipes."""
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
