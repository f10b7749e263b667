"""Session 15, s15conf7: the seventh fresh confirmation set (training.gen_sources_conf CONF7_*), sealed for the next
session. No network, no data, no model: source rules and checks only."""

from __future__ import annotations

from forgelens.training import gen_sources_conf as conf
from forgelens.training import generation_data as gd
from tests._gen_source_helpers import kept as _kept


def _src7(repo: str) -> gd.Source:
    return next(s for s in conf.CONF7_GENERATED + conf.CONF7_REAL if s.repo == repo)


def test_seventh_set_generated_rules_keep_each_stated_model_and_nothing_else():
    ai = _src7("aimikoda/awesome-nano-banana-pro")
    for name in ("imax-aerial-creature-shot-01", "imax-aerial-creature-shot-05", "landmark-re-designed-02",
                 "sand-form-beauty-ad-01", "wrapped-chair-prank-gift-02", "dish-as-world-scene-04",
                 "frozen-moment-in-ice-02", "frozen-moment-in-ice-03"):
        assert _kept(ai, f"images/{name}.jpg") == ("generated", "nano-banana-pro"), name
    for name in ("name-meaning-portrait-01", "zipped-lips-portrait-01", "bullet-dodge-kitchen-01",  # reference photos
                 "chat-bubble-cinematic-01", "stacked-megacity-sculpture-01", "time-capsule-city-orb-01",  # layouts
                 "flag-myth-diorama-01", "city-tree-monument-01", "frozen-moment-in-ice-01"):  # lettered / cartoon
        assert _kept(ai, f"images/{name}.jpg") is None, name
    assert _kept(ai, "images/awesomebadge.svg") is None
    ma = _src7("MaanavD/bfl-launch-kit")
    for path, fam in (("01_hook_hero_samurai", "flux-2-max"), ("07_generate_dragon", "flux-2-max"),
                      ("02_montage_dog_throne", "flux-2-pro"), ("05_montage_headphone_product", "flux-2-pro"),
                      ("19_community_cat_ted", "flux-2-pro"), ("16_klein_lighthouse", "flux-2-klein-9b")):
        assert _kept(ma, f"assets/{path}.jpg") == ("generated", fam), path
    for out in ("assets/03_montage_festival_poster.jpg", "assets/04_montage_pixel_coffee.jpg",
                "assets/06_montage_anime_pilot.jpg", "assets/08_style_knight_fantasy.jpg",
                "assets/11_restyle_cosplay_anime.jpg", "assets/11_source_cosplay_anime.jpg",  # image-to-image + source
                "assets/15_architecture_diagram.jpg", "assets/21_community_wolf_logo.jpg",
                "web/public/assets/01_hook_hero_samurai.jpg",  # the site's copy
                "examples/headshot.jpg", "examples/cli-cinematic.jpg", "assets/graphics/cta-card.png"):
        assert _kept(ma, out) is None, out
    ny = _src7("nyffenr/flux2-examples")
    for name in ("02_jazz_pianist_lowlight_00", "07_watch_product_00", "10_fox_action_00"):
        assert _kept(ny, f"output_images/{name}.png") == ("generated", "flux-2-klein-9b"), name
    assert _kept(ny, "flux2_dev_9b.json") is None
    ez = _src7("easy-to-use-ai/nano-banana-pro-mcp")
    assert _kept(ez, "assets/prompt-01-ultra-wide-panorama.png") == ("generated", "nano-banana-2")
    for out in ("assets/prompt-02-weather-infographic.png", "assets/prompt-07-character-scene.png", "assets/logo.png"):
        assert _kept(ez, out) is None, out


def test_seventh_set_real_rules_keep_the_photos_and_leave_out_copies_thumbnails_and_site_art():
    jw = _src7("JeremyWelsh/PhotoPortfolio")
    assert _kept(jw, "photo-portfolio/public/IMG_1277.jpg") == ("authentic", "fresh-conf7")
    assert _kept(jw, "photo-portfolio/public/IMG_7398-Pano.jpg") == ("authentic", "fresh-conf7")
    assert _kept(jw, "Version progress pictures/V1. Static grid with sidebar menu.png") is None
    assert _kept(jw, "Wire frames/initial idea.png") is None
    nt = _src7("nathaniel2go/nathaniel2go.github.io")
    assert _kept(nt, "assets/images/portfolios/nature/image12.jpg") == ("authentic", "fresh-conf7")
    assert _kept(nt, "assets/images/portfolios/people/image3.jpg") == ("authentic", "fresh-conf7")
    for out in ("assets/images/portfolios/people/thumbnail.jpg", "assets/images/portfolios/studio/image11.jpg",
                "assets/images/blogs/japan2.jpg", "assets/images/logo.png"):
        assert _kept(nt, out) is None, out
    yw = _src7("YichenWangs/yichenwangs.github.io")
    assert _kept(yw, "assets/img/photo/lonnie-morning.JPG") == ("authentic", "fresh-conf7")
    assert _kept(yw, "assets/img/work/project.png") is None
    ik = _src7("ikesau/ikesau.github.io")
    assert _kept(ik, "static/images/aotearoa_photos/haruru_river.jpg") == ("authentic", "fresh-conf7")
    for out in ("static/images/disco_elysium/x.jpg", "static/images/antz.jpg", "themes/ikesau/static/images/a.jpg"):
        assert _kept(ik, out) is None, out
    mc = _src7("michaelcolenso/metatron")
    assert _kept(mc, "images/IMG_0295.JPG") == ("authentic", "fresh-conf7")
    assert _kept(mc, "images/IMG_1006 Copy.JPG") == ("authentic", "fresh-conf7")
    for out in ("images/IMG_4952.HEIC", "docs/images/IMG_0295.JPG"):  # HEIC is not read; docs/ holds the site's copies
        assert _kept(mc, out) is None, out
