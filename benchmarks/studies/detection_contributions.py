"""Why a detection model calls an authentic camera crop manipulated (issue 14, session 12, diagnosis only).

What the detection model (``forgelens.fusion.detection.DetectionModel``: a standardised logistic regression
over map statistics, then Platt scaling; issue 14, session i14) adds up for one analysis: each feature's
contribution is coefficient × standardised value (``DetectionModel.contributions``), and the raw score is their
sum plus the intercept. This study prints, for the crop of
``tests/test_verdict.py::test_authentic_camera_crops_are_not_called_manipulated`` (centre 512 px, 8-aligned,
re-saved at q95) and for cached analyses of other pictures, the top contributions beside the percentile of the
same feature among the model's own authentic (and manipulated) training rows; it re-runs the test's crop
procedure on other camera pictures and with variants (PNG, q85, q98, a 3 px offset); and it counts the
authentic training rows by what kind of file they are (host, crop grid, final format, JPEG quality, size).

Nothing is fitted or tuned here; the models are read from their JSON files.

    python benchmarks/studies/detection_contributions.py \\
        --model shipped=src/forgelens/fusion/detection.json:off \\
        --model G9=/work/caches/s11/s11det/models/G9.json:on --model W9=/work/caches/s12/s12det/models/W9.json:on \\
        --cache /work/caches/s12/s12det/cache --data /work/caches/s11/s11det/data/detection \\
        --web /work/caches/s12/s12det/data/detection/web-train-auth --scratch /work/caches/s12/s12diag all

``:off`` / ``:on`` say which analyses a model reads (``jpeg_ghost.history_test``); the training rows are read from
``CACHE/on`` (the only cache of the training sets; JPEG rows are the same either way, the history test only
touches files without a JPEG header).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
D70S1 = "nat-jpg__Nikon_D70s_1_*"
TEST_CROP = "nat-jpg__Nikon_D70s_1_22824.JPG"
#: the crop variants of question 2: (name, encoder, offset in px); "q95" is the test's own procedure
VARIANTS = (("q95", ("jpeg", 95), 0), ("png", ("png", 0), 0), ("q85", ("jpeg", 85), 0),
            ("q98", ("jpeg", 98), 0), ("q95+3px", ("jpeg", 95), 3))
TOP = 10


def centre_crop(im: np.ndarray, side: int = 512, offset: int = 0) -> np.ndarray:
    """The test's crop: the centre ``side`` px square, its corner rounded down to a multiple of 8, then moved by
    ``offset`` px in both directions (0: the test's 8-aligned crop)."""
    h, w = im.shape[:2]
    y, x = (h // 2 - side // 2) // 8 * 8 + offset, (w // 2 - side // 2) // 8 * 8 + offset
    if y < 0 or x < 0 or y + side > h or x + side > w:
        raise ValueError(f"picture {w}x{h} is too small for a {side} px crop at offset {offset}")
    return im[y:y + side, x:x + side]


def encode(pixels: np.ndarray, codec: str, quality: int) -> bytes:
    """The crop as the test saves it (Pillow, default settings: PNG level 6, JPEG 4:2:0 without optimisation),
    through the project's encoders."""
    from forgelens.jpeg import encode_jpeg
    from forgelens.synth.jpeg_history import encode_png

    return encode_png(pixels) if codec == "png" else encode_jpeg(pixels, quality)


def percentile_of(value: float, sample: np.ndarray) -> float:
    """Share (in %) of ``sample`` below ``value``, ties counted half (the mid-rank percentile)."""
    sample = np.asarray(sample, np.float64)
    if sample.size == 0:
        return float("nan")
    return float(100.0 * ((sample < value).sum() + 0.5 * (sample == value).sum()) / sample.size)


def quality_band(fmt: str, q: int | None) -> str:
    if fmt != "JPEG":
        return fmt or "?"
    if q is None:
        return "JPEG q?"
    for lo, hi in ((93, 100), (88, 92), (80, 87), (0, 79)):
        if lo <= q <= hi:
            return f"JPEG q{lo}-{hi}"
    return "JPEG q?"


def size_band(pixels: int) -> str:
    for hi, name in ((300_000, "≤0.3 MP"), (600_000, "0.3-0.6 MP"), (2_000_000, "0.6-2 MP")):
        if pixels <= hi:
            return name
    return ">2 MP"


def like_test_crop(row: dict) -> bool:
    """A training row made the way the test's crop is: a camera-JPEG host (Dresden ``prnu`` or a camera original),
    an 8-aligned crop, no post-processing, one JPEG save at q ≥ 93, at most 0.6 MP."""
    return (row.get("host_kind") == "camera JPEG" and row.get("grid") in ("aligned", "whole")
            and row.get("post") in ("none", "") and row.get("band") == "JPEG q93-100"
            and row.get("pixels", 10**9) <= 600_000)


# --------------------------------------------------------------------------------------------- models / rows


def load_models(specs: list[str]):
    from forgelens.fusion.detection import DetectionModel

    out = {}
    for spec in specs:
        name, rest = spec.split("=", 1)
        path, _, var = rest.rpartition(":")
        if var not in ("on", "off"):
            path, var = rest, "off"
        model = DetectionModel.load(Path(path))
        if model is None:
            raise SystemExit(f"{path}: no detection model there")
        out[name] = (model, var)
    return out


def training_sets(model) -> list[str]:
    """The cached sets a model was fitted on (its provenance's ``train_sets`` with rows)."""
    sets = model.fitted.get("train_sets", {})
    return [s for s, n in sets.items() if n]


def train_matrix(model, cache: Path):
    """(X authentic, X manipulated) of the model's features over its training sets' cached rows (kind ``local``
    dropped, as the fit does)."""
    from forgelens.fusion.detection import features
    from forgelens.training import detection as T

    T.CACHE = cache
    a, m = [], []
    for s in training_sets(model):
        for summ, meta in T.load_cache(s):
            if meta.get("kind") == "local" or meta["label"] not in ("authentic", "manipulated"):
                continue
            f = features(summ, model.detectors)
            (a if meta["label"] == "authentic" else m).append([f.get(n, 0.0) for n in model.features])
    return np.array(a, np.float64), np.array(m, np.float64)


def contribution_table(model, feats: dict, Xa: np.ndarray, Xm: np.ndarray, top: int = TOP) -> list[dict]:
    contrib = model.contributions(feats)
    mean, scale = np.asarray(model.mean), np.asarray(model.scale)
    rows = []
    for i, f in enumerate(model.features):
        v = float(feats.get(f, 0.0))
        rows.append({"feature": f, "contribution": contrib[f], "coef": float(model.coef[i]), "value": v,
                     "z": float((v - mean[i]) / scale[i]),
                     "pct_auth": percentile_of(v, Xa[:, i]) if len(Xa) else float("nan"),
                     "pct_manip": percentile_of(v, Xm[:, i]) if len(Xm) else float("nan"),
                     "auth_p50": float(np.median(Xa[:, i])) if len(Xa) else float("nan"),
                     "auth_p95": float(np.quantile(Xa[:, i], 0.95)) if len(Xa) else float("nan")})
    rows.sort(key=lambda r: -r["contribution"])
    return rows[:top]


def md_contributions(title: str, model, feats: dict, Xa, Xm, nA: int, nM: int) -> str:
    raw = model.raw(feats)
    p = model.probability(feats)
    c = model.contributions(feats)
    pos = sum(v for v in c.values() if v > 0)
    lines = [f"**{title}** — P(manipulated) {p:.3f} (manipulated_at {model.thresholds['manipulated_at']:.3f}), "
             f"raw {raw:+.3f} = intercept {model.intercept:+.3f} + Σ contributions {raw - model.intercept:+.3f} "
             f"(positive {pos:+.3f}); percentiles among the model's {nA} authentic / {nM} manipulated training rows",
             "", "| feature | coef | value | z | contribution | pct authentic | pct manipulated | authentic median | "
             "authentic p95 |", "|---|---|---|---|---|---|---|---|---|"]
    for r in contribution_table(model, feats, Xa, Xm):
        lines.append(f"| {r['feature']} | {r['coef']:+.3f} | {r['value']:.4g} | {r['z']:+.2f} | "
                     f"{r['contribution']:+.3f} | {r['pct_auth']:.0f} | {r['pct_manip']:.0f} | "
                     f"{r['auth_p50']:.4g} | {r['auth_p95']:.4g} |")
    g = sorted(group_sums(model, feats).items(), key=lambda kv: -kv[1])
    lines += ["", "Summed per detector group (largest push first): "
              + ", ".join(f"{k} {v:+.2f}" for k, v in g[:6]) + "; most negative: "
              + ", ".join(f"{k} {v:+.2f}" for k, v in g[-3:])]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- analyses


def analyse_bytes(data: bytes, history: bool):
    """The map summary of ``analyze`` (what ``fusion`` reads) with ``jpeg_ghost.history_test`` set."""
    from forgelens.fusion.detection import summarise
    from forgelens.pipeline import analyze

    rep = analyze(data, configs={"jpeg_ghost": {"history_test": bool(history)}})
    return summarise(rep.traces, rep.verdict.heatmap), rep


def camera_pictures(n_exif: int = 10) -> list[tuple[str, Path]]:
    """Every D70s #1 and #0 natural shot, two flat-field shots per unit, and the first ``n_exif`` exif-samples camera
    originals (by file name) of at least 1024 px on the short side."""
    root = SHARED / "cameras"
    out = [("D70s#1 nat", p) for p in sorted((root / "prnu").glob(D70S1))]
    out += [("D70s#0 nat", p) for p in sorted((root / "prnu").glob("nat-jpg__Nikon_D70s_0_*"))]
    for unit in ("0", "1"):
        out += [(f"D70s#{unit} flat", p) for p in sorted((root / "prnu").glob(f"ff-jpg__Nikon_D70s_{unit}_*"))[:2]]
    rows = list(csv.DictReader(open(root / "cameras.csv")))
    ex = [r for r in rows if r["image"].startswith("exif-samples/") and r["camera_original"] == "yes"
          and min(int(r["width"] or 0), int(r["height"] or 0)) >= 1024]
    out += [(f"exif {r['make'].split()[0]} {r['model']}"[:40], root / r["image"]) for r in ex[:n_exif]]
    return out


def run_crops(scratch: Path) -> Path:
    """Analyse every crop variant once (JPEG variants with history on — identical off, no JPEG-less file —, the PNG
    variant both ways); features are computed later per model from the stored summaries."""
    from PIL import Image

    out = scratch / "crops"
    out.mkdir(parents=True, exist_ok=True)
    index = []
    for group, path in camera_pictures():
        im = np.asarray(Image.open(path).convert("RGB"))
        for vname, (codec, q), off in VARIANTS:
            data = encode(centre_crop(im, 512, off), codec, q)
            for history in ((False, True) if codec == "png" or path.name == TEST_CROP else (True,)):
                key = f"{path.stem}__{vname}__{'on' if history else 'off'}"
                f = out / f"{key}.npz"
                if not f.exists():
                    summ, rep = analyse_bytes(data, history)
                    summ.to_npz(f, label=rep.verdict.label, score=rep.verdict.manipulation_score)
                index.append({"group": group, "picture": path.name, "variant": vname, "history": history,
                              "file": str(f)})
                print(key, flush=True)
    (out / "index.json").write_text(json.dumps(index, indent=1))
    return out / "index.json"


def crop_features(index_path: Path):
    from forgelens.fusion.detection import MapSummary

    rows = json.loads(index_path.read_text())
    for r in rows:
        r["summary"], _ = MapSummary.from_npz(Path(r["file"]))
    return rows


def summary_for(rows, picture: str, variant: str, history: bool):
    """The stored summary of (picture, variant) read with ``history``; JPEG variants were analysed once (history on:
    the test only reads files without a JPEG header)."""
    hit = [r for r in rows if r["picture"] == picture and r["variant"] == variant]
    exact = [r for r in hit if r["history"] == history]
    return (exact or hit)[0]["summary"]


def md_crops(models, rows) -> str:
    from forgelens.fusion.detection import features

    pics = list(dict.fromkeys((r["group"], r["picture"]) for r in rows))
    head = ["group", "picture"] + [f"{n} {v}" for n in models for v, _, _ in VARIANTS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    called = {(n, v): 0 for n in models for v, _, _ in VARIANTS}
    for group, pic in pics:
        cells = [group, pic.replace("nat-jpg__", "").replace("ff-jpg__", "ff ")]
        for n, (m, var) in models.items():
            at = m.thresholds["manipulated_at"]
            for v, _, _ in VARIANTS:
                p = m.probability(features(summary_for(rows, pic, v, var == "on"), m.detectors))
                called[(n, v)] += p >= at
                cells.append(f"**{p:.2f}**" if p >= at else f"{p:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("| called manipulated (P ≥ manipulated_at) | " + str(len(pics)) + " pictures | "
                 + " | ".join(str(called[(n, v)]) for n in models for v, _, _ in VARIANTS) + " |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- training-row census


def census(data: Path, web: Path | None) -> list[dict]:
    """One dict per authentic training row: set, host kind, crop grid, post chain, final format / JPEG quality band,
    pixels (from the synth recipes, and from the files for the sets without a recipe)."""
    from PIL import Image

    from forgelens.jpeg import estimate_jpeg_quality

    def file_facts(p: Path) -> tuple[str, int | None, int]:
        with Image.open(p) as im:
            q = None
            if im.format == "JPEG" and getattr(im, "quantization", None):
                # Pillow gives the tables in natural (row-major) order, as estimate_jpeg_quality wants
                q = estimate_jpeg_quality(np.array(im.quantization[0], np.float64).reshape(8, 8))[0]
            return im.format, q, im.size[0] * im.size[1]

    out = []
    for s in ("synth-train", "synth-train2", "synth-train-auth"):
        for line in open(data / s / "recipe.jsonl"):
            r = json.loads(line)
            if r["label"] != "authentic":
                continue
            host = r["host"]
            hk = ("camera JPEG" if host["label"].startswith("prnu") else
                  f"{host['label'].split('~')[0].split('/')[0]} {host['format']}")
            last = r["post_steps"][-1]
            fmt = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}.get(last["op"], last["op"])
            out.append({"set": s, "host_kind": hk, "grid": r.get("host_grid", ""), "post": r["post"],
                        "band": quality_band(fmt, last.get("quality")), "pixels": int(r["size"][0] * r["size"][1]),
                        "image": r["image"], "host": host["label"]})
    for s, folder, hk in (("hard-train", data / "hard-train", None),
                          ("camera-train", data / "camera-originals" / "train", "camera JPEG"),
                          ("fullsize-train-auth", data / "camera-originals" / "fullsize-train-auth", None),
                          ("web-train-auth", web, "web")):
        if folder is None or not (folder / "index.csv").exists():
            continue
        for r in csv.DictReader(open(folder / "index.csv")):
            if r["label"] != "authentic":
                continue
            fmt, q, px = file_facts(folder / r["image"])
            kind = hk or r["source"].split(":")[0]
            if s == "fullsize-train-auth":
                kind = "camera JPEG"
            out.append({"set": s, "host_kind": kind, "grid": "whole", "post": r.get("post", ""),
                        "band": quality_band(fmt, q), "pixels": px, "image": r["image"], "host": r["source"]})
    return out


def md_census(rows: list[dict]) -> str:
    from collections import Counter

    lines = ["| set | authentic rows | host: camera JPEG | of which aligned crop / whole, no post | "
             "… saved JPEG q93-100 | … and ≤ 0.6 MP (like the test crop) | final format / quality bands | size bands |",
             "|---|---|---|---|---|---|---|---|"]
    for s in dict.fromkeys(r["set"] for r in rows):
        rs = [r for r in rows if r["set"] == s]
        cam = [r for r in rs if r["host_kind"] == "camera JPEG"]
        al = [r for r in cam if r["grid"] in ("aligned", "whole") and r["post"] in ("none", "")]
        hq = [r for r in al if r["band"] == "JPEG q93-100"]
        like = [r for r in hq if like_test_crop(r)]
        bands = ", ".join(f"{k} {v}" for k, v in sorted(Counter(r["band"] for r in rs).items()))
        sizes = ", ".join(f"{k} {v}" for k, v in sorted(Counter(size_band(r["pixels"]) for r in rs).items()))
        lines.append(f"| {s} | {len(rs)} | {len(cam)} | {len(al)} | {len(hq)} | {len(like)} | {bands} | {sizes} |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- groups, what-ifs


COPYMOVE_PREFIXES = ("copymove.", "copymove_sift.", "agree.copymove-")
#: the sets the session-11/12 rule counts false alarms on (authentic rows) and the held-out / full-size forgeries
EVAL_AUTHENTIC = ("cameras-exif", "pristine-extra", "camera-val", "casia1", "toolkit", "hard-val", "kodak24",
                  "cameras-large", "fullsize-val-auth", "fresh-web", "s10real")
EVAL_FORGED = ("heldout-cam", "heldout-cam2", "heldout-web", "heldout-web2", "fullsize-val")


def group_of(feature: str) -> str:
    """The detector (or ``agree`` / ``fused``) a feature belongs to; the copy-move facts and maps are one group."""
    if feature.startswith(COPYMOVE_PREFIXES):
        return "copy-move (copymove*, agree.copymove-*)"
    return feature.split(".")[0]


def group_sums(model, feats: dict) -> dict[str, float]:
    out: dict[str, float] = {}
    for f, c in model.contributions(feats).items():
        out[group_of(f)] = out.get(group_of(f), 0.0) + c
    return out


def without_plain_shift(feats: dict) -> dict:
    """The what-if of question 5: ``copymove.plain_shift`` read as 0 (a pure translation at scale 1 — what repeated
    real objects give — no longer counted as a copy-move fact); everything else as analysed."""
    return {**feats, "copymove.plain_shift": 0.0}


def copymove_at_median(model, feats: dict, Xa: np.ndarray) -> dict:
    """The what-if: every copy-move feature at the median of the model's authentic training rows."""
    med = {f: float(np.median(Xa[:, i])) for i, f in enumerate(model.features) if f.startswith(COPYMOVE_PREFIXES)}
    return {**feats, **med}


def md_groups(models, rows, picture: str, top: int = 8) -> str:
    """Per variant of one picture: P and the contribution summed per detector group (the groups that move most)."""
    from forgelens.fusion.detection import features

    lines = []
    for n, (m, var) in models.items():
        per = {v: group_sums(m, features(summary_for(rows, picture, v, var == "on"), m.detectors))
               for v, _, _ in VARIANTS}
        ps = {v: m.probability(features(summary_for(rows, picture, v, var == "on"), m.detectors)) for v, _, _ in VARIANTS}
        groups = sorted({g for d in per.values() for g in d},
                        key=lambda g: -(max(d.get(g, 0) for d in per.values()) - min(d.get(g, 0) for d in per.values())))
        lines += [f"{n} (history {var}):", "", "| group | " + " | ".join(v for v, _, _ in VARIANTS) + " |",
                  "|---|" + "---|" * len(VARIANTS),
                  "| **P(manipulated)** | " + " | ".join(f"{ps[v]:.3f}" for v, _, _ in VARIANTS) + " |"]
        for g in groups[:top]:
            lines.append(f"| {g} | " + " | ".join(f"{per[v].get(g, 0):+.3f}" for v, _, _ in VARIANTS) + " |")
        lines.append("")
    return "\n".join(lines) + "\n"


def md_groups_by_picture(models, rows, variant: str = "q95") -> str:
    """Per picture, the test's crop procedure: P, the copy-move and resampling groups' contributions and the rest
    (intercept included), per model — is it this picture or the kind?"""
    from forgelens.fusion.detection import features

    pics = list(dict.fromkeys((r["group"], r["picture"]) for r in rows))
    head = ["group", "picture"] + [f"{n} {c}" for n in models for c in ("P", "copy-move", "resampling", "rest")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for group, pic in pics:
        cells = [group, pic.replace("nat-jpg__", "").replace("ff-jpg__", "ff ")]
        for m, var in models.values():
            f = features(summary_for(rows, pic, variant, var == "on"), m.detectors)
            g = group_sums(m, f)
            cm, rs = g.get(group_of("copymove.pairs"), 0.0), g.get("resampling", 0.0)
            cells += [f"{m.probability(f):.2f}", f"{cm:+.2f}", f"{rs:+.2f}", f"{m.raw(f) - cm - rs:+.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def md_what_if(models, rows, train) -> str:
    from forgelens.fusion.detection import features

    lines = ["| model | test crop P | plain_shift read as 0 | all copy-move features at the authentic median | "
             "manipulated_at | raw score above the threshold's (logits to remove) | copy-move group's excess over "
             "a picture without copy-move findings |", "|---|---|---|---|---|---|---|"]
    for n, (m, var) in models.items():
        f = features(summary_for(rows, TEST_CROP, "q95", var == "on"), m.detectors)
        none = group_sums(m, {**f, **{k: 0.0 for k in m.features if k.startswith(COPYMOVE_PREFIXES)}})
        g = group_of("copymove.pairs")
        lines.append(f"| {n} | {m.probability(f):.3f} | {m.probability(without_plain_shift(f)):.3f} | "
                     f"{m.probability(copymove_at_median(m, f, train[n][0])):.3f} | {m.thresholds['manipulated_at']:.3f} | "
                     f"{m.raw(f) - raw_at(m, m.thresholds['manipulated_at']):+.3f} | "
                     f"{group_sums(m, f)[g] - none[g]:+.3f} |")
    return "\n".join(lines) + "\n"


def raw_at(model, p: float) -> float:
    """The raw score whose calibrated probability is ``p`` (bisection; the Platt map is monotone increasing)."""
    from forgelens.fusion.calibration import apply_platt

    lo, hi = -50.0, 50.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if float(apply_platt(model.platt, mid)) < p else (lo, mid)
    return (lo + hi) / 2


def md_threshold_what_if(models, rows, cache: Path) -> str:
    """The threshold what-if: the held-out and full-size forgeries still called if ``manipulated_at`` were raised
    just above the test crop's P (the smallest threshold rule that passes the test for that model)."""
    from forgelens.fusion.detection import features
    from forgelens.training import detection as T

    lines = ["| model | test crop P | manipulated_at | held-out called (184) at manipulated_at → above the crop's P | "
             "full-size called (36) → same |", "|---|---|---|---|---|"]
    for n, (m, var) in models.items():
        pc = m.probability(features(summary_for(rows, TEST_CROP, "q95", var == "on"), m.detectors))
        T.CACHE = cache / var
        out = []
        for sets in (("heldout-cam", "heldout-cam2", "heldout-web", "heldout-web2"), ("fullsize-val",)):
            ps = [m.probability(features(summ, m.detectors)) for s in sets for summ, meta in T.load_cache(s)
                  if meta["label"] == "manipulated"]
            at = m.thresholds["manipulated_at"]
            out.append(f"{sum(p >= at for p in ps)} → {sum(p > max(pc, at) for p in ps)} (of {len(ps)})")
        lines.append(f"| {n} | {pc:.3f} | {m.thresholds['manipulated_at']:.3f} | {out[0]} | {out[1]} |")
    return "\n".join(lines) + "\n"


def md_plain_shift(models, cache: Path) -> str:
    """How often ``copymove.plain_shift`` is 1 — training rows by set / kind, evaluation sets — and what reading it as
    0 would change in the count of P(manipulated) ≥ manipulated_at (the detection model alone, per model)."""
    from collections import Counter

    from forgelens.fusion.detection import features
    from forgelens.training import detection as T

    first = next(iter(models.values()))[0]
    T.CACHE = cache / "on"
    lines = ["Training rows (ON cache) with `copymove.plain_shift` = 1:", "",
             "| set | authentic: plain_shift 1 / rows | manipulated: plain_shift 1 / rows (by kind / method) |",
             "|---|---|---|"]
    for s in ("synth-train", "synth-train2", "synth-train-auth", "hard-train", "camera-train", "fullsize-train-auth",
              "web-train-auth"):
        rs = [(summ, meta) for summ, meta in T.load_cache(s) if meta.get("kind") != "local"]
        if not rs:
            continue
        ps = [(meta, features(summ, first.detectors).get("copymove.plain_shift", 0.0)) for summ, meta in rs]
        a = [p for meta, p in ps if meta["label"] == "authentic"]
        mk = Counter(f"{meta.get('kind')}" for meta, p in ps if meta["label"] == "manipulated" and p)
        mn = sum(meta["label"] == "manipulated" for meta, _ in ps)
        lines.append(f"| {s} | {int(sum(a))} / {len(a)} | {sum(mk.values())} / {mn}"
                     + (f" ({', '.join(f'{k} {v}' for k, v in sorted(mk.items()))})" if mk else "") + " |")
    lines += ["", "Evaluation sets: rows with plain_shift 1, and P(manipulated) ≥ manipulated_at as analysed → with "
              "plain_shift read as 0 (authentic sets: false alarms of the detection model alone; forged sets: "
              "forgeries called)", "",
              "| set | class | rows | plain_shift 1 | " + " | ".join(f"{n} called → what-if" for n in models) + " |",
              "|---|---|---|---|" + "---|" * len(models)]
    for s in EVAL_AUTHENTIC + EVAL_FORGED:
        label = "authentic" if s in EVAL_AUTHENTIC else "manipulated"
        cells, n_rows, n_plain = [], 0, 0
        for m, var in models.values():
            T.CACHE = cache / var
            rs = [summ for summ, meta in T.load_cache(s) if meta["label"] == label]
            if not rs:
                cells.append("—")
                continue
            fs = [features(summ, m.detectors) for summ in rs]
            at = m.thresholds["manipulated_at"]
            n_rows, n_plain = len(fs), int(sum(f.get("copymove.plain_shift", 0.0) for f in fs))
            before = sum(m.probability(f) >= at for f in fs)
            after = sum(m.probability(without_plain_shift(f)) >= at for f in fs)
            cells.append(f"{before} → {after}")
        lines.append(f"| {s} | {label} | {n_rows} | {n_plain} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- main


def cached_row(cache: Path, set_name: str, image_part: str):
    from forgelens.training import detection as T

    T.CACHE = cache
    hits = [(s, m) for s, m in T.load_cache(set_name) if image_part in m["image"]]
    if len(hits) != 1:
        raise SystemExit(f"{set_name}: {len(hits)} cached rows match {image_part!r}")
    return hits[0]


def main(argv: list[str] | None = None) -> None:
    from forgelens.fusion.detection import features

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("crops", "tables", "all"))
    ap.add_argument("--model", action="append", required=True, help="NAME=PATH[:on|off]")
    ap.add_argument("--cache", type=Path, required=True, help="folder holding on/ and off/ detection caches")
    ap.add_argument("--data", type=Path, required=True, help="the detection data folder (synth recipes)")
    ap.add_argument("--web", type=Path, default=None, help="web-train-auth folder")
    ap.add_argument("--scratch", type=Path, required=True)
    ap.add_argument("--cached", action="append", default=[], help="SET:IMAGE-PART rows for question 4")
    ap.add_argument("--out", type=Path, default=None, help="markdown output (default: stdout)")
    a = ap.parse_args(argv)
    models = load_models(a.model)
    index = a.scratch / "crops" / "index.json"
    if a.what in ("crops", "all"):
        index = run_crops(a.scratch)
    if a.what == "crops":
        return
    rows = crop_features(index)
    train = {n: train_matrix(m, a.cache / "on") for n, (m, _) in models.items()}
    parts = ["### Q1: the test's crop (`" + TEST_CROP + "`, centre 512, 8-aligned, q95)\n"]
    for n, (m, var) in models.items():
        Xa, Xm = train[n]
        s_on = summary_for(rows, TEST_CROP, "q95", True)
        s_off = summary_for(rows, TEST_CROP, "q95", False)
        same = abs(m.probability(features(s_on, m.detectors)) - m.probability(features(s_off, m.detectors))) < 1e-12
        parts.append(md_contributions(f"{n} (history {var}; on/off give the same P: {same})", m,
                                      features(summary_for(rows, TEST_CROP, "q95", var == "on"), m.detectors),
                                      Xa, Xm, len(Xa), len(Xm)))
    parts.append("### Q2: P(manipulated) of the test's crop procedure and its variants (bold: called)\n")
    parts.append(md_crops(models, rows))
    parts.append("Per detector group, the test picture's variants (contributions summed):\n")
    parts.append(md_groups(models, rows, TEST_CROP))
    parts.append("Per picture (the test's procedure, q95): raw score split into the copy-move group, resampling and "
                 "the rest (intercept included):\n")
    parts.append(md_groups_by_picture(models, rows))
    parts.append("What-if on the test crop (no refit: the same coefficients):\n")
    parts.append(md_what_if(models, rows, train))
    parts.append("Threshold what-if (no refit):\n")
    parts.append(md_threshold_what_if(models, rows, a.cache))
    parts.append("### Q3: the authentic training rows, by kind\n")
    cen = census(a.data, a.web)
    parts.append(md_census(cen))
    like = [r for r in cen if like_test_crop(r)]
    parts.append("Rows like the test crop: " + (", ".join(f"{r['set']}/{r['image']} ({r['host']}, "
                                                          f"{r['pixels'] / 1e6:.2f} MP)" for r in like) or "none") + "\n")
    (a.scratch / "census.json").write_text(json.dumps(cen, indent=0))
    parts.append("### copymove.plain_shift in training and evaluation rows\n")
    parts.append(md_plain_shift(models, a.cache))
    if a.cached:
        parts.append("### Q4: cached analyses\n")
    for spec in a.cached:
        set_name, part = spec.split(":", 1)
        for n, (m, var) in models.items():
            summ, meta = cached_row(a.cache / var, set_name, part)
            Xa, Xm = train[n]
            parts.append(md_contributions(f"{set_name} {Path(meta['image']).name} under {n} (cache {var})", m,
                                          features(summ, m.detectors), Xa, Xm, len(Xa), len(Xm)))
    text = "\n".join(parts)
    if a.out:
        a.out.write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
