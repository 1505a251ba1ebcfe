"""Bad values of the hostile-input review 2026-12b (issue 32, probes 06-11): outcomes and decisions that are not
0/1 (text labels, missing values), numeric sensitive attributes whose quantiles collapse or whose values are tiny or
infinite, and infinite numbers in any column. Each gets a clear message or the right number, never a traceback or a
silent number."""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, selection_rate

import fairdash
from fairdash.audit.metrics import as_bool
from fairdash.audit.spec import band_labels, default_bins, edge_texts, sensitive_frame
from fairdash.cli import main
from fairdash.errors import InvalidInputError
from fairdash.fixes.compare import reweighing_weights

_WORDS = np.array(["no", "yes", "no", "yes", "no", "yes"] * 20)
_CODED = (_WORDS == "yes").astype(int)
_GROUPS = np.array(["a", "a", "a", "b", "b", "b"] * 20)
_SCORES = np.tile([0.1, 0.9, 0.2, 0.8, 0.3, 0.7], 20)
_UNMATCHED = r"hold 'no' and 'yes', none of them the positive label 1; say which is positive with positive_label="
_MISSING = r"are missing in 12 row\(s\), the first in row 1\. Remove those rows"


def _with_nan(values: np.ndarray) -> np.ndarray:
    values = values.astype(float)
    values[:12] = np.nan
    return values


# --- one checked conversion of outcomes and decisions ---------------------------------------------------------------

@pytest.mark.parametrize(("values", "label", "expected"), [
    ([0, 1, 1], 1, [False, True, True]),
    ([0.0, 0.0], 1, [False, False]),           # 0/1 values need no label, even with one class present
    ([1, 1, 0], 0, [False, False, True]),      # 0 named the positive class
    (["0", "1"], 1, [False, True]),
    ([True, False], "yes", [True, False]),     # booleans are taken as they are
    (["no", "yes", "no"], "yes", [False, True, False]),
    (["a", "b", "c"], "b", [False, True, False]),  # one class against the rest
])
def test_outcomes_that_are_0_1_booleans_or_named_classes_convert(values, label, expected):
    assert as_bool(values, label).tolist() == expected


@pytest.mark.parametrize(("values", "label", "message"), [
    (["no", "yes"], None, r"^The outcomes \(y_true\) hold 'no' and 'yes'; say which is positive with positive_label=\.\.\.$"),
    (["no", "yes"], 1, _UNMATCHED),
    ([1, 2, 3], 5, "hold 1, 2 and 3, none of them the positive label 5"),
    ([0.0, np.nan], 1, r"missing in 1 row\(s\), the first in row 2"),
    ([True, None], 1, r"missing in 1 row\(s\), the first in row 2"),
    (np.linspace(0, 1, 50), 1, "hold 50 distinct values .*: scores or measurements, not classes"),
])
def test_outcomes_that_cannot_be_read_as_0_1_are_refused_with_the_values_seen(values, label, message):
    with pytest.raises(InvalidInputError, match=message):
        as_bool(values, label)


def test_group_metrics_refuse_text_labels_that_the_positive_label_does_not_match():
    with pytest.raises(InvalidInputError, match=_UNMATCHED):
        fairdash.group_metrics(_WORDS, _CODED.astype(bool), _GROUPS)


def test_group_metrics_refuse_missing_outcomes_rather_than_count_them_negative():
    with pytest.raises(InvalidInputError, match=_MISSING):
        fairdash.group_metrics(_with_nan(_CODED), _CODED.astype(bool), _GROUPS)
    with pytest.raises(InvalidInputError, match=r"The decisions \(y_pred\) are missing in 12 row"):
        fairdash.group_metrics(_CODED, _with_nan(_CODED), _GROUPS)


def test_group_metrics_of_text_labels_with_their_positive_label_match_fairlearn():
    decided = np.tile([0, 1, 1, 0, 0, 1, 1, 1], 15)
    table = fairdash.group_metrics(_WORDS, np.where(decided == 1, "yes", "no"), _GROUPS, positive_label="yes")
    frame = MetricFrame(metrics=selection_rate, y_true=_CODED, y_pred=decided, sensitive_features=_GROUPS)
    np.testing.assert_allclose(table["selection_rate"].to_numpy(), frame.by_group.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(table["base_rate"].to_numpy(), [1 / 3, 2 / 3], rtol=1e-12)


def test_calibration_refuses_text_labels_and_missing_outcomes():
    with pytest.raises(InvalidInputError, match=_UNMATCHED):
        fairdash.calibration_by_group(_WORDS, _SCORES, _GROUPS)
    with pytest.raises(InvalidInputError, match=_MISSING):
        fairdash.calibration_by_group(_with_nan(_CODED), _SCORES, _GROUPS)


def test_calibration_of_text_labels_with_their_positive_label_equals_the_0_1_coding():
    coded = fairdash.calibration_by_group(_CODED, _SCORES, _GROUPS, n_resamples=50)
    named = fairdash.calibration_by_group(_WORDS, _SCORES, _GROUPS, positive_label="yes", n_resamples=50)
    for group in ("a", "b"):
        assert named.groups[group].ece == pytest.approx(coded.groups[group].ece, abs=1e-12)
        pd.testing.assert_frame_equal(named.groups[group].points, coded.groups[group].points)
    # The oracle: group a holds scores 0.1 (no), 0.9 (yes), 0.2 (no): |0 - 0.1| + |1 - 0.9| + |0 - 0.2| over 3.
    assert coded.groups["a"].ece == pytest.approx(0.4 / 3, abs=1e-12)


def _subgroup_rows() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    n = 600
    table = pd.DataFrame({"g": rng.choice(["a", "b", "c"], n), "h": rng.choice(["p", "q"], n)})
    y = (rng.random(n) < np.where(table.g == "a", 0.2, 0.6)).astype(int)
    decided = rng.random(n) < np.where(table.g == "b", 0.7, 0.3)
    return table, y, decided


def _top(search) -> list[dict]:
    return search.results[["subgroup", "metric", "rate", "rest_rate"]].to_dict("records")


def test_subgroups_refuse_text_outcomes_text_decisions_and_missing_outcomes():
    table, y, decided = _subgroup_rows()
    with pytest.raises(InvalidInputError, match=r"The outcomes \(y_true\) " + _UNMATCHED):
        fairdash.find_subgroups(table, np.where(y == 1, "yes", "no"), decided, max_conditions=1)
    with pytest.raises(InvalidInputError, match="The decisions " + _UNMATCHED):
        fairdash.find_subgroups(table, y, np.where(decided, "yes", "no"), max_conditions=1)
    y_nan = y.astype(float)
    y_nan[:60] = np.nan
    with pytest.raises(InvalidInputError, match=r"The outcomes \(y_true\) are missing in 60 row"):
        fairdash.find_subgroups(table, y_nan, decided, max_conditions=1)


def test_subgroups_of_text_labels_with_their_positive_label_equal_the_0_1_coding():
    table, y, decided = _subgroup_rows()
    coded = fairdash.find_subgroups(table, y, decided, max_conditions=1)
    named = fairdash.find_subgroups(table, np.where(y == 1, "yes", "no"), np.where(decided, "yes", "no"), max_conditions=1,
                                    positive_label="yes")
    assert _top(named) == _top(coded)
    first = coded.results.iloc[0]
    rows = first["conditions"][0].mask(table)
    rate = {"selection_rate": decided[rows].mean(), "tpr": decided[rows & (y == 1)].mean(),
            "fpr": decided[rows & (y == 0)].mean()}[first["metric"]]
    assert first["rate"] == pytest.approx(rate, abs=1e-12)


def test_reweighing_refuses_text_labels_and_missing_outcomes():
    with pytest.raises(InvalidInputError, match=_UNMATCHED):
        reweighing_weights(_WORDS, _GROUPS)
    with pytest.raises(InvalidInputError, match=_MISSING):
        reweighing_weights(_with_nan(_CODED), _GROUPS)


def test_reweighing_of_text_labels_with_their_positive_label_makes_outcome_and_group_independent():
    weights = reweighing_weights(_WORDS, _GROUPS, positive_label="yes")
    np.testing.assert_allclose(weights, reweighing_weights(_CODED, _GROUPS), rtol=1e-12)
    positive = _WORDS == "yes"
    for group in ("a", "b"):  # closed form: every group's weighted positive rate is the overall one, 1/2
        rows = _GROUPS == group
        assert np.sum(weights[rows & positive]) / np.sum(weights[rows]) == pytest.approx(0.5, abs=1e-12)


# --- numeric sensitive attributes of any shape get bands (probe 09), and +inf its top band (probe 11) ----------------

def _odd_columns() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    n = 600
    table = pd.DataFrame({"y": rng.integers(0, 2, n), "s": rng.uniform(0, 1, n)})
    table["visits"] = np.where(rng.random(n) < 0.9, 0, rng.integers(1, 200, n))  # a count that is 90% zeros
    table["dose"] = rng.uniform(0, 1, n) * 1e-9                                     # floats at the 1e-9 scale
    return table


def test_a_zero_inflated_count_is_its_zeros_against_the_others():
    table = _odd_columns()
    assert default_bins(table["visits"]) == (1.0,)
    bands = sensitive_frame(table, ["visits"])["visits"]
    assert bands.value_counts().to_dict() == {"under 1": int((table.visits == 0).sum()), "1 and over": int((table.visits > 0).sum())}


def test_tiny_floats_get_quintile_bands_with_distinct_labels_that_read_as_their_edges():
    table = _odd_columns()
    edges = default_bins(table["dose"])
    assert len(edges) == 4
    np.testing.assert_allclose(edges, np.quantile(table["dose"], [0.2, 0.4, 0.6, 0.8]), rtol=0.05)  # the oracle: quintiles
    labels = band_labels(edges)
    assert len(set(labels)) == 5 and labels[0] == f"under {edges[0]:g}" and "e-10" in labels[0]
    shares = sensitive_frame(table, ["dose"])["dose"].value_counts(normalize=True)
    assert len(shares) == 5 and shares.between(0.15, 0.25).all()


def test_edges_that_read_alike_at_six_digits_get_the_digits_that_tell_them_apart():
    assert edge_texts([1000000.5, 1000000.7]) == ["1000000.5", "1000000.7"]
    assert band_labels([25.0, 40.0]) == ["under 25", "25 to 40", "40 and over"]  # the usual edges read as before
    assert [float(text) for text in edge_texts([1 / 3, 2 / 3, 2.0123456e-10])] == [1 / 3, 2 / 3, 2.0123456e-10]


@pytest.mark.parametrize(("column", "bands"), [("visits", "under 1, 1 and over"), ("dose", "under 2e-10, 2e-10 to ")])
def test_the_command_line_audits_a_zero_inflated_or_tiny_float_sensitive_attribute(tmp_path, capsys, column, bands):
    data = tmp_path / "t.csv"
    _odd_columns().to_csv(data, index=False)
    code = main(["audit", "--data", str(data), "--target", "y", "--positive-label", "1", "--sensitive", column,
                              "--score", "s", "--no-explain"])
    assert code == 0
    assert f"{column} is grouped into bands: {bands}" in capsys.readouterr().out


@pytest.mark.parametrize("column", ["visits", "dose"])
def test_the_data_page_offers_bands_of_a_zero_inflated_or_tiny_float_sensitive_attribute(column):
    from streamlit.testing.v1 import AppTest

    table = _odd_columns()
    at = AppTest.from_file("../../app.py", default_timeout=180).run()
    at.segmented_control(key="source").set_value("upload").run()
    at.radio(key="score_mode").set_value("column").run()
    at.file_uploader(key="data").set_value(("t.csv", table.to_csv(index=False).encode(), "text/csv")).run()
    at.selectbox(key="target").set_value("y").run()
    at.selectbox(key="score_column").set_value("s").run()
    at.multiselect(key="sensitive").set_value([column]).run()
    assert not at.exception and not at.error
    edges = default_bins(table[column])
    typed = at.text_input(key=f"bins_for_{column}").value
    assert tuple(float(part) for part in typed.split(",")) == edges  # the text reads back as the edges
    assert set(at.dataframe[0].value.index) == set(band_labels(edges))


@pytest.mark.parametrize("bins", [(), (("income", (40.0, 50.0, 60.0)),)], ids=["default bands", "given bands"])
def test_infinite_values_of_a_banded_attribute_are_in_the_top_and_bottom_bands_not_missing(bins):
    rng = np.random.default_rng(4)
    n = 1000
    table = pd.DataFrame({"y": rng.integers(0, 2, n), "s": rng.uniform(0, 1, n), "income": rng.normal(50, 10, n)})
    table.loc[:49, "income"] = np.inf
    table.loc[50:59, "income"] = -np.inf
    table.loc[60:64, "income"] = np.nan
    audit = fairdash.run_audit(table, fairdash.AuditSpec(target="y", positive_label=1, sensitive=("income",), score="s", bins=bins),
                               with_rules=False)
    edges = audit.bins["income"]
    labels = band_labels(edges)
    finite = table["income"].where(np.isfinite(table["income"]))
    expected = {labels[0]: int((finite < edges[0]).sum()) + 10, labels[-1]: int((finite >= edges[-1]).sum()) + 50, "(missing)": 5}
    sizes = audit.table["count"].to_dict()
    assert {label: sizes[label] for label in expected} == expected


# --- an infinite number in any column does not stop the rules (probe 10) -----------------------------------------------

def _with_huge_values() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 500
    table = pd.DataFrame({"y": rng.integers(0, 2, n), "s": rng.uniform(0, 1, n), "g": rng.choice(["a", "b"], n),
                          "debt_to_income": rng.normal(size=n)})
    table.loc[7, "debt_to_income"] = np.inf
    table.loc[8, "debt_to_income"] = -1e39
    table.loc[9, "debt_to_income"] = 1e39
    return table


def test_the_rules_put_infinite_and_huge_values_with_the_largest_and_smallest_and_say_so():
    table = _with_huge_values()
    decisions = table["debt_to_income"].to_numpy() > 0.5
    surrogate = fairdash.surrogate_tree(table[["debt_to_income", "g"]], decisions, max_depth=1, min_samples_leaf=1)
    predicted = surrogate.predict(table[["debt_to_income", "g"]])
    assert predicted[[7, 9]].all() and not predicted[8]  # +inf and 1e39 above the split, -1e39 below
    np.testing.assert_array_equal(predicted, surrogate.tree.predict(surrogate.encoder.transform(table[["debt_to_income", "g"]])))
    assert surrogate.fidelity == 1.0
    assert len(surrogate.notes) == 1 and "'debt_to_income' (3 row(s))" in surrogate.notes[0]


@pytest.mark.parametrize("value", [np.inf, 1e39])
def test_the_command_line_audits_a_table_with_an_infinite_or_huge_value_in_an_unused_column(tmp_path, capsys, value):
    table = _with_huge_values().drop(index=[8, 9])
    table.loc[7, "debt_to_income"] = value
    data = tmp_path / "t.csv"
    table.to_csv(data, index=False)
    code = main(["audit", "--data", str(data), "--target", "y", "--positive-label", "1", "--sensitive", "g",
                              "--score", "s", "--no-explain"])
    assert code == 0
    assert "rules: Infinite values, or values beyond ±3.4e+38 (the largest number the tree takes), are in 'debt_to_income' (1 row(s))" \
        in capsys.readouterr().out
