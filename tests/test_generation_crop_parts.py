"""Session 17 (P4): the four-crop feature candidates of the generation fit (``fit_generation.py --crop-parts``), the
crop cache's reuse of identical view files (``generation_cache_layers.py --reuse``) and clause C of the lead's rule on
sets 10 + 11 (``generation_confirm_s17.py``). No ``../shared`` is read; the byte-for-byte reproduction is opt-in."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from forgelens.detectors import clip_probe as gc
from tests._fit_helpers import assert_n11_fit_reproduced
from tests._fit_helpers import fit_module as _fit_module
from tests._study_helpers import assert_clause_c, assert_refuses_unsealed, import_study


def test_crop_parts_are_offered_only_with_the_option_and_after_the_aligned_sets():
    fit = _fit_module("fit_generation")
    assert fit.CROP_PARTS == (("g_cls[6:12]", "c4_cls[6:12]"), ("g_cls[6:12]", "c4_tok"))
    plain = [c[0] for c in fit.candidates(True, None)]
    assert plain == list(fit.ALIGNED_PARTS)  # the default: N11's candidates, nothing else
    with_crops = [c[0] for c in fit.candidates(True, None, crop_parts=True)]
    assert with_crops == list(fit.ALIGNED_PARTS) + list(fit.CROP_PARTS)
    assert all(c[1:] == ((), fit.SINGLE_VIEW, False) for c in fit.candidates(True, None, crop_parts=True))
    # the runtime encodes four native crops for such a probe, and reads c4_tok / c4_cls blocks 6-11
    for parts in fit.CROP_PARTS:
        assert gc.crops_needed(parts) == 4
    feats = {"g_cls": np.ones((13, 768), np.float32), "c4_cls": np.arange(13 * 768, dtype=np.float32).reshape(13, 768),
             "c4_tok": np.full(768, 2.0, np.float32)}
    assert gc.feature_vector(feats, fit.CROP_PARTS[0]).shape == (12 * 768,)
    assert gc.feature_vector(feats, fit.CROP_PARTS[1]).shape == (7 * 768,)


def test_crop_parts_choose_features_scores_them_in_the_cv():
    """``choose_features`` with ``crop_parts`` scores the crop sets in the same leave-family-out CV and may choose one;
    without, it never sees them."""
    fit = _fit_module("fit_generation")
    rng = np.random.default_rng(0)
    n = 240
    fam = np.array([f"gen{i % 4}" if i % 2 else f"real{i % 3}" for i in range(n)], dtype=object)
    y = np.array([i % 2 for i in range(n)])

    class T:
        family, split = fam, np.array(["train"] * n)
        ids = [f"{i:08x}" for i in range(n)]
        repo = np.array(["r"] * n, dtype=object)
        group_by_repo = frozenset()
        parts = {"g_cls": rng.normal(0, 1, (n, 13, 8)).astype(np.float32),
                 "g_emb": rng.normal(0, 1, (n, 8)).astype(np.float32),
                 "c4_cls": rng.normal(0, 1, (n, 13, 8)).astype(np.float32),
                 "c4_tok": (rng.normal(0, 1, (n, 8)) + 3 * y[:, None]).astype(np.float32)}  # only the crops separate

        def x(self, ps):
            return np.concatenate([gc.part_array(self.parts, p).reshape(n, -1) for p in ps], axis=1)

        def xv(self, ps, views=fit.SINGLE_VIEW):
            return [self.x(ps)]

        def cv_groups(self, rows):
            return fit.groups_for(self.family[rows], self.y[rows], [self.ids[i] for i in np.flatnonzero(rows)],
                                  self.repo[rows], self.group_by_repo)

        def has_views(self, views):
            return True

    T.y = y
    t, tr = T(), np.ones(n, bool)
    quiet = lambda *a, **k: None  # noqa: E731
    parts, *_, cv = fit.choose_features(t, tr, log=quiet, aligned_only=True)
    assert not any("c4" in k for k in cv) and "c4" not in "".join(parts)
    parts, *_, cv = fit.choose_features(t, tr, log=quiet, aligned_only=True, crop_parts=True)
    assert parts == ("g_cls[6:12]", "c4_tok")
    assert {k.split(" C=")[0] for k in cv} >= {"g_cls[6:12]+c4_cls[6:12]", "g_cls[6:12]+c4_tok"}


def test_reuse_takes_the_parts_of_the_same_view_file_only(tmp_path):
    cl = _fit_module("generation_cache_layers")
    assert cl.pass_parts(4) == ("c_emb", "c_tok", "c_cls", "c4_emb", "c4_tok", "c4_cls")
    assert cl.pass_parts(0) == ("g_emb", "g_tok", "g_cls")
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        (d / "views").mkdir(parents=True)
    (b / "views" / "x_proc.png").write_bytes(b"same picture")
    os.link(b / "views" / "x_proc.png", a / "views" / "x_proc.png")  # a cp -al copy
    (b / "views" / "y_proc.png").write_bytes(b"same bytes")
    (a / "views" / "y_proc.png").write_bytes(b"same bytes")  # another file, equal bytes
    (b / "views" / "z_proc.png").write_bytes(b"one picture")
    (a / "views" / "z_proc.png").write_bytes(b"another one")  # same name, other picture: encoded again
    (a / "views" / "w_proc.png").write_bytes(b"not in b's cache")
    parts = cl.pass_parts(4)
    other = {f"{f}|{p}": np.full(3, i, np.float16) for i, f in enumerate(("x_proc.png", "y_proc.png", "z_proc.png"))
             for p in parts}
    np.savez(b / cl.OUT, **other)
    cache: dict[str, np.ndarray] = {}
    left = cl.reuse_views(a, b, ["w_proc.png", "x_proc.png", "y_proc.png", "z_proc.png"], cache, parts)
    assert left == ["w_proc.png", "z_proc.png"]
    assert sorted(cache) == sorted(f"{f}|{p}" for f in ("x_proc.png", "y_proc.png") for p in parts)
    assert cache["y_proc.png|c4_cls"].tolist() == [1, 1, 1]
    with pytest.raises(SystemExit, match="no features-rine.npz"):
        cl.reuse_views(a, tmp_path / "nowhere", ["x_proc.png"], {}, parts)


def test_clause_c_four_more_calls_false_alarms_not_more_than_n11_and_at_most_six_of_213():
    assert_clause_c(import_study("generation_confirm_s17"), 4, (69, 213), [10, 11], "P4")


def test_clause_c_refuses_an_unsealed_set_before_scoring(tmp_path):
    assert_refuses_unsealed(import_study("generation_confirm_s17"), [10, 11], tmp_path)


def test_without_crop_parts_the_fit_reproduces_n11_byte_for_byte(tmp_path):
    """On P4's data (N11's data with the c4 crop cache added) N11's fit command WITHOUT ``--crop-parts`` writes N11's
    three files byte for byte (the fit date aside). A 1-2 min fit: opt-in."""
    assert_n11_fit_reproduced(Path(os.environ.get("FORGELENS_P4_DATA", "/work/gen-data-s17crop")), tmp_path,
                              "P4's data")
