"""Study (not the shipped recipe): gen_trace crops with multi-generator positives added (issue 18).

Adds to a ``gen_pairs.make_pairs`` crop cache random 128 px crops of the processed views of the
multi-generator set's *training split* (``forgelens.training.generation_data``): generated pictures of
the training families as positives, real pictures from outside ``../shared`` (stock, portraits, web) as
negatives — both classes went through the same processing chains, so that processing cannot carry the
decision. The validation families never enter. Then train on the new cache with the usual command:

    python -m forgelens.training.gen_trace_multigen --cache pairs_s0.npz --gen-data /work/gen-data --out pairs_mg.npz
    forgelens train generated --kinds trace --steps 6000 --seed 0 --cache pairs_mg.npz --out OUTDIR

Caveat: ``fit_generation.py`` fits the combiner on the training split, where a gen_trace trained this way
is scored in-sample; only gen_trace's own numbers on the validation split are fair.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from forgelens.training import gen_data, gen_pairs


def multigen_crops(gen_data_dir: Path, seed: int = 0, per_generated: int = 2, per_real: int = 3,
                   keep=None) -> tuple[np.ndarray, np.ndarray]:
    """(real crops, generated crops) from the training split's processed views; textured crops only.
    ``keep(record)``: only records it accepts (``gen_trace_oof``'s halves); None = all."""
    from forgelens.training.generation_data import training_views

    rng = np.random.default_rng(seed)
    real, gen = [], []
    for rec, view in training_views(gen_data_dir):
        if keep is not None and not keep(rec):
            continue
        rgb = gen_data.read_rgb(view)
        n, out = (per_generated, gen) if rec.label == "generated" else (per_real, real)
        for _ in range(n):
            c = gen_pairs._random_crop(rgb, rng, gen_pairs.PAIR)
            if c is not None:
                out.append(c)
    z = np.zeros((0, gen_pairs.PAIR, gen_pairs.PAIR, 3), np.uint8)
    return (np.stack(real) if real else z), (np.stack(gen) if gen else z)


def main(argv: list[str] | None = None, keep=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, required=True, help="crop cache of forgelens train generated (.npz)")
    ap.add_argument("--gen-data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    with np.load(a.cache) as f:
        data = {k: f[k] for k in f.files}
    real, gen = multigen_crops(a.gen_data, a.seed, keep=keep)
    data["native"] = np.concatenate([data["native"], real])
    data["gen"] = np.concatenate([data["gen"], gen])
    np.savez(a.out, **data)
    print(f"{a.out}: +{len(real)} real crops, +{len(gen)} generated crops "
          f"({len(data['native'])} native real, {len(data['gen'])} generated in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
