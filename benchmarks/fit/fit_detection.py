"""Fit the image-level detection model: ``forgelens.training.detection`` (kept here as the benchmark
scripts' entry point; ``forgelens train detection`` is the same recipe).

    python benchmarks/fit/fit_detection.py all
    python benchmarks/fit/fit_detection.py extract NAME FOLDER
    python benchmarks/fit/fit_detection.py fit [--model trees|logistic] [--out PATH]
    python benchmarks/fit/fit_detection.py --cache DIR fit ...     # caches kept elsewhere (e.g. /work/caches/i14c/cache)
    python benchmarks/fit/fit_detection.py fit --with fullsize-train-auth [--size-class-authentic]   # + re-saved full-size hosts
    python benchmarks/fit/fit_detection.py large-threshold --model-file M [--set manipulated_at] [--set authentic_below]
"""

from forgelens.training.detection import load_cache, main  # noqa: F401

if __name__ == "__main__":
    main()
