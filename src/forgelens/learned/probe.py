"""A linear probe on fixed features (``clip_probe``, ``npr_trace``): standardise, logistic, Platt.

The probe is a small JSON file fitted by ``forgelens.training.probes``; inference is NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.special import expit

from forgelens import model_file

__all__ = ["LinearProbe"]


@dataclass
class LinearProbe:
    """Standardise → logistic regression → Platt calibration; JSON-serialisable."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    bias: float
    platt_a: float = 1.0
    platt_b: float = 0.0
    threshold: float = 0.5
    meta: dict = field(default_factory=dict)

    def logit(self, x: np.ndarray) -> np.ndarray:
        return ((np.asarray(x, np.float32) - self.mean) / self.scale) @ self.coef + self.bias

    def prob(self, z: np.ndarray | float) -> np.ndarray:
        return expit(self.platt_a * np.asarray(z, np.float64) + self.platt_b)

    def to_json(self) -> dict:
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist(), "coef": self.coef.tolist(),
                "bias": float(self.bias), "platt_a": float(self.platt_a), "platt_b": float(self.platt_b),
                "threshold": float(self.threshold), "meta": self.meta}

    @classmethod
    def from_json(cls, d: dict) -> LinearProbe:
        return cls(np.asarray(d["mean"], np.float32), np.asarray(d["scale"], np.float32),
                   np.asarray(d["coef"], np.float32), float(d["bias"]), float(d["platt_a"]),
                   float(d["platt_b"]), float(d["threshold"]), d.get("meta", {}))

    def save(self, path: Path) -> None:
        """Write the probe in the common model-file format (``forgelens.model_file``)."""
        model_file.write(path, model_file.from_legacy(self.to_json()))

    @classmethod
    def load(cls, path: Path) -> LinearProbe:
        """The probe in a JSON file (either layout); ForgeLensError naming the file when it is not one."""
        from forgelens.errors import ForgeLensError

        try:
            mf = model_file.read(path, "probe")
        except ForgeLensError as exc:
            raise ForgeLensError(str(path), f"unreadable probe weights: {exc.detail}") from exc
        try:
            p = mf.parameters
            return cls.from_json({**p, "platt_a": mf.calibration["a"], "platt_b": mf.calibration["b"],
                                  "threshold": mf.thresholds["decision"], "meta": mf.provenance})
        except (ValueError, KeyError, TypeError) as exc:
            raise ForgeLensError(str(path), f"unreadable probe weights: {type(exc).__name__}: {exc}") from exc
