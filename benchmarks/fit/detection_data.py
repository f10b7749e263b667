"""The detection model's data (host split, synth sets, hard negatives): ``forgelens.training.detection_data``.

    python benchmarks/fit/detection_data.py benchmarks/data/detection
"""

from forgelens.training.detection_data import main

if __name__ == "__main__":
    main()
