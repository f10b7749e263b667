"""JPEG quantisation tables: quality estimate and which encoder family wrote them.

Compares the file's tables with the IJG formula and with a database of tables
measured from cameras and editors (``forgelens.evidence.qtables``). When the
EXIF names a camera whose own tables are in the database but the file carries
an editor's or a library's tables, the file was re-compressed by software after
capture (Kee, Johnson & Farid 2011). An ``editing_software`` row names an editor
only when the tables are unique to editors in the database: tables that equal the
IJG (libjpeg) tables at some quality, or a camera's or library's entry, are written
by cameras and editors alike and name no editor.

Heatmap: None (provenance). Score: None unless tables unique to an editor match or
the tables contradict the camera.

References
----------
.. [1] H. Farid, "Digital Image Ballistics from JPEG Quantization", TR2006-583, 2006.
.. [2] E. Kee, M. K. Johnson, H. Farid, "Digital Image Authentication From JPEG
       Headers", IEEE TIFS 6(3), 2011.
"""

from __future__ import annotations

from dataclasses import dataclass

from forgelens.detectors.registry import register
from forgelens.evidence import Evidence, qtables
from forgelens.trace import Finding, Trace


@dataclass(frozen=True)
class QuantTablesConfig:
    strength_camera_contradiction: float = 0.25
    strength_editor_tables: float = 0.4


@register(
    "quant_tables",
    config=QuantTablesConfig,
    family="provenance",
    description="JPEG quantisation tables: estimated quality, IJG-standard or custom, matching cameras/editors",
    how_to_read="Names the encoder family of the last JPEG compression. Editor or library tables in a file "
    "whose EXIF names a camera mean it was re-saved by software.",
    caveat="Many phones and some cameras use IJG tables; a match narrows the encoder, it does not identify it.",
)
def detect_quant_tables(evidence: Evidence, config: QuantTablesConfig) -> Trace:
    if evidence.jpeg is None:
        return Trace.not_applicable("quant_tables", "not a JPEG (or its tables were unreadable)")
    rec = evidence.provenance
    q = rec.quant
    if q is None:
        return Trace.not_applicable("quant_tables", "quantisation tables unreadable")
    findings: list[Finding] = []
    kind = "IJG-standard" if q.ijg_standard else "custom (non-IJG)"
    labels = q.match_labels
    vals = {"quality": q.quality, "ijg_standard": q.ijg_standard,
            "distance_to_ijg": round(q.mean_log_ratio_to_ijg, 4), "matches": labels,
            "luma_table": list(q.luma)}
    # a match says which encoders write these tables, never that this file is one's original or re-save
    msg = f"JPEG quality ≈ {q.quality} ({kind} tables); " + (
        q.match_words() if labels else "no camera or editor in the database writes these tables")
    findings.append(Finding("qtable_match", msg, 0.0, values=vals))
    score = None
    editors = [m for m in q.matches if m.get("kind") == "editor"]
    # Tables that a library (IJG libjpeg at some quality, MozJPEG) or a camera also writes name no editor:
    # cameras, phones and editors alike use libjpeg's tables, so the match narrows the encoder, nothing more
    # (session 18: 5 of 26 camera originals read "tables are those of <editor>"). Only tables unique to
    # editors in the database name one, and only then is there a score (no model reads it: fusion and
    # detection.json do not; a score without a finding would be a claim with nothing behind it).
    shared = q.ijg_standard or any(m.get("kind") in ("library", "camera") for m in q.matches)
    if editors and not shared:
        findings.append(Finding("editing_software", f"quantisation tables are those of {editors[0]['label']}",
                                config.strength_editor_tables, values={"match": editors[0]}))
        score = config.strength_editor_tables
    make, model = rec.make, rec.model
    if make or model:
        claimed = f"{make or ''} {model or ''}".strip().lower()
        cams = [r for r in qtables.database() if r.get("kind") == "camera"
                and all(w in r["label"].lower() for w in claimed.split()[:3])]
        matched_cam = any(m.get("kind") == "camera" and m["label"].lower().startswith(claimed[:10]) for m in q.matches)
        if cams and not matched_cam:
            findings.append(Finding("qtable_camera_mismatch",
                                    f"EXIF names {make} {model}, but this file's tables differ from the {len(cams)} table "
                                    "set(s) measured from that model: re-compressed after capture, or a quality "
                                    "setting not in the database",
                                    config.strength_camera_contradiction,
                                    values={"camera": claimed, "database_entries": len(cams)}))
            score = max(score or 0.0, config.strength_camera_contradiction)
    return Trace(name="quant_tables", heatmap=None, score=score, findings=findings,
                 note="a table match narrows the encoder family; it never proves authenticity")
