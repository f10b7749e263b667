"""The ground floor (forgelens.jpeg, forgelens.maps): one encoder, the robust scale, doctests run."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from forgelens import jpeg, maps


@pytest.mark.parametrize("module", [jpeg, maps])
def test_docstring_examples_run(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_one_encoder_takes_both_subsampling_spellings_and_keeps_gray_gray():
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (40, 56, 3), dtype=np.uint8)
    assert jpeg.encode_jpeg(rgb, 80, "4:4:4") == jpeg.encode_jpeg(rgb, 80, 0)
    assert jpeg.encode_jpeg(rgb, 80) == jpeg.encode_jpeg(rgb, 80, 2)
    assert jpeg.recompress(rgb, 80).shape == rgb.shape
    assert jpeg.recompress(rgb[..., 0], 80).shape == rgb.shape[:2]
    with pytest.raises(ValueError, match="subsampling"):
        jpeg.encode_jpeg(rgb, 80, "4:1:1")


def test_the_written_tables_are_the_ones_estimated():
    data = jpeg.encode_jpeg(np.full((16, 16, 3), 128, np.uint8), 63)
    # Pillow writes the IJG table for 63; the DQT segment follows 0xFFDB, length, id
    i = data.index(b"\xff\xdb")
    zz = np.frombuffer(data[i + 5 : i + 5 + 64], np.uint8)
    table = np.zeros((8, 8), np.int32)
    for k, (r, c) in enumerate(jpeg.ZIGZAG):
        table[r, c] = zz[k]
    assert np.array_equal(table, jpeg.ijg_qtable(63))
    assert jpeg.estimate_jpeg_quality(table) == (63, True)


def test_robust_spread_ignores_a_minority_of_outliers():
    x = np.concatenate([np.random.default_rng(2).normal(5.0, 2.0, 5000), np.full(1000, 500.0)])
    centre, spread = maps.robust_center_spread(x)
    assert abs(centre - 5.0) < 1.0 and 1.5 < spread < 3.5  # the mean is ~88, the std ~184


def test_one_progress_bar_with_or_without_the_time_left():
    from forgelens.progress import progress_bar

    assert len(progress_bar(remaining=False).columns) == 4
    bar = progress_bar(disable=True)
    assert len(bar.columns) == 5
    with bar:
        job = bar.add_task("x", total=2)
        bar.advance(job)
        assert bar.tasks[0].completed == 1
