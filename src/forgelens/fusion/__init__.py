"""Traces → Verdict: the first, documented fusion rule.

This is a deliberately simple, transparent rule so that ``analyze`` gives one
map and one answer today. The fusion issue will replace it with a learned,
calibrated combiner; until then **the scores are not calibrated probabilities**
and the report says so.

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
    The highest score among "generation" detectors. Only detectors registered
    as ``calibrated`` may decide the label; the others (e.g. the training-free
    spectral trace, which JPEG blocking also excites) are reported, not obeyed.
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
    generated if provenance says so or the generation score ≥ ``generated_at``;
    else manipulated if the manipulation score ≥ ``manipulated_at``; else
    authentic if it is below ``authentic_below``; else inconclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

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

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(
            {
                "label": self.label,
                "score": round(self.score, 4),
                "manipulation_score": self.manipulation_score,
                "generation_score": self.generation_score,
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
        if t.heatmap is None or _family(t.name) in ("provenance", "baseline"):
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
    gen_decisive = [(s, n) for s, n in gen if _calibrated(n)]
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
    generation_score = float(gen[0][0]) if gen else None

    ranked: list[tuple[str, Finding]] = sorted(
        ((t.name, f) for t in live for f in t.findings), key=lambda p: -p[1].strength
    )
    hard = [(d, f) for d, f in ranked if f.kind in _HARD_GENERATION_KINDS and f.strength >= 0.9]
    partial_ai = [(d, f) for d, f in ranked if f.kind == "ai_declared" and f.values.get("scope") == "partial"]

    calibrated = False  # True only when the label comes from the stacked (calibrated) score
    if hard:
        label, score, domain = "generated", 1.0, "fully AI-generated (declared)"
        why = f"{hard[0][0]}: {hard[0][1].message}"
    elif gen_decisive and gen_decisive[0][0] >= cfg.generated_at:
        label, score, domain = "generated", gen_decisive[0][0], "fully AI-generated"
        why = f"{gen_decisive[0][1]} scores {score:.2f} for generation (threshold {cfg.generated_at})"
    elif partial_ai:
        label, score, domain = "manipulated", max(partial_ai[0][1].strength, manipulation_score or 0.0), "AI edit or inpainting (declared)"
        why = f"{partial_ai[0][0]}: {partial_ai[0][1].message}"
    elif manipulation_score is None:
        label, score, domain = "inconclusive", 0.5, None
        why = "no detector produced an image-level score"
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
        elif score < cfg.authentic_below:
            label, domain = "authentic", None
            why = f"no detector found strong evidence; strongest scores: {top}"
        else:
            label, domain = "inconclusive", None
            why = f"scores between thresholds: {top}"

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
    )


def _domain(detector: str) -> str:
    fam = _family(detector)
    if fam == "copymove":
        return "classic edit: copy-move"
    if fam in ("jpeg", "noise", "camera"):
        return "classic edit: splice / removal"
    if fam == "learned":
        return "local manipulation"
    return "local manipulation"
