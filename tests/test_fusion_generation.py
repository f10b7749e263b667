"""Generation combiner: one calibrated P(generated), its threshold and band, laundering, and
verdict probabilities that sum to 1."""

from __future__ import annotations

import json

import numpy as np
import pytest

from forgelens.detectors import registry
from forgelens.fusion import FusionConfig
from forgelens.fusion import fuse as _fuse_traces
from forgelens.fusion.generation import GenerationCombiner, assess
from forgelens.trace import Finding, Trace

SHAPE = (32, 32)


@pytest.fixture
def combiner(tmp_path):
    spec = {
        "schema": 1, "description": "test", "fitted": {"script": "test"},
        "models": [
            {"detectors": ["trace_x", "clip_probe"], "coef": [1.0, 1.0], "intercept": 0.0,
             "generated_at": 0.8, "authentic_below": 0.5, "heldout_fpr": 0.02},
            {"detectors": ["trace_x"], "coef": [1.0], "intercept": 0.0,
             "generated_at": 0.9, "authentic_below": 0.6},
        ],
        "laundering": {"trace": "trace_x", "semantic": "clip_probe"},
    }
    path = tmp_path / "generation.json"
    path.write_text(json.dumps(spec))
    return GenerationCombiner.load(path)


def test_first_model_whose_detectors_ran_is_used(combiner):
    both = assess([Trace("trace_x", score=0.5), Trace("clip_probe", score=0.5)], combiner=combiner)
    assert both.detectors == ("trace_x", "clip_probe") and both.p_generated == pytest.approx(0.5)
    only_trace = assess([Trace("trace_x", score=0.95), Trace("clip_probe", applicable=False, note="n/a")],
                        combiner=combiner)
    assert only_trace.detectors == ("trace_x",) and only_trace.generated_at == 0.9
    assert only_trace.p_generated == pytest.approx(0.95, abs=1e-6) and only_trace.band == "generated"
    assert assess([Trace("ela", score=0.9)], combiner=combiner) is None


def test_logits_add_up_and_the_band_follows_the_thresholds(combiner):
    # logit(0.8) + logit(0.8) → P = 0.8²/(0.8²+0.2²) ≈ 0.941
    a = assess([Trace("trace_x", score=0.8), Trace("clip_probe", score=0.8)], combiner=combiner)
    assert a.p_generated == pytest.approx(0.64 / 0.68, abs=1e-6) and a.band == "generated"
    low = assess([Trace("trace_x", score=0.6), Trace("clip_probe", score=0.55)], combiner=combiner)
    assert low.band == "inconclusive"
    clean = assess([Trace("trace_x", score=0.1), Trace("clip_probe", score=0.2)], combiner=combiner)
    assert clean.band == "not generated"


def test_laundering_splits_trace_from_scene(combiner):
    laundered = assess([Trace("trace_x", score=0.99), Trace("clip_probe", score=0.1)], combiner=combiner)
    synthetic = assess([Trace("trace_x", score=0.99), Trace("clip_probe", score=0.95)], combiner=combiner)
    assert laundered.laundering["p_laundered"] == pytest.approx(0.9)
    assert synthetic.laundering["p_laundered"] == pytest.approx(0.05)
    classes = laundered.laundering["classes"]
    assert sum(classes.values()) == pytest.approx(1.0, abs=1e-3)
    assert classes["pristine"] == pytest.approx(1 - laundered.p_generated, abs=1e-3)
    assert classes["laundered"] > classes["fully_synthetic"]
    assert synthetic.laundering["classes"]["fully_synthetic"] > synthetic.laundering["classes"]["laundered"]


def test_inconsistent_model_is_refused(tmp_path):
    bad = {"models": [{"detectors": ["a", "b"], "coef": [1.0], "intercept": 0, "generated_at": 0.5,
                       "authentic_below": 0.4}]}
    (tmp_path / "g.json").write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="inconsistent"):
        GenerationCombiner.load(tmp_path / "g.json")
    assert GenerationCombiner.load(tmp_path / "absent.json") is None


def fuse(traces, shape, config=None):
    """fuse() on Traces stamped as ``registry.run`` stamps them (family, calibrated)."""
    return _fuse_traces([registry.stamp(t) for t in traces], shape, config)


def _fuse_with(combiner, traces, monkeypatch):
    import forgelens.fusion.generation as gen

    monkeypatch.setattr(gen, "_COMBINER", [combiner])
    return fuse(traces, SHAPE, FusionConfig(use_stacking=False, use_detection=False))


def _quiet():
    return [Trace(n, heatmap=np.zeros(SHAPE, np.float32), score=0.05) for n in ("ela", "noise_wavelet")]


def test_verdict_generated_with_probabilities_summing_to_one(combiner, monkeypatch):
    v = _fuse_with(combiner, _quiet() + [Trace("trace_x", score=0.97), Trace("clip_probe", score=0.97)],
                   monkeypatch)
    assert v.label == "generated" and v.domain == "fully AI-generated" and v.calibrated
    p = v.probabilities
    assert sum(p.values()) == pytest.approx(1.0, abs=1e-3) and p["generated"] > 0.99
    d = v.to_dict()
    assert d["generation"]["band"] == "generated" and d["laundering"]["p_laundered"] < 0.1


def test_laundered_picture_is_real_content_re_rendered(combiner, monkeypatch):
    v = _fuse_with(combiner, _quiet() + [Trace("trace_x", score=0.999), Trace("clip_probe", score=0.3)],
                   monkeypatch)
    assert v.label == "generated"
    assert v.domain.startswith("real content, AI-re-rendered")
    assert v.decision["rule"] == "generation_model" and v.laundering["p_laundered"] > 0.5


def test_inconclusive_band_blocks_an_authentic_label(combiner, monkeypatch):
    v = _fuse_with(combiner, _quiet() + [Trace("trace_x", score=0.6), Trace("clip_probe", score=0.6)],
                   monkeypatch)
    assert v.label == "inconclusive" and v.decision["thresholds"]["generation_inconclusive_from"] <= \
        v.probabilities["generated"] < v.decision["thresholds"]["generated_at"]
    clean = _fuse_with(combiner, _quiet() + [Trace("trace_x", score=0.1), Trace("clip_probe", score=0.1)],
                       monkeypatch)
    assert clean.label == "authentic"
    p = clean.probabilities
    assert sum(p.values()) == pytest.approx(1.0, abs=1e-3) and p["authentic"] > p["manipulated"] > 0


def test_declared_ai_sets_p_generated_and_without_generation_evidence_it_is_unmeasured(monkeypatch):
    import forgelens.fusion.generation as gen

    monkeypatch.setattr(gen, "_COMBINER", [None])
    f = Finding("ai_declared", "C2PA manifest declares trainedAlgorithmicMedia", 1.0)
    v = fuse([Trace("c2pa_manifest", score=1.0, findings=[f])] + _quiet(), SHAPE, FusionConfig(use_stacking=False, use_detection=False))
    assert v.label == "generated" and v.probabilities["generated"] == pytest.approx(1.0)
    plain = fuse(_quiet(), SHAPE, FusionConfig(use_stacking=False, use_detection=False))
    assert plain.probabilities["generated"] is None
    assert plain.probabilities["authentic"] + plain.probabilities["manipulated"] == pytest.approx(1.0)


def test_generation_patch_maps_stay_out_of_the_manipulation_map(combiner, monkeypatch):
    patch = np.zeros(SHAPE, np.float32)
    patch[:16, :16] = 1.0
    v = _fuse_with(combiner, _quiet() + [Trace("gen_trace", heatmap=patch, score=0.99)], monkeypatch)
    assert v.heatmap is not None and v.heatmap.max() < 0.5


@pytest.mark.parametrize("score, reported", [(0.18, False), (0.6, True)])
def test_laundering_and_attribution_reported_only_at_non_negligible_p_generated(tmp_path, monkeypatch, score,
                                                                               reported):
    from forgelens.fusion import NEGLIGIBLE_GENERATED

    # a combiner whose "not generated" band ends at 0.1: at P 0.25 the model computes the split and
    # the hint, yet generation evidence is negligible for the verdict (issue 18 point 4)
    spec = {"schema": 1, "description": "test", "fitted": {"script": "test"},
            "models": [{"detectors": ["trace_x", "clip_probe"], "coef": [1.0, 1.0], "intercept": 0.0,
                        "generated_at": 0.9, "authentic_below": 0.1}],
            "laundering": {"trace": "trace_x", "semantic": "clip_probe"}}
    (tmp_path / "g.json").write_text(json.dumps(spec))
    hint = {"family": "sd-1.x", "probability": 0.6, "method": "test", "known_families": ["sd-1.x"]}
    clip = Trace("clip_probe", score=0.6, findings=[Finding("generated", "probe", 0.6, values={"attribution": hint})])
    v = _fuse_with(GenerationCombiner.load(tmp_path / "g.json"), _quiet() + [Trace("trace_x", score=score), clip],
                   monkeypatch)
    pg = v.probabilities["generated"]
    assert (pg >= NEGLIGIBLE_GENERATED) == reported
    d = v.to_dict()
    assert (d["laundering"] is not None) == reported
    assert (d["generation"]["attribution"] is not None) == reported
    assert d["generation"]["p_generated"] == pytest.approx(pg, abs=1e-3)  # the model's P is still reported
