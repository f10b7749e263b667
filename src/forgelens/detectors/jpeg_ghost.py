"""JPEG ghosts (Farid 2009): where does a region's error dip at a quality the rest does not show?"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from forgelens.detectors._jpeg_common import pillow_subsampling, region_findings
from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.jpeg import estimate_jpeg_quality, recompress
from forgelens.maps import blocks_to_pixels, grid_shape, native_grid, to_pixels
from forgelens.trace import Finding, Trace

__all__ = ["GhostConfig", "jpeg_ghost", "ghost_differences"]


@dataclass(frozen=True)
class GhostConfig:
    """Parameters of the JPEG-ghost detector.

    q_min, q_max, q_step : int
        Re-compression qualities q_min, q_min + q_step, ..., <= q_max (Pillow/IJG scale).
        Farid sweeps the quality range in unit steps; 50..98 in steps of 2 keeps the
        sweep under a second per megapixel and still brackets every IJG quality
        within one step.
    large_q_step, large_above : int
        On pictures of more than ``large_above`` pixels the sweep steps by ``large_q_step``
        instead (issue 16: the sweep is this detector's whole cost, and it grows with the
        picture). Step 4 (50, 54, ..., 98: 13 qualities instead of 25) still brackets every
        IJG quality within 2 of a swept one; pictures at or below ``large_above`` are
        analysed exactly as with ``q_step``. Shipped (step 4 above 2 MP) by the rule the lead
        declared before measuring (docs/notes/issue-16.md, session 9: candidate G4): on the
        122 pictures above 2 MP of its sets, fused F1 / pixel AUC and forgeries called held,
        no false alarm was added; the sweep costs half as much.
    window : int
        Side in pixels of the square over which squared differences are averaged
        (Farid: b = 16).
    min_gap : int
        Qualities closer than this to the file's own (estimated) quality are skipped:
        there every block dips because of the last save, not because of a ghost.
    z_low, z_high : float
        The relative dip (1 - observed / expected difference at q) is divided by its
        robust spread over the image at that q (1.4826 MAD); the heatmap rises from 0 at
        ``z_low`` to 1 at ``z_high`` (the maximum over ~20 qualities of noise-only dips
        rarely exceeds 4).
    dip_min : float
        Minimum relative dip for any heat (0.25 = a quarter less than its content predicts).
    flat_level : float
        Mean squared difference (grey levels²) over the sweep below which a block is too
        flat to carry a ghost (reliability 0).
    history_test : bool
        A file without a JPEG header (PNG, TIFF, …) must show a JPEG history in the detector's
        own curves: the median d(q) of its reliable blocks must have a local minimum (it falls
        to a minimum at some q and rises again above it by ``dip_min``, see ``rises_again``),
        as the last JPEG save of a "JPEG, then PNG" picture leaves at its quality. A picture
        never JPEG-compressed loses less at every higher quality and has none: then the trace
        has no heat and says so. Without the test, near-flat areas of such pictures (whose
        curves fall more slowly than the picture's) read as ghosts (issue 14, session 10:
        45 of 83 never-compressed pictures had a ghost finding, 1 with the test).
        **Off by default** until the detection model is refitted on traces made with it: the
        shipped model (``fusion/detection.json``) was fitted on ghost traces without the test and
        weighs the ghost's heat and coverage as evidence *against* manipulation, so an emptied
        trace raises P(manipulated) on every picture without a JPEG header — on the 24 authentic
        Kodak PNG scans of ``pristine-extra`` it turned 2 → 5 of them "manipulated".
    """

    q_min: int = 50
    q_max: int = 98
    q_step: int = 2
    large_q_step: int = 4
    large_above: int = 2_000_000
    window: int = 16
    min_gap: int = 4
    z_low: float = 3.0
    z_high: float = 6.0
    dip_min: float = 0.25
    flat_level: float = 1.0
    history_test: bool = False


def ghost_differences(
    rgb: np.ndarray, qualities, window: int = 16, subsampling: int = 2
) -> np.ndarray:
    """Farid's difference d(x, y, q) = 1/3 sum_c (f_c - f_c,q)^2, averaged over ``window``.

    Returned on the 8x8-block lattice (shape (Q, rows, cols), float32), averaged over a
    ``window``-pixel square centred on each block, which bounds memory on large images.
    The squared differences are formed band by band (``_BAND`` rows) from the uint8
    absolute difference, so no full-resolution float copy of the image is ever held.
    """
    f = np.ascontiguousarray(rgb)
    im = Image.fromarray(f)  # one Pillow copy for the whole sweep
    rows, cols = f.shape[0] // 8, f.shape[1] // 8
    k = max(1, int(round(window / 8)))
    out = np.empty((len(qualities), rows, cols), np.float32)
    for i, q in enumerate(qualities):
        g = recompress(im, int(q), subsampling)
        for r0 in range(0, rows, _BAND // 8):
            r1 = min(rows, r0 + _BAND // 8)
            a = f[8 * r0 : 8 * r1, : 8 * cols]
            b = g[8 * r0 : 8 * r1, : 8 * cols]
            ad = cv2.absdiff(a, b)
            sq = cv2.multiply(ad, ad, dtype=cv2.CV_32F)
            # exact 8x8 block means (integer-ratio area resampling)
            blk = cv2.resize(sq, (cols, r1 - r0), interpolation=cv2.INTER_AREA)
            out[i, r0:r1] = blk.mean(axis=2) if blk.ndim == 3 else blk
        del g
        if k > 1:
            out[i] = cv2.blur(out[i], (k, k), borderType=cv2.BORDER_REFLECT)
    return out


_BAND = 512  # rows per band of the difference computation (multiple of 8)


def rises_again(curve: np.ndarray, margin: float) -> np.ndarray:
    """Where a difference curve d(q) (axis 0, rising q) has a local minimum: d(q) <= (1 - margin) *
    max over the higher qualities of d. A picture never compressed loses less at every higher
    quality (d falls steadily with q); a ghost at q1 rises again for q1 < q < q2 (Farid 2009, Fig. 1).
    The last quality has no higher one and is never a minimum."""
    later = np.maximum.accumulate(curve[::-1], axis=0)[::-1]  # max over q' >= q
    out = np.zeros(curve.shape, bool)
    out[:-1] = curve[:-1] <= (1.0 - margin) * later[1:]
    return out


def _reference(a: np.ndarray, reliable: np.ndarray) -> np.ndarray:
    """The per-quality values (axis 0) of the reliable blocks, or of every block when fewer than 16
    are reliable: the population the picture-wide medians are taken over."""
    return a[:, reliable] if reliable.sum() >= 16 else a.reshape(len(a), -1)


def _no_heat(shape: tuple[int, int], note: str) -> Trace:
    """A trace with no heat and no reliability on the 8×8 grid, saying why in ``note``."""
    return Trace(name="jpeg_ghost", heatmap=np.zeros(grid_shape(shape, 8), np.float32),
                 reliability=np.zeros(grid_shape(shape, 8), np.float32), block=8, score=0.0, note=note)


@register(
    "jpeg_ghost",
    config=GhostConfig,
    description="JPEG ghosts (Farid 2009): regions whose re-compression error dips at a lower quality",
    family="jpeg",
    how_to_read=(
        "Bright regions lose much less than their content predicts when re-saved at one particular "
        "quality: they were once saved at that quality, unlike the rest (see the findings for which)."
    ),
    caveat=(
        "Needs the pasted region on the same 8x8 grid and saved earlier at a lower quality than the "
        "final image; blurred or very flat areas can dip too, also in a picture never JPEG-compressed."
    ),
)
def jpeg_ghost(evidence: Evidence, config: GhostConfig) -> Trace:
    """Locate JPEG ghosts: regions once compressed at a lower quality than the rest.

    The image is re-compressed at each quality q of the sweep; the squared difference
    with the original (mean over R, G, B) is averaged over a ``window`` x ``window``
    square, giving Farid's d(x, y, q). A region first saved at q1 and then, with the
    rest, at q2 > q1 shows a dip (a "ghost") of d at q1. To separate that dip from
    content (textured areas have large d at every q), each block's curve is divided by
    its own sum over the sweep and compared with the image's median curve; the heatmap
    is the largest relative dip over the qualities below the file's own, measured in
    robust standard deviations of the dips at that quality, and the
    quality at which it occurs is reported per region. Farid's normalised difference
    map at that quality is kept in ``extra_maps``.

    With ``history_test`` (off by default, see ``GhostConfig``), a file without a JPEG header
    is first tested for a JPEG history from the same curves: Farid's ghost is a local minimum of d(q) (his Fig. 1: d falls to a
    minimum at the first save's q1, rises for q1 < q < q2, falls to 0 at the last save's q2),
    and a "JPEG, then PNG" picture shows one at its last quality in the median curve of its
    textured blocks. A picture never JPEG-compressed shows none (d falls steadily with q) and
    gets no heat.

    Parameters
    ----------
    evidence : Evidence
        The image (JPEG or a decoded copy of one).
    config : GhostConfig
        Sweep 50..98 step 2 (step 4 above 2 MP), ``window`` = 16 (Farid), ``min_gap`` = 4,
        ``z_low`` = 3, ``z_high`` = 6, ``dip_min`` = 0.25, ``flat_level`` = 1,
        ``history_test`` off (see ``GhostConfig``).

    Returns
    -------
    Trace
        ``heatmap``: relative ghost depth in [0, 1]; ``reliability``: 0 on flat blocks;
        ``score``: mean heat inside the strongest ghost region (0 if none);
        findings: regions with the ghost quality, the file's estimated quality.

    Notes
    -----
    Assumes the composite was last saved at a higher quality than the pasted
    region's first save and that the paste kept the 8x8 grid alignment (Farid
    handles misalignment by searching shifts; not done here, see ``jpeg_grid``).
    With ``history_test``, a file without a JPEG header is analysed only when its whole-picture
    curve shows a JPEG history (a last save at q <= ``q_max``): a JPEG region pasted into a picture
    never JPEG-compressed, or a PNG whose only JPEG save was above the sweep, is not read.

    References
    ----------
    .. [1] H. Farid, "Exposing digital forgeries from JPEG ghosts", IEEE Transactions
           on Information Forensics and Security 4(1):154-160, 2009.
    """
    rgb = evidence.pixels
    h, w = evidence.shape
    q_last = None
    if evidence.jpeg is not None:
        q_last, _ = estimate_jpeg_quality(evidence.jpeg.qtables[0])
    step = config.large_q_step if h * w > config.large_above else config.q_step
    qualities = np.arange(config.q_min, config.q_max + 1, max(1, step))
    d = ghost_differences(rgb, qualities, config.window, pillow_subsampling(evidence))

    energy = d.mean(axis=0)
    reliable = energy >= config.flat_level
    if config.history_test and evidence.jpeg is None:
        whole = np.median(_reference(d, reliable), axis=1)
        if not rises_again(whole, config.dip_min).any():
            return _no_heat((h, w), "no JPEG history found: the picture's re-compression error falls steadily "
                                    "with quality")
    prof = d / (d.sum(axis=0, keepdims=True) + 1e-6)
    ref = _reference(prof, reliable)
    med = np.median(ref, axis=1)
    usable = (
        qualities <= (q_last - config.min_gap)
        if q_last is not None
        else np.ones(len(qualities), bool)
    )
    if not usable.any():
        return _no_heat((h, w), f"file quality ≈ {q_last}: no sweep quality lies below it")
    dip = 1.0 - prof[usable] / (med[usable, None, None] + 1e-9)
    ref_dip = _reference(dip, reliable)
    centre = np.median(ref_dip, axis=1)
    spread = 1.4826 * np.median(np.abs(ref_dip - centre[:, None]), axis=1)
    z = (dip - centre[:, None, None]) / np.maximum(spread, 0.02)[:, None, None]
    z = np.where(dip >= config.dip_min, z, 0.0)
    best = np.argmax(z, axis=0)
    zmax = np.take_along_axis(z, best[None], axis=0)[0]
    q_at = qualities[usable][best].astype(np.float32)
    heat_blk = np.clip((zmax - config.z_low) / (config.z_high - config.z_low), 0.0, 1.0) * reliable
    # the block lattice is sampled at block origins; a k-block window is centred there
    heatmap = native_grid(heat_blk, (h, w), 8)[0]  # one cell per 8x8 block: the Trace keeps this grid
    reliability = native_grid(reliable.astype(np.float32), (h, w), 8)[0]
    q_map = blocks_to_pixels(np.where(heat_blk > 0, q_at, np.nan), (h, w), 8)

    findings: list[Finding] = []
    if q_last is not None:
        findings.append(
            Finding(
                "jpeg_quality", f"File saved at quality ≈ {q_last}.", 0.0, None, {"quality": q_last}
            )
        )
    regions = region_findings(
        to_pixels(heatmap, (h, w), 8),
        0.5,
        "jpeg_ghost",
        "JPEG ghost at quality {quality}: {area_pct}% of the image lost "
        "far less than expected when re-saved there (mean heat {mean}).",
        value_maps={"quality": q_map},
        extra={"file_quality": q_last},
    )
    findings += regions
    extra: dict[str, np.ndarray] = {}
    if regions:
        qg = regions[0].values["quality"]
        i = int(np.argmin(np.abs(qualities - qg)))
        di = d[i]
        lo, hi = float(di.min()), float(di.max())
        farid = (di - lo) / (hi - lo) if hi > lo else np.zeros_like(di)
        extra[f"difference_q{int(qualities[i])}"] = native_grid(farid, (h, w), 8)[0]
    score = max((f.strength for f in regions), default=0.0)
    return Trace(
        name="jpeg_ghost",
        heatmap=heatmap,
        reliability=reliability,
        block=8,
        score=score,
        findings=findings,
        extra_maps=extra,
    )
