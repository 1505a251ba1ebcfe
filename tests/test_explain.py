"""Explanations: additivity, agreement with shap's own values, LIME's reproducibility, the gap decomposition."""

import numpy as np
import pandas as pd
import pytest
import shap
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from fairdash.explain.attributions import (
    flip_rates,
    gap_decomposition,
    lime_weights,
    mean_abs_by_group,
    model_output,
    rank_agreement,
    shap_values,
    transformed_columns,
)
from fairdash.intake.demo import load_demo
from fairdash.intake.models import ScoreModel


@pytest.fixture(scope="module")
def adult():
    demo = load_demo("adult")
    return demo, demo.data[list(demo.spec.features)]


def test_tree_pipeline_is_additive_and_equals_shaps_own_values(adult):
    demo, X = adult
    result = shap_values(demo.model, X, positive_label=">50K", max_rows=300)
    assert result.method == "tree" and result.output == "log_odds"
    assert list(result.values.columns) == list(X.columns)
    rows = X.loc[result.values.index]
    output = model_output(demo.model, rows, "log_odds", positive_label=">50K")
    np.testing.assert_allclose(result.base_value + result.values.sum(axis=1), output, atol=1e-6)
    # shap's own TreeExplainer on the transformed rows; one-hot columns summed back by hand.
    pipeline = demo.model.estimator
    transformed = pipeline[:-1].transform(rows)
    direct = shap.TreeExplainer(pipeline[-1]).shap_values(transformed)
    names = pipeline[:-1].get_feature_names_out()
    for column in ("sex", "occupation", "age"):
        mask = [name == column or name.startswith(f"{column}_") for name in names]
        np.testing.assert_allclose(result.values[column], direct[:, mask].sum(axis=1), atol=1e-9)


def test_the_negative_class_flips_the_sign(adult):
    demo, X = adult
    rows = X.iloc[:50]
    positive = shap_values(demo.model, rows, positive_label=">50K")
    negative = shap_values(demo.model, rows, positive_label="<=50K")
    pd.testing.assert_frame_equal(negative.values, -positive.values)
    assert negative.base_value == pytest.approx(-positive.base_value)


def test_linear_pipeline_is_additive():
    demo = load_demo("german")
    X = demo.data[list(demo.spec.features)]
    result = shap_values(demo.model, X, positive_label="good")
    assert result.method == "linear" and result.background_size == 100
    output = model_output(demo.model, X, "log_odds", positive_label="good")
    np.testing.assert_allclose(result.base_value + result.values.sum(axis=1), output, atol=1e-6)


def test_forest_with_one_hot_explains_probabilities(people):
    features = ["age", "income", "sex", "race"]
    pipeline = Pipeline([
        ("encode", ColumnTransformer([("cat", OneHotEncoder(), ["sex", "race"])], remainder="passthrough")),
        ("forest", RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0)),
    ]).fit(people[features], people["hired"])
    result = shap_values(pipeline, people[features], positive_label="yes")
    assert result.output == "probability"
    assert list(result.values.columns) == features  # cat__sex_female and friends mapped back
    output = model_output(pipeline, people[features], "probability", positive_label="yes")
    np.testing.assert_allclose(result.base_value + result.values.sum(axis=1), output, atol=1e-6)


def test_model_agnostic_permutation_is_additive(people):
    X = people[["age", "income"]]
    knn = KNeighborsClassifier(n_neighbors=15).fit(X, people["hired"])
    calls = []
    result = shap_values(knn, X.iloc[:40], positive_label="yes", background=X, progress=calls.append)
    assert result.method == "permutation" and result.background_size == 100
    assert calls and calls[-1] == 1.0
    output = knn.predict_proba(X.iloc[:40])[:, 1]
    np.testing.assert_allclose(result.base_value + result.values.sum(axis=1), output, atol=1e-6)


def test_model_agnostic_permutation_takes_text_columns(people, people_onnx):
    """An ONNX model (and any model without a fast explainer) gets text columns as the data holds them."""
    from fairdash.intake.models import load_model

    model = load_model(people_onnx, name="people.onnx")
    X = people[["age", "income", "sex", "race"]]
    result = shap_values(model, X.iloc[:30], positive_label="yes", background=X)
    assert result.method == "permutation" and list(result.values.columns) == list(X.columns)
    output = model.scores(X.iloc[:30], positive_label="yes")
    np.testing.assert_allclose(result.base_value + result.values.sum(axis=1), output, atol=1e-6)
    # The base value is the mean score over the background rows (seeded sample of 100).
    background = X.sample(100, random_state=0)
    assert result.base_value == pytest.approx(model.scores(background, positive_label="yes").mean(), abs=1e-6)


def test_transformed_columns_map_back():
    X = pd.DataFrame({"sex": ["a", "b"], "sex_age": [1, 2], "age": [3, 4]})
    encoder = ColumnTransformer([("cat", OneHotEncoder(), ["sex"])], remainder="passthrough").fit(X)
    names, origins = transformed_columns(encoder, list(X.columns))
    assert origins == ["sex", "sex", "sex_age", "age"]  # the longest matching name wins


def test_gap_decomposition_adds_up(adult):
    demo, X = adult
    result = shap_values(demo.model, X, positive_label=">50K", max_rows=600)
    groups = demo.data["sex"]
    shares = gap_decomposition(result.values, groups, "Male", "Female")
    output = pd.Series(result.base_value + result.values.sum(axis=1), index=result.values.index)
    labels = groups.loc[result.values.index]
    assert shares.sum() == pytest.approx(output[labels == "Male"].mean() - output[labels == "Female"].mean())
    table = mean_abs_by_group(result.values, groups)
    assert list(table.columns) == ["Female", "Male"]
    assert table.index[0] == result.values.abs().mean().idxmax()


def test_lime_has_a_weight_per_feature_and_is_reproducible(adult):
    demo, X = adult
    row = X.index[3]
    first = lime_weights(demo.model, X, row, positive_label=">50K", random_state=7)
    again = lime_weights(demo.model, X, row, positive_label=">50K", random_state=7)
    other = lime_weights(demo.model, X, row, positive_label=">50K", random_state=8)
    assert list(first.index) == list(X.columns)
    pd.testing.assert_series_equal(first, again)
    assert not first.equals(other)
    shap_row = shap_values(demo.model, X.loc[[row]], positive_label=">50K").values.loc[row]
    # Spearman's rho from its definition (1 - 6 sum d^2 / (n (n^2 - 1)), no ties here), aligned by feature name.
    shap_ranks = shap_row.rank().to_numpy()
    lime_ranks = first.reindex(shap_row.index).rank().to_numpy()
    n = len(shap_ranks)
    expected = 1 - 6 * ((shap_ranks - lime_ranks) ** 2).sum() / (n * (n ** 2 - 1))
    assert rank_agreement(shap_row, first) == pytest.approx(expected)
    assert rank_agreement(shap_row, shap_row * 2) == pytest.approx(1.0)
    assert rank_agreement(shap_row, -shap_row) == pytest.approx(-1.0)
    assert rank_agreement(shap_row, first[::-1]) == pytest.approx(expected)  # aligned by name, not position


def test_flip_rates(people):
    features = ["age", "income", "sex", "race"]

    class OnlySex:
        classes_ = np.array(["no", "yes"])

        def predict_proba(self, X):
            p = (X["sex"] == "male").to_numpy(dtype=float)
            return np.column_stack([1 - p, p])

    class IgnoresSex(OnlySex):
        def predict_proba(self, X):
            p = (X["income"] > 50).to_numpy(dtype=float)
            return np.column_stack([1 - p, p])

    always = flip_rates(ScoreModel.wrap(OnlySex()), people[features], "sex", 0.5, positive_label="yes")
    never = flip_rates(ScoreModel.wrap(IgnoresSex()), people[features], "sex", 0.5, positive_label="yes")
    assert (always["flip_rate"] == 1.0).all()
    assert (never["flip_rate"] == 0.0).all()
    assert always["rows"].sum() == len(people)


@pytest.mark.parametrize("kind", ["svc", "linear_svc"])
def test_margin_models_decide_at_their_own_boundary_and_explain_their_margin(people, kind):
    """Without probabilities a model is scored by its decision function: the default decisions are
    its predict(), and linear SHAP values add up to the margin (not a probability, not log-odds)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.svm import SVC, LinearSVC

    from fairdash.audit.inputs import prepare_audit
    from fairdash.audit.spec import AuditSpec
    from fairdash.intake.models import ScoreModel

    features = ["age", "income", "sex", "race"]
    encode = ColumnTransformer([("cat", OneHotEncoder(), ["sex", "race"]), ("num", StandardScaler(), ["age", "income"])])
    final = SVC(kernel="linear" if kind == "linear_svc" else "rbf") if kind == "svc" else LinearSVC()
    pipeline = Pipeline([("encode", encode), ("model", final)]).fit(people[features], people["hired"])
    model = ScoreModel.wrap(pipeline)
    assert model.method == "decision_function"
    for positive in ("yes", "no"):
        inputs = prepare_audit(people, AuditSpec(target="hired", positive_label=positive, sensitive=("sex",), features=features), model)
        assert inputs.score_kind == "margin" and inputs.default_threshold == 0.0
        decided = inputs.scores >= inputs.default_threshold
        np.testing.assert_array_equal(decided, pipeline.predict(people[features]) == positive)
    if kind == "linear_svc":
        result = shap_values(model, people[features], positive_label="yes")
        assert result.output == "margin"
        np.testing.assert_allclose(result.base_value + result.values.sum(axis=1), pipeline.decision_function(people[features]), atol=1e-6)


def test_the_tree_explainer_is_chosen_by_what_the_model_is_not_by_its_name(people):
    """A forest under another class name (a team's own subclass) is still trees to shap: exact and fast."""
    from sklearn.ensemble import RandomForestClassifier

    from fairdash.explain.attributions import explainer_method

    class TeamForest(RandomForestClassifier):
        pass

    X = people[["age", "income"]]
    model = TeamForest(n_estimators=10, random_state=0).fit(X, people["hired"])
    assert explainer_method(model) == "tree"
    result = shap_values(model, X, positive_label="yes")
    assert result.method == "tree" and result.output == "probability"
    np.testing.assert_allclose(result.base_value + result.values.sum(axis=1), model.predict_proba(X)[:, 1], atol=1e-6)
    assert explainer_method(LogisticRegression().fit(X, people["hired"])) == "linear"
