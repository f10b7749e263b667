"""Accuracy of the shipped ONNX models beside the PyTorch weights they were exported from.

Same images, same tiling, only the backend differs: ``learned_localizer`` (ONNX Runtime vs
the torch ``FilterFusionNet`` of ``learned/weights/localizer_lite0.safetensors``) and
``gen_trace`` (ONNX vs torch ``gen_trace.safetensors``). Needs ``forgelens[train]`` (torch).

Localizer, per dataset with masks: mean pixel AUC, best-threshold F1 and F1 at 0.5 of each
backend beside the centred-prior baseline; image AUC (manipulated vs authentic) of the
detection score beside the pixel-count baseline where the set has authentic images; the
largest and mean |ONNX − torch| over every pixel of every image, and the largest score gap.

gen_trace, per dataset: image AUC (generated vs authentic), the share of authentic images
called generated at the shipped threshold (false alarms) and of generated ones (detections),
for each backend, beside the pixel-count baseline; the largest |Δ P(generated)|.

    python benchmarks/studies/onnx_vs_torch.py                    # first 30 per label per set (~10 min on 2 loaded cores)
    python benchmarks/studies/onnx_vs_torch.py --limit 0          # every image
    python benchmarks/studies/onnx_vs_torch.py --only speed       # CPU s/MP of each backend, one thread, 1 and 6 MP
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np
from scipy.special import expit

from forgelens.bench.metrics import centre_prior

ROOT = Path(__file__).resolve().parents[3] / "shared" / "datasets"
LOC_SETS = ("casia1-samples", "casia2-samples", "toolkit-samples", "nist16")
GEN_SETS = (("aigen-sd12", "cameras"), ("gan-examples", "gan-examples"), ("aigen-playground", "aigen-playground"))


def _rows(folder: Path, labels: tuple[str, ...], limit: int) -> list[dict]:
    with open(folder / "index.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for lab in labels:
        sel = [r for r in rows if r["label"] == lab]
        out += sel[:limit] if limit else sel
    return out


def _auc(y: list[int], s: list[float]) -> float:
    from sklearn.metrics import roc_auc_score

    y, s = np.asarray(y), np.asarray(s, float)
    ok = np.isfinite(s)
    return float(roc_auc_score(y[ok], s[ok])) if len(set(y[ok].tolist())) == 2 else float("nan")


def localizer_table(limit: int) -> list[str]:
    from forgelens.bench.metrics import pixel_scores
    from forgelens.evidence import load
    from forgelens.learned import localizer
    from forgelens.training.localizer_net import TorchLocalizer
    from forgelens.training.localizer_weights import load_localizer

    nets = {"onnx": localizer.load(None), "torch": TorchLocalizer(load_localizer(None))}
    lines = ["## learned_localizer: ONNX Runtime vs PyTorch (same tiles: 512 px, overlap 64)", "",
             "| dataset | n masks | pixel AUC onnx / torch / centre prior | best F1 onnx / torch / prior "
             "| F1@0.5 onnx / torch | image AUC onnx / torch / pixel count (n man / aut) "
             "| max / mean abs map diff | max abs score diff |", "|---|---|---|---|---|---|---|---|"]
    for ds in LOC_SETS:
        folder = ROOT / ds
        if not folder.is_dir():
            continue
        rows = _rows(folder, ("manipulated", "authentic"), limit)
        px = {k: [] for k in ("onnx_auc", "torch_auc", "prior_auc", "onnx_f1", "torch_f1", "prior_f1", "onnx_f1at", "torch_f1at")}
        img = {"y": [], "onnx": [], "torch": [], "size": []}
        dmax = dsum = dn = smax = 0.0
        for r in rows:
            try:
                ev = load(folder / r["image"])
            except Exception:
                continue
            rgb = np.asarray(ev.pixels)
            res = {k: localizer.localize(n, rgb) for k, n in nets.items()}
            d = np.abs(res["onnx"][0] - res["torch"][0])
            dmax, dsum, dn = max(dmax, float(d.max())), dsum + float(d.sum()), dn + d.size
            smax = max(smax, abs(res["onnx"][2] - res["torch"][2]))
            img["y"].append(int(r["label"] == "manipulated"))
            img["size"].append(float(rgb.shape[0] * rgb.shape[1]))
            for k in nets:
                img[k].append(res[k][2])
            if r["label"] == "manipulated" and r["mask"]:
                from forgelens.bench.datasets import read_mask

                try:
                    gt, _ = read_mask(folder / r["mask"], ev.shape)
                except Exception:
                    continue
                if gt is None or gt.all() or not gt.any():
                    continue
                for k, m in (("onnx", res["onnx"][0]), ("torch", res["torch"][0]), ("prior", centre_prior(ev.shape))):
                    s = pixel_scores(m, gt)
                    px[f"{k}_auc"].append(s.pixel_auc)
                    px[f"{k}_f1"].append(s.best_f1)
                    if k != "prior":
                        px[f"{k}_f1at"].append(s.f1)
        n = len(px["onnx_auc"])
        m = {k: float(np.nanmean(v)) if v else float("nan") for k, v in px.items()}
        nm, na = sum(img["y"]), len(img["y"]) - sum(img["y"])
        ia = (f"{_auc(img['y'], img['onnx']):.3f} / {_auc(img['y'], img['torch']):.3f} / "
              f"{_auc(img['y'], img['size']):.3f} ({nm} / {na})") if na and nm else f"– (no authentic; {nm} man.)"
        lines.append(f"| {ds} | {n} | {m['onnx_auc']:.4f} / {m['torch_auc']:.4f} / {m['prior_auc']:.3f} "
                     f"| {m['onnx_f1']:.4f} / {m['torch_f1']:.4f} / {m['prior_f1']:.3f} "
                     f"| {m['onnx_f1at']:.4f} / {m['torch_f1at']:.4f} | {ia} "
                     f"| {dmax:.1e} / {dsum / max(dn, 1):.1e} | {smax:.1e} |")
        print(lines[-1], flush=True)
    return lines


def gen_trace_table(limit: int) -> list[str]:
    from forgelens.detectors.gen_trace import GenTraceConfig
    from forgelens.evidence import load
    from forgelens.learned import gen_model
    from forgelens.training.gen_trace_net import load_torch, runner

    onnx_net, meta = gen_model.load()
    nets = {"onnx": onnx_net, "torch": runner(load_torch()[0])}
    cfg = GenTraceConfig()
    a, b, thr = float(meta["platt_a"]), float(meta["platt_b"]), float(meta["threshold"])
    lines = ["", f"## gen_trace: ONNX Runtime vs PyTorch (threshold {thr:.3f})", "",
             "| generated / authentic from | n gen / aut | image AUC onnx / torch / pixel count "
             "| detected onnx / torch | false alarms onnx / torch | max abs P diff |", "|---|---|---|---|---|---|"]
    for gen_ds, real_ds in GEN_SETS:
        if not (ROOT / gen_ds).is_dir() or not (ROOT / real_ds).is_dir():
            continue
        items = [(ROOT / gen_ds, r) for r in _rows(ROOT / gen_ds, ("generated",), limit)]
        items += [(ROOT / real_ds, r) for r in _rows(ROOT / real_ds, ("authentic",), limit)]
        y, size, p = [], [], {"onnx": [], "torch": []}
        for folder, r in items:
            try:
                rgb = np.asarray(load(folder / r["image"]).pixels)
            except Exception:
                continue
            if min(rgb.shape[:2]) < gen_model.PATCH:
                continue
            y.append(int(r["label"] == "generated"))
            size.append(float(rgb.shape[0] * rgb.shape[1]))
            for k, net in nets.items():
                z, _ = gen_model.patch_logits(net, rgb, max_patches=cfg.max_patches, min_level=cfg.min_level)
                zi = float(np.nanmean(z)) if np.isfinite(z).any() else float("nan")
                p[k].append(expit(a * zi + b) if np.isfinite(zi) else float("nan"))
        y_arr = np.asarray(y)
        pa = {k: np.asarray(v, float) for k, v in p.items()}
        det = {k: float(np.nanmean(v[y_arr == 1] >= thr)) for k, v in pa.items()}
        fa = {k: float(np.nanmean(v[y_arr == 0] >= thr)) for k, v in pa.items()}
        diff = float(np.nanmax(np.abs(pa["onnx"] - pa["torch"])))
        lines.append(f"| {gen_ds} / {real_ds} | {int(y_arr.sum())} / {int((1 - y_arr).sum())} "
                     f"| {_auc(y, p['onnx']):.4f} / {_auc(y, p['torch']):.4f} / {_auc(y, size):.3f} "
                     f"| {det['onnx']:.3f} / {det['torch']:.3f} | {fa['onnx']:.3f} / {fa['torch']:.3f} | {diff:.1e} |")
        print(lines[-1], flush=True)
    return lines


def speed_table(sizes: tuple[float, ...] = (1.0, 6.0)) -> list[str]:
    """CPU seconds per MP (user + system, one thread) of each backend on the photo-like JPEG of speed.py."""
    import resource

    from speed import photo_like

    from forgelens.evidence import load
    from forgelens.learned import gen_model, localizer
    from forgelens.training.gen_trace_net import load_torch, runner
    from forgelens.training.localizer_net import TorchLocalizer
    from forgelens.training.localizer_weights import load_localizer

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    loc = {"onnx": localizer.load(None), "torch": TorchLocalizer(load_localizer(None))}
    gen = {"onnx": gen_model.load()[0], "torch": runner(load_torch()[0])}
    lines = ["", "## CPU seconds per MP, one thread (user + system; wall is meaningless on a shared loaded machine)", "",
             "| MP | localizer onnx | localizer torch | gen_trace onnx | gen_trace torch |", "|---|---|---|---|---|"]
    for mp in sizes:
        rgb = np.asarray(load(photo_like(mp)).pixels)
        row = {}
        for k in ("onnx", "torch"):
            t0 = cpu()
            localizer.localize(loc[k], rgb)
            row[f"loc_{k}"] = (cpu() - t0) / mp
            t0 = cpu()
            gen_model.patch_logits(gen[k], rgb)
            row[f"gen_{k}"] = (cpu() - t0) / mp
        lines.append(f"| {mp:g} | {row['loc_onnx']:.3f} | {row['loc_torch']:.3f} | {row['gen_onnx']:.3f} | {row['gen_torch']:.3f} |")
        print(lines[-1], flush=True)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=30, help="first N images per label per set (0 = all)")
    ap.add_argument("--only", choices=("localizer", "gen_trace", "speed"), default=None)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    lines = []
    if args.only in (None, "localizer"):
        lines += localizer_table(args.limit)
    if args.only in (None, "gen_trace"):
        lines += gen_trace_table(args.limit)
    if args.only in (None, "speed"):
        lines += speed_table()
    print("\n".join(lines))
    print(f"\n({time.perf_counter() - t0:.0f} s; limit {args.limit} per label per set)")


if __name__ == "__main__":
    main()
