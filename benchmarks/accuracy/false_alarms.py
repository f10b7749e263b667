"""How often the default analysis calls authentic photos manipulated (or generated).

Runs the whole default analysis over every authentic image of a dataset folder
(default: ../shared/datasets/cameras, camera originals) and prints the share of
each verdict label, with the count, plus per-detector mean scores, so a false
alarm can be traced to the detector that raised it.

    python benchmarks/accuracy/false_alarms.py                       # cameras
    python benchmarks/accuracy/false_alarms.py --dataset pristine-extra --limit 40
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3] / "shared" / "datasets"


def run_one(path: str) -> tuple[str, str | None, dict[str, float], str | None, float]:
    from forgelens.errors import ForgeLensError
    from forgelens.pipeline import analyze

    t0 = time.perf_counter()
    try:
        rep = analyze(path)
    except ForgeLensError as exc:
        return path, None, {}, str(exc), 0.0
    scores = {t.name: t.score for t in rep.traces if t.score is not None}
    return path, rep.verdict.label, scores, None, (time.perf_counter() - t0) / rep.evidence.megapixels


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="cameras")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    folder = ROOT / args.dataset
    rows = [r for r in csv.DictReader(open(folder / "index.csv")) if r["label"] == "authentic"]
    if args.limit:
        rows = rows[: args.limit]
    paths = [str(folder / r["image"]) for r in rows]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(run_one, paths))
    labels = Counter(label for _, label, _, err, _ in results if err is None)
    errors = [err for *_, err, _ in results if err]
    n = sum(labels.values())
    print(f"dataset {args.dataset}: {n} authentic images analysed, {len(errors)} refused")
    for label in ("authentic", "inconclusive", "manipulated", "generated"):
        print(f"  {label:13s} {labels[label]:4d}  ({labels[label] / max(n, 1):.1%})")
    per = defaultdict(list)
    for _, _, scores, _err, _ in results:
        for k, v in scores.items():
            per[k].append(v)
    print("mean image score per detector on these authentic images (higher = more false alarm):")
    for k, v in sorted(per.items(), key=lambda kv: -sum(kv[1]) / len(kv[1])):
        print(f"  {k:24s} mean {sum(v) / len(v):.3f}  ≥0.5 in {sum(x >= 0.5 for x in v) / len(v):.1%}  (n={len(v)})")
    spmp = [s for *_, err, s in results if err is None]
    print(f"median seconds per megapixel: {sorted(spmp)[len(spmp) // 2]:.3f}" if spmp else "")
    for e in errors:
        print("  refused:", e)


if __name__ == "__main__":
    main()
