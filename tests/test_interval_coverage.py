"""Coverage of the rates' intervals, simulated with known truth, and their bounds against scipy's exact intervals.

Groups of ``n`` rows have their four confusion cells (tp, fp, tn, fn) drawn from a multinomial whose cell
probabilities fix every true rate. Three designs put each rate at the true value ``p`` (or ``1 - p``, a rate near 1):

- ``rates``: ``[p, p, 1 - p, 1 - p] / 2``: selection rate, TPR and FPR ``p``; FNR and TNR ``1 - p`` (base rate 1/2);
- ``shares``: ``[p, 1 - p, 1 - p, p] / 2``: base rate and precision ``p`` (selection rate 1/2);
- ``hits``: ``[p, 1 - p, p, 1 - p] / 2``: accuracy ``p``.

A rate's coverage is the share of draws whose interval holds the truth, among the draws that define the rate (a
denominator of 0 has no rate and no interval). The intervals of every draw come from one call of
:func:`rate_intervals`, the function the audit uses.

The Monte-Carlo margin: a 95% interval that truly covers 95% of the time covers ``hits`` of ``m`` draws with
``hits ~ Binomial(m, 0.95)``. A setting fails when so few hits have a chance under 1e-4 at coverage 0.95
(``binom.cdf(hits, m, 0.95) < 1e-4``: under about 93.1% of 2,000 draws); over the 96 settings checked here (8 rates, 4 sizes,
3 rates), the chance that an interval of coverage at least 95% fails any of them is under 1% (Bonferroni). The
control shows the check can fail: the percentile bootstrap fairdash used before covers far less on the same draws.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.stats import binom, binomtest

from fairdash.engine.intervals import RATE_INTERVAL_METHOD, exact_interval, rate_fractions, rate_intervals, rate_intervals_many
from fairdash.engine.metrics import RATE_COLUMNS, rates

SIZES = (10, 30, 100, 1000)
TRUE_RATES = (0.01, 0.05, 0.5)
DRAWS = 2000
LEVEL = 0.95
FAILS_BELOW = 1e-4  # the chance of so few hits at coverage 0.95 under which a setting fails

# Each rate's design, and whether its true value is p (True) or 1 - p (False) there.
DESIGNS = {
    "rates": lambda p: np.array([p, p, 1 - p, 1 - p]) / 2,
    "shares": lambda p: np.array([p, 1 - p, 1 - p, p]) / 2,
    "hits": lambda p: np.array([p, 1 - p, p, 1 - p]) / 2,
}
CHECKED = {
    "selection_rate": ("rates", True),
    "tpr": ("rates", True),
    "fpr": ("rates", True),
    "fnr": ("rates", False),
    "tnr": ("rates", False),
    "base_rate": ("shares", True),
    "precision": ("shares", True),
    "accuracy": ("hits", True),
}


def _truth(rate: str, p: float) -> float:
    return p if CHECKED[rate][1] else 1 - p


def _coverage(lower: np.ndarray, upper: np.ndarray, truth: float) -> tuple[int, int]:
    """(hits, draws defining the rate) of intervals ``lower``-``upper`` around ``truth``; NaN marks an undefined rate."""
    defined = ~np.isnan(lower)
    return int(((lower <= truth) & (truth <= upper) & defined).sum()), int(defined.sum())


@pytest.fixture(scope="module")
def simulated() -> dict[tuple[str, int, float], tuple[int, int]]:
    """(hits, defined draws) for every (rate, n, p): every design's draws at every (n, p), their intervals in one call."""
    rng = np.random.default_rng(2026)
    settings = [(design, n, p) for design in DESIGNS for n in SIZES for p in TRUE_RATES]
    counts = np.concatenate([rng.multinomial(n, DESIGNS[design](p), size=DRAWS) for design, n, p in settings])
    intervals = rate_intervals(counts, [str(position) for position in range(len(counts))])
    assert intervals.rate_method == RATE_INTERVAL_METHOD
    result = {}
    for position, (design, n, p) in enumerate(settings):
        rows = slice(position * DRAWS, (position + 1) * DRAWS)
        for rate, (rate_design, _) in CHECKED.items():
            if rate_design == design:
                lower, upper = intervals.lower[rate].to_numpy()[rows], intervals.upper[rate].to_numpy()[rows]
                result[rate, n, p] = _coverage(lower, upper, _truth(rate, p))
    return result


def test_the_designs_put_each_rate_where_the_simulation_says() -> None:
    for rate, (design, _) in CHECKED.items():
        for p in TRUE_RATES:
            assert rates(DESIGNS[design](p))[rate] == pytest.approx(_truth(rate, p))


@pytest.mark.parametrize("rate", RATE_COLUMNS)
def test_every_rates_interval_covers_the_truth_at_least_at_its_level(simulated, rate: str) -> None:
    short = {}
    for n in SIZES:
        for p in TRUE_RATES:
            hits, defined = simulated[rate, n, p]
            assert defined >= DRAWS * 0.99  # the denominators hold about n / 2 rows at least: almost never empty
            if binom.cdf(hits, defined, LEVEL) < FAILS_BELOW:
                short[n, p] = hits / defined
    assert not short, f"{rate}: coverage under {LEVEL:.0%} beyond chance at (n, p) {short}"


def _percentile_bootstrap(
    counts: np.ndarray, rate: str, rng: np.random.Generator, resamples: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """The method fairdash used before: each group's counts resampled from its observed cell shares, the 2.5 and 97.5
    percentiles of the rate over the replicates that define it."""
    sizes = counts.sum(axis=1, keepdims=True)
    draws = rng.multinomial(sizes[:, 0], counts / sizes, size=(resamples, len(counts)))  # (resamples, groups, 4)
    replicates = rates(draws)[rate]
    with warnings.catch_warnings():  # a group that defines the rate in no replicate ("All-NaN slice")
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(replicates, [0.025, 0.975], axis=0)
    defined = ~np.isnan(rates(counts)[rate])
    return np.where(defined, low, np.nan), np.where(defined, high, np.nan)


@pytest.mark.parametrize("rate", ["selection_rate", "tpr"])
def test_the_percentile_bootstrap_misses_rare_rates_so_this_check_can_fail(rate: str) -> None:
    """Control: on the same kind of draws (n = 30, true rate 0.05) the old percentile bootstrap covers far under 95%,
    and the coverage check above fails it; the exact intervals of the very same draws pass."""
    rng = np.random.default_rng(5)
    counts = rng.multinomial(30, DESIGNS["rates"](0.05), size=DRAWS)
    hits, defined = _coverage(*_percentile_bootstrap(counts, rate, rng), truth=0.05)
    assert hits / defined < 0.85 and binom.cdf(hits, defined, LEVEL) < FAILS_BELOW, hits / defined
    ours = rate_intervals(counts, [str(position) for position in range(len(counts))])
    hits, defined = _coverage(ours.lower[rate].to_numpy(), ours.upper[rate].to_numpy(), truth=0.05)
    assert binom.cdf(hits, defined, LEVEL) >= FAILS_BELOW, hits / defined


def _scipy_interval(successes: int, trials: int, confidence: float) -> tuple[float, float]:
    if trials == 0:
        return float("nan"), float("nan")
    interval = binomtest(successes, trials).proportion_ci(confidence, method="exact")
    return interval.low, interval.high


@pytest.mark.parametrize("confidence", [0.95, 0.8])
def test_bounds_are_scipys_exact_intervals_per_group_and_overall(confidence: float) -> None:
    # tp, fp, tn, fn: every rate at 0, at 1, in between, and undefined (no positives, no one selected, no rows).
    counts = np.array([[3, 0, 9, 0], [0, 2, 0, 5], [7, 1, 40, 2], [0, 0, 6, 0], [0, 0, 0, 0], [250, 31, 900, 12]])
    labels = ["a", "b", "c", "d", "e", "f"]
    ours = rate_intervals(counts, labels, confidence=confidence)
    # The oracle's numerators and denominators, written out from the rates' definitions.
    tp, fp, tn, fn = counts.T
    fractions = {
        "base_rate": (tp + fn, counts.sum(axis=1)),
        "selection_rate": (tp + fp, counts.sum(axis=1)),
        "tpr": (tp, tp + fn),
        "fpr": (fp, fp + tn),
        "fnr": (fn, tp + fn),
        "tnr": (tn, fp + tn),
        "precision": (tp, tp + fp),
        "accuracy": (tp + tn, counts.sum(axis=1)),
    }
    for rate, (successes, trials) in fractions.items():
        for position, label in enumerate(labels):
            expected = _scipy_interval(int(successes[position]), int(trials[position]), confidence)
            np.testing.assert_allclose([ours.lower.loc[label, rate], ours.upper.loc[label, rate]], expected, rtol=0, atol=1e-10)
        expected = _scipy_interval(int(successes.sum()), int(trials.sum()), confidence)
        np.testing.assert_allclose(ours.overall.loc[rate].to_numpy(dtype=float), expected, rtol=0, atol=1e-10)
    estimate = rates(counts)
    for rate in RATE_COLUMNS:  # every interval holds its estimate, and is NaN exactly where the estimate is
        defined = ~np.isnan(estimate[rate])
        assert (np.isnan(ours.lower[rate].to_numpy()) == ~defined).all()
        assert (ours.lower[rate][defined] <= estimate[rate][defined]).all() and (
            estimate[rate][defined] <= ours.upper[rate][defined]
        ).all()


def test_six_cells_count_every_row_for_the_selection_rate_only() -> None:
    # tp, fp, tn, fn, then the rows whose outcome is not known: selected, not selected.
    counts = np.array([[4, 1, 10, 2, 6, 3], [0, 0, 0, 0, 2, 5], [1, 0, 3, 0, 0, 0]])
    labels = ["a", "pending", "b"]
    ours = rate_intervals(counts, labels)
    for position, label in enumerate(labels):
        tp, fp, tn, fn, unknown_selected, unknown_unselected = (int(value) for value in counts[position])
        expected = _scipy_interval(tp + fp + unknown_selected, int(counts[position].sum()), 0.95)
        np.testing.assert_allclose(
            [ours.lower.loc[label, "selection_rate"], ours.upper.loc[label, "selection_rate"]], expected, atol=1e-10
        )
        expected = _scipy_interval(tp + fn, tp + fp + tn + fn, 0.95)  # the base rate: known outcomes only
        np.testing.assert_allclose([ours.lower.loc[label, "base_rate"], ours.upper.loc[label, "base_rate"]], expected, atol=1e-10)
    total = counts.sum(axis=0)
    np.testing.assert_allclose(
        ours.overall.loc["selection_rate"].to_numpy(dtype=float),
        _scipy_interval(int(total[[0, 1, 4]].sum()), int(total.sum()), 0.95),
        atol=1e-10,
    )
    # The rates' numerators and denominators are those of rates(), six cells or four.
    for table in (counts, counts[:, :4]):
        for rate, (successes, trials) in rate_fractions(table).items():
            with np.errstate(invalid="ignore", divide="ignore"):
                np.testing.assert_array_equal(np.where(trials > 0, successes / trials, np.nan), rates(table)[rate])
    none, together = rate_intervals_many([np.zeros((0, 6), dtype=int), counts], [[], labels])  # a window without rows too
    np.testing.assert_array_equal(together.lower.to_numpy(), ours.lower.to_numpy())
    np.testing.assert_array_equal(together.overall.to_numpy(), ours.overall.to_numpy())
    assert none.lower.empty and none.overall.isna().all().all()


def test_exact_interval_of_no_rows_is_undefined_not_0_to_1() -> None:
    lower, upper = exact_interval([0, 0, 5], [0, 4, 5])
    assert np.isnan(lower[0]) and np.isnan(upper[0])
    assert lower[1] == 0.0 and upper[2] == 1.0
