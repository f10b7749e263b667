"""gen_trace alone, two weight files side by side on the same pictures of ../shared/datasets.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/accuracy/accuracy_gen_trace.py \\
        --model old=/work/gen-data-i18g/old/gen_trace.onnx --model new=src/forgelens/learned/weights/gen_trace.onnx

Prints markdown tables (each model at its own stored threshold):

- held-out SD 1.x/2.x (every 4th image) against each held-out real source: AUC, as stored and on
  the native 256 px centre crop (JPEG q90, ``gen_data.view``); beside it the trivial-statistics
  baseline (logistic regression on log size, JPEG or not, brightness, saturation, sharpness,
  fitted on the training split of ``gen_pairs``);
- families no version was trained on (aigen-playground diffusion 1–4 and GAN, gan-examples):
  AUC against their own real pictures on the crop256 view;
- false positives per real source at the threshold, stored files. ``cameras/exif-samples`` (a copy
  of the reserved ``ianare/exif-samples``) is split into the files the issue-9 model trained on
  (even CRC32 of the camera model) and the others: only the second part is unseen by both;
- laundering: native 256 px centre crops of held-out real photos vs their TAEF2 round trip, AUC;
- seconds per image (median, one thread) on the stored files.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")

from forgelens.detectors import registry  # noqa: E402
from forgelens.errors import ForgeLensError  # noqa: E402
from forgelens.evidence import load  # noqa: E402
from forgelens.learned import gen_model  # noqa: E402
from forgelens.training import gen_data, gen_pairs  # noqa: E402


def auc(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    ok = np.isfinite(s)
    y, s = np.asarray(y)[ok], np.asarray(s)[ok]
    return float(roc_auc_score(y, s)) if 0 < y.sum() < len(y) else float("nan")


def source(it: gen_data.Item) -> str:
    """Real-source / family label of a picture, with the train/held-out split of gen_pairs."""
    if gen_pairs.is_reserved(it):
        models = gen_pairs._camera_models(str(it.path.parent.parent))
        model = models.get(f"{it.path.parent.name}/{it.path.name}", ("", ""))[0]
        old_train = zlib.crc32((model or it.path.name).encode()) % 2 == 0
        return "exif-samples (reserved; issue-9 model trained on these)" if old_train else \
            "exif-samples (reserved; unseen by both)"
    if it.group in gen_pairs.TRAIN_REAL_GROUPS or it.group == "sd12":
        return f"{it.group} ({'held out' if gen_pairs.is_heldout(it) else 'training'})"
    return it.group


def score(weights: Path, rgb_or_path) -> float:
    cfg = registry.get("gen_trace").config_cls(weights=str(weights))
    try:
        ev = load(rgb_or_path if isinstance(rgb_or_path, Path) else _png(rgb_or_path))
    except ForgeLensError:  # too small, unreadable: no score (counted as not judged)
        return np.nan
    t = registry.run("gen_trace", ev, config=cfg)
    return np.nan if t.score is None else float(t.score)


def _png(rgb: np.ndarray) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", required=True, help="NAME=path/to/gen_trace.onnx (repeat)")
    ap.add_argument("--launder-n", type=int, default=48)
    a = ap.parse_args(argv)
    models = {m.split("=", 1)[0]: Path(m.split("=", 1)[1]) for m in a.model}
    thr = {k: float(gen_model.load(p)[1]["threshold"]) for k, p in models.items()}
    items = gen_data.list_items(datasets=gen_data.DATASETS + ("casia1-samples", "toolkit-samples"))
    base = fit_baseline(items)
    items = [it for it in items if not (it.label == 1 and it.group == "sd12" and not gen_pairs.is_heldout(it))]
    s = {k: defaultdict(list) for k in ("as_is", "crop256")}  # view → (model, item) scores
    secs = defaultdict(list)
    rows = []
    for it in items:
        try:
            rgb = gen_data.read_rgb(it.path)
        except Exception as exc:  # an unreadable file is left out and said
            print(f"(skipped {it.path.name}: {exc})", file=sys.stderr)
            continue
        rows.append(it)
        crop = gen_data.view(rgb, "crop256")
        for k, p in models.items():
            t0 = time.perf_counter()
            s["as_is"][k].append(score(p, it.path))
            secs[k].append(time.perf_counter() - t0)
            s["crop256"][k].append(score(p, crop))
        s["as_is"]["baseline"].append(base(rgb, it.path.suffix.lower() in (".jpg", ".jpeg")))
        s["crop256"]["baseline"].append(base(crop, True))
    src = np.array([source(it) for it in rows])
    lab = np.array([it.label for it in rows])
    sd = src == "sd12 (held out)"
    real_sources = sorted(set(src[lab == 0]))
    names = list(models)
    print(f"thresholds: {', '.join(f'{k} {thr[k]:.3f}' for k in names)}\n")
    for view in ("as_is", "crop256"):
        print(f"\n### Held-out SD 1.x/2.x ({int(sd.sum())}) vs each real source, view {view}: AUC\n")
        print("| real source | n | " + " | ".join(names) + " | trivial baseline |")
        print("|---|---|" + "---|" * (len(names) + 1))
        for r in real_sources:
            m = (src == r) | sd
            y = lab[m]
            vals = [auc(y, np.array(s[view][k])[m]) for k in names + ["baseline"]]
            print(f"| {r} | {int((src == r).sum())} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
    fam = {"playground-diffusion1": "playground-real", "playground-diffusion2": "playground-real",
           "playground-diffusion3": "playground-real", "playground-diffusion4": "playground-real",
           "playground-gan": "playground-real", "gan-examples": "gan-real"}
    print("\n### Families no version trained on, crop256 view: AUC against their own real pictures\n")
    print("| family | n gen / n real | " + " | ".join(names) + " | trivial baseline |")
    print("|---|---|" + "---|" * (len(names) + 1))
    for f, r in fam.items():
        m = (src == f) | (src == r)
        vals = [auc(lab[m], np.array(s["crop256"][k])[m]) for k in names + ["baseline"]]
        print(f"| {f} | {int((src == f).sum())} / {int((src == r).sum())} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
    print("\n### False positives at each model's threshold, stored files (judged = a score was given)\n")
    print("| real source | n | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for r in real_sources:
        m = src == r
        cells = []
        for k in names:
            v = np.array(s["as_is"][k])[m]
            ok = np.isfinite(v)
            cells.append(f"{int((v[ok] >= thr[k]).sum())}/{int(ok.sum())}")
        print(f"| {r} | {int(m.sum())} | " + " | ".join(cells) + " |")
    print("\n| held-out SD called generated | " + " | ".join(
        f"{k}: {int((np.array(s['as_is'][k])[sd] >= thr[k]).sum())}/{int(sd.sum())}" for k in names) + " |")
    print("\nSeconds per stored image (median / max, one thread): " + "; ".join(
        f"{k} {np.median(secs[k]):.3f} / {np.max(secs[k]):.3f}" for k in names))
    launder(rows, models, thr, a.launder_n)
    return 0


def fit_baseline(items: list):
    """Trivial-statistics logistic regression fitted on gen_pairs' training split (stored files + crop256)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from forgelens.training.probes import trivial_stats

    real, gen = gen_pairs.training_items(items)
    x, y = [], []
    for it in real + gen:
        rgb = gen_data.read_rgb(it.path)
        x += [trivial_stats(rgb, it.path.suffix.lower() in (".jpg", ".jpeg")), trivial_stats(gen_data.view(rgb, "crop256"), True)]
        y += [it.label, it.label]
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(np.array(x), np.array(y))
    return lambda rgb, is_jpeg: float(clf.predict_proba(trivial_stats(rgb, is_jpeg)[None])[0, 1])


def launder(rows: list, models: dict, thr: dict, n: int) -> None:
    """Native 256 px centre crops of held-out real photos vs their TAEF2 round trip (same crops for both models)."""
    from forgelens.training import taef2

    why = taef2.available()
    if why:
        print(f"\n(laundering skipped: {why})")
        return
    cand = [it for it in rows if it.label == 0 and gen_pairs.is_heldout(it) and not gen_pairs.is_reserved(it)
            and it.group in ("cameras", "pristine-sun-hays80", "pristine-kodak24", "playground-real")]
    cand = cand[:: max(1, len(cand) // n)][:n]
    o, la = defaultdict(list), defaultdict(list)
    for it in cand:
        rgb = gen_data.read_rgb(it.path)
        c = np.ascontiguousarray(gen_data._centre(rgb, min(256, rgb.shape[0]) // 8 * 8, min(256, rgb.shape[1]) // 8 * 8))
        lc = taef2.launder(c)
        for k, p in models.items():
            o[k].append(score(p, c))
            la[k].append(score(p, lc))
    print(f"\n### Laundering: native 256 px centre crops of {len(cand)} held-out real photos (cameras D70s #1, "
          "Sun-Hays, Kodak, playground-real) vs their TAEF2 round trip\n")
    print("| model | AUC laundered vs original | laundered called generated | originals called generated |")
    print("|---|---|---|---|")
    for k in models:
        oo, ll = np.array(o[k]), np.array(la[k])
        y = np.r_[np.zeros(len(oo)), np.ones(len(ll))]
        print(f"| {k} | {auc(y, np.r_[oo, ll]):.3f} | {np.nanmean(ll >= thr[k]):.3f} | {np.nanmean(oo >= thr[k]):.3f} |")


if __name__ == "__main__":
    sys.exit(main())
