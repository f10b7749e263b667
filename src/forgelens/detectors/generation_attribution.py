"""Which generator family a generated picture most likely came from — a hint, not a verdict.

Two sources, in order of trust:

1. **Metadata or watermark** — a generator's own parameter block, or a declared AI source
   found by ``generator_signature`` / the watermark detectors: the generator is named in the
   file (easily stripped, also easily copied).
2. **CLIP features** — a multinomial logistic regression over the families it was trained
   on (``learned/weights/generation_families.json``, fitted by
   ``benchmarks/fit/fit_generation.py``), on the same frozen CLIP features as the
   ``clip_probe``. Closed-set classifiers always name *some* family; following the
   maximum-softmax-probability baseline for open-set recognition (Hendrycks & Gimpel,
   ICLR 2017) a top probability under ``p_min`` reads **"unknown/other"**. ``p_min`` is set
   on pictures of families the model did not see during fitting.

The answer lists the families the model knows, so "unknown" is read as "none of these".

References
----------
.. [1] D. Hendrycks, K. Gimpel, "A Baseline for Detecting Misclassified and Out-of-Distribution
       Examples in Neural Networks", ICLR 2017.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FamilyModel", "UNKNOWN", "FAMILIES_PATH", "attribute_features", "attribute_metadata", "shipped"]

UNKNOWN = "unknown/other"
FAMILIES_PATH = Path(__file__).resolve().parents[1] / "learned" / "weights" / "generation_families.json"


@dataclass(frozen=True)
class FamilyModel:
    """Standardise → multinomial logistic regression → open-set rejection at ``p_min``."""

    families: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (n_families, n_features); one row when there are two families
    intercept: np.ndarray
    p_min: float
    meta: dict = field(default_factory=dict)

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.meta.get("parts", ("g_emb",)))

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = ((np.asarray(x, np.float64) - self.mean) / self.scale) @ self.coef.T.astype(np.float64) + self.intercept
        z = np.atleast_2d(z)
        if len(self.families) == 2 and z.shape[1] == 1:  # binary logistic: one logit for the second class
            z = np.concatenate([np.zeros_like(z), z], axis=1)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def attribute(self, x: np.ndarray) -> dict[str, Any]:
        p = self.probabilities(x)[0]
        order = np.argsort(p)[::-1]
        top = int(order[0])
        family = self.families[top] if p[top] >= self.p_min else UNKNOWN
        return {
            "family": family,
            "probability": round(float(p[top]), 4),
            "ranked": [{"family": self.families[i], "probability": round(float(p[i]), 4)} for i in order[:3]],
            "p_min": round(self.p_min, 4),
            "known_families": list(self.families),
            "method": "CLIP features, multinomial logistic regression with open-set rejection",
        }

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({
            "families": list(self.families), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
            "coef": self.coef.tolist(), "intercept": self.intercept.tolist(), "p_min": self.p_min,
            "meta": self.meta}) + "\n")

    @classmethod
    def load(cls, path: Path) -> FamilyModel:
        from forgelens.errors import ForgeLensError

        try:
            d = json.loads(Path(path).read_text())
            m = cls(tuple(d["families"]), np.asarray(d["mean"], np.float32), np.asarray(d["scale"], np.float32),
                    np.atleast_2d(np.asarray(d["coef"], np.float32)), np.atleast_1d(np.asarray(d["intercept"], np.float32)),
                    float(d["p_min"]), d.get("meta", {}))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ForgeLensError(str(path), f"unreadable attribution weights: {type(exc).__name__}: {exc}") from exc
        if m.coef.shape[1] != m.mean.shape[0] or len(m.intercept) != m.coef.shape[0]:
            raise ForgeLensError(str(path), "unreadable attribution weights: shapes do not match")
        return m


@lru_cache(maxsize=2)
def _load(path: str) -> FamilyModel | None:
    return FamilyModel.load(Path(path)) if Path(path).is_file() else None


def shipped() -> FamilyModel | None:
    """The shipped family model, or None when no weights are shipped."""
    return _load(str(FAMILIES_PATH))


def attribute_features(feats: dict[str, np.ndarray], model: FamilyModel | None = None) -> dict[str, Any] | None:
    """Attribution from CLIP feature parts (``clip_probe.clip_features``); None without a model."""
    from forgelens.detectors.clip_probe import feature_vector

    m = model or shipped()
    if m is None or any(p.split("[")[0] not in feats for p in m.parts):  # "g_cls[6:12]" reads g_cls
        return None
    return m.attribute(feature_vector(feats, m.parts))


def attribute_metadata(traces) -> dict[str, Any] | None:
    """The generator named by metadata/watermark findings, if any (``generator_signature``, watermarks)."""
    for t in traces:
        for f in getattr(t, "findings", None) or []:
            v = f.values or {}
            name = v.get("generator") if isinstance(v, dict) else None
            if f.kind == "generator_signature" and name:  # metadata block or decoded watermark
                how = "watermark" if t.name == "watermark" else "metadata"
                return {"family": str(name), "probability": None, "method": f"{how} ({t.name})",
                        "evidence": f.message}
    return None
