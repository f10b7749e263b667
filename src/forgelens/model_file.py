"""One JSON file format for every fitted model forgelens ships (no pickle, NumPy-only inference).

Every model file — the image-level detection model, the stacking combiner, the generation
combiner, the linear probes — is one JSON object with the same top-level keys:

- ``format`` (``"forgelens-model"``) and ``version`` (of this format),
- ``kind``: ``detection`` / ``stacking`` / ``generation`` / ``probe`` (which class reads it),
- ``description``: what the numbers compute, in one paragraph,
- ``features``: the named inputs, in order (empty for a probe over an embedding vector),
- ``parameters``: the model's own numbers (weights, trees, sub-models),
- ``calibration``: how a raw output becomes a probability (e.g. ``{"method": "platt", "a", "b"}``),
- ``thresholds``: the operating points on that probability, with the rule that set them,
- ``prior``: the class balance the probability is calibrated for (None when not a probability),
- ``provenance``: how it was fitted — script, data sets and counts, date, measured figures.

This module sits on the ground floor (it imports nothing of forgelens but ``errors``), so
``learned/`` and ``fusion/`` can both use it. Files written before this format existed are
read through ``from_legacy``; ``python -m forgelens.model_file upgrade PATH…`` rewrites them
in place (same numbers, new layout).

``shipped_digests`` and ``file_digest`` give the SHA-256 of model files, so that a report can say which
files produced it (report.json ``tool.model_files``): two installations with different model files give
reports that tell them apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from forgelens.errors import ForgeLensError

FORMAT = "forgelens-model"
VERSION = 1
KINDS = ("detection", "stacking", "generation", "probe")

__all__ = ["FORMAT", "KINDS", "VERSION", "ModelFile", "file_digest", "from_legacy", "read", "shipped_digests",
           "upgrade", "write"]

#: The package folder, and the folders in it that hold the model and data files an analysis reads: the
#: fusion models, the learned networks and probes, the JPEG table labels.
PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_DIRS = ("fusion", "learned/weights", "evidence/data")
#: Model and data files are JSON or ONNX; the torch ``.safetensors`` beside the ONNX files are for
#: training only and the model cards are words.
SHIPPED_SUFFIXES = (".json", ".onnx")


@dataclass(frozen=True)
class ModelFile:
    """The common envelope of a shipped model."""

    kind: str
    parameters: dict[str, Any]
    features: list[str] = field(default_factory=list)
    calibration: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)
    prior: float | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    version: int = VERSION

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": self.version, "kind": self.kind, "description": self.description,
                "features": list(self.features), "parameters": self.parameters, "calibration": self.calibration,
                "thresholds": self.thresholds, "prior": self.prior, "provenance": self.provenance}


def write(path: str | Path, model: ModelFile) -> None:
    """Write ``model`` as JSON (parent folders made as needed)."""
    if model.kind not in KINDS:
        raise ValueError(f"unknown model kind {model.kind!r} (known: {', '.join(KINDS)})")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model.to_dict(), indent=1) + "\n")


def read(path: str | Path, kind: str | None = None) -> ModelFile:
    """The model in ``path`` (new or legacy layout); ForgeLensError naming the file when it is not
    one, or not of ``kind``."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ForgeLensError(str(path), f"unreadable model file ({type(exc).__name__}: {exc})") from exc
    try:
        model = parse(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise ForgeLensError(str(path), f"not a forgelens model file ({type(exc).__name__}: {exc})") from exc
    if kind is not None and model.kind != kind:
        raise ForgeLensError(str(path), f"a {model.kind} model where a {kind} model was expected")
    return model


def parse(raw: dict[str, Any]) -> ModelFile:
    """A ModelFile from a decoded JSON object (new layout, else ``from_legacy``)."""
    if not isinstance(raw, dict):
        raise TypeError("the JSON is not an object")
    if raw.get("format") != FORMAT:
        return from_legacy(raw)
    if int(raw["version"]) > VERSION:
        raise ValueError(f"format version {raw['version']} is newer than this forgelens reads ({VERSION})")
    if raw["kind"] not in KINDS:
        raise ValueError(f"unknown model kind {raw['kind']!r}")
    if not isinstance(raw["parameters"], dict):
        raise TypeError("parameters is not an object")
    prior = raw.get("prior")
    return ModelFile(kind=raw["kind"], parameters=raw["parameters"], features=list(raw.get("features") or []),
                     calibration=dict(raw.get("calibration") or {}), thresholds=dict(raw.get("thresholds") or {}),
                     prior=None if prior is None else float(prior), provenance=dict(raw.get("provenance") or {}),
                     description=str(raw.get("description") or ""), version=int(raw["version"]))


def from_legacy(raw: dict[str, Any]) -> ModelFile:
    """The four layouts written before this format, recognised by their keys."""
    if "models" in raw:  # generation combiner (fusion/generation.json, schema 1)
        models = [{k: m[k] for k in ("detectors", "coef", "intercept")} for m in raw["models"]]
        ops = [{"generated_at": m["generated_at"], "authentic_below": m["authentic_below"],
                "heldout_fpr": m.get("heldout_fpr")} for m in raw["models"]]
        return ModelFile("generation", {"models": models, "laundering": raw.get("laundering") or {}},
                         thresholds={"models": ops}, prior=float(raw.get("prior", 0.5)),
                         provenance=dict(raw.get("fitted") or {}), description=str(raw.get("description") or ""),
                         calibration={"method": "none: the combiner is a logistic model fitted class-balanced"})
    if "platt_a" in raw:  # linear probe (learned/weights/*_probe.json)
        return ModelFile("probe", {k: raw[k] for k in ("mean", "scale", "coef", "bias")},
                         calibration={"method": "platt", "a": float(raw["platt_a"]), "b": float(raw["platt_b"])},
                         thresholds={"decision": float(raw["threshold"])}, prior=0.5,
                         provenance=dict(raw.get("meta") or {}),
                         description="standardise → logistic regression → Platt scaling over a feature vector")
    if "detectors" in raw and "platt" in raw:  # image-level detection model (fusion/detection.json)
        params = {k: raw[k] for k in ("detectors", "mean", "scale", "coef", "intercept")}
        return ModelFile("detection", params, features=list(raw["features"]),
                         calibration={"method": "platt", **raw["platt"], "lr_bounds": list(raw["lr_bounds"])},
                         thresholds=dict(raw["thresholds"]), prior=float(raw.get("prior", 0.5)),
                         provenance=dict(raw.get("fitted") or {}),
                         description="standardised logistic regression over map statistics → Platt scaling")
    if {"features", "coef", "intercept"} <= raw.keys():  # stacking combiner (fusion/stacking.json)
        return ModelFile("stacking", {k: raw[k] for k in ("mean", "scale", "coef", "intercept")},
                         features=list(raw["features"]), prior=float(raw.get("prior", 0.5)),
                         provenance={"trained_on": raw.get("trained_on", "")},
                         calibration={"method": "none: logistic regression fitted class-balanced"},
                         description="logistic regression over [score, missing] of each listed detector")
    raise ValueError("neither the forgelens-model format nor a known earlier layout")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@lru_cache(maxsize=1)
def shipped_digests() -> dict[str, str]:
    """{path inside the package, e.g. ``fusion/detection.json``: SHA-256} of every model and data file
    this installation ships (``SHIPPED_DIRS``), sorted by path. Read once per process: the detectors
    also load these files once and keep them, so the digests name what the process analyses with."""
    found = {}
    for folder in SHIPPED_DIRS:
        root = PACKAGE_DIR / folder
        if root.is_dir():
            for p in root.iterdir():
                if p.is_file() and p.suffix in SHIPPED_SUFFIXES:
                    found[p.relative_to(PACKAGE_DIR).as_posix()] = _sha256(p)
    return dict(sorted(found.items()))


def file_digest(path: str | os.PathLike) -> str | None:
    """SHA-256 of a file named by an option (a fingerprint, a probe or network of one's own), read
    once per version of the file (path, size, modification time); None when it cannot be read."""
    try:
        st = os.stat(path)
        return _cached_digest(os.path.realpath(path), st.st_size, st.st_mtime_ns)
    except (OSError, ValueError):
        return None


@lru_cache(maxsize=64)
def _cached_digest(path: str, size: int, mtime_ns: int) -> str:
    return _sha256(Path(path))


def upgrade(path: str | Path) -> bool:
    """Rewrite a legacy model file in the current format in place; False when it already was."""
    raw = json.loads(Path(path).read_text())
    if isinstance(raw, dict) and raw.get("format") == FORMAT:
        return False
    write(path, read(path))
    return True


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2 or args[0] != "upgrade":
        print("usage: python -m forgelens.model_file upgrade PATH...", file=sys.stderr)
        return 2
    status = 0
    for p in args[1:]:
        try:
            print(f"{p}: {'upgraded' if upgrade(p) else 'already current'}")
        except (ForgeLensError, OSError, ValueError) as exc:
            print(f"{p}: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
