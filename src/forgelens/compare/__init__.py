"""Reference comparison and near-duplicate search: find the original, show what changed.

- ``compare(suspect, reference)``: same scene?, the geometric relation, a difference map at
  the suspect's resolution that ignores recompression, resizing, colour grading and
  cropping, the changed regions, the parts with no counterpart, the metadata differences.
- ``Archive`` (``index`` / ``search``): one SQLite file of perceptual hashes and compact
  local features to find an earlier copy of a picture among many.
- ``compare_report_html(result)``: a self-contained HTML page (aligned pictures, slider,
  difference overlay).

Modules: ``align`` (features, RANSAC, ECC), ``difference`` (photometry, map, regions),
``core`` (compare), ``archive`` (index/search), ``html`` (the page), ``cli`` (commands).
"""

import importlib
import sys
import types

_LAZY = {"compare": "core", "compare_evidence": "core", "CompareResult": "core", "ComparisonError": "core",
         "Archive": "archive", "ArchiveError": "archive", "compare_report_html": "html",
         "write_comparison": "html"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"forgelens.compare.{_LAZY[name]}"), name)
    raise AttributeError(name)


__all__ = sorted(_LAZY)


# `forgelens.compare(...)` is the API function, but importing this sub-package makes the name
# `forgelens.compare` the module: so the module itself is callable and forwards to core.compare.
class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        from forgelens.compare.core import compare

        return compare(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
