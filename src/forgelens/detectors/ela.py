"""Error Level Analysis (Krawetz 2007), with the JPEG quality read from the quantisation tables."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from forgelens.detectors._jpeg_common import (
    pillow_subsampling,
    region_findings,
    saturation_reliability,
)
from forgelens.detectors.registry import register
from forgelens.evidence import Evidence
from forgelens.jpeg import estimate_jpeg_quality, recompress
from forgelens.maps import native_grid, robust_center_spread, to_pixels
from forgelens.trace import Finding, Trace

__all__ = ["ElaConfig", "ela", "error_level", "estimate_jpeg_quality"]


@dataclass(frozen=True)
class ElaConfig:
    """Parameters of Error Level Analysis.

    quality : int
        JPEG quality of the re-save (FotoForensics' default, 90).
    scale : float
        Amplification of the absolute difference for the analyst's view
        (``extra_maps['ela']`` = clip(scale * |I - I_q| / 255)); FotoForensics-style 20.
    block : int
        Side of the blocks over which the error level is averaged (the JPEG block, 8).
    z_outlier : float
        Robust z-score (median / 1.4826 MAD over reliable blocks) at which the heatmap
        saturates to 1 and a block counts as "uneven".
    min_sigma : float
        Floor of the robust spread, in grey levels: when the re-save barely changes the
        picture (a file already saved at ``quality``) the spread of the error level
        collapses and sub-grey-level differences must not become outliers.
    """

    quality: int = 90
    scale: float = 20.0
    block: int = 8
    z_outlier: float = 4.0
    min_sigma: float = 0.5


def error_level(rgb: np.ndarray, quality: int = 90, subsampling: int = 2) -> np.ndarray:
    """Per-pixel error level: max over colour channels of |I - JPEG_quality(I)|, float32."""
    resaved = recompress(np.ascontiguousarray(rgb), quality, subsampling)
    if resaved.ndim == 2:
        resaved = resaved[..., None]
    diff = cv2.absdiff(np.ascontiguousarray(rgb), np.ascontiguousarray(resaved.astype(np.uint8)))
    if diff.ndim == 3:  # max over channels without a reduction over the short last axis
        diff = np.maximum(np.maximum(diff[..., 0], diff[..., 1]), diff[..., 2])
    return diff.astype(np.float32)


def _block_means(a: np.ndarray, b: int) -> np.ndarray:
    """Means of whole b x b blocks (exact here: integer-valued or 0/1 float32 inputs)."""
    rows, cols = a.shape[0] // b, a.shape[1] // b
    return cv2.resize(a[: rows * b, : cols * b], (cols, rows), interpolation=cv2.INTER_AREA)


@register(
    "ela",
    config=ElaConfig,
    description="Error Level Analysis: re-save at a JPEG quality and map where the error level is unusual",
    family="jpeg",
    how_to_read=(
        "Bright blocks changed more than the rest of the picture when re-saved at the same quality: "
        "they may have been edited after the last save, or come from a less-compressed source."
    ),
    caveat=(
        "Error level also follows texture and edges (busy areas are bright even when authentic) "
        "and fades after repeated saves; compare like with like, never read it alone."
    ),
)
def ela(evidence: Evidence, config: ElaConfig) -> Trace:
    """Error Level Analysis: how unevenly the picture responds to one more JPEG save.

    The image is re-saved with Pillow at ``quality`` (chroma subsampling matched to the
    file), the absolute difference is taken per pixel (maximum over R, G, B) and averaged
    over 8x8 blocks. A region saved fewer times, or at a higher quality, than the rest
    has a higher error level than its surroundings. The heatmap is the robust one-sided
    z-score of the block error level (0 at the image's median, 1 at ``z_outlier``), the
    amplified raw difference is kept as ``extra_maps['ela']`` for the classic view, and
    the JPEG quality estimated from the quantisation tables is reported.

    Parameters
    ----------
    evidence : Evidence
        The image (any format; a non-JPEG is re-saved all the same).
    config : ElaConfig
        ``quality`` = 90 (FotoForensics), ``scale`` = 20, ``block`` = 8, ``z_outlier`` = 4,
        ``min_sigma`` = 0.5.

    Returns
    -------
    Trace
        ``heatmap``: block error-level outlier map; ``reliability``: 0 on flat or clipped
        blocks; ``score``: share of reliable blocks whose error level is an outlier
        (an unevenness index, *not* a calibrated probability); findings: the estimated
        JPEG quality and the largest high-error regions with their error levels.

    Notes
    -----
    Assumes every part of an authentic image went through the same compression chain,
    so that the error level differs only with content. Texture, edges and saturated
    colours break that assumption; hence the reliability map and the caveat.

    References
    ----------
    .. [1] N. Krawetz, "A Picture's Worth... Digital Image Analysis and Forensics",
           Black Hat Briefings, 2007.
    .. [2] FotoForensics, "Error Level Analysis" tutorial (default quality 90).
    """
    rgb = evidence.pixels
    sub = pillow_subsampling(evidence)
    err = error_level(rgb, config.quality, sub)
    h, w = err.shape
    b = int(config.block)
    blocks = _block_means(err, b)
    rel_px = saturation_reliability(rgb, b)
    rel_blk = _block_means(rel_px, b) > 0.5
    del rel_px
    ref = blocks[rel_blk] if rel_blk.sum() >= 16 else blocks.ravel()
    med, mad = robust_center_spread(ref)
    mad = max(mad, config.min_sigma)
    z = (blocks - med) / mad
    heat_blk = np.clip(z / config.z_outlier, 0.0, 1.0) * rel_blk
    heatmap = native_grid(heat_blk, (h, w), b)[0]  # one cell per block: the Trace keeps this grid
    reliability = native_grid(rel_blk.astype(np.float32), (h, w), b)[0]
    uneven = float(np.mean(z[rel_blk] >= config.z_outlier)) if rel_blk.any() else 0.0

    findings: list[Finding] = []
    note = ""
    if evidence.jpeg is not None:
        q_luma, std_luma = estimate_jpeg_quality(evidence.jpeg.qtables[0])
        vals = {"quality_luma": q_luma, "standard_ijg_luma": std_luma}
        if len(evidence.jpeg.qtables) > 1:
            q_ch, std_ch = estimate_jpeg_quality(evidence.jpeg.qtables[1], chroma=True)
            vals.update(quality_chroma=q_ch, standard_ijg_chroma=std_ch)
        kind = "standard IJG table" if std_luma else "custom table, nearest IJG quality"
        findings.append(
            Finding(
                "jpeg_quality", f"Last JPEG save at quality ≈ {q_luma} ({kind}).", 0.0, None, vals
            )
        )
    else:
        note = (
            f"{evidence.format} input: error level of a first JPEG save at quality {config.quality}"
        )
    err_px = to_pixels(native_grid(blocks, (h, w), b)[0], (h, w), b)
    # One fact, one finding: the outlying blocks, with the largest of their regions as its place
    # and the others listed; its strength is the detector's own score (the outlier share), not
    # the map's 1.0 inside every outlier region (which read as "strength 1.00" beside a 0.07).
    regions = region_findings(
        to_pixels(heatmap, (h, w), b),
        1.0,
        "ela_high_error",
        "",
        value_maps={"error_level": err_px},
    )
    vals = {"outlier_share": uneven, "median_error": med, "robust_sigma": mad,
            "resave_quality": config.quality}
    msg = (f"{100 * uneven:.1f}% of usable blocks have an outlying error level "
           f"(median {med:.2f}, robust sigma {mad:.2f} grey levels)")
    region = None
    if regions:
        top = regions[0]
        region = top.region
        vals.update(error_level=top.values.get("error_level"), area_pct=top.values["area_pct"],
                    other_regions=[list(r.region) for r in regions[1:]])
        msg += (f"; the largest outlying region has error level {top.values.get('error_level')} "
                f"over {top.values['area_pct']}% of the image")
    findings.append(Finding("ela_high_error", msg + ".", uneven, region, vals))
    ela_view = np.clip(err * (config.scale / 255.0), 0.0, 1.0).astype(np.float32)
    return Trace(
        name="ela",
        heatmap=heatmap,
        reliability=reliability,
        block=b,
        score=uneven,
        findings=findings,
        note=note,
        extra_maps={"ela": ela_view},
    )
