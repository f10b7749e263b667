"""forgelens: image forensics on an ordinary CPU.

Evidence → Traces → Verdict → Report; see DESIGN.md in the shared folder.
"""

__version__ = "0.1.0"

import os as _os

# No writes to the user's home during analysis: onnxruntime (>= 1.2x) otherwise creates a telemetry
# device id under ~/.cache/Microsoft/DeveloperTools when it is imported. A user's own setting wins.
_os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from forgelens.errors import ForgeLensError  # noqa: E402

__all__ = ["ForgeLensError", "__version__", "analyze", "load"]


def __getattr__(name: str):
    # Lazy so that `import forgelens` stays cheap for workers and the CLI.
    if name == "analyze":
        from forgelens.pipeline import analyze

        return analyze
    if name == "load":
        from forgelens.evidence import load

        return load
    raise AttributeError(name)
