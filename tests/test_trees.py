"""Exported gradient-boosted trees reproduce scikit-learn exactly (fusion/trees.py)."""

import json

import numpy as np
import pytest

from forgelens.fusion.trees import BoostedTrees, export


def _fitted(seed=0, n=400, d=7):
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = ((X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + rng.normal(0, 0.5, n)) > 0).astype(int)
    X[rng.random((n, d)) < 0.03] = np.nan  # missing values take their learned side
    m = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=8, learning_rate=0.1,
                                       class_weight="balanced", random_state=0).fit(X, y)
    return m, X, rng


def test_evaluator_matches_predict_proba_on_random_data():
    m, _, rng = _fitted()
    trees = BoostedTrees(json.loads(json.dumps(export(m))))  # through JSON, as shipped
    Xt = rng.normal(size=(500, 7)) * 2
    Xt[rng.random(Xt.shape) < 0.05] = np.nan
    np.testing.assert_allclose(trees.probability(Xt), m.predict_proba(Xt)[:, 1], rtol=0, atol=1e-9)
    np.testing.assert_allclose(trees.raw(Xt), m.decision_function(Xt), rtol=0, atol=1e-9)


def test_contributions_sum_to_the_raw_score_and_credit_the_used_features():
    m, X, _ = _fitted(seed=1)
    trees = BoostedTrees(export(m))
    parts = trees.contributions(X[:50])
    np.testing.assert_allclose(parts.sum(axis=1) + trees.bias(), trees.raw(X[:50]), atol=1e-9)
    # the label depends mostly on feature 0: it carries the most credit
    share = np.abs(parts).sum(axis=0)
    assert int(np.argmax(share)) == 0 and share[0] > 2 * share[3:].max()


def test_export_refuses_what_it_cannot_represent():
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(ValueError, match="HistGradientBoostingClassifier"):
        export(LogisticRegression().fit([[0.0], [1.0]], [0, 1]))
    m, _, _ = _fitted()
    bad = export(m)
    bad["left"] = bad["left"][:-1]
    with pytest.raises(ValueError, match="differ in length"):
        BoostedTrees(bad)


def test_a_damaged_tree_that_would_loop_is_refused_and_the_model_file_names_itself(tmp_path):
    from forgelens.errors import ForgeLensError
    from forgelens.fusion.detection import DetectionModel

    m, X, _ = _fitted()
    looped = export(m)
    root = looped["roots"][0]
    looped["left"][root] = root  # a split that points back at itself
    with pytest.raises(ValueError, match="points backwards"):
        BoostedTrees(looped)
    names = [f"f{i}" for i in range(X.shape[1])]
    good = DetectionModel(detectors=["ela"], features=names, mean=[], scale=[], coef=[], intercept=0.0,
                          platt={"a": 1.0, "b": 0.0}, thresholds={"manipulated_at": 0.8, "authentic_below": 0.5},
                          trees=export(m))
    good.save(tmp_path / "d.json")
    doc = json.loads((tmp_path / "d.json").read_text())
    doc["parameters"]["trees"]["left"][root] = root
    (tmp_path / "d.json").write_text(json.dumps(doc))
    with pytest.raises(ForgeLensError, match="d.json"):
        DetectionModel.load(tmp_path / "d.json")
