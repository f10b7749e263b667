"""Training recipe of the generator-trace CNN (``gen_trace``): aligned pairs, paired augmentation, calibration.

Deterministic for a seed (one torch thread, seeded NumPy and torch generators). Steps:

1. split: ``gen_pairs.training_items`` (non-held-out photos, SD 1.x/2.x outputs);
2. data: ``gen_pairs.make_pairs`` — real photos downscaled (area, random factor) then cropped
   128 px and passed through TAEF2 (aligned pairs), plus native-resolution real crops
   (negatives) and native SD crops (positives); cached as ``.npz`` when ``cache`` is given;
3. training: every step takes 16 pairs (both sides, the *same* augmentation chain), 16 native
   real crops and 16 SD crops, each augmented (``gen_pairs.augment_pair``: resize 0.5–1.5,
   crop 64, blur, noise, JPEG/WebP 60–100); binary cross-entropy on every 8×8 cell logit;
   Adam, cosine learning rate;
4. calibration on held-out images only (``gen_pairs.calibration_items``; never a picture of a
   reserved repository): image logit = mean reliable-patch logit; Platt scaling on held-out
   real photos (negatives: D70s unit #1, odd-CRC Sun-Hays, Kodak 13–24) vs held-out SD images
   and TAEF2 reconstructions of held-out real crops (positives); the threshold is the smallest
   probability (≥ 0.5) calling ≤ 3 % of those held-out real photos generated;
5. fp16 safetensors with the recipe, counts and calibration in its header.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy.special import expit

from forgelens.learned import gen_model
from forgelens.training import gen_data, gen_pairs, gen_trace_net

__all__ = ["train_trace", "fit_cnn", "image_logit", "calibrate"]


def fit_cnn(data: dict[str, np.ndarray], *, steps: int = 6000, seed: int = 0, width: int = 16,
            lr: float = 2e-3, per_kind: int = 16, native_share: float = 0.3, mix_pixel: float = 0.0,
            log: Callable[[str], None] = print):
    """Train the network on the crops of ``make_pairs``; returns the model (eval mode).

    ``mix_pixel`` > 0 (not the shipped recipe, which has 0): DDA's pixel-level mixup (Chen et al.,
    NeurIPS 2025, "Dual Data Alignment"): the positive side of each aligned pair drawn from ``pairs``
    becomes r·real + (1 − r)·reconstruction, r ~ U(0, ``mix_pixel``), before the paired augmentation."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = build_model(width)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    warm = max(1, min(200, steps // 20))
    sched = torch.optim.lr_scheduler.LambdaLR(  # linear warm-up, then cosine to 0
        opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + np.cos(np.pi * min(s, steps) / max(steps, 1))))
    pairs, native, gen = data["pairs"], data["native"], data["gen"]
    npairs = data.get("npairs", np.zeros((0,) + pairs.shape[1:], np.uint8))
    size = gen_model.PATCH
    t0 = time.perf_counter()
    run = 0.0
    model.train()
    for step in range(steps):
        xs, ys = [], []
        if len(pairs):
            for i in rng.integers(0, len(pairs), per_kind):
                if len(npairs) and rng.random() < native_share:  # native-resolution pair, JPEG on both
                    j = int(rng.integers(0, len(npairs)))
                    a, b = gen_pairs.augment_pair([npairs[j, 0], npairs[j, 1]], rng, size, force_jpeg=True)
                else:
                    pos = pairs[i, 1]
                    if mix_pixel > 0:
                        r = float(rng.uniform(0.0, mix_pixel))
                        pos = np.clip(r * pairs[i, 0].astype(np.float32) + (1 - r) * pos.astype(np.float32)
                                      + 0.5, 0, 255).astype(np.uint8)
                    a, b = gen_pairs.augment_pair([pairs[i, 0], pos], rng, size)
                xs += [a, b]
                ys += [0.0, 1.0]
        for arr, lab in ((native, 0.0), (gen, 1.0)):
            if len(arr):
                for i in rng.integers(0, len(arr), per_kind):
                    xs.append(gen_pairs.augment_pair([arr[i]], rng, size)[0])
                    ys.append(lab)
        x = torch.from_numpy(np.stack(xs)).permute(0, 3, 1, 2).float() / 255.0
        y = torch.tensor(ys)[:, None, None]
        z = model(x)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y.expand_as(z))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        lv = float(loss.detach())
        run = 0.98 * run + 0.02 * lv if step else lv
        if (step + 1) % 250 == 0 or step + 1 == steps:
            log(f"step {step + 1}/{steps} loss {run:.4f} ({time.perf_counter() - t0:.0f} s)")
    return model.eval()


def build_model(width: int):
    return gen_trace_net.build(width)


def image_logit(model, rgb: np.ndarray, max_patches: int = 256) -> float:
    """Mean reliable-patch logit of an image (NaN when no patch is reliable / image too small)."""
    if min(rgb.shape[:2]) < gen_model.PATCH:
        return float("nan")
    z, _ = gen_model.patch_logits(gen_trace_net.runner(model), rgb, max_patches=max_patches)
    return float(np.nanmean(z)) if np.isfinite(z).any() else float("nan")


def calibrate(z_neg: np.ndarray, z_pos: np.ndarray, z_thr: np.ndarray, fpr: float = 0.03) -> dict:
    """Platt (a, b) on negatives vs positives; threshold = smallest P ≥ 0.5 with ≤ fpr of ``z_thr`` above."""
    from forgelens.training.calibration import fit_platt, threshold_at_fpr

    zn, zp = np.asarray(z_neg, float), np.asarray(z_pos, float)
    zn, zp = zn[np.isfinite(zn)], zp[np.isfinite(zp)]
    a, b = fit_platt(np.r_[zn, zp], np.r_[np.zeros(len(zn)), np.ones(len(zp))])
    zt = np.asarray(z_thr, float)
    zt = zt[np.isfinite(zt)]
    pt = expit(a * zt + b)
    thr = threshold_at_fpr(pt, fpr)
    return {"platt_a": a, "platt_b": b, "threshold": thr,
            "heldout_fpr": float(np.mean(pt >= thr)) if len(pt) else float("nan"),
            "n_calib_neg": int(len(zn)), "n_calib_pos": int(len(zp)), "n_threshold": int(len(zt))}


def heldout_sets(items: Sequence[gen_data.Item]) -> tuple[list, list]:
    """Held-out real photos (threshold, negatives) and held-out SD images (positives); no reserved picture."""
    return gen_pairs.calibration_items(items)


def train_trace(items: Sequence[gen_data.Item], out: Path = gen_trace_net.SOURCE, *, steps: int = 6000,
                seed: int = 0, n_pairs: int = 2400, n_native_pairs: int = 0, cache: Path | None = None,
                aligned: bool = True, mix_pixel: float = 0.0, recipe_note: str = "",
                data: dict[str, np.ndarray] | None = None,
                log: Callable[[str], None] = print, n_launder_calib: int = 40) -> dict:
    """The whole recipe (module docstring); writes ``out`` and returns its metadata."""
    import torch

    torch.set_num_threads(1)
    items = list(items)
    real, gen = gen_pairs.training_items(items)
    if not real or not gen:
        raise RuntimeError(f"need real and generated training images (got {len(real)} real, {len(gen)} generated)")
    t0 = time.perf_counter()
    if data is not None:  # crops made by the caller (gen_trace_dda), used as given
        log("crops given by the caller")
    elif cache is not None and Path(cache).is_file():
        with np.load(cache) as f:
            data = {k: f[k] for k in f.files}
        log(f"crops from {cache}")
    else:
        launder = None if aligned else (lambda c: c)
        data = gen_pairs.make_pairs(real, gen, n_pairs=n_pairs if aligned else 0, n_native=max(2 * n_pairs // 3, 8),
                                    n_gen=max(2 * n_pairs // 3, 8),
                                    n_native_pairs=n_native_pairs if aligned else 0, seed=seed, launder=launder, log=log)
        if cache is not None:
            Path(cache).parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache, **data)
    log(f"crops: {len(data['pairs'])} pairs, {len(data.get('npairs', ()))} native pairs, "
        f"{len(data['native'])} native real, {len(data['gen'])} generated "
        f"({time.perf_counter() - t0:.0f} s)")
    model = fit_cnn(data, steps=steps, seed=seed, mix_pixel=mix_pixel, log=log)
    cams, sd = heldout_sets(items)
    if not cams:  # a user's data without the shared split: calibrate on the training images
        cams = [it for it in real]
    if not sd:
        sd = list(gen)
    z_cam = np.array([image_logit(model, gen_data.read_rgb(it.path)) for it in cams])
    z_sd = np.array([image_logit(model, gen_data.read_rgb(it.path)) for it in sd])
    z_lau = []
    if aligned:
        from forgelens.training import taef2

        for it in cams[::max(1, len(cams) // n_launder_calib)][:n_launder_calib]:  # spread over the sources
            a = gen_data.read_rgb(it.path)
            if min(a.shape[:2]) >= 136:
                c = gen_data._centre(a, min(256, a.shape[0]) // 8 * 8, min(256, a.shape[1]) // 8 * 8)
                z_lau.append(image_logit(model, taef2.launder(np.ascontiguousarray(c))))
    cal = calibrate(z_cam, np.r_[z_sd, np.asarray(z_lau, float)], z_cam)
    from sklearn.metrics import roc_auc_score

    ok_c, ok_s = np.isfinite(z_cam), np.isfinite(z_sd)
    auc_sd = (float(roc_auc_score(np.r_[np.zeros(ok_c.sum()), np.ones(ok_s.sum())], np.r_[z_cam[ok_c], z_sd[ok_s]]))
              if ok_c.any() and ok_s.any() else float("nan"))
    meta = {
        "format": "forgelens-gen-trace-1", "width": 16, "patch": gen_model.PATCH, "min_level": gen_model.MIN_LEVEL,
        "seed": seed, "steps": steps, "recipe": "forgelens.training.gen_trace (aligned TAEF2 pairs, paired augmentation)",
        "n_pairs": int(len(data["pairs"])), "n_native_pairs": int(len(data.get("npairs", ()))), "n_native_real": int(len(data["native"])), "n_generated_crops": int(len(data["gen"])),
        "n_train_real_images": len(real), "n_train_generated_images": len(gen),
        "train_groups": sorted({it.group for it in real + gen}),
        "heldout_real": len(cams), "heldout_real_groups": sorted({it.group for it in cams}),
        "heldout_sd": len(sd), "heldout_laundered_crops": len(z_lau),
        "heldout_sd_vs_real_auc": auc_sd, **cal,
        "reserved_never_used": "cameras/exif-samples (copy of ianare/exif-samples): not in training, calibration or threshold",
        "calibration": "Platt on held-out real photos (Nikon D70s unit 1, odd-CRC Sun-Hays, Kodak 13-24) vs held-out "
                       "SD images + TAEF2 reconstructions of held-out real crops",
        "threshold_rule": "smallest probability >= 0.5 calling <= 3% of those held-out real photos generated",
    }
    if mix_pixel > 0:
        meta["mix_pixel"] = float(mix_pixel)
    if recipe_note:
        meta["recipe"] += f"; {recipe_note}"
    gen_trace_net.save(model, meta, Path(out))
    log(f"gen_trace: held-out SD vs real AUC {auc_sd:.3f}, threshold {cal['threshold']:.3f} "
        f"(held-out real FPR {cal['heldout_fpr']:.3f}) → {out} ({time.perf_counter() - t0:.0f} s); "
        f"then set the per-source threshold (python -m forgelens.training.gen_trace threshold {out} "
        f"--gen-data DIR) and make the ONNX file inference runs with: forgelens train export {out}")
    return meta


# --------------------------------------------------------------------------- threshold on every real source
def threshold_sources(items: Sequence[gen_data.Item], gen_data_dir: Path | None = None) -> dict[str, list]:
    """Real pictures that set the detector's own threshold, by source; never a reserved picture.

    The held-out real photos of the shared sets (``gen_pairs.calibration_items``, by group) and, when
    ``gen_data_dir`` (a folder written by ``forgelens.training.generation_data``) is given, the processed
    views of its *training-split* real pictures from outside ``../shared`` (stock, portraits, web
    photos: the styles users meet), by family. Shared-set copies there are left out (their split
    differs from ``gen_pairs``', and its camera originals are ``exif-samples``); so is the validation
    split, which stays for measuring.
    """
    real, _ = gen_pairs.calibration_items(items)
    out: dict[str, list] = {}
    for it in real:
        out.setdefault(it.group, []).append(it.path)
    if gen_data_dir is not None:
        from forgelens.training.generation_data import training_views

        for rec, view in training_views(gen_data_dir):
            if rec.label == "authentic":
                out.setdefault(f"gen-data:{rec.family}", []).append(view)
    return out


def set_threshold(weights: Path, items: Sequence[gen_data.Item], gen_data_dir: Path | None = None,
                  fpr: float = 0.03, log: Callable[[str], None] = print) -> dict:
    """Re-set the stored threshold of a trained ``gen_trace.safetensors`` by the per-source rule.

    The weights and the Platt scaling are left as they are (so every score is unchanged); the
    scores are those of the stored fp16 weights, which the exported ONNX reproduces to ~1e-5.
    Rewrites ``weights`` (then run ``forgelens train export`` again) and returns its metadata.
    """
    import torch

    from forgelens.training.calibration import per_source_threshold

    torch.set_num_threads(1)
    model, meta = gen_trace_net.load_torch(weights)
    a, b = float(meta["platt_a"]), float(meta["platt_b"])
    p_by = {}
    for src, paths in threshold_sources(items, gen_data_dir).items():
        z = np.array([image_logit(model, gen_data.read_rgb(p)) for p in paths])
        p_by[src] = expit(a * z + b)
    thr = per_source_threshold(np.concatenate(list(p_by.values())),
                               np.concatenate([[s] * len(p) for s, p in p_by.items()]), fpr)
    rates = {s: f"{int(np.sum(p[np.isfinite(p)] >= thr))}/{int(np.isfinite(p).sum())}" for s, p in p_by.items()}
    meta.update({"threshold": thr, "threshold_pooled_rule": meta.get("threshold"),
                 "threshold_rule": f"smallest probability >= 0.5 calling <= {fpr:.0%} of each real source generated "
                                   "(held-out shared photos by group; processed training-split real views of the "
                                   "multi-generator set by family, outside ../shared); no reserved picture",
                 "threshold_sources": rates, "heldout_fpr": max(
                     float(np.mean(p[np.isfinite(p)] >= thr)) for p in p_by.values() if np.isfinite(p).any())})
    gen_trace_net.save(model, meta, Path(weights))
    log(f"gen_trace threshold {thr:.3f} (was {meta['threshold_pooled_rule']}); called generated per source: {rates}")
    return meta


def main(argv: list[str] | None = None) -> int:
    """``python -m forgelens.training.gen_trace threshold WEIGHTS [--gen-data DIR]``."""
    import argparse

    ap = argparse.ArgumentParser(description="Re-set a trained gen_trace's threshold by the per-source rule.")
    ap.add_argument("command", choices=["threshold"])
    ap.add_argument("weights", type=Path, help="gen_trace.safetensors written by forgelens train generated")
    ap.add_argument("--gen-data", type=Path, default=None, help="multi-generator set (training-split real views)")
    ap.add_argument("--data", type=Path, default=None, help="datasets folder (default ../shared/datasets)")
    a = ap.parse_args(argv)
    set_threshold(a.weights, gen_data.list_items(a.data), a.gen_data)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
