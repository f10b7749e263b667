"""The generation combiner reading both CLIP probe variants (issue 18, session 6, candidate 3b).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/studies/generation_two_probe_combiner.py \
        --data /work/gen-data-i18v --views-models /work/gen-data-i18v/s6-cv

Probe A = the one-view probe (the shipped recipe: parts and C of the shipped ``clip_probe.json``); probe B =
the test-time-view probe of ``--views-models`` (``fit_generation.py --views --out DIR``). Both are refitted on
the training split with leave-family-out out-of-fold scores (as ``fit_generation.py`` does); the combiner is
the same logistic regression as ``fit_generation.fit_combiner`` (balanced, C = 1) on logit(gen_trace) and the
probes' logits — A alone, B alone, A and B — with thresholds by the same per-source 3 % rule and
``authentic_below`` by the same 20 % rule, over the real training pictures the gate passes. Validation:
unseen-family AUC, called generated and false alarms per real source, gate-consistent (a gated picture gets no
verdict); pictures without a gen_trace score are left out here (none in the validation split's processed views).
Declared before measuring (docs/notes/issue-18.md, session 6, 3b).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))

from fit_generation import (  # noqa: E402
    INCONCLUSIVE_REAL,
    PROBE_JSON,
    Table,
    auc,
    fit_probe,
    logit,
    per_source_threshold,
    view_logit,
    views_of,
)

from forgelens.training import probes as tg  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression

    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data-i18v"))
    ap.add_argument("--views-models", type=Path, required=True)
    a = ap.parse_args(argv)
    t = Table(a.data)
    tr = t.training_rows()
    va = t.split == "val"
    metas = {"A": tg.LinearProbe.load(PROBE_JSON).meta, "B": tg.LinearProbe.load(a.views_models / PROBE_JSON.name).meta}
    z_tr, z_va = {}, {}
    for k, meta in metas.items():
        parts, (views, centre_only) = tuple(meta["parts"]), views_of(meta)
        probe, p_oof = fit_probe(t, tr, parts, float(meta["C"]), views=views, centre_only=centre_only)
        z_tr[k] = logit(p_oof)
        z_va[k] = logit(probe.prob(view_logit(probe, t.xv(parts, views[:1] if centre_only else views), va)))
        print(f"probe {k}: parts {'+'.join(parts)}, views {'+'.join(views)}, C {meta['C']}")
    ok_tr, ok_va = np.isfinite(t.gen_trace[tr]), np.isfinite(t.gen_trace[va])
    g_tr, g_va = logit(t.gen_trace[tr]), logit(t.gen_trace[va])
    y_tr, src_tr, passed_tr = t.y[tr], t.family[tr], ~t.gated[tr]
    y_va, fam_va, passed_va = t.y[va], t.family[va], ~t.gated[va]
    print("\n| combiner inputs | coefficients | generated_at / authentic_below | unseen AUC | called generated | "
          "inconclusive | validation false alarms (where any) |")
    print("|---|---|---|---|---|---|---|")
    for name, keys in (("gen_trace + A (shipped recipe)", ("A",)), ("gen_trace + B (views)", ("B",)),
                       ("gen_trace + A + B", ("A", "B"))):
        x_tr = np.stack([g_tr] + [z_tr[k] for k in keys], 1)[ok_tr]
        x_va = np.stack([g_va] + [z_va[k] for k in keys], 1)[ok_va]
        lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(x_tr, y_tr[ok_tr])
        p_tr, p_va = lr.predict_proba(x_tr)[:, 1], lr.predict_proba(x_va)[:, 1]
        r = (y_tr[ok_tr] == 0) & passed_tr[ok_tr]
        s = src_tr[ok_tr]
        hi = per_source_threshold(p_tr[r], s[r])
        lo = min(hi, max(np.quantile(p_tr[r & (s == q)], 1 - INCONCLUSIVE_REAL) for q in np.unique(s[r])))
        yv, fv, pv = y_va[ok_va], fam_va[ok_va], passed_va[ok_va]
        gen = yv == 1
        called = gen & pv & (p_va >= hi)
        inc = gen & pv & (p_va >= lo) & (p_va < hi)
        fa = [f"{q} {int(((yv == 0) & (fv == q) & pv & (p_va >= hi)).sum())}/{int(((yv == 0) & (fv == q)).sum())}"
              for q in sorted(set(fv[yv == 0])) if ((yv == 0) & (fv == q) & pv & (p_va >= hi)).any()]
        coef = ", ".join(f"{c:.3f}" for c in lr.coef_[0])
        print(f"| {name} | {coef}; {lr.intercept_[0]:.3f} | {hi:.3f} / {lo:.3f} | {auc(yv[pv], p_va[pv]):.4f} | "
              f"{called.sum()}/{gen.sum()} ({called.sum() / gen.sum():.0%}) | {inc.sum() / gen.sum():.0%} | "
              f"{', '.join(fa) or 'none'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
