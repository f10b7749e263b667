"""A fresh real-photo check set for the generation models (issue 18, session 7, helper i18f).

Why: candidate B (the refit with stock/web photos grouped by repository) halved the false alarms on
stock/web photos of unseen repositories, but the sets it failed on were small. The lead declared a ship
rule on a *fresh* set B was never measured on: real photographs from public repositories never used by
this project (none in ``gen_sources_stock.STOCK_WEB_SOURCES``, ``generation_data.SOURCES``,
``camera_originals.SOURCES``, none reserved). Every picture goes to the validation split (nothing is
fitted on them); family ``fresh-web`` keeps them one source in the per-source tables.

Each ``Source`` is a repository at a pinned commit whose bundled photographs are demo or test material:
website templates and themes (Unsplash stock), ML demo photos (COCO / PASCAL VOC pictures, Flickr
photos of a style-transfer paper), image-library sample data, a photo manager's test photos and a
structure-from-motion sample. Path rules keep photographs only (paintings, renders, illustrations,
screenshots, results and degraded inputs are left out by rule); each repository's contact sheet was
looked at. At most ``CAP_PER_REPO`` pictures per repository.

Usage (adds them to a ``cp -al`` copy of a set)::

    python -m forgelens.training.gen_sources_fresh --mirrors /work/.mirror --shared ../shared --out /work/gen-data-i18f
"""

from __future__ import annotations

from forgelens.training.generation_data import Source, extend_cli

R = "authentic"
FAMILY = "fresh-web"
#: At most this many pictures from one repository (diversity over volume).
CAP_PER_REPO = 20


def _src(repo: str, commit: str, licence: str, pattern: str, style: str, exclude: str = r"$^",
         cap: int = CAP_PER_REPO) -> Source:
    return Source(repo, commit, licence, ((pattern, R, FAMILY, style),), exclude=exclude, cap_per_family=cap)


FRESH_SOURCES: tuple[Source, ...] = (
    _src("luanfujun/deep-photo-styletransfer", "4801fa2dca2e2b52847c377f451246a39eae154a",
         "none stated (repository); Flickr photos of the Deep Photo Style Transfer paper's examples",
         r"^examples/(input|style)/(in|tar)\d+\.png$", "web"),
    _src("CMU-Perceptual-Computing-Lab/openpose", "5c5d96523ef917bd30301245fdc8343937cae48d",
         "OpenPose academic licence (repository); COCO val2014 photos (Flickr, CC licences)",
         r"^examples/media/COCO_val2014_\d+\.jpg$", "web"),
    _src("davisking/dlib", "3d40bf5790ca9073c160cebb898800d9f33e12ab",
         "Boost Software License (repository); PASCAL VOC / web example photos",
         r"^examples/faces/[^/]+\.jpg$", "web", exclude=r"bald_guys|dogs"),  # those two are collages
    _src("scikit-image/scikit-image", "cd0a3d22b9f359f05618d75d5c7a29b91b4951ca",
         "BSD-3-Clause (repository); sample photos, public domain / CC0 per skimage data README",
         r"^src/_skimage2/data/(astronaut|camera|chelsea|coffee|motorcycle_left|rocket)\.(png|jpg)$",
         "web"),
    _src("creativetimofficial/paper-kit-2", "560585cbc3abf57de251de7816dad4810ebe067e",
         "MIT (repository); demo photos (Unsplash)", r"^assets/img/(faces/)?[a-z-]+(-\d)?\.jpg$", "stock",
         exclude=r"avatar|blurred|placeholder|logo"),
    _src("creativetimofficial/now-ui-kit", "80acd1717f3c4f9a791ca47219b4a8b09fbd0daa",
         "MIT (repository); demo photos (Unsplash)", r"^assets/img/(bg\d+|julie|login|ryan|eva|header)\.jpg$",
         "stock"),
    _src("creativetimofficial/light-bootstrap-dashboard", "651e5de95677efcdb84fe76a3096250e8743beb8",
         "MIT (repository); demo photos (Unsplash)", r"^assets/img/(sidebar-[2-5]|full-screen-image-3)\.jpg$",
         "stock"),
    _src("StartBootstrap/startbootstrap-landing-page", "247a46a2503c91d1157179eab297953438ec498b",
         "MIT (repository); demo photos (Unsplash)", r"^src/assets/img/[^/]+\.jpg$", "stock"),
    _src("StartBootstrap/startbootstrap-stylish-portfolio", "a658eb7130db599f69572384ef2dd6221757f028",
         "MIT (repository); demo photos (Unsplash)", r"^src/assets/img/[^/]+\.jpg$", "stock"),
    _src("StartBootstrap/startbootstrap-grayscale", "d974402542d05abcbaa8d21d4dd78e53680f2edd",
         "MIT (repository); demo photos (Unsplash)", r"^src/assets/img/[^/]+\.jpg$", "stock"),
    _src("StartBootstrap/startbootstrap-clean-blog", "1ebc4f8f3b6194335df237a2a7837955a5a4a9aa",
         "MIT (repository); demo photos (Unsplash)", r"^src/assets/img/[^/]+\.jpg$", "stock"),
    _src("themefisher/parsa-hugo", "4e183d6b4cb3d54227fed20640c78c0998612c5b",
         "MIT (repository); demo blog photos (Unsplash)",
         r"^exampleSite/static/images/(featured-post/|masonary-post/)?(post-\d+|author|contact|post-img)\.jpg$", "stock"),
    _src("WongKinYiu/yolov7", "a207844b1ce82d204ab36d87d496728d3d2348e7",
         "GPL-3.0 (repository); demo photos", r"^inference/images/[^/]+\.jpg$", "web"),
    _src("facebookresearch/segment-anything", "dca509fe793f601edb92606367a655c15ac00fdf",
         "Apache-2.0 (repository); demo photos", r"^(notebooks/images|demo/src/assets/data)/[^/]+\.jpg$", "web"),
    _src("jcjohnson/neural-style", "07c4b8299f8fbdafec0c514fc820ff1d7ff62e46",
         "MIT (repository); content photos of the examples",
         r"^examples/inputs/(brad_pitt|golden_gate|hoovertowernight|tubingen)\.jpg$", "web"),
    _src("photoview/photoview", "91cbeb410c32a0dde7bc1f02554c87e0b38b32f5",
         "AGPL-3.0 (repository); scanner test photos",
         r"^api/scanner/(test_media/library/(faces/)?[^/]+|externaltools/exif/test_data/(CorrectGPS|bird|sample1_nef))\.jpg$",
         "phone"),
    _src("mapillary/OpenSfM", "238744cdf3b5d50149c50d136a87f7fea25ad5cd",
         "BSD-2-Clause (repository); sample street photos (Berlin, Lund)", r"^data/(berlin|lund)/images/[^/]+\.jpg$",
         "phone", cap=6),  # one street walked: a few of its near-identical frames
    _src("StartBootstrap/startbootstrap-business-casual", "b6f928934386a54e08c2e7f40ebd9e4d7510bba4",
         "MIT (repository); demo photos (Unsplash)", r"^src/assets/img/[^/]+\.jpg$", "stock"),
    _src("hustvl/YOLOP", "8d8f68df318c71f01d6f813c024df646c7d1978f",
         "MIT (repository); BDD100K dash-camera demo frames", r"^inference/images/[^/]+\.jpg$", "phone"),
    _src("magicleap/SuperGluePretrainedNetwork", "ddcf11f42e7e0732a0c4607648f9448ea8d73590",
         "SuperGlue academic licence (repository); phototourism sample photos (YFCC100M, Flickr)",
         r"^assets/phototourism_sample_images/[^/]+\.jpg$", "web"),
    _src("lengstrom/fast-style-transfer", "0d3d981f7ab948253d355585bdbdfa914247b4d0",
         "none stated (repository); content photos of the examples", r"^examples/content/[^/]+\.jpg$", "web"),
)


def main(argv: list[str] | None = None) -> int:
    return extend_cli(argv, FRESH_SOURCES, FAMILY,
                      "add the fresh real-photo check set (validation only) to a generation set", split="val")


if __name__ == "__main__":
    raise SystemExit(main())
