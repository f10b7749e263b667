"""Builders for provenance tests: TIFF/EXIF streams, JPEG segments, PNG chunks, stealth LSB text."""

from __future__ import annotations

import gzip
import io
import struct
import zlib

import numpy as np
from PIL import Image

_TYPES = {"B": (1, 1), "A": (2, 1), "H": (3, 2), "I": (4, 4), "U": (7, 1)}


def _entry_bytes(e, tag, typ, value):
    code, size = _TYPES[typ]
    if typ == "A":
        raw = value.encode() + b"\x00"
        count = len(raw)
    elif typ == "U":
        raw = bytes(value)
        count = len(raw)
    else:
        vals = value if isinstance(value, list | tuple) else [value]
        raw = struct.pack(e + {"B": "B", "H": "H", "I": "I"}[typ] * len(vals), *vals)
        count = len(vals)
    return code, count, raw


def tiff(ifd0, exif=None, ifd1=None, thumbnail=None, e="<", loop=False, huge_count=False):
    """A TIFF/EXIF stream: ifd0/exif/ifd1 are lists of (tag, type, value); type in B A H I U."""
    out = bytearray(b"II*\x00" if e == "<" else b"MM\x00*")
    out += struct.pack(e + "I", 8)
    ifd0 = list(ifd0)
    exif = list(exif or [])
    if exif:
        ifd0.append((0x8769, "I", 0))  # patched below
    layout = []

    def write_ifd(entries, next_off_placeholder=True):
        start = len(out)
        n = len(entries)
        out.extend(struct.pack(e + "H", 65535 if huge_count else n))
        data_off = start + 2 + 12 * n + 4
        blob = bytearray()
        ptr_positions = {}
        for tag, typ, value in sorted(entries, key=lambda t: t[0]):
            code, count, raw = _entry_bytes(e, tag, typ, value)
            pos = len(out)
            if len(raw) <= 4:
                out.extend(struct.pack(e + "HHI", tag, code, count) + raw.ljust(4, b"\x00"))
            else:
                out.extend(struct.pack(e + "HHII", tag, code, count, data_off + len(blob)))
                blob.extend(raw + (b"\x00" if len(raw) % 2 else b""))
            ptr_positions[tag] = pos + 8
        next_pos = len(out)
        out.extend(b"\x00\x00\x00\x00")
        out.extend(blob)
        return start, ptr_positions, next_pos

    s0, p0, n0 = write_ifd(ifd0)
    layout.append(s0)
    if exif:
        s1, _, _ = write_ifd(exif)
        out[p0[0x8769] : p0[0x8769] + 4] = struct.pack(e + "I", s1)
    if loop:
        out[n0 : n0 + 4] = struct.pack(e + "I", s0)  # IFD0 -> IFD0 forever
    elif ifd1 is not None or thumbnail is not None:
        entries = list(ifd1 or []) + [(0x0201, "I", 0), (0x0202, "I", len(thumbnail or b""))]
        s2, p2, _ = write_ifd(entries)
        out[n0 : n0 + 4] = struct.pack(e + "I", s2)
        if thumbnail is not None:
            off = len(out)
            out.extend(thumbnail)
            out[p2[0x0201] : p2[0x0201] + 4] = struct.pack(e + "I", off)
    return bytes(out)


def jpeg_insert(jpeg: bytes, *segments: tuple[int, bytes]) -> bytes:
    """Insert marker segments (marker byte, payload) right after SOI."""
    body = b"".join(b"\xff" + bytes([m]) + struct.pack(">H", len(p) + 2) + p for m, p in segments)
    return jpeg[:2] + body + jpeg[2:]


def app1_exif(stream: bytes) -> tuple[int, bytes]:
    return 0xE1, b"Exif\x00\x00" + stream


def app1_xmp(packet: str | bytes) -> tuple[int, bytes]:
    p = packet.encode() if isinstance(packet, str) else packet
    return 0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + p


def png_chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data) & 0xFFFFFFFF)


def png_insert(png: bytes, *chunks: bytes) -> bytes:
    """Insert raw chunks right after IHDR."""
    ihdr_end = 8 + 12 + struct.unpack(">I", png[8:12])[0]
    return png[:ihdr_end] + b"".join(chunks) + png[ihdr_end:]


def png_of(rgb: np.ndarray) -> bytes:
    b = io.BytesIO()
    Image.fromarray(rgb).save(b, "PNG")
    return b.getvalue()


def xmp_packet(body: str) -> str:
    return ('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f'<rdf:Description rdf:about="" {body}/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')


def stealth_rgba(rgb: np.ndarray, text: str, compressed: bool) -> np.ndarray:
    """Write A1111 stealth pnginfo into the alpha LSBs (column-major), as the extension does."""
    sig = b"stealth_pngcomp" if compressed else b"stealth_pnginfo"
    payload = gzip.compress(text.encode()) if compressed else text.encode()
    bits = np.unpackbits(np.frombuffer(sig, np.uint8)).tolist()
    bits += [int(b) for b in format(len(payload) * 8, "032b")]
    bits += np.unpackbits(np.frombuffer(payload, np.uint8)).tolist()
    h, w = rgb.shape[:2]
    alpha = np.full((h, w), 255, np.uint8)
    col_major = alpha.T.copy().reshape(-1)
    col_major[: len(bits)] = 254 | np.asarray(bits, np.uint8)
    alpha = col_major.reshape(w, h).T
    return np.dstack([rgb, alpha])
