"""The detector registry: name → (function, config class, description, licence).

A detector is a function ``f(evidence, config) -> Trace`` decorated with
``@register``. Its config is a frozen dataclass whose defaults are the
published ones; every number that changes behaviour is a field there.
``run`` times the call, fills in the name, config, family and calibration flag
(``stamp``), enforces the Trace contract and turns an unexpected exception into a Trace that records the error
(so one broken method never sinks an analysis or a batch).
"""

from __future__ import annotations

import dataclasses
import difflib
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from forgelens.errors import ConfigError
from forgelens.evidence import Evidence
from forgelens.trace import Trace

DetectorFn = Callable[[Evidence, Any], Trace]


@dataclass(frozen=True)
class DetectorInfo:
    name: str
    fn: DetectorFn
    config_cls: type
    description: str
    family: str
    licence: str = "Apache-2.0"
    default: bool = True
    how_to_read: str = ""
    caveat: str = ""
    #: True when the image score is a probability calibrated on held-out data (documented
    #: with the detector); fusion lets only calibrated "generation" scores decide a label.
    calibrated: bool = False

    def make_config(self, overrides: dict[str, Any] | None = None) -> Any:
        overrides = overrides or {}
        fields = {f.name: f for f in dataclasses.fields(self.config_cls)}
        unknown = sorted(set(overrides) - set(fields))
        if unknown:
            hints = "".join(_did_you_mean(u, fields) for u in unknown)
            raise ConfigError(self.name, f"unknown option(s) {unknown}{hints}; known: {sorted(fields)}")
        typed: dict[str, Any] = {}
        for key, value in overrides.items():
            default = getattr(self.config_cls(), key)
            try:
                typed[key] = _coerce(value, default)
            except (TypeError, ValueError) as exc:
                raise ConfigError(self.name, f"option {key}={value!r}: {exc}") from exc
        return self.config_cls(**typed)


_REGISTRY: dict[str, DetectorInfo] = {}


def register(
    name: str,
    *,
    config: type,
    description: str,
    family: str,
    licence: str = "Apache-2.0",
    default: bool = True,
    how_to_read: str = "",
    caveat: str = "",
    calibrated: bool = False,
) -> Callable[[DetectorFn], DetectorFn]:
    """Decorator that registers a detector function under ``name``."""

    def deco(fn: DetectorFn) -> DetectorFn:
        if name in _REGISTRY and _REGISTRY[name].fn is not fn:
            raise RuntimeError(f"detector {name!r} registered twice")
        _REGISTRY[name] = DetectorInfo(
            name, fn, config, description, family, licence, default, how_to_read, caveat, calibrated
        )
        return fn

    return deco


def _ensure_loaded() -> None:
    from forgelens import detectors  # noqa: F401  (imports every detector module)


def available() -> dict[str, DetectorInfo]:
    _ensure_loaded()
    return dict(sorted(_REGISTRY.items()))


def default_names() -> list[str]:
    return [n for n, info in available().items() if info.default]


def resolve(spec: str | list[str] | None) -> list[str]:
    """Detector names from a spec: names, "default" (the default analysis) and "all"
    (every registered detector except the trivial baselines), comma-separated or listed.

    Unknown names raise ConfigError; duplicates are dropped, order kept.
    """
    if spec is None:
        return default_names()
    tokens = spec.split(",") if isinstance(spec, str) else list(spec)
    names: list[str] = []
    for tok in (t.strip() for t in tokens):
        if not tok:
            continue
        if tok == "default":
            names += default_names()
        elif tok == "all":
            names += [n for n, i in available().items() if i.family != "baseline"]
        else:
            get(tok)
            names.append(tok)
    return list(dict.fromkeys(names)) or default_names()


def get(name: str) -> DetectorInfo:
    reg = available()
    if name not in reg:
        raise ConfigError(name, f"no detector of that name{_did_you_mean(name, reg)}; known: {', '.join(reg)}")
    return reg[name]


def run(name: str, evidence: Evidence, config: Any = None, *, catch: bool = True) -> Trace:
    """Run one detector, timed, with its Trace validated against the image shape."""
    info = get(name)
    cfg = config if config is not None else info.make_config()
    t0 = time.perf_counter()
    try:
        trace = info.fn(evidence, cfg)
        trace.name = name
        trace.validate(evidence.shape)
    except Exception as exc:
        if not catch:
            raise
        trace = Trace(
            name=name,
            applicable=False,
            note="detector failed; see error",
            error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}",
        )
    trace.seconds = time.perf_counter() - t0
    trace.config = dataclasses.asdict(cfg) if dataclasses.is_dataclass(cfg) else {}
    return stamp(trace)


def stamp(trace: Trace) -> Trace:
    """Write the registered family and calibration flag onto a Trace (in place; returned),
    so that fusion reads them from the Trace alone. Unknown names are left "unknown"."""
    info = _REGISTRY.get(trace.name) or available().get(trace.name)
    if info is not None:
        trace.family, trace.calibrated = info.family, bool(info.calibrated)
    return trace


def _did_you_mean(name: str, known) -> str:
    """``" (did you mean 'x'?)"`` for the closest known name (difflib ratio >= 0.6), else ``""``."""
    close = difflib.get_close_matches(str(name).strip().lower(), [str(k) for k in known], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _coerce(value: Any, default: Any) -> Any:
    """Coerce a CLI string to the type of the default value."""
    if not isinstance(value, str) or isinstance(default, str) or default is None:
        return value
    if isinstance(default, bool):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError("expected a boolean")
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(default, tuple):
        return tuple(type(default[0])(v) if default else v for v in value.split(","))
    return value
