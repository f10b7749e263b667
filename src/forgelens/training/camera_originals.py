"""Full-size, unedited camera originals from public repositories: authentic negatives for the
detection model (training cameras) and a camera false-alarm set (held-out cameras).

Why: the detection model's authentic training rows are ≈ 0.5 MP synth crops; its operating point
did not transfer to full-size camera pictures (docs/notes/issue-14.md, session 6, helper i14c).
These pictures are what a user sends: a phone's or camera's own JPEG at its native size.

Source: photogrammetry / structure-from-motion sample sets and photo-app test data on GitHub
(``SOURCES``: repository, commit, folder, licence), read from local mirrors (``git cat-file``;
files a mirror lacks are skipped). A file is kept only if its EXIF names a camera (Make and
Model), names no editing software, and — where EXIF records it — the picture is at the size
the camera wrote (PixelXDimension × PixelYDimension, either orientation); pictures under 2 MP
are left out (a re-saved web copy, not a camera original). At most ``PER_SCENE`` a scene,
evenly spaced in file order. The split is by camera model (``HELD_OUT_MODELS``, declared
before any measurement): the other models train, these are only measured.

    python -m forgelens.training.camera_originals /work/data-i14n/camera-originals   # ≈ 1 min

writes ``train/`` and ``val/`` (``images/`` + ``index.csv``, label authentic, source
``camera:<Make Model>``) and ``manifest.tsv`` (repository, commit, path, licence, camera,
software, size, split, and why a file was left out). Exact duplicates and near-copies (the
held-out guard's perceptual hash, distance ≤ 6) of any picture in ``../shared/datasets`` are
dropped and listed.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import io
import re
import subprocess
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT / ".." / "shared"
MIRRORS = Path("/work/.mirror")

#: (repository, commit, folder inside it, licence, scene name). Checked against the reserved list
#: of the project before fetching: none of these is reserved for evaluation.
SOURCES = (
    ("openMVG/ImageDataset_SceauxCastle", "fde7f5faba555e3c54700477c304488613346a19", "images/",
     "none stated (Readme: photographs (c) 2012 Pierre Moulon, openMVG SfM sample)", "sceaux-castle"),
    ("alicevision/dataset_monstree", "c697b936be47d6b78ce58d7eb4188e6908503ee2", "full/",
     "none stated (AliceVision/Meshroom sample dataset)", "monstree"),
    ("OpenDroneMap-ja/odm_data_snowpeak", "9dc007eed05f92e1281907affdf1bce823063702", "img/",
     "none stated (OpenDroneMap-ja sample dataset)", "snowpeak"),
    ("KarmenKei/HiimelOyunUhaan", "51865e8bb73d958ba349cff455bf397a99370d76",
     "bd2/photogrammetry_backend/jobs/skull01/images/",
     "CC-BY-4.0 (alansartlog, 'Photogrammetry Test Set: Skull - Cameramoves - Flash - No Background')", "skull"),
    ("dfawok/Photogrammetry", "8ab90f8f6f410a1f781e9ffe33a4805c5a21734c", "Test_1/", "none stated", "bottle"),
    ("LycheeOrg/Lychee", "b8e4d1e832ca4eed9432a7acfaf9a36f69e68472", "tests/Samples/", "MIT (repository LICENSE)",
     "lychee-samples"),
    ("mapillary/mapillary_tools", "847fd0e6418ec253c6ec5e02c3bb780df8518559", "tests/data/images/",
     "BSD-style (repository LICENSE, (c) 2018 mapillary)", "mapillary-tests"),
)
#: Camera models only measured (a held-out camera false-alarm set), declared before measuring.
HELD_OUT_MODELS = ("Apple iPhone 7", "Canon Canon EOS REBEL T3", "LGE Nexus 5X")
PER_SCENE = 8
MIN_PIXELS = 2_000_000
#: Software tags of editors and converters (a camera's firmware string is fine).
EDITORS = re.compile(r"photoshop|lightroom|gimp|darktable|paint\.net|capture nx|shotwell|picasa|photo viewer|"
                     r"powerexif|snapseed|affinity|acdsee|irfanview|xnview|digikam|rawtherapee|luminar|"
                     r"capture one|windows|pixelmator|preview|photos \d", re.I)


def _git(mirrors: Path, repo: str, *args: str) -> bytes:
    from forgelens.training.generation_data import mirror_git_dir

    return subprocess.run(["git", f"--git-dir={mirror_git_dir(mirrors, repo)}", *args],
                          capture_output=True, check=False).stdout


def _files(mirrors: Path, repo: str, commit: str, folder: str) -> list[tuple[str, str]]:
    """(path, blob id) of every JPEG under ``folder`` at ``commit`` (HEAD of the mirror when empty)."""
    out = []
    for line in _git(mirrors, repo, "ls-tree", "-r", commit or "HEAD", folder).decode().splitlines():
        meta, path = line.split("\t", 1)
        if path.lower().endswith((".jpg", ".jpeg")) and "/" not in path[len(folder):]:
            out.append((path, meta.split()[2]))
    return sorted(out)


def camera_facts(data: bytes) -> dict:
    """Make, model, software and sizes from a JPEG's EXIF, and why it is not a camera original (or '')."""
    try:
        im = Image.open(io.BytesIO(data))
        im.load()  # the whole picture decodes: a truncated file is no camera original
        exif = im.getexif()
        sub = exif.get_ifd(0x8769)
    except Exception as exc:  # noqa: BLE001 - a broken file is left out with its reason, never fatal
        return {"make": "", "model": "", "software": "", "width": "", "height": "", "exif_size": "", "format": "",
                "why_left_out": f"unreadable ({type(exc).__name__}: {str(exc)[:80]})"}
    make, model = str(exif.get(271) or "").strip(), str(exif.get(272) or "").strip()
    software = str(exif.get(305) or "").strip()
    exif_size = (sub.get(40962), sub.get(40963))
    facts = {"make": make, "model": model, "software": software, "width": im.width, "height": im.height,
             "exif_size": "x".join(str(v) for v in exif_size) if all(exif_size) else "", "format": im.format}
    why = ""
    if im.format not in ("JPEG", "MPO"):  # MPO: a camera JPEG with extra pictures appended (Sony, Fujifilm)
        why = f"not a JPEG ({im.format})"
    elif not make or not model:
        why = "EXIF names no camera"
    elif EDITORS.search(software):
        why = f"edited (Software: {software})"
    elif all(exif_size) and sorted(exif_size) != sorted(im.size):
        why = f"not at the camera's size ({im.width}x{im.height}, EXIF {facts['exif_size']})"
    elif im.width * im.height < MIN_PIXELS:
        why = f"under {MIN_PIXELS / 1e6:g} MP"
    facts["why_left_out"] = why
    return facts


def camera_name(facts: dict) -> str:
    return f"{facts['make']} {facts['model']}"


def _guard():
    spec = importlib.util.spec_from_file_location("heldout_guard", SHARED / "tools" / "heldout_guard.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def shared_fingerprints() -> tuple[set[str], list[int]]:
    """SHA-1 of every picture in ../shared/datasets and the guard's pHashes (whole picture and quarters)."""
    guard = _guard()
    sha, hashes = set(), []
    for p in sorted((SHARED / "datasets").rglob("*")):
        if p.suffix.lower() not in guard.SUFFIXES or not p.is_file():
            continue
        sha.add(hashlib.sha1(p.read_bytes()).hexdigest())
        try:
            hashes += guard.hashes(p)
        except Exception:  # noqa: BLE001 — an unreadable file there cannot be a copy of ours
            continue
    return sha, hashes


def near_copy(path: Path, reference: list[int], guard) -> bool:
    mine = guard.hashes(path)
    return any(bin(a ^ b).count("1") <= guard.MAX_DISTANCE for a in mine for b in reference)


def build(out: Path, mirrors: Path = MIRRORS) -> list[dict]:
    """Write ``out/{train,val}`` and ``out/manifest.tsv``; return the manifest rows."""
    from forgelens.bench.datasets import write_index_csv

    guard = _guard()
    shared_sha, shared_hash = shared_fingerprints()
    rows, kept = [], {"train": [], "val": []}
    for repo, commit, folder, licence, scene in SOURCES:
        head = commit or _git(mirrors, repo, "rev-parse", "HEAD").decode().strip()
        ok = []
        for path, blob in _files(mirrors, repo, head, folder):
            data = _git(mirrors, repo, "cat-file", "blob", blob)
            row = {"repository": repo, "commit": head, "path": path, "licence": licence, "scene": scene}
            if not data:
                rows.append({**row, "why_left_out": "not in the mirror (≥ 4 MiB)"})
                continue
            facts = camera_facts(data)
            row.update(facts, sha1=hashlib.sha1(data).hexdigest(), bytes=len(data))
            if not facts["why_left_out"] and row["sha1"] in shared_sha:
                row["why_left_out"] = "byte-identical to a picture in ../shared/datasets"
            rows.append(row)
            if not row["why_left_out"]:
                ok.append((row, data))
        step = max(1.0, len(ok) / PER_SCENE)
        chosen = {int(i * step) for i in range(min(PER_SCENE, len(ok)))}
        for i, (row, data) in enumerate(ok):
            if i not in chosen:
                row["why_left_out"] = f"over {PER_SCENE} a scene"
                continue
            split = "val" if camera_name(row) in HELD_OUT_MODELS else "train"
            name = f"images/{scene}_{Path(row['path']).name}"
            dest = out / split / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            if near_copy(dest, shared_hash, guard):
                dest.unlink()
                row["why_left_out"] = "near-copy (pHash ≤ 6) of a picture in ../shared/datasets"
                continue
            row.update(split=split, image=name)
            kept[split].append((name, "", "authentic", f"camera:{camera_name(row)}"))
    for split, items in kept.items():
        (out / split).mkdir(parents=True, exist_ok=True)
        write_index_csv(out / split, items)
    cols = ("split", "image", "repository", "commit", "path", "licence", "scene", "make", "model", "software",
            "width", "height", "exif_size", "bytes", "sha1", "why_left_out")
    lines = ["\t".join(cols)] + ["\t".join(str(r.get(c, "")) for c in cols) for r in rows]
    (out / "manifest.tsv").write_text("\n".join(lines) + "\n")
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--mirrors", type=Path, default=MIRRORS,
                    help="folder of the bare mirrors, one OWNER+NAME/repo each (default %(default)s)")
    args = ap.parse_args(argv)
    rows = build(args.out, args.mirrors)
    from collections import Counter

    for split in ("train", "val"):
        c = Counter(camera_name(r) for r in rows if r.get("split") == split)
        print(f"{split}: {sum(c.values())} pictures, {len(c)} cameras: {dict(c)}")
    print("left out:", dict(Counter(r["why_left_out"].split(" (")[0] for r in rows if r.get("why_left_out"))))


if __name__ == "__main__":
    main()
