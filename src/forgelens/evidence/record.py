"""One provenance record per file: every metadata block read once, then interpreted.

``read(evidence)`` walks the container, parses EXIF (with its thumbnail and
maker note), XMP, IPTC-IIM, looks the JPEG tables up, reads C2PA and the
generator conventions, and caches the result by the file's SHA-256 so the
several provenance detectors share one read. Pixel-based checks (watermark,
thumbnail comparison) are computed by their detectors on demand.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from forgelens.evidence import c2pa_reader, containers, generators, qtables
from forgelens.evidence import exif as exif_mod
from forgelens.evidence import xmp as xmp_mod

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


@dataclass
class ProvenanceRecord:
    raw: containers.RawMetadata
    exif: exif_mod.ExifData
    xmp: dict[str, list[str]]
    iptc: dict[str, list[str]]
    text: dict[str, str]
    quant: qtables.QuantReport | None
    c2pa: c2pa_reader.C2paResult
    generator_hits: list[generators.GeneratorHit]
    stealth_problem: str | None
    digital_source_types: list[str]
    errors: list[str] = field(default_factory=list)

    # --- convenient fields -------------------------------------------------
    def field(self, *names: str) -> str | None:
        for n in names:
            if n.startswith(("xmp", "photoshop", "Iptc4", "tiff:", "exif:", "dc:", "crs:")):
                v = xmp_mod.first(self.xmp, n)
            else:
                v = self.exif.get(n)
            if v not in (None, "", b""):
                return str(v) if not isinstance(v, bytes) else None
        return None

    @property
    def make(self) -> str | None:
        return self.field("Make", "tiff:Make")

    @property
    def model(self) -> str | None:
        return self.field("Model", "tiff:Model")

    def software_strings(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for where, v in (
            ("EXIF Software", self.exif.get("Software")),
            ("EXIF ProcessingSoftware", self.exif.get("ProcessingSoftware")),
            ("EXIF HostComputer", self.exif.get("HostComputer")),
            ("XMP CreatorTool", xmp_mod.first(self.xmp, "xmp:CreatorTool")),
            ("IPTC OriginatingProgram", xmp_mod.first(self.iptc, "OriginatingProgram")),
            ("PNG text Software", self.text.get("Software")),
        ):
            if isinstance(v, str) and v.strip():
                out.append((where, v.strip()[:200]))
        for agent in (self.xmp.get("stEvt:softwareAgent") or [])[:20]:
            out.append(("XMP history softwareAgent", agent[:200]))
        for c in self.raw.comments[:5]:
            if c.strip():
                out.append(("JPEG comment", c.strip()[:200]))
        return out


_CACHE: OrderedDict[str, ProvenanceRecord] = OrderedDict()
_LOCK = threading.Lock()


def read(evidence) -> ProvenanceRecord:
    """The provenance record of ``evidence`` (cached by SHA-256; never raises on bad metadata)."""
    key = evidence.sha256
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    rec = _build(evidence)
    with _LOCK:
        _CACHE[key] = rec
        while len(_CACHE) > 16:
            _CACHE.popitem(last=False)
    return rec


def read_bytes(data: bytes, fmt: str, alpha=None, rgb=None) -> ProvenanceRecord:
    """Same as ``read`` for raw bytes (no pixels needed except for the stealth LSB check)."""
    return _build_parts(data, fmt, None, alpha, rgb, [])


def _build(evidence) -> ProvenanceRecord:
    errors = list(getattr(evidence.metadata, "errors", ()) or ())
    q = evidence.jpeg.qtables if evidence.jpeg is not None else None
    lossless = evidence.format in ("PNG", "WEBP", "TIFF", "BMP") and "lossy" not in str(evidence.notes)
    rgb = evidence.pixels if lossless and evidence.format == "PNG" else None
    return _build_parts(evidence.data, evidence.format, q, evidence.alpha if lossless else None, rgb, errors,
                        pillow_text=getattr(evidence.metadata, "png_text", {}) or {})


def _build_parts(data, fmt, qt, alpha, rgb, errors, pillow_text=None) -> ProvenanceRecord:
    raw = containers.read_raw(data, fmt)
    errors = errors + raw.errors
    ex = exif_mod.ExifData()
    for block in raw.exif[:2]:
        e = exif_mod.parse_exif(block)
        for k, v in e.ifds.items():
            ex.ifds.setdefault(k, {}).update(v)
        ex.thumbnail = ex.thumbnail or e.thumbnail
        ex.makernote = ex.makernote if ex.makernote is not None else e.makernote
        ex.byte_order = ex.byte_order or e.byte_order
        ex.errors += e.errors
    errors += ex.errors
    xf: dict[str, list[str]] = {}
    for packet in raw.xmp[:4]:
        f, errs = xmp_mod.parse_xmp(packet)
        for k, v in f.items():
            xf.setdefault(k, []).extend(x for x in v if x not in xf.get(k, []))
        errors += errs
    iptc: dict[str, list[str]] = {}
    for block in raw.iptc[:4]:
        f, errs = xmp_mod.parse_iim(block)
        for k, v in f.items():
            iptc.setdefault(k, []).extend(v)
        errors += errs
    text = {k: v for k, (_t, v) in raw.text.items()}
    for k, v in (pillow_text or {}).items():  # formats without our walker (e.g. GIF comments)
        text.setdefault(k, v)
    quant = None
    if qt is not None and len(qt) >= 1:
        try:
            quant = qtables.match(list(qt))
        except Exception as exc:  # pragma: no cover
            errors.append(f"quantisation tables unreadable: {exc}")
    c2 = c2pa_reader.read_c2pa(data, fmt, has_jumbf=raw.jumbf, jumbf_bytes=raw.jumbf_bytes)
    if c2.status == "unreadable":
        errors.append(c2.message)
    hits = generators.from_text_chunks(text)
    uc = exif_mod.decode_user_comment(ex.get("UserComment"))
    desc = ex.get("ImageDescription")
    hits += generators.from_exif(uc, ex.get("Software") if isinstance(ex.get("Software"), str) else None,
                                 desc if isinstance(desc, str) else None,
                                 ex.get("Make") if isinstance(ex.get("Make"), str) else None)
    for where, key in (("XMP CreatorTool", "xmp:CreatorTool"), ("XMP history softwareAgent", "stEvt:softwareAgent")):
        for v in (xf.get(key) or [])[:10]:
            m = generators.GENERATOR_SOFTWARE.search(v[: generators.MAX_SCAN_CHARS])
            if m:
                hits.append(generators.GeneratorHit(m.group(1), where, {"value": v[:200]}, conclusive=False))
    stealth_problem = None
    try:
        hit, stealth_problem = generators.read_stealth(alpha, rgb)
        if hit is not None:
            hits.append(hit)
    except Exception as exc:  # pragma: no cover - defensive
        stealth_problem = f"stealth pnginfo check failed: {exc}"
    if stealth_problem:
        errors.append(stealth_problem)
    dst = []
    for v in (xf.get("Iptc4xmpExt:DigitalSourceType") or []) + (xf.get("Iptc4xmpExt:digitalsourcetype") or []):
        name = v.rstrip("/").rsplit("/", 1)[-1]
        if name and name not in dst:
            dst.append(name)
    return ProvenanceRecord(raw, ex, xf, iptc, text, quant, c2, hits, stealth_problem, dst, _dedup(errors))


def _dedup(xs: list[str]) -> list[str]:
    return list(OrderedDict.fromkeys(x[:400] for x in xs))[:100]


# --- interpretation helpers used by the detectors ----------------------------

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
