"""JPEG internals read with jpeglib: quantised DCT coefficients and quantisation tables.

Read once at load time so that every JPEG detector (double quantisation, grid,
quality estimation) shares the same coefficients without decoding the file again.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import shutil
import tempfile
import threading
from collections.abc import Iterator
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


class _LibjpegQuiet:
    """Keep libjpeg's warnings ("Premature end of JPEG file", "Corrupt JPEG data: …") off stderr
    while jpeglib reads a file.

    jpeglib's C reader installs libjpeg's standard error manager (``jpeg_std_error``), whose
    ``output_message`` writes each warning with ``fprintf(stderr, …)``; jpeglib offers no hook to
    replace it. The read runs beside Pillow's decode (``evidence._Beside``) and, when the file is
    damaged, finishes after forgelens has already raised the file's own error (``TruncatedImageError``
    …), so the warning came out as a stray line under the next file's output, in a batch or in the
    service's log. The file's own error, from Pillow's decode, is unchanged; a jpeglib failure is
    still returned as ``(None, reason)``.

    How: for the duration of the read, C's ``stderr`` stream pointer (libc's global ``FILE *stderr``,
    which every C library in the process shares) points at ``/dev/null``; the readers count in and out
    under a lock, so concurrent reads restore it once. Python's ``sys.stderr`` writes to file
    descriptor 2 itself, not through that pointer, so tracebacks, warnings and log lines of other
    threads still reach stderr; only C code printing through ``stderr`` during a read (~0.1 s at 6 MP)
    is silenced. Only on glibc (its ``stderr`` is a writable pointer); elsewhere nothing is changed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: int | None = None
        self._null: int | None = None
        self._ptr: ctypes.c_void_p | None = None
        self._ready = False

    def _setup(self) -> bool:
        if not self._ready:
            self._ready = True
            if platform.libc_ver()[0] != "glibc":  # glibc's ``stderr`` is a plain writable pointer; musl's
                return False                         # is ``FILE *const`` (writing it would fault): leave it
            try:
                libc = ctypes.CDLL(None)
                fopen = libc.fopen
                fopen.restype, fopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_char_p]
                ptr = ctypes.c_void_p.in_dll(libc, "stderr")
                null = fopen(os.devnull.encode(), b"w")
                if null and ptr.value:
                    self._ptr, self._null = ptr, null
            except (OSError, ValueError, AttributeError):  # no such symbol here: leave stderr alone
                self._ptr = None
        return self._ptr is not None

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            active = self._setup()
            if active:
                if self._depth == 0:
                    self._saved = self._ptr.value
                    self._ptr.value = self._null
                self._depth += 1
        try:
            yield
        finally:
            if active:
                with self._lock:
                    self._depth -= 1
                    if self._depth == 0:
                        self._ptr.value = self._saved


libjpeg_quiet = _LibjpegQuiet()


def read_jpeg_internals(data: bytes) -> tuple[JpegInternals | None, str | None]:
    """The JPEG internals of ``data`` (the bytes that were hashed), or (None, reason) if libjpeg
    cannot read them. The file is never read again, so what is analysed is what was hashed."""
    import jpeglib

    tmp_dir = memfd = None
    src = ""
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
        with libjpeg_quiet():  # libjpeg's warnings: not a stray line under another file's output
            jpeg = jpeglib.read_dct(src)
            comps = [jpeg.Y]  # (jpeglib reads the coefficients lazily, on first access)
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
        return None, _failure_text(data, exc, src)
    finally:
        if memfd is not None:
            os.close(memfd)
        if tmp_dir is not None:
            shutil.rmtree(tmp_dir, ignore_errors=True)


#: Arithmetic-coded frame types (ITU-T T.81 table B.1): jpeglib's default libjpeg (6b) reads none of them.
_ARITHMETIC_SOF = {0xC9: "SOF9", 0xCA: "SOF10", 0xCB: "SOF11", 0xCD: "SOF13", 0xCE: "SOF14", 0xCF: "SOF15"}


def _failure_text(data: bytes, exc: Exception, src: str) -> str:
    """Why the coefficients could not be read, in words a report can show: the frame type where
    that is the cause, and never the private path the bytes were handed over by (``/proc/self/fd/N``)."""
    from forgelens.evidence.containers import jpeg_segments

    for seg in jpeg_segments(data)[0]:
        name = _ARITHMETIC_SOF.get(data[seg.offset + 1] if seg.offset + 1 < len(data) else 0)
        if name:
            return (f"arithmetic-coded JPEG ({name}): the DCT coefficient reader (jpeglib's default libjpeg) "
                    "does not decode arithmetic coding, so no coefficient-based trace is available")
    text = f"{type(exc).__name__}: {exc}"
    return text.replace(src, "the JPEG data") if src else text


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a
