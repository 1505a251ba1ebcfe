"""Models and tables as users bring them: trained on arrays, explanations that fail, small things."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from fairdash import run as report
from fairdash.engine.spec import binary_target
from fairdash.cli import main
from fairdash.errors import ModelError
from fairdash.explain.rules import Condition
from fairdash.intake.models import ScoreModel, match_class


@pytest.fixture(scope="module")
def array_model(people):
    X = people[["age", "income"]].to_numpy()  # no column names: an array
    return Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())]).fit(X, people["hired"])


def test_a_model_trained_on_an_array_asks_for_its_columns_in_order(people, array_model):
    model = ScoreModel.wrap(array_model)
    assert model.feature_names is None and model.unnamed_inputs == 2
    with pytest.raises(ModelError, match="2 unnamed inputs .* 4 columns are chosen"):
        model.scores(people, positive_label="yes", features=["age", "income", "sex", "race"])
    with pytest.raises(ModelError, match=r"choose the feature columns \(2, in the order"):
        model.scores(people, positive_label="yes")
    scores = model.scores(people, positive_label="yes", features=["age", "income"])
    np.testing.assert_allclose(scores, array_model.predict_proba(people[["age", "income"]].to_numpy())[:, 1])


def test_the_command_line_names_shap_features_after_the_tables_columns(people, array_model, tmp_path, capsys):
    data, model_file, out = tmp_path / "people.csv", tmp_path / "m.pkl", tmp_path / "a.json"
    people.to_csv(data, index=False)
    model_file.write_bytes(pickle.dumps(array_model))
    base = [
        "audit",
        "--data",
        str(data),
        "--target",
        "hired",
        "--positive-label",
        "yes",
        "--sensitive",
        "sex",
        "--model",
        str(model_file),
        "--trust-pickle",
        "--json",
        str(out),
    ]
    assert main(base) == 2
    assert "2 unnamed inputs" in capsys.readouterr().err
    assert main([*base, "--features", "age,income"]) == 0
    assert set(json.loads(out.read_text())["features"]) == {"age", "income"}  # not x0, x1


def test_an_explanation_that_fails_leaves_the_audit_standing(people, people_model, tmp_path, monkeypatch, capsys):
    import skops.io

    data, model_file, out, page = tmp_path / "people.csv", tmp_path / "m.skops", tmp_path / "a.json", tmp_path / "r.html"
    people.to_csv(data, index=False)
    model_file.write_bytes(skops.io.dumps(people_model))

    def fails(*args, **kwargs):
        raise RuntimeError("the explainer ran out of memory")

    monkeypatch.setattr(report, "top_features", fails)
    args = [
        "audit",
        "--data",
        str(data),
        "--target",
        "hired",
        "--positive-label",
        "yes",
        "--sensitive",
        "sex",
        "--model",
        str(model_file),
        "--json",
        str(out),
        "--report",
        str(page),
        "--fail-on",
        "demographic_parity_ratio<0.01",
    ]
    assert main(args) == 0
    assert "SHAP explanation failed" in capsys.readouterr().out
    document = json.loads(out.read_text())
    assert "ran out of memory" in document["features_error"] and "features" not in document
    assert document["disparities"]["demographic_parity_ratio"] is not None
    assert "The explanation failed" in page.read_text()
    monkeypatch.undo()
    assert main([*args, "--no-explain"]) == 0
    assert "features" not in json.loads(out.read_text()) and "features_error" not in json.loads(out.read_text())


def test_small_things():
    # "true" typed for a boolean target.
    assert binary_target(pd.DataFrame({"y": [True, False, True]}), "y", "true").tolist() == [True, False, True]
    # Classes are shown as values, not numpy reprs.
    with pytest.raises(ModelError) as raised:
        match_class([np.int64(0), np.int64(1)], ">50K", "m")
    assert "np.int64" not in str(raised.value) and "(0, 1)" in str(raised.value)
    # A split on income reads as a number.
    assert Condition("income", high=35569.5).text() == "income <= 35569.5"


def test_a_multi_class_target_is_audited_one_class_against_the_rest():
    from fairlearn.metrics import MetricFrame, selection_rate, true_positive_rate
    from sklearn.ensemble import RandomForestClassifier

    from fairdash.engine.inputs import prepare_audit
    from fairdash.engine.metrics import group_metrics
    from fairdash.engine.spec import AuditSpec
    from fairdash.explain.attributions import shap_values

    rng = np.random.default_rng(8)
    n = 900
    table = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), "sex": rng.choice(["f", "m"], n)})
    table["grade"] = np.select([table["x1"] > 0.5, table["x1"] < -0.5], ["high", "low"], "middle")
    features = ["x1", "x2"]
    model = RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0).fit(table[features], table["grade"])
    spec = AuditSpec(target="grade", positive_label="high", sensitive=("sex",), features=tuple(features))
    inputs = prepare_audit(table, spec, ScoreModel.wrap(model))
    column = list(model.classes_).index("high")
    np.testing.assert_allclose(inputs.scores, model.predict_proba(table[features])[:, column])
    np.testing.assert_array_equal(inputs.y_true, table["grade"] == "high")
    ours = group_metrics(inputs.y_true, inputs.scores >= 0.5, table["sex"])
    frame = MetricFrame(
        metrics={"selection_rate": selection_rate, "tpr": true_positive_rate},
        y_true=table["grade"] == "high",
        y_pred=inputs.scores >= 0.5,
        sensitive_features=table["sex"],
    )
    for rate in ("selection_rate", "tpr"):
        np.testing.assert_allclose(ours[rate], frame.by_group[rate], rtol=1e-12)
    result = shap_values(model, table[features].head(100), positive_label="high")
    np.testing.assert_allclose(
        result.base_value + result.values.sum(axis=1), model.predict_proba(table[features].head(100))[:, column], atol=1e-6
    )
