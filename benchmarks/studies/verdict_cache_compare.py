"""Verdict benchmark on two sets of detection caches, fused by the same (current) code.

Why: the verdict benchmark re-fuses cached analyses, so when the detectors change (new maps,
a new gate, a detector dropped) while the detection model stays the same, comparing caches
extracted by the old and by the new code — both fused by *today's* fusion — separates what the
maps changed from what the fusion changed. It also reports the detection model's own output
(``manipulation_score`` = P(manipulated | not generated)) beside 1 − P(authentic), whose value
also moves with the generation models.

    python benchmarks/studies/verdict_cache_compare.py OLD_CACHE_DIR NEW_CACHE_DIR

Each CACHE_DIR holds one folder per set (``casia1``, ``synth-val``…), as written by
``benchmarks/fit/fit_detection.py extract``. Images present in only one of the two are left out,
so both columns are on the same images.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accuracy"))
import verdict_accuracy as va  # noqa: E402


def _scores(cache: Path, name: str, keep) -> dict[str, dict]:
    """image → {truth, kind, label, p_not_auth, manipulation} for one set of one cache."""
    from forgelens.fusion.detection import MapSummary

    out = {}
    for p in sorted((cache / name).glob("*.npz")):
        s, meta = MapSummary.from_npz(p)
        if "error" in meta or (keep is not None and not keep(meta)):
            continue
        v = va.refuse(s, meta)
        pa = (v.probabilities or {}).get("authentic")
        out[meta["image"]] = {"truth": meta["label"], "kind": meta.get("kind") or "", "label": v.label,
                              "p_not_auth": np.nan if pa is None else 1.0 - pa,
                              "manipulation": np.nan if v.manipulation_score is None else v.manipulation_score}
    return out


def _auc(rows: list[dict], key: str, exact_mask: bool = False) -> float | None:
    sel = [r for r in rows if r["truth"] == "authentic"
           or (r["truth"] == "manipulated" and (not exact_mask or r["kind"] not in ("local", "")))]
    y = np.array([r["truth"] != "authentic" for r in sel], int)
    s = np.array([r[key] for r in sel], float)
    ok = ~np.isnan(s)
    return va.auc(y[ok], s[ok])


def paired_bootstrap(old: list[dict], new: list[dict], key: str, exact_mask: bool, n: int = 2000,
                     seed: int = 0) -> tuple[float, float]:
    """95 % interval of AUC(new) − AUC(old), resampling the same images for both (percentile)."""
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n):
        idx = rng.integers(0, len(old), len(old))
        a, b = _auc([old[i] for i in idx], key, exact_mask), _auc([new[i] for i in idx], key, exact_mask)
        if a is not None and b is not None:
            diffs.append(b - a)
    return float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))


def summarise(rows: list[dict]) -> dict:
    auth = [r for r in rows if r["truth"] == "authentic"]
    forg = [r for r in rows if r["truth"] == "manipulated"]
    exact = [r for r in forg if r["kind"] not in ("local", "")]
    return {
        "n": len(rows),
        "auc_p_not_authentic": _auc(rows, "p_not_auth"),
        "auc_manipulation_score": _auc(rows, "manipulation"),
        "exact_mask_auc_p_not_authentic": _auc(rows, "p_not_auth", True) if exact else None,
        "exact_mask_auc_manipulation_score": _auc(rows, "manipulation", True) if exact else None,
        "false_alarms": f"{sum(r['label'] in ('manipulated', 'generated') for r in auth)}/{len(auth)}" if auth else "—",
        "called_manipulated": f"{sum(r['label'] == 'manipulated' for r in forg)}/{len(forg)}" if forg else "—",
        "exact_called_manipulated": f"{sum(r['label'] == 'manipulated' for r in exact)}/{len(exact)}" if exact else "—",
        "called_generated": sum(r["label"] == "generated" for r in rows),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    args = ap.parse_args()
    cols = ("auc_p_not_authentic", "auc_manipulation_score", "exact_mask_auc_p_not_authentic",
            "exact_mask_auc_manipulation_score",
            "false_alarms", "called_manipulated", "exact_called_manipulated", "called_generated")
    print("| set | n | " + " | ".join(f"{c} old → new" for c in cols) + " |")
    print("|---" * (len(cols) + 2) + "|")
    intervals = []
    for name, (cache, keep) in va.SETS.items():
        old, new = _scores(args.old, cache, keep), _scores(args.new, cache, keep)
        common = sorted(set(old) & set(new))
        if not common:
            continue
        a, b = summarise([old[k] for k in common]), summarise([new[k] for k in common])
        cells = [f"{va.fmt(a[c]) if isinstance(a[c], float) or a[c] is None else a[c]} → "
                 f"{va.fmt(b[c]) if isinstance(b[c], float) or b[c] is None else b[c]}" for c in cols]
        print(f"| {name} | {len(common)} | " + " | ".join(cells) + " |")
        if b["auc_manipulation_score"] is not None:
            ro, rn = [old[k] for k in common], [new[k] for k in common]
            exact = b["exact_mask_auc_manipulation_score"] is not None
            lo, hi = paired_bootstrap(ro, rn, "manipulation", exact)
            intervals.append(f"{name}: {'exact-mask ' if exact else ''}AUC of manipulation_score, new − old, "
                             f"95 % paired bootstrap [{lo:+.3f}, {hi:+.3f}]")
    print()
    print("\n".join(intervals))


if __name__ == "__main__":
    main()
