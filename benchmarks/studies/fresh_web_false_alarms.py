"""Why the shipped verdict calls fresh authentic web photos manipulated or generated (issue 14, session 12, diagnosis).

For every authentic picture of a cached set that the current fusion (``verdict_accuracy.refuse``) calls
``manipulated`` or ``generated``, this prints what kind of file it is (size, format, JPEG quality and the JPEG
detectors' compression findings, graphic-content probability, editing-software tags), the detection model's
top contributions (coefficient × standardised value, ``DetectionModel.contributions``; the model is issue 14's
standardised logistic regression + Platt scaling), the contributions summed per *cause* (the detector family a
feature reads; an ``agree.A-B`` feature is split half to A and half to B), where the fused map's hot region lies
and which detectors' maps agree with it (IoU of each map's top region with the fused map's top region).

Each false alarm is given the cause whose summed contribution is largest (its "excess" over the median of the
set's own pictures that are not called); the per-cause what-if reads that cause's features at the median of
the model's authentic training rows and counts how many false alarms drop below ``manipulated_at``, beside the
held-out / full-size forgeries the same what-if costs (no refit: the same coefficients). Nothing is fitted.

    python benchmarks/studies/fresh_web_false_alarms.py \\
        --set fresh-web=/work/caches/s12/lead/refresh-n3x/fresh-web:/work/caches/s12/s12det/data/fresh-web \\
        --train-cache /work/caches/s12/s12det/cache/on --forged-cache /work/caches/s12/s12det/cache/off \\
        --sheet /work/caches/s12/s12fa/sheet.png --out /work/caches/s12/s12fa/fresh-web.md
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

#: cause → the feature prefixes (detector names / fact names) it covers; ``agree.A-B`` features are split between
#: the families A and B (``AGREE_CAUSE``).
CAUSES = {
    "copy-move": ("copymove.", "copymove_sift."),
    "learned localizer": ("learned_localizer.",),
    "JPEG history": ("jpeg_adq.", "jpeg_grid.", "jpeg_ghost.", "ela."),
    "noise / residual": ("noise_local.", "noise_median.", "noise_wavelet.", "splicebuster."),
    "resampling / camera": ("resampling.", "median_filter."),
    "fused map": ("fused.",),
}
AGREE_CAUSE = {"learned": "learned localizer", "noise": "noise / residual", "jpeg": "JPEG history",
               "copymove": "copy-move", "camera": "resampling / camera"}
FORGED_SETS = ("heldout-cam", "heldout-cam2", "heldout-web", "heldout-web2", "fullsize-val")


def cause_of(feature: str) -> list[tuple[str, float]]:
    """[(cause, share)] a feature's contribution is counted under (``agree.best_iou``: shared by all families)."""
    if feature.startswith("agree."):
        pair = feature.split(".")[1]
        if "-" not in pair:
            return [(c, 1.0 / len(AGREE_CAUSE)) for c in AGREE_CAUSE.values()]
        a, b = pair.split("-", 1)
        return [(AGREE_CAUSE[a], 0.5), (AGREE_CAUSE[b], 0.5)]
    for cause, prefixes in CAUSES.items():
        if feature.startswith(prefixes):
            return [(cause, 1.0)]
    return [("other", 1.0)]


def cause_sums(contrib: dict[str, float]) -> dict[str, float]:
    out = {c: 0.0 for c in list(CAUSES) + ["other"]}
    for f, v in contrib.items():
        for c, share in cause_of(f):
            out[c] += share * v
    return out


#: single detectors (or facts) read at the median in the what-if, beside whole causes
WHAT_IF_PARTS = ("jpeg_grid.", "jpeg_adq.", "ela.", "jpeg_ghost.", "copymove.plain_shift", "learned_localizer.",
                 "agree.learned-")


def features_of_cause(model, cause: str) -> list[int]:
    """Indices of the model's features whose contribution counts (wholly or half) under ``cause``, or, for one of
    ``WHAT_IF_PARTS``, the features whose name starts with it."""
    if cause in WHAT_IF_PARTS:
        return [i for i, f in enumerate(model.features) if f.startswith(cause)]
    return [i for i, f in enumerate(model.features) if any(c == cause for c, _ in cause_of(f))]


def hot_region(fused: np.ndarray, frac: float = 0.05) -> np.ndarray:
    """The fused map's top region: its ``frac`` highest cells (as ``detection._top_region``)."""
    t = np.quantile(fused, 1 - frac)
    return fused >= max(t, 1e-6)


def region_facts(summary) -> dict:
    """Where the fused map's top region lies (bbox as fractions of height / width, share of the picture) and
    each detector map's agreement with it (IoU of the two top regions, reliability-weighted maps)."""
    from forgelens.fusion.detection import _top_region

    if summary.fused is None:
        return {"bbox": None, "agree": {}}
    f = summary.fused.astype(np.float32)
    reg = hot_region(f)
    ys, xs = np.nonzero(reg)
    h, w = f.shape
    bbox = (ys.min() / h, xs.min() / w, (ys.max() + 1) / h, (xs.max() + 1) / w)
    agree = {}
    for name, m in summary.maps.items():
        r = summary.reliability.get(name)
        mw = m.astype(np.float32) * (1.0 if r is None else r.astype(np.float32))
        if mw.std() < 1e-6:
            continue
        other = _top_region(mw)
        union = np.logical_or(reg, other).sum()
        agree[name] = float(np.logical_and(reg, other).sum() / union) if union else 0.0
    return {"bbox": bbox, "fused_top": float(np.sort(f.ravel())[-max(1, f.size // 50):].mean()),
            "fused_a50": float((f >= 0.5).mean()), "agree": agree}


def picture_facts(meta: dict) -> dict:
    """The file's kind, read from the cached traces' findings (no file access)."""
    out = {"format": meta.get("format"), "shape": meta.get("shape"), "mp": meta.get("megapixels"),
           "quality": None, "compression": None, "foreign_grids": 0, "p_graphic": None, "software": [],
           "copymove_pairs": [], "resampling": None, "p_generated": None}
    for t in meta.get("traces", []):
        for f in t["findings"]:
            v = f.get("values") or {}
            k = f["kind"]
            if k == "jpeg_quality" and out["quality"] is None:
                out["quality"] = v.get("quality", v.get("quality_luma"))
            elif t["name"] == "jpeg_adq" and k in ("single_compression", "double_compression",
                                                   "single_compressed_region"):
                name = {"single_compression": "single", "double_compression": "double",
                        "single_compressed_region": "single-compressed region"}[k]
                if k != "single_compression" and v.get("primary_quality"):
                    name += f" (primary q{v['primary_quality']})"
                out["compression"] = name if out["compression"] in (None, "single") else out["compression"]
            elif k == "jpeg_grid_foreign":
                out["foreign_grids"] += 1
            elif k == "graphic_content":
                out["p_graphic"] = v.get("p_graphic")
            elif k == "editing_software":
                if v.get("software"):  # a metadata tag (EXIF / XMP)
                    out["software"].append("tag " + str(v["software"])[:32])
                else:  # quant_tables: the quantisation tables match an editor's measured tables
                    sw = (v.get("match") or {}).get("label") or t["name"]
                    out["software"].append("qtable " + str(sw).split(" (")[0][:32])
            elif k == "copy_move":
                out["copymove_pairs"].append((v.get("match_count"), round(float(v.get("rotation_deg", 0)), 1),
                                              round(float(v.get("scale", 1)), 3),
                                              round(float(v.get("shift", -1)), 1)))
            elif t["name"] == "resampling" and k in ("global_resampling", "local_resampling"):
                out["resampling"] = k
    gen = (meta.get("verdict_at_extraction") or {}).get("generation") or {}
    out["p_generated"] = gen.get("p_generated")
    return out


#: traces whose findings say how a "generated" call was reached (generation detectors and provenance readers)
GEN_TRACES = ("gen_trace", "clip_probe", "spectrum", "c2pa_manifest", "generator_signature", "watermark", "metadata")


def generation_facts(verdict, meta: dict) -> dict:
    """Why the fusion called a picture generated: the decision-table row and its detectors, P(generated) and the
    generation assessment's own detectors, each generation trace's score, and the provenance findings other than
    "nothing found" (C2PA manifest, generator signature, watermark, AI metadata tags) — read from the verdict and
    the cached findings."""
    gen = verdict.generation or {}
    scores, prov = {}, []
    for t in meta.get("traces", []):
        if t["name"] not in GEN_TRACES:
            continue
        if t["family"] == "generation" and t["score"] is not None:
            scores[t["name"]] = round(float(t["score"]), 3)
        if t["family"] == "provenance":
            for f in t["findings"]:
                if f["kind"] in ("c2pa_absent", "editing_software", "qtable_match", "metadata_info"):
                    continue
                v = f.get("values") or {}
                brief = "; ".join(f"{k}={str(x)[:60]}" for k, x in list(v.items())[:4])
                prov.append(f"{t['name']}:{f['kind']}" + (f" ({brief})" if brief else ""))
    return {"rule": (verdict.decision or {}).get("rule"), "decision_detectors": (verdict.decision or {}).get("detectors"),
            "p_generated": gen.get("p_generated"), "band": gen.get("band"), "gen_detectors": gen.get("detectors"),
            "attribution": gen.get("attribution"), "trace_scores": scores, "provenance": prov}


def repos_of(images: Path | None) -> dict[str, str]:
    """{image path as cached: repository} from ``IMAGES/index.csv`` (columns image, …, repo), if there is one."""
    import csv

    if images is None or not (images / "index.csv").is_file():
        return {}
    with open(images / "index.csv", newline="") as fh:
        return {r["image"]: r.get("repo", "") for r in csv.DictReader(fh)}


def md_repos(recs: list[dict]) -> str:
    """False alarms per repository (manipulated / generated of the repository's pictures)."""
    per: dict[str, list[int]] = {}
    for r in recs:
        n = per.setdefault(r["facts"].get("repo") or "?", [0, 0, 0])
        n[0] += 1
        n[1] += r["label"] == "manipulated"
        n[2] += r["label"] == "generated"
    lines = ["| repository | pictures | manipulated | generated |", "|---|---|---|---|"]
    for repo, (n, m, g) in sorted(per.items(), key=lambda kv: (-(kv[1][1] + kv[1][2]), -kv[1][0], kv[0])):
        lines.append(f"| {repo} | {n} | {m} | {g} |")
    return "\n".join(lines) + "\n"


def md_generated(recs: list[dict]) -> str:
    gens = [r for r in recs if r["label"] == "generated"
            or (r["label"] == "manipulated" and str(r.get("rule", "")).startswith("provenance_"))]
    if not gens:
        return ""
    lines = ["| picture (repository) | verdict | P(generated), band | decision row / detectors | generation trace scores | "
             "provenance findings | P(manip) |", "|---|---|---|---|---|---|---|"]
    for r in sorted(gens, key=lambda r: -(r["gen"]["p_generated"] or 0)):
        g = r["gen"]
        lines.append(f"| {r['image']}" + (f" ({r['facts']['repo']})" if r["facts"].get("repo") else "")
                     + f" | {r['label']} | {g['p_generated']}, {g['band']} | {g['rule']} / {', '.join(g['decision_detectors'] or [])} | "
                     + ", ".join(f"{k} {v:.2f}" for k, v in g["trace_scores"].items())
                     + f" | {'; '.join(g['provenance']) or '—'} | {r['p']:.2f} |")
    return "\n".join(lines) + "\n"


def load_set(cache: Path):
    from benchmarks.accuracy.verdict_accuracy import refuse
    from forgelens.fusion.detection import MapSummary

    rows = []
    for p in sorted(cache.glob("*.npz")):
        s, meta = MapSummary.from_npz(p)
        if "error" in meta or meta.get("label") != "authentic":
            continue
        v = refuse(s, meta)
        rows.append({"summary": s, "meta": meta, "verdict": v})
    return rows


def train_authentic(model, cache: Path) -> np.ndarray:
    from benchmarks.studies.detection_contributions import train_matrix

    return train_matrix(model, cache)[0]


def forged_probabilities(model, cache: Path, what_if=None) -> dict[str, list[float]]:
    from forgelens.fusion.detection import features
    from forgelens.training import detection as T

    T.CACHE = cache
    out = {}
    for s in FORGED_SETS:
        ps = []
        for summ, meta in T.load_cache(s):
            if meta["label"] != "manipulated":
                continue
            f = features(summ, model.detectors)
            ps.append(model.probability(what_if(f) if what_if else f))
        out[s] = ps
    return out


def at_median(model, feats: dict, cause: str, med: np.ndarray) -> dict:
    """``feats`` with every feature of ``cause`` read at the authentic training median (no refit)."""
    return {**feats, **{model.features[i]: float(med[i]) for i in features_of_cause(model, cause)}}


def analyse(rows, model, Xa: np.ndarray) -> list[dict]:
    """One record per picture: verdict, P(manipulated) of the detection model, contributions per cause."""
    from forgelens.fusion.detection import features

    out = []
    for r in rows:
        f = features(r["summary"], model.detectors)
        c = model.contributions(f)
        out.append({"image": Path(r["meta"]["image"]).name, "label": r["verdict"].label,
                    "p": model.probability(f), "at": model.thresholds_for(tuple(r["meta"]["shape"]))["manipulated_at"],
                    "feats": f, "contrib": c, "causes": cause_sums(c), "facts": picture_facts(r["meta"]),
                    "region": region_facts(r["summary"]), "meta": r["meta"], "summary_fused": r["summary"].fused,
                    "p_gen": (r["verdict"].probabilities or {}).get("generated"),
                    "gen": generation_facts(r["verdict"], r["meta"]),
                    "rule": (r["verdict"].decision or {}).get("rule") or ""})
    return out


def assign_causes(recs: list[dict]) -> None:
    """Each false alarm's cause: the one whose sum exceeds the median of the set's pictures not called by most;
    "generation" for a picture called generated, "provenance" for one a provenance row of the decision table called
    (a declaration in the file decides, not the detection model)."""
    quiet = [r for r in recs if r["label"] not in ("manipulated", "generated")]
    base = {c: float(np.median([r["causes"][c] for r in quiet])) if quiet else 0.0 for c in recs[0]["causes"]}
    for r in recs:
        r["excess"] = {c: r["causes"][c] - base[c] for c in r["causes"]}
        r["cause"] = ("generation" if r["label"] == "generated"
                      else "provenance" if str(r.get("rule", "")).startswith("provenance_")
                      else max(r["excess"], key=lambda c: r["excess"][c]))
    return base


def md_alarms(recs: list[dict], top: int = 4) -> str:
    alarms = [r for r in recs if r["label"] in ("manipulated", "generated")]
    lines = ["| picture (repository) | verdict | P(manip) / at | file | JPEG q, compression (jpeg_adq), foreign grids | "
             "p_graphic | editing software (metadata tag / quant-table match) | copy-move pairs (matches, rot°, scale, shift px) | fused top region "
             "(y0,x0,y1,x1 as fractions; fused top) | detectors agreeing (IoU ≥ 0.2) | top contributions | "
             "cause (excess over the set's median, logits) |", "|" + "---|" * 12]
    for r in sorted(alarms, key=lambda r: (r["cause"], -r["p"])):
        fa, rg = r["facts"], r["region"]
        tc = sorted(r["contrib"].items(), key=lambda kv: -kv[1])[:top]
        ag = sorted(((k, v) for k, v in rg["agree"].items() if v >= 0.2), key=lambda kv: -kv[1])
        bbox = "—" if rg["bbox"] is None else "(" + ",".join(f"{x:.2f}" for x in rg["bbox"]) + f"); {rg['fused_top']:.2f}"
        ex = sorted(r["excess"].items(), key=lambda kv: -kv[1])[:2]
        lines.append(
            f"| {r['image']}" + (f" ({fa['repo']})" if fa.get("repo") else "") + f" | {r['label']}" + (f" (P gen {r['p_gen']:.2f})" if r["label"] == "generated" else "")
            + (f" ({r['rule']})" if str(r.get("rule", "")).startswith("provenance_") else "")
            + f" | {r['p']:.2f} / {r['at']:.2f} | {fa['format']} {fa['shape'][1]}×{fa['shape'][0]} ({fa['mp']:.2f} MP) | "
            f"{fa['quality'] if fa['quality'] is not None else '—'}, {fa['compression'] or '—'}, {fa['foreign_grids']} | "
            f"{fa['p_graphic']:.2f} | {'; '.join(dict.fromkeys(fa['software'])) or '—'} | "
            f"{', '.join(str(p) for p in fa['copymove_pairs']) or '—'} | {bbox} | "
            f"{', '.join(f'{k} {v:.2f}' for k, v in ag) or '—'} | "
            f"{', '.join(f'{k} {v:+.2f}' for k, v in tc)} | **{r['cause']}** ("
            + ", ".join(f"{c} {v:+.2f}" for c, v in ex) + ") |")
    return "\n".join(lines) + "\n"


def md_cause_table(recs: list[dict], base: dict) -> str:
    alarms = [r for r in recs if r["label"] in ("manipulated", "generated")]
    quiet = [r for r in recs if r["label"] not in ("manipulated", "generated")]
    lines = ["| cause | median sum, pictures not called | median sum, false alarms | false alarms with this as "
             "largest excess |", "|---|---|---|---|"]
    for c in base:
        n = sum(r["cause"] == c for r in alarms)
        lines.append(f"| {c} | {np.median([r['causes'][c] for r in quiet]):+.2f} | "
                     f"{np.median([r['causes'][c] for r in alarms]) if alarms else float('nan'):+.2f} | {n} |")
    for c, what in (("generation", "verdict 'generated'"), ("provenance", "a provenance row decided")):
        n = sum(r["cause"] == c for r in alarms)
        if n:
            lines.append(f"| {c} ({what}) | — | — | {n} |")
    return "\n".join(lines) + "\n"


def md_what_if(recs, model, Xa, forged_cache: Path | None) -> str:
    """Per cause: the false alarms (manipulated) whose detection P drops below manipulated_at when that cause's
    features are read at the authentic training median, and the held-out / full-size forgeries called before
    → after (no refit)."""
    med = np.median(Xa, axis=0)
    alarms = [r for r in recs if r["label"] == "manipulated"  # a provenance row's call is not the model's
              and not str(r.get("rule", "")).startswith("provenance_")]
    lines = ["| cause read at the authentic training median | false alarms (manipulated) removed | "
             "other pictures of the set newly above manipulated_at | held-out forgeries called (detection model) | "
             "full-size forgeries called |", "|---|---|---|---|---|"]
    base_forged = forged_probabilities(model, forged_cache) if forged_cache else None
    at = model.thresholds["manipulated_at"]
    for c in list(CAUSES) + list(WHAT_IF_PARTS):
        removed = [r["image"] for r in alarms if model.probability(at_median(model, r["feats"], c, med)) < r["at"]]
        new = sum(1 for r in recs if r["label"] != "manipulated" and r["p"] < r["at"]
                  and model.probability(at_median(model, r["feats"], c, med)) >= r["at"])
        cells = [f"{len(removed)} of {len(alarms)}" + (f" ({', '.join(removed)})" if removed else ""), str(new)]
        if base_forged is not None:
            after = forged_probabilities(model, forged_cache, lambda f, c=c: at_median(model, f, c, med))
            for sets in (FORGED_SETS[:4], FORGED_SETS[4:]):
                b = sum(p >= at for s in sets for p in base_forged[s])
                a = sum(p >= at for s in sets for p in after[s])
                cells.append(f"{b} → {a} (of {sum(len(base_forged[s]) for s in sets)})")
        lines.append(f"| {c if c in CAUSES else '`' + c + '*` only'} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def contact_sheet(recs: list[dict], images: Path, out: Path, thumb: int = 320) -> None:
    """Each false alarm beside its fused map (red = high) over the picture, with its name and cause."""
    import cv2
    from PIL import Image, ImageDraw

    alarms = [r for r in recs if r["label"] in ("manipulated", "generated")]
    alarms.sort(key=lambda r: (r["cause"], -r["p"]))
    tiles = []
    for r in alarms:
        with Image.open(images / r["meta"]["image"]) as im:
            rgb = np.asarray(im.convert("RGB"))
        h, w = rgb.shape[:2]
        f = cv2.resize(r["summary_fused"].astype(np.float32), (w, h), interpolation=cv2.INTER_NEAREST)
        heat = cv2.applyColorMap(np.clip(f * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_JET)[..., ::-1]
        over = (0.55 * rgb + 0.45 * heat).astype(np.uint8)
        s = thumb / max(h, w)
        pair = [Image.fromarray(x).resize((max(1, int(w * s)), max(1, int(h * s)))) for x in (rgb, over)]
        tile = Image.new("RGB", (2 * thumb + 8, thumb + 30), "white")
        tile.paste(pair[0], (0, 30))
        tile.paste(pair[1], (thumb + 8, 30))
        ImageDraw.Draw(tile).text((4, 4), f"{r['image']} {r['label']} P{r['p']:.2f} — {r['cause']}", fill="black")
        tiles.append(tile)
    if not tiles:
        return
    cols = 2
    rows = -(-len(tiles) // cols)
    sheet = Image.new("RGB", (cols * tiles[0].width, rows * tiles[0].height), "white")
    for i, t in enumerate(tiles):
        sheet.paste(t, ((i % cols) * t.width, (i // cols) * t.height))
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)


def main(argv: list[str] | None = None) -> None:
    from benchmarks.studies.detection_ship_rule import _use
    from forgelens.fusion.detection import DetectionModel, detection_model

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", action="append", required=True,
                    help="NAME=CACHE[:IMAGES] (images: the folder the cache's image paths are relative "
                         "to; its index.csv, if any, names each picture's repository)")
    ap.add_argument("--model", type=Path, default=None, help="detection model file (default: the shipped one)")
    ap.add_argument("--train-cache", type=Path, required=True, help="cache of the model's training sets")
    ap.add_argument("--forged-cache", type=Path, default=None, help="cache of the held-out / full-size forgeries")
    ap.add_argument("--sheet", type=Path, default=None, help="contact sheet (PNG) of the first set's false alarms (other sets: SHEET-NAME.png)")
    ap.add_argument("--manifest", type=Path, default=None,
                    help="the generation manifest (jsonl): names each picture's repository by its id (file stem)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args(argv)
    if a.model is not None:
        _use(a.model)
    model = detection_model() if a.model is None else DetectionModel.load(a.model)
    Xa = train_authentic(model, a.train_cache)
    parts, dump = [f"Model: {a.model or 'shipped fusion/detection.json'} (manipulated_at "
                   f"{model.thresholds['manipulated_at']:.3f}); authentic training rows for medians: {len(Xa)}\n"], {}
    for k, spec in enumerate(a.set):
        name, rest = spec.split("=", 1)
        cache, _, images = rest.partition(":")
        rows = load_set(Path(cache))
        recs = analyse(rows, model, Xa)
        base = assign_causes(recs)
        index = repos_of(Path(images) if images else None)
        for r in recs:
            r["facts"]["repo"] = index.get(r["meta"]["image"], "")
        if a.manifest:
            repo = {}
            for line in open(a.manifest):
                m = json.loads(line)
                repo[m["id"]] = m.get("repo", "")
            for r in recs:
                r["facts"]["repo"] = repo.get(Path(r["image"]).stem, "")
        alarms = [r for r in recs if r["label"] in ("manipulated", "generated")]
        parts += [f"### {name}: {len(alarms)} of {len(recs)} authentic pictures called manipulated or generated "
                  f"({sum(r['label'] == 'manipulated' for r in alarms)} manipulated, "
                  f"{sum(r['label'] == 'generated' for r in alarms)} generated)\n", md_alarms(recs),
                  "Contributions summed per cause (logits):\n", md_cause_table(recs, base),
                  "Per repository:\n", md_repos(recs), "Called generated, or by a provenance row — how:\n", md_generated(recs),
                  "What-if per cause (no refit):\n",
                  md_what_if(recs, model, Xa, a.forged_cache if k == 0 else None)]
        if a.sheet and images:  # the first set's sheet at --sheet, the others beside it (-NAME)
            contact_sheet(recs, Path(images), a.sheet if k == 0 else a.sheet.with_name(f"{a.sheet.stem}-{name}.png"))
        dump[name] = [{"image": r["image"], "label": r["label"], "p": r["p"], "cause": r["cause"],
                       "causes": r["causes"], "facts": r["facts"], "region": r["region"],
                       "generation": r["gen"], "top": sorted(r["contrib"].items(), key=lambda kv: -kv[1])[:6]}
                      for r in recs]
    if a.model is not None:
        _use(None)
    text = "\n".join(parts)
    if a.json:
        a.json.write_text(json.dumps(dump, indent=1, default=str))
    if a.out:
        a.out.write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
