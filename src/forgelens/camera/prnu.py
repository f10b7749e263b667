"""Photo-response non-uniformity (PRNU): sensor noise residuals, fingerprints, PCE.

Every sensor pixel converts light with a slightly different gain, a
multiplicative pattern ``K`` that each photo carries: ``I = I0 (1 + K) + noise``.
Its estimate from a few reference photos of one camera identifies that camera
(Lukáš, Fridrich, Goljan 2006), and where an image lacks it, something was
pasted (Chen, Fridrich, Goljan, Lukáš 2008).

Pipeline (clean-room, after the papers):

1. ``noise_residual``: ``W = I - F(I)`` with ``F`` the wavelet-domain locally
   adaptive Wiener denoiser of Mihçak et al. (4-level db8, windows 3/5/7/9),
   on the luminance.
2. ``estimate_fingerprint``: maximum-likelihood ``K = sum W_i I_i / sum I_i^2``
   with saturated pixels excluded, then zero-meaning of rows and columns of each
   2x2 CFA sub-lattice and Wiener filtering of its DFT (removes the artefacts
   shared by all cameras of a model: JPEG blocking, demosaicing periodicities).
3. ``pce``: peak-to-correlation energy of the cross-correlation of a test
   residual with ``I K`` at zero shift (no search over crops or rotations).
4. ``correlation_map``: normalised correlation of ``W`` and ``I K`` in a sliding
   window, compared with the correlation predicted if the pattern is present.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np
import pywt
import scipy.fft

from forgelens.errors import ForgeLensError, UnreadableImageError

__all__ = [
    "FingerprintError",
    "noise_residual",
    "zero_mean",
    "wiener_dft",
    "estimate_fingerprint",
    "save_fingerprint",
    "load_fingerprint",
    "pce",
    "correlation_map",
]

FORMAT_VERSION = 1


class FingerprintError(ForgeLensError):
    """A fingerprint file that cannot be used (unreadable, wrong content, or references that disagree)."""

    reason = "bad camera fingerprint"


def _gray(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 3:
        x = 0.299 * x[..., 0].astype(np.float32) + 0.587 * x[..., 1] + 0.114 * x[..., 2]
    return x.astype(np.float32)


def _local_wiener(c: np.ndarray, noise_var: float, windows=(3, 5, 7, 9)) -> np.ndarray:
    """Mihçak's estimate: signal variance = min over windows of max(0, local mean(c^2) - s0^2)."""
    c2 = c * c
    var = None
    for wsz in windows:
        v = cv2.blur(c2, (wsz, wsz), borderType=cv2.BORDER_REFLECT) - noise_var
        var = v if var is None else np.minimum(var, v)
    var = np.maximum(var, 0)
    return c * var / (var + noise_var)


def noise_residual(image: np.ndarray, sigma: float = 5.0, levels: int = 4, wavelet: str = "db8") -> np.ndarray:
    """Sensor-noise residual ``W = I - denoise(I)`` of the luminance.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) array
        Pixel values 0..255 (RGB is converted to BT.601 luminance).
    sigma : float, optional
        Standard deviation of the noise the denoiser assumes (Lukáš et al.: 5).
    levels : int, optional
        Wavelet decomposition levels (4).
    wavelet : str, optional
        Wavelet (Daubechies 8, "db8").

    Returns
    -------
    W : (H, W) float32 array

    Notes
    -----
    The residual is the part of every detail sub-band that the locally adaptive
    Wiener filter removes; the approximation band carries scene content and is
    dropped. It assumes the PRNU is a small, spatially white multiplicative
    signal under much larger additive noise and content.

    References
    ----------
    .. [1] J. Lukáš, J. Fridrich, M. Goljan, "Digital camera identification from
           sensor pattern noise", IEEE TIFS 1(2):205-214, 2006.
    .. [2] M. K. Mihçak, I. Kozintsev, K. Ramchandran, "Spatially adaptive
           statistical modeling of wavelet image coefficients and its application
           to denoising", ICASSP 1999.
    """
    img = _gray(image)
    h, w = img.shape
    levels = max(1, min(levels, pywt.dwt_max_level(min(h, w), pywt.Wavelet(wavelet).dec_len)))
    coeffs = pywt.wavedec2(img, wavelet, mode="periodization", level=levels)
    nv = float(sigma) ** 2
    out = [np.zeros_like(coeffs[0])]
    for detail in coeffs[1:]:
        out.append(tuple((d - _local_wiener(d.astype(np.float32), nv)).astype(np.float32) for d in detail))
    res = pywt.waverec2(out, wavelet, mode="periodization")
    return res[:h, :w].astype(np.float32)


def zero_mean(x: np.ndarray) -> np.ndarray:
    """Remove row and column means of each of the four 2x2 (CFA) sub-lattices."""
    x = np.asarray(x, dtype=np.float32).copy()
    for dy in (0, 1):
        for dx in (0, 1):
            s = x[dy::2, dx::2]
            s -= s.mean()
            s -= s.mean(axis=0, keepdims=True)
            s -= s.mean(axis=1, keepdims=True)
    return x


def wiener_dft(x: np.ndarray) -> np.ndarray:
    """Suppress isolated spectral peaks: Wiener filtering of the DFT magnitude (Chen et al. 2008).

    The magnitude spectrum of a clean fingerprint is flat (white noise); peaks
    come from periodic artefacts shared by every camera of a model. The local
    Wiener gain ``s0^2 / (local_var + s0^2)``, with ``s0^2`` the spectrum's
    typical power, attenuates them and leaves the white part.
    """
    F = scipy.fft.fft2(x.astype(np.float32), workers=2)
    mag = np.abs(F).astype(np.float32) / np.sqrt(x.size)
    nv = float(np.median(mag * mag))
    c2 = mag * mag
    var = None
    for wsz in (3, 5, 7, 9):
        v = cv2.blur(c2, (wsz, wsz), borderType=cv2.BORDER_REFLECT) - nv
        var = v if var is None else np.minimum(var, v)
    var = np.maximum(var, 0)
    gain = nv / (var + nv)
    return np.real(scipy.fft.ifft2(F * gain, workers=2)).astype(np.float32)


def _read_pixels(path: str | os.PathLike) -> np.ndarray:
    from forgelens.evidence import load

    return load(path).pixels


def estimate_fingerprint(
    paths: Iterable[str | os.PathLike | np.ndarray],
    sigma: float = 5.0,
    saturation: float = 250.0,
) -> np.ndarray:
    """Maximum-likelihood PRNU fingerprint of one camera from reference images.

    Parameters
    ----------
    paths : iterable of paths (or arrays)
        Reference images of the same camera, all the same size and orientation
        (flat fields — sky, a white wall — give the best estimate; 10–50 suffice).
    sigma : float, optional
        Denoiser noise level (5).
    saturation : float, optional
        Pixels at or above this luminance are excluded (no PRNU survives clipping).

    Returns
    -------
    K : (H, W) float32 array
        The fingerprint, zero-meaned and Wiener-filtered in the DFT.

    Raises
    ------
    FingerprintError
        If no references are given or their sizes differ.

    Notes
    -----
    ``K = sum(W_i I_i) / sum(I_i^2)`` is the ML estimate under
    ``W_i = I_i K + Xi_i`` with white Gaussian ``Xi`` (Chen et al. 2008).

    References
    ----------
    .. [1] M. Chen, J. Fridrich, M. Goljan, J. Lukáš, "Determining image origin
           and integrity using sensor noise", IEEE TIFS 3(1):74-90, 2008.
    """
    num = den = None
    shape = None
    n = 0
    for p in paths:
        px = np.asarray(p) if isinstance(p, np.ndarray) else _read_pixels(p)
        img = _gray(px)
        if shape is None:
            shape = img.shape
            num = np.zeros(shape, np.float64)
            den = np.zeros(shape, np.float64)
        elif img.shape != shape:
            label = "array" if isinstance(p, np.ndarray) else str(p)
            raise FingerprintError(
                label, f"is {img.shape[1]}x{img.shape[0]}, the first reference is {shape[1]}x{shape[0]}: "
                "all references must have the same size and orientation"
            )
        W = noise_residual(img, sigma)
        ok = (cv2.dilate((img >= saturation).astype(np.uint8), np.ones((3, 3), np.uint8)) == 0).astype(np.float32)
        num += W * img * ok
        den += (img * img) * ok
        n += 1
    if n == 0 or num is None:
        raise FingerprintError("<references>", "no reference images given")
    K = (num / (den + 1.0)).astype(np.float32)
    return wiener_dft(zero_mean(K))


def save_fingerprint(path: str | os.PathLike, K: np.ndarray, *, n_images: int = 0, sources=()) -> None:
    """Write a fingerprint to ``path`` (``.npz``: K, shape, version, provenance)."""
    K = np.asarray(K, dtype=np.float32)
    if K.ndim != 2:
        raise FingerprintError(str(path), f"fingerprint must be 2-D, got shape {K.shape}")
    np.savez_compressed(
        path,
        K=K,
        version=np.int32(FORMAT_VERSION),
        n_images=np.int32(n_images),
        sources=np.array([str(s) for s in sources]),
        kind=np.array("forgelens-prnu"),
    )


def load_fingerprint(path: str | os.PathLike) -> np.ndarray:
    """Read a fingerprint written by ``save_fingerprint``; raises ``FingerprintError`` if unusable."""
    p = Path(path)
    if not p.exists():
        raise UnreadableImageError(str(p), "no such fingerprint file")
    try:
        with np.load(p, allow_pickle=False) as z:
            if "K" not in z.files:
                raise FingerprintError(str(p), f"no 'K' array in file (has {z.files})")
            K = np.asarray(z["K"], dtype=np.float32)
    except FingerprintError:
        raise
    except Exception as exc:  # zip/format errors
        raise FingerprintError(str(p), f"not a fingerprint .npz: {exc}") from exc
    if K.ndim != 2 or not np.isfinite(K).all():
        raise FingerprintError(str(p), f"fingerprint must be a finite 2-D array, got shape {K.shape}")
    return K


def pce(residual: np.ndarray, reference: np.ndarray, exclude: int = 11) -> tuple[float, tuple[int, int]]:
    """Signed peak-to-correlation energy at zero shift.

    Parameters
    ----------
    residual : (H, W) array
        Test image noise residual ``W``.
    reference : (H, W) array
        Expected pattern ``I K`` (same size).
    exclude : int, optional
        Side of the neighbourhood around the peak excluded from the energy (11).

    Returns
    -------
    pce : float
        ``sign(c0) c0^2 / mean(c^2 outside the neighbourhood)``; > 60 is the
        usual decision threshold for a match (Goljan et al. 2009).
    argmax : (int, int)
        Shift of the largest correlation peak (for reporting; not used).
    """
    a = zero_mean(residual)
    b = zero_mean(reference)
    Fa = scipy.fft.rfft2(a, workers=2)
    Fb = scipy.fft.rfft2(b, workers=2)
    c = scipy.fft.irfft2(Fa * np.conj(Fb), s=a.shape, workers=2)
    c0 = float(c[0, 0])
    r = exclude // 2
    c2 = c.astype(np.float64) ** 2
    mask = np.ones(c.shape, bool)
    ys = np.r_[0 : r + 1, c.shape[0] - r : c.shape[0]]
    xs = np.r_[0 : r + 1, c.shape[1] - r : c.shape[1]]
    mask[np.ix_(ys, xs)] = False
    energy = float(c2[mask].mean())
    am = np.unravel_index(int(np.argmax(c)), c.shape)
    return float(np.sign(c0) * c0 * c0 / max(energy, 1e-30)), (int(am[0]), int(am[1]))


def correlation_map(residual: np.ndarray, reference: np.ndarray, window: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Windowed normalised correlation of ``W`` with ``I K``, and its predicted value.

    Returns
    -------
    rho : (H, W) float32
        Normalised correlation in a ``window`` x ``window`` box around each pixel.
    rho_pred : (H, W) float32
        ``sqrt(var(I K) / var(W))`` in the same window: the correlation expected
        if the residual is ``I K`` plus independent noise (before the global
        scale fitted by the detector).
    """
    k = (window, window)

    def box(x):
        return cv2.boxFilter(x, cv2.CV_32F, k, borderType=cv2.BORDER_REFLECT)

    a = residual.astype(np.float32)
    b = reference.astype(np.float32)
    ma, mb = box(a), box(b)
    va = np.maximum(box(a * a) - ma * ma, 1e-12)
    vb = np.maximum(box(b * b) - mb * mb, 1e-12)
    cov = box(a * b) - ma * mb
    rho = cov / np.sqrt(va * vb)
    pred = np.sqrt(np.minimum(vb / va, 1.0))
    return rho.astype(np.float32), pred.astype(np.float32)
