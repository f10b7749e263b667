"""Method-level speed candidates on pictures above 2 MP: each variant vs main, everything else equal (issue 16).

Every picture above ``--min-pixels`` of the given sets is analysed once with main's configuration
(``pipeline.analyze`` with ``MAIN``: the defaults before session 9). Then the detectors a variant changes are run again on the same
``Evidence`` with that variant's options, their traces replace main's and the verdict is fused again
(``fusion.fuse`` + the not-applicable check, the steps ``analyze`` ends with) — everything else equal
by construction. A variant made of several candidates reuses the single candidates' traces (a
detector's trace depends on its own options only), so singles cost one fusion each.

Per picture and variant it keeps the pixel scores on pictures with a mask (per-picture F1 of the fused
binary mask ``verdict.mask``, pixel AUC of the fused map, and each changed detector's own map: pixel
AUC and F1 at 0.5; ``bench.metrics``, exact), the verdict (label, probabilities) and each changed
detector's seconds (wall and CPU of the thread around its ``registry.run``; main's are the wall seconds
inside ``analyze``).

Candidates (session 9 brief, declared by the lead 15:15 UTC; docs/notes/issue-16.md):
``G4`` jpeg_ghost sweeps in steps of 4 above 2 MP; ``C15`` copymove_sift's view ≤ 1.5 MP above 2 MP.

    python benchmarks/studies/large_picture_speed.py run --out /work/caches/s9/speed \\
        --set fullsize-val=/work/caches/s7full/data/fullsize-val ... [--shard 0/2]
    python benchmarks/studies/large_picture_speed.py table --out /work/caches/s9/speed --list

Rows go to ``OUT/rows-<shard>.jsonl`` (resumable: a picture already there is skipped).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from localizer_resolution import _auc, pixel_scores, rows_done, todo_list  # noqa: E402  (the harness this one generalises)

#: single candidates: {name: {detector: options}}
CANDIDATES = {"G4": {"jpeg_ghost": {"large_q_step": 4}},
              "C15": {"copymove_sift": {"large_max_pixels": 1.5e6}},
              "C2": {"copymove_sift": {"large_max_pixels": 2.0e6}}}
#: main: the configuration before session 9 (explicit, since G4 is the shipped default now)
MAIN = {"jpeg_ghost": {"large_q_step": 2}, "copymove_sift": {"large_max_pixels": 3.0e6}}
#: variants: the candidates they combine (main = none)
VARIANTS = {"main": (), "G4+C15": ("G4", "C15"), "G4": ("G4",), "C15": ("C15",), "G4+C2": ("G4", "C2"), "C2": ("C2",)}


def run(args) -> None:
    from forgelens.bench.datasets import read_mask
    from forgelens.detectors import registry
    from forgelens.evidence import load
    from forgelens.pipeline import Report, analyze, verdict_for

    shard, nshards = (int(x) for x in args.shard.split("/"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows_path = out / f"rows-{shard}.jsonl"
    done = rows_done(rows_path)
    variants = {v: VARIANTS[v] for v in args.variants.split(",")}
    needed = {c for cands in variants.values() for c in cands}
    todo = todo_list(args.set, args.min_pixels)[shard::nshards]
    print(f"shard {shard}/{nshards}: {len(todo)} pictures, {len(done)} done", flush=True)
    for name, folder, r in todo:
        if (name, r["image"]) in done:
            continue
        t0 = time.time()
        ev = load(folder / r["image"])
        gt = read_mask(folder / r["mask"], ev.shape)[0] if r.get("mask") else None
        has_mask = gt is not None and gt.any() and not gt.all()
        c0 = time.process_time()
        base = analyze(ev, configs=MAIN)
        rec = {"set": name, "image": r["image"], "label": r["label"], "kind": r.get("kind", ""),
               "megapixels": ev.megapixels, "cpu_analysis_main": time.process_time() - c0, "variants": {},
               "seconds_main": {t.name: t.seconds for t in base.traces}, "seconds": {}}
        changed = {}  # candidate -> {detector: trace}
        for cand, opts in CANDIDATES.items():
            if cand not in needed:
                continue
            changed[cand] = {}
            for det, o in opts.items():
                c0, w0 = time.thread_time(), time.perf_counter()
                t = registry.run(det, ev, registry.get(det).make_config(o))
                rec["seconds"][f"{cand}:{det}"] = {"cpu": time.thread_time() - c0, "wall": time.perf_counter() - w0}
                if t.error:
                    raise SystemExit(f"{r['image']}: {cand}: {det} failed: {t.error}")
                changed[cand][det] = t
        for var, cands in variants.items():
            swap = {det: t for c in cands for det, t in changed[c].items()}
            traces = [swap.get(x.name, x) for x in base.traces]
            verdict = verdict_for(ev, traces) if swap else base.verdict
            rep = Report(ev, traces, verdict, {}, [], None)
            v = rep.verdict
            p = v.probabilities or {}
            item = {"label": v.label, "p_authentic": p.get("authentic"), "p_manipulated": p.get("manipulated"),
                    "p_generated": p.get("generated"), "manipulation_score": v.manipulation_score,
                    "scores": {d: rep.trace(d).score for d in {d for c in CANDIDATES.values() for d in c}}}
            if has_mask:
                item.update(pixel_scores(rep, gt, sorted({d for c in CANDIDATES.values() for d in c})))
            rec["variants"][var] = item
        rec["wall_s"] = time.time() - t0
        with open(rows_path, "a") as fh:
            fh.write(json.dumps(rec) + "\n")
        print(f"{name} {r['image']} {ev.megapixels:.1f} MP {rec['wall_s']:.0f} s "
              + " ".join(f"{k}:{x['label'][:4]}/{x.get('fused_f1', float('nan')):.2f}"
                         for k, x in rec["variants"].items()), flush=True)


def table(args) -> None:
    recs = [json.loads(line) for f in sorted(Path(args.out).glob("rows-*.jsonl")) for line in f.read_text().splitlines()]
    variants = [v for v in VARIANTS if all(v in r["variants"] for r in recs)]
    sets = sorted({r["set"] for r in recs})
    dets = sorted({d for c in CANDIDATES.values() for d in c})
    print(f"{len(recs)} pictures above the limit: " + ", ".join(f"{s} {sum(r['set'] == s for r in recs)}" for s in sets))
    print("\n| set | variant | fused mask F1 (mean) | fused pixel AUC | "
          + " | ".join(f"{d} pixel AUC | {d} F1@0.5" for d in dets) + " | n masks |")
    print("|---|---|---|---|" + "---|---|" * len(dets) + "---|")
    for set_ in sets:
        for var in variants:
            px = [r["variants"][var] for r in recs if r["set"] == set_ and "fused_f1" in r["variants"][var]]
            if px:
                own = " | ".join(f"{np.nanmean([x.get(f'{d}_auc', np.nan) for x in px]):.3f} | "
                                 f"{np.nanmean([x.get(f'{d}_f1', np.nan) for x in px]):.3f}" for d in dets)
                print(f"| {set_} | {var} | {np.mean([x['fused_f1'] for x in px]):.3f} "
                      f"| {np.nanmean([x['fused_auc'] for x in px]):.3f} | {own} | {len(px)} |")
    pos, neg = "fullsize-val", "fullsize-val-auth"
    print(f"\n| variant | AUC 1 − P(authentic), {pos} vs {neg} | called manipulated ({pos}) | "
          "false alarms (manip./gen.) on every authentic picture | read authentic | per set (false alarms) |")
    print("|---|---|---|---|---|---|")
    for var in variants:
        fs = [r for r in recs if r["set"] in (pos, neg)]
        y = np.array([r["set"] == pos for r in fs], float)
        s = np.array([1 - (r["variants"][var]["p_authentic"] or 0.0) for r in fs])
        called = sum(r["variants"][var]["label"] == "manipulated" for r in recs if r["set"] == pos)
        n_pos = sum(r["set"] == pos for r in recs)
        aut = [r for r in recs if r["label"] == "authentic"]
        fa = [r for r in aut if r["variants"][var]["label"] in ("manipulated", "generated")]
        read_auth = sum(r["variants"][var]["label"] == "authentic" for r in aut)
        per = ", ".join(f"{s_} {sum(r['set'] == s_ for r in fa)}/{sum(r['set'] == s_ for r in aut)}"
                        for s_ in sets if any(r["set"] == s_ for r in aut))
        print(f"| {var} | {_auc(y, s):.3f} | {called}/{n_pos} | {len(fa)}/{len(aut)} | {read_auth}/{len(aut)} | {per} |")
    print("\nChanged detectors' seconds per MP (median over the pictures; main: wall inside analyze, one thread; "
          "candidates: wall / CPU of the thread):")
    for cand, opts in CANDIDATES.items():
        for det in opts:
            if not all(f"{cand}:{det}" in r["seconds"] for r in recs):
                continue
            m = np.median([r["seconds_main"][det] / r["megapixels"] for r in recs])
            cw = np.median([r["seconds"][f"{cand}:{det}"]["wall"] / r["megapixels"] for r in recs])
            cc = np.median([r["seconds"][f"{cand}:{det}"]["cpu"] / r["megapixels"] for r in recs])
            print(f"- {det}: main {m:.3f} s/MP; {cand} {cw:.3f} wall / {cc:.3f} CPU s/MP")
    if args.list:
        for var in variants:
            fa = [r for r in recs if r["label"] == "authentic"
                  and r["variants"][var]["label"] in ("manipulated", "generated")]
            print(f"{var} false alarms: " + ", ".join(f"{r['set']}:{r['image']} ({r['variants'][var]['label']})"
                                                     for r in fa))
            moved = [r for r in recs if r["variants"][var]["label"] != r["variants"]["main"]["label"]]
            print(f"{var} labels moved from main: " + ", ".join(
                f"{r['set']}:{r['image']} {r['variants']['main']['label']}→{r['variants'][var]['label']}" for r in moved))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("run")
    a.add_argument("--out", required=True)
    a.add_argument("--set", action="append", required=True, help="NAME=FOLDER (with index.csv); repeatable")
    a.add_argument("--variants", default="main,G4+C15,G4,C15", help="comma-separated names of VARIANTS")
    a.add_argument("--min-pixels", type=int, default=2_000_000)
    a.add_argument("--shard", default="0/1", help="i/n: every n-th picture from the i-th")
    b = sub.add_parser("table")
    b.add_argument("--out", required=True)
    b.add_argument("--list", action="store_true", help="name the false alarms and the labels that moved")
    args = ap.parse_args(argv)
    run(args) if args.cmd == "run" else table(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
