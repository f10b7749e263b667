"""Invisible watermark of Stable Diffusion's reference pipelines (invisible-watermark "dwtDct").

Decodes the DWT-DCT watermark (U plane, Haar LL band, 4x4 blocks, step 36)
with our own implementation of the published algorithm
(``forgelens.provenance.watermark``) and names the payload when it is one a
generator is documented to embed: "StableDiffusionV1" (SD 1.x scripts),
"SDV2" (SD 2.x scripts) or the 48-bit SDXL message (generative-models /
diffusers). A known payload gives ``generator_signature`` with strength 1.0.

The watermark does not survive JPEG compression, resizing or cropping, and
most front-ends (A1111, ComfyUI) never embed it: its absence proves nothing.

References
----------
.. [1] invisible-watermark 0.2.0 (ShieldMnt, MIT), method "dwtDct".
.. [2] Rombach et al., CVPR 2022; Podell et al., SDXL, 2023.
"""

from __future__ import annotations

from dataclasses import dataclass

from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.provenance import watermark as wm
from forgelens.trace import Finding, Trace


@dataclass(frozen=True)
class WatermarkConfig:
    """max_rows: decode only the top rows (whole block rows) of large images.
    min_balanced_accuracy: block-vote agreement with a known payload needed to declare it present."""

    max_rows: int = 512
    min_balanced_accuracy: float = 0.62
    strength: float = 1.0


@register(
    "watermark",
    config=WatermarkConfig,
    family="provenance",
    description="Stable Diffusion invisible watermark (DWT-DCT, invisible-watermark): decode and name the payload",
    how_to_read="A decoded 'StableDiffusionV1' / 'SDV2' / SDXL payload means a Stable Diffusion reference "
    "pipeline produced the pixels. Nothing found means nothing: JPEG or resizing erases it.",
    caveat="Fragile by design; absent from most front-ends' outputs.",
)
def detect_watermark(evidence: Evidence, config: WatermarkConfig) -> Trace:
    r = wm.decode(evidence.pixels, max_rows=config.max_rows, min_balanced_accuracy=config.min_balanced_accuracy)
    if not r.applicable:
        return Trace.not_applicable("watermark", r.note)
    vals = {"balanced_accuracy": round(r.balanced_accuracy, 4), "bit_errors": r.bit_errors, "n_bits": r.n_bits,
            "n_blocks": r.n_blocks, "channel_order": r.channel_order, "per_payload": r.per_payload}
    if r.matched:
        return Trace(name="watermark", heatmap=None, score=config.strength, findings=[
            Finding("generator_signature", f"invisible watermark decoded: payload {r.payload!r} — {r.embedder} "
                    f"(block agreement {r.balanced_accuracy:.2f})", config.strength,
                    values={**vals, "payload": r.payload, "generator": r.embedder, "method": "dwtDct"})])
    findings = []
    if r.unknown_payload is not None:
        findings.append(Finding("watermark_payload", r.note, 0.3,
                                values={**vals, "payload": r.unknown_payload, "length": r.unknown_length,
                                        "consistency": round(r.unknown_consistency, 3)}))
    return Trace(name="watermark", heatmap=None, score=None, findings=findings,
                 note="no known DWT-DCT watermark (this proves nothing: JPEG or resizing erases it)")
