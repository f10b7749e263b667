"""Where the weak-transformed-pair condition fires and which calls it changes (issue 14, session 14, candidate CMW).

For every cached analysis of the given sets, the candidate code on PYTHONPATH re-fuses the picture twice: with the
shipped config (CMW: jpeg_adq's and the copy-move traces' "no local evidence" conditions) and with
``FusionConfig(local_evidence_traces=("jpeg_adq",))`` (JC alone: main 592b410's reading; ``detection_ship_rule.py
--measure-s13 JC`` with this code gives a JSON identical to main's). Per set it counts the pictures on which a
copy-move trace reads as no local evidence (authentic / manipulated), and lists every picture whose label changed,
with P(manipulated) on both sides and the pairs behind the condition. Nothing is fitted.

    PYTHONPATH=<candidate src>:. python benchmarks/studies/copymove_weak_pairs.py \
        fresh-conf=/work/caches/s13/lead/cache/fresh-conf heldout-cam=... --md out.md --json out.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def compare(cache: Path) -> dict:
    """One set: {"n": {label: count}, "fires": {label: count}, "changed": [rows]} (see the module docstring)."""
    from benchmarks.accuracy.verdict_accuracy import refuse
    from forgelens.fusion import FusionConfig
    from forgelens.fusion.detection import MapSummary

    jc = FusionConfig(local_evidence_traces=("jpeg_adq",))
    out: dict = {"n": {}, "fires": {}, "changed": [], "errors": 0}
    for p in sorted(cache.glob("*.npz")):
        s, meta = MapSummary.from_npz(p)
        if "error" in meta:
            out["errors"] += 1
            continue
        lab = meta["label"]
        out["n"][lab] = out["n"].get(lab, 0) + 1
        v = refuse(s, meta)
        s0, meta0 = MapSummary.from_npz(p)
        v0 = refuse(s0, meta0, jc)
        weak = [n for n in v.decision.get("no_local_evidence", []) if n["condition"] == "weak_pairs"]
        if weak:
            out["fires"][lab] = out["fires"].get(lab, 0) + 1
        if v.label != v0.label:
            out["changed"].append({"image": meta["image"], "label": lab, "kind": meta.get("kind") or "",
                                   "before": v0.label, "p_before": v0.manipulation_score, "after": v.label,
                                   "p_after": v.manipulation_score, "why": [n["why"] for n in weak]})
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="+", help="NAME=CACHE_DIR")
    ap.add_argument("--md", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args(argv)
    res = {}
    for spec in a.sets:
        name, path = spec.split("=", 1)
        res[name] = compare(Path(path))
        print(f"{name}: {res[name]['n']} fires {res[name]['fires']} changed {len(res[name]['changed'])}", flush=True)
    lines = ["| set | pictures (authentic / manipulated) | condition fires (authentic / manipulated) | calls changed |",
             "|---|---|---|---|"]
    for name, r in res.items():
        lines.append(f"| {name} | {r['n'].get('authentic', 0)} / {r['n'].get('manipulated', 0)} | "
                     f"{r['fires'].get('authentic', 0)} / {r['fires'].get('manipulated', 0)} | {len(r['changed'])} |")
    lines += ["", "| set | picture | truth (kind) | main (JC) | CMW | the condition |", "|---|---|---|---|---|---|"]
    for name, r in res.items():
        for c in r["changed"]:
            lines.append(f"| {name} | `{Path(c['image']).stem}` | {c['label']} {c['kind']} | {c['before']} "
                         f"{c['p_before']:.3f} | {c['after']} {c['p_after']:.3f} | {'; '.join(c['why']) or '—'} |")
    text = "\n".join(lines)
    print(text)
    if a.md:
        a.md.write_text(text + "\n")
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
