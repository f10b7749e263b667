"""Issue 18, session 15: the shipped generation detection (N3x) on a FIFTH, new fresh confirmation set, and on the five
fresh sets pooled — what users meet; no candidate is judged here and no decision is taken.

    OMP_NUM_THREADS=1 nice -n 5 python benchmarks/studies/generation_confirm_s15c5.py --data /work/gen-data-s15conf5 \
        --model N3x=/work/gen-data-s12b/s12-candN3x

Reads the caches only; nothing is fitted. The fifth set is the validation records of
``forgelens.training.gen_sources_conf``'s ``CONF5_*`` lists (generated: the repositories of ``CONF5_GENERATED``; real:
source key ``fresh-conf5``), scored on their ``proc`` views exactly as sets 1-4 are scored
(``generation_confirm_s14c3.score_fresh_sets`` → ``generation_confirm_s13.report``: ``accuracy_generation.Scorers``'
combined P(generated) at each model's ``generated_at``; gate on), beside the trivial baseline of
``generation_fresh_check.py`` (a logistic on image statistics at its per-source 3 % threshold). Set 5 alone (every false
alarm and every called picture by file), set 4 and sets 1-4 pooled beside, then sets 1-5 pooled (by file). More
``--model`` arguments print more columns (any later candidate can be scored on the same five sets with
``fresh_set_masks``); nothing here compares them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accuracy"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from generation_confirm_s12 import fresh_masks  # noqa: E402
from generation_confirm_s13 import report  # noqa: E402
from generation_confirm_s14c3 import score_fresh_sets  # noqa: E402

from forgelens.training.gen_sources_conf import (  # noqa: E402
    CONF4_GENERATED,
    CONF5_GENERATED,
    FAMILY_REAL4,
    FAMILY_REAL5,
)

#: The brief's size target for a fresh set (below it the set is reported as short, and said so).
TARGET_GEN, TARGET_REAL = 40, 120


def fresh_set_masks(t, masks_1_3: dict[int, tuple[np.ndarray, np.ndarray]]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """(generated, real) masks of the five fresh confirmation sets on table ``t``: sets 1-3 as ``score_fresh_sets``
    returns them, sets 4 and 5 from the ``CONF4_*`` / ``CONF5_*`` lists. The sets are disjoint by construction (no
    repository is read by two lists; ``set_overlaps("conf5")`` is empty)."""
    masks = dict(masks_1_3)
    masks[4] = fresh_masks(t, CONF4_GENERATED, FAMILY_REAL4)
    masks[5] = fresh_masks(t, CONF5_GENERATED, FAMILY_REAL5)
    return masks


def pooled(masks: dict[int, tuple[np.ndarray, np.ndarray]], sets: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The union of the named sets' generated and real masks."""
    gen = np.logical_or.reduce([masks[k][0] for k in sets])
    real = np.logical_or.reduce([masks[k][1] for k in sets])
    return gen, real


def size_note(n_gen: int, n_real: int) -> str:
    """One line: the set's size against the brief's target (≥ 40 generated, ≥ 120 real)."""
    short = [f"{n} {what} < {target}" for n, what, target in ((n_gen, "generated", TARGET_GEN),
                                                              (n_real, "real", TARGET_REAL)) if n < target]
    return ("set 5 is SHORT of the target: " + ", ".join(short)) if short else "set 5 meets the size target"


def main(argv: list[str] | None = None) -> int:
    t, scored, masks13 = score_fresh_sets(argv, Path("/work/gen-data-s15conf5"), "e.g. N3x (the shipped files)")
    masks = fresh_set_masks(t, masks13)
    gen5, real5 = masks[5]
    print(size_note(int(gen5.sum()), int(real5.sum())))
    report(t, scored, gen5, real5, "Fifth fresh set (session 15)")
    report(t, scored, *masks[4], "Fourth fresh set (beside: s14conf4's table)", by_file=False)
    report(t, scored, *pooled(masks, (1, 2, 3, 4)), "Sets 1-4 pooled (beside: s14conf4's table)", by_file=False)
    report(t, scored, *pooled(masks, (1, 2, 3, 4, 5)), "Sets 1-5 pooled", by_file=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
