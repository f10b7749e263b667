"""Readability and faithfulness of the words forgelens writes, over the shared sets (issue 14).

For a bounded, deterministic sample of each set (every k-th image of each label), analyse the
image with the default detectors and measure the journalist summary: Flesch–Kincaid grade
(forgelens.explain.readability; and textstat's own figure when textstat is importable, e.g.
`pip install --no-deps --target /tmp/ts textstat==0.7.8` and PYTHONPATH=/tmp/ts), sentences
per summary, the numbers the text cites that were checked against the report (and any not
found), and sentences that claim more than the verdict (faithfulness.overclaims).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/studies/readability.py --per-set 6

Prints one row per set with counts; nothing is fitted or tuned on these images.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import time
from collections import Counter
from pathlib import Path

from forgelens.errors import ForgeLensError
from forgelens.explain import faithfulness, summary
from forgelens.explain.readability import fk_grade
from forgelens.pipeline import analyze

ROOT = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
SETS = ("casia1-samples", "toolkit-samples", "nist16", "gan-examples", "aigen-sd12", "pristine-extra", "cameras")


def sample(name: str, per_set: int) -> list[Path]:
    rows = list(csv.DictReader((ROOT / name / "index.csv").open()))
    by_label: dict[str, list[dict]] = {}
    for r in rows:
        by_label.setdefault(r["label"], []).append(r)
    out: list[Path] = []
    share = max(1, per_set // len(by_label))
    for _, rs in sorted(by_label.items()):
        step = max(1, len(rs) // share)
        out += [ROOT / name / r["image"] for r in rs[::step][:share]]
    return out[:per_set]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-set", type=int, default=6)
    ap.add_argument("--sets", default=",".join(SETS))
    args = ap.parse_args()
    try:
        import textstat
    except ImportError:
        textstat = None
    if not ROOT.exists():
        raise SystemExit(f"{ROOT} not found: the shared datasets are needed")
    print(f"{'set':16} {'n':>3} {'labels':44} {'FK mean':>7} {'FK max':>6} {'textstat mean/max':>17} "
          f"{'sent':>5} {'numbers':>7} {'missing':>7} {'overclaims':>10} {'s/img':>6}")
    all_fk, all_checked, all_missing, all_over = [], 0, 0, 0
    for name in args.sets.split(","):
        files = sample(name, args.per_set)
        fk, ts, sents, labels = [], [], [], Counter()
        checked = missing = over = 0
        t0 = time.perf_counter()
        for f in files:
            try:
                r = analyze(f)
            except ForgeLensError as exc:
                print(f"  skipped {f.name}: {exc}")
                continue
            s = summary(r)
            fk.append(fk_grade(s))
            if textstat is not None:
                ts.append(textstat.flesch_kincaid_grade(s))
            sents.append(len(re.findall(r"[.!?](?:\s|$)", s)))
            labels[r.verdict.label] += 1
            n, miss = faithfulness.cited_numbers(r)
            checked += n
            missing += len(miss)
            for m in miss:
                print(f"  NOT IN REPORT {f.name}: {m}")
            o = faithfulness.overclaims(r)
            over += len(o)
            for x in o:
                print(f"  OVERCLAIM {f.name}: {x}")
        sec = (time.perf_counter() - t0) / max(1, len(fk))
        lab = ", ".join(f"{k} {v}" for k, v in sorted(labels.items()))
        tss = f"{statistics.mean(ts):.1f}/{max(ts):.1f}" if ts else "n/a"
        print(f"{name:16} {len(fk):>3} {lab:44} {statistics.mean(fk):>7.1f} {max(fk):>6.1f} {tss:>17} "
              f"{min(sents)}–{max(sents):<3} {checked:>7} {missing:>7} {over:>10} {sec:>6.1f}", flush=True)
        all_fk += fk
        all_checked += checked
        all_missing += missing
        all_over += over
    print(f"{'all':16} {len(all_fk):>3} {'':44} {statistics.mean(all_fk):>7.1f} {max(all_fk):>6.1f} "
          f"{'':>17} {'':>5} {all_checked:>7} {all_missing:>7} {all_over:>10}")


if __name__ == "__main__":
    main()
