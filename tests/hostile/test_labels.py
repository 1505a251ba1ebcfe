"""Item 7: labels that look like sentinels or separators never merge groups nor drop one."""

import json
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, precision_score

from fairdash.engine.groups import group_labels
from fairdash.engine.metrics import disparities, group_metrics
from fairdash.engine.spec import AuditSpec
from fairdash.present.report import audit_html, audit_json
from fairdash.run import run_audit


def _table_with_a_group_called_all() -> pd.DataFrame:
    # Three groups: "(all)" selected 80%, "a" 50%, "b" 72%.
    rows = []
    for group, size, selected in (("(all)", 50, 40), ("a", 50, 25), ("b", 50, 36)):
        rows += [{"group": group, "y": position % 2, "score": 0.9 if position < selected else 0.1} for position in range(size)]
    return pd.DataFrame(rows)


def test_a_group_called_all_is_a_group_like_any_other():
    table = _table_with_a_group_called_all()
    decisions = table["score"] >= 0.5
    expected = demographic_parity_difference(table["y"], decisions, sensitive_features=table["group"])
    assert expected == pytest.approx(0.3)  # (all) 0.8 against a 0.5
    assert disparities(table["y"], decisions, table["group"])["demographic_parity_difference"] == pytest.approx(
        expected, abs=1e-12
    )

    audit = run_audit(table, AuditSpec(target="y", positive_label=1, sensitive=("group",), score="score"), with_rules=False)
    assert audit.disparities["demographic_parity_difference"] == pytest.approx(expected, abs=1e-12)
    # Oracle: Fairlearn's MetricFrame on the rows, by group and over all rows.
    frame = MetricFrame(metrics=_RATES, y_true=table["y"], y_pred=decisions.astype(int), sensitive_features=table["group"])
    assert frame.by_group.loc["(all)", "selection_rate"] == pytest.approx(0.8)
    assert frame.overall["selection_rate"] == pytest.approx(101 / 150)  # what a row "(all)" would read if it were the overall one
    # The label is quoted, so that it cannot be read as the overall figures ('"(all)"', see group_label).
    label = '"(all)"'
    document = json.loads(json.dumps(audit_json(audit), default=str))
    assert sorted(document["groups"]) == sorted([label, "a", "b"])  # the group "(all)" is kept, apart from the overall figures
    for group, shown in document["groups"].items():
        expected = frame.by_group.loc[group.strip('"')]
        assert shown["count"] == 50
        assert {rate: shown[rate] for rate in _RATES} == pytest.approx(expected.to_dict(), abs=1e-12), group
    assert document["overall"]["count"] == 150
    assert {rate: document["overall"][rate] for rate in _RATES} == pytest.approx(frame.overall.to_dict(), abs=1e-12)
    # The HTML report: the group "(all)" is a row of the groups' table with its own numbers; the
    # overall figures are a separate table of one row, "all rows".
    section = audit_html(audit).split("<h2>Metrics by group")[1].split("</section>")[0]
    groups_table, overall_table = _html_tables(section)
    assert [row[0] for row in groups_table[2:]] == [label, "a", "b"] and [row[0] for row in overall_table[2:]] == ["all rows"]
    columns = groups_table[0]
    for row in groups_table[2:] + overall_table[2:]:
        expected = frame.overall if row[0] == "all rows" else frame.by_group.loc[row[0].strip('"')]
        assert row[columns.index("Rows")] == ("150" if row[0] == "all rows" else "50")
        for rate, name in _RATE_NAMES.items():
            shown = row[columns.index(name)].split("%")[0]
            assert float(shown) == pytest.approx(expected[rate] * 100, abs=0.05 + 1e-9), (row[0], name)


def test_a_literal_missing_group_stays_apart_from_real_missing_values():
    table = pd.DataFrame({"group": ["(missing)"] * 4 + [None] * 4 + ["x"] * 4, "y": [1, 0] * 6})
    decisions = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0], dtype=bool)
    ours = group_metrics(table["y"], decisions, table["group"])
    assert len(ours) == 3
    assert sorted(ours["selection_rate"]) == [0.0, 0.5, 1.0]
    labels = group_labels(table, "group")
    assert labels.iloc[0] != labels.iloc[4]


def test_separators_inside_values_do_not_merge_intersectional_groups():
    # ("a | b", "c") is selected 100%, ("a", "b | c") 0%: joined naively both read "a | b | c".
    table = pd.DataFrame({"first": ["a | b"] * 10 + ["a"] * 10, "second": ["c"] * 10 + ["b | c"] * 10, "y": [1, 0] * 10})
    decisions = np.array([True] * 10 + [False] * 10)
    ours = group_metrics(table["y"], decisions, table[["first", "second"]])
    frame = MetricFrame(
        metrics=selection_rate, y_true=table["y"], y_pred=decisions, sensitive_features=table[["first", "second"]]
    )
    present = frame.by_group.dropna()  # Fairlearn lists every combination, empty ones as NaN
    assert len(ours) == len(present) == 2
    assert sorted(ours["selection_rate"]) == sorted(present.tolist()) == [0.0, 1.0]
    assert disparities(table["y"], decisions, table[["first", "second"]])["demographic_parity_difference"] == 1.0


def test_values_that_read_alike_stay_apart():
    # 1 and "1" in one column: two groups, told apart in their labels.
    table = pd.DataFrame({"group": pd.Series([1, "1"] * 10, dtype=object), "y": [1, 0, 0, 1] * 5})
    ours = group_metrics(table["y"], np.array([True, False] * 10), table["group"])
    assert len(ours) == 2 and sorted(ours["selection_rate"]) == [0.0, 1.0]


def _precision(y_true, y_pred) -> float:
    return precision_score(y_true, y_pred, zero_division=np.nan)


_RATES = {
    "selection_rate": selection_rate,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "fnr": false_negative_rate,
    "precision": _precision,
    "accuracy": accuracy_score,
}
_RATE_NAMES = {
    "selection_rate": "Selection rate",
    "tpr": "True positive rate",
    "fpr": "False positive rate",
    "fnr": "False negative rate",
    "precision": "Precision",
    "accuracy": "Accuracy",
}


class _Tables(HTMLParser):
    """The text of every cell (``th`` or ``td``) of every table, row by row."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td"):
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _html_tables(html: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(html)  # convert_charrefs: '&quot;' reads '"'
    return parser.tables
