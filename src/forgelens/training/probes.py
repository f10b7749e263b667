"""Training recipe for the NPR-feature probe of ``npr_trace`` (``npr_probe.json``).

Deterministic (seeded) and re-runnable on a user's own data: ``forgelens train generated --kinds npr``
or ``python -m forgelens.training.probes``. The shipped ``clip_probe.json`` is *not* fitted here
any more: since issue 18 it is the RINE probe on the multi-generator set, written only by
``benchmarks/fit/fit_generation.py`` (``CLIP_PROBE_WRITER``); asking this recipe for the CLIP
probe is refused with a message naming that script. What it does:

1. lists authentic and generated images (``gen_data.list_items``), each with its group;
2. NPR probe: patch features (``npr_features``) of random native-resolution crops with the
   same augmentation for both classes (resize 0.5–1.5, JPEG 65–100), *plus aligned pairs*:
   every camera crop also passed through the TAEF2 autoencoder as a positive (Rajan et al.,
   ICLR 2025), so the probe learns the decoder trace, not content; logistic regression;
3. calibration: out-of-fold scores (group-wise folds) → Platt scaling → probability;
   the "generated" threshold is the smallest probability giving ≤ 3 % false positives on
   out-of-fold authentic camera photos; stored with how it was fitted.

The probe is written as a small JSON file (``learned/weights/npr_probe.json``).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from forgelens.jpeg import recompress
from forgelens.learned.npr_features import patch_features
from forgelens.learned.onnx_models import WEIGHTS_DIR  # the shipped model files
from forgelens.learned.probe import LinearProbe
from forgelens.training import gen_data
from forgelens.training.calibration import fit_platt, threshold_at_fpr  # noqa: F401  (also used as tg.*)

NPR_PATCH = 128
#: patches whose mean absolute luma difference is below this are too flat to judge
NPR_MIN_LEVEL = 1.0
REAL_FPR_GROUPS = ("cameras", "cameras-flatfield")
#: The one writer of the shipped ``clip_probe.json`` (with ``generation_families.json`` and ``fusion/generation.json``).
CLIP_PROBE_WRITER = (
    "the shipped clip_probe.json (CLS tokens of CLIP blocks 6-11, fitted on the issue-18 multi-generator set) is "
    "written only by benchmarks/fit/fit_generation.py: build the set with `python -m "
    "forgelens.training.generation_data --out DATA`, cache its features with benchmarks/fit/generation_cache.py "
    "and generation_cache_layers.py (and the aligned pairs with generation_cache_pairs.py), then run "
    "`python benchmarks/fit/fit_generation.py --data DATA` (see docs/notes/issue-18.md); the earlier one-view "
    "CLIP recipe of this command is no longer offered")


# --------------------------------------------------------------------------- features
@dataclass
class Features:
    """Per-image features, computed once (cached by the benchmark)."""

    npr: dict[str, list[np.ndarray]] = field(default_factory=dict)  # view → [patch feats (n, F)]
    stats: dict[str, np.ndarray] = field(default_factory=dict)  # view → trivial statistics


def trivial_stats(rgb: np.ndarray, is_jpeg: bool) -> np.ndarray:
    """log pixel count, JPEG or not, brightness, saturation, sharpness (log Laplacian variance)."""
    import cv2

    p = rgb.astype(np.float32)
    mx, mn = p.max(axis=2), p.min(axis=2)
    sat = float(np.where(mx > 0, (mx - mn) / np.maximum(mx, 1), 0).mean())
    y = 0.299 * p[..., 0] + 0.587 * p[..., 1] + 0.114 * p[..., 2]
    sharp = float(np.log(cv2.Laplacian(y, cv2.CV_32F).var() + 1e-3))
    return np.array([np.log(rgb.shape[0] * rgb.shape[1]), float(is_jpeg), y.mean() / 255, sat, sharp],
                    dtype=np.float32)


def npr_patches(rgb: np.ndarray, patch: int = NPR_PATCH) -> np.ndarray:
    """Reliable patches' features (n, F); empty when the image is too small or flat."""
    try:
        f, level = patch_features(rgb, patch)
    except ValueError:
        return np.zeros((0, f_dim()), np.float32)
    return f[level >= NPR_MIN_LEVEL]


def f_dim() -> int:
    from forgelens.learned.npr_features import N_FEATURES

    return N_FEATURES


def compute_features(item: gen_data.Item, *, seed: int, n_aug: int = 2, launder: bool = True,
                     max_side: int = 1024) -> Features:
    """All features one image contributes to training and evaluation.

    ``as_is`` NPR features are taken on the native-resolution centre ``max_side`` crop (the
    detector itself reads the whole image); ``launder`` adds the TAEF2 aligned pair of the
    native centre 256 crop (authentic images only).
    """
    from forgelens.training import taef2

    try:  # torch runs only the TAEF2 pairs; the NPR features need none
        import torch

        torch.set_num_threads(1)  # on a loaded 2-core machine one thread is several times faster
    except ImportError:
        pass
    rng = np.random.default_rng([seed, zlib.crc32(item.path.name.encode())])
    rgb = gen_data.read_rgb(item.path)
    is_jpeg = item.path.suffix.lower() in (".jpg", ".jpeg")
    ft = Features()
    views = {"as_is": rgb, "square512": gen_data.view(rgb, "square512"),
             "crop256": gen_data.view(rgb, "crop256")}
    for k, v in views.items():
        ft.stats[k] = trivial_stats(v, is_jpeg if k == "as_is" else True)
    ft.npr["as_is"] = [npr_patches(gen_data._centre(rgb, min(max_side, rgb.shape[0]),
                                                    min(max_side, rgb.shape[1])))]
    ft.npr["crop256"] = [npr_patches(views["crop256"])]
    ft.npr["aug"] = [npr_patches(gen_data.random_view(rgb, rng)) for _ in range(n_aug)]
    can = item.label == 0 and taef2.available() is None
    if launder and can:
        # aligned pair: the same native crop, original and TAEF2 reconstruction (PNG, no JPEG);
        # for training the reconstruction is also JPEG-compressed at a random quality like the rest
        crop = np.array(gen_data._centre(rgb, min(256, rgb.shape[0]) // 8 * 8,
                                         min(256, rgb.shape[1]) // 8 * 8))
        lau = taef2.launder(crop)
        ft.npr["crop256_orig"] = [npr_patches(crop)]
        ft.npr["crop256_laund"] = [npr_patches(lau)]
        ft.npr["aug_laund"] = [npr_patches(recompress(lau, int(rng.integers(65, 101))))]
    return ft


# --------------------------------------------------------------------------- probes
def fit_linear(x: np.ndarray, y: np.ndarray, c: float = 1.0, standardise: bool = True) -> LinearProbe:
    from sklearn.linear_model import LogisticRegression  # here: keeps `forgelens --help` fast

    x = np.asarray(x, np.float32)
    mean = x.mean(0) if standardise else np.zeros(x.shape[1], np.float32)
    scale = x.std(0) + 1e-6 if standardise else np.ones(x.shape[1], np.float32)
    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    lr.fit((x - mean) / scale, y)
    return LinearProbe(mean.astype(np.float32), scale.astype(np.float32),
                       lr.coef_[0].astype(np.float32), float(lr.intercept_[0]))


def npr_rows(ft: Features, train: bool, laundered: bool = False) -> np.ndarray:
    keys = ("aug_laund",) if laundered else ("aug",)
    parts = [p for k in keys for p in ft.npr.get(k, []) if len(p)]
    return np.concatenate(parts) if parts else np.zeros((0, f_dim()), np.float32)


def npr_image_logit(probe: LinearProbe, patches: np.ndarray) -> float:
    """Image logit = mean patch logit over reliable patches (NaN where there are none)."""
    if len(patches) == 0:
        return float("nan")
    return float(np.mean(probe.logit(patches)))


def train_probe(items: Sequence[gen_data.Item], feats: Sequence[Features],
                aligned: bool = True, c: float = 0.1) -> LinearProbe:
    xs, ys = [], []
    for it, ft in zip(items, feats, strict=True):
        r = npr_rows(ft, train=True)
        if aligned and it.label == 0:
            rl = npr_rows(ft, train=True, laundered=True)
            if len(rl):
                xs.append(rl)
                ys.append(np.ones(len(rl)))
        if len(r):
            xs.append(r)
            ys.append(np.full(len(r), it.label))
    return fit_linear(np.concatenate(xs), np.concatenate(ys), c=c)


def image_logit(probe: LinearProbe, ft: Features, view: str = "as_is") -> float:
    return npr_image_logit(probe, ft.npr[view][0]) if view in ft.npr else float("nan")


def group_folds(items: Sequence[gen_data.Item], k: int, seed: int) -> np.ndarray:
    """Fold index per item: stratified by group, deterministic."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(items), int)
    groups: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        groups.setdefault(it.group, []).append(i)
    for g in sorted(groups):
        idx = np.array(groups[g])
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % k
    return fold


def out_of_fold(items, feats, k: int = 5, seed: int = 0, view: str = "as_is") -> np.ndarray:
    fold = group_folds(items, k, seed)
    z = np.full(len(items), np.nan)
    for f in range(k):
        tr = [i for i in range(len(items)) if fold[i] != f]
        probe = train_probe([items[i] for i in tr], [feats[i] for i in tr])
        for i in np.flatnonzero(fold == f):
            z[i] = image_logit(probe, feats[i], view)
    return z


def fit_and_calibrate(items, feats, seed: int = 0, k: int = 5) -> tuple[LinearProbe, dict]:
    """Final probe on everything; Platt and threshold from out-of-fold scores."""
    from sklearn.metrics import roc_auc_score

    z = out_of_fold(items, feats, k=k, seed=seed)
    y = np.array([it.label for it in items])
    ok = np.isfinite(z)
    a, b = fit_platt(z[ok], y[ok])
    probe = train_probe(items, feats)
    probe.platt_a, probe.platt_b = a, b
    cams = np.array([it.group in REAL_FPR_GROUPS for it in items]) & ok
    probe.threshold = threshold_at_fpr(probe.prob(z[cams]), 0.03)
    oof_auc = float(roc_auc_score(y[ok], z[ok])) if len(set(y[ok])) == 2 else float("nan")
    info = {"oof_auc": oof_auc, "n_images": int(ok.sum()), "n_camera_for_threshold": int(cams.sum()),
            "oof_fpr_cameras_at_threshold": float(np.mean(probe.prob(z[cams]) >= probe.threshold))}
    return probe, info


def train_all(items: Sequence[gen_data.Item] | None = None, out_dir: Path = WEIGHTS_DIR, seed: int = 0,
              cache: Callable[[gen_data.Item], Features] | None = None, kinds=("npr",),
              log: Callable[[str], None] = print, aligned: bool = True) -> dict:
    """Compute features, fit the NPR-feature probe, write ``npr_probe.json``.

    ``kinds`` containing ``"clip"`` is refused (ValueError, ``CLIP_PROBE_WRITER``): the shipped CLIP
    probe has one writer, ``benchmarks/fit/fit_generation.py``.
    """
    if "clip" in kinds:
        raise ValueError(CLIP_PROBE_WRITER)
    items = list(items if items is not None else gen_data.list_items())
    if not items:
        raise RuntimeError("no training images found")
    t0 = time.perf_counter()
    feats = []
    for i, it in enumerate(items):
        feats.append(cache(it) if cache else compute_features(it, seed=seed, launder=aligned))
        if (i + 1) % 25 == 0:
            log(f"features {i + 1}/{len(items)} ({time.perf_counter() - t0:.0f} s)")
    written = {}
    for kind in kinds:
        probe, info = fit_and_calibrate(items, feats, seed=seed)
        groups = sorted({it.group for it in items})
        probe.meta = {
            "recipe": "forgelens.training.probes", "seed": seed, "groups": groups,
            "n_train_images": len(items), "calibration": "Platt on 5-fold out-of-fold image logits",
            "threshold_rule": "smallest probability with <=3% out-of-fold false positives on "
                              "camera photos (groups cameras, cameras-flatfield), floored at 0.5",
            **info,
        }
        probe.meta.update({"patch": NPR_PATCH, "min_level": NPR_MIN_LEVEL,
                           "aligned_pairs": "TAEF2 reconstructions of authentic crops as positives"})
        path = Path(out_dir) / f"{kind}_probe.json"
        probe.save(path)
        written[kind] = str(path)
        log(f"{kind}: out-of-fold AUC {info['oof_auc']:.3f}, threshold {probe.threshold:.3f} → {path}")
    return written


def register(app) -> None:
    """Add ``forgelens train generated`` to the CLI (a ``train`` group, shared if one exists)."""
    import typer

    from forgelens.cli_groups import command_group

    train_app = command_group(app, "train", "Train forgelens' learned components.")

    @train_app.command("generated")
    def generated(
        out: Path = typer.Option(Path("gen-model"), "--out", "-o",
                                 help="Folder for gen_trace.safetensors (and npr_probe.json); "
                                      "the shipped weights are never overwritten unless you point here at them."),
        data: Path = typer.Option(None, "--data", help="Datasets folder (default ../shared/datasets)."),
        limit: int = typer.Option(0, "--limit", help="Use at most this many images per group (0 = all)."),
        seed: int = typer.Option(0, "--seed"),
        kinds: str = typer.Option("trace", "--kinds",
                                  help="What to train: trace (the gen_trace CNN), npr (the NPR-feature probe). "
                                       "The CLIP probe is not trained here: the shipped clip_probe.json (RINE blocks "
                                       "on the multi-generator set) is written only by benchmarks/fit/fit_generation.py."),
        aligned: bool = typer.Option(True, "--aligned/--no-aligned",
                                     help="Add TAEF2 reconstructions of real crops as positives (aligned pairs)."),
        steps: int = typer.Option(6000, "--steps", help="gen_trace: optimisation steps (64 crops each)."),
        pairs: int = typer.Option(2400, "--pairs", help="gen_trace: number of aligned pairs to make."),
        cache: Path = typer.Option(None, "--cache", help="gen_trace: .npz of the crops (read if present, else written)."),
        native_pairs: int = typer.Option(0, "--native-pairs",
                                         help="gen_trace: extra pairs from native-resolution crops, JPEG on both "
                                              "sides (tried: not better, see docs/notes/issue-9.md)."),
    ) -> None:
        """Train the generated-image models: the gen_trace CNN (default) and the NPR-feature probe."""
        wanted = tuple(k.strip() for k in kinds.split(",") if k.strip())
        if "clip" in wanted:
            typer.echo(f"forgelens: --kinds clip refused: {CLIP_PROBE_WRITER}", err=True)
            raise typer.Exit(2)
        bad = set(wanted) - {"trace", "npr"}
        if bad:
            typer.echo(f"forgelens: unknown --kinds {sorted(bad)} (trace, npr)", err=True)
            raise typer.Exit(2)
        items = gen_data.list_items(data)
        if limit:
            seen: dict[str, int] = {}
            keep = []
            for it in items:
                seen[it.group] = seen.get(it.group, 0) + 1
                if seen[it.group] <= limit:
                    keep.append(it)
            items = keep
        if not items:
            typer.echo(f"forgelens: no images found under {data or gen_data.shared_root() / 'datasets'}", err=True)
            raise typer.Exit(1)
        if "trace" in wanted:
            from forgelens.training.gen_trace import train_trace

            try:
                train_trace(items, Path(out) / "gen_trace.safetensors", steps=steps, seed=seed, n_pairs=pairs, n_native_pairs=native_pairs,
                            cache=cache, aligned=aligned, log=typer.echo)
            except RuntimeError as exc:
                typer.echo(f"forgelens: {exc}", err=True)
                raise typer.Exit(1) from exc
        probes = tuple(k for k in wanted if k == "npr")
        if probes:
            train_all(items, out, seed=seed, kinds=probes, log=typer.echo, aligned=aligned)

if __name__ == "__main__":
    train_all()
