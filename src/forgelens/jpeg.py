"""JPEG on the ground floor: the standard tables, the IJG quality estimate, one encoder.

Every part of forgelens that writes or reasons about a JPEG (the JPEG detectors,
provenance checks, the synthetic-forgery generator, the benchmark perturbations,
the training recipes) uses these, so the same pixels and settings give the same
bytes everywhere. Imports nothing from forgelens.

All encoding is Pillow's (libjpeg / libjpeg-turbo) with optimisation off: the
same pixels, quality and subsampling give the same bytes with the same library
versions. Decoding uses OpenCV's libjpeg-turbo straight into a NumPy array; its
pixels equal Pillow's decoder (same IJG islow IDCT and fancy upsampling).
"""

from __future__ import annotations

import io
import os
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image

__all__ = [
    "STD_LUMA_QTABLE",
    "STD_CHROMA_QTABLE",
    "ZIGZAG",
    "SUBSAMPLING",
    "ijg_qtable",
    "estimate_jpeg_quality",
    "encode_jpeg",
    "decode_jpeg",
    "recompress",
]

# ITU-T T.81 Annex K, tables K.1 (luminance) and K.2 (chrominance), natural (row-major) order.
STD_LUMA_QTABLE = np.array(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ],
    dtype=np.int32,
)
STD_CHROMA_QTABLE = np.array(
    [
        [17, 18, 24, 47, 99, 99, 99, 99],
        [18, 21, 26, 66, 99, 99, 99, 99],
        [24, 26, 56, 99, 99, 99, 99, 99],
        [47, 66, 99, 99, 99, 99, 99, 99],
        [99, 99, 99, 99, 99, 99, 99, 99],
        [99, 99, 99, 99, 99, 99, 99, 99],
        [99, 99, 99, 99, 99, 99, 99, 99],
        [99, 99, 99, 99, 99, 99, 99, 99],
    ],
    dtype=np.int32,
)

# Zig-zag scan order: ZIGZAG[k] = (row, col) of the k-th coefficient.
ZIGZAG: tuple[tuple[int, int], ...] = tuple(
    sorted(
        ((r, c) for r in range(8) for c in range(8)),
        key=lambda rc: (rc[0] + rc[1], rc[0] if (rc[0] + rc[1]) % 2 else rc[1]),
    )
)

#: Pillow subsampling codes: 0 = 4:4:4, 1 = 4:2:2, 2 = 4:2:0.
SUBSAMPLING = {"4:4:4": 0, "4:2:2": 1, "4:2:0": 2}


def ijg_qtable(quality: int, chroma: bool = False, force_baseline: bool = True) -> np.ndarray:
    """The quantisation table the IJG libjpeg (and Pillow, OpenCV) writes for ``quality``.

    IJG scaling: S = 5000 / q for q < 50, else 200 - 2q; Q = floor((T * S + 50) / 100),
    clamped to [1, 255] (baseline) or [1, 32767].
    """
    q = int(np.clip(quality, 1, 100))
    scale = 5000 // q if q < 50 else 200 - 2 * q
    base = STD_CHROMA_QTABLE if chroma else STD_LUMA_QTABLE
    t = (base * scale + 50) // 100
    return np.clip(t, 1, 255 if force_baseline else 32767).astype(np.int32)


@lru_cache(maxsize=2)
def _all_ijg_tables(chroma: bool) -> np.ndarray:
    return np.stack([ijg_qtable(q, chroma) for q in range(1, 101)]).astype(np.float64)


def estimate_jpeg_quality(qtable: np.ndarray, chroma: bool = False) -> tuple[int, bool]:
    """Estimate the IJG quality factor (1..100) that produced a quantisation table.

    Parameters
    ----------
    qtable : (8, 8) array
        Quantisation table in natural (row-major) order, as ``Evidence.jpeg.qtables[c]``.
    chroma : bool, optional
        Compare with the Annex K chrominance table instead of the luminance one.

    Returns
    -------
    quality : int
        The IJG quality whose scaled table is closest (least mean absolute log ratio).
    is_standard_ijg : bool
        True when the table equals the IJG table of that quality exactly (libjpeg,
        Pillow, OpenCV, GIMP, ...); False for custom tables (many cameras, Photoshop),
        where ``quality`` is only the nearest IJG equivalent.

    Notes
    -----
    Assumes the encoder scaled the Annex K example table the IJG way; for other
    tables the number is an equivalent quality, not the setting the user chose.

    References
    ----------
    .. [1] ITU-T T.81 (1992), Annex K.1; Independent JPEG Group libjpeg ``jpeg_quality_scaling``.

    Examples
    --------
    >>> estimate_jpeg_quality(ijg_qtable(75))
    (75, True)
    """
    t = np.asarray(qtable, dtype=np.float64).reshape(8, 8)
    if np.any(t < 1):
        raise ValueError("quantisation table has entries < 1")
    tables = _all_ijg_tables(bool(chroma))
    exact = np.all(tables == t[None], axis=(1, 2))
    if exact.any():
        # several qualities can map to the same table (e.g. near 100); report the highest
        return int(np.flatnonzero(exact)[-1] + 1), True
    err = np.mean(np.abs(np.log(tables) - np.log(t)[None]), axis=(1, 2))
    return int(np.argmin(err) + 1), False


def _subsampling_code(subsampling: int | str) -> int:
    if isinstance(subsampling, str):
        if subsampling not in SUBSAMPLING:
            raise ValueError(f"unknown chroma subsampling {subsampling!r}; use one of {sorted(SUBSAMPLING)}")
        return SUBSAMPLING[subsampling]
    code = int(subsampling)
    if code not in (0, 1, 2):
        raise ValueError(f"unknown chroma subsampling code {code}; use 0 (4:4:4), 1 (4:2:2) or 2 (4:2:0)")
    return code


def encode_jpeg(pixels: np.ndarray | Image.Image, quality: int, subsampling: int | str = "4:2:0") -> bytes:
    """Baseline JPEG bytes of uint8 RGB (or gray) pixels with the IJG tables scaled to ``quality``.

    ``pixels`` may also be a Pillow image (made once with ``Image.fromarray`` when
    sweeping qualities). ``subsampling`` is ``"4:4:4"``, ``"4:2:2"``, ``"4:2:0"`` or
    Pillow's code 0, 1, 2; it is ignored for gray pixels.
    """
    im = pixels if isinstance(pixels, Image.Image) else Image.fromarray(np.ascontiguousarray(pixels))
    options = {"quality": int(quality), "subsampling": _subsampling_code(subsampling), "optimize": False}
    fd = _memory_file()
    if fd is None:
        buf = io.BytesIO()
        im.save(buf, "JPEG", **options)
        return buf.getvalue()
    with open(fd, "w+b") as f:  # closes fd
        im.save(f, "JPEG", **options)
        f.seek(0)
        return f.read()


def _memory_file() -> int | None:
    """A file descriptor of an anonymous in-memory file (Linux ``memfd_create``), or None.

    Pillow encodes into a real file with ``encode_to_file``, which releases the GIL while
    libjpeg works; into a ``BytesIO`` it calls ``encode`` chunk by chunk holding the GIL
    (Pillow's ``encode.c``). Same encoder, same settings, same bytes — but with detectors
    running side by side (``pipeline.analyze(workers=2)``), the other thread is no longer
    stalled by JPEG-ghost's quality sweep (issue 16, session 11). None where the system has no
    ``memfd_create`` (then ``BytesIO``: same bytes, GIL held).
    """
    create = getattr(os, "memfd_create", None)
    if create is None:
        return None
    try:
        return create("forgelens-jpeg", getattr(os, "MFD_CLOEXEC", 0))
    except OSError:
        return None


_IMREAD_RGB = getattr(cv2, "IMREAD_COLOR_RGB", None)


def decode_jpeg(data: bytes, gray: bool = False) -> np.ndarray:
    """Decode JPEG bytes to uint8 RGB (or gray with ``gray``), EXIF orientation not applied."""
    buf = np.frombuffer(data, np.uint8)
    if gray:
        out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    elif _IMREAD_RGB is not None:
        out = cv2.imdecode(buf, _IMREAD_RGB | cv2.IMREAD_IGNORE_ORIENTATION)
    else:
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
        if out is not None:
            out = cv2.cvtColor(out, cv2.COLOR_BGR2RGB, dst=out)
    if out is None:
        raise ValueError("not decodable as JPEG")
    return out


def recompress(pixels: np.ndarray | Image.Image, quality: int, subsampling: int | str = "4:2:0") -> np.ndarray:
    """One JPEG round trip at ``quality``: encode with :func:`encode_jpeg`, decode again.

    Gray input (2-D array or Pillow mode ``L``) comes back gray, anything else RGB.
    """
    im = pixels if isinstance(pixels, Image.Image) else Image.fromarray(np.ascontiguousarray(pixels))
    return decode_jpeg(encode_jpeg(im, quality, subsampling), gray=im.mode == "L")
