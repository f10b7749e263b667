"""Issue-18 dataset builder: provenance from a pinned commit, the evaluation guard, dedup, splits, chains."""

from __future__ import annotations

import io
import json
import os
import subprocess

import numpy as np
import pytest
from PIL import Image

from forgelens.training import generation_data as gd


def picture(seed: int, h: int = 300, w: int = 400) -> np.ndarray:
    """A textured picture with large-scale structure (distinct perceptual hashes per seed)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    base = np.stack([np.sin(2 * np.pi * (rng.uniform(0.5, 3) * xx + rng.uniform(0.5, 3) * yy + rng.uniform()))
                     for _ in range(3)], -1)
    img = 128 + 90 * base + rng.normal(0, 6, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


def rec(i: int, label: str = "generated", family: str = "fam-a") -> gd.Record:
    return gd.Record(f"{i:08x}", "test/repo", "0" * 40, f"img{i}.png", label, family, "test", "MIT")


def test_build_runs_the_guard_and_drops_what_it_flags(tmp_path, guard):
    script, mod = guard
    pics = [picture(s) for s in range(4)]
    reserved = mod.phash(Image.fromarray(pics[2]))
    (script.parent / "reserved_phashes.txt").write_text(f"# test\n{reserved:016x}\n")
    extra = [(rec(i, "generated" if i % 2 else "authentic", "fam-a" if i % 2 else "real-x"), png(p))
             for i, p in enumerate(pics)]
    records = gd.build(tmp_path / "out", None, None, script, extra=extra)
    by_id = {r.id: r for r in records}
    assert "heldout_guard" in by_id[f"{2:08x}"].dropped and not by_id[f"{2:08x}"].views
    kept = [r for r in records if not r.dropped]
    assert len(kept) == 3 and all(r.views and (tmp_path / "out" / "views" / r.views[0]["file"]).is_file() for r in kept)
    lines = (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()
    assert {json.loads(x)["id"] for x in lines} == set(by_id)
    assert all(json.loads(x)["repo"] == "test/repo" and json.loads(x)["licence"] == "MIT" for x in lines)


def test_build_refuses_to_run_without_the_guard(tmp_path):
    with pytest.raises(FileNotFoundError, match="guard"):
        gd.build(tmp_path / "out", None, None, tmp_path / "missing.py", extra=[(rec(0), png(picture(0)))])


def test_near_duplicates_within_and_across_sources_are_dropped(tmp_path, guard):
    a = picture(7)
    small = np.asarray(Image.fromarray(a).resize((300, 225), Image.LANCZOS))
    extra = [(rec(1), png(a)), (rec(2, family="fam-b"), png(small)), (rec(3), png(picture(8)))]
    records = gd.build(tmp_path / "out", None, None, guard[0], extra=extra, robust=False)
    dropped = {r.id: r.dropped for r in records}
    assert dropped[f"{2:08x}"].startswith("near-duplicate of 00000001")
    assert dropped[f"{1:08x}"] == "" and dropped[f"{3:08x}"] == ""


def bare_mirror(work, mirrors) -> str:
    """Commit the folder ``work`` and clone it bare as the mirror of repository "o/n" under ``mirrors``
    (the layout ``fetch`` leaves); returns the commit."""
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q", str(work)], check=True)
    subprocess.run([*git, "-C", str(work), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(work), "commit", "-qm", "x"], check=True)
    commit = subprocess.run(["git", "-C", str(work), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(mirrors / "o+n" / "repo")], check=True)
    return commit


def test_pinned_commit_provenance_from_a_bare_mirror(tmp_path):
    work = tmp_path / "work"
    (work / "gen").mkdir(parents=True)
    (work / "gen" / "a.png").write_bytes(png(picture(1)))
    (work / "real.jpg").write_bytes(b"not read")
    commit = bare_mirror(work, tmp_path / "m")
    src = gd.Source("o/n", commit, "CC0-1.0", ((r"^gen/", "generated", "fam-z", "photoreal"),))
    [(r, data)] = gd.list_source(src, tmp_path / "m")
    assert (r.repo, r.commit, r.path, r.family, r.licence) == ("o/n", commit, "gen/a.png", "fam-z", "CC0-1.0")
    assert data == (work / "gen" / "a.png").read_bytes()


def test_split_holds_out_whole_families_and_some_of_every_real_source():
    assert gd.split_of(rec(1, family="seedream-5")) == "val"
    assert gd.split_of(rec(1, family="nano-banana-pro")) == "train"
    splits = {gd.split_of(rec(i, "authentic", "stock")) for i in range(40)}
    assert splits == {"train", "val"}


def test_processing_is_the_same_for_both_classes_and_reproducible():
    rgb = picture(3, 480, 640)
    a = gd.process(rgb, np.random.default_rng(5))
    b = gd.process(rgb, np.random.default_rng(5))
    assert a[0] == b[0] and a[3] == b[3]
    exts = set()
    for s in range(30):
        data, ext, pix, steps = gd.process(rgb, np.random.default_rng(s))
        exts.add(ext)
        assert min(pix.shape[:2]) >= 200 and steps[0]["op"] == "crop" and steps[1]["op"] == "resize"
        assert 0.5 <= steps[1]["factor"] <= 1.5 or min(pix.shape[:2]) >= 224
    assert exts >= {"jpg", "webp"}
    copies = gd.robust_copies(a[2])
    assert set(copies) == {"jpeg75", "half", "social"}


def test_guard_also_runs_on_the_processed_views(tmp_path, guard):
    script, mod = guard
    records = gd.build(tmp_path / "out", None, None, script, extra=[(rec(i), png(picture(i + 20))) for i in range(2)],
                       robust=False)
    assert not any(r.dropped for r in records)
    view = tmp_path / "out" / "views" / records[1].views[0]["file"]
    (script.parent / "reserved_phashes.txt").write_text(f"{mod.phash(Image.open(view).convert('RGB')):016x}\n")
    assert gd.drop_guarded_views(records, tmp_path / "out" / "views", script) == 1
    assert records[1].dropped.startswith("reserved") and not records[0].dropped


def test_aligned_counterpart_has_the_views_chain_and_the_real_high_band():
    """``process(before_encode=…)`` with the view's seed: same crop, size and compression as the
    real view; DDA's frequency alignment keeps the fake's low DCT band and the real's high band."""
    from forgelens.training import taef2

    rgb = picture(3, 420, 560)
    seed = [0, 0x1234]
    real = gd.process(rgb, np.random.default_rng(seed))
    same = gd.process(rgb, np.random.default_rng(seed), before_encode=lambda cur: cur)
    assert same[0] == real[0]  # a hook that changes nothing gives the stored view byte for byte
    darker = gd.process(rgb, np.random.default_rng(seed), before_encode=lambda cur: cur // 2)
    assert darker[1] == real[1] and darker[2].shape == real[2].shape and darker[3] == real[3]
    assert darker[2].mean() < real[2].mean() - 30

    a = picture(4, 64, 72)
    b = picture(5, 64, 72)
    assert np.array_equal(taef2.high_band_from(a, a), a)
    mixed = taef2.high_band_from(a, b)
    ca, d = taef2._block_dct(a.astype(np.float32))
    cb, _ = taef2._block_dct(b.astype(np.float32))
    cm, _ = taef2._block_dct(mixed.astype(np.float32))
    k = np.arange(8)
    high = (k[:, None] + k[None, :]) >= taef2.HIGH_BAND
    hi, lo = high[None, :, None, :, None], ~high[None, :, None, :, None]
    assert np.abs(np.where(hi, cm - ca, 0)).max() < 6  # rounding to uint8 only
    assert np.abs(np.where(lo, cm - cb, 0)).max() < 6
    with pytest.raises(ValueError, match="unknown kind"):
        taef2.aligned_fake(a, "blend")


def test_load_features_reads_the_rescored_gen_trace_last(tmp_path):
    """Scores written by generation_cache_gen_trace.py replace those cached with an older gen_trace."""
    from forgelens.training.generation_data import (
        GEN_TRACE_CACHE,
        LAYER_CACHE,
        load_features,
        save_features,
    )

    save_features(tmp_path / "features.npz", {"v|gen_trace": np.array([0.1]), "v|trivial": np.ones(2)})
    save_features(tmp_path / "features-0.npz", {"v|gen_trace": np.array([0.2])})
    save_features(tmp_path / GEN_TRACE_CACHE, {"v|gen_trace": np.array([0.9])})
    save_features(tmp_path / LAYER_CACHE, {"v|g_cls": np.zeros(3)})
    merged = load_features(tmp_path)
    assert float(merged["v|gen_trace"][0]) == 0.9
    assert set(merged) == {"v|gen_trace", "v|trivial", "v|g_cls"}


def test_view_cache_pass_fills_what_is_missing_and_saves(tmp_path):
    """The resumable per-view pass: pending views (processed first), parts stored as float16 under
    FILE|PART, the cache written where ``load_features`` reads it."""
    (tmp_path / "views").mkdir()
    for name, level in (("a_proc.png", 10), ("b_jpeg75.png", 200), ("c_proc.png", 90)):
        Image.fromarray(np.full((64, 80, 3), level, np.uint8)).save(tmp_path / "views" / name)
    cache = {"c_proc.png|mean": np.zeros(1, np.float16)}
    todo = gd.pending_views(["b_jpeg75.png", "c_proc.png", "a_proc.png"], cache, "mean")
    assert todo == ["a_proc.png", "b_jpeg75.png"]
    assert gd.pending_views(["b_jpeg75.png", "a_proc.png"], cache, "mean", proc_only=True) == ["a_proc.png"]
    path = tmp_path / "features-test.npz"
    gd.fill_view_cache(tmp_path, path, cache, todo, lambda f, rgb: {"mean": np.array([rgb.mean()])}, save_every=1)
    saved = gd.load_features(tmp_path)
    assert saved["a_proc.png|mean"].dtype == np.float16 and float(saved["a_proc.png|mean"][0]) == 10.0
    assert float(saved["b_jpeg75.png|mean"][0]) == 200.0 and "c_proc.png|mean" in saved


def test_extend_adds_a_source_without_touching_the_set_and_splits_by_repository(tmp_path, guard):
    script, mod = guard
    out = tmp_path / "out"
    base = gd.build(out, None, None, script, extra=[(rec(i, "authentic", "real-x"), png(picture(i + 40))) for i in range(3)],
                    robust=False)
    before = (out / "manifest.jsonl").read_text()
    linked = tmp_path / "linked-manifest.jsonl"  # as in a `cp -al` copy of a data directory
    os.link(out / "manifest.jsonl", linked)

    def new(i: int, repo: str) -> gd.Record:
        return gd.Record(f"{100 + i:08x}", repo, "1" * 40, f"p{i}.jpg", "authentic", "stock-web", "stock", "MIT")

    reserved = picture(60)
    (script.parent / "reserved_phashes.txt").write_text(f"{mod.phash(Image.fromarray(reserved)):016x}\n")
    extra = [(new(0, "o/a"), png(picture(40))),  # near-copy of a picture already in the set
             (new(1, "o/a"), png(reserved))]  # flagged by the guard
    extra += [(new(i, repo), png(picture(i + 70))) for i, repo in zip(range(2, 9), "aabbbcd", strict=True)]
    added = gd.extend(out, None, (), script, extra=extra)
    assert linked.read_text() == before  # the hard-linked manifest is replaced, not rewritten
    assert (out / "manifest.jsonl").read_text().startswith(before)
    by_id = {r.id: r for r in added}
    assert by_id[f"{100:08x}"].dropped == f"near-duplicate of {base[0].id}"
    assert "heldout_guard" in by_id[f"{101:08x}"].dropped
    kept = [r for r in added if not r.dropped]
    assert len(kept) == 7 and {r.split for r in kept} == {"train", "val"}
    assert all(len({r.split for r in kept if r.repo == repo}) == 1 for repo in {r.repo for r in kept})
    assert all((out / "views" / v["file"]).is_file() for r in kept for v in r.views)
    assert all(len(r.views) == (4 if r.split == "val" else 1) for r in kept)
    assert gd.split_by_repository(kept) == {r.repo: r.split for r in kept}


def test_stock_web_sources_are_real_photos_pinned_and_licensed():
    from forgelens.training.gen_sources_stock import STOCK_WEB_SOURCES

    repos = [s.repo for s in STOCK_WEB_SOURCES]
    assert len(set(repos)) == len(repos) >= 10
    for s in STOCK_WEB_SOURCES:
        assert len(s.commit) == 40 and s.licence and 0 < s.cap_per_family <= 40
        assert all(label == "authentic" and family == "stock-web" for _, label, family, _ in s.rules)


def test_extend_with_a_split_puts_every_new_picture_there(tmp_path, guard):
    script, _ = guard
    out = tmp_path / "out"
    gd.build(out, None, None, script, extra=[(rec(i, "authentic", "real-x"), png(picture(i + 40))) for i in range(2)],
             robust=False)
    extra = [(gd.Record(f"{200 + i:08x}", repo, "2" * 40, f"q{i}.jpg", "authentic", "fresh-web", "web", "MIT"),
              png(picture(i + 80))) for i, repo in zip(range(4), "abcd", strict=True)]
    with pytest.raises(ValueError, match="split"):
        gd.extend(out, None, (), script, extra=extra, split="test")
    kept = [r for r in gd.extend(out, None, (), script, extra=extra, split="val", tag="fresh") if not r.dropped]
    assert len(kept) == 4 and {r.split for r in kept} == {"val"}  # four repositories, none to training
    assert all(len(r.views) == 4 for r in kept)  # validation pictures get their robustness copies
    assert {r.id for r in gd.load_manifest(out) if r.split == "val" and r.family == "fresh-web"} == {r.id for r in kept}


def test_fresh_sources_are_new_repositories_pinned_and_licensed():
    from forgelens.training.camera_originals import SOURCES as CAMERA_SOURCES
    from forgelens.training.gen_sources_fresh import FRESH_SOURCES
    from forgelens.training.gen_sources_stock import STOCK_WEB_SOURCES

    repos = [s.repo for s in FRESH_SOURCES]
    used = {s.repo for s in STOCK_WEB_SOURCES + gd.SOURCES} | {row[0] for row in CAMERA_SOURCES}
    assert len(set(repos)) == len(repos) >= 10 and not set(repos) & used
    for s in FRESH_SOURCES:
        assert len(s.commit) == 40 and s.licence and 0 < s.cap_per_family <= 20
        assert all(label == "authentic" and family == "fresh-web" for _, label, family, _ in s.rules)
