"""LIME on a table with missing numbers (hostile-input review of 2026-12, issue 21, H9): a complete row is explained as
on the complete table, a missing number at the median and said so, a column missing everywhere weighs nothing."""

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

from fairdash.explain.attributions import lime_missing_filled, lime_weights
from fairdash.intake.models import ScoreModel


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
        lime_weights(model, at_median, 0, positive_label=1).to_numpy(), abs=0.03
    )


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
    pipeline = Pipeline(
        [
            (
                "prepare",
                ColumnTransformer(
                    [
                        ("text", OneHotEncoder(handle_unknown="ignore"), ["sex", "race"]),
                        ("numbers", SimpleImputer(strategy="median"), ["age", "income"]),
                    ]
                ),
            ),
            ("model", LogisticRegression(max_iter=1000)),
        ]
    ).fit(data[features], data["hired"])
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
