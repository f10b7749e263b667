"""Issue 14, session 15 (candidates F and F2, clause 4 — information only, nothing is chosen from it): the focus fact
(``forgelens.focus``: variance of the Laplacian in 32 × 32 px blocks, median inside the verdict's mask / median
outside) on the pictures the shipped verdict calls manipulated:

- authentic pictures called manipulated (false alarms): the lead's fresh-conf3 / fresh-conf4 caches (main 0e6da8a's
  analyses, /work/caches/s14/lead/cache) and s14wise's ``roots/B`` fresh-web analyses;
- forgeries called manipulated: the held-out draws (``heldout_verdict.DRAWS``, never-seen hosts: 76 of 184 called)
  and the full-size exact-mask set (21 of 36), s14wise's ``roots/B``.

Every cached analysis is re-fused with this checkout's fusion (``verdict_accuracy.refuse``: the shipped label). The
cache keeps the maps on the pooling grid (96 px on the longer side), not the full-resolution mask, so the mask
here is **approximated**: the pooled fused map, rebuilt as today's fusion rebuilds it (``apply_to_summary``), at or
above ``FusionConfig.mask_threshold``, upsampled (nearest) to the picture. The luminance is the picture's own
(``forgelens.evidence.load``). Trivial baseline beside it: the same measure with a centred rectangle of the mask's
area and the picture's aspect (a "centre prior": photographers centre the subject they focus on). The table gives
the share at or above 2 (candidate F: the marked area the part in sharp focus) and at or below 0.5 (candidate F2:
the marked area the part out of focus).

    PYTHONPATH=src:. OMP_NUM_THREADS=1 nice -n 15 python benchmarks/studies/focus_alternative.py \
        --out /work/caches/s15/s15focus/focus_study.json
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: the repository's benchmarks package
    sys.path.insert(0, str(ROOT))

LEAD = Path("/work/caches/s14/lead")
B = Path("/work/caches/s14/s14wise/roots/B")
#: (title, cache folder, picture folder, which pictures: "alarms" = authentic called manipulated,
#: "forgeries" = exact-mask forgeries called manipulated, "never_seen" = held-out's host filter)
SETS = (
    ("fresh-conf3", LEAD / "cache" / "fresh-conf3", LEAD / "data" / "fresh-conf3", "alarms"),
    ("fresh-conf4", LEAD / "cache" / "fresh-conf4", LEAD / "data" / "fresh-conf4", "alarms"),
    ("fresh-web", B / "verdict" / "fresh-web", Path("/work/caches/s12/s12det/data/fresh-web"), "alarms"),
    *((f"held-out {n}", B / "heldout" / "cache" / n, B / "heldout" / "data" / n, "forgeries never_seen")
      for n in ("heldout-web", "heldout-web2", "heldout-cam", "heldout-cam2")),
    ("full size", B / "fullsize" / "cache" / "fullsize-val", B / "fullsize" / "data" / "fullsize-val", "forgeries"),
)
GROUPS = {"false alarms (fresh-conf3, fresh-conf4, fresh-web)": ("fresh-conf3", "fresh-conf4", "fresh-web"),
          "held-out forgeries called": ("held-out heldout-web", "held-out heldout-web2", "held-out heldout-cam",
                                        "held-out heldout-cam2"),
          "full-size forgeries called": ("full size",)}


def verdict_and_mask(summary, meta: dict, cfg) -> tuple[object, np.ndarray | None]:
    """The shipped verdict of a cached analysis and its approximate mask (pooled fused map ≥ the mask
    threshold, at the pooling grid's resolution)."""
    from benchmarks.accuracy.verdict_accuracy import refuse
    from forgelens.fusion import fusion_weights
    from forgelens.fusion.local_evidence import apply_to_summary, no_local_evidence
    from forgelens.trace import Finding, Trace

    v = refuse(summary, meta, cfg)
    traces = [Trace(t["name"], score=t["score"], applicable=t["applicable"], error=t["error"],
                    findings=[Finding.from_dict(f) for f in t["findings"]], family=t["family"],
                    calibrated=t["calibrated"]) for t in meta["traces"]]
    live = [t for t in traces if t.applicable and t.error is None]
    shape = tuple(meta["shape"])
    nle = no_local_evidence(live, shape, cfg.local_evidence_traces) if cfg.no_local_evidence else {}
    weights, _ = fusion_weights(cfg, {t.name for t in traces})
    pooled = apply_to_summary(summary, nle, live, shape, refused=(weights, cfg)).fused
    if pooled is None:
        return v, None
    return v, np.asarray(pooled, np.float32) >= cfg.mask_threshold


def centre_mask(shape: tuple[int, int], fraction: float) -> np.ndarray:
    """A centred rectangle of the picture's aspect covering ``fraction`` of it."""
    h, w = shape
    s = float(np.sqrt(max(fraction, 0.0)))
    bh, bw = max(1, round(h * s)), max(1, round(w * s))
    m = np.zeros(shape, bool)
    m[(h - bh) // 2 : (h - bh) // 2 + bh, (w - bw) // 2 : (w - bw) // 2 + bw] = True
    return m


def measure(limit: int | None = None) -> list[dict]:
    from benchmarks.studies.heldout_verdict import NEVER_SEEN, stratum
    from forgelens.evidence import load
    from forgelens.focus import focus_ratio
    from forgelens.fusion import FusionConfig
    from forgelens.fusion.detection import MapSummary

    cfg = FusionConfig()
    rows = []
    for title, cache, data, which in SETS:
        n_seen = 0
        for p in sorted(cache.glob("*.npz"))[:limit]:
            s, meta = MapSummary.from_npz(p)
            if "error" in meta:
                continue
            if "never_seen" in which and stratum(meta.get("source", "")) not in NEVER_SEEN:
                continue
            want = "authentic" if "alarms" in which else "manipulated"
            if meta["label"] != want or ("forgeries" in which and (meta.get("kind") or "") in ("local", "")):
                continue
            n_seen += 1
            v, grid_mask = verdict_and_mask(s, meta, cfg)
            if v.label != "manipulated":
                continue
            row = {"set": title, "image": meta["image"], "shape": meta["shape"], "label": meta["label"],
                   "p_manipulated": (v.probabilities or {}).get("manipulated")}
            path = data / meta["image"]
            if grid_mask is None:
                rows.append({**row, "skipped": "no fused map in the cache"})
                continue
            if not path.is_file():
                rows.append({**row, "skipped": f"picture not reachable: {path}"})
                continue
            t0 = time.perf_counter()
            lum = load(path).luminance
            h, w = lum.shape
            mask = cv2.resize(grid_mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
            r = focus_ratio(lum, mask)
            c = focus_ratio(lum, centre_mask((h, w), float(mask.mean())))
            rows.append({**row, "mask_fraction": round(float(mask.mean()), 4), "focus": r, "centre": c,
                         "seconds": round(time.perf_counter() - t0, 3)})
            print(f"{title:24s} {meta['image']:40s} ratio {r['ratio'] if r['ratio'] is None else round(r['ratio'], 2)}"
                  f"  centre {c['ratio'] if c['ratio'] is None else round(c['ratio'], 2)}", flush=True)
        print(f"# {title}: {n_seen} pictures of the kind looked at", flush=True)
    return rows


def table(rows: list[dict]) -> str:
    def q(xs, f):
        return "—" if not xs else f"{np.quantile(xs, f):.2f}"

    out = ["| pictures | called manipulated | ratio stated | ratio ≥ 2 (F) | ratio ≤ 0.5 (F2) "
           "| ratio median [quartiles], min–max | centre-rectangle baseline: stated, ≥ 2, ≤ 0.5, median |",
           "|---|---|---|---|---|---|---|"]
    for name, sets in GROUPS.items():
        rs = [r for r in rows if r["set"] in sets]
        meas = [r for r in rs if "focus" in r]
        xs = [r["focus"]["ratio"] for r in meas if r["focus"]["ratio"] is not None]
        cs = [r["centre"]["ratio"] for r in meas if r["centre"]["ratio"] is not None]
        big, small = sum(x >= 2 for x in xs), sum(x <= 0.5 for x in xs)
        skipped = len(rs) - len(meas)
        out.append(f"| {name} | {len(rs)}" + (f" ({skipped} not measured)" if skipped else "")
                   + f" | {len(xs)}/{len(meas)} | {big}/{len(xs)}" + (f" = {100 * big / len(xs):.0f} %" if xs else "")
                   + f" | {small}/{len(xs)}" + (f" = {100 * small / len(xs):.0f} %" if xs else "")
                   + f" | {q(xs, .5)} [{q(xs, .25)}, {q(xs, .75)}], {q(xs, 0)}–{q(xs, 1)} "
                   f"| {len(cs)}/{len(meas)}, {sum(x >= 2 for x in cs)}/{len(cs)}, {sum(x <= 0.5 for x in cs)}/{len(cs)}, "
                   f"{q(cs, .5)} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="JSON file for the per-picture rows")
    ap.add_argument("--limit", type=int, default=None, help="at most this many cache files per set (a smoke run)")
    ap.add_argument("--table-only", action="store_true", help="print the table of an existing --out file")
    a = ap.parse_args(argv)
    if a.table_only:
        rows = json.loads(a.out.read_text())
    else:
        rows = measure(a.limit)
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(rows, indent=1))
    print(table(rows))
    with open(a.out.with_suffix(".csv"), "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["set", "image", "mask_fraction", "ratio", "blocks_inside", "blocks_outside", "centre_ratio",
                     "skipped"])
        for r in rows:
            f, c = r.get("focus") or {}, r.get("centre") or {}
            wr.writerow([r["set"], r["image"], r.get("mask_fraction"), f.get("ratio"), f.get("blocks_inside"),
                         f.get("blocks_outside"), c.get("ratio"), r.get("skipped", "")])


if __name__ == "__main__":
    main()
