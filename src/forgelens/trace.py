"""The detector contract: a detector reads Evidence and returns a Trace.

A Trace is what one forensic method measured on one image: a suspicion map
(float32 in [0, 1], higher = more likely manipulated), where the method could say
nothing (reliability), an optional image-level score, and typed
findings that carry the numbers behind them. A method that does not apply (a
JPEG method on a PNG) returns a Trace with ``applicable=False`` and a note; it
does not raise.

Maps are kept at the method's native resolution: a block method that measured one number
per k×k block stores a (ceil(h/k), ceil(w/k)) grid and ``block = k``; a pixel method stores
(h, w) and ``block = 1``. Whoever needs pixels reads them with
:func:`forgelens.maps.to_pixels` (in row bands for large pictures) — so a 24 MP analysis
keeps a few MB per block detector instead of 144 MB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forgelens.maps import grid_shape, to_pixels


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
    #: Pixels per map cell of ``heatmap``/``reliability`` (and of extra maps of the same grid):
    #: 1 = full resolution. Set by the detector; read maps with ``maps.to_pixels(m, shape, block)``.
    block: int = 1
    #: The picture's (height, width) the maps belong to, stamped by ``validate``.
    shape: tuple[int, int] | None = None

    @classmethod
    def not_applicable(cls, name: str, note: str) -> Trace:
        return cls(name=name, applicable=False, note=note)

    def validate(self, shape: tuple[int, int]) -> None:
        """Enforce the contract: maps in [0, 1] on the grid of ``block`` (full resolution when 1:
        shape (h, w); else (ceil(h/k), ceil(w/k)), see ``maps.grid_shape``) — heatmap float32,
        reliability float16 (a weight, where three decimals are plenty: half the memory)."""
        shape = (int(shape[0]), int(shape[1]))
        self.shape = shape
        if int(self.block) < 1:
            raise ValueError(f"{self.name}: block must be a positive integer, got {self.block}")
        grid = grid_shape(shape, self.block)
        for attr in ("heatmap", "reliability"):
            m = getattr(self, attr)
            if m is None:
                continue
            if m.shape != grid:
                raise ValueError(f"{self.name}: {attr} has shape {m.shape}, expected {grid} "
                                 f"({self.block}-pixel cells of a {shape} image)")
            m = m.astype(np.float32, copy=False)
            if not m.flags.writeable:
                m = m.copy()
            # in place: a 24 MP map is 96 MB, and every detector's map passes through here
            if not np.isfinite(m).all():  # (on finite values nan_to_num changes nothing: skip its passes)
                np.nan_to_num(m, copy=False, nan=0.0, posinf=1.0, neginf=0.0)
            np.clip(m, 0.0, 1.0, out=m)
            setattr(self, attr, m.astype(np.float16) if attr == "reliability" else m)
        for key, m in list(self.extra_maps.items()):
            m = np.asarray(m, dtype=np.float32)
            # a new array either way (nan_to_num copies; on finite values it changes nothing)
            m = np.nan_to_num(m, nan=0.0, posinf=0.0, neginf=0.0) if not np.isfinite(m).all() else m
            if m.shape in (shape, grid):
                self.extra_maps[key] = m.astype(np.float16)
            else:
                self.extra_maps[key] = m.copy() if np.may_share_memory(m, self.extra_maps[key]) else m
        if self.score is not None:
            s = float(self.score)
            self.score = float(np.clip(s, 0.0, 1.0)) if np.isfinite(s) else None

    def pixels(self, m: np.ndarray, rows: tuple[int, int] | None = None) -> np.ndarray:
        """One of this trace's maps (heatmap, reliability or an extra map) at the picture's
        resolution, float32 (``rows``: a band of pixel rows only). An extra map with a shape
        of its own (e.g. an averaged spectrum) is returned as it is."""
        if self.shape is None or m.shape != grid_shape(self.shape, self.block):
            return np.asarray(m, np.float32) if rows is None else np.asarray(m[rows[0]:rows[1]], np.float32)
        return to_pixels(m, self.shape, self.block, rows)

    def heatmap_mean(self) -> float | None:
        """Mean of the heatmap over the picture's pixels (edge cells weighted by the pixels they cover)."""
        m = self.heatmap
        if m is None:
            return None
        if self.block == 1 or self.shape is None:
            return float(m.mean())
        k, (h, w) = int(self.block), self.shape
        rows = np.minimum(k, h - k * np.arange(m.shape[0])).astype(np.float64)
        cols = np.minimum(k, w - k * np.arange(m.shape[1])).astype(np.float64)
        return float(rows @ m.astype(np.float64) @ cols / (h * w))

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
            "heatmap_mean": self.heatmap_mean(),
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
