"""Generation detection on families never trained on, false alarms per real source, robustness,
attribution, laundering and speed (issue 18). Prints markdown tables.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/accuracy/accuracy_generation.py --data /work/gen-data

Data: the *validation* split of ``forgelens.training.generation_data`` — whole generator
families held out of every fit (Seedream 5, Midjourney v7, Flux.1-dev, Grok) and 40 % of
each real-photo source — scored from the features cached by ``generation_cache.py``.
Thresholds are the shipped ones (fitted on the training split only). Scorers:

- ``combined``: the shipped ``fusion/generation.json`` first model (gen_trace + clip_probe);
- ``clip_probe``: the shipped probe; ``gen_trace``: the shipped CNN alone (its fallback threshold);
- ``univfd-old``: the probe shipped before issue 18 (SD 1.x/2.x + camera photos, one resized view);
- ``trivial``: logistic regression on log size, JPEG or not, brightness, saturation and
  sharpness, fitted on the same training split, threshold by the same per-style rule.

Gate (session 5b): as in the pipeline, a view the shipped ``graphic_content`` gate calls a designed
graphic gets no generation verdict (``generation_cache_gate.py`` caches the gate's features). The
tables give "gated" as its own column: a gated generated picture is not counted as called generated,
a gated real one is not a false alarm; AUCs are over the pictures the gate passes. ``--no-gate``
gives the earlier accounting (every picture scored). ``--models DIR`` scores the three model files
in DIR (a candidate written by ``fit_generation.py --out DIR``) instead of the shipped ones.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.special import expit

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))

from fit_generation import (  # noqa: E402
    FAMILIES_JSON,
    FPR,
    OUT_JSON,
    PROBE_JSON,
    ROOT,
    SINGLE_VIEW,
    Table,
    auc,
    logit,
    per_source_threshold,
    view_logit,
)

from forgelens.detectors.generation_attribution import UNKNOWN, FamilyModel  # noqa: E402
from forgelens.fusion.generation import GenerationCombiner  # noqa: E402
from forgelens.training import probes as tg  # noqa: E402

OLD_PROBE_COMMIT = "e41737b"  # the probe shipped before issue 18


def old_probe() -> tg.LinearProbe:
    raw = subprocess.run(["git", "-C", str(ROOT), "show", f"{OLD_PROBE_COMMIT}:src/forgelens/learned/weights/clip_probe.json"],
                         check=True, capture_output=True, text=True).stdout
    return tg.LinearProbe.from_json(json.loads(raw))


class Scorers:
    def __init__(self, train: Table, models: Path | None = None):
        probe_json, out_json = (models / PROBE_JSON.name, models / OUT_JSON.name) if models else (PROBE_JSON, OUT_JSON)
        self.families_json = models / FAMILIES_JSON.name if models else FAMILIES_JSON
        self.probe = tg.LinearProbe.load(probe_json)
        self.parts = tuple(self.probe.meta["parts"])
        self.views = tuple(self.probe.meta.get("views", SINGLE_VIEW))  # session 6: logit averaged over test-time views
        self.comb = [{"detectors": list(m.detectors), "coef": list(m.coef), "intercept": m.intercept,
                      "generated_at": m.generated_at, "authentic_below": m.authentic_below}
                     for m in GenerationCombiner.load(out_json).models]  # either file layout
        self.old = old_probe()
        tr = train.split == "train"
        x = train.parts["trivial"][tr]
        self.triv = tg.fit_linear(x, train.y[tr], c=1.0)
        p = expit(self.triv.logit(x))
        r = train.y[tr] == 0
        self.triv_thr = per_source_threshold(p[r], train.family[tr][r], gated=train.gated[tr][r])

    def scores(self, t: Table) -> dict[str, tuple[np.ndarray, float]]:
        p_clip = self.probe.prob(view_logit(self.probe, t.xv(self.parts, self.views)))
        m = self.comb[0]
        z = m["intercept"] + m["coef"][0] * logit(t.gen_trace) + m["coef"][1] * logit(p_clip)
        gt = next(mm for mm in self.comb if mm["detectors"] == ["gen_trace"])
        cl = next(mm for mm in self.comb if mm["detectors"] == ["clip_probe"])
        # where gen_trace gave no score the shipped fusion falls back to its clip-only model; its own
        # threshold is applied by rescaling that model's P onto the first model's threshold
        p_comb = np.where(np.isfinite(z), expit(np.nan_to_num(z)),
                          np.where(p_clip >= cl["generated_at"], np.maximum(p_clip, m["generated_at"]),
                                   np.minimum(p_clip, m["generated_at"] - 1e-6)))
        return {
            "combined": (p_comb, m["generated_at"]),
            "clip_probe": (p_clip, self.probe.threshold),
            "gen_trace": (np.nan_to_num(t.gen_trace, nan=0.0), gt["generated_at"]),
            "univfd-old": (self.old.prob(self.old.logit(t.parts["g_emb"])), self.old.threshold),
            "trivial": (expit(self.triv.logit(t.parts["trivial"])), self.triv_thr),
        }


def table(t: Table, sc: Scorers, title: str) -> None:
    val = t.split == "val"
    if not val.any():
        return
    s = sc.scores(t)
    names = list(s)
    real = val & (t.y == 0)
    ok = ~t.gated  # the gate passes it: the generation detectors decide
    print(f"\n### {title}\n")
    print("| held-out family | n | gated | " + " | ".join(f"{n} AUC / TPR" for n in names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    fams = sorted(set(t.family[val & (t.y == 1)]))
    for fam in fams + ["all unseen families"]:
        g = val & (t.y == 1) & ((t.family == fam) if fam != "all unseen families" else True)
        cells = []
        for n in names:
            p, thr = s[n]
            sel = (g | real) & ok
            cells.append(f"{auc(t.y[sel], p[sel]):.3f} / {np.mean((p[g] >= thr) & ok[g]):.0%}")
        print(f"| {fam} | {int(g.sum())} | {int((g & t.gated).sum())} | " + " | ".join(cells) + " |")
    print(f"\n(AUC against the {int((real & ok).sum())} of {int(real.sum())} held-out real photos of this view "
          "the gate passes, over the pictures it passes; TPR = share of all n called generated at the "
          "model's threshold — a gated picture gets no generation verdict)\n")
    print("| real source (held out) | n | gated | " + " | ".join(f"{n} FPR" for n in names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    for src in sorted(set(t.family[real])):
        g = real & (t.family == src)
        print(f"| {src} | {int(g.sum())} | {int((g & t.gated).sum())} | "
              + " | ".join(f"{np.mean((s[n][0][g] >= s[n][1]) & ok[g]):.1%} ({int(((s[n][0] >= s[n][1]) & g & ok).sum())})"
                           for n in names) + " |")
    print("| thresholds | | | " + " | ".join(f"{s[n][1]:.3f}" for n in names) + " |")
    bands(t, s["combined"][0], sc.comb[0])


def summary_row(t: Table, sc: Scorers, view: str) -> str:
    """One markdown row: the combined score on the unseen families and the real sources of one view."""
    p, thr = sc.scores(t)["combined"]
    val, ok = t.split == "val", ~t.gated
    gen, real = val & (t.y == 1), val & (t.y == 0)
    sel = (gen | real) & ok
    called = gen & ok & (p >= thr)
    lo = sc.comb[0]["authentic_below"]
    fa = {s: (int((real & ok & (t.family == s) & (p >= thr)).sum()), int((real & (t.family == s)).sum()))
          for s in sorted(set(t.family[real]))}
    worst = max(fa, key=lambda s: fa[s][0] / fa[s][1])
    over = [f"{s} {a}/{n}" for s, (a, n) in fa.items() if a > FPR * n]
    return (f"| {view} | {auc(t.y[sel], p[sel]):.4f} | {int(called.sum())}/{int(gen.sum())} ({called.sum() / gen.sum():.0%}) | "
            f"{np.mean(gen & ok & (p >= lo) & (p < thr)) / np.mean(gen):.0%} | {int((gen & t.gated).sum())} / "
            f"{int((real & t.gated).sum())} | {int((real & ok & (p >= thr)).sum())}/{int(real.sum())} | "
            f"{worst} {fa[worst][0]}/{fa[worst][1]} | {', '.join(over) or 'none'} | {thr:.3f} / {lo:.3f} |")


def bands(t: Table, p: np.ndarray, model: dict) -> None:
    """Share of each held-out family / real source in the combined score's three bands."""
    val = t.split == "val"
    hi, lo = model["generated_at"], model["authentic_below"]
    print(f"\nCombined score's bands (generated ≥ {hi:.3f}, inconclusive ≥ {lo:.3f}, else not generated):\n")
    print("| held-out group | n | gated (no verdict) | generated | inconclusive | not generated |")
    print("|---|---|---|---|---|---|")
    gen = sorted(set(t.family[val & (t.y == 1)]))
    real = sorted(set(t.family[val & (t.y == 0)]))
    for name, g in ([(f, val & (t.family == f)) for f in gen] + [("all unseen families", val & (t.y == 1))]
                    + [(f"real: {f}", val & (t.family == f)) for f in real] + [("all real", val & (t.y == 0))]):
        q, ok = p[g], ~t.gated[g]
        print(f"| {name} | {int(g.sum())} | {np.mean(~ok):.0%} | {np.mean((q >= hi) & ok):.0%} | "
              f"{np.mean((q >= lo) & (q < hi) & ok):.0%} | {np.mean((q < lo) & ok):.0%} |")


def attribution(t: Table, sc: Scorers) -> None:
    """Known families: 5-fold CV on the training split (refit per fold); unseen: share read 'unknown'."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    fam = FamilyModel.load(sc.families_json)
    x = t.x(fam.parts)
    known = (t.split == "train") & np.isin(t.family, fam.families)
    xk, yk = x[known], t.family[known]
    pred = np.empty(len(yk), object)
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(xk, yk):
        mean, scale = xk[tr].mean(0), xk[tr].std(0) + 1e-6
        lr = LogisticRegression(C=fam.meta.get("C", 0.05), max_iter=3000).fit((xk[tr] - mean) / scale, yk[tr])
        pr = lr.predict_proba((xk[te] - mean) / scale)
        pred[te] = np.where(pr.max(1) >= fam.p_min, lr.classes_[pr.argmax(1)], UNKNOWN)
    print("\n### Attribution (hint), training families by 5-fold CV; held-out families must read 'unknown/other'\n")
    print("| family | n | correct family | read unknown/other | another family |")
    print("|---|---|---|---|---|")
    for f in fam.families:
        g = yk == f
        print(f"| {f} (known) | {int(g.sum())} | {np.mean(pred[g] == f):.0%} | {np.mean(pred[g] == UNKNOWN):.0%} | "
              f"{np.mean((pred[g] != f) & (pred[g] != UNKNOWN)):.0%} |")
    val = (t.split == "val") & (t.y == 1)
    for f in sorted(set(t.family[val])) + ["other-modern"]:  # other-modern: training split, used to set p_min
        g = (t.family == f) & ((t.split == "val") | (f == "other-modern")) & (t.y == 1)
        if not g.any():
            continue
        out = [fam.attribute(xx)["family"] for xx in x[g]]
        unk = np.mean([o == UNKNOWN for o in out])
        what = "unnamed generators, set p_min" if f == "other-modern" else "unseen"
        print(f"| {f} ({what}) | {int(g.sum())} | – | {unk:.0%} | {1 - unk:.0%} |")
    print(f"\nKnown families: {', '.join(fam.families)}; p_min {fam.p_min:.3f}")


def laundering(data: Path, n: int) -> None:
    """Real photos vs their TAEF2 re-renderings, both then processed alike (crop, resize, JPEG/WebP/social)."""
    from forgelens.detectors import registry
    from forgelens.evidence import load
    from forgelens.synth import jpeg_history as jh
    from forgelens.training import taef2
    from forgelens.training.generation_data import load_manifest, process

    why = taef2.available()
    if why:
        print(f"\n(laundering skipped: {why})")
        return
    recs = [r for r in load_manifest(data) if not r.dropped and r.split == "val" and r.label == "authentic"]
    recs = recs[:: max(1, len(recs) // n)][:n]
    rows = defaultdict(list)
    for r in recs:
        rgb = jh.decode(Path(r.raw).read_bytes())
        h, w = rgb.shape[:2]
        s = min(h, w, 512) // 16 * 16
        crop = np.ascontiguousarray(rgb[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s])
        for kind, img in (("original", crop), ("laundered", taef2.launder(crop))):
            data_b, _, _, _ = process(img, np.random.default_rng(int(r.id, 16)))
            traces = [registry.run(d, load(data_b)) for d in ("gen_trace", "clip_probe")]
            from forgelens.fusion.generation import assess

            a = assess(traces)
            rows[kind].append((traces[0].score, a.p_generated if a else np.nan,
                               (a.laundering or {}).get("p_laundered", np.nan) if a else np.nan))
    o, la = np.array(rows["original"], float), np.array(rows["laundered"], float)
    y = np.r_[np.zeros(len(o)), np.ones(len(la))]
    print(f"\n### Laundered vs original on processed copies ({len(o)} held-out real photos, centre ≤512 px crop, "
          "TAEF2 round trip, then the training chain)\n")
    print("| score | AUC laundered vs original | original mean | laundered mean |")
    print("|---|---|---|---|")
    for i, name in enumerate(("gen_trace", "combined P(generated)")):
        print(f"| {name} | {auc(y, np.r_[o[:, i], la[:, i]]):.3f} | {np.nanmean(o[:, i]):.3f} | {np.nanmean(la[:, i]):.3f} |")
    print(f"| p_laundered reported (P(generated) ≥ authentic_below) | | {np.mean(~np.isnan(o[:, 2])):.0%} | "
          f"{np.mean(~np.isnan(la[:, 2])):.0%} |")


def cameras(data: Path, limit_bytes: int = 1_500_000) -> None:
    """Issue 14's camera set: the exif-samples JPEGs of ``../shared/datasets/cameras`` ≤ 1.5 MB, each
    through the gate, gen_trace and clip_probe and the *shipped* combiner (the generation row of the
    verdict only, not the whole analysis: it comes before the manipulation rows, so a call here is a
    "generated" label unless a provenance declaration decides first); pictures the pipeline does not
    judge (``why_not_applicable``: under 128 px a side, flat) are counted apart, as the analysis
    labels them "not_applicable". Says which files a generation fit saw (train split of DATA)."""
    import csv

    from forgelens.fusion.generation import shipped_combiner
    from forgelens.training.generation_data import load_manifest

    root = ROOT.parent / "shared" / "datasets" / "cameras"
    if not root.is_dir():
        print(f"\n(cameras skipped: {root} absent)")
        return
    with open(root / "index.csv", newline="") as fh:
        paths = [root / r["image"] for r in csv.DictReader(fh) if "exif-samples" in r["image"]]
    paths = [p for p in paths if p.stat().st_size <= limit_bytes]
    fitted_on = {Path(r.path).name for r in load_manifest(data)
                 if not r.dropped and r.split == "train" and str(r.path).startswith("exif-samples/")}
    left_out = (shipped_combiner().fitted or {}).get("left_out_of_training", "")
    seen = set() if "exif-samples" in left_out else fitted_on
    calls, gated, unread, n, not_judged = generation_calls(paths, seen)
    print(f"\n### Camera originals: exif-samples ≤ 1.5 MB ({n} readable, {unread} unreadable), generation row only\n")
    print(f"- called generated: {len(calls)}/{n} ({len(calls) / max(n, 1):.1%}): {', '.join(calls) or 'none'}")
    print(f"- not judged (label not_applicable: too small or flat): {len(not_judged)}")
    print(f"- gated (designed graphic, no generation verdict): {len(gated)}: {', '.join(gated) or 'none'}")
    print(f"- exif-samples files in the generation fit's training split: {len(seen)}"
          + (f" (the shipped combiner says: {left_out})" if left_out else ""))
    casia = ROOT.parent / "shared" / "datasets" / "casia1-samples"
    if not (casia / "index.csv").is_file():
        print(f"\n(CASIA1 skipped: {casia} absent)")
        return
    with open(casia / "index.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    print("\n### CASIA1 samples, generation row only (same models)\n")
    for label in ("authentic", "manipulated"):
        calls, gated, unread, n, not_judged = generation_calls([casia / r["image"] for r in rows if r["label"] == label], set())
        print(f"- {label}: called generated {len(calls)}/{n}: {', '.join(calls) or 'none'}; gated {len(gated)}; "
              f"not judged {len(not_judged)}; unreadable {unread}")


def generation_calls(paths: list[Path], seen: set[str]) -> tuple[list[str], list[str], int, int, list[str]]:
    """The generation row of the verdict for each file (gate, gen_trace, clip_probe, shipped combiner):
    (files called generated, files gated, unreadable count, readable count, files not judged)."""
    from forgelens.detectors import registry
    from forgelens.errors import ForgeLensError
    from forgelens.evidence import load
    from forgelens.fusion import graphic_gate
    from forgelens.fusion.generation import assess
    from forgelens.pipeline import why_not_applicable

    calls, gated, unread, n, not_judged = [], [], 0, 0, []
    for p in paths:
        try:
            ev = load(p)
        except ForgeLensError:
            unread += 1
            continue
        n += 1
        if why_not_applicable(ev):
            not_judged.append(p.name)
            continue
        traces = [registry.run(d, ev) for d in ("graphic_content", "gen_trace", "clip_probe")]
        a = assess(traces[1:])
        if graphic_gate(traces[:1]):
            gated.append(p.name)
        elif a is not None and a.p_generated >= a.generated_at:
            calls.append(f"{p.name} (P {a.p_generated:.2f}{', fitted on' if p.name in seen else ''})")
    return calls, gated, unread, n, not_judged


def speed(data: Path, n: int = 6, models: Path | None = None) -> None:
    from forgelens.detectors import registry
    from forgelens.evidence import load

    files = sorted((data / "views").glob("*_proc.*"))[:: 97][:n]
    cfg = {"gen_trace": None,
           "clip_probe": registry.get("clip_probe").config_cls(probe_path=str(models / PROBE_JSON.name)) if models else None}
    for d in ("gen_trace", "clip_probe"):
        registry.run(d, load(files[0]), config=cfg[d])
    tt = defaultdict(list)
    mp = []
    for f in files:
        ev = load(f)
        mp.append(np.asarray(ev.pixels).shape[0] * np.asarray(ev.pixels).shape[1] / 1e6)
        for d in ("gen_trace", "clip_probe"):
            t0 = time.perf_counter()
            registry.run(d, ev, config=cfg[d])
            tt[d].append(time.perf_counter() - t0)
    print(f"\n### Seconds per image ({n} processed views, {np.mean(mp):.2f} MP mean, one thread, machine under load)\n")
    for d, v in tt.items():
        print(f"- {d}: {np.median(v):.3f} s median (max {max(v):.3f} s)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data"))
    ap.add_argument("--launder-n", type=int, default=24)
    ap.add_argument("--skip-slow", action="store_true")
    ap.add_argument("--no-gate", action="store_true", help="score every picture (accounting before session 5b)")
    ap.add_argument("--models", type=Path, default=None,
                    help="folder with clip_probe.json, generation_families.json and generation.json to score "
                         "instead of the shipped files (fit_generation.py --out)")
    ap.add_argument("--cameras", action="store_true",
                    help="only the exif-samples camera originals ≤ 1.5 MB (issue 14's set) and the CASIA1 samples "
                         "through the shipped models (their generation row)")
    ap.add_argument("--speed", action="store_true", help="only the seconds per image (of --models' probe when given)")
    ap.add_argument("--summary", action="store_true",
                    help="only one row per view for the combined score (the comparison table of the notes)")
    a = ap.parse_args(argv)
    gate = not a.no_gate
    if a.cameras:
        cameras(a.data)
        return 0
    if a.speed:
        speed(a.data, models=a.models)
        return 0
    base = Table(a.data, gate=gate)
    sc = Scorers(base, a.models)
    print(f"models: {a.models or 'shipped'}; gate {'on' if gate else 'off'} (threshold {base.gate_threshold:.3f})")
    if a.summary:
        print("\n| view | unseen AUC | called generated | inconclusive | gated gen / real | real called generated | "
              "worst real source | sources over 3 % | generated_at / authentic_below |")
        print("|---|---|---|---|---|---|---|---|---|")
        for view in ("proc", "jpeg75", "half", "social"):
            print(summary_row(base if view == "proc" else Table(a.data, view, gate=gate), sc, view))
        return 0
    table(base, sc, "Processed views (crop to aspect bucket, ×0.5–1.5, JPEG/WebP 60–100 or social)")
    for view, what in (("jpeg75", "then JPEG q75"), ("half", "then ×0.5 resize"), ("social", "then a social chain "
                                                                                              "(JPEG 90 → long side ≤1080 → JPEG 75)")):
        table(Table(a.data, view, gate=gate), sc, f"Robustness: processed view {what} (≤6 per family/source: --robust-cap of generation_cache.py)")
    attribution(base, sc)
    if not a.skip_slow:
        laundering(a.data, a.launder_n)
        speed(a.data, models=a.models)
    return 0


if __name__ == "__main__":
    sys.exit(main())
