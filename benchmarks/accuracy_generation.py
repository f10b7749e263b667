"""Generated-image detection: per held-out generator family, on levelled views, beside trivial baselines.

    python benchmarks/accuracy_generation.py            # features cached in benchmarks/out/
    python benchmarks/accuracy_generation.py --refresh  # recompute features

Protocols (all numbers are on images whose group was NOT in training):
- ``sd-only``: train on SD 1.x/2.x (``sd12``) vs camera photos (+ TAEF2 aligned pairs for NPR);
  test every other generator family against its own real counterpart; sd12 and cameras
  themselves are scored out-of-fold (5 folds).
- ``lofo`` (leave one family out): train on every group except the held-out generated
  family and its real counterpart, test on those.
Views: ``as_is`` (stored file), ``square512`` (CLIP, levelled), ``crop256`` (NPR, levelled):
both classes get the same centre crop / resize / JPEG q90. The trivial baseline is a logistic
regression on (log size, JPEG-or-not, brightness, saturation, sharpness) of the same view,
trained with the same protocol. FPR is at the threshold the protocol fitted (≤3% out-of-fold
false positives on camera photos, Platt-calibrated).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from forgelens.learned import gen_data
from forgelens.learned import train_generation as tg

CACHE = Path(__file__).resolve().parent / "out" / "generation_features.pkl"
COUNTERPART = {"sd12": "cameras", "gan-examples": "gan-real"}
REAL_SETS = ("cameras", "cameras-flatfield", "pristine-sun-hays80", "pristine-kodak24",
             "playground-real", "gan-real")


#: groups whose photos get a TAEF2 aligned pair (cameras: training; the rest: held-out tests)
LAUNDER = {"cameras", "pristine-kodak24", "playground-real", "gan-real"}
LAUNDER_CLIP = {"pristine-kodak24", "playground-real"}
#: cap per group (a loaded 2-core machine): the first N of each group in index order
CAP = {"pristine-sun-hays80": 40}


def counterpart(group: str) -> str:
    return COUNTERPART.get(group, "playground-real" if group.startswith("playground-") else "")


def load_features(items, refresh: bool) -> list[tg.Features]:
    cache = {}
    if CACHE.is_file() and not refresh:
        cache = pickle.loads(CACHE.read_bytes())
    t0 = time.perf_counter()
    out = []
    for i, it in enumerate(items):
        key = str(it.path)
        if key not in cache:
            cache[key] = tg.compute_features(it, seed=0, launder=it.group in LAUNDER,
                                             launder_clip=it.group in LAUNDER_CLIP)
            if (i + 1) % 20 == 0:
                CACHE.parent.mkdir(parents=True, exist_ok=True)
                CACHE.write_bytes(pickle.dumps(cache))
                print(f"  features {i + 1}/{len(items)} {time.perf_counter() - t0:.0f}s", file=sys.stderr)
        out.append(cache[key])
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_bytes(pickle.dumps(cache))
    return out


def auc(pos, neg) -> float:
    pos, neg = np.asarray(pos, float), np.asarray(neg, float)
    pos, neg = pos[np.isfinite(pos)], neg[np.isfinite(neg)]
    if not len(pos) or not len(neg):
        return float("nan")
    return float(roc_auc_score(np.r_[np.ones(len(pos)), np.zeros(len(neg))], np.r_[pos, neg]))


def tpr_at_fpr(pos, neg, fpr=0.03) -> float:
    neg = np.sort(np.asarray(neg, float)[np.isfinite(neg)])[::-1]
    if not len(neg):
        return float("nan")
    t = neg[int(np.floor(fpr * len(neg)))] if int(np.floor(fpr * len(neg))) < len(neg) else -np.inf
    pos = np.asarray(pos, float)
    return float(np.mean(pos[np.isfinite(pos)] > t))


class Scorer:
    """Train one kind (clip / npr / base) on a subset, score another."""

    def __init__(self, kind: str, items, feats, view: str):
        self.kind, self.items, self.feats, self.view = kind, items, feats, view

    def _base_x(self, idx, view):
        return np.stack([self.feats[i].stats[view] for i in idx])

    def fit_score(self, train_idx, test_idx, views=None):
        views = views or [self.view]
        if self.kind == "base":
            y = np.array([self.items[i].label for i in train_idx])
            # baseline trains on the same views the detector is evaluated on
            probe = tg.fit_linear(self._base_x(train_idx, self.view), y, c=1.0)
            z = {v: probe.logit(self._base_x(test_idx, v)) for v in views}
            ztr = probe.logit(self._base_x(train_idx, self.view))
            return z, ztr
        probe = tg.train_probe(self.kind, [self.items[i] for i in train_idx], [self.feats[i] for i in train_idx])
        z = {v: np.array([tg.image_logit(self.kind, probe, self.feats[i], v) for i in test_idx]) for v in views}
        return z, probe


def run(items, feats, kind: str, view: str, protocol: str) -> list[dict]:
    groups = np.array([it.group for it in items])
    labels = np.array([it.label for it in items])
    rows = []
    sc = Scorer(kind, items, feats, view)
    gen_groups = sorted({g for g, lab in zip(groups, labels, strict=True) if lab == 1})
    if protocol == "sd-only":
        train_groups = {"sd12", "cameras", "cameras-flatfield"}
        tr = np.flatnonzero(np.isin(groups, list(train_groups)))
        te = np.flatnonzero(~np.isin(groups, list(train_groups)))
        z_te, _ = sc.fit_score(tr, te)
        z = np.full(len(items), np.nan)
        z[te] = z_te[view]
        fold = tg.group_folds([items[i] for i in tr], 5, 0)
        for f in range(5):
            a, b = tr[fold != f], tr[fold == f]
            zz, _ = sc.fit_score(a, b)
            z[b] = zz[view]
        cams = np.isin(groups, ["cameras", "cameras-flatfield"])
        pa, pb = tg.fit_platt(z[tr][np.isfinite(z[tr])], labels[tr][np.isfinite(z[tr])])
        prob = 1 / (1 + np.exp(-(pa * z + pb)))
        thr = tg.threshold_at_fpr(prob[cams & np.isfinite(prob)])
        for g in gen_groups:
            cp = counterpart(g)
            pos, neg = z[groups == g], z[groups == cp]
            rows.append({"family": g, "vs": cp, "n": f"{len(pos)}/{len(neg)}", "auc": auc(pos, neg),
                         "tpr3": tpr_at_fpr(pos, neg), "tpr_thr": float(np.nanmean(prob[groups == g] >= thr)),
                         "heldout": g != "sd12"})
        for r in REAL_SETS:
            m = groups == r
            rows.append({"family": r, "vs": "", "n": str(int(m.sum())), "fpr_thr": float(np.mean(prob[m] >= thr)),
                         "heldout": r not in train_groups})
        return rows
    # leave one family out
    for g in gen_groups:
        cp = counterpart(g)
        held = {g, cp}
        if g.startswith("playground-"):  # other playground families are siblings of the same source
            held = {g, cp}
        tr = np.flatnonzero(~np.isin(groups, list(held)))
        te = np.flatnonzero(np.isin(groups, list(held)))
        zz, _ = sc.fit_score(tr, te)
        zt = zz[view]
        pos, neg = zt[groups[te] == g], zt[groups[te] == cp]
        rows.append({"family": g, "vs": cp, "n": f"{len(pos)}/{len(neg)}", "auc": auc(pos, neg),
                     "tpr3": tpr_at_fpr(pos, neg), "heldout": True})
    return rows


def fmt(x) -> str:
    return "  -  " if x is None or not np.isfinite(x) else f"{x:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--refresh", action="store_true")
    ap.add_argument("--ship", action="store_true",
                    help="also fit the shipped probes on all these images (src/forgelens/learned/weights)")
    args = ap.parse_args()
    items = gen_data.list_items()
    seen: dict[str, int] = {}
    keep = []
    for it in items:
        seen[it.group] = seen.get(it.group, 0) + 1
        if seen[it.group] <= CAP.get(it.group, 10**9):
            keep.append(it)
    items = keep
    if not items:
        print("shared datasets absent")
        return
    feats = load_features(items, args.refresh)
    print(f"{len(items)} images; groups: " + ", ".join(
        f"{g}={sum(it.group == g for it in items)}" for g in sorted({it.group for it in items})))
    if args.ship:
        by_path = {str(it.path): ft for it, ft in zip(items, feats, strict=True)}
        tg.train_all(items, cache=lambda it: by_path[str(it.path)])
    combos = [("clip", "as_is"), ("clip", "square512"), ("npr", "as_is"), ("npr", "crop256")]
    for protocol in ("sd-only", "lofo"):
        print(f"\n## protocol {protocol}: AUC (TPR at 3% FPR of the counterpart) — detector | trivial baseline")
        for kind, view in combos:
            det = run(items, feats, kind, view, protocol)
            base = run(items, feats, "base", view, protocol)
            print(f"\n### {kind} on view {view}")
            print(f"{'family':24s} {'vs':16s} {'n pos/neg':9s} {'AUC':>6s} {'TPR@3%':>7s} {'TPR@thr':>7s} |"
                  f" {'base AUC':>8s} {'TPR@3%':>7s}")
            for d, b in zip(det, base, strict=True):
                if "auc" in d:
                    print(f"{d['family']:24s} {d['vs']:16s} {d['n']:9s} {fmt(d['auc']):>6s} {fmt(d['tpr3']):>7s}"
                          f" {fmt(d.get('tpr_thr')):>7s} | {fmt(b['auc']):>8s} {fmt(b['tpr3']):>7s}"
                          + ("" if d["heldout"] else "  (trained on; out-of-fold)"))
                else:
                    print(f"{d['family']:24s} {'FPR@thr':16s} {d['n']:9s} {fmt(d['fpr_thr']):>6s} {'':7s} {'':7s} |"
                          f" {fmt(b['fpr_thr']):>8s}" + ("" if d["heldout"] else "  (trained on; out-of-fold)"))
    laundering(items, feats)


def laundering(items, feats) -> None:
    """TAEF2-laundered vs original photos (P(generated)), and laundered vs fully generated."""
    print("\n## laundering (TAEF2 encoder→decoder of authentic photos; sd-only training)")
    groups = np.array([it.group for it in items])
    train_groups = ["sd12", "cameras", "cameras-flatfield"]
    tr = [i for i in range(len(items)) if groups[i] in train_groups]
    pn = tg.train_probe("npr", [items[i] for i in tr], [feats[i] for i in tr])
    pc = tg.train_probe("clip", [items[i] for i in tr], [feats[i] for i in tr])
    print(f"{'real set (held out)':24s} {'n':>4s} {'NPR AUC laund-vs-orig':>22s} {'CLIP AUC laund-vs-orig':>23s}")
    for r in ("pristine-kodak24", "playground-real", "gan-real"):
        idx = [i for i in range(len(items)) if groups[i] == r and "crop256_laund" in feats[i].npr]
        lo = [tg.npr_image_logit(pn, feats[i].npr["crop256_laund"][0]) for i in idx]
        oo = [tg.npr_image_logit(pn, feats[i].npr["crop256_orig"][0]) for i in idx]
        cl = [tg.image_logit("clip", pc, feats[i], "sq256_laund") for i in idx]
        co = [tg.image_logit("clip", pc, feats[i], "sq256_orig") for i in idx]
        print(f"{r:24s} {len(idx):4d} {fmt(auc(lo, oo)):>22s} {fmt(auc(cl, co)):>23s}")
    # p_laundered ~ 1 - CLIP(generated): laundered (held-out reals) vs fully generated families
    laund = [tg.image_logit("clip", pc, feats[i], "sq256_laund") for i in range(len(items))
             if groups[i] in ("pristine-kodak24", "playground-real")
             and "sq256_laund" in feats[i].clip]
    print(f"\np_laundered = 1 - P_clip(generated): AUC laundered ({len(laund)} held-out photos) vs fully generated")
    for g in sorted({it.group for it in items if it.label == 1}):
        gz = [tg.image_logit("clip", pc, feats[i], "as_is") for i in range(len(items)) if groups[i] == g]
        print(f"  {g:24s} n={len(gz):3d}  AUC {fmt(auc(-np.asarray(laund), -np.asarray(gz)))}")


if __name__ == "__main__":
    main()
