"""One provenance record per file: every metadata block read once, then parsed.

``from_evidence(evidence)`` walks the container, parses EXIF (with its thumbnail
and maker note), XMP, IPTC-IIM, looks the JPEG tables up, reads C2PA and the
generator conventions. Evidence keeps the result as its lazy ``provenance``
property, so the several provenance detectors and the report share one read.
What the record *means* (editing software, dates) is interpreted in
``forgelens.provenance``; pixel-based checks (watermark, thumbnail comparison)
are computed by their detectors.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from forgelens.evidence import c2pa_reader, containers, generators, qtables
from forgelens.evidence import exif as exif_mod
from forgelens.evidence import xmp as xmp_mod


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


def from_bytes(data: bytes, fmt: str, alpha=None, rgb=None) -> ProvenanceRecord:
    """The record of raw bytes (no pixels needed except for the stealth LSB check); never raises
    on bad metadata. ``Evidence.provenance`` is the same record for a loaded file."""
    return _build_parts(data, fmt, None, alpha, rgb, [])


def from_evidence(evidence) -> ProvenanceRecord:
    """The record of loaded Evidence (its bytes, JPEG tables, Pillow's metadata and, for lossless
    files, its pixels); use ``evidence.provenance``, which keeps it."""
    errors = list(getattr(evidence.metadata, "errors", ()) or ())
    q = evidence.jpeg.qtables if evidence.jpeg is not None else None
    lossless = evidence.format in ("PNG", "WEBP", "TIFF", "BMP") and "lossy" not in str(evidence.notes)
    rgb = evidence.pixels if lossless and evidence.format == "PNG" else None
    walked = (list(evidence.segments), evidence.structure_error) if evidence.segments else None
    return _build_parts(evidence.data, evidence.format, q, evidence.alpha if lossless else None, rgb, errors,
                        pillow_text=getattr(evidence.metadata, "png_text", {}) or {}, walked=walked)


def _build_parts(data, fmt, qt, alpha, rgb, errors, pillow_text=None, walked=None) -> ProvenanceRecord:
    raw = containers.read_raw(data, fmt, walked)
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
