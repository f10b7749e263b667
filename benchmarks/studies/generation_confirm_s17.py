"""Issue 18, session 17: P4 (N11 with the CLIP features of four native-resolution crops among the probe's feature
candidates, ``fit_generation.py --crop-parts``) against the shipped N11 — clause A on the validation split and, ONLY if
A passes, clause C on the SEALED tenth and eleventh fresh confirmation sets, pooled (the lead's rule, declared 10:47 UTC
before any number of P4 existed).

Clause A (``clause-a`` as the first argument: ``generation_rule_s15.py``'s measurement — its tables and every validation
false alarm by file — with ``generation_confirm_s16n12.clause_a_n12`` as the clause; its text is the lead's clause A for
P4 word for word, the first ``--models`` is the reference, the shipped N11)::

    OMP_NUM_THREADS=1 FORGELENS_TAEF2=/work/shared/models/taef2 nice -n 5 python \\
        benchmarks/studies/generation_confirm_s17.py clause-a --data /work/gen-data-s17crop-val \\
        --models /work/gen-data-s16n11/s16-candN11 --models /work/gen-data-s17crop/s17-candP4 \\
        --models /work/gen-data-s12b/s12-candN3x --rule-for /work/gen-data-s17crop/s17-candP4 \\
        --clause4 N11=E,A,M --clause4 P4=E,A,M

(``/work/gen-data-s17crop-val`` = a ``cp -al`` of ``/work/gen-data-s13n5``, the validation folder s16n11 / s16n12
measured on, with the ``c4_*`` crop parts added to its layer cache.)

Clause C (the default command)::

    OMP_NUM_THREADS=1 nice -n 5 python benchmarks/studies/generation_confirm_s17.py \\
        --data /work/gen-data-s17crop-conf11 \\
        --model N11=/work/gen-data-s16n11/s16-candN11 --model P4=/work/gen-data-s17crop/s17-candP4

Reads the caches only; nothing is fitted. Before anything is scored it checks both closed lists' sha256 against the values
recorded at their close (``generation_confirm_s16.check_sealed``: ``set10-final.tsv`` / ``set10-closed.txt`` in
``/work/caches/s16/s16conf10``, ``set11-final.tsv`` / ``set11-closed.txt`` in ``/work/caches/s16/s16conf11``); then it
scores set 11's folder (it holds sets 1-11; ``/work/gen-data-s17crop-conf11`` = a ``cp -al`` of
``/work/gen-data-s16conf11`` with the crop parts cached) exactly as set 9 was (``score_fresh_sets``, ``proc`` view, gate
on, each model's own ``generated_at``), masks each set by its closed list (``generation_confirm_s16n11.set_masks``: the
ids, the labels, no other validation record of its repositories), and reports set 10, set 11 and the pool (per
repository and family, AUC with a bootstrap interval, the trivial baseline, every call and false alarm by file).

Clause C (``clause_c``), copied from the lead's brief:
C. ONLY IF A passes: check the seals of sets 10 and 11 (``check_sealed``: sha256 of
``/work/caches/s16/s16conf10/set10-final.tsv`` and ``/work/caches/s16/s16conf11/set11-final.tsv`` against
``set10-closed.txt`` / ``set11-closed.txt``, and the ids), then score both sets exactly as set 9 was (``score_fresh_sets``,
``proc`` view, gate on, each model's own ``generated_at``; set 11's folder holds sets 1-11, mask by the closed lists),
pooled: P4's calls of the 69 generated ≥ N11's + 4 AND P4's false alarms on the 213 real photos ≤ N11's AND ≤ 3 % (≤ 6).
Other models (N3x) may be given with ``--model`` only AFTER the decision is written: printed beside, information only;
the clause is read for P4 against N11 alone.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accuracy"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generation_confirm_s13 import report  # noqa: E402
from generation_confirm_s14c3 import print_clauses, score_fresh_sets  # noqa: E402
from generation_confirm_s15c5 import pooled  # noqa: E402
from generation_confirm_s16 import calls_and_alarms, check_sealed  # noqa: E402
from generation_confirm_s16n11 import list_labels, set_masks  # noqa: E402
from generation_confirm_s16n12 import main_clause_a as main_clause_a_n12  # noqa: E402

#: the closed lists and where their sha256 was recorded at the close (session 16, s16conf10 / s16conf11)
SEALED = {10: Path("/work/caches/s16/s16conf10"), 11: Path("/work/caches/s16/s16conf11")}
DATA = Path("/work/gen-data-s17crop-conf11")
#: the pool as closed (the brief: 69 generated, 213 real)
EXPECTED = (69, 213)
#: C: the candidate calls at least this many more pooled generated pictures than the reference.
MORE = 4
#: C: the candidate's false-alarm rate on the pooled real photos is at most this (≤ 6 of 213).
MAX_FA_RATE = 0.03
REF, CAND = "N11", "P4"


def clause_c(n_gen: int, n_real: int, called: dict[str, int], fa: dict[str, int], ref: str = REF,
             cand: str = CAND) -> list[tuple[str, bool]]:
    """Clause C as (text, passed) items on sets 10 + 11 pooled: CAND's calls ≥ REF's + ``MORE``; CAND's false alarms
    ≤ REF's and ≤ ``MAX_FA_RATE`` of ``n_real``."""
    return calls_and_alarms(n_gen, n_real, called, fa, ref, cand, where="sets 10 + 11 pooled",
                            names=("C1", "C2", "C3"), more=MORE, max_rate=MAX_FA_RATE)


def main_clause_a(argv: list[str]) -> int:
    """``generation_rule_s15.main`` with the lead's clause A for P4 (= ``clause_a_n12``'s text: the shipped N11 as the
    reference), the first ``--models`` being N11 (``generation_confirm_s16n12.main_clause_a`` with this rule's time)."""
    return main_clause_a_n12(argv, declared="10:47 UTC", after="clause C: the sealed sets 10 + 11")


def main(argv: list[str] | None = None, folders: dict[int, Path] = SEALED, expected=EXPECTED) -> int:
    sealed = check_sealed(folders)
    labels = {}
    for k, (sha, ids) in sealed.items():
        print(f"set {k}: {folders[k]}/set{k}-final.tsv sha256 {sha} = the value recorded at its close; {len(ids)} ids")
        labels[k] = list_labels(folders[k] / f"set{k}-final.tsv")
    t, scored, _ = score_fresh_sets(argv, DATA, f"clause C needs {REF} and {CAND} (others beside only after the "
                                                "decision)")
    masks = {k: set_masks(t, labels[k], k) for k in sorted(labels)}
    for k, (gen, real) in masks.items():
        print(f"set {k}: {int(gen.sum())} generated, {int(real.sum())} real (= the closed list's ids)")
    report(t, scored, *masks[10], "Tenth fresh set (session 16, s16conf10; proc view)")
    report(t, scored, *masks[11], "Eleventh fresh set (session 16, s16conf11; proc view)")
    gen, real = pooled(masks, tuple(sorted(masks)))
    n_gen, n_real = int(gen.sum()), int(real.sum())
    if (n_gen, n_real) != tuple(expected):
        raise SystemExit(f"sets 10 + 11 pooled: {n_gen} generated, {n_real} real, not the closed {expected}")
    called, fa, _ = report(t, scored, gen, real, "Sets 10 + 11 pooled (clause C)")
    if {REF, CAND} <= set(scored):
        print_clauses(clause_c(n_gen, n_real, called, fa), f"Clause C of the lead's rule (10:47 UTC), {CAND} against "
                      f"{REF}:", "C")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["clause-a"]:
        sys.exit(main_clause_a(sys.argv[2:]))
    sys.exit(main())
