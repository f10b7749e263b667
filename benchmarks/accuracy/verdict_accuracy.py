"""Verdict accuracy: image-level AUC, label confusion, false alarms, calibration, ENFSI steps.

Reads the per-image caches written by ``benchmarks/fit/fit_detection.py extract`` (one full default
analysis per image, maps pooled to the detection grid) and re-fuses each image with the
*current* fusion code — ``forgelens.fusion.fuse`` on the cached scores, findings and pooled
maps — so the labels printed are the ones ``forgelens analyze`` gives (the not_applicable
decision is the one made at extraction).

    python benchmarks/fit/fit_detection.py extract casia1 ../shared/datasets/casia1-samples     # etc.
    python benchmarks/accuracy/verdict_accuracy.py            # prints the tables, writes the PNG and JSON

Per set: counts, AUC of 1 − P(authentic) beside trivial baselines on the same images
(size = megapixels, format = lossless or not, brightness = mean luma), the label confusion
per true class, the false-alarm rate (authentic called manipulated or generated), ECE, and
how many images fall on each step of the ENFSI verbal scale.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np

from forgelens.fusion import fuse  # noqa: E402
from forgelens.fusion.calibration import ENFSI_STEPS, expected_calibration_error  # noqa: E402
from forgelens.fusion.detection import MapSummary  # noqa: E402
from forgelens.trace import Finding, Trace  # noqa: E402
from forgelens.training import detection as detection_training  # noqa: E402

OUT = Path(__file__).resolve().parents[1]  # benchmarks/: the RESULTS-verdict files
#: Camera models the learned localizer never trained on (docs/notes/issue-10.md, held-out excludes).
LOCALIZER_HELDOUT = ("fujifilm", "kodak", "tests_42", "tests_35", "tests_36", "hdr_iphone", "jolla")


def _never_seen_host(meta: dict) -> bool:
    """Synth hosts no fitted model has seen: Kodak 13–24 (never in any training) and the
    aigen-playground real photos (only in this validation split)."""
    where = meta["source"].split(":", 1)[-1].lower()
    return where.startswith(("kodak", "real~", "real/"))


#: name shown → (cache name, which rows): every set is reported separately, never pooled.
SETS = {
    "casia1": ("casia1", None),
    "toolkit": ("toolkit", None),
    "synth val, all hosts": ("synth-val", None),
    "synth val, hosts no model saw": ("synth-val", _never_seen_host),
    "hard negatives (val)": ("hard-val", None),
    "cameras exif-samples (all ≤1.5 MB)": ("cameras-exif", None),
    "cameras exif-samples, localizer-held-out": ("cameras-exif",
                                                 lambda m: any(k in m["image"].lower() for k in LOCALIZER_HELDOUT)),
    "cameras Dresden D70s natural": ("cameras-dresden", None),
    "pristine-extra (40)": ("pristine-extra", None),
    # full-size originals of camera models no model trained on (training.camera_originals.HELD_OUT_MODELS)
    "camera originals, held-out cameras": ("camera-val", None),
    "examples/splice.jpg": ("examples", None),
}
LABELS = ("authentic", "manipulated", "generated", "inconclusive", "not_applicable")


#: Pictures to report as not_applicable whatever their cache says: {picture key: reason}. Filled by
#: ``read_not_applicable`` (a check added to ``pipeline.why_not_applicable`` after the caches were made,
#: measured from the pictures themselves by benchmarks/studies/textured_area.py). Empty = the caches as made.
NOT_APPLICABLE: dict[tuple, str] = {}


def picture_key(image: str, shape, brightness: float) -> tuple:
    """A cached analysis's picture: file name, shape and mean luminance (as the caches record it)."""
    return (Path(image).name, tuple(int(v) for v in shape), round(float(brightness), 2))


def read_not_applicable(path: Path) -> int:
    """Fill ``NOT_APPLICABLE`` from textured_area.py's JSON rows (those it flags); returns how many."""
    for r in json.loads(Path(path).read_text()):
        if r.get("flagged_by_f"):
            NOT_APPLICABLE[picture_key(r["image"], (r["height"], r["width"]), r["brightness"])] = r["reason"]
    return len(NOT_APPLICABLE)


def refuse(summary: MapSummary, meta: dict, config=None):
    """The current fusion's verdict for one cached analysis."""
    traces = []
    for t in meta["traces"]:
        tr = Trace(t["name"], score=t["score"], applicable=t["applicable"], error=t["error"],
                   findings=[Finding.from_dict(f) for f in t["findings"]], family=t["family"],
                   calibrated=t["calibrated"])
        traces.append(tr)
    v = fuse(traces, tuple(meta["shape"]), config, summary=summary)
    if meta.get("verdict_at_extraction", {}).get("label") == "not_applicable":
        from forgelens.fusion import not_applicable

        v = not_applicable(meta["verdict_at_extraction"].get("not_applicable_reason") or "not applicable")
    elif NOT_APPLICABLE and not v.decision.get("rule", "").startswith("provenance_"):
        reason = NOT_APPLICABLE.get(picture_key(meta["image"], meta["shape"], meta["brightness"]))
        if reason:  # as analyze does: declarations in the metadata still decide
            from forgelens.fusion import not_applicable

            v = not_applicable(reason)
    return v


def auc(y: np.ndarray, s: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    if len(set(y.tolist())) < 2:
        return None
    return float(roc_auc_score(y, s))


def rows_of(cache: str) -> list[tuple[MapSummary, dict]]:
    out = []
    for p in sorted((detection_training.CACHE / cache).glob("*.npz")):
        s, meta = MapSummary.from_npz(p)
        if "error" not in meta:
            out.append((s, meta))
    return out


def evaluate(name: str, cache: str, keep=None) -> dict | None:
    rows = [r for r in rows_of(cache) if keep is None or keep(r[1])]
    if not rows:
        return None
    from forgelens.fusion import FusionConfig

    truth, p_not_auth, labels, supports, baselines, conf_rows = [], [], [], [], {"size": [], "format": [],
                                                                                  "brightness": []}, []
    previous, previous_labels = [], []
    for s, meta in rows:
        v = refuse(s, meta)
        old = refuse(s, meta, FusionConfig(use_detection=False))  # the stacked global-score fusion before
        pa_old = (old.probabilities or {}).get("authentic")
        previous.append(np.nan if pa_old is None else 1.0 - pa_old)
        previous_labels.append(old.label)
        truth.append(meta["label"])
        pa = (v.probabilities or {}).get("authentic")
        p_not_auth.append(np.nan if pa is None else 1.0 - pa)
        labels.append(v.label)
        supports.append((meta["label"], v.support.get("manipulated")))
        baselines["size"].append(meta["megapixels"])
        baselines["format"].append(0.0 if meta["format"] in ("JPEG", "MPO") else 1.0)
        baselines["brightness"].append(meta["brightness"])
        if v.manipulation_score is not None and meta["label"] in ("authentic", "manipulated"):
            conf_rows.append((int(meta["label"] == "manipulated"), v.manipulation_score))
    y = np.array([t != "authentic" for t in truth], int)
    p = np.array(p_not_auth)
    ok = ~np.isnan(p)
    res = {"set": name, "n": len(rows), "classes": dict(Counter(truth)),
           "auc": auc(y[ok], p[ok]), "n_scored": int(ok.sum()),
           "baselines": {k: auc(y, np.array(b)) for k, b in baselines.items()},
           "auc_previous_fusion": auc(y[~np.isnan(np.array(previous))], np.array(previous)[~np.isnan(np.array(previous))]),
           "previous_fusion_labels": {t: dict(Counter(lab for tt, lab in zip(truth, previous_labels, strict=True)
                                                      if tt == t)) for t in sorted(set(truth))},
           "confusion": {t: dict(Counter(lab for tt, lab in zip(truth, labels, strict=True) if tt == t))
                         for t in sorted(set(truth))},
           "support": {t: dict(Counter(sup for tt, sup in supports if tt == t)) for t in sorted(set(truth))}}
    auth = [lab for t, lab in zip(truth, labels, strict=True) if t == "authentic"]
    if auth:
        fa = sum(lab in ("manipulated", "generated") for lab in auth)
        res["false_alarm"] = {"n": len(auth), "called_manipulated_or_generated": fa, "rate": fa / len(auth)}
    forg = [lab for t, lab in zip(truth, labels, strict=True) if t == "manipulated"]
    if forg:
        k = sum(lab == "manipulated" for lab in forg)
        res["detected"] = {"n": len(forg), "called_manipulated": k, "rate": k / len(forg)}
    kinds = Counter(m.get("kind") for _, m in rows if m.get("kind") and m["label"] == "manipulated")
    if kinds:
        res["by_kind"] = {}
        # splices, copy-moves and removals (the exact-mask forgeries), without the local filter edits
        sel = [i for i, (_, m) in enumerate(rows) if m.get("kind") not in ("local", "authentic", "", None)]
        neg = [i for i, t in enumerate(truth) if t == "authentic"]
        yk, sk = np.r_[np.ones(len(sel)), np.zeros(len(neg))], np.r_[p[sel], p[neg]]
        res["forgeries_without_local"] = {"n": len(sel), "auc": auc(yk[~np.isnan(sk)], sk[~np.isnan(sk)]),
                                          "called_manipulated": sum(labels[i] == "manipulated" for i in sel)}
        for k in sorted(kinds):
            sel = [i for i, (_, m) in enumerate(rows) if m.get("kind") == k]
            neg = [i for i, t in enumerate(truth) if t == "authentic"]
            yk = np.r_[np.ones(len(sel)), np.zeros(len(neg))]
            sk = np.r_[p[sel], p[neg]]
            good = ~np.isnan(sk)
            res["by_kind"][k] = {"n": len(sel), "called_manipulated": sum(labels[i] == "manipulated" for i in sel),
                                 "auc_vs_authentic": auc(yk[good], sk[good])}
    if len({c for c, _ in conf_rows}) == 2:
        yy, pp = zip(*conf_rows, strict=True)
        res["calibration"] = expected_calibration_error(yy, pp)
    return res


def fmt(x, digits=3):
    return "—" if x is None else f"{x:.{digits}f}"


def enfsi_table() -> list[tuple[str, str, str]]:
    """LR range and the P(manipulated | not generated) range behind each verbal step (prior 0.5)."""
    rows = []
    for i, (lo, key) in enumerate(ENFSI_STEPS):
        hi = ENFSI_STEPS[i + 1][0] if i + 1 < len(ENFSI_STEPS) else float("inf")
        plo, phi = lo / (1 + lo), (hi / (1 + hi) if np.isfinite(hi) else 1.0)
        rows.append((key, f"[{lo:g}, {hi:g})", f"[{plo:.4f}, {phi:.6f})"))
    return rows


def reliability_png(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "k--", lw=1, label="perfect calibration")
    for r in results:
        cal = r.get("calibration")
        if not cal:
            continue
        xs = [b["mean_p"] for b in cal["bins"]]
        ys = [b["observed"] for b in cal["bins"]]
        ax.plot(xs, ys, "o-", label=f"{r['set']} (n={cal['n']}, ECE {cal['ece']:.3f})")
    ax.set_xlabel("predicted P(manipulated | not generated)")
    ax.set_ylabel("observed share manipulated")
    ax.set_title("Reliability of the detection model")
    ax.legend(fontsize=6, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", type=Path, default=OUT / "RESULTS-verdict.json")
    ap.add_argument("--png", type=Path, default=OUT / "reliability_verdict.png")
    ap.add_argument("--detection-model", type=Path, default=None,
                    help="measure this detection model file instead of the shipped fusion/detection.json")
    ap.add_argument("--cache", type=Path, default=None,
                    help=f"folder of the per-picture caches (default {detection_training.CACHE})")
    ap.add_argument("--not-applicable", type=Path, default=None, help="textured_area.py --json rows: pictures it flags read not_applicable (candidate F)")
    args = ap.parse_args()
    if args.not_applicable:
        read_not_applicable(args.not_applicable)
    if args.cache is not None:
        detection_training.CACHE = args.cache
    if args.detection_model is not None:
        from forgelens.fusion import detection

        detection._MODEL[:] = [detection.DetectionModel.load(args.detection_model)]
    results = [r for name, (cache, keep) in SETS.items() if (r := evaluate(name, cache, keep))]
    print("| set | n (auth/manip) | AUC 1−P(auth) | previous fusion | size | format | brightness | false alarms |"
          " called manipulated | ECE |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        c = r["classes"]
        fa = r.get("false_alarm")
        det = r.get("detected")
        b = r["baselines"]
        fa_s = "—" if not fa else "{}/{} ({:.1%})".format(fa["called_manipulated_or_generated"], fa["n"], fa["rate"])
        det_s = "—" if not det else "{}/{} ({:.1%})".format(det["called_manipulated"], det["n"], det["rate"])
        print(f"| {r['set']} | {r['n']} ({c.get('authentic', 0)}/{c.get('manipulated', 0)}) | {fmt(r['auc'])} "
              f"| {fmt(r['auc_previous_fusion'])} "
              f"| {fmt(b['size'])} | {fmt(b['format'])} | {fmt(b['brightness'])} | {fa_s} | {det_s} "
              f"| {fmt((r.get('calibration') or {}).get('ece'))} |")
    print("\nBy forgery kind (synth sets; AUC against the same set's authentic images):")
    for r in results:
        for k, d in (r.get("by_kind") or {}).items():
            print(f"  {r['set']:38s} {k:18s} n {d['n']:3d}  called manipulated {d['called_manipulated']:3d}"
                  f"  AUC {fmt(d['auc_vs_authentic'])}")
    for r in results:
        if r.get("forgeries_without_local"):
            d = r["forgeries_without_local"]
            print(f"  {r['set']:38s} splice+copy-move+removals n {d['n']:3d}  called manipulated "
                  f"{d['called_manipulated']:3d}  AUC {fmt(d['auc'])}")
    print("\nLabel confusion (true class → labels):")
    for r in results:
        for t, c in r["confusion"].items():
            print(f"  {r['set']:38s} {t:12s} " + ", ".join(f"{lab} {c.get(lab, 0)}" for lab in LABELS))
            old = r["previous_fusion_labels"].get(t, {})
            print(f"  {'  (previous fusion)':38s} {t:12s} " + ", ".join(f"{lab} {old.get(lab, 0)}" for lab in LABELS))
    print("\nENFSI support for 'manipulated' (true class → steps):")
    for r in results:
        for t, c in r["support"].items():
            print(f"  {r['set']:38s} {t:12s} " + ", ".join(f"{k} {n}" for k, n in sorted(c.items(), key=str)))
    print("\nVerbal steps: likelihood-ratio range and the P(manipulated | not generated) range (prior 0.5):")
    for key, lr, pr in enfsi_table():
        print(f"  {key:18s} LR {lr:22s} P {pr}")
    print("\nGoals (issue 14):")
    for r in results:
        fa, d = r.get("false_alarm"), r.get("forgeries_without_local")
        if d:
            print(f"  {r['set']:38s} exact-mask forgeries: AUC {fmt(d['auc'])}, called manipulated "
                  f"{d['called_manipulated']}/{d['n']} ({d['called_manipulated'] / max(1, d['n']):.0%}); "
                  f"authentic called manipulated/generated {fa['called_manipulated_or_generated']}/{fa['n']}")
        elif fa and not r.get("detected"):
            print(f"  {r['set']:38s} false alarms {fa['called_manipulated_or_generated']}/{fa['n']} "
                  f"({fa['rate']:.1%})")
        elif r.get("auc") is not None:
            print(f"  {r['set']:38s} AUC {fmt(r['auc'])}, called manipulated {r['detected']['called_manipulated']}/"
                  f"{r['detected']['n']}, false alarms {fa['called_manipulated_or_generated']}/{fa['n']}")
        elif r.get("detected"):
            print(f"  {r['set']:38s} called manipulated {r['detected']['called_manipulated']}/{r['detected']['n']}")
    reliability_png(results, args.png)
    args.json.write_text(json.dumps({"results": results, "enfsi": enfsi_table()}, indent=1))
    print(f"\nwrote {args.json.name}, {args.png.name}")


if __name__ == "__main__":
    main()
