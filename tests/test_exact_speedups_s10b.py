"""Issue 16, session 10 (helper s10copy): exact speed-ups give the very same outputs.

- copymove_sift's g2NN matching forms the squared distances in place and finds the keypoints too
  close to match (itself, duplicates) with a k-d tree instead of a dense n x n table per chunk:
  the matches must be the ones the dense formulation (kept here as the reference) gives.
- ``evidence.load`` reads a JPEG's DCT coefficients beside Pillow's decode, in a second thread,
  only after the bomb and size checks: the internals must equal the serial read, and a refused
  picture must never reach jpeglib.
"""

from __future__ import annotations

import hashlib

import cv2
import numpy as np
import pytest

from forgelens.detectors import copymove_sift as cms
from forgelens.detectors import run
from forgelens.errors import DecompressionBombError, ImageTooSmallError
from forgelens.evidence import LoadLimits, load
from forgelens.evidence.jpeg_internals import read_jpeg_internals
from tests._copymove_helpers import clone, encode
from tests._copymove_helpers import natural_image as copymove_image
from tests.conftest import jpeg_bytes, natural_image


def _dense_g2nn_reference(pts, desc, ratio, k, min_dist):
    """copymove_sift._g2nn_pairs as shipped before session 10 (dense exclusion table)."""
    n = desc.shape[0]
    k = int(min(k, n - 1))
    sq = (desc * desc).sum(1)
    out = []
    chunk = max(1, int(4_000_000 // max(n, 1)))
    lim2 = min_dist * min_dist
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        d2 = sq[a:b, None] + sq[None, :] - 2.0 * desc[a:b] @ desc.T
        np.maximum(d2, 0.0, out=d2)
        dx = pts[a:b, None, 0] - pts[None, :, 0]
        dy = pts[a:b, None, 1] - pts[None, :, 1]
        np.multiply(dx, dx, out=dx)
        np.multiply(dy, dy, out=dy)
        dx += dy
        d2[dx < lim2] = np.inf
        rows_all = np.arange(b - a)
        first = d2.argmin(axis=1)
        m1 = d2[rows_all, first]
        d2[rows_all, first] = np.inf
        m2 = d2.min(axis=1)
        d2[rows_all, first] = m1
        with np.errstate(invalid="ignore", divide="ignore"):
            r1 = np.sqrt(m1) / np.sqrt(m2)
        cand = np.nonzero((np.nan_to_num(r1, nan=1.0) < ratio) & np.isfinite(m1))[0]
        if cand.size == 0:
            continue
        d2 = d2[cand]
        idx = np.argpartition(d2, k, axis=1)[:, : k + 1]
        dk = np.take_along_axis(d2, idx, axis=1)
        order = np.argsort(dk, axis=1)
        idx = np.take_along_axis(idx, order, axis=1)
        d = np.sqrt(np.take_along_axis(dk, order, axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            r = d[:, :-1] / d[:, 1:]
        ok = np.nan_to_num(r, nan=1.0) < ratio
        keep = np.cumprod(ok, axis=1).astype(bool) & np.isfinite(d[:, :-1])
        rows, cols = np.nonzero(keep)
        out.append(np.stack([cand[rows] + a, idx[rows, cols]], 1))
    pairs = np.concatenate(out, 0) if out else np.zeros((0, 2), int)
    pairs = np.sort(pairs, axis=1)
    pairs = np.unique(pairs, axis=0)
    return pairs[pairs[:, 0] != pairs[:, 1]]


@pytest.fixture(scope="module")
def cloned_keypoints():
    """SIFT keypoints of a picture with a copy-moved patch (many true g2NN matches)."""
    img = copymove_image(seed=2)
    forged, _, _ = clone(img, (120, 120), (380, 260), 50, 0.0, 1.0)
    g8 = cv2.cvtColor(np.ascontiguousarray(forged[..., :3]), cv2.COLOR_RGB2GRAY)
    kps, desc = cv2.SIFT_create(nfeatures=8000, contrastThreshold=0.02).detectAndCompute(g8, None)
    pts = np.array([kp.pt for kp in kps], np.float32)
    return pts, desc.astype(np.float32)


@pytest.mark.parametrize("min_dist", [10.0, 0.0, 3.5, 40.0])
def test_g2nn_matches_equal_the_dense_reference(cloned_keypoints, min_dist):
    pts, desc = cloned_keypoints
    want = _dense_g2nn_reference(pts, desc, 0.5, 10, min_dist)
    got = cms._g2nn_pairs(pts, desc, 0.5, 10, min_dist)
    assert want.shape[0] > 10  # the clone gives matches to compare
    assert got.dtype == want.dtype and np.array_equal(got, want)


def test_g2nn_equal_with_duplicate_points_and_many_chunks():
    """Duplicate keypoints (same place, two orientations), points exactly at the exclusion radius, and
    descriptors that are not integers: still the dense reference's matches, chunk by chunk."""
    rng = np.random.default_rng(5)
    n = 900
    pts = rng.uniform(0, 200, (n, 2)).astype(np.float32)
    pts[1::7] = pts[0::7][: pts[1::7].shape[0]]  # duplicates
    pts[2::11, 0] = pts[3::11, 0][: pts[2::11].shape[0]] + 10.0  # exactly min_dist apart in x
    pts[2::11, 1] = pts[3::11, 1][: pts[2::11].shape[0]]
    base = rng.normal(size=(60, 128)).astype(np.float32)
    desc = base[rng.integers(0, 60, n)] + rng.normal(scale=0.05, size=(n, 128)).astype(np.float32)
    for md in (10.0, 0.0, 25.0):
        want = _dense_g2nn_reference(pts, desc, 0.5, 10, md)
        assert np.array_equal(cms._g2nn_pairs(pts, desc, 0.5, 10, md), want)


def test_close_pairs_equal_the_dense_float32_test():
    rng = np.random.default_rng(1)
    pts = rng.uniform(0, 60, (400, 2)).astype(np.float32)
    pts[::9] = pts[1::9][: pts[::9].shape[0]]
    for md in (0.0, 2.0, 7.25, 15.0):
        dx = pts[:, None, 0] - pts[None, :, 0]
        dy = pts[:, None, 1] - pts[None, :, 1]
        dense = np.argwhere(dx * dx + dy * dy < md * md)  # row-major: sorted by i
        i, j = cms._close_pairs(pts, md)
        got = np.stack([i, j], 1)
        assert np.array_equal(got[np.lexsort((got[:, 1], got[:, 0]))], dense)


def test_copymove_sift_still_finds_the_clone():
    img = copymove_image(seed=2)
    forged, src, dst = clone(img, (120, 120), (380, 260), 50, 0.0, 1.0)
    tr = run("copymove_sift", load(encode(forged, "PNG", 85)), catch=False)
    assert tr.score >= 0.5 and tr.findings
    hot = tr.heatmap > 0.5
    assert hot[src].mean() > 0.5 and hot[dst].mean() > 0.5


def test_jpeg_internals_read_beside_the_decode_equal_the_serial_read():
    data = jpeg_bytes(natural_image(200, 264, seed=4), 87)
    ev = load(data, name="beside.jpg")
    ref, err = read_jpeg_internals(data)
    assert err is None and ev.jpeg_error is None
    assert len(ev.jpeg.coefficients) == len(ref.coefficients) == 3
    for a, b in zip(ev.jpeg.coefficients, ref.coefficients, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b) and not a.flags.writeable
    for a, b in zip(ev.jpeg.qtables, ref.qtables, strict=True):
        assert np.array_equal(a, b)
    assert (ev.jpeg.sampling, ev.jpeg.progressive, ev.jpeg.color_space) == (ref.sampling, ref.progressive,
                                                                             ref.color_space)
    assert ev.sha256 == hashlib.sha256(data).hexdigest()


def test_refused_pictures_never_reach_jpeglib(monkeypatch):
    import forgelens.evidence as evmod

    calls = []
    monkeypatch.setattr(evmod, "read_jpeg_internals", lambda data: (calls.append(len(data)), (None, "x"))[1])
    data = jpeg_bytes(natural_image(200, 200, seed=1), 90)
    with pytest.raises(DecompressionBombError, match="pixel"):
        load(data, limits=LoadLimits(max_pixels=10_000))
    with pytest.raises(ImageTooSmallError):
        load(data, limits=LoadLimits(min_side=300))
    assert calls == []
    load(data)
    assert len(calls) == 1  # read once, of the hashed bytes


def test_a_truncated_jpeg_still_gives_one_clear_error_or_loads():
    """A JPEG cut short: the same outcome as before (Pillow's error names the file; jpeglib's failure,
    if Pillow copes, is recorded in jpeg_error), and no reader thread is left behind."""
    import threading

    data = jpeg_bytes(natural_image(160, 160, seed=3), 90)
    cut = data[: len(data) // 2]
    try:
        ev = load(cut, name="cut.jpg")
    except Exception as exc:  # noqa: BLE001 - the error must name the file
        assert "cut.jpg" in str(exc)
    else:
        assert ev.jpeg is not None or ev.jpeg_error
    for t in threading.enumerate():
        if t.name == "forgelens-jpeg-internals":
            t.join(timeout=10)
            assert not t.is_alive()


def _warm_threads():
    import threading

    return [t for t in threading.enumerate() if t.name == "forgelens-warm-up"]


def test_warm_up_is_skipped_without_clip_probe_and_never_raises(monkeypatch):
    from forgelens import pipeline
    from forgelens.detectors import clip_probe

    calls = []
    monkeypatch.setattr(clip_probe, "warm_up", lambda config: calls.append(config))
    pipeline.warm_up_models(["ela", "jpeg_grid"], None)
    pipeline.warm_up_models(None, {"clip_probe": {"no_such_option": 1}})  # a bad option: left to the run
    for t in _warm_threads():
        t.join(timeout=30)
    assert calls == []
    pipeline.warm_up_models(["clip_probe"], {"clip_probe": {"threads": 1}})
    for t in _warm_threads():
        t.join(timeout=30)
    assert [c.threads for c in calls] == [1]


def test_warm_up_errors_are_swallowed(monkeypatch):
    from forgelens import pipeline
    from forgelens.detectors import clip_probe

    def boom(config):
        raise RuntimeError("model file damaged")

    monkeypatch.setattr(clip_probe, "warm_up", boom)
    pipeline.warm_up_models(None, None)  # the default analysis holds clip_probe
    for t in _warm_threads():
        t.join(timeout=30)


needs_clip = pytest.mark.skipif(
    __import__("forgelens.learned.clip_encoder", fromlist=["x"]).unavailable_reason() is not None,
    reason="CLIP encoder absent")


@needs_clip
def test_clip_session_made_once_when_asked_from_two_threads():
    """The warm-up and the detector may ask at once: one session, the same object for both."""
    import threading

    from forgelens.learned import clip_encoder

    clip_encoder._session.cache_clear()
    got = []
    ts = [threading.Thread(target=lambda: got.append(clip_encoder.session(1))) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(got) == 2 and got[0] is got[1] and clip_encoder._session.cache_info().misses == 1
    clip_encoder._session.cache_clear()


@needs_clip
def test_clip_probe_trace_same_with_and_without_the_warm_up():
    from forgelens.learned import clip_encoder
    from forgelens.pipeline import analyze

    data = jpeg_bytes(natural_image(240, 320, seed=6), 90)
    clip_encoder._session.cache_clear()
    a = analyze(data, detectors=["clip_probe"]).trace("clip_probe")  # warm-up beside the decode
    clip_encoder._session.cache_clear()
    b = run("clip_probe", load(data), catch=False)  # made by the detector itself
    assert a.score == b.score and [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]


@needs_clip
def test_a_script_whose_picture_fails_to_load_exits_cleanly(tmp_path):
    """The warm-up thread is still making the CLIP session when load() fails and the script ends:
    exit must wait for it, not abort the process (it died with SIGABRT, 'terminate called')."""
    import subprocess
    import sys

    bad = tmp_path / "notes.jpg"
    bad.write_text("these are notes, not a picture\n")
    script = ("import forgelens\n"
              "try:\n"
              f"    forgelens.analyze({str(bad)!r})\n"
              "except forgelens.ForgeLensError as exc:\n"
              "    print('error:', exc)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "terminate called" not in done.stderr
    assert "error:" in done.stdout and "notes.jpg" in done.stdout
