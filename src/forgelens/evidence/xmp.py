"""XMP and IPTC-IIM readers that survive broken input.

XMP is RDF/XML. A packet with a DOCTYPE or ENTITY declaration is refused
(XMP never needs one, and entity expansion is the classic XML bomb); a packet
that is not well-formed XML is read with a tolerant fallback that picks
``prefix:Name="value"`` attributes and ``<prefix:Name>value</prefix:Name>``
elements, so a truncated packet still yields its CreatorTool or
DigitalSourceType. Keys are ``prefix:LocalName`` with the conventional
prefixes (xmp, photoshop, Iptc4xmpExt, ...), whatever prefix the file used.

References: ISO 16684-1 (XMP), IPTC Photo Metadata Standard 2023.1 and
IPTC-IIM 4.2 (record 2 datasets).
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from typing import Any

NS_PREFIX = {
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#": "stEvt",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt",
    "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/": "Iptc4xmpCore",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/camera-raw-settings/1.0/": "crs",
    "http://ns.adobe.com/lightroom/1.0/": "lr",
    "http://ns.google.com/photos/1.0/camera/": "GCamera",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://cipa.jp/exif/1.0/": "exifEX",
    "http://c2pa.org/": "c2pa",
}
MAX_FIELDS = 5000
MAX_XMP_CHARS = 4_000_000

_NAME_RE = re.compile(r"^\{([^}]*)\}(.*)$")


def _key(tag: str) -> str:
    m = _NAME_RE.match(tag)
    if not m:
        return tag
    uri, local = m.groups()
    return f"{NS_PREFIX.get(uri, uri.rstrip('/#').rsplit('/', 1)[-1] or uri)}:{local}"


def parse_xmp(packet: str) -> tuple[dict[str, list[str]], list[str]]:
    """Return {"prefix:Name": [values...]} and a list of problems met."""
    errors: list[str] = []
    fields: dict[str, list[str]] = {}
    if not packet:
        return fields, errors
    if len(packet) > MAX_XMP_CHARS:
        errors.append(f"XMP packet of {len(packet)} characters; only the first {MAX_XMP_CHARS} read")
        packet = packet[:MAX_XMP_CHARS]
    if "<!DOCTYPE" in packet or "<!ENTITY" in packet:
        errors.append("XMP packet declares a DOCTYPE/ENTITY (never needed in XMP); not parsed as XML")
        _fallback(packet, fields)
        return fields, errors
    start = packet.find("<x:xmpmeta")
    if start < 0:
        start = packet.find("<rdf:RDF")
    end_tag = "</x:xmpmeta>" if packet.startswith("<x:xmpmeta", max(start, 0)) else "</rdf:RDF>"
    end = packet.rfind(end_tag)
    if start < 0 or end < 0:
        errors.append("XMP packet has no complete x:xmpmeta / rdf:RDF element (truncated or not XMP)")
        _fallback(packet, fields)
        return fields, errors
    body = packet[start : end + len(end_tag)]
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        errors.append(f"XMP is not well-formed XML ({exc}); read with the tolerant fallback")
        _fallback(packet, fields)
        return fields, errors
    count = 0
    for el in root.iter():
        if count > MAX_FIELDS:
            errors.append(f"XMP has more than {MAX_FIELDS} fields; the rest ignored")
            break
        k = _key(el.tag)
        for ak, av in el.attrib.items():
            kk = _key(ak)
            if kk.startswith(("rdf:", "xml:")):
                continue
            fields.setdefault(kk, []).append(av)
            count += 1
        text = (el.text or "").strip()
        if text and not k.startswith("rdf:"):
            fields.setdefault(k, []).append(text)
            count += 1
    # Lists (rdf:Seq/Bag/Alt) put their values in rdf:li children: attach them to the parent.
    for parent in root.iter():
        pk = _key(parent.tag)
        if pk.startswith("rdf:"):
            continue
        for container in parent:
            if _key(container.tag) in ("rdf:Seq", "rdf:Bag", "rdf:Alt"):
                for li in container:
                    t = (li.text or "").strip()
                    if t:
                        fields.setdefault(pk, []).append(t)
                    for ak, av in li.attrib.items():
                        kk = _key(ak)
                        if not kk.startswith(("rdf:", "xml:")):
                            fields.setdefault(kk, []).append(av)
                    for sub in li:  # rdf:parseType="Resource" children (stEvt:softwareAgent, ...)
                        t2 = (sub.text or "").strip()
                        if t2:
                            fields.setdefault(_key(sub.tag), []).append(t2)
    return {k: _dedup(v) for k, v in fields.items()}, errors


def _dedup(vals: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for v in vals:
        seen.setdefault(v, None)
    return list(seen)[:200]


# Linear-time patterns (the fallback meets hostile packets): a name may only start where no
# name character precedes it (lookbehind), names are at most 64 characters and matched
# possessively, so no start position rescans a long run of word characters (the old
# unanchored ``[\w.-]*`` took 23 s on a 64 KB run).
_NAME = r"(?<![\w.:-])([A-Za-z][\w.-]{0,63}+):([A-Za-z][\w.-]{0,63}+)"
_ATTR_RE = re.compile(_NAME + r'\s{0,16}+=\s{0,16}+"([^"]{0,4096}+)"')
_ELEM_RE = re.compile("<" + _NAME[len("(?<![\\w.:-])"):] + r"(?:\s[^<>]{0,512}+)?>([^<]{1,4096}+)</\1:\2>")
_FALLBACK_PREFIX = {"iptc4xmpext": "Iptc4xmpExt", "xap": "xmp", "xapmm": "xmpMM"}


def _fallback(packet: str, fields: dict[str, list[str]]) -> None:
    for rx in (_ATTR_RE, _ELEM_RE):
        for i, m in enumerate(rx.finditer(packet)):
            if i > MAX_FIELDS:
                break
            prefix, local, val = m.group(1), m.group(2), m.group(3).strip()
            if prefix in ("xmlns", "rdf", "xml", "x"):
                continue
            prefix = _FALLBACK_PREFIX.get(prefix.lower(), prefix)
            fields.setdefault(f"{prefix}:{local}", []).append(val)


# --- IPTC-IIM ---------------------------------------------------------------

IIM_NAMES = {
    (2, 5): "ObjectName", (2, 25): "Keywords", (2, 55): "DateCreated", (2, 60): "TimeCreated",
    (2, 62): "DigitalCreationDate", (2, 63): "DigitalCreationTime", (2, 65): "OriginatingProgram",
    (2, 70): "ProgramVersion", (2, 80): "By-line", (2, 110): "Credit", (2, 115): "Source",
    (2, 116): "CopyrightNotice", (2, 120): "Caption-Abstract", (1, 90): "CodedCharacterSet",
}


def parse_iim(data: bytes) -> tuple[dict[str, list[str]], list[str]]:
    """IPTC-IIM datasets (0x1C record dataset length value) by name."""
    out: dict[str, list[str]] = {}
    errors: list[str] = []
    pos, n, count = 0, len(data), 0
    while pos + 5 <= n and count < 5000:
        if data[pos] != 0x1C:
            if any(data[pos:]):  # trailing zero padding is normal
                errors.append(f"IPTC-IIM: bad tag marker at byte {pos}")
            break
        rec, ds = data[pos + 1], data[pos + 2]
        (ln,) = struct.unpack(">H", data[pos + 3 : pos + 5])
        pos += 5
        if ln & 0x8000:  # extended length
            nlen = ln & 0x7FFF
            if nlen > 4 or pos + nlen > n:
                errors.append("IPTC-IIM: bad extended length")
                break
            ln = int.from_bytes(data[pos : pos + nlen], "big")
            pos += nlen
        if pos + ln > n:
            errors.append(f"IPTC-IIM dataset {rec}:{ds} overruns its block")
            break
        val = data[pos : pos + ln]
        pos += ln
        count += 1
        name = IIM_NAMES.get((rec, ds), f"{rec}:{ds}")
        try:
            s = val.decode("utf-8")
        except UnicodeDecodeError:
            s = val.decode("latin-1")
        out.setdefault(name, []).append(s[:4096])
    return out, errors


def first(fields: dict[str, Any], *keys: str) -> str | None:
    for k in keys:
        v = fields.get(k)
        if v:
            return v[0] if isinstance(v, list) else str(v)
    return None
