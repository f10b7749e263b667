"""Camera identification: PRNU sensor fingerprints (estimation, storage, matching)."""

from forgelens.camera.prnu import (
    FingerprintError,
    estimate_fingerprint,
    load_fingerprint,
    noise_residual,
    pce,
    save_fingerprint,
)

__all__ = [
    "FingerprintError",
    "estimate_fingerprint",
    "load_fingerprint",
    "noise_residual",
    "pce",
    "save_fingerprint",
]
