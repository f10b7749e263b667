"""Robustness perturbations: named, parameterised transforms of an image file's bytes.

Each perturbation decodes the original file, transforms the pixels and
re-encodes them to new bytes, which the runner then ``load``s like any file —
so every detector sees exactly what a user would after that operation (a
recompressed file with its new JPEG tables, not a float array).

Spec syntax (``--perturb``): comma-separated ``name`` or ``name:param``.

=============  =============================================================
``none``       the original bytes, untouched
``jpeg:Q``     re-encode as baseline JPEG at quality Q (Pillow / libjpeg
               tables, 4:2:0 chroma subsampling)
``resize:S``   scale both sides by S (bicubic, Pillow's antialiased filter),
               saved as PNG so only the resampling counts
``blur:SIGMA`` Gaussian blur of standard deviation SIGMA pixels (kernel
               ±3 sigma), saved as PNG
``noise:SIGMA`` additive white Gaussian noise, SIGMA in 8-bit grey levels,
               seeded from the file's SHA-256 (same file → same noise), PNG
``webp:Q``     re-encode as lossy WebP at quality Q
``social``     a social-network upload: long side down to 1600 px if larger
               (bicubic), then JPEG quality 80
``launder``    both sides x0.75 with area averaging, then JPEG quality 75,
               both with OpenCV (the "synth-test-social" laundering of
               ``benchmarks/accuracy/accuracy_learned.py``)
=============  =============================================================

Ground-truth masks follow geometric changes (``resize``, ``social``, ``launder``): the
runner resizes the mask to the perturbed image with nearest-neighbour.
EXIF orientation is never applied: pixels stay on the stored grid, as in
``Evidence`` and in the masks.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from forgelens.jpeg import encode_jpeg

#: The robustness sweep of the issue, in plotting order.
SWEEP = (
    "none",
    "jpeg:95", "jpeg:85", "jpeg:75", "jpeg:50",
    "resize:0.75", "resize:0.5",
    "blur:1", "noise:3",
    "webp:80",
    "social",
)

_DEFAULTS = {"jpeg": 75.0, "resize": 0.5, "blur": 1.0, "noise": 3.0, "webp": 80.0}
_RANGES = {"jpeg": (1, 100), "webp": (1, 100), "resize": (0.01, 4.0), "blur": (0.0, 50.0), "noise": (0.0, 128.0)}


@dataclass(frozen=True)
class Perturbation:
    """A named transform; ``spec`` is its canonical string (``jpeg:75``, ``social``, ``none``)."""

    kind: str
    param: float | None = None

    @property
    def spec(self) -> str:
        if self.param is None:
            return self.kind
        p = int(self.param) if float(self.param).is_integer() else self.param
        return f"{self.kind}:{p}"

    @property
    def geometric(self) -> bool:
        return self.kind in ("resize", "social", "launder")

    def apply(self, data: bytes) -> bytes:
        """Transform the file bytes; ``none`` returns them unchanged."""
        if self.kind == "none":
            return data
        if self.kind == "launder":
            return _launder(data)
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            rgb = im.convert("RGB")
        if self.kind == "jpeg":
            return encode_jpeg(rgb, int(self.param))
        if self.kind == "webp":
            return _encode(rgb, "WEBP", quality=int(self.param))
        if self.kind == "resize":
            w, h = rgb.size
            size = (max(1, round(w * self.param)), max(1, round(h * self.param)))
            return _encode(rgb.resize(size, Image.BICUBIC), "PNG")
        if self.kind == "blur":
            return _encode(_gaussian_blur(rgb, float(self.param)), "PNG")
        if self.kind == "noise":
            seed = int.from_bytes(hashlib.sha256(data).digest()[:8], "little")
            arr = np.asarray(rgb, dtype=np.float32)
            arr = arr + np.random.default_rng(seed).normal(0.0, float(self.param), arr.shape).astype(np.float32)
            return _encode(Image.fromarray(np.clip(np.rint(arr), 0, 255).astype(np.uint8)), "PNG")
        if self.kind == "social":
            w, h = rgb.size
            if max(w, h) > 1600:
                s = 1600 / max(w, h)
                rgb = rgb.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BICUBIC)
            return encode_jpeg(rgb, 80)
        raise ValueError(f"unknown perturbation {self.kind!r}")


def _launder(data: bytes) -> bytes:
    import cv2

    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if bgr is None:
        raise ValueError("OpenCV cannot decode the image")
    h, w = bgr.shape[:2]
    small = cv2.resize(bgr, (max(1, round(w * 0.75)), max(1, round(h * 0.75))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 75])
    if not ok:
        raise ValueError("OpenCV cannot encode the laundered image")
    return buf.tobytes()


def _encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _gaussian_blur(im: Image.Image, sigma: float) -> Image.Image:
    import cv2

    if sigma <= 0:
        return im
    k = 2 * int(np.ceil(3 * sigma)) + 1
    arr = cv2.GaussianBlur(np.asarray(im), (k, k), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT_101)
    return Image.fromarray(arr)


def parse_one(spec: str) -> Perturbation:
    spec = spec.strip().lower()
    if spec in ("", "none", "clean"):
        return Perturbation("none")
    if spec in ("social", "launder"):
        return Perturbation(spec)
    kind, _, param = spec.partition(":")
    if kind not in _DEFAULTS:
        known = "none, social, launder, " + ", ".join(f"{k}:X" for k in _DEFAULTS)
        raise ValueError(f"unknown perturbation {spec!r}; known: {known}")
    try:
        value = float(param) if param else _DEFAULTS[kind]
    except ValueError:
        raise ValueError(f"perturbation {spec!r}: parameter must be a number") from None
    lo, hi = _RANGES[kind]
    if not lo <= value <= hi:
        raise ValueError(f"perturbation {spec!r}: parameter outside [{lo}, {hi}]")
    return Perturbation(kind, value)


def parse(specs: str | list[str] | None) -> list[Perturbation]:
    """``"jpeg:75,resize:0.5"`` (or a list of such strings; ``sweep`` = the standard sweep) → perturbations."""
    if not specs:
        return [Perturbation("none")]
    parts: list[str] = []
    for s in [specs] if isinstance(specs, str) else specs:
        parts += [p for p in s.split(",") if p.strip()]
    out: list[Perturbation] = []
    for p in parts:
        for one in (SWEEP if p.strip().lower() == "sweep" else [p]):
            q = parse_one(one)
            if q not in out:
                out.append(q)
    return out or [Perturbation("none")]

