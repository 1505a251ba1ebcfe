"""The Fairness page's calibration chart and conflict panel, and the Subgroups page, headless (AppTest): their numbers
against the library's oracles' values, the subgroup audit against the rest, and the user's table left unchanged."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from fairdash.engine.demo import load_demo


def _text(element) -> str:
    return re.sub(r"\\(.)", r"\1", element.value).replace("\u200b", "")


def _app(demo: str) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=120).run()
    at.selectbox(key="demo").set_value(demo).run()
    return at


def _no_problems(at: AppTest) -> None:
    assert not at.exception, [exception.value for exception in at.exception]
    assert not at.error, [_text(error) for error in at.error]


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_the_fairness_page_explains_the_compas_conflict_and_draws_calibration_when_asked():
    at = _app("compas")
    at.switch_page("pages/fairness.py").run()
    _no_problems(at)
    assert [expander.label for expander in at.expander][-1] == "Why the criteria conflict"
    words = " ".join(_text(markdown) for markdown in at.markdown)
    assert "42.3% in African-American against 22.0% in Caucasian" in words and "forces an FPR of 37.6%" in words
    assert len(_charts(at)) == 1  # one chart at a time: calibration waits for its toggle
    at.toggle(key="show_calibration").set_value(True).run()
    _no_problems(at)
    titles = [chart["layout"]["title"]["text"] for chart in _charts(at)]
    assert "Observed positive rate per score value, by group (bars: exact 95% intervals)" in titles
    calibration = next(chart for chart in _charts(at) if chart["layout"]["title"]["text"].startswith("Observed"))
    assert [trace["name"] for trace in calibration["data"]][:2] == ["African-American", "Caucasian"]  # the largest first
    by_value = next(frame.value for frame in at.dataframe if "10" in frame.value.columns)
    data = load_demo("compas").data
    black_tens = data[(data["race"] == "African-American") & (data["decile_score"] == 10)]["two_year_recid"]
    assert by_value.loc["African-American", "10"] == f"{black_tens.mean():.0%} of {len(black_tens):,}"
    assert any("undefined" in _text(markdown) and "not a probability" in _text(markdown) for markdown in at.markdown)


def test_on_adult_the_calibration_gap_gets_a_verdict():
    at = _app("adult")
    at.switch_page("pages/fairness.py").run()
    at.toggle(key="show_calibration").set_value(True).run()
    _no_problems(at)
    assert any(
        chart["layout"]["title"]["text"] == "Calibration within groups (bars: exact 95% intervals)" for chart in _charts(at)
    )
    verdict = next(_text(markdown) for markdown in at.markdown if "Gap in expected calibration error" in _text(markdown))
    assert re.search(
        r"between Female, Male: 0\.\d{3} \(95% interval 0\.\d{3}–0\.\d{3}\); calibrated groups with the same rows "
        r"show 0\.\d{3} on average \(p = [\d.e-]+ after Holm\); it (passes|fails) \(at most 0\.1 above",
        verdict,
    )
    figures = next(frame.value for frame in at.dataframe if "ECE" in frame.value.columns)
    assert figures.index.tolist() == ["Female", "Male"] and figures.loc["Male", "Rows"] == "10,147"
    assert set(figures["Calibrated?"]) <= {"pass", "fail"} and "ECE if calibrated" in figures.columns


def test_the_subgroups_page_ranks_and_audits_a_subgroup_against_the_rest():
    at = _app("adult")
    at.switch_page("pages/subgroups.py").run()
    _no_problems(at)
    assert at.title[0].value == "Subgroups"
    shown = at.dataframe[0].value
    tested = int(re.search(r"([\d,]+) subgroups tested", _text(at.markdown[0])).group(1).replace(",", ""))
    assert tested > 1000 and len(shown) == 50
    first = shown.iloc[0]
    assert first["Subgroup"] == "education = Prof-school & marital_status = Married-civ-spouse"
    data = load_demo("adult").data
    inside = (data["education"] == "Prof-school") & (data["marital_status"] == "Married-civ-spouse")
    assert first["Rows"] == f"{inside.sum():,}"
    columns_before = list(data.columns)

    at.selectbox(key="subgroup_chosen").set_value(1).run()
    at.button(key="audit_subgroup").click().run()
    _no_problems(at)
    assert at.title[0].value == "Fairness"
    column = "subgroup: education = Prof-school & marital_status = Married-civ-spouse"
    assert at.session_state["sensitive"] == [column] and at.session_state["reference"] == "the rest"
    table = next(frame.value for frame in at.dataframe if "Selection rate" in frame.value.columns)
    assert table.index.tolist() == ["the rest", "the subgroup"]
    assert table.loc["the subgroup", "Rows"] == f"{inside.sum():,}"
    assert list(load_demo("adult").data.columns) == columns_before  # the user's table is unchanged: the column is on a copy

    at.switch_page("pages/subgroups.py").run()
    _no_problems(at)
    assert any(column in _text(info) for info in at.info)
    assert not any(row.startswith("subgroup:") for row in at.dataframe[0].value["Subgroup"])  # the added column is not searched
    at.button(key="stop_auditing_subgroup").click().run()
    _no_problems(at)
    assert at.session_state["sensitive"] == ["sex"] and not at.info


def test_one_condition_and_a_larger_minimum_narrow_the_search():
    at = _app("compas")
    at.switch_page("pages/subgroups.py").run()
    at.segmented_control(key="subgroup_conditions").set_value(1).run()
    at.number_input(key="subgroup_min_size").set_value(500).run()
    _no_problems(at)
    shown = at.dataframe[0].value
    assert not shown["Subgroup"].str.contains(" & ").any()
    assert (shown["Rows"].str.replace(",", "").astype(int) >= 500).all()
    assert any("Left out: id: it looks like a row ID" in _text(caption) for caption in at.caption)
    at.selectbox(key="subgroup_metric").set_value("fpr").run()
    _no_problems(at)
    shown = at.dataframe[0].value
    assert set(shown["Rate"]) == {"False positive rate"} and len(shown) > 5
    gaps = shown["Gap"].str.extract(r"\(([-+][\d.]+)% to ([-+][\d.]+)%\)").astype(float)
    surely = np.where(gaps[0] > 0, gaps[0], np.where(gaps[1] < 0, -gaps[1], 0))
    assert (np.diff(surely) <= 0.1 + 1e-9).all()  # ranked by the end of the interval nearest 0 (shown to 0.1%)


def test_a_minimum_no_subgroup_meets_gets_a_message():
    at = _app("german")  # 300 rows: no subgroup of 290 leaves 290 for the rest
    at.switch_page("pages/subgroups.py").run()
    at.number_input(key="subgroup_min_size").set_value(290).run()
    assert not at.exception
    assert [_text(error) for error in at.error][0].startswith("No column can define a subgroup of 290 rows or more")


@pytest.mark.parametrize("demo", ["adult", "compas", "german"])
def test_the_subgroups_page_shows_the_audits_search_on_each_demo(demo):
    from fairdash.run import run_audit

    at = _app(demo)
    at.switch_page("pages/subgroups.py").run()
    _no_problems(at)
    loaded = load_demo(demo)
    search = run_audit(loaded.data, loaded.spec, loaded.model, with_rules=False, explain_rows=0, subgroups=True).subgroups
    assert f"**{search.tested:,} subgroups tested** ({search.tests:,} tests); {search.passing:,} gaps pass" in _text(
        at.markdown[0]
    )
    shown = at.dataframe[0].value
    assert shown["Subgroup"].tolist()[:10] == search.results["subgroup"].tolist()[:10]


def test_bad_columns_and_a_0_1_score_get_messages_on_the_pages():
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 10_000
    table = pd.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "group": rng.choice(["a", "b"], n),
            "constant": "same",
            "many": [f"city {i % 5000}" for i in range(n)],
            "predicted": rng.integers(0, 2, n),
        }
    )
    at = AppTest.from_file("../app.py", default_timeout=120).run()
    at.segmented_control(key="source").set_value("upload").run()
    at.radio(key="score_mode").set_value("column").run()
    at.file_uploader(key="data").set_value(("bad.csv", table.to_csv(index=False).encode(), "text/csv")).run()
    at.selectbox(key="target").set_value("y").run()
    at.multiselect(key="sensitive").set_value(["group"]).run()
    at.selectbox(key="score_column").set_value("predicted").run()
    _no_problems(at)
    at.switch_page("pages/fairness.py").run()
    at.toggle(key="show_calibration").set_value(True).run()
    _no_problems(at)
    assert any("The scores are 0/1 predictions, not scores" in _text(info) for info in at.info)
    at.switch_page("pages/subgroups.py").run()
    at.number_input(key="subgroup_min_size").set_value(2).run()
    _no_problems(at)
    captions = [_text(caption) for caption in at.caption]
    assert "Left out: constant: it holds one value only." in captions
    assert any(
        caption.startswith("Left out: many: 5,000 of its values have 2 rows or more: too many to search") for caption in captions
    )
