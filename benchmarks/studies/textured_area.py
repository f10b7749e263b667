"""How many pictures of each set the textured-area check (candidate F, issue 14) makes not_applicable.

F (``pipeline.why_not_applicable``): a picture whose 8×8 luminance blocks with a standard deviation of at
least ``FLAT_LUMA_STD`` cover fewer than ``MIN_JUDGEABLE_SIDE``² pixels cannot be judged. It needs only the
luminance, so it is measured here from the pictures themselves (``forgelens.load``, as ``analyze`` loads
them), no detector runs. Every picture of a set is read: the ones listed in its ``index.csv`` carry their
label; an image file under the set that the index does not list is counted as "unlisted".

Usage (from the repository root)::

    python benchmarks/studies/textured_area.py --set cameras=../shared/datasets/cameras ... \
        [--json out.json] [--md out.md]

Prints, per set and label, how many pictures F (and the older size / flat checks) make not_applicable,
with the smallest textured areas seen, and lists every picture F flags with its size and textured area.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

from forgelens.evidence import load
from forgelens.pipeline import MIN_JUDGEABLE_SIDE, textured_pixels, why_not_applicable

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".gif", ".heic", ".jpe"}


def labelled_images(root: Path) -> list[tuple[Path, str]]:
    """(image path, label) for every image file under ``root``; label from index.csv or "unlisted"."""
    labels: dict[Path, str] = {}
    index = root / "index.csv"
    if index.exists():
        with index.open(newline="") as f:
            for row in csv.DictReader(f):
                labels[(root / row["image"]).resolve()] = row.get("label") or "unlisted"
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                   and "masks" not in p.relative_to(root).parts)
    return [(p, labels.get(p.resolve(), "unlisted")) for p in files]


def measure(name: str, root: Path) -> list[dict]:
    rows = []
    for path, label in labelled_images(root):
        t0 = time.perf_counter()
        try:
            ev = load(path)
        except Exception as exc:  # noqa: BLE001 - a picture forgelens refuses is reported, not counted
            rows.append({"set": name, "image": str(path.relative_to(root)), "label": label, "error": str(exc)[:120]})
            continue
        h, w = ev.shape
        textured = textured_pixels(ev.luminance) if min(h, w) >= MIN_JUDGEABLE_SIDE else None
        reason = why_not_applicable(ev)
        rows.append({"set": name, "image": str(path.relative_to(root)), "label": label, "width": w, "height": h,
                     "brightness": float(ev.luminance[::4, ::4].mean()),  # as the analysis caches record it
                     "textured_px": textured, "textured_share": None if textured is None else textured / (h * w),
                     "reason": reason, "flagged_by_f": bool(reason and reason.startswith("only ")),
                     "seconds": time.perf_counter() - t0})
        del ev
    return rows


def summary_lines(rows: list[dict]) -> list[str]:
    out = ["| set | label | pictures | refused by load | not_applicable today (side / flat) | "
           "F makes not_applicable | smallest textured area (px) |", "|---|---|---|---|---|---|---|"]
    keys = sorted({(r["set"], r["label"]) for r in rows}, key=lambda k: ([r["set"] for r in rows].index(k[0]), k[1]))
    for s, lab in keys:
        rs = [r for r in rows if r["set"] == s and r["label"] == lab]
        err = sum("error" in r for r in rs)
        today = sum(bool(r.get("reason")) and not r["flagged_by_f"] for r in rs if "error" not in r)
        f = sum(r.get("flagged_by_f", False) for r in rs)
        areas = sorted(r["textured_px"] for r in rs if r.get("textured_px") is not None)
        out.append(f"| {s} | {lab} | {len(rs)} | {err} | {today} | {f} | {', '.join(f'{a:,}' for a in areas[:3])} |")
    labels = Counter(r["label"] for r in rows)
    flagged = Counter(r["label"] for r in rows if r.get("flagged_by_f"))
    out.append("")
    out.append("All sets: " + ", ".join(f"{lab} {flagged[lab]}/{n}" for lab, n in sorted(labels.items()))
               + " made not_applicable by F")
    out.append("")
    out.append("| set | picture | label | size (px) | textured area (px, share) |")
    out.append("|---|---|---|---|---|")
    for r in rows:
        if r.get("flagged_by_f"):
            out.append(f"| {r['set']} | {r['image']} | {r['label']} | {r['width']} × {r['height']} | "
                       f"{r['textured_px']:,} ({100 * r['textured_share']:.1f} %) |")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", action="append", required=True, metavar="NAME=DIR", help="a set of pictures")
    ap.add_argument("--json", type=Path, help="write every row here")
    ap.add_argument("--md", type=Path, help="write the tables here too")
    a = ap.parse_args(argv)
    rows = []
    for spec in a.set:
        name, root = spec.split("=", 1)
        t0 = time.perf_counter()
        got = measure(name, Path(root))
        rows += got
        print(f"{name}: {len(got)} pictures in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        if a.json:
            a.json.write_text(json.dumps(rows, indent=1))
    text = "\n".join(summary_lines(rows))
    print(text)
    if a.md:
        a.md.write_text(text + "\n")


if __name__ == "__main__":
    main()
