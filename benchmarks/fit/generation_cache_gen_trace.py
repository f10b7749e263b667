"""Re-score every cached view with the gen_trace shipped now (issue 18; after a gen_trace retrain).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/fit/generation_cache_gen_trace.py --data /work/gen-data-i18v

``generation_cache.py`` stored each view's gen_trace score with the model of its time, and skips views it
has cached. This pass runs the *current* ``gen_trace`` (``registry.run``, its shipped weights) on every view
that has cached CLIP features and writes ``DATA/features-gen_trace.npz``
(``generation_data.GEN_TRACE_CACHE``), which ``load_features`` reads last, so the combiner fit
(``fit_generation.py``) and the benchmark (``accuracy_generation.py``) use the new scores. The sha256 of the
gen_trace weights is written beside them (``features-gen_trace.sha256``). Not resumable: ~0.05–0.1 s a view.

Out-of-fold scores (``--oof X0.onnx X1.onnx ...``, ``training/gen_trace_oof.py``): each training view is
scored by the fold model that did not see its fold, every other view by ``--weights`` (the full model), so the
combiner is fitted on gen_trace scores of pictures gen_trace did not train on. ``--part train|other`` scores
one of the two groups only (two passes can run at different times; ``--merge`` joins their files). ``--split val``
scores only the views of validation-split records (the others keep their older cached score).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")

from forgelens.detectors import registry  # noqa: E402
from forgelens.detectors.gen_trace import GenTraceConfig  # noqa: E402
from forgelens.evidence import load  # noqa: E402
from forgelens.learned.onnx_models import SHIPPED  # noqa: E402
from forgelens.training.generation_data import (  # noqa: E402
    GEN_TRACE_CACHE,
    load_features,
    load_manifest,
    save_features,
)


def weights_sha(path: Path | None = None) -> str:
    f = Path(path) if path else SHIPPED["gen_trace"]
    return hashlib.sha256(f.read_bytes()).hexdigest() if f.is_file() else "absent"


def view_scorers(data: Path, k: int) -> dict[str, str]:
    """View file → "full" or "x{j}": the model that scores it out of fold (``gen_trace_oof.Folds``)."""
    from forgelens.training.gen_trace_oof import Folds

    records = load_manifest(data)
    folds = Folds(records, k)
    return {v["file"]: folds.scorer(r) for r in records for v in r.views}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data-i18v"))
    ap.add_argument("--weights", type=Path, default=None, help="gen_trace ONNX file (default: the shipped one)")
    ap.add_argument("--oof", type=Path, nargs="+", metavar="X", default=None,
                    help="ONNX files of the fold models x0 .. x(k-1) (x_j trained without fold j, k = their "
                         "number): training views are scored out of fold")
    ap.add_argument("--part", choices=("all", "train", "other"), default="all",
                    help="with --oof: score only training views (train) or only the others")
    ap.add_argument("--split", default=None, help="score only the views of records of this split (e.g. val); the "
                    "others keep the score of the older cache, which load_features reads first")
    ap.add_argument("--out", type=Path, default=None, help=f"default DATA/{GEN_TRACE_CACHE}")
    ap.add_argument("--merge", type=Path, nargs="+", default=None,
                    help="only join these score files (later ones win) into --out")
    a = ap.parse_args(argv)
    out = a.out or a.data / GEN_TRACE_CACHE
    if a.merge:
        cache: dict[str, np.ndarray] = {}
        for f in a.merge:
            with np.load(f) as z:
                cache.update({k: z[k] for k in z.files})
        _write(out, cache, "\n".join(Path(str(f)).with_suffix(".sha256").read_text().strip()
                                     for f in a.merge if Path(str(f)).with_suffix(".sha256").is_file()) + "\n")
        print(f"wrote {out}: {len(cache)} scores from {len(a.merge)} files")
        return 0
    weights = {"full": a.weights}
    if a.oof:
        weights.update({f"x{j}": w for j, w in enumerate(a.oof)})
    scorer = view_scorers(a.data, len(a.oof)) if a.oof else {}
    views = sorted({k.split("|")[0] for k in load_features(a.data) if k.endswith("|g_cls")})
    if a.split:
        in_split = {v["file"] for r in load_manifest(a.data) if r.split == a.split for v in r.views}
        views = [f for f in views if f in in_split]
    if a.oof and a.part != "all":
        views = [f for f in views if (scorer.get(f, "full") != "full") == (a.part == "train")]
    configs = {k: GenTraceConfig(weights=str(w) if w else "") for k, w in weights.items()}
    cache = {}
    t0 = time.time()
    for i, f in enumerate(views):
        tr = registry.run("gen_trace", load(a.data / "views" / f), configs[scorer.get(f, "full")])
        cache[f"{f}|gen_trace"] = np.array([np.nan if tr.score is None else tr.score], np.float32)
        if (i + 1) % 200 == 0:
            print(f"{i + 1}/{len(views)} {(time.time() - t0) / (i + 1):.3f} s/view", flush=True)
    shas = "".join(f"{weights_sha(w)}  {k}: {w or 'shipped gen_trace.onnx'}\n" for k, w in weights.items())
    _write(out, cache, shas)
    print(f"wrote {out}: {len(views)} views; gen_trace weights sha256 " + "; ".join(shas.strip().splitlines()))
    return 0


def _write(out: Path, cache: dict[str, np.ndarray], shas: str) -> None:
    """Scores and the weights' sha256 beside them. Both files are replaced, never rewritten in place: a
    ``cp -al`` copy of a data directory shares them with the directory it was copied from."""
    save_features(out, cache)
    sha_file = out.with_suffix(".sha256")
    tmp = sha_file.with_suffix(".sha256.tmp")
    tmp.write_text(shas)
    os.replace(tmp, sha_file)


if __name__ == "__main__":
    sys.exit(main())
