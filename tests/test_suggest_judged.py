"""Suggest searches over the groups the audit judges; the groups left out keep the one threshold; every disparity
before and after is the audit's own (result.judge at those thresholds)."""

import numpy as np
import pytest

from fairdash.engine.metrics import DISPARITY_NAMES
from fairdash.engine.result import AuditSettings, judge
from fairdash.engine.thresholds import ThresholdCurves
from fairdash.errors import InvalidInputError
from fairdash.present.sentences import suggestion_sentence


def _planted(seed: int = 0):
    """Two large groups far from parity at 0.5, and a group of 10 whose scores are all one value: its
    selection rate can only be 0 or 1, so searched with the others it forces them to select (nearly) all or none."""
    rng = np.random.default_rng(seed)
    groups = np.array(["a"] * 200 + ["b"] * 190 + ["c"] * 10)
    y_true = rng.random(len(groups)) < np.where(groups == "a", 0.6, 0.3)
    scores = np.clip(y_true * 0.4 + rng.random(len(groups)) * 0.6, 0, 1).round(2)
    scores[groups == "c"] = 0.9
    return y_true, scores, groups


def test_a_small_group_no_longer_drags_the_suggestion_and_keeps_the_one_threshold():
    y_true, scores, groups = _planted()
    curves = ThresholdCurves(y_true, scores, groups)
    every_group = curves.suggest("demographic_parity", 0.02, min_group_size=0)  # the old search, over every group
    judged = curves.suggest("demographic_parity", 0.02, min_group_size=30)
    assert judged.met and judged.left_out == ("c",) and every_group.left_out == ()
    assert judged.thresholds["c"] == judged.baseline_threshold == 0.5
    said = suggestion_sentence(judged)
    assert judged.reason is None and "c is too small to judge" in said and "keeps the one threshold of 0.5" in said
    # The small group forced the old search to select almost nobody: 20 points of accuracy lost for it.
    assert every_group.accuracy < judged.accuracy - 0.2
    # The judged search is the brute-force best over every pair of the judged groups' thresholds (c at 0.5), by numpy.
    per_group = {}
    for g in ("a", "b"):
        cuts = np.append(np.unique(scores[groups == g]), 2.0)
        decided = scores[groups == g][None, :] >= cuts[:, None]
        per_group[g] = (decided.mean(axis=1), (decided == y_true[groups == g][None, :]).sum(axis=1))
    correct_c = ((scores[groups == "c"] >= 0.5) == y_true[groups == "c"]).sum()
    gap = np.abs(per_group["a"][0][:, None] - per_group["b"][0][None, :])
    correct = per_group["a"][1][:, None] + per_group["b"][1][None, :] + correct_c
    assert judged.accuracy == pytest.approx(correct[gap <= 0.02 + 1e-12].max() / len(groups))


@pytest.mark.parametrize("constraint", ["demographic_parity", "equal_opportunity", "equalized_odds"])
def test_every_disparity_before_and_after_is_the_audits_own(constraint):
    y_true, scores, groups = _planted(1)
    curves = ThresholdCurves(y_true, scores, groups)
    suggestion = curves.suggest(constraint, 0.05, min_group_size=30)
    assert suggestion.met
    settings = AuditSettings(min_group_size=30)
    before = judge(curves.counts_at(0.5), curves.labels, settings)
    after = judge(curves.counts_at(suggestion.thresholds), curves.labels, settings)
    assert set(suggestion.before) == set(suggestion.after) == set(DISPARITY_NAMES)
    for name in DISPARITY_NAMES:
        assert suggestion.before[name] == pytest.approx(before.disparities[name], abs=1e-12, nan_ok=True), name
        assert suggestion.after[name] == pytest.approx(after.disparities[name], abs=1e-12, nan_ok=True), name
    assert suggestion.baseline_disparity == before.disparities[f"{constraint}_difference"]
    assert suggestion.after[f"{constraint}_difference"] <= 0.05 + 1e-12
    assert suggestion.accuracy == pytest.approx(float(after.overall["accuracy"]), abs=1e-12)


def test_named_groups_replace_the_size_rule_and_unknown_names_are_refused():
    y_true, scores, groups = _planted()
    curves = ThresholdCurves(y_true, scores, groups)
    named = curves.suggest("demographic_parity", 0.02, judged=["a", "b"], min_group_size=0)
    assert named.left_out == ("c",) and named.thresholds == curves.suggest("demographic_parity", 0.02).thresholds
    with pytest.raises(InvalidInputError, match="No group called z"):
        curves.suggest("demographic_parity", 0.02, judged=["a", "z"])


def test_fewer_than_two_judged_groups_is_no_suggestion_and_says_why():
    y_true, scores, groups = _planted()
    suggestion = ThresholdCurves(y_true, scores, groups).suggest("demographic_parity", 0.02, min_group_size=195)
    assert not suggestion.met and suggestion.left_out == ("b", "c") and suggestion.after is None
    assert suggestion.reason == "too_few_groups"
    assert suggestion_sentence(suggestion) == (
        "No suggestion: fewer than two groups are large enough to judge. b, c are too "
        "small to judge, so left out of the search: they keep the one threshold of 0.5."
    )
