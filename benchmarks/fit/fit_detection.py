"""Fit the image-level detection model: ``forgelens.training.detection`` (kept here as the benchmark
scripts' entry point; ``forgelens train detection`` is the same recipe).

    python benchmarks/fit/fit_detection.py all
    python benchmarks/fit/fit_detection.py extract NAME FOLDER
    python benchmarks/fit/fit_detection.py fit [--model trees|logistic] [--out PATH]
"""

from forgelens.training.detection import CACHE, load_cache, main  # noqa: F401  (CACHE: verdict_accuracy)

if __name__ == "__main__":
    main()
