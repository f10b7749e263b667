"""Reference comparison and archive search, measured on pairs with exact ground truth.

Originals: camera and web photos from ../shared/datasets (pristine-extra and the cameras/prnu
natural shots), shrunk to a longest side of 1024 px (this is the archived copy).
Each original gets one edit from forgelens synth's manipulations (splice, copy-move, inpainting
removal, local processing) or a caption text change, then a re-share chain: crop to 30-100 % of
the area, scale 0.3-2x, a quarter turn or a mirror (p 0.25 each), a small rotation (p 0.15),
a colour grade (gamma, per-channel gains, saturation, offset), JPEG 50-95 and, with p 0.5, a
second "social network" pass (longest side <= 1080, JPEG 70-85). The same chain without the
edit gives the processing-only pair. The exact mapping original → suspect is tracked, so the
alignment error and the pixel masks are exact.

Retrieval: the originals are indexed among distractors to 1,000 and then (incrementally)
10,000 pictures. Distractors are the other shared pictures (nist16, CASIA, toolkit, aigen-playground,
cameras/exif-samples, unused pristine photos) and cheap variants of them (random crops of 30-90 %,
mirrors, colour shifts, rescales): none shows an original's scene.

Run:  OMP_NUM_THREADS=1 nice -n 10 python benchmarks/accuracy/compare_accuracy.py --pairs 80 --blind 8
Prints Markdown tables; writes --out JSON with every per-pair row.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps
from sklearn.metrics import roc_auc_score

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))
DATA = REPO.parent / "shared" / "datasets"
SIDE = 1024


def read_rgb(path: Path, side: int = SIDE) -> np.ndarray:
    with Image.open(path) as im:
        im.draft("RGB", (side, side))
        rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    f = min(1.0, side / max(rgb.shape[:2]))
    if f < 1:
        rgb = cv2.resize(rgb, (round(rgb.shape[1] * f), round(rgb.shape[0] * f)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgb)


def listing(name: str, where=lambda row: True) -> list[Path]:
    import csv

    with open(DATA / name / "index.csv") as f:
        return [DATA / name / r["image"] for r in csv.DictReader(f) if where(r)]


def originals_pool_donors(n: int, seed: int) -> tuple[list[Path], list[Path], list[Path]]:
    """Originals (pristine-extra and the Dresden natural shots), distractor pool, splice donors.

    cameras/exif-samples is only a distractor: it holds several files of one scene (orientation
    variants, HDR on/off, an edited import) that would count as correct hits. Splice donors
    (gan-examples, aigen-sd12) are kept out of the archive, so that a hit on a donor is not
    confused with a miss of the original.
    """
    cands = listing("pristine-extra") + listing("cameras", lambda r: "prnu/nat" in r["image"])
    rng = np.random.default_rng(seed)
    rng.shuffle(cands)
    orig, pool = cands[:n], cands[n:] + listing("cameras", lambda r: "exif-samples" in r["image"])
    for name in ("nist16", "casia1-samples", "casia2-samples", "toolkit-samples", "aigen-playground"):
        pool += listing(name)
    donors = listing("gan-examples") + listing("aigen-sd12")
    return orig, pool, donors


# ---- edits ---------------------------------------------------------------------------------------

def text_edit(img: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(reference with a caption, suspect with another caption, the pixels that differ)."""
    h, w = img.shape[:2]
    scale = max(0.6, w / 700)
    org = (int(rng.uniform(0.05, 0.4) * w), int(rng.uniform(0.2, 0.9) * h))
    colour = tuple(int(c) for c in rng.choice([[250, 250, 250], [20, 20, 20], [240, 220, 40]]))
    ref, sus = img.copy(), img.copy()
    cv2.putText(ref, f"{rng.integers(1, 28)} MAY {rng.integers(1990, 2020)}", org, cv2.FONT_HERSHEY_SIMPLEX, scale,
                colour, max(2, round(2 * scale)), cv2.LINE_AA)
    cv2.putText(sus, f"{rng.integers(1, 28)} JUN {rng.integers(2020, 2026)}", org, cv2.FONT_HERSHEY_SIMPLEX, scale,
                colour, max(2, round(2 * scale)), cv2.LINE_AA)
    return ref, sus, np.abs(ref.astype(int) - sus.astype(int)).max(axis=2) > 8


def make_edit(kind: str, img: np.ndarray, donor: np.ndarray, rng):
    from forgelens.synth import manipulations as mp

    if kind == "text":
        return text_edit(img, rng)
    if kind == "splice":
        e = mp.splice(img, donor, rng)
    elif kind == "copy_move":
        e = mp.copy_move(img, rng)
    elif kind == "removal":
        e = mp.remove_inpaint(img, rng)
    else:
        e = mp.local_process(img, rng)
    # the ground truth is what the edit wrote *and* changed (an inpainted hole in a flat sky that
    # equals the sky, or a blur of a flat patch, changes nothing any method could see)
    return img, e.pixels, e.mask & (np.abs(e.pixels.astype(int) - img.astype(int)).max(axis=2) > 8)


# ---- re-share chain with exact geometry ----------------------------------------------------------

def reshare(img: np.ndarray, mask: np.ndarray, chain: dict):
    """Apply the chain to pixels and mask; return JPEG bytes, mask, and M (original → suspect, 3x3)."""
    M = np.eye(3)
    h, w = img.shape[:2]
    y0, x0, ch, cw = chain["crop"]
    img, mask = img[y0:y0 + ch, x0:x0 + cw], mask[y0:y0 + ch, x0:x0 + cw]
    M = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1.0]]) @ M
    k = chain["rot90"]
    for _ in range(k):  # np.rot90: (x, y) → (y, W - 1 - x)
        W = img.shape[1]
        img, mask = np.rot90(img), np.rot90(mask)
        M = np.array([[0, 1, 0], [-1, 0, W - 1], [0, 0, 1.0]]) @ M
    if chain["mirror"]:
        W = img.shape[1]
        img, mask = img[:, ::-1], mask[:, ::-1]
        M = np.array([[-1, 0, W - 1], [0, 1, 0], [0, 0, 1.0]]) @ M
    img, mask = np.ascontiguousarray(img), np.ascontiguousarray(mask)
    if chain["angle"]:
        hh, ww = img.shape[:2]
        R = cv2.getRotationMatrix2D((ww / 2, hh / 2), chain["angle"], 1.0)
        img = cv2.warpAffine(img, R, (ww, hh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        mask = cv2.warpAffine(mask.astype(np.uint8), R, (ww, hh), flags=cv2.INTER_NEAREST) > 0
        M = np.vstack([R, [0, 0, 1]]) @ M
        a = np.radians(abs(chain["angle"]))  # keep the inner part that the rotation leaves whole
        m = int(np.ceil(max(hh, ww) * np.sin(a))) + 2
        img, mask = img[m:hh - m, m:ww - m], mask[m:hh - m, m:ww - m]
        M = np.array([[1, 0, -m], [0, 1, -m], [0, 0, 1.0]]) @ M
    s = chain["scale"]
    size = (max(64, round(img.shape[1] * s)), max(64, round(img.shape[0] * s)))
    sx, sy = size[0] / img.shape[1], size[1] / img.shape[0]
    img = cv2.resize(img, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
    mask = cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    M = np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1.0]]) @ M
    g = chain["grade"]
    f = img.astype(np.float32) / 255.0
    f = f ** g["gamma"] * np.array(g["gains"], np.float32)
    grey = f.mean(axis=2, keepdims=True)
    f = grey + (f - grey) * g["saturation"] + g["offset"] / 255.0
    img = np.clip(f * 255, 0, 255).astype(np.uint8)
    data = _jpeg(img, chain["quality"])
    if chain["reshare"]:
        img = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        f2 = min(1.0, 1080 / max(img.shape[:2]))
        if f2 < 1:
            size = (round(img.shape[1] * f2), round(img.shape[0] * f2))
            sx, sy = size[0] / img.shape[1], size[1] / img.shape[0]
            img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
            mask = cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
            M = np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1.0]]) @ M
        data = _jpeg(img, chain["reshare"])
    return data, mask, M


def _jpeg(img: np.ndarray, q: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=int(q))
    return buf.getvalue()


def sample_chain(rng, shape) -> dict:
    h, w = shape
    area = rng.uniform(0.3, 1.0) if rng.random() < 0.85 else 1.0
    r = rng.uniform(0.85, 1.15)
    fy, fx = min(1.0, np.sqrt(area) * r), min(1.0, np.sqrt(area) / r)
    ch, cw = int(h * fy), int(w * fx)
    y0, x0 = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    scale = float(np.exp(rng.uniform(np.log(0.3), np.log(2.0))))
    scale = max(scale, 128 / min(ch, cw))  # keep the suspect at least 128 px on its short side
    return {"crop": [y0, x0, ch, cw], "crop_area": round(ch * cw / (h * w), 3), "scale": round(scale, 3),
            "rot90": int(rng.integers(1, 4)) if rng.random() < 0.25 else 0, "mirror": bool(rng.random() < 0.25),
            "angle": float(rng.choice([-1, 1]) * rng.uniform(1, 5)) if rng.random() < 0.15 else 0.0,
            "grade": {"gamma": float(rng.uniform(0.75, 1.35)), "gains": rng.uniform(0.9, 1.1, 3).tolist(),
                      "saturation": float(rng.uniform(0.75, 1.3)), "offset": float(rng.uniform(-10, 10))},
            "quality": int(rng.integers(50, 96)), "reshare": int(rng.integers(70, 86)) if rng.random() < 0.5 else 0}


def alignment_error(result, M: np.ndarray, sus_shape) -> float:
    """Median distance (reference pixels) between estimated and true pre-images of a grid of suspect points."""
    H = np.array(result.alignment["homography"])
    h, w = sus_shape
    ys, xs = np.mgrid[0.1 * h:0.9 * h:9j, 0.1 * w:0.9 * w:9j]
    p = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
    a, b = np.linalg.inv(H) @ p, np.linalg.inv(M) @ p
    return float(np.median(np.hypot(*(a[:2] / a[2] - b[:2] / b[2]))))


def f1(pred: np.ndarray, gt: np.ndarray) -> float:
    tp = float((pred & gt).sum())
    return 2 * tp / max(float(pred.sum() + gt.sum()), 1.0)


# ---- experiments -----------------------------------------------------------------------------------

def run_pairs(orig: list[Path], donors: list[Path], seed: int, blind: int):
    from forgelens.bench import metrics  # the one centre prior of every benchmark
    from forgelens.compare.core import compare
    from forgelens.compare.difference import ABS_FLOOR

    rng = np.random.default_rng(seed)
    kinds = ["splice", "copy_move", "removal", "local", "text"]
    rows, queries = [], []
    blind_left = blind
    for i, p in enumerate(orig):
        img = read_rgb(p)
        donor = read_rgb(donors[int(rng.integers(len(donors)))])
        kind = kinds[i % len(kinds)]
        ref, edited, gt = make_edit(kind, img, donor, rng)
        chain = sample_chain(rng, img.shape[:2])
        ref_png = cv2.imencode(".png", cv2.cvtColor(ref, cv2.COLOR_RGB2BGR))[1].tobytes()
        for pair in ("edited", "processing_only"):
            src = edited if pair == "edited" else ref
            m = gt if pair == "edited" else np.zeros(gt.shape, bool)
            data, mask_s, M = reshare(src, m, chain)
            queries.append({"orig": i, "pair": pair, "bytes": data, "crop_area": chain["crop_area"],
                            "mirror": chain["mirror"], "rot90": chain["rot90"]})
            t = time.perf_counter()
            r = compare(data, ref_png)
            sec = time.perf_counter() - t
            row = {"orig": str(p.relative_to(DATA)), "pair": pair, "kind": kind, **{k: chain[k] for k in (
                "crop_area", "scale", "rot90", "mirror", "angle", "quality", "reshare")},
                "suspect_shape": list(mask_s.shape), "seconds": round(sec, 3), "same_scene": r.same_scene,
                "regions": len(r.regions), "kinds_found": sorted({x["kind"] for x in r.regions}),
                "changed_fraction": r.changed_fraction, "gt_fraction": float(mask_s.mean())}
            if r.same_scene:
                row["align_error_px"] = round(alignment_error(r, M, mask_s.shape), 3)
                valid = ~r.no_counterpart
                heat, pred = r.heatmap, r.mask
                row["false_pixel_fraction"] = float((pred & ~mask_s)[valid].mean())
                if pair == "edited" and mask_s[valid].any() and not mask_s[valid].all():
                    g = mask_s[valid]
                    row["auc"] = float(roc_auc_score(g, heat[valid]))
                    row["f1"] = f1(pred[valid], g)
                    # baselines on the same pixels: the centre prior, and the plain difference of the
                    # aligned pictures (no photometric fit, no low-pass, no shift tolerance)
                    naive = np.sqrt(((cv2.resize(r.suspect_work, heat.shape[::-1]).astype(np.float32)
                                      - cv2.resize(r.reference_work, heat.shape[::-1]).astype(np.float32)) ** 2)
                                    .sum(axis=2))
                    row["auc_centre_prior"] = float(roc_auc_score(g, metrics.centre_prior(heat.shape)[valid]))
                    row["auc_plain_difference"] = float(roc_auc_score(g, naive[valid]))
                    row["f1_plain_difference"] = f1((naive > ABS_FLOOR)[valid], g)
                    if blind_left > 0:
                        import forgelens

                        t = time.perf_counter()
                        rep = forgelens.analyze(data)
                        row["blind_seconds"] = round(time.perf_counter() - t, 2)
                        bh = cv2.resize(rep.verdict.heatmap, heat.shape[::-1])
                        row["blind_auc"] = float(roc_auc_score(g, bh[valid]))
                        row["blind_f1"] = f1((cv2.resize(rep.verdict.mask.astype(np.uint8), heat.shape[::-1]) > 0)[valid], g)
                        blind_left -= 1
                elif pair == "processing_only":
                    naive = np.sqrt(((r.suspect_work.astype(np.float32) - r.reference_work.astype(np.float32)) ** 2)
                                    .sum(axis=2))
                    row["plain_difference_false_change"] = bool(
                        ((naive > ABS_FLOOR) & r.valid_work).mean() > 0.001)
            rows.append(row)
        print(f"  pair {i + 1}/{len(orig)} {kind}: {rows[-2].get('auc', '-')} / proc regions {rows[-1]['regions']}",
              file=sys.stderr, flush=True)
    return rows, queries


def distractor_signatures(pool: list[Path], n: int, seed: int):
    """n distractor signatures: every pool picture, then random crops / mirrors / colour shifts / rescales of them."""
    from forgelens.compare.archive import signature

    rng = np.random.default_rng(seed)
    made = 0
    cache: dict[int, np.ndarray] = {}
    while made < n:
        j = made % len(pool)
        if j not in cache:
            try:
                cache[j] = read_rgb(pool[j], 768)
            except Exception:
                cache[j] = None
        img = cache[j]
        if img is None:
            made += 1
            continue
        if made >= len(pool):  # a variant
            h, w = img.shape[:2]
            a = rng.uniform(0.3, 0.9)
            ch, cw = min(h, max(32, int(h * np.sqrt(a)))), min(w, max(32, int(w * np.sqrt(a))))
            y0, x0 = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
            img = img[y0:y0 + ch, x0:x0 + cw]
            if rng.random() < 0.5:
                img = img[:, ::-1]
            img = np.clip(img.astype(np.float32) * rng.uniform(0.8, 1.2, 3) + rng.uniform(-15, 15), 0, 255)
            f = rng.uniform(0.5, 1.0)
            img = cv2.resize(img.astype(np.uint8), None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        yield f"distractor/{made:05d}/{pool[j].name}", signature(np.ascontiguousarray(img)), 0, 0.0
        made += 1


def retrieval(orig: list[Path], pool: list[Path], queries: list[dict], sizes: list[int], seed: int):
    from forgelens.compare.archive import Archive, phash64, signature, thumbnail

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "archive.db"
        a = Archive(db, create=True)
        t = time.perf_counter()
        keys = {}
        items = []
        for i, p in enumerate(orig):
            keys[f"original/{i}"] = i
            items.append((f"original/{i}", signature(read_rgb(p)), 0, 0.0))
        a.add_many(items)
        gen = distractor_signatures(pool, sizes[-1] - len(orig), seed)
        have = len(orig)
        build = time.perf_counter() - t
        for size in sizes:
            t = time.perf_counter()
            a.add_many((next(gen) for _ in range(size - have)), batch=500)
            build += time.perf_counter() - t
            have = size
            a.close()
            a = Archive(db)  # a fresh process would start here: the first query loads the vector index
            times, res = [], []
            for qi, q in enumerate(queries):
                t = time.perf_counter()
                hits = a.search(q["bytes"], top=5)
                times.append(time.perf_counter() - t)
                ranks = [h["path"] for h in hits]
                target = f"original/{q['orig']}"
                rank = ranks.index(target) + 1 if target in ranks else None
                # trivial baseline: nearest pHash (exact Hamming ranking over the archive)
                ids, ph = a._hashes()
                qh = phash64(thumbnail(q["bytes"])[0])
                from forgelens.compare.archive import _hamming64

                d = _hamming64(ph, qh)
                tid = a.db.execute("SELECT id FROM images WHERE path=?", (target,)).fetchone()[0]
                ph_rank = int((d < d[ids == tid][0]).sum()) + 1
                res.append({"size": size, "query": qi, "pair": q["pair"], "crop_area": q["crop_area"],
                            "mirror": q["mirror"], "rot90": q["rot90"], "rank": rank, "phash_rank": ph_rank,
                            "top_same_scene": bool(hits and hits[0]["same_scene"]),
                            "seconds": times[-1]})
            mb = db.stat().st_size / 2**20
            out.append({"size": size, "build_seconds_cumulative": round(build, 1), "db_mib": round(mb, 1),
                        "first_query_seconds": round(times[0], 3),
                        "median_query_seconds": round(float(np.median(times[1:])), 3),
                        "p95_query_seconds": round(float(np.percentile(times[1:], 95)), 3), "rows": res})
            print(f"  archive {size}: build {build:.0f}s, db {mb:.0f} MiB, query median {np.median(times[1:]):.3f}s",
                  file=sys.stderr, flush=True)
        a.close()
    return out


def tables(rows, retr) -> str:
    lines = []
    ed = [r for r in rows if r["pair"] == "edited"]
    po = [r for r in rows if r["pair"] == "processing_only"]

    def mean(xs):
        xs = [x for x in xs if x is not None]
        return f"{np.mean(xs):.3f}" if xs else "–"

    lines += ["### Alignment (original → re-shared copy)", "",
              "| pairs | aligned (same scene, median error ≤ 3 px) | same scene found | median error px | seconds/pair |",
              "|---|---|---|---|---|"]
    ok = [r for r in rows if r["same_scene"] and r.get("align_error_px", 99) <= 3]
    lines.append(f"| {len(rows)} | {len(ok)} ({100 * len(ok) / len(rows):.1f} %) | "
                 f"{sum(r['same_scene'] for r in rows)} | "
                 f"{np.median([r['align_error_px'] for r in rows if 'align_error_px' in r]):.2f} | "
                 f"{np.median([r['seconds'] for r in rows]):.2f} |")
    for lo, hi in ((0.3, 0.5), (0.5, 0.8), (0.8, 1.01)):
        sub = [r for r in rows if lo <= r["crop_area"] < hi]
        if sub:
            k = sum(r["same_scene"] and r.get("align_error_px", 99) <= 3 for r in sub)
            lines.append(f"| crop {lo:.0%}–{min(hi, 1):.0%}: {len(sub)} | {k} ({100 * k / len(sub):.0f} %) | | | |")
    lines += ["", "### Difference map vs the edit masks (edited pairs that aligned; pixels with a counterpart)", "",
              "| edit | pairs | AUC | F1 (mask) | plain-difference AUC | plain-difference F1 | centre-prior AUC |",
              "|---|---|---|---|---|---|---|"]
    for kind in ["all", "splice", "copy_move", "removal", "local", "text"]:
        sub = [r for r in ed if "auc" in r and (kind == "all" or r["kind"] == kind)]
        if sub:
            lines.append(f"| {kind} | {len(sub)} | {mean([r['auc'] for r in sub])} | {mean([r['f1'] for r in sub])} | "
                         f"{mean([r['auc_plain_difference'] for r in sub])} | "
                         f"{mean([r['f1_plain_difference'] for r in sub])} | "
                         f"{mean([r['auc_centre_prior'] for r in sub])} |")
    det = [r for r in ed if r["same_scene"]]
    lines += ["", f"Edited pairs with at least one changed region reported: {sum(r['regions'] > 0 for r in det)} of "
              f"{len(det)} aligned.", "", "Region kinds reported, per edit (aligned edited pairs):", "",
              "| edit | pairs | with a region | kinds reported (pairs) |", "|---|---|---|---|"]
    for kind in ["splice", "copy_move", "removal", "local", "text"]:
        sub = [r for r in det if r["kind"] == kind]
        counts: dict[str, int] = {}
        for r in sub:
            for k in r["kinds_found"]:
                counts[k] = counts.get(k, 0) + 1
        lines.append(f"| {kind} | {len(sub)} | {sum(r['regions'] > 0 for r in sub)} | "
                     + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) + " |")
    lines += ["",
              "### False changes on processing-only pairs (same chain, no edit)", "",
              "| pairs aligned | any region reported | mean false-pixel fraction | plain difference > floor on ≥ 0.1 % |",
              "|---|---|---|---|"]
    pa = [r for r in po if r["same_scene"]]
    lines.append(f"| {len(pa)} of {len(po)} | {sum(r['regions'] > 0 for r in pa)} "
                 f"({100 * sum(r['regions'] > 0 for r in pa) / max(len(pa), 1):.1f} %) | "
                 f"{mean([r['false_pixel_fraction'] for r in pa])} | "
                 f"{sum(bool(r.get('plain_difference_false_change')) for r in pa)} |")
    bl = [r for r in ed if "blind_auc" in r]
    if bl:
        lines += ["", "### Blind fused map (forgelens.analyze, default detectors) on the same suspects", "",
                  "| pairs | blind AUC | blind F1 | difference-map AUC | difference-map F1 | blind seconds |",
                  "|---|---|---|---|---|---|",
                  f"| {len(bl)} | {mean([r['blind_auc'] for r in bl])} | {mean([r['blind_f1'] for r in bl])} | "
                  f"{mean([r['auc'] for r in bl])} | {mean([r['f1'] for r in bl])} | "
                  f"{mean([r['blind_seconds'] for r in bl])} |"]
    lines += ["", "### Retrieval (queries: the re-shared copies, edited and processing-only)", "",
              "| archive | queries | crop ≥ 50 %: R@1 | R@5 | pHash-only R@1 | crop < 50 %: R@1 | R@5 | pHash-only R@1 "
              "| top hit wrongly 'same scene' |", "|---|---|---|---|---|---|---|---|---|"]
    for block in retr:
        rs = block["rows"]
        big = [r for r in rs if r["crop_area"] >= 0.5]
        small = [r for r in rs if r["crop_area"] < 0.5]

        def rec(sub, k, key="rank"):
            return f"{np.mean([r[key] is not None and r[key] <= k for r in sub]):.3f} ({len(sub)})" if sub else "–"
        wrong = sum(r["top_same_scene"] and r["rank"] != 1 for r in rs)
        lines.append(f"| {block['size']} | {len(rs)} | {rec(big, 1)} | {rec(big, 5)} | {rec(big, 1, 'phash_rank')} | "
                     f"{rec(small, 1)} | {rec(small, 5)} | {rec(small, 1, 'phash_rank')} | {wrong} |")
    lines += ["", "| archive | build seconds (cumulative) | file MiB | first query s | median query s | p95 query s |",
              "|---|---|---|---|---|---|"]
    for b in retr:
        lines.append(f"| {b['size']} | {b['build_seconds_cumulative']} | {b['db_mib']} | {b['first_query_seconds']} | "
                     f"{b['median_query_seconds']} | {b['p95_query_seconds']} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=80)
    ap.add_argument("--blind", type=int, default=8, help="edited suspects also run through forgelens.analyze")
    ap.add_argument("--sizes", default="1000,10000", help="archive sizes for retrieval ('' to skip it)")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--out", default="compare-accuracy.json")
    ap.add_argument("--from-json", help="only print the tables of a saved run")
    ap.add_argument("--reuse-pairs", action="store_true", help="reuse the saved pair stage of --out (retrieval only)")
    args = ap.parse_args()
    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text())
        print(tables(saved["pairs"], saved["retrieval"]))
        return
    if not DATA.is_dir():
        sys.exit(f"needs the shared datasets at {DATA}")
    orig, pool, donors = originals_pool_donors(args.pairs, args.seed)
    print(f"originals {len(orig)}, distractor pool {len(pool)}, donors {len(donors)}; load {os.getloadavg()}",
          file=sys.stderr)
    qdir = Path(args.out).with_suffix(".queries")
    if args.reuse_pairs and qdir.is_dir():  # a saved pair stage: only the retrieval is run again
        rows = json.loads(Path(args.out).with_suffix(".pairs.json").read_text())
        queries = json.loads((qdir / "queries.json").read_text())
        for q in queries:
            q["bytes"] = (qdir / q.pop("file")).read_bytes()
    else:
        rows, queries = run_pairs(orig, donors, args.seed, args.blind)
        Path(args.out).with_suffix(".pairs.json").write_text(json.dumps(rows, indent=1))
        qdir.mkdir(parents=True, exist_ok=True)
        for k, q in enumerate(queries):
            (qdir / f"{k:04d}.jpg").write_bytes(q["bytes"])
        (qdir / "queries.json").write_text(json.dumps(
            [{**{a: b for a, b in q.items() if a != "bytes"}, "file": f"{k:04d}.jpg"} for k, q in enumerate(queries)]))
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    retr = retrieval(orig, pool, queries, sizes, args.seed) if sizes else []
    Path(args.out).write_text(json.dumps({"pairs": rows, "retrieval": retr, "args": vars(args),
                                          "loadavg": os.getloadavg()}, indent=1))
    print(tables(rows, retr))


if __name__ == "__main__":
    main()
