"""Issue 14, candidate S: a detection model with a size-class threshold vs the same model without it.

Re-fuses cached analyses (``fit_detection.py extract`` / ``localizer_resolution.py`` caches) with each
model file (``verdict_accuracy.refuse``: today's fusion code) and counts per set: pictures, those above
the size limit, called manipulated, and false alarms (authentic pictures called manipulated or
generated). ``--small`` names caches of pictures at or below the limit, where the two models must give
identical verdicts (checked, and the script stops if not).

    python benchmarks/studies/size_class_rule.py --base fusion/detection.json --candidate S.json \\
        --set fullsize-val=DIR --set fullsize-val-auth=DIR ... --small casia1=DIR
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
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--candidate", type=Path, required=True)
    ap.add_argument("--set", action="append", default=[], help="NAME=CACHE_DIR (repeatable)")
    ap.add_argument("--small", action="append", default=[], help="NAME=CACHE_DIR of pictures ≤ the limit")
    a = ap.parse_args(argv)
    print("| set | pictures | above the limit | model | called manipulated | false alarms (manip./gen.) |")
    print("|---|---|---|---|---|---|")
    totals: dict[str, list[int]] = {}
    for spec in a.set:
        name, folder = spec.split("=", 1)
        for tag, path in (("without S", a.base), ("with S", a.candidate)):
            rows = verdicts(path, Path(folder))
            man = [r for r in rows if r["label"] == "manipulated"]
            aut = [r for r in rows if r["label"] == "authentic"]
            called = sum(r["verdict"] == "manipulated" for r in man)
            fa = sum(r["verdict"] in ("manipulated", "generated") for r in aut)
            big = sum(r["pixels"] > LARGE_ABOVE_PIXELS for r in rows)
            t = totals.setdefault(tag, [0, 0, 0, 0])
            t[0] += called
            t[1] += len(man)
            t[2] += fa
            t[3] += len(aut)
            print(f"| {name} | {len(rows)} | {big} | {tag} | {called}/{len(man)} | {fa}/{len(aut)} |")
    for tag, (c, n, fa, na) in totals.items():
        print(f"| **all sets** | | | {tag} | {c}/{n} | {fa}/{na} = {fa / max(na, 1):.1%} |")
    for spec in a.small:
        name, folder = spec.split("=", 1)
        x, y = verdicts(a.base, Path(folder)), verdicts(a.candidate, Path(folder))
        same = [(p["verdict"], p["score"]) == (q["verdict"], q["score"]) for p, q in zip(x, y, strict=True)]
        small = [p["pixels"] <= LARGE_ABOVE_PIXELS for p in x]
        changed = [p["image"] for p, s_, sm in zip(x, same, small, strict=True) if sm and not s_]
        print(f"{name}: {sum(small)} pictures ≤ 2 MP, verdicts identical under both models: {not changed}")
        if changed:
            raise SystemExit(f"{name}: pictures ≤ 2 MP changed: {changed[:5]}")
    print(json.dumps(totals))
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
