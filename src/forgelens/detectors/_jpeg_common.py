"""Shared helpers of the JPEG detectors: quality estimation, re-compression, block DCT, regions.

``estimate_jpeg_quality`` is public API (re-exported by ``forgelens.detectors.jpeg_ela``):
the provenance checks reuse it to compare a file's tables with its claimed source.
"""

from __future__ import annotations

import io
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image

from forgelens.detectors._maps import channels_all
from forgelens.trace import Finding

# ITU-T T.81 Annex K, tables K.1 (luminance) and K.2 (chrominance), natural (row-major) order.
STD_LUMA_QTABLE = np.array(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ],
    dtype=np.int32,
)
STD_CHROMA_QTABLE = np.array(
    [
        [17, 18, 24, 47, 99, 99, 99, 99],
        [18, 21, 26, 66, 99, 99, 99, 99],
        [24, 26, 56, 99, 99, 99, 99, 99],
        [47, 66, 99, 99, 99, 99, 99, 99],
        [99, 99, 99, 99, 99, 99, 99, 99],
        [99, 99, 99, 99, 99, 99, 99, 99],
        [99, 99, 99, 99, 99, 99, 99, 99],
        [99, 99, 99, 99, 99, 99, 99, 99],
    ],
    dtype=np.int32,
)

# Zig-zag scan order: ZIGZAG[k] = (row, col) of the k-th coefficient.
ZIGZAG: tuple[tuple[int, int], ...] = tuple(
    sorted(
        ((r, c) for r in range(8) for c in range(8)),
        key=lambda rc: (rc[0] + rc[1], rc[0] if (rc[0] + rc[1]) % 2 else rc[1]),
    )
)


def ijg_qtable(quality: int, chroma: bool = False, force_baseline: bool = True) -> np.ndarray:
    """The quantisation table the IJG libjpeg (and Pillow, OpenCV) writes for ``quality``.

    IJG scaling: S = 5000 / q for q < 50, else 200 - 2q; Q = floor((T * S + 50) / 100),
    clamped to [1, 255] (baseline) or [1, 32767].
    """
    q = int(np.clip(quality, 1, 100))
    scale = 5000 // q if q < 50 else 200 - 2 * q
    base = STD_CHROMA_QTABLE if chroma else STD_LUMA_QTABLE
    t = (base * scale + 50) // 100
    return np.clip(t, 1, 255 if force_baseline else 32767).astype(np.int32)


@lru_cache(maxsize=2)
def _all_ijg_tables(chroma: bool) -> np.ndarray:
    return np.stack([ijg_qtable(q, chroma) for q in range(1, 101)]).astype(np.float64)


def estimate_jpeg_quality(qtable: np.ndarray, chroma: bool = False) -> tuple[int, bool]:
    """Estimate the IJG quality factor (1..100) that produced a quantisation table.

    Parameters
    ----------
    qtable : (8, 8) array
        Quantisation table in natural (row-major) order, as ``Evidence.jpeg.qtables[c]``.
    chroma : bool, optional
        Compare with the Annex K chrominance table instead of the luminance one.

    Returns
    -------
    quality : int
        The IJG quality whose scaled table is closest (least mean absolute log ratio).
    is_standard_ijg : bool
        True when the table equals the IJG table of that quality exactly (libjpeg,
        Pillow, OpenCV, GIMP, ...); False for custom tables (many cameras, Photoshop),
        where ``quality`` is only the nearest IJG equivalent.

    Notes
    -----
    Assumes the encoder scaled the Annex K example table the IJG way; for other
    tables the number is an equivalent quality, not the setting the user chose.

    References
    ----------
    .. [1] ITU-T T.81 (1992), Annex K.1; Independent JPEG Group libjpeg ``jpeg_quality_scaling``.
    """
    t = np.asarray(qtable, dtype=np.float64).reshape(8, 8)
    if np.any(t < 1):
        raise ValueError("quantisation table has entries < 1")
    tables = _all_ijg_tables(bool(chroma))
    exact = np.all(tables == t[None], axis=(1, 2))
    if exact.any():
        # several qualities can map to the same table (e.g. near 100); report the highest
        return int(np.flatnonzero(exact)[-1] + 1), True
    err = np.mean(np.abs(np.log(tables) - np.log(t)[None]), axis=(1, 2))
    return int(np.argmin(err) + 1), False


def pillow_subsampling(evidence) -> int:
    """Pillow's ``subsampling`` code (0 = 4:4:4, 1 = 4:2:2, 2 = 4:2:0) matching the input file."""
    jpeg = getattr(evidence, "jpeg", None)
    if jpeg is None or len(jpeg.sampling) < 3:
        return 2  # Pillow's default for new files
    (yv, yh), (cv, ch) = jpeg.sampling[0], jpeg.sampling[1]
    if yv == cv and yh == ch:
        return 0
    if yv == cv:
        return 1
    return 2


def recompress(rgb: np.ndarray | Image.Image, quality: int, subsampling: int = 2) -> np.ndarray:
    """Encode uint8 RGB (or gray) pixels as JPEG with Pillow at ``quality`` and decode them again.

    ``rgb`` may also be a Pillow image made once with ``Image.fromarray`` (saves a copy per
    call when sweeping qualities). Decoding uses OpenCV's libjpeg-turbo straight into a NumPy
    array (one buffer instead of Pillow's 4-byte-per-pixel image and a copy); its pixels are
    identical to Pillow's decoder (same IJG islow IDCT and fancy upsampling).
    """
    im = rgb if isinstance(rgb, Image.Image) else Image.fromarray(np.ascontiguousarray(rgb))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=int(quality), subsampling=int(subsampling))
    data = np.frombuffer(buf.getbuffer(), np.uint8)
    if im.mode == "L":
        return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    if _IMREAD_RGB is not None:
        return cv2.imdecode(data, _IMREAD_RGB | cv2.IMREAD_IGNORE_ORIENTATION)
    out = cv2.imdecode(data, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    return cv2.cvtColor(out, cv2.COLOR_BGR2RGB, dst=out)


_IMREAD_RGB = getattr(cv2, "IMREAD_COLOR_RGB", None)


def dct_matrix() -> np.ndarray:
    """Orthonormal 8-point DCT-II matrix (the JPEG FDCT up to libjpeg's scaling)."""
    k = np.arange(8)[:, None]
    n = np.arange(8)[None, :]
    d = np.cos((2 * n + 1) * k * np.pi / 16) * np.sqrt(2 / 8)
    d[0] /= np.sqrt(2)
    return d.astype(np.float32)


def block_dct(plane: np.ndarray, offset: tuple[int, int] = (0, 0)) -> np.ndarray:
    """2-D DCT of the 8x8 blocks of ``plane`` starting at ``offset``: (rows, cols, 8, 8) float32.

    Same scaling as JPEG coefficients (orthonormal DCT of the level-shifted samples).
    """
    oy, ox = offset
    p = np.asarray(plane, dtype=np.float32)[oy:, ox:]
    h, w = p.shape[0] // 8 * 8, p.shape[1] // 8 * 8
    b = p[:h, :w].reshape(h // 8, 8, w // 8, 8).swapaxes(1, 2) - 128.0
    d = dct_matrix()
    return np.einsum("ij,abjk,lk->abil", d, b, d, optimize=True).astype(np.float32)


def region_findings(
    heatmap: np.ndarray,
    threshold: float,
    kind: str,
    message: str,
    *,
    min_area_frac: float = 0.002,
    max_regions: int = 3,
    extra: dict | None = None,
    value_maps: dict[str, np.ndarray] | None = None,
) -> list[Finding]:
    """Connected regions of ``heatmap >= threshold`` as Findings with bounding boxes and numbers.

    ``message`` is formatted with the region's values (``{mean}``, ``{area_pct}``, and the
    mode of each ``value_maps`` entry inside the region, e.g. ``{quality}``).
    """
    h, w = heatmap.shape
    step = max(1, int(np.ceil(max(h, w) / 1024)))  # label on a <=1024 px view for speed
    small = heatmap[::step, ::step]
    mask = (small >= threshold).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out: list[Finding] = []
    order = np.argsort(-stats[1:, cv2.CC_STAT_AREA]) + 1 if n > 1 else []
    for lab in order[:max_regions]:
        area = stats[lab, cv2.CC_STAT_AREA]
        if area < min_area_frac * small.size:
            break
        x, y, bw, bh = stats[lab, :4]
        sel = labels == lab
        values = {
            "mean_inside": round(float(small[sel].mean()), 4),
            "mean_outside": round(float(small[~sel].mean()), 4) if (~sel).any() else None,
            "area_pct": round(100.0 * area / small.size, 2),
        }
        for name, vm in (value_maps or {}).items():
            v = vm[::step, ::step][sel]
            v = v[np.isfinite(v)]
            if v.size:
                vals, counts = np.unique(np.round(v).astype(int), return_counts=True)
                values[name] = int(vals[np.argmax(counts)])
        values.update(extra or {})
        region = (
            int(x * step),
            int(y * step),
            int(min(w, (x + bw) * step)),
            int(min(h, (y + bh) * step)),
        )
        fmt = dict(values, mean=values["mean_inside"])
        out.append(
            Finding(kind, message.format(**fmt), float(values["mean_inside"]), region, values)
        )
    return out


def saturation_reliability(rgb: np.ndarray, block: int = 8, flat_std: float = 1.0) -> np.ndarray:
    """1 where a block carries usable signal, 0 where it is clipped (0/255) or flat (std < flat_std)."""
    if rgb.ndim == 3:  # channel mean: exact integer sum, then / 3 as float32 (same as .mean(axis=2))
        y = rgb[..., 0].astype(np.float32)
        y += rgb[..., 1]
        y += rgb[..., 2]
        y /= np.float32(3)
    else:
        y = rgb.astype(np.float32)
    mean = cv2.boxFilter(y, -1, (block, block))
    np.multiply(y, y, out=y)
    sq = cv2.boxFilter(y, -1, (block, block))
    del y
    np.multiply(mean, mean, out=mean)
    sq -= mean
    del mean
    std = np.sqrt(np.maximum(sq, 0.0, out=sq), out=sq)
    v = np.arange(256)
    clipped = channels_all(rgb, v >= 254) | channels_all(rgb, v <= 1)
    clip_frac = cv2.boxFilter(clipped.astype(np.float32), -1, (block, block))
    rel = (std >= flat_std) & (clip_frac < 0.5)
    return rel.astype(np.float32)
