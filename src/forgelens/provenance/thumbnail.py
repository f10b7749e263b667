"""Compare the EXIF thumbnail with the picture it is supposed to preview.

Cameras write a small JPEG preview into EXIF IFD1 at capture. Many editors
re-save the main image without regenerating that preview, so a thumbnail that
shows something else (another crop, a removed object, a pasted one) is
evidence that the pixels changed after capture (Kee & Farid 2010).

The main image is reduced to the thumbnail's size (area averaging), letter-box
bars in the thumbnail are allowed for, both are matched by a linear tone fit
(``thumb ≈ a * main + b``) and the residual is the difference map. Returns the
correlation, the fraction of pixels whose residual is far beyond the noise of
the fit, and the residual map.

References
----------
.. [1] E. Kee, H. Farid, "Digital image authentication from thumbnails",
       Proc. SPIE 7541, Media Forensics and Security II, 2010.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image


@dataclass
class ThumbCompare:
    correlation: float
    changed_fraction: float
    residual: np.ndarray  # float32 at thumbnail content size, in [0, 1]
    box: tuple[int, int, int, int]  # content box in the thumbnail (x0, y0, x1, y1)
    thumb_size: tuple[int, int]
    changed_bbox: tuple[float, float, float, float] | None  # relative (x0, y0, x1, y1) in the main image


def decode_thumbnail(blob: bytes) -> np.ndarray | None:
    """Thumbnail pixels as float32 RGB, or None if it is not a small decodable image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            im = Image.open(io.BytesIO(blob))
            if im.width * im.height > 2_000_000 or min(im.size) < 8:
                return None
            return np.asarray(im.convert("RGB"), dtype=np.float32)
    except Exception:
        return None


def _content_box(t: np.ndarray, aspect: float) -> tuple[int, int, int, int]:
    h, w = t.shape[:2]
    # letter-box: the main image's aspect fitted inside the thumbnail, centred
    if abs(w / h - aspect) / aspect < 0.03:
        return 0, 0, w, h
    if w / h > aspect:  # bars left/right
        cw = int(round(h * aspect))
        x0 = (w - cw) // 2
        return x0, 0, x0 + cw, h
    ch = int(round(w / aspect))
    y0 = (h - ch) // 2
    return 0, y0, w, y0 + ch


def _bars_box(t: np.ndarray, dark: float = 8.0) -> tuple[int, int, int, int]:
    """Content box after removing black bars actually present at the thumbnail's edges."""
    g = t.max(axis=2) if t.ndim == 3 else t
    rows = np.flatnonzero(g.max(axis=1) > dark)
    cols = np.flatnonzero(g.max(axis=0) > dark)
    if rows.size < 8 or cols.size < 8:
        return 0, 0, t.shape[1], t.shape[0]
    return int(cols[0]), int(rows[0]), int(cols[-1] + 1), int(rows[-1] + 1)


def compare(thumb: np.ndarray, main_luma: np.ndarray, k_sigma: float = 6.0, min_abs: float = 24.0,
            blur_sigma: float = 1.2, min_std: float = 6.0) -> ThumbCompare | None:
    """Compare, trying the letter-boxed and the stretched fit; the better-correlated one is kept."""
    h, w = main_luma.shape[:2]
    # one fast integer-factor area reduction to about twice the thumbnail size, shared by all fits
    f = max(1, min(h // (2 * thumb.shape[0]), w // (2 * thumb.shape[1])))
    if f > 1:
        st = max(1, f // 3)  # light strided pre-sampling (the comparison is blurred anyway), then area
        sub = main_luma[::st, ::st]
        k = max(1, f // st)
        hh, ww = sub.shape[0] // k, sub.shape[1] // k
        main_luma = cv2.resize(np.ascontiguousarray(sub[: hh * k, : ww * k]), (ww, hh), interpolation=cv2.INTER_AREA)
    boxes = {_content_box(thumb, w / h), (0, 0, thumb.shape[1], thumb.shape[0]), _bars_box(thumb)}
    results = [r for r in (_compare_box(thumb, main_luma, b, k_sigma, min_abs, blur_sigma, min_std) for b in boxes) if r]
    return max(results, key=lambda r: r.correlation) if results else None


def _compare_box(thumb, main_luma, box, k_sigma, min_abs, blur_sigma, min_std) -> ThumbCompare | None:
    x0, y0, x1, y1 = box
    t = thumb[y0:y1, x0:x1]
    if t.shape[0] < 8 or t.shape[1] < 8:
        return None
    # reduce first (in the input dtype: uint8 pixels stay uint8), convert after
    m = cv2.resize(np.ascontiguousarray(main_luma), (t.shape[1], t.shape[0]),
                   interpolation=cv2.INTER_AREA).astype(np.float32)
    if m.ndim == 2 and t.ndim == 3:
        t = t.mean(axis=2)
    elif m.ndim == 3 and t.ndim == 2:
        m = m.mean(axis=2)
    # blur both: discount the resampling / sharpening differences between the camera's and our reduction
    m = cv2.GaussianBlur(m, (0, 0), blur_sigma)
    t = cv2.GaussianBlur(np.ascontiguousarray(t), (0, 0), blur_sigma)
    m3 = m.reshape(m.shape[0], m.shape[1], -1)
    t3 = t.reshape(t.shape[0], t.shape[1], -1)
    if m3.std() < min_std or t3.std() < min_std:  # flat picture: nothing to compare
        return None
    corr = float(np.corrcoef(m3.ravel(), t3.ravel())[0, 1])
    resid = np.zeros(m3.shape[:2], np.float32)
    for c in range(m3.shape[2]):  # per-channel tone fit thumb ≈ a * main + b; residual = worst channel
        a, b = m3[..., c].ravel(), t3[..., c].ravel()
        keep = np.ones(a.size, bool)
        for _ in range(2):  # refit on the best-fitting 80%: a local edit must not bend the tone fit
            coef, *_ = np.linalg.lstsq(np.stack([a[keep], np.ones(keep.sum())], 1), b[keep], rcond=None)
            r = np.abs(b - (coef[0] * a + coef[1]))
            keep = r <= np.quantile(r, 0.8)
        resid = np.maximum(resid, r.reshape(resid.shape).astype(np.float32))
    resid = cv2.blur(resid, (3, 3))
    mad = float(np.median(resid)) * 1.4826 + 1e-6
    thr = max(min_abs, k_sigma * mad)
    changed = resid > thr
    frac = float(changed.mean())
    bbox = None
    if changed.any():
        ys, xs = np.nonzero(changed)
        th, tw = t.shape[:2]
        bbox = (xs.min() / tw, ys.min() / th, (xs.max() + 1) / tw, (ys.max() + 1) / th)
    return ThumbCompare(corr, frac, np.clip(resid / (2 * thr), 0, 1).astype(np.float32), (x0, y0, x1, y1),
                        (thumb.shape[1], thumb.shape[0]), bbox)
