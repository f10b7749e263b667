"""Generator signatures in the file: text chunks, EXIF, XMP/IPTC digital source type, stealth LSBs.

Recognises the metadata conventions of AUTOMATIC1111 / Forge (``parameters``,
also hidden in the alpha-channel LSBs as "stealth pnginfo"), ComfyUI, NovelAI,
InvokeAI, Fooocus, SwarmUI, Easy Diffusion and Midjourney, generator names in
EXIF Software / XMP CreatorTool, and the IPTC digital source type in XMP
(``Iptc4xmpExt:DigitalSourceType``), as documented in
``forgelens.evidence.generators``.

A conclusive hit (a generator's own parameter block, or XMP declaring
``trainedAlgorithmicMedia``) gives strength/score 1.0; a generator name alone
in a free-text field gives 0.6. Absence proves nothing: all of this is removed
by any re-save that drops metadata.
"""

from __future__ import annotations

from dataclasses import dataclass

from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.provenance import claims
from forgelens.trace import Finding, Trace


@dataclass(frozen=True)
class GeneratorSignatureConfig:
    strength_conclusive: float = 1.0
    strength_name_only: float = 0.6
    strength_partial_ai: float = 0.8


@register(
    "generator_signature",
    config=GeneratorSignatureConfig,
    family="provenance",
    description="AI generator metadata: A1111/Forge (incl. stealth alpha LSB), ComfyUI, NovelAI, InvokeAI, "
    "Fooocus, XMP/IPTC digitalSourceType",
    how_to_read="A generator's parameter block (prompt, seed, model) in the file means the image came out of "
    "that generator (or someone copied the block in). No finding means nothing: metadata is easily stripped.",
    caveat="Metadata can be forged or copied from another file; it is the file's claim, not a measurement.",
)
def detect_generator_signature(evidence: Evidence, config: GeneratorSignatureConfig) -> Trace:
    rec = evidence.provenance
    findings: list[Finding] = []
    score = None
    for h in rec.generator_hits:
        s = config.strength_conclusive if h.conclusive else config.strength_name_only
        detail = ", ".join(f"{k}={str(v)[:60]!r}" for k, v in list(h.params.items())[:4])
        findings.append(Finding("generator_signature", f"{h.generator} metadata in {h.where}"
                                + (f" ({detail})" if detail else ""), s, values=h.to_dict()))
        score = max(score or 0.0, s)
    full = [d for d in rec.digital_source_types if d in claims.AI_DST_FULL]
    part = [d for d in rec.digital_source_types if d in claims.AI_DST_PARTIAL]
    if full or part:
        s = config.strength_conclusive if full else config.strength_partial_ai
        findings.append(Finding("ai_declared", f"XMP Iptc4xmpExt:DigitalSourceType declares {', '.join(full + part)}",
                                s, values={"digital_source_types": rec.digital_source_types,
                                           "scope": "full" if full else "partial", "where": "XMP"}))
        score = max(score or 0.0, s)
    elif rec.digital_source_types:
        findings.append(Finding("metadata_info", "XMP DigitalSourceType: " + ", ".join(rec.digital_source_types)
                                + " (a claim in editable metadata)", 0.0,
                                values={"digital_source_types": rec.digital_source_types}))
    if rec.stealth_problem:
        findings.append(Finding("metadata_unreadable", rec.stealth_problem, 0.1))
    return Trace(name="generator_signature", heatmap=None, score=score, findings=findings,
                 note="no generator metadata found (this proves nothing)" if score is None else "")
