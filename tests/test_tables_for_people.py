"""Tables a person reads say things in words (issue 32): no raw column names (`base_rate`, `tests_sensitive`), no
`False`, counts with thousands separators, and rules readable in full, in the report, on the command line and on the
Rules page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from fairdash.engine.demo import load_demo
from fairdash.present.report import audit_html
from fairdash.present.text import for_people
from fairdash.run import run_audit

ROOT = Path(__file__).resolve().parents[1]


def test_for_people_names_columns_in_words_and_writes_counts_and_booleans_for_people():
    frame = pd.DataFrame(
        {"count": [10147, 4913], "base_rate": [0.31, 0.113], "too_small": [False, True], "tests_sensitive": [True, False]},
        index=["Male", "Female"],
    )
    shown = for_people(frame, percent_columns=("base_rate",))
    assert list(shown.columns) == ["Rows", "Base rate", "Too small to judge", "Tests a sensitive attribute"]
    assert shown.loc["Male"].tolist() == ["10,147", "31.0%", "", "yes"]
    assert shown.loc["Female"].tolist() == ["4,913", "11.3%", "yes", ""]


def test_the_reports_data_and_rules_tables_have_no_raw_names():
    demo = load_demo("adult")
    audit = run_audit(demo.data, demo.spec, demo.model, thresholds=0.5, explain_rows=0, data_name="adult")
    page = audit_html(audit)
    tables = re.findall(r"<table.*?</table>", page, flags=re.S)
    headers = " ".join(re.findall(r"<th[^>]*>(.*?)</th>", " ".join(tables)))
    for raw in ("base_rate", "too_small", "tests_sensitive", "tests_proxy", ">count<"):
        assert raw not in headers, raw
    assert ">False<" not in " ".join(tables) and ">True<" not in " ".join(tables)
    assert "Too small to judge" in headers and "Tests a sensitive attribute" in headers
    assert "10,147" in page  # Male's rows in the data table


def test_the_command_lines_metric_table_is_for_people(tmp_path):
    data = tmp_path / "people.csv"
    pd.DataFrame({"g": ["a"] * 1200 + ["b"] * 800, "y": [1, 0] * 1000, "s": [0.2, 0.7, 0.9, 0.1] * 500}).to_csv(data, index=False)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "fairdash",
            "audit",
            "--data",
            str(data),
            "--target",
            "y",
            "--positive-label",
            "1",
            "--sensitive",
            "g",
            "--score",
            "s",
            "--no-explain",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    header = next(line for line in out.stdout.splitlines() if "Rows" in line)
    assert "Selection rate" in header and "base_rate" not in header
    assert re.search(r"^a\s+1,200\s+50\.0%", out.stdout, flags=re.M)


def test_the_rules_page_shows_each_rule_in_full():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.selectbox(key="demo").set_value("german").run()
    at.switch_page("pages/rules.py").run()
    assert not at.exception
    rules = at.dataframe[1].value["rule"] if len(at.dataframe) > 1 else at.dataframe[0].value["rule"]
    listed = next(expander for expander in at.expander if expander.label == "Each rule in full").markdown[0].value
    unescaped = re.sub(r"\\(.)", r"\1", listed)
    for rule in rules:
        assert " ".join(str(rule).split()) in unescaped
