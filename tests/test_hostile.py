"""Crafted hostile files (issue 19), each made inside its test: every parser stays bounded,
every refusal is one clear error naming the file and the reason.

Each potentially slow call runs in an IsolatedPool with a generous limit, so a regression
fails with "exceeded the ... limit" instead of hanging the suite.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from forgelens.errors import ForgeLensError
from forgelens.isolation import IsolatedPool, LimitExceeded, Limits


def _png_chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body) & 0xFFFFFFFF)


def _small_png(extra_chunks: bytes = b"", size: int = 64) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((size, size, 3), 128, np.uint8)).save(buf, format="PNG")
    data = buf.getvalue()
    iend = data.rindex(b"IEND") - 4
    return data[:iend] + extra_chunks + data[iend:]


def _jpeg_with_app1(payload: bytes) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((64, 64, 3), 100, np.uint8)).save(buf, format="JPEG", quality=90)
    data = buf.getvalue()
    segs = b""
    for i in range(0, len(payload), 65000):
        part = payload[i : i + 65000]
        segs += b"\xff\xe1" + struct.pack(">H", len(part) + 2) + part
    return data[:2] + segs + data[2:]


def provenance_of(data: bytes, fmt: str) -> dict:
    """Job body: the provenance record's errors and a few fields (module level: picklable)."""
    from forgelens.evidence import record

    rec = record.from_bytes(data, fmt)
    return {"errors": rec.errors, "text_lengths": {k: len(v) for k, v in rec.text.items()},
            "xmp": rec.xmp, "c2pa": rec.c2pa.status, "c2pa_message": rec.c2pa.message}


def xmp_fallback(packet: str) -> dict:
    from forgelens.evidence.xmp import parse_xmp

    return parse_xmp(packet)[0]


def load_file(path: str) -> tuple[int, int]:
    from forgelens.evidence import load

    ev = load(path)
    return ev.shape


@pytest.fixture(scope="module")
def pool():
    with IsolatedPool(1, Limits(seconds=30, memory_bytes=2 * 2**30)) as p:
        yield p


XMP_SIG = b"http://ns.adobe.com/xap/1.0/\x00"


@pytest.mark.parametrize("shape", ["word_run", "prefix_run", "element_run", "open_quote", "colons"])
def test_xmp_fallback_is_linear_on_hostile_runs(pool, shape):
    n = 1 << 20  # 1 MB: the old quadratic attribute pattern took 23 s on 64 KB
    body = {
        "word_run": "a" * n,
        "prefix_run": "x:" + "b" * n + '="v"',
        "element_run": ("<a:" + "b" * 5000 + " ") * (n // 5004),
        "open_quote": ('p:q="' + "v" * 5000) * (n // 5005),
        "colons": "a:" * (n // 2),
    }[shape]
    packet = "<x:xmpmeta>" + body + ' xmp:CreatorTool="GIMP 2.10"'  # unterminated: fallback parser
    fields = pool.submit(xmp_fallback, packet).result(timeout=120)
    assert fields.get("xmp:CreatorTool") == ["GIMP 2.10"]


def test_xmp_word_run_inside_a_jpeg(pool):
    data = _jpeg_with_app1(XMP_SIG + b'<x:xmpmeta xmp:CreatorTool="GIMP" ' + b"a" * 64000)
    out = pool.submit(provenance_of, data, "JPEG").result(timeout=120)
    assert out["xmp"].get("xmp:CreatorTool") == ["GIMP"]


def test_extended_xmp_is_capped(pool):
    guid = b"0" * 32
    segs = b""
    for k in range(200):  # 200 x 60 KB = 12 MB of extended XMP
        part = b"a" * 60000
        segs += b"http://ns.adobe.com/xmp/extension/\x00" + guid + struct.pack(">II", 12_000_000, k * 60000) + part
    data = _jpeg_with_app1(b"")
    jpeg_segs = b""
    for i in range(200):
        body = segs[i * (len(segs) // 200) : (i + 1) * (len(segs) // 200)]
        jpeg_segs += b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    data = data[:2] + jpeg_segs + data[2:]
    out = pool.submit(provenance_of, data, "JPEG").result(timeout=120)
    assert any("extended XMP over" in e for e in out["errors"])


def test_many_ztxt_chunks_are_bounded(pool):
    """The issue's 1.7 MB PNG: zTXt chunks of one key inflated and joined without a cap (169 s, 1.3 GB)."""
    bomb = zlib.compress(b"\x00" * (8 << 20), 9)  # 8 MB of zeros in ~8 KB
    chunks = b"".join(_png_chunk(b"zTXt", b"Comment\x00\x00" + bomb) for _ in range(200))
    data = _small_png(chunks)
    assert len(data) < 2_000_000
    out = pool.submit(provenance_of, data, "PNG").result(timeout=120)
    from forgelens.evidence.containers import MAX_VALUE_CHARS

    assert out["text_lengths"]["Comment"] <= MAX_VALUE_CHARS
    assert any("inflated to the" in e or "cut" in e for e in out["errors"])


def test_oversized_jumbf_is_not_handed_to_the_sdk():
    pytest.importorskip("c2pa")
    from forgelens.evidence.c2pa_reader import read_c2pa

    res = read_c2pa(b"\xff\xd8\xff\xd9", "JPEG", has_jumbf=True, jumbf_bytes=64 << 20, max_bytes=32 << 20)
    assert res.status == "unreadable" and "over the 33554432-byte limit" in res.message


def sleep_sdk(*_a, **_k):
    import time

    time.sleep(30)


def test_c2pa_read_is_bounded_in_time(monkeypatch):
    c2pa = pytest.importorskip("c2pa")
    from forgelens.evidence import c2pa_reader

    monkeypatch.setattr(c2pa, "Reader", sleep_sdk)
    res = c2pa_reader.read_c2pa(b"\xff\xd8\xff\xd9", "JPEG", has_jumbf=True, jumbf_bytes=10, seconds=0.2)
    assert res.status == "unreadable" and "longer than the 0.2 s limit" in res.message


def _flat_png(width: int, height: int) -> bytes:
    row = b"\x00" + b"\x00" * (3 * width)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def test_flat_12000_square_png_is_refused_before_decoding(tmp_path):
    """168 KB on disk, 144 MP: under the 150 MP pixel limit, but its analysis needs ~14 GB."""
    path = tmp_path / "flat.png"
    path.write_bytes(_flat_png(12000, 12000))
    assert path.stat().st_size < 1_000_000
    with IsolatedPool(1, Limits(seconds=60)) as pool:  # the defaults: 4 GB
        with pytest.raises(LimitExceeded, match=r"flat\.png: resource limit: 12000x12000 = 144 MP would need"):
            pool.submit(load_file, str(path)).result(timeout=120)


def test_bomb_message_quotes_forgelens_limit(tmp_path):
    from forgelens.evidence import LoadLimits, load

    path = tmp_path / "bomb.png"
    path.write_bytes(_flat_png(20000, 10000))
    with pytest.raises(ForgeLensError, match=r"bomb\.png: decompression bomb: header claims 200000000 pixels, "
                                             r"over the 150000000-pixel limit"):
        load(str(path))
    with pytest.raises(ForgeLensError, match="over the 1000000-pixel limit"):
        load(str(path), limits=LoadLimits(max_pixels=1_000_000))


def test_exif_values_cannot_amplify():
    """1000 ASCII entries all pointing at the same 1 MB: at most MAX_TOTAL_VALUE_BYTES copied."""
    from forgelens.evidence.exif import MAX_TOTAL_VALUE_BYTES, parse_exif

    n_entries, value_len = 1000, 1_000_000
    value_off = 8 + 2 + 12 * n_entries + 4
    entries = b"".join(struct.pack("<HHII", 0x1000 + i, 2, value_len, value_off) for i in range(n_entries))
    stream = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", n_entries) + entries + b"\x00" * 4
    stream += b"A" * value_len
    ex = parse_exif(stream)
    assert ex.value_bytes <= MAX_TOTAL_VALUE_BYTES
    assert any("values over" in e for e in ex.errors)
    assert all(len(v) <= 4096 for v in ex.ifds["IFD0"].values())


# ---------------------------------------------------------------- clear messages (item 4)

def _rgb(h=80, w=96, seed=0):
    return np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)


def _encode(fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(_rgb()).save(buf, format=fmt, **kw)
    return buf.getvalue()


def _error_of(data: bytes) -> ForgeLensError:
    from forgelens.evidence import load

    with pytest.raises(ForgeLensError) as info:
        load(data, name="f.bin")
    assert str(info.value).startswith("f.bin: ") and "\n" not in str(info.value)
    return info.value


def test_tiff_without_dimensions_is_one_clear_error():
    """A flipped ImageWidth tag: Pillow raises TypeError("Missing dimensions") at open (first IFD)
    or, for a second IFD, while counting frames, which was outside the loader's guards."""
    one = bytearray(_encode("TIFF"))
    buf = io.BytesIO()
    Image.fromarray(_rgb()).save(buf, format="TIFF", save_all=True, append_images=[Image.fromarray(_rgb(seed=1))])
    two = bytearray(buf.getvalue())
    for data, which in ((one, 0), (two, 1)):
        hits = [i for i in range(len(data) - 4) if data[i : i + 4] in (struct.pack("<HH", 256, 3),
                                                                        struct.pack("<HH", 256, 4))]
        i = hits[which]
        data[i : i + 2] = struct.pack("<H", 999)
        e = _error_of(bytes(data))
        assert e.reason == "unreadable image" and "TIFF" in e.detail and "Missing dimensions" in e.detail


def test_truncated_webp_says_truncated():
    data = _encode("WEBP", quality=80)
    e = _error_of(data[: len(data) // 2])
    assert e.reason == "truncated image" and "RIFF header declares" in e.detail
    assert "could not create decoder object" not in e.detail


def test_random_bytes_are_not_called_truncated():
    e = _error_of(np.random.default_rng(5).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    assert e.reason == "unreadable image" and "no known image signature" in e.detail


def test_pdf_is_named_a_pdf():
    e = _error_of(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" * 3)
    assert "a PDF document, not an image" in e.detail


def test_png_with_bad_crc_says_so():
    png = _encode("PNG")
    bad = png[:29] + b"\x00\x00\x00\x00" + png[33:]  # IHDR's CRC
    e = _error_of(bad)
    assert "PNG header is corrupt" in e.detail and "checksum" in e.detail


def test_truncated_jpeg_and_png_say_why():
    jpg = _encode("JPEG", quality=90)
    e = _error_of(jpg[: len(jpg) // 2])
    assert e.reason == "truncated image" and "no end-of-image marker" in e.detail
    png = _encode("PNG")
    e = _error_of(png[: len(png) // 2])
    assert e.reason == "truncated image" and "no IEND chunk" in e.detail


# ---------------------------------------------------------------- HEIC/HEIF and AVIF (item 6)

_XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="PhoneCam 1.0"/>'
        b"</rdf:RDF></x:xmpmeta>")


@pytest.mark.parametrize("fmt, brand", [("HEIF", "heic"), ("AVIF", "avif")])
def test_heif_and_avif_are_read_with_metadata(fmt, brand):
    from forgelens.evidence import _read_formats, load

    if fmt not in _read_formats():
        pytest.skip(f"no {fmt} reader installed")
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15 Pro"
    try:
        data = _encode(fmt, quality=90, exif=exif.tobytes(), xmp=_XMP)
    except (KeyError, OSError) as exc:
        pytest.skip(f"no {fmt} encoder: {exc}")
    ev = load(data, name=f"phone.{brand}")
    assert ev.format == fmt and ev.shape == (80, 96)
    assert any(f"{fmt} container" in n and repr(brand) in n for n in ev.notes)
    assert ev.metadata.exif.get("Make") == "Apple"
    rec = ev.provenance
    assert rec.raw.container.startswith(fmt) and rec.exif.get("Model") == "iPhone 15 Pro"
    assert rec.xmp.get("xmp:CreatorTool") == ["PhoneCam 1.0"]


def test_no_writes_to_home_when_onnxruntime_loads(tmp_path):
    """onnxruntime writes a telemetry device id into ~/.cache on import unless told not to."""
    pytest.importorskip("onnxruntime")
    import os
    import subprocess
    import sys

    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME", "ORT_DISABLE_TELEMETRY")}
    env["HOME"] = str(home)
    subprocess.run([sys.executable, "-c", "import forgelens, onnxruntime"], env=env, check=True, timeout=120)
    assert list(home.rglob("*")) == []


def test_jpeg_bytes_are_not_written_to_disk(tmp_path, monkeypatch):
    """JPEG internals of an upload are read from memory (memfd), not from a temporary file."""
    import os
    import tempfile

    from forgelens.evidence import load

    if not hasattr(os, "memfd_create"):
        pytest.skip("no memfd on this platform")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ev = load(_encode("JPEG", quality=90), name="upload.jpg")
    assert ev.jpeg is not None and ev.jpeg_error is None
    assert list(tmp_path.iterdir()) == []


def test_many_icc_segments_are_joined_once_and_capped():
    from forgelens.evidence.containers import MAX_ICC_BYTES, read_jpeg

    seg = b"\xff\xe2" + struct.pack(">H", 65000 + 2) + b"ICC_PROFILE\x00\x01\x01" + b"\x00" * (65000 - 14)
    data = _jpeg_with_app1(b"")
    data = data[:2] + seg * 400 + data[2:]  # 26 MB of ICC parts
    raw = read_jpeg(data)
    assert len(raw.icc) <= MAX_ICC_BYTES and any("ICC profile over" in e for e in raw.errors)
