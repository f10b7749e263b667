"""How often does the SHIPPED generation detection call fresh real photographs generated? (issue 18, session 10)

    export PYTHONPATH=$PWD/src OMP_NUM_THREADS=1
    nice -n 10 python benchmarks/studies/generation_real_styles.py --set /work/caches/s10/s10real/set \
        --cache /work/caches/s10/s10gfa --sheet /work/caches/s10/s10gfa/false-alarms.png

Reads a real-photo set written by ``forgelens.training.gen_sources_real`` (``manifest.jsonl``: repository, commit,
path, licence, style, split, the raw picture and its processed views) and runs the *default* analysis
(``forgelens.pipeline.analyze``, every default detector, the shipped model files) on every raw picture and every
processed view. Nothing is fitted to or tuned on these pictures: the shipped models never saw them, so each is a fresh
real photograph for them. Per style and split (and all together), for the raw pictures and for each kind of
processed view: pictures whose verdict label is ``generated``, and pictures whose combined P(generated)
(``verdict.generation["p_generated"]``) is at or above the shipped ``generated_at``, with 95 % Wilson intervals;
pictures the designed-graphic gate takes and pictures that cannot be judged are counted apart (neither is a call).

Trivial baseline (as ``accuracy_generation.py``: logistic regression on log size, JPEG or not, brightness,
saturation, sharpness — here with log bits per pixel added — threshold by the same rule, 3 % of each real source):
the generation training caches of earlier sessions are not on this machine, so it is fitted on the generated and
authentic pictures of ``../shared/datasets`` (aigen-sd12, aigen-playground, gan-examples generated vs pristine-extra,
aigen-playground real, gan-examples real, casia1 authentic; never ``cameras``: its exif-samples are a copy of a
repository reserved for independent evaluation, its Dresden shots near-copies of reserved pictures). It says what image
statistics alone would call generated; it is not the earlier sessions' fitted baseline.

One analysis per file is cached (``<cache>/analyses.jsonl``, keyed by the file's path under the set, resumed on a
rerun); a file the loader refuses is recorded with its error and the batch goes on. ``--sheet`` writes a contact
sheet of every false alarm (raw or view) with its caption.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generation_fresh_check import wilson  # noqa: E402  (one Wilson interval for the generation studies)

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "datasets"
FPR = 0.03
#: ../shared sets the trivial baseline is fitted on: (folder, label kept, which index rows)
TRIVIAL_SETS = (("aigen-sd12", "generated"), ("aigen-playground", "generated"), ("gan-examples", "generated"),
                ("pristine-extra", "authentic"), ("aigen-playground", "authentic"),
                ("gan-examples", "authentic"), ("casia1-samples", "authentic"))


def cell(k: int, n: int) -> str:
    if n == 0:
        return "–"
    lo, hi = wilson(k, n)
    return f"{k}/{n} = {k / n:.1%} [{lo:.1%}, {hi:.1%}]"


def trivial_features(path: Path) -> np.ndarray:
    """``training.probes.trivial_stats`` (log pixels, JPEG or not, brightness, saturation, sharpness) + log bits/pixel."""
    import cv2

    from forgelens.training.probes import trivial_stats

    raw = path.read_bytes()
    bgr = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"{path}: not decodable")
    rgb = np.ascontiguousarray(bgr[..., ::-1])
    h, w = rgb.shape[:2]
    return np.r_[trivial_stats(rgb, raw[:3] == b"\xff\xd8\xff"), np.log(8.0 * len(raw) / (h * w))].astype(np.float32)


def items(set_dir: Path) -> list[dict]:
    """One row per file to analyse: every raw picture (dropped ones too, marked) and every processed view."""
    rows = []
    for line in (set_dir / "manifest.jsonl").read_text().splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        split = r.get("split") or ("dropped" if r.get("dropped") else "?")
        base = {"id": r["id"], "repo": r["repo"], "path": r["path"], "style": r["style"], "family": r["family"],
                "split": split, "dropped": r.get("dropped", "")}
        raw = Path(r["raw"])
        if not raw.is_absolute():
            raw = set_dir / raw
        rows.append({**base, "kind": "raw", "file": str(raw)})
        for v in r.get("views", []):
            rows.append({**base, "kind": v["view"], "file": str(set_dir / "views" / v["file"])})
    return rows


def analyse(row: dict) -> dict:
    """The default analysis of one file: label, the generation row, the gate, the deciding rule."""
    from forgelens.errors import ForgeLensError
    from forgelens.fusion import graphic_gate
    from forgelens.pipeline import analyze

    f = Path(row["file"])
    out = {"key": row["key"]}
    try:
        out["trivial"] = trivial_features(f).tolist()
    except (OSError, ValueError) as e:
        out["trivial_error"] = str(e)
    t0 = time.perf_counter()
    try:
        rep = analyze(f)
    except ForgeLensError as e:
        out["error"] = str(e)
        return out
    v = rep.verdict
    g = v.generation or {}
    tr = {t.name: t for t in rep.traces}
    gate = graphic_gate([t for t in rep.traces])
    out.update({
        "label": v.label, "not_applicable_reason": v.not_applicable_reason,
        "p_generated": g.get("p_generated"), "generated_at": g.get("generated_at"), "band": g.get("band"),
        "p_generated_verdict": (v.probabilities or {}).get("generated"),
        "gen_detectors": g.get("detectors"),
        "gen_trace": getattr(tr.get("gen_trace"), "score", None), "clip_probe": getattr(tr.get("clip_probe"), "score", None),
        "gated": bool(gate), "p_graphic": (gate or {}).get("p_graphic"),
        "rule": v.decision.get("rule"), "deciders": v.decision.get("detectors"),
        "shape": list(rep.evidence.shape[:2]), "seconds": round(time.perf_counter() - t0, 2),
    })
    return out


def run_all(rows: list[dict], cache: Path, limit: int | None) -> dict[str, dict]:
    cache.mkdir(parents=True, exist_ok=True)
    fn = cache / "analyses.jsonl"
    done = {}
    if fn.exists():
        for line in fn.read_text().splitlines():
            if line.strip():
                d = json.loads(line)
                done[d["key"]] = d
    todo = [r for r in rows if r["key"] not in done][:limit]
    print(f"{len(rows)} files, {len(done)} cached, {len(todo)} to analyse", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    with open(fn, "a") as fh:
        for i, r in enumerate(todo, 1):
            d = analyse(r)
            fh.write(json.dumps(d) + "\n")
            fh.flush()
            done[r["key"]] = d
            if i % 20 == 0:
                print(f"  {i}/{len(todo)} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    return done


def trivial_model(cache: Path):
    """(predict(x) -> P, threshold, description): the trivial logistic fitted on ../shared (cached features)."""
    from scipy.special import expit

    from forgelens.training.calibration import per_source_threshold
    from forgelens.training.probes import fit_linear

    if not SHARED.is_dir():
        return None
    fn = cache / "trivial-shared.json"
    feats = json.loads(fn.read_text()) if fn.exists() else {}
    xs, ys, srcs = [], [], []
    for folder, label in TRIVIAL_SETS:
        idx = SHARED / folder / "index.csv"
        if not idx.is_file():
            continue
        with open(idx, newline="") as fh:
            for r in csv.DictReader(fh):
                if r["label"] != label:
                    continue
                key = f"{folder}/{r['image']}"
                if key not in feats:
                    try:
                        feats[key] = trivial_features(SHARED / folder / r["image"]).tolist()
                    except (OSError, ValueError):
                        feats[key] = None
                if feats[key] is None:
                    continue
                xs.append(feats[key])
                ys.append(int(label == "generated"))
                srcs.append(folder)
    fn.write_text(json.dumps(feats))
    x, y, s = np.asarray(xs, np.float32), np.asarray(ys), np.asarray(srcs)
    m = fit_linear(x, y, c=1.0)
    p = expit(m.logit(x))
    thr = per_source_threshold(p[y == 0], s[y == 0], FPR)
    desc = (f"{int((y == 1).sum())} generated / {int((y == 0).sum())} authentic pictures of ../shared "
            f"({', '.join(sorted(set(s)))}); threshold {thr:.3f} (3 % of each real source)")
    return (lambda q: expit(m.logit(np.asarray(q, np.float32)))), thr, desc


def called(d: dict) -> tuple[bool, bool]:
    """(label generated, P(generated) ≥ generated_at and not gated and judged)."""
    lab = d.get("label") == "generated"
    p, thr = d.get("p_generated"), d.get("generated_at")
    over = p is not None and thr is not None and p >= thr and not d.get("gated") and d.get("label") != "not_applicable"
    return lab, bool(over)


def report(rows: list[dict], res: dict[str, dict], triv) -> list[dict]:
    styles = sorted({r["style"] for r in rows})
    kinds = ["raw"] + sorted({r["kind"] for r in rows} - {"raw"}, key=lambda k: ("proc", "jpeg75", "half", "social").index(k)
                                                            if k in ("proc", "jpeg75", "half", "social") else 9)
    if triv is not None:
        f, tthr, desc = triv
        print(f"Trivial baseline: logistic on log pixels, JPEG or not, brightness, saturation, sharpness, log bits/pixel; "
              f"fitted on {desc}.\n")
    thr = sorted({round(d["generated_at"], 5) for d in res.values() if d.get("generated_at") is not None})
    print(f"Shipped generation threshold(s) generated_at: {', '.join(map(str, thr))}\n")
    false_alarms = []
    for kind in kinds:
        kr = [r for r in rows if r["kind"] == kind]
        print(f"\n### {'Raw pictures (as collected)' if kind == 'raw' else 'Processed views: ' + kind}\n")
        print("| style | split | n | errors or missing | not judged | gated | label generated (95 % Wilson) | "
              "P(generated) ≥ generated_at | inconclusive band | max P | trivial baseline |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        groups = [(s, sp) for s in styles for sp in sorted({r["split"] for r in kr if r["style"] == s})]
        groups += [(s, "all") for s in styles] + [("all", sp) for sp in sorted({r["split"] for r in kr})] + [("all", "all")]
        for s, sp in groups:
            g = [r for r in kr if (s == "all" or r["style"] == s) and (sp == "all" or r["split"] == sp)]
            if not g:
                continue
            ds = [res[r["key"]] for r in g if r["key"] in res]
            ok = [d for d in ds if "error" not in d]
            lab = sum(called(d)[0] for d in ok)
            over = sum(called(d)[1] for d in ok)
            na = sum(d.get("label") == "not_applicable" for d in ok)
            gated = sum(bool(d.get("gated")) for d in ok)
            inc = sum(d.get("band") == "inconclusive" and not d.get("gated") for d in ok)
            ps = [d["p_generated"] for d in ok if d.get("p_generated") is not None]
            tcell = "–"
            if triv is not None:
                tx = [d["trivial"] for d in ds if "trivial" in d]
                k = int((triv[0](tx) >= triv[1]).sum()) if tx else 0
                tcell = f"{k}/{len(tx)}"
            print(f"| {s} | {sp} | {len(g)} | {len(ds) - len(ok) + (len(g) - len(ds))} | {na} | {gated} | "
                  f"{cell(lab, len(g))} | {cell(over, len(g))} | {inc} | {max(ps) if ps else float('nan'):.3f} | {tcell} |")
        for r in kr:
            d = res.get(r["key"], {})
            if "error" not in d and any(called(d)):
                false_alarms.append({**r, **d})
    print("\n### Every false alarm (label generated, or P(generated) ≥ generated_at)\n")
    print("| file (set) | repository / path | style | split | view | label | P(generated) | gen_trace | clip_probe | "
          "deciding rule / detectors |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for d in sorted(false_alarms, key=lambda d: -(d.get("p_generated") or 0)):
        print(f"| {Path(d['file']).name} | {d['repo']} `{d['path']}` | {d['style']} | {d['split']} | {d['kind']} | "
              f"{d['label']} | {d['p_generated']:.3f} | {d['gen_trace'] or 0:.3f} | {d['clip_probe'] or 0:.3f} | "
              f"{d['rule']}: {', '.join(d['deciders'] or [])} |")
    if not false_alarms:
        print("| none | | | | | | | | | |")
    errs = [(r, res[r["key"]]) for r in rows if "error" in res.get(r["key"], {})]
    for r, d in errs:
        print(f"\nerror: {r['file']}: {d['error']}")
    return false_alarms


def sheet(fas: list[dict], out: Path, side: int = 300) -> None:
    """Contact sheet of the false alarms, each with a caption (file, style, view, P)."""
    import cv2

    if not fas:
        return
    cols = min(4, len(fas))
    rows = (len(fas) + cols - 1) // cols
    canvas = np.full((rows * (side + 44), cols * side, 3), 255, np.uint8)
    for i, d in enumerate(sorted(fas, key=lambda d: -(d.get("p_generated") or 0))):
        img = cv2.imread(d["file"], cv2.IMREAD_COLOR)
        if img is None:
            continue
        h, w = img.shape[:2]
        s = side / max(h, w)
        img = cv2.resize(img, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA)
        y0, x0 = (i // cols) * (side + 44), (i % cols) * side
        canvas[y0:y0 + img.shape[0], x0:x0 + img.shape[1]] = img
        for j, txt in enumerate((f"{Path(d['file']).name} {d['kind']} {d['label']}",
                                 f"{d['style']} {d['split']} P {d['p_generated']:.3f} {d['repo'].split('/')[0][:16]}")):
            cv2.putText(canvas, txt, (x0 + 3, y0 + side + 16 + 18 * j), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1,
                        cv2.LINE_AA)
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), canvas)
    print(f"\ncontact sheet: {out} ({len(fas)} pictures)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", type=Path, default=Path("/work/caches/s10/s10real/set"))
    ap.add_argument("--cache", type=Path, default=Path("/work/caches/s10/s10gfa"))
    ap.add_argument("--kinds", default="raw,proc,jpeg75,half,social", help="which files: raw and/or view kinds")
    ap.add_argument("--limit", type=int, default=None, help="analyse at most this many new files (resume later)")
    ap.add_argument("--no-trivial", action="store_true")
    ap.add_argument("--sheet", type=Path, default=None, help="write a contact sheet of the false alarms here")
    a = ap.parse_args(argv)
    kinds = set(a.kinds.split(","))
    rows = [r for r in items(a.set) if r["kind"] in kinds]
    for r in rows:
        r["key"] = os.path.relpath(r["file"], a.set)
    rows = sorted(rows, key=lambda r: (r["kind"] != "raw", r["key"]))
    res = run_all(rows, a.cache, a.limit)
    triv = None if a.no_trivial else trivial_model(a.cache)
    fas = report(rows, res, triv)
    if a.sheet:
        sheet(fas, a.sheet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
