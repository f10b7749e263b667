"""Real stock / web / phone photographs for the real side of the generation set (issue 18, session 7).

Why: the CLIP probe + gen_trace combiner scored professional stock photos (Unsplash, Laboratoriet)
like generated pictures, and those few stock sources set the "generated" threshold. More real photos
of that kind — many photographers, subjects and processing — let the probe learn what separates them
from generated pictures, and a larger held-out real side makes "≤ 3 % false alarms" measurable.

Each ``Source`` is one public repository at a pinned commit whose bundled photographs are demo or test
material: website templates and themes (Unsplash / Pexels / rawpixel CC0 stock), image-library test
fixtures (Flickr and Wikimedia photos, phone photos with EXIF), face and segmentation demo photos.
Path rules keep photographs only (renders, illustrations, anime, screenshots, filter outputs and
expected-result images are left out by the rules or ``exclude``); every picture is a real photograph,
label ``authentic``, family ``stock-web`` (one real source for the per-source threshold rules).
Licence per repository as stated in its LICENSE / readme (photos: the stated stock licence where given).

Split: by *repository* (``split_by_repository``), so validation measures photographers, cameras and
processing never seen in training.

Usage (adds them to an existing set, e.g. a ``cp -al`` copy of one; see ``generation_data.extend``)::

    python -m forgelens.training.gen_sources_stock --mirrors /work/.mirror --shared ../shared --out /work/gen-data-i18s
"""

from __future__ import annotations

from forgelens.training.generation_data import Source, extend_cli

R = "authentic"
FAMILY = "stock-web"
PHOTO = r"\.(jpe?g|png|webp)$"
#: At most this many pictures from one repository (diversity over volume).
CAP_PER_REPO = 40

STOCK_WEB_SOURCES: tuple[Source, ...] = (
    Source("photoprism/photoprism", "382ffa89927f9fa2aca6ab83481177e0d81dd405",
           "AGPL-3.0 (repository); sample photos of the PhotoPrism project",
           ((r"^(assets/examples|internal/meta/testdata|internal/photoprism/testdata|internal/ai/face/testdata)/[^/]+"
             + PHOTO, R, FAMILY, "phone"),),
           exclude=r"6720px_white|tweethog|samsung-motion|/\.photoprism/|orange_square|green\.jpg|_white\.jpg$|"
                   r"IMG_E4120|beach_colorfilter|\.png$|no-exif-data|iptc-2014|animated-earth|windows95", cap_per_family=CAP_PER_REPO),
    Source("thumbor/thumbor", "f686b58225456f95f49e272a43094105abf929a5",
           "MIT (repository); Wikimedia Commons photos (CC BY-SA) as test fixtures",
           ((r"^thumbor/fixtures/filters/800px-[^/]+\.jpg$", R, FAMILY, "web"),
            (r"^tests/fixtures/images/Giunchedi%2C_Filippo_January_2015_01\.jpg$", R, FAMILY, "web"),
            (r"^example\.jpg$", R, FAMILY, "web")), cap_per_family=CAP_PER_REPO),
    Source("lovell/sharp", "ea5bef24c187b2c7ee3fe3cad3b45c8cb67a46fd", "Apache-2.0 (repository); test fixture photos",
           ((r"^test/fixtures/(Landscape_1|Portrait_1|2569067123_aca715a2ee_o|concert|"
             r"Channel_digital_image_CMYK_color)\.jpe?g$", R, FAMILY, "web"),),
           cap_per_family=CAP_PER_REPO),
    Source("CaiJimmy/hugo-theme-stack", "3e123a30b79b5d52a3a8e88a9dd678fcfd28e418",
           "GPL-3.0 (repository); photos under the Unsplash licence",
           ((r"-unsplash\.jpg$", R, FAMILY, "stock"),), exclude=r"pawel-czerwinski",
           cap_per_family=CAP_PER_REPO),
    Source("wowthemesnet/mediumish-theme-jekyll", "6ba0f486aab8a53486bb9fa7c5722b61f7d8e069",
           "MIT (repository); demo photos (Unsplash)",
           ((r"^assets/images/(\d+|jumbotron)\.jpg$", R, FAMILY, "stock"),), cap_per_family=CAP_PER_REPO),
    Source("pjreddie/darknet", "f6afaabcdf85f77e7aff2ec55c020c0e297c77f9",
           "YOLO licence (public domain, repository); demo photos",
           ((r"^data/(dog|eagle|giraffe|horses|kite|person)\.jpg$", R, FAMILY, "web"),), cap_per_family=CAP_PER_REPO),
    Source("jekyller/jasper2", "09420fc417962f78d0e15c1b5cd6c6a8684ec747",
           "MIT (repository); demo cover photos (Unsplash)",
           ((r"^assets/images/[^/]+\.jpg$", R, FAMILY, "stock"),), cap_per_family=CAP_PER_REPO),
    Source("danielgatis/rembg", "684f8e9f6c9162009b21ab637d8f2b0c05502470", "MIT (repository); example photos",
           ((r"^examples/(animal|car|girl|plants)-\d\.jpg$", R, FAMILY, "stock"),
            (r"^tests/fixtures/cloth-1\.jpg$", R, FAMILY, "stock")), cap_per_family=CAP_PER_REPO),
    Source("xuebinqin/U-2-Net", "ac7e1c817ecab7c7dff5ce6b1abba61cd213ff29",
           "Apache-2.0 (repository); test photos collected from the web",
           ((r"^test_data/(test_images|test_human_images)/[^/]+" + PHOTO, R, FAMILY, "web"),),
           exclude=r"vangogh|_meitu_|/long\.jpg|im_27\.png", cap_per_family=CAP_PER_REPO),
    Source("JaidedAI/EasyOCR", "c4f3cd7225efd4f85451bd8b4a7646ae9a092420",
           "Apache-2.0 (repository); example photos of signs",
           ((r"^examples/(chinese|french|japanese|thai)\.jpg$", R, FAMILY, "web"),
            (r"^examples/korean\.png$", R, FAMILY, "web")), cap_per_family=CAP_PER_REPO),
    Source("ageitgey/face_recognition", "2e2dccea9dd0ce730c8d464d0f67c6eebb40c9d1",
           "MIT (repository); press / web photos of people",
           ((r"^examples/(knn_examples/(train|test)/.+|[^/]+)\.(jpe?g|png)$", R, FAMILY, "web"),),
           exclude=r"obama-\d+p|obama_small|lin-manuel", cap_per_family=CAP_PER_REPO),
    Source("zerostaticthemes/jekyll-serif-theme", "a323305ac59c537850ad35334df7a10124d4ca80",
           "MIT (repository); photos under the Unsplash licence",
           ((r"-unsplash\.jpg$", R, FAMILY, "stock"),), cap_per_family=CAP_PER_REPO),
    Source("StartBootstrap/startbootstrap-creative", "b1762d8c690a2379c078c776dc0830bdd81c6f55",
           "MIT (repository); demo photos (Unsplash)",
           ((r"^src/assets/img/(portfolio/fullsize/\d|bg-masthead)\.jpg$", R, FAMILY, "stock"),),
           cap_per_family=CAP_PER_REPO),
    Source("StartBootstrap/startbootstrap-agency", "b2d5d5c6b1396bc5b0e8dd92c693b106cfb7cee1",
           "MIT (repository); demo photos (Unsplash)",
           ((r"^src/assets/img/(team/\d|header-bg)\.jpg$", R, FAMILY, "stock"),), cap_per_family=CAP_PER_REPO),
    Source("cmusatyalab/openface", "051475225b5ae335918621077313085bbb7ab5a0",
           "Apache-2.0 (repository); example photos of people",
           ((r"^images/examples/[^/]+\.jpg$", R, FAMILY, "web"),), cap_per_family=CAP_PER_REPO),
    Source("timesler/facenet-pytorch", "787da06156087cd6b616fe6608213722bddc30cd",
           "MIT (repository); test photos of people",
           ((r"^data/(test_images/[^/]+/1\.jpg|multiface\.jpg)$", R, FAMILY, "web"),), cap_per_family=CAP_PER_REPO),
    Source("creativetimofficial/material-kit", "54cdbf8135195b9c6668272f774647934661d36c",
           "MIT (repository); demo photos (Unsplash)",
           ((r"^assets/img/[^/]+\.jpg$", R, FAMILY, "stock"),
            (r"^assets/img/examples/[^/]+\.jpg$", R, FAMILY, "stock")),
           exclude=r"illustration", cap_per_family=CAP_PER_REPO),
    Source("creativetimofficial/argon-design-system", "7f262cc422b049ab502d4b3f0d2818566ce9ab9c",
           "MIT (repository); demo photos (Unsplash)",
           ((r"^assets/img/(faces|theme|pages)/[^/]+\.jpg$", R, FAMILY, "stock"),),
           exclude=r"theme/(landing|profile)", cap_per_family=CAP_PER_REPO),
    Source("fengyuanchen/viewerjs", "b121ba2c6382a63051551cf708e1bf525858d1e5",
           "MIT (repository); demo photos of Tibet",
           ((r"^docs/images/tibet-\d\.jpg$", R, FAMILY, "stock"),), cap_per_family=CAP_PER_REPO),
    Source("WordPress/twentytwentyfive", "4e572d009c1e04aa08af6cbf856c63fcc6394cc1",
           "GPL-2.0-or-later (theme); images CC0 (rawpixel) per readme.txt",
           ((r"^assets/images/[^/]+\.webp$", R, FAMILY, "stock"),),
           exclude=r"book-image|location\.webp|services-subscriber|icon-", cap_per_family=CAP_PER_REPO),
    Source("WordPress/twentytwentyfour", "a38224418bd1c0428567b6d988c737e8116eb46c",
           "GPL-2.0-or-later (theme); images CC0 (rawpixel) per readme.txt",
           ((r"^assets/images/[^/]+\.webp$", R, FAMILY, "stock"),), exclude=r"abstract-geometric-art|icon-",
           cap_per_family=CAP_PER_REPO),
    Source("miromannino/Justified-Gallery", "c8ef4d293e10fb8fe53c322aa56bc38800b176d8",
           "MIT (repository); Flickr test photos",
           ((r"^test/photos/\d+_[0-9a-f]+_b\.jpg$", R, FAMILY, "web"),), cap_per_family=CAP_PER_REPO),
    Source("biati-digital/glightbox", "a9385e50828b90e65bfc146a7c7e196081ba1a0d",
           "MIT (repository); demo photos",
           ((r"^demo/img/large/[^/]+\.jpg$", R, FAMILY, "stock"),), cap_per_family=CAP_PER_REPO),
)


def main(argv: list[str] | None = None) -> int:
    return extend_cli(argv, STOCK_WEB_SOURCES, FAMILY, "add the stock/web real photos to an issue-18 generation set")


if __name__ == "__main__":
    raise SystemExit(main())
