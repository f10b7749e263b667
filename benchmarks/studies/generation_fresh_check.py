"""The lead's declared check of a refitted generation model on a fresh real-photo set (issue 18, session 7, i18f).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/studies/generation_fresh_check.py --data /work/gen-data-i18f \
        --models shipped --models /work/gen-data-i18s/s7-candB

Reads the caches only; nothing is fitted. The fresh set is the ``fresh-web`` family added by
``forgelens.training.gen_sources_fresh`` (all validation, repositories never used by the project). Gate on, as
``accuracy_generation.py``: a picture the designed-graphic gate takes gets no generation verdict (never a false
alarm; left out of the AUC). Per model: false alarms (called generated at the model's ``generated_at``) on the fresh
photos with a 95 % Wilson interval, per repository, and the AUC of P(generated) of the unseen-family validation
pictures against the fresh photos. The rule (declared by the lead at 11:20 UTC, before any measurement): the
candidate (second ``--models``) ships only if its false alarms are ≤ 3 % of the fresh photos and ≤ the first model's
count, and its AUC ≥ the first model's − 0.005, on ≥ 150 photos from ≥ 10 repositories.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accuracy"))

from accuracy_generation import Scorers  # noqa: E402
from fit_generation import Table, auc  # noqa: E402

FAMILY = "fresh-web"
MAX_SHARE, AUC_SLACK, MIN_PHOTOS, MIN_REPOS = 0.03, 0.005, 150, 10


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion k/n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def rule(n: int, repos: int, fa: tuple[int, int], aucs: tuple[float, float]) -> list[tuple[str, bool]]:
    """The declared conditions, (text, passed) each; ``fa``/``aucs`` = (reference, candidate)."""
    return [(f"size: {n} ≥ {MIN_PHOTOS} photos from {repos} ≥ {MIN_REPOS} repositories", n >= MIN_PHOTOS and repos >= MIN_REPOS),
            (f"1. candidate false alarms {fa[1]}/{n} ≤ 3 % ({MAX_SHARE * n:.1f}) and ≤ reference {fa[0]}",
             fa[1] <= MAX_SHARE * n and fa[1] <= fa[0]),
            (f"2. candidate AUC {aucs[1]:.4f} ≥ reference {aucs[0]:.4f} − {AUC_SLACK}", aucs[1] >= aucs[0] - AUC_SLACK)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data-i18f"))
    ap.add_argument("--models", action="append", default=None,
                    help="'shipped' or a fit_generation.py --out folder; the first is the reference, the second the candidate")
    a = ap.parse_args(argv)
    models = a.models or ["shipped"]
    t = Table(a.data)
    val, ok = t.split == "val", ~t.gated
    gen = val & (t.y == 1)
    fresh = val & (t.y == 0) & (t.family == FAMILY)
    repo = np.array([r.repo for r, _ in t.rows], dtype=object)
    repos = sorted(set(repo[fresh]), key=lambda r: (-int((fresh & (repo == r)).sum()), r))
    n = int(fresh.sum())
    print(f"fresh photos: {n} from {len(repos)} repositories ({int((fresh & t.gated).sum())} gated); "
          f"unseen-family generated: {int(gen.sum())} ({int((gen & t.gated).sum())} gated)\n")
    print("| model | false alarms on fresh photos (95 % Wilson) | AUC unseen families vs fresh photos | "
          "unseen-family pictures called generated | generated_at |")
    print("|---|---|---|---|---|")
    called, aucs, fas = {}, [], []
    p, thr = Scorers(t, None).scores(t)["trivial"]  # size / format / brightness / saturation / sharpness
    sel = (gen | fresh) & ok
    k = int((fresh & ok & (p >= thr)).sum())
    print(f"| trivial baseline (logistic on image statistics) | {k}/{n} = {k / n:.1%} [{wilson(k, n)[0]:.1%}, "
          f"{wilson(k, n)[1]:.1%}] | {auc(t.y[sel], p[sel]):.4f} | {int((gen & ok & (p >= thr)).sum())}/{int(gen.sum())} | {thr:.3f} |")
    for m in models:
        p, thr = Scorers(t, None if m == "shipped" else Path(m)).scores(t)["combined"]
        c = fresh & ok & (p >= thr)
        sel = (gen | fresh) & ok
        au = auc(t.y[sel], p[sel])
        lo, hi = wilson(int(c.sum()), n)
        print(f"| {m} | {int(c.sum())}/{n} = {c.sum() / n:.1%} [{lo:.1%}, {hi:.1%}] | {au:.4f} | {int((gen & ok & (p >= thr)).sum())}/{int(gen.sum())} | {thr:.3f} |")
        called[m] = (c, p)
        aucs.append(au)
        fas.append(int(c.sum()))
    print("\n| repository | n | gated | " + " | ".join(f"{m} called generated" for m in models) + " |")
    print("|---|---|---|" + "---|" * len(models))
    for r in repos:
        g = fresh & (repo == r)
        print(f"| {r} | {int(g.sum())} | {int((g & t.gated).sum())} | " + " | ".join(
            "{}/{} [{:.0%}, {:.0%}]".format(int((called[m][0] & g).sum()), int(g.sum()), *wilson(int((called[m][0] & g).sum()), int(g.sum())))
            for m in models) + " |")
    for m in models:
        c, p = called[m]
        print(f"\nfalse alarms, {m}: " + ("; ".join(f"{repo[i]} {t.path[i]} ({p[i]:.3f})" for i in sorted(np.where(c)[0], key=lambda i: -p[i]))
                                          or "none"))
    if len(models) >= 2:
        res = rule(n, len(repos), (fas[0], fas[1]), (aucs[0], aucs[1]))
        print("\nDeclared rule, candidate " + models[1] + " against " + models[0] + ":")
        for text, passed in res:
            print(f"- {text}: {'pass' if passed else 'FAIL'}")
        print("=> " + ("the candidate SHIPS" if all(p for _, p in res) else "nothing ships"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
