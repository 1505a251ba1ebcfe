"""The Explain page's counterfactual panel and recourse view, headless (AppTest), checked against the model itself."""

import re
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from fairdash.engine.demo import load_demo

ROOT = Path(__file__).resolve().parents[1]


def _text(element) -> str:
    return re.sub(r"\\(.)", r"\1", element.value).replace("\u200b", "")


def _no_problems(at: AppTest) -> None:
    assert not at.exception, [exception.value for exception in at.exception]
    assert not at.error, [_text(error) for error in at.error]


def _one_person() -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=120).run()
    at.switch_page("pages/explain.py").run()
    at.select_slider(key="explain_rows").set_value(250).run()
    at.toggle(key="explain_on").set_value(True).run()
    at.segmented_control(key="explain_view").set_value("One person").run()
    _no_problems(at)
    return at


def _parse(text: str) -> dict:
    """'age: 38 → 45; occupation: A → B' (markdown, escaped) -> {'age': '45', 'occupation': 'B'}."""
    changes = {}
    for part in re.sub(r"\\(.)", r"\1", text).split("; "):
        column, _, values = part.partition(": ")
        changes[column] = values.split(" → ")[1]
    return changes


def _apply(row, changes: dict, X):
    changed = X.loc[[row]].copy()
    for column, value in changes.items():
        changed[column] = int(value) if pd.api.types.is_integer_dtype(X[column]) else value
    return changed


def test_the_counterfactuals_of_a_row_flip_its_decision_when_the_model_scores_them():
    at = _one_person()
    demo = load_demo("adult")
    X = demo.data[list(demo.spec.features)]
    row = at.selectbox(key="row").value
    table = next(table.value for table in at.table if "changes (from → to)" in table.value.columns)
    assert 1 <= len(table) <= 3
    model = demo.model.estimator
    positive = list(model.classes_).index(">50K")
    own = model.predict_proba(X.loc[[row]])[0, positive]
    distances = [float(value) for value in table["distance"]]
    assert distances == sorted(distances)
    for text, score in zip(table["changes (from → to)"], table["new score"]):
        changes = _parse(text)
        assert "sex" not in changes  # the sensitive attribute is held
        rescored = model.predict_proba(_apply(row, changes, X))[0, positive]
        assert (rescored >= 0.5) != (own >= 0.5)
        assert f"{rescored:.3f}" == score
    assert any("Nearest real row with the other decision" in _text(markdown) for markdown in at.markdown)
    assert any("Distance: L1 over the features" in _text(caption) for caption in at.caption)


def test_held_features_and_directions_are_kept():
    at = _one_person()
    at.multiselect(key="cf_held").set_value(["marital_status", "relationship", "occupation"]).run()
    at.multiselect(key="cf_increase").set_value(["age", "education_num"]).run()
    _no_problems(at)
    demo = load_demo("adult")
    row = at.selectbox(key="row").value
    tables = [table.value for table in at.table if "changes (from → to)" in table.value.columns]
    infos = [_text(info) for info in at.info]
    assert tables or any(info.startswith("No change found") for info in infos)
    for text in tables[0]["changes (from → to)"] if tables else []:
        changes = _parse(text)
        assert not {"sex", "marital_status", "relationship", "occupation"} & set(changes)
        for column in ("age", "education_num"):
            if column in changes:
                assert int(changes[column]) > demo.data.loc[row, column]


def test_a_feature_to_only_increase_and_only_decrease_is_refused_with_the_reason():
    at = _one_person()
    at.multiselect(key="cf_decrease").set_value(["age"]).run()
    at.multiselect(key="cf_increase").set_value(["age"]).run()
    assert not at.exception
    errors = [_text(error) for error in at.error]
    assert any("'age' may only increase and may only decrease at once: choose one direction" in error for error in errors), errors
    assert at.multiselect(key="cf_decrease").value == ["age"]  # the earlier choice is not silently dropped
    assert not [table for table in at.table if "changes (from → to)" in table.value.columns]


def test_recourse_by_group_on_the_page():
    at = AppTest.from_file("../app.py", default_timeout=240).run()
    at.switch_page("pages/explain.py").run()
    at.select_slider(key="explain_rows").set_value(250).run()
    at.toggle(key="explain_on").set_value(True).run()
    at.segmented_control(key="explain_view").set_value("Recourse by group").run()
    _no_problems(at)
    assert any("Compute recourse by group" in _text(info) for info in at.info)
    at.select_slider(key="recourse_rows").set_value(500).run()
    at.toggle(key="recourse_on").set_value(True).run()
    _no_problems(at)
    table = next(table.value for table in at.table if "burden (95% interval)" in table.value.columns)
    assert list(table.index) == ["Female", "Male"]
    assert table["searched"].astype(int).sum() == 500
    scores = load_demo("adult").model.scores(load_demo("adult").data, positive_label=">50K")
    sex = load_demo("adult").data["sex"].to_numpy()
    for label in ("Female", "Male"):
        assert int(table.loc[label, "turned down"]) == int(((scores < 0.5) & (sex == label)).sum())
    labels = [metric.label for metric in at.metric]
    assert labels == ["Burden difference (largest - smallest)", "Burden ratio (smallest / largest)"]
    assert any("a seeded sample (seed 0) of 500 of the" in _text(caption) for caption in at.caption)


def test_every_feature_held_says_why_there_is_none():
    at = _one_person()
    features = [column for column in load_demo("adult").spec.features if column != "sex"]
    at.multiselect(key="cf_held").set_value(features).run()
    _no_problems(at)
    shown = next(_text(markdown) for markdown in at.markdown if "against threshold" in _text(markdown))
    wanted = "not selected" if ": **selected**" in shown else "selected"
    infos = [_text(info) for info in at.info]
    assert f"Every feature is held fixed, so nothing can change the decision to {wanted}." in infos, (shown, infos)
    assert not [table for table in at.table if "changes (from → to)" in table.value.columns]


def test_what_if_judges_the_flipped_person_at_the_threshold_of_their_new_group():
    """Per-group thresholds set so that a row and its flipped self both pass the row's own group's threshold, but the
    flipped self is under the threshold of the group it is flipped into: a different decision (before: 'the same
    decision', judged at the old group's threshold). The count over every row checked against the model itself."""
    import math

    import numpy as np

    demo = load_demo("adult")
    X = demo.data[list(demo.spec.features)]
    model = demo.model.estimator
    positive = list(model.classes_).index(">50K")
    scores = model.predict_proba(X)[:, positive]
    swapped = np.where(X["sex"] == "Male", "Female", "Male")
    flipped = model.predict_proba(X.assign(sex=swapped))[:, positive]
    row = int(np.flatnonzero((np.minimum(scores, flipped) > 0.2) & (np.maximum(scores, flipped) < 0.8))[0])
    own, new = math.floor(min(scores[row], flipped[row]) * 100) / 100 - 0.02, math.ceil(flipped[row] * 100) / 100 + 0.02
    thresholds = {X.loc[row, "sex"]: own, swapped[row]: new}
    at = AppTest.from_file("../app.py", default_timeout=120).run()
    at.switch_page("pages/explain.py").run()
    at.select_slider(key="explain_rows").set_value(250).run()
    at.toggle(key="explain_on").set_value(True).run()
    at.session_state["threshold_mode"] = "per_group"
    for label, value in thresholds.items():
        at.session_state[f"threshold_for_{label}"] = value
    at.session_state["row_source"] = "Any row"
    at.session_state["row"] = row
    at.segmented_control(key="explain_view").set_value("What if").run()
    _no_problems(at)
    assert at.selectbox(key="row").value == row
    line = next(_text(markdown) for markdown in at.markdown if "instead of" in _text(markdown))
    assert (
        f"the score is **{flipped[row]:.3f}**: not selected (threshold {new:.3g})" in line and "**a different decision**" in line
    ), line
    at.toggle(key="flip_sensitive").set_value(True).run()
    _no_problems(at)
    table = next(frame.value for frame in at.dataframe if "flip_rate" in frame.value.columns)
    per_row = pd.Series(X["sex"]).map(thresholds).to_numpy()
    after = pd.Series(swapped).map(thresholds).to_numpy()
    changed = (scores >= per_row) != (flipped >= after)
    for label in ("Female", "Male"):
        assert table.loc[label, "changed"] == changed[(X["sex"] == label).to_numpy()].sum()
