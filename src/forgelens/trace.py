"""The detector contract: a detector reads Evidence and returns a Trace.

A Trace is what one forensic method measured on one image: a full-resolution
suspicion map (float32 in [0, 1], higher = more likely manipulated), where the
method could say nothing (reliability), an optional image-level score, and typed
findings that carry the numbers behind them. A method that does not apply (a
JPEG method on a PNG) returns a Trace with ``applicable=False`` and a note; it
does not raise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Finding:
    """One measured fact: what kind, where, how strong, and the numbers measured.

    ``region`` is a bounding box (x0, y0, x1, y1) in stored-pixel coordinates;
    ``values`` holds JSON-able numbers or short strings (e.g. {"sigma_inside": 1.9}).
    """

    kind: str
    message: str
    strength: float = 0.0
    region: tuple[int, int, int, int] | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "strength": float(self.strength),
            "region": list(self.region) if self.region is not None else None,
            "values": _jsonable(self.values),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        region = tuple(d["region"]) if d.get("region") is not None else None
        return cls(d["kind"], d["message"], d.get("strength", 0.0), region, d.get("values", {}))


@dataclass
class Trace:
    """The output of one detector on one image."""

    name: str
    heatmap: np.ndarray | None = None
    reliability: np.ndarray | None = None
    score: float | None = None
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    applicable: bool = True
    note: str = ""
    error: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    #: Extra maps for the analyst to look at (e.g. the classic ELA view, the noise-σ map, the
    #: averaged spectrum), in their own units. Display only: ``validate`` stores full-resolution
    #: ones as float16 (half the memory; 24 MP maps are 48 MB each), smaller ones as float32.
    extra_maps: dict[str, np.ndarray] = field(default_factory=dict)
    #: The detector's family ("jpeg", "noise", "copymove", "learned", "generation", ...) and
    #: whether its image score is a calibrated probability: stamped by ``registry.run`` so
    #: fusion reads them from the Trace and never asks the registry.
    family: str = "unknown"
    calibrated: bool = False

    @classmethod
    def not_applicable(cls, name: str, note: str) -> Trace:
        return cls(name=name, applicable=False, note=note)

    def validate(self, shape: tuple[int, int]) -> None:
        """Enforce the contract: full-resolution maps in [0, 1] — heatmap float32, reliability
        float16 (a weight, where three decimals are plenty: half the memory, 48 MB at 24 MP)."""
        for attr in ("heatmap", "reliability"):
            m = getattr(self, attr)
            if m is None:
                continue
            if m.shape != shape:
                raise ValueError(f"{self.name}: {attr} has shape {m.shape}, image is {shape}")
            m = m.astype(np.float32, copy=False)
            if not m.flags.writeable:
                m = m.copy()
            # in place: a 24 MP map is 96 MB, and every detector's map passes through here
            np.nan_to_num(m, copy=False, nan=0.0, posinf=1.0, neginf=0.0)
            np.clip(m, 0.0, 1.0, out=m)
            setattr(self, attr, m.astype(np.float16) if attr == "reliability" else m)
        for key, m in list(self.extra_maps.items()):
            m = np.nan_to_num(np.asarray(m, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
            self.extra_maps[key] = m.astype(np.float16) if m.shape == shape else m
        if self.score is not None:
            s = float(self.score)
            self.score = float(np.clip(s, 0.0, 1.0)) if np.isfinite(s) else None

    def to_dict(self) -> dict[str, Any]:
        """JSON summary (maps are written as PNG files, not embedded)."""
        return {
            "name": self.name,
            "family": self.family,
            "calibrated": self.calibrated,
            "applicable": self.applicable,
            "note": self.note,
            "error": self.error,
            "score": self.score,
            "seconds": round(float(self.seconds), 4),
            "heatmap_mean": float(self.heatmap.mean()) if self.heatmap is not None else None,
            "config": _jsonable(self.config),
            "findings": [f.to_dict() for f in self.findings],
        }


def _jsonable(x: Any) -> Any:
    """Convert NumPy scalars/arrays and tuples into plain JSON types."""
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating | float):
        v = float(x)
        return v if np.isfinite(v) else None
    if isinstance(x, np.bool_):
        return bool(x)
    return x
