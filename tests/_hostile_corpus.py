"""A generator of malformed and hostile image files (issue 19), made from small synthetic pictures.

``make_corpus(folder)`` writes a few hundred small files: valid images in every format and
pixel mode read here, truncations, bit flips, random bytes, non-images, decompression bombs
(huge headers over tiny data), hostile metadata chunks (zTXt bombs, XMP word runs, EXIF
amplification, JUMBF garbage, comment floods) and hostile file names. Deterministic
(seeded); every file is at most a few hundred KB. Used by ``tests/test_fuzz.py`` and
``benchmarks/studies/hostile.py``.

    python tests/_hostile_corpus.py OUT_FOLDER
"""

from __future__ import annotations

import io
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

XMP_SIG = b"http://ns.adobe.com/xap/1.0/\x00"


def picture(h: int = 80, w: int = 96, seed: int = 0) -> np.ndarray:
    """A small photo-like RGB picture (gradients, shapes, noise)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([60 + 100 * xx / w, 40 + 120 * yy / h, 90 + 50 * np.sin(xx / 9.0)], axis=2)
    img += rng.normal(0, 6, img.shape)
    img[h // 4 : h // 2, w // 3 : w // 2] += 60
    return np.clip(img, 0, 255).astype(np.uint8)


def _save(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def png_chunk(ctype: bytes, body: bytes, crc: int | None = None) -> bytes:
    c = zlib.crc32(ctype + body) & 0xFFFFFFFF if crc is None else crc
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", c)


def _png_insert(png: bytes, chunks: bytes) -> bytes:
    iend = png.rindex(b"IEND") - 4
    return png[:iend] + chunks + png[iend:]


def _jpeg_insert(jpeg: bytes, segments: bytes) -> bytes:
    return jpeg[:2] + segments + jpeg[2:]


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def flat_png(width: int, height: int, channels: int = 3) -> bytes:
    """A PNG of one flat colour: tiny on disk, ``width * height`` pixels once decoded."""
    row = b"\x00" * (1 + channels * width)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ctype = {1: 0, 3: 2, 4: 6}[channels]
    ihdr = struct.pack(">IIBBBBB", width, height, 8, ctype, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def valid_files(seed: int = 0) -> dict[str, bytes]:
    """Valid images in every format and mode the loader reads."""
    rgb = picture(seed=seed)
    im = Image.fromarray(rgb)
    gray = im.convert("L")
    out = {
        "base.jpg": _save(im, "JPEG", quality=90),
        "progressive.jpg": _save(im, "JPEG", quality=75, progressive=True),
        "gray.jpg": _save(gray, "JPEG", quality=85),
        "cmyk.jpg": _save(im.convert("CMYK"), "JPEG", quality=90),
        "base.png": _save(im, "PNG"),
        "rgba.png": _save(im.convert("RGBA"), "PNG"),
        "la.png": _save(gray.convert("LA"), "PNG"),
        "palette.png": _save(im.convert("P"), "PNG"),
        "bilevel.png": _save(gray.convert("1"), "PNG"),
        "gray16.png": _save(Image.fromarray(np.asarray(gray).astype(np.uint16) * 257), "PNG"),
        "base.tif": _save(im, "TIFF"),
        "lzw.tif": _save(im, "TIFF", compression="tiff_lzw"),
        "float.tif": _save(Image.fromarray(np.asarray(gray).astype(np.float32) / 255), "TIFF"),
        "int32.tif": _save(Image.fromarray(np.asarray(gray).astype(np.int32) * 1000), "TIFF"),
        "lossy.webp": _save(im, "WEBP", quality=80),
        "lossless.webp": _save(im, "WEBP", lossless=True),
        "base.gif": _save(im.convert("P"), "GIF"),
        "animated.gif": _save(im.convert("P"), "GIF", save_all=True,
                              append_images=[Image.fromarray(255 - rgb).convert("P")]),
        "base.bmp": _save(im, "BMP"),
        "base.ppm": _save(im, "PPM"),
    }
    for fmt, name in (("AVIF", "base.avif"), ("HEIF", "base.heic")):
        try:
            if fmt == "HEIF":
                import pillow_heif

                pillow_heif.register_heif_opener()
            out[name] = _save(im, fmt, quality=80)
        except Exception:  # codec not installed: the corpus goes without it
            pass
    return out


def mutations(name: str, data: bytes, rng: np.random.Generator) -> dict[str, bytes]:
    """Truncations and bit flips of one valid file."""
    out: dict[str, bytes] = {}
    stem, _, suffix = name.rpartition(".")
    for frac in (0.02, 0.1, 0.3, 0.6, 0.9, 0.99):
        out[f"{stem}-trunc{int(frac * 100):02d}.{suffix}"] = data[: max(1, int(len(data) * frac))]
    for k, n_flips in enumerate((1, 1, 4, 16, 64, 256)):
        arr = bytearray(data)
        lo = 0 if k % 2 == 0 else min(len(arr) - 1, 64)  # odd ones spare the header
        for pos in rng.integers(lo, len(arr), n_flips):
            arr[pos] ^= 1 << int(rng.integers(0, 8))
        out[f"{stem}-flip{k}.{suffix}"] = bytes(arr)
    return out


def hostile_files(seed: int = 0) -> dict[str, bytes]:
    rng = np.random.default_rng(seed + 1000)
    im = Image.fromarray(picture(seed=seed))
    jpeg, png = _save(im, "JPEG", quality=90), _save(im, "PNG")
    out: dict[str, bytes] = {
        "empty.jpg": b"",
        "random.jpg": rng.integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        "random.png": rng.integers(0, 256, 300, dtype=np.uint8).tobytes(),
        "random-with-jpeg-magic.jpg": b"\xff\xd8\xff\xe0" + rng.integers(0, 256, 2000, dtype=np.uint8).tobytes(),
        "random-with-png-magic.png": b"\x89PNG\r\n\x1a\n" + rng.integers(0, 256, 2000, dtype=np.uint8).tobytes(),
        "document.pdf.jpg": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" * 4,
        "page.html.png": b"<!DOCTYPE html><html><body>hello</body></html>\n" * 10,
        "archive.zip.jpg": b"PK\x03\x04" + b"\x00" * 200,
        "tiny.png": _save(im.resize((16, 16)), "PNG"),
        "one-row.png": _save(im.resize((2000, 1)), "PNG"),
        "zeros.bmp": b"\x00" * 1000,
    }
    # decompression bombs: huge headers over tiny data
    out["bomb-20000x20000.png"] = flat_png(20000, 20000, 1)[:4096]  # header is enough to refuse
    out["bomb-header-only.png"] = b"\x89PNG\r\n\x1a\n" + png_chunk(
        b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)) + png_chunk(b"IEND", b"")
    sof = _segment(0xC0, struct.pack(">BHHB", 8, 65000, 65000, 3) + b"\x01\x11\x00\x02\x11\x01\x03\x11\x01")
    out["bomb-65000-sof.jpg"] = jpeg[:2] + sof + jpeg[2:]
    gif = bytearray(_save(im.convert("P"), "GIF"))
    gif[6:10] = struct.pack("<HH", 65535, 65535)
    out["bomb-screen.gif"] = bytes(gif)
    tif = _save(im, "TIFF")
    out["bomb-dims.tif"] = tif.replace(struct.pack("<HHII", 256, 4, 1, 96), struct.pack("<HHII", 256, 4, 1, 10**6))
    # hostile metadata
    ztxt = zlib.compress(b"\x00" * (4 << 20), 9)
    out["ztxt-flood.png"] = _png_insert(png, b"".join(png_chunk(b"zTXt", b"Comment\x00\x00" + ztxt) for _ in range(40)))
    out["text-flood.png"] = _png_insert(png, b"".join(png_chunk(b"tEXt", b"k%d\x00v" % i) for i in range(3000)))
    out["itxt-bomb.png"] = _png_insert(png, png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x01\x00\x00\x00"
                                                      + zlib.compress(b"a" * (16 << 20), 9)))
    out["bad-crc.png"] = png[:29] + b"\x00\x00\x00\x00" + png[33:]  # IHDR's CRC zeroed
    out["xmp-word-run.jpg"] = _jpeg_insert(jpeg, _segment(0xE1, XMP_SIG + b"<x:xmpmeta " + b"a" * 65000))
    out["xmp-doctype.jpg"] = _jpeg_insert(jpeg, _segment(0xE1, XMP_SIG + b'<!DOCTYPE x [<!ENTITY a "aaaa">]>'
                                                         b"<x:xmpmeta>&a;&a;</x:xmpmeta>"))
    ext = b"".join(_segment(0xE1, b"http://ns.adobe.com/xmp/extension/\x00" + b"0" * 32
                            + struct.pack(">II", 10**8, i * 60000) + b"b" * 60000) for i in range(30))
    out["xmp-extended-flood.jpg"] = _jpeg_insert(jpeg, ext)
    out["comment-flood.jpg"] = _jpeg_insert(jpeg, b"".join(_segment(0xFE, b"c" * 60000) for _ in range(20)))
    out["jumbf-garbage.jpg"] = _jpeg_insert(jpeg, _segment(0xEB, b"JP" + rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()))
    entries = b"".join(struct.pack("<HHII", 0x1000 + i, 2, 60000, 8 + 2 + 12 * 200 + 4) for i in range(200))
    exif = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 200) + entries + b"\x00" * 4 + b"A" * 60000
    out["exif-amplify.png"] = _png_insert(png, png_chunk(b"eXIf", exif))
    loop = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + struct.pack("<HHII", 0x8769, 4, 1, 8) + struct.pack("<I", 8)
    out["exif-loop.jpg"] = _jpeg_insert(jpeg, _segment(0xE1, b"Exif\x00\x00" + loop))
    out["icc-garbage.jpg"] = _jpeg_insert(jpeg, _segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + b"\xff" * 3000))
    out["iptc-garbage.jpg"] = _jpeg_insert(jpeg, _segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\xff\xff\xff\xff"))
    out["a1111-long.png"] = _png_insert(png, png_chunk(b"tEXt", b"parameters\x00" + b"word " * 100000
                                                       + b"\nSteps: 20, " + b"x" * 100000))
    # hostile names (valid content)
    for nm in ("...jpg", "..png", " spaced name .jpg", "\u0444\u043e\u0442\u043e.jpg", "batch.json.jpg",
               "x" * 200 + ".jpg", "new\nline.jpg", "no-suffix", "UPPER.JPG"):
        out[nm] = jpeg
    return out


def make_corpus(folder: Path, seed: int = 0) -> list[Path]:
    """Write the corpus into ``folder`` (created); return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    files: dict[str, bytes] = {}
    for name, data in valid_files(seed).items():
        files[name] = data
        files.update(mutations(name, data, rng))
    files.update(hostile_files(seed))
    written = []
    for name, data in files.items():
        p = folder / name
        p.write_bytes(data)
        written.append(p)
    return written


if __name__ == "__main__":
    paths = make_corpus(Path(sys.argv[1]))
    print(f"{len(paths)} files, {sum(p.stat().st_size for p in paths)} bytes in {sys.argv[1]}")
