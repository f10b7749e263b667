"""Generated-image detection (issue 9, session 2): per unseen generator family, false positives, laundering.

    OMP_NUM_THREADS=1 python benchmarks/fit_generation.py      # features + fits (cached in $GEN_WORK)
    OMP_NUM_THREADS=1 python benchmarks/accuracy_generation.py  # tables (markdown) from the same cache

Everything is trained on SD 1.x/2.x only (+ TAEF2 aligned pairs) and real photos of the
fixed training split (``forgelens.learned.gen_pairs.is_heldout``): every number below is on
images never used in training unless the row says "(in training)".

Scores: ``gen_trace`` (shipped CNN), ``clip_probe`` (shipped probe), ``spectrum`` (training-free),
``fused`` = the first model of ``fusion/generation.json`` (gen_trace + clip_probe [+ spectrum]),
``trace-only`` = its last model. Baseline = logistic regression on trivial global statistics
(log pixel count, JPEG or not, brightness, saturation, log Laplacian variance) fitted on the
same training images with the same labels, thresholded with the same rule (≤ 3 % of held-out
camera photos). Views: ``as_is`` = the stored file; ``crop256`` = the native 256 px centre
crop of both classes (no resampling, no recompression): size can no longer tell them apart.
TPR@3% uses the 97th percentile of the family's own real counterpart.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_generation as fg  # noqa: E402

from forgelens.fusion.laundering import three_way  # noqa: E402
from forgelens.learned import gen_pairs  # noqa: E402
from forgelens.learned import train_generation as tg  # noqa: E402

FAMILIES = [("sd12 (held-out)", "sd12", "cameras-heldout"),
            ("playground-diffusion1", "playground-diffusion1", "playground-real"),
            ("playground-diffusion2", "playground-diffusion2", "playground-real"),
            ("playground-diffusion3", "playground-diffusion3", "playground-real"),
            ("playground-diffusion4", "playground-diffusion4", "playground-real"),
            ("playground-gan", "playground-gan", "playground-real"),
            ("gan-examples", "gan-examples", "gan-real")]


def auc(pos, neg) -> float:
    pos, neg = np.asarray(pos, float), np.asarray(neg, float)
    pos, neg = pos[np.isfinite(pos)], neg[np.isfinite(neg)]
    if not len(pos) or not len(neg):
        return float("nan")
    return float(roc_auc_score(np.r_[np.ones(len(pos)), np.zeros(len(neg))], np.r_[pos, neg]))


def tpr_at(pos, neg, fpr=0.03) -> float:
    pos, neg = np.asarray(pos, float), np.asarray(neg, float)
    pos, neg = pos[np.isfinite(pos)], neg[np.isfinite(neg)]
    if not len(pos) or not len(neg):
        return float("nan")
    t = np.sort(neg)[::-1][int(np.floor(fpr * len(neg)))] if len(neg) else np.inf
    return float(np.mean(pos > t))


class Scorer:
    def __init__(self) -> None:
        self.items = fg.all_items()
        self.feats = fg.features(self.items, log=lambda s: print(s, file=sys.stderr))
        self.ts = fg.trace_scores(self.items, self.feats, log=lambda s: print(s, file=sys.stderr))
        self.doc = json.loads(fg.OUT_JSON.read_text())
        self.probe = tg.LinearProbe.load(tg.WEIGHTS_DIR / "clip_probe.json")
        self.by_path = {str(it.path): it for it in self.items}
        self.models = {}
        for m in self.doc["models"]:
            if m["detectors"] == ["clip_probe"]:
                continue  # the clip_probe column
            tag = "trace-only" if m["detectors"] == ["gen_trace"] else (
                "fused+spectrum" if "spectrum" in m["detectors"] else "fused")
            self.models[tag] = m
        global KEYS
        KEYS = tuple(k for k in ("fused+spectrum", "fused", "trace-only") if k in self.models) + (
            "clip_probe", "spectrum", "baseline")
        # baseline: trivial statistics, same training images and labels as the fusion
        xs, ys = [], []
        for it in self.items:
            if not fg.in_training(it):
                continue
            f = self.feats[str(it.path)]
            xs.append(f["stats"])
            ys.append(it.label)
            if it.label == 0 and "laund" in f:
                xs += [f["laund_stats"], f["crop_stats"]]
                ys += [1, 0]
        self.base = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000)
        self.mu, self.sd = np.mean(xs, 0), np.std(xs, 0) + 1e-6
        self.base.fit((np.array(xs) - self.mu) / self.sd, ys)
        # trivial baseline for laundered vs generated (crop stats): laundered training crops vs SD crops
        xl, yl = [], []
        for it in self.items:
            if fg.in_training(it):
                f = self.feats[str(it.path)]
                if it.label == 0 and "laund" in f:
                    xl.append(f["laund_stats"])
                    yl.append(1)
                elif it.label == 1 and "crop" in f:
                    xl.append(f["crop_stats"])
                    yl.append(0)
        self.base_l = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000)
        self.mul, self.sdl = np.mean(xl, 0), np.std(xl, 0) + 1e-6
        self.base_l.fit((np.array(xl) - self.mul) / self.sdl, yl)

    def group(self, name: str) -> list:
        if name == "cameras-heldout":
            return [it for it in self.items if it.group == "cameras" and gen_pairs.is_heldout(it)]
        if name == "sd12":
            return [it for it in self.items if it.group == "sd12" and gen_pairs.is_heldout(it)]
        return [it for it in self.items if it.group == name]

    def raw(self, it, view: str) -> dict:
        f, t = self.feats[str(it.path)], self.ts[str(it.path)]
        key = {"as_is": ("clip", "spec", "trace", "stats"), "crop256": ("clip_crop", "crop_spec", "trace_crop", "crop_stats"),
               "laund": ("clip_laund", "laund_spec", "trace_laund", "laund_stats"),
               "crop_ds": ("clip_crop_ds", "crop_ds_spec", "trace_crop_ds", "crop_ds_stats"),
               "laund_ds": ("clip_laund_ds", "laund_ds_spec", "trace_laund_ds", "laund_ds_stats")}[view]
        if key[0] not in f:
            return {}
        pc = float(self.probe.prob(self.probe.logit(f[key[0]][None])[0]))
        return {"gen_trace": t.get(key[2], np.nan), "clip_probe": pc, "spectrum": f[key[1]], "stats": f[key[3]]}

    def scores(self, it, view: str) -> dict:
        r = self.raw(it, view)
        if not r:
            return {}
        out = {k: r[k] for k in ("gen_trace", "clip_probe", "spectrum")}
        for tag, m in self.models.items():
            x = np.array([r[d] for d in m["detectors"]], float)
            out[tag] = float(1 / (1 + np.exp(-(m["intercept"] + fg.logit(x) @ np.array(m["coef"]))))) \
                if np.isfinite(x).all() else float("nan")
        out["baseline"] = float(self.base.predict_proba(((r["stats"] - self.mu) / self.sd)[None])[0, 1])
        lw = three_way(r["gen_trace"], r["clip_probe"]) if np.isfinite(r["gen_trace"]) else {"p_laundered": np.nan}
        out["p_laundered_class"] = lw["p_laundered"]
        out["p_laundered"] = lw.get("p_laundered_given_traces", np.nan)
        out["baseline_laundered"] = float(self.base_l.predict_proba(((r["stats"] - self.mul) / self.sdl)[None])[0, 1])
        return out

    def thresholds(self) -> dict:
        cams = self.group("cameras-heldout") + [it for it in self.items if it.group == "cameras-flatfield"
                                                and gen_pairs.is_heldout(it)]
        thr = {k: m["generated_at"] for k, m in self.models.items()}
        thr["clip_probe"] = self.probe.threshold
        from forgelens.learned import gen_model

        thr["gen_trace"] = gen_model.load()[1]["threshold"]
        b = np.array([self.scores(it, "as_is")["baseline"] for it in cams])
        thr["baseline"] = tg.threshold_at_fpr(b, 0.03)
        sp = np.array([self.scores(it, "as_is")["spectrum"] for it in cams])
        thr["spectrum"] = tg.threshold_at_fpr(sp[np.isfinite(sp)], 0.03)
        return thr


KEYS = ("fused+spectrum", "fused", "trace-only", "clip_probe", "spectrum", "baseline")


def main() -> None:
    s = Scorer()
    thr = s.thresholds()
    print("## Per generator family (trained on SD 1.x/2.x only + TAEF2 pairs; AUC / TPR@3% FPR of its real counterpart)\n")
    for view in ("as_is", "crop256"):
        print(f"\nView `{view}`:\n")
        print("| family (n gen / n real) | " + " | ".join(KEYS) + " |")
        print("|---|" + "---|" * len(KEYS))
        for label, gname, rname in FAMILIES:
            pos = [s.scores(it, view) for it in s.group(gname)]
            neg = [s.scores(it, view) for it in s.group(rname)]
            pos, neg = [p for p in pos if p], [n for n in neg if n]
            cells = []
            for k in KEYS:
                a = auc([p[k] for p in pos], [n[k] for n in neg])
                t = tpr_at([p[k] for p in pos], [n[k] for n in neg])
                cells.append(f"{a:.3f} / {t:.2f}")
            print(f"| {label} ({len(pos)}/{len(neg)}) | " + " | ".join(cells) + " |")

    print("\n## False positives at the shipped thresholds (stored files)\n")
    print("thresholds: " + ", ".join(f"{k} {v:.3f}" for k, v in thr.items()) + "\n")
    sets = [("cameras held-out", [it for it in s.items if it.dataset == "cameras" and gen_pairs.is_heldout(it)]),
            ("cameras (in training)", [it for it in s.items if it.dataset == "cameras" and not gen_pairs.is_heldout(it)]),
            ("sun-hays80 held-out", [it for it in s.group("pristine-sun-hays80") if gen_pairs.is_heldout(it)]),
            ("sun-hays80 (in training)", [it for it in s.group("pristine-sun-hays80") if not gen_pairs.is_heldout(it)]),
            ("kodak24 held-out", [it for it in s.group("pristine-kodak24") if gen_pairs.is_heldout(it)]),
            ("kodak24 (in training)", [it for it in s.group("pristine-kodak24") if not gen_pairs.is_heldout(it)]),
            ("playground-real", s.group("playground-real")), ("gan-real", s.group("gan-real")),
            ("casia1 authentic", s.group("casia1-samples")), ("toolkit authentic", s.group("toolkit-samples"))]
    keys = KEYS
    print("| set | n judged / n | " + " | ".join(keys) + " |")
    print("|---|---|" + "---|" * len(keys))
    for name, its in sets:
        sc = [s.scores(it, "as_is") for it in its]
        cells = []
        for k in keys:
            v = np.array([x.get(k, np.nan) for x in sc], float)
            v = v[np.isfinite(v)]
            cells.append(f"{np.mean(v >= thr[k]):.3f} ({int((v >= thr[k]).sum())}/{len(v)})" if len(v) else "n/a")
        nj = sum(1 for x in sc if x and np.isfinite(x.get("fused", np.nan)))
        print(f"| {name} | {nj}/{len(its)} | " + " | ".join(cells) + " |")

    for title, ov, lv in (("native 256 px centre crops", "crop256", "laund"),
                          ("256 px centre crops of a ×0.5 (area) downscaled copy", "crop_ds", "laund_ds")):
        print(f"\n## Laundering: TAEF2 reconstructions of {title} of held-out real photos\n")
        reals = [it for it in s.items if it.label == 0 and not fg.in_training(it)
                 and lv.replace("laund", "clip_laund") in s.feats[str(it.path)]]
        orig = [s.scores(it, ov) for it in reals]
        laund = [s.scores(it, lv) for it in reals]
        print(f"P(generated), laundered vs original crop (n = {len(reals)} photos, paired):\n")
        print("| score | AUC | laundered called generated | originals called generated |")
        print("|---|---|---|---|")
        for k in KEYS:
            a = auc([x[k] for x in laund], [x[k] for x in orig])
            lv_ = np.array([x[k] for x in laund], float)
            ov_ = np.array([x[k] for x in orig], float)
            print(f"| {k} | {a:.3f} | {np.mean(lv_ >= thr[k]):.3f} | {np.mean(ov_ >= thr[k]):.3f} |")
        by_set: dict[str, list] = {}
        for it, lo, oo in zip(reals, laund, orig, strict=True):
            by_set.setdefault(it.group, []).append((lo, oo))
        print("\nper set, trace-only AUC (n): " + ", ".join(
            f"{g} {auc([a['trace-only'] for a, _ in v], [b['trace-only'] for _, b in v]):.3f} ({len(v)})"
            for g, v in sorted(by_set.items())))
    reals = [it for it in s.items if it.label == 0 and not fg.in_training(it) and "laund" in s.feats[str(it.path)]]
    laund = [s.scores(it, "laund") for it in reals]
    gens = [it for it in s.items if it.label == 1 and not fg.in_training(it)]
    gsc = [s.scores(it, "crop256") for it in gens]
    gsc = [g for g in gsc if g]
    print(f"\np_laundered (three_way), laundered crops ({len(laund)}) vs generated crops ({len(gsc)}: held-out SD, "
          "playground, gan-examples, native 256 centre crops):\n")
    a = auc([x["p_laundered"] for x in laund], [x["p_laundered"] for x in gsc])
    a3 = auc([x["p_laundered_class"] for x in laund], [x["p_laundered_class"] for x in gsc])
    b = auc([x["baseline_laundered"] for x in laund], [x["baseline_laundered"] for x in gsc])
    print(f"| score | AUC |\n|---|---|\n| p_laundered (verdict: P(laundered given traces) = 1 − P_clip) | {a:.3f} |\n"
          f"| three-way laundered class (1 − P_clip)·P_trace | {a3:.3f} |\n| baseline | {b:.3f} |")
    per = {}
    for it, g in zip([it for it in gens if s.scores(it, 'crop256')], gsc, strict=True):
        per.setdefault(it.group, []).append(g)
    print("\nper generated family, p_laundered AUC vs the laundered crops: " + ", ".join(
        f"{k} {auc([x['p_laundered'] for x in laund], [x['p_laundered'] for x in v]):.3f} ({len(v)})"
        for k, v in sorted(per.items())))


if __name__ == "__main__":
    main()
