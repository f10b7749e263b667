"""Issue 18, session 12: the confirmation of N3 (uncapped GPT-4o training) against the shipped N3x on FRESH pictures.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/studies/generation_confirm_s12.py --data /work/gen-data-s12conf \
        --model B=/work/gen-data-s12b/shipped-B --model N3x=/work/gen-data-s12b/s12-candN3x \
        --model N3=/work/gen-data-s12b/s12-candN3

Reads the caches only; nothing is fitted. The fresh pictures are the validation records of
``forgelens.training.gen_sources_conf`` (generated: the repositories of ``CONF_GENERATED``; real: source key
``fresh-conf``), scored on their ``proc`` views exactly as ``generation_fresh_check.py`` scores fresh-web
(``accuracy_generation.Scorers``, the combined P(generated) at each model's ``generated_at``; gate on: a picture the
designed-graphic gate takes gets no generation verdict — never called, left out of the AUC). The trivial baseline is
that script's (a logistic on image statistics fitted on the set's training split, per-source 3 % threshold).

The rule (declared by the lead at 23:04 UTC, before any measurement; ``RULE``): N3's three files replace N3x's only
if ALL hold on the fresh confirmation set: (1) it has ≥ 40 generated and ≥ 100 real pictures after dedupe and guard
(otherwise no decision: nothing changes); (2) N3 calls more fresh generated pictures than N3x, by at least 5
pictures; (3) N3's false alarms on the fresh real photos are ≤ 3 % and ≤ N3x's count + 1; (4) per source repository
of ≥ 20 fresh real photos, N3 ≤ 3 %.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy_generation import Scorers  # noqa: E402
from fit_generation import Table, auc  # noqa: E402
from generation_fresh_check import wilson  # noqa: E402

from forgelens.training.gen_sources_conf import CONF_GENERATED, FAMILY_REAL  # noqa: E402

MIN_GEN, MIN_REAL, MIN_MORE, MAX_SHARE, FA_SLACK, MIN_REPO = 40, 100, 5, 0.03, 1, 20


def rule(n_gen: int, n_real: int, called: dict[str, int], fa: dict[str, int],
         fa_by_repo: dict[str, tuple[int, int]]) -> tuple[list[tuple[str, bool]], bool]:
    """The declared clauses as (text, passed) and whether N3 replaces N3x. ``called`` / ``fa``: fresh generated
    pictures called and fresh real photos called generated, per model ("N3", "N3x"); ``fa_by_repo``: N3's
    (false alarms, photos) per real repository. Clause 1 failing means no decision (nothing changes)."""
    size = n_gen >= MIN_GEN and n_real >= MIN_REAL
    out = [(f"1. size: {n_gen} generated ≥ {MIN_GEN} and {n_real} real ≥ {MIN_REAL} (else no decision)", size)]
    if not size:
        return out, False
    out.append((f"2. N3 calls {called['N3']} ≥ N3x {called['N3x']} + {MIN_MORE}", called["N3"] >= called["N3x"] + MIN_MORE))
    out.append((f"3. N3 false alarms {fa['N3']}/{n_real} ≤ 3 % ({MAX_SHARE * n_real:.2f}) and ≤ N3x {fa['N3x']} + {FA_SLACK}",
                fa["N3"] <= MAX_SHARE * n_real and fa["N3"] <= fa["N3x"] + FA_SLACK))
    big = {r: kn for r, kn in fa_by_repo.items() if kn[1] >= MIN_REPO}
    worst = max(big.items(), key=lambda rk: rk[1][0] / rk[1][1], default=None)
    ok4 = all(k <= MAX_SHARE * n for k, n in big.values())
    text = ", ".join(f"{r} {k}/{n}" for r, (k, n) in sorted(big.items()))
    out.append((f"4. every real repository of ≥ {MIN_REPO} photos ≤ 3 % ({text or 'none'}"
                + (f"; highest {worst[0]} {worst[1][0] / worst[1][1]:.1%}" if worst else "") + ")", ok4))
    return out, all(p for _, p in out)


def auc_ci(y: np.ndarray, p: np.ndarray, n_boot: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95 % percentile bootstrap interval of the AUC (resampling pictures within each class)."""
    rng = np.random.default_rng(seed)
    pos, neg = np.where(y == 1)[0], np.where(y == 0)[0]
    vals = []
    for _ in range(n_boot):
        idx = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
        vals.append(auc(y[idx], p[idx]))
    return float(np.nanpercentile(vals, 2.5)), float(np.nanpercentile(vals, 97.5))


def fresh_masks(t: Table, generated: tuple, real_key: str) -> tuple[np.ndarray, np.ndarray]:
    """Validation generated pictures of ``generated``'s repositories and validation real photos of ``real_key``."""
    val = t.split == "val"
    gen = val & (t.y == 1) & np.isin(t.repo, [s.repo for s in generated])
    real = val & (t.y == 0) & (t.family == real_key)
    return gen, real


def report(t: Table, scored: dict[str, tuple[np.ndarray, float]], gen: np.ndarray, real: np.ndarray,
           title: str = "") -> tuple[dict[str, int], dict[str, int], dict[str, dict]]:
    """Print one set's tables (under a ``## title`` heading when given); return called / false alarms /
    per-repository false alarms per model. Shared by the session-12 and session-13 confirmation studies."""
    ok = ~t.gated
    n_gen, n_real = int(gen.sum()), int(real.sum())
    fams = sorted(set(t.family[gen]))
    repos = sorted(set(t.repo[real]), key=lambda r: (-int((real & (t.repo == r)).sum()), r))
    print((f"\n## {title}\n\n" if title else "") + f"fresh generated: {n_gen} ({int((gen & t.gated).sum())} gated) — "
          + ", ".join(f"{f} {int((gen & (t.family == f)).sum())}" for f in fams)
          + f"; fresh real: {n_real} from {len(repos)} repositories ({int((real & t.gated).sum())} gated)\n")
    sel = (gen | real) & ok
    called, fa, fa_repo = {}, {}, {}
    print("| model | threshold | fresh generated called (95 % Wilson) | " + " | ".join(fams)
          + " | fresh real called generated (95 % Wilson) | AUC fresh generated vs fresh real [95 % bootstrap] |")
    print("|---|---|---|" + "---|" * len(fams) + "---|---|")
    for name, (p, thr) in scored.items():
        hit = ok & (p >= thr)
        c, k = int((gen & hit).sum()), int((real & hit).sum())
        called[name], fa[name] = c, k
        fa_repo[name] = {r: (int((real & hit & (t.repo == r)).sum()), int((real & (t.repo == r)).sum())) for r in repos}
        lo, hi = auc_ci(t.y[sel], p[sel])
        wg, wr = wilson(c, n_gen), wilson(k, n_real)
        print(f"| {name} | {thr:.3f} | {c}/{n_gen} = {c / max(n_gen, 1):.0%} [{wg[0]:.0%}, {wg[1]:.0%}] | "
              + " | ".join(f"{int((gen & hit & (t.family == f)).sum())}/{int((gen & (t.family == f)).sum())}"
                           for f in fams)
              + f" | {k}/{n_real} = {k / max(n_real, 1):.1%} [{wr[0]:.1%}, {wr[1]:.1%}] | "
              f"{auc(t.y[sel], p[sel]):.4f} [{lo:.3f}, {hi:.3f}] |")
    print("\n| repository (fresh real) | n | gated | " + " | ".join(scored) + " |")
    print("|---|---|---|" + "---|" * len(scored))
    for r in repos:
        g = real & (t.repo == r)
        print(f"| {r} | {int(g.sum())} | {int((g & t.gated).sum())} | "
              + " | ".join(f"{fa_repo[m][r][0]}" for m in scored) + " |")
    print("\n| repository (fresh generated) | n | gated | " + " | ".join(scored) + " |")
    print("|---|---|---|" + "---|" * len(scored))
    for r in sorted(set(t.repo[gen])):
        g = gen & (t.repo == r)
        print(f"| {r} | {int(g.sum())} | {int((g & t.gated).sum())} | "
              + " | ".join(f"{int((g & ok & (p >= thr)).sum())}" for p, thr in scored.values()) + " |")
    return called, fa, fa_repo

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data-s12conf"))
    ap.add_argument("--model", action="append", default=None,
                    help="NAME=fit_generation.py --out folder (repeatable); the rule needs N3x and N3")
    a = ap.parse_args(argv)
    models = dict(m.split("=", 1) for m in (a.model or []))
    t = Table(a.data)
    ok = ~t.gated
    gen, real = fresh_masks(t, CONF_GENERATED, FAMILY_REAL)
    n_gen, n_real = int(gen.sum()), int(real.sum())
    scored: dict[str, tuple[np.ndarray, float]] = {"trivial baseline": Scorers(t, None).scores(t)["trivial"]}
    for name, path in models.items():
        scored[name] = Scorers(t, Path(path)).scores(t)["combined"]
    called, fa, fa_repo = report(t, scored, gen, real)
    for name, (p, thr) in scored.items():
        if name == "trivial baseline":
            continue
        hits = np.where(real & ok & (p >= thr))[0]
        print(f"\nfalse alarms, {name}: " + ("; ".join(f"{t.repo[i]} {t.path[i]} ({p[i]:.3f})" for i in hits) or "none"))
        miss = np.where(gen & ok & (p < thr))[0]
        print(f"generated not called, {name}: {len(miss)}")
    if {"N3", "N3x"} <= set(scored):
        res, ships = rule(n_gen, n_real, called, fa, fa_repo["N3"])
        print("\nDeclared rule (lead, 23:04 UTC), N3 against N3x:")
        for text, passed in res:
            print(f"- {text}: {'pass' if passed else 'FAIL'}")
        size_ok = res[0][1]
        print("=> " + ("N3's three files replace N3x's" if ships else
                       "nothing changes (N3 does not pass)" if size_ok else "no decision: nothing changes (clause 1)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
