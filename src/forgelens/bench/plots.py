"""Matplotlib plots of a benchmark: ROC curves, per-dataset bars, robustness curves (PNG).

Nothing here computes a metric: ROC points come from ``metrics.curve`` and
bar / curve heights from the aggregated rows, so a plot shows exactly the
figures of the tables.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from forgelens.bench.metrics import curve
from forgelens.bench.records import ImageRecord
from forgelens.bench.tables import METRIC_TITLES, Summary


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", s).strip("_")


def roc_curves(records: list[ImageRecord], out: Path) -> list[Path]:
    """One PNG per (dataset, perturbation) with both classes: a ROC curve per detector."""
    plt = _plt()
    written = []
    keys = sorted({(r.dataset, r.perturbation) for r in records})
    for ds, pert in keys:
        recs = [r for r in records if r.dataset == ds and r.perturbation == pert and not r.error]
        dets = sorted({d for r in recs for d in r.detectors})
        fig, ax = plt.subplots(figsize=(5, 5))
        drawn = 0
        for d in dets:
            pairs = [(r.positive, r.detectors[d].score) for r in recs if d in r.detectors]
            pairs = [(y, s) for y, s in pairs if s is not None]
            y = np.array([p[0] for p in pairs], dtype=bool)
            if not (y.any() and (~y).any()):
                continue
            c = curve(np.array([p[1] for p in pairs]), y)
            tpr = np.r_[0, c.tps] / c.n_pos
            fpr = np.r_[0, c.fps] / c.n_neg
            auc = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2)
            ax.plot(fpr, tpr, drawstyle="default", label=f"{d} (AUC {auc:.2f}, n={len(pairs)})")
            drawn += 1
        if drawn:
            ax.plot([0, 1], [0, 1], color="0.7", lw=0.8, ls="--")
            ax.set(xlabel="false positive rate", ylabel="true positive rate", title=f"ROC — {ds} — {pert}",
                   xlim=(0, 1), ylim=(0, 1.01))
            ax.legend(fontsize=7, loc="lower right")
            p = out / f"roc_{_slug(ds)}_{_slug(pert)}.png"
            fig.savefig(p, dpi=110, bbox_inches="tight")
            written.append(p)
        plt.close(fig)
    return written


def bars(summary: Summary, out: Path, metrics: tuple[str, ...] = ("pixel_auc", "best_f1", "f1", "image_auc"),
         perturbation: str = "none") -> list[Path]:
    """Per metric: grouped bars, datasets on x, one bar per detector (n printed above each)."""
    plt = _plt()
    written = []
    for m in metrics:
        rows = [r for r in summary.rows if r.metric == m and r.perturbation == perturbation and r.value is not None]
        if not rows:
            continue
        dss = sorted({r.dataset for r in rows})
        dets = sorted({r.detector for r in rows})
        width = 0.8 / len(dets)
        fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(dss) * max(1, len(dets) / 3)), 4))
        for j, d in enumerate(dets):
            xs, hs, ns = [], [], []
            for i, ds in enumerate(dss):
                r = next((r for r in rows if r.dataset == ds and r.detector == d), None)
                if r is not None:
                    xs.append(i + (j - (len(dets) - 1) / 2) * width)
                    hs.append(r.value)
                    ns.append(r.n)
            b = ax.bar(xs, hs, width, label=d)
            for rect, n in zip(b, ns, strict=True):
                ax.annotate(str(n), (rect.get_x() + rect.get_width() / 2, rect.get_height()), ha="center",
                            va="bottom", fontsize=6)
        ax.set_xticks(range(len(dss)), dss, rotation=20, ha="right", fontsize=8)
        ax.set(ylabel=METRIC_TITLES.get(m, m), ylim=(0, 1.05), title=f"{METRIC_TITLES.get(m, m)} — {perturbation}")
        ax.legend(fontsize=7, ncol=2)
        p = out / f"bars_{_slug(m)}_{_slug(perturbation)}.png"
        fig.savefig(p, dpi=110, bbox_inches="tight")
        plt.close(fig)
        written.append(p)
    return written


def robustness(summary: Summary, out: Path, metrics: tuple[str, ...] = ("pixel_auc", "best_f1", "image_auc"),
               order: list[str] | None = None) -> list[Path]:
    """Per (dataset, metric): metric against perturbation, a line per detector."""
    plt = _plt()
    written = []
    perts = order or sorted({r.perturbation for r in summary.rows})
    if len(perts) < 2:
        return written
    for ds in sorted({r.dataset for r in summary.rows}):
        for m in metrics:
            rows = [r for r in summary.rows if r.dataset == ds and r.metric == m and r.value is not None]
            if len({r.perturbation for r in rows}) < 2:
                continue
            fig, ax = plt.subplots(figsize=(7, 3.8))
            for d in sorted({r.detector for r in rows}):
                ys = []
                for p in perts:
                    r = next((r for r in rows if r.detector == d and r.perturbation == p), None)
                    ys.append(np.nan if r is None else r.value)
                ax.plot(range(len(perts)), ys, marker="o", label=d)
            ax.set_xticks(range(len(perts)), perts, rotation=30, ha="right", fontsize=8)
            ax.set(ylabel=METRIC_TITLES.get(m, m), ylim=(0, 1.02), title=f"robustness — {ds}")
            ax.legend(fontsize=7)
            p = out / f"robustness_{_slug(ds)}_{_slug(m)}.png"
            fig.savefig(p, dpi=110, bbox_inches="tight")
            plt.close(fig)
            written.append(p)
    return written


def plot_all(records: list[ImageRecord], summary: Summary, out: Path, order: list[str] | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    perts = order or list(dict.fromkeys(r.perturbation for r in records))
    written = roc_curves(records, out)
    written += bars(summary, out, perturbation=perts[0] if perts else "none")
    written += robustness(summary, out, order=perts)
    return written
