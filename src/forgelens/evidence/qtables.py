"""JPEG quantisation tables: estimated quality, IJG-standard or custom, and who writes them.

Every JPEG encoder chooses its own quantisation tables. libjpeg (IJG) and all
that embed it (Pillow, OpenCV, GIMP, ImageMagick) scale the ITU-T T.81 Annex K
example tables by the IJG formula; MozJPEG scales a different base table;
cameras and Photoshop use tables of their own. Comparing a file's tables with
a database of known encoders therefore says which *kind* of software wrote the
last compression, which is an old and well-established forensic cue
(Farid 2006; Kee, Johnson & Farid 2011).

The database shipped in ``data/qtables.json`` is built by
``scripts/build_qtable_db.py`` from (a) the IJG formula at q = 1..100, (b)
MozJPEG 4.0.3 as shipped in the ``jpeglib`` package at q = 1..100, (c) the
tables measured in the camera originals and editor re-saves of
``../shared/datasets/cameras/exif-samples`` (ianare/exif-samples, CC BY-SA 4.0)
and the JPEG fixtures of ``../shared/fixtures`` (labelled with the file's own
EXIF Make/Model or Software). Tables are facts measured from files; no
third-party table database was copied.

References
----------
.. [1] H. Farid, "Digital Image Ballistics from JPEG Quantization",
       Tech. Rep. TR2006-583, Dartmouth College, 2006.
.. [2] E. Kee, M. K. Johnson, H. Farid, "Digital Image Authentication From
       JPEG Headers", IEEE TIFS 6(3), 2011.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from forgelens.jpeg import ijg_qtable


def ijg_table(quality: int, chroma: bool = False) -> np.ndarray:
    """IJG libjpeg table for ``quality`` (1..100), baseline-clamped to [1, 255]."""
    return np.asarray(ijg_qtable(quality, chroma), dtype=np.int32)


@lru_cache(maxsize=1)
def _ijg_stack() -> np.ndarray:
    return np.stack(
        [np.stack([ijg_table(q), ijg_table(q, True)]) for q in range(1, 101)]
    ).astype(np.float64)  # (100, 2, 8, 8)


@dataclass(frozen=True)
class QuantReport:
    """What the tables say: quality, standard-ness and the database matches."""

    quality: int
    ijg_standard: bool
    mean_log_ratio_to_ijg: float
    matches: tuple[dict, ...] = ()
    n_tables: int = 1
    luma: tuple[int, ...] = field(default=(), repr=False)

    @property
    def match_labels(self) -> list[str]:
        return [m["label"] for m in self.matches]

    def match_words(self, shown: int = 3) -> str:
        """The database's matches as what they are — other encoders that write the same tables, not a
        claim about this file: "the same tables as Canon PowerShot S40 (camera) writes (and 4 others in
        the database)". Empty when nothing matches."""
        names = list(dict.fromkeys(writer_name(m) for m in self.matches))
        if not names:
            return ""
        head = names[:shown]
        listed = head[0] if len(head) == 1 else ", ".join(head[:-1]) + " and " + head[-1]
        rest = len(names) - len(head)
        return (f"the same tables as {listed} {'writes' if len(head) == 1 else 'write'}"
                + (f" (and {rest} other{'s' if rest != 1 else ''} in the database)" if rest else ""))


#: What the database's labels add to the encoder's name: where the tables were measured, not what this file is.
_CAMERA_SUFFIX = " camera original"
_EDITOR_SUFFIX = " (re-save; quality setting unknown)"


def writer_name(m: dict) -> str:
    """The encoder a database entry names: "Canon PowerShot S40 (camera)", "GIMP 2.8.10 (editor)",
    "IJG libjpeg at quality 75 (libjpeg, Pillow, …)". The labels say where the tables were measured (a camera
    original, an editor's re-save); said of another file, that reads as a claim about it."""
    label = str(m.get("label", ""))
    kind = m.get("kind")
    if kind == "camera":
        name = label.removesuffix(_CAMERA_SUFFIX).split()
        if len(name) > 1 and name[1].lower() == name[0].lower():  # "Canon Canon PowerShot": EXIF make + model
            name = name[1:]
        return f"{' '.join(name)} (camera)"
    if kind == "editor":
        return " ".join(label.removesuffix(_EDITOR_SUFFIX).split()) + " (editor)"
    return label.replace(" standard tables, quality ", " at quality ").replace(" default tables, quality ",
                                                                               " at quality ")


def estimate_quality(tables: tuple[np.ndarray, ...] | list[np.ndarray]) -> tuple[int, bool, float]:
    """Closest IJG quality for the luma (+chroma) tables, exactness, and mean |log ratio|.

    Parameters
    ----------
    tables : sequence of (8, 8) arrays
        Natural-order tables, luma first (``Evidence.jpeg.qtables``).

    Returns
    -------
    quality : int
        IJG quality 1..100 whose tables are closest (least mean absolute log ratio).
    standard : bool
        True when the tables equal IJG's for that quality exactly.
    distance : float
        Mean absolute log ratio to that IJG table (0 for an exact match).
    """
    t = [np.asarray(x, dtype=np.float64).reshape(8, 8) for x in tables[:2]]
    t = [np.maximum(x, 1.0) for x in t]
    stack = _ijg_stack()[:, : len(t)]
    obs = np.stack(t)[None]
    exact = np.all(stack == obs, axis=(1, 2, 3))
    if exact.any():
        return int(np.flatnonzero(exact)[-1] + 1), True, 0.0
    err = np.mean(np.abs(np.log(stack) - np.log(obs)), axis=(1, 2, 3))
    i = int(np.argmin(err))
    return i + 1, False, float(err[i])


@lru_cache(maxsize=1)
def database() -> tuple[dict, ...]:
    """The shipped table database (list of {label, kind, source, quality, luma, chroma})."""
    try:
        text = resources.files("forgelens.evidence").joinpath("data/qtables.json").read_text()
        rows = json.loads(text)["entries"]
    except (FileNotFoundError, KeyError, ValueError, ModuleNotFoundError):
        rows = []
    return tuple(rows)


@lru_cache(maxsize=1)
def _db_index() -> dict[tuple, list[dict]]:
    idx: dict[tuple, list[dict]] = {}
    for r in database():
        key = (tuple(r["luma"]), tuple(r.get("chroma") or ()))
        idx.setdefault(key, []).append(r)
        idx.setdefault((tuple(r["luma"]), None), []).append(r)
    return idx


def match(tables: tuple[np.ndarray, ...] | list[np.ndarray]) -> QuantReport:
    """Estimate quality and look the tables up in the database (exact luma+chroma match)."""
    q, std, dist = estimate_quality(tables)
    luma = tuple(int(v) for v in np.asarray(tables[0]).ravel())
    chroma = tuple(int(v) for v in np.asarray(tables[1]).ravel()) if len(tables) > 1 else ()
    hits: list[dict] = []
    if std:
        hits.append({"label": f"IJG libjpeg standard tables, quality {q} (libjpeg, Pillow, OpenCV, GIMP, ImageMagick, many phones)",
                     "kind": "library", "quality": q, "source": "IJG scaling of ITU-T T.81 Annex K"})
    idx = _db_index()
    rows = idx.get((luma, chroma)) or (idx.get((luma, None)) if not chroma else None) or []
    seen: set[str] = set()
    for r in rows:
        if r["label"] in seen:
            continue
        seen.add(r["label"])
        hits.append({k: r[k] for k in ("label", "kind", "quality", "source") if k in r})
    return QuantReport(q, std, dist, tuple(hits[:12]), len(tables), luma)
