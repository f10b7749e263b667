"""Re-score every cached view with the gen_trace shipped now (issue 18; after a gen_trace retrain).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/fit/generation_cache_gen_trace.py --data /work/gen-data-i18v

``generation_cache.py`` stored each view's gen_trace score with the model of its time, and skips views it
has cached. This pass runs the *current* ``gen_trace`` (``registry.run``, its shipped weights) on every view
that has cached CLIP features and writes ``DATA/features-gen_trace.npz``
(``generation_data.GEN_TRACE_CACHE``), which ``load_features`` reads last, so the combiner fit
(``fit_generation.py``) and the benchmark (``accuracy_generation.py``) use the new scores. The sha256 of the
gen_trace weights is written beside them (``features-gen_trace.sha256``). Not resumable: ~0.05–0.1 s a view.
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
from forgelens.evidence import load  # noqa: E402
from forgelens.learned.onnx_models import SHIPPED  # noqa: E402
from forgelens.training.generation_data import GEN_TRACE_CACHE, load_features, save_features  # noqa: E402


def weights_sha() -> str:
    f = SHIPPED["gen_trace"]
    return hashlib.sha256(f.read_bytes()).hexdigest() if f.is_file() else "absent"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data-i18v"))
    a = ap.parse_args(argv)
    views = sorted({k.split("|")[0] for k in load_features(a.data) if k.endswith("|g_cls")})
    cache: dict[str, np.ndarray] = {}
    t0 = time.time()
    for i, f in enumerate(views):
        tr = registry.run("gen_trace", load(a.data / "views" / f))
        cache[f"{f}|gen_trace"] = np.array([np.nan if tr.score is None else tr.score], np.float32)
        if (i + 1) % 200 == 0:
            print(f"{i + 1}/{len(views)} {(time.time() - t0) / (i + 1):.3f} s/view", flush=True)
    save_features(a.data / GEN_TRACE_CACHE, cache)
    (a.data / GEN_TRACE_CACHE).with_suffix(".sha256").write_text(weights_sha() + "  gen_trace.onnx\n")
    print(f"wrote {a.data / GEN_TRACE_CACHE}: {len(views)} views, gen_trace weights sha256 {weights_sha()[:12]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
