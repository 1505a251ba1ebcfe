"""The change test (over time and between audits) keeps its 5% whatever the number of groups.

Simulations with known truth: groups of unequal sizes and rates, drawn twice from the same rates (no change at all).
The family-wise false-alarm rate of the test over all pairs (:mod:`fairdash.engine.changes`) stays within 5% plus the
Monte-Carlo margin for 2, 4, 8 and 16 groups, for differences (the monitor and ``compare``) and ratios (``compare``), and
for the monitor's rule over several windows against one baseline. The negative control is the former test: the pair the
after table's extremes name, tested at 1.96 as if it had been chosen in advance (about 13% with 4 groups, 25% with 8).
A planted change in one group is found. The larger table: ``benchmarks/bench_change_tests.py``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from fairdash.engine.changes import critical_value, largest_change, pair_changes, range_p_value

DRAWS = 4000
MARGIN = 3 * math.sqrt(0.05 * 0.95 / DRAWS)  # three Monte-Carlo standard errors at 5%


def _population(groups: int, seed: int, *, spread: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Unequal sizes (120 to 900 rows; the groups' variances differ, as in real logs) and rates around 0.35, within
    ``spread`` of each other. Equal rates are where choosing the pair costs most: every group may be the extreme."""
    rng = np.random.default_rng(seed)
    return rng.integers(120, 900, groups).astype(float), 0.35 + rng.uniform(-spread, spread, groups) / 2


def _draw(sizes: np.ndarray, rates: np.ndarray, rng: np.random.Generator, draws: int = DRAWS) -> np.ndarray:
    return rng.binomial(sizes.astype(int), rates, size=(draws, len(sizes))) / sizes


def _old_extremes_z(after: np.ndarray, before: np.ndarray, sizes: np.ndarray, measure: str) -> np.ndarray:
    """The former test, written from its formula: the after table's highest and lowest group, that pair's z."""
    rows = np.arange(len(after))
    high, low = after.argmax(axis=1), after.argmin(axis=1)
    a_high, a_low, b_high, b_low = after[rows, high], after[rows, low], before[rows, high], before[rows, low]
    n_high, n_low = sizes[high], sizes[low]
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "difference":
            change = (a_high - a_low) - (b_high - b_low)
            variance = sum(p * (1 - p) / n for p, n in ((a_high, n_high), (a_low, n_low), (b_high, n_high), (b_low, n_low)))
        else:
            ratio_after, ratio_before = a_low / a_high, b_low / b_high
            change = ratio_after - ratio_before
            variance = sum(
                r**2 * ((1 - p) / (n * p) + (1 - q) / (m * q))
                for r, p, n, q, m in ((ratio_after, a_high, n_high, a_low, n_low), (ratio_before, b_high, n_high, b_low, n_low))
            )
        return np.abs(change) / np.sqrt(variance)


def _largest_z(after: np.ndarray, before: np.ndarray, sizes: np.ndarray, measure: str) -> np.ndarray:
    change, error, _ = pair_changes(after, sizes, before, sizes, measure=measure)
    z = np.abs(change / error)
    return np.where(np.isnan(z), -np.inf, z).max(axis=1)


@pytest.mark.parametrize("measure", ["difference", "ratio"])
@pytest.mark.parametrize("groups", [2, 4, 8, 16])
def test_no_change_alarms_at_most_five_percent_whatever_the_number_of_groups(groups, measure):
    sizes, rates = _population(groups, seed=groups)
    rng = np.random.default_rng(100 + groups)
    before, after = _draw(sizes, rates, rng), _draw(sizes, rates, rng)
    alarms = float(np.mean(_largest_z(after, before, sizes, measure) > critical_value(0.05, groups)))
    assert alarms <= 0.05 + MARGIN, alarms
    assert alarms >= 0.02, alarms  # a level, not a test that never fires (Tukey-Kramer is conservative, not by much)
    old = float(np.mean(_old_extremes_z(after, before, sizes, measure) > norm.isf(0.025)))
    sizes, rates = _population(groups, seed=groups, spread=0.4)  # rates 0.15 to 0.55: the level holds there too
    unequal = _largest_z(_draw(sizes, rates, rng), _draw(sizes, rates, rng), sizes, measure) > critical_value(0.05, groups)
    assert unequal.mean() <= 0.05 + MARGIN, unequal.mean()
    if groups == 2:
        assert old == pytest.approx(alarms, abs=1e-12)  # one pair: the two tests are one
    else:
        assert old > 0.05 + MARGIN, old  # the negative control: choosing the pair costs what it was not charged
    if groups == 8:
        assert old > 0.15, old


def test_the_monitors_rule_over_windows_and_pairs_keeps_five_percent():
    """Six windows against one baseline, eight groups: an alarm in any window is a false alarm (the baseline shared by
    every window makes the tests dependent; Bonferroni over the windows holds anyway)."""
    groups, windows = 8, 6
    sizes, rates = _population(groups, seed=7)
    rng = np.random.default_rng(7)
    base = _draw(sizes, rates, rng)
    largest = np.stack([_largest_z(_draw(sizes, rates, rng), base, sizes, "difference") for _ in range(windows)])
    alarms = float(np.mean((largest > critical_value(0.05 / windows, groups)).any(axis=0)))
    old = np.stack([_old_extremes_z(_draw(sizes, rates, rng), base, sizes, "difference") for _ in range(windows)])
    assert alarms <= 0.05 + MARGIN, alarms
    assert float(np.mean((old > norm.isf(0.025 / windows)).any(axis=0))) > 0.05 + MARGIN


@pytest.mark.parametrize("measure", ["difference", "ratio"])
def test_a_planted_change_in_one_group_is_found(measure):
    """Eight groups; one's rate rises by 0.15 after: the test finds it (nine times in ten or more), naming that group."""
    sizes, rates = np.full(8, 500.0), np.linspace(0.25, 0.45, 8)
    rng = np.random.default_rng(3)
    before, after = _draw(sizes, rates, rng, 500), _draw(sizes, rates + np.eye(8)[2] * 0.15, rng, 500)
    found = _largest_z(after, before, sizes, measure) > critical_value(0.05, 8)
    assert found.mean() >= 0.9, found.mean()
    table = lambda values: pd.DataFrame({"selection_rate": values, "count": sizes}, index=list("abcdefgh"))  # noqa: E731
    pair = largest_change(table(after[0]), table(before[0]), ("selection_rate",), measure=measure)
    assert "c" in (pair.high, pair.low)


def test_largest_change_is_the_vectorised_statistic_and_its_p_value_the_range_of_normals():
    """What the monitor and compare call (:func:`largest_change`) is the statistic simulated above; its p-value is the
    chance that the range of k standard normals exceeds sqrt(2) |z| (checked by simulation of that range)."""
    sizes, rates = _population(5, seed=11)
    rng = np.random.default_rng(11)
    before, after = _draw(sizes, rates, rng, 1)[0], _draw(sizes, rates + [0.08, 0, 0, 0, 0], rng, 1)[0]
    table = lambda values: pd.DataFrame({"tpr": values, "tp": sizes, "fn": 0.0}, index=list("abcde"))  # noqa: E731
    found = largest_change(table(after), table(before), ("tpr",))
    largest = _largest_z(after[None], before[None], sizes, "difference")[0]
    assert abs(found.z) == pytest.approx(largest, rel=1e-12) and found.groups == 5
    normals = np.random.default_rng(0).standard_normal((400_000, 5))
    simulated = np.mean(np.ptp(normals, axis=1) > math.sqrt(2) * largest)
    assert found.p_value == pytest.approx(simulated, abs=4 * math.sqrt(simulated * (1 - simulated) / 400_000) + 1e-4)
    assert range_p_value(critical_value(0.01, 5), 5) == pytest.approx(0.01, rel=1e-6)
    low, high = found.interval(0.05)
    assert (high - low) / 2 == pytest.approx(critical_value(0.05, 5) * found.error, rel=1e-12)
    # Two rates (equalized odds): the smaller p-value, Bonferroni-corrected for the two.
    both = table(after).assign(fpr=after[::-1], fp=sizes, tn=0.0), table(before).assign(fpr=before[::-1], fp=sizes, tn=0.0)
    each = [largest_change(*both, (rate,)) for rate in ("tpr", "fpr")]
    assert largest_change(*both, ("tpr", "fpr")).p_value == pytest.approx(
        min(1.0, 2 * min(one.p_value for one in each)), rel=1e-12
    )
