"""Which real training source sets a fitted combiner's ``generated_at`` (issue 18, session 8). Prints markdown.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/studies/generation_binding_source.py --data /work/gen-data-i18n \
        --models /work/gen-data-i18n/shipped-B --models /work/gen-data-i18n/s8-candN --group-real-by-repo stock-web

``fit_generation.py`` sets ``generated_at`` as the smallest P at which every real source's out-of-fold rate is
≤ 3 % (``calibration.per_source_threshold``). This recomputes those out-of-fold scores from the caches exactly as
the fit does (the probe refitted leave-family-out with each model's own feature parts and C, the same CV groups,
the model's combiner coefficients; the threshold is checked against the file's) and prints per real source: its
training pictures (gate passes), how many 3 % of them allows, its own 3 % point and its highest pictures. A source
of fewer than 34 pictures allows none, so its single highest picture is its point.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
from scipy.special import expit

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))

from fit_generation import (  # noqa: E402
    FPR,
    RESERVED_PREFIX,
    Table,
    fit_probe,
    logit,
    per_source_threshold,
    pooled_sources,
    views_of,
)

from forgelens.fusion.generation import GenerationCombiner  # noqa: E402
from forgelens.training import probes as tg  # noqa: E402


def source_points(p: np.ndarray, source: np.ndarray, names: np.ndarray,
                  fpr: float = FPR) -> list[tuple[str, int, int, float, list[float], str]]:
    """Per source: (name, n, pictures allowed above, own point, three highest P, its highest picture), highest
    point first."""
    out = []
    for s in np.unique(source):
        order = np.argsort(-p[source == s])
        q = p[source == s][order]
        allowed = int(np.floor(fpr * len(q)))
        out.append((str(s), len(q), allowed, float(q[allowed]) if allowed < len(q) else 0.0, [float(v) for v in q[:3]],
                    str(names[source == s][order[0]])))
    return sorted(out, key=lambda r: -r[3])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data-i18n"))
    ap.add_argument("--models", type=Path, action="append", required=True, help="fit_generation.py --out folders")
    ap.add_argument("--group-real-by-repo", action="append", default=None, metavar="SOURCE")
    a = ap.parse_args(argv)
    t = Table(a.data)
    t.group_by_repo = frozenset(a.group_real_by_repo or ())
    tr = t.training_rows(RESERVED_PREFIX)
    for m in a.models:
        meta = tg.LinearProbe.load(m / "clip_probe.json").meta
        views, centre_only = views_of(meta)
        _, p_oof = fit_probe(t, tr, tuple(meta["parts"]), float(meta["C"]), None, (), views, centre_only)
        comb = GenerationCombiner.load(m / "generation.json").models[0]
        ok = np.isfinite(t.gen_trace[tr])
        p = expit(comb.intercept + comb.coef[0] * logit(t.gen_trace[tr][ok]) + comb.coef[1] * logit(p_oof[ok]))
        real = (t.y[tr][ok] == 0) & ~t.gated[tr][ok]
        src = t.family[tr][ok]
        pool = int(meta.get("threshold_pooled_below", 0))  # session 9: small sources pooled for the 3 % rule
        thr = per_source_threshold(p[real], src[real], pool_below=pool)
        if pool:
            src = src.astype(object)
            src[real] = pooled_sources(src[real], pool)
        print(f"### {m}\n\ngenerated_at recomputed {thr:.4f} (file {comb.generated_at:.4f}); real training pictures "
              f"the gate passes: {int(real.sum())}" + (f"; sources of < {pool} pooled" if pool else "") + "\n")
        names = np.array([f"{r} {q}" for r, q in zip(t.repo[tr][ok], t.path[tr][ok], strict=True)], dtype=object)
        print("| real source | n | 3 % allows | own 3 % point | highest P | its highest picture |")
        print("|---|---|---|---|---|---|")
        for s, n, allowed, point, top, first in source_points(p[real], src[real], names[real]):
            mark = " (binds)" if abs(point - thr) < 1e-9 else ""
            print(f"| {s} | {n} | {allowed} | {point:.3f}{mark} | {', '.join(f'{v:.3f}' for v in top)} | {first} |")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
