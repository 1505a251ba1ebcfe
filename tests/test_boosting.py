"""XGBoost, LightGBM and CatBoost models trained on pandas category columns, audited from a CSV (text
columns): scores equal the model's own predict_proba, SHAP equals shap's TreeExplainer on the same
model and rows, and the command line audits them."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest
import shap
from scipy.special import logit

from fairdash.engine.inputs import prepare_audit
from fairdash.engine.metrics import group_metrics
from fairdash.engine.spec import AuditSpec
from fairdash.cli import main
from fairdash.explain.attributions import explainer_method, shap_values
from fairdash.intake.models import ScoreModel
from fairdash.intake.tables import read_table
from fairdash.present.sentences import warning_text

FEATURES = ["age", "income", "sex", "race"]


@pytest.fixture(scope="module")
def training():
    rng = np.random.default_rng(0)
    n = 600
    table = pd.DataFrame(
        {
            "age": rng.integers(18, 70, n),
            "income": rng.normal(50, 15, n).round(1),
            "sex": rng.choice(["female", "male"], n),
            "race": rng.choice(["A", "B", "C"], n),
        }
    )
    hired = (table["income"] - 50) / 10 + (table["sex"] == "male") * 0.5 + rng.normal(0, 1, n) > 0
    table["hired"] = np.where(hired, "yes", "no")
    return table


def _fit(library: str, training: pd.DataFrame):
    X = training[FEATURES].astype({"sex": "category", "race": "category"})
    y = (training["hired"] == "yes").astype(int)
    if library == "xgboost":
        import xgboost

        return xgboost.XGBClassifier(n_estimators=30, max_depth=3, enable_categorical=True, tree_method="hist", n_jobs=1).fit(
            X, y
        )
    if library == "lightgbm":
        import lightgbm

        return lightgbm.LGBMClassifier(n_estimators=30, num_leaves=8, verbose=-1, n_jobs=1).fit(X, y)
    import catboost

    return catboost.CatBoostClassifier(
        iterations=30, depth=3, verbose=0, thread_count=1, allow_writing_files=False, cat_features=["sex", "race"]
    ).fit(training[FEATURES], y)


LIBRARIES = ["xgboost", "lightgbm", "catboost"]


@pytest.fixture(scope="module", params=LIBRARIES)
def fitted(request, training):
    return request.param, _fit(request.param, training)


def _from_csv(training: pd.DataFrame) -> pd.DataFrame:
    return read_table(training.to_csv(index=False).encode(), name="people.csv")  # text columns, as a user's file


def _typed(training: pd.DataFrame, model) -> pd.DataFrame:
    """The rows as the model was trained on them (the oracle's input)."""
    X = training[FEATURES]
    if type(model).__name__ == "CatBoostClassifier":
        return X
    return X.astype({"sex": pd.CategoricalDtype(["female", "male"]), "race": pd.CategoricalDtype(["A", "B", "C"])})


def test_scores_from_a_csv_equal_the_models_own_probabilities(fitted, training):
    library, model = fitted
    table = _from_csv(training)
    assert table["sex"].dtype != "category"  # what a CSV gives
    spec = AuditSpec(target="hired", positive_label=1, sensitive=("sex",), features=tuple(FEATURES))
    scores = ScoreModel.wrap(model).scores(table, positive_label=1, features=FEATURES)
    np.testing.assert_allclose(scores, model.predict_proba(_typed(training, model))[:, 1], rtol=1e-6)
    assert table["sex"].dtype == training["sex"].dtype  # the user's table is not changed
    assert (
        prepare_audit(table.assign(hired=(table["hired"] == "yes").astype(int)), spec, ScoreModel.wrap(model)).score_kind
        == "probability"
    )


def test_shap_equals_shaps_tree_explainer_and_adds_up(fitted, training):
    library, model = fitted
    table = _from_csv(training).head(200)
    assert explainer_method(model) == "tree"
    ours = shap_values(model, table[FEATURES], positive_label=1)
    assert ours.method == "tree" and ours.output == "log_odds"
    explainer = shap.TreeExplainer(model)
    typed = _typed(training.head(200), model)
    raw = explainer.shap_values(typed)  # the positive class's values: a list per class, or a last axis
    theirs = np.asarray(raw[-1] if isinstance(raw, list) else raw)
    if theirs.ndim == 3:
        theirs = theirs[..., -1]
    np.testing.assert_allclose(ours.values.to_numpy(), theirs, atol=1e-6)
    np.testing.assert_allclose(ours.base_value + ours.values.sum(axis=1), logit(model.predict_proba(typed)[:, 1]), atol=1e-4)


def test_the_command_line_audits_them(fitted, training, tmp_path):
    library, model = fitted
    data, model_file, out = tmp_path / "people.csv", tmp_path / f"{library}.pkl", tmp_path / "audit.json"
    training.assign(hired=(training["hired"] == "yes").astype(int)).to_csv(data, index=False)
    model_file.write_bytes(pickle.dumps(model))
    code = main(
        [
            "audit",
            "--data",
            str(data),
            "--target",
            "hired",
            "--positive-label",
            "1",
            "--sensitive",
            "sex",
            "--model",
            str(model_file),
            "--trust-pickle",
            "--features",
            ",".join(FEATURES),
            "--json",
            str(out),
        ]
    )
    assert code == 0
    document = json.loads(out.read_text())
    selected = model.predict_proba(_typed(training, model))[:, 1] >= 0.5
    expected = group_metrics(training["hired"] == "yes", selected, training["sex"])
    for group in ("female", "male"):
        assert document["groups"][group]["selection_rate"] == pytest.approx(expected.loc[group, "selection_rate"])
    assert "features" in document and set(document["features"]) == set(FEATURES)


def test_a_model_trained_on_0_1_codes_audits_the_tables_labels(training):
    """Trained on the target's codes, audited on a table that holds the labels: class 1 is taken as the
    positive label, and a warning says so."""
    model = ScoreModel.wrap(_fit("lightgbm", training))
    table = _from_csv(training)
    spec = AuditSpec(target="hired", positive_label="yes", sensitive=("sex",), features=tuple(FEATURES))
    inputs = prepare_audit(table, spec, model)
    np.testing.assert_allclose(inputs.scores, model.estimator.predict_proba(_typed(training, model.estimator))[:, 1], rtol=1e-6)
    assert inputs.model_label == 1
    assert any("class 1 is taken as the positive label 'yes'" in warning for warning in map(warning_text, inputs.warnings))
    assert shap_values(model, table[FEATURES].head(50), positive_label=inputs.model_label).method == "tree"


def test_the_tree_explainer_is_built_once_per_model_even_when_it_cannot_be_hashed(training, monkeypatch):
    """CatBoost models cannot be hashed: the explainer is still kept per model, not rebuilt on each call."""
    model = _fit("catboost", training)
    built = []
    original = shap.TreeExplainer
    monkeypatch.setattr(shap, "TreeExplainer", lambda *args, **kwargs: built.append(1) or original(*args, **kwargs))
    assert explainer_method(model) == "tree"
    shap_values(model, _from_csv(training)[FEATURES].head(20), positive_label=1)
    shap_values(model, _from_csv(training)[FEATURES].head(20), positive_label=1)
    assert len(built) == 1


def test_the_command_line_keeps_shaps_lightgbm_notice_off_stderr(training, tmp_path, capsys):
    """shap warns on every explanation of a LightGBM binary model that its output format changed (a UserWarning that
    fairdash reads past: the values are read in either form). audit's stderr stays clean; the warning is silenced
    where fairdash calls shap, not for the process: shap's own call, outside, still warns."""
    import warnings

    model = _fit("lightgbm", training)
    data, model_file = tmp_path / "people.csv", tmp_path / "lightgbm.pkl"
    training.assign(hired=(training["hired"] == "yes").astype(int)).to_csv(data, index=False)
    model_file.write_bytes(pickle.dumps(model))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(
            [
                "audit",
                "--data",
                str(data),
                "--target",
                "hired",
                "--positive-label",
                "1",
                "--sensitive",
                "sex",
                "--model",
                str(model_file),
                "--trust-pickle",
                "--features",
                ",".join(FEATURES),
            ]
        )
    assert code == 0 and capsys.readouterr().err == ""
    assert [str(warning.message) for warning in caught if "LightGBM" in str(warning.message)] == []
    with pytest.warns(UserWarning, match="LightGBM binary classifier"):
        shap.TreeExplainer(model).shap_values(_typed(training, model))
