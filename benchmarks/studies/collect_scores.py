"""Run the default analysis over a dataset folder and keep every detector's image score.

The scores are the input of the stacked fusion (benchmarks/fit/fit_fusion.py) and of
false-alarm tables. One JSON line per image, resumable (images already in the
output are skipped).

    python benchmarks/studies/collect_scores.py /work/synth-dev benchmarks/out/scores-synth-dev.jsonl
    python benchmarks/studies/collect_scores.py ../shared/datasets/casia1-samples benchmarks/out/scores-casia1.jsonl
"""

from __future__ import annotations

import argparse
import csv
import json
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path


def one(folder: str, row: dict) -> dict:
    from forgelens.errors import ForgeLensError
    from forgelens.pipeline import analyze

    out = {"image": row["image"], "label": row["label"], "kind": row.get("kind", ""), "post": row.get("post", ""),
           "source": row.get("source", "")}
    try:
        rep = analyze(str(Path(folder) / row["image"]))
    except ForgeLensError as exc:
        out["error"] = str(exc)
        return out
    out["scores"] = {t.name: t.score for t in rep.traces if t.applicable and t.error is None}
    out["errors"] = {t.name: t.error.splitlines()[0] for t in rep.traces if t.error}
    out["verdict"] = {"label": rep.verdict.label, "score": rep.verdict.score}
    out["megapixels"] = rep.evidence.megapixels
    out["seconds"] = rep.seconds["total"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("out")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    rows = list(csv.DictReader(open(Path(args.folder) / "index.csv")))
    if args.limit:
        rows = rows[: args.limit]
    done = set()
    out = Path(args.out)
    if out.exists():
        done = {json.loads(line)["image"] for line in out.read_text().splitlines() if line.strip()}
    todo = [r for r in rows if r["image"] not in done]
    print(f"{len(rows)} images, {len(done)} done, {len(todo)} to do", flush=True)
    with ProcessPoolExecutor(args.workers) as pool, open(out, "a") as fh:
        futs = [pool.submit(one, args.folder, r) for r in todo]
        for i, fut in enumerate(as_completed(futs), 1):
            fh.write(json.dumps(fut.result()) + "\n")
            fh.flush()
            if i % 25 == 0:
                print(f"{i}/{len(todo)}", flush=True)


if __name__ == "__main__":
    main()
