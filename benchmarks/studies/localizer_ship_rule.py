"""Clauses 1–3 of the session-13 ship rule for a fine-tuned learned localizer (issue 14, helper s13loc).

The rule (declared by the lead before any measurement; verbatim in docs/notes/issue-14.md, session 13, s13loc):
a candidate localizer (L0: the new weights with the shipped ``fusion/detection.json``; L1: the same with a
refitted ``detection.json``) replaces the shipped one only if, against the baseline B (main's files on the same
cached analyses), (1) fresh-web's false alarms are strictly fewer; (2) no other authentic set gets a false alarm
more (exif-samples, pristine-extra, camera-val, casia1, toolkit, hard-val, Kodak24, s10real's untrained subset of
session 12, authentic pictures above 2 MP) and exif-samples / pristine-extra / camera-val stay ≤ 3 %; (3) held-out
exact-mask forgeries called ≥ B's with AUC of 1 − P(authentic) ≥ B's − 0.01, full-size forgeries called ≥ B's − 1,
casia1 and toolkit forgeries called ≥ B's − 1 each. Clauses 4 (pixel AUC, ``accuracy_learned.py``) and 5 (the
test suite) are measured apart.

Session 13, candidate L2 (helper s13loc2, declared 01:16 UTC): the same clauses plus clause 6 (s13jc's clause 5):
with ``--conf`` the false alarms of issue 18's confirmation sets (fresh-conf 164, fresh-conf2 122: ``verdict/<set>``
in both roots) are counted, and the candidate's must be ≤ B's on each (whole sets). ``--name`` names the candidate.

Each side reads its own analyses ROOT (``heldout/``, ``verdict/``, ``fullsize/`` as in ``detection_ship_rule.py
--rule s11``): B the cached analyses, L the same files with the learned localizer re-run with the candidate
weights (``localizer_refresh.py``). The numbers come from ``detection_ship_rule.measure_s11`` (the same code as
the session-11 / 12 rules)::

    python benchmarks/studies/localizer_ship_rule.py --baseline ROOT_B --candidates ROOT_L \\
        --train-index web-train-auth/index.csv --model L1=L1.json --md table.md --json rows.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from benchmarks.studies.detection_ship_rule import (
    AUC_SETS,
    FULLSIZE_N,
    HELDOUT_N,
    S12_S10REAL,
    S13_CONF_SETS,
    _false_alarm_clause,
    measure_s11,
    table_s11,
    trained_on,
)

#: Clause 2's sets (fresh-web is clause 1's); the first three also carry the 3 % cap.
S13_SETS = ("cameras-exif", "pristine-extra", "camera-val", "casia1", "toolkit", "hard-val", "kodak24",
            S12_S10REAL, "above 2 MP", "fresh-web")
S13_RATE_SETS = ("cameras-exif", "pristine-extra", "camera-val")
S13_CLAUSE2 = tuple(s for s in S13_SETS if s != "fresh-web")


def forgeries_called(rows: list[tuple]) -> tuple[int, int]:
    """(forgeries called manipulated, forgeries) of (true label, 1 − P(authentic), verdict) rows."""
    forged = [lab for t, _, lab in rows if t != "authentic"]
    return sum(lab == "manipulated" for lab in forged), len(forged)


def decide(res: dict, baseline: str = "B") -> dict[str, dict[str, tuple[bool, str]]]:
    """Clauses 1–3 for every candidate against ``baseline``: {candidate: {clause: (passes, why)}}."""
    base = res[baseline]
    out = {}
    for name, r in res.items():
        if name == baseline:
            continue
        c: dict[str, tuple[bool, str]] = {}
        f, fb = r["false_alarms"]["fresh-web"], base["false_alarms"]["fresh-web"]
        n, nb = len(f["alarms"]), len(fb["alarms"])
        c["1 fresh-web false alarms strictly fewer"] = (n < nb and f["n"] == fb["n"] > 0,
                                                        f"{n}/{f['n']} vs {nb}/{fb['n']}")
        for cache in S13_CLAUSE2:
            c[f"2 {cache} false alarms not more"] = _false_alarm_clause(
                r["false_alarms"][cache], base["false_alarms"][cache], cache in S13_RATE_SETS)
        h, hb = r["heldout"], base["heldout"]
        whole = (h["n_forged"], h["n_auth"]) == (hb["n_forged"], hb["n_auth"]) == HELDOUT_N
        c["3a held-out called ≥ B"] = (whole and h["called"] >= hb["called"], f"{h['called']} vs {hb['called']}")
        c["3b held-out AUC ≥ B − 0.01"] = (whole and h["auc"][0] >= hb["auc"][0] - 0.01,
                                          f"{h['auc'][0]:.3f} vs {hb['auc'][0]:.3f}; n {h['n_forged']}/{h['n_auth']}")
        fs, fsb = r["fullsize"], base["fullsize"]
        whole = (fs["n_forged"], fs["n_auth"]) == (fsb["n_forged"], fsb["n_auth"]) == FULLSIZE_N
        c["3c full-size called ≥ B − 1"] = (whole and fs["called"] >= fsb["called"] - 1,
                                           f"{fs['called']} vs {fsb['called']} of {fs['n_forged']}")
        for cache in AUC_SETS:
            k, m = forgeries_called(r[cache])
            kb, mb = forgeries_called(base[cache])
            c[f"3d {cache} forgeries called ≥ B − 1"] = (m == mb > 0 and k >= kb - 1, f"{k}/{m} vs {kb}/{mb}")
        for cache in S13_CONF_SETS:  # clause 6 (L2's rule): every confirmation set the baseline measured
            if cache not in base["false_alarms"]:
                continue
            f, fb = r["false_alarms"].get(cache, {"n": 0, "alarms": []}), base["false_alarms"][cache]
            n, nb = len(f["alarms"]), len(fb["alarms"])
            c[f"6 {cache} false alarms ≤ B"] = (n <= nb and f["n"] == fb["n"] > 0, f"{n}/{f['n']} vs {nb}/{fb['n']}")
        out[name] = c
    return out


def changes(res: dict, cache: str, baseline: str = "B") -> dict[str, dict[str, list[str]]]:
    """Per candidate: the false alarms of ``cache`` that left, stayed and appeared against ``baseline``."""
    b = set(res[baseline]["false_alarms"][cache]["alarms"])
    out = {}
    for name, r in res.items():
        if name == baseline:
            continue
        a = set(r["false_alarms"][cache]["alarms"])
        out[name] = {"left": sorted(b - a), "stayed": sorted(b & a), "appeared": sorted(a - b)}
    return out


#: Session 15 (issue 14, candidate W2R-S, helper s15w2rs, declared 05:23 UTC): clause 7 — the third and fourth fresh
#: sets' real photos (issue 18's fresh-conf3 184 + fresh-conf4 144), never scored with W2 / W2R / W2R-S: the candidate's
#: false alarms (called manipulated or generated) ≤ B's on the sets pooled. B reads the lead's full default analyses
#: (``--pooled-baseline``), the candidates the same files refreshed with the candidate localizer
#: (``localizer_refresh.py``, ``--pooled-candidates``); each folder holds one sub-folder per set.
S15_POOLED_SETS = ("fresh-conf3", "fresh-conf4")


def pooled_false_alarms(models: dict[str, Path | None], dirs: dict[str, Path], sets=S15_POOLED_SETS) -> dict:
    """{model: {set: {n, alarms, labels}}}: each model's verdicts on its own analyses ``dirs[model]/<set>`` (authentic
    pictures only; ``alarms`` their cache ``image`` values called manipulated or generated; ``labels`` every verdict
    label's count)."""
    from benchmarks.studies.detection_ship_rule import _use, verdict_rows
    from forgelens.training import detection as detection_training

    out: dict[str, dict] = {}
    old = detection_training.CACHE
    try:
        for name, path in models.items():
            _use(path)
            detection_training.CACHE = dirs[name]
            r = {}
            for cache in sets:
                auth = [x for x in verdict_rows(cache, with_meta=True) if x[0] == "authentic"]
                labels: dict[str, int] = {}
                for x in auth:
                    labels[x[2]] = labels.get(x[2], 0) + 1
                r[cache] = {"n": len(auth), "alarms": sorted(x[3]["image"] for x in auth
                                                             if x[2] in ("manipulated", "generated")),
                            "labels": dict(sorted(labels.items()))}
            out[name] = r
    finally:
        _use(None)
        detection_training.CACHE = old
    return out


def decide_pooled(pooled: dict, baseline: str = "B", sets=S15_POOLED_SETS) -> dict[str, tuple[bool, str]]:
    """Clause 7 for every candidate: false alarms on ``sets`` pooled ≤ the baseline's, the same pictures on both
    sides (every set measured whole)."""
    base = pooled[baseline]
    out = {}
    for name, r in pooled.items():
        if name == baseline:
            continue
        n, nb = sum(len(r[c]["alarms"]) for c in sets), sum(len(base[c]["alarms"]) for c in sets)
        m, mb = sum(r[c]["n"] for c in sets), sum(base[c]["n"] for c in sets)
        out[name] = (n <= nb and m == mb > 0, f"{n}/{m} vs {nb}/{mb} (" + "; ".join(
            f"{c} {len(r[c]['alarms'])}/{r[c]['n']} vs {len(base[c]['alarms'])}/{base[c]['n']}" for c in sets) + ")")
    return out


def pooled_text(pooled: dict, sets=S15_POOLED_SETS, baseline: str = "B") -> str:
    """Clause 7's table: per set and model the false alarms, the verdict labels and the files that left / appeared."""
    lines = ["| model | " + " | ".join(f"{c} false alarms | {c} labels" for c in sets) + " | pooled |",
             "|---|" + "---|---|" * len(sets) + "---|"]
    for name, r in pooled.items():
        k, n = sum(len(r[c]["alarms"]) for c in sets), sum(r[c]["n"] for c in sets)
        lines.append(f"| {name} | " + " | ".join(
            f"{len(r[c]['alarms'])}/{r[c]['n']} | " + ", ".join(f"{lab} {v}" for lab, v in r[c]["labels"].items())
            for c in sets) + f" | {k}/{n} = {k / max(1, n):.1%} |")
    lines.append("| always authentic (trivial) | " + " | ".join(
        f"0/{pooled[baseline][c]['n']} | authentic {pooled[baseline][c]['n']}" for c in sets) + " | 0 |")
    text = "\n".join(lines) + "\n"
    for c in sets:
        b = set(pooled[baseline][c]["alarms"])
        text += f"\n{c} false alarms against {baseline}:\n"
        for name, r in pooled.items():
            if name != baseline:
                a = set(r[c]["alarms"])
                text += (f"- {name}: left {len(b - a)} ({', '.join(sorted(b - a))}); stayed {len(a & b)}; appeared "
                         f"{len(a - b)} ({', '.join(sorted(a - b))})\n")
    return text


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", type=Path, required=True, help="B's analyses ROOT")
    ap.add_argument("--candidates", type=Path, required=True, help="the analyses ROOT with the candidate's localizer")
    ap.add_argument("--model", action="append", default=[], help="NAME=PATH of a refitted detection.json (L1)")
    ap.add_argument("--train-index", type=Path, action="append", default=[],
                    help="index.csv whose pictures leave s10real (session 12's: web-train-auth)")
    ap.add_argument("--extra-index", type=Path, action="append", default=[],
                    help="index.csv of further training rows: s10real is ALSO read without them, for information")
    ap.add_argument("--name", default="L0", help="the candidate's name in the tables (L0, L2, …)")
    ap.add_argument("--conf", action="store_true",
                    help="clause 6: also count the confirmation sets fresh-conf / fresh-conf2 (both roots)")
    ap.add_argument("--pooled-baseline", type=Path, default=None,
                    help="clause 7 (session 15): B's analyses of the pooled sets (one folder per set)")
    ap.add_argument("--pooled-candidates", type=Path, default=None,
                    help="clause 7: the same analyses refreshed with the candidate localizer")
    ap.add_argument("--pooled", action="append", default=[],
                    help=f"clause 7's sets (default {', '.join(S15_POOLED_SETS)} when the pooled folders are given)")
    ap.add_argument("--md", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args(argv)
    models: dict[str, Path | None] = {"B": None, a.name: None}
    roots = {"B": a.baseline, a.name: a.candidates}
    for spec in a.model:
        name, path = spec.split("=", 1)
        models[name], roots[name] = Path(path), a.candidates
    exclude = {"s10real": trained_on(a.baseline / "verdict" / "s10real", a.train_index)} if a.train_index else {}
    sets = S13_SETS + (S13_CONF_SETS if a.conf else ())
    res = measure_s11(models, roots, sets, exclude)
    for name in res:  # paired sets: the same pictures in the same order on every side
        for cache in AUC_SETS:
            assert res[name]["images"][cache] == res["B"]["images"][cache], (name, cache)
    clauses = decide(res)
    text = (f"s10real: {len(exclude.get('s10real', ()))} pictures are session 12's training rows, left out on both "
            f"sides\n\n" + table_s11(res, sets))
    text += "\n\nForgeries called manipulated (casia1 / toolkit):\n"
    for name, r in res.items():
        text += f"- {name}: " + ", ".join(f"{c} {'/'.join(map(str, forgeries_called(r[c])))}" for c in AUC_SETS) + "\n"
    text += "\nfresh-web false alarms against B:\n"
    for cache in ("fresh-web",) + (S13_CONF_SETS if a.conf else ()):
        if cache != "fresh-web":
            text += f"\n{cache} false alarms against B:\n"
        for name, ch in changes(res, cache).items():
            text += f"- {name}: " + "; ".join(f"{k} {len(v)} ({', '.join(v)})" for k, v in ch.items()) + "\n"
    if a.extra_index:
        more = trained_on(a.baseline / "verdict" / "s10real", a.extra_index) | exclude.get("s10real", set())
        text += f"\ns10real also without the candidate's own training rows ({len(more)} left out; information):\n"
        for name, r in res.items():
            alarms = [x for x in r["false_alarms"][S12_S10REAL]["alarms"] if x not in more]
            n = r["false_alarms"][S12_S10REAL]["n"] - len(more - exclude.get("s10real", set()))
            text += f"- {name}: {len(alarms)}/{n}\n"
    text += ("\nClauses 1–3" + (" and 6" if a.conf else "") +
             " of the session-13 rule (4: accuracy_learned.py pixel AUC; 5: the test suite):\n")
    for name, c in clauses.items():
        text += (f"\n{name}: {'PASSES' if all(ok for ok, _ in c.values()) else 'FAILS'} clauses 1–3"
                 + (" and 6" if a.conf else "") + "\n")
        text += "\n".join(f"  - {k}: {'pass' if ok else 'FAIL'} ({why})" for k, (ok, why) in c.items()) + "\n"
    pooled, pclauses = {}, {}
    if a.pooled_baseline or a.pooled_candidates:
        if not (a.pooled_baseline and a.pooled_candidates):
            raise SystemExit("clause 7 needs both --pooled-baseline and --pooled-candidates")
        psets = tuple(a.pooled) or S15_POOLED_SETS
        pooled = pooled_false_alarms(models, {n: a.pooled_baseline if n == "B" else a.pooled_candidates
                                              for n in models}, psets)
        pclauses = decide_pooled(pooled, sets=psets)
        text += f"\nClause 7 (session 15): {' + '.join(psets)} real photos pooled, false alarms ≤ B\n\n"
        text += pooled_text(pooled, psets)
        text += "\n" + "\n".join(f"- {n}: clause 7 {'pass' if ok else 'FAIL'} ({why})"
                                  for n, (ok, why) in pclauses.items()) + "\n"
    print(text)
    if a.md:
        a.md.write_text(text + "\n")
    if a.json:
        a.json.write_text(json.dumps({"results": res, "clauses": clauses, "pooled": pooled, "clause7": pclauses,
                                      "excluded": {k: sorted(v) for k, v in exclude.items()}},
                                     indent=1, default=lambda o: float(o) if isinstance(o, np.floating) else str(o)))


if __name__ == "__main__":
    main()
