"""Why web photos read "inconclusive": which rule of the decision table puts them there (issue 14 / 18, session 15).

Diagnosis only: nothing is fitted, tuned or chosen here. Cached analyses are re-fused with the checked-out code
(``verdict_accuracy.refuse``, the shipped ``fusion/detection.json`` and ``fusion/generation.json``) and every picture's
verdict is explained by the row of ``forgelens.fusion._decide`` that produced it. An "inconclusive" under the
calibrated manipulation model (rule ``manipulation_model``) has one of these causes (``cause``):

- ``detection band``: P(manipulated) in [authentic_below, manipulated_at) of the detection model, P(generated) clear;
- ``generation band``: P(manipulated) below authentic_below but P(generated) in the generation model's inconclusive band
  [its authentic_below, generated_at);
- ``generation leans``: both below their bands but P(generated)'s likelihood ratio > 1 (``gen_leans``: "authentic" is said
  only when P(authentic) is the largest of the three);
- the combinations ``detection band + generation band`` / ``detection band + generation leans``;
- ``generation outweighs``: P(manipulated) ≥ manipulated_at but P(generated)'s likelihood ratio is larger;
- ``no score`` (rule ``no_score``) or another rule (named).

Q1 prints the label counts and causes per authentic set (per repository for the fresh sets), and for the
detection-band pictures the detection model's feature contributions (``DetectionModel.contributions``: coefficient ×
standardised value, summed per detector) beside the camera originals'. Q2 prints the same labels for the forgeries
(held-out exact-mask never-seen hosts, full size, casia1, toolkit) and, from ``generation_confirm_s14c3``'s scorers
(the fresh generated pictures' caches hold generation features only), the bands of P(generated) of the four fresh
generated sets. Q3 is a what-if grid over the two ``authentic_below`` thresholds (``what_if``: the decision table
replayed with other thresholds; at the shipped ones it must give back every verdict — the script prints the mismatches).
Q4 compares size and format of the inconclusive and the authentic-read web photos, with the trivial baseline (size
alone) as an AUC.

    OMP_NUM_THREADS=1 nice -n 15 python benchmarks/studies/verdict_band.py \\
        --root /work/caches/s14/s14wise/roots/B --lead-cache /work/caches/s14/lead/cache \\
        --index fresh-conf=/work/caches/s13/lead/data/fresh-conf/index.csv \\
        --index fresh-conf2=/work/caches/s13/lead/data/fresh-conf2/index.csv \\
        --index fresh-conf3=/work/caches/s14/lead/data/fresh-conf3/index.csv \\
        --index fresh-conf4=/work/caches/s14/lead/data/fresh-conf4/index.csv \\
        --gen-data /work/gen-data-s14conf4 --gen-model N3x=/work/gen-data-s12b/s12-candN3x
"""

from __future__ import annotations

import argparse
import collections
import csv
import sys
from pathlib import Path

import numpy as np

FRESH_SETS = ("fresh-web", "fresh-conf", "fresh-conf2", "fresh-conf3", "fresh-conf4")
CAMERA_SETS = ("cameras-exif", "pristine-extra", "camera-val", "cameras-large")
OTHER_AUTH_SETS = ("fullsize-val-auth", "kodak24", "hard-val", "s10real", "casia1", "toolkit")
FORGERY_SETS = ("casia1", "toolkit")
HELDOUT_SETS = ("heldout-web", "heldout-web2", "heldout-cam", "heldout-cam2")
CAUSES = ("detection band", "generation band", "generation leans", "detection band + generation band",
          "detection band + generation leans", "generation outweighs", "no score")
#: Q3's grid (information only: nothing is chosen from it). ``None`` = the shipped value of each picture's model.
DET_GRID = (0.40, 0.45, None, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80)
GEN_GRID = (None, 0.75, 0.80, 1.0)  # 1.0: the band's edge at generated_at (no generation band)
TOP = 8


def _lr(p, prior):
    p = np.clip(np.asarray(p, float), 1e-6, 1 - 1e-6)
    q = np.clip(np.asarray(prior, float), 1e-6, 1 - 1e-6)
    return (p / (1 - p)) / (q / (1 - q))


def cause(r: dict) -> str:
    """Which row of the decision table gave the verdict (the verdict itself unless it is inconclusive)."""
    if r["verdict"] != "inconclusive":
        return r["verdict"]
    if r["rule"] == "no_score":
        return "no score"
    if r["rule"] not in ("manipulation_model", "manipulation_rule"):
        return f"other rule: {r['rule']}"
    pg = r.get("p_g")
    gen = pg is not None and np.isfinite(pg)
    band = gen and pg >= r["gen_ab"]
    lr_g = float(_lr(pg, r["gen_prior"])) if gen and r["gen_calibrated"] and r["manip_calibrated"] else None
    leans = lr_g is not None and lr_g > 1.0 and not band
    if r["p_m"] >= r["det_ma"]:
        return "generation outweighs"
    det = r["p_m"] >= r["det_ab"]
    if det:
        return "detection band + generation band" if band else (
            "detection band + generation leans" if leans else "detection band")
    if band:
        return "generation band"
    return "generation leans" if leans else "other (unexplained)"


def what_if(rows: list[dict], det_ab: float | None = None, gen_ab: float | None = None,
            leans: bool = True) -> np.ndarray:
    """Each picture's label with the decision table replayed at other ``authentic_below`` thresholds (None: the
    shipped one of each picture's model; a generation edge is capped at that model's ``generated_at``); ``leans``
    False drops the "P(generated) leans (LR > 1)" clause. Rows decided by another rule keep their verdict."""
    n = len(rows)
    out = np.array([r["verdict"] for r in rows], dtype=object)
    if not n:
        return out
    f = lambda k, d=np.nan: np.array([d if r.get(k) is None else r[k] for r in rows], float)  # noqa: E731
    model = np.array([r["rule"] in ("manipulation_model", "manipulation_rule") for r in rows])
    pm, ma, ab = f("p_m"), f("det_ma"), f("det_ab")
    pg, gat, gab = f("p_g"), f("gen_at", 2.0), f("gen_ab", 2.0)
    if det_ab is not None:
        ab = np.minimum(det_ab, ma)
    if gen_ab is not None:
        gab = np.minimum(gen_ab, gat)
    gen = np.isfinite(pg)
    both_cal = np.array([bool(r.get("gen_calibrated")) and bool(r.get("manip_calibrated")) for r in rows])
    lr_g = np.where(gen & both_cal, _lr(np.nan_to_num(pg, nan=0.5), f("gen_prior", 0.5)), np.nan)
    lr_m = _lr(np.nan_to_num(pm, nan=0.5), f("manip_prior", 0.5))
    doubt = gen & (pg >= gab) & (pg < gat)
    outweighs = np.isfinite(lr_g) & (lr_g > lr_m)
    lean = np.isfinite(lr_g) & (lr_g > 1.0) if leans else np.zeros(n, bool)
    lab = np.where((pm >= ma) & ~outweighs, "manipulated",
                   np.where((pm < ab) & ~doubt & ~lean, "authentic", "inconclusive"))
    out[model] = lab[model]
    return out


def _row(s, meta: dict, set_name: str, model, data: Path | None, repo: str, want_feats: bool) -> dict:
    from benchmarks.accuracy.verdict_accuracy import refuse
    from forgelens.fusion.detection import features

    v = refuse(s, meta, None)
    g = v.generation or {}
    used = bool(g) and g.get("used", True) is not False
    h, w = meta["shape"]
    dt = model.thresholds_for((h, w)) if model is not None else {}
    r = {"set": set_name, "image": meta["image"], "label": meta["label"], "kind": meta.get("kind") or "",
         "source": meta.get("source", ""), "repo": repo, "verdict": v.label, "rule": v.decision.get("rule"),
         "p_m": v.manipulation_score, "det_ma": dt.get("manipulated_at"), "det_ab": dt.get("authentic_below"),
         "manip_calibrated": bool(v.prior.get("manipulated") is not None),
         "manip_prior": v.prior.get("manipulated") or 0.5,
         "p_g": g.get("p_generated") if used else None, "gen_at": g.get("generated_at") if used else None,
         "gen_ab": g.get("authentic_below") if used else None, "gen_prior": (g.get("prior") or 0.5) if used else 0.5,
         "gen_calibrated": bool(used and g.get("calibrated")), "megapixels": float(meta["megapixels"]),
         "format": meta["format"], "bpp": None}
    f = (data / meta["image"]) if data is not None else None
    if f is not None and f.is_file():
        r["bpp"] = 8.0 * f.stat().st_size / float(h * w)
    if want_feats and model is not None:
        feats = features(s, model.detectors)
        r["p_m_raw_summary"] = model.probability(feats)
        push: dict[str, float] = collections.defaultdict(float)
        for k, c in model.contributions(feats).items():
            push[k.split(".")[0]] += c
        r["push"] = dict(push)
    r["cause"] = cause(r)
    return r


def load(cache: Path, set_name: str, data: Path | None = None, repos: dict | None = None, keep=None,
         want_feats: bool = False) -> list[dict]:
    """Every analysed picture of one cache folder, re-fused (``keep(meta)``: which to read)."""
    from forgelens.fusion import detection_model
    from forgelens.fusion.detection import MapSummary

    model = detection_model()
    out = []
    for p in sorted((cache / set_name).glob("*.npz")):
        s, meta = MapSummary.from_npz(p)
        if "error" in meta or (keep is not None and not keep(meta)):
            continue
        out.append(_row(s, meta, set_name, model, data, (repos or {}).get(meta["image"], ""), want_feats))
    return out


def _counts(rows: list[dict], key: str, order) -> str:
    c = collections.Counter(r[key] for r in rows)
    return " | ".join(str(c.get(k, 0)) for k in order)


def _pct(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.0f} %)" if n else "0/0"


def q1_table(groups: dict[str, list[dict]]) -> list[str]:
    labs = ("authentic", "inconclusive", "manipulated", "generated", "not_applicable")
    out = ["| set | n | " + " | ".join(labs) + " | " + " | ".join(CAUSES) + " | other |",
           "|---|---:|" + "---:|" * (len(labs) + len(CAUSES) + 1)]
    for name, rows in groups.items():
        inc = [r for r in rows if r["verdict"] == "inconclusive"]
        other = sum(r["cause"] not in CAUSES for r in inc)
        out.append(f"| {name} | {len(rows)} | {_counts(rows, 'verdict', labs)} | {_counts(inc, 'cause', CAUSES)} "
                   f"| {other} |")
    return out


def push_table(groups: dict[str, list[dict]]) -> list[str]:
    """Mean contribution per picture of each detector's features (to the raw logit), per group."""
    names = sorted({k for rows in groups.values() for r in rows for k in r.get("push", {})})
    means = {g: {k: float(np.mean([r["push"].get(k, 0.0) for r in rows])) if rows else 0.0 for k in names}
             for g, rows in groups.items()}
    first = next(iter(groups))
    ref = list(groups)[-1]
    top = sorted(names, key=lambda k: -(means[first][k] - means[ref][k]))[:TOP]
    out = ["| detector (features summed) | " + " | ".join(f"{g} (n={len(groups[g])})" for g in groups)
           + f" | {first} − {ref} |", "|---|" + "---:|" * (len(groups) + 1)]
    for k in top:
        out.append(f"| {k} | " + " | ".join(f"{means[g][k]:+.3f}" for g in groups)
                   + f" | {means[first][k] - means[ref][k]:+.3f} |")
    return out


def auc(y: np.ndarray, s: np.ndarray) -> float | None:
    """Mann-Whitney AUC of score ``s`` for ``y`` (ties count one half); None without both classes."""
    pos, neg = s[y], s[~y]
    if not len(pos) or not len(neg):
        return None
    from scipy.stats import rankdata

    ranks = rankdata(np.concatenate([pos, neg]))
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def best_threshold_accuracy(y: np.ndarray, s: np.ndarray) -> float:
    """The best accuracy of "inconclusive iff s ≥ t" over every t (the trivial baseline's ceiling)."""
    order = np.argsort(-s, kind="stable")
    ys, ss = y[order], s[order]
    tp = np.concatenate([[0], np.cumsum(ys)])
    tn = (~y).sum() - np.concatenate([[0], np.cumsum(~ys)])
    # a cut only between two different values (or at either end): tied pictures fall on the same side
    ok = np.concatenate([[True], ss[1:] != ss[:-1], [True]])
    return float(np.max(((tp + tn) / len(y))[ok]))


def q4_lines(web: list[dict]) -> list[str]:
    rows = [r for r in web if r["verdict"] in ("inconclusive", "authentic")]
    y = np.array([r["verdict"] == "inconclusive" for r in rows])
    mp = np.array([r["megapixels"] for r in rows])
    out = ["| read as | n | megapixels q25 / median / q75 | < 0.5 MP | JPEG | PNG | other format | bits per pixel median (n) |",
           "|---|---:|---|---:|---:|---:|---:|---|"]
    for lab in ("inconclusive", "authentic"):
        sel = [r for r in rows if r["verdict"] == lab]
        m = np.array([r["megapixels"] for r in sel])
        bpp = np.array([r["bpp"] for r in sel if r["bpp"] is not None])
        fmt = collections.Counter(r["format"] for r in sel)
        other = len(sel) - fmt.get("JPEG", 0) - fmt.get("PNG", 0)
        q = np.percentile(m, [25, 50, 75]) if len(m) else [np.nan] * 3
        out.append(f"| {lab} | {len(sel)} | {q[0]:.2f} / {q[1]:.2f} / {q[2]:.2f} | {int((m < 0.5).sum())} | "
                   f"{fmt.get('JPEG', 0)} | {fmt.get('PNG', 0)} | {other} | "
                   f"{np.median(bpp) if len(bpp) else float('nan'):.2f} ({len(bpp)}) |")
    out.append("")
    base = max(y.mean(), 1 - y.mean()) if len(y) else float("nan")
    a_small = auc(y, -mp)
    out.append(f"Trivial baseline, size alone (smaller → inconclusive): AUC {a_small:.3f}; best single-threshold accuracy "
               f"{best_threshold_accuracy(y, -mp):.3f} against the majority-class accuracy {base:.3f} (n = {len(y)}).")
    has = np.array([r["bpp"] is not None for r in rows])
    if has.sum() > 10:
        b = np.array([r["bpp"] for r in rows if r["bpp"] is not None])
        out.append(f"Bits per pixel alone (lower → inconclusive), on the {int(has.sum())} whose file was found: "
                   f"AUC {auc(y[has], -b):.3f}.")
    png = np.array([r["format"] != "JPEG" for r in rows])
    out.append(f"Format alone (not JPEG → inconclusive): AUC {auc(y, png.astype(float)):.3f}.")
    out.append("Formats: " + "; ".join(f"{lab}: " + ", ".join(f"{k} {v}" for k, v in collections.Counter(
        r["format"] for r in rows if r["verdict"] == lab).most_common()) for lab in ("inconclusive", "authentic")) + ".")
    out += ["", "By cause (web photos): n, megapixels median, share below 0.5 MP, median P(generated):", ""]
    for c in ("authentic",) + CAUSES:
        sel = [r for r in web if r["cause"] == c]
        if sel:
            m = np.array([r["megapixels"] for r in sel])
            g = np.array([r["p_g"] for r in sel if r["p_g"] is not None])
            out.append(f"- {c}: {len(sel)}, {np.median(m):.2f} MP, {np.mean(m < 0.5):.0%}, "
                       f"{np.median(g) if len(g) else float('nan'):.3f}")
    return out


def q3_table(web: list[dict], forg: list[dict], gen_p: np.ndarray | None, gen_at: float, gen_ab: float) -> list[str]:
    """The what-if grid. Forgeries: share read "authentic"; generated (P(generated) alone): share whose P(generated)
    no longer stops an "authentic" (below the edge and, with the leans clause, LR ≤ 1) — an upper bound, the
    detection side is not measured on them."""
    out = ["| detection authentic_below | generation edge | leans clause | web photos inconclusive | web photos authentic "
           "| forgeries read authentic | fresh generated not stopped by P(generated) |",
           "|---|---|---|---:|---:|---:|---:|"]
    for leans in (True, False):
        for gab in GEN_GRID:
            for dab in DET_GRID:
                w = what_if(web, dab, gab, leans)
                f = what_if(forg, dab, gab, leans)
                g = ""
                if gen_p is not None:
                    edge = gen_ab if gab is None else min(gab, gen_at)
                    free = (gen_p < edge) & ((gen_p <= 0.5) if leans else True)
                    g = _pct(int(free.sum()), len(gen_p))
                out.append(f"| {'shipped' if dab is None else f'{dab:.2f}'} | "
                           f"{'shipped' if gab is None else ('= generated_at' if gab >= 1 else f'{gab:.2f}')} | "
                           f"{'on' if leans else 'off'} | {_pct(int((w == 'inconclusive').sum()), len(w))} | "
                           f"{_pct(int((w == 'authentic').sum()), len(w))} | "
                           f"{_pct(int((f == 'authentic').sum()), len(f))} | {g} |")
    return out


def _index(pairs: list[str]) -> dict[str, dict]:
    out = {}
    for p in pairs:
        name, path = p.split("=", 1)
        out[name] = (Path(path).parent, {r["image"]: r.get("repo", "") for r in csv.DictReader(open(path))})
    return out


def gen_scores(data: Path, model: str):
    """The four fresh confirmation sets' generated pictures: shipped combined P(generated) and the gate, per set."""
    here = Path(__file__).resolve().parent
    for sub in (here, here.parent / "fit", here.parent / "accuracy"):
        sys.path.insert(0, str(sub))
    from generation_confirm_s12 import fresh_masks
    from generation_confirm_s14c3 import score_fresh_sets

    from forgelens.training.gen_sources_conf import CONF4_GENERATED, FAMILY_REAL4

    t, scored, masks = score_fresh_sets(["--data", str(data), "--model", model], data, "")
    masks[4] = fresh_masks(t, CONF4_GENERATED, FAMILY_REAL4)
    p, thr = scored[model.split("=", 1)[0]]
    return t, p, thr, masks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, required=True, help="s14wise's roots/B (verdict/, heldout/, fullsize/)")
    ap.add_argument("--lead-cache", type=Path, default=None, help="cache folder holding fresh-conf3 / fresh-conf4")
    ap.add_argument("--index", action="append", default=[], help="SET=index.csv (image,label,repo; images beside)")
    ap.add_argument("--gen-data", type=Path, default=None)
    ap.add_argument("--gen-model", default=None, help="NAME=fit_generation.py folder of the shipped model")
    a = ap.parse_args(argv)
    idx = _index(a.index)
    verdict = a.root / "verdict"

    def cache_of(name):
        return a.lead_cache if name in ("fresh-conf3", "fresh-conf4") and a.lead_cache else verdict

    def auth(m):
        return m["label"] == "authentic"

    groups: dict[str, list[dict]] = {}
    for name in FRESH_SETS + CAMERA_SETS + OTHER_AUTH_SETS:
        if not (cache_of(name) / name).is_dir():
            print(f"(missing: {name})")
            continue
        data, repos = idx.get(name, (None, {}))
        groups[name] = load(cache_of(name), name, data, repos, keep=auth, want_feats=True)
    for name in HELDOUT_SETS:
        groups[f"{name} (authentic)"] = load(a.root / "heldout" / "cache", name, keep=auth)
    for name in ("fullsize-val-auth",):
        groups.pop(name, None)
        groups[name] = load(a.root / "fullsize" / "cache", name, keep=auth, want_feats=True)

    web = [r for n in FRESH_SETS for r in groups.get(n, [])]
    cams = [r for n in CAMERA_SETS for r in groups.get(n, [])]
    print("# Q1. Authentic pictures: labels and, for the inconclusive ones, the rule that put them there\n")
    print(f"Columns after n: labels ({', '.join(('authentic', 'inconclusive', 'manipulated', 'generated', 'n/a'))}),"
          " then the causes of the inconclusive ones.\n")
    print("\n".join(q1_table({**groups, "ALL FIVE FRESH WEB SETS": web, "ALL CAMERA SETS": cams})))
    print("\n## Q1, per repository (fresh sets with an index)\n")
    print("| set | repository | n | authentic | inconclusive | called | detection band (alone / with gen) | "
          "generation only (band / leans) |\n|---|---|---:|---:|---:|---:|---|---|")
    for name in FRESH_SETS:
        by = collections.defaultdict(list)
        for r in groups.get(name, []):
            by[r["repo"]].append(r)
        for repo, rs in sorted(by.items(), key=lambda p: -len(p[1])):
            if not repo:
                continue
            c = collections.Counter(r["cause"] for r in rs)
            called = c["manipulated"] + c["generated"]
            print(f"| {name} | {repo} | {len(rs)} | {c['authentic']} | "
                  f"{sum(r['verdict'] == 'inconclusive' for r in rs)} | {called} | {c['detection band']} / "
                  f"{c['detection band + generation band'] + c['detection band + generation leans']} | "
                  f"{c['generation band']} / {c['generation leans']} |")
    band = [r for r in web if r["cause"].startswith("detection band")]
    wauth = [r for r in web if r["verdict"] == "authentic"]
    print("\n## Q1, detection-band web photos: mean contribution per picture to the detection model's raw logit\n")
    print("(coefficient × standardised feature, summed over each detector's features; sorted by the excess over the "
          "camera originals)\n")
    print("\n".join(push_table({"web, detection band": band, "web, read authentic": wauth, "camera originals": cams})))
    chk = [r for r in web + cams if "p_m_raw_summary" in r and r["p_m"] is not None]
    same = sum(abs(r["p_m_raw_summary"] - r["p_m"]) < 1e-6 for r in chk)
    for name, rs in (("fresh web photos", web), ("camera originals", cams)):
        g = np.array([r["p_g"] for r in rs if r["p_g"] is not None])
        print(f"- {name}: P(generated) > 0.5 (its likelihood ratio > 1: 'authentic' cannot be said) for "
              f"{_pct(int((g > 0.5).sum()), len(g))} of those with a P(generated)")
    print(f"\n(contributions read from the cached summary before the no-local-evidence step: the re-fused P(manipulated) "
          f"is reproduced for {same}/{len(chk)} pictures)")
    pm = lambda rs: np.array([r["p_m"] for r in rs if r["p_m"] is not None])  # noqa: E731
    for name, rs in (("web detection band", band), ("web read authentic", wauth), ("camera originals", cams)):
        x = pm(rs)
        if len(x):
            print(f"- {name}: P(manipulated) q25 / median / q75 = "
                  + " / ".join(f"{v:.3f}" for v in np.percentile(x, [25, 50, 75])))

    # Q2: forgeries
    print("\n# Q2. Forgeries and fresh generated pictures\n")
    fgroups: dict[str, list[dict]] = {}

    def exact_never_seen(m):
        from benchmarks.studies.heldout_verdict import NEVER_SEEN, stratum

        return (m["label"] == "manipulated" and (m.get("kind") or "") not in ("local", "")
                and stratum(m.get("source", "")) in NEVER_SEEN)

    fgroups["held-out exact-mask (never-seen hosts)"] = [r for n in HELDOUT_SETS
                                                         for r in load(a.root / "heldout" / "cache", n,
                                                                       keep=exact_never_seen)]
    fgroups["full size (fullsize-val)"] = load(a.root / "fullsize" / "cache", "fullsize-val",
                                               keep=lambda m: m["label"] == "manipulated"
                                               and (m.get("kind") or "") not in ("local", ""))
    for name in FORGERY_SETS:
        fgroups[name] = load(verdict, name, keep=lambda m: m["label"] == "manipulated")
    forg = [r for rs in fgroups.values() for r in rs]
    print("\n".join(q1_table({**fgroups, "ALL FORGERIES": forg})))

    gen_p, gen_at, gen_ab = None, 0.0, 0.0
    if a.gen_data and a.gen_model:
        from forgelens.fusion.generation import shipped_combiner

        t, p, thr, masks = gen_scores(a.gen_data, a.gen_model)
        comb = shipped_combiner()
        gen_at, gen_ab = float(comb.models[0].generated_at), float(comb.models[0].authentic_below)
        ok = ~t.gated
        print(f"\nFresh generated pictures, P(generated) alone (combined, shipped model; caches hold generation "
              f"features only; first model's band [{gen_ab:.3f}, {gen_at:.3f}); scorer threshold {thr:.3f}):\n")
        print("| set | generated (not gated) | ≥ generated_at: called | in the band: inconclusive | "
              "0.5 < P < band: inconclusive (leans) | P ≤ 0.5: authentic unless detection | real photos ≥ generated_at |"
              "\n|---|---:|---:|---:|---:|---:|---:|")
        allg = np.zeros(len(p), bool)
        for k in sorted(masks):
            g, real = masks[k]
            allg |= g & ok
            x = p[g & ok]
            print(f"| {k} | {len(x)} | {int((x >= gen_at).sum())} | {int(((x >= gen_ab) & (x < gen_at)).sum())} | "
                  f"{int(((x > 0.5) & (x < gen_ab)).sum())} | {int((x <= 0.5).sum())} | "
                  f"{int((p[real & ok] >= gen_at).sum())}/{int((real & ok).sum())} |")
        gen_p = p[allg]

    print("\n# Q3. What-if (INFORMATION ONLY — nothing was chosen from this table)\n")
    print("Web photos: the five fresh sets' authentic pictures; forgeries: Q2's four sets. 'shipped' = each picture's "
          "model's own value.\n")
    print("\n".join(q3_table(web, forg, gen_p, gen_at, gen_ab)))
    allrows = web + cams + forg
    mism = sum(x != r["verdict"] for x, r in zip(what_if(allrows), allrows, strict=True))
    print(f"\n(what_if at the shipped thresholds gives back the re-fused verdict of {len(allrows) - mism}/{len(allrows)} "
          "pictures)")

    print("\n# Q4. Size and format of the web photos read inconclusive vs authentic\n")
    print("\n".join(q4_lines(web)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
