"""Traces → Verdict: one map, one label, three probabilities.

Two fitted logistic combiners (stacked manipulation fusion, generation combiner)
give calibrated probabilities where their detectors ran; a documented rule takes
over where they did not, and the verdict's ``calibrated`` flag says which decided.

The rule
--------
Localisation map
    Weighted mean of the heatmaps of every applicable detector that produced
    one, the weight being the detector weight × its image score (floored at
    ``score_floor``, so a detector without a score still counts a little) × its
    reliability map. A detector that found nothing in the image as a whole
    therefore barely paints the map, and one noisy trace cannot paint it alone.
Manipulation score
    Mean of the two highest image-level scores among manipulation detectors
    (families other than "generation", "provenance" and "baseline", and not
    the ``map_only`` detectors), or the
    highest alone when it reaches ``single_sure``: one detector alone must be
    very sure, or two must agree.
Generation score
    One calibrated P(generated) from ``forgelens.fusion.generation``: the shipped
    logistic combiner over the generation detectors (``generation.json``, fitted with
    a threshold that calls ≤ 3 % of held-out camera photos generated and an
    inconclusive band below it), or, without one, the highest score among generation
    detectors registered as ``calibrated``. Uncalibrated ones (e.g. the training-free
    spectral trace, which JPEG blocking also excites) are reported, not obeyed. The
    combiner also splits pristine / laundered / fully synthetic (``laundering``): a
    laundered picture is reported as real content, AI-re-rendered.
Provenance overrides
    A finding of kind ``ai_declared`` (C2PA / XMP declares AI generation) or
    ``generator_signature`` (generator metadata or watermark) with strength ≥
    0.9 makes the label "generated", citing that finding.
Stacked fusion (when ``stacking.json`` is shipped and ``use_stacking``)
    The manipulation score becomes the logistic combiner's P(manipulated)
    (see ``forgelens.fusion.stacking``: fitted on forgelens synth forgeries,
    calibrated for a 50/50 prior, ``calibrated=True`` in the verdict), and each
    detector's map weight is its positive standardised coefficient × its score.
    It is used only when at least half of the model's detectors ran; otherwise
    the rule below decides and the verdict says it is not calibrated.
Declared partial AI edits
    An ``ai_declared`` finding whose ``values["scope"]`` is "partial" (e.g. a
    C2PA manifest declaring generative fill) makes the label "manipulated" with
    the domain "AI edit or inpainting (declared)".
Label
    generated if provenance says so or P(generated) reaches the combiner's threshold;
    else manipulated if the manipulation score ≥ ``manipulated_at``; else authentic
    if it is below ``authentic_below`` and P(generated) is below the inconclusive band;
    else inconclusive.
Probabilities
    ``probabilities`` = P(generated), then (1 − P(generated)) split by P(manipulated)
    into manipulated / authentic — three numbers summing to 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forgelens.fusion.generation import assess
from forgelens.fusion.stacking import StackingModel
from forgelens.trace import Finding, Trace, _jsonable

LABELS = ("authentic", "manipulated", "generated", "inconclusive")
_HARD_GENERATION_KINDS = ("ai_declared", "generator_signature")


@dataclass(frozen=True)
class FusionConfig:
    manipulated_at: float = 0.6
    authentic_below: float = 0.4
    generated_at: float = 0.7
    mask_threshold: float = 0.5
    score_floor: float = 0.05
    single_sure: float = 0.9
    use_stacking: bool = True
    #: Per-detector weights for the fused map; detectors not listed weigh 1. Weight 0 keeps a
    #: detector out of the map and the manipulation score (it is still reported). PRNU's map
    #: flags 0.3–6.8 % of authentic shots (issue 5 note); its PCE camera match is reported only.
    weights: tuple[tuple[str, float], ...] = (("prnu", 0.0),)
    #: Detectors whose map is fused with a fixed weight (× reliability) but whose image score
    #: never decides the verdict: the learned localizer localises well on held-out data but its
    #: detection head calls most authentic photos manipulated (issue 10 note).
    map_only: tuple[str, ...] = ("learned_localizer",)
    #: Use the shipped generation combiner (``generation.json``, see ``forgelens.fusion.generation``).
    use_generation_combiner: bool = True


@dataclass
class Verdict:
    label: str
    score: float
    manipulation_score: float | None
    generation_score: float | None
    domain: str | None
    heatmap: np.ndarray | None
    mask: np.ndarray | None
    findings: list[tuple[str, Finding]] = field(default_factory=list)
    explanation: str = ""
    calibrated: bool = False
    #: P(authentic), P(manipulated), P(generated) summing to 1 (see ``_probabilities``); None
    #: where nothing was measured.
    probabilities: dict[str, float | None] | None = None
    #: What the generation detectors say together (``GenerationAssessment.to_dict()``).
    generation: dict[str, Any] | None = None
    #: Pristine / laundered / fully synthetic split, with ``p_laundered``.
    laundering: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(
            {
                "label": self.label,
                "score": round(self.score, 4),
                "probabilities": self.probabilities,
                "manipulation_score": self.manipulation_score,
                "generation_score": self.generation_score,
                "generation": self.generation,
                "laundering": self.laundering,
                "calibrated": self.calibrated,
                "domain": self.domain,
                "mask_fraction": float(self.mask.mean()) if self.mask is not None else None,
                "explanation": self.explanation,
                "findings": [{"detector": d, **f.to_dict()} for d, f in self.findings],
            }
        )


def _family(name: str) -> str:
    info = _info(name)
    return info.family if info else "unknown"


def _calibrated(name: str) -> bool:
    info = _info(name)
    return bool(info and info.calibrated)


def _info(name: str):
    from forgelens.detectors import available

    return available().get(name)


_STACKING: list[StackingModel | None] = []


def stacking_model() -> StackingModel | None:
    """The shipped stacking model (read once), or None when none is shipped."""
    if not _STACKING:
        _STACKING.append(StackingModel.load())
    return _STACKING[0]


def fuse(traces: list[Trace], shape: tuple[int, int], config: FusionConfig | None = None) -> Verdict:
    cfg = config or FusionConfig()
    weights = dict(cfg.weights)
    live = [t for t in traces if t.applicable and t.error is None]
    fused = [t for t in live if weights.get(t.name, 1.0) > 0]
    model = stacking_model() if cfg.use_stacking else None
    ran = {t.name for t in traces}
    if model is not None and sum(f in ran for f in model.features) * 2 < len(model.features):
        model = None
    if model is not None:
        weights.update({n: model.weight(n) for n in model.features if weights.get(n, 1.0) > 0})

    # --- map -------------------------------------------------------------
    num = np.zeros(shape, np.float32)
    den = np.zeros(shape, np.float32)
    for t in fused:
        # generation patch maps say where generator traces are, not what was edited: reported apart
        if t.heatmap is None or _family(t.name) in ("provenance", "baseline", "generation"):
            continue
        evidence_weight = 1.0 if t.name in cfg.map_only else max(t.score or 0.0, cfg.score_floor)
        w = np.float32(weights.get(t.name, 1.0) * evidence_weight)
        if w <= 0:
            continue
        r = t.reliability if t.reliability is not None else np.float32(1.0)
        num += w * r * t.heatmap
        den += w * r
    heatmap = np.where(den > 0, num / np.maximum(den, 1e-6), 0.0).astype(np.float32) if den.any() else None
    mask = heatmap >= cfg.mask_threshold if heatmap is not None else None

    # --- scores ----------------------------------------------------------
    manip = sorted(
        (t.score, t.name) for t in fused
        if t.score is not None and t.name not in cfg.map_only
        and _family(t.name) not in ("generation", "provenance", "baseline")
    )[::-1]
    gen = sorted((t.score, t.name) for t in live if t.score is not None and _family(t.name) == "generation")[::-1]
    assessment = assess(
        live, cfg.generated_at, cfg.authentic_below,
        calibrated_names=frozenset(n for _, n in gen if _calibrated(n)),
        combiner=True if cfg.use_generation_combiner else None)
    manipulation_score = None
    if model is not None:
        manipulation_score = model.probability({t.name: t.score for t in live})
        # rank detectors by how much their score pushed the probability up
        manip = sorted(((t.score, t.name) for t in live if t.name in model.features and t.score is not None),
                       key=lambda p: -model.weight(p[1]) * p[0])
    elif manip:
        manipulation_score = float(np.mean([s for s, _ in manip[:2]]))
        if manip[0][0] >= cfg.single_sure:
            manipulation_score = max(manipulation_score, float(manip[0][0]))
    generation_score = assessment.p_generated if assessment else (float(gen[0][0]) if gen else None)

    ranked: list[tuple[str, Finding]] = sorted(
        ((t.name, f) for t in live for f in t.findings), key=lambda p: -p[1].strength
    )
    hard = [(d, f) for d, f in ranked if f.kind in _HARD_GENERATION_KINDS and f.strength >= 0.9]
    partial_ai = [(d, f) for d, f in ranked if f.kind == "ai_declared" and f.values.get("scope") == "partial"]
    laundered = bool(assessment and assessment.laundering and assessment.laundering["p_laundered"] >= 0.5)

    calibrated = False  # True only when the label comes from a calibrated score
    p_generated = assessment.p_generated if assessment else None
    p_manipulated = manipulation_score
    if hard:
        label, score, domain = "generated", 1.0, "fully AI-generated (declared)"
        why = f"{hard[0][0]}: {hard[0][1].message}"
        p_generated = max(p_generated or 0.0, hard[0][1].strength)
    elif assessment and assessment.band == "generated":
        label, score, calibrated = "generated", assessment.p_generated, assessment.calibrated
        domain = _LAUNDERED if laundered else "fully AI-generated"
        why = (f"P(generated) {score:.2f} from {', '.join(assessment.detectors)} "
               f"(threshold {assessment.generated_at:.2f})")
        if laundered:
            why += (f"; the content looks like a real photo (p_laundered "
                    f"{assessment.laundering['p_laundered']:.2f}): a real scene AI-re-rendered, "
                    "not evidence that the scene never existed")
    elif partial_ai:
        label, score, domain = "manipulated", max(partial_ai[0][1].strength, manipulation_score or 0.0), "AI edit or inpainting (declared)"
        why = f"{partial_ai[0][0]}: {partial_ai[0][1].message}"
        p_manipulated = score
    elif manipulation_score is None:
        label, score, domain = "inconclusive", 0.5, None
        why = "no detector produced an image-level manipulation score"
    else:
        score = manipulation_score
        calibrated = model is not None
        top = ", ".join(f"{n} {s:.2f}" for s, n in manip[:2])
        if model is not None:
            top = f"P(manipulated) {score:.2f} from the stacked fusion; strongest contributions: {top}"
        if score >= cfg.manipulated_at:
            label = "manipulated"
            copy = [n for sc, n in manip if _family(n) == "copymove" and sc >= cfg.manipulated_at]
            domain = _domain(copy[0] if copy else manip[0][1]) if manip else "local manipulation"
            why = f"strongest manipulation scores: {top} (threshold {cfg.manipulated_at})"
        elif score < cfg.authentic_below and not (assessment and assessment.band == "inconclusive"):
            label, domain = "authentic", None
            why = f"no detector found strong evidence; strongest scores: {top}"
        else:
            label, domain = "inconclusive", None
            why = f"scores between thresholds: {top}"
    if assessment and assessment.band == "inconclusive" and label in ("authentic", "inconclusive"):
        why += (f"; P(generated) {assessment.p_generated:.2f} is in the inconclusive band "
                f"[{assessment.authentic_below:.2f}, {assessment.generated_at:.2f})")

    return Verdict(
        label=label,
        score=float(score),
        manipulation_score=manipulation_score,
        generation_score=generation_score,
        domain=domain,
        heatmap=heatmap,
        mask=mask,
        findings=ranked[:20],
        explanation=why,
        calibrated=calibrated,
        probabilities=_probabilities(p_generated, p_manipulated),
        generation=assessment.to_dict() if assessment else None,
        laundering=assessment.laundering if assessment else None,
    )


_LAUNDERED = "real content, AI-re-rendered (laundered through a generator's autoencoder)"


def _probabilities(p_generated: float | None, p_manipulated: float | None) -> dict[str, float | None] | None:
    """P(authentic), P(manipulated), P(generated) summing to 1.

    P(generated) comes first (the generation combiner, or a declared-AI finding's
    strength); the stacked P(manipulated) is read as conditional on "not generated".
    When one of the two was not measured the other still splits its side and the missing
    class is None (the note in the report says so).
    """
    if p_generated is None and p_manipulated is None:
        return None
    if p_generated is None:
        return {"authentic": round(1 - p_manipulated, 4), "manipulated": round(p_manipulated, 4), "generated": None}
    if p_manipulated is None:
        return {"authentic": None, "manipulated": None, "generated": round(p_generated, 4)}
    rest = 1.0 - p_generated
    return {"authentic": round(rest * (1 - p_manipulated), 4), "manipulated": round(rest * p_manipulated, 4),
            "generated": round(p_generated, 4)}


def _domain(detector: str) -> str:
    fam = _family(detector)
    if fam == "copymove":
        return "classic edit: copy-move"
    if fam in ("jpeg", "noise", "camera"):
        return "classic edit: splice / removal"
    if fam == "learned":
        return "local manipulation"
    return "local manipulation"
