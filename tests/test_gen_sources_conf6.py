"""Session 15, s15conf6: the sixth fresh confirmation set (training.gen_sources_conf CONF6_*) and clause B' of the lead's
N9 rule (benchmarks/studies/generation_confirm_s15c6.py). No network, no data: rules and clauses only."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from forgelens.training import gen_sources_conf as conf
from forgelens.training import generation_data as gd
from tests._gen_source_helpers import kept as _kept
from tests._study_helpers import import_study

STUDIES = Path(__file__).resolve().parents[1] / "benchmarks" / "studies"


def _study():
    return import_study("generation_confirm_s15c6")


def _src6(repo: str) -> gd.Source:
    return next(s for s in conf.CONF6_GENERATED if s.repo == repo)


def test_sixth_set_path_rules_keep_each_stated_model_and_nothing_else():
    hk = _src6("haskaomni/my-site")
    for path, fam in (("compare-nano-banana-pro.png", "nano-banana-pro"), ("compare-nano-banana.png", "nano-banana"),
                      ("compare-seedream.png", "seedream-4.5"), ("compare-gpt5.png", "gpt-5-image"),
                      ("compare-gpt5-mini.png", "gpt-5-image-mini"), ("compare-riverflow.png", "riverflow-v2-pro")):
        assert _kept(hk, f"docs/public/images/{path}") == ("generated", fam), path
    for out in ("docs/public/images/ccc-hero.png", "docs/public/images/memory-shortage/01-dram-inventory-bloomberg.png"):
        assert _kept(hk, out) is None, out  # covers and charts: no stated model
    an = _src6("anand-92/ultimate-image-gen-mcp")
    assert _kept(an, "showcase/examples/shiba-spiderman-imagen4.png") == ("generated", "imagen-4")
    assert _kept(an, "showcase/examples/shiba-spiderman-imagen4-ultra.png") == ("generated", "imagen-4-ultra")
    assert _kept(an, "showcase/examples/mainecoon-spiderman-gemini-flash.png") == ("generated", "nano-banana")
    for out in ("showcase/banner.png", "showcase/examples/elon_mars_chess.png", "showcase/examples/wolf_symbiote.png"):
        assert _kept(an, out) is None, out
    sh = _src6("shinpr/mcp-image")
    assert _kept(sh, "assets/roast-chicken-plain.jpg") == ("generated", "nano-banana-2")
    dh = _src6("DanielHashmi/Q4_learning")
    assert _kept(dh, "pronpt-engineering/imagen4.png") == ("generated", "imagen-4")
    assert _kept(dh, "pronpt-engineering/nanobanana.png") == ("generated", "nano-banana")
    for out in ("pronpt-engineering/chatgpt.png", "pronpt-engineering/microsoft.png",  # model version not stated
                "cloud-native-development/ckad.png"):
        assert _kept(dh, out) is None, out
    wm = _src6("writingmate/imagegen-mcp")
    for path, fam in (("flux-1.1-pro", "flux-1.1-pro"), ("qwen-image", "qwen-image"), ("seedream-4", "seedream-4"),
                      ("nano-banana", "nano-banana")):
        assert _kept(wm, f"examples/comparison/{path}.png") == ("generated", fam), path
    assert _kept(wm, "examples/flux-example.png") is None and _kept(wm, "examples/gemini-example.png") is None


def test_clause_b_prime_size_floor_margin_and_rate():
    s = _study()
    called, fa = {"N3x": 10, "N9": 13}, {"N3x": 2, "N9": 2}
    items = s.clause_b_prime(48, 147, called, fa)
    assert [p for _, p in items] == [True, True, True]
    assert not all(p for _, p in s.clause_b_prime(48, 147, {"N3x": 10, "N9": 12}, fa))  # + 3 needed
    assert not all(p for _, p in s.clause_b_prime(48, 147, called, {"N3x": 2, "N9": 3}))  # more than N3x
    big = s.clause_b_prime(48, 147, called, {"N3x": 9, "N9": 5})  # ≤ N3x but 5/147 = 3.4 % > 3 %
    assert [p for _, p in big] == [True, True, False]
    assert s.clause_b_prime(48, 200, {"N3x": 11, "N9": 14}, {"N3x": 6, "N9": 6})[2][1]  # 6/200 = 3 % holds
    short = s.clause_b_prime(39, 147, called, fa)
    assert len(short) == 1 and not short[0][1] and "not measured" in short[0][0]
    assert not s.clause_b_prime(48, 119, called, fa)[0][1]
    assert s.clause_b_prime(48, 147, {"N3x": 10, "N9r": 14}, {"N3x": 2, "N9r": 1}, cand="N9r")[0][1]


def test_lean_shares_split_real_photos_by_band_and_leans():
    s = _study()
    p = np.array([0.95, 0.80, 0.60, 0.40, 0.99, 0.70])
    real = np.array([1, 1, 1, 1, 1, 0], bool)
    ok = np.array([1, 1, 1, 1, 0, 1], bool)  # the fifth picture is gated: never counted as called
    c = s.lean_shares(p, real, ok, generated_at=0.875, authentic_below=0.684)
    assert c == {"n": 5, "gated": 1, "called": 1, "band": 1, "leans": 1, "clear": 1}
