"""How often does "authentic" stand beside a larger P(generated)? Labels of real photos and forgeries
under the coherence rule of the verdict (authentic only when P(authentic) is the largest class).

Analyses each picture once with the current code and reconstructs the label the previous rule
gave: a picture now inconclusive *only* because its generation evidence leans towards generated
(LR > 1, below the generation model's inconclusive band) was "authentic" before.

    python benchmarks/studies/authentic_coherence.py --limit 40
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

DATA = Path(__file__).resolve().parents[3] / "shared" / "datasets"


def _sets(limit: int) -> dict[str, list[tuple[Path, str]]]:
    def rows(name: str, keep=lambda r: True) -> list[tuple[Path, str]]:
        with open(DATA / name / "index.csv", newline="") as fh:
            out = [(DATA / name / r["image"], r["label"]) for r in csv.DictReader(fh) if keep(r)]
        return out

    cams = [(p, lab) for p, lab in rows("cameras", lambda r: "exif-samples" in r["image"])
            if p.stat().st_size <= 1_500_000]
    casia = rows("casia1-samples")
    by = {lab: [x for x in casia if x[1] == lab][:limit] for lab in ("authentic", "manipulated")}
    return {"cameras exif-samples ≤ 1.5 MB": cams, "pristine-extra": rows("pristine-extra")[:limit],
            "casia1": by["authentic"] + by["manipulated"]}


def _one(path: Path) -> tuple[str, str | None]:
    from forgelens.errors import ForgeLensError
    from forgelens.pipeline import analyze

    try:
        v = analyze(path).verdict
    except ForgeLensError:
        return "unreadable", None
    before = v.label
    a = v.generation or {}
    if (v.label == "inconclusive" and a.get("calibrated") and v.manipulation_score is not None
            and (a.get("prior") or 0.5) < a["p_generated"] < a["authentic_below"]
            and v.manipulation_score < v.decision["thresholds"].get("authentic_below", 0.0)):
        before = "authentic"
    return v.label, before


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=40, help="pictures per label of pristine-extra and casia1")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    print("| set | true class | n | labels now | labels before the rule | authentic → inconclusive |")
    print("|---|---|---|---|---|---|")
    with ProcessPoolExecutor(args.jobs) as pool:
        for name, items in _sets(args.limit).items():
            for true in sorted({lab for _, lab in items}):
                paths = [p for p, lab in items if lab == true]
                res = list(pool.map(_one, paths))
                now, before = Counter(r[0] for r in res), Counter(r[1] for r in res if r[1])
                moved = sum(1 for r in res if r[0] != r[1] and r[1])
                print(f"| {name} | {true} | {len(paths)} | {dict(now)} | {dict(before)} | {moved} |", flush=True)


if __name__ == "__main__":
    main()
