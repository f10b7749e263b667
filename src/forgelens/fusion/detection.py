"""Image-level detection from map evidence: pooled map statistics + cross-family agreement → P(manipulated).

In the spirit of TruFor's detection head (Guillaro et al., CVPR 2023: anomaly map +
confidence map → pooled features → an integrity score), but with a small, transparent
model over features that each mean something:

Per manipulation trace (a detector with a map, outside the generation / provenance /
baseline families), on the map shrunk to ``GRID`` px on its longer side and weighted by
the trace's reliability map:

- ``score`` (0 when it gave none) and ``missing`` (1 when it said nothing),
- ``top``: mean of the top 2 % of map values; ``contrast``: ``top`` − median,
- ``a50`` / ``a75``: fraction of the picture at or above 0.5 / 0.75,
- ``lcc``: area fraction of the largest connected region at or above 0.5, and ``fill``: its
  compactness (area / bounding-box area),
- ``cov``: reliability coverage (mean reliability; 1 without a reliability map).

Across independent families (learned, noise, JPEG, copy-move, camera): each family's map
(maximum over its traces), its top region (the top 5 % of pixels), and for every pair the
IoU of the two top regions and the correlation of the two maps — independent traces
pointing at the *same* place is the strongest sign of a local edit; one family alone is
often a textured, smoothed or re-saved area. The same statistics of the fused map and what
the copy-move findings measure (``finding_facts``) complete the vector. Provenance facts are
left out: in the training data they record how each set was written (synth output,
screenshots), not whether a picture was edited, so a model would learn the data, not the edit;
declarations (C2PA, XMP) decide through the decision table instead.

``DetectionModel`` is gradient-boosted trees (``fusion.trees``) or a standardised logistic
regression over that vector, with Platt scaling fitted on held-out scores
(``fusion.calibration``), stored as JSON (``detection.json``, ``forgelens.model_file``, no
pickle) by ``benchmarks/fit/fit_detection.py``. Its output is
P(manipulated | not generated) for the prior it records (0.5, balanced classes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from forgelens import model_file
from forgelens.fusion.calibration import apply_platt
from forgelens.fusion.trees import BoostedTrees
from forgelens.maps import area_shrink, to_pixels
from forgelens.trace import Trace

DETECTION_PATH = Path(__file__).with_name("detection.json")

#: Longer side (px) of the grid the maps are pooled on: fine enough for regions of ≈ 1 % of
#: the picture, coarse enough that pooling costs nothing beside the detectors.
GRID = 96
TOP_FRACTION = 0.02
REGION_FRACTION = 0.05
AGREEMENT_FAMILIES = ("learned", "noise", "jpeg", "copymove", "camera")
_NOT_MANIPULATION = ("generation", "provenance", "baseline")
_PROVENANCE_IGNORED = ("ai_declared", "generator_signature")

__all__ = ["DetectionModel", "MapSummary", "add_fused", "detection_model", "features", "summarise"]


@dataclass
class MapSummary:
    """What the detection features need from one analysis: small maps, scores and facts.

    Small enough to cache on disk for every image of a training set (``to_npz``)."""

    maps: dict[str, np.ndarray] = field(default_factory=dict)  # name → grid heatmap (float16)
    reliability: dict[str, np.ndarray] = field(default_factory=dict)  # name → grid reliability
    scores: dict[str, float | None] = field(default_factory=dict)  # every applicable trace's score
    families: dict[str, str] = field(default_factory=dict)
    fused: np.ndarray | None = None
    provenance_strength: float = 0.0
    #: Numbers read from findings (``finding_facts``), e.g. how many cloned pairs were found.
    facts: dict[str, float] = field(default_factory=dict)

    def to_npz(self, path: Path, **extra: Any) -> None:
        arrays = {f"map__{k}": v for k, v in self.maps.items()}
        arrays.update({f"rel__{k}": v for k, v in self.reliability.items()})
        if self.fused is not None:
            arrays["fused"] = self.fused
        meta = {"scores": self.scores, "families": self.families, "provenance_strength": self.provenance_strength,
                "facts": self.facts, **extra}
        np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)

    @classmethod
    def from_npz(cls, path: Path) -> tuple[MapSummary, dict[str, Any]]:
        z = np.load(path, allow_pickle=False)
        meta = json.loads(str(z["meta"]))
        if "scores" not in meta:  # an image that could not be analysed: its error only
            return cls(), meta
        s = cls(maps={k[5:]: z[k] for k in z.files if k.startswith("map__")},
                reliability={k[5:]: z[k] for k in z.files if k.startswith("rel__")},
                scores=meta.pop("scores"), families=meta.pop("families"),
                fused=z["fused"] if "fused" in z.files else None,
                provenance_strength=float(meta.pop("provenance_strength")))
        facts = meta.pop("facts", None)
        if facts is None and "traces" in meta:  # caches written before facts existed: same numbers
            facts = finding_facts([(t["family"], f["kind"], f.get("values") or {}, shape_of(meta))
                                   for t in meta["traces"] for f in t["findings"]])
        s.facts = facts or {}
        return s, meta


def shape_of(meta: dict[str, Any]) -> tuple[int, int]:
    h, w = meta.get("shape") or (1, 1)
    return int(h), int(w)


def finding_facts(findings: list[tuple[str, str, dict[str, Any], tuple[int, int]]]) -> dict[str, float]:
    """What the copy-move findings measure: how many cloned pairs, the most matches behind one,
    the largest matched area (fraction of the picture), and whether every pair is a pure
    translation at scale 1 (what repeated real objects — signs, windows, tiles — give)."""
    pairs = [(v, shape) for fam, kind, v, shape in findings if fam == "copymove" and kind == "copy_move"]
    if not pairs:
        return {"copymove.pairs": 0.0, "copymove.max_matches": 0.0, "copymove.max_area": 0.0,
                "copymove.plain_shift": 0.0}
    area = max(max(v.get("source_area_px", 0), v.get("target_area_px", 0)) / float(sh[0] * sh[1]) for v, sh in pairs)
    plain = all(abs(v.get("rotation_deg", 0.0)) < 2 and abs(v.get("scale", 1.0) - 1) < 0.02 for v, _ in pairs)
    return {"copymove.pairs": float(len(pairs)), "copymove.max_matches": float(max(v.get("match_count", 0)
                                                                                   for v, _ in pairs)),
            "copymove.max_area": float(area), "copymove.plain_shift": float(plain)}


def _grid_shape(shape: tuple[int, int]) -> tuple[int, int]:
    h, w = shape
    f = GRID / max(h, w)
    return max(1, round(h * f)), max(1, round(w * f))


def _shrink(m: np.ndarray, gshape: tuple[int, int]) -> np.ndarray:
    return cv2.resize(np.asarray(m, np.float32), (gshape[1], gshape[0]), interpolation=cv2.INTER_AREA)


def _shrink_map(m: np.ndarray, shape: tuple[int, int], block: int, gshape: tuple[int, int]) -> np.ndarray:
    """A trace's map (on its ``block``-pixel grid) area-averaged onto the pooling grid: on the grid
    itself when it is coarser than a pixel (``maps.area_shrink``, the same numbers within float
    rounding), else through OpenCV."""
    if block > 1 and gshape[0] <= shape[0] and gshape[1] <= shape[1]:
        return area_shrink(m, shape, block, gshape)
    return _shrink(to_pixels(m, shape, block), gshape)


def summarise(traces: list[Trace], fused: np.ndarray | None = None, shape: tuple[int, int] | None = None) -> MapSummary:
    """Shrink the manipulation traces' maps (and the fused map) to the pooling grid.

    ``shape``: the picture's, when the fused map is added later (``add_fused``) — ``fuse`` pools the
    traces' maps while it fuses them, in a second thread; the same numbers as with ``fused`` given."""
    s = MapSummary()
    live = [t for t in traces if t.applicable and t.error is None]
    if shape is None:
        shape = next((t.shape or t.heatmap.shape for t in live if t.heatmap is not None), None)
    if fused is not None:
        shape = fused.shape
    gshape = _grid_shape(shape) if shape is not None else None
    for t in live:
        s.scores[t.name] = None if t.score is None else float(t.score)
        s.families[t.name] = t.family
        if t.family == "provenance":
            strengths = [f.strength for f in t.findings if f.kind not in _PROVENANCE_IGNORED]
            s.provenance_strength = max([s.provenance_strength, *strengths])
        if t.heatmap is None or t.family in _NOT_MANIPULATION or gshape is None:
            continue
        s.maps[t.name] = _shrink_map(t.heatmap, shape, t.block, gshape).astype(np.float16)
        if t.reliability is not None:
            s.reliability[t.name] = _shrink_map(t.reliability, shape, t.block, gshape).astype(np.float16)
    if fused is not None:
        add_fused(s, fused)
    s.facts = finding_facts([(t.family, f.kind, f.values, t.shape or (t.heatmap.shape if t.heatmap is not None else shape or (1, 1)))
                             for t in live for f in t.findings])
    return s


def add_fused(s: MapSummary, fused: np.ndarray) -> None:
    """The fused map, shrunk to the pooling grid of ``fused``'s shape, into the summary."""
    s.fused = _shrink(fused, _grid_shape(fused.shape)).astype(np.float16)


def _map_stats(m: np.ndarray, r: np.ndarray | None) -> dict[str, float]:
    m = m.astype(np.float32)
    w = m if r is None else m * r.astype(np.float32)
    flat = np.sort(w.ravel())
    k = max(1, int(round(TOP_FRACTION * flat.size)))
    top = float(flat[-k:].mean())
    med = float(np.median(flat))
    hot = (w >= 0.5).astype(np.uint8)
    lcc = fill = 0.0
    if hot.any():
        n, lab, stats, _ = cv2.connectedComponentsWithStats(hot, connectivity=8)
        i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        area = float(stats[i, cv2.CC_STAT_AREA])
        lcc = area / hot.size
        fill = area / float(stats[i, cv2.CC_STAT_WIDTH] * stats[i, cv2.CC_STAT_HEIGHT])
    return {"top": top, "contrast": top - med, "a50": float((w >= 0.5).mean()), "a75": float((w >= 0.75).mean()),
            "lcc": lcc, "fill": fill, "cov": 1.0 if r is None else float(r.astype(np.float32).mean())}


def _top_region(m: np.ndarray) -> np.ndarray:
    t = np.quantile(m, 1 - REGION_FRACTION)
    return m >= max(t, 1e-6)


def features(s: MapSummary, detectors: list[str]) -> dict[str, float]:
    """The named feature vector of one analysis (``detectors``: the per-trace blocks to include)."""
    out: dict[str, float] = {}
    for name in detectors:
        score = s.scores.get(name)
        out[f"{name}.score"] = 0.0 if score is None else float(score)
        out[f"{name}.missing"] = 1.0 if name not in s.scores else 0.0
        stats = _map_stats(s.maps[name], s.reliability.get(name)) if name in s.maps else None
        for key in ("top", "contrast", "a50", "a75", "lcc", "fill", "cov"):
            out[f"{name}.{key}"] = 0.0 if stats is None else stats[key]
    fam_maps: dict[str, np.ndarray] = {}
    for name, m in s.maps.items():
        fam = s.families.get(name, "unknown")
        if fam not in AGREEMENT_FAMILIES:
            continue
        r = s.reliability.get(name)
        w = m.astype(np.float32) * (1.0 if r is None else r.astype(np.float32))
        fam_maps[fam] = np.maximum(fam_maps[fam], w) if fam in fam_maps else w
    best_iou = 0.0
    for i, a in enumerate(AGREEMENT_FAMILIES):
        for b in AGREEMENT_FAMILIES[i + 1:]:
            iou = corr = 0.0
            if a in fam_maps and b in fam_maps:
                ra, rb = _top_region(fam_maps[a]), _top_region(fam_maps[b])
                union = np.logical_or(ra, rb).sum()
                iou = float(np.logical_and(ra, rb).sum() / union) if union else 0.0
                xa, xb = fam_maps[a].ravel(), fam_maps[b].ravel()
                if xa.std() > 1e-6 and xb.std() > 1e-6:
                    corr = float(np.corrcoef(xa, xb)[0, 1])
            out[f"agree.{a}-{b}.iou"] = iou
            out[f"agree.{a}-{b}.corr"] = corr
            best_iou = max(best_iou, iou)
    out["agree.best_iou"] = best_iou
    fstats = _map_stats(s.fused, None) if s.fused is not None else None
    for key in ("top", "contrast", "a50", "lcc", "fill"):
        out[f"fused.{key}"] = 0.0 if fstats is None else fstats[key]
    # (the strongest provenance finding is kept in the summary but not used: in the training data
    # it says how a set was written — synth output, screenshots — not whether a picture was edited)
    out.update(s.facts)
    return out


@dataclass(frozen=True)
class DetectionModel:
    """A standardised logistic regression *or* gradient-boosted trees (``fusion.trees``) over the
    feature vector, then Platt scaling, as data (``forgelens.model_file``, kind ``detection``)."""

    detectors: list[str]
    features: list[str]
    platt: dict[str, float]
    #: {"manipulated_at": ..., "authentic_below": ...} on the calibrated probability.
    thresholds: dict[str, float]
    #: Logistic regression (empty when ``trees`` is set).
    mean: list[float] = field(default_factory=list)
    scale: list[float] = field(default_factory=list)
    coef: list[float] = field(default_factory=list)
    intercept: float = 0.0
    #: Exported gradient-boosted trees (``fusion.trees.export``), or None for the logistic model.
    trees: dict[str, Any] | None = None
    prior: float = 0.5
    #: [min, max] likelihood ratio the calibration data can support: a model checked on n images
    #: of a class cannot show an LR beyond about n (the idea of the empirical lower and upper
    #: bounds, Vergeer et al., Science & Justice 2016, simplified to 1/n_manipulated … n_authentic).
    lr_bounds: tuple[float, float] | list[float] = (0.0, float("inf"))
    fitted: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.trees is not None:
            booster = BoostedTrees(self.trees)
            if int(self.trees["n_features"]) != len(self.features):
                raise ValueError("the trees expect another number of features")
        else:
            booster = None
            if not (len(self.features) == len(self.mean) == len(self.scale) == len(self.coef)):
                raise ValueError("detection model vectors differ in length")
        object.__setattr__(self, "_booster", booster)

    @property
    def method(self) -> str:
        return "gradient-boosted trees" if self.trees is not None else "logistic regression"

    def thresholds_for(self, shape: tuple[int, int]) -> dict[str, float]:
        """The operating thresholds for a picture of ``shape`` (h, w).

        Conditional (Mondrian) calibration by picture size (Vovk, Gammerman and Shafer, *Algorithmic
        Learning in a Random World*, 2005, ch. 4): when the model file holds ``large_above_pixels``
        and ``large_manipulated_at`` and / or ``large_authentic_below`` (fitted by ``fit_detection.py
        large-threshold`` on full-size authentic training pictures only), a picture of more pixels
        than that is judged at its own size class's thresholds, so the false-alarm share (3 %) and
        the undecided share (20 %) hold *within* the class instead of only on the ≈ 0.5 MP crops
        that set ``manipulated_at`` / ``authentic_below``. ``authentic_below`` never exceeds
        ``manipulated_at``. Smaller pictures, or a file without the fields, get the thresholds unchanged.
        """
        out = {k: v for k, v in self.thresholds.items() if not k.startswith("large_")}
        above = self.thresholds.get("large_above_pixels")
        own = {k: float(self.thresholds[f"large_{k}"]) for k in ("manipulated_at", "authentic_below")
               if f"large_{k}" in self.thresholds}
        if above is not None and own and int(shape[0]) * int(shape[1]) > above:
            out.update(own)
            out["authentic_below"] = min(float(out["authentic_below"]), float(out["manipulated_at"]))
            out["size_class_above_pixels"] = float(above)
        return out

    def _vector(self, feats: dict[str, float]) -> np.ndarray:
        return np.array([feats.get(f, 0.0) for f in self.features], np.float64)

    def raw(self, feats: dict[str, float]) -> float:
        if self._booster is not None:
            return float(self._booster.raw(self._vector(feats))[0])
        x = (self._vector(feats) - np.asarray(self.mean)) / np.asarray(self.scale)
        return float(x @ np.asarray(self.coef) + self.intercept)

    def probability(self, feats: dict[str, float]) -> float:
        """Calibrated P(manipulated | not generated) for the model's prior, kept inside the
        likelihood-ratio bounds the calibration data supports."""
        p = float(apply_platt(self.platt, self.raw(feats)))
        odds_prior = self.prior / (1 - self.prior)
        lo, hi = (b * odds_prior for b in self.lr_bounds)
        return float(np.clip(p, lo / (1 + lo), hi / (1 + hi) if np.isfinite(hi) else 1.0))

    def contributions(self, feats: dict[str, float]) -> dict[str, float]:
        """Each feature's push on the raw score — what decided: coef × standardised value for the
        logistic model, the path decomposition (``BoostedTrees.contributions``) for trees."""
        if self._booster is not None:
            parts = self._booster.contributions(self._vector(feats))[0]
            return {f: float(c) for f, c in zip(self.features, parts, strict=True)}
        x = (self._vector(feats) - np.asarray(self.mean)) / np.asarray(self.scale)
        return {f: float(c * v) for f, c, v in zip(self.features, self.coef, x, strict=True)}

    def applies(self, ran: set[str]) -> bool:
        """At least half of the model's detectors ran."""
        return sum(d in ran for d in self.detectors) * 2 >= len(self.detectors)

    def save(self, path: Path = DETECTION_PATH) -> None:
        params: dict[str, Any] = {"detectors": list(self.detectors)}
        if self.trees is not None:
            params["trees"] = self.trees
            description = ("gradient-boosted trees over map statistics (forgelens.fusion.trees) → Platt "
                           "scaling → P(manipulated | not generated)")
        else:
            params.update(mean=list(self.mean), scale=list(self.scale), coef=list(self.coef),
                          intercept=float(self.intercept))
            description = "standardised logistic regression over map statistics → Platt scaling"
        model_file.write(path, model_file.ModelFile(
            "detection", params, features=list(self.features),
            calibration={"method": "platt", **self.platt, "lr_bounds": list(self.lr_bounds)},
            thresholds=dict(self.thresholds), prior=self.prior, provenance=dict(self.fitted),
            description=description))

    @classmethod
    def load(cls, path: Path = DETECTION_PATH) -> DetectionModel | None:
        """The model in ``path`` (None when absent); ForgeLensError naming a broken file."""
        if not path.is_file():
            return None
        from forgelens.errors import ForgeLensError

        mf = model_file.read(path, "detection")
        try:
            p, cal = mf.parameters, dict(mf.calibration)
            return cls(detectors=list(p["detectors"]), features=mf.features,
                       platt={"a": float(cal["a"]), "b": float(cal["b"])}, thresholds=dict(mf.thresholds),
                       mean=p.get("mean", []), scale=p.get("scale", []), coef=p.get("coef", []),
                       intercept=float(p.get("intercept", 0.0)), trees=p.get("trees"),
                       prior=0.5 if mf.prior is None else mf.prior,
                       lr_bounds=cal.get("lr_bounds", (0.0, float("inf"))), fitted=mf.provenance)
        except (ValueError, KeyError, TypeError) as exc:
            raise ForgeLensError(str(path), f"unreadable detection model ({type(exc).__name__}: {exc})") from exc


_MODEL: list[DetectionModel | None] = []


def detection_model() -> DetectionModel | None:
    """The shipped detection model (read once), or None when none is shipped."""
    if not _MODEL:
        _MODEL.append(DetectionModel.load())
    return _MODEL[0]
