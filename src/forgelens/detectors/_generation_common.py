"""Findings and the reliability grid shared by the generated-image detectors (clip_probe,
gen_trace, npr_trace): one wording of "P(generated) against a threshold" and one patch grid."""

from __future__ import annotations

import numpy as np

from forgelens.maps import grid_shape
from forgelens.trace import Finding


def patch_reliability(scored: np.ndarray, shape: tuple[int, int], patch: int) -> np.ndarray:
    """1 on scored patches, 0 on flat ones and beyond the last whole patch: one cell per patch
    (the Trace's native grid, ``maps.grid_shape(shape, patch)``)."""
    rel = np.zeros(grid_shape(shape, patch), np.float32)
    rows, cols = min(scored.shape[0], rel.shape[0]), min(scored.shape[1], rel.shape[1])
    rel[:rows, :cols] = scored[:rows, :cols]
    return rel


def strongest_patch_finding(patch_p: np.ndarray, z: np.ndarray, scored: np.ndarray, patch: int) -> Finding:
    """The scored patch with the highest logit: where a generator's up-sampling pattern is strongest."""
    iy, ix = np.unravel_index(int(np.argmax(np.where(scored, z, -np.inf))), z.shape)
    p = float(patch_p[iy, ix])
    return Finding("upsampling-trace", "Strongest generator up-sampling pattern in this patch", p,
                   (int(ix * patch), int(iy * patch), int((ix + 1) * patch), int((iy + 1) * patch)),
                   {"patch_p": round(p, 4)})


def verdict_finding(name: str, p: float, thr: float, band: float, values: dict) -> Finding:
    values = {"p_generated": round(p, 4), "threshold": round(thr, 4), **values}
    if p >= thr + band or (p >= thr and thr + band >= 1.0):
        return Finding("generated", f"{name}: P(generated) {p:.2f} ≥ threshold {thr:.2f}", p, None, values)
    low = max(thr - band, 0.0)
    if p >= low:
        high = thr + band if thr + band < 1.0 else thr  # above it (or at thr when the band passes 1): "generated"
        return Finding("inconclusive", f"{name}: P(generated) {p:.2f} is within the uncertain band "
                       f"{low:.2f}–{high:.2f} around the threshold {thr:.2f}", 0.5 * p, None, values)
    return Finding("authentic-looking", f"{name}: P(generated) {p:.2f} below threshold {thr:.2f}", 0.0,
                   None, values)
