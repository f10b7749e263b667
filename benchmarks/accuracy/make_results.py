"""Regenerate benchmarks/RESULTS.md: every registered detector x every shared dataset, and the
robustness sweep of the default analysis.

    python benchmarks/accuracy/make_results.py                 # the published table (subsampled, see below)
    python benchmarks/accuracy/make_results.py --limit 0       # every image (slow: hours on 2 cores)

Runs ``forgelens.bench.run_bench`` (the code behind ``forgelens bench``) with its cache in
benchmarks/out/results/, so a rerun only recomputes images whose detector changed. Native
resolution throughout; subsampling is "the first N images of each label in index.csv order" and
the table says N per dataset.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]  # benchmarks/
REPO = HERE.parent

#: First N images per label, per dataset (chosen so the whole table takes minutes on 2 cores;
#: the camera and web-photo sets are 2.5-3.7 MP per image on average, hence fewer).
LIMITS = {
    "nist16": 20,
    "casia1-samples": 20,
    "casia2-samples": 17,
    "toolkit-samples": 8,
    "gan-examples": 6,
    "cameras": 3,
    "aigen-sd12": 8,
    "pristine-extra": 10,
    "aigen-playground": 4,
}
#: Image-level pairings for sets without authentic images (rows labelled as paired).
PAIRINGS = {
    "nist16": ["pristine-extra"],
    "casia2-samples": ["pristine-extra"],
    "aigen-sd12": ["cameras"],
}
SWEEP_DATASET = "casia1-samples"
SWEEP_LIMIT = 10


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="override every per-dataset limit (0 = all images)")
    ap.add_argument("--limits", default="", help="per-dataset overrides, e.g. nist16=6,cameras=1")
    ap.add_argument("--workers", "-j", type=int, default=0)
    ap.add_argument("--out", type=Path, default=HERE / "out" / "results")
    ap.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument("--no-sweep", action="store_true", help="skip the robustness sweep")
    ap.add_argument("--sweep-limit", type=int, default=SWEEP_LIMIT, help="images per label in the sweep")
    ap.add_argument("--datasets", default="", help="comma-separated subset of the shared datasets")
    args = ap.parse_args()

    sys.path.insert(0, str(REPO / "src"))
    from forgelens import __version__
    from forgelens.bench import datasets as bds
    from forgelens.bench import expand_detectors, perturb, run_bench
    from forgelens.bench.metrics import IMAGE_METRICS, PIXEL_METRICS
    from forgelens.bench.tables import METRIC_TITLES, Summary, markdown_skipped, markdown_wide
    from forgelens.detectors import registry

    root = REPO.parent / "shared" / "datasets"
    if not root.is_dir():
        root = bds.default_root()
    if root is None or not Path(root).is_dir():
        print("shared datasets absent: nothing to benchmark", file=sys.stderr)
        return 1
    found = bds.find_datasets(root)
    known = [d.name for d in found]
    wanted = [s for s in args.datasets.split(",") if s]
    overrides: dict[str, int] = {}
    try:  # a typo must stop here, before RESULTS.md is overwritten
        for name in wanted:
            if name not in known:
                raise ValueError(f"--datasets: no dataset {name!r} under {root}; known: {', '.join(known)}")
        for kv in (kv for kv in args.limits.split(",") if kv):
            name, sep, value = kv.partition("=")
            if not sep or not value.strip().isdigit():
                raise ValueError(f"--limits: expected NAME=N (N a whole number, 0 = all), got {kv!r}")
            if name not in known:
                raise ValueError(f"--limits: no dataset {name!r} under {root}; known: {', '.join(known)}")
            overrides[name] = int(value)
    except ValueError as exc:
        print(f"make_results.py: {exc}", file=sys.stderr)
        return 2
    found = [d for d in found if not wanted or d.name in wanted]
    detectors = expand_detectors("all")
    t0 = time.time()

    summaries: list[tuple[str, Summary, dict]] = []
    subsets = []
    for ds in found:
        limit = LIMITS.get(ds.name, 10) if args.limit is None else args.limit
        limit = overrides.get(ds.name, limit)
        sub = ds.subset(limit or None)
        subsets.append((ds, sub, limit))
    print(f"main table: {len(detectors)} detectors on {len(subsets)} datasets "
          f"({sum(len(s.items) for _, s, _ in subsets)} images)", file=sys.stderr)
    main_res = run_bench([s for _, s, _ in subsets], detectors, "none", args.out / "main", workers=args.workers,
                         pairings={k: [n for n in v if n in {d.name for d, _, _ in subsets}]
                                   for k, v in PAIRINGS.items() if k in {d.name for d, _, _ in subsets}},
                         plots=True)
    summaries.append(("main", main_res.summary, main_res.timing))
    sweep_res = None
    if not args.no_sweep and any(d.name == SWEEP_DATASET for d, _, _ in subsets):
        sds = next(d for d, _, _ in subsets if d.name == SWEEP_DATASET).subset(args.sweep_limit)
        print(f"robustness sweep: default on {SWEEP_DATASET} ({len(sds.items)} images) x {len(perturb.SWEEP)}",
              file=sys.stderr)
        sweep_res = run_bench([sds], "default,baseline_size", list(perturb.SWEEP), args.out / "sweep",
                              workers=args.workers, plots=True)
    elapsed = time.time() - t0

    # ------------------------------------------------------------------ write RESULTS.md
    s = main_res.summary
    info = registry.available()
    order = ["default"] + [n for n in info if info[n].default] + [n for n in info if not info[n].default]
    fam = {n: info[n].family for n in info}
    L: list[str] = []
    L.append("# forgelens — benchmark results\n")
    L.append(f"Generated by `python benchmarks/accuracy/make_results.py` on {time.strftime('%Y-%m-%d %H:%M')} — forgelens "
             f"{__version__}, commit {_git_commit()}, {elapsed / 60:.1f} min on this machine. Do not edit by hand: "
             "regenerate whenever a detector changes.\n")
    L.append("**Read every figure with its count (n, in brackets).** These sets are small samples of public "
             "benchmarks; differences of a few hundredths are noise at these counts. Datasets are never pooled.\n")
    L.append("Conventions (defined once in `forgelens.bench.metrics`, checked against scikit-learn):\n")
    L.append("- Native resolution, no resizing. Pixel metrics are computed per manipulated image with a mask and then "
             "averaged; authentic images never enter them. F1@0.5 / IoU@0.5 / MCC@0.5 threshold the map at 0.5; "
             "*best-thr F1* uses the best threshold per image (an oracle upper bound); *inverted* = max(F1(map), "
             "F1(1−map)), the TruFor / CAT-Net convention — shown for comparison with papers, never our headline. "
             "Pixel AUC is undefined for single-class masks (those images are left out of its n).")
    L.append("- Image metrics use the raw scores: image AUC, balanced accuracy at 0.5, TPR at 5 % FPR (coarse with "
             "few authentic images), average precision. Positive class = manipulated or generated. A dataset without "
             "authentic images says so instead of a number.")
    L.append("- `default` = the fused verdict of the default analysis (`forgelens analyze`): map = verdict heatmap, "
             "score = 1 − P(authentic) from the verdict's probabilities (P(manipulated) + P(generated)). "
             "Per-model tables: `RESULTS-learned.md` (localizer), `RESULTS-generation.md` (generated images). Detectors that are part of it take their trace from that "
             "same analysis. Detectors of family *generation* score P(generated), so their numbers on manipulation "
             "sets mean little; *baseline_* rows are trivial references (brightness, format, saturation, size / "
             "centre prior), not detectors — a detector that does not beat them on a set has shown nothing there.")
    L.append("- Masks of a different size from their image are resized with nearest-neighbour (recorded); masks "
             "with another aspect ratio are refused and counted below.\n")
    L.append("## Datasets and subsampling\n")
    L.append("| dataset | manipulated | authentic | generated | used here |")
    L.append("|---|---|---|---|---|")
    for ds, sub, limit in subsets:
        c, cs = ds.counts(), sub.counts()
        used = (f"first {limit} per label: {cs['manipulated']} / {cs['authentic']} / {cs['generated']}"
                if limit and len(sub.items) < len(ds.items) else "all")
        L.append(f"| {ds.name} | {c['manipulated']} | {c['authentic']} | {c['generated']} | {used} |")
    L.append("")
    for ds, sub, _ in subsets:
        dets = [d for d in order if s.value(ds.name, d, "none", "image_auc") is not None]
        L.append(f"## {ds.name}\n")
        cs = sub.counts()
        L.append(f"{cs['manipulated']} manipulated ({sum(1 for i in sub.items if i.mask)} with masks), "
                 f"{cs['authentic']} authentic, {cs['generated']} generated.\n")
        if cs["manipulated"] and any(i.mask for i in sub.items):
            L.append("Pixel level (mean over manipulated images):\n")
            tbl = markdown_wide(s, ds.name, "none", PIXEL_METRICS, dets)
            L.append(_add_family(tbl, fam))
        L.append("Image level:\n")
        L.append(_add_family(markdown_wide(s, ds.name, "none", IMAGE_METRICS, dets), fam))
        for pos, negs in PAIRINGS.items():
            if pos == ds.name:
                for neg in negs:
                    name = f"{pos} + authentic from {neg}"
                    if any(r.dataset == name for r in s.rows):
                        L.append(f"Image level, **paired**: {pos}'s images as positives, the authentic images of "
                                 f"{neg} (used subset) as negatives. Different sources, cameras and compression: a "
                                 "source cue can separate them, see the baseline rows.\n")
                        L.append(_add_family(markdown_wide(s, name, "none", IMAGE_METRICS, dets), fam))
    if sweep_res is not None:
        ss = sweep_res.summary
        L.append(f"## Robustness: default analysis on {SWEEP_DATASET} (first {args.sweep_limit} per label)\n")
        L.append("Each perturbation is applied to the file before analysis (`forgelens.bench.perturb`); masks follow "
                 "resizes (nearest). `baseline_size` (centre prior) beside it.\n")
        mets = ("pixel_auc", "best_f1", "f1", "image_auc", "balanced_accuracy")
        L.append("| perturbation | detector | " + " | ".join(METRIC_TITLES[m] for m in mets) + " |")
        L.append("|---" * (len(mets) + 2) + "|")
        for p in perturb.SWEEP:
            for d in ("default", "baseline_size"):
                cells = []
                for m in mets:
                    r = ss.value(SWEEP_DATASET, d, p, m)
                    cells.append("" if r is None or r.value is None else f"{r.value:.3f} ({r.n})")
                L.append(f"| {p} | {d} | " + " | ".join(cells) + " |")
        L.append("")
    L.append("## Skipped images\n")
    L.append("Bad input or failures, per dataset / detector / perturbation (an unreadable file, a mask missing or "
             "refused, a detector that raised). Their absence is reflected in n above.\n")
    L.append(markdown_skipped(s, "bad"))
    if sweep_res is not None:
        L.append(markdown_skipped(sweep_res.summary, "bad"))
    L.append("## Coverage\n")
    L.append("Images on which a detector gave no map or no score (not applicable, e.g. a JPEG method on a PNG, or a "
             "method that only scores), per dataset / detector (no perturbation):\n")
    L.append(markdown_skipped(s, "coverage"))
    L.append("## Harness overhead\n")
    t = main_res.timing
    if t.get("harness_overhead") is not None:
        L.append(f"Main table: {t['images_fresh']} images computed, {t['images_cached']} from cache; per image "
                 f"{t['total']:.2f} s in the worker, of which detectors {t['detectors']:.2f} s and fusion "
                 f"{t['fusion'] or 0:.3f} s; the harness itself (read, perturb, load, mask, metrics) "
                 f"{t['harness_overhead']:.3f} s per image (mean {t['megapixels_mean']:.2f} MP).\n")
    else:
        L.append("All images came from the cache in this run (no fresh timing).\n")
    L.append(f"Plots (ROC curves, bars, robustness curves): `{args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}/*/plots/`"
             " (not committed).\n")
    args.results.write_text("\n".join(L) + "\n")
    print(f"wrote {args.results} in {elapsed:.0f} s", file=sys.stderr)
    return 0


def _add_family(table: str, fam: dict[str, str]) -> str:
    """Append the detector's family to its name in a wide table."""
    out = []
    for line in table.splitlines():
        if line.startswith("| ") and not line.startswith("| detector") and not line.startswith("|---"):
            name = line[2:].split(" |", 1)[0]
            if name in fam:
                line = line.replace(f"| {name} |", f"| {name} ({fam[name]}) |", 1)
            elif name == "default":
                line = line.replace("| default |", "| **default** (fused) |", 1)
        out.append(line)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
