"""One synthetic image from one planned task: crop, edit, post-process, record.

The order of random draws is fixed (crop, then the edit, then the chain), all
from one generator seeded with the task's ``image_seed``, so a task (which the
recipe records in full) regenerates the same bytes.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field

import numpy as np

from forgelens import __version__
from forgelens.evidence import LoadLimits, load
from forgelens.synth import manipulations as man
from forgelens.synth.postprocess import Encoded, apply_chain, sample_chain
from forgelens.synth.sources import Pristine

__all__ = ["KINDS", "Options", "Task", "Sample", "make", "image_seed"]

#: Kinds of output; every manipulated kind has exact masks.
KINDS = ("authentic", "splice", "copymove", "removal-inpaint", "removal-exemplar", "local")
#: Recipe format version: bump when the same task would give different bytes.
RECIPE_VERSION = 1


@dataclass(frozen=True)
class Options:
    """Generation settings (recorded in every recipe line).

    max_pixels : crop hosts larger than this to about this many pixels (camera traces
        survive cropping, not resizing).
    misaligned_crop_probability : chance the crop offset is not a multiple of 8, so
        the host's own JPEG grid is shifted (non-aligned double compression).
    png_probability : chance the forger saves losslessly instead of as JPEG.
    """

    max_pixels: int = 1_048_576
    misaligned_crop_probability: float = 0.25
    png_probability: float = 0.25
    min_side: int = 256


@dataclass(frozen=True)
class Task:
    index: int
    image_seed: int
    kind: str
    post: str
    host: Pristine
    donor: Pristine | None = None
    options: Options = field(default_factory=Options)


@dataclass
class Sample:
    """Everything made for one task. ``base``/``edited``/``mask`` are before post-processing."""

    task: Task
    base: np.ndarray
    edited: np.ndarray
    mask: np.ndarray | None
    source_mask: np.ndarray | None
    final: Encoded
    final_mask: np.ndarray | None
    final_source_mask: np.ndarray | None
    method: str
    recipe: dict


def image_seed(seed: int, index: int) -> int:
    """Per-image seed derived from the global seed and the image index."""
    return int(np.random.SeedSequence([int(seed), int(index)]).generate_state(2, np.uint32).view(np.uint64)[0]
               & np.uint64(2**63 - 1))


@functools.lru_cache(maxsize=6)
def _pixels(path: str, min_side: int) -> np.ndarray:
    return load(path, limits=LoadLimits(min_side=min_side)).pixels


def _crop(rng: np.random.Generator, shape: tuple[int, int], opts: Options, is_jpeg: bool, force_aligned=False):
    h, w = shape
    f = min(1.0, math.sqrt(opts.max_pixels / (h * w)))
    ch, cw = min(h, int(h * f)), min(w, int(w * f))
    misaligned = (not force_aligned) and is_jpeg and rng.random() < opts.misaligned_crop_probability
    if misaligned:
        ch, cw = min(ch, h - 7), min(cw, w - 7)  # room for a 1–7 px shift
        oy = int(rng.integers(0, h - ch + 1))
        ox = int(rng.integers(0, w - cw + 1))
        if oy % 8 == 0 and ox % 8 == 0:
            ox = ox + 1 if ox + 1 <= w - cw else ox - 1
    else:
        oy = 8 * int(rng.integers(0, (h - ch) // 8 + 1))
        ox = 8 * int(rng.integers(0, (w - cw) // 8 + 1))
    grid = ("misaligned" if (oy % 8 or ox % 8) else "aligned") if is_jpeg else "none"
    return (oy, ox, ch, cw), grid


def _method(kind: str, params: dict) -> str:
    if kind == "splice":
        return str(params.get("donor_grid", ""))
    if kind == "copymove":
        parts = [p for p, on in (("rotate", params["angle"] != 0), ("scale", params["scale"] != 1.0)) if on]
        return "+".join(parts) or "translate"
    if kind == "removal-inpaint":
        return str(params["method"])
    if kind == "removal-exemplar":
        return "exemplar"
    if kind == "local":
        return str(params["op"])
    return ""


def make(task: Task, pixels=None) -> Sample:
    """Make the sample for ``task``. ``pixels(path, min_side)`` loads a pristine (default: cached ``load``)."""
    pixels = pixels or _pixels
    opts = task.options
    rng = np.random.default_rng(task.image_seed)
    host_full = pixels(task.host.path, opts.min_side)
    (oy, ox, ch, cw), host_grid = _crop(rng, host_full.shape[:2], opts, task.host.format == "JPEG")
    base = np.ascontiguousarray(host_full[oy : oy + ch, ox : ox + cw])
    recipe: dict = {
        "index": task.index,
        "image_seed": task.image_seed,
        "kind": task.kind,
        "post": task.post,
        "host": task.host.to_dict(),
        "donor": task.donor.to_dict() if task.donor is not None else None,
        "crop": [oy, ox, ch, cw],
        "host_grid": host_grid,
        "options": asdict(opts),
        "recipe_version": RECIPE_VERSION,
        "forgelens_version": __version__,
    }
    k = task.kind
    if k == "authentic":
        edit = man.Edit(base.copy(), np.zeros(base.shape[:2], bool), None, {})
    elif k == "splice":
        if task.donor is None:
            raise ValueError("splice needs a donor photo")
        donor_full = pixels(task.donor.path, opts.min_side)
        (dy, dx, dh, dw), _ = _crop(rng, donor_full.shape[:2], opts, task.donor.format == "JPEG", True)
        donor = np.ascontiguousarray(donor_full[dy : dy + dh, dx : dx + dw])
        recipe["donor_crop"] = [dy, dx, dh, dw]
        edit = man.splice(base, donor, rng)
    elif k == "copymove":
        edit = man.copy_move(base, rng)
    elif k == "removal-inpaint":
        edit = man.remove_inpaint(base, rng)
    elif k == "removal-exemplar":
        edit = man.remove_exemplar(base, rng)
    elif k == "local":
        edit = man.local_process(base, rng)
    else:
        raise ValueError(f"unknown kind {k!r}; choose from {KINDS}")
    recipe["edit"] = edit.params
    steps = sample_chain(rng, task.post, opts.png_probability)
    final, (fmask, fsrc), done = apply_chain(edit.pixels, steps, [edit.mask, edit.source_mask])
    recipe["post_steps"] = done
    recipe["size"] = list(final.pixels.shape[:2])
    manipulated = k != "authentic"
    recipe["mask_fraction"] = round(float(fmask.mean()), 5) if manipulated else 0.0
    return Sample(
        task=task,
        base=base,
        edited=edit.pixels,
        mask=edit.mask if manipulated else None,
        source_mask=edit.source_mask,
        final=final,
        final_mask=fmask if manipulated else None,
        final_source_mask=fsrc,
        method=_method(k, edit.params),
        recipe=recipe,
    )
