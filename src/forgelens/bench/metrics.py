"""Benchmark metrics, each defined once and checked against scikit-learn in the tests.

Pixel level (localisation)
    Computed **per manipulated image, then averaged** over the manipulated
    images of a dataset. Authentic images never enter a pixel average (their
    ground truth is empty, so F1 is 0 or undefined whatever the detector does).
    The map is the detector's float heatmap in [0, 1], higher = more suspicious;
    the ground truth is a boolean mask (``True`` = manipulated).

    ``f1_at``             F1 of ``map >= 0.5`` (fixed threshold, no tuning).
    ``best_f1``           F1 at the best threshold *for that image* (an oracle
                          threshold: an upper bound, not a deployable figure).
    ``f1_inverted_at`` /  max(F1(map), F1(1 - map)): the "inverted" convention
    ``best_f1_inverted``  used in the TruFor and CAT-Net papers, which forgives a
                          detector that paints the authentic region instead of
                          the forged one. Always named "inverted" in tables.
    ``pixel_auc``         ROC AUC of the map against the mask (undefined — NaN —
                          when the mask is all-zero or all-one).
    ``iou_at`` / ``mcc_at``  IoU (Jaccard) and Matthews correlation of ``map >= 0.5``.

    ``boundary_exclusion`` gives the optional TruFor-scorer ground truth: the
    positives are the mask eroded by a 15x15 square, the negatives are the
    complement of the mask dilated by an 11x11 square, and the band between
    them is ignored (an imprecise mask edge then neither helps nor hurts).

Image level (detection)
    ``image_auc`` (ROC AUC from the raw scores — never thresholded first),
    ``balanced_accuracy_at`` (at 0.5), ``tpr_at_fpr`` (TPR at 5 % FPR) and
    ``average_precision``. They need both classes; each returns ``None`` when
    one class is absent, and the tables then say "no authentic images" (or "no
    manipulated images") instead of printing a number.

Trivial baseline
    ``centre_prior(shape)``: the one centre-prior map every benchmark uses
    beside the detectors ("the edit is in the middle").

Conventions match scikit-learn's: F1, IoU are 0 when their denominator is 0
(``zero_division=0``); MCC is 0 when its denominator is 0; the F1 / ROC curves
use ``score >= threshold`` as the positive prediction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import ndimage

#: The fixed threshold for F1 / IoU / MCC (and balanced accuracy at image level).
THRESHOLD = 0.5

# --------------------------------------------------------------------------- trivial baseline


def centre_prior(shape: tuple[int, int]) -> np.ndarray:
    """A centred Gaussian map, sigma = a quarter of each side, peak 1 at the image centre (float32).

    The trivial "the edit is in the middle" reference shown beside every
    detector's pixel scores; it carries no forensic information. The centre is
    the middle of the pixel grid, ((H - 1) / 2, (W - 1) / 2), so the map is
    symmetric.

    >>> m = centre_prior((3, 5))
    >>> m.shape, float(m[1, 2]), bool(m[0, 0] == m[2, 4])
    ((3, 5), 1.0, True)
    """
    h, w = shape
    y = (np.arange(h, dtype=np.float32) - (h - 1) / 2) / max(h / 4, 1)
    x = (np.arange(w, dtype=np.float32) - (w - 1) / 2) / max(w / 4, 1)
    return np.exp(-0.5 * (y[:, None] ** 2 + x[None, :] ** 2)).astype(np.float32)


# --------------------------------------------------------------------------- pixel level


def _valid(gt: np.ndarray, valid: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    gt = np.asarray(gt, dtype=bool)
    return gt, (None if valid is None else np.asarray(valid, dtype=bool))


def confusion_at(
    heatmap: np.ndarray, gt: np.ndarray, threshold: float = THRESHOLD, valid: np.ndarray | None = None
) -> tuple[int, int, int, int]:
    """TP, FP, FN, TN of ``heatmap >= threshold`` against ``gt`` (over ``valid`` pixels only)."""
    gt, valid = _valid(gt, valid)
    pred = np.asarray(heatmap) >= threshold
    if valid is not None:
        pred, gt = pred[valid], gt[valid]
    tp = int(np.count_nonzero(pred & gt))
    fp = int(np.count_nonzero(pred & ~gt))
    fn = int(np.count_nonzero(~pred & gt))
    tn = int(pred.size - tp - fp - fn)
    return tp, fp, fn, tn


def _f1(tp, fp, fn):
    """F1 = 2TP / (2TP + FP + FN), 0 where the denominator is 0 (vectorised)."""
    tp, fp, fn = (np.asarray(a, dtype=np.float64) for a in (tp, fp, fn))
    den = 2 * tp + fp + fn
    return np.where(den > 0, 2 * tp / np.maximum(den, 1), 0.0)


def f1_at(heatmap, gt, threshold: float = THRESHOLD, valid=None) -> float:
    """F1 of the binary prediction ``heatmap >= threshold``.

    Parameters
    ----------
    heatmap : (H, W) float array in [0, 1], higher = more suspicious.
    gt : (H, W) bool array, True = manipulated.
    threshold : float, default 0.5.
    valid : (H, W) bool array, optional. Pixels to score (see ``boundary_exclusion``).

    Returns
    -------
    float
        2TP / (2TP + FP + FN); 0 when that denominator is 0 (scikit-learn's
        ``f1_score(..., zero_division=0)``).
    """
    tp, fp, fn, _ = confusion_at(heatmap, gt, threshold, valid)
    return float(_f1(tp, fp, fn))


def f1_inverted_at(heatmap, gt, threshold: float = THRESHOLD, valid=None) -> float:
    """The "inverted" F1: max(F1(map >= t), F1((1 - map) >= t)).

    Notes
    -----
    The convention of the TruFor (Guillaro et al., CVPR 2023) and CAT-Net
    (Kwon et al., IJCV 2022) evaluations. It credits a detector that marks the
    *authentic* part of a splice, which is legitimate when the detector only
    tells two regions apart, but it inflates scores; tables always name it.
    """
    return max(f1_at(heatmap, gt, threshold, valid), f1_at(1.0 - np.asarray(heatmap), gt, threshold, valid))


def iou_at(heatmap, gt, threshold: float = THRESHOLD, valid=None) -> float:
    """Intersection over union (Jaccard) of ``heatmap >= threshold`` and ``gt``; 0 if both empty."""
    tp, fp, fn, _ = confusion_at(heatmap, gt, threshold, valid)
    den = tp + fp + fn
    return tp / den if den else 0.0


def mcc_at(heatmap, gt, threshold: float = THRESHOLD, valid=None) -> float:
    """Matthews correlation coefficient of ``heatmap >= threshold`` against ``gt``.

    Returns 0 when the denominator is 0 (a constant prediction or a
    single-class mask), as ``sklearn.metrics.matthews_corrcoef`` does.
    """
    tp, fp, fn, tn = (float(v) for v in confusion_at(heatmap, gt, threshold, valid))
    den = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    return float((tp * tn - fp * fn) / np.sqrt(den)) if den > 0 else 0.0


@dataclass(frozen=True)
class Curve:
    """Counts at every distinct threshold of a map (descending), as in a ROC / PR curve.

    ``tps[i]``, ``fps[i]`` = positives / negatives with ``score >= thresholds[i]``.
    """

    thresholds: np.ndarray
    tps: np.ndarray
    fps: np.ndarray
    n_pos: int
    n_neg: int


def curve(scores, gt, valid=None) -> Curve:
    """TP / FP counts at every distinct threshold (descending), from value sorts only.

    The positives' and negatives' scores are sorted separately; the counts at a
    threshold v are found by binary search (#scores >= v). Exact, and several
    times faster than an argsort of the whole map.
    """
    gt, valid = _valid(gt, valid)
    s = np.asarray(scores)
    if not np.issubdtype(s.dtype, np.floating):
        s = s.astype(np.float64)
    if valid is not None:
        s, gt = s[valid], gt[valid]
    s, gt = s.ravel(), gt.ravel()
    pos = np.sort(s[gt])
    neg = np.sort(s[~gt])
    merged = np.sort(np.concatenate([pos, neg]), kind="stable")  # two sorted runs: a merge
    if merged.size == 0:
        empty = np.array([], dtype=np.int64)
        return Curve(merged, empty, empty, 0, 0)
    distinct = merged[np.r_[merged[1:] != merged[:-1], True]][::-1]
    tps = pos.size - np.searchsorted(pos, distinct, side="left")
    fps = neg.size - np.searchsorted(neg, distinct, side="left")
    return Curve(distinct, tps.astype(np.int64), fps.astype(np.int64), int(pos.size), int(neg.size))


def best_f1(heatmap, gt, valid=None, *, _curve: Curve | None = None) -> float:
    """F1 at the best threshold for this image: max over t of F1(map >= t).

    An oracle figure (the threshold is chosen with the ground truth); reported
    beside ``f1_at`` so the gap between the two shows how much a fixed
    threshold costs. Predicting nothing (F1 = 0) is among the candidates.
    """
    c = _curve if _curve is not None else curve(heatmap, gt, valid)
    if c.tps.size == 0:
        return 0.0
    return float(_f1(c.tps, c.fps, c.n_pos - c.tps).max())


def best_f1_inverted(heatmap, gt, valid=None, *, _curve: Curve | None = None) -> float:
    """max(best_f1(map), best_f1(1 - map)) — the "inverted" best-threshold F1 (TruFor / CAT-Net).

    Notes
    -----
    ``1 - map >= t`` selects ``map <= 1 - t``: the complements of the sets
    ``map >= v`` of the same curve, so no second sort is needed.
    """
    c = _curve if _curve is not None else curve(heatmap, gt, valid)
    if c.tps.size == 0:
        return 0.0
    # {map <= v_i} = complement of {map >= v_{i-1}}; for i = 0 that is everything.
    tp_prev = np.r_[0, c.tps[:-1]]
    fp_prev = np.r_[0, c.fps[:-1]]
    tp_inv = c.n_pos - tp_prev
    fp_inv = c.n_neg - fp_prev
    inv = _f1(tp_inv, fp_inv, c.n_pos - tp_inv).max()
    return float(max(best_f1(None, None, _curve=c), inv))


def pixel_auc(heatmap, gt, valid=None, *, _curve: Curve | None = None) -> float:
    """ROC AUC of the map against the mask (ties count half); NaN if the mask is single-class."""
    c = _curve if _curve is not None else curve(heatmap, gt, valid)
    if c.n_pos == 0 or c.n_neg == 0:
        return float("nan")
    tpr = np.r_[0, c.tps] / c.n_pos
    fpr = np.r_[0, c.fps] / c.n_neg
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2)  # trapezoids: ties count half


def boundary_exclusion(gt, erode: int = 15, dilate: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """TruFor-scorer ground truth that ignores a band around the mask edge.

    Parameters
    ----------
    gt : (H, W) bool mask.
    erode : int, default 15. Side of the square structuring element for the positives.
    dilate : int, default 11. Side of the square for the negatives.

    Returns
    -------
    gt_pos : bool mask of positives (``gt`` eroded).
    valid : bool mask of scored pixels (eroded positives ∪ complement of the dilated mask).

    Notes
    -----
    Masks drawn by hand are imprecise at the edge; the band between the eroded
    and the dilated mask counts for neither class (Guillaro et al., TruFor,
    CVPR 2023, evaluation code description).
    """
    gt = np.asarray(gt, dtype=bool)
    pos = ndimage.minimum_filter(gt, size=erode, mode="nearest") if erode > 1 else gt
    neg = ~(ndimage.maximum_filter(gt, size=dilate, mode="nearest") if dilate > 1 else gt)
    return pos, pos | neg


#: Pixel metric names, in table order.
PIXEL_METRICS = ("f1", "best_f1", "f1_inverted", "best_f1_inverted", "pixel_auc", "iou", "mcc")


@dataclass(frozen=True)
class PixelScores:
    """All pixel metrics of one image (one sort shared by the threshold-free ones)."""

    f1: float
    best_f1: float
    f1_inverted: float
    best_f1_inverted: float
    pixel_auc: float
    iou: float
    mcc: float

    def to_dict(self) -> dict[str, float | None]:
        return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in asdict(self).items()}


def pixel_scores(heatmap, gt, *, boundary: bool = False, threshold: float = THRESHOLD) -> PixelScores:
    """Every pixel metric of one manipulated image.

    ``boundary=True`` scores against ``boundary_exclusion(gt)`` instead of ``gt``.
    """
    heatmap = np.asarray(heatmap, dtype=np.float32)
    gt = np.asarray(gt, dtype=bool)
    valid = None
    if boundary:
        gt, valid = boundary_exclusion(gt)
    c = curve(heatmap, gt, valid)
    tp, fp, fn, tn = confusion_at(heatmap, gt, threshold, valid)
    itp, ifp, ifn, _ = confusion_at(1.0 - heatmap, gt, threshold, valid)
    f1 = float(_f1(tp, fp, fn))
    den = float(tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    return PixelScores(
        f1=f1,
        best_f1=best_f1(None, None, _curve=c),
        f1_inverted=max(f1, float(_f1(itp, ifp, ifn))),
        best_f1_inverted=best_f1_inverted(None, None, _curve=c),
        pixel_auc=pixel_auc(None, None, _curve=c),
        iou=tp / (tp + fp + fn) if (tp + fp + fn) else 0.0,
        mcc=float((float(tp) * tn - float(fp) * fn) / np.sqrt(den)) if den > 0 else 0.0,
    )


# --------------------------------------------------------------------------- image level

#: Image metric names, in table order.
IMAGE_METRICS = ("image_auc", "balanced_accuracy", "tpr_at_5fpr", "average_precision")


def _both_classes(y) -> bool:
    y = np.asarray(y, dtype=bool)
    return bool(y.any() and (~y).any())


def image_auc(y_true, scores) -> float | None:
    """ROC AUC of the raw image scores (1 = manipulated/generated); None without both classes."""
    if not _both_classes(y_true):
        return None
    c = curve(scores, y_true)
    return pixel_auc(None, None, _curve=c)


def balanced_accuracy_at(y_true, scores, threshold: float = THRESHOLD) -> float | None:
    """(TPR + TNR) / 2 of ``score >= threshold``; None without both classes."""
    if not _both_classes(y_true):
        return None
    y = np.asarray(y_true, dtype=bool)
    pred = np.asarray(scores, dtype=np.float64) >= threshold
    return float((pred[y].mean() + (~pred[~y]).mean()) / 2)


def tpr_at_fpr(y_true, scores, max_fpr: float = 0.05) -> float | None:
    """Highest TPR reachable at a threshold whose FPR ≤ ``max_fpr`` (no interpolation).

    None without both classes. With few authentic images the achievable FPRs
    are coarse (20 authentic → steps of 5 %): read it with the count.
    """
    if not _both_classes(y_true):
        return None
    c = curve(scores, y_true)
    tpr = np.r_[0, c.tps] / c.n_pos
    fpr = np.r_[0, c.fps] / c.n_neg
    return float(tpr[fpr <= max_fpr + 1e-12].max())


def average_precision(y_true, scores) -> float | None:
    """Average precision: Σ (R_n − R_{n−1}) P_n over thresholds (step-wise, as scikit-learn)."""
    if not _both_classes(y_true):
        return None
    c = curve(scores, y_true)
    precision = c.tps / (c.tps + c.fps)
    recall = c.tps / c.n_pos
    return float(np.sum(np.diff(np.r_[0, recall]) * precision))


def image_scores(y_true, scores) -> dict[str, float | None]:
    """Every image metric; values are None where a class is missing."""
    return {
        "image_auc": image_auc(y_true, scores),
        "balanced_accuracy": balanced_accuracy_at(y_true, scores),
        "tpr_at_5fpr": tpr_at_fpr(y_true, scores),
        "average_precision": average_precision(y_true, scores),
    }


def nanmean(values) -> tuple[float | None, int]:
    """Mean of the finite values and how many there were (None if none)."""
    v = np.asarray([x for x in values if x is not None], dtype=np.float64)
    v = v[np.isfinite(v)]
    return (float(v.mean()) if v.size else None), int(v.size)
