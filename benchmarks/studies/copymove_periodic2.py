"""Candidate CMP2 (issue 14, session 16): copy-move on repeated structure, the ring read on high-passed luminance
against a control shift — the study tools.

The condition (``fusion.local_evidence.repeated_pair``) reads ``ring_r_d`` / ``ring_r_c`` / ``ring_std``, which the
copy-move detectors measure on the full-resolution luminance with CMP2's code
(``detectors._copymove_common.ring_reading``). Analyses cached before that have none; this script measures them on
the cached analyses' own pictures with the same function, and the measurement reads them back:

- ``rings OUT.json CACHE_DIR=DATA_DIR ...``: for every cached analysis whose copy-move trace found a pair with a
  near-plain shift (|rotation| < 5°, |scale − 1| < 0.15: other pairs are never repeated-structure pairs), the
  picture (``DATA_DIR / meta["image"]``) is loaded as ``analyze`` loads it and ``ring_reading`` measured for every
  such pair. Keyed by the cache file's real path (``copymove_periodic.inject`` adds the values to the cached
  findings: ``detection_ship_rule.py --ring-ncc OUT.json``); a picture that cannot be found, or whose shape
  differs from the cached analysis', is listed under ``"missing"`` (its pairs keep no reading: never repeated).
- ``decide B.json CMP2.json``: the declared rule's clauses 1–3 (``decide_s16``) and every picture that changed.
- ``fires RINGS.json CACHE_DIR ...``: where the condition reads a copy-move trace as no local evidence (per set,
  authentic and forgeries, each pair's facts).
- ``labels RINGS.json OUT.json CACHE_DIR ...``: with whichever code is on the path (and the readings injected),
  the label and P(authentic) of every analysis whose copy-move trace has a near-plain pair — the only analyses
  the condition can change; ``compare B.json CMP2.json`` lists every label or P change between two such files.
  On ``FOLD_GENERATED`` sets (issue 18's sealed seventh set) a "generated" label is written as "inconclusive"
  and no P(generated) is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COPYMOVE_TRACES = ("copymove_sift", "copymove_dense")
#: Sets whose "generated" label is folded into "inconclusive" (issue 18 may judge a candidate on them).
FOLD_GENERATED = ("fresh-conf7",)


def _meta(p: Path) -> dict:
    from forgelens.fusion.detection import MapSummary

    return MapSummary.from_npz(p)[1]


def _near_plain_pairs(meta: dict) -> dict[str, list[dict]]:
    from forgelens.detectors._copymove_common import near_plain

    todo = {t["name"]: [f["values"] for f in t["findings"] if f["kind"] == "copy_move" and near_plain(f["values"])]
            for t in meta["traces"] if t["name"] in COPYMOVE_TRACES}
    return {k: v for k, v in todo.items() if v}


def rings(pairs: list[tuple[Path, Path]]) -> dict:
    """{"rings": {cache file: {trace: {pair_id: reading}}}, "missing": [...], "sets": {cache: counts}}."""
    from forgelens.detectors._copymove_common import ring_reading
    from forgelens.evidence import load

    out: dict = {"rings": {}, "missing": [], "sets": {}}
    for cache, data in pairs:
        n = with_pairs = measured = 0
        for p in sorted(cache.glob("*.npz")):
            meta = _meta(p)
            if "error" in meta:
                continue
            n += 1
            todo = _near_plain_pairs(meta)
            if not todo:
                continue
            with_pairs += 1
            pic = data / meta["image"]
            try:
                lum = load(str(pic)).luminance
            except Exception as exc:  # noqa: BLE001 - listed, never a crash of the study
                out["missing"].append(f"{p}: {pic}: {exc}")
                continue
            if list(lum.shape) != list(meta["shape"]):
                out["missing"].append(f"{p}: {pic}: shape {list(lum.shape)} != cached {meta['shape']}")
                continue
            measured += 1
            out["rings"][os.path.realpath(p)] = {
                name: {str(v["pair_id"]): ring_reading(lum, v["target_bbox"], (v["shift_x"], v["shift_y"]))
                       or {"ring_r_d": None, "ring_r_c": None, "ring_std": None, "ring_px": 0} for v in vals}
                for name, vals in todo.items()}
        out["sets"][str(cache)] = {"analyses": n, "with_near_plain_pairs": with_pairs, "measured": measured}
        print(f"{cache}: {n} analyses, {with_pairs} with near-plain pairs, {measured} measured", flush=True)
    return out


#: Clause 1 of the session-16 rule: (sets pooled, their sizes, strictly fewer?). fresh-conf7: false alarms are
#: the pictures called manipulated (``detection_ship_rule.S16_MANIPULATED_ONLY``).
S16_CLAUSE1 = ((("fresh-conf7",), 170, False), (("fresh-conf5",), 147, True),
               (("fresh-conf", "fresh-conf2"), 286, False), (("fresh-conf3", "fresh-conf4"), 328, False))


def decide_s16(base: dict, cand: dict) -> dict[str, tuple[bool, str]]:
    """The session-16 rule's clauses 1–3 (clause 4: the test suite): clause 1 — fresh-conf7 (170, sealed) false
    alarms (called manipulated) not more than B's, fresh-conf5 (147, where the pattern was seen) strictly fewer,
    fresh-web (194), fresh-conf + fresh-conf2 (286), fresh-conf3 + fresh-conf4 (328) each not more; clauses 2 and 3
    as session 14's (``detection_ship_rule.decide_s14``: every other authentic set not more, ≤ 3 % on the three
    camera sets, cm-rot's authentic crops not more; held-out called ≥ B and AUC ≥ B − 0.005, full size ≥ B,
    casia1 / toolkit forgeries ≥ B each, q98 ≥ B, cm-rot forgeries ≥ B − 1). A set not measured whole fails."""
    from benchmarks.studies.detection_ship_rule import decide_s14

    c: dict[str, tuple[bool, str]] = {}
    bc, fc = base.get("conf", {}), cand.get("conf", {})
    for sets, n, strict in S16_CLAUSE1:
        whole = (all(k in bc and k in fc and bc[k]["n"] == fc[k]["n"] for k in sets)
                 and sum(bc[k]["n"] for k in sets if k in bc) == n
                 and not any(bc[k].get("errors") or fc[k].get("errors") for k in sets if k in bc and k in fc))
        nb = sum(len(bc[k]["alarms"]) for k in sets if k in bc)
        nf = sum(len(fc[k]["alarms"]) for k in sets if k in fc)
        name = " + ".join(sets)
        c[f"1 {name} false alarms {'strictly fewer' if strict else 'not more'}"] = (
            whole and (nf < nb if strict else nf <= nb), f"{nf}/{n} vs {nb}/{n}" + ("" if whole else "; not measured whole"))
    for k, v in decide_s14(base, cand).items():
        if not k.startswith("1 fresh-conf + fresh-conf2"):
            c[k] = v
    return c


def fires(caches: list[Path]) -> list[str]:
    """Per cache: the analyses whose copy-move trace the repeated-structure condition reads as no local evidence
    (with the code on the path and the injected readings), authentic and forgeries counted apart, each pair's facts."""
    from forgelens.fusion.local_evidence import repeated_pair

    out = []
    for cache in caches:
        hits, by_truth = [], {"authentic": 0, "forged": 0}
        for p in sorted(cache.glob("*.npz")):
            meta = _meta(p)
            if "error" in meta:
                continue
            for t in meta["traces"]:
                pairs = [f["values"] for f in t["findings"] if f["kind"] == "copy_move"] if t["name"] in COPYMOVE_TRACES else []
                if pairs and all(repeated_pair(v) for v in pairs):
                    by_truth["authentic" if meta["label"] == "authentic" else "forged"] += 1
                    hits.append(f"{Path(meta['image']).stem} ({meta['label']}; {t['name']}: "
                                + "; ".join(f"{v['match_count']} matches, shift ({v['shift_x']:.0f}, {v['shift_y']:.0f}), "
                                            f"rot {v['rotation_deg']:.1f}°, scale {v['scale']:.3f}, r_d {v['ring_r_d']:.3f}, "
                                            f"r_c {v['ring_r_c']:.3f}, std {v['ring_std']:.1f}" for v in pairs) + ")")
        out.append(f"- {cache.name}: {len(hits)} (authentic {by_truth['authentic']}, forgeries {by_truth['forged']}) "
                   + ("; ".join(hits) if hits else ""))
    return out


def labels(caches: list[Path]) -> dict:
    """{cache path: {image: [truth, label, P(authentic)]}} for every analysis with a near-plain copy-move pair, fused
    by the code on the path; "generated" written as "inconclusive" on ``FOLD_GENERATED`` sets."""
    from benchmarks.accuracy.verdict_accuracy import refuse
    from forgelens.fusion.detection import MapSummary

    out: dict = {}
    for cache in caches:
        rows = {}
        for p in sorted(cache.glob("*.npz")):
            s, meta = MapSummary.from_npz(p)
            if "error" in meta or not _near_plain_pairs(meta):
                continue
            v = refuse(s, meta)
            lab = "inconclusive" if v.label == "generated" and cache.name in FOLD_GENERATED else v.label
            pa = (v.probabilities or {}).get("authentic")
            rows[Path(meta["image"]).stem] = [meta["label"], lab, None if pa is None else round(float(pa), 3)]
        out[str(cache)] = rows
    return out


def compare(base: dict, cand: dict) -> list[str]:
    """Every analysis whose label or P(authentic) differs between two ``labels`` files (label changes first)."""
    moved, shifted = [], []
    for cache, rows in base.items():
        for img, (truth, lab, pa) in rows.items():
            t2, lab2, pa2 = cand.get(cache, {}).get(img, [truth, None, None])
            line = f"{Path(cache).name} {img} ({truth}): {lab} {pa} → {lab2} {pa2}"
            if lab2 != lab:
                moved.append(line)
            elif pa != pa2:
                shifted.append(line)
    return ["label changed:"] + moved + ["", "P(authentic) changed, label kept:"] + shifted


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("rings")
    r.add_argument("out", type=Path)
    r.add_argument("sets", nargs="+", help="CACHE_DIR=DATA_DIR")
    d = sub.add_parser("decide")
    d.add_argument("base", type=Path)
    d.add_argument("cand", type=Path)
    d.add_argument("--md", type=Path, default=None)
    f = sub.add_parser("fires")
    f.add_argument("rings", type=Path)
    f.add_argument("caches", nargs="+", type=Path)
    lb = sub.add_parser("labels")
    lb.add_argument("rings", type=Path)
    lb.add_argument("out", type=Path)
    lb.add_argument("caches", nargs="+", type=Path)
    cp = sub.add_parser("compare")
    cp.add_argument("base", type=Path)
    cp.add_argument("cand", type=Path)
    a = ap.parse_args(argv)
    if a.cmd in ("fires", "labels"):
        from benchmarks.studies.copymove_periodic import inject

        inject(a.rings)
    if a.cmd == "fires":
        print("\n".join(fires(a.caches)))
    if a.cmd == "labels":
        a.out.write_text(json.dumps(labels(a.caches), indent=1))
        print(f"wrote {a.out}")
    if a.cmd == "compare":
        print("\n".join(compare(json.loads(a.base.read_text()), json.loads(a.cand.read_text()))))
    if a.cmd == "decide":
        from benchmarks.studies.detection_ship_rule import changes_s13, table_s13

        base, cand = json.loads(a.base.read_text()), json.loads(a.cand.read_text())
        c = decide_s16(base, cand)
        ok = all(v for v, _ in c.values())
        lab = {n: r.get("conf", {}).get("fresh-conf7", {}).get("labels") for n, r in (("B", base), ("CMP2", cand))}
        text = (table_s13({"B": base, "CMP2": cand}) + "\n\nclause 1 sets: " + ", ".join(
            f"{k} B {len(base['conf'][k]['alarms'])}/{base['conf'][k]['n']} CMP2 {len(cand['conf'][k]['alarms'])}/"
            f"{cand['conf'][k]['n']}" for k in base["conf"])
            + f"\n\nfresh-conf7 labels (generated counted with inconclusive): {lab}"
            + f"\n\nCMP2: {'PASSES' if ok else 'FAILS'} clauses 1–3 (clause 4: the test suite)\n"
            + "\n".join(f"  - {k}: {'pass' if v else 'FAIL'} ({why})" for k, (v, why) in c.items())
            + "\n\nWhat changed, CMP2 vs B:\n" + "\n".join(changes_s13(base, cand)) + "\n")
        print(text)
        if a.md:
            a.md.write_text(text)
    if a.cmd == "rings":
        pairs = [(Path(x.split("=", 1)[0]), Path(x.split("=", 1)[1])) for x in a.sets]
        res = rings(pairs)
        a.out.write_text(json.dumps(res, indent=1))
        print(f"wrote {a.out}: {len(res['rings'])} analyses measured, {len(res['missing'])} missing")


if __name__ == "__main__":
    main()
