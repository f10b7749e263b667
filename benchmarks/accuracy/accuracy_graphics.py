"""How well does the ``graphic_content`` gate tell designed graphics from photographs, and what does it cost?

For every set: how many pictures the shipped gate calls "designed graphic" (P(graphic) ≥ its
threshold), beside two trivial baselines thresholded by the same rule (≤ 0.5 % of the fit's
training photographs flagged): the number of distinct colours alone (fewer = graphic) and the
file's bytes per pixel alone (smaller = graphic).

- held-out graphics: a fresh draw of the rendered kinds (another seed, never fitted) and the
  graphics found on this machine (icons, documentation screenshots and diagrams; never fitted);
- held-out photographs, per source: the generation data's *val* split, casia1 and toolkit
  authentic, aigen-playground real, the exif-samples camera files (never fitted: where camera
  false alarms are measured) — the goal is ≤ 1 % flagged on each;
- AI-generated pictures (the cost: the AI-image detectors would not decide on those flagged):
  the generation data's val and train splits per family (the gate was fitted on no generated
  picture, so both are unseen by it), aigen-sd12 and aigen-playground fake.

    python benchmarks/accuracy/accuracy_graphics.py --graphics /tmp/gate/data --gen-data /work/gen-data

With ``--verdicts``: camera false alarms before / after the gate instead (the default analysis of
every exif-samples file ≤ 1.5 MB and the first ``--limit`` pristine-extra photos; "before" is the
same analysis fused without the gate's trace), the files whose label changed listed by name::

    python benchmarks/accuracy/accuracy_graphics.py --verdicts --limit 40

``--graphics`` holds ``graphics-heldout`` (made here with ``render --seed 1`` when missing),
``graphics-found`` (``python -m forgelens.training.graphic_content found``) and, when made,
``graphics-explore`` (``found --repo <github/explore snapshot> --limit 200``: topic logos, CC-BY-4.0). Also prints the gate's
seconds per megapixel.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from forgelens.detectors.graphic_content import graphic_features, probability, threshold
from forgelens.errors import ForgeLensError
from forgelens.evidence import load
from forgelens.fusion.calibration import threshold_at_fpr
from forgelens.training import graphic_content as tg

DATA = Path(__file__).resolve().parents[3] / "shared" / "datasets"


def _shared(name: str, keep=lambda r: True) -> list[Path]:
    with open(DATA / name / "index.csv", newline="") as fh:
        return [DATA / name / r["image"] for r in csv.DictReader(fh) if keep(r)]


def _gen_data(gen_data: Path, split: str, label: str) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = defaultdict(list)
    for line in (gen_data / "manifest.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec.get("split") != split or rec.get("label") != label or rec.get("dropped"):
            continue
        if "exif-samples" in str(rec.get("path", "")):
            continue
        for v in rec.get("views", []):
            if v.get("view") == "proc":
                out[str(rec["family"])].append(gen_data / "views" / v["file"])
    return dict(sorted(out.items()))


def measure(paths: list[Path]) -> list[dict]:
    rows = []
    for p in paths:
        try:
            t0 = time.perf_counter()
            ev = load(p)
            t1 = time.perf_counter()
            f = graphic_features(ev)
            prob = probability(f)
            dt = time.perf_counter() - t1
        except (ForgeLensError, ValueError, OSError):
            continue
        rows.append({"path": str(p), "p": prob, "colours_log": f["colours_log"],
                     "bytes_per_px": ev.size_bytes / (ev.height * ev.width), "mp": ev.megapixels,
                     "seconds": dt, "load_seconds": t1 - t0})
    return rows


def _labels(path: Path) -> tuple[str, str | None, str | None]:
    """(label with the gate, label without it, the gate's P(graphic)) of one default analysis."""
    from forgelens.pipeline import analyze, verdict_for

    try:
        rep = analyze(path)
    except ForgeLensError:
        return "unreadable", None, None
    traces = [t for t in rep.traces if t.name != "graphic_content"]
    before = verdict_for(rep.evidence, traces)
    gate = next((t.score for t in rep.traces if t.name == "graphic_content"), None)
    return rep.verdict.label, before.label, gate


def verdicts(limit: int, jobs: int) -> None:
    from collections import Counter
    from concurrent.futures import ProcessPoolExecutor

    sets = {"cameras exif-samples ≤ 1.5 MB": [p for p in _shared("cameras", lambda r: "exif-samples" in r["image"])
                                             if p.stat().st_size <= 1_500_000],
            "pristine-extra": _shared("pristine-extra")[:limit]}
    print("| set | n | false alarms before (manipulated / generated) | after | labels before | labels after |")
    print("|---|---|---|---|---|---|")
    changed = []
    with ProcessPoolExecutor(jobs) as pool:
        for name, paths in sets.items():
            res = list(pool.map(_labels, paths))
            after = Counter(r[0] for r in res)
            before = Counter(r[1] or r[0] for r in res)
            fa = {k: f"{c['manipulated']} / {c['generated']}" for k, c in (("b", before), ("a", after))}
            n = len(paths) - after["unreadable"]
            print(f"| {name} | {n} | {fa['b']} ({(before['manipulated'] + before['generated']) / n:.1%}) | "
                  f"{fa['a']} ({(after['manipulated'] + after['generated']) / n:.1%}) | "
                  f"{dict(before.most_common())} | {dict(after.most_common())} |")
            changed += [(p.name, r[1], r[0], r[2]) for p, r in zip(paths, res, strict=True) if r[1] and r[1] != r[0]]
    for name, b, a, g in changed:
        print(f"- {name}: {b} → {a} (P(graphic) {g:.3f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verdicts", action="store_true", help="camera false alarms before / after the gate")
    ap.add_argument("--limit", type=int, default=40, help="pristine-extra pictures (--verdicts)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--graphics", type=Path, default=Path("/tmp/gate/data"))
    ap.add_argument("--gen-data", type=Path, default=Path("/work/gen-data"))
    ap.add_argument("--json", type=Path, default=None, help="write every picture's score here")
    a = ap.parse_args()
    if a.verdicts:
        verdicts(a.limit, a.jobs)
        return
    held = a.graphics / "graphics-heldout"
    if not (held / "index.csv").is_file():
        tg.render(held, [p for p, _ in tg.training_photos(a.gen_data, "train")], n_per_kind=20, seed=1)
    by_kind: dict[str, list[Path]] = defaultdict(list)
    for r in tg.read_index(held):
        by_kind[r["kind"]].append(held / r["image"])
    found: dict[str, list[Path]] = defaultdict(list)
    for folder in ("graphics-found", "graphics-explore"):  # the second: a fetched repository, when there
        if (a.graphics / folder / "index.csv").is_file():
            for r in tg.read_index(a.graphics / folder):
                found[r["licence"].split("(")[-1].rstrip(")")].append(a.graphics / folder / r["image"])
    sets: list[tuple[str, str, list[Path]]] = []
    sets += [("graphic", f"rendered, new seed: {k}", v) for k, v in sorted(by_kind.items())]
    sets += [("graphic", f"found: {k}", v) for k, v in sorted(found.items())]
    sets += [("photo", f"gen-data val: {k}", v) for k, v in _gen_data(a.gen_data, "val", "authentic").items()]
    sets += [("photo", "cameras exif-samples ≤ 1.5 MB (never fitted)",
              [p for p in _shared("cameras", lambda r: "exif-samples" in r["image"]) if p.stat().st_size <= 1_500_000]),
             ("photo", "casia1 authentic", _shared("casia1-samples", lambda r: r["label"] == "authentic")),
             ("photo", "toolkit authentic", _shared("toolkit-samples", lambda r: r["label"] == "authentic")),
             ("photo", "aigen-playground real", _shared("aigen-playground", lambda r: r["label"] == "authentic"))]
    sets += [("generated", f"gen-data val: {k}", v) for k, v in _gen_data(a.gen_data, "val", "generated").items()]
    # the gate never saw a generated picture: the train split's families are unseen by it too
    sets += [("generated", f"gen-data train: {k}", v) for k, v in _gen_data(a.gen_data, "train", "generated").items()]
    sets += [("generated", "aigen-sd12", _shared("aigen-sd12")),
             ("generated", "aigen-playground fake", _shared("aigen-playground", lambda r: r["label"] == "generated"))]

    # the baselines' thresholds: the same rule as the gate's, on the fit's training photographs
    train = measure([p for p, _ in tg.training_photos(a.gen_data, "train")])
    thr_col = -threshold_at_fpr([-r["colours_log"] for r in train], 0.005)
    thr_bpp = -threshold_at_fpr([-r["bytes_per_px"] for r in train], 0.005)
    thr = threshold()
    print(f"gate threshold P(graphic) ≥ {thr:.4f}; baselines (≤ 0.5 % of {len(train)} training photos): "
          f"colours_log ≤ {thr_col:.3f}, bytes/pixel ≤ {thr_bpp:.3f}\n")
    print("| class | set | n | gate: called graphic | colours alone | bytes/pixel alone |")
    print("|---|---|---|---|---|---|")
    everything, secs = {}, []
    for cls, name, paths in sets:
        rows = measure(paths)
        everything[name] = rows
        n = len(rows)
        if not n:
            continue
        g = sum(r["p"] >= thr for r in rows)
        c = sum(r["colours_log"] <= thr_col for r in rows)
        b = sum(r["bytes_per_px"] <= thr_bpp for r in rows)
        print(f"| {cls} | {name} | {n} | {g} ({g / n:.0%}) | {c} ({c / n:.0%}) | {b} ({b / n:.0%}) |")
        secs += [r["seconds"] / max(r["mp"], 1e-3) for r in rows if r["mp"] >= 0.2]
        if cls != "graphic":
            for r in rows:
                if r["p"] >= thr:
                    print(f"|  | ↳ flagged: {Path(r['path']).name} (P {r['p']:.3f}) | | | | |")
    print(f"\nseconds per megapixel (features + model, pictures ≥ 0.2 MP, n={len(secs)}): median "
          f"{np.median(secs):.4f}, 90th percentile {np.percentile(secs, 90):.4f}")
    if a.json:
        a.json.write_text(json.dumps({"threshold": thr, "sets": everything}, indent=1))


if __name__ == "__main__":
    main()
