"""PRNU "sensor pattern missing" (``prnu_missing``) on real same-camera photos: false alarms and detections.

For every camera of ``../shared/datasets/cameras`` with at least two flat-field pictures and at
least one natural picture, the fingerprint is estimated from its flat fields (cached), then the
``prnu`` detector runs on (a) each untouched natural picture of that camera — any ``prnu_missing``
finding there is a false alarm — and (b) a copy of each with a square pasted from a natural
picture of *another* camera of the same size at the same place (known mask), re-saved as JPEG
quality 95 — a ``prnu_missing`` finding is a detection; its mask (heat >= 0.5) is scored by IoU.
No parameter is fitted here: the script only measures the detector as it stands.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/studies/prnu_localisation.py --cache /tmp/prnu_fp
"""

from __future__ import annotations

import argparse
import csv
import io
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

DATA = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "cameras"


def _devices(root: Path) -> dict[str, dict[str, list[Path]]]:
    """{device: {"flatfield": [...], "natural": [...]}} from cameras.csv (Dresden ``prnu/`` pictures)."""
    out: dict[str, dict[str, list[Path]]] = defaultdict(lambda: defaultdict(list))
    with open(root / "cameras.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["device"] and r["subset"] in ("flatfield", "natural"):
                out[r["device"]][r["subset"]].append(root / r["image"])
    return {d: v for d, v in sorted(out.items()) if len(v["flatfield"]) >= 2 and v["natural"]}


def _fingerprint(device: str, refs: list[Path], cache: Path) -> Path:
    from forgelens.camera import estimate_fingerprint, save_fingerprint

    path = cache / f"{device}.npz"
    if not path.exists():
        save_fingerprint(path, estimate_fingerprint(refs), n_images=len(refs), sources=[p.name for p in refs])
    return path


def _pasted(host: np.ndarray, donor: np.ndarray, side: int) -> tuple[bytes, np.ndarray]:
    """``host`` with a side x side square of ``donor`` at the centre, as JPEG q95 bytes, and the mask."""
    h, w = host.shape[:2]
    y0, x0 = (h - side) // 2, (w - side) // 2
    mask = np.zeros((h, w), bool)
    mask[y0:y0 + side, x0:x0 + side] = True
    out = host.copy()
    out[mask] = donor[mask]
    buf = io.BytesIO()
    Image.fromarray(out).save(buf, format="JPEG", quality=95)
    return buf.getvalue(), mask


def _run(src, fingerprint: Path, name: str):
    from forgelens.detectors import get, run
    from forgelens.evidence import load

    ev = load(src, name=name)
    t = run("prnu", ev, get("prnu").make_config({"fingerprint_path": str(fingerprint)}), catch=False)
    pce = next((f.values["pce"] for f in t.findings if "pce" in f.values), float("nan"))
    missing = next((f for f in t.findings if f.kind == "prnu_missing"), None)
    flagged = t.pixels(t.heatmap) >= 0.5 if t.heatmap is not None else np.zeros(ev.shape, bool)
    return ev, pce, missing, flagged


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=DATA)
    ap.add_argument("--cache", type=Path, required=True, help="folder for the fingerprints (reused)")
    ap.add_argument("--side", type=int, default=512, help="side of the pasted square (pixels)")
    args = ap.parse_args()
    if not (args.root / "cameras.csv").exists():
        raise SystemExit(f"no camera data at {args.root}")
    args.cache.mkdir(parents=True, exist_ok=True)
    devices = _devices(args.root)
    print(f"devices with >= 2 flat fields and natural pictures: {', '.join(devices)}")
    print("| camera | picture | kind | PCE | prnu_missing | area flagged % (heat ≥ 0.5) | IoU with pasted square |")
    print("|---|---|---|---|---|---|---|")
    fa = n_orig = det = n_forged = 0
    ious: list[float] = []
    for device, sets in devices.items():
        fp = _fingerprint(device, sets["flatfield"], args.cache)
        donors = [p for d, s in devices.items() if d != device for p in s["natural"]]
        for i, pic in enumerate(sets["natural"]):
            ev, pce, missing, flagged = _run(pic, fp, pic.name)
            n_orig += 1
            fa += missing is not None
            area = f"{flagged.mean() * 100:.2f}"
            print(f"| {device} | {pic.name} | untouched | {pce:.0f} | {'yes' if missing else 'no'} | {area} | – |")
            host = np.asarray(Image.open(pic).convert("RGB"))
            donor_path = next((d for d in donors[i:] + donors[:i]
                               if Image.open(d).size == (host.shape[1], host.shape[0])), None)
            if donor_path is None:
                continue
            donor = np.asarray(Image.open(donor_path).convert("RGB"))
            data, mask = _pasted(host, donor, args.side)
            _, pce2, missing2, flagged2 = _run(data, fp, f"pasted_{pic.stem}.jpg")
            n_forged += 1
            det += missing2 is not None
            union = (flagged2 | mask).sum()
            iou = float((flagged2 & mask).sum() / union) if union else 0.0
            ious.append(iou)
            area2 = flagged2.mean() * 100
            print(f"| {device} | {pic.name} + {donor_path.name} | pasted {args.side}² "
                  f"({mask.mean() * 100:.1f}%) | {pce2:.0f} | {'yes' if missing2 else 'no'} | {area2:.2f} | {iou:.2f} |")
    print(f"\nfalse alarms (prnu_missing on untouched): {fa}/{n_orig}")
    print(f"detections (prnu_missing on pasted): {det}/{n_forged}; "
          f"IoU median {np.median(ious) if ious else float('nan'):.2f}, min {min(ious, default=float('nan')):.2f}")


if __name__ == "__main__":
    main()
