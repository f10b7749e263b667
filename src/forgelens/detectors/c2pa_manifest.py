"""C2PA Content Credentials: validation state, signer, actions and declared AI generation.

Uses ``c2pa-python`` (optional extra ``provenance``); without it the trace says
"c2pa-python not installed" and is not applicable. A *valid* manifest whose
actions declare the IPTC digital source type ``trainedAlgorithmicMedia`` (or
``algorithmicMedia``) for the content gives the finding ``ai_declared`` with
strength 1 (fully generated); ``compositeWithTrainedAlgorithmicMedia`` or an AI
ingredient gives ``ai_declared`` with scope "partial" (AI-edited, strength 0.8).
An invalid manifest gives ``c2pa_invalid`` with the failure codes: a
hard-binding hash mismatch means the bytes changed after signing. An invalid manifest
that declares AI generation also gives ``ai_declared`` (``signature_valid`` False,
strength 0.9 full / 0.7 partial): the declaration is strong evidence even unverified.

A valid manifest proves who signed the claim and that the bytes are unchanged
since; it does not prove that the claim is true, and a missing manifest
proves nothing (most software strips it).

References
----------
.. [1] C2PA Technical Specification 2.1 (2024).
"""

from __future__ import annotations

from dataclasses import dataclass

from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.trace import Finding, Trace

#: Failure codes of a hard-binding hash mismatch: the file's bytes changed after the manifest was signed.
HASH_CODES = ("assertion.dataHash.mismatch", "assertion.bmffHash.mismatch", "assertion.boxesHash.mismatch")


@dataclass(frozen=True)
class C2paConfig:
    strength_full_ai: float = 1.0
    strength_partial_ai: float = 0.8
    strength_hash_mismatch: float = 0.7
    strength_invalid: float = 0.4
    #: A manifest that declares AI generation but does not validate here is still strong evidence
    #: (a declaration of AI is rarely added falsely; generator libraries often sign with keys no
    #: trust list holds): 0.9 reaches fusion's declared-AI row; the words say both facts.
    strength_invalid_full_ai: float = 0.9
    strength_invalid_partial_ai: float = 0.7


@register(
    "c2pa_manifest",
    config=C2paConfig,
    family="provenance",
    description="C2PA Content Credentials: validation, signer, actions, declared digital source type",
    how_to_read="'valid' means the signed claim is intact and the file unchanged since signing; read the "
    "claim generator and actions. 'invalid' with a hash mismatch means the file changed after signing.",
    caveat="A manifest proves who signed what claim, not that the claim is true; no manifest proves nothing.",
)
def detect_c2pa(evidence: Evidence, config: C2paConfig) -> Trace:
    rec = evidence.provenance
    c = rec.c2pa
    if c.status == "unavailable":
        return Trace(name="c2pa_manifest", applicable=False, note=c.message,
                     findings=[Finding("c2pa_unavailable", c.message, 0.0)])
    if c.status == "no_manifest":
        return Trace(name="c2pa_manifest", applicable=True, score=None, note=c.message,
                     findings=[Finding("c2pa_absent", c.message + " (proves nothing: most software strips it)", 0.0)])
    if c.status == "unreadable":
        return Trace(name="c2pa_manifest", score=config.strength_invalid, note=c.message,
                     findings=[Finding("c2pa_invalid", c.message, config.strength_invalid,
                                       values={"status": "unreadable"})])
    vals = {"status": c.status, "claim_generator": c.claim_generator, "signer_issuer": c.signer_issuer,
            "signer": c.signer_name, "signed_at": c.signed_at, "actions": [a["action"] for a in c.actions],
            "software_agents": c.software_agents, "digital_source_types": c.digital_source_types,
            "ingredients": len(c.ingredients), "failure_codes": c.failure_codes,
            "informational_codes": c.informational_codes, "n_manifests": c.n_manifests}
    findings: list[Finding] = []
    score = None
    if c.status == "invalid":
        hash_bad = any(code in HASH_CODES for code in c.failure_codes)
        s = config.strength_hash_mismatch if hash_bad else config.strength_invalid
        why = ("the image bytes changed after the manifest was signed" if hash_bad
               else "the manifest or its signature does not verify")
        findings.append(Finding("c2pa_invalid", f"C2PA manifest INVALID ({', '.join(c.failure_codes)}): {why}; "
                                f"its claims (generator {c.claim_generator!r}) cannot be trusted", s, values=vals))
        score = s
        if c.ai_scope in ("full", "partial"):
            full = c.ai_scope == "full"
            s_ai = config.strength_invalid_full_ai if full else config.strength_invalid_partial_ai
            findings.append(Finding(
                "ai_declared", f"C2PA manifest declares {'the content AI-generated' if full else 'AI-generated parts'} "
                f"({', '.join(c.digital_source_types)}; agent: {', '.join(c.software_agents) or '?'}) but does not "
                "validate here: who made the claim cannot be confirmed", s_ai,
                values={**vals, "scope": c.ai_scope, "signature_valid": False}))
            score = max(score, s_ai)
    else:
        untrusted = "signingCredential.untrusted" in c.informational_codes
        findings.append(Finding("c2pa_valid",
                                f"C2PA manifest {c.status} (signed by {c.signer_issuer or '?'}"
                                f"{', certificate not in a trust list' if untrusted else ''}); claim generator "
                                f"{c.claim_generator!r}; actions: {', '.join(a['action'] or '?' for a in c.actions) or 'none'}",
                                0.0, values=vals))
        if c.ingredient_failure_codes:
            findings.append(Finding("c2pa_ingredient_invalid",
                                    f"an ingredient's manifest does not validate ({', '.join(c.ingredient_failure_codes)})",
                                    0.3, values={"codes": c.ingredient_failure_codes}))
            score = 0.3
        if c.ai_scope == "full":
            findings.append(Finding("ai_declared", f"valid C2PA manifest declares the content AI-generated "
                                    f"({', '.join(c.digital_source_types)}; agent: {', '.join(c.software_agents) or '?'})",
                                    config.strength_full_ai, values={**vals, "scope": "full"}))
            score = config.strength_full_ai
        elif c.ai_scope == "partial":
            findings.append(Finding("ai_declared", "valid C2PA manifest declares AI-generated parts "
                                    f"({', '.join(c.digital_source_types)}; agent: {', '.join(c.software_agents) or '?'})",
                                    config.strength_partial_ai, values={**vals, "scope": "partial"}))
            score = max(score or 0.0, config.strength_partial_ai)
    return Trace(name="c2pa_manifest", heatmap=None, score=score, findings=findings, note=c.message)
