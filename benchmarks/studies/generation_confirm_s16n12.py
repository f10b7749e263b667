"""Issue 18, session 16, round 4: N12 (the shipped N11 plus fresh set 9 as training) against the shipped N11 on the SEALED
tenth fresh confirmation set (s16conf10) — clause C10 of the lead's rule (declared 09:35 UTC, before any number of N12
existed). Run ONLY after clause A (validation, ``generation_rule_s15.py --rule-for N12`` with the shipped N11 as the
reference) passed: if A fails, set 10 stays sealed and this script is not run.

    OMP_NUM_THREADS=1 nice -n 5 python benchmarks/studies/generation_confirm_s16n12.py --data /work/gen-data-s16conf10 \
        --model N11=/work/gen-data-s16n11/s16-candN11 --model N12=/work/gen-data-s16n12/s16-candN12

Reads the caches only; nothing is fitted. Before anything is scored it checks the closed list's sha256 against the value
recorded at its close (``set10-closed.txt`` / ``set10-final.sha256`` in ``/work/caches/s16/s16conf10``; a missing list, no
record or any mismatch stops it — ``generation_confirm_s16.check_sealed``) and that the table's validation records of set
10's repositories are exactly the list's ids. Set 10's pictures are scored on their ``proc`` views exactly as set 9 was
(``generation_confirm_s14c3.score_fresh_sets`` → ``generation_confirm_s13.report``: ``accuracy_generation.Scorers``'
combined P(generated) at each model's own ``generated_at``; gate on — a picture the designed-graphic gate takes gets no
generation verdict, is never called and is left out of the AUC), beside the trivial baseline; per repository and family,
AUC with a bootstrap interval, every call and false alarm by file.

Clause C10 (``clause_c10``), copied from the lead's brief:
C10. ONLY IF A passes: check set 10's seal (sha256 of ``/work/caches/s16/s16conf10/set10-final.tsv`` against
``set10-closed.txt``, and the ids, as ``generation_confirm_s16n11.py`` does for set 9), then score set 10 exactly as set 9
was (``score_fresh_sets``, ``proc`` view — set 10's generated pictures are PNG / WebP, its real ones camera JPEGs — gate on,
each model's own ``generated_at``): N12's calls of set 10's 39 generated ≥ N11's + 3 AND N12's false alarms on its 103
real photos ≤ N11's AND ≤ 3 % (≤ 3).
Other models (N3x) may be given with ``--model`` only AFTER the decision is written: printed beside, information only; the
clause is read for N12 against N11 alone.

Clause A (``clause_a_n12``; ``clause-a`` as the first argument runs ``generation_rule_s15.py``'s measurement with this
clause in place of N9's — the first ``--models`` is the reference, the shipped N11)::

    OMP_NUM_THREADS=1 FORGELENS_TAEF2=/work/shared/models/taef2 nice -n 5 python \
        benchmarks/studies/generation_confirm_s16n12.py clause-a --data /work/gen-data-s13n5 \
        --models /work/gen-data-s16n11/s16-candN11 --models /work/gen-data-s16n12/s16-candN12 \
        --models /work/gen-data-s12b/s12-candN3x --rule-for /work/gen-data-s16n12/s16-candN12 \
        --clause4 N11=E,A,M --clause4 N12=E,A,M

copied from the lead's brief:
A. Validation split, as s16n11 measured it (``generation_rule_s15.py``, clause 4 from ``accuracy_generation.py --cameras``),
with the SHIPPED N11 as the reference in N3x's place: 1a unseen calls ≥ N11's 114 / 182; 1b AUC ≥ N11's − 0.005; 2
fresh-web and s10real ≤ 3 % and ≤ N11 + 1; 3a every real validation source of ≥ 34 pictures ≤ 3 % (portfolio ≤ N11's 0 / 66
+ 1); 3b every small real style ≤ 3 % or not more than N11's count; 4 exif-samples and CASIA1 authentic not more than N11,
CASIA1 manipulated not more than N11 + 1; all real validation false alarms ≤ N11's 6 + 2.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accuracy"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generation_rule_s15 as gr  # noqa: E402
import numpy as np  # noqa: E402
from generation_confirm_s16 import calls_and_alarms  # noqa: E402
from generation_confirm_s16n11 import judge_sealed_set  # noqa: E402
from generation_confirm_s16n11 import set_masks as _set_masks  # noqa: E402

#: the closed list and where its sha256 was recorded at the close (session 16, s16conf10)
SEALED10 = {10: Path("/work/caches/s16/s16conf10")}
DATA10 = Path("/work/gen-data-s16conf10")
#: C10: the candidate calls at least this many more generated pictures than the reference.
MORE = 3
#: C10: the candidate's false-alarm rate on set 10's real photos is at most this.
MAX_FA_RATE = 0.03
#: Clause A: AUC slack, extra false alarms allowed on the portfolio source and on all real validation pictures.
AUC_SLACK_A = 0.005
PORTFOLIO_MORE = 1
ALL_REAL_MORE = 2


def clause_a_n12(ref: dict, cand: dict, sets_ref: dict, sets_cand: dict, pf_ref: tuple[int, int],
                 pf_cand: tuple[int, int], c4_ref: tuple[int, int, int] | None,
                 c4_cand: tuple[int, int, int] | None) -> list[tuple[str, bool]]:
    """The lead's clause A for N12 (09:35 UTC) as (text, passed) items, with ``generation_rule_s15.clause_a``'s
    arguments (``ref`` = the shipped N11). "All real validation false alarms" is the sum over the real validation
    sources (``ref`` / ``cand['sources']``, which partition the real validation pictures)."""
    r = "N11"
    out = [(f"1a. unseen families called {cand['called']}/{cand['n_gen']} ≥ {r} {ref['called']}/{ref['n_gen']}",
            cand["called"] >= ref["called"]),
           (f"1b. AUC {cand['auc']:.4f} ≥ {r} {ref['auc']:.4f} − {AUC_SLACK_A}",
            cand["auc"] >= ref["auc"] - AUC_SLACK_A)]
    for name, (k, n, _) in sets_cand.items():
        kr = sets_ref[name][0]
        out.append((f"2. {name}: {k}/{n} ≤ 3 % ({gr.MAX_SHARE * n:.2f}) and ≤ {r} {kr} + 1",
                    n > 0 and k <= gr.MAX_SHARE * n and k <= kr + 1))
    big = [s for s, (_, n) in cand["sources"].items() if n >= gr.MIN_SOURCE]
    over = []
    for s in big:
        k, n = cand["sources"][s]
        if k > gr.MAX_SHARE * n:
            over.append(f"{s} {k}/{n} > 3 %")
        if s == gr.PORTFOLIO_KEY and k > ref["sources"][s][0] + PORTFOLIO_MORE:
            over.append(f"{s} {k}/{n} > {r} {ref['sources'][s][0]} + {PORTFOLIO_MORE}")
    out.append((f"3a. every real validation source of ≥ {gr.MIN_SOURCE} ≤ 3 %, portfolio ≤ {r}'s count + "
                f"{PORTFOLIO_MORE} ({', '.join(big)}): " + ("; ".join(over) if over else "none over"), not over))
    for s in gr.SMALL_STYLES:
        if s not in cand["sources"]:
            out.append((f"3b. {s}: not in the validation split (cannot be measured)", False))
            continue
        (kc, n), kr = cand["sources"][s], ref["sources"][s][0]
        out.append((f"3b. {s}: {kc}/{n} ≤ 3 % ({gr.MAX_SHARE * n:.2f}) or not more than {r} {kr}",
                    kc <= gr.MAX_SHARE * n or kc <= kr))
    if c4_ref is None or c4_cand is None:
        out.append(("4. exif-samples / CASIA1 authentic / manipulated: not measured", False))
    else:
        (e, a, m), (er, ar, mr) = c4_cand, c4_ref
        out.append((f"4. exif-samples {e} ≤ {r} {er}, CASIA1 authentic {a} ≤ {r} {ar}, manipulated {m} ≤ {r} {mr} + 1",
                    e <= er and a <= ar and m <= mr + 1))
    kc = sum(k for k, _n in cand["sources"].values())
    kr = sum(k for k, _n in ref["sources"].values())
    n = sum(n for _k, n in cand["sources"].values())
    out.append((f"all real validation false alarms {kc}/{n} ≤ {r}'s {kr} + {ALL_REAL_MORE}", kc <= kr + ALL_REAL_MORE))
    out.append((f"(beside) {gr.PORTFOLIO}: {pf_cand[0]}/{pf_cand[1]}, {r} {pf_ref[0]}/{pf_ref[1]}", True))
    return out


def main_clause_a(argv: list[str], declared: str = "09:35 UTC", after: str = "clause C10: the sealed tenth set") -> int:
    """``generation_rule_s15.main`` (its tables and every validation false alarm by file) with ``clause_a_n12`` as the
    clause, the first ``--models`` (the shipped N11) as the reference; ``declared`` (when the lead declared the rule) and
    ``after`` (the clause that follows a pass) go into the printed rule. Session 17's P4 reuses it with its own."""
    print_rule = gr.print_rule

    def _print(title, items, name, nxt):
        print_rule(title.replace("Clause A (session 15, N9's rule)", f"Clause A of the lead's rule ({declared})"),
                   items, name, after)

    gr.clause_a, gr.print_rule = clause_a_n12, _print
    return gr.main(argv)


def set_masks(t, labels: dict[str, str], k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Set 10's masks: ``generation_confirm_s16n11.set_masks`` for set K."""
    return _set_masks(t, labels, k)


def clause_c10(n_gen: int, n_real: int, called: dict[str, int], fa: dict[str, int], ref: str = "N11",
               cand: str = "N12") -> list[tuple[str, bool]]:
    """Clause C10 as (text, passed) items on set 10: CAND's calls ≥ REF's + ``MORE``; CAND's false alarms ≤ REF's and
    ≤ ``MAX_FA_RATE`` of ``n_real``."""
    return calls_and_alarms(n_gen, n_real, called, fa, ref, cand, where="set 10", names=("C10a", "C10b", "C10c"),
                            more=MORE, max_rate=MAX_FA_RATE)


def main(argv: list[str] | None = None, folders: dict[int, Path] = SEALED10) -> int:
    return judge_sealed_set(argv, folders, 10, DATA10, ("N11", "N12"),
                            "Tenth fresh set (session 16, s16conf10; proc view; clause C10)", clause_c10,
                            "Clause C10 of the lead's rule (09:35 UTC), N12 against N11:", "C10")


if __name__ == "__main__":
    if sys.argv[1:2] == ["clause-a"]:
        sys.exit(main_clause_a(sys.argv[2:]))
    sys.exit(main())
