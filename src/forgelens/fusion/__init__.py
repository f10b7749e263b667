"""Traces → Verdict: one map, one label, three probabilities, facts only (no prose).

Two fitted logistic combiners (stacked manipulation fusion, generation combiner)
give calibrated probabilities where their detectors ran; a documented rule takes
over where they did not, and the verdict's ``calibrated`` flag says which decided.
Fusion reads only Traces: each carries its ``family`` and ``calibrated`` flag, stamped
by ``registry.run``. It has three parts: map fusion (``fuse_maps``), scores
(``_scores``) and a small ordered decision table (``_decide``).

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
Designed-graphic gate
    The generation detectors were trained on photographs. When the content gate
    (``graphic_content``, family "content") calls the picture a designed graphic (logo, banner,
    poster, chart, screenshot), their P(generated) does not decide: it cannot make the label
    "generated", is not part of the probabilities (P(generated) is None: not measured for a
    graphic), and is reported in ``generation`` with ``used`` False and the reason;
    ``decision["graphic_gate"]`` records the gate's P(graphic) and threshold. Provenance
    declarations (C2PA, XMP, generator metadata, watermark) still decide.
No local evidence (``no_local_evidence``, ``forgelens.fusion.local_evidence``)
    A trace whose findings say its map is about the whole file, not a region — jpeg_adq's
    single-compressed area over half the picture (the host, a whole-picture re-save); a
    copy-move trace whose every pair is a weak transformed pair (≤ 6 matches with both a
    rotation ≥ 5° and a scale change ≥ 0.15) — is read as an empty map: it leaves the
    localisation map, its map-derived detection features take an all-zero map's values (its
    reliability, global score and pair facts kept), and ``decision["no_local_evidence"]``
    records why, with the measured number.
Provenance overrides
    A finding of kind ``ai_declared`` (C2PA / XMP declares AI generation) or
    ``generator_signature`` (generator metadata or watermark) with strength ≥
    0.9 makes the label "generated", citing that finding.
Image-level detection (when ``detection.json`` is shipped and ``use_detection``)
    P(manipulated) comes from ``forgelens.fusion.detection``: pooled statistics of every
    manipulation map (top-k mean, area above thresholds, largest connected region and its
    compactness, reliability coverage), whether independent families point at the same
    region, the global scores and provenance facts → a logistic model with Platt scaling
    fitted on camera-disjoint validation data; its thresholds (≤ 3 % of validation
    authentic images called manipulated) replace ``manipulated_at`` / ``authentic_below``.
    Used when at least half of its detectors ran; the stacking below otherwise.
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
    else manipulated if the manipulation score ≥ ``manipulated_at`` (and outweighs the
    generation evidence, see Coherence); else authentic
    if it is below ``authentic_below`` and P(generated) is below the inconclusive band;
    else inconclusive.
Probabilities
    ``probabilities`` = P(authentic), P(manipulated), P(generated), summing to 1, the one
    set every output uses. Where both calibrated models spoke they come from one model:
    each model's likelihood ratio (generated vs camera photo; manipulated vs authentic)
    with the same prior for the three classes, so P ∝ (1, LR_manipulated, LR_generated)
    and the label's class is never outweighed by another one the reader sees. Where the
    label is "generated" (the table's first question answered yes), or P(generated) is a
    declaration's strength, P(generated) is taken as is (≥ its threshold ≥ 0.5) and
    (1 − P(generated)) is split by P(manipulated | not generated).
Coherence
    "manipulated" needs LR_manipulated ≥ LR_generated as well as the threshold: when the
    generation evidence is the stronger, the picture is inconclusive, not manipulated.
    "authentic" needs LR_generated ≤ 1 as well (its threshold already keeps LR_manipulated
    below 1), so P(authentic) is then the largest of the three probabilities shown.
Strength of evidence
    ``likelihood_ratios`` = posterior odds / prior odds of each calibrated model's own
    output (P(manipulated | not generated), P(generated)), with the prior the model was
    calibrated for recorded in ``prior``; ``support`` is its ENFSI (2015) verbal-scale key
    (``forgelens.fusion.calibration``). Where no calibrated model gave the number (the
    rule, a provenance declaration) both are None and ``decision.rule`` says what decided.
Decision
    ``decision`` = {"rule", "detectors", "thresholds", "model"}: which row of the ordered
    decision table (``_decide``) gave the label, the detectors behind it, the thresholds
    used and the model file that gave the number (for ``manipulation_model``).
    Facts only: every sentence about a verdict is written by ``forgelens.explain``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forgelens.fusion.calibration import enfsi_support, likelihood_ratio
from forgelens.fusion.detection import (
    DetectionModel,
    MapSummary,
    add_fused,
    detection_model,
    features,
    summarise,
)
from forgelens.fusion.generation import GenerationAssessment, assess
from forgelens.fusion.local_evidence import TRACES as LOCAL_EVIDENCE_TRACES
from forgelens.fusion.local_evidence import apply_to_summary, no_local_evidence
from forgelens.fusion.stacking import StackingModel
from forgelens.maps import check_grid
from forgelens.trace import Finding, Trace, _jsonable

#: Below this verdict P(generated) the laundering split and the generator hint are neither reported nor
#: shown (both are conditional on generator traces being there at all); ``explain.text`` reads it too.
NEGLIGIBLE_GENERATED = 0.3

#: Rows of pixels ``fuse_maps`` sums over every trace at once: a band's two sums and one map row-band
#: (3 × 64 rows × the width, float32: ~2.3 MB at 3 000 px wide) stay in a core's cache. Results do not depend on it.
_CACHE_ROWS = 64

LABELS = ("authentic", "manipulated", "generated", "inconclusive", "not_applicable")
_HARD_GENERATION_KINDS = ("ai_declared", "generator_signature")
#: Families whose image scores say nothing about a local manipulation.
_NOT_MANIPULATION = ("generation", "provenance", "baseline", "content")
#: The content gate's finding kind (``forgelens.detectors.graphic_content``).
_GRAPHIC_KIND = "graphic_content"


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
    #: Use the shipped image-level detection model (``detection.json``, ``forgelens.fusion.detection``)
    #: for P(manipulated); its own thresholds replace ``manipulated_at`` / ``authentic_below``.
    use_detection: bool = True
    #: Read traces under a "no local evidence" condition (``fusion.local_evidence``: jpeg_adq's
    #: single-compressed area over half the picture; a copy-move trace whose every pair is a weak
    #: transformed pair) as empty maps: out of the fused map and the detection features, with the
    #: reason in ``decision["no_local_evidence"]``.
    no_local_evidence: bool = True
    #: The traces whose "no local evidence" conditions are read (``local_evidence.CONDITION_SETS``).
    local_evidence_traces: tuple[str, ...] = LOCAL_EVIDENCE_TRACES


#: What the verdict's three other numbers in [0, 1] are (report.json ``verdict.readings``): only
#: ``verdict.probabilities`` is the P that the CLI line, report.html and the web page show.
VERDICT_READINGS = {
    "score": "1 − P(authentic) where P(authentic) is given (the overall suspicion, derived from "
             "verdict.probabilities), else the deciding rule's own score: not the chance of any one class; "
             "quote verdict.probabilities",
    "manipulation_score": "the manipulation model's own output, P(manipulated | not generated), before the "
                          "generation evidence is weighed (where no calibrated model ran: the rule's score of "
                          "the strongest detectors); the P to quote is verdict.probabilities.manipulated",
    "generation_score": "the generation model's own P(generated), before the manipulation evidence is weighed "
                        "(where it did not run: the strongest generation detector's score; null when a designed "
                        "graphic set those detectors aside); the P to quote is verdict.probabilities.generated",
}


@dataclass
class Verdict:
    label: str
    #: 1 − P(authentic) when probabilities exist (the image-level suspicion, derived from the one
    #: set of probabilities), else the deciding rule's own score.
    score: float
    #: The manipulation model's output, P(manipulated | not generated) (or the rule's score).
    manipulation_score: float | None
    generation_score: float | None
    domain: str | None
    heatmap: np.ndarray | None
    mask: np.ndarray | None
    findings: list[tuple[str, Finding]] = field(default_factory=list)
    calibrated: bool = False
    #: P(authentic), P(manipulated), P(generated) summing to 1 (see ``_probabilities``); None
    #: where nothing was measured.
    probabilities: dict[str, float | None] | None = None
    #: What the generation detectors say together (``GenerationAssessment.to_dict()``).
    generation: dict[str, Any] | None = None
    #: Pristine / laundered / fully synthetic split, with ``p_laundered`` — only when P(generated)
    #: is not negligible (at or above the generation model's inconclusive band).
    laundering: dict[str, Any] | None = None
    #: {"manipulated": LR | None, "generated": LR | None}: posterior odds / prior odds.
    likelihood_ratios: dict[str, float | None] = field(default_factory=lambda: {"manipulated": None, "generated": None})
    #: {"manipulated": ENFSI key | None, "generated": ENFSI key | None}.
    support: dict[str, str | None] = field(default_factory=lambda: {"manipulated": None, "generated": None})
    #: The prior each calibrated model was fitted for ({"manipulated": 0.5, "generated": 0.5}).
    prior: dict[str, float | None] = field(default_factory=lambda: {"manipulated": None, "generated": None})
    #: {"rule": ..., "detectors": [...], "thresholds": {...}}: which decision-table row decided.
    decision: dict[str, Any] = field(default_factory=dict)
    #: Why nothing could be judged (label "not_applicable"), a short factual phrase.
    not_applicable_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(
            {
                "label": self.label,
                "not_applicable_reason": self.not_applicable_reason,
                "score": round(self.score, 4),
                "probabilities": self.probabilities,
                "likelihood_ratios": {k: (None if v is None else float(f"{v:.4g}"))
                                      for k, v in self.likelihood_ratios.items()},
                "support": self.support,
                "prior": self.prior,
                "decision": self.decision,
                "manipulation_score": self.manipulation_score,
                "generation_score": self.generation_score,
                "generation": self.generation,
                "laundering": self.laundering,
                "calibrated": self.calibrated,
                "domain": self.domain,
                "mask_fraction": float(self.mask.mean()) if self.mask is not None else None,
                "findings": [{"detector": d, **f.to_dict()} for d, f in self.findings],
                "readings": VERDICT_READINGS,  # what score, manipulation_score, generation_score are (schema 1.4)
            }
        )


_STACKING: list[StackingModel | None] = []


def stacking_model() -> StackingModel | None:
    """The shipped stacking model (read once), or None when none is shipped."""
    if not _STACKING:
        _STACKING.append(StackingModel.load())
    return _STACKING[0]


def fusion_weights(cfg: FusionConfig, ran: set[str]) -> tuple[dict[str, float], StackingModel | None]:
    """Each trace's weight in the fused map for an analysis that ran ``ran``: ``cfg.weights``, updated with
    the stacking model's weights when that model is used and at least half its features ran (then returned)."""
    weights = dict(cfg.weights)
    model = stacking_model() if cfg.use_stacking else None
    if model is not None and sum(f in ran for f in model.features) * 2 < len(model.features):
        model = None
    if model is not None:
        weights.update({n: model.weight(n) for n in model.features if weights.get(n, 1.0) > 0})
    return weights, model


def evidence_weight(name: str, score: float | None, cfg: FusionConfig) -> float:
    """How much a trace's map counts in the fused map besides its weight: 1 for ``cfg.map_only`` traces,
    else its score floored at ``cfg.score_floor``."""
    return 1.0 if name in cfg.map_only else max(score or 0.0, cfg.score_floor)


def not_applicable(reason: str, traces: list[Trace] | None = None) -> Verdict:
    """The verdict when nothing can be judged (e.g. a thumbnail, a flat image), with the reason."""
    ranked = sorted(((t.name, f) for t in traces or [] for f in t.findings), key=lambda p: -p[1].strength)
    return Verdict(label="not_applicable", score=0.0, manipulation_score=None, generation_score=None,
                   domain=None, heatmap=None, mask=None, findings=ranked[:20],
                   decision={"rule": "not_applicable", "detectors": [], "thresholds": {}, "model": None},
                   not_applicable_reason=reason)


def fuse_maps(traces: list[Trace], shape: tuple[int, int], weights: dict[str, float],
              cfg: FusionConfig) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The fused map (weighted mean of heatmaps × reliability) and its binary mask.

    Every pixel gets the same float32 operations in the same order as summing whole maps trace by
    trace (num += (w·r)·h, den += w·r, then num / max(den, 1e-6)); the loops run band by band
    (``_CACHE_ROWS`` rows), traces inside, so a band's sums stay in the CPU cache instead of
    streaming two full-resolution sums through memory once per trace.
    """
    terms = []  # (block, w·r·h or h, w·r or r, w): block maps pre-multiplied on their own grid
    for t in traces:
        # generation patch maps say where generator traces are, not what was edited: reported apart
        if t.heatmap is None or t.family in _NOT_MANIPULATION:
            continue
        w = np.float32(weights.get(t.name, 1.0) * evidence_weight(t.name, t.score, cfg))
        if w <= 0:
            continue
        k = int(t.block)
        if k > 1:  # w·r and w·r·h on the trace's own grid: the same float32 products, cell by cell
            check_grid(t.heatmap, shape, k, f"{t.name}: map")
            wr = w * (np.float32(1.0) if t.reliability is None else np.asarray(t.reliability, np.float32))
            terms.append((k, wr * np.asarray(t.heatmap, np.float32), wr, w))
        else:
            terms.append((1, t.heatmap, t.reliability, w))
    if not terms:
        return None, None
    h, wd = shape
    num = np.zeros(shape, np.float32)
    den = np.zeros(shape, np.float32)
    mask = np.empty(shape, bool)
    band = np.empty((min(h, _CACHE_ROWS), wd), np.float32)
    any_weight = False
    for r0 in range(0, h, _CACHE_ROWS):
        r1 = min(h, r0 + _CACHE_ROWS)
        n, d, b = num[r0:r1], den[r0:r1], band[: r1 - r0]
        for k, heat, rel, w in terms:
            if k > 1:  # each pixel adds its cell (as maps.to_pixels)
                _add_cells(n, heat, k, r0)
                if isinstance(rel, np.ndarray):
                    _add_cells(d, rel, k, r0)
                else:
                    d += rel
            else:
                wr = w * (np.float32(1.0) if rel is None else np.asarray(rel[r0:r1], np.float32))
                n += np.multiply(wr, heat[r0:r1], out=b)  # (w·r)·h, as w * r * h
                d += wr
        any_weight = any_weight or bool(d.any())
        np.divide(n, np.maximum(d, 1e-6, out=d), out=n)  # den == 0 ⇒ num == 0 ⇒ 0, in place
        np.greater_equal(n, cfg.mask_threshold, out=mask[r0:r1])
    if not any_weight:
        return None, None
    return num, mask


def _add_cells(acc: np.ndarray, grid: np.ndarray, k: int, r0: int) -> None:
    """``acc += to_pixels(grid, shape, k, (r0, r0 + len(acc)))`` for a band ``acc`` of pixel rows
    starting at ``r0``, without the band's copy: pixel (r, c) adds cell (r // k, c // k) — the same
    float32 sum per pixel. The band's cells are widened to the picture's columns (``np.repeat``), then
    added with one broadcast add per cell row (k ≥ 8) or one strided add per row phase r % k (k < 8)."""
    r1, wd = r0 + acc.shape[0], acc.shape[1]
    g0, g1 = r0 // k, (r1 - 1) // k + 1
    wide = np.repeat(grid[g0:g1], k, axis=1)[:, :wd]  # (cell rows of the band, picture columns)
    if k >= 8:
        for j in range(g1 - g0):  # pixel rows of cell row g0 + j inside the band
            a, z = max(r0, (g0 + j) * k), min(r1, (g0 + j + 1) * k)
            dst = acc[a - r0 : z - r0]
            np.add(dst, wide[j], out=dst)
    else:
        for q in range(min(k, r1 - r0)):  # pixel rows r ≡ q (mod k): consecutive cell rows
            s = r0 + (q - r0) % k
            if s >= r1:
                continue
            dst = acc[s - r0 :: k]
            c0 = s // k - g0
            np.add(dst, wide[c0 : c0 + dst.shape[0]], out=dst)


@dataclass
class _Scores:
    """What the score stage hands the decision table."""

    manipulation: float | None
    ranked_manip: list[tuple[float, str]]
    model_calibrated: bool
    model_prior: float | None
    method: str
    thresholds: dict[str, float]
    assessment: GenerationAssessment | None
    generation_score: float | None
    #: The content gate's facts when it calls the picture a designed graphic, else None.
    graphic_gate: dict[str, Any] | None = None
    #: Traces read as no local evidence (``fusion.local_evidence``): their reasons, for the decision.
    no_local_evidence: list[dict[str, Any]] = field(default_factory=list)


def graphic_gate(live: list[Trace]) -> dict[str, Any] | None:
    """{"detector", "p_graphic", "threshold"} when a content-family trace calls the picture a
    designed graphic (the photo-trained generation detectors then do not decide), else None."""
    for t in live:
        if t.family != "content":
            continue
        for f in t.findings:
            if f.kind == _GRAPHIC_KIND and f.values.get("is_graphic"):
                return {"detector": t.name, "p_graphic": f.values.get("p_graphic"),
                        "threshold": f.values.get("threshold")}
    return None


def _scores(live: list[Trace], fused: list[Trace], model: StackingModel | None, cfg: FusionConfig,
            detection: DetectionModel | None = None, summary: MapSummary | None = None,
            shape: tuple[int, int] = (0, 0)) -> _Scores:
    manip = sorted(
        (t.score, t.name) for t in fused
        if t.score is not None and t.name not in cfg.map_only and t.family not in _NOT_MANIPULATION
    )[::-1]
    gen = sorted((t.score, t.name) for t in live if t.score is not None and t.family == "generation")[::-1]
    calibrated_names = frozenset(t.name for t in live if t.family == "generation" and t.calibrated)
    assessment = assess(live, cfg.generated_at, cfg.authentic_below, calibrated_names=calibrated_names,
                        combiner=True if cfg.use_generation_combiner else None)
    thresholds = {"manipulated_at": cfg.manipulated_at, "authentic_below": cfg.authentic_below}
    manipulation, calibrated, prior, method = None, False, None, "none"
    if detection is not None and summary is not None:
        feats = features(summary, detection.detectors)
        manipulation = detection.probability(feats)
        calibrated, prior, method = True, detection.prior, "detection"
        thresholds = detection.thresholds_for(shape)  # per size class (DetectionModel.thresholds_for)
        # the detectors whose features pushed the probability up most, strongest first
        push: dict[str, float] = {}
        for f, c in detection.contributions(feats).items():
            name = f.split(".")[0]
            push[name] = push.get(name, 0.0) + c
        scores = {t.name: t.score for t in live}
        manip = [(float(scores.get(n) or 0.0), n) for n, c in sorted(push.items(), key=lambda p: -p[1])
                 if c > 0 and n in scores]
    elif model is not None:
        manipulation = model.probability({t.name: t.score for t in live})
        calibrated, prior, method = True, model.prior, "stacking"
        # rank detectors by how much their score pushed the probability up
        manip = sorted(((t.score, t.name) for t in live if t.name in model.features and t.score is not None),
                       key=lambda p: -model.weight(p[1]) * p[0])
    elif manip:
        manipulation = float(np.mean([s for s, _ in manip[:2]]))
        if manip[0][0] >= cfg.single_sure:
            manipulation = max(manipulation, float(manip[0][0]))
        method = "rule"
        thresholds["single_sure"] = cfg.single_sure
    generation_score = assessment.p_generated if assessment else (float(gen[0][0]) if gen else None)
    return _Scores(manipulation, manip, calibrated, prior, method, thresholds, assessment, generation_score)



def fuse(traces: list[Trace], shape: tuple[int, int], config: FusionConfig | None = None, *,
         summary: MapSummary | None = None) -> Verdict:
    """Traces → Verdict. ``summary``: the pooled maps when already computed (a benchmark
    re-fusing cached analyses); by default they are pooled here from the traces."""
    cfg = config or FusionConfig()
    live = [t for t in traces if t.applicable and t.error is None]
    nle = no_local_evidence(live, shape, cfg.local_evidence_traces) if cfg.no_local_evidence else {}
    configured = dict(cfg.weights)  # which traces enter the fused map: the configured weights, before stacking's
    fused = [t for t in live if configured.get(t.name, 1.0) > 0 and t.name not in nle]
    ran = {t.name for t in traces}
    weights, model = fusion_weights(cfg, ran)

    detection = detection_model() if cfg.use_detection else None
    if detection is not None and not detection.applies(ran):
        detection = None
    if detection is not None and summary is None:
        # the traces' maps are pooled for the detection model in a second thread while they are fused
        # (both only read them; the fused map is pooled once it exists): the same numbers, in less time
        with ThreadPoolExecutor(1, thread_name_prefix="forgelens-summarise") as pool:
            pending = pool.submit(summarise, live, None, shape)
            heatmap, mask = fuse_maps(fused, shape, weights, cfg)
            summary = apply_to_summary(pending.result(), nle, live, shape)
        if heatmap is not None:
            add_fused(summary, heatmap)
    else:
        heatmap, mask = fuse_maps(fused, shape, weights, cfg)
        if summary is not None:  # cached pooled maps (a benchmark re-fusing): the pooled fused map is rebuilt
            summary = apply_to_summary(summary, nle, live, shape, refused=(weights, cfg))
    sc = _scores(live, fused, model, cfg, detection, summary, shape)
    sc.no_local_evidence = [n.to_dict() for n in nle.values()]
    sc.graphic_gate = graphic_gate(live)
    ranked: list[tuple[str, Finding]] = sorted(
        ((t.name, f) for t in live for f in t.findings), key=lambda p: -p[1].strength
    )
    families = {t.name: t.family for t in live}
    return _decide(sc, ranked, families, heatmap, mask, cfg)


_MODEL_FILES = {"detection": "detection.json", "stacking": "stacking.json"}
_LAUNDERED = "real content, AI-re-rendered (laundered through a generator's autoencoder)"


def _decide(sc: _Scores, ranked: list[tuple[str, Finding]], families: dict[str, str],
            heatmap: np.ndarray | None, mask: np.ndarray | None, cfg: FusionConfig) -> Verdict:
    """The ordered decision table: the first row that applies gives the label.

    1. ``provenance_declared_ai``: an ``ai_declared`` / ``generator_signature`` finding ≥ 0.9.
    2. ``generation_model``: P(generated) at or above the generation model's threshold.
    3. ``provenance_declared_partial_ai``: an ``ai_declared`` finding with scope "partial".
    4. ``no_score``: no manipulation score at all → inconclusive.
    5. ``manipulation_model`` (calibrated) / ``manipulation_rule``: manipulated at or above
       ``manipulated_at``; authentic below ``authentic_below`` unless P(generated) sits in
       its inconclusive band or leans towards generated (LR > 1); otherwise inconclusive.

    A designed graphic (``sc.graphic_gate``) skips row 2 and every use of P(generated): the
    generation detectors' assessment is reported (``used`` False), not obeyed.
    """
    a = sc.assessment
    gated_generation = None
    if sc.graphic_gate is not None and a is not None:
        gated_generation = {**a.to_dict(), "used": False,
                            "not_used_because": "designed graphic: the AI-image detectors are trained on photographs"}
        a = None
    hard = [(d, f) for d, f in ranked if f.kind in _HARD_GENERATION_KINDS and f.strength >= 0.9]
    partial_ai = [(d, f) for d, f in ranked if f.kind == "ai_declared" and f.values.get("scope") == "partial"]
    laundered = bool(a and a.laundering and a.laundering["p_laundered"] >= 0.5)
    gen_thresholds = {"generated_at": a.generated_at, "generation_inconclusive_from": a.authentic_below} if a else {}

    calibrated = False
    p_generated = a.p_generated if a else None
    p_manipulated = sc.manipulation
    lr_from_gen = bool(a and a.calibrated)
    lr_from_manip = sc.model_calibrated
    if hard:
        label, score, domain = "generated", 1.0, "fully AI-generated (declared)"
        rule, deciders, thresholds = "provenance_declared_ai", [hard[0][0]], {"finding_strength_at": 0.9}
        p_generated = max(p_generated or 0.0, hard[0][1].strength)
        lr_from_gen = False  # the declaration, not the calibrated model, sets P(generated)
    elif a and a.band == "generated":
        label, score, calibrated = "generated", a.p_generated, a.calibrated
        domain = _LAUNDERED if laundered else "fully AI-generated"
        rule, deciders, thresholds = "generation_model", list(a.detectors), gen_thresholds
    elif partial_ai:
        label, score, domain = "manipulated", max(partial_ai[0][1].strength, sc.manipulation or 0.0), \
            "AI edit or inpainting (declared)"
        rule, deciders, thresholds = "provenance_declared_partial_ai", [partial_ai[0][0]], {}
        p_manipulated = score
        lr_from_manip = False
    elif sc.manipulation is None:
        label, score, domain = "inconclusive", 0.5, None
        rule, deciders, thresholds = "no_score", [], {}
    else:
        score = sc.manipulation
        calibrated = sc.model_calibrated
        rule = "manipulation_model" if sc.model_calibrated else "manipulation_rule"
        deciders = [n for _, n in sc.ranked_manip[:2]]
        thresholds = dict(sc.thresholds)
        gen_doubt = bool(a and a.band == "inconclusive")
        lr_gen = likelihood_ratio(a.p_generated, a.prior or 0.5) if lr_from_gen and lr_from_manip else None
        gen_outweighs = lr_gen is not None and lr_gen > likelihood_ratio(score, sc.model_prior or 0.5)
        # "authentic" is said only when P(authentic) is the largest of the three a person reads:
        # generation evidence that leans towards "generated" (LR > 1), even below the model's
        # inconclusive band, makes the picture inconclusive, not authentic
        gen_leans = lr_gen is not None and lr_gen > 1.0
        if score >= thresholds["manipulated_at"] and not gen_outweighs:
            label = "manipulated"
            domain = _domain(sc.ranked_manip, ranked, families, thresholds["manipulated_at"])
        elif score < thresholds["authentic_below"] and not gen_doubt and not gen_leans:
            label, domain = "authentic", None
        else:
            label, domain = "inconclusive", None
        if gen_doubt or gen_outweighs or gen_leans:
            thresholds.update(gen_thresholds)
    # once the table's first question ("generated?") is answered yes, P(generated) is read first;
    # otherwise both calibrated models speak through their likelihood ratios (see Probabilities)
    one_model = lr_from_gen and lr_from_manip and label != "generated"
    probabilities = _probabilities(p_generated, p_manipulated,
                                   gen_prior=(a.prior or 0.5) if one_model and a else None,
                                   manip_prior=(sc.model_prior or 0.5) if one_model else None)
    if probabilities and probabilities.get("authentic") is not None:
        score = 1.0 - probabilities["authentic"]
    lr_m = likelihood_ratio(p_manipulated, sc.model_prior or 0.5) if lr_from_manip else None
    gen_prior = a.prior if a else None
    lr_g = likelihood_ratio(p_generated, gen_prior or 0.5) if lr_from_gen else None
    # laundering and the generator hint are about generated pictures: reported only where the verdict's
    # P(generated) is not negligible (issue 18 point 4; the HTML hides them by the same constant)
    pg_verdict = (probabilities or {}).get("generated")
    generation_evidence = pg_verdict is not None and pg_verdict >= NEGLIGIBLE_GENERATED
    show_laundering = bool(a and a.laundering and (p_generated or 0.0) >= a.authentic_below) and generation_evidence
    generation = a.to_dict() if a else gated_generation
    if generation and generation.get("attribution") is not None and not generation_evidence:
        generation = {**generation, "attribution": None}
    return Verdict(
        label=label,
        score=float(score),
        manipulation_score=sc.manipulation,
        generation_score=None if sc.graphic_gate is not None else sc.generation_score,
        domain=domain,
        heatmap=heatmap,
        mask=mask,
        findings=ranked[:20],
        calibrated=calibrated,
        probabilities=probabilities,
        generation=generation,
        laundering=a.laundering if show_laundering else None,
        likelihood_ratios={"manipulated": lr_m, "generated": lr_g},
        support={"manipulated": enfsi_support(lr_m), "generated": enfsi_support(lr_g)},
        prior={"manipulated": sc.model_prior if lr_from_manip else None, "generated": gen_prior if lr_from_gen else None},
        decision={"rule": rule, "detectors": deciders, "thresholds": thresholds,
                  "model": _MODEL_FILES.get(sc.method) if rule == "manipulation_model" else None,
                  **({"graphic_gate": sc.graphic_gate} if sc.graphic_gate is not None else {}),
                  **({"no_local_evidence": sc.no_local_evidence} if sc.no_local_evidence else {})},
    )


def _probabilities(p_generated: float | None, p_manipulated: float | None, *, gen_prior: float | None = None,
                   manip_prior: float | None = None) -> dict[str, float | None] | None:
    """P(authentic), P(manipulated), P(generated) summing to 1.

    Both from calibrated models (their priors given): one equal prior over the three classes
    and each model's likelihood ratio — P ∝ (1, LR_manipulated, LR_generated), the generation
    model's "not generated" being a camera photo. Otherwise P(generated) first (a declaration's
    strength) and (1 − P(generated)) split by P(manipulated | not generated). When one of the
    two was not measured the other still splits its side and the missing class is None.
    """
    if p_generated is None and p_manipulated is None:
        return None
    if p_generated is None:
        return {"authentic": round(1 - p_manipulated, 4), "manipulated": round(p_manipulated, 4), "generated": None}
    if p_manipulated is None:
        return {"authentic": None, "manipulated": None, "generated": round(p_generated, 4)}
    if gen_prior is not None and manip_prior is not None:
        lr_m, lr_g = likelihood_ratio(p_manipulated, manip_prior), likelihood_ratio(p_generated, gen_prior)
        total = 1.0 + lr_m + lr_g
        return {"authentic": round(1.0 / total, 4), "manipulated": round(lr_m / total, 4),
                "generated": round(lr_g / total, 4)}
    rest = 1.0 - p_generated
    return {"authentic": round(rest * (1 - p_manipulated), 4), "manipulated": round(rest * p_manipulated, 4),
            "generated": round(p_generated, 4)}


def _domain(ranked_manip: list[tuple[float, str]], ranked: list[tuple[str, Finding]],
            families: dict[str, str], manipulated_at: float) -> str:
    """A short tag for the kind of manipulation, from the family that pushed the verdict most.

    Copy-move names the domain only for a single cloned pair: two or more pairs are the
    pattern of genuinely repeated objects (signs, windows, tiles, crowds), which match just as
    a clone does, so the tag then says the repetition is undetermined.
    """
    copy = [n for sc, n in ranked_manip if families.get(n) == "copymove" and sc >= manipulated_at]
    top = copy[0] if copy else next((n for _, n in ranked_manip), None)
    fam = families.get(top or "", "unknown")
    if fam == "copymove":
        pairs = sum(1 for d, f in ranked if f.kind == "copy_move" and families.get(d) == "copymove")
        return "classic edit: copy-move" if pairs <= 1 else "repeated content: copy-move or identical objects"
    if fam in ("jpeg", "noise", "camera"):
        return "classic edit: splice / removal"
    return "local manipulation"
