"""What each costly default detector adds to the fused result: the verdict with and without it.

Every image is analysed once with the default detectors (``pipeline.analyze``); then the
verdict is fused again (``fusion.fuse``) from the same traces less one detector. Printed per
dataset and per left-out detector: the fused map's pixel AUC and best F1 (mean over images
with a usable mask) and the image AUC of the manipulation probability, beside the centre prior
(pixel) and the pixel count (image) baselines, with counts. A detector that costs much CPU
(``speed.py``) and moves none of these is a candidate to leave out of the default set.

    python benchmarks/studies/speed_ablation.py                                  # casia1, toolkit, nist16 (first 40)
    python benchmarks/studies/speed_ablation.py --sets casia1-samples --limit 20
    python benchmarks/studies/speed_ablation.py --variants --limit 20               # issue 16, session 5

``--variants`` compares the speed changes that move results, on the same images: the default
analysis as it was (cfa in the default set, the localizer's fixed 512-px tiles, called
"before"), cfa left out, the localizer's evenly spread tiles (``even_tiles``), and both (the
default after session 5). Besides the fused map and the image AUC it prints the localizer's own
map (pixel AUC / best F1) and the false alarms: the share of authentic pictures labelled
manipulated.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

DATA = Path(__file__).resolve().parents[3] / "shared" / "datasets"
#: the default detectors that cost most CPU per MP (speed.py at 6 MP) and draw a manipulation map
COSTLY = ("jpeg_grid", "jpeg_ghost", "splicebuster", "copymove_sift", "noise_local", "cfa", "jpeg_adq",
          "resampling", "ela", "noise_median", "noise_wavelet", "median_filter", "learned_localizer")


def _rows(name: str, limit: int) -> list[dict]:
    with open(DATA / name / "index.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["label"] in ("manipulated", "authentic")]
    man = [r for r in rows if r["label"] == "manipulated"][:limit]
    aut = [r for r in rows if r["label"] == "authentic"][:limit]
    return man + aut


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="+", default=["casia1-samples", "toolkit-samples", "nist16"])
    ap.add_argument("--limit", type=int, default=40, help="images per label per set")
    ap.add_argument("--variants", action="store_true", help="before/after of issue 16's fifth session")
    args = ap.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"{DATA} absent")
    if args.variants:
        variants(args.sets, args.limit)
        return

    from forgelens.bench.datasets import read_mask
    from forgelens.bench.metrics import best_f1, centre_prior, pixel_auc
    from forgelens.fusion import fuse
    from forgelens.pipeline import analyze

    print("| set | left out | n masks | fused pixel AUC | fused best F1 | image AUC (n man / aut) |")
    print("|---|---|---|---|---|---|")
    for name in args.sets:
        items = []
        for r in _rows(name, args.limit):
            rep = analyze(DATA / name / r["image"])
            gt = read_mask(DATA / name / r["mask"], rep.evidence.shape)[0] if r["mask"] else None
            if gt is not None and (gt.all() or not gt.any()):
                gt = None  # a mask of one class cannot score a map
            items.append((rep.traces, rep.evidence.shape, r["label"] == "manipulated", gt))
            print(f"  {name}: {r['image']}", file=sys.stderr, flush=True)
        labels = [y for _, _, y, _ in items]
        sizes = [s[0] * s[1] for _, s, _, _ in items]
        n_man, n_aut = sum(labels), len(labels) - sum(labels)
        with_masks = [(s, gt) for _, s, _, gt in items if gt is not None]
        prior = [(pixel_auc(centre_prior(s), gt), best_f1(centre_prior(s), gt)) for s, gt in with_masks]
        size_auc = roc_auc_score(labels, sizes) if n_man and n_aut else float("nan")
        print(f"| {name} | (baselines: centre prior / pixel count) | {len(with_masks)} "
              f"| {np.mean([a for a, _ in prior]):.3f} | {np.mean([f for _, f in prior]):.3f} "
              f"| {size_auc:.3f} ({n_man} / {n_aut}) |")
        for left_out in (None, *COSTLY):
            aucs, f1s, scores = [], [], []
            for traces, shape, _, gt in items:
                v = fuse([t for t in traces if t.name != left_out], shape)
                scores.append(v.manipulation_score or 0.0)
                if gt is not None:
                    heat = v.heatmap if v.heatmap is not None else np.zeros(shape, np.float32)
                    aucs.append(pixel_auc(heat, gt))
                    f1s.append(best_f1(heat, gt))
            img_auc = roc_auc_score(labels, scores) if n_man and n_aut else float("nan")
            print(f"| {name} | {left_out or '(none: full default)'} | {len(aucs)} | {np.mean(aucs):.3f} "
                  f"| {np.mean(f1s):.3f} | {img_auc:.3f} ({n_man} / {n_aut}) |", flush=True)


def _mean(x: list[float]) -> str:
    return f"{np.mean(x):.3f}" if x else "n/a"


def variants(sets: list[str], limit: int) -> None:
    """Before/after table of the session-5 changes that move results (see the module docstring)."""
    from forgelens.bench.datasets import read_mask
    from forgelens.bench.metrics import best_f1, centre_prior, pixel_auc
    from forgelens.detectors import registry
    from forgelens.evidence import load
    from forgelens.fusion import fuse
    from forgelens.pipeline import analyze

    before_names = sorted({*registry.default_names(), "cfa"})
    old_tiles = {"learned_localizer": {"even_tiles": False}}
    even_cfg = registry.get("learned_localizer").make_config({"even_tiles": True})
    rows = ("before", "cfa left out", "localizer even tiles", "both (after)")
    print("| set | variant | n masks | fused pixel AUC | fused best F1 | localizer pixel AUC | localizer best F1 "
          "| image AUC (n man / aut) | false alarms (authentic labelled manipulated) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in sets:
        items = []
        for r in _rows(name, limit):
            ev = load(DATA / name / r["image"])
            rep = analyze(ev, detectors=before_names, configs=old_tiles)
            even = registry.run("learned_localizer", ev, even_cfg)
            gt = read_mask(DATA / name / r["mask"], ev.shape)[0] if r["mask"] else None
            if gt is not None and (gt.all() or not gt.any()):
                gt = None
            old_traces = rep.traces
            new_traces = [even if t.name == "learned_localizer" else t for t in old_traces]
            traces = {"before": old_traces, "cfa left out": [t for t in old_traces if t.name != "cfa"],
                      "localizer even tiles": new_traces, "both (after)": [t for t in new_traces if t.name != "cfa"]}
            items.append((traces, ev.shape, r["label"] == "manipulated", gt))
            print(f"  {name}: {r['image']}", file=sys.stderr, flush=True)
        labels = [y for _, _, y, _ in items]
        n_man, n_aut = sum(labels), len(labels) - sum(labels)
        with_masks = [(s, gt) for _, s, _, gt in items if gt is not None]
        prior = [(pixel_auc(centre_prior(s), gt), best_f1(centre_prior(s), gt)) for s, gt in with_masks]
        sizes = [s[0] * s[1] for _, s, _, _ in items]
        size_auc = roc_auc_score(labels, sizes) if n_man and n_aut else float("nan")
        if prior:
            print(f"| {name} | baselines: centre prior / pixel count | {len(with_masks)} | {np.mean([a for a, _ in prior]):.3f} "
                  f"| {np.mean([f for _, f in prior]):.3f} | | | {size_auc:.3f} ({n_man} / {n_aut}) | |")
        for row in rows:
            aucs, f1s, laucs, lf1s, scores, alarms = [], [], [], [], [], []
            for traces, shape, manipulated, gt in items:
                v = fuse(traces[row], shape)
                scores.append(v.manipulation_score or 0.0)
                if not manipulated:
                    alarms.append(v.label == "manipulated")
                if gt is not None:
                    heat = v.heatmap if v.heatmap is not None else np.zeros(shape, np.float32)
                    aucs.append(pixel_auc(heat, gt))
                    f1s.append(best_f1(heat, gt))
                    loc = next(t for t in traces[row] if t.name == "learned_localizer")
                    lmap = loc.pixels(loc.heatmap)
                    laucs.append(pixel_auc(lmap, gt))
                    lf1s.append(best_f1(lmap, gt))
            img_auc = roc_auc_score(labels, scores) if n_man and n_aut else float("nan")
            fa = f"{sum(alarms)} / {len(alarms)}" if alarms else "n/a"
            print(f"| {name} | {row} | {len(aucs)} | {_mean(aucs)} | {_mean(f1s)} | {_mean(laucs)} | {_mean(lf1s)} "
                  f"| {img_auc:.3f} ({n_man} / {n_aut}) | {fa} |", flush=True)


if __name__ == "__main__":
    main()
