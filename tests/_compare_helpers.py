"""Edited copies with exact masks for the compare tests: a paste, a removal, a text change,
then the processing of a re-share (crop, scale, colour grade, JPEG)."""

from __future__ import annotations

import cv2
import numpy as np
from conftest import decode, jpeg_bytes, natural_image


def original(seed: int = 3, h: int = 480, w: int = 640) -> np.ndarray:
    """A photo-like picture with the corners and blobs local features need: shapes, lines, texture."""
    rng = np.random.default_rng(seed)
    img = natural_image(h, w, seed=seed).copy()
    for _ in range(70):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        kind, x, y = rng.integers(0, 3), int(rng.integers(0, w)), int(rng.integers(0, h))
        size = int(rng.integers(6, 40))
        if kind == 0:
            cv2.rectangle(img, (x, y), (x + size, y + int(rng.integers(6, 40))), colour, -1)
        elif kind == 1:
            cv2.circle(img, (x, y), size // 2, colour, -1)
        else:
            cv2.line(img, (x, y), (x + int(rng.integers(-60, 60)), y + int(rng.integers(-60, 60))), colour, 3)
    return img


def paste(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    out, m = img.copy(), np.zeros(img.shape[:2], bool)
    out[150:230, 260:370] = img[330:410, 40:150]
    m[150:230, 260:370] = True
    return out, m


def removal(img: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(reference showing an object, suspect with it inpainted away, the object's mask)."""
    ref = img.copy()
    obj = np.zeros(img.shape[:2], np.uint8)
    cv2.ellipse(obj, (420, 300), (55, 35), 20, 0, 360, 255, -1)
    ref[obj > 0] = (200, 60, 40)
    hole = cv2.dilate(obj, np.ones((7, 7), np.uint8))
    return ref, cv2.inpaint(ref, hole, 5, cv2.INPAINT_TELEA), obj > 0


def with_text(img: np.ndarray, text: str) -> np.ndarray:
    out = img.copy()
    cv2.putText(out, text, (150, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (250, 250, 240), 4, cv2.LINE_AA)
    return out


def text_change(img: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(reference with one caption, suspect with another, mask of the pixels that differ)."""
    ref, sus = with_text(img, "MAY 2019"), with_text(img, "JUN 2024")
    m = np.abs(ref.astype(int) - sus.astype(int)).max(axis=2) > 0
    return ref, sus, m


def reshare(img: np.ndarray, mask: np.ndarray, *, crop=(0.08, 0.1, 0.85, 0.85), scale: float = 0.7,
            quality: int = 80, gamma: float = 1.0, gain: float = 1.0) -> tuple[bytes, np.ndarray]:
    """Crop (fractions y, x, h, w), scale, grade, JPEG: the suspect bytes and its mask."""
    h, w = img.shape[:2]
    y0, x0, ch, cw = int(crop[0] * h), int(crop[1] * w), int(crop[2] * h), int(crop[3] * w)
    c, m = img[y0:y0 + ch, x0:x0 + cw], mask[y0:y0 + ch, x0:x0 + cw]
    size = (round(cw * scale), round(ch * scale))
    c = cv2.resize(c, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    m = cv2.resize(m.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    c = np.clip(255 * gain * (c / 255.0) ** gamma, 0, 255).astype(np.uint8)
    data = jpeg_bytes(c, quality)
    return data, m


__all__ = ["decode", "original", "paste", "removal", "reshare", "text_change", "with_text"]
