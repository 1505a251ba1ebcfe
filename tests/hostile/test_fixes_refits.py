"""Hostile-input review of 2026-12 (issue 21), Explain and Fixes: LIME on inputs with missing numbers,
refits from a training table that lacks a group, and one shape for every fix in the fixes JSON."""

import json
import re

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder
from streamlit.testing.v1 import AppTest

from fairdash.audit.spec import AuditSpec
from fairdash.cli import main
from fairdash.explain.attributions import lime_missing_filled, lime_weights
from fairdash.fixes.compare import compare_fixes
from fairdash.intake.models import ScoreModel, untrusted_types
from fairdash.present.document import json_text
from fairdash.present.fixes_report import fixes_json

# ---- H9: LIME on a table with missing numbers -----------------------------------------------------

@pytest.fixture(scope="module")
def gappy():
    """Two numeric inputs; the outcome follows ``a``. A model with an imputer takes missing values."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    y = (X["a"] > 0).astype(int)
    model = ScoreModel.wrap(make_pipeline(SimpleImputer(strategy="median"), LogisticRegression()).fit(X, y))
    return X, model


def test_lime_explains_a_complete_row_of_a_table_with_gaps_as_on_the_complete_table(gappy):
    X, model = gappy
    with_gaps = X.assign(a=X["a"].where(X.index % 4 != 0))  # a quarter of 'a' missing; row 5 is complete
    clean = lime_weights(model, X, 5, positive_label=1)
    weights = lime_weights(model, with_gaps, 5, positive_label=1)  # raised 'scale must be positive' before
    # LIME learns the spread of 'a' from the values present, so the weights stay those of the complete table.
    assert weights["a"] == pytest.approx(clean["a"], abs=0.03)
    assert abs(weights["a"]) > 0.2 and abs(weights["b"]) < 0.03
    assert lime_missing_filled(with_gaps, 5).empty


def test_lime_explains_a_row_with_a_missing_number_at_the_median_and_says_so(gappy):
    X, model = gappy
    with_gap = X.copy()
    with_gap.loc[0, "a"] = np.nan
    median = float(X["a"].drop(index=0).median())
    filled = lime_missing_filled(with_gap, 0)
    assert filled.to_dict() == {"a": pytest.approx(median, abs=1e-12)}
    at_median = X.copy()
    at_median.loc[0, "a"] = median
    # Explained as the row with its median: LIME's weights of that row (one cell of the background apart).
    assert lime_weights(model, with_gap, 0, positive_label=1).to_numpy() == pytest.approx(
        lime_weights(model, at_median, 0, positive_label=1).to_numpy(), abs=0.03)


def test_a_column_missing_everywhere_reaches_the_model_as_missing_and_weighs_nothing(gappy):
    X, model = gappy
    empty = X.assign(b=np.nan)
    weights = lime_weights(model, empty, 3, positive_label=1)
    assert weights["b"] == 0.0 and abs(weights["a"]) > 0.2
    assert lime_missing_filled(empty, 3).empty  # nothing was filled in: the column holds no value to take a median of


def test_the_explain_page_shows_one_person_with_a_missing_number(people):
    """The 'One person' view: no exception box, and a caption that says what LIME did with the gap."""
    features = ["age", "income", "sex", "race"]
    data = people.head(250).assign(income=people["income"].head(250).where(lambda s: s.index % 5 != 0))
    pipeline = Pipeline([
        ("prepare", ColumnTransformer([("text", OneHotEncoder(handle_unknown="ignore"), ["sex", "race"]),
                                       ("numbers", SimpleImputer(strategy="median"), ["age", "income"])])),
        ("model", LogisticRegression(max_iter=1000)),
    ]).fit(data[features], data["hired"])
    at = AppTest.from_file("../../app.py", default_timeout=120).run()
    at.segmented_control(key="source").set_value("upload").run()
    at.file_uploader(key="data").set_value(("people.csv", data.to_csv(index=False).encode(), "application/octet-stream")).run()
    at.file_uploader(key="model").set_value(("model.skops", skops.io.dumps(pipeline), "application/octet-stream")).run()
    trust = at.multiselect(key="trust_skops")
    assert trust.options == ["numpy.dtype"]  # the imputer's medians; nothing else asks for trust
    trust.set_value(trust.options).run()
    at.multiselect(key="features").set_value(features).run()
    at.switch_page("pages/explain.py").run()
    at.select_slider(key="explain_rows").set_value(250).run()
    at.toggle(key="explain_on").set_value(True).run()
    at.segmented_control(key="explain_view").set_value("One person").run()
    at.segmented_control(key="row_source").set_value("Any row").run()
    at.selectbox(key="row").set_value(0).run()
    assert not at.exception, [exception.value for exception in at.exception]
    assert not at.error, [error.value for error in at.error]
    median = data["income"].median()
    assert any(f"misses income (LIME used the median, {median:.4g})" in caption.value for caption in at.caption)


# ---- M5: refits from training rows that lack a group ----------------------------------------------

@pytest.fixture(scope="module")
def lending():
    """Audited and training rows of a small lending table; the model is a small logistic regression."""
    rng = np.random.default_rng(5)
    n = 1200
    sex = rng.choice(["female", "male", "other"], n, p=[0.45, 0.5, 0.05])
    income = rng.normal(50, 12, n) + np.where(sex == "male", 4, 0)
    repaid = np.where(rng.random(n) < 1 / (1 + np.exp(-0.1 * (income - 52))), "repaid", "defaulted")
    table = pd.DataFrame({"income": income.round(1), "sex": sex, "repaid": repaid})
    train, audited = table.iloc[:800].reset_index(drop=True), table.iloc[800:].reset_index(drop=True)
    encode = ColumnTransformer([("text", OneHotEncoder(handle_unknown="ignore"), ["sex"])], remainder="passthrough")
    pipeline = Pipeline([("prepare", encode), ("model", LogisticRegression(max_iter=1000))])
    return train, audited, ScoreModel.wrap(pipeline.fit(train[["income", "sex"]], train["repaid"]), name="lending")


LENDING = AuditSpec(target="repaid", positive_label="repaid", sensitive=("sex",), features=("income", "sex"))
REFITS = ("reweighing", "reductions", "unawareness")


def test_refits_from_training_rows_without_a_judged_group_are_not_made_and_say_why(lending):
    train, audited, model = lending
    fixes = compare_fixes(audited, LENDING, model, train=train[train["sex"] == "male"], methods=REFITS)
    errors = {fix.name: fix.error for fix in fixes}
    assert list(errors) == ["original", *REFITS] and errors["original"] is None
    lack = r"^The training rows lack group\(s\) 'female' \(they hold 'male'\), so "
    assert re.match(lack + r"reweighing cannot weight them: add training rows of every group the audit judges\.$", errors["reweighing"])
    assert re.match(lack + r"the reductions cannot hold the model to the constraint for them", errors["reductions"])
    assert re.match(lack + r"the columns that stand for membership of them \(proxies\) cannot be found", errors["unawareness"])


def test_a_group_too_small_to_judge_need_not_be_in_the_training_rows(lending):
    train, audited, model = lending
    assert (audited["sex"] == "other").sum() < 30  # below the 30 rows a group needs to be judged
    fixes = compare_fixes(audited, LENDING, model, train=train[train["sex"] != "other"], methods=("reweighing",))
    reweighed = fixes[1]
    assert reweighed.name == "reweighing" and reweighed.error is None
    truth = audited["repaid"] == "repaid"
    decided = reweighed.model.predict(audited[["income", "sex"]]) == "repaid"
    assert reweighed.accuracy == pytest.approx((decided == truth).mean(), abs=1e-12)


def test_the_cli_prints_why_the_refits_were_not_made(tmp_path, lending, capsys):
    train, audited, model = lending
    audited.to_csv(tmp_path / "audited.csv", index=False)
    train[train["sex"] == "male"].to_csv(tmp_path / "train.csv", index=False)
    skops.io.dump(model.estimator, tmp_path / "model.skops")
    trusted = [f"--trust-type={name}" for name in untrusted_types(tmp_path / "model.skops")]
    code = main(["fixes", "--data", str(tmp_path / "audited.csv"), "--train", str(tmp_path / "train.csv"), "--target", "repaid",
                 "--positive-label", "repaid", "--sensitive", "sex", "--model", str(tmp_path / "model.skops"), *trusted])
    assert code == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "The training rows lack group(s) 'female' (they hold 'male'), so reweighing cannot weight them" in printed


# ---- M6: one shape for every fix in the fixes JSON ------------------------------------------------

def test_a_fix_not_made_has_every_key_of_a_made_one_each_figure_null(lending):
    train, audited, model = lending
    fixes = compare_fixes(audited, LENDING, model, train=train[train["sex"] == "male"], methods=("thresholds", "reweighing"))
    document = json.loads(json_text(fixes_json(fixes, constraint="demographic_parity")))
    original, _, reweighing = document["fixes"]
    documented = {"name", "title", "bound", "accuracy", "balanced_accuracy", "auc", "disparities", "disparity_intervals", "groups",
                  "thresholds", "training_seconds", "error"}
    assert all(set(entry) == documented for entry in document["fixes"])
    assert reweighing["error"].startswith("The training rows lack group(s) 'female'")
    assert [reweighing[key] for key in ("bound", "accuracy", "balanced_accuracy", "auc", "thresholds", "training_seconds")] == [None] * 6
    # The containers keep a made fix's names, each figure null: a reader looks a figure up without checking "error".
    assert reweighing["disparities"] == dict.fromkeys(original["disparities"])
    assert reweighing["disparity_intervals"] == {name: [None, None] for name in original["disparity_intervals"]}
    assert reweighing["groups"] == {label: dict.fromkeys(row) for label, row in original["groups"].items()}
    assert set(original["groups"]) == {"female", "male", "other"} and original["accuracy"] == pytest.approx(
        ((model.estimator.predict(audited[["income", "sex"]]) == "repaid") == (audited["repaid"] == "repaid")).mean(), abs=1e-12)
