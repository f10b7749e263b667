"""Basic metadata read with Pillow: EXIF, PNG text chunks, ICC, JPEG comments, XMP.

Hostile metadata (huge or malformed EXIF, recursive IFDs, invalid UTF-8,
enormous text chunks) must never stop an analysis: each reader is guarded and a
failure becomes an entry in ``errors`` saying which part was unreadable and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PIL import ExifTags, Image

#: Longest string value kept from any metadata field; longer values are cut and flagged.
MAX_VALUE_CHARS = 4096


@dataclass(frozen=True)
class Metadata:
    exif: dict[str, str] = field(default_factory=dict)
    png_text: dict[str, str] = field(default_factory=dict)
    icc_profile: bytes | None = None
    jpeg_comments: tuple[str, ...] = ()
    xmp: str | None = None
    orientation: int = 1
    errors: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "exif": self.exif,
            "png_text": self.png_text,
            "icc_profile_bytes": len(self.icc_profile) if self.icc_profile else 0,
            "jpeg_comments": list(self.jpeg_comments),
            "xmp_present": self.xmp is not None,
            "orientation": self.orientation,
            "errors": list(self.errors),
        }


def _text(v: Any) -> str:
    if isinstance(v, bytes):
        s = v.decode("utf-8", errors="replace")
    else:
        s = str(v)
    s = s.replace("\x00", "")
    if len(s) > MAX_VALUE_CHARS:
        s = s[:MAX_VALUE_CHARS] + f"… [{len(s)} chars, cut]"
    return s


def read_metadata(im: Image.Image) -> Metadata:
    """Read what Pillow exposes; each part fails on its own, recorded in ``errors``."""
    errors: list[str] = []
    exif: dict[str, str] = {}
    orientation = 1
    try:
        ex = im.getexif()
        items = list(ex.items())
        for ifd_id in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo):
            try:
                items += list(ex.get_ifd(ifd_id).items())
            except Exception as exc:
                errors.append(f"EXIF sub-IFD {int(ifd_id):#x} unreadable: {exc}")
        for tag, value in items[:2000]:
            name = ExifTags.TAGS.get(tag, f"Tag{tag:#06x}")
            if name in ("ExifOffset", "GPSInfo") or isinstance(value, dict):
                continue
            exif[name] = _text(value)
        o = ex.get(0x0112)
        if isinstance(o, int) and 1 <= o <= 8:
            orientation = o
    except Exception as exc:
        errors.append(f"EXIF unreadable: {type(exc).__name__}: {exc}")

    png_text: dict[str, str] = {}
    try:
        text = getattr(im, "text", None)  # PNG tEXt / iTXt / zTXt; loads the chunks
        if isinstance(text, dict):
            for k, v in list(text.items())[:500]:
                png_text[_text(k)] = _text(v)
    except Exception as exc:
        errors.append(f"PNG text chunks unreadable: {type(exc).__name__}: {exc}")

    icc = im.info.get("icc_profile")
    comments: list[str] = []
    try:
        app = getattr(im, "applist", None) or []
        for marker, payload in app:
            if marker == "COM":
                comments.append(_text(payload))
        if "comment" in im.info and not comments:
            comments.append(_text(im.info["comment"]))
    except Exception as exc:
        errors.append(f"JPEG comments unreadable: {exc}")

    xmp = None
    try:
        raw = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
        if raw:
            xmp = _text(raw) if len(raw) <= 1_000_000 else None
            if xmp is None:
                errors.append(f"XMP packet of {len(raw)} bytes ignored (over 1 MB)")
    except Exception as exc:
        errors.append(f"XMP unreadable: {exc}")

    return Metadata(
        exif=exif,
        png_text=png_text,
        icc_profile=icc if isinstance(icc, bytes) else None,
        jpeg_comments=tuple(comments),
        xmp=xmp,
        orientation=orientation,
        errors=tuple(errors),
    )
