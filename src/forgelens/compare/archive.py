"""A local archive of pictures to search for an earlier copy of a suspect: one SQLite file.

Two complementary signatures per picture, both from a small thumbnail (longest side 384 px),
so indexing stays cheap:

- a perceptual hash (DCT pHash, Zauner 2010, via ``imagehash``): finds exact and near copies
  (resized, recompressed, colour-graded) in one Hamming comparison per record;
- up to 200 ORB features (Rublee et al. 2011, 256-bit binary descriptors): finds crops,
  rotations and edited copies. Their descriptors sit in a binary vector index (faiss,
  Johnson et al. 2019: exact Hamming search while small, an inverted file of 1024 binary
  k-means lists once the archive holds more than 50,000 features, about 250 pictures), stored in the same file.

Search: the query's features (and those of its mirror image) vote for the pictures owning
their nearest descriptors; the best-voted candidates, plus the pHash near copies, are then
verified geometrically (ratio-test matches, RANSAC homography/similarity) and ranked by the
number of consistent matches (Philbin et al. 2007's spatial re-ranking).

Indexing is incremental: a file whose size and modification time are unchanged is skipped;
a changed one is re-indexed (its old features stay in the vector index but point to no
record and are ignored).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from forgelens.compare.align import transform_summary
from forgelens.errors import ForgeLensError
from forgelens.evidence import READ_FORMATS, LoadLimits, load, path_problem

THUMB_SIDE = 384
INDEX_FEATURES = 200
QUERY_FEATURES = 600
MAX_MATCH_BITS = 64  # a descriptor farther than this (of 256 bits) is no match
IVF_THRESHOLD = 50_000
IVF_LISTS = 1024
IVF_PROBE = 24
CANDIDATES = 20
MIN_VERIFIED = 10  # consistent matches for a candidate to count as the same scene
PHASH_NEAR = 10  # Hamming distance (of 64 bits) for a perceptual near copy
SCHEMA = 1
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".gif", ".heic", ".jfif"}


class ArchiveError(ForgeLensError):
    """The archive file is missing, unreadable, of another version, or empty."""

    reason = "archive"


@dataclass
class Signature:
    phash: int
    width: int
    height: int
    thumb_scale: float  # thumbnail pixels per original pixel
    keypoints: np.ndarray  # (N, 2) float32, thumbnail coordinates
    descriptors: np.ndarray  # (N, 32) uint8


def thumbnail(path_or_pixels: str | os.PathLike | np.ndarray | bytes,
              name: str | None = None) -> tuple[np.ndarray, int, int]:
    """RGB thumbnail (longest side ≤ THUMB_SIDE) and the original width, height (EXIF orientation applied).

    JPEGs are decoded at a reduced DCT scale (Pillow's draft mode), so a 24 MP photo costs
    a fraction of a full decode. That fast read takes only what ``evidence.load`` (the reader of
    ``analyze``) would take: a regular file, a format of ``evidence.READ_FORMATS``, within its
    size limits. Anything else goes to ``evidence.load`` itself, which reads it or raises its
    error, so that a bad file is refused in the same words by ``index``, ``search`` and
    ``analyze`` (``name`` labels the file in them).
    """
    if isinstance(path_or_pixels, np.ndarray):
        rgb = path_or_pixels
        h, w = rgb.shape[:2]
    else:
        try:
            rgb, w, h = _reduced_decode(path_or_pixels)
        except MemoryError:
            raise  # a full decode would need more
        except Exception:  # the one reader says why, or reads what the fast read could not
            rgb, w, h = _full_decode(path_or_pixels, name)
    s = min(1.0, THUMB_SIDE / max(rgb.shape[:2]))
    if s < 1.0:
        rgb = cv2.resize(rgb, (max(1, round(rgb.shape[1] * s)), max(1, round(rgb.shape[0] * s))),
                         interpolation=cv2.INTER_AREA)
    return rgb, w, h


#: ``evidence.load``'s limits, less its minimum side: a small picture can still be found in the archive.
_LIMITS = LoadLimits(min_side=1)


class _NotForTheFastRead(Exception):
    """A file the reduced decode leaves to ``evidence.load``."""


def _reduced_decode(src: str | os.PathLike | bytes) -> tuple[np.ndarray, int, int]:
    """The fast read (Pillow, draft mode) of a file that ``evidence.load`` would read too; raises otherwise."""
    import io
    import warnings

    if isinstance(src, bytes):
        size = len(src)
    elif path_problem(src) is None:  # never open a pipe or a device
        size = os.stat(src).st_size
    else:
        raise _NotForTheFastRead
    if size == 0 or size > _LIMITS.max_file_bytes:
        raise _NotForTheFastRead
    Image.init()
    formats = [f for f in READ_FORMATS if f in Image.OPEN]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow's size and EXIF warnings: the limits are checked here
        with Image.open(io.BytesIO(src) if isinstance(src, bytes) else src, formats=formats) as im:
            w0, h0 = im.size
            if w0 * h0 > _LIMITS.max_pixels:
                raise _NotForTheFastRead
            im.draft("RGB", (THUMB_SIDE, THUMB_SIDE))
            f = im.size[0] / w0
            im = ImageOps.exif_transpose(im).convert("RGB")
            rgb = np.asarray(im)
    return rgb, round(rgb.shape[1] / f), round(rgb.shape[0] / f)


#: EXIF orientation -> the transpose that shows the picture upright (as ``ImageOps.exif_transpose``).
_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90}


def _full_decode(src: str | os.PathLike | bytes, name: str | None) -> tuple[np.ndarray, int, int]:
    """``evidence.load``'s pixels, upright; its ForgeLensError (naming the file and why) when it cannot read them."""
    ev = load(src, name=name, limits=_LIMITS)
    rgb = ev.pixels
    if ev.metadata.orientation in _UPRIGHT:
        rgb = np.asarray(Image.fromarray(rgb).transpose(_UPRIGHT[ev.metadata.orientation]))
    return rgb, rgb.shape[1], rgb.shape[0]


def orb_features(gray: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    orb = cv2.ORB_create(nfeatures=n, scaleFactor=1.2, nlevels=8, edgeThreshold=15, fastThreshold=10)
    kps, desc = orb.detectAndCompute(gray, None)
    if desc is None:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    return np.float32([k.pt for k in kps]), desc


def _need(module: str, source: str):
    """Import an optional dependency of the archive, or one clear error saying how to get it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ArchiveError(source, f"the archive needs {module}: pip install 'forgelens[archive]'") from None


def phash64(rgb: np.ndarray) -> int:
    imagehash = _need("imagehash", "<archive>")

    bits = imagehash.phash(Image.fromarray(rgb)).hash.flatten()
    v = int("".join("1" if b else "0" for b in bits), 2)
    return v - (1 << 64) if v >= (1 << 63) else v  # SQLite integers are signed 64-bit


def signature(src: str | os.PathLike | np.ndarray | bytes, n_features: int = INDEX_FEATURES,
              name: str | None = None) -> Signature:
    rgb, w, h = thumbnail(src, name)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    kp, desc = orb_features(gray, n_features)
    return Signature(phash64(rgb), w, h, rgb.shape[1] / w, kp, desc)


def _hamming64(a: np.ndarray, b: int) -> np.ndarray:
    x = np.bitwise_xor(a.astype(np.int64), np.int64(b)).view(np.uint64)
    return np.unpackbits(x.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)


class Archive:
    """``Archive(path)`` opens (``create=True``: creates) the SQLite archive file."""

    def __init__(self, path: str | os.PathLike, create: bool = False):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise ArchiveError(str(self.path), "no such archive file (build one with `forgelens index DIR --db FILE`)")
        try:
            self.db = sqlite3.connect(str(self.path))
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB)")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS images (id INTEGER PRIMARY KEY, path TEXT UNIQUE, size INTEGER, "
                "mtime REAL, width INTEGER, height INTEGER, phash INTEGER, thumb_scale REAL, "
                "keypoints BLOB, descriptors BLOB, added REAL)")
            v = self._meta("schema")
            if v is None:
                self._set_meta("schema", str(SCHEMA).encode())
                self.db.commit()
            elif int(v) != SCHEMA:
                raise ArchiveError(str(self.path), f"archive schema {int(v)}, this forgelens reads {SCHEMA}")
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(str(self.path), f"not a forgelens archive ({exc})") from None
        self._index = None

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __len__(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM images").fetchone()[0])

    def _meta(self, key: str) -> bytes | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else row[0]

    def _set_meta(self, key: str, value: bytes) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # ---- indexing -------------------------------------------------------------------------

    def add(self, key: str, sig: Signature, size: int = 0, mtime: float = 0.0) -> int:
        """Record one picture (replacing an earlier record of the same key); returns its id."""
        self.db.execute("DELETE FROM images WHERE path=?", (key,))
        cur = self.db.execute(
            "INSERT INTO images (path, size, mtime, width, height, phash, thumb_scale, keypoints, descriptors, added) "
            "VALUES (?,?,?,?,?,?,?,?,?,?)",
            (key, size, mtime, sig.width, sig.height, sig.phash, sig.thumb_scale,
             sig.keypoints.astype(np.float16).tobytes(), sig.descriptors.tobytes(), time.time()))
        return int(cur.lastrowid)

    def index(self, paths: Iterable[str | os.PathLike], on_item: Callable[[str, str | None], None] | None = None,
              batch: int = 200) -> dict:
        """Index files (incrementally); returns counts. A file that cannot be read is skipped and reported to
        ``on_item(key, error)``, ``error`` naming the file as given and the reason, as ``analyze`` words it."""
        known = {p: (s, m) for p, s, m in self.db.execute("SELECT path, size, mtime FROM images")}
        counts = {"added": 0, "unchanged": 0, "failed": 0}

        def signatures():
            for p in paths:
                key = str(Path(p).resolve())
                try:
                    st = os.stat(key)
                    if known.get(key) == (st.st_size, st.st_mtime):
                        counts["unchanged"] += 1
                        continue
                    sig = signature(key, name=str(p))
                except Exception as exc:  # one bad file must not stop an archive build
                    counts["failed"] += 1
                    if on_item:
                        on_item(key, str(exc) if isinstance(exc, ForgeLensError) else
                                f"{p}: unreadable image: {type(exc).__name__}: {exc}")
                    continue
                if on_item:
                    on_item(key, None)
                yield key, sig, st.st_size, st.st_mtime

        counts["added"] = self.add_many(signatures(), batch=batch)
        return {**counts, "total": len(self)}

    def add_many(self, items: Iterable[tuple[str, Signature, int, float]], batch: int = 200) -> int:
        """Record (key, signature, size, mtime) items and add their features to the vector index; saves."""
        pending: list[int] = []
        n = 0
        for key, sig, size, mtime in items:
            pending.append(self.add(key, sig, size, mtime))
            n += 1
            if len(pending) >= batch:
                self._add_vectors(pending)
                pending = []
        if pending:
            self._add_vectors(pending)
        self.save_vector_index()
        return n

    def _add_vectors(self, ids: list[int]) -> None:
        """Add the descriptors of records ``ids`` to the vector index (building or upgrading it)."""
        faiss = _need("faiss", str(self.path))

        index = self.vector_index()
        total = index.ntotal if index is not None else 0
        new_codes, new_ids = self._codes(ids)
        if index is None or (not isinstance(index, faiss.IndexBinaryIVF) and total + len(new_codes) > IVF_THRESHOLD):
            index = self._build_index(total + len(new_codes))
            if isinstance(index, faiss.IndexBinaryIVF):  # re-add everything into the inverted file
                new_codes, new_ids = self._codes(None)
        if len(new_codes):
            index.add_with_ids(new_codes, new_ids)
        self._index = index
        self.db.commit()

    def _codes(self, ids: list[int] | None) -> tuple[np.ndarray, np.ndarray]:
        if ids is None:
            rows = self.db.execute("SELECT id, descriptors FROM images").fetchall()
        else:
            q = ",".join("?" * len(ids))
            rows = self.db.execute(f"SELECT id, descriptors FROM images WHERE id IN ({q})", ids).fetchall()
        codes, vids = [], []
        for i, blob in rows:
            d = np.frombuffer(blob, np.uint8).reshape(-1, 32)
            codes.append(d)
            vids.append((np.int64(i) << 10) + np.arange(len(d), dtype=np.int64))
        if not codes:
            return np.zeros((0, 32), np.uint8), np.zeros(0, np.int64)
        return np.ascontiguousarray(np.vstack(codes)), np.concatenate(vids)

    def _build_index(self, n_expected: int):
        faiss = _need("faiss", str(self.path))

        if n_expected <= IVF_THRESHOLD:
            return faiss.IndexBinaryIDMap2(faiss.IndexBinaryFlat(256))
        codes, _ = self._codes(None)
        rng = np.random.default_rng(0)
        sample = codes[rng.choice(len(codes), min(len(codes), 60 * IVF_LISTS), replace=False)]
        ivf = faiss.IndexBinaryIVF(faiss.IndexBinaryFlat(256), 256, IVF_LISTS)
        ivf.train(np.ascontiguousarray(sample))
        ivf.nprobe = IVF_PROBE
        return ivf

    def save_vector_index(self) -> None:
        faiss = _need("faiss", str(self.path))

        if self._index is not None:
            self._set_meta("vector_index", faiss.serialize_index_binary(self._index).tobytes())
            self.db.commit()

    def vector_index(self):
        faiss = _need("faiss", str(self.path))

        if self._index is None:
            blob = self._meta("vector_index")
            if blob is not None:
                self._index = faiss.deserialize_index_binary(np.frombuffer(blob, np.uint8))
                if isinstance(self._index, faiss.IndexBinaryIVF):
                    self._index.nprobe = IVF_PROBE
        return self._index

    # ---- search ---------------------------------------------------------------------------

    def search(self, src: str | os.PathLike | np.ndarray | bytes, top: int = 5) -> list[dict]:
        """Ranked candidates for an earlier copy of ``src``: record, similarity and the transform found."""
        if len(self) == 0:
            raise ArchiveError(str(self.path), "the archive holds no pictures (index a folder first)")
        name = "<pixels>" if isinstance(src, np.ndarray) else "<bytes>" if isinstance(src, bytes) else str(src)
        try:
            rgb, w, h = thumbnail(src)
        except ForgeLensError:
            raise  # the reader's own words, as `analyze` prints them
        except Exception as exc:
            raise ArchiveError(name, f"query picture unreadable: {type(exc).__name__}: {exc}") from None
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        views = {"none": orb_features(gray, QUERY_FEATURES),
                 "horizontal": orb_features(np.ascontiguousarray(gray[:, ::-1]), QUERY_FEATURES)}
        ids, ph = self._hashes()
        near = {int(ids[i]): int(d) for qh in (phash64(rgb), phash64(np.ascontiguousarray(rgb[:, ::-1])))
                for i, d in enumerate(_hamming64(ph, qh)) if d <= PHASH_NEAR}
        votes = self._votes(views)
        cand = sorted(votes, key=lambda k: -votes[k][0])[:CANDIDATES]
        cand += [i for i in sorted(near, key=near.get) if i not in cand][:CANDIDATES]
        ph_all = dict(zip(ids.tolist(), ph.tolist(), strict=True))
        qh0 = phash64(rgb)
        results = []
        for rid in cand:
            row = self.db.execute("SELECT path, width, height, thumb_scale, keypoints, descriptors FROM images "
                                  "WHERE id=?", (rid,)).fetchone()
            if row is None:
                continue
            path, rw, rh, rscale, kb, dbb = row
            kp = np.frombuffer(kb, np.float16).reshape(-1, 2).astype(np.float32)
            desc = np.frombuffer(dbb, np.uint8).reshape(-1, 32)
            best = _verify(views, kp, desc, gray.shape[1], votes.get(rid, (0, "none"))[1])
            pd = int(_hamming64(np.array([ph_all[rid]]), qh0)[0]) if rid in ph_all else 64
            pd = min(pd, near.get(rid, 64))
            r = {"id": rid, "path": path, "width": rw, "height": rh, "votes": votes.get(rid, (0, ""))[0],
                 "phash_distance": pd, "inliers": best[0], "flip": best[2]}
            r["same_scene"] = best[0] >= MIN_VERIFIED or pd <= 4
            r["similarity"] = round(min(1.0, best[0] / 40.0) if best[0] >= MIN_VERIFIED else max(0.0, 1 - pd / 32), 3)
            if best[1] is not None:
                H = np.diag([1 / (rgb.shape[1] / w), 1 / (rgb.shape[1] / w), 1.0]) @ best[1] @ np.diag([rscale, rscale, 1.0])
                r["transform"] = transform_summary(H / H[2, 2], (rh, rw), best[2])
                r["transform"]["reference_area_shown"] = round(_area_shown(H, (rh, rw), (h, w)), 4)
            results.append(r)
        results.sort(key=lambda r: (-r["same_scene"], -r["inliers"], r["phash_distance"], -r["votes"]))
        return results[:top]

    def _hashes(self) -> tuple[np.ndarray, np.ndarray]:
        rows = np.array(self.db.execute("SELECT id, phash FROM images").fetchall(), dtype=np.int64).reshape(-1, 2)
        return rows[:, 0], rows[:, 1]

    def _votes(self, views: dict) -> dict[int, tuple[int, str]]:
        """{picture id: (votes, the view of the query that gave them)}."""
        index = self.vector_index()
        if index is None or index.ntotal == 0:
            return {}
        best: dict[int, tuple[int, str]] = {}
        for view, (_, desc) in views.items():
            if len(desc) == 0:
                continue
            D, L = index.search(np.ascontiguousarray(desc), 4)
            ok = (D <= MAX_MATCH_BITS) & (L >= 0)
            img = np.where(ok, L >> 10, -1)
            # one vote per query feature per picture
            pairs = np.unique(np.stack([np.repeat(np.arange(len(desc)), 4), img.ravel()], 1)[img.ravel() >= 0], axis=0)
            u, c = np.unique(pairs[:, 1], return_counts=True)
            for i, n in zip(u.tolist(), c.tolist(), strict=True):
                if n > best.get(i, (0, ""))[0]:
                    best[i] = (n, view)
        return best


def _verify(views: dict, kp: np.ndarray, desc: np.ndarray, qwidth: int,
            first: str = "none") -> tuple[int, np.ndarray | None, str]:
    """Geometric verification: most RANSAC-consistent matches over the two views of the query,
    the best-voted view first; the other is tried only when the first does not verify."""
    from forgelens.compare.align import robust_transform

    best: tuple[int, np.ndarray | None, str] = (0, None, "none")
    if len(desc) < 2:
        return best
    bf = cv2.BFMatcher(cv2.NORM_HAMMING)
    for flip in sorted(views, key=lambda v: v != first):
        qkp, qdesc = views[flip]
        if len(qdesc) < 2 or best[0] >= MIN_VERIFIED:
            continue
        knn = bf.knnMatch(desc, qdesc, k=2)
        m = np.array([(a.queryIdx, a.trainIdx) for a, b in (p for p in knn if len(p) == 2)
                      if a.distance < 0.85 * b.distance and a.distance <= MAX_MATCH_BITS], np.int64).reshape(-1, 2)
        if len(m) < 8:
            continue
        H, n, _ = robust_transform(kp[m[:, 0]], qkp[m[:, 1]], 4.0)
        if H is not None and n > best[0]:
            if flip == "horizontal":  # matches were to the mirrored query: undo the mirror on the query side
                H = np.array([[-1.0, 0, qwidth - 1], [0, 1, 0], [0, 0, 1]]) @ H
            best = (n, H, flip)
    return best


def _area_shown(H: np.ndarray, ref_shape: tuple[int, int], q_shape: tuple[int, int]) -> float:
    """Fraction of the reference's area that the query shows (1.0: the whole picture; 0.3: a 30 % crop)."""
    try:
        Hi = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        return 0.0
    h, w = q_shape
    q = Hi @ np.array([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]], float).T
    poly = (q[:2] / q[2]).T.astype(np.float32)
    rh, rw = ref_shape
    inter, _ = cv2.intersectConvexConvex(poly, np.float32([[0, 0], [rw, 0], [rw, rh], [0, rh]]))
    return float(inter) / (rw * rh)


def image_files(folder: str | os.PathLike) -> list[Path]:
    """Picture files under ``folder`` (recursive, by suffix), sorted."""
    root = Path(folder)
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
