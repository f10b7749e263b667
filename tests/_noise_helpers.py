"""Synthetic natural-looking images with a pasted region of another noise level."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy import ndimage as ndi

from forgelens.evidence import LoadLimits, load


def natural_content(h: int, w: int, seed: int) -> np.ndarray:
    """Smooth random texture + gradients + soft blobs, float RGB around mid-grey (no noise)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 70.0 + 90.0 * (xx / max(w - 1, 1)) * 0.6 + 50.0 * (yy / max(h - 1, 1)) * 0.6
    tex = np.zeros((h, w), np.float32)
    for s, a in ((24, 30.0), (8, 14.0), (3, 5.0)):
        f = ndi.gaussian_filter(rng.standard_normal((h, w)).astype(np.float32), s)
        tex += a * f / (f.std() + 1e-9)
    lum = base + tex
    tint = [ndi.gaussian_filter(rng.standard_normal((h, w)).astype(np.float32), 30) for _ in range(3)]
    rgb = np.stack([lum + 12.0 * t / (t.std() + 1e-9) for t in tint], axis=2)
    return np.clip(rgb, 25, 230)


def blob_mask(h: int, w: int, seed: int, frac: float = 0.12) -> np.ndarray:
    """Irregular connected blob near the centre covering about ``frac`` of the image."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cy, cx = h * (0.4 + 0.2 * rng.random()), w * (0.4 + 0.2 * rng.random())
    r = np.hypot((yy - cy) / h, (xx - cx) / w)
    wobble = ndi.gaussian_filter(rng.standard_normal((h, w)).astype(np.float32), min(h, w) / 16)
    field = r + 0.25 * wobble / (np.abs(wobble).max() + 1e-9)
    thr = np.quantile(field, frac)
    m = field <= thr
    lab, n = ndi.label(m)
    if n > 1:
        sizes = ndi.sum_labels(m, lab, np.arange(1, n + 1))
        m = lab == (1 + int(np.argmax(sizes)))
    return m


def to_evidence(rgb_float: np.ndarray, min_side: int = 64):
    arr = np.clip(np.rint(rgb_float), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return load(buf.getvalue(), name="synthetic.png", limits=LoadLimits(min_side=min_side))


def spliced_image(
    h: int = 512, w: int = 512, seed: int = 0, host_sigma: float = 3.0, paste_sigma: float = 1.0,
    frac: float = 0.12,
):
    """Host (noise ``host_sigma``) with a pasted region from another picture (noise ``paste_sigma``).

    Returns (evidence, mask) with mask True on the pasted pixels.
    """
    rng = np.random.default_rng(seed + 1000)
    host = natural_content(h, w, seed) + rng.normal(0, host_sigma, (h, w, 3))
    donor = natural_content(h, w, seed + 7) + rng.normal(0, paste_sigma, (h, w, 3))
    mask = blob_mask(h, w, seed, frac)
    img = np.where(mask[..., None], donor, host)
    return to_evidence(img), mask


def clean_image(h: int = 512, w: int = 512, seed: int = 0, sigma: float = 3.0):
    rng = np.random.default_rng(seed + 2000)
    return to_evidence(natural_content(h, w, seed) + rng.normal(0, sigma, (h, w, 3)))
