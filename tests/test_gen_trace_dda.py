"""gen_trace with DDA-style dual data alignment (issue 18, session 18: ``training/gen_trace_dda.py``)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from forgelens.jpeg import recompress
from forgelens.training import gen_data, gen_pairs, gen_trace_dda


def _textured(h: int, w: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.cumsum((rng.random((h, w, 3)) * 255).astype(np.uint8), axis=1).astype(np.uint8)


def _invert(c: np.ndarray) -> np.ndarray:  # a stand-in for TAEF2: deterministic, same size
    return 255 - c


def test_make_pairs_pairs_are_downscaled_pair_in_draw_order(tmp_path):
    """The shipped recipe is unchanged by the refactor: make_pairs' pairs are downscaled_pair's, same draws."""
    items = []
    for k in range(3):
        p = tmp_path / f"r{k}.{'jpg' if k % 2 else 'png'}"
        Image.fromarray(_textured(300 + 40 * k, 260, k)).save(p)
        items.append(gen_data.Item(path=p, label=0, group="cameras", dataset="cameras"))
    data = gen_pairs.make_pairs(items, [], n_pairs=10, n_native=0, n_gen=0, seed=3, launder=_invert, log=lambda s: None)
    rng = np.random.default_rng(3)
    imgs = [(it, gen_data.read_rgb(it.path)) for it in items]
    wts = np.array([min(a.shape[0] * a.shape[1], 4e6) ** 0.5 for _, a in imgs])
    want = []
    for i in rng.choice(len(imgs), size=10, p=wts / wts.sum()):
        it, a = imgs[i]
        p = gen_pairs.downscaled_pair(a, it.path.suffix == ".jpg", rng, _invert)
        if p is not None:
            want.append(p)
    assert len(data["pairs"]) == len(want) > 0
    assert np.array_equal(data["pairs"], np.stack(want))
    assert np.array_equal(data["pairs"][:, 1], 255 - data["pairs"][:, 0])


def test_grid_crop_starts_on_the_jpeg_grid():
    a = _textured(203, 317)
    rng = np.random.default_rng(0)
    for _ in range(20):
        c = gen_trace_dda.grid_crop(a, rng)
        assert c is not None and c.shape == (128, 128, 3)
        ys, xs = np.argwhere(np.all(a[:, :, None] == c[0, 0][None, None, None], axis=-1)[..., 0]).T
        hits = [(y, x) for y, x in zip(ys, xs, strict=True) if y + 128 <= a.shape[0] and x + 128 <= a.shape[1]
                and np.array_equal(a[y:y + 128, x:x + 128], c)]
        assert hits and all(y % 8 == 0 and x % 8 == 0 for y, x in hits)
    assert gen_trace_dda.grid_crop(np.zeros((100, 300, 3), np.uint8), rng) is None  # too small
    assert gen_trace_dda.grid_crop(np.zeros((300, 300, 3), np.uint8), rng) is None  # flat


def test_jpeg_settings_reads_quality_and_subsampling():
    buf = io.BytesIO()
    Image.fromarray(_textured(64, 64)).save(buf, "JPEG", quality=83, subsampling=0)
    assert gen_trace_dda.jpeg_settings(buf.getvalue()) == (83, 0)
    buf = io.BytesIO()
    Image.fromarray(_textured(64, 64)).save(buf, "JPEG", quality=61)
    assert gen_trace_dda.jpeg_settings(buf.getvalue()) == (61, 2)
    buf = io.BytesIO()
    Image.fromarray(_textured(64, 64)).save(buf, "PNG")
    assert gen_trace_dda.jpeg_settings(buf.getvalue()) is None


def test_frequency_pair_compresses_the_reconstruction_at_the_raw_quality():
    a = _textured(256, 256, 4)
    p = gen_trace_dda.frequency_pair(a, 70, 2, np.random.default_rng(1), _invert)
    real, fake = p
    assert fake.shape == real.shape == (128, 128, 3)
    assert np.array_equal(fake, recompress(255 - real, 70, 2))


class _Rec:
    def __init__(self, id, raw, label="authentic", split="train", dropped="", repo="o/r", family="stock-web"):
        self.id, self.raw, self.label, self.split, self.dropped, self.repo, self.family = (
            id, raw, label, split, dropped, repo, family)


def test_picture_pairs_are_seeded_by_the_record_and_jpeg_only_for_jpeg_raws(tmp_path):
    jp, pn = tmp_path / "a.jpg", tmp_path / "b.png"
    Image.fromarray(_textured(400, 500, 1)).save(jp, quality=77)
    Image.fromarray(_textured(400, 500, 2)).save(pn)
    r1 = gen_trace_dda.picture_pairs(_Rec("aa", str(jp)), _invert)
    r1b = gen_trace_dda.picture_pairs(_Rec("aa", str(jp)), _invert)
    r2 = gen_trace_dda.picture_pairs(_Rec("bb", str(pn)), _invert)
    assert len(r1["pixel"]) == gen_trace_dda.PAIRS_PER_PICTURE and len(r1["freq"]) == 1 and r1["quality"] == 77
    assert all(np.array_equal(x, y) for x, y in zip(r1["pixel"] + r1["freq"], r1b["pixel"] + r1b["freq"], strict=True))
    assert len(r2["pixel"]) == gen_trace_dda.PAIRS_PER_PICTURE and r2["freq"] == [] and r2["quality"] == -1
    garbage, cut = tmp_path / "garbage.jpg", tmp_path / "cut.jpg"
    garbage.write_bytes(b"\xff\xd8 not a picture")
    cut.write_bytes(jp.read_bytes()[:400])
    said: list[str] = []
    built = gen_trace_dda.build_pairs([_Rec("bb", str(pn)), _Rec("aa", str(jp)), _Rec("cc", str(tmp_path / "no.jpg")),
                                       _Rec("dd", str(garbage)), _Rec("ee", str(cut))],
                                      launder=_invert, log=said.append)
    assert list(built["freq_ids"]) == ["aa"] and sorted(set(built["pixel_ids"])) == ["aa", "bb"]
    skipped = [line for line in said if line.startswith("skipped")]  # one line per bad file, naming it
    assert len(skipped) == 3 and all(any(n in line for line in skipped) for n in ("no.jpg", "garbage.jpg", "cut.jpg"))
    assert np.array_equal(built["freq"][0], r1["freq"][0])  # the same pairs whatever the order or company


def test_dda_records_keep_training_split_real_pictures_from_outside_shared(tmp_path):
    rows = [dict(id="a1", repo="o/r", label="authentic", split="train", dropped="", raw="/x/a1.jpg"),
            dict(id="a2", repo="o/r", label="authentic", split="val", dropped="", raw="/x/a2.jpg"),
            dict(id="a3", repo="o/r", label="authentic", split="train", dropped="withdrawn", raw="/x/a3.jpg"),
            dict(id="a4", repo="../shared/cameras", label="authentic", split="train", dropped="", raw="/x/a4.jpg"),
            dict(id="g1", repo="o/g", label="generated", split="train", dropped="", raw="/x/g1.png"),
            dict(id="a5", repo="o/s", label="authentic", split="train", dropped="", raw="/x/a5.png")]
    with open(tmp_path / "manifest.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps({"commit": "c", "path": "p", "family": "stock-web", "style": "photo", "licence": "l",
                                "views": [], **r}) + "\n")
    recs = gen_trace_dda.dda_records(tmp_path)
    import hashlib

    assert [r.id for r in recs] == sorted(["a1", "a5"], key=lambda i: hashlib.sha1(i.encode()).hexdigest())


def test_combine_adds_only_kept_records_pairs():
    z = np.zeros((0, 2, 4, 4, 3), np.uint8)
    shipped = {"pairs": np.zeros((3, 2, 4, 4, 3), np.uint8), "native": np.zeros((2, 4, 4, 3), np.uint8),
               "gen": np.zeros((1, 4, 4, 3), np.uint8), "npairs": z}
    dda = {"pixel": np.ones((4, 2, 4, 4, 3), np.uint8), "pixel_ids": np.array(["a", "a", "b", "c"]),
           "freq": np.full((2, 2, 4, 4, 3), 2, np.uint8), "freq_ids": np.array(["a", "c"])}
    out, counts = gen_trace_dda.combine(shipped, [dda], keep=lambda i: i != "c")
    assert counts == {"pixel": 3, "freq": 1, "shipped": 3}
    assert len(out["pairs"]) == 7 and out["pairs"][3:6].min() == 1 and out["pairs"][6].min() == 2
    assert out["native"] is shipped["native"] and out["gen"] is shipped["gen"]


def test_pixel_mixup_is_off_in_the_shipped_recipe():
    import inspect

    from forgelens.training import gen_trace

    assert inspect.signature(gen_trace.fit_cnn).parameters["mix_pixel"].default == 0.0
    assert inspect.signature(gen_trace.train_trace).parameters["mix_pixel"].default == 0.0


@pytest.mark.skipif(not Path("/work/gen-data-s18dda/manifest.jsonl").is_file(), reason="GD's data folder is absent")
def test_gd_real_pictures_are_the_kept_training_split_outside_shared():
    recs = gen_trace_dda.dda_records(Path("/work/gen-data-s18dda"))
    assert len(recs) == 1830 and all(r.label == "authentic" and r.split == "train" and not r.dropped for r in recs)
