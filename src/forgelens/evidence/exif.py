"""A bounded TIFF/EXIF reader: IFD0, Exif, GPS, Interop and IFD1 (the thumbnail).

Written for hostile input: every offset is checked against the stream, an IFD
visited twice (a recursive or looping chain) is read once, an IFD with more
than ``MAX_ENTRIES`` entries or a value longer than ``MAX_VALUE_BYTES`` is cut
and flagged, and at most ``MAX_IFDS`` IFDs are read. Nothing raises: problems
are returned in ``errors``.

Reference: JEITA CP-3451 (Exif 2.32), Adobe TIFF 6.0.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from PIL import ExifTags

MAX_ENTRIES = 1000
MAX_IFDS = 16
MAX_VALUE_BYTES = 1 << 20
#: Most value bytes copied out of one EXIF stream (all IFDs together): 16 IFDs x 1000 entries
#: x 1 MB pointing at the same bytes would otherwise copy 16 GB out of a 1 MB file.
MAX_TOTAL_VALUE_BYTES = 16 << 20
#: Longest ASCII value kept (characters).
MAX_STRING_CHARS = 4096

_TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_POINTERS = {0x8769: "Exif", 0x8825: "GPS", 0xA005: "Interop"}
_TAGS: dict[int, str] = dict(ExifTags.TAGS)
_GPS_TAGS: dict[int, str] = dict(ExifTags.GPSTAGS)


@dataclass
class ExifData:
    """Tags by IFD name ("IFD0", "Exif", "GPS", "Interop", "IFD1"), each name -> value."""

    ifds: dict[str, dict[str, Any]] = field(default_factory=dict)
    thumbnail: bytes | None = None
    makernote: bytes | None = None
    byte_order: str = ""
    errors: list[str] = field(default_factory=list)
    #: value bytes copied so far (bounded by MAX_TOTAL_VALUE_BYTES)
    value_bytes: int = 0

    def get(self, name: str, default: Any = None) -> Any:
        for ifd in ("IFD0", "Exif", "GPS", "Interop"):
            if name in self.ifds.get(ifd, {}):
                return self.ifds[ifd][name]
        return default

    def flat(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for ifd, tags in self.ifds.items():
            for k, v in tags.items():
                out[k if ifd != "IFD1" else f"Thumbnail{k}"] = v
        return out


def parse_exif(stream: bytes) -> ExifData:
    """Parse one TIFF/EXIF stream (the bytes after ``Exif\\0\\0``)."""
    ex = ExifData()
    try:
        _parse(stream, ex)
    except Exception as exc:  # last guard; the walker itself should not raise
        ex.errors.append(f"EXIF unreadable: {type(exc).__name__}: {exc}")
    return ex


def _parse(b: bytes, ex: ExifData) -> None:
    n = len(b)
    if n < 8:
        ex.errors.append(f"EXIF stream of {n} bytes is too short for a TIFF header")
        return
    if b[:2] == b"II":
        e = "<"
    elif b[:2] == b"MM":
        e = ">"
    else:
        ex.errors.append(f"EXIF: bad TIFF byte-order mark {b[:2]!r}")
        return
    ex.byte_order = "little" if e == "<" else "big"
    (magic, ifd0) = struct.unpack(e + "HI", b[2:8])
    if magic != 42:
        ex.errors.append(f"EXIF: bad TIFF magic {magic}")
        return
    visited: set[int] = set()
    todo: list[tuple[str, int]] = [("IFD0", ifd0)]
    read = 0
    while todo and read < MAX_IFDS:
        name, off = todo.pop(0)
        if off in visited:
            ex.errors.append(f"EXIF: IFD {name} at offset {off} already read (loop in the IFD chain)")
            continue
        if off < 8 or off + 2 > n:
            ex.errors.append(f"EXIF: {name} offset {off} outside the {n}-byte stream")
            continue
        visited.add(off)
        read += 1
        tags, nxt, pointers = _read_ifd(b, e, off, name, ex)
        ex.ifds.setdefault(name, {}).update(tags)
        for ptr_name, ptr in pointers:
            todo.append((ptr_name, ptr))
        if name == "IFD0" and nxt:
            todo.append(("IFD1", nxt))
    if todo:
        ex.errors.append(f"EXIF: more than {MAX_IFDS} IFDs; the rest ignored")
    t = ex.ifds.get("IFD1", {})
    off, ln = t.get("JpegIFOffset"), t.get("JpegIFByteCount")
    if isinstance(off, int) and isinstance(ln, int):
        if 0 < off and 0 < ln <= MAX_VALUE_BYTES and off + ln <= n:
            ex.thumbnail = b[off : off + ln]
        else:
            ex.errors.append(f"EXIF thumbnail (offset {off}, {ln} bytes) lies outside the stream")


def _read_ifd(b: bytes, e: str, off: int, ifd_name: str, ex: ExifData):
    n = len(b)
    (count,) = struct.unpack(e + "H", b[off : off + 2])
    if count > MAX_ENTRIES:
        ex.errors.append(f"EXIF: {ifd_name} claims {count} entries; only {MAX_ENTRIES} read")
        count = MAX_ENTRIES
    tags: dict[str, Any] = {}
    pointers: list[tuple[str, int]] = []
    names = _GPS_TAGS if ifd_name == "GPS" else _TAGS
    bad = 0
    for i in range(count):
        p = off + 2 + 12 * i
        if p + 12 > n:
            ex.errors.append(f"EXIF: {ifd_name} entry {i} runs past the stream")
            break
        tag, typ, cnt = struct.unpack(e + "HHI", b[p : p + 8])
        size = _TYPE_SIZE.get(typ)
        if size is None:
            bad += 1
            continue
        total = size * cnt
        if total <= 4:
            raw = b[p + 8 : p + 8 + total]
        else:
            (voff,) = struct.unpack(e + "I", b[p + 8 : p + 12])
            if total > MAX_VALUE_BYTES or voff + total > n:
                bad += 1
                if tag == 0x927C:
                    ex.makernote = b""  # present but unreadable
                continue
            if ex.value_bytes + total > MAX_TOTAL_VALUE_BYTES:
                ex.errors.append(f"EXIF: values over {MAX_TOTAL_VALUE_BYTES} bytes in all; the rest ignored")
                break
            ex.value_bytes += total
            raw = b[voff : voff + total]
        if ifd_name != "GPS" and tag in _POINTERS:
            if len(raw) >= 4:
                pointers.append((_POINTERS[tag], struct.unpack(e + "I", raw[:4])[0]))
            continue
        if tag == 0x927C:
            ex.makernote = raw
            tags["MakerNote"] = f"<{len(raw)} bytes>"
            continue
        name = names.get(tag, f"Tag0x{tag:04X}")
        tags[name] = _value(raw, typ, cnt, e)
    if bad:
        ex.errors.append(f"EXIF: {bad} entries in {ifd_name} with a bad type or an out-of-range value")
    nxt_pos = off + 2 + 12 * count
    nxt = struct.unpack(e + "I", b[nxt_pos : nxt_pos + 4])[0] if nxt_pos + 4 <= n else 0
    return tags, nxt, pointers


def _value(raw: bytes, typ: int, cnt: int, e: str) -> Any:
    if typ == 2:
        text = raw[: 4 * MAX_STRING_CHARS].split(b"\x00", 1)[0].decode("utf-8", errors="replace")
        return text.strip()[:MAX_STRING_CHARS]
    if typ == 7 or typ == 1 and cnt > 16:
        return raw if len(raw) <= 65536 else raw[:65536]
    fmt = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i", 11: "f", 12: "d", 13: "I"}.get(typ)
    if fmt is not None:
        vals = struct.unpack(e + fmt * cnt, raw) if cnt <= 4096 else ()
    elif typ in (5, 10):
        f = "I" if typ == 5 else "i"
        k = min(cnt, 4096)
        nums = struct.unpack(e + f * (2 * k), raw[: 8 * k])
        vals = tuple(float(a) / float(d) if d else float("nan") for a, d in zip(nums[::2], nums[1::2], strict=True))
    else:  # pragma: no cover
        return raw
    return vals[0] if len(vals) == 1 else tuple(vals)


def decode_user_comment(v: Any) -> str | None:
    """EXIF UserComment: an 8-byte charset prefix (ASCII / UNICODE / JIS / undefined), then text."""
    if isinstance(v, str):
        return v
    if not isinstance(v, bytes | bytearray) or len(v) < 8:
        return None
    head, body = bytes(v[:8]), bytes(v[8:])
    if head.startswith(b"UNICODE"):
        # Exif says UCS-2 in the file's byte order; writers (piexif) often use big-endian regardless.
        for enc in ("utf-16-be", "utf-16-le"):
            try:
                s = body.decode(enc)
            except UnicodeDecodeError:
                continue
            if s and sum(c.isprintable() or c in "\n\r\t" for c in s) / len(s) > 0.9:
                return s.replace("\x00", "").strip()
        return body.decode("utf-16-be", errors="replace").replace("\x00", "").strip()
    if head.startswith(b"ASCII") or head == b"\x00" * 8:
        return body.decode("utf-8", errors="replace").replace("\x00", "").strip()
    return bytes(v).decode("utf-8", errors="replace").replace("\x00", "").strip()
