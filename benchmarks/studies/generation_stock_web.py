"""How the generation models rank real stock / web photos from repositories never trained on (issue 18, session 7).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/studies/generation_stock_web.py --data /work/gen-data-i18s \
        --models shipped --models /work/gen-data-i18s/s7-cand

Reads the caches only. Validation split, processed views, gate on (as ``accuracy_generation.py``). Per model
(``shipped`` = the files in the package; else a ``fit_generation.py --out`` folder): unseen-family AUC against the
real validation pictures of the sources before session 7 and against the ``stock-web`` validation half (whole
repositories never in training); the stock-web false alarms at the model's ``generated_at`` (listed); and, for scale
only (thresholds set on validation, not a rule), how many of the unseen-family pictures would be called if the
threshold allowed 3 % of the stock-web validation half, or 3 % of every real validation source of ≥ 34 pictures.

``--make-swapped DIR`` writes a copy of the data directory (hard links; its own manifest) in which the stock-web
repositories of the two halves change places — the second fold of a two-fold by-repository check: refit there
(``fit_generation.py --data DIR --aligned-only --out ...``) and run this study on DIR.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fit"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accuracy"))

from accuracy_generation import Scorers  # noqa: E402
from fit_generation import FPR, Table, auc  # noqa: E402

from forgelens.training.generation_data import load_manifest, write_manifest  # noqa: E402

FAMILY = "stock-web"
MIN_SOURCE = 34


def allowing(p: np.ndarray, share: float = FPR) -> float:
    """The lowest threshold with at most ``share`` of ``p`` at or above it."""
    s = np.sort(p)[::-1]
    k = int(np.floor(share * len(s)))
    return float(s[k]) + 1e-9 if k < len(s) else float(s[-1])


def make_swapped(data: Path, out: Path) -> None:
    """Hard-linked copy of ``data`` with the stock-web training and validation halves exchanged."""
    if out.exists():
        raise FileExistsError(f"{out}: exists; refusing to overwrite")
    subprocess.run(["cp", "-al", str(data), str(out)], check=True)
    (out / "manifest.jsonl").unlink()  # its own manifest, never the linked one
    shutil.copyfile(data / "manifest.jsonl", out / "manifest.jsonl")
    recs = load_manifest(out)
    for r in recs:
        if r.family == FAMILY and r.split:
            r.split = "val" if r.split == "train" else "train"
    write_manifest(out, recs)
    n = sum(r.family == FAMILY and not r.dropped for r in recs)
    print(f"wrote {out}: {n} {FAMILY} pictures with their split exchanged")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/gen-data-i18s"))
    ap.add_argument("--models", action="append", default=None, help="'shipped' or a fit_generation.py --out folder")
    ap.add_argument("--make-swapped", type=Path, default=None, metavar="DIR")
    a = ap.parse_args(argv)
    if a.make_swapped:
        make_swapped(a.data, a.make_swapped)
        return 0
    t = Table(a.data)
    val = (t.split == "val") & ~t.gated
    gen, real = val & (t.y == 1), val & (t.y == 0)
    web, old = real & (t.family == FAMILY), real & (t.family != FAMILY)
    big = [f for f in sorted(set(t.family[real])) if (real & (t.family == f)).sum() >= MIN_SOURCE]
    print(f"validation: {gen.sum()} unseen-family pictures, {old.sum()} real of the earlier sources, {web.sum()} {FAMILY} "
          f"({len(set(r.repo for r, _ in np.array(t.rows, dtype=object)[web]))} repositories); real sources of ≥ "
          f"{MIN_SOURCE}: {', '.join(big)}\n")
    print(f"| models | unseen vs earlier real AUC | unseen vs {FAMILY} AUC | {FAMILY} false alarms at generated_at | "
          f"called if 3 % of {FAMILY} allowed (scale only) | called if 3 % of every source ≥ {MIN_SOURCE} allowed (scale only) |")
    print("|---|---|---|---|---|---|")
    listed = []
    for m in a.models or ["shipped"]:
        p, thr = Scorers(t, None if m == "shipped" else Path(m)).scores(t)["combined"]
        ones = np.ones(gen.sum())
        a_old = auc(np.r_[ones, np.zeros(old.sum())], np.r_[p[gen], p[old]])
        a_web = auc(np.r_[ones, np.zeros(web.sum())], np.r_[p[gen], p[web]])
        th_web = allowing(p[web])
        th_all = max(allowing(p[real & (t.family == f)]) for f in big)
        fa = np.where(web & (p >= thr))[0]
        print(f"| {m} | {a_old:.4f} | {a_web:.4f} | {len(fa)}/{web.sum()} at {thr:.3f} | {(p[gen] >= th_web).sum()}/{gen.sum()} "
              f"at {th_web:.3f} | {(p[gen] >= th_all).sum()}/{gen.sum()} at {th_all:.3f} |")
        listed.append((m, [(p[i], t.rows[i][0].repo, t.path[i]) for i in sorted(fa, key=lambda i: -p[i])]))
    for m, rows in listed:
        print(f"\n{FAMILY} validation false alarms, {m}: " + "; ".join(f"{r} {pth} ({q:.3f})" for q, r, pth in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
