"""Evidence: everything forgelens knows about one input file, read once.

``load(path_or_bytes)`` decodes the pixels (uint8 RGB in the stored pixel grid:
EXIF orientation is recorded, never applied, or JPEG block traces would break),
hashes the original bytes, reads the JPEG internals (DCT coefficients and
quantisation tables, via jpeglib), basic metadata and the file structure. The
original file is opened read-only and never written to. Bad input raises one
``ForgeLensError`` subclass naming the file and the reason.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
import warnings
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from forgelens.errors import (
    DecompressionBombError,
    EmptyFileError,
    ImageTooSmallError,
    TruncatedImageError,
    UnreadableImageError,
    UnsupportedFormatError,
)
from forgelens.evidence.jpeg_internals import JpegInternals, read_jpeg_internals
from forgelens.evidence.metadata import Metadata, read_metadata
from forgelens.evidence.structure import Segment, segments
from forgelens.isolation import check_fits

__all__ = ["Evidence", "LoadLimits", "load", "JpegInternals", "Metadata", "Segment"]


@dataclass(frozen=True)
class LoadLimits:
    """Input limits. A header claiming more than ``max_pixels`` is refused before decoding."""

    max_pixels: int = 150_000_000
    max_file_bytes: int = 1 << 30
    min_side: int = 64


@dataclass(frozen=True)
class Evidence:
    """Immutable record of one input image (pixels are read-only arrays)."""

    source: str
    data: bytes = field(repr=False)
    sha256: str
    format: str
    pixels: np.ndarray = field(repr=False)
    alpha: np.ndarray | None = field(default=None, repr=False)
    original_mode: str = "RGB"
    n_frames: int = 1
    notes: tuple[str, ...] = ()
    jpeg: JpegInternals | None = field(default=None, repr=False)
    jpeg_error: str | None = None
    metadata: Metadata = field(default_factory=Metadata, repr=False)
    segments: tuple[Segment, ...] = field(default=(), repr=False)
    structure_error: str | None = None

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def megapixels(self) -> float:
        return self.height * self.width / 1e6

    @property
    def size_bytes(self) -> int:
        return len(self.data)

    @cached_property
    def luminance(self) -> np.ndarray:
        """ITU-R BT.601 luma as float32 (the Y that JPEG encoders use), read-only."""
        h, w = self.shape
        y = np.empty((h, w), np.float32)
        # in bands of rows: the same float32 arithmetic, without a float copy of all pixels
        for r0 in range(0, h, 256):
            p = self.pixels[r0 : r0 + 256].astype(np.float32)
            y[r0 : r0 + 256] = 0.299 * p[..., 0] + 0.587 * p[..., 1] + 0.114 * p[..., 2]
        y.setflags(write=False)
        return y

    def describe(self) -> dict:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "original_mode": self.original_mode,
            "n_frames": self.n_frames,
            "notes": list(self.notes),
            "jpeg": None
            if self.jpeg is None
            else {
                "progressive": self.jpeg.progressive,
                "components": len(self.jpeg.coefficients),
                "sampling": [list(s) for s in self.jpeg.sampling],
                "luma_qtable": self.jpeg.qtables[0].tolist(),
            },
            "jpeg_error": self.jpeg_error,
            "segments": [[s.name, s.offset, s.length] for s in self.segments[:200]],
            "structure_error": self.structure_error,
        }


def _read_source(src: str | os.PathLike | bytes, name: str | None, limits: LoadLimits):
    if isinstance(src, bytes | bytearray | memoryview):
        return bytes(src), (name or "<bytes>"), None
    path = Path(src)
    label = name or str(path)
    if not path.exists():
        raise UnreadableImageError(label, "no such file")
    if path.is_dir():
        raise UnreadableImageError(label, "is a directory, not an image file")
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise DecompressionBombError(label, f"file is {size} bytes, over the {limits.max_file_bytes}-byte limit")
    try:
        with open(path, "rb") as fh:  # read-only: the original is never written to
            data = fh.read()
    except OSError as exc:
        raise UnreadableImageError(label, f"cannot read file: {exc.strerror or exc}") from exc
    return data, label, str(path)


def _to_rgb8(im: Image.Image, label: str) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Convert any Pillow mode to uint8 RGB (+ alpha if present), saying what was done."""
    notes: list[str] = []
    mode = im.mode
    alpha = None
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        notes.append("palette image expanded to RGB")
        mode = im.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        alpha = np.asarray(im.getchannel("A"), dtype=np.uint8).copy()
        im = im.convert("RGB")
        notes.append("alpha channel kept aside; analysis uses the colour channels")
    elif mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(im).astype(np.float64)
        if mode == "F":
            lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
            arr = (arr - lo) / (hi - lo + 1e-12) * 255.0
            notes.append("32-bit float image rescaled to 8 bits")
        elif arr.max(initial=0) > 255:
            arr = arr / 257.0
            notes.append(f"{mode} high-bit-depth image reduced to 8 bits")
        g = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
        return np.repeat(g[..., None], 3, axis=2), None, notes
    elif mode == "CMYK":
        im = im.convert("RGB")
        notes.append("CMYK image converted to RGB (naive conversion, no colour management)")
    elif mode in ("L", "1"):
        g = np.asarray(im.convert("L"), dtype=np.uint8)
        return np.repeat(g[..., None], 3, axis=2), None, notes + (["bilevel image"] if mode == "1" else [])
    elif mode != "RGB":
        try:
            im = im.convert("RGB")
            notes.append(f"{mode} image converted to RGB")
        except Exception as exc:
            raise UnsupportedFormatError(label, f"pixel mode {mode} cannot be converted to RGB") from exc
    arr = np.asarray(im, dtype=np.uint8)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise UnsupportedFormatError(label, f"unexpected pixel layout {arr.shape} for mode {mode}")
    return arr, alpha, notes


def load(
    src: str | os.PathLike | bytes,
    *,
    name: str | None = None,
    limits: LoadLimits | None = None,
) -> Evidence:
    """Read an image file (or its bytes) into immutable Evidence.

    Parameters
    ----------
    src : path or bytes
        The image. A path is opened read-only.
    name : str, optional
        Label used in errors and reports (defaults to the path, or "<bytes>").
    limits : LoadLimits, optional
        Pixel-count, file-size and minimum-side limits.

    Raises
    ------
    ForgeLensError
        EmptyFileError, UnreadableImageError, TruncatedImageError,
        UnsupportedFormatError, DecompressionBombError or ImageTooSmallError,
        each naming the file and the reason.
    """
    limits = limits or LoadLimits()
    data, label, path = _read_source(src, name, limits)
    if not data:
        raise EmptyFileError(label, "the file has zero bytes")

    dropped_text = ""
    if data.startswith(b"\x89PNG"):
        data_for_pillow, dropped_text = _png_without_oversized_text(data)
    else:
        data_for_pillow = data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data_for_pillow))
        except UnidentifiedImageError as exc:
            head = data[:64]
            kind = "text, not an image" if _looks_like_text(head) else "not an image format this tool reads"
            raise UnreadableImageError(label, f"content is {kind}") from exc
        except Image.DecompressionBombError as exc:
            raise _bomb(label, exc, limits) from exc
        except Exception as exc:
            if "truncat" in str(exc).lower() or "buffer" in str(exc).lower():
                raise TruncatedImageError(label, f"file ends inside its header ({exc})") from exc
            raise UnreadableImageError(label, f"{type(exc).__name__}: {exc}") from exc

        fmt = (im.format or "UNKNOWN").upper()
        w, h = im.size
        if w * h > limits.max_pixels:
            raise DecompressionBombError(
                label, f"{w}x{h} = {w * h} pixels, over the {limits.max_pixels}-pixel limit"
            )
        check_fits(label, w, h)  # inside an isolated worker: refuse what cannot fit its memory limit
        if min(w, h) < limits.min_side:
            raise ImageTooSmallError(label, f"{w}x{h}; forensic traces need at least {limits.min_side} px a side")

        n_frames = int(getattr(im, "n_frames", 1) or 1)
        notes: list[str] = []
        if n_frames > 1:
            im.seek(0)
            notes.append(f"animated or multi-frame ({n_frames} frames): only the first frame is analysed")
        try:
            im.load()
        except Image.DecompressionBombError as exc:
            raise _bomb(label, exc, limits) from exc
        except OSError as exc:
            msg = str(exc)
            if "truncat" in msg.lower() or "premature" in msg.lower() or isinstance(exc, EOFError):
                raise TruncatedImageError(label, msg) from exc
            raise UnreadableImageError(label, msg) from exc
        except (SyntaxError, ValueError, EOFError) as exc:
            raise TruncatedImageError(label, f"{type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            raise UnreadableImageError(label, f"{type(exc).__name__}: {exc}") from exc

        original_mode = im.mode
        pixels, alpha, mode_notes = _to_rgb8(im, label)
        notes += mode_notes
        metadata = read_metadata(im)
        if dropped_text:
            metadata = dataclasses.replace(metadata, errors=metadata.errors + (dropped_text,))

    if metadata.orientation != 1:
        notes.append(f"EXIF orientation {metadata.orientation} recorded, not applied (pixels as stored)")
    pixels = np.ascontiguousarray(pixels)
    pixels.setflags(write=False)
    if alpha is not None:
        alpha.setflags(write=False)

    jpeg, jpeg_error = (None, None)
    if fmt in ("JPEG", "MPO"):
        jpeg, jpeg_error = read_jpeg_internals(data, path)
        if jpeg is not None:
            by, bx = jpeg.coefficients[0].shape[:2]
            if by * 8 < pixels.shape[0] or bx * 8 < pixels.shape[1]:
                jpeg_error = f"DCT grid {by}x{bx} blocks does not cover {pixels.shape[1]}x{pixels.shape[0]} pixels"
                jpeg = None
    segs, structure_error = segments(data, "JPEG" if fmt == "MPO" else fmt)

    return Evidence(
        source=label,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        pixels=pixels,
        alpha=alpha,
        original_mode=original_mode,
        n_frames=n_frames,
        notes=tuple(notes),
        jpeg=jpeg,
        jpeg_error=jpeg_error,
        metadata=metadata,
        segments=tuple(segs),
        structure_error=structure_error,
    )


#: Pillow refuses compressed PNG text chunks that inflate past this (PngImagePlugin.MAX_TEXT_CHUNK).
_MAX_TEXT_INFLATE = 1 << 20


def _png_without_oversized_text(data: bytes) -> tuple[bytes, str]:
    """Drop zTXt/iTXt chunks that inflate past Pillow's limit (a decompression bomb in
    metadata), so the pixels can still be analysed; say what was dropped. Other bytes kept."""
    segs, _err = segments(data, "PNG")
    drop = []
    for seg in segs:
        if seg.name not in ("zTXt", "iTXt"):
            continue
        body = data[seg.offset + 8 : seg.offset + 8 + seg.length]
        key, _, rest = body.partition(b"\x00")
        if seg.name == "zTXt":
            compressed = rest[1:]
        elif rest[:1] == b"\x01":  # iTXt with compression flag set
            parts = rest[2:].split(b"\x00", 2)
            compressed = parts[2] if len(parts) == 3 else b""
        else:
            continue
        try:
            too_big = len(zlib.decompressobj().decompress(compressed, _MAX_TEXT_INFLATE + 1)) > _MAX_TEXT_INFLATE
        except zlib.error:
            too_big = False  # Pillow reports corrupt chunks itself
        if too_big:
            drop.append(seg)
    if not drop:
        return data, ""
    out, pos = bytearray(), 0
    for seg in drop:
        out += data[pos : seg.offset]
        pos = seg.offset + 12 + seg.length
    out += data[pos:]
    names = ", ".join(f"{s.name} at byte {s.offset}" for s in drop)
    return bytes(out), f"PNG text chunk(s) inflating past {_MAX_TEXT_INFLATE} bytes ignored: {names}"


def _bomb(label: str, exc: Exception, limits: LoadLimits) -> DecompressionBombError:
    """Pillow's own pixel guard fired first: say it with forgelens's limit."""
    m = re.search(r"\((\d+) pixels\)", str(exc))
    claimed = f"{int(m.group(1))} pixels" if m else "more pixels than Pillow will open"
    return DecompressionBombError(label, f"header claims {claimed}, over the {limits.max_pixels}-pixel limit "
                                         "(nothing decoded)")


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in head)
    return printable / len(head) > 0.95
