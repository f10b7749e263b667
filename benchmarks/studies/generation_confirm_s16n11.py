"""Issue 18, session 16, round 2: N11 (N10 plus fresh sets 5-8 as training) against the shipped N3x on the SEALED ninth
fresh confirmation set (s16conf9) — clause C9 of the lead's rule (declared 08:25 UTC, before any number of N11
existed). Run ONLY after clause A (validation, ``generation_rule_s15.py --rule-for N11``) passed AND s16conf9 closed and
cached set 9: if A fails, set 9 stays sealed for the next candidate and this script is not run.

    OMP_NUM_THREADS=1 nice -n 5 python benchmarks/studies/generation_confirm_s16n11.py --data /work/gen-data-s16conf9 \
        --model N3x=/work/gen-data-s12b/s12-candN3x --model N11=/work/gen-data-s16n11/s16-candN11

Reads the caches only; nothing is fitted. Before anything is scored it checks the closed list's sha256 against the values
recorded at its close (``set9-closed.txt`` / ``set9-final.sha256`` in ``/work/caches/s16/s16conf9``; a missing list, no
record or any mismatch stops it — ``generation_confirm_s16.check_sealed``) and that the table's validation records of
set 9's repositories are exactly the list's ids. Set 9's pictures are the list's ids (its ``label`` column: generated /
real), scored on their ``proc`` views exactly as sets 7 + 8 were (``generation_confirm_s14c3.score_fresh_sets`` →
``generation_confirm_s13.report``: ``accuracy_generation.Scorers``' combined P(generated) at each model's own
``generated_at``; gate on — a picture the designed-graphic gate takes gets no generation verdict, is never called and is
left out of the AUC), beside the trivial baseline.

Clause C9 (``clause_c9``), copied from the lead's brief:
C9. ONLY IF A passes, and only after s16conf9 has closed set 9 (its ``set9-closed.txt`` / sha256 record exist) and cached
it: check the seal as ``generation_confirm_s16.py`` does, then score set 9 exactly as sets 7 + 8 were (``score_fresh_sets``,
``proc`` view, gate on, each model's own ``generated_at``). If set 9 holds fewer than 25 generated pictures, C9 is not
measured and N11 fails. Otherwise: N11's calls of set 9's generated ≥ N3x's + 3 AND, if set 9 holds real photos, N11's
false alarms on them ≤ N3x's AND ≤ 3 %.
Other models (N10, N9) may be given with ``--model`` only AFTER the decision is written: printed beside, information
only; the clause is read for N11 against N3x alone.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accuracy"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from generation_confirm_s13 import report  # noqa: E402
from generation_confirm_s14c3 import print_clauses, score_fresh_sets  # noqa: E402
from generation_confirm_s16 import calls_and_alarms, check_sealed  # noqa: E402

#: the closed list and where its sha256 was recorded at the close (session 16, s16conf9)
SEALED9 = {9: Path("/work/caches/s16/s16conf9")}
DATA9 = Path("/work/gen-data-s16conf9")
#: C9: fewer generated pictures than this → not measured → N11 fails.
MIN_GEN = 25
#: C9: the candidate calls at least this many more generated pictures than the reference.
MORE = 3
#: C9: the candidate's false-alarm rate on set 9's real photos (if any) is at most this.
MAX_FA_RATE = 0.03


def list_labels(tsv: Path) -> dict[str, str]:
    """id → label ("generated" / anything else = real) of the closed list."""
    with tsv.open(newline="") as fh:
        return {row["id"]: row["label"] for row in csv.DictReader(fh, delimiter="\t")}


def set_masks(t, labels: dict[str, str], k: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """Set K's generated and real masks on the table: validation records whose id is on the closed list; raises
    ``SystemExit`` if a listed id is missing from the table, its label disagrees, or a validation record of one of the
    list's repositories is not on the list."""
    ids = np.asarray(t.ids, dtype=object)
    on = np.isin(ids, list(labels))
    have = set(ids[on])
    if have != set(labels):
        raise SystemExit(f"set {k}: the table holds {len(have)} of the closed list's {len(labels)} ids")
    for i in np.where(on)[0]:
        if (labels[ids[i]] == "generated") != bool(t.y[i] == 1):
            raise SystemExit(f"set {k}: {ids[i]} is {labels[ids[i]]} on the list but not in the table")
    repos = set(t.repo[on])
    extra = (t.split == "val") & np.isin(t.repo, list(repos)) & ~on
    if extra.any():
        raise SystemExit(f"set {k}: {int(extra.sum())} validation records of its repositories are not on the list")
    return on & (t.y == 1), on & (t.y == 0)


def clause_c9(n_gen: int, n_real: int, called: dict[str, int], fa: dict[str, int], ref: str = "N3x",
              cand: str = "N11") -> list[tuple[str, bool]]:
    """Clause C9 as (text, passed) items on set 9: not measured (fails) under ``MIN_GEN`` generated; CAND's calls ≥ REF's
    + ``MORE``; with real photos, CAND's false alarms ≤ REF's and ≤ ``MAX_FA_RATE`` of ``n_real``."""
    if n_gen < MIN_GEN:
        return [(f"C9. set 9 holds {n_gen} generated < {MIN_GEN}: not measured", False)]
    return calls_and_alarms(n_gen, n_real, called, fa, ref, cand, where="set 9", names=("C9a", "C9b", "C9c"),
                            more=MORE, max_rate=MAX_FA_RATE, real_optional=True)


def judge_sealed_set(argv: list[str] | None, folders: dict[int, Path], k: int, data: Path, models: tuple[str, str],
                     title: str, clause, clause_title: str, tag: str) -> int:
    """Score one sealed set and read its clause: the seal first (``check_sealed``: the closed list's sha256 against
    the values recorded at its close), then ``score_fresh_sets`` on ``data`` (the ``proc`` view, gate on), the set's
    masks from the closed list (``set_masks``), the report by family / repository / file, and ``clause`` (C9, C10)
    once both ``models`` (reference, candidate) were scored."""
    sealed = check_sealed(folders)
    sha, ids = sealed[k]
    tsv = folders[k] / f"set{k}-final.tsv"
    print(f"set {k}: {tsv} sha256 {sha} = the value recorded at its close; {len(ids)} ids")
    labels = list_labels(tsv)
    ref, cand = models
    t, scored, _ = score_fresh_sets(argv, data, f"clause {tag} needs {ref} and {cand} (others beside only after the "
                                                "decision)")
    gen, real = set_masks(t, labels, k)
    n_gen, n_real = int(gen.sum()), int(real.sum())
    print(f"set {k}: {n_gen} generated, {n_real} real (= the closed list's ids)")
    called, fa, _ = report(t, scored, gen, real, title)
    if set(models) <= set(scored):
        print_clauses(clause(n_gen, n_real, called, fa), clause_title, tag)
    return 0


def main(argv: list[str] | None = None, folders: dict[int, Path] = SEALED9) -> int:
    return judge_sealed_set(argv, folders, 9, DATA9, ("N3x", "N11"),
                            "Ninth fresh set (session 16, s16conf9; proc view; clause C9)", clause_c9,
                            "Clause C9 of the lead's rule (08:25 UTC), N11 against N3x:", "C9")


if __name__ == "__main__":
    sys.exit(main())
