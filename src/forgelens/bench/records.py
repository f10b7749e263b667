"""What one benchmark image produces: a typed record every evaluator reads.

``ImageRecord`` is one (image, perturbation) after every requested detector
ran on it; ``DetectorResult`` is one detector's part of it. Both travel from a
worker (process pool or Ray) back to the evaluators, and are written as JSON
(the cache under ``OUT/cache/`` and ``per_image.jsonl``) with ``to_dict`` /
``from_dict``; the JSON keeps the flat layout earlier versions wrote, so old
caches and ``per_image.jsonl`` files read back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class DetectorResult:
    """One detector on one image: its image score, whether it applied, and the pixel metrics.

    ``pixel`` holds ``metrics.PixelScores.to_dict()`` for a manipulated image
    with a usable mask and a map; otherwise ``pixel_reason`` says why not
    ("no mask", "mask refused", "not applicable", "no map", "detector error").
    ``extra`` keeps what only some detectors give (the fused verdict's label
    and probabilities).
    """

    key: str
    score: float | None = None
    applicable: bool = False
    seconds: float = 0.0
    note: str = ""
    error: str | None = None
    has_map: bool = False
    pixel: dict[str, float | None] | None = None
    pixel_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        return {**d, **self.extra}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DetectorResult:
        known = {f.name for f in fields(cls)} - {"extra"}
        return cls(**{k: v for k, v in d.items() if k in known},
                   extra={k: v for k, v in d.items() if k not in known})


@dataclass
class ImageRecord:
    """One (image, perturbation): the image's identity, what went wrong (if anything), each detector's result.

    ``error`` / ``reason`` are set when the image could not be read at all
    (then ``detectors`` is empty); ``mask`` is "ok", "resized", "not needed",
    "no mask", "missing", "refused" or "unreadable"; ``seconds`` splits the
    worker's time (read, perturb, load, mask, detectors, fusion, metrics,
    save_maps, total); ``format`` is the decoded file's format (JPEG, PNG, ...,
    after the perturbation); ``cached`` says the record came from the cache.
    """

    dataset: str
    image: str
    label: str
    perturbation: str
    error: str | None = None
    reason: str | None = None
    mask: str | None = None
    mask_note: str | None = None
    shape: tuple[int, int] | None = None
    format: str | None = None
    detectors: dict[str, DetectorResult] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    cached: bool = False

    @property
    def image_id(self) -> str:
        """``<dataset>/<image path>``: the key in per-image tables and ``scores.csv``."""
        return f"{self.dataset}/{self.image}"

    @property
    def positive(self) -> bool:
        """Image-level class: manipulated or generated (anything not authentic)."""
        return self.label != "authentic"

    @property
    def pixels(self) -> int | None:
        """Height x width of the analysed image (after the perturbation), None when unreadable."""
        return None if self.shape is None else int(self.shape[0]) * int(self.shape[1])

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["shape"] = None if self.shape is None else list(self.shape)
        d["detectors"] = {name: r.to_dict() for name, r in self.detectors.items()}
        d["seconds"] = dict(self.seconds)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ImageRecord:
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        kw["shape"] = None if d.get("shape") is None else tuple(d["shape"])
        kw["detectors"] = {n: DetectorResult.from_dict(e) for n, e in (d.get("detectors") or {}).items()}
        kw["seconds"] = dict(d.get("seconds") or {})
        return cls(**kw)
