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

from fairdash.engine.demo import load_demo
from fairdash.engine.thresholds import thresholds_where_moved
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
    pipeline = Pipeline(
        [
            ("encode", ColumnTransformer([("cat", OneHotEncoder(), ["sex", "race"])], remainder="passthrough")),
            ("forest", RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0)),
        ]
    ).fit(people[features], people["hired"])
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
    expected = 1 - 6 * ((shap_ranks - lime_ranks) ** 2).sum() / (n * (n**2 - 1))
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

    from fairdash.engine.inputs import prepare_audit
    from fairdash.engine.spec import AuditSpec
    from fairdash.intake.models import ScoreModel

    features = ["age", "income", "sex", "race"]
    encode = ColumnTransformer([("cat", OneHotEncoder(), ["sex", "race"]), ("num", StandardScaler(), ["age", "income"])])
    final = SVC(kernel="linear" if kind == "linear_svc" else "rbf") if kind == "svc" else LinearSVC()
    pipeline = Pipeline([("encode", encode), ("model", final)]).fit(people[features], people["hired"])
    model = ScoreModel.wrap(pipeline)
    assert model.method == "decision_function"
    for positive in ("yes", "no"):
        inputs = prepare_audit(
            people, AuditSpec(target="hired", positive_label=positive, sensitive=("sex",), features=features), model
        )
        assert inputs.score_kind == "margin" and inputs.default_threshold == 0.0
        decided = inputs.scores >= inputs.default_threshold
        np.testing.assert_array_equal(decided, pipeline.predict(people[features]) == positive)
    if kind == "linear_svc":
        result = shap_values(model, people[features], positive_label="yes")
        assert result.output == "margin"
        np.testing.assert_allclose(
            result.base_value + result.values.sum(axis=1), pipeline.decision_function(people[features]), atol=1e-6
        )


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


def test_a_swapped_person_is_judged_at_the_threshold_of_the_group_they_are_swapped_into(people):
    """Per-group thresholds (female 0.5, male 0.7) and a model that scores women 0.55 and men 0.75: everyone is selected
    by their own group's threshold, and stays so when swapped into the other group. Judged at the old group's threshold
    (the bug), every man swapped to a woman (0.55 < 0.7) looked turned down; and a model that ignores sex (0.6 for all)
    changes every decision when the thresholds differ."""
    features = ["age", "income", "sex", "race"]

    class Compensated:
        classes_ = np.array(["no", "yes"])

        def predict_proba(self, X):
            p = np.where(X["sex"] == "male", 0.75, 0.55)
            return np.column_stack([1 - p, p])

    class Constant(Compensated):
        def predict_proba(self, X):
            return np.column_stack([np.full(len(X), 0.4), np.full(len(X), 0.6)])

    X, thresholds = people[features], {"female": 0.5, "male": 0.7}
    same = flip_rates(ScoreModel.wrap(Compensated()), X, "sex", thresholds, positive_label="yes")
    assert (same["changed"] == 0).all() and (same["flip_rate"] == 0).all() and (same["not_judged"] == 0).all()
    every = flip_rates(ScoreModel.wrap(Constant()), X, "sex", thresholds, positive_label="yes")
    assert (every["flip_rate"] == 1.0).all() and every["rows"].sum() == len(people)
    # Two sensitive attributes: the group is the pair; one threshold per pair, the oracle written out by hand.
    # Scored 0.6 everywhere: selected among women (0.5) and men of race A (0.55), not among men of race B or C: a swap
    # changes the decision exactly for race B and C, whichever the sex.
    pairs = {
        f"{sex} | {race}": 0.5 if sex == "female" else {"A": 0.55, "B": 0.65, "C": 0.62}[race]
        for sex in ("female", "male")
        for race in "ABC"
    }
    table = flip_rates(ScoreModel.wrap(Constant()), X, "sex", pairs, positive_label="yes", sensitive=["sex", "race"])
    for sex in ("female", "male"):
        assert table.loc[sex, "changed"] == ((X["sex"] == sex) & X["race"].isin(["B", "C"])).sum()
    moved = thresholds_where_moved(
        people, people.assign(sex=np.where(people["sex"] == "male", "female", "male")), pairs, sensitive=["sex", "race"]
    )
    expected = [pairs[f"{'female' if sex == 'male' else 'male'} | {race}"] for sex, race in zip(people["sex"], people["race"])]
    assert moved.tolist() == expected


def test_thresholds_where_moved_against_the_audits_own_grouping(people):
    """Banded ages and an unseen combination: the threshold of a moved row is that of the group the audit gives a row with
    those values (the labels of group_labels over bands fixed by hand), NaN for a combination no row has."""
    from fairdash.engine.groups import group_labels
    from fairdash.engine.spec import sensitive_frame

    bins = (("age", (30.0, 50.0)),)
    labels = group_labels(sensitive_frame(people, ["sex", "age"], bins), ["sex", "age"])
    rng = np.random.default_rng(0)
    thresholds = {label: float(value) for label, value in zip(sorted(set(labels)), rng.uniform(0.2, 0.8, labels.nunique()))}
    moved = people.assign(age=rng.integers(18, 70, len(people)), sex=rng.choice(["female", "male"], len(people)))
    oracle = group_labels(sensitive_frame(moved, ["sex", "age"], bins), ["sex", "age"]).map(thresholds).to_numpy()
    found = thresholds_where_moved(people, moved, thresholds, sensitive=["sex", "age"], bins=bins)
    assert np.array_equal(found, oracle) and np.isfinite(found).all()
    assert thresholds_where_moved(people, moved, 0.3, sensitive=["sex"]).tolist() == [0.3] * len(people)
    few = people[~((people["sex"] == "male") & (people["race"] == "C"))]  # no man of race C among these rows
    pairs = {label: 0.5 for label in set(group_labels(few, ["sex", "race"]))}
    swapped = few.assign(sex=np.where(few["sex"] == "male", "female", "male"))
    result = thresholds_where_moved(few, swapped, pairs, sensitive=["sex", "race"])
    assert np.array_equal(np.isnan(result), ((swapped["sex"] == "male") & (swapped["race"] == "C")).to_numpy())
    table = flip_rates(
        ScoreModel.wrap(_Half()), few[["sex", "race"]], "sex", pairs, positive_label="yes", table=few, sensitive=["sex", "race"]
    )
    assert table.loc["female", "not_judged"] == ((few["sex"] == "female") & (few["race"] == "C")).sum() > 0


class _Half:
    classes_ = np.array(["no", "yes"])

    def predict_proba(self, X):
        return np.full((len(X), 2), 0.5)
