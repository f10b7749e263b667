"""The report's Provenance table: what each of the file's own records proves, and what it does not.

Reads the record Evidence keeps (``evidence.provenance``) and the traces of the provenance
detectors (``metadata``, ``watermark``); one row per signal, ending with the reminder that
metadata never proves authenticity.
"""

from __future__ import annotations

from typing import Any

__all__ = ["provenance_rows"]

_NEVER = "Metadata alone never proves authenticity: it is stripped by most uploads and rewritten by free tools."


def _trace(traces, name):
    for t in traces or ():
        if getattr(t, "name", None) == name:
            return t
    return None


def _finding(t, kind):
    return [f for f in (t.findings if t is not None else []) if f.kind == kind]


def provenance_rows(evidence, traces=None) -> list[dict[str, Any]]:
    """Rows {signal, value, proves, does_not_prove} for the report's Provenance section.

    Works from the record alone when the provenance detectors were not run
    (``traces`` None or without them), except for the pixel-based watermark row.
    """
    rows: list[dict[str, Any]] = []

    def row(signal: str, value: str, proves: str, does_not: str) -> None:
        rows.append({"signal": signal, "value": value, "proves": proves, "does_not_prove": does_not})

    try:
        rec = evidence.provenance
    except Exception as exc:  # never break a report
        row("Metadata", f"unreadable: {type(exc).__name__}: {exc}", "nothing", "anything")
        row("Overall", "", "", _NEVER)
        return rows

    c = rec.c2pa
    if c.status == "unavailable":
        row("C2PA Content Credentials", "not checked: c2pa-python not installed", "nothing", "anything")
    elif c.status == "no_manifest":
        row("C2PA Content Credentials", "no manifest", "nothing",
            "that the image is authentic or that it is not: most software and uploads strip manifests")
    elif c.status == "unreadable":
        row("C2PA Content Credentials", c.message, "the manifest store is corrupt",
            "what the manifest said")
    else:
        ai = {"full": "; declares AI-generated content", "partial": "; declares AI-generated parts"}.get(c.ai_scope or "", "")
        value = (f"{c.status}; signer {c.signer_issuer or '?'}; generator {c.claim_generator or '?'}; "
                 f"actions {', '.join(a['action'] or '?' for a in c.actions) or 'none'}"
                 + (f"; digital source {', '.join(c.digital_source_types)}" if c.digital_source_types else "") + ai)
        if c.status == "invalid":
            row("C2PA Content Credentials", value + f"; failures {', '.join(c.failure_codes)}",
                "the manifest does not verify: its claims cannot be relied on"
                + ("; the bytes changed after signing" if any("Hash" in x for x in c.failure_codes) else ""),
                "that the content was manipulated (a re-save alone breaks the hash)")
        else:
            row("C2PA Content Credentials", value,
                "the signer made this claim and the file is unchanged since signing"
                + (" — the signer declares AI generation" if ai else ""),
                "that the claim is true, or that the signer is trustworthy"
                + (" (certificate not in a trust list)" if "signingCredential.untrusted" in c.informational_codes else ""))

    for h in rec.generator_hits:
        row("Generator metadata", f"{h.generator} in {h.where}",
            "the file passed through that generator" if h.conclusive else "a generator is named in a free-text field",
            "anything if absent; present, it can be copied into any file")
    if rec.digital_source_types:
        row("XMP digital source type", ", ".join(rec.digital_source_types),
            "the writer of the XMP declared this source", "that the declaration is true (XMP is editable)")

    wm_t = _trace(traces, "watermark")
    if wm_t is not None and wm_t.applicable:
        hit = _finding(wm_t, "generator_signature")
        row("Invisible watermark (SD DWT-DCT)",
            hit[0].message if hit else "none found",
            "a Stable Diffusion reference pipeline produced the pixels" if hit else "nothing",
            "anything when absent: JPEG, resizing and most front-ends remove or never add it")

    md = _trace(traces, "metadata")
    sw = [f"{w}: {v}" for w, v in rec.software_strings()][:4]
    cam = f"{rec.make or ''} {rec.model or ''}".strip()
    row("Camera / software", (f"camera {cam}" if cam else "no camera named") + ("; " + "; ".join(sw) if sw else ""),
        "what the file claims made and processed it",
        "that this camera took it (Make/Model are plain text)")
    for f in _finding(md, "thumbnail_mismatch"):
        row("EXIF thumbnail", f.message, "that the thumbnail and the pixels differ",
            "that the picture was edited: a camera's own thumbnail rendering, a crop or a rotation "
            "without thumbnail update also do this")
    for f in _finding(md, "date_inconsistency"):
        row("Dates", f.message, "the file was written again after capture", "that the content was altered")
    q = rec.quant
    if q is not None:
        row("JPEG quantisation tables",
            f"quality ≈ {q.quality}, {'IJG-standard' if q.ijg_standard else 'custom'}"
            + (f"; {q.match_words()}" if q.matches else "; no database match"),
            "the encoder family of the last compression", "which device or person made the image")
    if rec.errors:
        row("Unreadable metadata", "; ".join(rec.errors[:3]), "the metadata is damaged or hostile",
            "manipulation of the pixels")
    row("Overall", "", "", _NEVER)
    return rows
