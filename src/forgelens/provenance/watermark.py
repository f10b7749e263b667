"""The invisible watermark of Stable Diffusion's reference pipelines (DWT-DCT), decoded here.

Stable Diffusion 1.x (CompVis ``scripts/txt2img.py``, payload the 17 bytes
"StableDiffusionV1"), 2.x (Stability ``scripts/txt2img.py``, payload "SDV2")
and SDXL (Stability ``generative-models`` and Hugging Face ``diffusers``, a
fixed 48-bit message) mark their outputs with the ``invisible-watermark``
package's "dwtDct" method. The method, as published in that package:

1. convert the BGR image to YUV (OpenCV BT.601, 8-bit) and take the U plane
   (the Y plane has scale 0, i.e. is left alone; V is not used), cropped to a
   multiple of 4;
2. take one level of the Haar DWT and keep the approximation band LL;
3. cut LL into 4x4 blocks in row-major order; block ``k`` carries payload bit
   ``k mod L``;
4. in each block, find the coefficient of largest magnitude other than the
   block's first, and quantise its magnitude to ``(floor(|c|/s) + 1/4 + b/2) s``
   with step ``s = 36`` and ``b`` the bit;
5. decoding reads ``b = [(|c| mod s) > s/2]`` per block and averages the
   blocks of each bit (a majority vote).

This module implements the decoder (and, for tests, an encoder of the same
algorithm) in our own code. Because the position of the largest coefficient
is re-chosen at decoding, the method is fragile: JPEG compression, resizing
or cropping that shifts the 8-pixel grid erase it. Its absence proves nothing.

The decoder is "blind" to the payload length, so it is tested against the
known generator payloads (balanced accuracy of the block votes and bit errors
of the majority payload); a payload that decodes consistently but matches none
is reported as an unknown watermark.

References
----------
.. [1] ShieldMnt, ``invisible-watermark`` 0.2.0 (MIT), ``imwatermark/maxDct.py``.
.. [2] Rombach et al., "High-Resolution Image Synthesis with Latent Diffusion
       Models", CVPR 2022 (and the CompVis/stable-diffusion release scripts).
.. [3] Podell et al., "SDXL: Improving Latent Diffusion Models for
       High-Resolution Image Synthesis", 2023 (Stability generative-models).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

SCALE = 36.0
BLOCK = 4
_SDXL_BITS = tuple(int(b) for b in bin(0b101100111110110010010000011110111011000110011110)[2:])


def _bytes_bits(b: bytes) -> tuple[int, ...]:
    return tuple(int(x) for x in np.unpackbits(np.frombuffer(b, dtype=np.uint8)))


#: name -> (payload bits, human-readable payload, who embeds it).
KNOWN_PAYLOADS: dict[str, tuple[tuple[int, ...], str, str]] = {
    "StableDiffusionV1": (_bytes_bits(b"StableDiffusionV1"), "StableDiffusionV1",
                          "Stable Diffusion 1.x reference script (CompVis txt2img.py)"),
    "SDV2": (_bytes_bits(b"SDV2"), "SDV2", "Stable Diffusion 2.x reference script (Stability txt2img.py)"),
    "SDXL": (_SDXL_BITS, "0b101100111110110010010000011110111011000110011110",
             "SDXL (Stability generative-models / Hugging Face diffusers watermarker)"),
}
#: Lengths tried when recovering an unknown payload.
CANDIDATE_LENGTHS = (32, 48, 64, 128, 136, 256)


@dataclass
class WatermarkResult:
    applicable: bool
    note: str = ""
    matched: str | None = None
    payload: str | None = None
    embedder: str | None = None
    balanced_accuracy: float = 0.5
    bit_errors: int | None = None
    n_bits: int | None = None
    n_blocks: int = 0
    channel_order: str | None = None
    unknown_payload: str | None = None
    unknown_length: int | None = None
    unknown_consistency: float = 0.0
    per_payload: dict[str, float] = field(default_factory=dict)


def _u_plane(rgb: np.ndarray, order: str) -> np.ndarray:
    """The U plane the encoder saw: ``order`` "bgr" = RGB pixels given as BGR (SD1/SD2/generative-models),
    "rgb" = RGB pixels handed over as if BGR (diffusers' SDXL watermarker)."""
    code = cv2.COLOR_RGB2YUV if order == "bgr" else cv2.COLOR_BGR2YUV  # same result as reordering, no copy
    return cv2.cvtColor(np.ascontiguousarray(rgb), code)[..., 1]


def _haar_ll(u: np.ndarray) -> np.ndarray:
    r, c = (u.shape[0] // 4) * 4, (u.shape[1] // 4) * 4
    x = u[:r, :c].astype(np.float32)
    return (x[0::2, 0::2] + x[0::2, 1::2] + x[1::2, 0::2] + x[1::2, 1::2]) * 0.5


def _blocks(ll: np.ndarray) -> np.ndarray:
    """(n_blocks, 16) in the encoder's row-major block order."""
    br, bc = ll.shape[0] // BLOCK, ll.shape[1] // BLOCK
    b = ll[: br * BLOCK, : bc * BLOCK].reshape(br, BLOCK, bc, BLOCK).transpose(0, 2, 1, 3)
    return b.reshape(br * bc, BLOCK * BLOCK), bc


def block_bits(rgb: np.ndarray, order: str = "bgr", max_rows: int | None = None) -> np.ndarray:
    """One vote per 4x4 LL block: 1 where |c_max| mod 36 > 18 (the decoder's rule)."""
    if max_rows is not None and rgb.shape[0] > max_rows:
        rgb = rgb[: (max_rows // 8) * 8]  # whole block rows: block indices unchanged
    ll = _haar_ll(_u_plane(rgb, order))
    blocks, _ = _blocks(ll)
    if blocks.shape[0] == 0:
        return np.zeros(0, dtype=np.uint8)
    pos = np.argmax(np.abs(blocks[:, 1:]), axis=1) + 1
    val = np.abs(blocks[np.arange(blocks.shape[0]), pos])
    return (np.mod(val, SCALE) > 0.5 * SCALE).astype(np.uint8)


def majority(bits: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-payload-bit mean of the block votes and the decoded bits (mean > 127/255)."""
    idx = np.arange(bits.size) % length
    sums = np.bincount(idx, weights=bits, minlength=length)
    counts = np.maximum(np.bincount(idx, minlength=length), 1)
    means = sums / counts
    return means, (means * 255 > 127).astype(np.uint8)


def decode(rgb: np.ndarray, max_rows: int | None = 512, min_pixels: int = 256 * 256,
           min_balanced_accuracy: float = 0.62, max_bit_error_rate: float = 0.5) -> WatermarkResult:
    """Look for the DWT-DCT watermark and name the payload if it is a known generator's.

    Parameters
    ----------
    rgb : (H, W, 3) uint8
        Pixels as stored (``Evidence.pixels``).
    max_rows : int, optional
        Decode only the top rows (whole block rows, full width): enough blocks,
        bounded time on large images.
    min_pixels : int
        The encoder refuses images under 256x256 pixels; so does the decoder.
    min_balanced_accuracy, max_bit_error_rate : float
        A known payload is declared present when the block votes agree with it
        with at least this balanced accuracy and the majority payload has at
        most this fraction of wrong bits.
    """
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[0] * rgb.shape[1] < min_pixels:
        return WatermarkResult(False, "image smaller than 256x256 pixels: the DWT-DCT watermark is never embedded")
    best = WatermarkResult(True, "no known DWT-DCT payload found")
    for order in ("bgr", "rgb"):
        bits = block_bits(rgb, order, max_rows)
        n = bits.size
        if n < 64:
            return WatermarkResult(False, f"only {n} 4x4 LL blocks: too few to decode")
        best.n_blocks = n
        for name, (payload, text, who) in KNOWN_PAYLOADS.items():
            p = np.asarray(payload, dtype=np.uint8)
            expect = p[np.arange(n) % p.size]
            ones, zeros = expect == 1, expect == 0
            ba = 0.5 * (bits[ones].mean() + (1 - bits[zeros]).mean())
            _, dec = majority(bits, p.size)
            errs = int(np.count_nonzero(dec != p))
            key = f"{name}/{order}"
            best.per_payload[key] = round(float(ba), 4)
            if ba >= min_balanced_accuracy and errs <= max_bit_error_rate * p.size and ba > best.balanced_accuracy:
                best.matched, best.payload, best.embedder = name, text, who
                best.balanced_accuracy, best.bit_errors, best.n_bits = float(ba), errs, int(p.size)
                best.channel_order = order
                best.note = f"DWT-DCT watermark with the {name} payload ({who})"
        if best.matched is None:
            for length in CANDIDATE_LENGTHS:
                if n < 8 * length:
                    continue
                means, dec = majority(bits, length)
                consistency = float(np.mean(np.abs(2 * means - 1)))
                frac = dec.mean()
                if 0.2 <= frac <= 0.8 and consistency > max(best.unknown_consistency, 0.8):
                    best.unknown_consistency = consistency
                    best.unknown_length = length
                    raw = np.packbits(dec).tobytes()
                    best.unknown_payload = raw.decode("ascii") if all(32 <= c < 127 for c in raw) else raw.hex()
                    best.channel_order = order
    if best.matched is None and best.unknown_payload is not None:
        best.note = (f"a {best.unknown_length}-bit DWT-DCT payload decodes consistently "
                     f"({best.unknown_consistency:.2f}) but matches no known generator")
    return best


def embed(rgb: np.ndarray, payload_bits, scale: float = SCALE) -> np.ndarray:
    """Embed ``payload_bits`` with the same published dwtDct algorithm (our implementation).

    Works on the U plane of ``rgb`` treated as BGR-ordered RGB like the SD 1.x
    script (i.e. the image is given as RGB and converted to BGR first). Used by
    the tests; it does not reproduce the reference package's swap of its
    horizontal and vertical detail bands, which the decoder never reads.
    """
    bits = np.asarray(list(payload_bits), dtype=np.int64) % 2
    bgr = np.ascontiguousarray(np.asarray(rgb)[..., ::-1])
    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV).astype(np.float32)
    u = yuv[..., 1]
    r, c = (u.shape[0] // 4) * 4, (u.shape[1] // 4) * 4
    ll = _haar_ll(u)
    blocks, bc = _blocks(ll)
    nb = blocks.shape[0]
    pos = np.argmax(np.abs(blocks[:, 1:]), axis=1) + 1
    val = blocks[np.arange(nb), pos]
    mag = np.abs(val)
    b = bits[np.arange(nb) % bits.size]
    new = (np.floor(mag / scale) + 0.25 + 0.5 * b) * scale
    delta = np.sign(val + (val == 0)) * new - val  # per chosen LL coefficient
    dll = np.zeros_like(ll)
    bi, bj = np.divmod(np.arange(nb), bc)
    pi, pj = np.divmod(pos, BLOCK)
    dll[bi * BLOCK + pi, bj * BLOCK + pj] = delta
    # inverse Haar of a change in LL only: each of the 2x2 pixels moves by delta / 2
    du = np.repeat(np.repeat(dll * 0.5, 2, axis=0), 2, axis=1)
    u[: du.shape[0], : du.shape[1]] += du
    _ = r, c
    yuv[..., 1] = u
    out = cv2.cvtColor(np.clip(np.rint(yuv), 0, 255).astype(np.uint8), cv2.COLOR_YUV2BGR)
    return np.ascontiguousarray(out[..., ::-1])
