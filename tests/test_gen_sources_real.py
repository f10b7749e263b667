"""Session 10 of issue 18: real photographs of the small real styles (training.gen_sources_real). No network:
the rules and the per-picture split run on a made-up bare mirror."""

from __future__ import annotations

import cv2
import pytest
from PIL import Image

from forgelens.training import gen_sources_real as gsr
from forgelens.training import generation_data as gd
from tests.test_generation_data import bare_mirror, picture, png, rec


def _kept(src: gd.Source, path: str) -> str | None:
    """The style key ``src`` gives ``path`` (None when no rule keeps it), as ``list_source`` decides."""
    rule = gd.rule_for(src, path)
    return None if rule is None else rule[2]


def _source(repo: str) -> gd.Source:
    return next(s for s in gsr.REAL_SOURCES if s.repo == repo)


def test_real_sources_are_pinned_licensed_real_styles_and_new_repositories():
    gsr.check_real_sources()
    assert not gsr.overlapping_repositories()
    assert not {s.repo for s in gsr.REAL_SOURCES} & gsr.RESERVED_REPOSITORIES
    assert not [s.repo for s in gsr.REAL_SOURCES if gsr.reserved(s.repo)]
    assert gsr.reserved("contentauth/c2pa-rs") and gsr.reserved("IANARE/EXIF-SAMPLES")
    for s in gsr.REAL_SOURCES:
        assert len(s.commit) == 40 and s.licence
        for _, label, family, _ in s.rules:
            assert label == "authentic" and family in gsr.REAL_STYLES


def test_check_refuses_generated_pictures_new_styles_and_reserved_repositories():
    ok = ((r"^x/", "authentic", gsr.FILM, "scan"),)
    with pytest.raises(ValueError, match="midjourney"):
        gsr.check_real_sources((gd.Source("o/n", "0" * 40, "MIT", ((r"^x/", "generated", "midjourney-v7", "p"),)),))
    with pytest.raises(ValueError, match="stock-web"):
        gsr.check_real_sources((gd.Source("o/n", "0" * 40, "MIT", ((r"^x/", "authentic", "stock-web", "s"),)),))
    with pytest.raises(ValueError, match="reserved"):
        gsr.check_real_sources((gd.Source("ianare/exif-samples", "0" * 40, "MIT", ok),))
    with pytest.raises(ValueError, match="pinned"):
        gsr.check_real_sources((gd.Source("o/n", "HEAD", "MIT", ok),))
    with pytest.raises(ValueError, match="licence"):
        gsr.check_real_sources((gd.Source("o/n", "0" * 40, "", ok),))


def test_path_rules_keep_photographs_and_leave_out_reserved_sets_collages_and_held_out_cameras():
    sr = _source("jbhuang0604/SelfExSR")
    assert _kept(sr, "data/BSD100/image_SRF_2/img_001_SRF_2_HR.png") == gsr.FILM
    assert _kept(sr, "data/BSD100/image_SRF_2/img_001_SRF_2_LR.png") is None  # the low-resolution input
    assert _kept(sr, "data/BSD100/image_SRF_4/img_001_SRF_4_HR.png") is None  # the same picture again
    assert _kept(sr, "data/Urban100/image_SRF_2/img_001_SRF_2_HR.png") is None  # reserved for evaluation
    assert _kept(sr, "data/Sun-Hays80/image_SRF_8/img_001_SRF_8_HR.png") is None  # already in ../shared
    assert _kept(sr, "data/Set14/image_SRF_2/img_001_SRF_2_HR.png") is None
    old = _source("microsoft/Bringing-Old-Photos-Back-to-Life")
    assert _kept(old, "test_images/old_w_scratch/a.png") == gsr.FILM
    assert _kept(old, "test_images/old/g.png") is None  # a two-photo collage
    assert _kept(old, "imgs/HR.png") is None  # a figure
    inet = _source("EliSchwartz/imagenet-sample-images")
    assert _kept(inet, "n01440764_tench.JPEG") == gsr.WEB
    assert _kept(inet, "n02422106_hartebeest.JPEG") is None  # a collage of four photos
    faces = _source("Linzaer/Ultra-Light-Fast-Generic-Face-Detector-1MB")
    assert _kept(faces, "imgs/1.jpg") == gsr.WEB
    assert _kept(faces, "imgs/22.jpg") is None and _kept(faces, "readme_imgs/1.jpg") is None  # a render; boxes drawn
    assert _kept(_source("h2non/bimg"), "testdata/test_exif.jpg") is None  # a copy of a reserved picture
    lychee = _source("LycheeOrg/Lychee")
    assert _kept(lychee, "tests/Samples/train.jpg") == gsr.CAMERA
    for path in ("tests/Samples/aarhus.jpg", "tests/Samples/orientation-90.jpg", "tests/Samples/undefined-exif-tag.jpg"):
        assert _kept(lychee, path) is None  # a held-out camera model, a GIMP save, a darktable edit


SCENES = {  # the frames each camera-scene rule keeps (structure-from-motion / drone / object sequences)
    "openMVG/ImageDataset_SceauxCastle": [f"images/100_71{n}.JPG" for n in ("00", "03", "06", "10")],
    "OpenDroneMap-ja/odm_data_snowpeak": [f"img/IMG_{n}.JPG" for n in (2168, 2186, 2244, 2282)],
    "dfawok/Photogrammetry": [f"Test_1/IMG_20230503_175{n}.jpg" for n in (657, 738, 757)],
}


@pytest.mark.parametrize("repo", sorted(SCENES))
def test_the_frames_of_one_camera_scene_land_in_one_split(repo):
    src = _source(repo)
    assert all(_kept(src, p) == gsr.CAMERA for p in SCENES[repo])
    splits = {gd.split_of(gd.Record(gd._rid(repo, p), repo, src.commit, p, "authentic", gsr.CAMERA, "camera", ""))
              for p in SCENES[repo]}
    assert len(splits) == 1, (repo, splits)  # a scene is never in both splits


def test_new_pictures_split_per_picture_deduplicated_against_shared_and_guarded(tmp_path, guard, monkeypatch):
    script, mod = guard
    out = tmp_path / "out"
    base = gd.build(out, None, None, script, extra=[(rec(i, "authentic", gsr.FILM), png(picture(i + 40))) for i in range(2)],
                    robust=False)
    shared = tmp_path / "shared"
    (shared / "datasets" / "casia1-samples").mkdir(parents=True)
    (shared / "datasets" / "casia1-samples" / "au.png").write_bytes(png(picture(70)))
    (shared / "datasets" / "casia1-samples" / "index.csv").write_text("image,mask,label,source\nau.png,,authentic,x\n")
    reserved = picture(61)
    bsd = "data/BSD100/image_SRF_2/img_{:03d}_SRF_2_HR.png"
    files = {bsd.format(i): picture(100 + i) for i in range(1, 15)}
    files[bsd.format(20)] = reserved
    files[bsd.format(21)] = cv2.resize(picture(70), (360, 270), interpolation=cv2.INTER_AREA)  # a CASIA picture
    files[bsd.format(22)] = picture(41)  # already in the set
    files["data/BSD100/image_SRF_2/img_001_SRF_2_LR.png"] = picture(90)
    files["data/Urban100/image_SRF_2/img_001_SRF_2_HR.png"] = picture(91)
    work = tmp_path / "work"
    for path, rgb in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_bytes(png(rgb))
    (script.parent / "reserved_phashes.txt").write_text(f"{mod.phash(Image.fromarray(reserved)):016x}\n")
    commit = bare_mirror(work, tmp_path / "m")
    real = _source("jbhuang0604/SelfExSR")
    monkeypatch.setattr(gsr, "REAL_SOURCES", (gd.Source("o/n", commit, "MIT", real.rules, real.exclude, real.cap_per_family),))
    before = (out / "manifest.jsonl").read_text()
    assert gsr.main(["--mirrors", str(tmp_path / "m"), "--out", str(out), "--guard", str(script),
                     "--shared", str(shared)]) == 0
    assert (out / "manifest.jsonl").read_text().startswith(before)  # the old records first, unchanged
    added = {r.path: r for r in gd.load_manifest(out) if r.repo == "o/n"}
    assert set(added) == {bsd.format(i) for i in (*range(1, 15), 20, 21, 22)}  # no LR input, no Urban100
    assert "heldout_guard" in added[bsd.format(20)].dropped
    assert added[bsd.format(21)].dropped == "near-duplicate of shared:casia1-samples/au.png"
    assert added[bsd.format(22)].dropped == f"near-duplicate of {base[1].id}"
    kept = [r for r in added.values() if not r.dropped]
    assert len(kept) == 14 and all(r.family == gsr.FILM and r.label == "authentic" for r in kept)
    assert all(r.split == gd.split_of(r) for r in kept)
    assert {r.split for r in kept} == {"train", "val"}  # one repository, both splits: split per picture
    for r in kept:  # validation pictures carry the robustness copies, training pictures one view
        assert [v["view"] for v in r.views] == (["proc"] if r.split == "train" else ["proc", "jpeg75", "half", "social"])
    assert (out / "raw-real-styles").is_dir() and (out / "guard-views-real-styles").is_dir()


def test_shared_hashes_read_every_listed_picture_and_nothing_without_shared(tmp_path):
    assert gsr.shared_hash_records(None) == [] and gsr.shared_hash_records(tmp_path / "absent") == []
    d = tmp_path / "datasets" / "cameras"
    d.mkdir(parents=True)
    (d / "a.png").write_bytes(png(picture(3)))
    (d / "index.csv").write_text("image,mask,label,source\na.png,,authentic,x\nmissing.png,,authentic,x\n")
    (recs,) = gsr.shared_hash_records(tmp_path)
    assert recs.id == "shared:cameras/a.png" and int(recs.phash, 16) == gd.phash(picture(3))
