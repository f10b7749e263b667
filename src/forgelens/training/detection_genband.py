"""Fit ``fusion/generation_band.json``: the likelihood ratio of "below the generation model's band".

Why: the verdict's three probabilities are P ∝ (1, LR_manipulated, LR_generated). For a camera
photo the generation combiner's P(generated) sits below its inconclusive band (``authentic_below``)
and its exact value there varies with the content (LR 0.2–1.8), not with whether the photo
was edited: on exact-mask forgeries from unseen hosts it ranks forgeries against authentic
photos at chance (AUC 0.49), yet it moves 1 − P(authentic) as much as the detection model does.
The decision table already reads that region as one statement, "not generated"; this file
gives that statement its own likelihood ratio, measured on the generation model's training
data — P(P_g < band | generated) / P(P_g < band | real photo) — so that below the band the
verdict uses the evidence the table uses, with its measured strength.

Data: the generation combiner's training split exactly as ``benchmarks/fit/fit_generation.py``
forms it (CLIP probe scores out of fold, leave-family-out; the exif-samples records left out;
real photos the designed-graphic gate passes), one rate pair per combiner model (with both
detectors, and each detector alone). Each entry records the model it was measured for
(detectors, ``generated_at``, ``authentic_below``): the verdict uses an entry only for that exact
model, so a refit of ``generation.json`` without a refit of this file falls back to the
model's own LR.

    python -m forgelens.training.detection_genband --data /work/gen-data     # ≈ 1 min
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "src" / "forgelens" / "fusion" / "generation_band.json"


def _fit_generation():
    """``benchmarks/fit/fit_generation.py`` (the generation fit's own data table and steps)."""
    sys.path.insert(0, str(ROOT / "benchmarks" / "fit"))
    return importlib.import_module("fit_generation")


def band_rates(data: Path) -> list[dict]:
    from scipy.special import expit

    from forgelens.training import probes

    fg = _fit_generation()
    t = fg.Table(data)
    tr = (t.split == "train") & ~np.array([p.startswith(fg.RESERVED_PREFIX) for p in t.path], bool)
    shipped = probes.LinearProbe.load(fg.PROBE_JSON).meta
    _, p_clip = fg.fit_probe(t, tr, tuple(shipped["parts"]), float(shipped["C"]), None, ())
    out = []
    for m in fg.fit_combiner(t, tr, p_clip):
        dets = tuple(m["detectors"])
        ok = np.isfinite(t.gen_trace[tr]) if "gen_trace" in dets else np.ones(int(tr.sum()), bool)
        xs = {"gen_trace": fg.logit(t.gen_trace[tr][ok]), "clip_probe": fg.logit(p_clip[ok])}
        p = expit(np.stack([xs[d] for d in dets], 1) @ np.array(m["coef"]) + m["intercept"])
        y, passed = t.y[tr][ok], ~t.gated[tr][ok]
        gen, real = y == 1, (y == 0) & passed
        below = p < m["authentic_below"]
        # add-one smoothing keeps the ratio finite and honest for small counts
        r_gen = (int((below & gen).sum()) + 1) / (int(gen.sum()) + 2)
        r_real = (int((below & real).sum()) + 1) / (int(real.sum()) + 2)
        out.append({"detectors": list(dets), "coef": m["coef"], "intercept": m["intercept"],
                    "generated_at": m["generated_at"], "authentic_below": m["authentic_below"],
                    "below_band": {"generated": [int((below & gen).sum()), int(gen.sum())],
                                   "real": [int((below & real).sum()), int(real.sum())]},
                    "lr_below_band": round(r_gen / r_real, 4)})
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data"), help="the issue-18 generation data set")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    models = band_rates(args.data)
    doc = {"format": "forgelens-generation-band", "version": 1,
           "description": "Likelihood ratio of 'the generation combiner's P(generated) is below its inconclusive "
                          "band' (P(below | generated) / P(below | real photo), add-one smoothed), per combiner "
                          "model; used by the verdict's three probabilities below the band",
           "models": models,
           "provenance": {"script": "python -m forgelens.training.detection_genband", "date": dt.date.today().isoformat(),
                          "data": "generation combiner training split (benchmarks/fit/fit_generation.py Table; CLIP "
                                  "probe out of fold, leave-family-out; exif-samples records left out; real photos "
                                  "the graphic gate passes)"}}
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(json.dumps(models, indent=1))


if __name__ == "__main__":
    main()
