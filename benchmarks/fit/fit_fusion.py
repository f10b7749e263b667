"""Fit the stacked fusion (``fusion/stacking.json``): ``forgelens.training.stacking``, kept here as the
benchmarks' entry point.

    python benchmarks/fit/fit_fusion.py benchmarks/out/scores-synth-dev.jsonl --write --eval NAME=scores.jsonl[=folder]
"""

from forgelens.training.stacking import main

if __name__ == "__main__":
    main()
