"""Files a real user meets (session 19, ``benchmarks/studies/hostile.py --walk``): each test is one
fix found by the walk. Valid variants no reader here decodes are called unsupported, not corrupt;
what the decoder silently dropped (16-bit depth, a second image, appended bytes) is said in the
notes; a file that changes while it is read is refused, not analysed half-old; every format the
loader reads is found in a folder; and a run with no usable input still writes OUT/errors.txt.
"""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from forgelens.batch import expand
from forgelens.errors import UnreadableImageError, UnsupportedFormatError
from forgelens.evidence import load
from tests._hostile_corpus import odd_files, picture


@pytest.fixture(scope="module")
def odd():
    return {name: data for name, (_what, data) in odd_files(h=128, w=160).items()}


def _jpeg(seed: int = 0, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(picture(128, 160, seed=seed)).save(buf, format="JPEG", quality=90, **kw)
    return buf.getvalue()


@pytest.mark.parametrize("change", ["grows", "shrinks", "rewritten"])
def test_file_that_changes_while_it_is_read_is_refused(tmp_path, monkeypatch, change):
    """A writer changes the file between the size check and the read (a picture still being
    copied in): refused with the reason, not analysed from a mix of old and new bytes."""
    path = tmp_path / "being-written.jpg"
    data = _jpeg()
    path.write_bytes(data)
    real_fstat, real_stat = os.fstat, os.stat

    def change_file():
        if change == "grows":
            with open(path, "ab") as fh:
                fh.write(b"\x00" * 5000)
        elif change == "shrinks":
            os.truncate(path, len(data) // 2)
        else:  # the same size, other bytes (a picture saved over in place)
            with open(path, "r+b") as fh:
                fh.write(_jpeg(seed=1, progressive=True)[: len(data)].ljust(len(data), b"\x00"))
            st = real_stat(path)
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))

    def fstat_then_write(fd):  # the size is taken, then the writer acts
        st = real_fstat(fd)
        change_file()
        return st

    calls = {"n": 0}

    def stat_then_write(p, *a, **kw):  # main's code: Path.stat() for the size, then open
        st = real_stat(p, *a, **kw)
        if str(p) == str(path):
            calls["n"] += 1
            if calls["n"] == 2:  # path_problem's stat, then the size check
                change_file()
        return st

    monkeypatch.setattr(os, "fstat", fstat_then_write)
    monkeypatch.setattr(os, "stat", stat_then_write)
    with pytest.raises(UnreadableImageError, match="changed while it was read") as exc:
        load(path)
    assert str(path) in str(exc.value)


def test_12bit_jpeg_is_unsupported_not_corrupt(odd):
    with pytest.raises(UnsupportedFormatError, match="12-bit JPEG") as exc:
        load(odd["12bit-header.jpg"], name="x.jpg")
    assert "corrupt" not in str(exc.value)


def test_lossless_jpeg_is_named(odd):
    data = bytearray(odd["12bit-header.jpg"])
    data[data.index(b"\xff\xc1") + 1] = 0xC3  # SOF3: lossless, as in DNG files
    with pytest.raises(UnsupportedFormatError, match="lossless"):
        load(bytes(data))


def test_float_rgb_tiff_is_unsupported_not_corrupt(odd):
    with pytest.raises(UnsupportedFormatError, match="3 samples per pixel, 32/32/32-bit floating-point") as exc:
        load(odd["float-rgb.tif"])
    assert "corrupt" not in str(exc.value)


@pytest.mark.parametrize("name", ["rgb16.png", "rgb16-dark.png", "rgb16.tif"])
def test_16bit_colour_file_says_it_was_reduced_to_8_bits(odd, name):
    ev = load(odd[name])
    assert any("16-bit-per-channel" in n and "reduced to 8 bits" in n for n in ev.notes), ev.notes
    assert not any("bit-per-channel" in n for n in load(_jpeg()).notes)


def test_arithmetic_jpeg_error_names_the_coding_not_a_private_path(odd):
    if "arithmetic.jpg" not in odd:
        pytest.skip("jpeglib could not write an arithmetic-coded JPEG here")
    ev = load(odd["arithmetic.jpg"])
    assert ev.jpeg is None
    assert "arithmetic-coded JPEG (SOF9)" in ev.jpeg_error
    assert "/proc/" not in ev.jpeg_error and "/tmp" not in ev.jpeg_error


def test_second_jpeg_and_trailing_bytes_are_noted(odd):
    notes = load(odd["two-jpegs.jpg"]).notes
    first = len(_jpeg_of(odd["two-jpegs.jpg"]))
    assert any(f"a JPEG image starts at byte {first}, after the JPEG end-of-image marker" in n
               and "only the first image is analysed" in n for n in notes), notes
    notes = load(odd["trailing-data.jpg"]).notes
    assert any("200000 bytes follow the JPEG end-of-image marker" in n for n in notes), notes
    png = io.BytesIO()
    Image.fromarray(picture(96, 96)).save(png, format="PNG")
    notes = load(png.getvalue() + b"PK\x03\x04" + b"z" * 96).notes  # a PNG + ZIP polyglot
    assert any("100 bytes follow the PNG IEND chunk" in n for n in notes), notes
    padded = _jpeg() + b"\x00" * 512  # zero padding after the end marker is common: nothing said
    assert not any("follow" in n or "JPEG image starts" in n for n in load(padded).notes)
    plain = _jpeg(exif=Image.Exif().tobytes(), progressive=True)  # an ordinary file
    assert not any("follow" in n or "JPEG image starts" in n for n in load(plain).notes)


def _jpeg_of(data: bytes) -> bytes:
    """The first JPEG of concatenated ones (up to its end marker)."""
    return data[: data.index(b"\xff\xd9", data.index(b"\xff\xda")) + 2]


def test_every_format_the_loader_reads_is_found_in_a_folder(tmp_path, odd):
    im = Image.fromarray(picture(96, 96, seed=2))
    for fmt, name in (("ICO", "icon.ico"), ("QOI", "pic.qoi"), ("JPEG2000", "pic.jp2")):
        try:
            im.save(tmp_path / name, format=fmt)
        except (KeyError, OSError):  # a codec Pillow was built without
            pass
    (tmp_path / "layers.psd").write_bytes(odd["layers.psd"])
    (tmp_path / "layers-no-suffix").write_bytes(odd["layers.psd"])
    (tmp_path / "notes.txt").write_text("text\n")
    ex = expand([str(tmp_path)])
    found = {p.name for p in ex.files}
    expected = {p.name for p in tmp_path.iterdir() if p.name != "notes.txt"}
    assert found == expected, ex.skipped
    assert [s[0] for s in ex.skipped] == [str(tmp_path / "notes.txt")]
    for p in ex.files:
        assert load(p).shape[0] >= 64


def test_run_with_no_usable_input_still_writes_errors_txt(tmp_path):
    from forgelens.cli import app

    folder = tmp_path / "x.jpg"  # a folder named like a picture, holding no image
    folder.mkdir()
    (folder / "readme.txt").write_text("not an image\n")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["analyze", str(tmp_path / "missing.jpg"), str(folder), "-o", str(out)])
    assert res.exit_code == 1
    lines = (out / "errors.txt").read_text().splitlines()
    assert lines == [f"{tmp_path / 'missing.jpg'}: no such file", f"{folder}: folder holds no image files"]
    assert (out / "batch.json").is_file()


def test_odd_but_valid_files_keep_their_pixels(odd):
    """YCCK (Photoshop's inverted CMYK) and a plain CMYK JPEG decode to the same picture."""
    if "ycck.jpg" not in odd:
        pytest.skip("jpeglib could not write a YCCK JPEG here")
    a = load(odd["ycck.jpg"]).pixels.astype(int)
    b = load(odd["cmyk-adobe.jpg"]).pixels.astype(int)
    assert np.abs(a - b).mean() < 8  # two lossy encodings of one noisy picture


_WORDS_TO_OPERATION = {
    "mirrored left to right": np.fliplr, "turned 180°": lambda a: np.rot90(a, 2),
    "mirrored top to bottom": np.flipud, "mirrored along its main diagonal": lambda a: a.transpose(1, 0, 2),
    "turned 90° clockwise": lambda a: np.rot90(a, -1),
    "mirrored along its other diagonal": lambda a: np.rot90(a.transpose(1, 0, 2), 2),
    "turned 90° anticlockwise": lambda a: np.rot90(a, 1),
}


@pytest.mark.parametrize("orientation", range(2, 9))
def test_orientation_note_says_what_a_viewer_shows(odd, orientation):
    """The maps follow the stored grid; the note says how a viewer turns the picture, and the words
    are right: applying them to the stored pixels gives Pillow's exif_transpose (what viewers show)."""
    from PIL import ImageOps

    data = odd[f"orientation-{orientation}.jpg"]
    ev = load(data)
    note = next(n for n in ev.notes if "orientation" in n)
    assert "maps and the mask follow the stored pixel grid" in note
    words = [w for w in _WORDS_TO_OPERATION if f"viewers show this picture {w}," in note]
    assert len(words) == 1, note
    shown = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))))
    assert np.array_equal(_WORDS_TO_OPERATION[words[0]](np.asarray(ev.pixels)), shown)


def test_heif_rotation_applied_by_the_decoder_is_said():
    """pillow-heif turns a HEIC by its irot box and resets EXIF orientation to 1: the maps then follow
    what viewers show, unlike a JPEG's, and the notes say so."""
    pytest.importorskip("pillow_heif")
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[274] = 6
    Image.fromarray(picture(128, 192, seed=1)).save(buf, format="HEIF", quality=80, exif=exif.tobytes())
    ev = load(buf.getvalue())
    assert ev.shape == (192, 128)  # turned: as a viewer shows it
    assert any("HEIF rotation (orientation 6) was applied by the decoder" in n for n in ev.notes), ev.notes
    assert not any("not applied" in n for n in ev.notes)
