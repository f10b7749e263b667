"""jpeg_ghost with and without a JPEG history (issue 14, session 10, helper s10ghost): rules 1 and 2.

``never``: every never-compressed picture of ``../shared/datasets`` (aigen-sd12 PNG, gan-examples PNG,
pristine-extra/kodak24 PNG): how many get at least one ``jpeg_ghost`` finding, and a ghost score >= 0.5.

``paste``: Farid's setting (TIFS 2009, sec. III). 40 authentic camera pictures (the files of pristine-extra +
cameras sorted by path, authentic, not flat-field frames, decodable, short side >= 512; centre crop of up to
1024 x 1024 on the 8x8 grid). For Q1 in {60, 70, 80}: a 256 x 256 region (seeded position on the 8x8 grid) of
the crop saved at Q1 is pasted into the crop, and the composite saved at Q2 = 90 as JPEG, and that JPEG's
pixels as PNG ("JPEG then PNG"). Controls: the crop saved q90 (JPEG, and as PNG) with no paste. Per format and
Q1: mean pixel AUC of the ghost heatmap on the pasted region, pictures whose ghost finding overlaps the region,
and (controls) pictures with any ghost finding. Beside them the centre-prior AUC (a trivial baseline).
Information only: the same paste into the 24 never-compressed kodak24 PNGs, saved as PNG (a JPEG region in a
picture with no JPEG history).

Each configuration is a set of ``jpeg_ghost`` options (``--config NAME:opt=v,opt=v``; ``NAME:`` = defaults). Since
commit 5d71edc the default is candidate H (``history_test`` on): main's behaviour is ``history_test=false``; candidate
M's option ``require_minimum`` exists only at commit a7968b8, where the commands below were run.
The difference curves d(x, y, q) depend only on the pixels, sweep and subsampling, so they are computed once
per picture and shared by the configurations (the options compared change only what follows).

    PYTHONPATH=src python benchmarks/studies/ghost_history.py never --config main: \\
        --config M:require_minimum=true --config H:history_test=true
    PYTHONPATH=src python benchmarks/studies/ghost_history.py paste --config main: ... [--limit 40]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from pathlib import Path

import numpy as np
from PIL import Image

from forgelens.jpeg import encode_jpeg
from forgelens.synth.jpeg_history import decode, encode_png

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
Q1S = (60, 70, 80)
Q2 = 90
SIDE = 256


def _memo_differences() -> None:
    """Share d(x, y, q) between configurations (same pixels, sweep, window, subsampling → same d)."""
    from forgelens.detectors import jpeg_ghost as mod

    real, cache = mod.ghost_differences, {}

    def cached(rgb, qualities, window=16, subsampling=2):
        k = (hashlib.sha1(np.ascontiguousarray(rgb).tobytes()).hexdigest(), rgb.shape,
             tuple(int(q) for q in qualities), window, subsampling)
        if k not in cache:
            cache.clear()  # one picture at a time: bounded memory
            cache[k] = real(rgb, qualities, window, subsampling)
        return cache[k]

    mod.ghost_differences = cached


def parse_configs(specs: list[str]) -> dict[str, dict[str, str]]:
    out = {}
    for s in specs:
        name, _, opts = s.partition(":")
        out[name] = dict(o.split("=", 1) for o in opts.split(",") if o)
    return out or {"main": {}}


def ghosts(ev, configs):
    from forgelens.detectors import registry

    info = registry.get("jpeg_ghost")
    return {n: registry.run("jpeg_ghost", ev, info.make_config(o), catch=False) for n, o in configs.items()}


def never(configs, data: Path) -> None:
    from forgelens.evidence import load

    sets = {"aigen-sd12": sorted((data / "aigen-sd12").rglob("*.png")),
            "gan-examples (generated)": sorted((data / "gan-examples" / "fake").glob("*.png")),
            "gan-examples (real)": sorted((data / "gan-examples" / "real").glob("*.png")),
            "kodak24": sorted((data / "pristine-extra" / "kodak24").glob("*.png"))}
    tot = {n: [0, 0] for n in configs}
    print("| set | pictures | " + " | ".join(f"{n}: with a finding / score ≥ 0.5" for n in configs) + " |")
    print("|---|---|" + "---|" * len(configs))
    for name, files in sets.items():
        cnt = {n: [0, 0] for n in configs}
        for f in files:
            for n, t in ghosts(load(str(f)), configs).items():
                cnt[n][0] += any(x.kind == "jpeg_ghost" for x in t.findings)
                cnt[n][1] += (t.score or 0.0) >= 0.5
        for n in configs:
            tot[n][0] += cnt[n][0]
            tot[n][1] += cnt[n][1]
        print(f"| {name} | {len(files)} | " + " | ".join(f"{a} / {b}" for a, b in cnt.values()) + " |", flush=True)
    print(f"| all | {sum(map(len, sets.values()))} | " + " | ".join(f"{a} / {b}" for a, b in tot.values()) + " |")


def camera_pictures(data: Path, n: int = 40) -> list[str]:
    rows = []
    for s in ("pristine-extra", "cameras"):
        with open(data / s / "index.csv", newline="") as fh:
            rows += [(f"{s}/{r['image']}", r["label"], r["source"]) for r in csv.DictReader(fh)]
    out = []
    for p, label, src in sorted(rows):
        if label != "authentic" or "flatfield" in src:
            continue
        try:
            with Image.open(data / p) as im:
                im.load()
                w, h = im.size
        except Exception:  # noqa: BLE001 — an undecodable file is simply not a host
            continue
        if min(w, h) >= 512:
            out.append(p)
        if len(out) == n:
            break
    return out


def centre_crop(rgb: np.ndarray, side: int = 1024) -> np.ndarray:
    h, w = rgb.shape[:2]
    ch, cw = min(side, h) // 8 * 8, min(side, w) // 8 * 8
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    return np.ascontiguousarray(rgb[y0:y0 + ch, x0:x0 + cw])


def paste(crop: np.ndarray, q1: int, rng) -> tuple[np.ndarray, np.ndarray]:
    h, w = crop.shape[:2]
    y = int(rng.integers(0, (h - SIDE) // 8 + 1)) * 8
    x = int(rng.integers(0, (w - SIDE) // 8 + 1)) * 8
    low = decode(encode_jpeg(crop, q1))
    comp = crop.copy()
    comp[y:y + SIDE, x:x + SIDE] = low[y:y + SIDE, x:x + SIDE]
    mask = np.zeros((h, w), bool)
    mask[y:y + SIDE, x:x + SIDE] = True
    return comp, mask


def pixel_auc(heat_blocks: np.ndarray, mask: np.ndarray) -> float:
    """AUC of the block heatmap against the block-exact mask (every block is 64 pixels, so the block AUC is the
    pixel AUC over the whole blocks; ties count half)."""
    from scipy.stats import rankdata

    rows, cols = mask.shape[0] // 8, mask.shape[1] // 8
    y = mask[: rows * 8 : 8, : cols * 8 : 8].ravel()
    s = np.asarray(heat_blocks, np.float64)[:rows, :cols].ravel()
    r = rankdata(s)
    npos, nneg = int(y.sum()), int((~y).sum())
    return float((r[y].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def overlaps(t, mask: np.ndarray) -> bool:
    for f in t.findings:
        if f.kind == "jpeg_ghost" and f.region is not None:
            x0, y0, x1, y1 = f.region
            if mask[y0:y1, x0:x1].any():
                return True
    return False


def paste_bench(configs, data: Path, limit: int, out: Path | None) -> None:
    from forgelens.evidence import load

    pics = camera_pictures(data)[:limit]
    rows = []
    for i, p in enumerate(pics):
        crop = centre_crop(np.asarray(Image.open(data / p).convert("RGB")))
        rng = np.random.default_rng(1000 + i)
        for q1 in Q1S:
            comp, mask = paste(crop, q1, rng)
            jb = encode_jpeg(comp, Q2)
            yy, xx = np.mgrid[: mask.shape[0] // 8, : mask.shape[1] // 8]
            centre = -np.hypot(yy - yy.mean(), xx - xx.mean())
            for fmt, by in (("jpeg", jb), ("png", encode_png(decode(jb)))):
                for n, t in ghosts(load(by), configs).items():
                    rows.append({"picture": p, "case": f"Q1={q1}", "format": fmt, "config": n,
                                 "auc": pixel_auc(t.heatmap, mask), "centre_auc": pixel_auc(centre, mask),
                                 "detected": overlaps(t, mask),
                                 "any": any(f.kind == "jpeg_ghost" for f in t.findings)})
        jb = encode_jpeg(crop, Q2)
        for fmt, by in (("jpeg", jb), ("png", encode_png(decode(jb)))):
            for n, t in ghosts(load(by), configs).items():
                rows.append({"picture": p, "case": "control", "format": fmt, "config": n,
                             "any": any(f.kind == "jpeg_ghost" for f in t.findings), "score": t.score})
        print(f"{i + 1}/{len(pics)} {p}", flush=True)
    # information only: a JPEG region pasted into a never-compressed picture (kodak24), saved as PNG
    for i, f in enumerate(sorted((data / "pristine-extra" / "kodak24").glob("*.png"))[:limit]):
        img = np.asarray(Image.open(f).convert("RGB"))
        img = np.ascontiguousarray(img[: img.shape[0] // 8 * 8, : img.shape[1] // 8 * 8])
        rng = np.random.default_rng(5000 + i)
        for q1 in Q1S:
            comp, mask = paste(img, q1, rng)
            for n, t in ghosts(load(encode_png(comp)), configs).items():
                rows.append({"picture": f.name, "case": f"Q1={q1}", "format": "kodak-png", "config": n,
                             "auc": pixel_auc(t.heatmap, mask), "detected": overlaps(t, mask),
                             "any": any(x.kind == "jpeg_ghost" for x in t.findings)})
    if out:
        out.write_text(json.dumps(rows, indent=0, default=float))
    report(rows, configs, len(pics))


def report(rows, configs, npics) -> None:
    print(f"\n{npics} camera crops; Q2 = {Q2}; region {SIDE} px")
    print("| format | case | n | centre-prior AUC | " + " | ".join(f"{n}: AUC / detected" for n in configs) + " |")
    print("|---|---|---|---|" + "---|" * len(configs))
    for fmt in ("jpeg", "png", "kodak-png"):
        for case in [f"Q1={q}" for q in Q1S] + ["all"]:
            sel = [r for r in rows if r["format"] == fmt and (case == "all" and r["case"] != "control"
                                                               or r["case"] == case)]
            if not sel:
                continue
            first = [r for r in sel if r["config"] == next(iter(configs))]
            cen = np.mean([r["centre_auc"] for r in first]) if "centre_auc" in first[0] else float("nan")
            cells = []
            for n in configs:
                s = [r for r in sel if r["config"] == n]
                cells.append(f"{np.mean([r['auc'] for r in s]):.3f} / {sum(r['detected'] for r in s)}")
            print(f"| {fmt} | {case} | {len(first)} | {cen:.3f} | " + " | ".join(cells) + " |")
    for fmt in ("jpeg", "png"):
        sel = [r for r in rows if r["format"] == fmt and r["case"] == "control"]
        cells = [f"{sum(r['any'] for r in sel if r['config'] == n)}" for n in configs]
        print(f"| {fmt} | control (no paste): pictures with a finding | {len(sel) // len(configs)} | – | "
              + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["never", "paste"])
    ap.add_argument("--config", action="append", default=[], help="NAME:opt=v,opt=v (main: = defaults)")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--out", type=Path, help="paste: write the per-case rows (JSON) here")
    a = ap.parse_args()
    _memo_differences()
    configs = parse_configs(a.config)
    if a.what == "never":
        never(configs, a.data)
    else:
        paste_bench(configs, a.data, a.limit, a.out)


if __name__ == "__main__":
    main()
