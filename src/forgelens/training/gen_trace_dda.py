"""gen_trace with Dual Data Alignment (DDA) on the multi-generator set's real photos (issue 18, candidate GD).

Study recipe, not the shipped one (which is ``training/gen_trace.py`` unchanged). It follows Chen et al.,
"Dual Data Alignment Makes AI-Generated Image Detector Easier Generalizable" (NeurIPS 2025,
arXiv 2505.14359): the generated side of the training data is *aligned reconstructions of real photos*
rather than generator outputs, aligned in two domains, plus a pixel mixup at training time:

1. *pixel alignment* (Rajan et al., ICLR 2025, the recipe ``gen_pairs.make_pairs`` already uses): for every
   training-split real picture from outside ``../shared`` of a multi-generator set
   (``forgelens.training.generation_data``), ``PAIRS_PER_PICTURE`` pairs by ``gen_pairs.downscaled_pair``
   (area downscale, 128 px textured crop, TAEF2 round trip);
2. *frequency alignment* (DDA's JPEG step): for each of those pictures whose raw file is a JPEG, one
   native-resolution pair: a 128 px textured crop at an offset that is a multiple of 8 (so it keeps the
   camera / publisher JPEG grid in phase) and its TAEF2 reconstruction JPEG-compressed at the raw file's
   own quality (the IJG quality of its luminance table, ``jpeg.estimate_jpeg_quality``) and chroma
   subsampling: both sides carry the same grid and the same high-frequency loss, so "JPEG grid present" or
   "more fine detail" cannot tell them apart;
3. *pixel mixup* of the positive side at training time (``gen_trace.fit_cnn(mix_pixel=R)``):
   x = r·real + (1 − r)·reconstruction, r ~ U(0, R).

Both pair kinds join the shipped pairs (``pairs``); the shipped native real crops and SD crops are kept;
training, calibration and threshold are ``gen_trace.train_trace`` / ``set_threshold`` as shipped.
Pictures are processed in sha1(record id) order, each with its own seeded generator, so a shard or a
prefix of the list gives the same pairs as the whole run. Out of fold: ``crops --without j`` keeps the
DDA pairs of the pictures of every ``gen_trace_oof.Folds`` fold but ``j``.

    python -m forgelens.training.gen_trace_dda shipped --out shipped.npz
    python -m forgelens.training.gen_trace_dda pairs --gen-data DIR --shard 0 --shards 2 --out dda0.npz
    python -m forgelens.training.gen_trace_dda train --cache shipped.npz --dda dda0.npz dda1.npz \\
        --gen-data DIR [--without J] [--drop FLAGGED_IDS] [--mix-pixel R] --out OUTDIR
    (``crops`` writes the same training crops to a file instead of training.)
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, JpegImagePlugin

from forgelens.training import gen_data, gen_pairs

PAIRS_PER_PICTURE = 2  # pixel-aligned (downscaled) pairs per real picture
GRID = 8  # JPEG block: native crops start at multiples of it


def _key(rec_id: str) -> int:
    return int(hashlib.sha1(rec_id.encode()).hexdigest()[:8], 16)


def dda_records(gen_data_dir: Path) -> list:
    """Training-split real pictures from outside ``../shared`` (kept, with a raw file), in sha1(id) order."""
    from forgelens.training.generation_data import load_manifest

    recs = [r for r in load_manifest(gen_data_dir) if r.label == "authentic" and not r.dropped
            and r.split == "train" and "shared" not in r.repo and r.raw]
    return sorted(recs, key=lambda r: (hashlib.sha1(r.id.encode()).hexdigest(), r.id))


def jpeg_settings(data: bytes) -> tuple[int, int] | None:
    """(IJG quality of the luminance table, Pillow subsampling code 0/1/2) of a JPEG file; None otherwise."""
    from forgelens.jpeg import estimate_jpeg_quality

    with Image.open(io.BytesIO(data)) as im:
        if im.format != "JPEG" or not getattr(im, "quantization", None):
            return None
        q, _ = estimate_jpeg_quality(np.asarray(im.quantization[0], np.float64).reshape(8, 8))
        sub = JpegImagePlugin.get_sampling(im)
    return int(q), (sub if sub in (0, 1, 2) else 2)


def grid_crop(rgb: np.ndarray, rng: np.random.Generator, size: int = gen_pairs.PAIR,
              tries: int = 6) -> np.ndarray | None:
    """A textured ``size`` px crop whose top-left corner is on the 8×8 JPEG grid (None if none found)."""
    h, w = rgb.shape[:2]
    if h < size or w < size:
        return None
    for _ in range(tries):
        y0 = GRID * int(rng.integers(0, (h - size) // GRID + 1))
        x0 = GRID * int(rng.integers(0, (w - size) // GRID + 1))
        c = rgb[y0:y0 + size, x0:x0 + size]
        if gen_pairs.level(c) >= gen_pairs.MIN_LEVEL:
            return np.ascontiguousarray(c)
    return None


def frequency_pair(rgb: np.ndarray, quality: int, subsampling: int, rng: np.random.Generator,
                   launder: Callable[[np.ndarray], np.ndarray]) -> np.ndarray | None:
    """DDA's frequency alignment: (native grid-aligned crop, its reconstruction JPEG'd at ``quality``)."""
    from forgelens.jpeg import recompress

    c = grid_crop(rgb, rng)
    if c is None:
        return None
    return np.stack([c, recompress(launder(c), quality, subsampling)])


def picture_pairs(rec, launder: Callable[[np.ndarray], np.ndarray], seed: int = 0) -> dict:
    """The DDA pairs of one picture: ``pixel`` (≤ 2), ``freq`` (≤ 1, JPEG raws only) and its JPEG quality."""
    rng = np.random.default_rng([seed, _key(rec.id)])
    data = Path(rec.raw).read_bytes()
    js = jpeg_settings(data)
    with Image.open(io.BytesIO(data)) as im:
        a = np.asarray(im.convert("RGB"))
    pixel, freq = [], []
    if min(a.shape[:2]) >= gen_pairs.PAIR + 8:
        for _ in range(PAIRS_PER_PICTURE):
            p = gen_pairs.downscaled_pair(a, js is not None, rng, launder)
            if p is not None:
                pixel.append(p)
        if js is not None:
            p = frequency_pair(a, js[0], js[1], rng, launder)
            if p is not None:
                freq.append(p)
    return {"pixel": pixel, "freq": freq, "quality": js[0] if js else -1}


def build_pairs(records: Sequence, seed: int = 0, launder: Callable[[np.ndarray], np.ndarray] | None = None,
                log: Callable[[str], None] = print) -> dict[str, np.ndarray]:
    """Every picture's pairs, stacked, with the record id of each pair (``pixel_ids``, ``freq_ids``)."""
    if launder is None:
        import torch

        from forgelens.training import taef2

        torch.set_num_threads(1)
        launder = taef2.launder
    pix, pix_ids, frq, frq_ids, qual = [], [], [], [], []
    t0 = time.perf_counter()
    for k, rec in enumerate(records):
        try:
            r = picture_pairs(rec, launder, seed)
        except (OSError, ValueError) as e:  # one unreadable raw file: skipped, named
            log(f"skipped {rec.id} ({rec.raw}): {e}")
            continue
        pix += r["pixel"]
        pix_ids += [rec.id] * len(r["pixel"])
        frq += r["freq"]
        frq_ids += [rec.id] * len(r["freq"])
        qual.append((rec.id, r["quality"]))
        if (k + 1) % 50 == 0 or k + 1 == len(records):
            dt = time.perf_counter() - t0
            log(f"pictures {k + 1}/{len(records)}: {len(pix)} pixel + {len(frq)} frequency pairs "
                f"({dt:.0f} s; projected {dt / (k + 1) * len(records):.0f} s)")
    z2 = np.zeros((0, 2, gen_pairs.PAIR, gen_pairs.PAIR, 3), np.uint8)
    return {"pixel": np.stack(pix) if pix else z2, "pixel_ids": np.array(pix_ids, dtype="U64"),
            "freq": np.stack(frq) if frq else z2, "freq_ids": np.array(frq_ids, dtype="U64"),
            "quality_ids": np.array([i for i, _ in qual], dtype="U64"),
            "quality": np.array([q for _, q in qual], np.int16)}


def shipped_pairs(data_dir: Path | None = None, seed: int = 0, n_pairs: int = 2400,
                  log: Callable[[str], None] = print) -> dict[str, np.ndarray]:
    """The shipped recipe's crops, exactly as ``gen_trace.train_trace`` makes them (aligned, no native pairs)."""
    real, gen = gen_pairs.training_items(gen_data.list_items(data_dir))
    return gen_pairs.make_pairs(real, gen, n_pairs=n_pairs, n_native=max(2 * n_pairs // 3, 8),
                                n_gen=max(2 * n_pairs // 3, 8), n_native_pairs=0, seed=seed, log=log)


def combine(shipped: dict[str, np.ndarray], dda: Sequence[dict[str, np.ndarray]], keep: Callable[[str], bool]
            ) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """A training cache: the shipped crops with the DDA pairs of the record ids ``keep`` accepts added to
    ``pairs`` (pixel pairs, then frequency pairs)."""
    extra, counts = [], {"pixel": 0, "freq": 0}
    for kind in ("pixel", "freq"):
        for d in dda:
            m = np.array([keep(str(i)) for i in d[f"{kind}_ids"]], bool)
            if m.any():
                extra.append(d[kind][m])
                counts[kind] += int(m.sum())
    out = {k: v for k, v in shipped.items()}
    out["pairs"] = np.concatenate([shipped["pairs"], *extra]) if extra else shipped["pairs"]
    counts["shipped"] = int(len(shipped["pairs"]))
    return out, counts


def _combined(a) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """The shipped crops of ``a.cache`` + the DDA pairs of ``a.dda`` kept by ``--without`` / ``--drop``."""
    drop = set(a.drop.read_text().split()) if a.drop else set()
    folds = by_id = None
    if a.without is not None:
        from forgelens.training.gen_trace_oof import Folds
        from forgelens.training.generation_data import load_manifest

        if a.gen_data is None:
            raise SystemExit("--without needs --gen-data (the folds are the manifest's)")
        records = load_manifest(a.gen_data)
        by_id = {r.id: r for r in records}
        folds = Folds(records, a.k)

    def keep(i: str) -> bool:
        return i not in drop and (folds is None or folds.fold(by_id[i]) != a.without)

    out, counts = combine(_load(a.cache), [_load(f) for f in a.dda], keep)
    print(f"crops: {counts} (without fold {a.without}; {len(drop)} ids dropped); "
          + ", ".join(f"{k} {len(v)}" for k, v in out.items()), flush=True)
    return out, counts


def _load(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("shipped", help="the shipped recipe's crop cache (make_pairs as train_trace calls it)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--data", type=Path, default=None, help="datasets folder (default ../shared/datasets)")
    p.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("pairs", help="DDA pairs of the training-split real pictures (a shard of them)")
    p.add_argument("--gen-data", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--shard", type=int, default=0)
    p.add_argument("--shards", type=int, default=1)
    p.add_argument("--limit", type=int, default=0, help="only the first N pictures in sha1(id) order (0: all)")
    p.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("crops", help="shipped crops + DDA pairs (of every fold but --without) → training cache")
    p.add_argument("--cache", type=Path, required=True)
    p.add_argument("--dda", type=Path, nargs="+", required=True)
    p.add_argument("--gen-data", type=Path, required=True)
    p.add_argument("--without", type=int, default=None)
    p.add_argument("--k", type=int, default=2)
    p.add_argument("--drop", type=Path, default=None, help="file of record ids to leave out (held-out guard)")
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("train", help="gen_trace.train_trace on the shipped crops + DDA pairs (of every fold but --without)")
    p.add_argument("--cache", type=Path, required=True, help="the shipped crops (``shipped``)")
    p.add_argument("--dda", type=Path, nargs="*", default=[], help="DDA pair files (``pairs``)")
    p.add_argument("--gen-data", type=Path, default=None, help="needed with --without")
    p.add_argument("--without", type=int, default=None)
    p.add_argument("--k", type=int, default=2)
    p.add_argument("--drop", type=Path, default=None, help="file of record ids to leave out (held-out guard)")
    p.add_argument("--out", type=Path, required=True, help="folder for gen_trace.safetensors")
    p.add_argument("--mix-pixel", type=float, default=0.0)
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", type=Path, default=None)
    p.add_argument("--note", default="")
    a = ap.parse_args(argv)
    if a.cmd == "shipped":
        d = shipped_pairs(a.data, a.seed)
        np.savez(a.out, **d)
        print(f"{a.out}: " + ", ".join(f"{k} {len(v)}" for k, v in d.items()))
    elif a.cmd == "pairs":
        recs = dda_records(a.gen_data)
        if a.limit:
            recs = recs[:a.limit]
        recs = recs[a.shard::a.shards]
        d = build_pairs(recs, a.seed, log=lambda s: print(s, flush=True))
        np.savez(a.out, **d)
        print(f"{a.out}: {len(recs)} pictures, {len(d['pixel'])} pixel + {len(d['freq'])} frequency pairs")
    elif a.cmd == "crops":
        out, counts = _combined(a)
        np.savez(a.out, **out)
    else:
        import os

        from forgelens.training import gen_trace

        os.environ.setdefault("OMP_NUM_THREADS", "1")
        a.out.mkdir(parents=True, exist_ok=True)
        note = a.note or f"DDA pairs (forgelens.training.gen_trace_dda), pixel mixup R={a.mix_pixel}"
        data, counts = _combined(a)
        note += f"; pairs: {counts['shipped']} shipped + {counts['pixel']} pixel-aligned + {counts['freq']} frequency-aligned"
        if a.without is not None:
            note += f" (DDA pairs of every gen_trace_oof fold but {a.without} of k={a.k})"
        gen_trace.train_trace(gen_data.list_items(a.data), a.out / "gen_trace.safetensors", steps=a.steps,
                              seed=a.seed, data=data, mix_pixel=a.mix_pixel, recipe_note=note,
                              log=lambda s: print(s, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
