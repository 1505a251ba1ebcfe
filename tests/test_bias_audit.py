"""NYC Local Law 144's tables (``bias-audit``, :mod:`fairdash.engine.ll144`) against numbers worked out by hand: selection
and scoring rates, impact ratios over the highest rate not excluded, a category under 2% of the rows, unknown
categories (and their intersection), the JSON's schema, hostile labels escaped in the HTML."""

from __future__ import annotations

import json
import statistics

import numpy as np
import pandas as pd
import pytest

from fairdash.engine.ll144 import bias_audit_tables
from fairdash.cli import main
from fairdash.errors import InvalidInputError
from fairdash.present.bias_audit import bias_audit_html, bias_audit_json

BLOCKS = [  # sex, race, rows, selected
    ("F", "X", 20, 10),
    ("F", "Y", 18, 3),
    ("F", "Z", 1, 1),
    ("F", None, 1, 0),
    ("M", "X", 38, 19),
    ("M", "Y", 17, 4),
    ("M", None, 1, 1),
    (None, "X", 2, 1),
    ("  ", "Y", 2, 0),
]


def applicants() -> pd.DataFrame:
    """100 applicants: 40 F, 56 M, 4 of unknown sex (missing or blank); 60 X, 37 Y, 1 Z (under 2%), 2 of unknown race."""
    rows = [
        {"sex": sex, "race": race, "selected": int(k < selected)} for sex, race, count, selected in BLOCKS for k in range(count)
    ]
    return pd.DataFrame(rows)


def assert_table(result, attribute, expected):
    """The attribute's table is ``expected``: category -> (applicants, rate, impact ratio, excluded), in that order."""
    table = result.tables[attribute]
    assert list(table.index) == list(expected)
    for category, row in expected.items():
        assert tuple(table.loc[category]) == pytest.approx(row), category


def test_selection_rates_impact_ratios_exclusion_and_unknowns_by_hand():
    result = bias_audit_tables(applicants(), ["sex", "race"], decision="selected")
    assert result.kind == "selection" and result.rows == 100
    assert_table(result, "sex", {"M": (56, 24 / 56, 1.0, False), "F": (40, 14 / 40, (14 / 40) / (24 / 56), False)})
    race = result.tables["race"]
    # Z (1 row, under 2% of 100) has the highest rate, 1.0, but is excluded: the ratios are over X's 0.5.
    assert race.loc["Z", "applicants"] == 1 and race.loc["Z", "rate"] == 1.0 and race.loc["Z", "excluded"]
    assert np.isnan(race.loc["Z", "impact_ratio"])
    assert race.loc["X"].tolist() == pytest.approx([60, 0.5, 1.0, False])
    assert race.loc["Y"].tolist() == pytest.approx([37, 7 / 37, 14 / 37, False])
    both = result.tables["sex | race"]
    assert sorted(both.index) == ["F | X", "F | Y", "F | Z", "M | X", "M | Y"]
    assert both.loc["F | Y", ["applicants", "rate", "impact_ratio"]].tolist() == pytest.approx([18, 3 / 18, 1 / 3])
    assert both.loc["M | Y", ["applicants", "rate", "impact_ratio"]].tolist() == pytest.approx([17, 4 / 17, 8 / 17])
    assert both.loc["F | Z", "excluded"] and not both.loc["M | X", "excluded"]
    # Unknown sex: 2 missing and 2 blank; unknown race: 2; in the intersection a row unknown in either: 6.
    assert dict(result.unknown) == {"sex": 4, "race": 2, "sex | race": 6}
    assert list(result.tables["race"].index) == ["X", "Y", "Z"]  # most applicants first


def test_a_category_of_exactly_two_percent_is_not_excluded():
    data = pd.DataFrame({"g": ["a"] * 98 + ["b"] * 2, "d": [1, 0] * 50})
    assert not bias_audit_tables(data, ["g"], decision="d").tables["g"].loc["b", "excluded"]
    data = pd.DataFrame({"g": ["a"] * 99 + ["b"], "d": [1, 0] * 50})
    assert bias_audit_tables(data, ["g"], decision="d").tables["g"].loc["b", "excluded"]


def test_scoring_rate_counts_scores_strictly_above_the_median_of_all_rows():
    # Sorted scores 1 2 2 3 3 3 4 5 5 9: the median is 3; above it: 4 5 5 9 (a 3 is not above).
    data = pd.DataFrame({"sex": list("FFFFFMMMMM"), "score": [1, 2, 2, 3, 3, 3, 4, 5, 5, 9]})
    result = bias_audit_tables(data, ["sex"], score="score")
    assert result.kind == "scoring" and result.median == 3
    assert_table(result, "sex", {"F": (5, 0.0, 0.0, False), "M": (5, 0.8, 1.0, False)})


def test_scoring_rates_of_the_compas_demo_against_pandas():
    from fairdash.engine.demo import load_demo

    table = load_demo("compas").data
    result = bias_audit_tables(table, ["sex", "race"], score="decile_score")
    median = statistics.median(table["decile_score"].tolist())
    above = table["decile_score"] > median
    for column in ("sex", "race"):
        rates = above.groupby(table[column]).mean()
        counts = table[column].value_counts()
        kept = counts[counts >= 0.02 * len(table)].index
        shown = result.tables[column]
        assert shown["rate"].to_dict() == pytest.approx(rates.to_dict())
        assert shown["applicants"].to_dict() == counts.to_dict()
        expected = (rates[kept] / rates[kept].max()).to_dict()
        assert shown.loc[kept, "impact_ratio"].to_dict() == pytest.approx(expected)
        assert set(shown.index[shown["excluded"]]) == set(counts.index) - set(kept)


def test_json_schema_and_no_verdict(tmp_path):
    document = json.loads(
        json.dumps(bias_audit_json(bias_audit_tables(applicants(), ["sex", "race"], decision="selected")), allow_nan=False)
    )
    assert document["kind"] == "selection" and document["unknown"] == {"sex": 4, "race": 2, "sex | race": 6}
    assert list(document["tables"]) == ["sex", "race", "sex | race"]
    for rows in document["tables"].values():
        for row in rows:
            assert list(row) == ["category", "applicants", "rate", "impact_ratio", "excluded"]
            assert isinstance(row["category"], str) and isinstance(row["applicants"], int) and isinstance(row["excluded"], bool)
            assert (row["impact_ratio"] is None) == row["excluded"]
    text = json.dumps(document).lower()
    assert "passed" not in text and "fail" not in text and "verdict" not in text


def test_hostile_labels_are_escaped_in_the_html():
    hostile = "<script>alert(1)</script>"
    data = pd.DataFrame({"sex": [hostile] * 50 + ["M"] * 50, "race": ['"><img src=x onerror=alert(2)>'] * 100, "d": [1, 0] * 50})
    page = bias_audit_html(bias_audit_tables(data, ["sex", "race"], decision="d"), title="t", made_by="test")
    assert hostile not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and '&lt;script&gt;alert(1)&lt;/script&gt; | "&gt;&lt;img' in page
    assert 'class="pass"' not in page and 'class="fail"' not in page


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"decision": "selected", "score": "selected"}, "not both or neither"),
        ({}, "not both or neither"),
        ({"decision": "nope"}, "no column 'nope'"),
    ],
)
def test_bad_arguments_are_plain_errors(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        bias_audit_tables(applicants(), ["sex"], **kwargs)


def test_bad_decisions_and_scores_are_plain_errors():
    data = pd.DataFrame({"g": ["a", "b", "a"], "d": [1, 2, 0], "s": [0.1, None, 0.3]})
    with pytest.raises(InvalidInputError, match="a decision is 1 .selected. or 0"):
        bias_audit_tables(data, ["g"], decision="d")
    with pytest.raises(InvalidInputError, match="not numbers"):
        bias_audit_tables(data, ["g"], score="s")
    with pytest.raises(InvalidInputError, match="one or two attributes"):
        bias_audit_tables(data.assign(h="x", i="y"), ["g", "h", "i"], decision="d")


def test_command_writes_json_and_html(tmp_path, capsys):
    data = tmp_path / "applicants.csv"
    applicants().to_csv(data, index=False)
    code = main(
        [
            "bias-audit",
            "--data",
            str(data),
            "--sensitive",
            "sex,race",
            "--decision",
            "selected",
            "--json",
            str(tmp_path / "ll.json"),
            "--report",
            str(tmp_path / "ll.html"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "by sex | race:" in out and "excluded (under 2%)" in out
    document = json.loads((tmp_path / "ll.json").read_text(encoding="utf-8"))
    assert document["tables"]["race"][2] == {
        "category": "Z",
        "applicants": 1,
        "rate": 1.0,
        "impact_ratio": None,
        "excluded": True,
    }
    assert "By sex | race" in (tmp_path / "ll.html").read_text(encoding="utf-8")


def test_command_refuses_bad_input_in_one_line(tmp_path, capsys):
    data = tmp_path / "applicants.csv"
    applicants().to_csv(data, index=False)
    before = data.read_bytes()
    assert main(["bias-audit", "--data", str(data), "--sensitive", "sex", "--decision", "selected", "--json", str(data)]) == 2
    assert data.read_bytes() == before
    assert main(["bias-audit", "--data", str(data), "--sensitive", "sex", "--decision", "race"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "--json" in err[0] and "give every row a decision" in err[1]
    assert main(["bias-audit", "--data", str(data), "--sensitive", "sex", "--decision", "selected", "--score", "selected"]) == 2


def test_report_page_shows_the_tables_of_the_audit():
    from test_pages import _fairness, _no_problems

    from fairdash.engine.demo import load_demo
    from fairdash.present.bias_audit import bias_audit_frame

    at = _fairness("compas")
    at.switch_page("pages/report.py").run()
    _no_problems(at)
    assert not any("Scoring rate" in frame.value.columns for frame in at.dataframe)  # nothing computed until asked
    next(toggle for toggle in at.toggle if toggle.label == "Show the tables").set_value(True).run()
    _no_problems(at)
    demo = load_demo("compas")
    expected = bias_audit_frame(
        bias_audit_tables(demo.data, list(demo.spec.sensitive[:2]), score=demo.spec.score), demo.spec.sensitive[0]
    )
    shown = next(frame.value for frame in at.dataframe if "Scoring rate" in frame.value.columns)
    pd.testing.assert_frame_equal(shown, expected, check_names=False)
