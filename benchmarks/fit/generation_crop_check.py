"""Session 17 (P4): two checks of the four-crop probe features, printed as figures (information, not a test).

    OMP_NUM_THREADS=1 nice -n 5 python benchmarks/fit/generation_crop_check.py cosine --data /work/gen-data-s17crop \\
        --model /work/gen-data-s17crop/s17-candP4
    OMP_NUM_THREADS=1 nice -n 5 python benchmarks/fit/generation_crop_check.py speed --data /work/gen-data-s17crop-val \\
        --model N11=/work/gen-data-s16n11/s16-candN11 --model P4=/work/gen-data-s17crop/s17-candP4 --pictures 12

``cosine``: for 3 cached ``proc`` views (the first generated, the first real and the first validation view by name),
the runtime's features (``clip_probe.clip_features`` on the loaded picture, as the detector computes them, with the
crops a probe of ``CROP_PARTS`` needs) against the cached ones of ``generation_cache_layers.py --crops 4`` (cosine of
every ``c4_*`` / ``c_*`` / ``g_*`` part, flattened), and — with ``--model`` — the detector's P(generated)
(``clip_probe`` with that probe) against the probe applied to the cached parts.

``speed``: seconds per picture of the default analysis (``forgelens.pipeline.analyze``, every default detector) with
each model's probe (``clip_probe``'s ``probe_path``; the other files are the shipped ones, which do not change the
work done), on the same ``--pictures`` validation views, models alternated picture by picture after one warm-up each;
the median and mean of the total and of ``clip_probe``'s own seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_generation import CROP_PARTS  # noqa: E402

from forgelens.detectors import clip_probe as gc  # noqa: E402
from forgelens.evidence import load  # noqa: E402
from forgelens.training.generation_data import load_features, load_manifest  # noqa: E402


def proc_views(data: Path) -> list[tuple[str, str, str]]:
    """(view file, label, split) of every kept record's ``proc`` view, sorted by file name."""
    out = [(v["file"], r.label, r.split) for r in load_manifest(data) if not r.dropped
           for v in r.views if v["view"] == "proc"]
    return sorted(out)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def main_cosine(a) -> int:
    from forgelens.detectors.clip_probe import ClipProbeConfig, clip_probe
    from forgelens.learned.probe import LinearProbe

    cache = load_features(a.data)
    views = [v for v in proc_views(a.data) if f"{v[0]}|c4_cls" in cache]
    picks = []
    for want in (lambda v: v[1] == "generated", lambda v: v[1] != "generated", lambda v: v[2] == "val"):
        picks.append(next(v for v in views if want(v) and v not in picks))
    n_crops = max(gc.crops_needed(p) for p in CROP_PARTS)
    probe = LinearProbe.load(a.model / "clip_probe.json") if a.model else None
    print("| view | label | split | " + " | ".join(f"cos {p}" for p in PARTS) + " | P runtime | P cached |")
    print("|---|---|---|" + "---|" * (len(PARTS) + 2))
    for f, label, split in picks:
        ev = load(a.data / "views" / f)
        feats = gc.clip_features(np.asarray(ev.pixels), threads=1, n_crops=n_crops)
        cos = [cosine(feats[p], cache[f"{f}|{p}"]) for p in PARTS]
        pr = pc = "-"
        if probe is not None:
            parts = tuple(probe.meta["parts"])
            tr = clip_probe(ev, ClipProbeConfig(probe_path=str(a.model / "clip_probe.json"), threads=1))
            pr = f"{tr.score:.4f}"
            cached = {p.split('[')[0]: np.asarray(cache[f"{f}|{p.split('[')[0]}"], np.float32) for p in parts}
            pc = f"{float(probe.prob(gc.probe_logit(probe, cached, parts))):.4f}"
        print(f"| {f} | {label} | {split} | " + " | ".join(f"{c:.5f}" for c in cos) + f" | {pr} | {pc} |")
    print(f"\n(runtime: clip_probe.clip_features with {n_crops} native crops, every tile encoded alone as the detector "
          "does; cached: DATA/features-rine.npz, stored as float16)")
    return 0


PARTS = ("c4_emb", "c4_tok", "c4_cls", "c_emb", "c_cls", "g_emb", "g_cls")


def main_speed(a) -> int:
    from forgelens.pipeline import analyze

    models = dict(m.split("=", 1) for m in a.model)
    views = [v for v in proc_views(a.data) if v[2] == "val"]
    step = max(1, len(views) // a.pictures)
    picks = [v[0] for v in views[::step][:a.pictures]]
    extra = {} if a.threads is None else {"threads": a.threads}  # default: the detector's own default
    cfg = {n: {"clip_probe": {"probe_path": str(Path(d) / "clip_probe.json"), **extra}} for n, d in models.items()}
    for n in models:  # warm-up: model loading, first-call costs
        analyze(a.data / "views" / picks[0], configs=cfg[n])
    total = {n: [] for n in models}
    clip = {n: [] for n in models}
    px = []
    for f in picks:
        ev = load(a.data / "views" / f)
        px.append(ev.pixels.shape[0] * ev.pixels.shape[1] / 1e6)
        for n in models:
            t0 = time.perf_counter()
            rep = analyze(a.data / "views" / f, configs=cfg[n])
            total[n].append(time.perf_counter() - t0)
            clip[n].append(next(float(tr.seconds) for tr in rep.traces if tr.name == "clip_probe"))
    print(f"{len(picks)} validation proc views of {a.data} ({statistics.median(px):.2f} MP median, "
          f"{min(px):.2f}-{max(px):.2f}); clip_probe threads {a.threads or 'default'}; OMP_NUM_THREADS "
          f"{os.environ.get('OMP_NUM_THREADS')}\n")
    print("| model | probe parts | default analysis s/picture median (mean) | clip_probe s median (mean) |")
    print("|---|---|---|---|")
    from forgelens.learned.probe import LinearProbe

    for n, d in models.items():
        parts = "+".join(LinearProbe.load(Path(d) / "clip_probe.json").meta["parts"])
        print(f"| {n} | {parts} | {statistics.median(total[n]):.3f} ({statistics.mean(total[n]):.3f}) | "
              f"{statistics.median(clip[n]):.3f} ({statistics.mean(clip[n]):.3f}) |")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cosine")
    c.add_argument("--data", type=Path, required=True)
    c.add_argument("--model", type=Path, default=None, help="a fit_generation.py --out folder (its probe)")
    s = sub.add_parser("speed")
    s.add_argument("--data", type=Path, required=True)
    s.add_argument("--model", action="append", required=True, metavar="NAME=DIR")
    s.add_argument("--pictures", type=int, default=12)
    s.add_argument("--threads", type=int, default=None, help="clip_probe's threads (default: its own default)")
    a = ap.parse_args(argv)
    return main_cosine(a) if a.cmd == "cosine" else main_speed(a)


if __name__ == "__main__":
    sys.exit(main())
