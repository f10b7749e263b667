"""JPEG histories: encoding, donor recompression and 8x8-grid alignment.

The traces a JPEG detector reads are made by the *history* of a picture, not
by the edit itself. A camera original opened in an editor, edited and saved
again carries aligned double compression in the untouched background (the
camera's quantisation followed by the editor's) while a pasted region carries
whatever the donor went through. Cropping the host by an offset that is not a
multiple of 8 before the save shifts the grid: the background then shows
non-aligned double compression. Pasting a donor region at an offset that is a
multiple of 8 relative to the donor's own grid keeps the donor's blocking
aligned with the host's; any other offset misaligns it.

JPEG encoding and the donor round trip are :func:`forgelens.jpeg.encode_jpeg`
and :func:`forgelens.jpeg.recompress` (one encoder for the whole project). All
encoders are Pillow's (libjpeg / libjpeg-turbo, libwebp), with
optimisation off, which gives the same bytes for the same pixels and settings
with the same library versions (``library_versions`` records them).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, features

__all__ = [
    "encode_png",
    "encode_webp",
    "decode",
    "grid_offset",
    "is_grid_aligned",
    "library_versions",
]


def encode_png(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buf, "PNG", compress_level=6)
    return buf.getvalue()


def encode_webp(pixels: np.ndarray, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buf, "WEBP", quality=int(quality), method=4)
    return buf.getvalue()


def decode(data: bytes) -> np.ndarray:
    """Decode encoder output back to uint8 RGB (writable copy)."""
    with Image.open(io.BytesIO(data)) as im:
        return np.array(im.convert("RGB"), dtype=np.uint8)


def grid_offset(y: int, x: int) -> tuple[int, int]:
    """Position of a pixel within its 8x8 JPEG block."""
    return int(y) % 8, int(x) % 8


def is_grid_aligned(dy: int, dx: int) -> bool:
    """True when a shift by (dy, dx) keeps the 8x8 grid in place."""
    return int(dy) % 8 == 0 and int(dx) % 8 == 0


def library_versions() -> dict[str, str]:
    """Versions of the codec libraries that decide the output bytes."""
    import PIL

    out = {"pillow": PIL.__version__}
    for name in ("libjpeg_turbo", "webp", "zlib"):
        try:
            v = features.version(name)
        except Exception:  # feature names differ across Pillow versions
            v = None
        if v:
            out[name] = str(v)
    return out
