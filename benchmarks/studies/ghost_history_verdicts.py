"""Rule 3 of the s10ghost ship rule: full-analysis verdicts on the shared forgery sets with JPEG history,
main's jpeg_ghost versus a candidate's, everything else equal (issue 14, session 10).

Phase ``main`` runs the whole default analysis once per picture (casia1-samples, nist16, toolkit-samples) and
pickles its traces; phase ``compare`` re-runs only ``jpeg_ghost`` with the candidate's options, swaps that
trace in and re-decides through ``pipeline.verdict_for`` (the one place that fuses), so the two verdicts differ
only by the ghost. Main's verdict is also re-decided from the pickled traces (it must equal the recorded one).

    PYTHONPATH=<main snapshot>/src python benchmarks/studies/ghost_history_verdicts.py main --out DIR
    PYTHONPATH=src python benchmarks/studies/ghost_history_verdicts.py compare --out DIR --option history_test=true

Prints per set: pictures, verdicts changed (listed with main → candidate and the ghost's score both ways),
false alarms (label ``manipulated`` or ``generated``) on the authentic pictures, main vs candidate.
"""

from __future__ import annotations

import argparse
import csv
import json
import pickle
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
SETS = ("casia1-samples", "nist16", "toolkit-samples")


def pictures(data: Path):
    for s in SETS:
        with open(data / s / "index.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                yield s, row["image"], row["label"]


def key(s: str, image: str) -> str:
    return f"{s}__{image.replace('/', '__')}"


def run_main(data: Path, out: Path) -> None:
    from forgelens.errors import ForgeLensError
    from forgelens.pipeline import analyze

    out.mkdir(parents=True, exist_ok=True)
    for s, image, label in pictures(data):
        dest = out / (key(s, image) + ".pkl")
        if dest.exists():
            continue
        try:
            rep = analyze(str(data / s / image))
        except ForgeLensError as e:
            print(f"{s}/{image}: {e}", file=sys.stderr)
            continue
        rec = {"set": s, "image": image, "label": label, "traces": rep.traces,
               "verdict": rep.verdict.label, "p": rep.verdict.probabilities}
        with open(dest.with_suffix(".tmp"), "wb") as fh:
            pickle.dump(rec, fh)
        dest.with_suffix(".tmp").rename(dest)
        print(f"{s}/{image}: {rep.verdict.label}", flush=True)


def run_compare(data: Path, out: Path, options: dict[str, str], result: Path | None) -> None:
    from forgelens.detectors import registry
    from forgelens.evidence import load
    from forgelens.pipeline import _ANALYSIS_LIMITS, verdict_for

    info = registry.get("jpeg_ghost")
    cfg = info.make_config(options)
    rows = []
    for s, image, label in pictures(data):
        src = out / (key(s, image) + ".pkl")
        if not src.exists():
            continue
        with open(src, "rb") as fh:
            rec = pickle.load(fh)
        ev = load(str(data / s / image), limits=_ANALYSIS_LIMITS)
        traces = rec["traces"]
        i = next(j for j, t in enumerate(traces) if t.name == "jpeg_ghost")
        old = traces[i]
        v_main = verdict_for(ev, traces)
        new = registry.run("jpeg_ghost", ev, cfg)
        v_cand = verdict_for(ev, traces[:i] + [new] + traces[i + 1:])
        nf = lambda t: sum(f.kind == "jpeg_ghost" for f in t.findings)  # noqa: E731
        rows.append({"set": s, "image": image, "label": label, "recorded": rec["verdict"],
                     "main": v_main.label, "cand": v_cand.label,
                     "ghost_main": old.score, "ghost_cand": new.score,
                     "find_main": nf(old), "find_cand": nf(new),
                     "pm_main": (v_main.probabilities or {}).get("manipulated"),
                     "pm_cand": (v_cand.probabilities or {}).get("manipulated")})
    if result:
        result.write_text(json.dumps(rows, indent=1, default=float))
    fa = {"manipulated", "generated"}
    print(f"candidate options: {options}")
    print("| set | pictures | main re-decided = recorded | verdicts changed | ghost findings main → cand "
          "| authentic | false alarms main → cand |")
    print("|---|---|---|---|---|---|---|")
    for s in SETS:
        r = [x for x in rows if x["set"] == s]
        a = [x for x in r if x["label"] == "authentic"]
        print(f"| {s} | {len(r)} | {sum(x['main'] == x['recorded'] for x in r)} | "
              f"{sum(x['main'] != x['cand'] for x in r)} | {sum(x['find_main'] > 0 for x in r)} → "
              f"{sum(x['find_cand'] > 0 for x in r)} | {len(a)} | {sum(x['main'] in fa for x in a)} → "
              f"{sum(x['cand'] in fa for x in a)} |")
    for x in rows:
        if x["main"] != x["cand"]:
            print(f"changed: {x['set']}/{x['image']} ({x['label']}): {x['main']} → {x['cand']}; ghost score "
                  f"{x['ghost_main']:.2f} → {x['ghost_cand']:.2f}; P(manipulated) {x['pm_main']} → {x['pm_cand']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("phase", choices=["main", "compare"])
    ap.add_argument("--out", type=Path, required=True, help="folder of the pickled main traces")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--option", action="append", default=[], help="jpeg_ghost option name=value (compare)")
    ap.add_argument("--result", type=Path, help="write the per-picture rows here (compare)")
    a = ap.parse_args()
    if a.phase == "main":
        run_main(a.data, a.out)
    else:
        run_compare(a.data, a.out, dict(o.split("=", 1) for o in a.option), a.result)


if __name__ == "__main__":
    main()
