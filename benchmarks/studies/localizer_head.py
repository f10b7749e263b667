"""A learned image-level head on the learned localizer's own features (issue 14 item 1): a study.

Why: on exact-mask forgeries from hosts no model saw (``heldout_verdict.py``), the localizer's
fused map usually peaks on the forged region, but the image-level read-outs are weak: the
localizer's 6→16→1 head on six map statistics reaches AUC 0.761, the detection model over all
traces 0.836. TruFor's detection head pools the network's *features* (not only its map) over the
picture; this study asks whether pooled features of our localizer, read out by a logistic
regression, rank forgeries above authentic pictures better. Nothing in the analysis changes.

What it does:

1. ``data``: the training recipe of ``forgelens.training.detection_data`` on the TRAINING hosts only
   (``synth-train`` seed 14, ``synth-train2`` seed 114, ``synth-train-auth`` seed 214, ``hard-train``
   seed 14; ≈ 0.5 MP crops, every chain), written under ``ROOT/data``.
2. ``extract``: a copy of the shipped localizer graph, edited in memory to also output the last
   encoder stage (``blocks.15`` projection, 320 channels at stride 32) and the decoder's fused
   features before the prediction convolutions (``fuse``, 64 channels at stride 4) and the
   pre-sigmoid probability/confidence logits at stride 4. The picture is tiled exactly as the
   shipped detector tiles it (512-px tiles, 64-px overlap, last tile flush with the edge). Per
   tile and channel: mean, max, mean of the top positions (10 % encoder, 2 % decoder) and the mean
   weighted by the localizer's own probability (decoder also by probability × confidence, the
   TruFor-style weighting); over tiles: max and mean. Also the six map statistics and the head's
   logit of the shipped localizer (the same numbers as its trace). One ``.npz`` per picture.
3. ``measure``: standardised logistic regression per feature set, C chosen by 5-fold GroupKFold
   over host photos (out-of-fold AUC), the feature set chosen the same way; the operating threshold
   is the out-of-fold score with ≤ 3 % of the training authentic pictures at or above it. Then,
   on i14v's held-out pictures (never fitted or tuned on): AUC and share called, with 95 %
   host-bootstrap intervals, per kind and forged area, beside the localizer's own score, the
   detection model's score and the trivial baselines; and false alarms on the camera sets
   (exif-samples ≤ 1.5 MB, pristine-extra first 40) at the same threshold.

    python benchmarks/studies/localizer_head.py data --root /work/caches/i14h
    python ../shared/tools/heldout_guard.py /work/caches/i14h/data/synth-train   # etc., each folder
    python benchmarks/studies/localizer_head.py extract --root /work/caches/i14h --heldout-root /work/caches/i14v
    python benchmarks/studies/localizer_head.py measure --root /work/caches/i14h --heldout-root /work/caches/i14v \\
        --md benchmarks/RESULTS-localizer-head.md

Session 17 (issue 14, candidate LH, helper s17lh; docs/notes/issue-14.md): ``extract`` and the new ``extract-caches``
(the pictures behind folders of cached analyses) read each picture at the detector's working scale (``features``:
native up to 2 MP, above that area-averaged to ≤ 1 MP, as ``learned_localizer`` does); ``head`` fits H (the
``--exact-only`` recipe above) and writes ``H.json`` (plain numbers) and ``H-logits.json`` — out of fold by host for the
detection recipe's rows (``DETECTION_ROW_SETS``), H on all its pictures for every other one, the sealed sets left out;
``head-apply`` scores further sets from ``H.json``; ``lh-measure`` re-fuses cached analyses with each detection model,
H's logit injected as the fact ``learned_localizer.head_logit`` (corrected clip_probe traces patched in);
``lh-decide`` prints LH's rule; ``speed`` prints the localizer's s/MP and peak RSS without and with H::

    python benchmarks/studies/localizer_head.py extract --root R --sets hard-train synth-train synth-train2 synth-train-auth
    python benchmarks/studies/localizer_head.py extract-caches --root R --cache-set NAME=CACHE_DIR=IMAGE_ROOT ...
    python benchmarks/studies/localizer_head.py head --root R --out R/H
    python benchmarks/fit/fit_detection_shipped.py --cache BR --synth-train-index I --out LH.json --head-logits R/H/H-logits.json
    python benchmarks/studies/localizer_head.py lh-measure --root R --model B= --model LH=LH.json --logits R/H/H-logits.json \
        --out M.json --cache-set NAME=CACHE_DIR[=TRACES_JSONL] ...
    python benchmarks/studies/localizer_head.py lh-decide --root R --results M.json --md rule.md
    python benchmarks/studies/localizer_head.py speed --root R --head R/H/H.json --pictures P1 P2 ...

Session 17, round 2 (issue 14, candidate LS, helper s17ls): ``ls-fit`` keeps the shipped detection model's ranking (its
standardiser and coefficients) and lets H's logit enter only at calibration: P = σ(a·z_B + b·z_H + c), (a, b, c) by the
recipe's Platt step on synth-val + hard-val, thresholds on the out-of-fold P (5-fold GroupKFold by host photo); written
as a detection model file (coefficients × a, H's logit × b, identity Platt) that ``lh-measure`` scores unchanged
(``--without-head``: the same re-calibration on z_B alone, information). ``lh-decide --cand LS`` prints the rule;
``ls-info`` lists every false alarm that appears or leaves with H's logit percentile::

    python benchmarks/studies/localizer_head.py ls-fit --root S --det-cache BR --logits R/H/H-logits.json --out LS.json
    python benchmarks/studies/localizer_head.py lh-measure --root S --model B= --model LS=LS.json ... (as above)
    python benchmarks/studies/localizer_head.py lh-decide --root S --cand LS --results M.json --md rule.md
    python benchmarks/studies/localizer_head.py ls-info --root S --cand LS --results M.json --s10real-cache C \
        --train-index web-train-auth/index.csv --md info.md
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.studies import heldout_verdict as hv  # noqa: E402

DATASETS = REPO / ".." / "shared" / "datasets"
#: name → (synth seed, kinds or None for the hard negatives); the documented training draws.
TRAIN_SETS = ("synth-train", "synth-train2", "synth-train-auth", "hard-train")
HELDOUT_SETS = tuple(hv.DRAWS)
CAMERA_SETS = ("cameras-exif", "pristine-extra")
#: The detection model's validation sets (pictures under ``--val-root``) and their verdict caches: only
#: their Dresden D70s #1 and odd-CRC Sun-Hays hosts (none in the held-out pictures) fit the stack below.
#: The verdict benchmark's caches of full analyses (``verdict_accuracy.py``; outside the repository):
#: the detection model's score for the camera sets and the stack's fit pictures comes from there.
VERDICT_CACHE = Path("/work/caches/detection-cache")
STACK_SETS = {"synth-val": "../detection-cache-flush-tiles/synth-val", "hard-val": "hard-val"}
#: Intermediate tensors of the shipped localizer graph exposed as extra outputs.
ENCODER = "/m/blocks.15/_project_conv/Conv_output_0"  # (N, 320, H/32, W/32), last encoder stage
DECODER = "/m/fuse/fuse.2/Relu_output_0"  # (N, 64, H/4, W/4), fused decoder features before the heads
LOC_LOGIT = "/m/loc_head/Conv_output_0"  # (N, 1, H/4, W/4), probability logit before upsampling
CONF_LOGIT = "/m/conf_head/Conv_output_0"  # (N, 1, H/4, W/4), confidence logit
EXTRA = (ENCODER, DECODER, LOC_LOGIT, CONF_LOGIT)
TOP_ENC, TOP_DEC = 0.10, 0.02
FEATURE_SETS = {
    "maps (6 map statistics + shipped head logit)": ("maps",),
    "decoder": ("dec",),
    "encoder": ("enc",),
    "decoder + encoder": ("dec", "enc"),
    "decoder + encoder + maps": ("dec", "enc", "maps"),
    "gradient boosting: decoder + maps": ("dec", "maps"),
}
C_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
#: Gradient boosting: learning rates tried (the "C" column of the report), 200 trees of ≤ 15 leaves.
LR_GRID = (0.03, 0.1)
FALSE_ALARM = 0.03


# ---------------------------------------------------------------- data


def make_data(root: Path) -> None:
    from forgelens.training import detection_data as dd

    out = root / "data"
    dd.hard_negatives("train", out / "hard-train", 14)
    for name, seed, kinds in (("synth-train", 14, dd.KINDS_HALF_AUTHENTIC), ("synth-train2", 114, dd.KINDS_HALF_AUTHENTIC),
                              ("synth-train-auth", 214, "authentic")):
        if not (out / name / "index.csv").exists():
            dd.synth("train", out / name, seed, dd.N_SYNTH["train"], kinds)


# ---------------------------------------------------------------- features


class FeatureLocalizer:
    """The shipped localizer with extra graph outputs; ``maps`` pools each tile's features as it goes,
    so ``localizer.localize`` tiles it exactly like the detector does."""

    def __init__(self, threads: int = 1) -> None:
        import onnx
        import onnxruntime as ort
        from onnx import TensorProto, helper

        from forgelens.learned import localizer, onnx_models

        self.shipped = localizer.load(threads=threads)  # detection-head weights (metadata) and checks
        m = onnx.load(str(onnx_models.SHIPPED["localizer"]))  # an in-memory copy; the file is not touched
        for name in EXTRA:
            m.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
        self.session = ort.InferenceSession(m.SerializeToString(), onnx_models.session_options(threads),
                                            providers=["CPUExecutionProvider"])
        self.valid = (512, 512)
        self.tiles: list[tuple[np.ndarray, np.ndarray]] = []

    def maps(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        prob, conf, enc, dec, loc, cnf = self.session.run(None, {"rgb": np.ascontiguousarray(x, np.float32)})
        vh, vw = min(self.valid[0], x.shape[2]), min(self.valid[1], x.shape[3])  # padding only on small pictures
        self.tiles.append(pool_tile(enc[0], dec[0], loc[0, 0], cnf[0, 0], vh, vw))
        return prob, conf

    def detect(self, prob: np.ndarray, conf: np.ndarray) -> float:
        return self.shipped.detect(prob, conf)

    def features(self, rgb: np.ndarray, runtime_scale: bool = True) -> dict[str, np.ndarray]:
        """Pooled features of one picture. ``runtime_scale`` (session 17): first the detector's own working
        scale (``LearnedLocalizerConfig``: native up to ``resize_above`` pixels, above that area-averaged to at
        most ``max_pixels``), so a full-size photo is read as the analysis reads it; every picture under 2 MP
        (all training and held-out crops) is unchanged."""
        from forgelens.detectors.learned_localizer import LearnedLocalizerConfig
        from forgelens.learned.localizer import downscale, localize, map_statistics, working_factor

        if runtime_scale:
            cfg = LearnedLocalizerConfig()
            k = working_factor(rgb.shape[:2], cfg.max_pixels, cfg.resize_above)
            if k > 1:
                rgb = downscale(rgb, k)
        self.tiles, self.valid = [], rgb.shape[:2]
        prob, conf, score = localize(self, rgb, 512, 64, False)
        enc = np.stack([t[0] for t in self.tiles])
        dec = np.stack([t[1] for t in self.tiles])
        logit = float(np.log(max(score, 1e-7) / max(1 - score, 1e-7)))
        return {"enc": np.stack([enc.max(0), enc.mean(0)]).astype(np.float32),  # (2, 4, 320)
                "dec": np.stack([dec.max(0), dec.mean(0)]).astype(np.float32),  # (2, 5, 64)
                "maps": np.append(map_statistics(prob, conf), logit).astype(np.float32),
                "score": np.float32(score), "tiles": np.int32(len(self.tiles))}


def _top_mean(flat: np.ndarray, share: float) -> np.ndarray:
    k = max(1, int(np.ceil(share * flat.shape[1])))
    return np.partition(flat, flat.shape[1] - k, axis=1)[:, flat.shape[1] - k:].mean(axis=1)


def pool_tile(enc: np.ndarray, dec: np.ndarray, loc: np.ndarray, cnf: np.ndarray, vh: int, vw: int):
    """Pooled features of one tile, on its valid (unpadded) part: encoder (4, C) = mean, max, top-10 %
    mean, probability-weighted mean; decoder (5, C) = the same with top 2 % and a probability ×
    confidence-weighted mean."""
    from scipy.special import expit

    eh, ew = -(-vh // 32), -(-vw // 32)
    dh, dw = -(-vh // 4), -(-vw // 4)
    e = enc[:, :eh, :ew].reshape(enc.shape[0], -1)
    d = dec[:, :dh, :dw].reshape(dec.shape[0], -1)
    p = expit(loc[:dh, :dw].astype(np.float32))
    c = expit(cnf[:dh, :dw].astype(np.float32))
    # probability on the encoder grid: mean over each 8×8 block of the stride-4 grid
    ph, pw = eh * 8, ew * 8
    pp = np.pad(p, ((0, ph - dh), (0, pw - dw)), mode="edge").reshape(eh, 8, ew, 8).mean(axis=(1, 3)).ravel()
    pf, pc = p.ravel(), (p * c).ravel()
    e_feats = np.stack([e.mean(1), e.max(1), _top_mean(e, TOP_ENC), e @ pp / max(pp.sum(), 1e-6)])
    d_feats = np.stack([d.mean(1), d.max(1), _top_mean(d, TOP_DEC), d @ pf / max(pf.sum(), 1e-6),
                        d @ pc / max(pc.sum(), 1e-6)])
    return e_feats, d_feats


def _key(image: str) -> str:
    return hashlib.sha1(image.encode()).hexdigest()[:16]


def picture_lists(root: Path, heldout_root: Path, val_root: Path = Path("/work/caches/detection-data")
                  ) -> dict[str, tuple[Path, list[dict]]]:
    """set → (folder the image paths are relative to, rows with image / label / source / kind / mask / post)."""
    out = {}
    for name in TRAIN_SETS:
        folder = root / "data" / name
        if (folder / "index.csv").exists():
            out[name] = (folder, list(csv.DictReader(open(folder / "index.csv"))))
    for name in HELDOUT_SETS:
        folder = heldout_root / "data" / name
        if (folder / "index.csv").exists():
            out[name] = (folder, list(csv.DictReader(open(folder / "index.csv"))))
    for name in STACK_SETS:
        folder = val_root / name
        if (folder / "index.csv").exists():
            out[name] = (folder, list(csv.DictReader(open(folder / "index.csv"))))
    cams = sorted(p for p in (DATASETS / "cameras" / "exif-samples").glob("*")
                  if p.is_file() and p.stat().st_size <= 1_500_000)
    out["cameras-exif"] = (DATASETS / "cameras", [{"image": f"exif-samples/{p.name}", "label": "authentic",
                                                   "source": "exif-samples"} for p in cams])
    pe = [r[1]["image"] for r in _cached_rows("pristine-extra")]
    out["pristine-extra"] = (DATASETS / "pristine-extra", [{"image": i, "label": "authentic", "source": "pristine-extra"}
                                                           for i in pe])
    return out


def _cached_rows(cache: str | Path):
    """(summary, meta) of the verdict benchmark's cached analyses of a set (the same pictures)."""
    from forgelens.fusion.detection import MapSummary

    rows = []
    for p in sorted((VERDICT_CACHE / cache).glob("*.npz")):
        s, meta = MapSummary.from_npz(p)
        if "error" not in meta:
            rows.append((s, meta))
    return rows


def _save_features(net: FeatureLocalizer, image: Path, info: dict, path: Path) -> None:
    """One picture's pooled features into ``path`` (``.npz``) with its metadata (``info``'s image, label, source, kind,
    mask, post and the picture's shape); a picture that cannot be read gets its one-line error instead of features."""
    from forgelens.errors import ForgeLensError
    from forgelens.evidence import load

    meta = {k: info.get(k, "") for k in ("image", "label", "source", "kind", "mask", "post")}
    try:
        rgb = np.asarray(load(str(image)).pixels)
        feats = net.features(rgb)
        meta["shape"] = list(rgb.shape[:2])
    except (ForgeLensError, OSError, ValueError) as exc:
        meta["error"] = str(exc).splitlines()[0]
        feats = {}
    np.savez(path, meta=np.array(json.dumps(meta)), **feats)


def extract(root: Path, heldout_root: Path, sets: list[str], reverse: bool = False,
            val_root: Path = Path("/work/caches/detection-data")) -> None:
    net = FeatureLocalizer(threads=1)
    lists = picture_lists(root, heldout_root, val_root)
    for name in sets:
        if name not in lists:
            print(f"{name}: no index.csv, skipped", flush=True)
            continue
        folder, rows = lists[name]
        out = root / "feats" / name
        out.mkdir(parents=True, exist_ok=True)
        t0, done = time.time(), 0
        for row in (reversed(rows) if reverse else rows):
            path = out / f"{_key(row['image'])}.npz"
            if path.exists():
                continue
            _save_features(net, folder / row["image"], row, path)
            done += 1
        print(f"{name}: {done} pictures in {time.time() - t0:.0f} s", flush=True)


def extract_caches(root: Path, specs: list[str]) -> None:
    """Session 17: features of the pictures behind cached analyses. Each spec is ``NAME=CACHE_DIR=IMAGE_ROOT``: every
    ``.npz`` analysis in CACHE_DIR (errors left out) names its picture (``meta["image"]``, relative to IMAGE_ROOT);
    its features go to ``ROOT/feats/NAME/<same file name>.npz`` (the analysis' own name: the join key)."""
    net = FeatureLocalizer(threads=1)
    for spec in specs:
        name, cache, images = spec.split("=")
        out = root / "feats" / name
        out.mkdir(parents=True, exist_ok=True)
        t0, done = time.time(), 0
        for p in sorted(Path(cache).glob("*.npz")):
            path = out / p.name
            if path.exists():
                continue
            meta = json.loads(str(np.load(p)["meta"]))
            if "error" in meta:
                continue
            _save_features(net, Path(images) / meta["image"], meta, path)
            done += 1
        print(f"{name}: {done} pictures in {time.time() - t0:.0f} s", flush=True)


def load_feats(root: Path, name: str) -> list[dict]:
    rows = []
    for p in sorted((root / "feats" / name).glob("*.npz")):
        z = np.load(p)
        meta = json.loads(str(z["meta"]))
        if "error" in meta:
            continue
        meta.update({k: z[k] for k in ("enc", "dec", "maps", "score", "tiles")})
        meta["set"] = name
        rows.append(meta)
    return rows


def design(rows: list[dict], groups: tuple[str, ...]) -> np.ndarray:
    return np.stack([np.concatenate([np.ravel(r[g]) for g in groups]) for r in rows]).astype(np.float64)


def host_name(source: str) -> str:
    """The host photo of a training picture (synth ``real~22/x.jpg`` and a hard negative ``x.jpg`` share it). Session 17
    round 3: a real web photo (``source`` ``web:<owner/name>``, ``--with-authentic``) is grouped with its repository —
    the whole source, as s16wf grouped them (``fit_detection_shipped.host``)."""
    if source.startswith("web:"):
        return source
    return Path(hv.host_of(source)).name


# ---------------------------------------------------------------- fitting


def _model(c: float, boosting: bool = False):
    if boosting:
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(learning_rate=c, max_iter=200, max_leaf_nodes=15, l2_regularization=1.0,
                                              early_stopping=False, random_state=0)
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=3000))


def fit(train: list[dict], log=print) -> dict:
    """Every feature set: C by grouped out-of-fold AUC; returns the fits and the chosen one."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    y = np.array([r["label"] != "authentic" for r in train], int)
    g = np.array([host_name(r["source"]) for r in train])
    folds = list(GroupKFold(n_splits=5).split(np.zeros(len(y)), y, g))
    fits = {}
    for fname, groups in FEATURE_SETS.items():
        x = design(train, groups)
        boosting = fname.startswith("gradient boosting")
        best = None
        for c in (LR_GRID if boosting else C_GRID):
            oof = np.zeros(len(y))
            for tr, te in folds:
                oof[te] = _model(c, boosting).fit(x[tr], y[tr]).decision_function(x[te])
            auc = roc_auc_score(y, oof)
            log(f"  {fname}: C={c:g} out-of-fold AUC {auc:.3f}")
            if best is None or auc > best[0] + 1e-9:
                best = (auc, c, oof)
        auc, c, oof = best
        neg = np.sort(oof[y == 0])
        k = int(np.floor(FALSE_ALARM * neg.size))  # authentic pictures allowed at or above
        thr = float(neg[neg.size - k - 1]) + 1e-9 if k < neg.size else float(neg[0])
        model = _model(c, boosting).fit(x, y)
        fits[fname] = {"groups": groups, "C": c, "oof_auc": auc, "threshold": thr, "model": model,
                       "oof_called": float((oof[y == 1] > thr).mean()), "oof_fa": float((oof[y == 0] > thr).mean()),
                       "n_features": x.shape[1]}
    chosen = max(fits, key=lambda f: fits[f]["oof_auc"])
    return {"fits": fits, "chosen": chosen, "n": (int((y == 0).sum()), int((y == 1).sum())),
            "hosts": len(set(g))}


def score(fitted: dict, rows: list[dict]) -> np.ndarray:
    return fitted["model"].decision_function(design(rows, fitted["groups"]))


# ---------------------------------------------------------------- session 17: head H as a detection feature

#: The fact name under which H's logit joins the detection features (``fusion.detection.features`` reads facts).
HEAD_FACT = "learned_localizer.head_logit"
#: The detection recipe's rows (``fit_detection_shipped.py``: training and Platt validation) that get H's logit out of
#: fold when their host photo is one of H's training hosts; set → (its analyses, the folder of its H features).
DETECTION_ROW_SETS = ("synth-train", "hard-train", "synth-val", "hard-val")


def head_train_rows(root: Path, web: dict[str, Path] | None = None) -> list[dict]:
    """H's training pictures: i14h's documented draws, the "local" filter edits left out (``--exact-only``). Session 17
    round 3 (H_W): plus every picture of the ``web`` sets (feature folder name → its ``index.csv``) as authentic
    (``web_authentic_rows``)."""
    rows = [r for s in TRAIN_SETS for r in load_feats(root, s)
            if not (r["label"] != "authentic" and r.get("kind") == "local")]
    for name, index in (web or {}).items():
        rows += web_authentic_rows(root, name, index)
    return rows


def web_authentic_rows(root: Path, name: str, index: Path) -> list[dict]:
    """Candidate H_W (brief s17lw, declared 11:45 UTC): the real photos of one fresh set as authentic training rows of
    the head, ``source`` = ``web:<owner/name>`` from the set's ``index.csv`` (columns ``image``, ``repo``), so that the
    grouped folds keep a repository whole. A picture whose extraction failed, labelled other than authentic, or missing
    from the index stops the fit with one error naming the file (as ``fit_detection_shipped.load_authentic``)."""
    folder = root / "feats" / name
    paths = sorted(folder.glob("*.npz"))
    if not paths:
        raise SystemExit(f"{folder}: no localizer features of {name}")
    repos = {r["image"]: r.get("repo", "") for r in csv.DictReader(open(index))}
    out = []
    for p in paths:
        z = np.load(p)
        meta = json.loads(str(z["meta"]))
        if "error" in meta:
            raise SystemExit(f"{p}: {name}'s picture {meta.get('image')} has no features ({meta['error']})")
        if meta.get("label") != "authentic":
            raise SystemExit(f"{p}: {name}'s picture {meta.get('image')} is labelled {meta.get('label')!r}, not authentic")
        if not repos.get(meta["image"]):
            raise SystemExit(f"{p}: {meta['image']} has no repository in {index}")
        meta.update({k: z[k] for k in ("enc", "dec", "maps", "score", "tiles")})
        meta.update({"set": name, "source": f"web:{repos[meta['image']]}", "kind": ""})
        out.append(meta)
    return out


def head_fit(root: Path, log=print, web: dict[str, Path] | None = None) -> dict:
    """Head H (brief s17lh): i14h's ``measure --exact-only`` recipe — every feature set, C by 5-fold GroupKFold over host
    photos, the best out-of-fold AUC chosen — plus the same five folds refitted, so a picture of one of H's training
    hosts can be scored by the fold model that never saw that host. ``web`` (H_W, session 17 round 3): the real photos
    of those sets join the training pictures as authentic, grouped by repository; nothing else changes."""
    from sklearn.model_selection import GroupKFold

    train = head_train_rows(root, web)
    res = fit(train, log=log)
    ft = res["fits"][res["chosen"]]
    y = np.array([r["label"] != "authentic" for r in train], int)
    g = np.array([host_name(r["source"]) for r in train])
    x = design(train, ft["groups"])
    boosting = res["chosen"].startswith("gradient boosting")
    folds = list(GroupKFold(n_splits=5).split(np.zeros(len(y)), y, g))
    res["fold_models"] = [_model(ft["C"], boosting).fit(x[tr], y[tr]) for tr, _ in folds]
    res["host_fold"] = {str(g[i]): k for k, (_, te) in enumerate(folds) for i in te}
    res["web"] = {name: sum(1 for r in train if r.get("set") == name) for name in (web or {})}
    return res


def head_logit(res: dict, rows: list[dict], out_of_fold: bool) -> np.ndarray:
    """H's logit of feature rows: with ``out_of_fold`` a row whose host photo is one of H's training hosts is scored by
    the fold model fitted without that host; every other row by H fitted on all its pictures."""
    ft = res["fits"][res["chosen"]]
    if not rows:
        return np.zeros(0)
    x = design(rows, ft["groups"])
    out = ft["model"].decision_function(x)
    if out_of_fold:
        for i, r in enumerate(rows):
            k = res["host_fold"].get(host_name(r.get("source", "")))
            if k is not None:
                out[i] = res["fold_models"][k].decision_function(x[i:i + 1])[0]
    return out


def head_json(res: dict) -> dict:
    """H as plain numbers (no pickle): standardiser, coefficients, intercept and the feature layout."""
    ft = res["fits"][res["chosen"]]
    if res["chosen"].startswith("gradient boosting"):
        return {"chosen": res["chosen"], "C": ft["C"], "note": "gradient boosting: not exported"}
    scaler, lr = ft["model"][0], ft["model"][-1]
    return {"method": "standardised logistic regression on the shipped localizer's pooled features (i14h's head, "
                      "--exact-only; benchmarks/studies/localizer_head.py)",
            "chosen": res["chosen"], "groups": list(ft["groups"]), "C": ft["C"], "oof_auc": round(ft["oof_auc"], 4),
            "pooling": {"encoder": ENCODER, "decoder": DECODER, "top_encoder": TOP_ENC, "top_decoder": TOP_DEC,
                        "layout": "enc (2 over-tile: max, mean) x (4 per-tile: mean, max, top mean, prob-weighted) x 320; "
                                  "dec (2) x (5: + prob*conf-weighted) x 64; maps = 6 map statistics + shipped head logit"},
            "mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist(),
            "coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0]),
            "counts": dict(zip(("authentic", "forged"), res["n"], strict=True)), "hosts": res["hosts"],
            **({"web_authentic": res["web"]} if res.get("web") else {})}


def head_logits_table(root: Path, res: dict, sets: list[str]) -> dict[str, dict[str, float]]:
    """set → {picture (the analysis' ``image``): H's logit}; out of fold for the detection recipe's rows."""
    table = {}
    for name in sets:
        rows = load_feats(root, name)
        if not rows:
            continue
        z = head_logit(res, rows, out_of_fold=name in DETECTION_ROW_SETS)
        table[name] = {r["image"]: round(float(v), 6) for r, v in zip(rows, z, strict=True)}
    return table


def head_step(root: Path, out: Path, web: dict[str, Path] | None = None) -> None:
    """Fit H, write ``H.json`` (the head) and ``H-logits.json`` (every extracted picture's logit but the sealed sets',
    ``head_apply`` scores those from ``H.json`` when the rule allows) under ``out``. With ``web`` (H_W) those sets are
    training rows of the head: no logit is written for them (none of them is a detection row or a measured set)."""
    res = head_fit(root, web=web)
    out.mkdir(parents=True, exist_ok=True)
    (out / "H.json").write_text(json.dumps(head_json(res), indent=1) + "\n")
    sets = sorted(p.name for p in (root / "feats").iterdir()
                  if p.is_dir() and p.name not in LH_SEALED and p.name not in (web or {}))
    table = head_logits_table(root, res, sets)
    (out / "H-logits.json").write_text(json.dumps(table, sort_keys=True) + "\n")
    print(f"H = {res['chosen']} (C {res['fits'][res['chosen']]['C']:g}, out-of-fold AUC "
          f"{res['fits'][res['chosen']]['oof_auc']:.3f}); {res['n'][0]} authentic + {res['n'][1]} forged, {res['hosts']} hosts")
    for f, ft in res["fits"].items():
        print(f"  {f}: C {ft['C']:g} OOF AUC {ft['oof_auc']:.3f}")
    print("logits: " + ", ".join(f"{k} {len(v)}" for k, v in table.items()))


def head_apply(root: Path, head: Path, sets: list[str], out: Path) -> None:
    """H's logit from ``H.json`` alone (standardise, dot, intercept: H fitted on all its pictures) for the pictures of
    ``sets`` (none of them a detection row) → ``out`` (set → {picture: logit})."""
    h = json.loads(head.read_text())
    if "coef" not in h:
        raise SystemExit(f"{head}: {h.get('chosen')} has no exported coefficients")
    table = {}
    for name in sets:
        if name in DETECTION_ROW_SETS:
            raise SystemExit(f"{name}: a detection row set needs out-of-fold logits (the head step)")
        rows = load_feats(root, name)
        x = np.stack([np.concatenate([np.ravel(r[g]) for g in h["groups"]]) for r in rows]).astype(np.float64)
        z = (x - np.array(h["mean"])) / np.array(h["scale"]) @ np.array(h["coef"]) + h["intercept"]
        table[name] = {r["image"]: round(float(v), 6) for r, v in zip(rows, z, strict=True)}
    out.write_text(json.dumps(table, sort_keys=True) + "\n")
    print("logits: " + ", ".join(f"{k} {len(v)}" for k, v in table.items()))


def lh_measure(specs: list[str], models: dict[str, Path | None], logits: Path, out: Path) -> dict:
    """Session 17: re-fuse cached analyses with each detection model, H's logit injected as the fact ``HEAD_FACT``.

    ``specs``: ``NAME=CACHE_DIR[=TRACES_JSONL]`` — every analysis of CACHE_DIR (errors left out), its clip_probe trace
    replaced by the corrected one from TRACES_JSONL when given (``verdict_n11.patch_meta``, as the lead's
    ``heldout_auc.py``); ``models``: name → detection model JSON (None: the package's ``fusion/detection.json``).
    A picture without an H logit is counted (``missing_logit``) and left out of every model's rows, unless the analysis
    itself refused it (``not_applicable`` at extraction: kept, no logit). Writes and returns
    {model: {set: [[image, label, 1 − P(authentic), verdict label, manipulation score, host, H logit, kind, MP]]}}."""
    from benchmarks.accuracy.verdict_accuracy import refuse
    from benchmarks.studies.detection_ship_rule import _use
    from benchmarks.studies.verdict_n11 import patch_meta, read_traces
    from forgelens.fusion.detection import MapSummary

    table = json.loads(logits.read_text())
    res: dict = {m: {} for m in models}
    res["_info"] = {}
    for spec in specs:
        parts = spec.split("=")
        name, cache = parts[0], Path(parts[1])
        traces = read_traces(Path(parts[2])) if len(parts) > 2 else None
        rows, missing_trace, missing_logit = [], 0, 0
        for p in sorted(cache.glob("*.npz")):
            summ, meta = MapSummary.from_npz(p)
            if "error" in meta:
                continue
            if traces is not None:
                if p.name not in traces:
                    missing_trace += 1
                    continue
                meta = patch_meta(meta, traces[p.name])
            z = table.get(name, {}).get(meta["image"])
            if z is None:
                if meta.get("verdict_at_extraction", {}).get("label") != "not_applicable":
                    missing_logit += 1
                    continue
                z = float("nan")  # refused before any detector runs (under 128 px a side): not_applicable either way
            else:
                summ.facts[HEAD_FACT] = float(z)
            rows.append((summ, meta, z))
        res["_info"][name] = {"n": len(rows), "missing_trace": missing_trace, "missing_logit": missing_logit}
        for m, path in models.items():
            _use(path)
            out_rows = []
            for summ, meta, z in rows:
                v = refuse(summ, meta)
                pa = (v.probabilities or {}).get("authentic")
                out_rows.append([meta["image"], meta["label"], None if pa is None else 1.0 - pa, v.label,
                                 v.manipulation_score, hv.host_of(meta.get("source", "") or meta["image"]), float(z),
                                 meta.get("kind", ""), float(np.prod(meta.get("shape") or (0, 0))) / 1e6])
            res[m][name] = out_rows
        _use(None)
        print(f"{name}: {res['_info'][name]}", flush=True)
    out.write_text(json.dumps(res) + "\n")
    return res


#: Session 17's rule (brief s17lh, declared 10:48 UTC): clause 2's authentic sets (NAME: cache set names; "above 2 MP" =
#: the authentic pictures over 2 MP of LARGE), the sets with the 3 % cap, clause 3's sets.
LH_AUTH_SETS = ("fresh-web", "fresh-conf9", "cameras-exif", "pristine-extra", "camera-val", "casia1", "toolkit", "kodak24",
                "s10real", "above 2 MP")
LH_CAPPED = ("cameras-exif", "pristine-extra", "camera-val")
LH_LARGE = ("cameras-large", "camera-val", "fullsize-val-auth")
LH_HELDOUT = ("heldout-web", "heldout-web2", "heldout-cam", "heldout-cam2")
LH_FULLSIZE = ("fullsize-val", "fullsize-val-auth")
LH_SEALED = ("fresh-conf10", "fresh-conf11")
LH_SEALED_N = 213
ALARM = ("manipulated", "generated")


def _lh_rows(res: dict, model: str, sets) -> list[dict]:
    keys = ("image", "label", "p", "verdict", "score", "host", "z", "kind", "mp")
    return [{**dict(zip(keys, r, strict=True)), "set": s} for s in sets for r in res[model].get(s, [])]


def _lh_auth(res: dict, model: str, name: str) -> list[dict]:
    if name == "above 2 MP":
        return [r for r in _lh_rows(res, model, LH_LARGE) if r["label"] == "authentic" and r["mp"] > 2.0]
    return [r for r in _lh_rows(res, model, (name,)) if r["label"] == "authentic"]


def _auc_ci(rows: list[dict], key, base=None) -> tuple[float, float, float]:
    """AUC of key(row), forgeries vs authentic, host bootstrap; with ``base`` the paired difference key − base."""
    y = np.array([r["label"] != "authentic" for r in rows], int)
    a = np.array([key(r) for r in rows], float)
    boot = hv.Boot([r["host"] for r in rows])
    if base is None:
        return boot.interval(lambda yy, aa, w: hv.wauc(yy, aa, w), y, a)
    b = np.array([base(r) for r in rows], float)
    return boot.interval(lambda yy, aa, bb, w: hv.wauc(yy, aa, w) - hv.wauc(yy, bb, w), y, a, b)


def lh_decide(res: dict, base: str = "B", cand: str = "LH", sealed: bool = False) -> tuple[list[str], dict]:
    """Session 17's ship rule for LH against B (clauses 1–3; clause 4's example here, the test suite apart)."""
    lines, clauses = [], {}
    models = [m for m in res if not m.startswith("_")]
    # clause 3: detection
    ho = {m: _lh_rows(res, m, LH_HELDOUT) for m in models}
    fs = {m: _lh_rows(res, m, LH_FULLSIZE) for m in models}
    lines += ["| model | held-out n (forgeries) | AUC 1 − P(authentic) [95 % host bootstrap] | Δ vs B | called manipulated "
              "| held-out authentic called manip./gen. | full size AUC | full size called | casia1 forgeries called "
              "| toolkit forgeries called |", "|---|---|---|---|---|---|---|---|---|---|"]
    for m in models:
        rows = ho[m]
        forg = [r for r in rows if r["label"] != "authentic"]
        auth = [r for r in rows if r["label"] == "authentic"]
        bmap = {(r["set"], r["image"]): r["p"] for r in ho[base]}
        auc = _auc_ci(rows, lambda r: r["p"])
        d = _auc_ci(rows, lambda r: r["p"], lambda r, b=bmap: b[(r["set"], r["image"])]) if m != base else None
        f_forg = [r for r in fs[m] if r["label"] != "authentic"]
        fauc = _auc_ci(fs[m], lambda r: r["p"])
        cas = [r for r in _lh_rows(res, m, ("casia1",)) if r["label"] != "authentic"]
        tk = [r for r in _lh_rows(res, m, ("toolkit",)) if r["label"] != "authentic"]
        lines.append(f"| {m} | {len(rows)} ({len(forg)}) | {hv.fmt_ci(auc)} | {'' if d is None else hv.fmt_ci(d)} "
                     f"| {sum(r['verdict'] == 'manipulated' for r in forg)}/{len(forg)} "
                     f"| {sum(r['verdict'] in ALARM for r in auth)}/{len(auth)} | {hv.fmt_ci(fauc)} "
                     f"| {sum(r['verdict'] == 'manipulated' for r in f_forg)}/{len(f_forg)} "
                     f"| {sum(r['verdict'] == 'manipulated' for r in cas)}/{len(cas)} "
                     f"| {sum(r['verdict'] == 'manipulated' for r in tk)}/{len(tk)} |")

    def called(m, rows_of):
        rows = [r for r in rows_of(m) if r["label"] != "authentic"]
        return sum(r["verdict"] == "manipulated" for r in rows), len(rows)

    if cand in res:
        a_b = _auc_ci(ho[base], lambda r: r["p"])[0]
        a_c = _auc_ci(ho[cand], lambda r: r["p"])[0]
        cb, nb = called(base, lambda m: ho[m])
        cc, nc = called(cand, lambda m: ho[m])
        clauses["3 held-out AUC ≥ B + 0.01"] = (nb == nc == 184 and a_c >= a_b + 0.01, f"{a_c:.3f} vs {a_b:.3f} + 0.01")
        clauses["3 held-out called > B"] = (nb == nc == 184 and cc > cb, f"{cc}/{nc} vs {cb}/{nb}")
        cb, nb = called(base, lambda m: fs[m])
        cc, nc = called(cand, lambda m: fs[m])
        clauses["3 full size called ≥ B"] = (nb == nc == 36 and cc >= cb, f"{cc}/{nc} vs {cb}/{nb}")
        for s in ("casia1", "toolkit"):
            cb, nb = called(base, lambda m, s=s: _lh_rows(res, m, (s,)))
            cc, nc = called(cand, lambda m, s=s: _lh_rows(res, m, (s,)))
            clauses[f"3 {s} forgeries called ≥ B − 1"] = (nb == nc > 0 and cc >= cb - 1, f"{cc}/{nc} vs {cb}/{nb}")
    # clause 2 (and 1 when unsealed): false alarms per authentic set
    sets = list(LH_AUTH_SETS) + (["sets 10 + 11"] if sealed else [])
    lines += ["", "| set | n | " + " | ".join(f"{m}: called manipulated / generated" for m in models) + " |",
              "|---|---|" + "---|" * len(models)]
    changes = []
    for s in sets:
        per = {m: (_lh_rows(res, m, LH_SEALED) if s == "sets 10 + 11" else _lh_auth(res, m, s)) for m in models}
        per = {m: [r for r in v if r["label"] == "authentic"] for m, v in per.items()}
        n = len(per[base])
        lines.append(f"| {s} | {n} | " + " | ".join(
            f"{sum(r['verdict'] == 'manipulated' for r in v)} / {sum(r['verdict'] == 'generated' for r in v)}"
            for v in per.values()) + " |")
        if cand in res:
            fb = {(r["set"], r["image"]) for r in per[base] if r["verdict"] in ALARM}
            fc = {(r["set"], r["image"]) for r in per[cand] if r["verdict"] in ALARM}
            same = len(per[cand]) == n > 0
            if s == "sets 10 + 11":
                clauses["1 sets 10 + 11 false alarms ≤ B and ≤ 6"] = (
                    same and n == LH_SEALED_N and len(fc) <= len(fb) and len(fc) <= 6, f"{len(fc)}/{len(per[cand])} vs {len(fb)}/{n}")
            else:
                cap = s in LH_CAPPED
                ok = same and len(fc) <= len(fb) and (not cap or len(fc) <= 0.03 * n)
                clauses[f"2 {s} false alarms ≤ B" + (" and ≤ 3 %" if cap else "")] = (
                    ok, f"{len(fc)}/{len(per[cand])} vs {len(fb)}/{n}")
            changes += [f"{s}: {cand} adds {i} ({next(r['verdict'] for r in per[cand] if (r['set'], r['image']) == (st, i))})"
                        for st, i in sorted(fc - fb)]
            changes += [f"{s}: {cand} drops {i}" for st, i in sorted(fb - fc)]
    # clause 4's example and the "inconclusive" share (information)
    lines += ["", "| model | bundled example | fresh-web labels | set 9 labels |", "|---|---|---|---|"]
    for m in models:
        ex = _lh_rows(res, m, ("examples",))
        lab = {}
        for s in ("fresh-web", "fresh-conf9"):
            v = [r["verdict"] for r in _lh_auth(res, m, s)]
            lab[s] = {k: v.count(k) for k in sorted(set(v))}
        lines.append(f"| {m} | " + "; ".join(f"{r['image']} {r['verdict']} (P(authentic) {1 - r['p']:.3f})" for r in ex)
                     + f" | {lab['fresh-web']} | {lab['fresh-conf9']} |")
    if cand in res:
        ex = _lh_rows(res, cand, ("examples",))
        clauses["4 the bundled example called manipulated"] = (
            bool(ex) and all(r["verdict"] == "manipulated" for r in ex), "; ".join(r["verdict"] for r in ex) or "not measured")
    lines += ["", "False alarms that appear / leave (manipulated or generated):", ""] + [f"- {c}" for c in changes or ["none"]]
    lines += ["", "| clause | pass | figures |", "|---|---|---|"] + [
        f"| {k} | {'pass' if ok else 'FAIL'} | {txt} |" for k, (ok, txt) in clauses.items()]
    return lines, clauses


def lh_information(res: dict, base: str = "B") -> list[str]:
    """Beside the rule: H alone, B's detection score alone and the trivial size baseline on held-out, per kind."""
    rows = _lh_rows(res, base, LH_HELDOUT)
    auth = [r for r in rows if r["label"] == "authentic"]
    forg = [r for r in rows if r["label"] != "authentic"]
    lines = ["| score (held-out 184 vs 184) | AUC [95 % host bootstrap] |", "|---|---|"]
    for lab, key in (("H alone (its logit)", lambda r: r["z"]), ("B's detection score alone", lambda r: r["score"]),
                     ("B's 1 − P(authentic)", lambda r: r["p"]), ("trivial: size (MP)", lambda r: r["mp"])):
        lines.append(f"| {lab} | {hv.fmt_ci(_auc_ci(rows, key))} |")
    others = [m for m in res if not m.startswith("_") and m != base]
    lines += ["", "| kind | n | H alone | B detection score | " + " | ".join(f"{m} 1 − P(auth)" for m in others)
              + " | B 1 − P(auth) |", "|---|---|---|---|" + "---|" * len(others) + "---|"]
    for k in sorted({r["kind"] for r in forg}):
        sel = [r for r in forg if r["kind"] == k] + auth
        cells = []
        for m in others:
            mp = {(r["set"], r["image"]): r["p"] for r in _lh_rows(res, m, LH_HELDOUT)}
            cells.append(f"{_auc_ci(sel, lambda r, mp=mp: mp[(r['set'], r['image'])])[0]:.3f}")
        lines.append(f"| {k} | {len(sel) - len(auth)} | {hv.fmt_ci(_auc_ci(sel, lambda r: r['z']))} "
                     f"| {hv.fmt_ci(_auc_ci(sel, lambda r: r['score']))} | " + " | ".join(cells)
                     + f" | {_auc_ci(sel, lambda r: r['p'])[0]:.3f} |")
    return lines



# ---------------------------------------------------------------- session 17, round 2: LS (two-input Platt)

LS_FOLDS = 5


def ls_platt(zb: np.ndarray, zh: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(a, b, c) of P = σ(a·z_B + b·z_H + c): the recipe's Platt step (``calibration.fit_platt``: logistic regression,
    C 1e4, classes re-weighted to 50/50) with two inputs instead of one."""
    from sklearn.linear_model import LogisticRegression

    w = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    lr = LogisticRegression(C=1e4, max_iter=5000).fit(np.column_stack([zb, zh]), y, sample_weight=w)
    return float(lr.coef_[0, 0]), float(lr.coef_[0, 1]), float(lr.intercept_[0])


def ls_model(base, abc: tuple[float, float, float], thresholds: dict, lr_bounds: list[float], info: dict):
    """LS as a detection model file of today's format: the shipped model's standardiser and coefficients (its ranking)
    with H's logit as one more feature (mean 0, scale 1), raw = a·z_B + b·z_H + c, Platt the identity — the same P as
    σ(a·z_B + b·z_H + c), so the existing fusion scores it unchanged."""
    from forgelens.fusion.detection import DetectionModel

    a, b, c = abc
    if base.trees is not None or HEAD_FACT in base.features:
        raise SystemExit("LS needs the shipped logistic detection model without H's feature")
    return DetectionModel(detectors=list(base.detectors), features=list(base.features) + [HEAD_FACT],
                          mean=list(base.mean) + [0.0], scale=list(base.scale) + [1.0],
                          coef=[a * v for v in base.coef] + [b], intercept=a * base.intercept + c,
                          platt={"a": 1.0, "b": 0.0}, thresholds=thresholds, prior=base.prior, lr_bounds=lr_bounds,
                          fitted=info)


def ls_fit(cache: Path, logits: Path, out: Path, base_path: Path | None = None, without_head: bool = False) -> dict:
    """Candidate LS (brief s17ls, declared 11:38 UTC): the SHIPPED detection model's raw logit z_B (its standardiser
    and coefficients, before its Platt step) and H's logit z_H enter a two-input Platt step fitted as the recipe's
    (``fit_detection_shipped.py``): on the validation rows synth-val + hard-val of ``cache``, classes re-weighted to
    50/50, LR bounds [1 / n manipulated, n authentic] of validation. Thresholds (``manipulated_at`` ≤ 3 % of the
    validation authentic at or above, floored at 0.5; ``authentic_below`` ≤ 20 %, capped at 0.5) are read on the
    validation rows' OUT-OF-FOLD P: 5-fold GroupKFold by host photo, (a, b, c) refitted without the fold.
    Writes the model (``ls_model``) to ``out`` and returns the fit's record. ``without_head`` (information, "BS"): z_H
    set to 0 for every row, i.e. the same steps with the shipped logit alone (b = 0) — what the re-calibration does
    without H."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    from benchmarks.fit.fit_detection_shipped import (
        INCONCLUSIVE_FPR,
        TARGET_FPR,
        VAL_SETS,
        add_head_logits,
        host,
        load,
    )
    from forgelens.fusion.calibration import threshold_at_fpr
    from forgelens.fusion.detection import DETECTION_PATH, DetectionModel, features

    base_path = base_path or DETECTION_PATH
    base = DetectionModel.load(base_path)
    val = [r for n in VAL_SETS for r in load(cache, n)]
    table = json.loads(logits.read_text())
    add_head_logits(val, table, logits)
    zb = np.array([base.raw(features(s, base.detectors)) for s, _ in val])
    zh = np.array([0.0 if without_head else s.facts[HEAD_FACT] for s, _ in val])
    y = np.array([m["label"] == "manipulated" for _, m in val], int)
    groups = [host(m) for _, m in val]
    lr_bounds = [1.0 / max(1, int((y == 1).sum())), float(max(1, int((y == 0).sum())))]
    lo, hi = lr_bounds[0] / (1 + lr_bounds[0]), lr_bounds[1] / (1 + lr_bounds[1])
    abc = ls_platt(zb, zh, y)
    oof, folds = np.zeros(len(y)), []
    for tr, te in GroupKFold(LS_FOLDS).split(zb, y, groups):
        f = ls_platt(zb[tr], zh[tr], y[tr])
        folds.append([round(v, 4) for v in f])
        oof[te] = f[0] * zb[te] + f[1] * zh[te] + f[2]
    p_oof = np.clip(expit(oof), lo, hi)
    neg = p_oof[y == 0]
    thresholds = {"manipulated_at": max(0.5, threshold_at_fpr(neg, TARGET_FPR)),
                  "authentic_below": min(0.5, threshold_at_fpr(neg, INCONCLUSIVE_FPR))}
    p_in = np.clip(expit(abc[0] * zb + abc[1] * zh + abc[2]), lo, hi)
    p_b = np.array([base.probability(features(s, base.detectors)) for s, _ in val])
    info = {
        "script": "benchmarks/studies/localizer_head.py ls-fit (candidate LS, session 17 round 2: the shipped detection "
                  "model's raw logit and the localizer head H's logit, two-input Platt)",
        "base_model": str(base_path), "base_model_sha256": hashlib.sha256(Path(base_path).read_bytes()).hexdigest(),
        "head_logits": f"{logits.name}: {HEAD_FACT} (localizer head H, out of fold on H's training hosts)",
        "analyses": str(cache), "without_head": without_head, "a_z_B": abc[0], "b_z_H": abc[1], "c": abc[2], "fold_abc": folds,
        "validation_sets": {s: sum(1 for _, m in val if m["_set"] == s) for s in VAL_SETS},
        "counts": {"val": {"authentic": int((y == 0).sum()), "manipulated": int((y == 1).sum())}},
        "auc_validation_z_B": round(float(roc_auc_score(y, zb)), 4),
        "auc_validation_z_H": None if without_head else round(float(roc_auc_score(y, zh)), 4),
        "auc_validation_LS_in_sample": round(float(roc_auc_score(y, p_in)), 4),
        "auc_validation_LS_out_of_fold": round(float(roc_auc_score(y, oof)), 4),
        "validation_fpr_at_manipulated_at_oof": round(float((neg >= thresholds["manipulated_at"]).mean()), 4),
        "validation_tpr_at_manipulated_at_oof": round(float((p_oof[y == 1] >= thresholds["manipulated_at"]).mean()), 4),
        "validation_B_fpr_tpr_at_its_threshold": [
            round(float((p_b[y == 0] >= base.thresholds["manipulated_at"]).mean()), 4),
            round(float((p_b[y == 1] >= base.thresholds["manipulated_at"]).mean()), 4)],
        "calibration": "two-input Platt (z_B, z_H) on the validation sets, classes re-weighted to 50/50; stored as the "
                       "shipped coefficients × a plus H's logit × b, intercept a·intercept + c, identity Platt",
        "thresholds": f"manipulated_at: <= {TARGET_FPR:.0%} of validation authentic at or above on the out-of-fold P "
                      f"({LS_FOLDS}-fold GroupKFold by host photo; floored at 0.5); authentic_below: <= "
                      f"{INCONCLUSIVE_FPR:.0%} (capped at 0.5)",
        "thresholds_value": thresholds, "lr_bounds": lr_bounds}
    ls_model(base, abc, thresholds, lr_bounds, info).save(out)
    print(json.dumps(info, indent=1))
    return info


def ls_information(res: dict, s10_train: set[str], base: str = "B", cand: str = "LS") -> list[str]:
    """Beside LS's rule: every false alarm that appears or leaves (B → LS) with both verdicts, the detection
    P(manipulated) (the verdict's manipulation score) and H's logit with its percentile among that set's authentic
    pictures; s10real also on the pictures that are not s12's web-train-auth rows (``s10_train`` left out, the
    convention of sessions 12–16)."""
    lines = [f"| set | picture | {base} | {cand} | H logit (percentile) |", "|---|---|---|---|---|"]
    for s in LH_AUTH_SETS:
        rb = {(r["set"], r["image"]): r for r in _lh_auth(res, base, s)}
        rc = {(r["set"], r["image"]): r for r in _lh_auth(res, cand, s)}
        zs = np.array([r["z"] for r in rb.values()], float)
        for k in sorted(rb):
            b, c = rb[k], rc[k]
            if (b["verdict"] in ALARM) == (c["verdict"] in ALARM):
                continue
            pct = int(round(100 * float(np.mean(zs <= b["z"])))) if np.isfinite(b["z"]) else -1
            leaves = " (leaves)" if b["verdict"] in ALARM else ""
            lines.append(f"| {s} | {k[1]}{leaves} | {b['verdict']} {b['score']:.3f} | {c['verdict']} {c['score']:.3f} "
                         f"| {b['z']:+.2f} ({pct}) |")
    models = [m for m in res if not m.startswith("_")]
    keep = [r for r in _lh_auth(res, base, "s10real") if r["image"] not in s10_train]
    lines += ["", f"s10real without the {len(s10_train)} web-train-auth rows ({len(keep)} pictures), called manipulated / "
              "generated: " + ", ".join(
                  f"{m} {sum(r['verdict'] == 'manipulated' and r['image'] not in s10_train for r in _lh_auth(res, m, 's10real'))}"
                  f" / {sum(r['verdict'] == 'generated' and r['image'] not in s10_train for r in _lh_auth(res, m, 's10real'))}"
                  for m in models)]
    return lines


def lw_information(res_w: dict, res_h: dict, base: str = "B") -> list[str]:
    """Session 17 round 3, beside LSW's rule: H_W alone vs H alone on the held-out 184 vs 184 (AUC with 95 % host
    bootstrap intervals and the paired difference), per forgery kind, with the size baseline; ``res_w`` and ``res_h``
    are ``lh-measure`` results whose logit column is H_W's and H's (the same cached analyses, the same rows)."""
    rows = _lh_rows(res_w, base, LH_HELDOUT)
    zh = {(r["set"], r["image"]): r["z"] for r in _lh_rows(res_h, base, LH_HELDOUT)}
    if len(zh) != len(rows) or any((r["set"], r["image"]) not in zh for r in rows):
        raise SystemExit("lw-info: the two results do not hold the same held-out pictures")
    auth = [r for r in rows if r["label"] == "authentic"]
    forg = [r for r in rows if r["label"] != "authentic"]
    lines = ["| held-out (kind) | n forgeries | H_W alone | H alone | Δ H_W − H (paired) | trivial: size (MP) |",
             "|---|---|---|---|---|---|"]
    for k in ["all"] + sorted({r["kind"] for r in forg}):
        sel = (forg if k == "all" else [r for r in forg if r["kind"] == k]) + auth
        h = lambda r: zh[(r["set"], r["image"])]  # noqa: E731
        lines.append(f"| {k} | {len(sel) - len(auth)} | {hv.fmt_ci(_auc_ci(sel, lambda r: r['z']))} "
                     f"| {hv.fmt_ci(_auc_ci(sel, h))} | {hv.fmt_ci(_auc_ci(sel, lambda r: r['z'], h))} "
                     f"| {_auc_ci(sel, lambda r: r['mp'])[0]:.3f} |")
    lines += ["", "| authentic set | n | median logit H_W | median logit H | share above the held-out forgeries' median "
              "(H_W / H) |", "|---|---|---|---|---|"]
    med_w = float(np.median([r["z"] for r in forg]))
    med_h = float(np.median([zh[(r["set"], r["image"])] for r in forg]))
    hmap = {(r["set"], r["image"]): r["z"] for s in LH_AUTH_SETS for r in _lh_auth(res_h, base, s)}
    for s in LH_AUTH_SETS:
        v = [r for r in _lh_auth(res_w, base, s) if np.isfinite(r["z"])]
        if not v:
            continue
        zw = np.array([r["z"] for r in v])
        zz = np.array([hmap.get((r["set"], r["image"]), np.nan) for r in v])
        lines.append(f"| {s} | {len(v)} | {np.median(zw):+.2f} | {np.nanmedian(zz):+.2f} | "
                     f"{np.mean(zw > med_w):.1%} / {np.mean(zz[np.isfinite(zz)] > med_h):.1%} |")
    return lines


# ---------------------------------------------------------------- session 17, round 4: LSM (LS at an equal web false-alarm count)

#: The 931 real photos of fresh sets 1-5 and 7 (cached analyses: s16wf's six caches; none a detection row, none in a
#: clause-2 set, H never trained on them): where LSM's ``manipulated_at`` is matched to B's false-alarm count.
LSM_WEB_SETS = ("fresh-conf", "fresh-conf2", "fresh-conf3", "fresh-conf4", "fresh-conf5", "fresh-conf7")
LSM_WEB_N = 931
LSM_FLOOR = 0.5


#: The never-probe's ``manipulated_at``: above every P (P ≤ 1), so its "manipulated" calls are the ones that do not go
#: through the threshold (e.g. a provenance-declared partial AI edit, called whatever the score).
LSM_NEVER = 2.0


def lsm_probe_model(ls_path: Path, out: Path, at: float = LSM_FLOOR) -> None:
    """LS's model file with ``manipulated_at`` = ``at``, nothing else changed. At the floor (0.5) the full verdict calls
    "manipulated" every picture LS would call at some threshold t ≥ 0.5; at ``LSM_NEVER`` only the pictures called
    whatever the threshold. The verdict's threshold rule is score ≥ t and not out-weighed by generation evidence (which
    does not depend on t), so LS's count at t = the never-probe's calls + the floor-probe's other calls with score ≥ t."""
    m = json.loads(ls_path.read_text())
    m["thresholds"] = {**m["thresholds"], "manipulated_at": at}
    if any(k.startswith("large_") for k in m["thresholds"]):
        raise SystemExit(f"{ls_path}: a size-class threshold; the probe's count would not be LS's")
    out.write_text(json.dumps(m, indent=1) + "\n")


def _fixed_calls(res: dict, never: str, sets) -> set[tuple[str, str]]:
    """The real photos of ``sets`` that the never-probe ``never`` calls "manipulated": the calls made whatever the
    threshold (``lsm_probe_model`` at ``LSM_NEVER``), as (set, image)."""
    return {(r["set"], r["image"]) for r in _lh_rows(res, never, sets) if r["label"] == "authentic"
            and r["verdict"] == "manipulated"}


def lsm_count(res: dict, probe: str, never: str, t: float, sets=LSM_WEB_SETS) -> int:
    """LS's number of "manipulated" calls on the real photos of ``sets`` at threshold ``t`` ≥ 0.5, from the floor
    probe's and the never-probe's full verdicts (``lsm_probe_model``)."""
    fixed = _fixed_calls(res, never, sets)
    return len(fixed) + sum(r["verdict"] == "manipulated" and r["score"] >= t and (r["set"], r["image"]) not in fixed
                            for r in _lh_rows(res, probe, sets) if r["label"] == "authentic")


def lsm_threshold(res: dict, own: float, base: str = "B", probe: str = "LSP", never: str = "LSN", sets=LSM_WEB_SETS,
                  n_expected: int | None = LSM_WEB_N) -> dict:
    """Candidate LSM (brief s17lsm, declared by the lead 12:09 UTC): t_web = the lowest threshold t ≥ 0.5 at which
    LS's P(manipulated | not generated) calls at most as many of the real photos of ``sets`` "manipulated" as B does,
    both through the full verdict (``res``: ``lh-measure`` rows of B and of LS's two probe models, ``lsm_probe_model``
    at 0.5 and at ``LSM_NEVER``). "Lowest" as ``calibration.threshold_at_fpr`` reads it: just above the score of the
    (B's count − fixed + 1)-th highest threshold call (0.5 when LS calls no more than B at 0.5); ``fixed`` = the calls
    made whatever the threshold. LSM's ``manipulated_at`` = max(``own``, t_web)."""
    key = {m: sorted((r["set"], r["image"]) for r in _lh_rows(res, m, sets) if r["label"] == "authentic")
           for m in (base, probe, never)}
    if not key[base] == key[probe] == key[never]:
        raise SystemExit("lsm-threshold: B and the probes do not hold the same pictures")
    rb = [r for r in _lh_rows(res, base, sets) if r["label"] == "authentic"]
    if n_expected is not None and len(rb) != n_expected:
        raise SystemExit(f"lsm-threshold: {len(rb)} real photos, not {n_expected}")
    nb = sum(r["verdict"] == "manipulated" for r in rb)
    fixed = _fixed_calls(res, never, sets)
    sc = np.sort(np.array([r["score"] for r in _lh_rows(res, probe, sets) if r["label"] == "authentic"
                           and r["verdict"] == "manipulated" and (r["set"], r["image"]) not in fixed], np.float64))[::-1]
    room = nb - len(fixed)
    if room < 0:
        raise SystemExit(f"lsm-threshold: LS calls {len(fixed)} whatever the threshold, more than B's {nb}")
    t_web = LSM_FLOOR if sc.size <= room else float(np.nextafter(sc[room], np.inf))
    return {"n": len(rb), "per_set": {s: sum(r["set"] == s for r in rb) for s in sets}, "B_called": nb,
            "LS_called_whatever_t": len(fixed), "LS_called_at_own": lsm_count(res, probe, never, own, sets),
            "LS_called_at_floor": lsm_count(res, probe, never, LSM_FLOOR, sets),
            "LS_called_at_t_web": lsm_count(res, probe, never, t_web, sets), "t_web": t_web, "own": own,
            "manipulated_at": max(own, t_web)}


def lsm_model(ls_path: Path, record: dict, out: Path) -> dict:
    """LSM's model file: LS's (``ls_path``) with ``manipulated_at`` = ``record["manipulated_at"]`` and the record
    under ``provenance["lsm"]``; everything else (coefficients, ``authentic_below``, LR bounds) unchanged."""
    m = json.loads(ls_path.read_text())
    if abs(float(m["thresholds"]["manipulated_at"]) - record["own"]) > 1e-12:
        raise SystemExit(f"{ls_path}: manipulated_at is not the record's own value")
    m["thresholds"] = {**m["thresholds"], "manipulated_at": record["manipulated_at"]}
    m["provenance"] = {**m["provenance"], "lsm": {
        **record, "ls_model": str(ls_path), "ls_model_sha256": hashlib.sha256(ls_path.read_bytes()).hexdigest(),
        "rule": "manipulated_at = max(LS's own, t_web); t_web = lowest t >= 0.5 at which LS calls at most as many of "
                "the 931 real photos of fresh sets 1-5, 7 manipulated as B (full verdict)"}}
    out.write_text(json.dumps(m, indent=1) + "\n")
    return m


def lsm_web_table(res: dict, sets=LSM_WEB_SETS) -> list[str]:
    """Beside LSM's rule: every model's verdict labels on the real photos of ``sets`` (each set and all together)."""
    models = [m for m in res if not m.startswith("_")]
    lines = ["| set | n | " + " | ".join(f"{m}: manipulated / generated / inconclusive / authentic" for m in models)
             + " |", "|---|---|" + "---|" * len(models)]
    for s in list(sets) + ["all"]:
        cells, n = [], 0
        for m in models:
            v = [r["verdict"] for r in _lh_rows(res, m, sets if s == "all" else (s,)) if r["label"] == "authentic"]
            n = len(v)
            cells.append(" / ".join(str(v.count(k)) for k in ("manipulated", "generated", "inconclusive", "authentic")))
        lines.append(f"| {s} | {n} | " + " | ".join(cells) + " |")
    return lines


def expit(x: np.ndarray) -> np.ndarray:
    from scipy.special import expit as _expit

    return _expit(np.clip(x, -50, 50))


# ---------------------------------------------------------------- stacking with the detection model


def stack_host_ok(source: str) -> bool:
    """A validation host that no held-out picture uses: Dresden D70s #1 or an odd-CRC Sun-Hays photo."""
    name = host_name(source)
    return "_sun_" in name or "D70s_1" in name


def _logit(p) -> np.ndarray:
    p = np.clip(np.asarray(p, float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


LOCALIZER_ONLY = "localizer's own score"


def stack_fit(root: Path, fits: dict) -> tuple[dict, tuple[int, int]]:
    """Per head (and the shipped localizer score): a logistic regression on [logit(detection-model
    score), head score], fitted on the detection model's validation pictures from hosts the held-out
    set does not use; threshold: ≤ 3 % of those authentic pictures above (in-sample, 3 parameters)."""
    from benchmarks.accuracy.verdict_accuracy import refuse

    pairs = []
    for name, cache in STACK_SETS.items():
        det = {meta["image"]: refuse(s, meta).manipulation_score for s, meta in _cached_rows(cache)}
        for fr in load_feats(root, name):
            if det.get(fr["image"]) is not None and stack_host_ok(fr["source"]):
                pairs.append((fr, det[fr["image"]]))
    if not pairs:
        return {}, (0, 0)
    y = np.array([fr["label"] != "authentic" for fr, _ in pairs], int)
    d = _logit([dv for _, dv in pairs])
    heads = {f: score(ft, [fr for fr, _ in pairs]) for f, ft in fits.items()}
    heads[LOCALIZER_ONLY] = _logit([float(fr["score"]) for fr, _ in pairs])
    out = {}
    for f, h in heads.items():
        x = np.column_stack([d, h])
        m = _model(1.0).fit(x, y)
        neg = np.sort(m.decision_function(x)[y == 0])
        k = int(np.floor(FALSE_ALARM * neg.size))
        out[f] = {"model": m, "threshold": float(neg[neg.size - k - 1]) + 1e-9,
                  "coef": m[-1].coef_[0] / m[0].scale_}
    return out, (int((y == 0).sum()), int((y == 1).sum()))


def stack_score(st: dict, det, head) -> np.ndarray:
    return st["model"].decision_function(np.column_stack([_logit(det), np.asarray(head, float)]))


def stack_section(stacks: dict, counts: tuple[int, int], rows: list[dict], cams: dict[str, list[dict]],
                  chosen: str) -> list[str]:
    if not stacks:
        return []
    forg = [r for r in rows if hv._exact(r)]
    auth = [r for r in rows if r["label"] == "authentic"]
    lines = ["", "### Exploratory: the head stacked with the detection model's score", "",
             f"A logistic regression on [logit(detection-model score), head score], fitted on {counts[0]} authentic + "
             f"{counts[1]} forged pictures of the detection model's validation sets (synth-val, hard-val) from the "
             "hosts no held-out picture uses (Dresden D70s #1, odd-CRC Sun-Hays); threshold: ≤ 3 % of those authentic "
             "pictures above (in-sample). The held-out pictures are scored with it unchanged.", "",
             "Δ AUC: stack minus the detection model's score alone, paired over the same host resamples.", "",
             "| stacked with | weights (per unit of detection logit, head) | held-out AUC | Δ AUC | forgeries called "
             "| held-out authentic called | cameras-exif called | pristine-extra called |", "|---|---|---|---|---|---|---|---|"]
    for f, st in stacks.items():
        hk = "loc_logit" if f == LOCALIZER_ONLY else f"head:{f}"
        for r in rows:
            r[f"stack:{f}"] = float(stack_score(st, [r["manipulation_score"]], [r[hk]])[0])
        key, thr = f"stack:{f}", st["threshold"]
        cam_cells = []
        for name in CAMERA_SETS:
            crow = [r for r in cams.get(name, []) if r["det"] is not None and r["det"][0] is not None]
            hs = [r["loc_logit"] if f == LOCALIZER_ONLY else r[hk] for r in crow]
            sc = stack_score(st, [r["det"][0] for r in crow], hs) if crow else np.zeros(0)
            cam_cells.append(f"{int((sc > thr).sum())}/{len(crow)}")
        mark = " (chosen head)" if f == chosen else ""
        lines.append(f"| {f}{mark} | {st['coef'][0]:.2f}, {st['coef'][1]:.2f} "
                     f"| {hv.fmt_ci(hv.auc_row(rows, forg, lambda r, k=key: r[k]))} "
                     f"| {_delta(rows, key)} | {sum(r[key] > thr for r in forg)}/{len(forg)} = "
                     f"{hv.fmt_ci(hv.share_row(forg, lambda r, k=key, t=thr: r[k] > t), True)} "
                     f"| {sum(r[key] > thr for r in auth)}/{len(auth)} | {cam_cells[0]} | {cam_cells[1]} |")
    lines.append(f"| (detection model's score alone) | | {hv.fmt_ci(hv.auc_row(rows, forg, lambda r: r['manipulation_score']))} "
                 "| | | | | |")
    key, thr = f"stack:{chosen}", stacks[chosen]["threshold"]
    lines += ["", f"Stack with the chosen head ({chosen}) per kind and forged area (AUC against all authentic pictures):", "",
              "| slice | n | AUC stack | AUC detection model | stack: called | verdict: called manipulated |",
              "|---|---|---|---|---|---|"]
    slices = [(f"kind {k}", [r for r in forg if r["kind"] == k]) for k in sorted({r["kind"] for r in forg})]
    slices += [(f"area {lab}", [r for r in forg if lo <= r.get("area", -1) < hi]) for lo, hi, lab in hv.AREA_BUCKETS]
    for title, sel in slices:
        if sel:
            lines.append(f"| {title} | {len(sel)} | {hv.fmt_ci(hv.auc_row(rows, sel, lambda r: r[key]))} "
                         f"| {hv.fmt_ci(hv.auc_row(rows, sel, lambda r: r['manipulation_score']))} "
                         f"| {sum(r[key] > thr for r in sel)}/{len(sel)} | {sum(r['verdict'] == 'manipulated' for r in sel)}/{len(sel)} |")
    return lines


def _delta(rows: list[dict], key: str) -> str:
    """AUC(key) − AUC(detection score), exact-mask forgeries vs authentic, paired host bootstrap."""
    sel = [r for r in rows if hv._exact(r) or r["label"] == "authentic"]
    y = np.array([r["label"] != "authentic" for r in sel], int)
    a = np.array([r[key] for r in sel], float)
    b = np.array([r["manipulation_score"] for r in sel], float)
    t = hv.Boot([r["host"] for r in sel]).interval(lambda yy, aa, bb, w: hv.wauc(yy, aa, w) - hv.wauc(yy, bb, w), y, a, b)
    return f"{t[0]:+.3f} [{t[1]:+.3f}, {t[2]:+.3f}]"


# ---------------------------------------------------------------- measuring


def heldout_rows(root: Path, heldout_root: Path, fits: dict) -> list[dict]:
    """i14v's held-out rows (verdict, detection score, baselines) joined with the head's scores."""
    base = {(r["set"], r["image"]): r for r in hv.records(heldout_root, list(HELDOUT_SETS)) if "error" not in r}
    rows = []
    for name in HELDOUT_SETS:
        feats = [r for r in load_feats(root, name) if (name, r["image"]) in base]
        if not feats:
            continue
        scores = {f: score(fit_, feats) for f, fit_ in fits.items()}
        for i, fr in enumerate(feats):
            r = dict(base[(name, fr["image"])])
            r["loc_score"] = float(fr["score"])
            r["loc_logit"] = float(_logit([fr["score"]])[0])
            r["tiles"] = int(fr["tiles"])
            for f in fits:
                r[f"head:{f}"] = float(scores[f][i])
            rows.append(r)
    return rows


def camera_rows(root: Path, fits: dict) -> dict[str, list[dict]]:
    from benchmarks.accuracy.verdict_accuracy import refuse

    out = {}
    for name in CAMERA_SETS:
        feats = load_feats(root, name)
        if not feats:
            continue
        det = {}
        for s, meta in _cached_rows(name):
            v = refuse(s, meta)
            det[meta["image"]] = (v.manipulation_score, v.label, v.decision.get("thresholds", {}).get("manipulated_at"))
        scores = {f: score(fit_, feats) for f, fit_ in fits.items()}
        rows = []
        for i, fr in enumerate(feats):
            r = {"image": fr["image"], "loc_score": float(fr["score"]), "loc_logit": float(_logit([fr["score"]])[0]),
                 "mp": fr["shape"][0] * fr["shape"][1] / 1e6,
                 "det": det.get(fr["image"])}
            for f in fits:
                r[f"head:{f}"] = float(scores[f][i])
            rows.append(r)
        out[name] = rows
    return out


def report(fitres: dict, rows: list[dict], cams: dict[str, list[dict]], speed: str, stacked=({}, (0, 0))) -> str:
    fits, chosen = fitres["fits"], fitres["chosen"]
    n_auth, n_forg = fitres["n"]
    lines = ["### Training (out-of-fold, 5 folds grouped by host photo)", "",
             f"{n_auth} authentic + {n_forg} forged training pictures from {fitres['hosts']} host photos. "
             f"Feature set chosen by out-of-fold AUC before any held-out picture was scored: **{chosen}**.", "",
             "| feature set | features | C | OOF AUC | OOF threshold (≤ 3 % of training authentic above) "
             "| OOF forgeries above | OOF authentic above |", "|---|---|---|---|---|---|---|"]
    for f, ft in fits.items():
        lines.append(f"| {f} | {ft['n_features']} | {ft['C']:g} | {ft['oof_auc']:.3f} | {ft['threshold']:.3f} "
                     f"| {ft['oof_called']:.0%} | {ft['oof_fa']:.1%} |")
    ok = rows
    forg = [r for r in ok if hv._exact(r)]
    auth = [r for r in ok if r["label"] == "authentic"]
    lines += ["", "### Held-out exact-mask forgeries vs authentic (i14v's 368 pictures; 95 % host bootstrap, "
              f"{hv.RESAMPLES} resamples)", "",
              f"{len(auth)} authentic / {len(forg)} exact-mask forgeries from {len({r['host'] for r in ok})} hosts. "
              "'called' = head score above its training threshold.", "",
              "| score | AUC | forgeries called | authentic called (false alarms) |", "|---|---|---|---|"]

    def called(key, thr):
        return (f"{sum(r[key] > thr for r in forg)}/{len(forg)} = {hv.fmt_ci(hv.share_row(forg, lambda r: r[key] > thr), True)}",
                f"{sum(r[key] > thr for r in auth)}/{len(auth)} = {hv.fmt_ci(hv.share_row(auth, lambda r: r[key] > thr), True)}")

    for f, ft in fits.items():
        key = f"head:{f}"
        c1, c2 = called(key, ft["threshold"])
        mark = " (chosen)" if f == chosen else ""
        lines.append(f"| head: {f}{mark} | {hv.fmt_ci(hv.auc_row(ok, forg, lambda r, k=key: r[k]))} | {c1} | {c2} |")
    lines.append(f"| localizer's own score (shipped 6→16→1 head) | {hv.fmt_ci(hv.auc_row(ok, forg, lambda r: r['loc_score']))} | | |")
    det_c = (f"{sum(r['verdict'] == 'manipulated' for r in forg)}/{len(forg)}",
             f"{sum(r['verdict'] in ('manipulated', 'generated') for r in auth)}/{len(auth)}")
    lines.append(f"| detection model's score (all traces) | "
                 f"{hv.fmt_ci(hv.auc_row(ok, forg, lambda r: r['manipulation_score']))} | verdict 'manipulated' {det_c[0]} "
                 f"| verdict manipulated/generated {det_c[1]} |")
    lines.append(f"| 1 − P(authentic) (today's verdict) | {hv.fmt_ci(hv.auc_row(ok, forg, lambda r: r['p_not_authentic']))} | | |")
    for k, lab in (("megapixels", "trivial: size (MP)"), ("lossless", "trivial: format (lossless)"),
                   ("brightness", "trivial: brightness"), ("bits_per_pixel", "trivial: bits per pixel")):
        lines.append(f"| {lab} | {hv.fmt_ci(hv.auc_row(ok, forg, lambda r, k=k: r[k]))} | | |")
    # per host group, kind and area: the chosen head beside the two shipped scores
    key, thr = f"head:{chosen}", fits[chosen]["threshold"]
    lines += ["", f"Per host group, kind and forged area (chosen head: {chosen}; AUC against all authentic pictures "
              "of the group):", "",
              "| slice | n forgeries | AUC head | AUC localizer | AUC detection model | head: called | verdict: called manipulated |",
              "|---|---|---|---|---|---|---|"]
    slices = [(f"hosts {s}", [r for r in ok if r["stratum"] == s], True) for s in hv.NEVER_SEEN]
    slices += [(f"kind {k}", [r for r in forg if r["kind"] == k], False) for k in sorted({r["kind"] for r in forg})]
    slices += [(f"area {lab}", [r for r in forg if lo <= r.get("area", -1) < hi], False) for lo, hi, lab in hv.AREA_BUCKETS]
    for title, sel, group in slices:
        pos = [r for r in sel if hv._exact(r)]
        if not pos:
            continue
        ref = sel if group else ok
        lines.append(f"| {title} | {len(pos)} | {hv.fmt_ci(hv.auc_row(ref, pos, lambda r: r[key]))} "
                     f"| {hv.fmt_ci(hv.auc_row(ref, pos, lambda r: r['loc_score']))} "
                     f"| {hv.fmt_ci(hv.auc_row(ref, pos, lambda r: r['manipulation_score']))} "
                     f"| {sum(r[key] > thr for r in pos)}/{len(pos)} | {sum(r['verdict'] == 'manipulated' for r in pos)}/{len(pos)} |")
    # oracle ceiling: the threshold at ≤ 3 % of these authentic pictures (chosen on the evaluation set: not a result)
    a_s = np.sort([r[key] for r in auth])
    kk = int(np.floor(FALSE_ALARM * a_s.size))
    cut = a_s[a_s.size - kk - 1]
    lines += ["", f"Oracle ceiling (threshold chosen on these very pictures, ≤ 3 % of the {a_s.size} authentic above; "
              f"not a result): {sum(r[key] > cut for r in forg)}/{len(forg)} forgeries above."]
    lines += ["", "### False alarms on camera pictures at the training threshold", "",
              "| set | n | head (chosen) above threshold | each other head | detection model: verdict manipulated |",
              "|---|---|---|---|---|"]
    for name, crow in cams.items():
        other = "; ".join(f"{f}: {sum(r[f'head:{f}'] > ft['threshold'] for r in crow)}" for f, ft in fits.items()
                          if f != chosen)
        dets = [r["det"] for r in crow if r["det"] is not None]
        lines.append(f"| {name} | {len(crow)} | {sum(r[key] > thr for r in crow)}/{len(crow)} "
                     f"({sum(r[key] > thr for r in crow) / max(len(crow), 1):.1%}) | {other} "
                     f"| {sum(d[1] == 'manipulated' for d in dets)}/{len(dets)} |")
    lines += stack_section(stacked[0], stacked[1], rows, cams, chosen)
    lines += ["", speed]
    return "\n".join(lines)


def timing(paths: list[Path]) -> str:
    from forgelens.evidence import load
    from forgelens.learned.localizer import localize

    net = FeatureLocalizer(threads=1)
    t_feat = t_plain = mp = 0.0
    for p in paths:
        rgb = np.asarray(load(str(p)).pixels)
        mp += rgb.shape[0] * rgb.shape[1] / 1e6
        t = time.perf_counter()
        net.features(rgb)
        t_feat += time.perf_counter() - t
        t = time.perf_counter()
        localize(net.shipped, rgb, 512, 64, False)
        t_plain += time.perf_counter() - t
    return (f"Speed (one ONNX Runtime thread, shared 2-core box, {len(paths)} pictures, {mp:.1f} MP): features + "
            f"pooling {t_feat / mp:.2f} s/MP; the shipped localizer alone {t_plain / mp:.2f} s/MP on the same pictures.")


def speed_one(mode: str, paths: list[Path], head: Path | None) -> dict:
    """One process, one mode: ``plain`` = the shipped localizer as the detector runs it (working scale, tiles);
    ``head`` = the same pictures through the graph with H's extra outputs, per-tile pooling and H's logit."""
    import resource

    from forgelens.detectors.learned_localizer import LearnedLocalizerConfig
    from forgelens.evidence import load
    from forgelens.learned import localizer

    h = json.loads(head.read_text()) if head else None
    net = FeatureLocalizer(threads=1) if mode == "head" else localizer.load(threads=1)
    cfg = LearnedLocalizerConfig()
    secs = mp = 0.0
    for p in paths:
        rgb = np.asarray(load(str(p)).pixels)
        t = time.perf_counter()
        if mode == "head":
            f = net.features(rgb)
            if h and "coef" in h:
                x = np.concatenate([np.ravel(f[g]) for g in h["groups"]])
                float((x - np.array(h["mean"])) / np.array(h["scale"]) @ np.array(h["coef"]) + h["intercept"])
        else:
            k = localizer.working_factor(rgb.shape[:2], cfg.max_pixels, cfg.resize_above)
            localizer.localize(net, localizer.downscale(rgb, k) if k > 1 else rgb, cfg.tile, cfg.overlap, cfg.even_tiles)
        secs += time.perf_counter() - t
        k = localizer.working_factor(rgb.shape[:2], cfg.max_pixels, cfg.resize_above)
        mp += rgb.shape[0] * rgb.shape[1] / 1e6 / (k * k)
    return {"mode": mode, "pictures": len(paths), "mp": mp, "s_per_mp": secs / mp,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}


def speed(paths: list[Path], head: Path | None, repeats: int = 2) -> None:
    """Print the localizer's seconds per analysed megapixel and peak memory without and with H (each mode in its own
    process, alternated ``repeats`` times; figures only, no assertion)."""
    import subprocess

    for r in range(repeats):
        for mode in ("plain", "head"):
            cmd = [sys.executable, __file__, "speed-one", "--root", "/tmp", "--speed-mode", mode,
                   "--pictures", *map(str, paths)] + (["--head", str(head)] if head else [])
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            d = json.loads(out)
            print(f"run {r + 1} {mode:5s}: {d['pictures']} pictures, {d['mp']:.1f} analysed MP, {d['s_per_mp']:.2f} s/MP, "
                  f"peak RSS {d['peak_rss_gb']:.2f} GB", flush=True)


def _web_pair(text: str) -> tuple[str, Path]:
    name, sep, index = text.partition("=")
    if not sep or not name or not Path(index).is_file():
        raise SystemExit(f"--with-authentic {text!r}: want SET=INDEX_CSV with an existing index.csv")
    return name, Path(index)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("step", choices=("data", "extract", "extract-caches", "head", "head-apply", "lh-measure", "lh-decide", "ls-fit", "ls-info", "lw-info", "lsm-probe", "lsm-threshold", "speed", "speed-one",
                                       "measure"))
    ap.add_argument("--root", type=Path, required=True, help="data/ and feats/ live here (outside the repository)")
    ap.add_argument("--heldout-root", type=Path, default=Path("/work/caches/i14v"),
                    help="heldout_verdict.py's root: its data/ and cache/ (read only)")
    ap.add_argument("--sets", nargs="*", default=list(TRAIN_SETS + HELDOUT_SETS + CAMERA_SETS))
    ap.add_argument("--reverse", action="store_true")
    ap.add_argument("--val-root", type=Path, default=Path("/work/caches/detection-data"),
                    help="extract: where synth-val/ and hard-val/ (the stack's fit pictures) are")
    ap.add_argument("--verdict-cache", type=Path, default=VERDICT_CACHE,
                    help="measure: the verdict benchmark's cache (cameras-exif/, pristine-extra/, hard-val/)")
    ap.add_argument("--md", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=None, help="head (session 17): where H.json and H-logits.json go")
    ap.add_argument("--model", action="append", default=[], metavar="NAME=[PATH]",
                    help="lh-measure: a detection model (no PATH: the package's fusion/detection.json)")
    ap.add_argument("--logits", type=Path, default=None, help="lh-measure: H-logits.json")
    ap.add_argument("--results", nargs="*", default=[], help="lh-decide: lh-measure JSON files")
    ap.add_argument("--pictures", nargs="*", type=Path, default=[], help="speed: the pictures timed")
    ap.add_argument("--head", type=Path, default=None, help="speed: H.json (its logit computed too)")
    ap.add_argument("--speed-mode", choices=("plain", "head"), default="plain")
    ap.add_argument("--cand", default="LH", help="lh-decide: the candidate's model name (session 17 round 2: LS)")
    ap.add_argument("--det-cache", type=Path, default=None,
                    help="ls-fit: the detection analyses with synth-val/ and hard-val/ (the recipe's validation rows)")
    ap.add_argument("--base-model", type=Path, default=None, help="ls-fit: z_B's model (default: the package's)")
    ap.add_argument("--s10real-cache", type=Path, default=None, help="ls-info: s10real's cached analyses")
    ap.add_argument("--train-index", type=Path, action="append", default=[],
                    help="ls-info: index.csv of the web training rows left out of s10real's second count")
    ap.add_argument("--ls-model", type=Path, default=None, help="lsm-probe / lsm-threshold (session 17 round 4): LS.json")
    ap.add_argument("--at", type=float, default=LSM_FLOOR, help="lsm-probe: the probe's manipulated_at")
    ap.add_argument("--without-head", action="store_true", help="ls-fit: z_H = 0 (information: the re-calibration alone)")
    ap.add_argument("--cache-set", action="append", default=[], metavar="NAME=CACHE_DIR=IMAGE_ROOT",
                    help="extract-caches (session 17): the pictures behind a folder of cached analyses (repeatable)")
    ap.add_argument("--with-authentic", action="append", default=[], metavar="SET=INDEX_CSV",
                    help="head (session 17 round 3, H_W): the features in feats/SET join the head's training pictures "
                         "as authentic, grouped by the repository INDEX_CSV (image, repo) names (repeatable)")
    ap.add_argument("--exact-only", action="store_true",
                    help="measure: leave the 'local' filter edits (no exact mask) out of the training forgeries")
    args = ap.parse_args(argv)
    if args.step == "data":
        make_data(args.root)
    elif args.step == "extract":
        extract(args.root, args.heldout_root, args.sets, args.reverse, args.val_root)
    elif args.step == "extract-caches":
        extract_caches(args.root, args.cache_set)
    elif args.step == "head":
        web = dict(_web_pair(x) for x in args.with_authentic)
        if len(web) != len(args.with_authentic) or set(web) & set(TRAIN_SETS + DETECTION_ROW_SETS + LH_SEALED):
            raise SystemExit("--with-authentic: each SET once, none of the head's own, the detection rows' or the sealed sets")
        head_step(args.root, args.out or args.root / "H", web)
    elif args.step == "head-apply":
        head_apply(args.root, args.head, args.sets, args.out)
    elif args.step == "lh-measure":
        models = {}
        for m in args.model:
            name, _, path = m.partition("=")
            models[name] = Path(path) if path else None
        lh_measure(args.cache_set, models, args.logits, args.out)
    elif args.step == "ls-fit":
        if args.det_cache is None or args.logits is None or args.out is None:
            raise SystemExit("ls-fit needs --det-cache, --logits and --out")
        ls_fit(args.det_cache, args.logits, args.out, args.base_model, args.without_head)
    elif args.step == "ls-info":
        from benchmarks.studies.detection_ship_rule import trained_on

        res = json.loads(Path(args.results[0]).read_text())
        s10 = trained_on(args.s10real_cache, args.train_index) if args.s10real_cache else set()
        text = "\n".join(ls_information(res, s10, cand=args.cand))
        print(text)
        if args.md:
            args.md.write_text(text + "\n")
    elif args.step == "lw-info":
        if len(args.results) != 2:
            raise SystemExit("lw-info needs --results H_W_MEASURE.json H_MEASURE.json")
        res_w, res_h = (json.loads(Path(f).read_text()) for f in args.results)
        text = "\n".join(lw_information(res_w, res_h))
        print(text)
        if args.md:
            args.md.write_text(text + "\n")
    elif args.step == "lsm-probe":
        if args.ls_model is None or args.out is None:
            raise SystemExit("lsm-probe needs --ls-model and --out")
        lsm_probe_model(args.ls_model, args.out, args.at)
    elif args.step == "lsm-threshold":
        if args.ls_model is None or args.out is None or len(args.results) != 1:
            raise SystemExit("lsm-threshold needs --ls-model, --out and --results WEB_MEASURE.json")
        res = json.loads(Path(args.results[0]).read_text())
        own = float(json.loads(args.ls_model.read_text())["thresholds"]["manipulated_at"])
        record = lsm_threshold(res, own)
        lsm_model(args.ls_model, record, args.out)
        text = "\n".join([json.dumps(record, indent=1), ""] + lsm_web_table(res))
        print(text)
        if args.md:
            args.md.write_text(text + "\n")
    elif args.step == "speed":
        speed(args.pictures, args.head)
    elif args.step == "speed-one":
        print(json.dumps(speed_one(args.speed_mode, args.pictures, args.head)))
    elif args.step == "lh-decide":
        res = {}
        for f in args.results:  # later files add sets (the sealed sets' file last)
            for k, v in json.loads(Path(f).read_text()).items():
                res.setdefault(k, {}).update(v)
        lines, _ = lh_decide(res, cand=args.cand, sealed=all(s in res.get("_info", {}) for s in LH_SEALED))
        text = "\n".join(lines + [""] + lh_information(res))
        print(text)
        if args.md:
            args.md.write_text(text + "\n")
    else:
        globals()["VERDICT_CACHE"] = args.verdict_cache
        train = [r for s in TRAIN_SETS for r in load_feats(args.root, s)
                 if not (args.exact_only and r["label"] != "authentic" and r.get("kind") == "local")]
        fitres = fit(train)
        rows = heldout_rows(args.root, args.heldout_root, fitres["fits"])
        cams = camera_rows(args.root, fitres["fits"])
        some = sorted((args.heldout_root / "data" / "heldout-web" / "images").glob("*"))[:10]
        stacked = stack_fit(args.root, fitres["fits"])
        text = report(fitres, rows, cams, timing(some), stacked)
        print(text)
        if args.md:
            args.md.write_text(text + "\n")


if __name__ == "__main__":
    main()
