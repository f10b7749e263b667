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


# --- files a real user meets (session 19): valid-but-odd containers, modes and paths -------------------------

def _exif_bytes(**tags) -> bytes:
    ex = Image.Exif()
    for tag, value in tags.items():
        ex[int(tag.lstrip("t"))] = value
    return ex.tobytes()


def _psd(rgb: np.ndarray) -> bytes:
    """A minimal uncompressed 8-bit RGB Photoshop file (Adobe PSD specification, version 1)."""
    h, w, _ = rgb.shape
    head = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, h, w, 8, 3)
    planes = b"".join(np.ascontiguousarray(rgb[..., c]).tobytes() for c in range(3))
    return head + struct.pack(">III", 0, 0, 0) + struct.pack(">H", 0) + planes


def _apng(frames: list[np.ndarray]) -> bytes:
    ims = [Image.fromarray(f) for f in frames]
    return _save(ims[0], "PNG", save_all=True, append_images=ims[1:], duration=100)


def odd_files(seed: int = 7, h: int = 256, w: int = 320) -> dict[str, tuple[str, bytes]]:
    """Valid-but-odd files of the kinds real users meet: name -> (what it is, bytes).

    Pictures are ``h`` x ``w`` photo-like RGB unless the case is about size. Formats Pillow
    cannot write (12-bit JPEG, float RGB TIFF from a raw converter) are made with tifffile or by
    patching headers; each description says how the file was made."""
    import tempfile

    import tifffile

    rgb = picture(h, w, seed=seed)
    im = Image.fromarray(rgb)
    jpeg = _save(im, "JPEG", quality=90)
    out: dict[str, tuple[str, bytes]] = {}
    for o in range(2, 9):
        out[f"orientation-{o}.jpg"] = (f"JPEG, EXIF orientation {o}", _save(im, "JPEG", quality=90,
                                                                            exif=_exif_bytes(t274=o)))
    out["cmyk-adobe.jpg"] = ("CMYK JPEG with Adobe APP14 (Pillow)", _save(im.convert("CMYK"), "JPEG", quality=90))
    try:
        import jpeglib

        cmyk = np.ascontiguousarray(np.asarray(im.convert("CMYK")))
        with jpeglib.version("9e"):
            for name, what, kw in (("ycck.jpg", "YCCK JPEG (Adobe transform 2, libjpeg 9e)", "ycck"),
                                   ("arithmetic.jpg", "arithmetic-coded JPEG (SOF9, libjpeg 9e)", "arith")):
                tmp = io.BytesIO()
                with tempfile.NamedTemporaryFile(suffix=".jpg") as t:
                    if kw == "ycck":
                        # inverted CMYK, as Photoshop stores it (Adobe APP14); libjpeg adds the marker
                        j = jpeglib.from_spatial(255 - cmyk, in_color_space=jpeglib.JCS_CMYK)
                        j.jpeg_color_space = jpeglib.JCS_YCCK
                        j.write_spatial(t.name, qt=90)
                    else:
                        jpeglib.from_spatial(np.ascontiguousarray(rgb)).write_spatial(t.name, qt=90,
                                                                                      flags=["ARITH_CODE"])
                    tmp.write(Path(t.name).read_bytes())
                out[name] = (what, tmp.getvalue())
    except Exception:  # jpeglib absent: the corpus goes without them
        pass
    sof = jpeg.index(b"\xff\xc0")
    twelve = bytearray(jpeg)
    twelve[sof + 1], twelve[sof + 4] = 0xC1, 12  # SOF1, precision 12 (8-bit data: no 12-bit encoder here)
    out["12bit-header.jpg"] = ("JPEG whose SOF declares 12-bit precision (header patched)", bytes(twelve))
    out["progressive-restart.jpg"] = ("progressive JPEG with restart markers every row",
                                      _save(im, "JPEG", quality=85, progressive=True, restart_marker_rows=1))
    out["trailing-data.jpg"] = ("JPEG with 200 KB of bytes after its end marker", jpeg + b"\x00ZIP" * 50000)
    out["two-jpegs.jpg"] = ("two JPEGs concatenated (the second 128 px wide)",
                            jpeg + _save(im.resize((128, 102)), "JPEG", quality=70))
    out["jpeg-named.png"] = ("a JPEG file named .png", jpeg)
    out["png-named.jpg"] = ("a PNG file named .jpg", _save(im, "PNG"))
    rgb16 = rgb.astype(np.uint16) * 257
    import cv2

    out["rgb16.png"] = ("16-bit RGB PNG (full range)", cv2.imencode(".png", rgb16[..., ::-1])[1].tobytes())
    out["rgb16-dark.png"] = ("16-bit RGB PNG using 12 of its bits (values <= 4095)",
                             cv2.imencode(".png", (rgb16[..., ::-1] >> 4))[1].tobytes())
    out["gray16.png"] = ("16-bit grey PNG (I;16)", _save(Image.fromarray(rgb16[..., 1]), "PNG"))

    def tiff(arr, **kw):
        b = io.BytesIO()
        tifffile.imwrite(b, arr, **kw)
        return b.getvalue()

    out["rgb16.tif"] = ("16-bit RGB TIFF", tiff(rgb16, photometric="rgb"))
    out["float-rgb.tif"] = ("32-bit float RGB TIFF (HDR / raw converter)",
                            tiff(rgb.astype(np.float32) / 255, photometric="rgb"))
    out["float-gray.tif"] = ("32-bit float grey TIFF", tiff(rgb[..., 1].astype(np.float32) / 255))
    out["multipage.tif"] = ("3-page TIFF", tiff(np.stack([rgb, rgb[::-1], rgb[:, ::-1]]), photometric="rgb"))
    out["bigtiff.tif"] = ("BigTIFF", tiff(rgb, photometric="rgb", bigtiff=True))
    out["palette-trns.png"] = ("palette PNG with a transparent index",
                               _save(im.convert("P"), "PNG", transparency=0))
    out["la.png"] = ("grey + alpha PNG (LA)", _save(im.convert("LA"), "PNG"))
    frames = [rgb, 255 - rgb, rgb[::-1].copy()]
    out["animated.gif"] = ("animated GIF, 3 frames", _save(im.convert("P"), "GIF", save_all=True,
                                                           append_images=[Image.fromarray(f).convert("P")
                                                                          for f in frames[1:]]))
    out["animated.png"] = ("APNG, 3 frames", _apng(frames))
    out["animated.webp"] = ("animated WebP, 3 frames", _save(im, "WEBP", save_all=True,
                                                             append_images=[Image.fromarray(f) for f in frames[1:]]))
    out["lossless.webp"] = ("lossless WebP", _save(im, "WEBP", lossless=True))
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
        out["photo.heic"] = ("HEIC (pillow-heif)", _save(im, "HEIF", quality=80))
    except Exception:
        pass
    try:
        out["photo.avif"] = ("AVIF", _save(im, "AVIF", quality=80))
    except Exception:
        pass
    out["photo.bmp"] = ("BMP", _save(im, "BMP"))
    out["icon.ico"] = ("ICO (256 px)", _save(im.resize((256, 256)), "ICO", sizes=[(256, 256)]))
    out["layers.psd"] = ("PSD (8-bit RGB, uncompressed)", _psd(rgb))
    out["drawing.svg"] = ("SVG drawing", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
                          b'width="320" height="256"><rect width="100" height="80" fill="red"/></svg>\n')
    out["document.pdf"] = ("PDF document", b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                           b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    out["strip-1x4000.png"] = ("1 x 4000 px strip", _save(Image.fromarray(picture(4000, 1, seed=seed)), "PNG"))
    out["strip-70000x10.png"] = ("70 000 x 10 px strip", _save(Image.fromarray(picture(10, 70000, seed=seed)), "PNG"))
    out["bomb-100000sq.png"] = ("PNG header declaring 100 000 x 100 000",
                                b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2,
                                                                                       0, 0, 0))
                                + png_chunk(b"IDAT", zlib.compress(b"\x00" * 60000)) + png_chunk(b"IEND", b""))
    entries = b"".join(struct.pack("<HHII", 0x9000 + i, 7, 2**31, 8) for i in range(900))
    ifd = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 900) + entries + struct.pack("<I", 10**9)
    out["exif-malformed-ifd.jpg"] = ("EXIF IFD of 900 entries with 2 GB counts and a wild next-IFD offset",
                                     _jpeg_insert(jpeg, _segment(0xE1, b"Exif\x00\x00" + ifd)))
    out["exif-huge.jpg"] = ("EXIF of 64 KB (MakerNote filler)",
                            _save(im, "JPEG", quality=90, exif=_exif_bytes(t37500=b"M" * 60000, t271="Canon")))
    out["icc-garbage.jpg"] = ("ICC profile of 60 KB random bytes",
                              _save(im, "JPEG", quality=90, icc_profile=np.random.default_rng(seed).integers(
                                  0, 256, 60000, dtype=np.uint8).tobytes()))
    xmp = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
           b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
           b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description>' + b"lorem ipsum " * 870000
           + b"</dc:description></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>")
    out["xmp-10mb.png"] = ("PNG with a 10 MB XMP packet (iTXt, uncompressed)",
                           _png_insert(_save(im, "PNG"), png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00"
                                                                   + xmp)))
    out["xmp-10mb.tif"] = ("TIFF with a 10 MB XMP packet (tag 700)",
                           tiff(rgb, photometric="rgb", extratags=[(700, 1, len(xmp), xmp, True)]))
    out["empty.jpg"] = ("zero-byte file", b"")
    return out


def special_paths(folder: Path, good: bytes) -> dict[str, tuple[str, Path]]:
    """Paths that are not plain files, or plain files with awkward names: name -> (what, path)."""
    import os

    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, tuple[str, Path]] = {}
    loop = folder / "loop.jpg"
    if not loop.is_symlink():
        os.symlink("loop.jpg", loop)
    out["loop.jpg"] = ("symbolic link loop", loop)
    d = folder / "x.jpg"
    d.mkdir(exist_ok=True)
    (d / "inside.txt").write_text("not an image\n")
    out["x.jpg (folder)"] = ("a folder named x.jpg", d)
    p = folder / "unreadable.jpg"
    p.write_bytes(good)
    p.chmod(0)
    out["unreadable.jpg"] = ("mode 000 (no read permission)", p)
    p = Path(os.fsdecode(os.fsencode(str(folder)) + b"/caf\xe9-latin1.jpg"))
    p.write_bytes(good)
    out["non-utf8 name"] = ("file name with a Latin-1 byte (not UTF-8)", p)
    return out
