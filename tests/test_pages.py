"""Headless page tests with Streamlit's AppTest: every page renders on the demos, uploads work,
bad input gives an error box (never an exception)."""

import io
import json
import pickle
import re
import shlex
from pathlib import Path

import pytest
import skops.io
from streamlit.testing.v1 import AppTest

from fairdash.demo import DEMO_TITLES

from test_models import _TouchesAFile

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["pages/data.py", "pages/fairness.py", "pages/fixes.py", "pages/explain.py", "pages/rules.py", "pages/over_time.py",
         "pages/report.py"]


def _text(element) -> str:
    """What a markdown element shows: the pages escape text from the data (``\\*`` for ``*``; a zero-width
    space inside ``://``, ``www.`` and ``@`` so that nothing becomes a link)."""
    return re.sub(r"\\(.)", r"\1", element.value).replace("\u200b", "")


def _app() -> AppTest:
    return AppTest.from_file("../app.py", default_timeout=120).run()


def _no_problems(at: AppTest) -> None:
    assert not at.exception, [exception.value for exception in at.exception]
    assert not at.error, [_text(error) for error in at.error]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("demo", list(DEMO_TITLES))
def test_every_page_renders_each_demo(page, demo):
    at = _app()
    at.selectbox(key="demo").set_value(demo).run()
    at.switch_page(page).run()
    _no_problems(at)


def test_opens_on_the_adult_demo_with_its_summary():
    at = _app()
    _no_problems(at)
    assert at.title[0].value == "Data & model"
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Rows"] == "15,060"
    groups = at.dataframe[0].value
    assert groups["Rows"].sum() == 15_060
    assert groups.index.tolist() == ["Male", "Female"]


def test_the_dashboard_starts_from_any_folder(tmp_path, monkeypatch):
    """`streamlit run /path/to/app.py` from elsewhere: nothing may depend on the working folder."""
    monkeypatch.chdir(tmp_path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    _no_problems(at)
    assert at.title[0].value == "Data & model"


def _upload(at: AppTest, key: str, name: str, content: bytes) -> AppTest:
    return at.file_uploader(key=key).set_value((name, content, "application/octet-stream")).run()


def _my_data(at: AppTest) -> AppTest:
    at.segmented_control(key="source").set_value("upload").run()
    return at


def test_upload_a_table_with_its_own_scores(people):
    at = _my_data(_app())
    at.radio(key="score_mode").set_value("column").run()
    _upload(at, "data", "people.csv", people.to_csv(index=False).encode())
    _no_problems(at)
    assert at.selectbox(key="target").value == "hired"
    assert at.selectbox(key="score_column").value == "score"
    assert at.multiselect(key="sensitive").value == ["sex", "race"]
    assert {metric.label: metric.value for metric in at.metric}["Rows"] == "600"
    # Choices survive a visit to another page and back.
    at.multiselect(key="sensitive").set_value(["race"]).run()
    at.switch_page("pages/data.py").run()
    assert at.multiselect(key="sensitive").value == ["race"]


def test_upload_a_table_and_a_skops_model(people, people_model):
    at = _my_data(_app())
    _upload(at, "data", "people.csv", people.to_csv(index=False).encode())
    _upload(at, "model", "model.skops", skops.io.dumps(people_model))
    _no_problems(at)
    assert at.multiselect(key="features").value == ["age", "income", "sex", "race"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "does not look like a table"),
        ("a,b\nJosé,1\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_bad_tables_get_a_plain_message(content, message):
    at = _my_data(_app())
    _upload(at, "data", "bad.csv", content)
    assert not at.exception
    assert any(message in _text(error) for error in at.error)


def test_bad_choices_get_a_plain_message(people):
    at = _my_data(_app())
    at.radio(key="score_mode").set_value("column").run()
    text_only = people[["sex", "race", "hired"]].assign(score=people.score.astype(str) + "%")
    _upload(at, "data", "people.csv", text_only.to_csv(index=False).encode())
    assert not at.exception
    assert any("no numeric column" in _text(error) for error in at.error)
    at = _my_data(_app())
    at.radio(key="score_mode").set_value("column").run()
    _upload(at, "data", "people.csv", people.to_csv(index=False).encode())
    at.selectbox(key="target").set_value("age").run()  # dozens of classes
    assert not at.exception
    assert any("from 2 to 20; it holds 52 value(s)" in _text(error) for error in at.error)
    at.selectbox(key="target").set_value("hired").run()
    at.multiselect(key="sensitive").set_value(["score"]).run()  # fine: many small groups
    assert not at.exception


def test_missing_sensitive_values_form_their_own_group(people):
    at = _my_data(_app())
    at.radio(key="score_mode").set_value("column").run()
    with_gaps = people.assign(sex=people.sex.where(people.index % 10 != 0))
    _upload(at, "data", "people.csv", with_gaps.to_csv(index=False).encode())
    at.multiselect(key="sensitive").set_value(["sex"]).run()
    _no_problems(at)
    assert "(missing)" in at.dataframe[0].value.index


def test_an_onnx_model_audits_and_explains_like_any_other(people, people_model, people_onnx):
    at = _my_data(_app())
    # 150 rows: the model-agnostic explainer calls the model some hundred times per row.
    _upload(at, "data", "people.csv", people.head(150).to_csv(index=False).encode())
    _upload(at, "model", "people.onnx", people_onnx)
    _no_problems(at)
    assert not any("runs code" in _text(warning) for warning in at.warning)  # no opt-in: ONNX runs no code from the file
    assert at.multiselect(key="features").value == ["age", "income", "sex", "race"]
    at.switch_page("pages/fairness.py").run()
    _no_problems(at)
    at.switch_page("pages/explain.py").run()
    at.select_slider(key="explain_rows").set_value(250).run()
    at.toggle(key="explain_on").set_value(True).run()
    _no_problems(at)
    assert "permutation explainer) on 150 of 150 rows, background of 100 rows" in _text(at.caption[0])
    at.switch_page("pages/report.py").run()
    _no_problems(at)
    assert "--model people.onnx \\\n" in at.code[0].value  # the command line names the uploaded file


def test_a_model_needing_absent_columns_is_named(people, people_model):
    at = _my_data(_app())
    _upload(at, "data", "people.csv", people.drop(columns=["income"]).to_csv(index=False).encode())
    _upload(at, "model", "model.skops", skops.io.dumps(people_model))
    assert not at.exception
    assert any("'income'" in _text(error) for error in at.error)


def test_a_pickle_does_not_run_until_the_box_is_ticked(tmp_path, people, people_model):
    marker = tmp_path / "pwned"
    at = _my_data(_app())
    _upload(at, "data", "people.csv", people.to_csv(index=False).encode())
    _upload(at, "model", "model.pkl", pickle.dumps(_TouchesAFile(marker)))
    assert not at.exception
    assert not marker.exists()
    assert any("runs code from the file" in _text(warning) for warning in at.warning)
    assert any("was not opened" in _text(error) for error in at.error)
    # A trusted, real model loads once the box is ticked.
    buffer = io.BytesIO()
    pickle.dump(people_model, buffer)
    _upload(at, "model", "model.pkl", buffer.getvalue())
    at.checkbox(key="trust_pickle").check().run()
    _no_problems(at)


# ---- Fairness page ----------------------------------------------------------------------------

def _fairness(demo: str = "adult") -> AppTest:
    at = _app()
    if demo != "adult":
        at.selectbox(key="demo").set_value(demo).run()
    at.switch_page("pages/fairness.py").run()
    _no_problems(at)
    return at


def _headline(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def _metric_table(at: AppTest):
    return next(frame.value for frame in at.dataframe if "Selection rate" in frame.value.columns)


def _button(at: AppTest, label: str):
    return next(button for button in at.button if button.label == label)


def test_the_slider_moves_every_number():
    from fairdash.audit import prepare_audit
    from fairdash.demo import load_demo
    from fairdash.metrics import group_metrics

    at = _fairness()
    before_table = _metric_table(at).copy()
    at.segmented_control(key="chart").set_value("Confusion matrices").run()
    before_matrices = at.get("plotly_chart")[0].proto.spec
    before = _headline(at)
    at.slider(key="threshold").set_value(0.3).run()
    _no_problems(at)
    assert _headline(at) != before
    assert not _metric_table(at).equals(before_table)
    assert at.get("plotly_chart")[0].proto.spec != before_matrices
    # The numbers shown are those of a pass over the rows at that threshold.
    demo = load_demo("adult")
    inputs = prepare_audit(demo.data, demo.spec, demo.model)
    expected = group_metrics(inputs.y_true, inputs.scores >= 0.3, inputs.groups)
    shown = _metric_table(at)
    assert shown.loc["Female", "Selection rate"].startswith(f"{expected.loc['Female', 'selection_rate'] * 100:.1f}%")


def test_suggest_sets_per_group_thresholds_that_pass():
    at = _fairness()
    at.selectbox(key="suggest_constraint").set_value("demographic_parity").run()
    at.number_input(key="suggest_tolerance").set_value(0.02).run()
    assert float(_headline(at)["Demographic parity ratio"]) < 0.8
    _button(at, "Suggest").click().run()
    _no_problems(at)
    assert at.session_state["threshold_mode"] == "per_group"
    assert any("accuracy goes from" in _text(success) for success in at.success)
    ratio = float(_headline(at)["Demographic parity ratio"])
    assert ratio > 0.8
    # Reset brings back one threshold for everyone.
    _button(at, "Reset").click().run()
    assert at.session_state["threshold_mode"] == "global"
    assert float(_headline(at)["Demographic parity ratio"]) < 0.8


@pytest.mark.parametrize(("chart", "title"), [
    ("Rates", "Rates by group (bars: 95% interval)"),
    ("Confusion matrices", "Confusion matrices by group (counts)"),
    ("ROC curves", "ROC curve by group (dots: current thresholds)"),
    ("Trade-off", "Accuracy against demographic parity difference"),
])
def test_each_chart_draws(chart, title):
    at = _fairness("compas")
    at.segmented_control(key="chart").set_value(chart).run()
    _no_problems(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 1 and json.loads(charts[0].proto.spec)["layout"]["title"]["text"] == title


def test_compas_slider_steps_over_the_deciles():
    at = _fairness("compas")
    slider = at.select_slider(key="threshold")
    assert list(slider.options)[:10] == [str(value) for value in range(1, 11)]
    slider.set_value(8.0).run()
    _no_problems(at)


def test_zero_one_predictions_disable_the_slider(people):
    at = _my_data(_app())
    at.radio(key="score_mode").set_value("column").run()
    predictions = people.assign(score=(people.score >= 0.5).astype(int))
    _upload(at, "data", "people.csv", predictions.to_csv(index=False).encode())
    at.switch_page("pages/fairness.py").run()
    _no_problems(at)
    assert any("no threshold to move" in _text(info) for info in at.info)
    assert len(at.slider) == 0 and len(at.select_slider) == 0


# ---- Rules page -------------------------------------------------------------------------------

def test_rules_follow_the_fairness_thresholds_and_the_depth():
    at = _fairness()
    at.slider(key="threshold").set_value(0.3).run()
    at.switch_page("pages/rules.py").run()
    _no_problems(at)
    assert "0.3 for everyone" in _text(at.caption[0])
    rules = next(frame.value for frame in at.dataframe if "rule" in frame.value.columns)
    assert rules["coverage"].sum() == pytest.approx(1.0)
    at.slider(key="rules_depth").set_value(1).run()
    _no_problems(at)
    assert _headline(at)["Rules"] == "2"
    at.segmented_control(key="rules_target").set_value("outcomes").run()
    _no_problems(at)
    assert "true outcome" in _text(at.caption[0])


# ---- Report page ------------------------------------------------------------------------------

def test_fairness_page_compares_each_group_with_the_reference():
    at = _fairness("compas")
    comparison = next(frame.value for frame in at.dataframe if "selection_rate_ratio" in frame.value.columns)
    assert comparison.loc["Caucasian", "selection_rate_ratio"] == pytest.approx(1.0)
    assert comparison.loc["African-American", "selection_rate_ratio"] > 1.5


def test_report_downloads_follow_the_fairness_settings():
    at = _fairness("compas")
    at.select_slider(key="threshold").set_value(7.0).run()
    at.switch_page("pages/report.py").run()
    _no_problems(at)
    assert "7 for everyone" in _text(at.markdown[0])
    shown = at.get("json")[0].proto.body
    assert json.loads(shown)["thresholds"] == 7.0


# ---- Explain page -----------------------------------------------------------------------------

def test_explain_clicks_through_every_view():
    at = _app()
    at.switch_page("pages/explain.py").run()
    _no_problems(at)
    assert any("Compute SHAP values" in _text(info) for info in at.info)  # nothing heavy until asked
    at.select_slider(key="explain_rows").set_value(250).run()
    at.toggle(key="explain_on").set_value(True).run()
    _no_problems(at)
    assert "tree explainer) on 250 of 15,060 rows" in _text(at.caption[0])
    titles = lambda: [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in at.get("plotly_chart")]  # noqa: E731
    assert titles() == ["Mean |SHAP| (what the model relies on)", "SHAP values by feature (one dot per row)"]
    at.toggle(key="permutation_on").set_value(True).run()
    _no_problems(at)
    assert titles() == ["Mean |SHAP| (what the model relies on)", "Permutation importance (drop in ROC AUC)",
                        "SHAP values by feature (one dot per row)"]
    at.segmented_control(key="explain_view").set_value("By group").run()
    _no_problems(at)
    assert titles() == ["Mean |SHAP| by group", "Why the mean output differs: Male minus Female"]  # the two largest groups
    at.segmented_control(key="explain_view").set_value("One person").run()
    _no_problems(at)
    assert {"LIME weights"} <= set(titles())
    at.segmented_control(key="explain_view").set_value("What if").run()
    _no_problems(at)
    at.number_input(key="what_if_capital_gain").set_value(50000.0)
    _button(at, "Score the edited row").click().run()
    _no_problems(at)
    scores = {metric.label: metric for metric in at.metric}
    assert float(scores["Score as edited"].value) > float(scores["Score as recorded"].value)
    assert any("instead of" in _text(markdown) and "the score is" in _text(markdown) for markdown in at.markdown)
    at.toggle(key="flip_sensitive").set_value(True).run()
    _no_problems(at)
    flips = next(frame.value for frame in at.dataframe if "flip_rate" in frame.value.columns)
    assert set(flips.index) == {"Female", "Male"}


def test_explain_without_a_model_says_why():
    at = _app()
    at.selectbox(key="demo").set_value("compas").run()
    at.switch_page("pages/explain.py").run()
    _no_problems(at)
    assert any("explanations need a model" in _text(info) for info in at.info)


def test_a_skops_model_with_untrusted_types_loads_once_they_are_accepted(people):
    from sklearn.ensemble import HistGradientBoostingClassifier

    features = ["age", "income"]
    model = HistGradientBoostingClassifier(max_iter=5).fit(people[features], people["hired"])
    at = _my_data(_app())
    _upload(at, "data", "people.csv", people.to_csv(index=False).encode())
    _upload(at, "model", "model.skops", skops.io.dumps(model))
    assert not at.exception
    assert any("not trusted by default" in _text(warning) for warning in at.warning)
    trust = at.multiselect(key="trust_skops")
    assert trust.options and all("TreePredictor" in option for option in trust.options)
    # Said once: a warning with the types to tick, not again as an error below it.
    assert not at.error and sum("not trusted by default" in _text(warning) for warning in at.warning) == 1
    trust.set_value(list(trust.options)).run()
    _no_problems(at)
    assert at.multiselect(key="features").value == features
    # The command on the Report page loads the model with the same trust, and nothing more.
    at.switch_page("pages/report.py").run()
    _no_problems(at)
    arguments = shlex.split(at.code[0].value.replace("\\\n", " "))
    given = [arguments[position + 1] for position, argument in enumerate(arguments) if argument == "--trust-type"]
    assert given == list(trust.options) and "--trust-pickle" not in arguments


def test_two_hundred_groups_draw_every_chart_and_the_report():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2)
    n = 8_000
    table = pd.DataFrame({"region": [f"region {k:03d}" for k in rng.integers(0, 200, n)], "y": rng.integers(0, 2, n),
                          "score": rng.random(n).round(3)})
    at = _my_data(_app())
    at.radio(key="score_mode").set_value("column").run()
    _upload(at, "data", "regions.csv", table.to_csv(index=False).encode())
    at.multiselect(key="sensitive").set_value(["region"]).run()
    assert not at.exception
    at.switch_page("pages/fairness.py").run()
    for chart in ("Rates", "Confusion matrices", "ROC curves"):
        at.segmented_control(key="chart").set_value(chart).run()
        assert not at.exception, chart
        assert "(12 of 200 groups" in json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"], chart
    at.segmented_control(key="chart").set_value("Trade-off").run()
    assert not at.exception
    at.switch_page("pages/report.py").run()
    assert not at.exception and not at.error
    assert "--sensitive region" in at.code[0].value


def test_an_upload_survives_a_visit_to_another_page_and_goes_when_removed(people):
    at = _my_data(_app())
    at.radio(key="score_mode").set_value("column").run()
    _upload(at, "data", "people.csv", people.to_csv(index=False).encode())
    at.file_uploader(key="data").set_value(None).run()  # the user removes the file
    assert any("Upload a table" in _text(error) for error in at.error)
    _upload(at, "data", "people.csv", people.to_csv(index=False).encode())
    at.switch_page("pages/fairness.py").run()
    at.switch_page("pages/data.py").run()  # the uploader is drawn anew, empty: the table stays
    _no_problems(at)
    assert any("uploaded earlier" in _text(caption) for caption in at.caption)
    assert {metric.label: metric.value for metric in at.metric}["Rows"] == "600"


def test_the_settings_of_an_upload_are_guessed_once(people, monkeypatch):
    """Guessing reads every column: paid once per upload, not on every slider move."""
    from fairdash import data as data_module
    from fairdash.ui import cache

    calls = []
    guess = data_module.guess_spec
    monkeypatch.setattr(cache, "guess_spec", lambda *args, **kwargs: calls.append(1) or guess(*args, **kwargs))
    cache.guessed_spec.clear()
    at = _my_data(_app())
    at.radio(key="score_mode").set_value("column").run()
    _upload(at, "data", "people.csv", people.to_csv(index=False).encode())
    at.switch_page("pages/fairness.py").run()
    at.slider(key="threshold").set_value(0.3).run()
    at.slider(key="threshold").set_value(0.4).run()
    _no_problems(at)
    assert len(calls) == 1


def _plotted_names(at: AppTest) -> list[str]:
    return [trace.get("name") for trace in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]]


def test_the_fixes_page_compares_every_fix_and_shows_the_chosen_one():
    at = _app()
    at.selectbox(key="demo").set_value("german").run()
    at.switch_page("pages/fixes.py").run()
    _no_problems(at)
    assert not at.warning, [_text(warning) for warning in at.warning]
    assert _plotted_names(at) == ["Original", "Thresholds per group", "Reweighing", "Unawareness (without sex, personal_status)"]
    at.toggle(key="fixes_reductions").set_value(True).run()
    _no_problems(at)
    assert _plotted_names(at) == ["Original", "Thresholds per group", "Reweighing", "Reductions (one point per bound)",
                                  "Unawareness (without sex, personal_status)"]
    compared = at.dataframe[0].value
    assert compared.index.tolist()[3:6] == ["Reductions (bound 0.01)", "Reductions (bound 0.03)", "Reductions (bound 0.06)"]
    assert {"accuracy", "AUC", "demographic parity difference", "selected: female", "selected: male"} <= set(compared.columns)
    at.selectbox(key="fixes_chosen").set_value("Reweighing").run()
    _no_problems(at)
    assert any("Reweighing" in _text(markdown) and "accuracy" in _text(markdown) for markdown in at.markdown)
    assert [button.proto.label for button in at.get("download_button")][0] == "Download this model (.skops)"
    # The chosen fix's per-group table is its own, not the original's.
    fix_tables = [frame.value for frame in at.dataframe if "Selection rate" in frame.value.columns]
    assert len(fix_tables) == 2 and not fix_tables[0]["Selection rate"].equals(fix_tables[1]["Selection rate"])


def test_the_fixes_page_without_a_model_offers_the_thresholds_and_says_why():
    at = _app()
    at.selectbox(key="demo").set_value("compas").run()
    at.switch_page("pages/fixes.py").run()
    _no_problems(at)
    assert any("no model to refit" in _text(info) for info in at.info)
    assert _plotted_names(at) == ["Original", "Thresholds per group"]
    assert not at.toggle  # no reductions to add


def test_the_fixes_page_takes_a_training_table_upload(people, people_model):
    at = _my_data(_app())
    _upload(at, "data", "people.csv", people.to_csv(index=False).encode())
    _upload(at, "model", "model.skops", skops.io.dumps(people_model))
    at.switch_page("pages/fixes.py").run()
    _no_problems(at)
    assert any("add its training table" in _text(info) for info in at.info)
    broken = people.drop(columns=["income"])
    _upload(at, "fixes_train", "train.csv", broken.to_csv(index=False).encode())
    _no_problems(at)
    (warning,) = at.warning
    assert _text(warning) == "**Reweighing and Unawareness** could not be made: The training table lacks column(s) 'income'."
    _upload(at, "fixes_train", "train.csv", people.to_csv(index=False).encode())
    _no_problems(at)
    assert "Reweighing" in _plotted_names(at) and not at.info


def test_the_over_time_page_shows_compas_by_month_and_its_threshold_moves_the_chart():
    at = _app()
    at.switch_page("pages/over_time.py").run()
    _no_problems(at)
    assert any("2013-01-01" in _text(warning) and "leaves the gate" in _text(warning) for warning in at.warning)
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["layout"]["title"]["text"] == "Demographic parity ratio by month"
    before = [trace for trace in chart["data"] if trace.get("name") == "demographic parity ratio"][0]["y"]
    assert len(before) == 24
    at.select_slider(key="log_threshold").set_value(8.0).run()  # the deciles themselves: every position exact
    _no_problems(at)
    after = [trace for trace in json.loads(at.get("plotly_chart")[0].proto.spec)["data"] if trace.get("name") == "demographic parity ratio"][0]["y"]
    assert after != before
    at.selectbox(key="log_window").set_value("quarter").run()
    _no_problems(at)
    assert len([t for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"] if t.get("name") == "demographic parity ratio"][0]["y"]) == 8


def test_the_over_time_page_monitors_an_uploaded_log_and_says_what_is_wrong():
    from fairdash.monitor import synthetic_log

    at = _app()
    at.switch_page("pages/over_time.py").run()
    at.segmented_control(key="log_source").set_value("upload").run()
    _no_problems(at)
    log = synthetic_log(24_000, drift_month=12, random_state=2).assign(branch="north")
    _upload(at, "log_upload", "log.csv", log.to_csv(index=False).encode())
    _no_problems(at)
    assert at.selectbox(key="log_time").value == "time" and at.multiselect(key="log_sensitive").value == ["group"]
    assert at.selectbox(key="log_target").value == "outcome"
    assert any("2025-01-01" in _text(warning) for warning in at.warning)
    assert any("2025-11-01" in _text(caption) and "not in yet" in _text(caption) for caption in at.caption)
    # A time column that is not dates: a plain message naming a value, no traceback.
    at.selectbox(key="log_time").set_value("branch").run()
    assert not at.exception
    assert any("are not dates or times, such as" in _text(error) for error in at.error)
    # A column chosen for two roles is refused by name.
    at.selectbox(key="log_time").set_value("group").run()
    assert not at.exception
    assert any("time column 'group' is also chosen for another role" in _text(error) for error in at.error)


def test_the_report_page_offers_the_fixes_compared_for_the_audit():
    at = _app()
    at.selectbox(key="demo").set_value("german").run()
    at.switch_page("pages/report.py").run()
    _no_problems(at)
    assert not any(toggle.label.startswith("Include the fixes") for toggle in at.toggle)  # none compared yet
    at.switch_page("pages/fixes.py").run()
    at.switch_page("pages/report.py").run()
    _no_problems(at)
    assert any(toggle.label == "Include the fixes compared on the Fixes page (4, for demographic parity)" for toggle in at.toggle)
