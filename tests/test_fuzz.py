"""Fuzzing (issue 19): hypothesis over ``evidence.load`` and every metadata reader, and the
malformed-corpus run through a batch.

Properties: ``load`` returns Evidence or raises one ForgeLensError (nothing else); the metadata
readers never raise; a batch over a few hundred hostile files gives a report or one clear
error per file, no internal error, and leaves the input folder byte-identical.

Bounded for CI: ``FORGELENS_FUZZ_EXAMPLES`` examples per target (default 150; small inputs,
about a minute in all on 2 cores); raise it for a longer local run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from forgelens.errors import ForgeLensError  # noqa: E402
from tests._hostile_corpus import make_corpus, valid_files  # noqa: E402

EXAMPLES = int(os.environ.get("FORGELENS_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SEEDS = valid_files(seed=3)
SEED_NAMES = sorted(SEEDS)


@st.composite
def mutated(draw) -> bytes:
    """A valid small image, then truncated, bit-flipped, overwritten or spliced."""
    data = bytearray(SEEDS[draw(st.sampled_from(SEED_NAMES))])
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["flip", "truncate", "overwrite", "insert", "duplicate"]))
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[pos:]
        elif op == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[pos : pos + len(chunk)] = chunk
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        else:
            n = draw(st.integers(1, 256))
            data[pos:pos] = data[pos : pos + n] * draw(st.integers(1, 8))
    return bytes(data)


inputs = st.one_of(mutated(), st.binary(max_size=512))


@FUZZ
@given(inputs)
def test_load_returns_evidence_or_one_clear_error(data):
    from forgelens.evidence import Evidence, load

    try:
        ev = load(data, name="fuzz.bin")
    except ForgeLensError as exc:
        assert str(exc).startswith("fuzz.bin: ")
        return
    assert isinstance(ev, Evidence) and ev.pixels.dtype == np.uint8 and ev.pixels.ndim == 3


@FUZZ
@given(inputs, st.sampled_from(["JPEG", "PNG", "WEBP", "TIFF", "GIF", "HEIF", "AVIF"]))
def test_provenance_record_never_raises(data, fmt):
    from forgelens.evidence import record

    rec = record.from_bytes(data, fmt)
    assert isinstance(rec.errors, list)


def _tiff_stream(entries: list[tuple[int, int, int, int]], tail: bytes) -> bytes:
    body = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries)
    return b"II*\x00" + struct.pack("<I", 8) + body + b"\x00\x00\x00\x00" + tail


exif_streams = st.one_of(
    st.binary(max_size=600),
    st.builds(_tiff_stream,
              st.lists(st.tuples(st.integers(0, 0xFFFF), st.integers(0, 14), st.integers(0, 2**32 - 1),
                                 st.integers(0, 2**32 - 1)), max_size=40),
              st.binary(max_size=300)),
)


@FUZZ
@given(exif_streams)
def test_exif_reader_never_raises(stream):
    from forgelens.evidence.exif import parse_exif

    ex = parse_exif(stream)
    assert isinstance(ex.errors, list)


xmp_text = st.one_of(
    st.text(max_size=2000),
    st.lists(st.sampled_from(list('<>:="/ ab\n&') + ["x:xmpmeta", "rdf:RDF", "xmp:CreatorTool", "<!", "</"]),
             max_size=200).map("".join),
)


@FUZZ
@given(xmp_text)
def test_xmp_reader_never_raises(packet):
    from forgelens.evidence.xmp import parse_xmp

    fields, errors = parse_xmp(packet)
    assert isinstance(fields, dict) and isinstance(errors, list)


@FUZZ
@given(st.binary(max_size=800))
def test_iim_reader_never_raises(block):
    from forgelens.evidence.xmp import parse_iim

    parse_iim(block)
    parse_iim(b"\x1c\x02\x05" + block)


@FUZZ
@given(st.dictionaries(st.sampled_from(["parameters", "prompt", "workflow", "Software", "Comment", "Description",
                                        "Source", "invokeai_metadata", "sd-metadata", "Dream", "fooocus_scheme"]),
                       st.text(max_size=500), max_size=6))
def test_text_chunk_readers_never_raise(text):
    from forgelens.evidence import generators

    generators.from_text_chunks(text)
    generators.parse_a1111(text.get("parameters", ""))


def _png_with_chunk(ctype: bytes, body: bytes) -> bytes:
    png = SEEDS["base.png"]
    iend = png.rindex(b"IEND") - 4
    chunk = struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body) & 0xFFFFFFFF)
    return png[:iend] + chunk + png[iend:]


@FUZZ
@given(st.sampled_from([b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP", b"caBX"]), st.binary(max_size=400))
def test_png_chunk_walker_never_raises(ctype, body):
    from forgelens.evidence.containers import read_png

    raw = read_png(_png_with_chunk(ctype, body))
    assert isinstance(raw.errors, list)


@FUZZ
@given(st.integers(0xE0, 0xFE), st.binary(max_size=400))
def test_jpeg_segment_walker_never_raises(marker, payload):
    from forgelens.evidence.containers import read_jpeg

    jpeg = SEEDS["base.jpg"]
    seg = bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    read_jpeg(jpeg[:2] + seg + jpeg[2:])


# ---------------------------------------------------------------- the malformed corpus


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def check_file(path: str) -> str:
    """Job body (picklable): load + every metadata reader; 'ok', or the ForgeLensError text."""
    from forgelens.evidence import load, record

    data = Path(path).read_bytes()
    for fmt in ("JPEG", "PNG", "WEBP", "TIFF", "HEIF", "AVIF"):
        record.from_bytes(data, fmt)  # every reader over every file: never raises
    try:
        ev = load(path)
    except ForgeLensError as exc:
        return str(exc)
    _ = ev.provenance
    return "ok"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "in"
    make_corpus(folder)
    return folder


def test_corpus_load_and_metadata_in_isolated_workers(corpus):
    from forgelens.isolation import IsolatedPool, Limits

    before = _digest(corpus)
    files = sorted(corpus.iterdir())
    assert len(files) >= 250
    with IsolatedPool(2, Limits(seconds=60, memory_bytes=2 * 2**30)) as pool:
        futs = {p.name: pool.submit(check_file, str(p)) for p in files}
        outcomes = {name: f.result(timeout=600) for name, f in futs.items()}  # any other error fails here
    refused = {n: o for n, o in outcomes.items() if o != "ok"}
    assert all("\n" not in o and o.startswith(str(corpus)) for o in refused.values()), refused
    assert len(outcomes) - len(refused) >= 60  # the valid files and many harmless mutations load
    assert _digest(corpus) == before


def test_corpus_batch_reports_or_one_error_each(corpus, tmp_path):
    from typer.testing import CliRunner

    from forgelens.cli import app

    before = _digest(corpus)
    out = tmp_path / "out"
    # every hostile file and name, and every 4th mutation: the batch part stays short in CI
    names = sorted(p.name for p in corpus.iterdir())
    pick = [n for i, n in enumerate(names) if not re.search(r"-(trunc|flip)\d", n) or i % 4 == 0]
    sub = tmp_path / "sub"
    sub.mkdir()
    for n in pick:
        (sub / n).write_bytes((corpus / n).read_bytes())
    res = CliRunner().invoke(app, ["analyze", str(sub), "-o", str(out), "-d", "ela,metadata", "-j", "2",
                                   "--time-limit", "60", "--memory-limit", "2"])
    assert res.exit_code == 1, res.output  # some files are refused
    assert "internal error" not in res.output and "Traceback" not in res.output
    rows = json.loads((out / "batch.json").read_text())
    assert len(rows) == len(pick)
    assert all((r["label"] is not None) != (r["error"] is not None) for r in rows)
    for r in rows:
        if r["label"] is not None:
            assert Path(r["outdir"]).parent == out and (Path(r["outdir"]) / "report.json").is_file()
    errors = (out / "errors.txt").read_text().splitlines()
    assert len(errors) == sum(r["error"] is not None for r in rows)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    assert not list(tmp_path.glob("*.json")) and not (tmp_path / "report.json").exists()
    assert _digest(sub) == {n: hashlib.sha256((corpus / n).read_bytes()).hexdigest() for n in sorted(pick)}
    assert _digest(corpus) == before
