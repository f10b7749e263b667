"""Evidence: everything forgelens knows about one input file, read once.

``load(path_or_bytes)`` reads the file's bytes once, decodes the pixels (uint8 RGB in
the stored pixel grid: EXIF orientation is recorded, never applied, or JPEG block traces
would break), hashes those bytes, reads the JPEG internals from them (DCT coefficients
and quantisation tables, via jpeglib), Pillow's basic metadata and the file structure
(``containers.walk``). The full provenance record (EXIF, XMP, IPTC, PNG text, C2PA,
generator conventions, JPEG table match: ``record``) is parsed from the same bytes and
walk on first use of ``Evidence.provenance``. The original file is opened read-only and
never written to. Bad input raises one ``ForgeLensError`` subclass naming the file and
the reason.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import io
import os
import re
import stat
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
    ForgeLensError,
    ImageTooSmallError,
    TruncatedImageError,
    UnreadableImageError,
    UnsupportedFormatError,
)
from forgelens.evidence.containers import Segment, png_chunks, walk
from forgelens.evidence.jpeg_internals import JpegInternals, read_jpeg_internals
from forgelens.evidence.metadata import Metadata, read_metadata
from forgelens.evidence.record import ProvenanceRecord, from_evidence
from forgelens.isolation import check_fits

__all__ = ["Evidence", "LoadLimits", "load", "JpegInternals", "Metadata", "ProvenanceRecord", "Segment"]


@dataclass(frozen=True)
class LoadLimits:
    """Input limits. A header claiming more than ``max_pixels`` is refused before decoding.

    Every parser of untrusted bytes is bounded as well; those caps live beside their
    parsers (module constants, one place each) and are listed here:

    - decoding: only the formats in ``READ_FORMATS``; inside an isolated worker an image
      whose analysis would not fit the worker's memory limit is refused before decoding
      (``isolation.check_fits``: ~100 bytes per pixel + 768 MB);
    - PNG text: compressed chunks inflating past 1 MB are dropped for Pillow
      (``_MAX_TEXT_INFLATE``); the metadata reader inflates at most 8 MB per chunk and
      16 MB per file, keeps 2 M characters per key, 1000 keys
      (``containers.MAX_TEXT_BYTES``, ``MAX_TOTAL_INFLATE_BYTES``, ``MAX_VALUE_CHARS``);
    - JPEG/PNG/WebP structure: at most 20 000 blocks (``containers.MAX_BLOCKS``), extended XMP
      at most 4 MB per GUID (``MAX_EXTENDED_XMP_BYTES``), 100 comments;
    - XMP: 1 MB packets from Pillow (``evidence.metadata``), 4 M characters parsed, 5000 fields,
      DOCTYPE/ENTITY refused, a linear-time fallback for broken XML (``evidence.xmp``);
    - EXIF: 16 IFDs, 1000 entries each, 1 MB per value, 16 MB of values in all, strings cut to
      4096 characters (``evidence.exif``); IPTC-IIM: 5000 datasets;
    - generator text: patterns scan at most 64 K characters of a value (``generators.MAX_SCAN_CHARS``);
    - C2PA: stores over 32 MB are not parsed, the SDK gets 20 s (``evidence.c2pa_reader``);
    - thumbnails: at most 1 MB and 2 MP.
    """

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
        # in bands of rows that stay in the CPU cache, into two reused buffers: the float32 arithmetic of
        # 0.299 * R + 0.587 * G + 0.114 * B (each product rounded to float32, summed left to right)
        band = 64
        a = np.empty((min(h, band), w), np.float32)
        b = np.empty_like(a)
        kr, kg, kb = np.float32(0.299), np.float32(0.587), np.float32(0.114)
        for r0 in range(0, h, band):
            p = self.pixels[r0 : r0 + band]
            n = p.shape[0]
            t, u = a[:n], b[:n]
            np.multiply(p[..., 0], kr, out=t, dtype=np.float32)
            np.multiply(p[..., 1], kg, out=u, dtype=np.float32)
            np.add(t, u, out=t)
            np.multiply(p[..., 2], kb, out=u, dtype=np.float32)
            np.add(t, u, out=y[r0 : r0 + n])
        y.setflags(write=False)
        return y

    @cached_property
    def provenance(self) -> ProvenanceRecord:
        """Every metadata block of the file parsed (EXIF, XMP, IPTC, PNG text, C2PA, generator
        conventions, JPEG table match), read from ``data`` on first use and kept; never raises."""
        return from_evidence(self)

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
        return bytes(src), (name or "<bytes>")
    path = Path(src)
    label = name or str(path)
    problem = path_problem(path)
    if problem:
        raise UnreadableImageError(label, problem)
    try:
        with open(path, "rb") as fh:  # read-only: the original is never written to
            opened = os.fstat(fh.fileno())
            size = opened.st_size
            if size > limits.max_file_bytes:
                raise DecompressionBombError(label, f"file is {size} bytes, over the "
                                                    f"{limits.max_file_bytes}-byte limit")
            data = fh.read(size + 1)  # bounded: a file that grows while it is read is not followed
            rewritten = os.fstat(fh.fileno()).st_mtime_ns != opened.st_mtime_ns  # same size, new bytes
    except OSError as exc:
        raise UnreadableImageError(label, f"cannot read file: {exc.strerror or exc}") from exc
    if len(data) != size or rewritten:
        how = (f"{size} bytes when opened, {'more' if len(data) > size else len(data)} read" if len(data) != size
               else "its modification time changed during the read")
        raise UnreadableImageError(label, f"the file changed while it was read ({how}); it is probably "
                                          "still being written: analyse it once it is complete")
    return data, label


def path_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot be read as an image file, or None for a regular file.

    Checked with ``stat`` before any ``open``: opening a named pipe blocks until a writer comes
    and a device such as /dev/zero never ends, so only regular files are read."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (too many levels of symbolic links)"
        if exc.errno == errno.ENOENT:
            return "broken symbolic link (its target does not exist)" if os.path.islink(path) else "no such file"
        return f"cannot read file: {exc.strerror or exc}"
    if stat.S_ISDIR(st.st_mode):
        return "is a directory, not an image file"
    if not stat.S_ISREG(st.st_mode):
        kind = ("a named pipe" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "a special file")
        return f"not a regular file ({kind}), so it is not read"
    return None


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
        if mode == "F" or arr.min(initial=0) < 0 or arr.max(initial=0) > 65535:
            # float or true 32-bit integer data: stretch the finite range to 0..255 (NaN/inf would
            # otherwise poison the range, and dividing by 257 would saturate 32-bit values)
            finite = np.isfinite(arr)
            lo, hi = (float(arr[finite].min()), float(arr[finite].max())) if finite.any() else (0.0, 0.0)
            arr = (np.where(finite, arr, lo) - lo) / (hi - lo + 1e-12) * 255.0
            notes.append("32-bit float image rescaled to 8 bits" if mode == "F"
                         else f"{mode} 32-bit integer image rescaled from {lo:g}..{hi:g} to 8 bits")
            if not finite.all():
                notes.append(f"{int((~finite).sum())} non-finite pixel values (NaN or infinity) set to the lowest level")
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


#: What a viewer does to the stored pixels for each EXIF Orientation value (EXIF 2.32, tag 274).
_ORIENTATION_TURN = {2: "mirrored left to right", 3: "turned 180°", 4: "mirrored top to bottom",
                     5: "mirrored along its main diagonal", 6: "turned 90° clockwise",
                     7: "mirrored along its other diagonal", 8: "turned 90° anticlockwise"}


def _after_first_image(data: bytes, segs: list[Segment]) -> list[str]:
    """What follows a JPEG's first image (its end-of-image marker) or a PNG's IEND chunk, where
    something does: a second JPEG (concatenated files, a phone's depth map or preview) or other
    bytes (an appended video or archive). Only the first image is decoded; the report says the rest
    was not analysed. The first FF D9 after a JPEG's first scan ends its image: entropy-coded data
    never holds one (ITU-T T.81 B.1.1.5: FF is stuffed with 00)."""
    iend = next((s for s in segs if s.name == "IEND"), None)
    sos = next((s for s in segs if s.name == "SOS"), None)
    if iend is not None:
        end, marker = iend.offset + 12 + iend.length, "PNG IEND chunk"
    elif sos is not None:
        eoi = data.find(b"\xff\xd9", sos.offset + 4 + sos.length)
        if eoi < 0:
            return []
        end, marker = eoi + 2, "JPEG end-of-image marker"
    else:
        return []
    rest = data[end:]
    if not rest.strip(b"\x00"):
        return []  # nothing, or zero padding
    start = end + len(rest) - len(rest.lstrip(b"\x00"))
    if data[start : start + 3] == b"\xff\xd8\xff":
        return [f"a JPEG image starts at byte {start}, after the {marker} ({len(data) - start} bytes); "
                "only the first image is analysed"]
    n = len(rest)
    return [f"{n} byte{'s' if n != 1 else ''} follow{'s' if n == 1 else ''} the {marker} "
            f"(byte {end} on); not part of the picture, not analysed"]


def _deep_colour_note(im: Image.Image, fmt: str, data: bytes) -> list[str]:
    """Say so where Pillow decoded a file of more than 8 bits a sample as 8-bit RGB(A) or grey with
    alpha: it keeps the high byte of each value without a word (a 16-bit RGB PNG opens as "RGB")."""
    if im.mode not in ("RGB", "RGBA", "CMYK", "LA"):
        return []
    bits = 8
    if fmt == "PNG" and len(data) > 25 and data[25] in (2, 4, 6):  # IHDR bit depth; RGB, grey+alpha, RGBA
        bits = data[24]
    elif fmt == "TIFF":
        b = getattr(im, "tag_v2", {}).get(258, (8,))
        bits = max(b) if isinstance(b, tuple) and b else b if isinstance(b, int) else 8
    if bits <= 8:
        return []
    return [f"{bits}-bit-per-channel {fmt} reduced to 8 bits by the decoder (the high byte of each value kept)"]


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
    data, label = _read_source(src, name, limits)
    if not data:
        raise EmptyFileError(label, "the file has zero bytes")

    dropped_text = ""
    if data.startswith(b"\x89PNG"):
        data_for_pillow, dropped_text = _png_without_oversized_text(data)
    else:
        data_for_pillow = data

    jpeg_read = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        warnings.simplefilter("ignore", UserWarning)  # Pillow's "Corrupt EXIF data" etc.: ours say it
        try:
            im = Image.open(io.BytesIO(data_for_pillow), formats=_read_formats())
        except UnidentifiedImageError as exc:
            raise _unidentified(label, data) from exc
        except Image.DecompressionBombError as exc:
            raise _bomb(label, exc, limits) from exc
        except Exception as exc:
            raise _damaged(label, sniff_format(data) or "image", data, exc) from exc

        fmt = (im.format or "UNKNOWN").upper()
        try:
            w, h = im.size
            if w * h > limits.max_pixels:
                raise DecompressionBombError(
                    label, f"{w}x{h} = {w * h} pixels, over the {limits.max_pixels}-pixel limit"
                )
            check_fits(label, w, h)  # inside an isolated worker: refuse what cannot fit its memory limit
            if min(w, h) < limits.min_side:
                raise ImageTooSmallError(label, f"{w}×{h} px, below the {limits.min_side} px a side forensic traces need")
            if fmt in ("JPEG", "MPO"):  # past the size checks: read the DCT coefficients beside the decode
                jpeg_read = _Beside(read_jpeg_internals, data)

            n_frames = int(getattr(im, "n_frames", 1) or 1)
            notes: list[str] = []
            if n_frames > 1:
                im.seek(0)
                notes.append(f"animated or multi-frame ({n_frames} frames): only the first frame is analysed")
            im.load()
            original_mode = im.mode
            pixels, alpha, mode_notes = _to_rgb8(im, label)
            notes += mode_notes + _deep_colour_note(im, fmt, data)
            metadata = read_metadata(im)
        except (ForgeLensError, MemoryError):
            raise
        except Image.DecompressionBombError as exc:
            raise _bomb(label, exc, limits) from exc
        except Exception as exc:  # any decoder failure, in any step, is one clear error about the file
            raise _damaged(label, fmt, data, exc) from exc
        if dropped_text:
            metadata = dataclasses.replace(metadata, errors=metadata.errors + (dropped_text,))
        container = _container_note(fmt, data)
        if container:
            notes.append(container)
        turned = im.info.get("original_orientation")  # pillow-heif applies a HEIF's irot/imir boxes
        if fmt == "HEIF" and turned not in (None, 1):
            notes.append(f"the HEIF rotation (orientation {turned}) was applied by the decoder: pixels, maps "
                         "and mask are as viewers show the picture")

    if metadata.orientation != 1:
        turn = _ORIENTATION_TURN.get(metadata.orientation)
        notes.append(f"EXIF orientation {metadata.orientation} recorded, not applied (pixels as stored)"
                     + (f": viewers show this picture {turn}, while the maps and the mask follow the stored "
                        "pixel grid" if turn else ""))
    pixels = np.ascontiguousarray(pixels)
    pixels.setflags(write=False)
    if alpha is not None:
        alpha.setflags(write=False)

    jpeg, jpeg_error = (None, None)
    if fmt in ("JPEG", "MPO"):
        jpeg, jpeg_error = jpeg_read.result() if jpeg_read is not None else read_jpeg_internals(data)
        if jpeg is not None:
            by, bx = jpeg.coefficients[0].shape[:2]
            if by * 8 < pixels.shape[0] or bx * 8 < pixels.shape[1]:
                jpeg_error = f"DCT grid {by}x{bx} blocks does not cover {pixels.shape[1]}x{pixels.shape[0]} pixels"
                jpeg = None
    segs, structure_error = walk(data, fmt) if fmt in WALKED_FORMATS else ([], None)
    if fmt in ("JPEG", "PNG"):
        notes += _after_first_image(data, segs)

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


class _Beside:
    """``fn(*args)`` run in a thread of its own; ``result()`` waits for it and returns its value.

    ``load`` reads a JPEG's DCT coefficients with jpeglib (``read_jpeg_internals``, ~0.1 s at
    6 MP) while Pillow decodes the pixels: both are C code that releases the GIL, so the two
    reads overlap instead of running one after the other (issue 16, session 10). The reader
    starts only once the picture's size has passed the bomb and size checks, and reads the very
    bytes that were hashed, as before; ``result()`` gives what the serial call gave. When the
    decode fails after it started, the reader is left to finish on its own (a daemon thread that
    holds only the bytes; ``read_jpeg_internals`` returns its own errors).
    """

    def __init__(self, fn, *args) -> None:
        import threading

        self._out = self._exc = None
        self._thread = threading.Thread(target=self._run, args=(fn, args), name="forgelens-jpeg-internals",
                                        daemon=True)
        self._thread.start()

    def _run(self, fn, args) -> None:
        try:
            self._out = fn(*args)
        except BaseException as exc:  # re-raised in the caller's thread by result()
            self._exc = exc

    def result(self):
        self._thread.join()
        if self._exc is not None:
            raise self._exc
        return self._out


#: Formats whose block list is ``Evidence.segments`` (WebP's RIFF chunks are walked for the
#: provenance record only, as before).
WALKED_FORMATS = ("JPEG", "MPO", "PNG")

#: Pillow refuses compressed PNG text chunks that inflate past this (PngImagePlugin.MAX_TEXT_CHUNK).
_MAX_TEXT_INFLATE = 1 << 20
#: Most bytes inflated over all compressed text chunks of one PNG (Pillow's MAX_TEXT_MEMORY is 64 MB).
_MAX_TEXT_INFLATE_TOTAL = 16 << 20


def _png_without_oversized_text(data: bytes) -> tuple[bytes, str]:
    """Drop zTXt/iTXt chunks that inflate past Pillow's limit (a decompression bomb in
    metadata), and every one after 16 MB inflated in all, so the pixels can still be
    analysed; say what was dropped. Other bytes kept."""
    segs, _err = png_chunks(data)
    drop = []
    inflated = 0
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
        if inflated > _MAX_TEXT_INFLATE_TOTAL:  # a flood of compressed chunks: the rest unread, dropped
            drop.append(seg)
            continue
        try:
            n = len(zlib.decompressobj().decompress(compressed, _MAX_TEXT_INFLATE + 1))
            inflated += n
            too_big = n > _MAX_TEXT_INFLATE
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
    if len(drop) > 5:
        names = ", ".join(f"{s.name} at byte {s.offset}" for s in drop[:5]) + f" and {len(drop) - 5} more"
    return bytes(out), (f"PNG text chunk(s) inflating past {_MAX_TEXT_INFLATE} bytes (or past "
                        f"{_MAX_TEXT_INFLATE_TOTAL} bytes in all) ignored: {names}")


#: Formats Pillow is asked to try. Others are not attempted: EPS would run Ghostscript, and
#: formats with weak signatures (TGA, PCX, ...) take random bytes for a damaged image.
READ_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "GIF", "BMP", "DIB", "PPM", "HEIF", "AVIF", "JPEG2000", "PSD",
                "ICO", "QOI")

try:  # HEIC/HEIF from phones (optional: pip install pillow-heif); AVIF is read by Pillow itself
    import pillow_heif as _pillow_heif

    _pillow_heif.register_heif_opener()
except Exception:  # pragma: no cover - not installed
    _pillow_heif = None


def _read_formats() -> list[str]:
    Image.init()  # every plugin registered (cheap after the first call)
    return [f for f in READ_FORMATS if f in Image.OPEN]


_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")


def sniff_format(data: bytes) -> str | None:
    """The image format a file's first bytes announce (None when they announce none)."""
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:2] == b"BM":
        return "BMP"
    if head[4:8] == b"ftyp":
        if head[8:12] in (b"avif", b"avis"):
            return "AVIF"
        if head[8:12] in _HEIF_BRANDS:
            return "HEIF"
    if head[:1] == b"P" and head[1:2] in (b"1", b"2", b"3", b"4", b"5", b"6") and head[2:3].isspace():
        return "PPM"
    if head[:4] == b"8BPS" and head[4:6] in (b"\x00\x01", b"\x00\x02"):  # Photoshop PSD / PSB
        return "PSD"
    if head[:4] == b"\x00\x00\x01\x00" and head[4:6] != b"\x00\x00":  # Windows icon with >= 1 image
        return "ICO"
    if head[:4] == b"qoif":
        return "QOI"
    if head[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n" or head[:4] == b"\xffO\xffQ":  # JP2 box, J2K codestream
        return "JPEG2000"
    return None


def _not_an_image(data: bytes) -> str | None:
    """What a non-image file is, from its first bytes."""
    head = data[:512].lstrip()
    low = head[:256].lower()
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (or an office document)"
    if head.startswith(b"\x1f\x8b"):
        return "gzip-compressed data"
    if low.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if b"<svg" in low:
        return "an SVG drawing (vector graphics are not analysed)"
    if data[4:8] == b"ftyp":
        return f"an ISO media file of brand {data[8:12].decode('latin-1')!r} (video or an unsupported still format)"
    if _looks_like_text(data[:64]):
        return "text"
    return None


def _unidentified(label: str, data: bytes) -> ForgeLensError:
    """Pillow found no reader: say whether it is damaged, another kind of file, or noise."""
    kind = sniff_format(data)
    if kind is not None:
        reason = "no reader installed for it"
        if kind in _read_formats():
            try:
                Image.OPEN[kind][0](io.BytesIO(data), "")  # the plugin's own complaint
            except Exception as exc:
                reason = _decoder_text(exc)
            else:
                reason = "not accepted by any reader"
        elif kind == "HEIF":
            return UnsupportedFormatError(label, "HEIC/HEIF needs pillow-heif (pip install 'forgelens[heif]')")
        return _damaged(label, kind, data, reason, header=True)
    other = _not_an_image(data)
    if other:
        return UnreadableImageError(label, f"content is {other}, not an image")
    return UnreadableImageError(label, f"content is not an image: no known image signature "
                                       f"(first bytes {data[:8].hex(' ')})")


def _decoder_text(exc: Exception | str) -> str:
    if isinstance(exc, str):
        return exc
    msg = str(exc) or type(exc).__name__
    msg = msg.replace("could not create decoder object", "libwebp could not start decoding")
    if isinstance(exc, OSError) or type(exc).__name__ in ("SyntaxError", "EOFError"):
        return msg
    return f"{type(exc).__name__}: {msg}"


def _cut_short(fmt: str, data: bytes) -> str | None:
    """Why the file looks cut short (its own size fields or end markers), or None."""
    tail = data.rstrip(b"\x00")
    if fmt in ("JPEG", "MPO") and not tail.endswith(b"\xff\xd9"):
        return "no end-of-image marker"
    if fmt == "PNG" and b"IEND" not in data[-64:]:
        return "no IEND chunk"
    if fmt == "GIF" and not tail.endswith(b";"):
        return "no GIF trailer"
    if fmt == "WEBP" and len(data) >= 8:
        declared = 8 + int.from_bytes(data[4:8], "little")
        if declared > len(data):
            return f"its RIFF header declares {declared} bytes, the file has {len(data)}"
    if fmt == "BMP" and len(data) >= 6:
        declared = int.from_bytes(data[2:6], "little")
        if declared > len(data):
            return f"its header declares {declared} bytes, the file has {len(data)}"
    return None


def _damaged(label: str, fmt: str, data: bytes, exc: Exception | str, header: bool = False) -> ForgeLensError:
    """One error for a file of a known format that does not decode: a valid variant no reader
    here handles (12-bit or lossless JPEG, float RGB TIFF), cut short, or corrupt."""
    variant = _unsupported_variant(fmt, data)
    if variant:
        return UnsupportedFormatError(label, f"{variant}; decoder: {_decoder_text(exc)}")
    msg = _decoder_text(exc)
    cut = _cut_short(fmt, data)
    if cut or "truncat" in msg.lower() or "end of file" in msg.lower():
        return TruncatedImageError(label, f"the {fmt} file ends before its image data is complete"
                                          f"{f' ({cut})' if cut else ''}; decoder: {msg}")
    part = "header" if header else "image data"
    return UnreadableImageError(label, f"the {fmt} {part} is corrupt; decoder: {msg}")


#: JPEG frame types (ITU-T T.81 table B.1) that Pillow's libjpeg build does not decode.
_JPEG_UNSUPPORTED_SOF = {0xC3: "lossless (SOF3, as in DNG raw files and medical images)",
                         0xC5: "hierarchical (SOF5)", 0xC6: "hierarchical (SOF6)", 0xC7: "hierarchical lossless (SOF7)",
                         0xCB: "lossless arithmetic-coded (SOF11)", 0xCD: "hierarchical (SOF13)",
                         0xCE: "hierarchical (SOF14)", 0xCF: "hierarchical lossless (SOF15)"}
#: TIFF SampleFormat values (TIFF 6.0, tag 339).
_TIFF_SAMPLE_FORMATS = {1: "unsigned integer", 2: "signed integer", 3: "floating-point", 4: "undefined"}


def _unsupported_variant(fmt: str, data: bytes) -> str | None:
    """A valid file variant no reader here decodes, named from its own header (or None).

    JPEG: the first frame header's type and sample precision (only 8-bit baseline, extended,
    progressive and arithmetic frames are decoded); TIFF: a pixel layout Pillow has no mode for
    (e.g. three 32-bit float samples, as raw converters and HDR tools write)."""
    if fmt in ("JPEG", "MPO"):
        segs, _err = walk(data, "JPEG")
        for seg in segs:
            marker = data[seg.offset + 1] if seg.offset + 1 < len(data) else 0
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and seg.length >= 1:
                precision = data[seg.offset + 4]
                if marker in _JPEG_UNSUPPORTED_SOF:
                    return f"{_JPEG_UNSUPPORTED_SOF[marker]} JPEG, {precision}-bit: no decoder here reads it"
                if precision != 8:
                    return f"{precision}-bit JPEG (frame header {seg.name}): only 8-bit JPEGs are decoded here"
                return None
        return None
    if fmt == "TIFF":
        try:
            from PIL import TiffImagePlugin

            fp = io.BytesIO(data)
            ifd = TiffImagePlugin.ImageFileDirectory_v2(data[:16] if data[2:4] in (b"+\x00", b"\x00+") else data[:8])
            fp.seek(ifd.next)
            ifd.load(fp)
        except Exception:  # not readable enough to describe: the caller's message stands
            return None
        bits = ifd.get(258, (1,))
        samples = ifd.get(277, 1)
        kind = _TIFF_SAMPLE_FORMATS.get((ifd.get(339) or (1,))[0], "unknown")
        bits = bits if isinstance(bits, tuple) else (bits,)
        if kind == "floating-point" and samples > 1 or max(bits) > 32 or samples > 5:
            return (f"TIFF of {samples} samples per pixel, {'/'.join(map(str, bits))}-bit {kind}: "
                    "no reader here has a pixel mode for this layout")
    return None


def _container_note(fmt: str, data: bytes) -> str | None:
    """Name the container of HEIF/AVIF files (ISO BMFF brand), which the report shows."""
    if fmt in ("HEIF", "AVIF") and data[4:8] == b"ftyp":
        brand = data[8:12].decode("latin-1", errors="replace")
        return f"{fmt} container (ISO BMFF, major brand {brand!r}); pixels are the primary image, decoded"
    return None


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
