"""Issue 14, size-class thresholds (candidates S, A) and refits (L9, L9A) on the pictures above 2 MP.

Re-fuses cached analyses (``fit_detection.py extract`` / ``localizer_resolution.py`` caches) with each
model file (``verdict_accuracy.refuse``: today's fusion code) and counts per set, on its pictures above
the size limit: forgeries called manipulated and read "authentic", authentic pictures read "authentic"
and false alarms (called manipulated or generated). ``--native NAME=DIR`` adds the base model on caches
of the same pictures analysed before R1 (the localizer at native resolution), for the clause "forgeries
read authentic not more than pre-R1". ``--small`` names caches of pictures at or below the limit, where
every candidate must give the base model's verdicts (checked, and the script stops if not).

    python benchmarks/studies/size_class_rule.py --base fusion/detection.json --candidate S.json \\
        --candidate A=A.json --set fullsize-val=DIR --set fullsize-val-auth=DIR ... --small casia1=DIR \\
        --native fullsize-val=NATIVE_DIR
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from forgelens.training.detection import LARGE_ABOVE_PIXELS


def verdicts(model_path: Path, folder: Path) -> list[dict]:
    from benchmarks.accuracy.verdict_accuracy import refuse
    from forgelens.fusion import detection
    from forgelens.fusion.detection import DetectionModel, MapSummary

    detection._MODEL[:] = [DetectionModel.load(model_path)]
    out = []
    for p in sorted(folder.glob("*.npz")):
        s, meta = MapSummary.from_npz(p)
        if "error" in meta:
            continue
        v = refuse(s, meta)
        out.append({"image": meta["image"], "label": meta["label"], "pixels": meta["shape"][0] * meta["shape"][1],
                    "verdict": v.label, "score": v.manipulation_score,
                    "manipulated_at": v.decision.get("thresholds", {}).get("manipulated_at")})
    detection._MODEL[:] = []
    return out


def counts(rows: list[dict]) -> dict[str, int]:
    """Over the pictures above the size limit: forgeries called / read authentic, authentic read authentic /
    called manipulated or generated."""
    big = [r for r in rows if r["pixels"] > LARGE_ABOVE_PIXELS]
    man = [r for r in big if r["label"] == "manipulated"]
    aut = [r for r in big if r["label"] == "authentic"]
    return {"pictures": len(rows), "above": len(big), "forgeries": len(man), "authentic": len(aut),
            "called": sum(r["verdict"] == "manipulated" for r in man),
            "forgeries_read_authentic": sum(r["verdict"] == "authentic" for r in man),
            "read_authentic": sum(r["verdict"] == "authentic" for r in aut),
            "false_alarms": sum(r["verdict"] in ("manipulated", "generated") for r in aut)}


def _row(name: str, tag: str, c: dict[str, int]) -> str:
    f, a = c["forgeries"], c["authentic"]
    return (f"| {name} | {c['pictures']} | {c['above']} | {tag} | {c['called']}/{f} | {c['forgeries_read_authentic']}/{f} "
            f"| {c['read_authentic']}/{a} | {c['false_alarms']}/{a} |")


def _named(spec: str, default: str) -> tuple[str, Path]:
    name, _, path = spec.rpartition("=")
    return name or default, Path(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--candidate", action="append", default=[], help="[NAME=]MODEL_FILE (repeatable)")
    ap.add_argument("--set", action="append", default=[], help="NAME=CACHE_DIR (repeatable)")
    ap.add_argument("--native", action="append", default=[],
                    help="NAME=CACHE_DIR of the same pictures analysed before R1, measured with --base (repeatable)")
    ap.add_argument("--small", action="append", default=[], help="NAME=CACHE_DIR of pictures ≤ the limit")
    ap.add_argument("--json", type=Path, default=None, help="also write the counts here")
    ap.add_argument("--not-applicable", type=Path, default=None, help="textured_area.py --json rows: pictures it flags read not_applicable (candidate F)")
    a = ap.parse_args(argv)
    if a.not_applicable:
        from benchmarks.accuracy.verdict_accuracy import read_not_applicable

        read_not_applicable(a.not_applicable)
    models = {"base": a.base, **dict(_named(s, "with S") for s in a.candidate)}
    print(f"Pictures above {LARGE_ABOVE_PIXELS} pixels only.\n")
    print("| set | pictures | above the limit | model | forgeries called manipulated | forgeries read authentic "
          "| authentic read authentic | false alarms (manip./gen.) |")
    print("|---|---|---|---|---|---|---|---|")
    totals: dict[str, dict[str, int]] = {}
    for spec in a.set:
        name, folder = spec.split("=", 1)
        for tag, path in models.items():
            c = counts(verdicts(path, Path(folder)))
            t = totals.setdefault(tag, {})
            for k, v in c.items():
                t[k] = t.get(k, 0) + v
            print(_row(name, tag, c))
    for spec in a.native:
        name, folder = spec.split("=", 1)
        c = counts(verdicts(a.base, Path(folder)))
        totals.setdefault(f"base, native: {name}", c)
        print(_row(name, "base, native (pre-R1)", c))
    for tag, t in totals.items():
        if not tag.startswith("base, native"):
            print(_row("**all sets**", tag, t))
    for spec in a.small:
        name, folder = spec.split("=", 1)
        x = verdicts(a.base, Path(folder))
        for tag, path in list(models.items())[1:]:
            y = verdicts(path, Path(folder))
            same = [(p["verdict"], p["score"]) == (q["verdict"], q["score"]) for p, q in zip(x, y, strict=True)]
            small = [p["pixels"] <= LARGE_ABOVE_PIXELS for p in x]
            changed = [p["image"] for p, s_, sm in zip(x, same, small, strict=True) if sm and not s_]
            print(f"{name}: {sum(small)} pictures ≤ 2 MP, verdicts identical under base and {tag}: {not changed}")
            if changed:
                raise SystemExit(f"{name}: pictures ≤ 2 MP changed under {tag}: {changed[:5]}")
    print(json.dumps(totals))
    if a.json:
        a.json.write_text(json.dumps(totals, indent=1))
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
