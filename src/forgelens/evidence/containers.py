"""The file's structure, walked once from its bytes: JPEG marker segments, PNG chunks, WebP RIFF chunks.

``walk(data, fmt)`` lists the blocks in order (name, byte offset, payload length) without
decoding pixels; analysts read that order (APPn, DQT, SOF, DHT, SOS, COM) to tell a camera
file from an editor's re-save, and it is ``Evidence.segments``. ``read_raw(data, fmt)`` then
reads the metadata blocks out of that same walk, whole and located, where Pillow's reader
(``evidence.metadata``) cuts long values and hides where each came from: the EXIF TIFF
stream (for its thumbnail and maker note), every XMP packet (including Adobe's "extended
XMP"), the IPTC-IIM record inside Photoshop's APP13, the C2PA JUMBF boxes (APP11 / caBX /
C2PA chunk), PNG text chunks in full (ComfyUI workflows are tens of kilobytes) and the JPEG
comments.

Everything here is bounded: at most ``MAX_BLOCKS`` blocks, compressed text inflated to at
most ``MAX_TEXT_BYTES``, and malformed structure never raises: the walk stops and says
where and why (``structure_error``, and in ``errors`` of the raw record).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

#: Most blocks (segments/chunks) walked in one file.
MAX_BLOCKS = 20_000
#: Largest inflated zTXt/iTXt payload kept (bytes); larger ones are cut and flagged.
MAX_TEXT_BYTES = 8 << 20
#: Largest text value kept per PNG key (characters).
MAX_VALUE_CHARS = 2_000_000
#: Most inflated bytes of compressed text (zTXt/iTXt/iCCP) over the whole file; later chunks are skipped.
MAX_TOTAL_INFLATE_BYTES = 16 << 20
#: Largest ICC profile reassembled from JPEG APP2 segments (bytes).
MAX_ICC_BYTES = 16 << 20
#: Most bytes of extended XMP reassembled per GUID (ISO 16684-1 splits it in ~64 KB parts).
MAX_EXTENDED_XMP_BYTES = 4 << 20

XMP_SIG = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXT_SIG = b"http://ns.adobe.com/xmp/extension/\x00"

_JPEG_NAMES = {
    0xD8: "SOI", 0xD9: "EOI", 0xDA: "SOS", 0xDB: "DQT", 0xC4: "DHT", 0xDD: "DRI",
    0xFE: "COM", 0xC0: "SOF0", 0xC1: "SOF1", 0xC2: "SOF2", 0xC3: "SOF3",
}
_JPEG_NAMES.update({0xE0 + i: f"APP{i}" for i in range(16)})
#: JPEG markers that stand alone, with no length field (ITU-T T.81 B.1.1.3: SOI, EOI, RSTn, TEM).
_STANDALONE = frozenset((0xD8, 0xD9, 0x01, *range(0xD0, 0xD8)))


@dataclass(frozen=True)
class Segment:
    """One JPEG marker segment, PNG chunk or RIFF chunk: its name, byte offset and payload length."""

    name: str
    offset: int
    length: int


def walk(data: bytes, fmt: str) -> tuple[list[Segment], str | None]:
    r"""The blocks of a JPEG (MPO), PNG or WebP file in order, and why the walk stopped early (or
    None). Other formats have no walker here: ``([], None)``.

    >>> walk(b"\xff\xd8\xff\xfe\x00\x05abc\xff\xd9", "JPEG")[0][1]
    Segment(name='COM', offset=2, length=3)
    """
    if fmt in ("JPEG", "MPO"):
        return jpeg_segments(data)
    if fmt == "PNG":
        return png_chunks(data)
    if fmt == "WEBP":
        return riff_chunks(data)
    return [], None


def jpeg_segments(data: bytes) -> tuple[list[Segment], str | None]:
    """JPEG marker segments up to the first SOS, then the EOI and any bytes after it.

    The entropy-coded data after SOS is not walked (later markers, e.g. of a second image,
    are not listed); the EOI is the last one in the file.
    """
    segs: list[Segment] = []
    if not data.startswith(b"\xff\xd8"):
        return segs, "no SOI marker"
    segs.append(Segment("SOI", 0, 0))
    pos, n = 2, len(data)
    while pos + 4 <= n and len(segs) < MAX_BLOCKS:
        if data[pos] != 0xFF:
            return segs, f"expected marker at byte {pos}"
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        name = _JPEG_NAMES.get(marker, f"0x{marker:02X}")
        if marker in _STANDALONE:
            segs.append(Segment(name, pos, 0))
            if marker == 0xD9:
                return _with_trailing(segs, data, pos + 2), None
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if length < 2 or pos + 2 + length > n:
            return segs, f"segment {name} at byte {pos} overruns the file"
        segs.append(Segment(name, pos, length - 2))
        pos += 2 + length
        if marker == 0xDA:
            eoi = data.rfind(b"\xff\xd9")
            if eoi > pos:
                segs.append(Segment("EOI", eoi, 0))
                _with_trailing(segs, data, eoi + 2)
            return segs, None
    return segs, None


def _with_trailing(segs: list[Segment], data: bytes, end: int) -> list[Segment]:
    if len(data) > end:
        segs.append(Segment("TRAILING", end, len(data) - end))
    return segs


def png_chunks(data: bytes) -> tuple[list[Segment], str | None]:
    """PNG chunks (type, offset, data length) up to IEND."""
    segs: list[Segment] = []
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return segs, "no PNG signature"
    pos, n = 8, len(data)
    while pos + 8 <= n and len(segs) < MAX_BLOCKS:
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8].decode("latin-1")
        if pos + 12 + length > n:
            return segs, f"chunk {ctype!r} at byte {pos} overruns the file"
        segs.append(Segment(ctype, pos, length))
        pos += 12 + length
        if ctype == "IEND":
            break
    return segs, None


def riff_chunks(data: bytes) -> tuple[list[Segment], str | None]:
    """WebP's RIFF chunks (FourCC, offset, size), padded to even sizes."""
    segs: list[Segment] = []
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return segs, "no RIFF/WEBP header"
    pos, n = 12, len(data)
    while pos + 8 <= n and len(segs) < MAX_BLOCKS:
        fourcc = data[pos : pos + 4].decode("latin-1")
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        if pos + 8 + size > n:
            return segs, f"chunk {fourcc!r} at byte {pos} overruns the file"
        segs.append(Segment(fourcc, pos, size))
        pos += 8 + size + (size & 1)
    return segs, None


@dataclass
class RawMetadata:
    """Metadata blocks as found in the file, with their origin."""

    container: str = ""
    exif: list[bytes] = field(default_factory=list)
    xmp: list[str] = field(default_factory=list)
    iptc: list[bytes] = field(default_factory=list)
    photoshop_irb: bool = False
    adobe_app14: bool = False
    jfif: bool = False
    icc: bytes | None = None
    mpf: bool = False
    comments: list[str] = field(default_factory=list)
    #: PNG text chunks: key -> (chunk type, text).
    text: dict[str, tuple[str, str]] = field(default_factory=dict)
    jumbf: bool = False
    #: Bytes of the C2PA/JUMBF blocks found (bounds what is handed to the C2PA SDK).
    jumbf_bytes: int = 0
    #: Inflated bytes of compressed text so far (bounded by MAX_TOTAL_INFLATE_BYTES).
    inflated_bytes: int = 0
    #: Which APPn / chunk names were present, in order (first 200).
    blocks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _decode_text(raw: bytes, prefer: str, label: str, errors: list[str]) -> str:
    """Decode text: UTF-8 first (generators write UTF-8 even into tEXt), then ``prefer``."""
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        if prefer == "utf-8":
            errors.append(f"{label}: invalid UTF-8, undecodable bytes replaced")
            s = raw.decode("utf-8", errors="replace")
        else:
            s = raw.decode(prefer, errors="replace")
    s = s.replace("\x00", "")
    if len(s) > MAX_VALUE_CHARS:
        errors.append(f"{label}: {len(s)} characters, cut to {MAX_VALUE_CHARS}")
        s = s[:MAX_VALUE_CHARS]
    return s


def _inflate(data: bytes, label: str, errors: list[str], raw: RawMetadata | None = None) -> bytes | None:
    """Inflate at most MAX_TEXT_BYTES, and no more than what is left of the file's budget."""
    budget = MAX_TEXT_BYTES
    if raw is not None:
        left = MAX_TOTAL_INFLATE_BYTES - raw.inflated_bytes
        if left <= 0:
            errors.append(f"{label}: skipped, compressed text already inflated to the "
                          f"{MAX_TOTAL_INFLATE_BYTES}-byte limit for one file")
            return None
        budget = min(budget, left)
    try:
        d = zlib.decompressobj()
        out = d.decompress(data, budget)
        if d.unconsumed_tail:
            errors.append(f"{label}: compressed text inflates past {budget} bytes; cut")
        if raw is not None:
            raw.inflated_bytes += len(out)
        return out
    except zlib.error as exc:
        errors.append(f"{label}: compressed text unreadable ({exc})")
        return None


def read_jpeg(data: bytes, walked: tuple[list[Segment], str | None] | None = None) -> RawMetadata:
    """The metadata blocks of a JPEG, from its segment walk (``walked``, or walked here)."""
    raw = RawMetadata(container="JPEG")
    segs, error = walked if walked is not None else jpeg_segments(data)
    ext_parts: dict[bytes, dict[int, bytes]] = {}
    icc_parts: list[bytes] = []
    icc_bytes = 0
    for seg in segs:
        marker = data[seg.offset + 1] if seg.offset + 1 < len(data) else 0
        if seg.name in ("SOI", "TRAILING") or marker in _STANDALONE:
            continue
        if marker == 0xDA:
            break
        payload = data[seg.offset + 4 : seg.offset + 4 + seg.length]
        if 0xE0 <= marker <= 0xEF:
            if len(raw.blocks) < 200:
                raw.blocks.append(seg.name)
            if marker == 0xE1 and payload.startswith(b"Exif\x00"):
                raw.exif.append(payload[6:])
            elif marker == 0xE1 and payload.startswith(XMP_SIG):
                raw.xmp.append(_decode_text(payload[len(XMP_SIG) :], "utf-8", "XMP", raw.errors))
            elif marker == 0xE1 and payload.startswith(XMP_EXT_SIG):
                body = payload[len(XMP_EXT_SIG) :]
                if len(body) >= 40:
                    guid = body[:32]
                    (offset,) = struct.unpack(">I", body[36:40])
                    parts = ext_parts.setdefault(guid, {})
                    if len(parts) < 1000 and sum(map(len, parts.values())) < MAX_EXTENDED_XMP_BYTES:
                        parts[offset] = body[40:]
                    elif len(raw.errors) < 50:
                        raw.errors.append(f"extended XMP over {MAX_EXTENDED_XMP_BYTES} bytes; the rest ignored")
            elif marker == 0xED and payload.startswith(b"Photoshop 3.0\x00"):
                raw.photoshop_irb = True
                raw.iptc.extend(_photoshop_iptc(payload[14:], raw.errors))
            elif marker == 0xEB and payload[:2] == b"JP":
                raw.jumbf = True
                raw.jumbf_bytes += len(payload)
            elif marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00"):
                if icc_bytes < MAX_ICC_BYTES:  # parts joined once below (no quadratic copy)
                    icc_parts.append(payload[14:])
                    icc_bytes += len(payload) - 14
                elif len(raw.errors) < 50:
                    raw.errors.append(f"ICC profile over {MAX_ICC_BYTES} bytes; the rest ignored")
            elif marker == 0xE2 and payload.startswith(b"MPF\x00"):
                raw.mpf = True
            elif marker == 0xEE and payload.startswith(b"Adobe"):
                raw.adobe_app14 = True
            elif marker == 0xE0 and payload.startswith(b"JFIF\x00"):
                raw.jfif = True
        elif marker == 0xFE:
            if len(raw.blocks) < 200:
                raw.blocks.append("COM")
            if len(raw.comments) < 100:
                raw.comments.append(_decode_text(payload, "latin-1", "JPEG comment", raw.errors))
    if error:
        raw.errors.append(f"JPEG structure: {error}")
    if icc_parts:
        raw.icc = b"".join(icc_parts)[:MAX_ICC_BYTES]
    for guid, parts in ext_parts.items():
        try:
            joined = b"".join(parts[k] for k in sorted(parts))
            raw.xmp.append(_decode_text(joined, "utf-8", "extended XMP", raw.errors))
        except Exception as exc:  # pragma: no cover - defensive
            raw.errors.append(f"extended XMP {guid[:8]!r} unreadable: {exc}")
    return raw


def _photoshop_iptc(irb: bytes, errors: list[str]) -> list[bytes]:
    """Image resource blocks (8BIM) in Photoshop's APP13; return the IPTC-IIM (0x0404) ones."""
    out: list[bytes] = []
    pos, n, count = 0, len(irb), 0
    while pos + 12 <= n and count < 1000:
        count += 1
        if irb[pos : pos + 4] != b"8BIM":
            if irb[pos : pos + 4] not in (b"MeSa", b"AgHg", b"PHUT", b"DCSR"):
                errors.append(f"Photoshop IRB: bad signature at byte {pos}")
                break
        (rid,) = struct.unpack(">H", irb[pos + 4 : pos + 6])
        name_len = irb[pos + 6]
        p = pos + 7 + name_len
        if (name_len + 1) % 2:
            p += 1
        if p + 4 > n:
            break
        (size,) = struct.unpack(">I", irb[p : p + 4])
        p += 4
        if p + size > n:
            errors.append(f"Photoshop IRB resource 0x{rid:04X} overruns its segment")
            break
        if rid == 0x0404:
            out.append(irb[p : p + size])
        pos = p + size + (size % 2)
    return out


def read_png(data: bytes, walked: tuple[list[Segment], str | None] | None = None) -> RawMetadata:
    """The metadata chunks of a PNG, from its chunk walk (``walked``, or walked here)."""
    raw = RawMetadata(container="PNG")
    segs, error = walked if walked is not None else png_chunks(data)
    for seg in segs:
        name, pos = seg.name, seg.offset
        ctype = name.encode("latin-1")
        body = data[pos + 8 : pos + 8 + seg.length]
        if name != "IDAT" and len(raw.blocks) < 200:
            raw.blocks.append(name)
        try:
            if ctype == b"tEXt":
                key, _, val = body.partition(b"\x00")
                _put_text(raw, key, "tEXt", _decode_text(val, "latin-1", f"tEXt {key[:40]!r}", raw.errors))
            elif ctype == b"zTXt":
                key, _, rest = body.partition(b"\x00")
                inflated = _inflate(rest[1:], f"zTXt {key[:40]!r}", raw.errors, raw)
                if inflated is not None:
                    _put_text(raw, key, "zTXt", _decode_text(inflated, "latin-1", f"zTXt {key[:40]!r}", raw.errors))
            elif ctype == b"iTXt":
                key, _, rest = body.partition(b"\x00")
                if len(rest) < 2:
                    raw.errors.append(f"iTXt {key[:40]!r}: truncated header")
                else:
                    comp_flag = rest[0]
                    rest = rest[2:]
                    _lang, _, rest = rest.partition(b"\x00")
                    _tkey, _, text = rest.partition(b"\x00")
                    if comp_flag:
                        text = _inflate(text, f"iTXt {key[:40]!r}", raw.errors, raw)
                    if text is not None:
                        s = _decode_text(text, "utf-8", f"iTXt {key[:40]!r}", raw.errors)
                        if key == b"XML:com.adobe.xmp":
                            raw.xmp.append(s)
                        else:
                            _put_text(raw, key, "iTXt", s)
            elif ctype == b"eXIf":
                raw.exif.append(body[6:] if body.startswith(b"Exif\x00") else body)
            elif ctype == b"iCCP":
                _key, _, rest = body.partition(b"\x00")
                raw.icc = _inflate(rest[1:], "iCCP", raw.errors, raw)
            elif ctype == b"caBX":
                raw.jumbf = True
                raw.jumbf_bytes += len(body)
        except Exception as exc:  # malformed chunk: note it, keep walking
            raw.errors.append(f"PNG chunk {name!r} at byte {pos} unreadable: {type(exc).__name__}: {exc}")
    if error:
        raw.errors.append(f"PNG structure: {error}")
    return raw


def _put_text(raw: RawMetadata, key: bytes, ctype: str, value: str) -> None:
    k = key.decode("latin-1", errors="replace")[:200]
    if k not in raw.text and len(raw.text) >= 1000:
        return
    if k in raw.text:  # several chunks with one key: keep them all, joined, within MAX_VALUE_CHARS
        old = raw.text[k][1]
        room = MAX_VALUE_CHARS - len(old) - 1
        if room <= 0:
            return
        if len(value) > room:
            raw.errors.append(f"text {k[:40]!r}: chunks with this key joined past {MAX_VALUE_CHARS} characters; cut")
        value = old + "\n" + value[:room]
    raw.text[k] = (ctype, value)


def read_webp(data: bytes, walked: tuple[list[Segment], str | None] | None = None) -> RawMetadata:
    """The metadata chunks of a WebP, from its RIFF walk (``walked``, or walked here)."""
    raw = RawMetadata(container="WEBP")
    segs, error = walked if walked is not None else riff_chunks(data)
    for seg in segs:
        body = data[seg.offset + 8 : seg.offset + 8 + seg.length]
        if len(raw.blocks) < 200:
            raw.blocks.append(seg.name)
        if seg.name == "EXIF":
            raw.exif.append(body[6:] if body.startswith(b"Exif\x00") else body)
        elif seg.name == "XMP ":
            raw.xmp.append(_decode_text(body, "utf-8", "XMP", raw.errors))
        elif seg.name == "ICCP":
            raw.icc = body
        elif seg.name == "C2PA":
            raw.jumbf = True
            raw.jumbf_bytes += len(body)
    if error:
        raw.errors.append(f"WebP structure: {error}")
    return raw


def read_isobmff(data: bytes, fmt: str) -> RawMetadata:
    """HEIF/HEIC and AVIF (ISO BMFF): EXIF, XMP and ICC as the libheif/libavif readers expose them
    (no pixels decoded); the container says the major brand."""
    import io

    from PIL import Image

    brand = data[8:12].decode("latin-1", errors="replace") if data[4:8] == b"ftyp" else "?"
    raw = RawMetadata(container=f"{fmt} (ISO BMFF, brand {brand!r})")
    raw.blocks.append(f"ftyp:{brand}")
    Image.init()
    if fmt not in Image.OPEN:
        raw.errors.append(f"{fmt}: no reader installed (pip install pillow-heif)")
        return raw
    with Image.open(io.BytesIO(data), formats=[fmt]) as im:
        info = dict(im.info)
    exif = info.get("exif")
    if isinstance(exif, bytes | bytearray) and exif:
        exif = bytes(exif)
        starts = [i for i in (exif.find(b"MM\x00*", 0, 16), exif.find(b"II*\x00", 0, 16)) if i >= 0]
        raw.exif.append(exif[min(starts):] if starts else exif)  # the TIFF stream, after any prefix
    xmp = info.get("xmp")
    if isinstance(xmp, bytes | bytearray | str) and xmp:
        raw.xmp.append(xmp if isinstance(xmp, str) else _decode_text(bytes(xmp), "utf-8", "XMP", raw.errors))
    icc = info.get("icc_profile")
    if isinstance(icc, bytes) and icc:
        raw.icc = icc
    return raw


def read_raw(data: bytes, fmt: str, walked: tuple[list[Segment], str | None] | None = None) -> RawMetadata:
    """The metadata blocks of the file, by container, from ``walked`` (the result of
    ``walk(data, fmt)``, e.g. Evidence's own) or a walk made here; formats without a walker
    give an empty record."""
    try:
        if fmt in ("JPEG", "MPO"):
            return read_jpeg(data, walked)
        if fmt == "PNG":
            return read_png(data, walked)
        if fmt == "WEBP":
            return read_webp(data, walked)
        if fmt in ("HEIF", "AVIF"):
            return read_isobmff(data, fmt)
    except Exception as exc:  # never let a walker take the analysis down
        r = RawMetadata(container=fmt)
        r.errors.append(f"{fmt} structure unreadable: {type(exc).__name__}: {exc}")
        return r
    r = RawMetadata(container=fmt)
    if fmt in ("TIFF",):
        r.exif.append(data)  # a TIFF file is itself a TIFF/EXIF stream
    return r
