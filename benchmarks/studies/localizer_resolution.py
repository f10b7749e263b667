"""The learned localizer's working resolution on pictures above 2 MP: each variant vs native (issue 16).

Every picture above ``--min-pixels`` of the given sets is analysed once with the default detectors
(``pipeline.analyze``); then, for each variant, only the localizer is run again on the same
``Evidence`` with that variant's configuration, its trace replaces the default one and the verdict is
fused again (``fusion.fuse``, the same step ``analyze`` ends with).
Everything else is equal by construction. Per picture and variant it keeps:

- the pixel scores on pictures with a mask: per-picture F1 of the fused binary mask (``verdict.mask``),
  pixel AUC of the fused map (``verdict.heatmap``), the localizer's own map's pixel AUC and F1 at 0.5
  (``bench.metrics``, exact);
- the verdict: label, probabilities, 1 − P(authentic);
- the localizer's seconds (``time.perf_counter`` and CPU time around its ``registry.run``);
- a cache row in the format of ``fit_detection.py extract`` (``training.detection.extract_one``), under
  ``OUT/<variant>/cache/<set>/``, so ``heldout_verdict.py measure`` / ``verdict_accuracy.py`` can read it.

Variants: ``native`` (``max_pixels`` 0: the shipped configuration before session 8), ``R2`` / ``R1``
(``max_pixels`` 2 000 000 / 1 000 000: area-averaged by an integer factor to at most 2 / 1 MP),
``E`` (native resolution, ``even_tiles``).

    python benchmarks/studies/localizer_resolution.py run --out /work/caches/s8/res \\
        --set fullsize-val=/work/caches/s7full/data/fullsize-val ... [--shard 0/2]
    python benchmarks/studies/localizer_resolution.py table --out /work/caches/s8/res

Rows go to ``OUT/rows-<shard>.jsonl`` (resumable: a picture already there is skipped).
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np

VARIANTS = {"native": {"max_pixels": 0}, "R2": {"max_pixels": 2_000_000}, "R1": {"max_pixels": 1_000_000},
            "E": {"max_pixels": 0, "even_tiles": True}}
LOCALIZER = "learned_localizer"


def _pixels_of(path: Path) -> int:
    from PIL import Image

    with Image.open(path) as im:
        return im.size[0] * im.size[1]


def pixel_scores(rep, gt: np.ndarray, detectors: list[str] | None = None) -> dict:
    """Fused mask F1 and map AUC, and each named detector's own map AUC and F1 at 0.5.

    Without ``detectors``, the localizer's, under the keys ``loc_auc`` / ``loc_f1`` this study's rows hold.
    """
    from forgelens.bench.metrics import curve, f1_at, pixel_auc

    v = rep.verdict
    out = {}
    if v.heatmap is not None:
        out["fused_auc"] = pixel_auc(None, None, _curve=curve(v.heatmap, gt))
        out["fused_f1"] = f1_at(v.mask.astype(np.float32), gt)
    keys = {name: name for name in detectors} if detectors is not None else {LOCALIZER: "loc"}
    for name, key in keys.items():
        t = rep.trace(name)
        if t is not None and t.heatmap is not None and t.applicable:
            m = t.pixels(t.heatmap)
            out[f"{key}_auc"] = pixel_auc(None, None, _curve=curve(m, gt))
            out[f"{key}_f1"] = f1_at(m, gt)
    return out


def todo_list(specs: list[str], min_pixels: int) -> list[tuple[str, Path, dict]]:
    """(set name, folder, index row) of every authentic or manipulated picture above ``min_pixels``."""
    todo = []
    for spec in specs:
        name, folder = spec.split("=", 1)
        folder = Path(folder)
        with open(folder / "index.csv", newline="") as fh:
            for r in csv.DictReader(fh):
                if r["label"] in ("manipulated", "authentic") and _pixels_of(folder / r["image"]) > min_pixels:
                    todo.append((name, folder, r))
    return todo


def rows_done(rows_path: Path) -> set[tuple[str, str]]:
    """(set, image) of the rows a shard already wrote: a rerun resumes after them."""
    if not rows_path.exists():
        return set()
    return {(r["set"], r["image"]) for r in map(json.loads, rows_path.read_text().splitlines())}


def run(args) -> None:
    from forgelens.bench.datasets import read_mask
    from forgelens.detectors import registry
    from forgelens.evidence import load
    from forgelens.pipeline import Report, analyze, verdict_for
    from forgelens.training.detection import _key as cache_key
    from forgelens.training.detection import write_cache_row

    shard, nshards = (int(x) for x in args.shard.split("/"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows_path = out / f"rows-{shard}.jsonl"
    done = rows_done(rows_path)
    todo = todo_list(args.set, args.min_pixels)[shard::nshards]
    variants = args.variants.split(",")
    print(f"shard {shard}/{nshards}: {len(todo)} pictures, {len(done)} done", flush=True)
    for name, folder, r in todo:
        if (name, r["image"]) in done:
            continue
        t0 = time.time()
        ev = load(folder / r["image"])
        gt = read_mask(folder / r["mask"], ev.shape)[0] if r.get("mask") else None
        c0 = time.process_time()
        base = analyze(ev)
        cpu_all = time.process_time() - c0
        rec = {"set": name, "image": r["image"], "label": r["label"], "kind": r.get("kind", ""),
               "megapixels": ev.megapixels, "cpu_analysis_native": cpu_all, "variants": {}}
        for var in variants:
            c0, w0 = time.process_time(), time.perf_counter()
            t = registry.run(LOCALIZER, ev, registry.get(LOCALIZER).make_config(VARIANTS[var]))
            cpu, wall = time.process_time() - c0, time.perf_counter() - w0
            if t.error or not t.applicable:
                raise SystemExit(f"{r['image']}: {var}: the localizer failed: {t.error or t.note}")
            traces = [t if x.name == LOCALIZER else x for x in base.traces]
            rep = Report(ev, traces, verdict_for(ev, traces), {"total": base.seconds["total"]}, [], None)
            cdir = out / var / "cache" / name
            cdir.mkdir(parents=True, exist_ok=True)
            write_cache_row(rep, r, cdir / f"{cache_key(r['image'])}.npz")
            v = rep.verdict
            p = v.probabilities or {}
            item = {"label": v.label, "p_authentic": p.get("authentic"), "p_manipulated": p.get("manipulated"),
                    "p_generated": p.get("generated"), "manipulation_score": v.manipulation_score,
                    "loc_cpu_s": cpu, "loc_wall_s": wall, "loc_block": rep.trace(LOCALIZER).block,
                    "loc_score": rep.trace(LOCALIZER).score}
            if gt is not None and gt.any() and not gt.all():
                item.update(pixel_scores(rep, gt))
            rec["variants"][var] = item
        rec["wall_s"] = time.time() - t0
        with open(rows_path, "a") as fh:
            fh.write(json.dumps(rec) + "\n")
        print(f"{name} {r['image']} {ev.megapixels:.1f} MP {rec['wall_s']:.0f} s "
              + " ".join(f"{k}:{x['label'][:4]}/{x.get('fused_f1', float('nan')):.2f}/{x['loc_wall_s']:.1f}s"
                         for k, x in rec["variants"].items()), flush=True)


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s)) if 0 < y.sum() < len(y) else float("nan")


def table(args) -> None:
    recs = [json.loads(line) for f in sorted(Path(args.out).glob("rows-*.jsonl")) for line in f.read_text().splitlines()]
    variants = [v for v in VARIANTS if all(v in r["variants"] for r in recs)]
    sets = sorted({r["set"] for r in recs})
    print(f"{len(recs)} pictures above the limit: " + ", ".join(
        f"{s} {sum(r['set'] == s for r in recs)}" for s in sets))
    print("\n| set | variant | fused mask F1 (mean) | fused pixel AUC | localizer pixel AUC | localizer F1@0.5 | n masks |")
    print("|---|---|---|---|---|---|---|")
    for set_ in sets:
        for var in variants:
            px = [r["variants"][var] for r in recs if r["set"] == set_ and "fused_f1" in r["variants"][var]]
            if px:
                print(f"| {set_} | {var} | {np.mean([x['fused_f1'] for x in px]):.3f} "
                      f"| {np.nanmean([x['fused_auc'] for x in px]):.3f} | {np.nanmean([x['loc_auc'] for x in px]):.3f} "
                      f"| {np.mean([x['loc_f1'] for x in px]):.3f} | {len(px)} |")
    pos, neg = "fullsize-val", "fullsize-val-auth"
    print(f"\n| variant | AUC 1 − P(authentic), {pos} vs {neg} | called manipulated ({pos}) | "
          "false alarms (manip./gen.) on every authentic picture | per set | localizer s/MP (median, wall of one thread) |")
    print("|---|---|---|---|---|---|")
    for var in variants:
        fs = [r for r in recs if r["set"] in (pos, neg)]
        y = np.array([r["set"] == pos for r in fs], float)
        s = np.array([1 - (r["variants"][var]["p_authentic"] or 0.0) for r in fs])
        called = sum(r["variants"][var]["label"] == "manipulated" for r in recs if r["set"] == pos)
        n_pos = sum(r["set"] == pos for r in recs)
        aut = [r for r in recs if r["label"] == "authentic"]
        fa = [r for r in aut if r["variants"][var]["label"] in ("manipulated", "generated")]
        per = ", ".join(f"{s_} {sum(r['set'] == s_ for r in fa)}/{sum(r['set'] == s_ for r in aut)}"
                        for s_ in sets if any(r["set"] == s_ for r in aut))
        cpu = np.median([r["variants"][var]["loc_wall_s"] / r["megapixels"] for r in recs])
        print(f"| {var} | {_auc(y, s):.3f} | {called}/{n_pos} | {len(fa)}/{len(aut)} | {per} | {cpu:.3f} |")
    for var in [v for v in VARIANTS if v not in variants and any(v in r["variants"] for r in recs)]:
        sub = [r for r in recs if var in r["variants"] and "fused_f1" in r["variants"][var]]
        print(f"\n{var} ran on {len(sub)} pictures with a mask only (same pictures, native → {var}): " + ", ".join(
            f"{key} {np.nanmean([r['variants']['native'][key] for r in sub]):.3f} → "
            f"{np.nanmean([r['variants'][var][key] for r in sub]):.3f}"
            for key in ("fused_f1", "fused_auc", "loc_auc", "loc_f1")) + "; called manipulated "
            f"{sum(r['variants']['native']['label'] == 'manipulated' for r in sub)} → "
            f"{sum(r['variants'][var]['label'] == 'manipulated' for r in sub)}; localizer s/MP (median) "
            f"{np.median([r['variants']['native']['loc_wall_s'] / r['megapixels'] for r in sub]):.3f} → "
            f"{np.median([r['variants'][var]['loc_wall_s'] / r['megapixels'] for r in sub]):.3f}")
    if args.list:
        for var in variants:
            fa = [r for r in recs if r["label"] == "authentic"
                  and r["variants"][var]["label"] in ("manipulated", "generated")]
            print(f"{var} false alarms: " + ", ".join(f"{r['set']}:{r['image']} "
                                                     f"({r['variants'][var]['label']})" for r in fa))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("run")
    a.add_argument("--out", required=True)
    a.add_argument("--set", action="append", required=True, help="NAME=FOLDER (with index.csv); repeatable")
    a.add_argument("--variants", default="native,R2,R1,E")
    a.add_argument("--min-pixels", type=int, default=2_000_000)
    a.add_argument("--shard", default="0/1", help="i/n: every n-th picture from the i-th")
    b = sub.add_parser("table")
    b.add_argument("--out", required=True)
    b.add_argument("--list", action="store_true", help="name the false alarms")
    args = ap.parse_args(argv)
    run(args) if args.cmd == "run" else table(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
