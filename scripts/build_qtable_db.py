"""Build src/forgelens/evidence/data/qtables.json: the quantisation-table database.

Sources (see forgelens.evidence.qtables for what is done with them):
  * MozJPEG 4.0.3 (as bundled by the ``jpeglib`` package) at quality 1..100;
  * JPEG files in ../shared/datasets/cameras (exif-samples + prnu) and ../shared/fixtures,
    labelled with their own EXIF Make/Model (camera) or Software / XMP CreatorTool (editor).
IJG tables are not stored: they are computed by formula.

Usage: python scripts/build_qtable_db.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import jpeglib
import numpy as np

from forgelens.evidence import containers
from forgelens.evidence import exif as exif_mod
from forgelens.evidence import xmp as xmp_mod
from forgelens.evidence.qtables import estimate_quality

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
OUT = ROOT / "src/forgelens/evidence/data/qtables.json"
EDITOR_WORDS = ("photoshop", "lightroom", "gimp", "fireworks", "paint", "elements", "windows photo",
                "picasa", "snapseed", "affinity", "capture one", "acdsee", "irfanview", "nikon transfer",
                "imagemagick", "xnview", "darktable", "rawtherapee", "paint.net", "pixelmator")


def _tables(path: Path):
    jp = jpeglib.read_dct(str(path))
    n = 3 if jp.has_chrominance else 1
    return [np.asarray(jp.get_component_qt(i), dtype=np.int32) for i in range(n)]


def mozjpeg_entries() -> list[dict]:
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    out = []
    with tempfile.TemporaryDirectory() as d, jpeglib.version("mozjpeg403"):
        p = str(Path(d) / "m.jpg")
        for q in range(1, 101):
            jpeglib.from_spatial(img).write_spatial(p, qt=q)
            t = _tables(Path(p))
            out.append({"label": f"MozJPEG 4.0.3 default tables, quality {q}", "kind": "library",
                        "quality": q, "source": "generated with jpeglib's bundled mozjpeg403",
                        "luma": t[0].ravel().tolist(), "chroma": t[1].ravel().tolist()})
    return out


def file_entries() -> list[dict]:
    files = sorted((SHARED / "datasets/cameras").rglob("*.[jJ][pP]*[gG]")) + sorted(
        (SHARED / "fixtures").rglob("*.jpg"))
    out, seen = [], set()
    for f in files:
        data = f.read_bytes()
        raw = containers.read_jpeg(data)
        ex = exif_mod.parse_exif(raw.exif[0]) if raw.exif else exif_mod.ExifData()
        xf = {}
        for pk in raw.xmp:
            xf.update(xmp_mod.parse_xmp(pk)[0])
        make, model = str(ex.get("Make", "") or "").strip(), str(ex.get("Model", "") or "").strip()
        sw = str(ex.get("Software", "") or "").strip() or (xmp_mod.first(xf, "xmp:CreatorTool") or "")
        try:
            t = _tables(f)
        except Exception:
            continue
        if len(t) < 2:
            continue
        q, std, _ = estimate_quality(t)
        editor = any(w in sw.lower() for w in EDITOR_WORDS) or raw.photoshop_irb and "adobe" in sw.lower()
        if editor:
            label, kind = f"{sw} (re-save; quality setting unknown)", "editor"
        elif make or model:
            label, kind = (f"{make} {model}".strip() + " camera original"), "camera"
        else:
            continue
        key = (label, tuple(t[0].ravel()), tuple(t[1].ravel()))
        if key in seen:
            continue
        seen.add(key)
        out.append({"label": label, "kind": kind, "quality": None,
                    "source": f"measured from ../shared/{f.relative_to(SHARED)}",
                    "ijg_equivalent_quality": q, "ijg_standard": bool(std),
                    "luma": t[0].ravel().tolist(), "chroma": t[1].ravel().tolist()})
    return out


def main() -> None:
    entries = mozjpeg_entries() + file_entries()
    OUT.write_text(json.dumps({"about": __doc__.strip().splitlines()[0], "entries": entries}, separators=(",", ":")))
    kinds = {}
    for e in entries:
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    print(f"wrote {len(entries)} entries to {OUT}: {kinds}")


if __name__ == "__main__":
    main()
