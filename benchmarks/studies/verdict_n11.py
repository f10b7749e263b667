"""The verdict on real photos and forgeries with issue 18's N11 shipped, beside N3x (issue 14 / 18, session 16).

Information only: nothing is fitted, tuned or chosen here. N11 changed three files (``clip_probe.json``,
``fusion/generation.json``, ``generation_families.json``); every other detector and the detection model are as
they were, so the cached analyses (``forgelens.training.detection extract``: every trace and the map summary) stay
valid except for the ``clip_probe`` trace, whose score the generation combiner reads.

Two steps:

``refresh``: for every cached picture, the ``clip_probe`` trace is re-run on the picture itself under each named
probe (``--probe NAME=clip_probe.json``): the picture is decoded once (``pipeline.analyze``, the analysis's own
loading and limits), and the detector runs once per probe with ``probe_path`` set. The traces go to
``OUT/NAME/SET.jsonl`` (one line per cache file; resumable; the cache is never written). It checks itself: where the
cached trace came from the same probe (same decision threshold in its finding), the re-run score must equal the
cached one — the counts are printed. This is ``refresh_traces.py``'s re-run, two probes per decode.

``report``: every cached analysis is re-fused with the checked-out code (``verdict_accuracy.refuse``, the shipped
``fusion/detection.json``), once per generation model (``--model NAME=generation.json``; that model's refreshed
``clip_probe`` traces patched in), and each picture's verdict is explained by ``verdict_band.cause`` (s15band's Q1:
detection band, generation band, P(generated) > 0.5 "leans", the combinations, other). It prints, per set and model,
the label counts, false alarms (manipulated or generated), the inconclusive share and its causes; pools
out of sample apart from in-sample ones (fresh sets 1–8 are N11's training data); the forgeries' labels; and every
label that changed between the two models.

    python benchmarks/studies/verdict_n11.py refresh --out $S/traces \\
        --probe N3x=/work/gen-data-s12b/s12-candN3x/clip_probe.json \\
        --probe N11=src/forgelens/learned/weights/clip_probe.json \\
        --set fresh-web=CACHE_DIR:IMAGES_DIR ...
    python benchmarks/studies/verdict_n11.py report --traces $S/traces \\
        --model N3x=/work/gen-data-s12b/s12-candN3x/generation.json \\
        --model N11=src/forgelens/fusion/generation.json --set fresh-web=CACHE_DIR ...
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.studies.verdict_band import CAUSES  # noqa: E402

LABELS = ("authentic", "inconclusive", "manipulated", "generated", "not_applicable")
#: s15band's Q1 attribution, grouped as the brief asks (detection band / generation side / both / other).
GROUP = {"detection band": "detection band", "generation band": "generation band",
         "generation leans": "P(generated) > 0.5", "detection band + generation band": "both",
         "detection band + generation leans": "both"}
GROUPS = ("detection band", "generation band", "P(generated) > 0.5", "both", "other")


# ----------------------------------------------------------------------------------------------- refresh


def _probe_threshold(path: Path) -> float:
    d = json.loads(Path(path).read_text())
    return float((d.get("thresholds") or {}).get("decision", d.get("threshold", float("nan"))))


def _cached_clip(meta: dict) -> dict | None:
    return next((t for t in meta.get("traces", []) if t["name"] == "clip_probe"), None)


def _trace_threshold(t: dict | None) -> float | None:
    for f in (t or {}).get("findings", []):
        v = (f.get("values") or {}).get("threshold")
        if v is not None:
            return float(v)
    return None


def trace_dict(t) -> dict:
    """A re-run trace as the cache stores it (``refresh_traces.refresh_one``'s fields)."""
    return {"score": t.score, "applicable": t.applicable, "calibrated": t.calibrated,
            "error": None if t.error is None else t.error.splitlines()[0],
            "findings": [f.to_dict() for f in t.findings]}


def read_traces(path: Path) -> dict[str, dict]:
    """``OUT/NAME/SET.jsonl`` → {cache file name: trace fields}."""
    out = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            if line.strip():
                d = json.loads(line)
                out[d["file"]] = d["trace"]
    return out


def refresh_set(cache: Path, images: Path, probes: dict[str, Path], out: Path, name: str,
                run=None) -> dict[str, collections.Counter]:
    """Re-run clip_probe under every probe for each cache file of ``cache`` not yet in ``out/PROBE/name.jsonl``.
    ``run(image, probe_paths) -> {probe: trace fields}`` (default: the analysis). Returns per-probe counts,
    including the self-check against cached traces made by the same probe."""
    run = run or _run_analysis
    thr = {k: round(_probe_threshold(p), 4) for k, p in probes.items()}
    done = {k: read_traces(out / k / f"{name}.jsonl") for k in probes}
    for k in probes:
        (out / k).mkdir(parents=True, exist_ok=True)
    counts = {k: collections.Counter() for k in probes}
    files = sorted(cache.glob("*.npz"))
    for i, src in enumerate(files):
        if all(src.name in done[k] for k in probes):
            for k in probes:
                counts[k]["already done"] += 1
            continue
        try:
            meta = json.loads(str(np.load(src, allow_pickle=False)["meta"]))
        except (OSError, ValueError, KeyError) as exc:
            print(f"{src}: unreadable cache file ({type(exc).__name__}: {exc}); left out")
            for k in probes:
                counts[k]["left out (unreadable)"] += 1
            continue
        image = images / meta.get("image", "")
        if "traces" not in meta or not image.is_file():
            for k in probes:
                counts[k]["left out (analysis error or picture missing)"] += 1
            continue
        from forgelens.errors import ForgeLensError

        try:
            fresh = run(image, probes)
        except ForgeLensError as exc:
            print(f"{src}: picture rejected by the analysis ({exc}); left out")
            for k in probes:
                counts[k]["left out (picture rejected)"] += 1
            continue
        old = _cached_clip(meta)
        for k in probes:
            with open(out / k / f"{name}.jsonl", "a") as fh:
                fh.write(json.dumps({"file": src.name, "image": meta["image"], "trace": fresh[k]}) + "\n")
            counts[k]["refreshed"] += 1
            if old is not None and _trace_threshold(old) is not None and round(_trace_threshold(old), 4) == thr[k]:
                same = old["score"] is not None and fresh[k]["score"] is not None and \
                    abs(float(old["score"]) - float(fresh[k]["score"])) < 1e-9
                counts[k]["cached by this probe: same score" if same else "cached by this probe: DIFFERENT score"] += 1
        if (i + 1) % 50 == 0:
            print(f"  {name}: {i + 1}/{len(files)} {time.strftime('%H:%M:%S')}", flush=True)
    return counts


def _run_analysis(image: Path, probes: dict[str, Path]) -> dict[str, dict]:
    from forgelens.pipeline import analyze

    out, evidence = {}, None
    for k, p in probes.items():
        rep = analyze(evidence if evidence is not None else str(image), detectors=["clip_probe"],
                      configs={"clip_probe": {"probe_path": str(p)}})
        evidence = rep.evidence
        out[k] = trace_dict(rep.traces[0])
    return out


# ----------------------------------------------------------------------------------------------- report


def patch_meta(meta: dict, trace: dict | None) -> dict:
    """``meta`` with its clip_probe trace (and ``scores`` entry) replaced by ``trace`` (None: unchanged)."""
    if trace is None:
        return meta
    meta = json.loads(json.dumps(meta))
    for t in meta["traces"]:
        if t["name"] == "clip_probe":
            t.update(trace)
    if "scores" in meta and "clip_probe" in meta["scores"]:
        meta["scores"]["clip_probe"] = trace["score"]
    return meta


def use_combiner(path: Path):
    """Make ``fusion.generation``'s shipped combiner the one in ``path`` (the fusion reads it from there)."""
    from forgelens.fusion import generation

    comb = generation.GenerationCombiner.load(Path(path))
    generation._COMBINER[:] = [comb]
    return comb


def load_rows(cache: Path, set_name: str, traces: dict[str, dict] | None, keep=None,
              repos: dict | None = None) -> tuple[list[dict], int]:
    """Every analysed picture of ``cache`` re-fused with ``traces`` patched in. Returns (rows, pictures left out
    because no refreshed trace was found for them)."""
    from benchmarks.studies.verdict_band import _row
    from forgelens.fusion import detection_model
    from forgelens.fusion.detection import MapSummary

    model = detection_model()
    out, missing = [], 0
    for p in sorted(cache.glob("*.npz")):
        s, meta = MapSummary.from_npz(p)
        if "error" in meta or (keep is not None and not keep(meta)):
            continue
        if traces is not None and p.name not in traces:
            missing += 1
            continue
        meta = patch_meta(meta, None if traces is None else traces[p.name])
        r = _row(s, meta, set_name, model, None, (repos or {}).get(meta["image"], ""), False)
        r["file"] = p.name
        out.append(r)
    return out, missing


def group_of(r: dict) -> str:
    if r["verdict"] != "inconclusive":
        return r["verdict"]
    return GROUP.get(r["cause"], "other")


def label_row(name: str, model: str, rows: list[dict]) -> str:
    c = collections.Counter(r["verdict"] for r in rows)
    inc = [r for r in rows if r["verdict"] == "inconclusive"]
    g = collections.Counter(group_of(r) for r in inc)
    n = len(rows)
    fa = c["manipulated"] + c["generated"]
    pg = np.array([r["p_g"] for r in rows if r["p_g"] is not None], float)
    share = lambda k: f"{k} ({100 * k / n:.0f} %)" if n else "0"  # noqa: E731
    return (f"| {name} | {model} | {n} | " + " | ".join(str(c[k]) for k in LABELS)
            + f" | {share(fa)} | {share(c['inconclusive'])} | " + " | ".join(str(g[k]) for k in GROUPS)
            + f" | {int((pg > 0.5).sum())}/{len(pg)} |")


LABEL_HEAD = ("| set | model | n | authentic | inconclusive | manipulated | generated | not_applicable | false alarms "
              "(manip. + gen.) | inconclusive share | — detection band | — generation band | — P(generated) > 0.5 | "
              "— both | — other | P(generated) > 0.5 (all) |\n|---|---|---:|" + "---:|" * 13)


def cause_rows(name: str, model: str, rows: list[dict]) -> str:
    inc = [r for r in rows if r["verdict"] == "inconclusive"]
    c = collections.Counter(r["cause"] for r in inc)
    other = sum(r["cause"] not in CAUSES for r in inc)
    return f"| {name} | {model} | {len(inc)} | " + " | ".join(str(c[k]) for k in CAUSES) + f" | {other} |"


CAUSE_HEAD = ("| set | model | inconclusive | " + " | ".join(CAUSES) + " | other |\n|---|---|---:|"
              + "---:|" * (len(CAUSES) + 1))


def changes(a: list[dict], b: list[dict]) -> collections.Counter:
    """(label under the first model, label under the second) for the same pictures."""
    key = lambda r: (r.get("set", ""), r["file"])  # noqa: E731 - sets may share file names (held-out copies)
    bb = {key(r): r["verdict"] for r in b}
    return collections.Counter((r["verdict"], bb[key(r)]) for r in a if key(r) in bb)


def change_line(name: str, a: list[dict], b: list[dict], ma: str, mb: str) -> str:
    ch = {k: v for k, v in changes(a, b).items() if k[0] != k[1]}
    if not ch:
        return f"- {name}: no label changed"
    return f"- {name}: " + "; ".join(f"{x} → {y} {n}" for (x, y), n in sorted(ch.items(), key=lambda p: -p[1])) + \
        f" ({ma} → {mb})"


def parse_sets(specs: list[str]) -> dict[str, tuple[str, Path, Path | None]]:
    """``NAME=CACHE_DIR[:IMAGES_DIR]`` (NAME may be ``LABEL@SETNAME`` to read SETNAME's cache folder under
    CACHE_DIR as another label, e.g. ``heldout-web-auth@heldout-web``) → {label: (set folder name, cache root,
    images)}."""
    out = {}
    for s in specs:
        name, rest = s.split("=", 1)
        label, folder = name.split("@", 1) if "@" in name else (name, name)
        cache, _, images = rest.partition(":")
        out[label] = (folder, Path(cache), Path(images) if images else None)
    return out


def main_refresh(a) -> int:
    probes = dict((k, Path(v)) for k, v in (p.split("=", 1) for p in a.probe))
    for label, (folder, cache, images) in parse_sets(a.set).items():
        if images is None:
            raise SystemExit(f"--set {label}: IMAGES_DIR missing (NAME=CACHE_DIR:IMAGES_DIR)")
        t0 = time.time()
        if not (cache / folder).is_dir():
            print(f"(missing: {label} = {cache / folder})")
            continue
        counts = refresh_set(cache / folder, images, probes, a.out, label)
        for k, c in counts.items():
            print(f"{label} [{k}] {time.time() - t0:.0f} s: " + ", ".join(f"{x} {n}" for x, n in sorted(c.items())),
                  flush=True)
    return 0


#: The sets by role (the brief's out-of-sample list first; fresh sets 1–8 are N11's training data).
OUT_WEB = ("fresh-web", "fresh-conf9")
OUT_CAMERA = ("cameras-exif", "pristine-extra", "camera-val", "cameras-large")
OUT_OTHER = ("s10real", "kodak24")
OTHER_AUTH = ("hard-val", "casia1", "toolkit", "heldout-web", "heldout-web2", "heldout-cam", "heldout-cam2",
              "fullsize-val-auth")
IN_SAMPLE = ("fresh-conf", "fresh-conf2", "fresh-conf3", "fresh-conf4", "fresh-conf5", "fresh-conf7")
FORGERY_SETS = ("heldout-web", "heldout-web2", "heldout-cam", "heldout-cam2", "fullsize-val", "casia1", "toolkit")


def _authentic(m: dict) -> bool:
    return m["label"] == "authentic"


def _forgery_keep(name: str):
    """The forgeries s15band's Q2 read: held-out exact-mask never-seen hosts, full-size exact-mask, casia1, toolkit."""
    if name.startswith("heldout"):
        from benchmarks.studies.heldout_verdict import NEVER_SEEN, stratum

        return lambda m: (m["label"] == "manipulated" and (m.get("kind") or "") not in ("local", "")
                          and stratum(m.get("source", "")) in NEVER_SEEN)
    if name == "fullsize-val":
        return lambda m: m["label"] == "manipulated" and (m.get("kind") or "") not in ("local", "")
    return lambda m: m["label"] == "manipulated"


def main_report(a) -> int:
    import csv

    sets = parse_sets(a.set)
    models = dict(m.split("=", 1) for m in a.model)
    repos = {}
    for spec in a.index:
        k, path = spec.split("=", 1)
        repos[k] = {r["image"]: r.get("repo", "") for r in csv.DictReader(open(path))}
    auth: dict[str, dict[str, list[dict]]] = {m: {} for m in models}
    forg: dict[str, dict[str, list[dict]]] = {m: {} for m in models}
    print("# The verdict with N11 beside N3x: cached analyses re-fused, clip_probe re-run under each probe\n")
    print("Pictures read per set (authentic; forgeries) and pictures left out for want of a refreshed trace:\n")
    for m, gpath in models.items():
        comb = use_combiner(Path(gpath))
        ops = ", ".join(f"{'+'.join(x.detectors)} [{x.authentic_below:.3f}, {x.generated_at:.3f})" for x in comb.models)
        print(f"- {m}: {gpath}; bands {ops}" + ("; the clip_probe traces AS CACHED" if m in a.cached else ""))
        for label, (folder, cache, _) in sets.items():
            if not (cache / folder).is_dir():
                print(f"  (missing: {label} = {cache / folder})")
                continue
            tr = None if m in a.cached else read_traces(a.traces / m / f"{label}.jsonl")
            rows, miss = load_rows(cache / folder, label, tr, _authentic, repos.get(label))
            if label in OUT_WEB + OUT_CAMERA + OUT_OTHER + OTHER_AUTH + IN_SAMPLE:
                auth[m][label] = rows
            msg = f"  {label}: {len(rows)} authentic"
            if label in FORGERY_SETS:
                frows, fmiss = load_rows(cache / folder, label, tr, _forgery_keep(label))
                forg[m][label] = frows
                msg += f"; {len(frows)} forgeries"
                miss += fmiss
            print(msg + (f"; LEFT OUT (no refreshed trace): {miss}" if miss else ""))
    names = list(models)
    first, last = a.first or names[0], names[-1]

    def pools(d):
        p = {}
        for title, keys in (("OUT OF SAMPLE: web (fresh-web + set 9)", OUT_WEB),
                            ("OUT OF SAMPLE: camera sets", OUT_CAMERA),
                            ("OUT OF SAMPLE: all (web, cameras, s10real, Kodak24)", OUT_WEB + OUT_CAMERA + OUT_OTHER),
                            ("IN SAMPLE for N11: fresh sets 1–5, 7", IN_SAMPLE)):
            p[title] = [r for k in keys for r in d.get(k, [])]
        return p

    print("\n# 1. Authentic pictures: labels, false alarms, the inconclusive share and its causes (s15band's Q1)\n")
    print("Causes of the inconclusive: detection band = P(manipulated) in the detection model's band with P(generated)"
          " clear; generation band = P(generated) in the generation model's band; P(generated) > 0.5 = below both bands"
          " but P(generated)'s likelihood ratio > 1 ('leans'); both = the detection band with either generation cause."
          " The last column: pictures with P(generated) > 0.5 among those with a P(generated).\n")
    for title, keys in (("Out of sample (the brief's list)", OUT_WEB + OUT_CAMERA + OUT_OTHER),
                        ("Other authentic sets (issue 14's validation / held-out sets)", OTHER_AUTH),
                        ("IN SAMPLE for N11 (its training data: fresh sets 1–5, 7) — information only", IN_SAMPLE)):
        print(f"## {title}\n\n{LABEL_HEAD}")
        for k in keys:
            for m in names:
                if k in auth[m]:
                    print(label_row(k, m, auth[m][k]))
        print()
    print(f"## Pools\n\n{LABEL_HEAD}")
    pp = {m: pools(auth[m]) for m in names}
    for title in pp[first]:
        for m in names:
            print(label_row(title, m, pp[m][title]))
    print(f"\n## The causes in full (verdict_band.CAUSES)\n\n{CAUSE_HEAD}")
    for k in OUT_WEB + OUT_CAMERA + OUT_OTHER + OTHER_AUTH + IN_SAMPLE:
        for m in names:
            if k in auth[m]:
                print(cause_rows(k, m, auth[m][k]))
    for title in pp[first]:
        for m in names:
            print(cause_rows(title, m, pp[m][title]))

    print(f"\n## Labels that changed, {first} → {last} (same pictures)\n")
    for k in OUT_WEB + OUT_CAMERA + OUT_OTHER + OTHER_AUTH + IN_SAMPLE:
        if k in auth[first] and k in auth[last]:
            print(change_line(k, auth[first][k], auth[last][k], first, last))
    print(f"\nOut-of-sample authentic pictures called manipulated or generated under {last} (every one):\n")
    for k in OUT_WEB + OUT_CAMERA + OUT_OTHER:
        old = {r["file"]: r for r in auth[first].get(k, [])}
        for r in auth[last].get(k, []):
            if r["verdict"] in ("manipulated", "generated"):
                o = old.get(r["file"])
                pg = "—" if r["p_g"] is None else f"{r['p_g']:.3f}"
                pgo = "—" if o is None or o["p_g"] is None else f"{o['p_g']:.3f}"
                print(f"- {k} {r['image']} {r['repo']}: {r['verdict']} (P(manipulated) {r['p_m']:.3f}, "
                      f"P(generated) {pg}; {first}: {o['verdict'] if o else '?'}, P(generated) {pgo})")

    print("\n# 2. Forgeries: labels under each model\n")
    print(LABEL_HEAD.replace("false alarms (manip. + gen.)", "called (manip. + gen.)"))
    allf = {m: [r for k in FORGERY_SETS for r in forg[m].get(k, [])] for m in names}
    for k in FORGERY_SETS:
        for m in names:
            if k in forg[m]:
                print(label_row(k + " (forgeries)", m, forg[m][k]))
    for m in names:
        print(label_row("ALL FORGERIES", m, allf[m]))
    print()
    for k in FORGERY_SETS:
        if k in forg[first] and k in forg[last]:
            print(change_line(k + " (forgeries)", forg[first][k], forg[last][k], first, last))
    print(change_line("ALL FORGERIES", allf[first], allf[last], first, last))
    print(f"\nForgeries whose label moved to or from 'authentic' ({first} → {last}):\n")
    old_f = {(r["set"], r["file"]): r for r in allf[first]}
    for r in allf[last]:
        o = old_f.get((r["set"], r["file"]))
        if o is not None and (o["verdict"] == "authentic") != (r["verdict"] == "authentic"):
            pg = lambda x: "—" if x["p_g"] is None else f"{x['p_g']:.3f}"  # noqa: E731
            print(f"- {r['set']} {r['image']}: {o['verdict']} → {r['verdict']} (P(manipulated) {r['p_m']:.3f}; "
                  f"P(generated) {pg(o)} → {pg(r)}; cause under {last}: {r['cause']})")

    rep = {k: v for k, v in repos.items() if k in auth[last]}
    if rep:
        print("\n# 3. Per repository (sets with an index)\n")
        print("| set | repository | n | model | authentic | inconclusive | called | detection band | generation band "
              "| P(generated) > 0.5 | both |\n|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for k in rep:
            by = collections.defaultdict(lambda: collections.defaultdict(list))
            for m in names:
                for r in auth[m][k]:
                    by[r["repo"]][m].append(r)
            for repo, per in sorted(by.items(), key=lambda p: -len(p[1][last])):
                for m in names:
                    c = collections.Counter(group_of(r) for r in per[m])
                    print(f"| {k} | {repo} | {len(per[m])} | {m} | {c['authentic']} | "
                          f"{sum(r['verdict'] == 'inconclusive' for r in per[m])} | {c['manipulated'] + c['generated']} | "
                          f"{c['detection band']} | {c['generation band']} | {c['P(generated) > 0.5']} | {c['both']} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("refresh", help="re-run clip_probe under each probe; traces to OUT/PROBE/SET.jsonl")
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--probe", action="append", required=True, help="NAME=clip_probe.json (repeatable)")
    r.add_argument("--set", action="append", required=True, help="NAME=CACHE_ROOT:IMAGES_DIR (cache: CACHE_ROOT/NAME)")
    p = sub.add_parser("report", help="re-fuse under each generation model and print the tables")
    p.add_argument("--traces", type=Path, required=True)
    p.add_argument("--model", action="append", required=True, help="NAME=generation.json (its traces: TRACES/NAME)")
    p.add_argument("--set", action="append", required=True, help="NAME=CACHE_ROOT (cache: CACHE_ROOT/NAME)")
    p.add_argument("--index", action="append", default=[], help="SET=index.csv (image,label,repo)")
    p.add_argument("--cached", action="append", default=[], help="a --model NAME read with the cached clip_probe traces")
    p.add_argument("--first", default=None, help="the model the changes are counted from (default: the first)")
    a = ap.parse_args(argv)
    return main_refresh(a) if a.cmd == "refresh" else main_report(a)


if __name__ == "__main__":
    raise SystemExit(main())
