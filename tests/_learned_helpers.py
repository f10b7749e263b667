"""Camera splices for the learned-localizer test and ``benchmarks/studies/splices_learned.py`` (one recipe).

Hosts and donors are photos of camera models held out of the shipped model's training data.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

CAMERAS = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "cameras" / "exif-samples"
# Camera models held out of the shipped model's training data (see MODEL_CARD.md):
# iPhone 6, Jolla, Olympus E-P3, Casio EX-Z750 hosts; Fujifilm DX-10, Casio EX-M2, Kodak DC210, iPhone 6 donors.
HOSTS = ("hdr_iphone_hdr_NO.jpg", "mobile_jolla.jpg", "tests_42_IndexError.jpg", "tests_35-empty.jpg")
DONORS = ("exif-org_fujifilm-dx10.jpg", "tests_36-memory_error.jpg", "exif-org_kodak-dc210.jpg", "hdr_iphone_hdr_YES.jpg")


def textured_photo(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A textured, noisy RGB 'photo' (smooth gradients + shapes + sensor-like noise)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 110 + 50 * np.sin(xx / 37.0) * np.cos(yy / 23.0)
    img = np.stack([base, base * 0.9 + 20, base * 0.8 + 30], axis=2)
    for _ in range(12):
        cy, cx, r = rng.integers(0, h), rng.integers(0, w), rng.integers(10, 60)
        cv2.circle(img, (int(cx), int(cy)), int(r), rng.uniform(40, 220, 3).tolist(), -1)
    img += rng.normal(0, 3, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def jpeg_bytes(rgb: np.ndarray, q: int = 90) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q])
    assert ok
    return buf.tobytes()


def _camera(name: str) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(CAMERAS / name), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def camera_splice(seed: int, size: int = 512) -> tuple[bytes, np.ndarray, bytes]:
    """A splice of one camera's photo into another's, and the untouched host crop.

    Host: a ``size``-px crop (8-aligned, so its own JPEG grid is kept) of a
    camera original. Donor: a patch of another camera's photo given another
    history (extra Gaussian noise sigma 4, JPEG q 55-74). Region: an axis-aligned
    rectangle (odd seeds) or a rotated ellipse (even seeds), 1/4-1/2 of the side,
    at a random place, hard-edged. The result is saved as JPEG q 85-95.
    Returns (spliced JPEG bytes, mask, authentic host crop as JPEG q 90 bytes).
    """
    rng = np.random.default_rng(seed)
    host, donor = _camera(HOSTS[seed % len(HOSTS)]), _camera(DONORS[seed % len(DONORS)])
    hh, hw = host.shape[:2]
    y0, x0 = 8 * int(rng.integers(0, (hh - size) // 8)), 8 * int(rng.integers(0, (hw - size) // 8))
    clean = np.ascontiguousarray(host[y0:y0 + size, x0:x0 + size])
    dh, dw = donor.shape[:2]
    s = min(size, dh, dw)
    dy, dx = int(rng.integers(0, dh - s + 1)), int(rng.integers(0, dw - s + 1))
    d = donor[dy:dy + s, dx:dx + s].astype(np.float32)
    if s < size:
        d = cv2.resize(d, (size, size))
    d = np.clip(d + rng.normal(0, 4, d.shape), 0, 255).astype(np.uint8)
    d = cv2.cvtColor(cv2.imdecode(np.frombuffer(jpeg_bytes(d, int(rng.integers(55, 75))), np.uint8),
                                  cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    mask = np.zeros((size, size), np.uint8)
    bh, bw = (int(v) for v in rng.integers(size // 4, size // 2, 2))
    my, mx = int(rng.integers(0, size - bh)), int(rng.integers(0, size - bw))
    if seed % 2:
        mask[my:my + bh, mx:mx + bw] = 1
    else:
        cv2.ellipse(mask, (mx + bw // 2, my + bh // 2), (bw // 2, bh // 2), float(rng.uniform(0, 180)), 0, 360, 1, -1)
    img = clean.copy()
    img[mask > 0] = d[mask > 0]
    return jpeg_bytes(img, int(rng.integers(85, 96))), mask.astype(bool), jpeg_bytes(clean, 90)
