"""Generation detectors' scores → one calibrated P(generated), and the laundering split.

The combiner is data, not code: ``generation.json`` beside this file is written by
``benchmarks/fit/fit_generation.py`` (issue 9) and holds one or more logistic models over the
logits of generation-detector scores, each with its decision threshold. The models are
tried in order and the first whose detectors all gave a score is used, so an install
without the CLIP extra falls back to the low-level trace model alone.

- ``generated_at`` is the threshold fitted to call at most ~3 % of held-out camera photos
  "generated" (the JSON records how); ``authentic_below`` is the lower edge of the
  inconclusive band.
- Laundering follows "When Synthetic Traces Hide Real Content" (pristine / laundered /
  fully synthetic): ``forgelens.fusion.laundering.three_way`` splits the low-level trace
  (fires on anything that went through a generator's decoder) from the semantic probe
  (fires when the scene itself looks generated). A laundered picture is real content,
  AI-re-rendered — never "a scene that never existed".

Without a shipped combiner, the highest *calibrated* generation-detector score is used with
the fusion's own ``generated_at`` (uncalibrated detectors such as the spectral trace are
reported but never decide).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scipy.special import expit

from forgelens import model_file
from forgelens.trace import Trace

GENERATION_PATH = Path(__file__).with_name("generation.json")

__all__ = ["GenerationAssessment", "GenerationCombiner", "assess"]


def _logit(p: float) -> float:
    p = min(max(float(p), 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class _Model:
    detectors: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    generated_at: float
    authentic_below: float
    heldout_fpr: float | None = None

    def probability(self, scores: dict[str, float]) -> float:
        z = self.intercept + sum(c * _logit(scores[d]) for c, d in zip(self.coef, self.detectors, strict=True))
        return float(expit(max(min(z, 50.0), -50.0)))


@dataclass(frozen=True)
class GenerationCombiner:
    models: tuple[_Model, ...]
    laundering_trace: str | None
    laundering_semantic: str | None
    fitted: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    #: Class balance the probability is calibrated for (the fit is class-balanced: 0.5).
    prior: float = 0.5

    @classmethod
    def load(cls, path: Path = GENERATION_PATH) -> GenerationCombiner | None:
        """The shipped combiner, or None when no ``generation.json`` is shipped (either layout:
        ``forgelens.model_file``)."""
        if not path.is_file():
            return None
        mf = model_file.read(path, "generation")
        ops = mf.thresholds.get("models") or []
        if len(ops) != len(mf.parameters["models"]):
            raise ValueError(f"{path}: one operating point per generation model expected")
        models = tuple(
            _Model(tuple(m["detectors"]), tuple(float(c) for c in m["coef"]), float(m["intercept"]),
                   float(op["generated_at"]), float(op["authentic_below"]), op.get("heldout_fpr"))
            for m, op in zip(mf.parameters["models"], ops, strict=True)
        )
        for m in models:
            if len(m.detectors) != len(m.coef) or not 0 <= m.authentic_below <= m.generated_at <= 1:
                raise ValueError(f"{path}: inconsistent generation model {m}")
        laundering = mf.parameters.get("laundering") or {}
        return cls(models, laundering.get("trace"), laundering.get("semantic"), mf.provenance, mf.description,
                   0.5 if mf.prior is None else mf.prior)

    def save(self, path: Path = GENERATION_PATH) -> None:
        model_file.write(path, model_file.ModelFile(
            "generation",
            {"models": [{"detectors": list(m.detectors), "coef": list(m.coef), "intercept": m.intercept}
                        for m in self.models],
             "laundering": {"trace": self.laundering_trace, "semantic": self.laundering_semantic}},
            thresholds={"models": [{"generated_at": m.generated_at, "authentic_below": m.authentic_below,
                                    "heldout_fpr": m.heldout_fpr} for m in self.models]},
            prior=self.prior, provenance=dict(self.fitted), description=self.description,
            calibration={"method": "none: the combiner is a logistic model fitted class-balanced"}))


@dataclass(frozen=True)
class GenerationAssessment:
    """What the generation detectors say together."""

    p_generated: float
    generated_at: float
    authentic_below: float
    detectors: tuple[str, ...]
    calibrated: bool
    method: str
    laundering: dict[str, Any] | None = None
    heldout_fpr: float | None = None
    #: Prior the probability is calibrated for (None for a single detector's own score).
    prior: float | None = None
    attribution: dict[str, Any] | None = None

    @property
    def band(self) -> str:
        if self.p_generated >= self.generated_at:
            return "generated"
        return "inconclusive" if self.p_generated >= self.authentic_below else "not generated"

    def to_dict(self) -> dict[str, Any]:
        return {
            "p_generated": round(self.p_generated, 4),
            "band": self.band,
            "generated_at": self.generated_at,
            "authentic_below": self.authentic_below,
            "detectors": list(self.detectors),
            "calibrated": self.calibrated,
            "method": self.method,
            "heldout_fpr": self.heldout_fpr,
            "prior": self.prior,
            "attribution": self.attribution,
        }


_COMBINER: list[GenerationCombiner | None] = []


def shipped_combiner() -> GenerationCombiner | None:
    if not _COMBINER:
        _COMBINER.append(GenerationCombiner.load())
    return _COMBINER[0]


def _laundering(combiner: GenerationCombiner, scores: dict[str, float], p_generated: float) -> dict[str, Any] | None:
    """Pristine / laundered / fully synthetic, consistent with the combined P(generated).

    ``p_laundered`` (P(real content re-synthesised by an autoencoder | generated traces))
    comes from ``three_way``: the semantic probe's doubt that the scene is generated. The
    three classes split P(generated) by it, so they sum to 1 with ``pristine`` = 1 − P(generated).
    """
    from forgelens.fusion.laundering import three_way

    trace, semantic = combiner.laundering_trace, combiner.laundering_semantic
    if semantic not in scores or trace not in scores:
        return None
    p_laundered = float(three_way(scores[trace], scores[semantic])["p_laundered_given_traces"])
    return {
        "p_laundered": round(p_laundered, 4),
        "classes": {"pristine": round(1 - p_generated, 4), "laundered": round(p_generated * p_laundered, 4),
                    "fully_synthetic": round(p_generated * (1 - p_laundered), 4)},
        "trace_detector": trace,
        "semantic_detector": semantic,
        "reading": ("p_laundered = P(real content re-synthesised by an autoencoder | generated traces): "
                    "a laundered picture shows a real scene re-rendered by an AI decoder, "
                    "not a scene that never existed"),
    }


def attribution_hint(traces: list[Trace], p_generated: float, authentic_below: float) -> dict[str, Any] | None:
    """Most likely generator family — only when generation evidence is not negligible.

    Metadata or a decoded watermark naming the generator wins; else the CLIP probe's
    family classifier (with "unknown/other" when no known family fits). A hint, not a
    verdict: families are told apart far less reliably than generated from real.
    """
    from forgelens.detectors.generation_attribution import attribute_metadata

    if p_generated < authentic_below:
        return None
    hit = attribute_metadata(traces)
    if hit is None:
        for t in traces:
            if t.name == "clip_probe" and t.applicable and t.error is None:
                hit = next((f.values["attribution"] for f in t.findings if "attribution" in (f.values or {})), None)
    if hit is None:
        return None
    return {**hit, "reading": "a hint, not a verdict: the most likely generator family among those listed"}


def assess(traces: list[Trace], fallback_generated_at: float = 0.7, fallback_authentic_below: float = 0.4,
           calibrated_names: frozenset[str] = frozenset(),
           combiner: GenerationCombiner | None | bool = True) -> GenerationAssessment | None:
    """Combine the generation traces that ran; None when none gave a score.

    ``calibrated_names``: generation detectors registered as calibrated, used by the
    fallback when no shipped combiner applies. ``combiner=True`` means the shipped one.
    """
    scores = {t.name: float(t.score) for t in traces
              if t.applicable and t.error is None and t.score is not None}
    comb = shipped_combiner() if combiner is True else (combiner or None)
    if comb is not None:
        for m in comb.models:
            if all(d in scores for d in m.detectors):
                p = m.probability(scores)
                return GenerationAssessment(
                    p_generated=p, generated_at=m.generated_at,
                    authentic_below=m.authentic_below, detectors=m.detectors, calibrated=True,
                    method="logistic combiner fitted by " + str(comb.fitted.get("script", "generation.json")),
                    laundering=_laundering(comb, scores, p) if p >= m.authentic_below else None,
                    heldout_fpr=m.heldout_fpr, prior=comb.prior,
                    attribution=attribution_hint(traces, p, m.authentic_below))
    decisive = sorted((s, n) for n, s in scores.items() if n in calibrated_names)
    if not decisive:
        return None
    s, n = decisive[-1]
    return GenerationAssessment(
        p_generated=s, generated_at=fallback_generated_at, authentic_below=fallback_authentic_below,
        detectors=(n,), calibrated=True, method=f"highest calibrated generation score ({n})",
        attribution=attribution_hint(traces, s, fallback_authentic_below))
