"""File structure: the ordered list of JPEG markers / PNG chunks, read from the bytes.

Analysts read the segment order (APPn, DQT, SOF, DHT, SOS, COM) to tell a
camera file from an editor's re-save; this walks it without decoding pixels.
Malformed structure never raises: the walk stops and says where and why.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_JPEG_NAMES = {
    0xD8: "SOI", 0xD9: "EOI", 0xDA: "SOS", 0xDB: "DQT", 0xC4: "DHT", 0xDD: "DRI",
    0xFE: "COM", 0xC0: "SOF0", 0xC1: "SOF1", 0xC2: "SOF2", 0xC3: "SOF3",
}
_JPEG_NAMES.update({0xE0 + i: f"APP{i}" for i in range(16)})


@dataclass(frozen=True)
class Segment:
    """One JPEG marker segment or PNG chunk: its name, byte offset and payload length."""

    name: str
    offset: int
    length: int


def jpeg_segments(data: bytes, limit: int = 10_000) -> tuple[list[Segment], str | None]:
    """Walk JPEG marker segments up to the first SOS (entropy-coded data follows).

    Returns the segments and an error string if the walk hit malformed data.
    """
    segs: list[Segment] = []
    if not data.startswith(b"\xff\xd8"):
        return segs, "no SOI marker"
    segs.append(Segment("SOI", 0, 0))
    pos = 2
    n = len(data)
    while pos + 4 <= n and len(segs) < limit:
        if data[pos] != 0xFF:
            return segs, f"expected marker at byte {pos}"
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        name = _JPEG_NAMES.get(marker, f"0x{marker:02X}")
        if marker in (0xD8, 0xD9) or 0xD0 <= marker <= 0xD7:
            segs.append(Segment(name, pos, 0))
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if length < 2 or pos + 2 + length > n:
            return segs, f"segment {name} at byte {pos} overruns the file"
        segs.append(Segment(name, pos, length - 2))
        pos += 2 + length
        if marker == 0xDA:
            # Entropy-coded data up to EOI; later markers (e.g. a second image) are not walked.
            eoi = data.rfind(b"\xff\xd9")
            if eoi > pos:
                segs.append(Segment("EOI", eoi, 0))
                trailing = n - (eoi + 2)
                if trailing > 0:
                    segs.append(Segment("TRAILING", eoi + 2, trailing))
            return segs, None
    return segs, None


def png_chunks(data: bytes, limit: int = 10_000) -> tuple[list[Segment], str | None]:
    """Walk PNG chunks (type, offset, length); stops at IEND or at malformed data."""
    segs: list[Segment] = []
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return segs, "no PNG signature"
    pos = 8
    n = len(data)
    while pos + 8 <= n and len(segs) < limit:
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8].decode("latin-1")
        if pos + 12 + length > n:
            return segs, f"chunk {ctype!r} at byte {pos} overruns the file"
        segs.append(Segment(ctype, pos, length))
        pos += 12 + length
        if ctype == "IEND":
            break
    return segs, None


def segments(data: bytes, fmt: str) -> tuple[list[Segment], str | None]:
    if fmt == "JPEG":
        return jpeg_segments(data)
    if fmt == "PNG":
        return png_chunks(data)
    return [], None
