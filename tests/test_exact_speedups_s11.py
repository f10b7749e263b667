"""Issue 16, session 11: exact changes that let two detector threads share the cores.

- ``jpeg.encode_jpeg`` writes into an in-memory file, so Pillow's ``encode_to_file`` (which
  releases the GIL) does the work: the bytes must be those of the ``BytesIO`` path.
- ``clip_probe.pixel_std`` counts with ``cv2.calcHist`` (releases the GIL): same counts, same std.
- ``pipeline.one_opencv_thread``: OpenCV's pool off while detectors run side by side, restored
  after, also when analyses overlap in threads; analyses give the same traces.
"""

from __future__ import annotations

import io
import threading

import cv2
import numpy as np
import pytest
from PIL import Image, ImageFile

from forgelens import jpeg, pipeline
from forgelens.detectors.clip_probe import pixel_std


def _picture(seed: int, shape=(96, 130, 3)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, shape, dtype=np.uint8)
    return cv2.GaussianBlur(x, (5, 5), 1.5)


def _bytesio_encode(im: Image.Image, quality: int, subsampling) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, subsampling=jpeg._subsampling_code(subsampling), optimize=False)
    return buf.getvalue()


@pytest.mark.parametrize("seed", [0, 1])
def test_encode_jpeg_bytes_equal_the_bytesio_encoder(seed):
    rgb = _picture(seed)
    for im in (Image.fromarray(rgb), Image.fromarray(rgb).convert("L")):
        for q in (10, 50, 75, 90, 100):
            for ss in ("4:4:4", "4:2:2", "4:2:0"):
                assert jpeg.encode_jpeg(im, q, ss) == _bytesio_encode(im, q, ss)
    assert jpeg.encode_jpeg(rgb, 85) == _bytesio_encode(Image.fromarray(rgb), 85, "4:2:0")  # an array, as callers pass


def test_encode_jpeg_uses_a_real_file_where_the_system_has_memfd(monkeypatch):
    if not hasattr(__import__("os"), "memfd_create"):
        pytest.skip("no memfd_create on this system (BytesIO path: same bytes, tested above)")
    seen = []
    real = ImageFile._encode_tile

    def spy(im, fp, tile, bufsize, fh, exc=None):
        seen.append(fh)
        return real(im, fp, tile, bufsize, fh, exc)

    monkeypatch.setattr(ImageFile, "_encode_tile", spy)
    jpeg.encode_jpeg(_picture(3), 80)
    assert seen and all(fh is not None for fh in seen)  # encode_to_file: libjpeg runs without the GIL


def test_encode_jpeg_without_memfd_gives_the_same_bytes(monkeypatch):
    rgb = _picture(4)
    with_memfd = jpeg.encode_jpeg(rgb, 70)
    monkeypatch.setattr(jpeg, "_memory_file", lambda: None)
    assert jpeg.encode_jpeg(rgb, 70) == with_memfd
    assert jpeg.recompress(rgb, 70).shape == rgb.shape


def test_encode_jpeg_leaves_no_open_file():
    import os

    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    for q in (60, 70, 80):
        jpeg.encode_jpeg(_picture(5), q)
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before


def _std_by_bincount(px: np.ndarray) -> float:
    counts = np.bincount(px.ravel(), minlength=256).astype(np.int64)
    levels = np.arange(256, dtype=np.float64)
    n = max(int(counts.sum()), 1)
    mean = counts @ levels / n
    return float(np.sqrt(counts @ (levels - mean) ** 2 / n))


@pytest.mark.parametrize("shape", [(300, 200, 3), (1, 1, 3), (700, 41, 3)])
def test_pixel_std_counts_equal_bincount(shape):
    rng = np.random.default_rng(7)
    px = rng.integers(0, 256, shape, dtype=np.uint8)
    assert pixel_std(px) == _std_by_bincount(px)
    view = px[:, ::2]  # not contiguous
    assert pixel_std(view) == _std_by_bincount(view)


def test_pixel_std_exact_when_one_level_fills_more_than_float32_counts():
    # 2**24 + 3 values of one level and one other value: float32 could not hold the count
    px = np.full((1, (1 << 24) // 3 + 2, 3), 9, np.uint8)
    px[0, 0, 0] = 200
    assert pixel_std(px) == _std_by_bincount(px)


def test_one_opencv_thread_sets_and_restores():
    before = cv2.getNumThreads()
    try:
        cv2.setNumThreads(2)
        with pipeline.one_opencv_thread():
            assert cv2.getNumThreads() == 1
        assert cv2.getNumThreads() == 2
    finally:
        cv2.setNumThreads(before)


def test_one_opencv_thread_overlapping_analyses_restore_once():
    before = cv2.getNumThreads()
    try:
        cv2.setNumThreads(2)
        a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
        inside = []

        def a():
            with pipeline.one_opencv_thread():
                a_in.set()
                b_in.wait(5)
            a_out.set()

        def b():
            a_in.wait(5)
            with pipeline.one_opencv_thread():
                b_in.set()
                a_out.wait(5)
                inside.append(cv2.getNumThreads())  # a has left, b is still inside

        ts = [threading.Thread(target=f) for f in (a, b)]
        [t.start() for t in ts]
        [t.join(10) for t in ts]
        assert inside == [1]
        assert cv2.getNumThreads() == 2
    finally:
        cv2.setNumThreads(before)


def test_side_by_side_analysis_equals_serial_and_restores_opencv(tmp_path):
    rgb = _picture(11, (300, 400, 3))
    path = tmp_path / "p.jpg"
    path.write_bytes(jpeg.encode_jpeg(rgb, 88))
    names = ["ela", "jpeg_grid", "noise_local", "copymove_sift", "splicebuster"]
    before = cv2.getNumThreads()
    one = pipeline.analyze(str(path), detectors=names, workers=1)
    two = pipeline.analyze(str(path), detectors=names, workers=2)
    assert cv2.getNumThreads() == before
    for a, b in zip(one.traces, two.traces, strict=True):
        assert a.name == b.name
        assert a.score == b.score
        assert (a.heatmap is None) == (b.heatmap is None)
        if a.heatmap is not None:
            assert np.array_equal(np.asarray(a.heatmap), np.asarray(b.heatmap))
        assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]
