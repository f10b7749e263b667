"""Stacked fusion: detector image scores → calibrated P(manipulated) by logistic regression.

Stacking (Wolpert 1992) with a logistic combiner is the standard way to turn
several uncalibrated scores into one probability (Platt 1999). The model is
fitted by ``forgelens.training.stacking`` (``benchmarks/fit/fit_fusion.py``) on a ``forgelens synth`` set made from
camera originals, with cross-validation grouped by host photo, and shipped as
``stacking.json`` beside this file; the public benchmarks stay held out.

Each detector contributes two features: its score (0 when it gave none) and a
"said nothing" indicator, so a JPEG method that does not apply to a PNG is not
read as "no manipulation found". The probability is calibrated for a 50/50
prior (balanced classes): it answers "how much more like our forgeries than
like our authentic photos does this image look", not "how likely is an
arbitrary picture to be fake".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import expit

from forgelens import model_file

STACKING_PATH = Path(__file__).with_name("stacking.json")


def feature_vector(scores: dict[str, float | None], features: list[str]) -> list[float]:
    """[score_1, missing_1, score_2, missing_2, ...] for the named detectors."""
    out: list[float] = []
    for name in features:
        s = scores.get(name)
        out += [0.0, 1.0] if s is None else [float(s), 0.0]
    return out


@dataclass(frozen=True)
class StackingModel:
    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    trained_on: str = ""
    #: Class balance the probability is calibrated for (balanced fit: 0.5).
    prior: float = 0.5

    def probability(self, scores: dict[str, float | None]) -> float:
        x = (np.asarray(feature_vector(scores, self.features)) - self.mean) / np.asarray(self.scale)
        z = float(x @ np.asarray(self.coef) + self.intercept)
        return float(expit(z))

    def weight(self, name: str) -> float:
        """How much a detector's own score pushes towards "manipulated" (≥ 0), for the map."""
        if name not in self.features:
            return 0.0
        i = self.features.index(name)
        return max(self.coef[2 * i] / self.scale[2 * i], 0.0)

    def save(self, path: Path) -> None:
        model_file.write(path, model_file.ModelFile(
            "stacking", {"mean": list(self.mean), "scale": list(self.scale), "coef": list(self.coef),
                         "intercept": float(self.intercept)},
            features=list(self.features), prior=self.prior, provenance={"trained_on": self.trained_on},
            calibration={"method": "none: logistic regression fitted class-balanced"},
            description="logistic regression over [score, missing] of each listed detector"))

    @classmethod
    def load(cls, path: Path = STACKING_PATH) -> StackingModel | None:
        """The combiner in ``path`` (None when absent); ForgeLensError naming a broken file."""
        if not path.is_file():
            return None
        mf = model_file.read(path, "stacking")
        p = mf.parameters
        return cls(features=mf.features, mean=p["mean"], scale=p["scale"], coef=p["coef"],
                   intercept=float(p["intercept"]), trained_on=str(mf.provenance.get("trained_on", "")),
                   prior=0.5 if mf.prior is None else mf.prior)
