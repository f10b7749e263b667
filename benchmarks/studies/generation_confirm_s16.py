"""Issue 18, session 16: N10 (N9 with PS's per-source cap at 3 %) against the shipped N3x on the SEALED seventh and
eighth fresh confirmation sets, pooled — clause C of the lead's rule (declared 08:06 UTC, before any number of N10
existed). Run ONLY after clause A (validation, ``generation_rule_s15.py --rule-for N10``) passed: if A fails, sets 7
and 8 stay sealed for the next candidate and this script is not run.

    OMP_NUM_THREADS=1 nice -n 5 python benchmarks/studies/generation_confirm_s16.py --data /work/gen-data-s15conf8 \
        --model N3x=/work/gen-data-s12b/s12-candN3x --model N10=/work/gen-data-s16n10/s16-candN10

Reads the caches only; nothing is fitted. Before anything is scored it checks the two closed lists' sha256 against the
values recorded at their close (``set7-closed.txt`` / ``set7-final.sha256``, ``set8-closed.txt`` / ``set8-final.sha256``)
and that the table's set-7 and set-8 records are exactly the lists' ids; a mismatch stops it. Set 7 is the validation
records of ``gen_sources_conf``'s ``CONF7_GENERATED`` + ``CONF7_REAL`` (32 generated, 170 real), set 8 of
``CONF8_GENERATED`` (20 generated, no real; 512 px PNGs straight from the generator). Both are scored on their ``proc``
views exactly as sets 5 + 6 were (``generation_confirm_s14c3.score_fresh_sets`` → ``generation_confirm_s13.report``:
``accuracy_generation.Scorers``' combined P(generated) at each model's own ``generated_at``; gate on — a picture the
designed-graphic gate takes gets no generation verdict, is never called and is left out of the AUC), beside the trivial
baseline of ``generation_fresh_check.py`` (a logistic on image statistics at its per-source 3 % threshold). The ``proc``
view re-encodes every picture through the same seeded chain, so set 8's PNG format and size do not reach the models or
the baseline as such.

Clause C (``clause_c``), copied from the lead's brief:
C. ONLY IF A passes, open the sealed sets 7 and 8 [...]. Pooled (52 generated, 170 real; both sets closed before any
model scored them), scored exactly as sets 5 + 6 were [...]: N10's calls of the 52 generated ≥ N3x's + 3 AND N10's
false alarms on the 170 real ≤ N3x's AND ≤ 3 % (≤ 5).
Other models (N9, N9r, N8) may be given with ``--model`` only AFTER the decision is written: they are printed beside,
information only; the clause is read for N10 against N3x alone.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accuracy"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from generation_confirm_s12 import fresh_masks  # noqa: E402
from generation_confirm_s13 import report  # noqa: E402
from generation_confirm_s14c3 import print_clauses, score_fresh_sets  # noqa: E402
from generation_confirm_s15c5 import pooled  # noqa: E402

from forgelens.training.gen_sources_conf import (  # noqa: E402
    CONF7_GENERATED,
    CONF8_GENERATED,
    FAMILY_REAL7,
    FAMILY_REAL8,
)

#: the closed lists and where their sha256 was recorded at the close (session 15, s15conf7 / s15conf8)
SEALED = {7: Path("/work/caches/s15/s15conf7"), 8: Path("/work/caches/s15/s15conf8")}
#: the pool as closed (the brief: 52 generated, 170 real)
EXPECTED = (52, 170)
#: C: the candidate calls at least this many more pooled generated pictures than the reference.
MORE = 3
#: C: the candidate's false-alarm rate on the pooled real photos is at most this (≤ 5 of 170).
MAX_FA_RATE = 0.03


def recorded_sha256(folder: Path, k: int) -> set[str]:
    """Every sha256 recorded for set ``k``'s final list at its close: ``set{k}-final.sha256`` and the hex digests
    written into ``set{k}-closed.txt``."""
    out = set()
    for name in (f"set{k}-final.sha256", f"set{k}-closed.txt"):
        f = folder / name
        if f.is_file():
            out |= set(re.findall(r"\b[0-9a-f]{64}\b", f.read_text()))
    return out


def check_sealed(folders: dict[int, Path] = SEALED) -> dict[int, tuple[str, list[str]]]:
    """Each set's final list: (its sha256 now, its ids). Raises ``SystemExit`` naming the file when the list is
    missing, no sha256 was recorded, or the list's sha256 differs from every recorded one."""
    out = {}
    for k, folder in folders.items():
        tsv = folder / f"set{k}-final.tsv"
        if not tsv.is_file():
            raise SystemExit(f"{tsv}: the closed list of set {k} is missing")
        now = hashlib.sha256(tsv.read_bytes()).hexdigest()
        rec = recorded_sha256(folder, k)
        if not rec:
            raise SystemExit(f"{folder}: no sha256 recorded at set {k}'s close")
        if rec != {now}:
            raise SystemExit(f"{tsv}: sha256 {now} is not the value recorded at the close ({', '.join(sorted(rec))})")
        with tsv.open(newline="") as fh:
            ids = [row["id"] for row in csv.DictReader(fh, delimiter="\t")]
        out[k] = (now, ids)
    return out


def calls_and_alarms(n_gen: int, n_real: int, called: dict[str, int], fa: dict[str, int], ref: str, cand: str, *,
                     where: str, names: tuple[str, str, str], more: int = MORE, max_rate: float = MAX_FA_RATE,
                     real_optional: bool = False) -> list[tuple[str, bool]]:
    """The form every fresh-set clause of session 16 takes (C on sets 7 + 8, C9, C10), as (text, passed) items named
    ``names``: CAND's calls of the ``n_gen`` generated pictures ≥ REF's + ``more``; CAND's false alarms on the
    ``n_real`` real photos ≤ REF's and ≤ ``max_rate`` of ``n_real`` — with ``real_optional`` (C9), only when the set
    holds real photos."""
    items = [(f"{names[0]}. {where}: {cand} calls {called[cand]}/{n_gen} ≥ {ref} {called[ref]} + {more}",
              called[cand] >= called[ref] + more)]
    if n_real or not real_optional:
        rate = fa[cand] / max(n_real, 1)
        items += [(f"{names[1]}. {cand} false alarms {fa[cand]}/{n_real} ≤ {ref} {fa[ref]}", fa[cand] <= fa[ref]),
                  (f"{names[2]}. {cand} false alarms {fa[cand]}/{n_real} = {rate:.1%} ≤ {max_rate:.0%} "
                   f"(≤ {int(max_rate * n_real)})", rate <= max_rate)]
    return items


def clause_c(n_gen: int, n_real: int, called: dict[str, int], fa: dict[str, int], ref: str = "N3x",
             cand: str = "N10") -> list[tuple[str, bool]]:
    """Clause C as (text, passed) items on sets 7 + 8 pooled: CAND's calls ≥ REF's + ``MORE``, CAND's false alarms
    ≤ REF's, and ≤ ``MAX_FA_RATE`` of ``n_real``."""
    return calls_and_alarms(n_gen, n_real, called, fa, ref, cand, where="sets 7 + 8 pooled", names=("C1", "C2", "C3"))


def main(argv: list[str] | None = None) -> int:
    sealed = check_sealed()
    for k, (sha, ids) in sealed.items():
        print(f"set {k}: {SEALED[k]}/set{k}-final.tsv sha256 {sha} = the value recorded at its close; {len(ids)} ids")
    t, scored, _ = score_fresh_sets(argv, Path("/work/gen-data-s15conf8"),
                                    "clause C needs N3x and N10 (others beside only after the decision)")
    masks = {7: fresh_masks(t, CONF7_GENERATED, FAMILY_REAL7), 8: fresh_masks(t, CONF8_GENERATED, FAMILY_REAL8)}
    for k, (gen, real) in masks.items():
        have = {t.ids[i] for i in np.where(gen | real)[0]}
        if have != set(sealed[k][1]):
            raise SystemExit(f"set {k}: the table's records ({len(have)}) are not the closed list's "
                             f"{len(sealed[k][1])} ids")
        print(f"set {k}: {int(gen.sum())} generated, {int(real.sum())} real (= the closed list's ids)")
    report(t, scored, *masks[7], "Seventh fresh set (session 15, s15conf7; proc view)")
    report(t, scored, *masks[8], "Eighth fresh set (session 15, s15conf8; generated only, 512 px PNGs; proc view)")
    report(t, scored, masks[8][0], masks[7][1], "Set 8's generated against set 7's real photos (information: set 8 "
           "has no real photos of its own; both through the proc view)", by_file=False)
    gen78, real78 = pooled(masks, (7, 8))
    n_gen, n_real = int(gen78.sum()), int(real78.sum())
    if (n_gen, n_real) != EXPECTED:
        print(f"NOTE: the pool holds {n_gen} generated / {n_real} real, not the {EXPECTED[0]} / {EXPECTED[1]} closed")
    called, fa, _ = report(t, scored, gen78, real78, "Sets 7 + 8 pooled (clause C)")
    if {"N3x", "N10"} <= set(scored):
        print_clauses(clause_c(n_gen, n_real, called, fa),
                      "Clause C of the lead's rule (08:06 UTC), N10 against N3x:", "C")
    return 0


if __name__ == "__main__":
    sys.exit(main())
