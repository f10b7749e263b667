"""benchmarks/studies/localizer_hardneg.py: the hard-negative folder of session 13 is the training split's
authentic web rows, at least MIN_SIDE px a side, capped per repository by one seeded generator, symlinked as
fetched (nothing re-encoded), with the guard's flags dropped. No ../shared needed."""

from __future__ import annotations

import csv
import os

import numpy as np
from PIL import Image

from benchmarks.studies import localizer_hardneg as hn


def _rows(tmp_path, n_per_repo=(60, 5), side=256):
    rows, k = [], 0
    for r, n in enumerate(n_per_repo):
        for _ in range(n):
            p = tmp_path / "raw" / f"{k:08x}.jpg"
            rows.append({"id": f"{k:08x}", "repo": f"owner/repo{r}", "label": "authentic", "split": "train",
                         "raw": str(p), "style": "web"})
            k += 1
    return rows


def test_only_training_split_authentic_web_rows_of_the_minimum_size_are_eligible(tmp_path):
    rows = _rows(tmp_path, (3,))
    rows[0]["split"] = "val"
    rows[1]["label"] = "generated"
    extra = [dict(rows[2], id="x1", repo="../shared/datasets/pristine-extra"),
             dict(rows[2], id="x2", label="real", raw=str(tmp_path / "small.jpg")),
             dict(rows[2], id="x3", label="real")]
    sides = {str(tmp_path / "small.jpg"): 191}
    got = hn.eligible(rows + extra, 192, short_side=lambda p: sides.get(str(p), 500))
    assert [r["id"] for r in got] == [rows[2]["id"], "x3"]  # not val, not generated, not ../shared, not < 192 px


def test_cap_per_repository_and_the_seed_choose(tmp_path):
    rows = _rows(tmp_path, (60, 5))
    a = hn.select(rows, per_repo=40, seed=13)
    b = hn.select(list(reversed(rows)), per_repo=40, seed=13)  # input order does not matter (sorted by id)
    c = hn.select(rows, per_repo=40, seed=14)
    assert [r["id"] for r in a] == [r["id"] for r in b]
    assert sum(r["repo"] == "owner/repo0" for r in a) == 40 and sum(r["repo"] == "owner/repo1" for r in a) == 5
    assert [r["id"] for r in a] != [r["id"] for r in c]


def test_folder_is_symlinks_to_the_raw_files_with_an_authentic_index_and_drops(tmp_path):
    rows = _rows(tmp_path, (3,))
    (tmp_path / "raw").mkdir()
    for r in rows:
        Image.fromarray(np.full((200, 210, 3), 128, np.uint8)).save(r["raw"], quality=90)
    before = {r["raw"]: open(r["raw"], "rb").read() for r in rows}
    out = tmp_path / "hardneg"
    n = hn.write(out, rows, drop={os.path.basename(rows[1]["raw"])})
    assert n == 2
    index = list(csv.DictReader(open(out / "index.csv")))
    assert [(x["mask"], x["label"], x["source"]) for x in index] == [("", "authentic", "web:owner/repo0")] * 2
    for x in index:
        p = out / x["image"]
        assert p.is_symlink() and open(p, "rb").read() == before[str(p.resolve())]
    assert {r["raw"]: open(r["raw"], "rb").read() for r in rows} == before  # never modified


def test_main_builds_from_a_manifest(tmp_path, capsys):
    import json

    rows = _rows(tmp_path, (2, 1))
    (tmp_path / "raw").mkdir()
    for i, r in enumerate(rows):
        side = 150 if i == 0 else 300
        Image.fromarray(np.full((side, side + 10, 3), 90, np.uint8)).save(r["raw"])
    m = tmp_path / "manifest.jsonl"
    m.write_text("".join(json.dumps(r) + "\n" for r in rows))
    hn.main([str(m), str(tmp_path / "out")])
    assert "2 rows from 2 repositories (2 eligible" in capsys.readouterr().out
