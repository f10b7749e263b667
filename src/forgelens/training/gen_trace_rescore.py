"""Re-score the cached ``gen_trace`` feature of the issue-18 generation set with other weights.

After a retraining of ``gen_trace`` the combiner (``benchmarks/fit/fit_generation.py``) and the
benchmark (``benchmarks/accuracy/accuracy_generation.py``) must read the new detector's scores.
They read them from the per-view feature caches (``DATA/features*.npz``, key ``VIEW|gen_trace``,
written by ``benchmarks/fit/generation_cache.py``). This tool makes a copy of a data folder
whose caches carry the new scores, without touching the original:

    python -m forgelens.training.gen_trace_rescore --src /work/gen-data --dst /work/gen-data-new \\
        --weights gen-model/gen_trace.onnx

``--dst`` holds hard links to the picture folders (no disk cost; nothing writes into them) and
copies of the top-level files (caches, manifest: a tool writing one of them in the copy cannot
write through a link into the original); every ``features*.npz`` with a ``gen_trace`` entry is
rewritten there with the score of the given weights, as ``registry.run("gen_trace", ...)``
computes it, and ``gen_trace_rescored.txt`` says which weights.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

KEY = "|gen_trace"


def link_copy(src: Path, dst: Path) -> None:
    """``dst``: folders of ``src`` hard-linked (``cp -al``), files copied; refused when ``dst`` is ``src``."""
    if dst.resolve() == src.resolve():
        raise ValueError(f"{dst}: the copy must not be the original data folder")
    dst.mkdir(parents=True, exist_ok=True)
    for p in src.iterdir():
        if not (dst / p.name).exists():
            if p.is_dir():
                subprocess.run(["cp", "-al", str(p), str(dst / p.name)], check=True)
            else:
                shutil.copy2(p, dst / p.name)


def rescore(data: Path, weights: Path, log=print) -> dict[str, float]:
    """Replace every cached ``gen_trace`` score under ``data`` with the score of ``weights``."""
    from forgelens.detectors import registry
    from forgelens.evidence import load
    from forgelens.training.generation_data import save_features

    cfg = registry.get("gen_trace").config_cls(weights=str(weights))
    scores: dict[str, float] = {}
    t0 = time.perf_counter()
    for path in sorted(data.glob("features*.npz")):
        if ".tmp" in path.name:
            continue
        with np.load(path) as z:
            cache = {k: z[k] for k in z.files}
        keys = [k for k in cache if k.endswith(KEY)]
        if not keys:
            continue
        for k in keys:
            view = k[: -len(KEY)]
            if view not in scores:
                tr = registry.run("gen_trace", load(data / "views" / view), config=cfg)
                scores[view] = np.nan if tr.score is None else float(tr.score)
            cache[k] = np.array([scores[view]], np.float32)
        save_features(path, cache)
        log(f"{path.name}: {len(keys)} gen_trace scores ({time.perf_counter() - t0:.0f} s)")
    return scores


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", type=Path, required=True, help="data folder (manifest.jsonl, views/, features*.npz)")
    ap.add_argument("--dst", type=Path, required=True, help="the copy to write (hard links + new caches)")
    ap.add_argument("--weights", type=Path, required=True, help="gen_trace .onnx (from forgelens train export)")
    a = ap.parse_args(argv)
    if not a.weights.is_file():
        print(f"forgelens: {a.weights}: no such file", file=sys.stderr)
        return 1
    link_copy(a.src, a.dst)
    scores = rescore(a.dst, a.weights)
    (a.dst / "gen_trace_rescored.txt").write_text(
        f"gen_trace scores of {len(scores)} views from {a.weights.resolve()}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
