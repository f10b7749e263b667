"""Evidence loading: what is read, and every kind of bad input gives one clear error."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from forgelens.errors import (
    DecompressionBombError,
    EmptyFileError,
    ForgeLensError,
    ImageTooSmallError,
    TruncatedImageError,
    UnreadableImageError,
)
from forgelens.evidence import LoadLimits, load
from tests.conftest import jpeg_bytes, natural_image, png_bytes


@pytest.mark.parametrize("memfd", [True, False])
def test_jpeg_internals_come_from_the_hashed_bytes_not_a_second_read(tmp_path, monkeypatch, memfd):
    import os

    import jpeglib

    data = jpeg_bytes(natural_image(96, 128, seed=2), 85)
    p = tmp_path / "a.jpg"
    p.write_bytes(data)
    seen = []
    real = jpeglib.read_dct
    monkeypatch.setattr(jpeglib, "read_dct", lambda src: (seen.append((src, open(src, "rb").read())), real(src))[1])
    if not memfd:
        monkeypatch.delattr(os, "memfd_create", raising=False)
    ev = load(p)
    assert ev.jpeg is not None and ev.jpeg_error is None
    assert len(seen) == 1 and seen[0][0] != str(p) and seen[0][1] == data  # the bytes in memory, elsewhere
    assert hashlib.sha256(seen[0][1]).hexdigest() == ev.sha256


def test_jpeg_evidence_has_pixels_hash_and_dct(tmp_path):
    rgb = natural_image(120, 200, seed=1)
    data = jpeg_bytes(rgb, 80)
    p = tmp_path / "a.jpg"
    p.write_bytes(data)
    ev = load(p)
    assert ev.format == "JPEG" and ev.shape == (120, 200)
    assert ev.pixels.dtype == np.uint8 and ev.pixels.shape == (120, 200, 3)
    assert not ev.pixels.flags.writeable
    assert ev.sha256 == hashlib.sha256(data).hexdigest()
    assert ev.jpeg is not None and ev.jpeg.coefficients[0].shape == (15, 25, 8, 8)
    assert ev.jpeg.qtables[0].shape == (8, 8)
    # IJG quality 80 luminance table starts with 6 (50 * 2 * 0.4 scaling of 16)
    assert ev.jpeg.qtables[0][0, 0] == 6
    assert [s.name for s in ev.segments][:2] == ["SOI", "APP0"]
    assert ev.segments[-1].name == "EOI"


def test_bytes_and_path_give_same_evidence(tmp_path):
    data = jpeg_bytes(natural_image(96, 96, seed=2), 90)
    p = tmp_path / "b.jpg"
    p.write_bytes(data)
    a, b = load(p), load(data, name="b.jpg")
    assert a.sha256 == b.sha256
    np.testing.assert_array_equal(a.pixels, b.pixels)
    np.testing.assert_array_equal(a.jpeg.coefficients[0], b.jpeg.coefficients[0])


def test_png_has_no_jpeg_internals():
    ev = load(png_bytes(natural_image(80, 90)))
    assert ev.format == "PNG" and ev.jpeg is None
    assert ev.segments[0].name == "IHDR"


def test_exif_orientation_recorded_not_applied():
    rgb = natural_image(80, 120, seed=3)
    im = Image.fromarray(rgb)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=90, exif=exif.tobytes())
    ev = load(buf.getvalue())
    assert ev.metadata.orientation == 6
    assert ev.shape == (80, 120)  # stored grid, not rotated
    assert any("orientation 6" in n for n in ev.notes)


@pytest.mark.parametrize(
    "mode,note",
    [("CMYK", "CMYK"), ("P", "palette"), ("RGBA", "alpha"), ("I;16", "high-bit-depth"), ("L", None)],
)
def test_odd_modes_become_rgb8(mode, note):
    rgb = natural_image(80, 80, seed=4)
    if mode == "I;16":
        im = Image.fromarray(rgb[..., 0].astype(np.uint16) * 257)
        fmt = "PNG"
    else:
        im = Image.fromarray(rgb).convert(mode)
        fmt = "JPEG" if mode == "CMYK" else "PNG"
    buf = io.BytesIO()
    im.save(buf, format=fmt)
    ev = load(buf.getvalue())
    assert ev.pixels.shape == (80, 80, 3) and ev.pixels.dtype == np.uint8
    if note:
        assert any(note in n for n in ev.notes), ev.notes
    if mode == "RGBA":
        assert ev.alpha is not None and ev.alpha.shape == (80, 80)
    if mode == "I;16":
        # 16-bit values v*257 come back as v
        np.testing.assert_array_equal(ev.pixels[..., 0], rgb[..., 0])


def test_animated_gif_uses_first_frame():
    frames = [Image.fromarray(natural_image(70, 70, seed=s)).convert("P") for s in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    ev = load(buf.getvalue())
    assert ev.n_frames == 3
    assert any("first frame" in n for n in ev.notes)


def _png_header_claiming(w: int, h: int) -> bytes:
    def chunk(t: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + t + body + struct.pack(">I", zlib.crc32(t + body))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def _bad_inputs(tmp_path):
    good = jpeg_bytes(natural_image(128, 128, seed=5), 85)
    cases = {
        "empty.jpg": (b"", EmptyFileError, "zero bytes"),
        "text.jpg": (b"hello, this is a text file renamed to .jpg\n" * 4, UnreadableImageError, "text"),
        "truncated.jpg": (good[: len(good) // 2], TruncatedImageError, "truncated"),
        "garbage.jpg": (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4, ForgeLensError, ""),
        "bomb.png": (_png_header_claiming(60000, 60000), DecompressionBombError, "pixel"),
        "tiny.png": (png_bytes(natural_image(32, 300)), ImageTooSmallError, "32"),
    }
    for name, (data, *_rest) in cases.items():
        (tmp_path / name).write_bytes(data)
    return cases


def test_every_bad_input_gives_one_clear_error_and_leaves_the_file_alone(tmp_path):
    cases = _bad_inputs(tmp_path)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    for name, (_data, err, words) in cases.items():
        with pytest.raises(err) as info:
            load(tmp_path / name)
        msg = str(info.value)
        assert name in msg, msg  # names the file
        assert words in msg, msg  # and the reason
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    assert after == before  # nothing written, nothing changed, nothing added


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(UnreadableImageError, match="no such file"):
        load(tmp_path / "nope.jpg")
    with pytest.raises(UnreadableImageError, match="directory"):
        load(tmp_path)


def test_pixel_limit_is_configurable():
    data = png_bytes(natural_image(200, 200))
    with pytest.raises(DecompressionBombError, match="40000 pixels"):
        load(data, limits=LoadLimits(max_pixels=10_000))
    assert load(data, limits=LoadLimits(max_pixels=40_000)).shape == (200, 200)


def test_png_text_chunk_bomb_is_dropped_not_fatal():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("comment", "A" * 3_000_000, zip=True)  # inflates to 3 MB from a few KB
    buf = io.BytesIO()
    Image.fromarray(natural_image(80, 80)).save(buf, "PNG", pnginfo=info)
    data = buf.getvalue()
    ev = load(data, name="bomb-text.png")
    assert ev.shape == (80, 80)
    assert ev.sha256 == hashlib.sha256(data).hexdigest()  # the hash is of the original bytes
    assert any("zTXt" in e and "ignored" in e for e in ev.metadata.errors)
