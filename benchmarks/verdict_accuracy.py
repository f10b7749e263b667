"""Verdict accuracy: image-level AUC, label confusion, false alarms, calibration, ENFSI steps.

Reads the per-image caches written by ``benchmarks/fit_detection.py extract`` (one full default
analysis per image, maps pooled to the detection grid) and re-fuses each image with the
*current* fusion code — ``forgelens.fusion.fuse`` on the cached scores, findings and pooled
maps — so the labels printed are the ones ``forgelens analyze`` gives (the not_applicable
decision is the one made at extraction).

    python benchmarks/fit_detection.py extract casia1 ../shared/datasets/casia1-samples     # etc.
    python benchmarks/verdict_accuracy.py            # prints the tables, writes the PNG and JSON

Per set: counts, AUC of 1 − P(authentic) beside trivial baselines on the same images
(size = megapixels, format = lossless or not, brightness = mean luma), the label confusion
per true class, the false-alarm rate (authentic called manipulated or generated), ECE, and
how many images fall on each step of the ENFSI verbal scale.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_detection import CACHE  # noqa: E402

from forgelens.fusion import fuse  # noqa: E402
from forgelens.fusion.calibration import ENFSI_STEPS, expected_calibration_error  # noqa: E402
from forgelens.fusion.detection import MapSummary  # noqa: E402
from forgelens.trace import Finding, Trace  # noqa: E402

OUT = Path(__file__).resolve().parent
#: name shown → (cache name, which rows): every set is reported separately, never pooled.
SETS = {
    "casia1": ("casia1", None),
    "toolkit": ("toolkit", None),
    "synth camera-disjoint (val)": ("synth-val", None),
    "hard negatives (val)": ("hard-val", None),
    "cameras exif-samples (never fitted)": ("cameras-exif", None),
    "cameras Dresden D70s": ("cameras-dresden", None),
    "pristine-extra": ("pristine-extra", None),
    "examples/splice.jpg": ("examples", None),
}
LABELS = ("authentic", "manipulated", "generated", "inconclusive", "not_applicable")


def refuse(summary: MapSummary, meta: dict):
    """The current fusion's verdict for one cached analysis."""
    traces = []
    for t in meta["traces"]:
        tr = Trace(t["name"], score=t["score"], applicable=t["applicable"], error=t["error"],
                   findings=[Finding.from_dict(f) for f in t["findings"]], family=t["family"],
                   calibrated=t["calibrated"])
        traces.append(tr)
    v = fuse(traces, tuple(meta["shape"]), summary=summary)
    if meta.get("verdict_at_extraction", {}).get("label") == "not_applicable":
        from forgelens.fusion import not_applicable

        v = not_applicable(meta["verdict_at_extraction"].get("not_applicable_reason") or "not applicable")
    return v


def auc(y: np.ndarray, s: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    if len(set(y.tolist())) < 2:
        return None
    return float(roc_auc_score(y, s))


def rows_of(cache: str) -> list[tuple[MapSummary, dict]]:
    out = []
    for p in sorted((CACHE / cache).glob("*.npz")):
        s, meta = MapSummary.from_npz(p)
        if "error" not in meta:
            out.append((s, meta))
    return out


def evaluate(name: str, cache: str) -> dict | None:
    rows = rows_of(cache)
    if not rows:
        return None
    truth, p_not_auth, labels, supports, baselines, conf_rows = [], [], [], [], {"size": [], "format": [],
                                                                                  "brightness": []}, []
    for s, meta in rows:
        v = refuse(s, meta)
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
    args = ap.parse_args()
    results = [r for name, (cache, _) in SETS.items() if (r := evaluate(name, cache))]
    print("| set | n (auth/manip) | AUC 1−P(auth) | size | format | brightness | false alarms | called manipulated |"
          " ECE |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        c = r["classes"]
        fa = r.get("false_alarm")
        det = r.get("detected")
        b = r["baselines"]
        fa_s = "—" if not fa else "{}/{} ({:.1%})".format(fa["called_manipulated_or_generated"], fa["n"], fa["rate"])
        det_s = "—" if not det else "{}/{} ({:.1%})".format(det["called_manipulated"], det["n"], det["rate"])
        print(f"| {r['set']} | {r['n']} ({c.get('authentic', 0)}/{c.get('manipulated', 0)}) | {fmt(r['auc'])} "
              f"| {fmt(b['size'])} | {fmt(b['format'])} | {fmt(b['brightness'])} | {fa_s} | {det_s} "
              f"| {fmt((r.get('calibration') or {}).get('ece'))} |")
    print("\nLabel confusion (true class → labels):")
    for r in results:
        for t, c in r["confusion"].items():
            print(f"  {r['set']:38s} {t:12s} " + ", ".join(f"{lab} {c.get(lab, 0)}" for lab in LABELS))
    print("\nENFSI support for 'manipulated' (true class → steps):")
    for r in results:
        for t, c in r["support"].items():
            print(f"  {r['set']:38s} {t:12s} " + ", ".join(f"{k} {n}" for k, n in sorted(c.items(), key=str)))
    print("\nVerbal steps: likelihood-ratio range and the P(manipulated | not generated) range (prior 0.5):")
    for key, lr, pr in enfsi_table():
        print(f"  {key:18s} LR {lr:22s} P {pr}")
    reliability_png(results, args.png)
    args.json.write_text(json.dumps({"results": results, "enfsi": enfsi_table()}, indent=1))
    print(f"\nwrote {args.json.name}, {args.png.name}")


if __name__ == "__main__":
    main()
