"""What the file's records claim, interpreted for the provenance detectors.

The record itself (``evidence.provenance``) only says what is written where; this
module says what it means: which editors are named (and how strongly that
implies processing), whether the dates agree, which IPTC digital source types
declare AI generation.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from forgelens.evidence import xmp as xmp_mod
from forgelens.evidence.record import ProvenanceRecord

#: IPTC digital source types (NewsCodes) and what each says.
AI_DST_FULL = ("trainedAlgorithmicMedia", "algorithmicMedia")
AI_DST_PARTIAL = ("compositeWithTrainedAlgorithmicMedia",)
CAPTURE_DST = ("digitalCapture", "computationalCapture", "negativeFilm", "positiveFilm", "print")

# (pattern, label, strength): software whose presence says the file was processed.
EDITORS: tuple[tuple[re.Pattern, str, float], ...] = tuple(
    (re.compile(p, re.I), label, s)
    for p, label, s in (
        (r"photoshop(?! ?lightroom)", "Adobe Photoshop", 0.4),
        (r"\bgimp\b", "GIMP", 0.4),
        (r"affinity ?photo", "Affinity Photo", 0.4),
        (r"pixelmator", "Pixelmator", 0.4),
        (r"paint\.net", "Paint.NET", 0.4),
        (r"fireworks", "Adobe Fireworks", 0.4),
        (r"snapseed", "Snapseed", 0.4),
        (r"picsart", "PicsArt", 0.4),
        (r"facetune", "Facetune", 0.4),
        (r"photopea", "Photopea", 0.4),
        (r"canva", "Canva", 0.4),
        (r"krita", "Krita", 0.4),
        (r"corel|paintshop", "Corel PaintShop", 0.4),
        (r"lightroom", "Adobe Lightroom", 0.2),
        (r"camera raw", "Adobe Camera Raw", 0.2),
        (r"capture one", "Capture One", 0.2),
        (r"darktable", "darktable", 0.2),
        (r"rawtherapee", "RawTherapee", 0.2),
        (r"windows photo|microsoft photos|photo gallery", "Microsoft Photos", 0.2),
        (r"picasa", "Picasa", 0.2),
        (r"acdsee", "ACDSee", 0.2),
        (r"irfanview", "IrfanView", 0.2),
        (r"xnview", "XnView", 0.2),
        (r"imagemagick", "ImageMagick", 0.15),
        (r"gd-jpeg", "libgd (web re-encode)", 0.15),
        (r"nikon transfer|viewnx", "Nikon Transfer/ViewNX", 0.1),
    )
)


def editing_software(rec: ProvenanceRecord) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for where, v in rec.software_strings():
        for rx, label, s in EDITORS:
            if rx.search(v) and label not in found:
                found[label] = {"software": label, "where": where, "value": v, "strength": s}
    if rec.raw.photoshop_irb and "Adobe Photoshop" not in found:
        found["Photoshop IRB"] = {"software": "Adobe Photoshop or another Adobe-compatible editor",
                                  "where": "JPEG APP13 Photoshop image resources", "value": "8BIM", "strength": 0.2}
    return list(found.values())


_DT_RE = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):?(\d{2})?")


def parse_date(v: Any) -> datetime | None:
    if not isinstance(v, str):
        return None
    m = _DT_RE.search(v)
    if not m:
        return None
    try:
        y, mo, d, h, mi, s = (int(x) if x else 0 for x in m.groups())
        if y < 1900:
            return None
        return datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None


def date_findings(rec: ProvenanceRecord) -> list[dict[str, Any]]:
    """Inconsistent dates: modified before taken, far apart, or GPS date disagreeing with the capture."""
    out = []
    dates = {
        "EXIF DateTimeOriginal": parse_date(rec.exif.get("DateTimeOriginal")),
        "EXIF DateTimeDigitized": parse_date(rec.exif.get("DateTimeDigitized")),
        "EXIF DateTime (modified)": parse_date(rec.exif.get("DateTime")),
        "XMP CreateDate": parse_date(xmp_mod.first(rec.xmp, "xmp:CreateDate")),
        "XMP ModifyDate": parse_date(xmp_mod.first(rec.xmp, "xmp:ModifyDate")),
    }
    orig = dates["EXIF DateTimeOriginal"] or dates["XMP CreateDate"] or dates["EXIF DateTimeDigitized"]
    mods = {k: v for k, v in dates.items() if v is not None and k in ("EXIF DateTime (modified)", "XMP ModifyDate")}
    if orig and mods:
        gaps = {k: (v - orig).total_seconds() for k, v in mods.items()}
        k_min = min(gaps, key=gaps.get)
        k_max = max(gaps, key=gaps.get)
        if gaps[k_min] < -60:
            out.append({"kind": "date_inconsistency", "strength": 0.3,
                        "message": f"{k_min} {mods[k_min]} is before the capture date {orig}",
                        "values": {"original": str(orig), "modified": str(mods[k_min]), "gap_s": gaps[k_min]}})
        elif gaps[k_max] > 60:
            out.append({"kind": "date_inconsistency", "strength": 0.2,
                        "message": f"file modified {timedelta(seconds=int(gaps[k_max]))} after capture "
                        f"({orig} → {mods[k_max]}, {k_max})",
                        "values": {"original": str(orig), "modified": str(mods[k_max]), "gap_s": gaps[k_max]}})
    gps_d = rec.exif.get("GPSDateStamp")
    g = parse_date(f"{gps_d} 00:00:00") if isinstance(gps_d, str) else None
    if g and orig and abs((orig.date() - g.date()).days) > 1:
        out.append({"kind": "date_inconsistency", "strength": 0.2,
                    "message": f"GPS date {g.date()} differs from the capture date {orig.date()} by more than a day",
                    "values": {"gps_date": str(g.date()), "original": str(orig)}})
    return out
