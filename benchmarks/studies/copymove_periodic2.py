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

CMP2 did not pass its rule (``docs/notes/issue-14.md``, session 16): its code is not in ``src/``. ``ring_reading``
(with ``highpass_window``) and ``repeated_pair`` below are the candidate's (commit ``4dba145``,
``detectors/_copymove_common.py`` and ``fusion/local_evidence.py``), kept here so that ``rings`` and ``fires`` run on
main's code; the candidate's verdicts need its ``src`` (``git archive 4dba145 src``). The reading loop, the near-plain
test (the same 5° / 0.15 bounds) and the cached-analysis helpers are CMP's study's (``copymove_periodic``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.studies import copymove_periodic as cmp  # noqa: E402 - CMP's study: the reading loop, the pairs

#: Sets whose "generated" label is folded into "inconclusive" (issue 18 may judge a candidate on them).
FOLD_GENERATED = ("fresh-conf7",)

#: Repeated structure (issue 14, session 16, candidate CMP2): the ring around a pair's target region is its
#: bounding box grown by this fraction of its size on each side (clipped to the picture), minus the box.
RING_GROW = 0.5
#: The ring is read on the high-passed luminance h = Y − GaussianBlur(Y, σ) with this σ (full-resolution px).
RING_HIGHPASS_SIGMA = 3.0
#: The two control shifts: the pair's shift d rotated by ± this angle (degrees), same length.
RING_CONTROL_DEG = 45.0
#: A shift whose moved ring keeps fewer than this fraction of the ring's pixels inside the picture gives no reading.
RING_MIN_COUNTED = 0.5
# cv2.GaussianBlur's kernel for a float image and σ: ksize = round(8σ + 1) | 1, radius ksize // 2 (12 px for σ 3).
_HP_MARGIN = int(round(8 * RING_HIGHPASS_SIGMA + 1)) // 2 + 1


def highpass_window(luminance: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """h = Y − GaussianBlur(Y, σ = ``RING_HIGHPASS_SIGMA``) on the window [y0:y1, x0:x1] of the picture (float32).

    The blur is computed on the window grown by the kernel's radius (clipped to the picture), so the values
    equal those of the whole picture's high-pass (cv2's default reflected border at the picture's own edges);
    memory is bounded by the window."""
    y = np.asarray(luminance)
    h, w = y.shape[:2]
    X0, Y0 = max(0, x0 - _HP_MARGIN), max(0, y0 - _HP_MARGIN)
    X1, Y1 = min(w, x1 + _HP_MARGIN), min(h, y1 + _HP_MARGIN)
    win = y[Y0:Y1, X0:X1].astype(np.float32)
    hp = win - cv2.GaussianBlur(win, (0, 0), RING_HIGHPASS_SIGMA)
    return hp[y0 - Y0:y1 - Y0, x0 - X0:x1 - X0]


def _rotate_shift(dx: float, dy: float, deg: float) -> tuple[int, int]:
    t = math.radians(deg)
    return (int(round(dx * math.cos(t) - dy * math.sin(t))), int(round(dx * math.sin(t) + dy * math.cos(t))))


def _ring_ncc_at(luminance, hp_grown, ring, grown, shift) -> tuple[float | None, float, float, int]:
    """NCC of the high-passed ring (``hp_grown`` on the grown box ``grown``, ``ring`` its mask) with the
    high-passed picture at the ring's pixels moved back by ``shift`` (x − dx, y − dy); only ring pixels whose
    moved position lies inside the picture count. Returns (NCC or None, std of the ring part, std of the moved
    part, pixels counted)."""
    h, w = np.asarray(luminance).shape[:2]
    X0, Y0, X1, Y1 = grown
    dx, dy = shift
    mx0, my0, mx1, my1 = max(X0, dx), max(Y0, dy), min(X1, w + dx), min(Y1, h + dy)
    if mx1 <= mx0 or my1 <= my0:
        return None, 0.0, 0.0, 0
    sub = ring[my0 - Y0:my1 - Y0, mx0 - X0:mx1 - X0]
    n = int(sub.sum())
    if n == 0:
        return None, 0.0, 0.0, 0
    a = hp_grown[my0 - Y0:my1 - Y0, mx0 - X0:mx1 - X0][sub].astype(np.float64)
    b = highpass_window(luminance, mx0 - dx, my0 - dy, mx1 - dx, my1 - dy)[sub].astype(np.float64)
    sa, sb = float(a.std()), float(b.std())
    if sa <= 0.0 or sb <= 0.0:
        return None, sa, sb, n
    return float(np.mean((a - a.mean()) * (b - b.mean())) / (sa * sb)), sa, sb, n


def ring_reading(luminance: np.ndarray, target_bbox, shift_xy) -> dict | None:
    """Is the picture's fine detail periodic at a copy-move pair's shift beyond the matched region? (CMP2)

    Issue 14, session 16, candidate CMP2. On the high-passed luminance h = Y − GaussianBlur(Y, σ = 3 px)
    (``highpass_window``), the ring around the target region (``target_bbox`` (x0, y0, x1, y1), full
    resolution, grown by ``RING_GROW`` of its width / height on each side, clipped to the picture, minus the
    box) is correlated (NCC) with h at the ring's pixels moved back by the pair's shift d = (dx, dy) (source →
    target, rounded to whole pixels): ``ring_r_d``; and the same at the two control shifts of equal length, d
    rotated by +45° and by −45° (rounded to whole pixels): ``ring_r_c`` = the larger of the two. For each
    shift only ring pixels whose moved position lies inside the picture count; a shift that keeps fewer than
    half of the ring's pixels (or whose two sides have no variance) gives no reading (None).

    Returns {"ring_r_d", "ring_r_c" (each None when not read), "ring_std": the smaller std of h over the ring
    and over its d-moved copy, "ring_px": the ring's pixels, "ring_controls": the two control shifts}, or None
    for a missing or empty box or an empty ring. Why: keypoint and block copy-move detectors match
    self-similar texture (Christlein et al., "An evaluation of popular copy-move forgery detection
    approaches", IEEE TIFS 2012, on false matches in self-similar regions). Session 15 measured that the
    plain ring NCC (candidate CMP) also reads smooth, low-frequency content (sky, gradients, walls) as
    repetition; the high-pass removes the illumination, and the control shifts say whether the similarity
    belongs to THIS shift (a period) rather than to every shift. Vectorised; memory bounded by the grown box
    (at most the picture)."""
    if target_bbox is None:
        return None
    h, w = np.asarray(luminance).shape[:2]
    x0, y0, x1, y1 = (int(v) for v in target_bbox)
    bw, bh = x1 - x0, y1 - y0
    if bw <= 0 or bh <= 0:
        return None
    gx, gy = int(round(RING_GROW * bw)), int(round(RING_GROW * bh))
    grown = (max(0, x0 - gx), max(0, y0 - gy), min(w, x1 + gx), min(h, y1 + gy))
    X0, Y0, X1, Y1 = grown
    in_x = (np.arange(X0, X1) >= x0) & (np.arange(X0, X1) < x1)
    in_y = (np.arange(Y0, Y1) >= y0) & (np.arange(Y0, Y1) < y1)
    ring = ~(in_y[:, None] & in_x[None, :])
    n_ring = int(ring.sum())
    if n_ring == 0:
        return None
    hp = highpass_window(luminance, X0, Y0, X1, Y1)
    fx, fy = float(shift_xy[0]), float(shift_xy[1])
    d = (int(round(fx)), int(round(fy)))
    controls = [_rotate_shift(fx, fy, RING_CONTROL_DEG), _rotate_shift(fx, fy, -RING_CONTROL_DEG)]
    readings, std = [], 0.0
    for k, sh in enumerate([d] + controls):
        r, sa, sb, n = _ring_ncc_at(luminance, hp, ring, grown, sh)
        if n < RING_MIN_COUNTED * n_ring:
            r = None
        if k == 0:
            std = min(sa, sb)
        readings.append(r)
    r_c = None if readings[1] is None or readings[2] is None else max(readings[1], readings[2])
    return {"ring_r_d": None if readings[0] is None else round(readings[0], 4),
            "ring_r_c": None if r_c is None else round(r_c, 4),
            "ring_std": round(std, 3), "ring_px": n_ring, "ring_controls": [list(c) for c in controls]}


#: A repeated-structure pair (candidate CMP2): both high-passed rings' std at least ``REPEATED_MIN_STD`` grey
#: levels, the ring NCC at the pair's shift at least ``REPEATED_R_D`` and above the control shifts' by
#: ``REPEATED_MARGIN``.
REPEATED_MIN_STD = 1.0
REPEATED_R_D = 0.5
REPEATED_MARGIN = 0.25


def repeated_pair(values: dict) -> bool:
    """A ``copy_move`` finding's values describe a repeated-structure pair (candidate CMP2): a near-plain shift,
    both readings present (``ring_r_d``, ``ring_r_c``; None or missing never is one), ``ring_std`` ≥
    ``REPEATED_MIN_STD``, ``ring_r_d`` ≥ ``REPEATED_R_D`` and ``ring_r_d`` − ``ring_r_c`` ≥ ``REPEATED_MARGIN``."""
    r_d, r_c, std = values.get("ring_r_d"), values.get("ring_r_c"), values.get("ring_std")
    if r_d is None or r_c is None or std is None:
        return False
    return (float(std) >= REPEATED_MIN_STD and float(r_d) >= REPEATED_R_D
            and float(r_d) - float(r_c) >= REPEATED_MARGIN and cmp.near_plain(values))


#: What ``rings`` records for a pair whose ``ring_reading`` gives no reading.
NO_READING = {"ring_r_d": None, "ring_r_c": None, "ring_std": None, "ring_px": 0}


def rings(pairs: list[tuple[Path, Path]]) -> dict:
    """{"rings": {cache file: {trace: {pair_id: reading}}}, "missing": [...], "sets": {cache: counts}}: CMP's
    ``rings`` with CMP2's ``ring_reading``."""
    return cmp.rings(pairs, reading=ring_reading, no_reading=NO_READING)


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
    (the candidate's ``repeated_pair`` on the injected readings), authentic and forgeries counted apart, each pair's
    facts."""
    out = []
    for cache in caches:
        hits, by_truth = [], {"authentic": 0, "forged": 0}
        for meta, name, pairs in cmp.repeated_traces(cache, repeated_pair):
            by_truth["authentic" if meta["label"] == "authentic" else "forged"] += 1
            hits.append(f"{Path(meta['image']).stem} ({meta['label']}; {name}: "
                        + "; ".join(f"{cmp.pair_facts(v)}, r_d {v['ring_r_d']:.3f}, r_c {v['ring_r_c']:.3f}, "
                                    f"std {v['ring_std']:.1f}" for v in pairs) + ")")
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
            if "error" in meta or not cmp.near_plain_pairs(meta):
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
        cmp.inject(a.rings)
    if a.cmd == "fires":
        print("\n".join(fires(a.caches)))
    if a.cmd == "labels":
        a.out.write_text(json.dumps(labels(a.caches), indent=1))
        print(f"wrote {a.out}")
    if a.cmd == "compare":
        print("\n".join(compare(json.loads(a.base.read_text()), json.loads(a.cand.read_text()))))
    if a.cmd == "decide":
        base, cand = json.loads(a.base.read_text()), json.loads(a.cand.read_text())
        lab = {n: r.get("conf", {}).get("fresh-conf7", {}).get("labels") for n, r in (("B", base), ("CMP2", cand))}
        cmp.write_decision(cmp.decision_text(base, cand, decide_s16(base, cand), "CMP2",
                                             f"\n\nfresh-conf7 labels (generated counted with inconclusive): {lab}"), a.md)
    if a.cmd == "rings":
        cmp.write_rings(a.out, a.sets, rings)

if __name__ == "__main__":
    main()
