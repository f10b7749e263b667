"""Forensic detectors, one module per method family, each registered by name.

Every module in this package is imported on first use of the registry, so a
new detector is added by dropping a module here that calls ``@register``.
"""

from __future__ import annotations

import importlib
import pkgutil

from forgelens.detectors.registry import available, default_names, get, register, run

__all__ = ["available", "default_names", "get", "register", "run"]

for _mod in pkgutil.iter_modules(__path__):
    if not _mod.name.startswith("_") and _mod.name != "registry":
        importlib.import_module(f"{__name__}.{_mod.name}")
