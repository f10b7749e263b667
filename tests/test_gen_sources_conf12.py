"""Session 17, s17conf12: the twelfth fresh confirmation set (training.gen_sources_conf CONF12_*), sealed (no model scores
it in session 17). No network, no data, no model: source rules only (the shared checks run in test_gen_sources_conf_sets)."""

from __future__ import annotations

from forgelens.training import gen_sources_conf as conf
from forgelens.training import generation_data as gd
from tests._gen_source_helpers import kept as _kept


def _src12(repo: str) -> gd.Source:
    return next(s for s in conf.CONF12_GENERATED + conf.CONF12_REAL if s.repo == repo)


def test_twelfth_set_generated_rules_keep_each_stated_model_photographic_picture_and_nothing_else():
    mm = _src12("minimaxir/minimaxir.github.io")
    nb, nbp = "content/post/2025-11-13-nano-banana-prompts/", "content/post/2025-12-22-nano-banana-pro/"
    for name in ("JP28aM2cFOODqtsPi7_J8A0@0.5x", "7fm8aJD0Lp6ymtkPpqvn0QU", "s57haPv7FsOumtkP1e_mqQM",
                 "xqYFabqsK-fVz7IP6efLiAI"):
        assert _kept(mm, f"{nb}{name}.webp") == ("generated", "nano-banana"), name
    for name in ("cats_nbp", "featured"):
        assert _kept(mm, f"{nbp}{name}.webp") == ("generated", "nano-banana-pro"), name
    for out in (nb + "Yfu8aIfpHufVz7IP4_WEsAc.webp",  # the five-edit skull pancake (an edit)
                nb + "d17saNbGDMyCmtkPwdzRmQY.webp", nb + "CV7saKnSH_iez7IPgLaZ4AI.webp",  # Sonic and Obama from photos
                nb + "Q6IFab3MLYqkmtkPsYntyQE.webp",  # the paladin "illustration"
                nb + "3FwRabnWHfjvqtsP-PybuAg.webp", nb + "zL3uaInJMKexqtsP7_adkAg.webp",  # magnets, cartoon characters
                nb + "chatgpt_cat.webp", nb + "ghibli.webp", nb + "webpage_screenshot.png",
                nbp + "cats.webp", nbp + "ghibli_nbp.webp", nbp + "mirror.webp", nbp + "datingapp.webp",
                nbp + "ip_bonanza_nbp.webp", nbp + "fibbonacci_nbp.webp", nbp + "pancake_nbp.webp",
                nbp + "ugly_sonic_nbp_1.webp", nbp + "pokemongrid.webp", nbp + "infographic.webp",
                "content/post/2026-05-26-openrouter-hy3/featured.png", "static/android-chrome-512x512.png"):
        assert _kept(mm, out) is None, out
    gm = _src12("minimaxir/gemimg")
    gens = "docs/notebooks/gens/"
    for name in ("NJ_haJ-sFIbQz7IPjvuZmQ4", "_57haM2kFaSHz7IP77Xk6A4", "jp7haNbhEqSoqtsP5M6hqQ8",
                 "sEQEaeiWGY3jqtsPnd6K8QM@0.5x", "U8e9aIO9EP7gz7IPpObKgAc@0.5x"):
        assert _kept(gm, f"{gens}{name}.webp") == ("generated", "nano-banana"), name
    for name in ("maYoacJQvofPsg_R--KwBg", "zqUoabigLLyjqtsPs_vzwQs"):
        assert _kept(gm, f"{gens}{name}.webp") == ("generated", "nano-banana-pro"), name
    for out in ("7fm8aJD0Lp6ymtkPpqvn0QU@0.5x.webp", "s57haPv7FsOumtkP1e_mqQM.webp",  # already in the blog
                "6HC-aLCQKc3Vz7IP9eeDyAI@0.5x.webp", "cEG-aPzcLf2Hz7IP4bXUgQ4.webp",  # pose control, person into scene
                "9sQnabOuMbyeqtsP7_LXEA.webp", "composite.webp", "TaUoadW_HLrUz7IPvfbzsQk.webp", "hacker@0.5x.webp",
                "webpage_screenshot.png"):
        assert _kept(gm, gens + out) is None, out
    assert _kept(gm, "docs/files/max_woolf.webp") is None
    at = _src12("Qualia-Li/atlascloud-blog")
    for name, fam in (("imagen4-ultra-nature", "imagen-4-ultra"), ("nano-banana-2-landscape", "nano-banana-2"),
                      ("seedream-product-photo", "seedream-5-lite"), ("seedream-lifestyle", "seedream-5-lite"),
                      ("z-image-turbo-cityscape", "z-image-turbo"), ("z-image-turbo-portrait", "z-image-turbo")):
        assert _kept(at, f"resources/samples/{name}.png") == ("generated", fam), name
    for out in ("resources/samples/imagen4-ultra-text.png", "resources/samples/nano-banana-2-figurine.png"):
        assert _kept(at, out) is None, out
    kc = _src12("kokcheng/genAI-prompt")
    for name in ("sample1.png", "sample3.png", "bag-bg.png", "bag-green.png", "bag-person.png", "bottle.png",
                 "bottle2.png", "chick.png", "figurine.png", "gundam3.png", "figurine2.jpg", "dragon.jpg", "gundam.jpg",
                 "gundam3.jpg"):
        assert _kept(kc, f"images/{name}") == ("generated", "nano-banana"), name
    for out in ("celebrity.jpg", "superhero.jpg",  # real people's likenesses
                "disney.jpg", "simpson.jpg", "doraemon.png",  # cartoon-character group pictures
                "comic.png", "faces.jpg", "sample1-parts.png", "sample1-sticker.png", "telegram-sticker.png",
                "gundam2.jpg", "gundam4.png", "bag.png", "sample2.png"):
        assert _kept(kc, f"images/{out}") is None, out


def test_twelfth_set_real_rules_keep_the_photographers_photos_and_nothing_else():
    hz = _src12("zhaoyihui78/huizzzi-photography-website")
    base = "public/works/webp/photos/"
    for name in ("beijing01", "beijing52", "architecture02", "nature07", "film/film01", "film/film30"):
        assert _kept(hz, f"{base}{name}.webp") == ("authentic", "fresh-conf12"), name
    for out in ("beijing10", "beijing36", "beijing40", "nature01",  # stacked sequences, star trails
                "beijing17", "beijing24",  # lettered star annotations
                "note-01-cover", "note-01-content"):  # a note's lettered cover
        assert _kept(hz, f"{base}{out}.webp") is None, out
    for out in ("public/works/webp/thumbs/beijing01.webp", "logo.png", "public/works/videos/gugongchunxue/poster.webp"):
        assert _kept(hz, out) is None, out
    kd = _src12("kdelwell/photography-website-backup")
    for path in ("public/images/Gallery/Claire.jpg", "public/images/Gallery/archive/Teresa.jpg",
                 "public/images/AboutMe/Cycling.jpg", "public/images/groups/BTS.jpg",
                 "public/images/StudioGo_images/Kurt_unretouched.jpg"):
        assert _kept(kd, path) == ("authentic", "fresh-conf12"), path
    for out in ("public/images/StudioGo_images/Kurt_retouched.jpg", "public/images/StudioGo_images/retouch-after.jpg",
                "public/images/Hair/Angela.jpg", "public/images/Transformations/Ben_BA.jpg",  # before / after insets
                "public/images/DoubleTakes/Chris.jpg", "public/images/groups/Composite.jpg",  # grids, group composites
                "public/images/AboutMe/Career.jpg", "public/images/AboutMe/Roles.jpeg", "public/images/8_pricing.jpg"):
        assert _kept(kd, out) is None, out
    dl = _src12("d-la/chris-photo-portfolio")
    for path in ("client/public/img/people/jon/jon2.jpg", "client/public/img/people/grace/grace1.jpeg",
                 "client/public/img/people/numa/numa7.jpg", "client/public/img/home_img.jpeg"):
        assert _kept(dl, path) == ("authentic", "fresh-conf12"), path
    for out in ("client/public/img/people/jon/jon1.jpg", "client/public/img/people/smoke/smoke7.jpg",  # absent blobs
                "client/public/img/img2.jpg", "client/public/img/img11.jpg",  # landscapes with no camera record
                "client/public/img/chris_dinh.jpg", "client/public/img/blurred_image.jpg",
                "client/public/img/favicon.png"):
        assert _kept(dl, out) is None, out
