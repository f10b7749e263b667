"""Post-processing chains: what happens to a picture after the edit.

Each chain is a named, sampled list of steps applied to the edited pixels; the
last step is always an encoder, so the chain decides the file format. The
forger's own save comes first in every chain ("save": JPEG at a sampled
quality, or lossless PNG), then:

==========  ==============================================================
``none``    nothing more: the file is the forger's save
``jpeg``    one more JPEG compression, quality 60–98 (a re-upload)
``resize``  downscale by 0.5–0.9 (area interpolation), then the save
``social``  the save, then long side capped at 1600 px and JPEG q80 with
            4:2:0 chroma (the usual social-network transcode)
``webp``    the save, then lossy WebP quality 60–95
``blur``    Gaussian blur sigma 0.4–1.0, then the save
``noise``   additive Gaussian noise sigma 1–3 grey levels, then the save
==========  ==============================================================

Masks follow geometric steps (resizes) with area interpolation thresholded at
one half, so the mask still marks the manipulated pixels of the final image.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from forgelens.jpeg import encode_jpeg
from forgelens.synth import jpeg_history as jh

__all__ = ["CHAINS", "Encoded", "sample_chain", "apply_chain", "resize_mask"]

CHAINS = ("none", "jpeg", "resize", "social", "webp", "blur", "noise")


@dataclass(frozen=True)
class Encoded:
    """Final file bytes, its extension and the decoded pixels."""

    data: bytes
    ext: str
    pixels: np.ndarray


def sample_chain(rng: np.random.Generator, name: str, png_probability: float = 0.25) -> list[dict]:
    """Draw the parameters of chain ``name`` as a list of step dicts (recorded in the recipe)."""
    if name not in CHAINS:
        raise ValueError(f"unknown post-processing chain {name!r}; choose from {CHAINS}")
    if rng.random() < png_probability:
        save = {"op": "png"}
    else:
        save = {
            "op": "jpeg",
            "quality": int(rng.integers(70, 99)),
            "subsampling": "4:2:0" if rng.random() < 0.7 else "4:4:4",
        }
    if name == "none":
        return [save]
    if name == "jpeg":
        return [save, {"op": "jpeg", "quality": int(rng.integers(60, 99)), "subsampling": "4:2:0"}]
    if name == "resize":
        return [{"op": "resize", "factor": round(float(rng.uniform(0.5, 0.9)), 4)}, save]
    if name == "social":
        return [save, {"op": "cap_long_side", "long_side": 1600},
                {"op": "jpeg", "quality": 80, "subsampling": "4:2:0"}]
    if name == "webp":
        return [save, {"op": "webp", "quality": int(rng.integers(60, 96))}]
    if name == "blur":
        return [{"op": "blur", "sigma": round(float(rng.uniform(0.4, 1.0)), 4)}, save]
    # noise
    return [{"op": "noise", "sigma": round(float(rng.uniform(1.0, 3.0)), 4),
             "seed": int(rng.integers(0, 2**31 - 1))}, save]


def resize_mask(mask: np.ndarray, size_wh: tuple[int, int]) -> np.ndarray:
    """Resize a boolean mask with area interpolation, thresholded at 0.5."""
    if mask.shape[::-1] == tuple(size_wh):
        return mask
    m = cv2.resize(mask.astype(np.float32), size_wh, interpolation=cv2.INTER_AREA)
    return m >= 0.5


def _resize(pixels: np.ndarray, size_wh: tuple[int, int]) -> np.ndarray:
    return cv2.resize(pixels, size_wh, interpolation=cv2.INTER_AREA)


def apply_chain(
    pixels: np.ndarray, steps: list[dict], masks: list[np.ndarray | None]
) -> tuple[Encoded, list[np.ndarray | None], list[dict]]:
    """Run ``steps`` on ``pixels``; returns the final file, the masks resized alike, and
    the steps with what actually happened (e.g. whether the cap resized) filled in."""
    cur = np.ascontiguousarray(pixels)
    data, ext = None, None
    done: list[dict] = []
    for step in steps:
        op = step["op"]
        step = dict(step)
        if op == "jpeg":
            data, ext = encode_jpeg(cur, step["quality"], step.get("subsampling", "4:2:0")), "jpg"
            cur = jh.decode(data)
        elif op == "png":
            data, ext = jh.encode_png(cur), "png"
        elif op == "webp":
            data, ext = jh.encode_webp(cur, step["quality"]), "webp"
            cur = jh.decode(data)
        elif op == "resize":
            h, w = cur.shape[:2]
            size = (max(8, round(w * step["factor"])), max(8, round(h * step["factor"])))
            cur, data = _resize(cur, size), None
            masks = [None if m is None else resize_mask(m, size) for m in masks]
            step["size"] = list(size)
        elif op == "cap_long_side":
            h, w = cur.shape[:2]
            f = step["long_side"] / max(h, w)
            if f < 1.0:
                size = (max(8, round(w * f)), max(8, round(h * f)))
                cur, data = _resize(cur, size), None
                masks = [None if m is None else resize_mask(m, size) for m in masks]
                step["size"] = list(size)
            else:
                step["size"] = None  # already small enough: only the recompression acts
        elif op == "blur":
            cur, data = cv2.GaussianBlur(cur, (0, 0), step["sigma"]), None
        elif op == "noise":
            nrng = np.random.default_rng(step["seed"])
            noisy = cur.astype(np.float32) + nrng.normal(0.0, step["sigma"], cur.shape).astype(np.float32)
            cur, data = np.clip(np.rint(noisy), 0, 255).astype(np.uint8), None
        else:
            raise ValueError(f"unknown post-processing step {op!r}")
        done.append(step)
    if data is None:  # chain did not end in an encoder: store losslessly
        data, ext = jh.encode_png(cur), "png"
        done.append({"op": "png"})
    return Encoded(data=data, ext=ext, pixels=cur), masks, done
