"""benchmarks/studies/refresh_traces.py: a named detector's cached trace is re-run on the picture, the rest
is copied; broken cache files and pictures are named and left out; the cache itself is never written."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from benchmarks.studies import refresh_traces
from forgelens.fusion.detection import MapSummary
from forgelens.pipeline import analyze


def _cache_entry(path, image: str, score: float) -> None:
    trace = {"name": "metadata", "family": "provenance", "calibrated": False, "applicable": True, "error": None,
             "score": score, "findings": []}
    MapSummary(scores={"metadata": score}, families={"metadata": "provenance"}).to_npz(
        path, image=image, label="authentic", shape=[64, 96], traces=[trace])


def test_refresh_replaces_the_named_trace_and_names_broken_files(tmp_path, capsys):
    images, cache, out = tmp_path / "images", tmp_path / "cache", tmp_path / "out"
    images.mkdir()
    cache.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (200, 300, 3), dtype=np.uint8)).save(images / "a.png")
    images.joinpath("broken.jpg").write_bytes(b"\xff\xd8\xff not a picture")
    _cache_entry(cache / "a.npz", "a.png", 0.123456)
    _cache_entry(cache / "broken.npz", "broken.jpg", 0.5)
    _cache_entry(cache / "gone.npz", "missing.png", 0.25)
    cache.joinpath("junk.npz").write_bytes(b"no zip here")
    before = {p.name: p.read_bytes() for p in cache.iterdir()}

    assert refresh_traces.main(["--detector", "metadata", "--cache", str(cache), "--images", str(images),
                                "--out", str(out)]) == 0

    printed = capsys.readouterr().out
    assert "junk.npz: unreadable cache file" in printed
    assert "broken.npz: picture rejected by the analysis" in printed
    assert {p.name: p.read_bytes() for p in cache.iterdir()} == before  # the cache is untouched
    assert sorted(p.name for p in out.iterdir()) == ["a.npz", "gone.npz"]
    meta = json.loads(str(np.load(out / "a.npz")["meta"]))
    fresh = analyze(str(images / "a.png"), detectors=["metadata"]).traces[0].score
    assert meta["traces"][0]["score"] == fresh and meta["scores"]["metadata"] == fresh
    gone = json.loads(str(np.load(out / "gone.npz")["meta"]))
    assert gone["traces"][0]["score"] == 0.25  # picture missing: copied unchanged


def test_refresh_refuses_to_write_into_the_cache(tmp_path):
    with pytest.raises(SystemExit):
        refresh_traces.main(["--detector", "metadata", "--cache", str(tmp_path), "--images", str(tmp_path),
                             "--out", str(tmp_path)])
