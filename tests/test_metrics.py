"""The metrics engine against Fairlearn (the oracle), brute force, and properties that must hold."""

import itertools

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equal_opportunity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, precision_score

from fairdash.engine.demo import load_demo
from fairdash.engine.groups import group_labels
from fairdash.engine.inputs import prepare_audit
from fairdash.engine.intervals import metric_intervals, rate_intervals
from fairdash.engine.metrics import RATE_COLUMNS, compare_to_reference, disparities, group_metrics, overall_metrics
from fairdash.engine.thresholds import ThresholdCurves
from fairdash.engine.undefined import Undefined
from fairdash.errors import InvalidInputError
from fairdash.present.sentences import with_sentences

FAIRLEARN_METRICS = {
    "selection_rate": selection_rate,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "fnr": false_negative_rate,
    "tnr": true_negative_rate,
    "precision": lambda y, p: precision_score(y, p, zero_division=np.nan),
    "accuracy": accuracy_score,
}


def _assert_matches_fairlearn(y_true, y_pred, sensitive, positive_label=1):
    ours = group_metrics(y_true, y_pred, sensitive, positive_label=positive_label)
    truth = np.asarray(y_true) == positive_label
    predicted = np.asarray(y_pred) == positive_label if np.asarray(y_pred).dtype != bool else np.asarray(y_pred)
    frame = MetricFrame(metrics=FAIRLEARN_METRICS, y_true=truth, y_pred=predicted, sensitive_features=sensitive)
    by_group = frame.by_group
    # Fairlearn keys groups by their values (a MultiIndex for several columns); ours by their labels.
    columns = sensitive if isinstance(sensitive, pd.DataFrame) else pd.DataFrame({"group": np.asarray(sensitive)})
    label_of = dict(zip(map(tuple, columns.to_numpy(dtype=object).tolist()), group_labels(columns, list(columns.columns))))
    by_group.index = [label_of[key if isinstance(key, tuple) else (key,)] for key in by_group.index]
    assert sorted(by_group.index) == sorted(ours.index)
    # Where ours is undefined, the rate's denominator must truly be empty in that group (from the rows).
    frame_rows = pd.DataFrame({"group": group_labels(columns, list(columns.columns)).to_numpy(), "y": truth, "p": predicted})
    denominators = frame_rows.groupby("group").agg(
        positives=("y", "sum"), negatives=("y", lambda y: (~y).sum()), selected=("p", "sum")
    )
    empty_when_undefined = {
        "tpr": "positives",
        "fnr": "positives",
        "fpr": "negatives",
        "tnr": "negatives",
        "precision": "selected",
    }
    for rate in FAIRLEARN_METRICS:
        expected = by_group[rate]
        defined = ours.loc[expected.index, rate].notna()
        np.testing.assert_allclose(ours.loc[expected.index[defined], rate], expected[defined], rtol=1e-12, err_msg=rate)
        undefined = expected.index[~defined]
        if len(undefined):
            assert rate in empty_when_undefined, f"{rate} is NaN for {list(undefined)}"
            assert (denominators.loc[undefined, empty_when_undefined[rate]] == 0).all(), rate
        assert overall_metrics(ours)[rate] == pytest.approx(frame.overall[rate], rel=1e-12)
    fairlearn_disparities = {
        "demographic_parity_difference": demographic_parity_difference(truth, predicted, sensitive_features=sensitive),
        "demographic_parity_ratio": demographic_parity_ratio(truth, predicted, sensitive_features=sensitive),
        "equal_opportunity_difference": equal_opportunity_difference(truth, predicted, sensitive_features=sensitive),
        "equal_opportunity_ratio": equal_opportunity_ratio(truth, predicted, sensitive_features=sensitive),
        "equalized_odds_difference": equalized_odds_difference(truth, predicted, sensitive_features=sensitive),
        "equalized_odds_ratio": equalized_odds_ratio(truth, predicted, sensitive_features=sensitive),
        "predictive_parity_difference": frame.difference()["precision"],
    }
    ours_disparities = disparities(y_true, y_pred, sensitive, positive_label=positive_label)
    for name, expected in fairlearn_disparities.items():
        assert ours_disparities[name] == pytest.approx(expected, rel=1e-12), name
    return ours


@pytest.mark.parametrize("demo", ["adult", "compas", "german"])
def test_demos_match_fairlearn(demo):
    loaded = load_demo(demo)
    inputs = prepare_audit(loaded.data, loaded.spec, loaded.model)
    threshold = inputs.default_threshold
    sensitive = loaded.data[list(loaded.spec.sensitive)]
    ours = _assert_matches_fairlearn(inputs.y_true, inputs.scores >= threshold, sensitive, positive_label=True)
    assert overall_metrics(ours)["count"] == len(loaded.data) == ours["count"].sum()


def test_generated_data_string_labels_several_columns_and_ties():
    rng = np.random.default_rng(3)
    n = 3000
    table = pd.DataFrame(
        {
            "sex": rng.choice(["f", "m"], n),
            "race": rng.choice(["A", "B", "C", "D"], n, p=[0.6, 0.3, 0.09, 0.01]),
            "y": rng.choice(["yes", "no"], n),
        }
    )
    scores = rng.integers(0, 5, n) / 4  # heavy ties
    y_pred = np.where(scores >= 0.5, "yes", "no")
    ours = _assert_matches_fairlearn(table["y"].to_numpy(), y_pred, table[["sex", "race"]], positive_label="yes")
    assert set(ours.index) == {f"{s} | {r}" for s, r in zip(table.sex, table.race)}


def test_an_empty_denominator_is_nan_not_an_error():
    ours = group_metrics([0, 0, 1, 1], [0, 1, 1, 0], ["a", "a", "b", "b"])
    assert np.isnan(ours.loc["a", "tpr"]) and np.isnan(ours.loc["a", "fnr"])  # group a has no positives
    assert np.isnan(ours.loc["b", "fpr"])  # group b has no negatives
    assert ours.loc["a", "fpr"] == 0.5
    result = disparities([0, 0, 1, 1], [0, 1, 1, 0], ["a", "a", "b", "b"])
    assert np.isnan(result["equal_opportunity_difference"])  # one group's TPR alone: nothing to compare
    assert result["demographic_parity_difference"] == 0.0


def test_reference_comparison():
    table = group_metrics([1, 0, 1, 0, 1, 0], [1, 1, 1, 0, 0, 0], ["a", "a", "b", "b", "c", "c"])
    comparison = compare_to_reference(table, "a")
    assert comparison.loc["b", "selection_rate_ratio"] == pytest.approx(0.5)
    assert comparison.loc["c", "selection_rate_ratio"] == 0.0
    assert comparison["four_fifths_pass"].tolist() == [True, False, False]
    assert (
        disparities([1, 0, 1, 0], [1, 1, 1, 0], ["a", "a", "b", "b"], reference="a")["selection_rate_ratio_to_reference"] == 0.5
    )
    with pytest.raises(InvalidInputError, match="reference group 'z'"):
        compare_to_reference(table, "z")


def test_four_fifths_rule():
    # a selects 5/10, b selects 4/10: ratio 0.8 passes; 3/10 fails.
    groups = ["a"] * 10 + ["b"] * 10
    passing = [1] * 5 + [0] * 5 + [1] * 4 + [0] * 6
    failing = [1] * 5 + [0] * 5 + [1] * 3 + [0] * 7
    assert disparities(np.ones(20), passing, groups)["four_fifths_pass"] is True
    assert disparities(np.ones(20), failing, groups)["four_fifths_pass"] is False
    # Nobody selected: the ratio is 0/0, undefined, neither a pass nor a failure.
    assert disparities(np.ones(20), np.zeros(20), groups)["four_fifths_pass"] is None


def test_mismatched_lengths_are_a_user_error():
    with pytest.raises(InvalidInputError, match="one value per row"):
        group_metrics([1, 0], [1, 0, 1], ["a", "b"])


# ---- properties ---------------------------------------------------------------------------------

rows = st.integers(min_value=1, max_value=120)


@st.composite
def audits(draw):
    n = draw(rows)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_groups = draw(st.integers(1, 5))
    groups = rng.choice([f"g{i}" for i in range(n_groups)], n)
    y_true = rng.random(n) < draw(st.floats(0, 1))
    scores = rng.integers(0, draw(st.integers(1, 20)) + 1, n) / 10  # few distinct values: ties
    return y_true, scores, groups, rng


@settings(max_examples=150, deadline=None)
@given(audits(), st.floats(-0.5, 2.5))
def test_properties_and_the_slider_equals_a_pass_over_rows(audit, threshold):
    y_true, scores, groups, rng = audit
    table = group_metrics(y_true, scores >= threshold, groups)
    assert overall_metrics(table)["count"] == len(y_true)
    assert (table[["tp", "fp", "tn", "fn"]].sum(axis=1) == table["count"]).all()
    assert table["count"].sum() == len(y_true)
    values = table[list(RATE_COLUMNS)].to_numpy()
    assert np.all((values[~np.isnan(values)] >= 0) & (values[~np.isnan(values)] <= 1))
    order = rng.permutation(len(y_true))
    pd.testing.assert_frame_equal(table, group_metrics(y_true[order], (scores >= threshold)[order], groups[order]))
    curves = ThresholdCurves(y_true, scores, groups)
    pd.testing.assert_frame_equal(curves.metrics_at(threshold), table)
    per_group = {label: float(rng.choice(scores)) for label in curves.labels}
    row_thresholds = np.array([per_group[g] for g in groups])
    pd.testing.assert_frame_equal(curves.metrics_at(per_group), group_metrics(y_true, scores >= row_thresholds, groups))


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from(["demographic_parity", "equal_opportunity", "equalized_odds"]),
    st.sampled_from([0.0, 0.05, 0.2]),
)
def test_suggest_finds_the_best_feasible_thresholds_by_brute_force(seed, constraint, tolerance):
    rng = np.random.default_rng(seed)
    n = 40
    groups = rng.choice(["a", "b"], n)
    y_true = rng.random(n) < 0.5
    scores = np.clip(y_true * 0.3 + rng.random(n) * 0.7, 0, 1).round(1)  # informative, with ties
    suggestion = ThresholdCurves(y_true, scores, groups).suggest(constraint, tolerance, min_group_size=0)
    best = -1.0
    candidates = {label: [*np.unique(scores[groups == label]), np.inf] for label in ("a", "b")}
    for combo in itertools.product(*candidates.values()):
        chosen = dict(zip(candidates, combo))
        predicted = scores >= np.array([chosen[g] for g in groups])
        if disparities(y_true, predicted, groups)[f"{constraint}_difference"] <= tolerance + 1e-12:
            best = max(best, float((predicted == y_true).mean()))
    if best < 0:
        assert not suggestion.met
    else:
        assert suggestion.met
        assert suggestion.disparity <= tolerance + 1e-12
        if constraint == "equalized_odds":
            assert suggestion.accuracy <= best + 1e-12  # windows are searched on a grid here: never better
        else:
            assert suggestion.accuracy == pytest.approx(best)


# ---- uncertainty --------------------------------------------------------------------------------


def test_rate_intervals_are_scipys_exact_intervals_of_the_rows():
    from scipy.stats import binomtest

    rng = np.random.default_rng(7)
    n = 2000
    groups = rng.choice(["a", "b"], n, p=[0.7, 0.3])
    y_true = rng.random(n) < 0.4
    y_pred = rng.random(n) < np.where(y_true, 0.7, 0.2)
    ours = metric_intervals(y_true, y_pred, groups)
    # The oracle counts the rows itself: each rate's numerator and denominator, and scipy's Clopper-Pearson interval.
    for group in ("a", "b"):
        truth, predicted = y_true[groups == group], y_pred[groups == group]
        for rate, (successes, trials) in {
            "selection_rate": (predicted, np.ones_like(predicted)),
            "tpr": (predicted, truth),
            "precision": (truth, predicted),
            "accuracy": (truth == predicted, np.ones_like(truth)),
        }.items():
            interval = binomtest(int((successes & trials).sum()), int(trials.sum())).proportion_ci(0.95, method="exact")
            assert ours.lower.loc[group, rate] == pytest.approx(interval.low, abs=1e-12)
            assert ours.upper.loc[group, rate] == pytest.approx(interval.high, abs=1e-12)
    point = group_metrics(y_true, y_pred, groups)
    assert (ours.lower["tpr"] <= point["tpr"]).all() and (point["tpr"] <= ours.upper["tpr"]).all()
    assert (
        ours.disparities.loc["demographic_parity_difference", "lower"]
        < ours.disparities.loc["demographic_parity_difference", "upper"]
    )


def test_disparity_intervals_are_those_of_the_judged_groups_alone():
    # tp, fp, tn, fn per group; "tiny" is selected far more often than the others.
    counts = np.array([[120, 80, 500, 100], [60, 30, 260, 50], [5, 3, 1, 0]])
    labels = ["a", "b", "tiny"]
    judged = rate_intervals(counts, labels, judged=["a", "b"])
    alone = rate_intervals(counts[:2], ["a", "b"])
    pd.testing.assert_frame_equal(judged.disparities, alone.disparities)
    everyone = rate_intervals(counts, labels)
    assert (
        everyone.disparities.loc["demographic_parity_difference", "lower"]
        > judged.disparities.loc["demographic_parity_difference", "upper"]
    )
    # The rates' intervals do not depend on which groups are judged.
    pd.testing.assert_frame_equal(judged.lower, everyone.lower)
    pd.testing.assert_frame_equal(judged.upper, everyone.upper)


def test_rate_intervals_flag_groups_under_the_minimum_and_are_wider_for_them():
    groups = np.array(["big"] * 200 + ["small"] * 10)
    y_true = np.arange(210) % 2 == 0
    y_pred = np.arange(210) % 3 == 0
    first = metric_intervals(y_true, y_pred, groups)
    assert first.too_small.to_dict() == {"big": False, "small": True}
    assert metric_intervals(y_true, y_pred, groups, min_group_size=5).too_small.to_dict() == {"big": False, "small": False}
    assert metric_intervals(y_true, y_pred, groups, min_group_size=201).too_small.to_dict() == {"big": True, "small": True}
    width = first.upper - first.lower
    assert width.loc["small", "selection_rate"] > width.loc["big", "selection_rate"]


def test_suggestion_against_fairlearns_threshold_optimizer():
    """On the Adult demo: ours is deterministic and meets the tolerance on the data; Fairlearn's
    ThresholdOptimizer randomizes between thresholds. Both accuracies are printed for the record."""
    from fairlearn.postprocessing import ThresholdOptimizer

    demo = load_demo("adult")
    inputs = prepare_audit(demo.data, demo.spec, demo.model)
    tolerance = 0.02
    ours = ThresholdCurves(inputs.y_true, inputs.scores, demo.data["sex"]).suggest("demographic_parity", tolerance)
    assert ours.met and ours.disparity <= tolerance
    assert ours.baseline_disparity > 0.1  # the model is far from parity at 0.5

    X = demo.data[list(demo.spec.features)]
    optimizer = ThresholdOptimizer(
        estimator=demo.model.estimator,
        constraints="demographic_parity",
        objective="accuracy_score",
        prefit=True,
        predict_method="predict_proba",
    )
    optimizer.fit(X, inputs.y_true, sensitive_features=demo.data["sex"])
    theirs = optimizer.predict(X, sensitive_features=demo.data["sex"], random_state=0).astype(bool)
    their_accuracy = float((theirs == inputs.y_true).mean())
    their_disparity = demographic_parity_difference(inputs.y_true, theirs, sensitive_features=demo.data["sex"])
    print(
        f"\nours: accuracy {ours.accuracy:.4f}, DP difference {ours.disparity:.4f}; "
        f"Fairlearn: accuracy {their_accuracy:.4f}, DP difference {their_disparity:.4f}"
    )
    # Fairlearn targets exact parity with randomization; ours allows the tolerance with none.
    assert ours.accuracy >= their_accuracy - 0.01


def test_small_groups_are_left_out_and_too_few_groups_leave_the_disparities_undefined():
    from fairdash.engine.findings import disparity_findings
    from fairdash.engine.metrics import drop_small_groups

    groups = ["big"] * 100 + ["other big"] * 50 + ["tiny"] * 5
    table = group_metrics(np.ones(155), np.ones(155), groups)
    judged, left_out = drop_small_groups(table)
    assert left_out == ["tiny"] and judged.index.tolist() == ["big", "other big"]
    lonely = group_metrics(np.ones(105), np.ones(105), ["big"] * 100 + ["tiny"] * 5)
    judged, left_out = drop_small_groups(lonely)
    # One group alone cannot be compared: the disparities are undefined and say why, never judged on the tiny group.
    assert left_out == ["tiny"] and judged.index.tolist() == ["big"]
    findings = disparity_findings(judged)
    assert findings["passed"].isna().all() and findings["value"].isna().all()
    assert (findings["undefined"] == Undefined("too_few_groups")).all()
    assert (
        with_sentences(findings)["undefined"]
        == "fewer than two groups to compare (groups under the small-group minimum are left out)"
    ).all()
