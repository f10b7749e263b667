"""Session 16, s16conf10: the tenth fresh confirmation set (training.gen_sources_conf CONF10_*), sealed (no model scores it
in session 16). No network, no data, no model: source rules and checks only."""

from __future__ import annotations

from forgelens.training import gen_sources_conf as conf
from forgelens.training import generation_data as gd
from tests._gen_source_helpers import kept as _kept


def _src10(repo: str) -> gd.Source:
    return next(s for s in conf.CONF10_GENERATED + conf.CONF10_REAL if s.repo == repo)


def test_tenth_set_generated_rules_keep_each_stated_model_photographic_picture_and_nothing_else():
    au = _src10("augchan42/augustinchan.dev")
    stamp = "-2025-11-17T09-38-20.png"
    for tag, fam in (("hidream-i1", "hidream-i1"), ("hunyuan-v3", "hunyuan-image-3"), ("imagen4", "imagen-4"),
                     ("janus-pro", "janus-pro"), ("cogview4", "cogview4"), ("seedream-v3", "seedream-3"),
                     ("bria-fibo", "bria-fibo"), ("wan-25", "wan-2.5")):
        assert _kept(au, f"public/proust/proust-portrait-{tag}{stamp}") == ("generated", fam), tag
    for out in ("public/proust/proust-portrait-flux-dev" + stamp, "public/proust/proust-portrait-flux-dev.png",
                "public/proust/proust-portrait-flux-schnell.png", "public/proust/proust-portrait-fast-sdxl.png",
                "public/proust/proust-portrait-ideogram-v2" + stamp, "public/proust/proust-portrait-recraft-v3" + stamp,
                "public/proust/proust-portrait-recraft-v3-simplified-2025-11-17T10-05-49.png",
                "public/proust/proust-portrait-sd35-large" + stamp, "public/img/design_references/G4J6ZRxWEAAY4oh.png"):
        assert _kept(au, out) is None, out
    xz = _src10("XZXY-AI/awesome-gpt-image-2-playground")
    for n in ("ph-001", "ph-002", "ph-003", "ph-004", "ec-002", "ec-004", "pk-001", "pk-003", "pk-004"):
        assert _kept(xz, f"images/previews/{n}.webp") == ("generated", "gpt-image-2"), n
    for out in ("images/previews/ec-001.webp", "images/previews/ec-003.webp", "images/previews/pk-002.webp",
                "images/previews/il-004.webp", "images/previews/po-001.webp", "images/previews/sm-004.webp",
                "images/previews/ui-001.webp", "images/previews/ig-004.webp", "images/hero/9-grid.webp"):
        assert _kept(xz, out) is None, out
    er = _src10("baidu/ERNIE-Image")
    for n in ("3", "10"):
        assert _kept(er, f"assets/show_cases/showcase{n}.png") == ("generated", "ernie-image"), n
    for out in ("assets/show_cases/showcase1.jpg", "assets/show_cases/showcase2.png", "assets/show_cases/showcase4.jpg",
                "assets/show_cases/showcase8.jpg", "assets/show_cases/showcase9.png", "assets/contacts/WeChat.jpg"):
        assert _kept(er, out) is None, out
    fb = _src10("lobabobloblaw/foodbang")
    for name, fam in (("leave-night-01", "gpt-image-2"), ("hand-day-01", "gpt-image-2"), ("leave-day-03", "gpt-image-2"),
                      ("leave-night-04", "flux-2-max"), ("hand-night-02", "flux-2-max"), ("leave-day-04", "flux-2-max"),
                      ("leave-day-07", "seedream-4.5"), ("hand-night-07", "seedream-4.5")):
        assert _kept(fb, f"assets/app/proof/{name}.webp") == ("generated", fam), name
    for out in ("assets/app/proof/leave-night-02.webp",  # GPT Image 2, beyond the seven kept
                "assets/app/proof/leave-day-08.webp", "assets/app/proof/escalated-01-upside-down-front-door.webp",
                "assets/app/proof/fauna-noted-cat.webp", "assets/app/proof/unbound-unfiled-crowd.webp",
                "assets/app/proof/routine-01-porch-step-terracotta.webp", "assets/app/proof-delivery.webp",
                "assets/app/slinger-1.webp", "assets/brands/goldenwok/hero.webp", "assets/brands/goldenwok/logo.webp",
                "assets/brands/goldenwok/items/01.webp"):
        assert _kept(fb, out) is None, out
    # the family of each kept picture is the one its manifest records (checked against the snapshot when this was built)
    fams = [fam for _, _, fam, _ in fb.rules]
    assert fams == ["gpt-image-2", "flux-2-max", "seedream-4.5"]


def test_tenth_set_real_rules_keep_the_photographers_photos_and_nothing_else():
    cn = _src10("cnt0705/photography-portfolio")
    for path in ("src/pages/works/img/shinya/01.jpg", "src/pages/works/img/chinatsu/12.jpg"):
        assert _kept(cn, path) == ("authentic", "fresh-conf10"), path
    for out in ("src/pages/home/img/title.jpg", "src/pages/home/img/c.jpg", "src/assets/favicon.png"):
        assert _kept(cn, out) is None, out
    ja = _src10("jarisokka/photography-website")
    for path in ("public/images/birds/QA1A0284.jpg", "public/images/travel/0L5A0529.jpg", "public/images/world/QA1A8215.jpg"):
        assert _kept(ja, path) == ("authentic", "fresh-conf10"), path
    for out in ("assets/images/cover.jpg", "assets/images/kansi.jpg", "public/og-image.png"):
        assert _kept(ja, out) is None, out
    ma = _src10("masayafunakoshi1/photography-website-v2")
    for path in ("public/images/eventsImgs/IMG_0605-min.JPG", "public/images/natureImgs/IMG_0335-min.jpg"):
        assert _kept(ma, path) == ("authentic", "fresh-conf10"), path
    for out in ("public/images/slideshowImgs/IMG_0335-min.jpg", "public/images/photosOfMe/me.jpg",
                "public/favicon.ico", "public/logo192.png"):
        assert _kept(ma, out) is None, out
