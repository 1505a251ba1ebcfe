"""Counterfactuals and recourse given awkward inputs (the reviews of the merged issues 18-20; each failed before its
fix): nullable integer columns, the nearest real row past missing numbers, no change twice, and a recourse gap not
decided by a group with few counterfactuals found."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from fairdash.explain.counterfactuals import find_counterfactuals, nearest_real_row, search_space
from fairdash.explain.recourse import recourse_by_group
from fairdash.intake.models import ScoreModel


def _fitted(X: pd.DataFrame, y: pd.Series) -> ScoreModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ScoreModel.wrap(LogisticRegression().fit(X.astype(float), y))


def test_counterfactuals_of_a_nullable_integer_column_keep_its_type():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"age": pd.array(rng.integers(18, 80, 500), dtype="Int64"), "g": rng.integers(0, 2, 500)})
    model = _fitted(X, (X["age"].astype(int) > 45).astype(int))
    scores = model.scores(X, positive_label=1, features=("age", "g"))
    row = int(np.flatnonzero(scores < 0.5)[0])
    found = find_counterfactuals(model, X, row, threshold=0.5, positive_label=1, space=search_space(X, immutable=["g"]))
    assert found.found and all(set(cf.changes) == {"age"} and cf.score >= 0.5 for cf in found.found)  # raised TypeError
    assert all(float(cf.changes["age"][1]).is_integer() for cf in found.found)


def test_the_nearest_real_row_is_the_nearest_of_those_with_a_defined_distance():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    model = _fitted(X, (X["a"] + X["b"] > 0).astype(int))
    X.loc[:50, "b"] = np.nan  # a missing number: its distance to anything is undefined
    scores = model.scores(X.fillna(0), positive_label=1, features=("a", "b"))
    space = search_space(X)
    position = 100 if scores[100] < 0.5 else int(np.flatnonzero(scores[51:] < 0.5)[0]) + 51
    nearest = nearest_real_row(X, position, selected=scores >= 0.5, scores=scores, space=space)
    others = np.flatnonzero(scores >= 0.5)
    distances = (np.abs(X.iloc[others] - X.iloc[position]) / space_scales(X)).sum(axis=1, skipna=False)
    assert nearest is not None and np.isfinite(nearest.distance)  # was the first NaN row, "distance nan"
    assert nearest.distance == min(distances.dropna())


def space_scales(X: pd.DataFrame) -> pd.Series:
    """DiCE's scale: each numeric column's median absolute deviation (the oracle of the distance)."""
    return (X - X.median()).abs().median()


def test_the_counterfactuals_of_a_row_are_never_the_same_change_twice():
    from fairdash.engine.demo import load_demo

    demo = load_demo("adult")
    X = demo.data[list(demo.spec.features)]
    scores = demo.model.scores(X, positive_label=">50K", features=demo.spec.features)
    space = search_space(X, immutable=list(demo.spec.sensitive))
    for row in np.flatnonzero(scores < 0.5)[:25]:
        found = find_counterfactuals(demo.model, X, int(row), threshold=0.5, positive_label=">50K", space=space)
        changes = [json.dumps(cf.changes, sort_keys=True, default=str) for cf in found.found]
        assert len(changes) == len(set(changes)), (row, changes)


def test_a_group_with_few_counterfactuals_found_is_left_out_of_the_recourse_gap():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(
        {
            "a": rng.normal(size=2000),
            "b": rng.integers(0, 3, 2000).astype(float),
            "g": rng.choice([0.0, 1.0], 2000, p=[0.97, 0.03]),
        }
    )
    model = _fitted(X, (X["a"] + rng.normal(size=2000) > 0.5).astype(int))
    scores = model.scores(X, positive_label=1, features=tuple(X.columns))
    groups = pd.Series(np.where(X["g"] == 1, "B", "A"), index=X.index)
    result = recourse_by_group(
        model,
        X,
        scores=scores,
        thresholds=0.5,
        groups=groups,
        space=search_space(X, immutable=["g", "a"]),
        positive_label=1,
        min_group_size=30,
    )
    found = result.groups["found"]
    assert found["B"] < 30  # B's few rows with a counterfactual cannot make a burden to compare
    assert np.isnan(result.disparities["recourse_burden_ratio"])  # undefined (a gate on it fails closed), not a pass
