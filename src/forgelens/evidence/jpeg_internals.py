"""JPEG internals read with jpeglib: quantised DCT coefficients and quantisation tables.

Read once at load time so that every JPEG detector (double quantisation, grid,
quality estimation) shares the same coefficients without decoding the file again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class JpegInternals:
    """DCT coefficients and quantisation tables of a baseline or progressive JPEG.

    ``coefficients[c]`` is the quantised DCT of component c as an int16 array of
    shape (block_rows, block_cols, 8, 8); ``qtables[c]`` is the 8x8 table used by
    component c (row-major, natural order). Components are Y, Cb, Cr (Y only for
    grayscale). ``sampling`` holds each component's (vertical, horizontal) factor.
    """

    coefficients: tuple[np.ndarray, ...]
    qtables: tuple[np.ndarray, ...]
    sampling: tuple[tuple[int, int], ...]
    progressive: bool
    color_space: str

    @property
    def luma_qtable(self) -> np.ndarray:
        return self.qtables[0]


def read_jpeg_internals(data: bytes) -> tuple[JpegInternals | None, str | None]:
    """The JPEG internals of ``data`` (the bytes that were hashed), or (None, reason) if libjpeg
    cannot read them. The file is never read again, so what is analysed is what was hashed."""
    import jpeglib

    tmp_dir = memfd = None
    try:
        # jpeglib reads from a path: hand it the very bytes that were hashed, from memory
        # (a memfd) where the OS has them, else from a private temporary folder that is
        # removed below (never the original path: it may have changed since). jpeglib itself
        # then copies the bytes it read into a temporary file of its own (``tempfile``'s
        # folder, mode 0600, removed after reading); the service points that folder at each
        # job's private folder, which is removed with the job (``service/worker.py``).
        if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
            memfd = os.memfd_create("forgelens-jpeg", getattr(os, "MFD_CLOEXEC", 0))
            view = memoryview(data)
            while view:
                view = view[os.write(memfd, view):]
            src = f"/proc/self/fd/{memfd}"
        else:
            tmp_dir = tempfile.mkdtemp(prefix="forgelens-")  # mode 0700
            src = os.path.join(tmp_dir, "input.jpg")
            with open(src, "wb") as fh:
                fh.write(data)
        jpeg = jpeglib.read_dct(src)
        comps = [jpeg.Y]
        if jpeg.has_chrominance:
            comps += [jpeg.Cb, jpeg.Cr]
        qts = [np.asarray(jpeg.get_component_qt(i), dtype=np.uint16) for i in range(len(comps))]
        samp = tuple((int(a), int(b)) for a, b in np.asarray(jpeg.samp_factor)[: len(comps)])
        internals = JpegInternals(
            coefficients=tuple(_readonly(np.asarray(c, dtype=np.int16)) for c in comps),
            qtables=tuple(_readonly(q) for q in qts),
            sampling=samp,
            progressive=bool(jpeg.progressive_mode),
            color_space=str(jpeg.jpeg_color_space),
        )
        return internals, None
    except Exception as exc:  # libjpeg errors surface as many types
        return None, f"{type(exc).__name__}: {exc}"
    finally:
        if memfd is not None:
            os.close(memfd)
        if tmp_dir is not None:
            shutil.rmtree(tmp_dir, ignore_errors=True)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a
