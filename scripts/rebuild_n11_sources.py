"""Every repository and pinned commit that ``scripts/rebuild_n11.sh`` reads, stage by stage, checked in the mirrors.

Why: the rebuild of issue 18's N11 cannot fetch; this names what to fetch (``github:owner/name``) before any step runs,
and refuses a mirror that lacks its pinned commit (a moved or rewritten history) instead of failing half-way.
The lists are the builders' own (``forgelens.training.generation_data.SOURCES`` and the ``gen_sources_*`` lists), so
the check cannot drift from what the builders read. Confirmation sets 9 to 12 are never listed (9 is not needed, 10-12
are sealed).

    python scripts/rebuild_n11_sources.py --mirrors /work/.mirror [--list]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from forgelens.training import gen_sources_commercial as commercial
from forgelens.training import gen_sources_conf as conf
from forgelens.training import gen_sources_families as families
from forgelens.training import gen_sources_fresh as fresh
from forgelens.training import gen_sources_real as real
from forgelens.training import gen_sources_s12 as s12
from forgelens.training import gen_sources_s13 as s13
from forgelens.training import gen_sources_s14 as s14
from forgelens.training import gen_sources_s15 as s15
from forgelens.training import gen_sources_s16 as s16
from forgelens.training import gen_sources_stock as stock
from forgelens.training import generation_data as gd


def stages() -> list[tuple[str, tuple[gd.Source, ...]]]:
    """(stage, its sources) in the order the rebuild reads them."""
    return [
        ("s11 generation_data", gd.SOURCES), ("s11 gen_sources_stock", stock.STOCK_WEB_SOURCES),
        ("s11 gen_sources_fresh", fresh.FRESH_SOURCES), ("s11 gen_sources_families", families.FAMILY_SOURCES),
        ("s11 gen_sources_commercial", commercial.COMMERCIAL_SOURCES), ("s11 gen_sources_real", real.REAL_SOURCES),
        ("s12 real", s12.REAL_SOURCES), ("s12 generated", s12.GENERATED_SOURCES),
        ("s12 styles", s12.REAL_STYLE_SOURCES),
        ("confirmation set 1 (dedupe reference of s13/s14)", conf.CONF_GENERATED + conf.CONF_REAL),
        ("confirmation set 2 (dedupe reference of s13/s14)", conf.CONF2_GENERATED + conf.CONF2_REAL),
        ("s13 portfolio", s13.PORTFOLIO_SOURCES), ("s14 portfolio2", s14.PORTFOLIO2_SOURCES),
        ("s15 N9 (sets 1-4 as training)", s15.n9_sources()), ("s16 N11 (sets 5-8 as training)", s16.n11_sources()),
    ]


def has_commit(mirrors: Path, repo: str, commit: str) -> bool:
    git_dir = gd.mirror_git_dir(mirrors, repo)
    if not git_dir.is_dir():
        return False
    res = subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "-e", f"{commit}^{{commit}}"],
                         capture_output=True)
    return res.returncode == 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--list", action="store_true", help="print stage, repository and commit of every source")
    a = ap.parse_args(argv)
    absent: dict[str, None] = {}
    moved: dict[tuple[str, str], None] = {}
    for stage, sources in stages():
        for s in sources:
            if a.list:
                print(f"{stage}\t{s.repo}\t{s.commit}")
            if not gd.mirror_git_dir(a.mirrors, s.repo).is_dir():
                absent[s.repo] = None
            elif not has_commit(a.mirrors, s.repo, s.commit):
                moved[(s.repo, s.commit)] = None
    for repo, commit in moved:
        print(f"mirror of {repo} lacks the pinned commit {commit}", file=sys.stderr)
    if absent:
        print(f"{len(absent)} repositories to fetch (the search tool's fetch), then run again:", file=sys.stderr)
        for repo in absent:
            print(f"github:{repo}")
    return 1 if absent or moved else 0


if __name__ == "__main__":
    raise SystemExit(main())
