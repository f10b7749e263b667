"""Robustness of ``learned_localizer`` to JPEG recompression and downscaling, old vs new weights.

For each manipulated image (first ``--limit`` with a mask) of casia1-samples
and the held-out synth test (other seed AND camera models never used in
training), the file is perturbed with ``forgelens.bench.perturb`` (the same
transforms as ``forgelens bench --perturb``): JPEG at quality 95 / 85 / 75 /
65 / 50 and resize (bicubic, saved as PNG) by 1 / 0.9 / 0.75 / 0.6 / 0.5; the
mask is read at the perturbed size (nearest). Maps compared on the same
images: the learned localizer (shipped weights), the same detector with
``--old-weights`` (column ``learned_old``), ELA (the best training-free
localizer on these sets) and the centred-blob prior. Printed: mean pixel AUC
and best-F1 per perturbation, with counts; written: a PNG plot (``--plot``).

    python benchmarks/studies/robustness_learned.py --old-weights OLD.safetensors --limit 20 \
        --plot benchmarks/robustness_learned.png
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from forgelens.bench.metrics import centre_prior

ROOT = Path(__file__).resolve().parents[3] / "shared" / "datasets"
JPEG = ("none", "jpeg:95", "jpeg:85", "jpeg:75", "jpeg:65", "jpeg:50")
RESIZE = ("none", "resize:0.9", "resize:0.75", "resize:0.6", "resize:0.5")
MAPS = ("learned_localizer", "learned_old", "ela", "centre_prior")


def _pixels(trace):
    """A trace's heatmap at the picture's resolution (block methods keep their block grid)."""
    return trace.pixels(trace.heatmap)


def _one(args: tuple[str, str, str, str, tuple[str, ...]]) -> list[dict]:
    import warnings

    warnings.filterwarnings("ignore")
    from forgelens.bench.datasets import read_mask
    from forgelens.bench.metrics import pixel_scores
    from forgelens.bench.perturb import parse_one
    from forgelens.detectors import registry
    from forgelens.evidence import load

    dataset, image, mask, old_weights, perturbs = args
    data = Path(image).read_bytes()
    rows = []
    for spec in perturbs:
        ev = load(parse_one(spec).apply(data))
        gt, _ = read_mask(Path(mask), ev.shape)
        if gt.all() or not gt.any():
            continue
        maps = {"learned_localizer": registry.run("learned_localizer", ev).heatmap,
                "ela": _pixels(registry.run("ela", ev)), "centre_prior": centre_prior(ev.shape)}
        if old_weights:
            cfg = registry.get("learned_localizer").make_config({"weights_path": old_weights})
            maps["learned_old"] = registry.run("learned_localizer", ev, cfg).heatmap
        row = {"dataset": dataset, "image": image, "perturb": spec}
        for name, m in maps.items():
            s = pixel_scores(m if m is not None else np.zeros(ev.shape, np.float32), gt)
            row[f"{name}_auc"], row[f"{name}_f1"] = s.pixel_auc, s.best_f1
        rows.append(row)
    return rows


def _items(folder: Path, limit: int) -> list[tuple[str, str]]:
    with open(folder / "index.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["label"] == "manipulated" and r["mask"]]
    return [(str(folder / r["image"]), str(folder / r["mask"])) for r in rows[:limit or None]]


def table(rows: list[dict], dataset: str, perturbs: tuple[str, ...], maps: tuple[str, ...], what: str = "") -> str:
    lines = [f"\n## {dataset}{what}: mean pixel AUC / best-F1 per perturbation",
             "| perturbation | n | " + " | ".join(maps) + " |", "|---|---|" + "---|" * len(maps)]
    for p in perturbs:
        rs = [r for r in rows if r["dataset"] == dataset and r["perturb"] == p]
        cells = []
        for m in maps:
            a = [r[f"{m}_auc"] for r in rs if r.get(f"{m}_auc") is not None]
            f = [r[f"{m}_f1"] for r in rs if r.get(f"{m}_f1") is not None]
            cells.append(f"{np.nanmean(a):.3f} / {np.nanmean(f):.3f}" if a else "-")
        lines.append(f"| {p} | {len(rs)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(rows: list[dict], datasets: list[str], maps: tuple[str, ...], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(datasets), 2, figsize=(8, 2.8 * len(datasets)), squeeze=False)
    for i, ds in enumerate(datasets):
        for j, (sweep, xs, xlabel) in enumerate(((JPEG, [100, 95, 85, 75, 65, 50], "JPEG quality (100 = original)"),
                                                 (RESIZE, [1, 0.9, 0.75, 0.6, 0.5], "resize factor"))):
            ax = axes[i][j]
            for m in maps:
                ys = [np.nanmean([r[f"{m}_auc"] for r in rows if r["dataset"] == ds and r["perturb"] == p
                                  and r.get(f"{m}_auc") is not None] or [np.nan]) for p in sweep]
                ax.plot(xs, ys, marker="o", label=m)
            ax.set_title(f"{ds}", fontsize=9)
            ax.set_xlabel(xlabel, fontsize=8)
            ax.set_ylabel("pixel AUC", fontsize=8)
            ax.invert_xaxis()
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=70)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synth-test", default="/work/synth-train/test")
    ap.add_argument("--limit", type=int, default=20, help="first N manipulated images per dataset")
    ap.add_argument("--old-weights", default="")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--plot", default="", help="PNG to write")
    ap.add_argument("--json", default=str(Path(__file__).resolve().parents[1] / "out" / "learned" / "robustness.json"))
    args = ap.parse_args()
    sets = [("casia1-samples", ROOT / "casia1-samples")]
    if args.synth_test:
        sets.append(("synth-test", Path(args.synth_test)))
    sets = [(n, f) for n, f in sets if (f / "index.csv").is_file()]
    perturbs = tuple(dict.fromkeys(JPEG + RESIZE))
    jobs = [(n, img, mask, args.old_weights, perturbs) for n, f in sets for img, mask in _items(f, args.limit)]
    t0 = time.time()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        rows = [r for rs in ex.map(_one, jobs) for r in rs]
    maps = tuple(m for m in MAPS if m != "learned_old" or args.old_weights)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(rows))
    for n, _ in sets:
        print(table(rows, n, JPEG, maps, ", JPEG"))
        print(table(rows, n, RESIZE[1:], maps, ", resize (none = the first row above)"))
    print(f"\n({len(jobs)} images x {len(perturbs)} perturbations in {time.time() - t0:.0f} s)")
    if args.plot:
        plot(rows, [n for n, _ in sets], maps, Path(args.plot))


if __name__ == "__main__":
    main()
