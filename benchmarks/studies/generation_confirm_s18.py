"""Issue 18, session 18: GD (gen_trace retrained with DDA-style dual data alignment, ``training/gen_trace_dda.py``, and
N11's combiner fit on its scores) against the shipped N11 — clause A on the validation split and, ONLY if A and R pass,
clause C on the SEALED sets 10, 11 and 12, pooled (the lead's rule, declared 12:44 UTC before any number of GD existed).

GD differs from N11 in its gen_trace, so each model is read with the gen_trace scores of ITS OWN weights: the reference N11
from the data folder as it is (the shipped gen_trace's scores), GD from a ``cp -al`` copy of the same folder re-scored by
``generation_cache_gen_trace.py`` with GD's weights (``--trace-data NAME=COPY``: the copy must hold the very same rows;
only the ``gen_trace`` column is taken from it, every other part — CLIP features, gate — is the folder's own).

Clause A (``clause-a``: ``generation_rule_s15.py``'s measurement with ``generation_confirm_s16n12.clause_a_n12``, whose
items are the lead's clause A for GD word for word; the first ``--models`` is the shipped N11)::

    python benchmarks/studies/generation_confirm_s18.py clause-a --data /work/gen-data-s13n5 \\
        --trace-data /work/gen-data-s18dda/s18-candGD=/work/gen-data-s18dda-val \\
        --models /work/gen-data-s16n11/s16-candN11 --models /work/gen-data-s18dda/s18-candGD \\
        --rule-for /work/gen-data-s18dda/s18-candGD --clause4 N11=E,A,M --clause4 GD=E,A,M

Clause C (the default command; ONLY after A and R pass)::

    python benchmarks/studies/generation_confirm_s18.py --data /work/gen-data-s17conf12 \\
        --trace-data GD=/work/gen-data-s18dda-conf12 \\
        --model N11=/work/gen-data-s16n11/s16-candN11 --model GD=/work/gen-data-s18dda/s18-candGD

Before anything is scored it checks the three closed lists' sha256 against the values recorded at their close
(``generation_confirm_s16.check_sealed``); then it scores set 12's folder (it holds sets 1-12) exactly as set 9 was
(``score_fresh_sets``, ``proc`` view, gate on, each model's own ``generated_at``), masks each set by its closed list
(``generation_confirm_s16n11.set_masks``) and reports sets 10, 11, 12 and the pool.

Clause C (``clause_c``), from the lead's brief: GD's calls of the 101 generated ≥ N11's + 5 AND GD's false alarms on the
298 real photos ≤ N11's AND ≤ 3 % (≤ 8).
"""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accuracy"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generation_confirm_s14c3 as c14  # noqa: E402
import generation_rule_s15 as gr  # noqa: E402
from accuracy_generation import Scorers  # noqa: E402
from fit_generation import Table  # noqa: E402
from generation_confirm_s13 import report  # noqa: E402
from generation_confirm_s15c5 import pooled  # noqa: E402
from generation_confirm_s16 import calls_and_alarms, check_sealed  # noqa: E402
from generation_confirm_s16n11 import list_labels, set_masks  # noqa: E402
from generation_confirm_s16n12 import main_clause_a as main_clause_a_n12  # noqa: E402

#: the closed lists and where their sha256 was recorded at the close
SEALED = {10: Path("/work/caches/s16/s16conf10"), 11: Path("/work/caches/s16/s16conf11"),
          12: Path("/work/caches/s17/s17conf12")}
DATA = Path("/work/gen-data-s17conf12")
#: the pool as closed (the brief: 101 generated, 298 real)
EXPECTED = (101, 298)
#: C: the candidate calls at least this many more pooled generated pictures than the reference.
MORE = 5
#: C: the candidate's false-alarm rate on the pooled real photos is at most this (≤ 8 of 298).
MAX_FA_RATE = 0.03
REF, CAND = "N11", "GD"


class TraceFrom:
    """A ``Scorers`` whose gen_trace column comes from another table of the same rows (the model's own weights)."""

    def __init__(self, inner: Scorers, gen_trace: np.ndarray) -> None:
        self.inner, self.gen_trace = inner, np.asarray(gen_trace, float)

    def scores(self, t: Table) -> dict:
        if len(t.gen_trace) != len(self.gen_trace):
            raise SystemExit("gen_trace column of another length: the trace table holds other rows")
        t2 = copy.copy(t)
        t2.gen_trace = self.gen_trace
        return self.inner.scores(t2)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def own_trace(t: Table, other: Table) -> np.ndarray:
    """``other``'s gen_trace column for ``t``'s rows; refuses when the two tables do not hold the same view files."""
    if list(t.files) != list(other.files) or list(t.ids) != list(other.ids):
        raise SystemExit("--trace-data: the copy does not hold the same rows (view files / ids) as --data")
    return other.gen_trace


def install(trace_data: dict[str, Path]) -> None:
    """Make every ``Scorers(t, models)`` built by the imported measurements read the gen_trace column of
    ``trace_data[models]`` (a model folder, or a ``--model`` name, as key) when one is given."""
    tables: dict[Path, Table] = {}

    def factory(t: Table, models: Path | None = None, name: str | None = None):
        sc = Scorers(t, models)
        key = next((k for k in (str(models) if models else None, name) if k and k in trace_data), None)
        if key is None:
            return sc
        d = Path(trace_data[key])
        if d not in tables:
            tables[d] = Table(d)
        print(f"[{key}: gen_trace scores from {d}]")
        return TraceFrom(sc, own_trace(t, tables[d]))

    gr.Scorers = factory
    c14.Scorers = factory


def _pop_trace_data(argv: list[str]) -> tuple[list[str], dict[str, Path]]:
    rest, out, it = [], {}, iter(argv)
    for a in it:
        if a == "--trace-data" or a.startswith("--trace-data="):
            val = a.split("=", 1)[1] if "=" in a and a.startswith("--trace-data=") else next(it)
            k, _, v = val.partition("=")
            if not v:
                raise SystemExit(f"--trace-data {val}: want MODEL=DATA")
            out[k] = Path(v)
        else:
            rest.append(a)
    return rest, out


def main_clause_a(argv: list[str]) -> int:
    argv, trace = _pop_trace_data(argv)
    install(trace)
    return main_clause_a_n12(argv, declared="12:44 UTC", after="clause R, then clause C: the sealed sets 10 + 11 + 12")


def clause_c(n_gen: int, n_real: int, called: dict[str, int], fa: dict[str, int], ref: str = REF,
             cand: str = CAND) -> list[tuple[str, bool]]:
    """Clause C as (text, passed) items on sets 10 + 11 + 12 pooled: CAND's calls ≥ REF's + ``MORE``; CAND's false
    alarms ≤ REF's and ≤ ``MAX_FA_RATE`` of ``n_real``."""
    return calls_and_alarms(n_gen, n_real, called, fa, ref, cand, where="sets 10 + 11 + 12 pooled",
                            names=("C1", "C2", "C3"), more=MORE, max_rate=MAX_FA_RATE)


def main(argv: list[str] | None = None, folders: dict[int, Path] = SEALED, expected=EXPECTED) -> int:
    argv, trace = _pop_trace_data(list(sys.argv[1:] if argv is None else argv))
    sealed = check_sealed(folders)
    labels = {}
    for k, (sha, ids) in sealed.items():
        print(f"set {k}: {folders[k]}/set{k}-final.tsv sha256 {sha} = the value recorded at its close; {len(ids)} ids")
        labels[k] = list_labels(folders[k] / f"set{k}-final.tsv")
    # score_fresh_sets builds Scorers(t, Path(path)); a --trace-data key may be the --model name or its folder
    models = {}
    for i, a in enumerate(argv):
        if a == "--model" and i + 1 < len(argv):
            n, _, p = argv[i + 1].partition("=")
            models[n] = p
    install({**{str(models[k]) if k in models else k: v for k, v in trace.items()}})
    t, scored, _ = c14.score_fresh_sets(argv, DATA, f"clause C needs {REF} and {CAND}")
    masks = {k: set_masks(t, labels[k], k) for k in sorted(labels)}
    for k, (gen, real) in masks.items():
        print(f"set {k}: {int(gen.sum())} generated, {int(real.sum())} real (= the closed list's ids)")
    titles = {10: "Tenth fresh set (session 16, s16conf10; proc view)",
              11: "Eleventh fresh set (session 16, s16conf11; proc view)",
              12: "Twelfth fresh set (session 17, s17conf12; proc view)"}
    for k in sorted(masks):
        report(t, scored, *masks[k], titles.get(k, f"set {k}"))
    gen, real = pooled(masks, tuple(sorted(masks)))
    n_gen, n_real = int(gen.sum()), int(real.sum())
    if (n_gen, n_real) != tuple(expected):
        raise SystemExit(f"sets 10 + 11 + 12 pooled: {n_gen} generated, {n_real} real, not the closed {expected}")
    called, fa, _ = report(t, scored, gen, real, "Sets 10 + 11 + 12 pooled (clause C)")
    if {REF, CAND} <= set(scored):
        c14.print_clauses(clause_c(n_gen, n_real, called, fa), f"Clause C of the lead's rule (12:44 UTC), {CAND} "
                          f"against {REF}:", "C")
    return 0


def main_oof_auc(argv: list[str]) -> int:
    """Information beside: gen_trace ALONE, AUC generated vs real on the training split's views from outside ``../shared``
    (as i18o measured it: shipped 0.589 on its data), the shipped gen_trace's scores (``--data`` as it is) against GD's
    out-of-fold ones (``--trace-data`` copy); all views, without stock-web (i18o's data had none) and per fold."""
    import argparse

    from fit_generation import auc

    from forgelens.training.gen_trace_oof import Folds
    from forgelens.training.generation_data import load_manifest

    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--gd", type=Path, required=True, help="the re-scored copy (out-of-fold training views)")
    a = ap.parse_args(argv)
    t, g = Table(a.data), Table(a.gd)
    own_trace(t, g)
    recs = {r.id: r for r in load_manifest(a.data)}
    folds = Folds(list(recs.values()), 2)
    fold = np.array([folds.fold(recs[i]) for i in t.ids])
    base = (t.split == "train") & np.array(["shared" not in r for r in t.repo]) & np.isfinite(t.gen_trace) \
        & np.isfinite(g.gen_trace)
    rows = [("all", base), ("without stock-web", base & (t.family != "stock-web")),
            ("fold 0 (scored by x0)", base & (fold == 0)), ("fold 1 (scored by x1)", base & (fold == 1))]
    print("| training-split views outside ../shared | generated | real | shipped gen_trace AUC | GD out of fold AUC |")
    print("|---|---|---|---|---|")
    for name, m in rows:
        print(f"| {name} | {int((t.y[m] == 1).sum())} | {int((t.y[m] == 0).sum())} | {auc(t.y[m], t.gen_trace[m]):.3f} | "
              f"{auc(t.y[m], g.gen_trace[m]):.3f} |")
    return 0


def main_seals(folders: dict[int, Path] = SEALED) -> int:
    """Only the seal check (the closed lists' sha256 against the recorded values, and their ids): run BEFORE anything of
    the sealed sets is re-scored."""
    for k, (sha, ids) in check_sealed(folders).items():
        print(f"set {k}: {folders[k]}/set{k}-final.tsv sha256 {sha} = the value recorded at its close; {len(ids)} ids")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["oof-auc"]:
        sys.exit(main_oof_auc(sys.argv[2:]))
    if sys.argv[1:2] == ["seals"]:
        sys.exit(main_seals())
    if sys.argv[1:2] == ["clause-a"]:
        sys.exit(main_clause_a(sys.argv[2:]))
    sys.exit(main())
