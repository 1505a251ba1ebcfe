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
import streamlit as st
from streamlit.testing.v1 import AppTest
from test_models import _TouchesAFile

from fairdash.engine.demo import DEMO_TITLES

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "pages/data.py",
    "pages/fairness.py",
    "pages/fixes.py",
    "pages/explain.py",
    "pages/rules.py",
    "pages/over_time.py",
    "pages/report.py",
]


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
    _PAGE_CHECKS[page](at, demo)  # each page's title, headings and numbers, against the demo's rows


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


def _metric_table(at: AppTest, *, overall: bool = False):
    """The Fairness page's metric table (``overall``: its all-rows line), put together from the parts it is shown in."""
    import pandas as pd

    parts = [
        frame.value
        for frame in at.dataframe
        if (frame.value.index.tolist() == ["all rows"]) == overall
        and {"Selection rate", "True positive rate"} & set(frame.value.columns)
    ]
    joined = pd.concat(parts, axis=1)
    return joined.loc[:, ~joined.columns.duplicated()]


def _preview(at: AppTest) -> dict:
    """What the Fairness page handed its in-browser preview (positions, counts, start, rules)."""
    (component,) = _previews(at)
    return json.loads(component.proto.json)


def _previews(at: AppTest) -> list:
    """The threshold previews drawn (the sidebar also holds the tab's draft binding, another component)."""
    return [component for component in at.get("bidi_component") if component.proto.component_name.endswith("threshold_preview")]


def _settle(at: AppTest, threshold: float) -> None:
    """A settled move of the preview to ``threshold`` for everyone, kept as its callback keeps it
    (``state.store_settled_thresholds``; the browser tests drive the component itself)."""
    at.session_state["threshold_mode"] = "global"
    at.session_state["threshold"] = threshold
    at.run()


def _button(at: AppTest, label: str):
    return next(button for button in at.button if button.label == label)


def test_the_slider_moves_every_number():
    at = _fairness()
    at.segmented_control(key="chart").set_value("Confusion matrices").run()
    _assert_fairness_numbers(at, "adult", 0.5)
    _assert_confusion_matrices(_chart(at), "adult", 0.5)
    _settle(at, 0.3)
    _no_problems(at)
    # Every number shown is that of Fairlearn (and scikit-learn's confusion matrix) on the rows at 0.3.
    _assert_fairness_numbers(at, "adult", 0.3)
    _assert_confusion_matrices(_chart(at), "adult", 0.3)


def test_suggest_sets_per_group_thresholds_that_pass():
    at = _fairness()
    at.selectbox(key="suggest_constraint").set_value("demographic_parity").run()
    at.number_input(key="suggest_tolerance").set_value(0.02).run()
    assert float(_headline(at)["Demographic parity ratio"]) < 0.8
    revision = _preview(at)["revision"]
    _button(at, "Suggest").click().run()
    _no_problems(at)
    assert at.session_state["threshold_mode"] == "per_group"
    # The open preview is told to move to the suggested thresholds (a new revision), which are among its positions.
    preview = _preview(at)
    assert preview["revision"] > revision and preview["start"]["mode"] == "per_group"
    suggested = [at.session_state[f"threshold_for_{label}"] for label in preview["labels"]]
    assert preview["start"]["groups"] == suggested and set(suggested) <= set(preview["thresholds"])
    assert any("accuracy goes from" in _text(success) for success in at.success)
    ratio = float(_headline(at)["Demographic parity ratio"])
    assert ratio > 0.8
    # Reset brings back one threshold for everyone.
    _button(at, "Reset the thresholds").click().run()
    assert _preview(at)["start"]["mode"] == "global" and _preview(at)["revision"] > preview["revision"]
    assert float(_headline(at)["Demographic parity ratio"]) < 0.8


@pytest.mark.parametrize(
    ("chart", "title"),
    [
        ("Rates", "Rates by group (bars: 95% interval)"),
        ("Confusion matrices", "Confusion matrices by group (counts)"),
        ("ROC curves", "ROC curve by group (dots: current thresholds)"),
        ("Trade-off", "Accuracy against demographic parity difference"),
    ],
)
def test_each_chart_draws(chart, title):
    at = _fairness("compas")
    at.segmented_control(key="chart").set_value(chart).run()
    _no_problems(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 1 and json.loads(charts[0].proto.spec)["layout"]["title"]["text"] == title
    # What is drawn is the data: each chart against Fairlearn and scikit-learn on the rows at the default 5.
    _CHART_CHECKS[chart](_chart(at), "compas", 5.0)


def test_compas_slider_steps_over_the_deciles():
    at = _fairness("compas")
    positions = _preview(at)["thresholds"]
    assert positions[:-1] == [float(value) for value in range(1, 11)] and positions[-1] > 10  # the last selects nobody
    _assert_fairness_numbers(at, "compas", 5.0)
    _settle(at, 8.0)
    _no_problems(at)
    _assert_fairness_numbers(at, "compas", 8.0)  # the table, the overall row and the disparities, at 8


def test_zero_one_predictions_disable_the_slider(people):
    at = _my_data(_app())
    at.radio(key="score_mode").set_value("column").run()
    predictions = people.assign(score=(people.score >= 0.5).astype(int))
    _upload(at, "data", "people.csv", predictions.to_csv(index=False).encode())
    at.switch_page("pages/fairness.py").run()
    _no_problems(at)
    assert any("no threshold to move" in _text(info) for info in at.info)
    assert len(_previews(at)) == 0 and len(at.slider) == 0


# ---- Rules page -------------------------------------------------------------------------------


def test_rules_follow_the_fairness_thresholds_and_the_depth():
    at = _fairness()
    _settle(at, 0.3)
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
    _settle(at, 7.0)
    at.switch_page("pages/report.py").run()
    _no_problems(at)
    assert "7 for everyone" in _text(at.markdown[0])
    shown = at.get("json")[0].proto.body
    assert json.loads(shown)["thresholds"] == 7.0
    labels = [button.proto.label for button in at.get("download_button")]
    assert "Download the report (PDF)" in labels  # printed by Chromium on click (its bytes: tests/test_pdf.py)


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
    assert titles() == [
        "Mean |SHAP| (what the model relies on)",
        "Permutation importance (drop in ROC AUC)",
        "SHAP values by feature (one dot per row)",
    ]
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
    table = pd.DataFrame(
        {
            "region": [f"region {k:03d}" for k in rng.integers(0, 200, n)],
            "y": rng.integers(0, 2, n),
            "score": rng.random(n).round(3),
        }
    )
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
    assert any("Upload a table" in _text(info) for info in at.info)  # the next step, not an error
    _upload(at, "data", "people.csv", people.to_csv(index=False).encode())
    at.switch_page("pages/fairness.py").run()
    at.switch_page("pages/data.py").run()  # the uploader is drawn anew, empty: the table stays
    _no_problems(at)
    assert any("uploaded earlier" in _text(caption) for caption in at.caption)
    assert {metric.label: metric.value for metric in at.metric}["Rows"] == "600"


def test_the_settings_of_an_upload_are_guessed_once(people, monkeypatch):
    """Guessing reads every column: paid once per upload, not on every slider move."""
    from fairdash.engine import guess as data_module
    from fairdash.ui import cache

    calls = []
    guess = data_module.guess_spec
    monkeypatch.setattr(cache, "guess_spec", lambda *args, **kwargs: calls.append(1) or guess(*args, **kwargs))
    cache.guessed_spec.clear()
    at = _my_data(_app())
    at.radio(key="score_mode").set_value("column").run()
    _upload(at, "data", "people.csv", people.to_csv(index=False).encode())
    at.switch_page("pages/fairness.py").run()
    _settle(at, 0.3)
    _settle(at, 0.4)
    _no_problems(at)
    assert len(calls) == 1


def _plotted_names(at: AppTest) -> list[str]:
    return [trace.get("name") for trace in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]]


def test_the_fixes_page_compares_every_fix_and_shows_the_chosen_one():
    st.cache_resource.clear()  # refits other tests made are kept for every session: start from none
    at = _app()
    at.selectbox(key="demo").set_value("german").run()
    at.switch_page("pages/fixes.py").run()
    _no_problems(at)
    assert _plotted_names(at) == ["Original", "Thresholds per group"]  # nothing refitted until asked
    at.button(key="fixes_run_refits").click().run()
    _no_problems(at)
    assert not at.warning, [_text(warning) for warning in at.warning]
    assert _plotted_names(at) == ["Original", "Thresholds per group", "Reweighing", "Unawareness (without sex, personal_status)"]
    assert re.fullmatch(
        r"Add reductions \(Fairlearn's ExponentiatedGradient at 3 bounds\): about \d+ s \(estimated from one fit of "
        r"\d+\.\d s, times 15 fits\)",
        at.button(key="fixes_run_reductions").label,
    )
    at.button(key="fixes_run_reductions").click().run()
    _no_problems(at)
    assert _plotted_names(at) == [
        "Original",
        "Thresholds per group",
        "Reweighing",
        "Reductions (one point per bound)",
        "Unawareness (without sex, personal_status)",
    ]
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
    assert not [button for button in at.button if button.key in ("fixes_run_refits", "fixes_run_reductions")]  # nothing to refit
    assert any("tuned on the audited rows themselves" in _text(caption) for caption in at.caption)  # a table of scores: in sample


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
    at.button(key="fixes_run_refits").click().run()
    _no_problems(at)
    (warning,) = at.warning
    assert _text(warning) == "**Reweighing and Unawareness** could not be made: The training table lacks column(s) 'income'."
    _upload(at, "fixes_train", "train.csv", people.to_csv(index=False).encode())
    _no_problems(at)
    at.button(key="fixes_run_refits").click().run()
    _no_problems(at)
    assert "Reweighing" in _plotted_names(at) and not at.info


def test_the_over_time_page_shows_compas_by_month_and_its_threshold_moves_the_chart():
    at = _app()
    at.switch_page("pages/over_time.py").run()
    _no_problems(at)
    # The baseline already fails the gates, and says so; it never "leaves" them nor changes from itself (issue 32).
    assert any(
        "2013-01-01" in _text(warning) and "fails the gate in the baseline window already" in _text(warning)
        for warning in at.warning
    )
    assert not any(
        "2013-01-01" in _text(warning) and ("leaves the gate" in _text(warning) or "changed by" in _text(warning))
        for warning in at.warning
    )
    assert any("2014-05-01" in _text(info) and "base rate 0 or 1" in _text(info) for info in at.info)  # the filtered months
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["layout"]["title"]["text"] == "Demographic parity ratio by month"
    before = [trace for trace in chart["data"] if trace.get("name") == "demographic parity ratio"][0]["y"]
    assert len(before) == 24
    at.select_slider(key="log_threshold").set_value(8.0).run()  # the deciles themselves: every position exact
    _no_problems(at)
    after = [
        trace
        for trace in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
        if trace.get("name") == "demographic parity ratio"
    ][0]["y"]
    assert after != before
    at.selectbox(key="log_window").set_value("quarter").run()
    _no_problems(at)
    assert (
        len(
            [t for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"] if t.get("name") == "demographic parity ratio"][
                0
            ]["y"]
        )
        == 8
    )


def test_the_over_time_page_monitors_an_uploaded_log_and_says_what_is_wrong():
    from fairdash.monitor.logs import synthetic_log

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
    if any(button.key == "fixes_run_refits" for button in at.button):  # refits another test made are kept (shared by sessions)
        at.button(key="fixes_run_refits").click().run()
    at.switch_page("pages/report.py").run()
    _no_problems(at)
    compared = len(at.session_state["fixes_compared"][2])  # 4, or 7 with the reductions another test asked for (kept, shared)
    assert compared in (4, 7)
    assert any(
        toggle.label == f"Include the fixes compared on the Fixes page ({compared}, for demographic parity)"
        for toggle in at.toggle
    )


# ---- Oracles for the page tests: Fairlearn, scikit-learn and numpy on the demo's rows ----------------

_DEFAULT_THRESHOLDS = {"adult": 0.5, "compas": 5.0, "german": 0.5}
_SHOWN_RATES = {
    "base_rate": "Base rate",
    "selection_rate": "Selection rate",
    "tpr": "True positive rate",
    "fpr": "False positive rate",
    "fnr": "False negative rate",
    "precision": "Precision",
    "accuracy": "Accuracy",
}
_HEADLINE = {
    "Demographic parity ratio": "demographic_parity_ratio",
    "Equal opportunity difference": "equal_opportunity_difference",
    "Equalized odds difference": "equalized_odds_difference",
    "Predictive parity difference": "predictive_parity_difference",
}
_ROWS = {}


def _demo_rows(demo: str):
    """The demo's truth, scores and groups, read from its table (and its model's own predict_proba)."""
    if demo not in _ROWS:
        import numpy as np

        from fairdash.engine.demo import load_demo

        loaded = load_demo(demo)
        data, spec = loaded.data, loaded.spec
        if loaded.model is None:
            scores = data[spec.score].to_numpy(dtype=float)
        else:
            estimator = loaded.model.estimator
            scores = estimator.predict_proba(data[list(spec.features)])[:, list(estimator.classes_).index(spec.positive_label)]
        (sensitive,) = spec.sensitive
        _ROWS[demo] = (np.asarray(data[spec.target] == spec.positive_label), scores, data[sensitive].astype(str).to_numpy())
    return _ROWS[demo]


def _oracle(demo: str, threshold: float):
    from test_report_cli import fairlearn_metrics

    y_true, scores, groups = _demo_rows(demo)
    return fairlearn_metrics(y_true, scores >= threshold, groups)


def _judged_disparities(demo: str, threshold: float) -> dict[str, float]:
    """Fairlearn's disparities over the groups of 30 rows or more (the page leaves out smaller ones)."""
    import numpy as np
    from test_report_cli import fairlearn_disparities

    y_true, scores, groups = _demo_rows(demo)
    labels, sizes = np.unique(groups, return_counts=True)
    judged = np.isin(groups, labels[sizes >= 30])
    return fairlearn_disparities(y_true[judged], scores[judged] >= threshold, groups[judged])


def _assert_shown_table(shown, expected, rates=tuple(_SHOWN_RATES)) -> None:
    """A table formatted for people ("12,345", "45.1% (43.0–47.2)", "n/a") against the oracle's numbers."""
    import numpy as np

    assert shown.index.tolist() == expected.index.tolist()
    for label, row in expected.iterrows():
        assert int(shown.loc[label, "Rows"].replace(",", "")) == row["count"], label
        for rate in rates:
            cell = shown.loc[label, _SHOWN_RATES[rate]]
            if np.isnan(row[rate]):
                assert cell.startswith("n/a"), (label, rate, cell)
            else:
                assert float(cell.split("%")[0]) == pytest.approx(row[rate] * 100, abs=0.05 + 1e-9), (label, rate, cell)


def _assert_fairness_numbers(at: AppTest, demo: str, threshold: float) -> None:
    """The Fairness page's table, overall row and headline disparities equal Fairlearn's at ``threshold``."""
    start = _preview(at)["start"]  # the preview opens where the server's numbers are
    assert (start["mode"], start["global"]) == ("global", threshold)
    by_group, overall = _oracle(demo, threshold)
    _assert_shown_table(_metric_table(at), by_group)
    _assert_shown_table(_metric_table(at, overall=True), overall.to_frame("all rows").T)
    expected = _judged_disparities(demo, threshold)
    for label, value in _headline(at).items():
        assert float(value) == pytest.approx(expected[_HEADLINE[label]], abs=5e-4 + 1e-9), label


def _chart(at: AppTest) -> dict:
    (chart,) = at.get("plotly_chart")
    return json.loads(chart.proto.spec)


def _plotted(value):
    """A plotted array: plotly 7 sends numbers as base64 ``bdata`` of a ``dtype`` (and a ``shape``)."""
    import base64

    import numpy as np

    if isinstance(value, dict):
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return array.reshape([int(n) for n in value["shape"].split(",")]) if "shape" in value else array
    return np.asarray(value, dtype=float)


def _assert_rate_bars(chart: dict, demo: str, threshold: float) -> None:
    from fairdash.engine.demo import load_demo

    by_group, overall = _oracle(demo, threshold)
    reference = load_demo(demo).spec.reference
    bars = chart["data"]
    assert [bar["name"] for bar in bars] == ["Selection rate", "True positive rate", "False positive rate", "Precision"]
    for bar, rate in zip(bars, ("selection_rate", "tpr", "fpr", "precision")):
        assert bar["x"] == [f"{label} (ref.)" if label == reference else label for label in by_group.index]
        assert _plotted(bar["y"]) == pytest.approx(by_group[rate].to_numpy(), abs=1e-12), rate
    (line,) = chart["layout"]["shapes"]  # the overall selection rate
    assert line["y0"] == line["y1"] == pytest.approx(overall["selection_rate"], abs=1e-12)


def _assert_confusion_matrices(chart: dict, demo: str, threshold: float) -> None:
    """One heatmap per group, [[tp, fn], [fp, tn]], against scikit-learn's confusion_matrix on the group's rows."""
    from sklearn.metrics import confusion_matrix

    y_true, scores, groups = _demo_rows(demo)
    labels = sorted(set(groups))
    assert [trace["name"] for trace in chart["data"]] == labels
    assert [note["text"] for note in chart["layout"]["annotations"]] == [
        f"{label} (n={(groups == label).sum():,})" for label in labels
    ]
    for trace, label in zip(chart["data"], labels):
        rows = groups == label
        (tn, fp), (fn, tp) = confusion_matrix(y_true[rows], scores[rows] >= threshold, labels=[False, True])
        assert _plotted(trace["z"]).tolist() == [[tp, fn], [fp, tn]], label
        assert trace["text"] == [[f"{tp:,}", f"{fn:,}"], [f"{fp:,}", f"{tn:,}"]], label


def _assert_roc_curves(chart: dict, demo: str, threshold: float) -> None:
    """Each group's curve passes through exactly scikit-learn's ROC points; its dot is Fairlearn's (FPR, TPR)."""
    import numpy as np
    from sklearn.metrics import roc_curve

    y_true, scores, groups = _demo_rows(demo)
    by_group, _ = _oracle(demo, threshold)
    curves = [trace for trace in chart["data"] if trace.get("mode") == "lines" and "name" in trace]
    dots = [trace for trace in chart["data"] if trace.get("mode") == "markers"]
    assert [trace["name"] for trace in curves] == [trace["name"] for trace in dots] == by_group.index.tolist()
    for curve, dot in zip(curves, dots):
        rows = groups == curve["name"]
        fpr, tpr, _ = roc_curve(y_true[rows], scores[rows], drop_intermediate=False)
        points = lambda x, y: set(zip(np.round(x, 12), np.round(y, 12)))  # noqa: E731
        assert points(_plotted(curve["x"]), _plotted(curve["y"])) == points(fpr, tpr), curve["name"]
        expected = by_group.loc[curve["name"]]
        assert (dot["x"], dot["y"]) == (pytest.approx([expected["fpr"]], abs=1e-12), pytest.approx([expected["tpr"]], abs=1e-12))


def _assert_tradeoff(chart: dict, demo: str, threshold: float) -> None:
    """One dot per threshold for everyone: Fairlearn's demographic parity difference (all groups) and accuracy."""
    import numpy as np
    from fairlearn.metrics import demographic_parity_difference
    from sklearn.metrics import accuracy_score

    y_true, scores, groups = _demo_rows(demo)
    line, star = chart["data"]
    positions = _plotted(line["customdata"])
    assert positions.tolist() == np.unique(scores).tolist()  # COMPAS: the ten deciles

    def point(at: float) -> tuple[float, float]:
        selected = scores >= at
        return demographic_parity_difference(y_true, selected, sensitive_features=groups), accuracy_score(y_true, selected)

    expected = np.array([point(position) for position in positions])
    assert _plotted(line["x"]) == pytest.approx(expected[:, 0], abs=1e-12)
    assert _plotted(line["y"]) == pytest.approx(expected[:, 1], abs=1e-12)
    assert star["name"] == "current setting"
    assert (star["x"][0], star["y"][0]) == pytest.approx(point(threshold), abs=1e-12)


_CHART_CHECKS = {
    "Rates": _assert_rate_bars,
    "Confusion matrices": _assert_confusion_matrices,
    "ROC curves": _assert_roc_curves,
    "Trade-off": _assert_tradeoff,
}


def _check_data_page(at: AppTest, demo: str) -> None:
    import numpy as np

    from fairdash.engine.demo import load_demo

    data = load_demo(demo).data
    y_true, _, groups = _demo_rows(demo)
    assert [title.value for title in at.title] == ["Data & model"]
    assert [heading.value for heading in at.subheader] == ["What to audit", "Summary", "Data balance"]
    assert _headline(at) == {
        "Rows": f"{len(data):,}",
        "Columns": f"{data.shape[1]:,}",
        "Missing values": f"{int(data.isna().to_numpy().sum()):,}",
        "Positive rate": f"{y_true.mean():.1%}",
    }
    shown = at.dataframe[0].value
    labels, sizes = np.unique(groups, return_counts=True)
    assert sorted(shown.index) == labels.tolist()
    for label, size in zip(labels, sizes):
        assert shown.loc[label, "Rows"] == size
        assert shown.loc[label, "Share"] == pytest.approx(size / len(groups), abs=1e-12)
        assert shown.loc[label, "Base rate"] == pytest.approx(y_true[groups == label].mean(), abs=1e-12)
        assert bool(shown.loc[label, "Too small to judge"]) == (size < 30)


def _check_fairness_page(at: AppTest, demo: str) -> None:
    assert [title.value for title in at.title] == ["Fairness"]
    assert [heading.value for heading in at.subheader] == [
        "Move the thresholds",
        "Disparities with their uncertainty",
        "Metrics by group, with intervals",
        "Given a legitimate factor",
    ]
    assert [chart["layout"]["title"]["text"] for chart in [_chart(at)]] == ["Rates by group (bars: 95% interval)"]
    _assert_fairness_numbers(at, demo, _DEFAULT_THRESHOLDS[demo])


def _check_fixes_page(at: AppTest, demo: str) -> None:
    from sklearn.metrics import accuracy_score

    threshold = _DEFAULT_THRESHOLDS[demo]
    y_true, scores, _ = _demo_rows(demo)
    by_group, _ = _oracle(demo, threshold)
    assert [title.value for title in at.title] == ["Fixes"]
    assert [heading.value for heading in at.subheader] == ["The trade-off", "One fix against the original"]
    compared = at.dataframe[0].value
    assert compared.index.tolist()[:2] == ["Original", "Thresholds per group"]
    original = compared.loc["Original"]
    assert original["accuracy"] == pytest.approx(accuracy_score(y_true, scores >= threshold), abs=1e-12)
    for label, rate in by_group["selection_rate"].items():
        assert original[f"selected: {label}"] == pytest.approx(rate, abs=1e-12), label
    shown_difference = float(original["demographic parity difference"].split()[0])
    assert shown_difference == pytest.approx(
        _judged_disparities(demo, threshold)["demographic_parity_difference"], abs=5e-4 + 1e-9
    )
    original_table = next(frame.value for frame in at.dataframe if "Selection rate" in frame.value.columns)
    _assert_shown_table(original_table, by_group, rates=("selection_rate", "tpr", "fpr", "accuracy"))


def _check_explain_page(at: AppTest, demo: str) -> None:
    assert [title.value for title in at.title] == ["Explain"]
    assert not at.get("plotly_chart")  # nothing heavy until asked
    expected = "nothing to explain" if demo == "compas" else "Turn on 'Compute SHAP values'"
    assert [expected in _text(info) for info in at.info] == [True]


def _check_rules_page(at: AppTest, demo: str) -> None:
    import numpy as np

    _, _, groups = _demo_rows(demo)
    assert [title.value for title in at.title] == ["Rules"]
    assert [heading.value for heading in at.subheader] == ["Rules"]
    assert f"at thresholds {_DEFAULT_THRESHOLDS[demo]:g} for everyone" in _text(at.caption[0])
    rules = next(frame.value for frame in at.dataframe if "rule" in frame.value.columns)
    assert _headline(at)["Rules"] == str(len(rules))
    assert rules["rows"].sum() == len(groups)  # the leaves share out every row
    assert rules["coverage"].to_numpy() == pytest.approx(rules["rows"].to_numpy() / len(groups), abs=1e-12)
    assert set(rules["decision"]) <= {"selected", "not selected"}
    labels = np.unique(groups).tolist()
    assert [column.removeprefix("share in ") for column in rules.columns if column.startswith("share in ")] == labels
    for label in labels:
        assert rules[f"share in {label}"].sum() == pytest.approx(1.0), label
    fidelity = next(frame.value for frame in at.dataframe if "held-out rows" in frame.value.columns)
    assert fidelity.index.tolist() == labels


def _check_over_time_page(at: AppTest, demo: str) -> None:
    """The Over-time page shows the COMPAS log whatever the demo: its last month's table against Fairlearn."""
    from test_report_cli import fairlearn_metrics

    from fairdash.monitor.logs import compas_log

    log = compas_log()
    month = log["compas_screening_date"].dt.to_period("M")
    assert [title.value for title in at.title] == ["Over time"]
    assert [heading.value for heading in at.subheader] == ["Alerts"]
    assert f"{len(log):,} rows in {month.nunique()} windows of a month" in _text(at.caption[1])
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"] == "Demographic parity ratio by month"
    shown_month = at.session_state["log_shown_window"]
    assert shown_month == str(month.max().start_time.date())
    window = log[month == month.max()]
    threshold = at.session_state["log_threshold"]
    by_group, _ = fairlearn_metrics(window["two_year_recid"] == 1, window["decile_score"] >= threshold, window["race"])
    _assert_shown_table(at.dataframe[0].value, by_group)


def _check_report_page(at: AppTest, demo: str) -> None:
    import numpy as np

    from fairdash.engine.demo import load_demo

    spec = load_demo(demo).spec
    threshold = _DEFAULT_THRESHOLDS[demo]
    assert [title.value for title in at.title] == ["Report"]
    assert [heading.value for heading in at.subheader] == ["The same audit in a release pipeline", "Keep this audit"]
    arguments = shlex.split(at.code[0].value.replace("\\\n", " "))
    given = dict(zip(arguments, arguments[1:]))
    assert (given["--target"], given["--sensitive"], float(given["--threshold"])) == (spec.target, spec.sensitive[0], threshold)
    document = json.loads(at.get("json")[0].proto.body)
    assert document["thresholds"] == threshold
    by_group, overall = _oracle(demo, threshold)
    assert list(document["groups"]) == by_group.index.tolist()
    for label, row in by_group.iterrows():
        shown = {name: np.nan if value is None else value for name, value in document["groups"][label].items()}
        assert shown == pytest.approx(row.to_dict(), abs=1e-12, nan_ok=True), label
    assert document["overall"] == pytest.approx(overall.to_dict(), abs=1e-12)
    expected = _judged_disparities(demo, threshold)
    assert {name: document["disparities"][name] for name in expected} == pytest.approx(expected, abs=1e-12)


_PAGE_CHECKS = {
    "pages/data.py": _check_data_page,
    "pages/fairness.py": _check_fairness_page,
    "pages/fixes.py": _check_fixes_page,
    "pages/explain.py": _check_explain_page,
    "pages/rules.py": _check_rules_page,
    "pages/over_time.py": _check_over_time_page,
    "pages/report.py": _check_report_page,
}
