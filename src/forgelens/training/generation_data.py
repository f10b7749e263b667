"""Multi-generator training/validation set for the generation detectors (issue 18).

Why: a detector of generated pictures learns whatever separates its two classes. If the
generated pictures are PNGs of one size from one generator and the real ones are camera
JPEGs, it learns size, format and that one generator. This builder therefore

1. reads public repositories (bare git mirrors brought by the search tool's ``fetch``) at
   *pinned commits* and records, per picture, repository, commit, path, generator family,
   label and licence (``SOURCES``), plus the shared real/SD sets under ``../shared``;
2. drops pictures that the evaluation guard (``../shared/tools/heldout_guard.py``) flags as
   near-copies of reserved evaluation pictures — the guard is run on the extracted folder and
   again on the processed views (a crop can match where the whole picture did not);
3. removes near-duplicates by a 64-bit DCT perceptual hash, within and across sources
   (the first source in ``SOURCES`` order keeps the picture);
4. splits by *family*: whole generator families (``HELDOUT_FAMILIES``) are validation only,
   so validation measures generalisation to generators never seen; real photos are split
   per source by a hash of their id (each real style has held-out members);
5. brings both classes through the same processing (``process``): a random crop to one of
   a few shared aspect buckets, a resize by 0.5–1.5, then JPEG or WebP at quality 60–100
   or the ``social`` chain of ``forgelens synth`` — so neither size, aspect, format nor
   JPEG history can tell the classes apart. Validation pictures also get three fixed
   robustness copies (JPEG 75, ×0.5 resize, social chain) of their processed view.

Pictures are written outside the repository (``--out``, e.g. ``/work/gen-data``); only
this code and the manifest's summary (docs/notes/issue-18.md) are committed.

Usage::

    python -m forgelens.training.generation_data --mirrors /work/.mirror \
        --shared ../shared --out /work/gen-data
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from forgelens.jpeg import encode_jpeg
from forgelens.synth import jpeg_history as jh
from forgelens.synth.postprocess import apply_chain, sample_chain

__all__ = ["Source", "Record", "SOURCES", "HELDOUT_FAMILIES", "phash", "dedup", "run_guard",
           "mirror_git_dir", "process", "robust_copies", "split_of", "build", "extend", "split_by_repository", "greedy_folds", "load_manifest",
           "training_views", "rule_for",
           "load_features"]

IMAGE_RE = re.compile(r"\.(jpe?g|png|webp)$", re.IGNORECASE)
HELDOUT_FAMILIES = frozenset({"seedream-5", "midjourney-v7", "flux-1-dev", "grok"})
ASPECT_BUCKETS = (1.0, 4 / 3, 3 / 4, 3 / 2, 2 / 3, 16 / 9, 9 / 16)
DEDUP_DISTANCE = 4  # bits of 64: the same picture resized/recompressed
MIN_SIDE = 160  # smaller pictures are icons or thumbnails, not photos or generator outputs
REAL_VAL_PERCENT = 40


@dataclass(frozen=True)
class Source:
    """One repository at one commit: which paths hold which family, under which licence."""

    repo: str
    commit: str
    licence: str
    rules: tuple[tuple[str, str, str, str], ...]  # (path regex, label, family, style)
    exclude: str = r"$^"
    cap_per_family: int = 0  # 0 = all; else at most this many per family (sorted by path hash)


@dataclass
class Record:
    id: str
    repo: str
    commit: str
    path: str
    label: str  # "generated" | "authentic"
    family: str  # generator family, or the real-photo style for authentic pictures
    style: str
    licence: str
    raw: str = ""
    phash: str = ""
    split: str = ""
    dropped: str = ""
    views: list[dict] = field(default_factory=list)


G, R = "generated", "authentic"
SOURCES: tuple[Source, ...] = (
    Source("TeenBiscuits/RealOrAI", "7e84faec19eff5804d0031ecd7e272aa6f6cf0de",
           "Apache-2.0 (code); real photos under the Unsplash licence",
           ((r"^public/images/ai/", G, "nano-banana-pro", "photoreal"),
            (r"^public/images/real/", R, "stock-unsplash", "stock")), cap_per_family=200),
    Source("vicliv/deepfake-survey", "ebd38a2f9fa691afc1c790271466555bb77be821",
           "none stated (research use); real photos from LAION-400M",
           ((r"^images/4o/", G, "gpt-4o", "photoreal"), (r"^images/Imagen/", G, "imagen-3", "photoreal"),
            (r"^images/Grok/", G, "grok", "photoreal"), (r"^images/Flux\.1-dev/", G, "flux-1-dev", "photoreal"),
            (r"^images/SD2/", G, "sd-2.1", "photoreal"), (r"^images/SDv3\.5/", G, "sd-3.5", "photoreal"),
            (r"^images/real/", R, "web-laion", "web"))),
    Source("Evolink-AI/awesome-seedream-5-pro-guide-and-prompt", "7643230be422e9cce67b2603d11806354154cb68",
           "CC-BY-4.0", ((r"^assets/media/", G, "seedream-5", "mixed"),)),
    Source("Evolink-AI/awesome-seedream-5-pro-guide-and-prompt", "4bf230700838e6ee7455216c05bd7d0528c435fd",
           "CC-BY-4.0", ((r"^downloaded-media/", G, "seedream-5", "x-recompressed"),)),
    Source("Pixmind-io/awesome-midjourney-v7-example-prompts", "e48e898fcd381b0f560cf0f2a56128f67299d5b5",
           "CC0-1.0", ((r"^docs/x-twitter-images/", G, "midjourney-v7", "x-recompressed"),
                       (r"^(docs/)?images/", G, "midjourney-v7", "mixed"))),
    Source("jamez-bondos/awesome-gpt4o-images", "3ed4dbb0f1ae6f7385c81e1fcea48d9eefd2e596",
           "CC-BY-4.0 (cases/ only; gpt-image-1/examples unlicensed, not read)",
           ((r"^cases/", G, "gpt-4o", "mixed"),)),
    Source("Kwai-Kolors/Kolors", "0fafa56a76b7acf1e147b153d1e7b8fd65f9055b", "Apache-2.0",
           ((r"^controlnet/outputs/.*_sdxl\.", G, "sdxl", "photoreal"),
            (r"^(controlnet|scripts)/outputs/", G, "kolors", "photoreal")),
           exclude=r"_condition\.|/assets?/|^imgs/"),
    Source("dcsan/imagen", "c6f37ebed13ee57a51055235c70621c6ae80521f", "none stated (research use)",
           ((r"/midj-", G, "midjourney-2022", "mixed"), (r"/dal-", G, "dalle-2", "mixed"),
            (r"/stab-", G, "sd-1.x", "mixed"), (r"/glid-", G, "glid-3", "mixed"),
            (r"/ldif-", G, "latent-diffusion", "mixed"), (r"/dmin-", G, "dalle-mini", "mixed"),
            (r"/disco-", G, "disco-diffusion", "mixed")), exclude=r"^docs/", cap_per_family=30),
    Source("Laboratoriet/real-or-ai-game", "269851655dae14acd2867195733d712c669dfa39",
           "none stated (research use)",
           ((r"^public/images/\w+/ai/[^/]+$", G, "other-modern", "photoreal"),
            (r"^public/images/\w+/real/[^/]+$", R, "stock-lab", "stock")), exclude=r"/lqip/", cap_per_family=150),
    Source("serengil/deepface", "243209fd7b46ecdecf72665cc25219f6e8181f25", "MIT",
           ((r"^tests/(unit|integration)/dataset/", R, "portrait-deepface", "portrait"),)),
)


def _rid(*parts: str) -> str:
    return f"{zlib.crc32('|'.join(parts).encode()):08x}"


def mirror_git_dir(mirrors: Path, repo: str) -> Path:
    """The git directory of ``repo``'s snapshot under ``mirrors`` (the fetch verb's ``OWNER+NAME/repo``
    layout: a bare mirror, or a snapshot with a work tree whose ``.git`` it is)."""
    git_dir = Path(mirrors) / repo.replace("/", "+") / "repo"
    return git_dir / ".git" if (git_dir / ".git").is_dir() else git_dir


def rule_for(src: Source, path: str) -> tuple[str, str, str, str] | None:
    """The first of ``src``'s rules (pattern, label, family, style) that keeps ``path``, or None when the path is not
    a picture, is excluded, or no rule matches: the one decision of which files a source reads."""
    if not IMAGE_RE.search(path) or re.search(src.exclude, path):
        return None
    return next((rule for rule in src.rules if re.search(rule[0], path)), None)


def list_source(src: Source, mirrors: Path) -> list[tuple[Record, bytes]]:
    """The pictures of one source at its pinned commit (absent blobs — LFS, ≥ 4 MiB — skipped)."""
    git_dir = mirror_git_dir(mirrors, src.repo)
    if not git_dir.is_dir():
        raise FileNotFoundError(f"{git_dir}: mirror of {src.repo} absent (fetch github:{src.repo})")
    ls = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "-r", "--name-only", src.commit],
                        check=True, capture_output=True, text=True).stdout.split("\n")
    by_family: dict[str, list[Record]] = defaultdict(list)
    for path in ls:
        rule = rule_for(src, path)
        if rule is not None:
            _, label, family, style = rule
            by_family[family].append(Record(_rid(src.repo, path), src.repo, src.commit, path, label,
                                            family, style, src.licence))
    out = []
    for _family, recs in sorted(by_family.items()):
        recs.sort(key=lambda r: r.id)
        if src.cap_per_family:
            recs = recs[:src.cap_per_family]
        for r in recs:
            blob = subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "blob", f"{src.commit}:{r.path}"],
                                  capture_output=True)
            if blob.returncode == 0 and blob.stdout:
                out.append((r, blob.stdout))
    return out


def shared_records(shared: Path) -> list[tuple[Record, bytes]]:
    """Real photos (camera originals, Flickr re-saves, Kodak scans) and SD 1.x/2.x outputs of ../shared."""
    out = []
    sets = {"cameras": ("camera-original", "camera"), "pristine-extra": (None, None), "aigen-sd12": ("sd-1.x-2.x", "mixed")}
    for name, (family, style) in sets.items():
        index = shared / "datasets" / name / "index.csv"
        if not index.is_file():
            continue
        with open(index, newline="") as f:
            for row in csv.DictReader(f):
                if "flatfield" in row["source"] or row["label"] not in (G, R):
                    continue
                fam, sty = family, style
                if name == "pristine-extra":
                    fam, sty = ("reshared-flickr", "re-shared") if row["source"] == "sun-hays80" else ("film-kodak", "scan")
                p = shared / "datasets" / name / row["image"]
                rec = Record(_rid("shared", name, row["image"]), f"../shared/datasets/{name}", "-", row["image"],
                             row["label"], fam, sty, f"see ../shared/datasets/{name}/SOURCE.txt")
                out.append((rec, p.read_bytes()))
    return out


_DCT = None


def phash(rgb: np.ndarray) -> int:
    """64-bit DCT perceptual hash (32×32 grey, low 8×8 frequencies above their median)."""
    global _DCT
    if _DCT is None:
        k = np.arange(32)
        m = np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / 64) * np.sqrt(2 / 32)
        m[0] /= np.sqrt(2)
        _DCT = m
    g = np.asarray(Image.fromarray(rgb).convert("L").resize((32, 32), Image.LANCZOS), np.float64)
    c = (_DCT @ g @ _DCT.T)[:8, :8].ravel()
    bits = c > np.median(c[1:])
    return int(np.packbits(bits.astype(np.uint8)).view(">u8")[0])


def dedup(hashes: list[int], max_distance: int = DEDUP_DISTANCE) -> list[int]:
    """Index of the earlier near-duplicate for each hash (-1 when it is the first of its kind)."""
    arr = np.array(hashes, dtype=np.uint64)
    dup = []
    for i, h in enumerate(arr):
        if i == 0:
            dup.append(-1)
            continue
        x = (arr[:i] ^ h).view(np.uint8).reshape(-1, 8)
        d = np.unpackbits(x, axis=1).sum(1)
        j = int(np.argmin(d))
        dup.append(j if d[j] <= max_distance else -1)
    return dup


def run_guard(folder: Path, guard: Path) -> set[str]:
    """Paths (resolved) under ``folder`` that the evaluation guard flags as reserved pictures."""
    if not guard.is_file():
        raise FileNotFoundError(f"{guard}: held-out guard absent; refusing to build without it")
    res = subprocess.run([sys.executable, str(guard), str(folder)], capture_output=True, text=True)
    if res.returncode not in (0, 1):
        raise RuntimeError(f"{guard} failed on {folder}: {res.stderr.strip()[-500:]}")
    flagged = set()
    for line in res.stdout.splitlines():
        m = re.match(r"RESERVED (.+) \(distance \d+\)$", line)
        if m:
            flagged.add(str(Path(m.group(1)).resolve()))
    return flagged


def split_of(rec: Record, heldout: frozenset[str] = HELDOUT_FAMILIES) -> str:
    """Family-disjoint split: held-out generator families are validation only; real photos split per source."""
    if rec.label == G:
        return "val" if rec.family in heldout else "train"
    key = rec.id
    if rec.family == "camera-original":  # whole camera models held out, as in learned.gen_pairs
        key = rec.path.split("/")[0] + ("_1" if "D70s_1" in rec.path else "_0" if "D70s_0" in rec.path else rec.path)
    return "val" if zlib.crc32(key.encode()) % 100 < REAL_VAL_PERCENT else "train"


def _crop_to_bucket(rgb: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    h, w = rgb.shape[:2]
    aspect = float(rng.choice(ASPECT_BUCKETS))
    if w / h > aspect:
        cw, ch = max(1, round(h * aspect)), h
    else:
        cw, ch = w, max(1, round(w / aspect))
    x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    return rgb[y:y + ch, x:x + cw], {"op": "crop", "aspect": round(aspect, 4), "box": [x, y, x + cw, y + ch]}


def process(rgb: np.ndarray, rng: np.random.Generator, min_short: int = 224, max_long: int = 2048,
            before_encode: Callable[[np.ndarray], np.ndarray] | None = None) -> tuple[bytes, str, np.ndarray, list[dict]]:
    """Crop to a shared aspect bucket, resize ×0.5–1.5, then JPEG/WebP q60–100 or the social chain.

    The same distribution for both classes; returns (file bytes, extension, decoded pixels, steps).
    ``before_encode`` (draws nothing from ``rng``) changes the resized pixels before they are
    encoded: with the same ``rng`` seed it gives an aligned counterpart of a view (same crop,
    size and compression), e.g. its latent-autoencoder round trip (``training.taef2.aligned_fake``).
    """
    cur, crop = _crop_to_bucket(rgb, rng)
    h, w = cur.shape[:2]
    lo = min_short / min(h, w)
    hi = max_long / max(h, w)
    f = float(np.clip(rng.uniform(0.5, 1.5), min(lo, 1.0), max(hi, lo)))
    size = (max(8, round(w * f)), max(8, round(h * f)))
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
    cur = cv2.resize(cur, size, interpolation=interp)
    if before_encode is not None:
        cur = np.ascontiguousarray(before_encode(cur))
    steps = [crop, {"op": "resize", "factor": round(f, 4), "size": list(size)}]
    kind = rng.choice(["jpeg", "webp", "social"])
    if kind == "jpeg":
        q = int(rng.integers(60, 101))
        data, ext = encode_jpeg(cur, q, "4:2:0" if rng.random() < 0.7 else "4:4:4"), "jpg"
        steps.append({"op": "jpeg", "quality": q})
        return data, ext, jh.decode(data), steps
    if kind == "webp":
        q = int(rng.integers(60, 101))
        data = jh.encode_webp(cur, q)
        steps.append({"op": "webp", "quality": q})
        return data, "webp", jh.decode(data), steps
    enc, _, done = apply_chain(cur, sample_chain(rng, "social", png_probability=0.0), [])
    return enc.data, enc.ext, enc.pixels, steps + done


def robust_copies(rgb: np.ndarray) -> dict[str, tuple[bytes, str]]:
    """Fixed robustness copies of a processed view: JPEG 75, ×0.5 resize (PNG), social chain."""
    h, w = rgb.shape[:2]
    half = cv2.resize(rgb, (max(8, w // 2), max(8, h // 2)), interpolation=cv2.INTER_AREA)
    social, _, _ = apply_chain(rgb, [{"op": "jpeg", "quality": 90, "subsampling": "4:2:0"},
                                     {"op": "cap_long_side", "long_side": 1080},
                                     {"op": "jpeg", "quality": 75, "subsampling": "4:2:0"}], [])
    return {"jpeg75": (encode_jpeg(rgb, 75), "jpg"), "half": (jh.encode_png(half), "png"),
            "social": (social.data, social.ext)}


def _decode(data: bytes) -> np.ndarray | None:
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.draft("RGB", (4096, 4096))
            rgb = np.asarray(im.convert("RGB"))
    except Exception:  # noqa: BLE001 - an unreadable file is dropped and recorded, never fatal
        return None
    return rgb


def _source_items(sources: tuple[Source, ...], mirrors: Path | None,
                  extra: list[tuple[Record, bytes]] | None) -> list[tuple[Record, bytes]]:
    """``extra`` then every picture of ``sources`` read from the mirrors (none when ``mirrors`` is None)."""
    items = list(extra or [])
    if mirrors is not None:
        for src in sources:
            items += list_source(src, mirrors)
    return items


def _mark_near_duplicates(records: list[Record], pixels: list[np.ndarray | None],
                          earlier: list[Record] = ()) -> None:
    """Give every kept record its perceptual hash and drop it as a near-duplicate of the first picture it
    matches: a kept ``earlier`` record (already in the set, keeps its place) or a kept record before it."""
    live = [i for i, r in enumerate(records) if not r.dropped]
    for i in live:
        records[i].phash = f"{phash(pixels[i]):016x}"
    owners = [r.id for r in earlier] + [records[i].id for i in live]
    dups = dedup([int(r.phash, 16) for r in earlier] + [int(records[i].phash, 16) for i in live])
    for i, d in zip(live, dups[len(earlier):], strict=True):
        if d >= 0:
            records[i].dropped = f"near-duplicate of {owners[d]}"


def _read_and_guard(items: list[tuple[Record, bytes]], raw_dir: Path, guard: Path,
                    seen: set[str]) -> tuple[list[Record], list[np.ndarray | None]]:
    """Write each new picture to ``raw_dir``, decode it, drop the unreadable, too small or flat ones
    and those the evaluation guard flags (reason recorded). Ids in ``seen`` are skipped (and new ids
    added to it). Returns the records and their pixels, in order."""
    records, pixels = [], []
    for rec, data in items:
        if rec.id in seen:
            continue
        seen.add(rec.id)
        raw = raw_dir / f"{rec.id}{Path(rec.path).suffix.lower()}"
        raw.write_bytes(data)
        rec.raw = str(raw.resolve())
        rgb = _decode(data)
        if rgb is None:
            rec.dropped = "unreadable"
        elif min(rgb.shape[:2]) < MIN_SIDE or float(rgb.std()) < 4.0:
            rec.dropped = "too small or flat"
        records.append(rec)
        pixels.append(rgb)
    flagged = run_guard(raw_dir, guard)
    for rec in records:
        if rec.raw in flagged:
            rec.dropped = "reserved for evaluation (heldout_guard)"
    return records, pixels


def _write_views(records: list[Record], pixels: list[np.ndarray | None], view_dir: Path, seed: int,
                 robust: bool) -> None:
    """The processed view of every kept record (``process``, seeded by the record id) and, for
    validation records, its robustness copies; appended to ``rec.views``."""
    for rec, rgb in zip(records, pixels, strict=True):
        if rec.dropped:
            continue
        rng = np.random.default_rng([seed, int(rec.id, 16)])
        data, ext, dec, steps = process(rgb, rng)
        name = f"{rec.id}_proc.{ext}"
        (view_dir / name).write_bytes(data)
        rec.views.append({"view": "proc", "file": name, "steps": steps, "size": [dec.shape[1], dec.shape[0]]})
        if robust and rec.split == "val":
            for kind, (d2, e2) in robust_copies(dec).items():
                n2 = f"{rec.id}_{kind}.{e2}"
                (view_dir / n2).write_bytes(d2)
                rec.views.append({"view": kind, "file": n2})


def build(out: Path, mirrors: Path | None, shared: Path | None, guard: Path, *, seed: int = 0,
          sources: tuple[Source, ...] = SOURCES, extra: list[tuple[Record, bytes]] | None = None,
          robust: bool = True) -> list[Record]:
    """Extract, guard, deduplicate, split and process; writes ``out/manifest.jsonl`` and the views."""
    raw_dir, view_dir = out / "raw", out / "views"
    raw_dir.mkdir(parents=True, exist_ok=True)
    view_dir.mkdir(parents=True, exist_ok=True)
    items = _source_items(sources, mirrors, extra)
    if shared is not None:
        items += shared_records(shared)
    records, pixels = _read_and_guard(items, raw_dir, guard, seen=set())
    _mark_near_duplicates(records, pixels)
    for rec in records:
        if not rec.dropped:
            rec.split = split_of(rec)
    _write_views(records, pixels, view_dir, seed, robust)
    drop_guarded_views(records, view_dir, guard)
    write_manifest(out, records)
    return records


def drop_guarded_views(records: list[Record], view_dir: Path, guard: Path,
                       flagged: set[str] | None = None) -> int:
    """Run the guard on the processed views too (a crop can match where the whole picture did not);
    drop every record one of whose views it flags. Returns how many were dropped."""
    flagged = run_guard(view_dir, guard) if flagged is None else flagged
    n = 0
    for rec in records:
        if not rec.dropped and any(str((view_dir / v["file"]).resolve()) in flagged for v in rec.views):
            rec.dropped = "reserved for evaluation (heldout_guard on a processed view)"
            n += 1
    return n


def write_manifest(out: Path, records: list[Record]) -> None:
    """Write ``out/manifest.jsonl`` atomically (a new file renamed over the old one), so a manifest
    hard-linked from another data directory (``cp -al``) is replaced here, never rewritten in place."""
    tmp = Path(out) / "manifest.jsonl.tmp"
    with open(tmp, "w") as f:
        for rec in records:
            f.write(json.dumps(asdict(rec)) + "\n")
    os.replace(tmp, Path(out) / "manifest.jsonl")


def split_by_repository(records: list[Record]) -> dict[str, str]:
    """Whole repositories to one split: largest first, each into the split holding fewer pictures so far
    (ties: training), so the two halves are about equal and never share a repository (its photographers,
    cameras and processing)."""
    return {repo: ("train", "val")[f] for repo, f in greedy_folds(Counter(r.repo for r in records), 2).items()}


def greedy_folds(counts: Counter, k: int) -> dict[str, int]:
    """Keys (repositories, families) to folds 0..k-1, largest first, each into the fold holding the fewest
    pictures so far (ties: the lowest fold): folds of about equal size that never share a key."""
    total, out = [0] * k, {}
    for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        f = total.index(min(total))
        out[key] = f
        total[f] += n
    return out


def extend(out: Path, mirrors: Path | None, sources: tuple[Source, ...], guard: Path, *, seed: int = 0,
           tag: str = "stock-web", robust: bool = True, extra: list[tuple[Record, bytes]] | None = None,
           split: str = "") -> list[Record]:
    """Add the real pictures of ``sources`` to the set in ``out`` without touching its records.

    The same steps as ``build`` for the new pictures only: size/flatness filter, the evaluation guard
    on their extracted folder (``out/raw-TAG``) and on their processed views, perceptual-hash dedup
    against every kept picture already in the set (those keep their place) and among themselves,
    ``split_by_repository``, and the same processing chain (``process``, seeded by the record id as in
    ``build``) with robustness copies for validation pictures. ``split`` ("train" or "val") puts every new
    picture in that split instead (a check set nothing is fitted on). Returns the new records (kept and dropped);
    the manifest is rewritten with the old records first, unchanged.
    """
    if split not in ("", "train", "val"):
        raise ValueError(f"split must be 'train' or 'val', not {split!r}")
    old = load_manifest(out)
    known = {r.id for r in old}
    raw_dir, view_dir = out / f"raw-{tag}", out / "views"
    raw_dir.mkdir(parents=True, exist_ok=True)
    view_dir.mkdir(parents=True, exist_ok=True)
    records, pixels = _read_and_guard(_source_items(sources, mirrors, extra), raw_dir, guard, seen=known)
    _mark_near_duplicates(records, pixels, earlier=[r for r in old if not r.dropped and r.phash])
    splits = split_by_repository([r for r in records if not r.dropped])
    for rec in records:
        if not rec.dropped:
            rec.split = split or splits[rec.repo]
    _write_views(records, pixels, view_dir, seed, robust)
    guard_new_views(records, Path(out), tag, guard)
    write_manifest(out, old + records)
    return records


def guard_new_views(records: list[Record], out: Path, tag: str, guard: Path) -> None:
    """Run the evaluation guard on the processed views of ``records`` only (hard links of them in
    ``out/guard-views-TAG``) and drop the views it flags (``drop_guarded_views``)."""
    view_dir = out / "views"
    staging = out / f"guard-views-{tag}"  # hard links of the new views only: the guard reads just those
    staging.mkdir(exist_ok=True)
    for rec in records:
        for v in rec.views:
            link = staging / v["file"]
            if not link.exists():
                os.link(view_dir / v["file"], link)
    hit = {Path(p).name for p in run_guard(staging, guard)}
    drop_guarded_views(records, view_dir, guard, flagged={str((view_dir / n).resolve()) for n in hit})


def load_manifest(out: Path) -> list[Record]:
    with open(Path(out) / "manifest.jsonl") as f:
        return [Record(**json.loads(line)) for line in f if line.strip()]


def training_views(out: Path) -> list[tuple[Record, Path]]:
    """(record, processed view file) of every kept training-split record from outside ``../shared`` (those
    copies are split by ``gen_pairs`` instead): what gen_trace's multi-generator crops and its per-source
    threshold read."""
    return [(rec, Path(out) / "views" / v["file"]) for rec in load_manifest(out)
            if not rec.dropped and rec.split == "train" and "shared" not in rec.repo
            for v in rec.views if v["view"] == "proc"]


#: Per-block CLS features, each tile encoded alone (benchmarks/fit/generation_cache_layers.py); read
#: last, so its embeddings replace the older cache's batch-encoded ones for the same view.
LAYER_CACHE = "features-rine.npz"
#: gen_trace scores recomputed with the gen_trace shipped *now* (``generation_cache_gen_trace.py``): read last,
#: so after a gen_trace retrain they replace the scores cached with the model of the time.
GEN_TRACE_CACHE = "features-gen_trace.npz"


def load_features(out: Path) -> dict[str, np.ndarray]:
    """Cached per-view features (``features.npz``, per-worker ``features-K.npz``, then ``LAYER_CACHE``, then
    ``GEN_TRACE_CACHE``) merged; a later file's key replaces an earlier one's."""
    merged: dict[str, np.ndarray] = {}
    for p in sorted(Path(out).glob("features*.npz"), key=lambda p: (p.name == GEN_TRACE_CACHE, p.name == LAYER_CACHE, p.name)):
        if ".tmp" not in p.name:
            with np.load(p) as z:
                merged.update({k: z[k] for k in z.files})
    return merged


def save_features(path: Path, cache: dict[str, np.ndarray]) -> None:
    """Write a feature cache atomically (``NAME.tmp.npz`` then rename): a run stopped while saving
    leaves the previous checkpoint, and ``load_features`` skips the temporary file."""
    path = Path(path)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **cache)
    os.replace(tmp, path)


def pending_views(views, cache: dict[str, np.ndarray], done_part: str, proc_only: bool = False) -> list[str]:
    """The cached views whose ``done_part`` is not in ``cache`` yet: processed views first (training and
    validation), robustness copies last (``proc_only``: none of those)."""
    return sorted((f for f in views if f"{f}|{done_part}" not in cache and (not proc_only or "_proc" in f)),
                  key=lambda f: ("_proc" not in f, f))


def fill_view_cache(data: Path, path: Path, cache: dict[str, np.ndarray], todo: list[str],
                    parts_of: Callable[[str, np.ndarray], dict[str, np.ndarray]], save_every: int = 100,
                    progress: Callable[[], str] = lambda: "") -> None:
    """Add ``parts_of(view file, its RGB pixels)`` of every view in ``todo`` to ``cache`` (keys
    ``FILE|PART``, float16) and save it to ``path`` every ``save_every`` views and at the end
    (``save_features``), printing the time per view and ``progress()``: the per-view loop of the
    resumable feature-cache passes (``benchmarks/fit/generation_cache_*.py``)."""
    from forgelens.evidence import load

    t0 = time.time()
    for i, f in enumerate(todo):
        rgb = np.asarray(load(Path(data) / "views" / f).pixels)[..., :3]
        for k, v in parts_of(f, rgb).items():
            cache[f"{f}|{k}"] = v.astype(np.float16)
        if (i + 1) % save_every == 0 or i + 1 == len(todo):
            save_features(path, cache)
            print(f"{i + 1}/{len(todo)} {(time.time() - t0) / (i + 1):.2f} s/view{progress()}", flush=True)


def summary(records: list[Record]) -> str:
    """Markdown table: per repository, commit, licence, label/family → kept and dropped counts."""
    kept = Counter((r.repo, r.commit[:12], r.licence, r.label, r.family, r.split) for r in records if not r.dropped)
    dropped = Counter(r.dropped.split(" of ")[0] for r in records if r.dropped)
    lines = ["| repository | commit | licence | label | family | split | pictures |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} | {e} | {s} | {n} |" for (a, b, c, d, e, s), n in sorted(kept.items())]
    lines.append("")
    lines += [f"- dropped, {k}: {n}" for k, n in sorted(dropped.items())]
    return "\n".join(lines)


def extend_arguments(description: str):
    """The options of every command that adds pictures to an existing set (mirrors, shared, out, guard, seed)."""
    import argparse

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    ap.add_argument("--out", type=Path, required=True, help="an existing set (its manifest.jsonl is extended)")
    ap.add_argument("--guard", type=Path, default=None, help="heldout_guard.py (default: SHARED/tools/)")
    ap.add_argument("--seed", type=int, default=0)
    return ap


def extend_cli(argv: list[str] | None, sources: tuple[Source, ...], tag: str, description: str,
               split: str = "") -> int:
    """The command line of a module that adds ``sources`` to an existing set (``extend``): prints the summary."""
    a = extend_arguments(description).parse_args(argv)
    guard = a.guard or a.shared / "tools" / "heldout_guard.py"
    print(summary(extend(a.out, a.mirrors, sources, guard, seed=a.seed, tag=tag, split=split)))
    return 0

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--guard", type=Path, default=None, help="heldout_guard.py (default: SHARED/tools/)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    guard = a.guard or a.shared / "tools" / "heldout_guard.py"
    records = build(a.out, a.mirrors, a.shared, guard, seed=a.seed)
    print(summary(records))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
