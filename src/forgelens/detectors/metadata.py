"""Metadata deep-read: editing software, dates, the EXIF thumbnail, camera fields, unreadable blocks.

Reads EXIF (IFD0/Exif/GPS/IFD1 with its thumbnail and the maker note), XMP
(including Adobe extended XMP and the xmpMM edit history), IPTC-IIM, ICC, PNG
text chunks, JPEG comments and the APPn segment list, and reports what an
analyst would note first. The metadata is the file's own account of itself:
it is easy to strip or forge, so findings here raise or lower suspicion but
never prove authenticity; the score is None when nothing suspicious was found
(absence of evidence is not evidence of authenticity).

Heatmap: None (provenance). ``extra_maps["thumbnail_difference"]``: the
thumbnail-vs-image residual upsampled to the image, when a thumbnail exists.

References
----------
.. [1] E. Kee, H. Farid, "Digital image authentication from thumbnails", SPIE 2010.
.. [2] JEITA CP-3451 Exif 2.32; ISO 16684-1 XMP; IPTC Photo Metadata 2023.1.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.provenance import claims
from forgelens.provenance import thumbnail as thumb_mod
from forgelens.trace import Finding, Trace

#: Fields a digital camera writes in its Exif IFD (checked when Make/Model are present).
CAMERA_FIELDS = ("DateTimeOriginal", "ExposureTime", "FNumber", "ISOSpeedRatings")


@dataclass(frozen=True)
class MetadataConfig:
    """Thresholds of the metadata checks.

    thumb_min_correlation: below this correlation the thumbnail shows another picture.
    thumb_changed_fraction: above this fraction of thumbnail pixels far off the tone fit, a local change.
    thumb_k_sigma: residual threshold in robust standard deviations of the fit.
    """

    thumb_min_correlation: float = 0.7
    thumb_changed_fraction: float = 0.02
    thumb_k_sigma: float = 6.0
    strength_thumbnail: float = 0.7
    strength_missing_camera_fields: float = 0.2


_UNRELATED_CORRELATION = 0.3  # wording only: below it the thumbnail is called another picture


def _low_correlation_sentence(correlation: float, threshold: float) -> str:
    """Only a very low correlation is called another picture: camera rendering and crops lower it too."""
    measured = f"correlation {correlation:.2f} with the image, below {threshold:.2f}"
    if correlation < _UNRELATED_CORRELATION:
        return (f"EXIF thumbnail looks like a different picture ({measured}): the picture was replaced or "
                "heavily edited after the thumbnail was written, or the thumbnail was swapped")
    return (f"EXIF thumbnail agrees only loosely with the image ({measured}): the pixels may have changed after "
            "the thumbnail was written, or the camera rendered or cropped its thumbnail differently")


@register(
    "metadata",
    config=MetadataConfig,
    family="provenance",
    description="Metadata deep-read: editing software, date consistency, EXIF thumbnail vs image, camera fields",
    how_to_read="Findings only. Editing software or a thumbnail that differs from the picture says the file "
    "was processed after capture; an empty result says nothing (metadata is easily stripped or forged).",
    caveat="Metadata never proves authenticity; it can be removed or rewritten with free tools.",
)
def detect_metadata(evidence: Evidence, config: MetadataConfig) -> Trace:
    rec = evidence.provenance
    findings: list[Finding] = []
    extra: dict[str, np.ndarray] = {}
    make, model = rec.make, rec.model

    if rec.errors:
        findings.append(Finding("metadata_unreadable", "unreadable metadata: " + "; ".join(rec.errors[:5]),
                                0.1, values={"problems": rec.errors[:20], "count": len(rec.errors)}))
    for e in claims.editing_software(rec):
        findings.append(Finding("editing_software", f"{e['software']} named in {e['where']}: {e['value']!r}",
                                e["strength"], values=e))
    for d in claims.date_findings(rec):
        findings.append(Finding(d["kind"], d["message"], d["strength"], values=d["values"]))

    if rec.exif.thumbnail:
        t = thumb_mod.decode_thumbnail(rec.exif.thumbnail)
        if t is None:
            findings.append(Finding("metadata_unreadable", "EXIF thumbnail present but not decodable", 0.1,
                                    values={"bytes": len(rec.exif.thumbnail)}))
        else:
            cmp_ = thumb_mod.compare(t, evidence.pixels, k_sigma=config.thumb_k_sigma)
            if cmp_ is not None:
                extra["thumbnail_difference"] = cv2.resize(cmp_.residual, (evidence.width, evidence.height),
                                                           interpolation=cv2.INTER_NEAREST)
                vals = {"correlation": round(cmp_.correlation, 4), "changed_fraction": round(cmp_.changed_fraction, 5),
                        "thumbnail_size": list(cmp_.thumb_size)}
                region = None
                if cmp_.changed_bbox is not None:
                    x0, y0, x1, y1 = cmp_.changed_bbox
                    region = (int(x0 * evidence.width), int(y0 * evidence.height),
                              int(np.ceil(x1 * evidence.width)), int(np.ceil(y1 * evidence.height)))
                if cmp_.correlation < config.thumb_min_correlation:
                    findings.append(Finding("thumbnail_mismatch",
                                            _low_correlation_sentence(cmp_.correlation, config.thumb_min_correlation),
                                            config.strength_thumbnail, values=vals))
                elif cmp_.changed_fraction > config.thumb_changed_fraction:
                    findings.append(Finding("thumbnail_mismatch",
                                            f"EXIF thumbnail differs from the image in {100 * cmp_.changed_fraction:.1f}% "
                                            "of its area after fitting the tone: the pixels may have changed after the "
                                            "thumbnail was written, or the camera rendered its thumbnail differently",
                                            config.strength_thumbnail, region=region, values=vals))
                else:
                    findings.append(Finding("metadata_info", "EXIF thumbnail matches the image", 0.0, values=vals))

    if make or model:
        missing = [f for f in CAMERA_FIELDS if rec.exif.get(f) in (None, "")]
        vals = {"make": make, "model": model, "maker_note": rec.exif.makernote is not None,
                "maker_note_bytes": len(rec.exif.makernote or b"")}
        findings.append(Finding("metadata_info", f"camera: {make or ''} {model or ''}".strip()
                                + ("; maker note present" if rec.exif.makernote else "; no maker note"), 0.0, values=vals))
        if len(missing) >= 2:
            findings.append(Finding("camera_fields_missing",
                                    f"EXIF names a camera but lacks {', '.join(missing)}, which cameras write: "
                                    "the metadata was rewritten by software", config.strength_missing_camera_fields,
                                    values={"missing": missing}))
    elif not (rec.raw.exif or rec.raw.xmp or rec.text):
        findings.append(Finding("metadata_info", "no EXIF, XMP or text metadata: stripped or never written "
                                "(common after upload to social networks; says nothing either way)", 0.0))
    suspicious = [f.strength for f in findings if f.kind in
                  ("editing_software", "date_inconsistency", "thumbnail_mismatch", "camera_fields_missing")]
    return Trace(name="metadata", heatmap=None, score=max(suspicious) if suspicious else None,
                 findings=findings, extra_maps=extra,
                 note="metadata can be stripped or forged: it never proves authenticity")
