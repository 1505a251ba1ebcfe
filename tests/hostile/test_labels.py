"""Item 7: labels that look like sentinels or separators never merge groups nor drop one."""

import json

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, demographic_parity_difference, selection_rate

from fairdash.data import AuditSpec, group_labels
from fairdash.metrics import disparities, group_metrics
from fairdash.report import audit_html, audit_json, run_audit


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
    assert disparities(table["y"], decisions, table["group"])["demographic_parity_difference"] == pytest.approx(expected, abs=1e-12)

    audit = run_audit(table, AuditSpec(target="y", positive_label=1, sensitive=("group",), score="score"), with_rules=False)
    assert audit.disparities["demographic_parity_difference"] == pytest.approx(expected, abs=1e-12)
    document = json.loads(json.dumps(audit_json(audit), default=str))
    assert len(document["groups"]) == 3  # the group "(all)" is kept, apart from the overall figures
    assert document["overall"]["count"] == 150
    selection = sorted(values["selection_rate"] for values in document["groups"].values())
    assert selection == pytest.approx([0.5, 0.72, 0.8])
    assert "(all)" in audit_html(audit)


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
    frame = MetricFrame(metrics=selection_rate, y_true=table["y"], y_pred=decisions, sensitive_features=table[["first", "second"]])
    present = frame.by_group.dropna()  # Fairlearn lists every combination, empty ones as NaN
    assert len(ours) == len(present) == 2
    assert sorted(ours["selection_rate"]) == sorted(present.tolist()) == [0.0, 1.0]
    assert disparities(table["y"], decisions, table[["first", "second"]])["demographic_parity_difference"] == 1.0


def test_values_that_read_alike_stay_apart():
    # 1 and "1" in one column: two groups, told apart in their labels.
    table = pd.DataFrame({"group": pd.Series([1, "1"] * 10, dtype=object), "y": [1, 0, 0, 1] * 5})
    ours = group_metrics(table["y"], np.array([True, False] * 10), table["group"])
    assert len(ours) == 2 and sorted(ours["selection_rate"]) == [0.0, 1.0]
