"""Per-image records → metric rows → JSON, CSV and Markdown.

Every row is one figure: ``metric, value, n, dataset, detector, perturbation,
level, note, tool_version``. ``n`` is the number of images the figure averages
(pixel level: manipulated images with a usable mask and a map; image level:
images with a score, both classes). Datasets are never pooled; a paired
dataset (e.g. nist16's manipulated images with authentic images from another
folder) is a row of its own whose name says so.

Skipped images are counted per (dataset, detector, perturbation) and reason,
and printed under the tables.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from forgelens import __version__
from forgelens.bench.metrics import IMAGE_METRICS, PIXEL_METRICS, image_scores, nanmean
from forgelens.bench.records import DetectorResult, ImageRecord

METRIC_TITLES = {
    "f1": "F1@0.5",
    "best_f1": "best-thr F1",
    "f1_inverted": "F1@0.5 inverted",
    "best_f1_inverted": "best-thr F1 inverted",
    "pixel_auc": "pixel AUC",
    "iou": "IoU@0.5",
    "mcc": "MCC@0.5",
    "image_auc": "image AUC",
    "balanced_accuracy": "bal. acc@0.5",
    "tpr_at_5fpr": "TPR@5%FPR",
    "average_precision": "AP",
}


@dataclass
class Row:
    metric: str
    value: float | None
    n: int
    dataset: str
    detector: str
    perturbation: str
    level: str  # "pixel" | "image"
    note: str = ""
    tool_version: str = __version__


@dataclass
class Summary:
    rows: list[Row] = field(default_factory=list)
    #: (dataset, detector, perturbation) → {reason: count}
    skipped: dict[tuple[str, str, str], dict[str, int]] = field(default_factory=dict)
    #: (dataset, detector, perturbation) → counts of images by label
    counts: dict[tuple[str, str, str], dict[str, int]] = field(default_factory=dict)

    def value(self, dataset: str, detector: str, perturbation: str, metric: str) -> Row | None:
        for r in self.rows:
            if (r.dataset, r.detector, r.perturbation, r.metric) == (dataset, detector, perturbation, metric):
                return r
        return None


def _groups(records: list[ImageRecord]) -> dict[tuple[str, str, str], list[tuple[ImageRecord, DetectorResult | None]]]:
    """(dataset, detector, perturbation) → [(record, detector result or None for a failed image)]."""
    detectors = sorted({d for r in records for d in r.detectors})
    out: dict[tuple[str, str, str], list[tuple[ImageRecord, DetectorResult | None]]] = {}
    for r in records:
        names = detectors if r.error else list(r.detectors)
        for d in names:
            out.setdefault((r.dataset, d, r.perturbation), []).append((r, r.detectors.get(d)))
    return out


def _image_rows(ds: str, det: str, pert: str, items: list[tuple[int, float | None]], note: str) -> list[Row]:
    scored = [(y, s) for y, s in items if s is not None]
    y = np.array([a for a, _ in scored], dtype=bool)
    s = np.array([b for _, b in scored], dtype=np.float64)
    vals = image_scores(y, s) if len(scored) else dict.fromkeys(IMAGE_METRICS)
    rows = []
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not scored:
        missing = "no image-level score"
    elif n_neg == 0:
        missing = "no authentic images"
    else:
        missing = "no manipulated/generated images" if n_pos == 0 else ""
    for m in IMAGE_METRICS:
        v = vals[m]
        extra = missing if v is None else f"{n_pos} positive / {n_neg} authentic"
        rows.append(Row(m, v, len(scored), ds, det, pert, "image", "; ".join(x for x in (note, extra) if x)))
    return rows


def aggregate(records: list[ImageRecord], pairings: dict[str, list[str]] | None = None) -> Summary:
    """Metric rows for every (dataset, detector, perturbation); ``pairings`` adds paired image-level rows.

    ``pairings = {"nist16": ["pristine-extra"]}`` adds rows for the dataset
    ``"nist16 + authentic from pristine-extra"``: positives from nist16, the
    authentic images of pristine-extra as negatives (image level only).
    """
    summary = Summary()
    groups = _groups(records)
    for (ds, det, pert), pairs in sorted(groups.items()):
        skipped: Counter[str] = Counter()
        counts: Counter[str] = Counter(r.label for r, _ in pairs)
        per_metric: dict[str, list[float | None]] = {m: [] for m in PIXEL_METRICS}
        scores: list[tuple[int, float | None]] = []
        for r, e in pairs:
            if r.error or e is None:
                skipped[r.reason or "failed"] += 1
                continue
            if e.error:
                skipped["detector error"] += 1
            elif e.score is None:
                skipped["no score" if e.applicable else "not applicable (no score)"] += 1
            scores.append((int(r.positive), e.score))
            if r.label == "manipulated":
                if e.pixel is None:
                    if e.pixel_reason and not e.error:
                        skipped[f"pixel: {e.pixel_reason}"] += 1
                    continue
                for m in PIXEL_METRICS:
                    per_metric[m].append(e.pixel.get(m))
        if counts.get("manipulated"):
            for m in PIXEL_METRICS:
                v, n = nanmean(per_metric[m])
                note = ""
                if m == "pixel_auc" and n < len(per_metric[m]):
                    note = f"{len(per_metric[m]) - n} single-class masks have no AUC"
                if n == 0:
                    note = "no map on any manipulated image with a usable mask"
                summary.rows.append(Row(m, v, n, ds, det, pert, "pixel", note))
        summary.rows += _image_rows(ds, det, pert, scores, "")
        summary.skipped[(ds, det, pert)] = dict(skipped)
        summary.counts[(ds, det, pert)] = dict(counts)

    for pos_ds, neg_list in (pairings or {}).items():
        for neg_ds in neg_list:
            name = f"{pos_ds} + authentic from {neg_ds}"
            for (ds, det, pert), pairs in sorted(groups.items()):
                if ds != pos_ds:
                    continue
                negs = groups.get((neg_ds, det, pert), [])
                items = [(1, e.score) for r, e in pairs if e and not r.error and r.positive]
                items += [(0, e.score) for r, e in negs if e and not r.error and not r.positive]
                note = f"paired: positives from {pos_ds}, authentic from {neg_ds} (different sources)"
                summary.rows += _image_rows(name, det, pert, items, note)
    return summary


# --------------------------------------------------------------------------- writers


def fmt(v: float | None, note: str = "") -> str:
    if v is None:
        return note.split(";")[-1].strip() if note else "—"
    return f"{v:.3f}"


def write_json(summary: Summary, path: Path, extra: dict[str, Any] | None = None) -> None:
    data = {
        "tool_version": __version__,
        "rows": [asdict(r) for r in summary.rows],
        "skipped": [{"dataset": k[0], "detector": k[1], "perturbation": k[2], "reasons": v}
                    for k, v in summary.skipped.items() if v],
        "counts": [{"dataset": k[0], "detector": k[1], "perturbation": k[2], **v} for k, v in summary.counts.items()],
        **(extra or {}),
    }
    path.write_text(json.dumps(data, indent=1))


def write_csv(summary: Summary, path: Path) -> None:
    cols = [f.name for f in Row.__dataclass_fields__.values()]
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for r in summary.rows:
            d = asdict(r)
            d["value"] = "" if r.value is None else f"{r.value:.6g}"
            w.writerow(d)


def markdown_long(summary: Summary) -> str:
    """The full table, one figure per line (metric, value, n, dataset, detector, perturbation, version)."""
    lines = ["| metric | value | n | dataset | detector | perturbation | tool version |",
             "|---|---|---|---|---|---|---|"]
    for r in summary.rows:
        lines.append(f"| {METRIC_TITLES.get(r.metric, r.metric)} | {fmt(r.value, r.note)} | {r.n} | {r.dataset} "
                     f"| {r.detector} | {r.perturbation} | {r.tool_version} |")
    return "\n".join(lines) + "\n"


def markdown_wide(summary: Summary, dataset: str, perturbation: str, metrics: tuple[str, ...],
                  detectors: list[str] | None = None) -> str:
    """One dataset × perturbation: a row per detector, a column per metric, each cell "value (n)".

    Detectors without a single figure are listed under the table with the reason
    (e.g. "no authentic images", "no map") instead of filling a row with blanks.
    """
    dets = detectors or sorted({r.detector for r in summary.rows if r.dataset == dataset and r.perturbation == perturbation})
    head = "| detector | " + " | ".join(METRIC_TITLES.get(m, m) for m in metrics) + " |"
    lines = [head, "|---" * (len(metrics) + 1) + "|"]
    empty: dict[str, list[str]] = {}
    for d in dets:
        rows = [summary.value(dataset, d, perturbation, m) for m in metrics]
        if all(r is None for r in rows):
            continue
        if all(r is None or r.value is None for r in rows):
            why = next((r.note.split(";")[-1].strip() for r in rows if r is not None and r.note), "no figure")
            empty.setdefault(why, []).append(d)
            continue
        cells = ["—" if r is None or r.value is None else f"{r.value:.3f} ({r.n})" for r in rows]
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n" if len(lines) > 2 else ""
    for why, names in empty.items():
        text += f"\n{why}: {', '.join(names)}.\n"
    return text


#: Reasons that mean bad input or a failure (as opposed to a detector that does not apply / gives no map).
BAD_INPUT_PREFIXES = ("image", "file", "internal", "failed", "pixel: mask", "detector error")


def is_bad_input(reason: str) -> bool:
    return reason.startswith(BAD_INPUT_PREFIXES)


def markdown_skipped(summary: Summary, which: str = "all") -> str:
    """Skipped images per (dataset, detector, perturbation) and reason.

    ``which``: "all", "bad" (unreadable files, unusable masks, detector errors) or
    "coverage" (not applicable, no map, no score).
    """
    lines = []
    for (ds, det, pert), reasons in sorted(summary.skipped.items()):
        keep = {k: n for k, n in reasons.items()
                if which == "all" or (which == "bad") == is_bad_input(k)}
        if keep:
            why = ", ".join(f"{n} {k}" for k, n in sorted(keep.items()))
            lines.append(f"- {ds} / {det} / {pert}: {why}")
    return ("\n".join(lines) + "\n") if lines else "- none\n"


def write_markdown(summary: Summary, path: Path, title: str = "forgelens bench", preface: str = "",
                   order: list[str] | None = None) -> None:
    """results.md: a section per dataset x perturbation (perturbations in ``order``, the order asked for, when
    given), the skipped images, and every figure in one long table."""
    parts = [f"# {title}\n", f"forgelens {__version__}. Pixel metrics: mean over manipulated images with a mask "
             "(per image, then averaged). Image metrics: from raw scores. Each figure with its count n.\n"]
    if preface:
        parts.append(preface + "\n")
    rank = {p: i for i, p in enumerate(order or [])}
    keys = sorted({(r.dataset, r.perturbation) for r in summary.rows},
                  key=lambda k: (k[0], rank.get(k[1], len(rank)), k[1]))
    for ds, pert in keys:
        parts.append(f"## {ds} — {pert}\n")
        has_pixel = any(r.level == "pixel" and r.dataset == ds and r.perturbation == pert for r in summary.rows)
        if has_pixel:
            parts.append(markdown_wide(summary, ds, pert, PIXEL_METRICS))
            parts.append("")
        parts.append(markdown_wide(summary, ds, pert, IMAGE_METRICS))
    parts.append("## Skipped or partly scored images\n")
    parts.append(markdown_skipped(summary))
    parts.append("## All figures\n")
    parts.append(markdown_long(summary))
    path.write_text("\n".join(parts))


def run_preface(extra: dict[str, Any] | None) -> str:
    """What a run covered, for the top of results.md: each dataset's images (all, or the first N of each label, with
    the whole set's counts) and each detector's version (its cache key: name, configuration, source hash, forgelens
    version; the same key as in per_image.jsonl)."""
    extra = extra or {}
    lines = []
    for d in extra.get("datasets", []):
        c, w = d.get("counts", {}), d.get("counts_whole") or d.get("counts", {})
        labels = ("manipulated", "authentic", "generated")
        used = ", ".join(f"{c.get(k, 0)} {k}" for k in labels)
        lim = d.get("limit_per_label")
        if lim and any(c.get(k, 0) != w.get(k, 0) for k in labels):
            whole = ", ".join(str(w.get(k, 0)) for k in labels)
            lines.append(f"- Images, {d['name']}: the first {lim} image{'s' if lim != 1 else ''} of each label: "
                         f"{used} (of {whole}).")
        else:
            lines.append(f"- Images, {d['name']}: all: {used}.")
    keys = extra.get("detector_keys") or {}
    if keys:
        lines.append("- Detector versions (cache key: name, configuration, source hash, forgelens version): "
                     + ", ".join(f"{k} {v}" for k, v in keys.items()) + ".")
    return "\n".join(lines)


def write_all(summary: Summary, out: Path, extra: dict[str, Any] | None = None) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "results.json", "csv": out / "results.csv", "md": out / "results.md"}
    write_json(summary, paths["json"], extra)
    write_csv(summary, paths["csv"])
    write_markdown(summary, paths["md"], preface=run_preface(extra), order=(extra or {}).get("perturbations"))
    return paths
