"""Real photographs of the small real-photo styles, as pinned, licensed sources (issue 18, session 10).

Why: the generation detector's "generated" threshold is the highest of the per-source 3 % points
(``calibration.per_source_threshold``), one per real *style* (the ``family`` of an authentic record).
The styles with few training pictures decide it — camera originals (8 natural training pictures once
the reserved exif-samples are left out), LAION-like web photos (14) and film scans (17): with fewer
than 34 pictures 3 % allows no false alarm, so one picture sets the source's point, and on the
validation side one false alarm is 4-14 %. This module adds real photographs of those styles from
public repositories at pinned commits, each to the style's EXISTING source key, so that the style
itself grows (not a new tiny source beside it):

- ``film-kodak`` (style ``scan``): the Berkeley segmentation photographs of the BSD100 super-resolution
  benchmark (Corel stock photographs, 35 mm film scans at 481×321; Martin et al., ICCV 2001), the
  old-print scans of "Bringing Old Photos Back to Life" (Wan et al., CVPR 2020) and a film-photography
  portfolio's own 35 mm scans;
- ``web-laion`` (style ``web``): web photographs of the ImageNet sample (one picture per ILSVRC class,
  collected from Flickr and image search engines, as LAION's pictures were from the web: pets, products,
  street scenes, portraits, in every size and JPEG quality) and a face detector's sample web photos of
  groups and events;
- ``camera-original`` (style ``camera``): a few camera and phone JPEGs as the camera wrote them
  (structure-from-motion / drone sample sets and a photo-app's test photos), at most a few frames of a
  scene because the frames of one scene are nearly the same picture.

Left out: Urban100 (Flickr web photos of the same SR benchmark repository) is a reserved evaluation
set — the held-out guard flags 50 of 50 at distance 0; the Dresden natural shots of
``polimi-ispl/prnu-python`` and the phone photos of ``MikeKovarik/exifr`` are flagged by the guard too
(copies of reserved pictures); a LAION-Aesthetics sample repository holds only 10×10 thumbnails and its
full copy is over the snapshot limit. Camera originals stay few (diverse, unedited, non-reserved camera
JPEGs are rare as files in snapshots: a scene's frames are near-copies, test photos come one or two a
repository). Press / documentary photos and messenger re-shares were searched for and not found as
files in a snapshot in usable numbers (docs/notes/issue-18.md, session 10); re-shares already have 52
training pictures (``reshared-flickr``).

Each ``Source`` is one repository at a pinned commit with path rules that keep photographs only (each
repository's contact sheet was looked at: collages, figures, icons, screenshots, low-resolution inputs
of the benchmarks, the edited / GIMP-saved test files and the camera models that issue 14's camera
false-alarm set holds out are left out by rule). Never a reserved evaluation repository, never a
repository another source list of this project reads (``overlapping_repositories``), label
``authentic`` only.

Split: per picture by ``generation_data.split_of`` (a hash of its id; camera originals by path), so
every style has training AND held-out members (``extend_real``; unlike ``extend``, which splits new
repositories whole). Near-duplicates are dropped against every kept picture of the set, against every
picture of ``../shared/datasets`` (CASIA v1 is built from Corel photographs, as BSD is) and among
themselves; the evaluation guard runs on the extracted pictures and on their processed views.

Usage (adds them to a ``cp -al`` copy of a set; prints the provenance summary)::

    python -m forgelens.training.gen_sources_real --mirrors /work/.mirror --shared ../shared --out /work/gen-data-s10
"""

from __future__ import annotations

import csv
from pathlib import Path

from forgelens.training import generation_data as gd
from forgelens.training.generation_data import Record, Source

R = "authentic"
TAG = "real-styles"
#: The real-style source keys this module may add to (families of authentic records in the set).
FILM, WEB, CAMERA = "film-kodak", "web-laion", "camera-original"
REAL_STYLES = frozenset({FILM, WEB, CAMERA})
#: Repositories reserved for independent evaluation (issue 18's list, verbatim); never a source. The held-out
#: guard catches copies of their pictures elsewhere.
RESERVED_REPOSITORIES = frozenset({
    "DSLJDI/NIST16-data-set-deduplication", "michalsorel/jpegcopymove", "declan-wright/Image-Dataset",
    "CSAFE-ISU/AI-altered-image-forensics", "comfyanonymous/ComfyUI_examples", "drewnoakes/metadata-extractor-images",
    "ianare/exif-samples", "MikeKovarik/exifr", "immich-app/test-assets", "majedelhelou/denoising_datasets",
    "cszn/FFDNet", "grip-unina/GANimageDetection", "d3x-at/sd-parsers", "c2pa-org/public-testfiles",
    "TrustNXT/c2pa-ts", "microsoft/c2pa-extension-validator", "digimarc-corp/c2pa-content-credentials-extension",
    "Yogesh1290/huminify-c2pa-detector", "Exiv2/exiv2"})
#: Owners all of whose repositories are reserved (the C2PA SDK / tool repositories).
RESERVED_OWNERS = frozenset({"contentauth"})


def reserved(repo: str) -> bool:
    """Whether ``repo`` (owner/name) is reserved for independent evaluation (case-insensitive, as GitHub is)."""
    low = repo.lower()
    return (low in {r.lower() for r in RESERVED_REPOSITORIES}
            or low.split("/")[0] in {o.lower() for o in RESERVED_OWNERS})
#: At most this many pictures of one style from one benchmark repository (they hold 100 each).
CAP_BENCHMARK = 50
#: At most this many web photos of the ImageNet sample (one picture per class; 1000 in the repository).
CAP_WEB = 80


def _src(repo: str, commit: str, licence: str, rules: tuple[tuple[str, str, str], ...], cap: int = 0,
         exclude: str = r"$^") -> Source:
    """A ``Source`` of real photographs: ``rules`` are (path regex, style key, style)."""
    return Source(repo, commit, licence, tuple((p, R, fam, sty) for p, fam, sty in rules), exclude=exclude,
                  cap_per_family=cap)


REAL_SOURCES: tuple[Source, ...] = (
    # BSD100 (Corel film scans) ground-truth pictures of the SR benchmark; the ×2 folder's HR files are the full
    # pictures. Left out: Urban100 (reserved for evaluation: every picture flagged by the held-out guard), Set5 /
    # Set14 (non-photographs among them), Sun-Hays 80 (already in ../shared as reshared-flickr).
    _src("jbhuang0604/SelfExSR", "8f6dd8c1d20cb7e8792a7177b4f6fd677633f598",
         "none stated (research code and benchmark data; BSD: Berkeley, non-commercial research)",
         ((r"^data/BSD100/image_SRF_2/img_\d+_SRF_2_HR\.png$", FILM, "scan"),), cap=CAP_BENCHMARK,
         exclude=r"^data/(Urban100|Sun-Hays80)/"),
    # Scans of old prints and autochromes (test inputs of the restoration method); old/g.png is a two-photo
    # collage.
    _src("microsoft/Bringing-Old-Photos-Back-to-Life", "33875eccf4ebcd3665cf38cc56f3a0ce563d3a9c",
         "MIT (repository); scans of old photographs (test inputs)",
         ((r"^test_images/(old|old_w_scratch)/[a-h]\.png$", FILM, "scan"),), exclude=r"^test_images/old/g\.png$"),
    # A film-photography portfolio template's own 35 mm scans (one roll, 2018, and the about photo).
    _src("fymmot/film-photography-archive", "768e300bb4449bac910b8971231ece97819a8c65",
         "MIT (repository, (c) 2025 Tommy Feldt); the author's film scans",
         ((r"^src/assets/images/photos/[^/]+\.jpg$", FILM, "scan"),)),
    # Web photos: one ImageNet picture per class (a collage of four photos is left out).
    _src("EliSchwartz/imagenet-sample-images", "bc69043e2862758a1906c6a24a792bb28c6bb2ff",
         "none stated (research use); ImageNet pictures (web photos; ImageNet terms: non-commercial research)",
         ((r"^n\d{8}_[^/]+\.JPEG$", WEB, "web"),), cap=CAP_WEB, exclude=r"^n02422106_hartebeest\.JPEG$"),
    # Web photos of groups and events (the face detector's sample pictures; imgs/22.jpg, a rendered advert, and the
    # result pictures with drawn boxes are left out).
    _src("Linzaer/Ultra-Light-Fast-Generic-Face-Detector-1MB", "dffdddda9794a50607cba8f318507a28c1c27cab",
         "MIT (repository); sample web photos of groups", ((r"^imgs/\d+\.jpg$", WEB, "web"),),
         exclude=r"^imgs/22\.jpg$"),
    # Camera originals. The frames of one structure-from-motion scene are nearly the same picture and split_of
    # splits camera originals by path, so each scene keeps at most four frames spread over the sequence, all in
    # the split of the scene's first frame (a scene is never in both splits).
    # Kodak Z612 frames of Sceaux castle (openMVG SfM sample; its first frame falls in validation).
    _src("openMVG/ImageDataset_SceauxCastle", "fde7f5faba555e3c54700477c304488613346a19",
         "none stated (Readme: photographs (c) 2012 Pierre Moulon, openMVG SfM sample)",
         ((r"^images/100_71(00|03|06|10)\.JPG$", CAMERA, "camera"),)),
    # Canon IXUS 125 HS aerial frames (OpenDroneMap sample; first frame: training): 4 of the frames under 4 MiB
    # (most are absent from a snapshot), spread over the flight.
    _src("OpenDroneMap-ja/odm_data_snowpeak", "9dc007eed05f92e1281907affdf1bce823063702",
         "none stated (OpenDroneMap-ja sample dataset)",
         ((r"^img/IMG_(2168|2186|2244|2282)\.JPG$", CAMERA, "camera"),)),
    # Nokia G21 phone photos of one object (photogrammetry test set; first frame: validation).
    _src("dfawok/Photogrammetry", "8ab90f8f6f410a1f781e9ffe33a4805c5a21734c", "none stated",
         ((r"^Test_1/IMG_20230503_175(657|738|757)\.jpg$", CAMERA, "camera"),)),
    # Two Sony HDR-AS300 action-camera frames of two streets (a street-imagery tool's test data).
    _src("mapillary/mapillary_tools", "847fd0e6418ec253c6ec5e02c3bb780df8518559",
         "BSD-style (repository LICENSE, (c) 2018 mapillary)",
         ((r"^tests/data/images/DSC00(001|497)\.JPG$", CAMERA, "camera"),)),
    # The iPhone 6s test photo of a photo manager (the Nexus 5X files are issue 14's held-out
    # camera model; the GIMP / darktable saved, orientation-variant and stripped files are left out).
    _src("LycheeOrg/Lychee", "b8e4d1e832ca4eed9432a7acfaf9a36f69e68472", "MIT (repository LICENSE)",
         ((r"^tests/Samples/train\.jpg$", CAMERA, "camera"),)),
    # The iPhone XS photo of an image library's tests (its Jolla photo is a copy of a reserved
    # exif-samples picture: left out).
    _src("h2non/bimg", "a14e08d5604db4c866680d816be631d43954371a", "MIT (repository)",
         ((r"^testdata/test_exif_full\.jpg$", CAMERA, "camera"),)),
)


def check_provenance(sources: tuple[Source, ...]) -> None:
    """Refuse a source without a pinned 40-digit commit or a recorded licence, or one reserved for independent
    evaluation: what every source list that adds pictures to the generation set must hold."""
    for s in sources:
        if len(s.commit) != 40:
            raise ValueError(f"{s.repo}: commit {s.commit!r} is not a pinned 40-digit commit")
        if not s.licence:
            raise ValueError(f"{s.repo}: licence not recorded")
        if reserved(s.repo):
            raise ValueError(f"{s.repo}: reserved for independent evaluation")


def check_real_sources(sources: tuple[Source, ...] = REAL_SOURCES) -> None:
    """Refuse a source that is not a real photograph of one of the small styles, or has no pinned commit."""
    check_provenance(sources)
    for s in sources:
        for _pattern, label, family, _style in s.rules:
            if label != R or family not in REAL_STYLES:
                raise ValueError(f"{s.repo}: {label} / {family} is not a real style this module adds to")


def overlapping_repositories(sources: tuple[Source, ...] = REAL_SOURCES) -> set[str]:
    """Repositories of ``sources`` that another source list of the project already reads (the generation
    set's own sources, stock / web, the fresh check set, generator families): must stay empty, so a
    validation check set never leaks into training and no picture is counted twice."""
    from forgelens.training import (
        gen_sources_commercial,
        gen_sources_families,
        gen_sources_fresh,
        gen_sources_stock,
    )

    others = (gd.SOURCES + gen_sources_stock.STOCK_WEB_SOURCES + gen_sources_fresh.FRESH_SOURCES
              + gen_sources_families.FAMILY_SOURCES + gen_sources_commercial.COMMERCIAL_SOURCES)
    return {s.repo for s in sources} & {s.repo for s in others}


def shared_hash_records(shared: Path | None) -> list[Record]:
    """One placeholder record (id ``shared:SET/IMAGE``, its perceptual hash) per readable picture listed in
    ``../shared/datasets/*/index.csv``: what the new pictures are deduplicated against (nothing is added)."""
    out: list[Record] = []
    root = Path(shared) / "datasets" if shared is not None else None
    if root is None or not root.is_dir():
        return out
    for index in sorted(root.glob("*/index.csv")):
        with open(index, newline="") as f:
            for row in csv.DictReader(f):
                p = index.parent / row["image"]
                rgb = gd._decode(p.read_bytes()) if p.is_file() else None
                if rgb is None:
                    continue
                out.append(Record(f"shared:{index.parent.name}/{row['image']}", f"../shared/datasets/{index.parent.name}",
                                  "-", row["image"], row.get("label", ""), "", "", "", phash=f"{gd.phash(rgb):016x}"))
    return out


def extend_real(out: Path, mirrors: Path | None, sources: tuple[Source, ...], guard: Path, *,
                shared: Path | None = None, seed: int = 0, tag: str = TAG, robust: bool = True,
                extra: list[tuple[Record, bytes]] | None = None,
                split: str | dict[str, str] | None = None, also_against: list[Record] | tuple = ()) -> list[Record]:
    """Add the pictures of ``sources`` to the set in ``out``, each split by ``split_of`` (or by ``split``:
    "train" / "val" for every new picture, or a repository → split map). ``also_against``: more records (with a
    perceptual hash; e.g. the pictures of a confirmation set kept outside ``out``) the new pictures are
    deduplicated against (nothing is added from them).

    The steps of ``generation_data.extend`` for the new pictures only — size/flatness filter, the
    evaluation guard on ``out/raw-TAG`` and on the new processed views, the same processing chain with
    robustness copies for validation pictures — except that near-duplicates are dropped against the kept
    pictures of the set AND every picture of ``shared``/datasets, and by default the split is per picture
    (``split_of``), not per repository. The old records stay first and unchanged. Returns the new records.
    """
    old = gd.load_manifest(out)
    raw_dir, view_dir = Path(out) / f"raw-{tag}", Path(out) / "views"
    raw_dir.mkdir(parents=True, exist_ok=True)
    view_dir.mkdir(parents=True, exist_ok=True)
    records, pixels = gd._read_and_guard(gd._source_items(sources, mirrors, extra), raw_dir, guard,
                                         seen={r.id for r in old})
    earlier = ([r for r in old if not r.dropped and r.phash] + shared_hash_records(shared)
               + [r for r in also_against if not r.dropped and r.phash])
    gd._mark_near_duplicates(records, pixels, earlier=earlier)
    for rec in records:
        if not rec.dropped:
            rec.split = gd.split_of(rec) if split is None else split if isinstance(split, str) else split[rec.repo]
    gd._write_views(records, pixels, view_dir, seed, robust)
    gd.guard_new_views(records, Path(out), tag, guard)
    gd.write_manifest(out, old + records)
    return records


def counts(records: list[Record]) -> str:
    """Markdown table: kept pictures per style and split, and the drop reasons."""
    from collections import Counter

    kept = Counter((r.family, r.split) for r in records if not r.dropped)
    lines = ["| style (source key) | train | val |", "|---|---|---|"]
    lines += [f"| {f} | {kept[(f, 'train')]} | {kept[(f, 'val')]} |" for f in sorted({f for f, _ in kept})]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    a = gd.extend_arguments("add real photographs of the small real styles to a generation set").parse_args(argv)
    check_real_sources(REAL_SOURCES)
    if overlapping_repositories(REAL_SOURCES):
        raise SystemExit(f"repositories already read by another source list: {sorted(overlapping_repositories())}")
    guard = a.guard or a.shared / "tools" / "heldout_guard.py"
    records = extend_real(a.out, a.mirrors, REAL_SOURCES, guard, shared=a.shared, seed=a.seed)
    print(gd.summary(records))
    print()
    print(counts(records))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
