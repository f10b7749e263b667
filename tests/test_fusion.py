"""The first fusion rule: labels, provenance overrides, and a map led by the detectors that found something."""

from __future__ import annotations

import numpy as np
import pytest

from forgelens.detectors import registry
from forgelens.fusion import FusionConfig
from forgelens.fusion import fuse as _fuse_traces
from forgelens.fusion.stacking import StackingModel
from forgelens.trace import Finding, Trace

RULE = FusionConfig(use_stacking=False, use_detection=False)


def _fuse(traces, shape, config=None):
    """fuse() on Traces stamped as ``registry.run`` stamps them (family, calibrated)."""
    return _fuse_traces([registry.stamp(t) for t in traces], shape, config)


def fuse(traces, shape):
    """The documented first rule (the shipped stacking model is tested separately)."""
    return _fuse(traces, shape, RULE)


SHAPE = (64, 64)


def _map(box=None, level=1.0):
    m = np.zeros(SHAPE, np.float32)
    if box:
        y0, y1, x0, x1 = box
        m[y0:y1, x0:x1] = level
    return m


def test_a_confident_detector_leads_the_map_and_the_label():
    sure = Trace("jpeg_adq", heatmap=_map((10, 30, 10, 30)), score=0.95)
    noisy = Trace("noise_wavelet", heatmap=np.random.default_rng(0).random(SHAPE, dtype=np.float32), score=0.05)
    v = fuse([sure, noisy], SHAPE)
    assert v.label == "manipulated" and v.domain == "classic edit: splice / removal"
    inside, outside = v.heatmap[10:30, 10:30].mean(), v.heatmap[40:, 40:].mean()
    assert inside > 0.8 and outside < 0.1
    assert v.mask[10:30, 10:30].all() and not v.mask[40:, 40:].any()


def test_quiet_detectors_give_authentic():
    traces = [Trace(n, heatmap=_map(), score=0.05) for n in ("ela", "noise_wavelet", "jpeg_grid")]
    assert fuse(traces, SHAPE).label == "authentic"


def test_no_scores_is_inconclusive():
    assert fuse([Trace("ela", applicable=False, note="n/a")], SHAPE).label == "inconclusive"


def test_declared_generation_overrides_pixels():
    f = Finding("ai_declared", "C2PA manifest declares trainedAlgorithmicMedia", 1.0)
    v = fuse([Trace("c2pa_manifest", score=1.0, findings=[f]), Trace("ela", heatmap=_map(), score=0.0)], SHAPE)
    assert v.label == "generated" and v.decision["rule"] == "provenance_declared_ai"
    assert v.decision["detectors"] == ["c2pa_manifest"] and v.findings[0][1].kind == "ai_declared"


def test_declared_partial_ai_edit_is_a_manipulation():
    f = Finding("ai_declared", "ingredient edited with generative fill", 0.8, values={"scope": "partial"})
    v = fuse([Trace("c2pa_manifest", score=0.8, findings=[f])], SHAPE)
    assert v.label == "manipulated" and v.domain == "AI edit or inpainting (declared)"


@pytest.mark.parametrize("calibrated_name,expect", [("spectrum", "authentic")])
def test_uncalibrated_generation_score_does_not_decide(calibrated_name, expect):
    # the spectral trace is registered uncalibrated: a high score is reported, not obeyed
    v = fuse([Trace(calibrated_name, score=0.99), Trace("ela", heatmap=_map(), score=0.0)], SHAPE)
    assert v.label == expect and v.generation_score == pytest.approx(0.99)


def test_a_confident_copy_move_names_the_domain():
    traces = [Trace("splicebuster", heatmap=_map((0, 20, 0, 20)), score=0.9),
              Trace("copymove_sift", heatmap=_map((40, 60, 40, 60)), score=0.8)]
    assert fuse(traces, SHAPE).domain == "classic edit: copy-move"


def test_stacking_model_probability_and_weights(tmp_path):
    m = StackingModel(features=["ela", "jpeg_adq"], mean=[0.1, 0.5, 0.2, 0.5], scale=[0.1, 0.5, 0.2, 0.5],
                      coef=[0.5, 0.0, 2.0, -0.3], intercept=-1.0, trained_on="test")
    low = m.probability({"ela": 0.1, "jpeg_adq": 0.0})
    high = m.probability({"ela": 0.1, "jpeg_adq": 0.99})
    assert 0 < low < 0.5 < high < 1
    assert m.weight("jpeg_adq") > m.weight("ela") > 0 and m.weight("nope") == 0
    m.save(tmp_path / "s.json")
    assert StackingModel.load(tmp_path / "s.json") == m
    assert StackingModel.load(tmp_path / "absent.json") is None


def test_shipped_stacking_gives_a_calibrated_verdict_when_its_detectors_ran():
    from forgelens.fusion import stacking_model

    model = stacking_model()
    if model is None:
        pytest.skip("no stacking.json shipped")
    traces = [Trace(n, heatmap=_map(), score=0.0) for n in model.features]
    v = _fuse(traces, SHAPE)
    assert v.calibrated and 0.0 <= v.score <= 1.0
    # with too few of its detectors, the rule decides and says it is not calibrated
    assert not _fuse(traces[:1], SHAPE).calibrated


def test_map_only_detector_paints_the_map_but_does_not_decide():
    learned = Trace("learned_localizer", heatmap=_map((0, 32, 0, 32)), score=0.99)
    quiet = Trace("ela", heatmap=_map(), score=0.05)
    v = fuse([learned, quiet], SHAPE)
    assert v.label == "authentic"  # its image score is reported, not obeyed
    assert v.heatmap[:32, :32].mean() > v.heatmap[32:, 32:].mean() + 0.5  # its map is fused


def test_verdict_carries_facts_not_prose():
    sure = Trace("jpeg_adq", heatmap=_map((10, 30, 10, 30)), score=0.95)
    d = _fuse([sure, Trace("ela", heatmap=_map(), score=0.05)], SHAPE).to_dict()
    assert "explanation" not in d
    for key in ("label", "not_applicable_reason", "probabilities", "likelihood_ratios", "support", "prior",
                "decision", "domain", "findings", "calibrated"):
        assert key in d
    assert set(d["decision"]) == {"rule", "detectors", "thresholds", "model"}


def test_family_is_read_from_the_trace_not_the_registry():
    # an unregistered detector stamped "copymove" is treated as copy-move evidence
    t = Trace("my_copymove", heatmap=_map((40, 60, 40, 60)), score=0.95, family="copymove")
    v = _fuse_traces([t], SHAPE, RULE)
    assert v.label == "manipulated" and v.domain == "classic edit: copy-move"


def test_calibrated_model_gives_a_likelihood_ratio_and_an_enfsi_step():
    from forgelens.fusion import stacking_model

    model = stacking_model()
    if model is None:
        pytest.skip("no stacking.json shipped")
    traces = [Trace(n, heatmap=_map(), score=0.0) for n in model.features]
    v = _fuse(traces, SHAPE)
    p = v.manipulation_score
    lr = v.likelihood_ratios["manipulated"]
    assert lr == pytest.approx((p / (1 - p)) / (v.prior["manipulated"] / (1 - v.prior["manipulated"])))
    assert v.support["manipulated"] in ("against", "none", "weak", "moderate", "moderately_strong", "strong",
                                        "very_strong", "extremely_strong")
    assert v.decision["rule"] == "manipulation_model"


def test_not_applicable_verdict_has_a_reason():
    from forgelens.fusion import not_applicable

    v = not_applicable("image is 100×68 px, below the 128 px the detectors need")
    d = v.to_dict()
    assert d["label"] == "not_applicable" and "100×68" in d["not_applicable_reason"]
    assert d["decision"]["rule"] == "not_applicable" and d["probabilities"] is None


def test_several_cloned_pairs_are_not_named_a_copy_move():
    # three instances of one object give two or more matched pairs: the tag says the repetition
    # is undetermined (identical objects match as a clone does)
    pair = {"source_area_px": 40, "target_area_px": 40, "rotation_deg": 0.0, "scale": 1.0, "match_count": 30}
    findings = [Finding("copy_move", "pair", 0.9, (0, 0, 10, 10), dict(pair, pair_id=k)) for k in range(2)]
    t = Trace("copymove_sift", heatmap=_map((40, 60, 40, 60)), score=0.95, findings=findings)
    v = fuse([t], SHAPE)
    assert v.label == "manipulated" and v.domain == "repeated content: copy-move or identical objects"


def test_detection_model_round_trip_and_bounded_likelihood_ratio(tmp_path):
    from forgelens.fusion.detection import DetectionModel, features, summarise

    t = registry.stamp(Trace("ela", heatmap=_map((10, 30, 10, 30)), score=0.9))
    feats = features(summarise([t], t.heatmap), ["ela"])
    names = sorted(feats)
    m = DetectionModel(detectors=["ela"], features=names, mean=[0.0] * len(names), scale=[1.0] * len(names),
                       coef=[5.0 if n == "ela.top" else 0.0 for n in names], intercept=0.0,
                       platt={"a": 3.0, "b": 0.0}, thresholds={"manipulated_at": 0.8, "authentic_below": 0.3},
                       lr_bounds=[0.01, 50.0])
    p = m.probability(feats)
    assert p == pytest.approx(50 / 51)  # an extreme score is held at the LR the validation data supports
    m.save(tmp_path / "d.json")
    assert DetectionModel.load(tmp_path / "d.json").probability(feats) == pytest.approx(p)
    (tmp_path / "bad.json").write_text("{")
    from forgelens.errors import ForgeLensError

    with pytest.raises(ForgeLensError, match="bad.json"):
        DetectionModel.load(tmp_path / "bad.json")


def test_detection_model_with_trees_round_trips_and_credits_the_map_that_decided(tmp_path):
    from sklearn.ensemble import HistGradientBoostingClassifier

    from forgelens.fusion.detection import DetectionModel, features, summarise
    from forgelens.fusion.trees import export

    def feats_of(level):
        t = registry.stamp(Trace("ela", heatmap=_map((10, 30, 10, 30), level), score=level))
        return features(summarise([t], t.heatmap), ["ela"])

    names = sorted(feats_of(0.5))
    rng = np.random.default_rng(0)
    levels = rng.random(120)
    X = np.array([[feats_of(v)[n] for n in names] for v in levels])
    gb = HistGradientBoostingClassifier(max_iter=20, max_leaf_nodes=4, min_samples_leaf=5).fit(X, levels > 0.5)
    m = DetectionModel(detectors=["ela"], features=names, platt={"a": 1.0, "b": 0.0},
                       thresholds={"manipulated_at": 0.8, "authentic_below": 0.3}, trees=export(gb))
    hot, cold = feats_of(0.95), feats_of(0.05)
    assert m.raw(hot) == pytest.approx(gb.decision_function([[hot[n] for n in names]])[0], abs=1e-9)
    assert m.probability(hot) > 0.8 > 0.3 > m.probability(cold)
    assert max(m.contributions(hot).values()) > 0  # something pushed it up, and it is an ela feature
    m.save(tmp_path / "trees.json")
    back = DetectionModel.load(tmp_path / "trees.json")
    assert back.method == "gradient-boosted trees" and back.probability(hot) == m.probability(hot)


def test_label_and_probabilities_agree_when_generation_evidence_is_middling():
    """A manipulation model and a generation model both calibrated: the three probabilities come
    from their likelihood ratios with one prior, so the labelled class is the most probable."""
    from forgelens.fusion import _probabilities

    p = _probabilities(0.54, 0.943, gen_prior=0.5, manip_prior=0.5)  # the bundled example's numbers
    assert p["manipulated"] > p["generated"] and p["manipulated"] > p["authentic"]
    assert sum(p.values()) == pytest.approx(1, abs=1e-3)
    lr_m, lr_g = 0.943 / 0.057, 0.54 / 0.46
    assert p["manipulated"] / p["generated"] == pytest.approx(lr_m / lr_g, rel=1e-2)
    # a declaration's strength (no calibrated generation model): P(generated) taken as is
    assert _probabilities(0.95, 0.9)["generated"] == 0.95


@pytest.mark.parametrize("p_generated, expect", [(0.2, "authentic"), (0.6, "inconclusive")])
def test_authentic_is_said_only_when_it_is_the_most_probable_class(p_generated, expect):
    """A low calibrated P(manipulated) and generation evidence below the generation model's own
    inconclusive band: the picture reads "authentic" only while the generation evidence does not
    lean towards "generated" (LR ≤ 1), so P(authentic) is the largest probability shown."""
    from forgelens.fusion import FusionConfig, _decide, _Scores
    from forgelens.fusion.generation import GenerationAssessment

    a = GenerationAssessment(p_generated, generated_at=0.83, authentic_below=0.67, detectors=("clip_probe",),
                             calibrated=True, method="combiner", prior=0.5)
    sc = _Scores(manipulation=0.2, ranked_manip=[(0.2, "ela")], model_calibrated=True, model_prior=0.5,
                 method="detection", thresholds={"manipulated_at": 0.82, "authentic_below": 0.5},
                 assessment=a, generation_score=p_generated)
    v = _decide(sc, [], {}, None, None, FusionConfig())
    p = v.probabilities
    assert v.label == expect and sum(p.values()) == pytest.approx(1, abs=1e-3)
    assert (max(p, key=p.get) == "authentic") == (expect == "authentic")
