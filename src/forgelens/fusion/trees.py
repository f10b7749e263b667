"""Gradient-boosted decision trees as data: exported from scikit-learn, evaluated with NumPy.

Gradient boosting (Friedman, "Greedy function approximation: a gradient boosting machine",
Annals of Statistics 2001) as implemented by scikit-learn's ``HistGradientBoostingClassifier``
(binary log-loss): raw score = baseline log-odds + the sum of every tree's leaf value, and
P(positive) = sigmoid(raw). ``export`` copies the fitted trees into plain lists (one flat node
table, JSON-able, no pickle); ``BoostedTrees`` walks all trees for all rows at once, one
vectorised step per tree level, so shipping a model needs NumPy only.

``contributions`` splits one raw score into per-feature parts by following each tree's path
and crediting the split feature with the change of the expected value from parent to child
(Saabas, "Interpreting random forests", 2014, the ``treeinterpreter`` decomposition); the
node expected values are count-weighted means of the leaves below, so the parts sum exactly
to raw − the mean tree output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit

__all__ = ["BoostedTrees", "export"]


def export(model: Any) -> dict[str, Any]:
    """The trees of a fitted binary ``HistGradientBoostingClassifier`` as a JSON-able dict."""
    predictors = getattr(model, "_predictors", None)
    if predictors is None or getattr(model, "n_trees_per_iteration_", 1) != 1:
        raise ValueError("export needs a fitted binary HistGradientBoostingClassifier")
    feature, threshold, left, right, value, missing_left, roots, expected = [], [], [], [], [], [], [], []
    for (pred,) in predictors:
        nodes = pred.nodes
        if nodes["is_categorical"].any():
            raise ValueError("categorical splits are not supported")
        base = len(feature)
        roots.append(base)
        leaf = nodes["is_leaf"].astype(bool)
        for i, nd in enumerate(nodes):
            feature.append(-1 if leaf[i] else int(nd["feature_idx"]))
            threshold.append(0.0 if leaf[i] else float(nd["num_threshold"]))
            left.append(base + i if leaf[i] else base + int(nd["left"]))
            right.append(base + i if leaf[i] else base + int(nd["right"]))
            value.append(float(nd["value"]) if leaf[i] else 0.0)
            missing_left.append(bool(nd["missing_go_to_left"]))
        expected.extend(_expected_values(nodes))
    return {"baseline": float(np.ravel(model._baseline_prediction)[0]), "roots": roots, "feature": feature,
            "threshold": threshold, "left": left, "right": right, "value": value, "missing_left": missing_left,
            "expected": expected, "n_features": int(model.n_features_in_)}


def _expected_values(nodes: np.ndarray) -> list[float]:
    """Count-weighted mean leaf value below every node of one tree (leaves: their value)."""
    out = np.zeros(len(nodes))
    weight = np.zeros(len(nodes))

    def walk(i: int) -> None:  # trees are shallow (depth ≤ ~10): recursion is fine
        nd = nodes[i]
        if nd["is_leaf"]:
            out[i], weight[i] = float(nd["value"]), max(float(nd["count"]), 1.0)
            return
        a, b = int(nd["left"]), int(nd["right"])
        walk(a)
        walk(b)
        weight[i] = weight[a] + weight[b]
        out[i] = (out[a] * weight[a] + out[b] * weight[b]) / weight[i]

    walk(0)
    return [float(v) for v in out]


@dataclass(frozen=True)
class BoostedTrees:
    """Evaluate exported trees: ``raw`` (log-odds), ``probability``, ``contributions``."""

    params: dict[str, Any]

    def __post_init__(self) -> None:
        p = self.params
        n = len(p["feature"])
        if not all(len(p[k]) == n for k in ("threshold", "left", "right", "value", "missing_left", "expected")):
            raise ValueError("tree node arrays differ in length")
        if any(not 0 <= int(r) < n for r in p["roots"]):
            raise ValueError("tree root outside the node table")
        # every split points forward to nodes in the table (``export`` writes each tree in
        # pre-order), so walking a tree ends at a leaf: a damaged file cannot make it loop
        feature, left, right = (np.asarray(p[k], np.int64) for k in ("feature", "left", "right"))
        inner = np.flatnonzero(feature >= 0)
        if inner.size and not ((left[inner] > inner) & (right[inner] > inner) & (left[inner] < n)
                               & (right[inner] < n)).all():
            raise ValueError("a tree split points backwards or outside the node table")

    def _arrays(self) -> tuple[np.ndarray, ...]:
        p = self.params
        return (np.asarray(p["feature"], np.int64), np.asarray(p["threshold"], np.float64),
                np.asarray(p["left"], np.int64), np.asarray(p["right"], np.int64),
                np.asarray(p["missing_left"], bool), np.asarray(p["roots"], np.int64))

    def _walk(self, X: np.ndarray, on_step=None) -> np.ndarray:
        """Leaf index of every (row, tree); ``on_step(parent, child)`` sees each level's move."""
        feature, threshold, left, right, missing_left, roots = self._arrays()
        X = np.atleast_2d(np.asarray(X, np.float64))
        node = np.broadcast_to(roots, (X.shape[0], roots.size)).copy()
        rows = np.arange(X.shape[0])[:, None]
        while True:
            f = feature[node]
            inner = f >= 0
            if not inner.any():
                return node
            x = X[rows, np.where(inner, f, 0)]
            go_left = np.where(np.isnan(x), missing_left[node], x <= threshold[node])
            child = np.where(inner, np.where(go_left, left[node], right[node]), node)
            if on_step is not None:
                on_step(node, child, inner, f)
            node = child

    def raw(self, X: np.ndarray) -> np.ndarray:
        """Log-odds per row: baseline + Σ leaf values."""
        leaves = self._walk(X)
        return self.params["baseline"] + np.asarray(self.params["value"], np.float64)[leaves].sum(axis=1)

    def probability(self, X: np.ndarray) -> np.ndarray:
        return expit(self.raw(X))

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """(rows, features) parts of the raw score (Saabas path decomposition)."""
        X = np.atleast_2d(np.asarray(X, np.float64))
        expected = np.asarray(self.params["expected"], np.float64)
        out = np.zeros((X.shape[0], int(self.params["n_features"])))
        rows = np.repeat(np.arange(X.shape[0])[:, None], len(self.params["roots"]), axis=1)

        def add(node, child, inner, f):
            delta = np.where(inner, expected[child] - expected[node], 0.0)
            np.add.at(out, (rows[inner], f[inner]), delta[inner])

        self._walk(X, add)
        return out

    def bias(self) -> float:
        """What ``raw`` is before any feature: baseline + Σ root expected values."""
        roots = np.asarray(self.params["roots"], np.int64)
        return float(self.params["baseline"] + np.asarray(self.params["expected"])[roots].sum())
