"""Rule 3 of the s10ghost ship rule (issue 14, session 10): full-analysis verdicts on the shared forgery sets with
JPEG history (casia1-samples, nist16, toolkit-samples), main's jpeg_ghost versus each candidate's, everything else
equal.

Per picture, ``jpeg_ghost`` is run with main's options and with each candidate's (the difference curves are shared).
Where a candidate's trace equals main's (heatmap, reliability, score and findings), the fused verdict is the same by
construction: nothing else in the analysis changed. The whole default analysis is run (once, its traces pickled in
``--cache``) only for pictures where some candidate's trace differs, and for the authentic pictures (their false
alarms are counted); the candidate's trace is swapped in and the verdict re-decided through
``pipeline.verdict_for`` (the one place that fuses).

    PYTHONPATH=src python benchmarks/studies/ghost_history_verdicts.py --cache DIR \\
        --config M:require_minimum=true --config H:history_test=true [--result rows.json]

("main" is the defaults: on the shipped code pass the old behaviour as a candidate, ``--config off:history_test=false``;
``require_minimum`` exists only at commit a7968b8, where the command above was run.) Prints per set and candidate: pictures, ghost traces that differ from main's, verdicts changed (listed below with
main → candidate, the ghost's score both ways and P(manipulated)), false alarms (label manipulated or generated) on
the authentic pictures, main → candidate.
"""

from __future__ import annotations

import argparse
import csv
import json
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ghost_history import _memo_differences, parse_configs  # noqa: E402

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
SETS = ("casia1-samples", "nist16", "toolkit-samples")
FALSE_ALARM = {"manipulated", "generated"}


def pictures(data: Path):
    for s in SETS:
        with open(data / s / "index.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                yield s, row["image"], row["label"]


def same(a, b) -> bool:
    return (a.score == b.score and np.array_equal(np.asarray(a.heatmap), np.asarray(b.heatmap))
            and np.array_equal(np.asarray(a.reliability), np.asarray(b.reliability))
            and [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings])


def main_traces(path: Path, cache: Path, key: str):
    """The default analysis' traces and verdict label (pickled once per picture)."""
    from forgelens.pipeline import analyze

    dest = cache / (key + ".pkl")
    if dest.exists():
        with open(dest, "rb") as fh:
            return pickle.load(fh)
    rep = analyze(str(path))
    rec = {"traces": rep.traces, "verdict": rep.verdict.label}
    with open(dest.with_suffix(".tmp"), "wb") as fh:
        pickle.dump(rec, fh)
    dest.with_suffix(".tmp").rename(dest)
    return rec


def run(data: Path, cache: Path, configs: dict, result: Path | None) -> None:
    from forgelens.detectors import registry
    from forgelens.errors import ForgeLensError
    from forgelens.evidence import load
    from forgelens.pipeline import _ANALYSIS_LIMITS, verdict_for

    cache.mkdir(parents=True, exist_ok=True)
    info = registry.get("jpeg_ghost")
    cfg_main = info.make_config({})
    cfgs = {n: info.make_config(o) for n, o in configs.items()}
    rows = []
    nf = lambda t: sum(f.kind == "jpeg_ghost" for f in t.findings)  # noqa: E731
    for s, image, label in pictures(data):
        path = data / s / image
        key = f"{s}__{image.replace('/', '__')}"
        try:
            ev = load(str(path), limits=_ANALYSIS_LIMITS)
        except ForgeLensError as e:
            print(f"{s}/{image}: {e}", file=sys.stderr)
            continue
        g_main = registry.run("jpeg_ghost", ev, cfg_main)
        g = {n: registry.run("jpeg_ghost", ev, c) for n, c in cfgs.items()}
        differs = {n: not same(g_main, t) for n, t in g.items()}
        row = {"set": s, "image": image, "label": label, "ghost_main": g_main.score, "find_main": nf(g_main)}
        if any(differs.values()) or label == "authentic":
            rec = main_traces(path, cache, key)
            traces = rec["traces"]
            i = next(j for j, t in enumerate(traces) if t.name == "jpeg_ghost")
            row["pickled_ghost_equal"] = same(traces[i], g_main)
            v_main = verdict_for(ev, traces)
            row["recorded"], row["main"] = rec["verdict"], v_main.label
            row["pm_main"] = (v_main.probabilities or {}).get("manipulated")
            for n, t in g.items():
                v = verdict_for(ev, traces[:i] + [t] + traces[i + 1:]) if differs[n] else v_main
                row[f"{n}_verdict"], row[f"{n}_pm"] = v.label, (v.probabilities or {}).get("manipulated")
        for n, t in g.items():
            row[f"{n}_differs"], row[f"{n}_ghost"], row[f"{n}_find"] = differs[n], t.score, nf(t)
        rows.append(row)
        print(f"{s}/{image}: " + " ".join(f"{n}:{'≠' if d else '='}" for n, d in differs.items()), flush=True)
    if result:
        result.write_text(json.dumps(rows, indent=0, default=float))
    report(rows, list(configs))


def report(rows, names) -> None:
    print("\n| set | candidate | pictures | ghost trace differs | ghost findings main → cand | verdicts changed "
          "| authentic | false alarms main → cand |")
    print("|---|---|---|---|---|---|---|---|")
    for s in SETS:
        r = [x for x in rows if x["set"] == s]
        a = [x for x in r if x["label"] == "authentic"]
        for n in names:
            changed = [x for x in r if "main" in x and x["main"] != x[f"{n}_verdict"]]
            print(f"| {s} | {n} | {len(r)} | {sum(x[f'{n}_differs'] for x in r)} | "
                  f"{sum(x['find_main'] > 0 for x in r)} → {sum(x[f'{n}_find'] > 0 for x in r)} | {len(changed)} | "
                  f"{len(a)} | {sum(x['main'] in FALSE_ALARM for x in a)} → "
                  f"{sum(x[f'{n}_verdict'] in FALSE_ALARM for x in a)} |")
    checked = [x for x in rows if "main" in x]
    print(f"\nsanity: {len(checked)} fully analysed; main re-decided = recorded on "
          f"{sum(x['main'] == x['recorded'] for x in checked)}; pickled ghost = fresh main ghost on "
          f"{sum(x['pickled_ghost_equal'] for x in checked)}")
    for n in names:
        for x in rows:
            if "main" in x and x["main"] != x[f"{n}_verdict"]:
                print(f"{n} changed: {x['set']}/{x['image']} ({x['label']}): {x['main']} → {x[f'{n}_verdict']}; "
                      f"ghost score {x['ghost_main']:.2f} → {x[f'{n}_ghost']:.2f}; P(manipulated) "
                      f"{x['pm_main']} → {x[f'{n}_pm']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, required=True, help="folder of the pickled default analyses")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--config", action="append", default=[], help="candidate NAME:opt=v,opt=v")
    ap.add_argument("--result", type=Path, help="write the per-picture rows (JSON) here")
    a = ap.parse_args()
    _memo_differences()
    run(a.data, a.cache, parse_configs(a.config), a.result)


if __name__ == "__main__":
    main()
