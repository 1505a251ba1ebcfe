"""The Data balance view (Data & model page) and the control picker (Fairness page), headless (AppTest): the numbers
against the library's, the view before any model, and hostile labels shown as text."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from fairdash.engine.balance import data_balance
from fairdash.ui.keys import BALANCE_CONTROL, FAIRNESS_CONTROL
from fairdash.ui.uploads import UploadedFile

HOSTILE = "**bold** <b>x</b> :red[red] [link](http://evil.example) $x^2$"


def _text(element) -> str:
    return re.sub(r"\\(.)", r"\1", element.value).replace("\u200b", "")


def _no_problems(at: AppTest) -> None:
    assert not at.exception, [exception.value for exception in at.exception]
    assert not at.error, [_text(error) for error in at.error]


def _hostile_table() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 400
    group = rng.choice([HOSTILE, "plain"], n)
    return pd.DataFrame(
        {
            "dept": rng.choice(["A", "B", "C"], n),
            "group": group,
            "hours": rng.normal(40, 5, n) - 4 * (group == "plain"),
            "hired": np.where(rng.random(n) < 0.4, "yes", "no"),
        }
    )


def test_the_data_balance_view_works_with_a_table_and_no_model_and_shows_hostile_labels_as_text():
    table = _hostile_table()
    at = AppTest.from_file("../app.py", default_timeout=120)
    at.session_state["source"] = "upload"
    at.session_state["uploaded_table"] = UploadedFile(
        name="t.csv", file_id="hostile-1", content=table.to_csv(index=False).encode()
    )
    at.run()
    assert not at.exception, [exception.value for exception in at.exception]
    assert any("Upload the model file" in _text(info) for info in at.info)  # no model: said, and the balance shown anyway
    at.selectbox(key="balance_target").set_value("hired").run()
    at.selectbox(key="balance_positive").set_value("yes").run()
    at.multiselect(key="balance_sensitive").set_value(["group"]).run()
    at.multiselect(key=BALANCE_CONTROL).set_value(["dept"]).run()
    _no_problems(at)
    assert "Data balance" in [header.value for header in at.subheader]
    expected = data_balance(table, target="hired", positive_label="yes", sensitive="group", control=["dept"])
    groups = next(frame.value for frame in at.dataframe if "Base rate [interval]" in frame.value.columns)
    assert list(groups.index) == [HOSTILE, "plain"] or list(groups.index) == sorted([HOSTILE, "plain"])
    assert groups.loc[HOSTILE, "Rows"] == f"{int(expected.groups.loc[HOSTILE, 'rows']):,}"
    features = next(frame.value for frame in at.dataframe if "p (Holm)" in frame.value.columns)
    assert features.index[0] == "hours"
    sentences = [markdown for markdown in at.markdown if "Over all rows" in _text(markdown)]
    assert len(sentences) == 2
    for markdown in sentences:  # the raw markdown has every special character escaped: no bold, colour, link or LaTeX
        assert "**bold**" not in markdown.value and ":red[" not in markdown.value and "](http" not in markdown.value
    assert any(HOSTILE in _text(markdown) for markdown in sentences)


def test_the_fairness_page_control_picker_shows_the_cdd_at_the_current_thresholds():
    at = AppTest.from_file("../app.py", default_timeout=120).run()
    at.selectbox(key="demo").set_value("compas").run()
    at.switch_page("pages/fairness.py").run()
    _no_problems(at)
    assert "Given a legitimate factor" in [header.value for header in at.subheader]
    at.multiselect(key=FAIRNESS_CONTROL).set_value(["priors_count"]).run()
    _no_problems(at)
    cdd = next(frame.value for frame in at.dataframe if "CDD given the control" in frame.value.columns)
    assert "African-American" in cdd.index
    assert any("within the same priors_count" in _text(markdown) for markdown in at.markdown)


def test_the_report_page_carries_the_fairness_pages_control_into_its_json_and_command():
    at = AppTest.from_file("../app.py", default_timeout=180).run()
    at.selectbox(key="demo").set_value("compas").run()
    at.switch_page("pages/fairness.py").run()
    at.multiselect(key=FAIRNESS_CONTROL).set_value(["priors_count"]).run()
    at.switch_page("pages/report.py").run()
    _no_problems(at)
    document = json.loads(at.get("json")[0].proto.body)  # the Report page's "The JSON"
    assert document["conditional"]["control"] == ["priors_count"]
    assert "--control priors_count" in at.code[0].value
