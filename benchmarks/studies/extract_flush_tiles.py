"""Detection caches with the learned localizer's tiles flush with the picture's edge (``even_tiles=False``).

Why: today's localizer spreads its tiles evenly (issue 16, session 5), which moves its map a
little; the detection model was fitted on maps made with flush tiles. Extracting the same images
both ways and comparing them (``verdict_cache_compare.py``) isolates that one change.

    python benchmarks/studies/extract_flush_tiles.py extract synth-val benchmarks/data/detection/synth-val --cache /tmp/flush
    python benchmarks/studies/verdict_cache_compare.py /tmp/flush benchmarks/out/detection-cache

Arguments after ``--cache DIR`` are those of ``benchmarks/fit/fit_detection.py extract``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import forgelens.detectors.learned_localizer as learned_localizer
import forgelens.training.detection as detection


def main(argv: list[str]) -> None:
    if "--cache" not in argv:
        raise SystemExit("usage: extract_flush_tiles.py extract NAME FOLDER [...] --cache DIR")
    i = argv.index("--cache")
    detection.CACHE = Path(argv[i + 1])
    localize = learned_localizer.localize
    learned_localizer.localize = lambda net, pixels, tile, overlap, even: localize(net, pixels, tile, overlap, False)
    detection.main(argv[:i] + argv[i + 2:])


if __name__ == "__main__":
    main(sys.argv[1:])
