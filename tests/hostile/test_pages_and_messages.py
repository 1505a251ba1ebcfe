"""Items 5 and 11 headless: labels reach the pages as escaped text, odd tables and models give messages."""

import json

import numpy as np
import pandas as pd
from payloads import MARKDOWN_PAYLOADS
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from streamlit.testing.v1 import AppTest

from fairdash.explain.attributions import shap_values
from fairdash.present import plots


def _app() -> AppTest:
    return AppTest.from_file("../../app.py", default_timeout=120).run()


def _upload_scores_table(at: AppTest, table: pd.DataFrame) -> AppTest:
    at.segmented_control(key="source").set_value("upload").run()
    at.radio(key="score_mode").set_value("column").run()
    return at.file_uploader(key="data").set_value(("t.csv", table.to_csv(index=False).encode(), "text/csv")).run()


def _markdown_sources(at: AppTest) -> str:
    return "\n".join(element.value for kind in ("markdown", "caption", "warning") for element in at.get(kind))


def test_labels_reach_the_page_escaped():
    rng = np.random.default_rng(0)
    labels = list(MARKDOWN_PAYLOADS)
    table = pd.DataFrame({"**sex**": np.repeat(labels, 40), "y": rng.integers(0, 2, 160), "score": rng.random(160)})
    at = _upload_scores_table(_app(), table)
    at.multiselect(key="sensitive").set_value(["**sex**"]).run()
    assert not at.exception and not at.error
    shown = _markdown_sources(at)
    assert r"\*\*sex\*\*" in shown and "**sex**" not in shown.replace(r"\*", "")
    at.switch_page("pages/fairness.py").run()
    assert not at.exception
    shown = _markdown_sources(at)
    for raw, escaped in (("$x^2$", r"\$x\^2\$"), (":red[red]", "\\:red\\[red\\]"), ("![](http", "\\!\\[\\]\\(http\u200b\\:")):
        assert escaped in shown
        assert raw not in shown.replace("\\", "\\\\")  # never unescaped


def test_an_empty_column_chosen_as_target_is_a_message_not_a_traceback():
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {"sex": rng.choice(["a", "b"], 60), "y": rng.integers(0, 2, 60), "score": rng.random(60), "notes": [np.nan] * 60}
    )
    at = _upload_scores_table(_app(), table)
    at.selectbox(key="target").set_value("notes").run()
    assert not at.exception
    assert any("no values" in error.value for error in at.error)


class _NamelessScaler(BaseEstimator, TransformerMixin):
    """A custom step with no get_feature_names_out, as users write them."""

    def fit(self, X, y=None):
        self.mean_ = np.asarray(X, dtype=float).mean(axis=0)
        return self

    def transform(self, X):
        return np.asarray(X, dtype=float) - self.mean_


def test_a_pipeline_step_without_feature_names_still_explains_and_plots():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"age": rng.integers(18, 70, 200), "income": rng.normal(50, 10, 200)})
    y = (X["income"] + rng.normal(0, 5, 200) > 50).astype(int)
    model = Pipeline([("scale", _NamelessScaler()), ("model", LogisticRegression())]).fit(X, y)
    result = shap_values(model, X, positive_label=1)
    assert list(result.values.columns) == ["preprocessed column 0", "preprocessed column 1"]
    figure = plots.beeswarm(result.values, X)  # raised KeyError: 0
    assert len(figure.data) == 2


def test_the_slider_above_every_score_shows_undefined_disparities_with_their_reason():
    at = _app()
    at.selectbox(key="demo").set_value("compas").run()
    at.switch_page("pages/fairness.py").run()
    (preview,) = [
        component for component in at.get("bidi_component") if component.proto.component_name.endswith("threshold_preview")
    ]
    above_all = json.loads(preview.proto.json)["thresholds"][-1]  # the preview's last position, "above all"
    assert above_all > 10
    at.session_state["threshold"] = above_all  # the preview settled there: nobody is selected
    at.run()
    assert not at.exception and not at.error
    metrics = {metric.label: metric for metric in at.metric}
    assert metrics["Demographic parity ratio"].value == "undefined"
    assert "selection rate is 0" in metrics["Demographic parity ratio"].help
    at.switch_page("pages/report.py").run()  # the report of that audit builds too
    assert not at.exception and not at.error
