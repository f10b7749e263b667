"""Pieces shared by the per-family accuracy scripts (accuracy_*.py): the centre-prior
baseline map, scoring maps against a ground-truth mask, and the image-level table."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def centre_prior(shape: tuple[int, int]) -> np.ndarray:
    """A centred Gaussian (σ = a quarter of each side): "the edit is in the middle"."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.exp(-(((yy - h / 2) / (h / 4)) ** 2 + ((xx - w / 2) / (w / 4)) ** 2) / 2).astype(np.float32)


def usable_mask(out: dict, mask: str, shape: tuple[int, int]) -> np.ndarray | None:
    """The ground-truth mask as bool HxW, or None with ``out["mask_error"]`` saying why it is unusable."""
    from forgelens.bench.datasets import read_mask

    try:
        gt, _ = read_mask(Path(mask), shape)
    except Exception as exc:
        out["mask_error"] = str(exc)
        return None
    if gt.all() or not gt.any():
        out["mask_error"] = "mask all one class"
        return None
    return gt


def score_maps(out: dict, maps: dict[str, np.ndarray], mask: str, shape: tuple[int, int]) -> dict:
    """Add ``<name>_auc`` / ``<name>_f1`` (pixel AUC, best-threshold F1) for every map and for the
    centre-prior and constant baselines; record ``mask_error`` instead when the mask is unusable."""
    from forgelens.bench.metrics import best_f1, pixel_auc

    gt = usable_mask(out, mask, shape)
    if gt is None:
        return out
    maps = {"centre_prior": centre_prior(shape), "constant": np.full(shape, 0.5, np.float32), **maps}
    for name, m in maps.items():
        out[f"{name}_auc"] = float(pixel_auc(m, gt))
        out[f"{name}_f1"] = float(best_f1(m, gt))
    return out


def image_table(rows: list[dict], dataset: str, detectors: tuple[str, ...]) -> str:
    """Image AUC of each detector's score (manipulated vs authentic) beside the pixel-count baseline."""
    from forgelens.bench.metrics import image_auc

    ok = [r for r in rows if "error" not in r]
    y = np.array([r["label"] == "manipulated" for r in ok])
    if y.all() or not y.any():
        return f"(image level: {dataset} has no authentic images)"
    lines = [f"## {dataset}: image level, {int(y.sum())} manipulated vs {int((~y).sum())} authentic",
             f"{'score':<22}{'image AUC':>10}{'called (man/auth)':>20}"]
    for name in detectors:
        s = np.array([r[f"{name}_score"] if r[f"{name}_score"] is not None else 0.0 for r in ok])
        a = image_auc(y, s)
        lines.append(f"{name:<22}{(a if a is not None else float('nan')):>10.3f}"
                     f"{f'{int((s[y] >= 0.5).sum())}/{int((s[~y] >= 0.5).sum())}':>20}")
    a = image_auc(y, np.array([r["pixels"] for r in ok], float))
    lines.append(f"{'baseline: pixel count':<22}{(a if a is not None else float('nan')):>10.3f}")
    return "\n".join(lines)
