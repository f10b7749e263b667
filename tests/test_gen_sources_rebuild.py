"""The rebuild of issue 18's N11 from nothing (scripts/rebuild_n11*.py): the hand steps between the builders as code,
the mirror check, and the replay of the cache steps. No network, no mirror, no CLIP: small manifests only."""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from forgelens.training import gen_sources_conf as conf
from forgelens.training import gen_sources_s12 as s12
from forgelens.training import gen_sources_s13 as s13
from forgelens.training import generation_data as gd

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


marks = _load("rebuild_n11_marks")
sources = _load("rebuild_n11_sources")


def _rec(i: int, family: str, *, repo: str = "a/b", split: str = "train", dropped: str = "",
         label: str = "generated") -> gd.Record:
    return gd.Record(f"{i:08x}", repo, "0" * 40, f"p{i}.png", label, family, "mixed", "MIT", raw=f"/x/raw/{i}.png",
                     split=split, dropped=dropped, views=[{"view": "proc", "file": f"{i:08x}_proc.jpg"}])


def test_n3x_keeps_the_first_60_kept_gpt4o_training_pictures_in_manifest_order():
    recs = ([_rec(0, "gpt-4o", dropped="near-duplicate")] + [_rec(i, "gpt-4o") for i in range(1, 71)]
            + [_rec(100, "gpt-4o", split="val"), _rec(101, "sdxl")])
    drop = marks.n3x_drop(recs)
    assert drop == {f"{i:08x}" for i in range(61, 71)}  # the dropped one does not count towards the 60


def test_n3_and_withdraw_drop_only_their_repositories():
    gen_repo, wd_repo = s12.GENERATED_SOURCES[0].repo, s13.WITHDRAWN_SOURCES[0].repo
    recs = [_rec(1, "nano-banana-pro", repo=gen_repo), _rec(2, "nano-banana-pro"),
            _rec(3, "portfolio", repo=wd_repo, label="authentic"), _rec(4, "portfolio", label="authentic"),
            _rec(5, "portfolio", repo=wd_repo, label="authentic", dropped="near-duplicate")]
    assert marks.n3_drop(recs) == {_rec(1, "x").id}
    assert marks.withdraw_drop(recs) == {_rec(3, "x").id}


def test_mark_dropped_leaves_a_hard_linked_copy_unchanged(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    gd.write_manifest(a, [_rec(1, "gpt-4o"), _rec(2, "gpt-4o")])
    b.mkdir()
    os.link(a / "manifest.jsonl", b / "manifest.jsonl")
    assert marks.mark_dropped(b, {_rec(2, "x").id}, "why") == 1
    assert [r.dropped for r in gd.load_manifest(b)] == ["", "why"]
    assert [r.dropped for r in gd.load_manifest(a)] == ["", ""]


def test_the_mirror_check_names_what_to_fetch_and_never_a_sealed_set(tmp_path, capsys):
    assert sources.main(["--mirrors", str(tmp_path)]) == 1
    listed = capsys.readouterr().out.split()
    wanted = {s.repo for _stage, srcs in sources.stages() for s in srcs}
    assert listed and set(listed) == {f"github:{r}" for r in wanted}
    sealed = {s.repo for name in ("conf9", "conf10", "conf11", "conf12")
              for s in conf.CONF_SETS[name].generated + conf.CONF_SETS[name].real}
    assert not wanted & sealed


def test_the_mirror_check_refuses_a_mirror_without_its_pinned_commit(tmp_path, monkeypatch, capsys):
    first = gd.SOURCES[0]
    monkeypatch.setattr(sources, "stages", lambda: [("one", (replace(first, commit="f" * 40),))])
    git = tmp_path / first.repo.replace("/", "+") / "repo"
    git.mkdir(parents=True)
    if os.system(f"git init -q --bare {git}") != 0:
        pytest.skip("git absent")
    assert sources.main(["--mirrors", str(tmp_path)]) == 1
    assert "lacks the pinned commit" in capsys.readouterr().err
