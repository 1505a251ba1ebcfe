"""Outcomes and decisions that are not 0/1 (hostile-input review 2026-12b, issue 32, probes 06-08): text labels and
missing values get a clear message or the right number (against Fairlearn or the 0/1 coding), never a silent number."""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, selection_rate

import fairdash
from fairdash.engine.metrics import as_bool
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


@pytest.mark.parametrize(
    ("values", "label", "expected"),
    [
        ([0, 1, 1], 1, [False, True, True]),
        ([0.0, 0.0], 1, [False, False]),  # 0/1 values need no label, even with one class present
        ([1, 1, 0], 0, [False, False, True]),  # 0 named the positive class
        (["0", "1"], 1, [False, True]),
        ([True, False], "yes", [True, False]),  # booleans are taken as they are
        (["no", "yes", "no"], "yes", [False, True, False]),
        (["a", "b", "c"], "b", [False, True, False]),  # one class against the rest
    ],
)
def test_outcomes_that_are_0_1_booleans_or_named_classes_convert(values, label, expected):
    assert as_bool(values, label).tolist() == expected


@pytest.mark.parametrize(
    ("values", "label", "message"),
    [
        (["no", "yes"], None, r"^The outcomes \(y_true\) hold 'no' and 'yes'; say which is positive with positive_label=\.\.\.$"),
        (["no", "yes"], 1, _UNMATCHED),
        ([1, 2, 3], 5, "hold 1, 2 and 3, none of them the positive label 5"),
        ([0.0, np.nan], 1, r"missing in 1 row\(s\), the first in row 2"),
        ([True, None], 1, r"missing in 1 row\(s\), the first in row 2"),
        (np.linspace(0, 1, 50), 1, "hold 50 distinct values .*: scores or measurements, not classes"),
    ],
)
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
    named = fairdash.find_subgroups(
        table, np.where(y == 1, "yes", "no"), np.where(decided, "yes", "no"), max_conditions=1, positive_label="yes"
    )
    assert _top(named) == _top(coded)
    first = coded.results.iloc[0]
    rows = first["conditions"][0].mask(table)
    rate = {
        "selection_rate": decided[rows].mean(),
        "tpr": decided[rows & (y == 1)].mean(),
        "fpr": decided[rows & (y == 0)].mean(),
    }[first["metric"]]
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
