"""Candidate CMP (issue 14, session 15): copy-move on repeated structure is not local evidence — the study tools.

The condition (``fusion.local_evidence.repeated_pair``) reads ``ring_ncc``, which the copy-move detectors measure on
the full-resolution luminance since session 15 (``detectors._copymove_common.ring_ncc``). Analyses cached before
that have no ``ring_ncc``; this script measures it on the cached analyses' own pictures, with the same function,
and the measurement reads it back:

- ``rings OUT.json CACHE_DIR=DATA_DIR ...``: for every cached analysis whose copy-move trace found pairs, the
  picture (``DATA_DIR / meta["image"]``) is loaded as ``analyze`` loads it and ``ring_ncc`` measured for every pair
  with a near-plain shift (|rotation| < 5°, |scale − 1| < 0.15: other pairs are never repeated-structure pairs).
  Keyed by the cache file's real path; a picture that cannot be found, or whose shape differs from the cached
  analysis', is listed under ``"missing"`` (its pairs keep no ``ring_ncc``: never repeated structure).
- ``inject(OUT.json)``: ``MapSummary.from_npz`` then adds those values to the cached findings it reads
  (``detection_ship_rule.py --ring-ncc OUT.json``).
- ``decide B.json CMP.json``: the declared rule's clauses 1–3 (``decide_s15``), and every picture that changed.
- ``fires RINGS.json CACHE_DIR ...``: where the condition reads a copy-move trace as no local evidence.

CMP did not pass its rule (``docs/notes/issue-14.md``, session 15): its code is not in ``src/``. ``ring_ncc`` and
``repeated_pair`` below are the candidate's (commit ``be77999``, ``detectors/_copymove_common.py`` and
``fusion/local_evidence.py``), kept here so that ``rings`` and ``fires`` run on main's code; the candidate's verdicts
need its ``src`` (``git archive be77999 src``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COPYMOVE_TRACES = ("copymove_sift", "copymove_dense")
#: A repeated-structure pair: a near-plain shift whose ring NCC is at least this (candidate CMP).
REPEATED_RING_NCC = 0.5

#: Repeated structure (issue 14, session 15, candidate CMP): the ring around a pair's target region is its
#: bounding box grown by this fraction of its size on each side (clipped to the picture), minus the box.
RING_GROW = 0.5
#: Both rings must have at least this luminance standard deviation (grey levels) for their NCC to be read.
RING_MIN_STD = 2.0


def ring_ncc(luminance: np.ndarray, target_bbox, shift_xy) -> dict[str, float] | None:
    """Self-similarity of the picture at a copy-move pair's shift *beyond* the matched region (candidate CMP).

    The luminance in a ring around the target region (``target_bbox`` (x0, y0, x1, y1), full resolution,
    grown by ``RING_GROW`` of its width / height on each side, clipped to the picture, minus the box itself) is
    compared with the same ring moved back by the pair's shift d = (dx, dy) (source → target, full-resolution
    pixels): the surroundings of the source. Returns {"ring_ncc": normalised cross-correlation of the two
    rings (None when either ring's std is below ``RING_MIN_STD``), "ring_std": the smaller std, "ring_px":
    pixels compared}, or None when no ring pixel has its moved position inside the picture. A pasted copy
    brings its own content only, so around the two places the picture differs; a repeated structure (tiles,
    girders, hole grids, windows) is self-similar at the same shift outside the matched region too, which is
    why keypoint and block copy-move detectors match it (Christlein et al., "An evaluation of popular
    copy-move forgery detection approaches", IEEE TIFS 2012, on false matches in self-similar regions).
    Vectorised; memory bounded by the grown box (at most the picture)."""
    if target_bbox is None:
        return None
    y = np.asarray(luminance)
    h, w = y.shape[:2]
    x0, y0, x1, y1 = (int(v) for v in target_bbox)
    bw, bh = x1 - x0, y1 - y0
    if bw <= 0 or bh <= 0:
        return None
    gx, gy = int(round(RING_GROW * bw)), int(round(RING_GROW * bh))
    X0, Y0, X1, Y1 = max(0, x0 - gx), max(0, y0 - gy), min(w, x1 + gx), min(h, y1 + gy)
    dx, dy = int(round(float(shift_xy[0]))), int(round(float(shift_xy[1])))
    # ring pixels whose moved position (x − dx, y − dy) lies inside the picture
    mx0, my0, mx1, my1 = max(X0, dx), max(Y0, dy), min(X1, w + dx), min(Y1, h + dy)
    if mx1 <= mx0 or my1 <= my0:
        return None
    yy, xx = np.mgrid[my0:my1, mx0:mx1]
    ring = ~((xx >= x0) & (xx < x1) & (yy >= y0) & (yy < y1))
    if not ring.any():
        return None
    a = y[my0:my1, mx0:mx1][ring].astype(np.float64)
    b = y[my0 - dy:my1 - dy, mx0 - dx:mx1 - dx][ring].astype(np.float64)
    sa, sb = float(a.std()), float(b.std())
    out = {"ring_std": round(min(sa, sb), 3), "ring_px": int(a.size), "ring_ncc": None}
    if min(sa, sb) >= RING_MIN_STD:
        out["ring_ncc"] = round(float(np.mean((a - a.mean()) * (b - b.mean())) / (sa * sb)), 4)
    return out


def repeated_pair(values: dict) -> bool:
    """A ``copy_move`` finding's values describe a repeated-structure pair (candidate CMP): |rotation| < 5°,
    |scale − 1| < 0.15 and ``ring_ncc`` ≥ ``REPEATED_RING_NCC`` (a ``ring_ncc`` of None or missing never is)."""
    ncc = values.get("ring_ncc")
    return ncc is not None and float(ncc) >= REPEATED_RING_NCC and near_plain(values)


def near_plain(v: dict) -> bool:
    """A pair's estimated transform is a near-plain shift: the complement of ``fusion.local_evidence``'s weak pair
    (|rotation| < 5°, |scale − 1| < 0.15); only such pairs are ever repeated-structure pairs (CMP and CMP2)."""
    from forgelens.fusion.local_evidence import WEAK_PAIR_ROTATION, WEAK_PAIR_SCALE

    return (abs(float(v.get("rotation_deg", 0.0))) < WEAK_PAIR_ROTATION
            and abs(float(v.get("scale", 1.0)) - 1.0) < WEAK_PAIR_SCALE)


def cached_meta(p: Path) -> dict:
    """The metadata (traces, findings, label, shape) of one cached analysis."""
    from forgelens.fusion.detection import MapSummary

    return MapSummary.from_npz(p)[1]


def near_plain_pairs(meta: dict) -> dict[str, list[dict]]:
    """{copy-move trace: the values of its near-plain pairs} of one cached analysis (traces without one left out)."""
    todo = {t["name"]: [f["values"] for f in t["findings"] if f["kind"] == "copy_move" and near_plain(f["values"])]
            for t in meta["traces"] if t["name"] in COPYMOVE_TRACES}
    return {k: v for k, v in todo.items() if v}


#: What ``rings`` records for a pair whose ``ring_ncc`` gives no reading.
NO_RING_NCC = {"ring_ncc": None, "ring_std": None, "ring_px": 0}


def rings(pairs: list[tuple[Path, Path]], reading=ring_ncc, no_reading: dict = NO_RING_NCC) -> dict:
    """{"rings": {cache file: {trace: {pair_id: ring values}}}, "missing": [...], "sets": {cache: counts}}.

    ``reading(luminance, target_bbox, shift_xy)`` measures one pair (CMP's ``ring_ncc``; CMP2 passes its
    ``ring_reading``), ``no_reading`` is written where it returns None."""
    from forgelens.evidence import load

    out: dict = {"rings": {}, "missing": [], "sets": {}}
    for cache, data in pairs:
        n = with_pairs = measured = 0
        for p in sorted(cache.glob("*.npz")):
            meta = cached_meta(p)
            if "error" in meta:
                continue
            n += 1
            todo = near_plain_pairs(meta)
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
                name: {str(v["pair_id"]): reading(lum, v["target_bbox"], (v["shift_x"], v["shift_y"])) or dict(no_reading)
                       for v in vals}
                for name, vals in todo.items()}
        out["sets"][str(cache)] = {"analyses": n, "with_near_plain_pairs": with_pairs, "measured": measured}
        print(f"{cache}: {n} analyses, {with_pairs} with near-plain pairs, {measured} measured", flush=True)
    return out


def inject(path: Path) -> None:
    """Make ``MapSummary.from_npz`` add the measured ring values to the cached copy-move findings it reads."""
    from forgelens.fusion import detection

    table = json.loads(Path(path).read_text())["rings"]
    original = detection.MapSummary.from_npz.__func__

    def from_npz(cls, p, *a, **k):
        s, meta = original(cls, p, *a, **k)
        found = table.get(os.path.realpath(p))
        if found:
            for t in meta.get("traces", []):
                for f in t.get("findings", []) if t["name"] in found else []:
                    ring = found[t["name"]].get(str((f.get("values") or {}).get("pair_id")))
                    if f["kind"] == "copy_move" and ring:
                        f["values"].update(ring)
        return s, meta

    detection.MapSummary.from_npz = classmethod(from_npz)


#: Clause 1 of the session-15 rule: (sets pooled, their sizes, strictly fewer?).
S15_CLAUSE1 = ((("fresh-conf5",), 147, True), (("fresh-conf", "fresh-conf2"), 286, False),
               (("fresh-conf3", "fresh-conf4"), 328, False))


def decide_s15(base: dict, cand: dict) -> dict[str, tuple[bool, str]]:
    """The session-15 rule's clauses 1–3 (clause 4: the test suite): clause 1 — fresh-conf5 (147) strictly fewer
    false alarms than B, fresh-web (194), fresh-conf + fresh-conf2 (286), fresh-conf3 + fresh-conf4 (328) each not
    more; clauses 2 and 3 as session 14's (``detection_ship_rule.decide_s14``: every other authentic set not more,
    ≤ 3 % on the three camera sets, cm-rot's authentic crops not more; held-out called ≥ B and AUC ≥ B − 0.005, full
    size ≥ B, casia1 / toolkit forgeries ≥ B each, q98 ≥ B, cm-rot forgeries ≥ B − 1). A set not measured whole
    fails its clause."""
    from benchmarks.studies.detection_ship_rule import decide_s14

    c: dict[str, tuple[bool, str]] = {}
    bc, fc = base.get("conf", {}), cand.get("conf", {})
    for sets, n, strict in S15_CLAUSE1:
        whole = (all(k in bc and k in fc and bc[k]["n"] == fc[k]["n"] for k in sets)
                 and sum(bc[k]["n"] for k in sets) == n and not any(bc[k].get("errors") or fc[k].get("errors")
                                                                    for k in sets))
        nb = sum(len(bc[k]["alarms"]) for k in sets if k in bc)
        nf = sum(len(fc[k]["alarms"]) for k in sets if k in fc)
        name = " + ".join(sets)
        c[f"1 {name} false alarms {'strictly fewer' if strict else 'not more'}"] = (
            whole and (nf < nb if strict else nf <= nb), f"{nf}/{n} vs {nb}/{n}" + ("" if whole else "; not measured whole"))
    for k, v in decide_s14(base, cand).items():
        if not k.startswith("1 fresh-conf + fresh-conf2"):
            c[k] = v
    return c


def repeated_traces(cache: Path, repeated=repeated_pair):
    """(meta, trace name, its pairs' values) for every copy-move trace of ``cache``'s analyses that found pairs, all
    of them repeated-structure pairs by ``repeated`` (CMP's ``repeated_pair``; CMP2 passes its own): where the
    condition reads the trace as no local evidence (with the code on the path and the injected ring values)."""
    for p in sorted(cache.glob("*.npz")):
        meta = cached_meta(p)
        if "error" in meta:
            continue
        for t in meta["traces"]:
            pairs = [f["values"] for f in t["findings"] if f["kind"] == "copy_move"] if t["name"] in COPYMOVE_TRACES else []
            if pairs and all(repeated(v) for v in pairs):
                yield meta, t["name"], pairs


def pair_facts(v: dict) -> str:
    """A pair's matches, shift, rotation and scale, as ``fires`` lists them."""
    return (f"{v['match_count']} matches, shift ({v['shift_x']:.0f}, {v['shift_y']:.0f}), "
            f"rot {v['rotation_deg']:.1f}°, scale {v['scale']:.3f}")


def fires(caches: list[Path]) -> list[str]:
    """Per cache: the analyses whose copy-move trace the repeated-structure condition reads as no local evidence
    (with the code on the path and the injected ring values), with each pair's facts."""
    out = []
    for cache in caches:
        hits = [f"{Path(meta['image']).stem} ({meta['label']}; {name}: "
                + "; ".join(f"{pair_facts(v)}, ring NCC {v['ring_ncc']:.3f}" for v in pairs) + ")"
                for meta, name, pairs in repeated_traces(cache)]
        out.append(f"- {cache.name}: {len(hits)} " + ("; ".join(hits) if hits else ""))
    return out


def decision_text(base: dict, cand: dict, clauses: dict[str, tuple[bool, str]], name: str, extra: str = "") -> str:
    """The ``decide`` report of a copy-move condition against B: the session-13 tables, clause 1's sets, ``extra``
    lines, each clause's verdict and every picture that changed (CMP; CMP2 adds its seventh set's labels)."""
    from benchmarks.studies.detection_ship_rule import changes_s13, table_s13

    ok = all(v for v, _ in clauses.values())
    return (table_s13({"B": base, name: cand}) + "\n\nclause 1 sets: " + ", ".join(
        f"{k} B {len(base['conf'][k]['alarms'])}/{base['conf'][k]['n']} {name} {len(cand['conf'][k]['alarms'])}/"
        f"{cand['conf'][k]['n']}" for k in base["conf"])
        + extra
        + f"\n\n{name}: {'PASSES' if ok else 'FAILS'} clauses 1–3 (clause 4: the test suite)\n"
        + "\n".join(f"  - {k}: {'pass' if v else 'FAIL'} ({why})" for k, (v, why) in clauses.items())
        + f"\n\nWhat changed, {name} vs B:\n" + "\n".join(changes_s13(base, cand)) + "\n")


def write_decision(text: str, md: Path | None) -> None:
    """Print the ``decide`` report and, with ``--md``, write it there too."""
    print(text)
    if md:
        md.write_text(text)


def write_rings(out: Path, sets: list[str], measure) -> None:
    """The ``rings`` command: ``measure`` (CMP's or CMP2's ``rings``) over the CACHE_DIR=DATA_DIR ``sets``, to ``out``."""
    pairs = [(Path(x.split("=", 1)[0]), Path(x.split("=", 1)[1])) for x in sets]
    res = measure(pairs)
    out.write_text(json.dumps(res, indent=1))
    print(f"wrote {out}: {len(res['rings'])} analyses measured, {len(res['missing'])} missing")


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
    a = ap.parse_args(argv)
    if a.cmd == "fires":
        inject(a.rings)
        print("\n".join(fires(a.caches)))
    if a.cmd == "decide":
        base, cand = json.loads(a.base.read_text()), json.loads(a.cand.read_text())
        write_decision(decision_text(base, cand, decide_s15(base, cand), "CMP"), a.md)
    if a.cmd == "rings":
        write_rings(a.out, a.sets, rings)

if __name__ == "__main__":
    main()
