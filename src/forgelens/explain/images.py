"""Maps and pictures as PNG: 8-bit gray heatmaps, colour overlays, previews."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
from PIL import Image

from forgelens.maps import robust_unit

PREVIEW_LONG_SIDE = 1600


def map_to_uint8(m: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(np.asarray(m, np.float32) * 255.0), 0, 255).astype(np.uint8)


def save_map_png(m: np.ndarray, path: Path) -> None:
    """Full-resolution 8-bit gray PNG, 255 = most suspicious."""
    Image.fromarray(map_to_uint8(m), mode="L").save(path, optimize=False)


def overlay(pixels: np.ndarray, m: np.ndarray, alpha: float = 0.55) -> np.ndarray:
    """The picture in gray with the map in a red–yellow ramp on top, where the map is high."""
    gray = pixels.astype(np.float32).mean(axis=2, keepdims=True)
    base = np.repeat(gray * 0.8, 3, axis=2)
    v = np.clip(m.astype(np.float32), 0, 1)[..., None]
    heat = np.concatenate([np.full_like(v, 255.0), 255.0 * v, np.zeros_like(v)], axis=2)
    a = alpha * v
    return np.clip(base * (1 - a) + heat * a, 0, 255).astype(np.uint8)


def preview(arr: np.ndarray, long_side: int = PREVIEW_LONG_SIDE) -> Image.Image:
    im = Image.fromarray(arr)
    if max(im.size) > long_side:
        s = long_side / max(im.size)
        im = im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), Image.Resampling.BILINEAR)
    return im


def data_uri(arr: np.ndarray, long_side: int = PREVIEW_LONG_SIDE, fmt: str = "PNG") -> str:
    """PNG (or JPEG, for photo-like overlays: a third of the bytes) data URI of a (downscaled
    for display) picture or map."""
    if arr.dtype != np.uint8:
        arr = map_to_uint8(arr)
    buf = io.BytesIO()
    if fmt == "JPEG":
        preview(arr, long_side).save(buf, format="JPEG", quality=85)
        return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    preview(arr, long_side).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


class Previews:
    """Display previews of one picture, made once per size, and maps drawn over them at that
    size (a 24 MP map is shrunk before it is coloured, not after)."""

    def __init__(self, pixels: np.ndarray):
        self.pixels = np.asarray(pixels)
        self._base: dict[int, np.ndarray] = {}

    def base(self, long_side: int) -> np.ndarray:
        if long_side not in self._base:
            self._base[long_side] = np.asarray(preview(self.pixels, long_side))
        return self._base[long_side]

    def overlay_uri(self, m: np.ndarray, long_side: int = PREVIEW_LONG_SIDE) -> str:
        import cv2

        base = self.base(long_side)
        small = cv2.resize(np.asarray(m, np.float32), (base.shape[1], base.shape[0]), interpolation=cv2.INTER_AREA)
        return data_uri(overlay(base, small), long_side, fmt="JPEG")


def draw_pairs(pixels: np.ndarray, pairs: list[list[float]], boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    """The picture with copy-move pairs drawn: a line from each source point to its copy,
    and the source / target boxes, so a person sees what was copied where."""
    import cv2

    out = np.ascontiguousarray(pixels.copy())
    thick = max(1, round(max(out.shape[:2]) / 500))
    for x0, y0, x1, y1 in boxes:
        cv2.rectangle(out, (int(x0), int(y0)), (int(x1), int(y1)), (0, 200, 255), thick)
    for xs, ys, xd, yd in pairs:
        cv2.line(out, (round(xs), round(ys)), (round(xd), round(yd)), (255, 40, 40), thick, cv2.LINE_AA)
        cv2.circle(out, (round(xs), round(ys)), 2 * thick, (40, 255, 40), -1)
    return out


def display_unit(m: np.ndarray) -> np.ndarray:
    """An extra map for display: as is when already in [0, 1], else robustly stretched to it."""
    m = np.asarray(m, dtype=np.float32)
    if m.size and 0.0 <= float(m.min()) and float(m.max()) <= 1.0:
        return m
    return robust_unit(m)


def outline(pixels: np.ndarray, mask: np.ndarray | None, long_side: int = PREVIEW_LONG_SIDE) -> np.ndarray:
    """A display preview of the picture with the fused mask's outline drawn on it (yellow line
    with a dark edge, visible on light and dark content), so the marked region is seen in place."""
    import cv2

    im = np.asarray(preview(np.asarray(pixels), long_side)).copy()
    if mask is None or not np.any(mask):
        return im
    small = cv2.resize(np.asarray(mask, np.uint8), (im.shape[1], im.shape[0]), interpolation=cv2.INTER_NEAREST)
    contours, _ = cv2.findContours(small, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    thick = max(1, round(max(im.shape[:2]) / 400))
    cv2.drawContours(im, contours, -1, (0, 0, 0), thick + 2, cv2.LINE_AA)
    cv2.drawContours(im, contours, -1, (255, 220, 0), thick, cv2.LINE_AA)
    return im
