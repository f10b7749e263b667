"""Session 12 of issue 18: new real photo sources and generated pictures (training.gen_sources_s12). No network:
the rules and the repository split run on made-up bare mirrors."""

from __future__ import annotations

import pytest
from PIL import Image

from forgelens.training import gen_sources_s12 as s12
from forgelens.training import generation_data as gd
from tests._gen_source_helpers import kept as _kept
from tests.test_generation_data import bare_mirror, picture, png, rec


def _source(repo: str) -> gd.Source:
    return next(s for s in s12.REAL_SOURCES + s12.GENERATED_SOURCES if s.repo == repo)


REAL = ("authentic", s12.FAMILY)


def test_sources_are_pinned_licensed_new_and_never_a_held_out_family():
    s12.check_s12_sources()
    assert not s12.overlapping_repositories()
    assert len({s.repo for s in s12.REAL_SOURCES}) >= 8
    for s in s12.REAL_SOURCES + s12.GENERATED_SOURCES:
        assert len(s.commit) == 40 and s.licence
    for s in s12.GENERATED_SOURCES:
        for _, label, family, _ in s.rules:
            assert label == "generated" and family not in gd.HELDOUT_FAMILIES


def test_check_refuses_held_out_families_real_keys_reserved_unpinned_and_unlicensed():
    ok_real = ((r"^x/", "authentic", s12.FAMILY, "stock"),)
    for fam in ("midjourney-v7", "flux-1-dev", "seedream-5", "grok", "some-unstated-model"):
        with pytest.raises(ValueError, match="training split"):
            s12.check_s12_sources((), (gd.Source("o/n", "0" * 40, "MIT", ((r"^x/", "generated", fam, "p"),)),))
    with pytest.raises(ValueError, match="stock-web"):
        s12.check_s12_sources((gd.Source("o/n", "0" * 40, "MIT", ((r"^x/", "authentic", "film-kodak", "s"),)),), ())
    with pytest.raises(ValueError, match="stock-web"):
        s12.check_s12_sources((gd.Source("o/n", "0" * 40, "MIT", ((r"^x/", "generated", "nano-banana-pro", "s"),)),), ())
    with pytest.raises(ValueError, match="reserved"):
        s12.check_s12_sources((gd.Source("comfyanonymous/ComfyUI_examples", "0" * 40, "MIT", ok_real),), ())
    with pytest.raises(ValueError, match="reserved"):
        s12.check_s12_sources((gd.Source("contentauth/c2pa-rs", "0" * 40, "MIT", ok_real),), ())
    with pytest.raises(ValueError, match="pinned"):
        s12.check_s12_sources((gd.Source("o/n", "main", "MIT", ok_real),), ())
    with pytest.raises(ValueError, match="licence"):
        s12.check_s12_sources((gd.Source("o/n", "0" * 40, "", ok_real),), ())


def test_path_rules_keep_photographs_and_leave_out_drawings_renders_and_unstated_generators():
    db = _source("google/dreambooth")
    assert _kept(db, "dataset/dog/00.jpg") == REAL and _kept(db, "dataset/dog/01.jpg") == REAL
    assert _kept(db, "dataset/dog/02.jpg") is None  # two photographs per subject
    assert _kept(db, "dataset/red_cartoon/00.jpg") is None  # a drawing
    da = _source("DepthAnything/Depth-Anything-V2")
    assert _kept(da, "assets/examples/demo01.jpg") == REAL
    for n in ("03", "05", "09", "11", "17", "18", "19", "20"):  # paintings, drawings, a sketch, one unclear
        assert _kept(da, f"assets/examples/demo{n}.jpg") is None
    tt = _source("CompVis/taming-transformers")
    assert _kept(tt, "data/coco_images/000000406997.jpg") == REAL
    assert _kept(tt, "data/ade20k_images/ADE_val_00000123.jpg") == REAL
    assert _kept(tt, "data/coco_segmentations/000000406997.png") is None and _kept(tt, "assets/mountain.jpeg") is None
    meghna = _source("themefisher/meghna-hugo")
    assert _kept(meghna, "exampleSite/assets/images/team/team-1.jpg") == REAL
    assert _kept(meghna, "exampleSite/assets/images/team/team-1.webp") is None  # the same photo again
    assert _kept(meghna, "exampleSite/assets/images/portfolio/portfolio-1.jpg") is None  # a product mock-up render
    assert _kept(meghna, "exampleSite/assets/images/blog/meghna.jpg") is None  # a designed banner
    edu = _source("themefisher/educenter-hugo")
    assert _kept(edu, "exampleSite/assets/images/research/research-2.jpg") == REAL
    assert _kept(edu, "exampleSite/assets/images/research/research-5.jpg") is None  # a rendered virus
    air = _source("themefisher/airspace-hugo")
    assert _kept(air, "exampleSite/static/images/slider-bg.jpg") is None  # the static/ duplicate
    acani = _source("acani/acani-sinatra")
    assert _kept(acani, "seed/pics-thbs/picture_3@2.jpg") == REAL
    assert _kept(acani, "seed/pics-thbs/picture_3.jpg") is None and _kept(acani, "seed/pics-thbs/thumb_3@2.jpg") is None
    game = _source("kaivalyagandhi/ai-or-not-game")
    assert _kept(game, "src/client/public/images/food/pair1-human.jpg") == REAL
    assert _kept(game, "src/client/public/images/food/pair1-ai.jpg") is None  # generator not stated
    assert _kept(game, "src/client/public/images/science/pair9-human.png") is None  # renders, cut-outs
    assert _kept(game, "src/client/public/images/food/pair23-human.png") is None
    nbp = _source("yangliu2060/awesome-imagen-vs-gpt4o")
    assert _kept(nbp, "awesome-imagen-vs-gpt4o/cases/001/google.jpg") == ("generated", "nano-banana-pro")
    assert _kept(nbp, "awesome-imagen-vs-gpt4o/cases/001/gpt4o.png") == ("generated", "gpt-4o")


def test_repository_split_is_seeded_whole_and_half_to_validation():
    repos = [s.repo for s in s12.REAL_SOURCES]
    split = s12.seeded_repository_split(repos)
    assert split == s12.seeded_repository_split(list(reversed(repos)))  # order of the list does not matter
    assert set(split) == set(repos) and sum(v == "val" for v in split.values()) == len(repos) // 2
    # the split recorded in docs/notes/issue-18.md (session 12), seed 12
    assert {r for r, v in split.items() if v == "val"} == {
        "CompVis/taming-transformers", "DepthAnything/Depth-Anything-V2", "google/dreambooth", "themefisher/educenter-hugo"}


def _mirror(tmp_path, name: str, files: dict) -> str:
    """A bare mirror of made-up repository ``o/NAME`` under tmp_path/m; returns its commit."""
    work, staging = tmp_path / f"work-{name}", tmp_path / f"stage-{name}"
    for path, rgb in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_bytes(png(rgb))
    commit = bare_mirror(work, staging)
    (tmp_path / "m").mkdir(exist_ok=True)
    (staging / "o+n").rename(tmp_path / "m" / f"o+{name}")
    return commit


def test_main_splits_real_repositories_whole_generated_to_training_guarded_and_deduplicated(tmp_path, guard, monkeypatch):
    script, mod = guard
    out = tmp_path / "out"
    base = gd.build(out, None, None, script, extra=[(rec(i, "authentic", "stock-web"), png(picture(i + 40))) for i in range(2)],
                    robust=False)
    shared = tmp_path / "shared"
    (shared / "datasets" / "casia1-samples").mkdir(parents=True)
    (shared / "datasets" / "casia1-samples" / "au.png").write_bytes(png(picture(70)))
    (shared / "datasets" / "casia1-samples" / "index.csv").write_text("image,mask,label,source\nau.png,,authentic,x\n")
    reserved = picture(61)
    (script.parent / "reserved_phashes.txt").write_text(f"{mod.phash(Image.fromarray(reserved)):016x}\n")
    a = {f"photos/{i}.jpg": picture(100 + i) for i in range(6)}
    a["photos/20.jpg"] = reserved
    a["photos/21.jpg"] = picture(70)  # a ../shared picture
    a["photos/22.jpg"] = picture(41)  # already in the set
    b = {f"photos/{i}.jpg": picture(200 + i) for i in range(5)}
    g = {f"out/{i}/model-x.png": picture(300 + i) for i in range(4)}
    g["out/9/unstated.png"] = picture(399)
    ca, cb, cg = _mirror(tmp_path, "a", a), _mirror(tmp_path, "b", b), _mirror(tmp_path, "g", g)
    rule = ((r"^photos/\d+\.jpg$", "authentic", s12.FAMILY, "stock"),)
    monkeypatch.setattr(s12, "REAL_SOURCES", (gd.Source("o/a", ca, "MIT", rule), gd.Source("o/b", cb, "MIT", rule)))
    monkeypatch.setattr(s12, "GENERATED_SOURCES", (
        gd.Source("o/g", cg, "MIT", ((r"^out/\d+/model-x\.png$", "generated", "nano-banana-pro", "mixed"),)),))
    before = (out / "manifest.jsonl").read_text()
    assert s12.main(["--mirrors", str(tmp_path / "m"), "--out", str(out), "--guard", str(script),
                     "--shared", str(shared)]) == 0
    assert (out / "manifest.jsonl").read_text().startswith(before)  # the old records first, unchanged
    new = [r for r in gd.load_manifest(out) if r.repo.startswith("o/")]
    by = {(r.repo, r.path): r for r in new}
    assert "heldout_guard" in by[("o/a", "photos/20.jpg")].dropped
    assert by[("o/a", "photos/21.jpg")].dropped == "near-duplicate of shared:casia1-samples/au.png"
    assert by[("o/a", "photos/22.jpg")].dropped == f"near-duplicate of {base[1].id}"
    assert ("o/g", "out/9/unstated.png") not in by
    split = s12.seeded_repository_split(["o/a", "o/b"])
    for repo in ("o/a", "o/b"):  # each repository whole in the split the seeded shuffle gives it
        assert {r.split for r in new if r.repo == repo and not r.dropped} == {split[repo]}
    assert sorted(split.values()) == ["train", "val"]
    gen = [r for r in new if r.repo == "o/g"]
    assert len(gen) == 4 and all(r.split == "train" and r.label == "generated" and not r.dropped for r in gen)
    for r in new:
        if not r.dropped:
            assert [v["view"] for v in r.views] == (["proc"] if r.split == "train" else ["proc", "jpeg75", "half", "social"])
    assert (out / "raw-s12-real").is_dir() and (out / "raw-s12-gen").is_dir() and (out / "guard-views-s12-real").is_dir()


def _style_source(repo: str) -> gd.Source:
    return next(s for s in s12.REAL_STYLE_SOURCES if s.repo == repo)


def test_round_2_style_sources_are_new_pinned_licensed_and_carry_the_small_styles_keys():
    from forgelens.training import gen_sources_real as gsr

    s12.check_style_sources()
    assert not s12.style_overlaps()  # no repository any other list reads, round 1's included
    assert len({s.repo for s in s12.REAL_STYLE_SOURCES}) >= 6
    fams = {fam for s in s12.REAL_STYLE_SOURCES for _, _, fam, _ in s.rules}
    assert fams == set(gsr.REAL_STYLES)  # film scans, LAION-like web and camera originals, each under its own key
    for bad in ((r"^x/", "authentic", "stock-web", "s"), (r"^x/", "generated", "film-kodak", "s")):
        with pytest.raises(ValueError, match="small-style"):
            s12.check_style_sources((gd.Source("o/n", "0" * 40, "MIT", (bad,)),))
    with pytest.raises(ValueError, match="reserved"):
        s12.check_style_sources((gd.Source("ianare/exif-samples", "0" * 40, "MIT", ((r"^x/", "authentic", gsr.CAMERA, "c"),)),))
    with pytest.raises(ValueError, match="pinned"):
        s12.check_style_sources((gd.Source("o/n", "HEAD", "MIT", ((r"^x/", "authentic", gsr.CAMERA, "c"),)),))


def test_round_2_path_rules_keep_photographs_and_leave_out_frames_renders_and_reshares():
    film = ("authentic", "film-kodak")
    web = ("authentic", "web-laion")
    cam = ("authentic", "camera-original")
    bsd = _style_source("jiny2001/dcscn-super-resolution")
    assert _kept(bsd, "data/bsd200/100075.png") == film
    assert _kept(bsd, "data/bsd100/img_001.png") is None and _kept(bsd, "data/set14/baboon.png") is None
    assert _kept(_style_source("ajschumacher/imagen"), "imagen/n01443537_2625_goldfish.jpg") == web
    det = _style_source("facebookresearch/Detectron")
    assert _kept(det, "demo/15673749081_767a7fa63a_k.jpg") == web
    assert _kept(det, "demo/output/17790319373_bd19b24cfc_k_example_output.jpg") is None  # boxes drawn on
    mmp = _style_source("open-mmlab/mmpose")
    assert _kept(mmp, "tests/data/coco/000000040083.jpg") == web
    for p in ("tests/data/mpii/004645041.jpg", "tests/data/h36m/S1_Directions_1.54138969_000001.jpg",
              "tests/data/humanart/2D_virtual_human/digital_art/000000001648.jpg", "tests/data/rhd/00111.png"):
        assert _kept(mmp, p) is None  # video frames, lab captures, drawings, renders
    mono = _style_source("alicevision/dataset_monstree")
    assert _kept(mono, "full/IMG_1025.JPG") == cam and _kept(mono, "full/IMG_1026.JPG") is None  # 4 frames
    assert _kept(mono, "mini6/IMG_1040.JPG") is None
    cart = _style_source("Tech4Tracing/CartridgeOCR")
    assert _kept(cart, "imagesForTesting/deviceComparison/iPhone11/IMG_5809.JPG") == cam
    assert _kept(cart, "imagesForTesting/2021-05-18/PXL_20210518_205445284.jpg") == cam
    assert _kept(cart, "imagesForTesting/deviceComparison/receivedWhatsApp/a722d489-5195-47ab-ba75-0b72e7e82d9f.jpg") is None


def test_round_2_repository_split_is_seeded_and_recorded():
    repos = [s.repo for s in s12.REAL_STYLE_SOURCES]
    split = s12.seeded_repository_split(repos)
    assert sum(v == "val" for v in split.values()) == len(repos) // 2
    # the split recorded in docs/notes/issue-18.md (session 12, round 2), seed 12
    assert {r for r, v in split.items() if v == "val"} == {
        "Tech4Tracing/CartridgeOCR", "ajschumacher/imagen", "open-mmlab/mmpose"}
