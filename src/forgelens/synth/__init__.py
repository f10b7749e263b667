"""forgelens synth: realistic forgeries with exact masks, made from camera originals.

The public forgery benchmarks cannot all be had, and those that can are small
or degraded. ``synth`` makes datasets the way Columbia, CASIA and TruFor's
training data were made — splices between photos of different cameras and
JPEG histories, copy-moves inside a photo, removals filled from the
surroundings, local retouching — then pushes them through the processing
chains of real life. Ground truth is exact: a pixel outside the mask is the
camera original's (before the post-processing chain).

Modules (one responsibility each):

- ``regions``: object-like region shapes of a given area;
- ``manipulations``: the edits, each returning pixels, mask(s) and parameters;
- ``jpeg_history``: encoders, donor recompression, 8x8-grid alignment;
- ``postprocess``: the named post-processing chains;
- ``sources``: scanning pristine folders, skip reasons, camera identity;
- ``generate``: one task → one sample (crop, edit, chain, recipe);
- ``writer``: the dataset folder (index.csv, recipe.jsonl, masks);
- ``runner``: planning, seeding and the process pool;
- ``cli``: the ``forgelens synth`` command.

Example
-------
>>> from forgelens.synth import synthesize
>>> s = synthesize(["photos/"], n=600, out="synth-dev", seed=1)  # doctest: +SKIP
"""

import importlib

# Resolved on first use, so that `forgelens --help` does not pay for SciPy and OpenCV.
_LAZY = {
    "KINDS": "generate", "Options": "generate", "Sample": "generate", "Task": "generate",
    "image_seed": "generate", "make": "generate", "CHAINS": "postprocess",
    "Summary": "runner", "plan": "runner", "regenerate": "runner", "scan": "runner", "synthesize": "runner",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"forgelens.synth.{_LAZY[name]}"), name)
    raise AttributeError(name)


__all__ = [
    "CHAINS",
    "KINDS",
    "Options",
    "Sample",
    "Summary",
    "Task",
    "image_seed",
    "make",
    "plan",
    "regenerate",
    "scan",
    "synthesize",
]
