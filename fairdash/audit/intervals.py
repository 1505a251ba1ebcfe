"""Uncertainty from counts: bootstrap intervals of every rate (resampling counts, not rows) and exact intervals
of every disparity that hold whatever the number of groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from fairdash.audit.metrics import DISPARITY_NAMES, DISPARITY_RATES, RATE_COLUMNS, checked_inputs, confusion_counts, rates
from fairdash.audit.spec import SMALL_GROUP_SIZE


@dataclass(frozen=True)
class Intervals:
    """Bootstrap confidence intervals for a metric table.

    ``lower`` and ``upper`` have the table's index (the groups) and its rate columns; ``overall`` has
    one row per rate and columns ``lower``, ``upper`` (all rows together);
    ``disparities`` has one row per disparity and columns ``lower``, ``upper``; ``too_small`` marks
    groups with fewer rows than :data:`fairdash.audit.spec.SMALL_GROUP_SIZE`, whose intervals are wide and
    whose rates should not be judged.
    """

    lower: pd.DataFrame
    upper: pd.DataFrame
    overall: pd.DataFrame
    disparities: pd.DataFrame
    too_small: pd.Series
    confidence: float
    n_resamples: int
    random_state: int
    disparity_method: str = ""


def bootstrap_intervals(
    counts: np.ndarray,
    labels: Sequence[str],
    *,
    judged: Sequence[str] | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    random_state: int = 0,
) -> Intervals:
    """Percentile bootstrap intervals for every rate, and exact intervals for every disparity, from per-group counts.

    Resampling rows within each group (group sizes fixed) and recounting is the same, in
    distribution, as drawing each group's four counts from a multinomial with the observed cell
    shares: so this resamples counts, not rows, and costs nothing in the number of rows.

    ``judged`` names the groups the disparities are taken over (default: all of them), e.g. the index
    of the table :func:`drop_small_groups` leaves. The disparities' intervals are not bootstrapped
    (a percentile bootstrap of a largest-minus-smallest value misses the truth): see
    :func:`disparity_intervals`.
    """
    counts = np.asarray(counts, dtype=np.int64)
    sizes = counts.sum(axis=1)
    draws = resample_counts(counts, n_resamples, np.random.default_rng(random_state))
    replicate_rates = rates(draws)  # each (n_resamples, groups)
    overall_rates = rates(draws.sum(axis=1))  # each (n_resamples,)
    alpha = (1 - confidence) / 2
    index = pd.Index(list(labels), name="group", dtype=object)
    quantile = replicate_quantile

    lower = pd.DataFrame({rate: quantile(replicate_rates[rate], alpha) for rate in RATE_COLUMNS}, index=index)
    upper = pd.DataFrame({rate: quantile(replicate_rates[rate], 1 - alpha) for rate in RATE_COLUMNS}, index=index)
    overall = pd.DataFrame(
        {"lower": [quantile(overall_rates[rate][:, None], alpha)[0] for rate in RATE_COLUMNS],
         "upper": [quantile(overall_rates[rate][:, None], 1 - alpha)[0] for rate in RATE_COLUMNS]},
        index=pd.Index(RATE_COLUMNS, name="rate"),
    )
    kept = set(labels if judged is None else judged)
    columns = [position for position, label in enumerate(labels) if label in kept]
    disparity_bounds = disparity_intervals(counts[columns], confidence=confidence)
    too_small = pd.Series(sizes < SMALL_GROUP_SIZE, index=index, name="too_small")
    return Intervals(
        lower=lower, upper=upper, overall=overall, disparities=disparity_bounds, too_small=too_small,
        confidence=confidence, n_resamples=n_resamples, random_state=random_state, disparity_method=DISPARITY_INTERVAL_METHOD,
    )


DISPARITY_INTERVAL_METHOD = (
    "exact (Clopper-Pearson) bounds on every group's rate, combined so that the interval of a largest-minus-"
    "smallest disparity covers its true value at least at the stated level whatever the number of groups"
)


# Each rate as (numerator, denominator) of the count cells tp, fp, tn, fn.
_RATE_CELLS = {"selection_rate": ((0, 1), (0, 1, 2, 3)), "tpr": ((0,), (0, 3)), "fpr": ((1,), (1, 2)), "precision": ((0,), (0, 1))}


def _exact_bounds(successes: np.ndarray, trials: np.ndarray, error: float) -> tuple[np.ndarray, np.ndarray]:
    """One-sided Clopper-Pearson bounds: each misses the true rate with probability at most ``error``."""
    from scipy.stats import beta  # scipy comes with scikit-learn; imported here to keep `import fairdash` light

    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(successes > 0, beta.ppf(error, successes, trials - successes + 1), 0.0)
        upper = np.where(successes < trials, beta.ppf(1 - error, successes + 1, trials - successes), 1.0)
    return lower, upper


def disparity_intervals(counts: np.ndarray, *, confidence: float = 0.95) -> pd.DataFrame:
    """Intervals for every disparity that cover the true value with probability at least ``confidence``.

    A percentile bootstrap of a largest-minus-smallest disparity is biased: the largest of many noisy
    rates sits above the largest true rate, so with many groups its interval can miss the truth most
    of the time, and even exclude its own estimate. Instead, each group's rate gets exact one-sided
    Clopper-Pearson bounds, and the interval is read off them:

    - one end needs only the two groups whose true rates are the extremes (for a difference, the upper
      end ``max(upper) - min(lower)``; for a ratio, the lower end ``min(lower) / max(upper)``): it gets
      half the error, split over those bounds;
    - the other end (``max(lower) - min(upper)``, floored at 0; ``min(upper) / max(lower)``, capped at 1)
      needs every group's bounds at once: it gets the other half, split over all of them (Bonferroni).

    So coverage holds whatever the number of groups (it is conservative, never below the level), and
    the interval always contains its estimate. Equalized odds, the worse of two rates, splits the error
    over both. Groups where a rate is undefined (an empty denominator) are left out, as in the estimate.

    ``counts`` is ``(groups, 4)`` (``tp, fp, tn, fn``), or ``(groups, 6)`` with the rows whose outcome is not
    known (see :func:`rates`), whose selection-rate disparities then count every row. Returns a frame
    indexed by disparity name, with columns ``lower`` and ``upper`` (NaN where the disparity itself is undefined).
    """
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim == 2 and counts.shape[1] == 6:
        return _with_unknown_outcomes(counts, confidence)
    counts = counts.reshape(-1, 4)
    half_error = (1 - confidence) / 2
    bounds: dict[str, tuple[float, float]] = {}
    for name, rate_names in DISPARITY_RATES.items():
        per_rate = []
        for rate in rate_names:
            numerator, denominator = _RATE_CELLS[rate]
            successes, trials = counts[:, list(numerator)].sum(axis=1), counts[:, list(denominator)].sum(axis=1)
            defined = trials > 0
            if defined.sum() >= 2:  # as in the estimate, a rate defined in fewer than two groups drops out
                per_rate.append((successes[defined], trials[defined]))
        if not per_rate:
            differences, ratios = [(np.nan, np.nan)], [(np.nan, np.nan)]
        else:
            narrow_error = half_error / (2 * len(per_rate))  # the true extremes of each rate
            wide_error = half_error / sum(2 * len(trials) for _, trials in per_rate)  # every group, both sides
            differences, ratios = [], []
            for successes, trials in per_rate:
                narrow_low, narrow_high = _exact_bounds(successes, trials, narrow_error)
                wide_low, wide_high = _exact_bounds(successes, trials, wide_error)
                differences.append((max(0.0, wide_low.max() - wide_high.min()), narrow_high.max() - narrow_low.min()))
                if successes.max() == 0:  # every rate is 0: the ratio's estimate is undefined, and so is its interval
                    continue
                wide_ratio = 1.0 if wide_low.max() <= 0 else min(1.0, wide_high.min() / wide_low.max())
                ratios.append((narrow_low.min() / narrow_high.max(), wide_ratio))
        ratios = ratios or [(np.nan, np.nan)]
        # Equalized odds is the larger difference and the smaller ratio of the two rates, and so are its bounds.
        bounds[f"{name}_difference"] = (max(low for low, _ in differences), max(high for _, high in differences))
        bounds[f"{name}_ratio"] = (min(low for low, _ in ratios), min(high for _, high in ratios))
    return pd.DataFrame(
        {"lower": [bounds[name][0] for name in DISPARITY_NAMES], "upper": [bounds[name][1] for name in DISPARITY_NAMES]},
        index=pd.Index(DISPARITY_NAMES, name="disparity"),
    )


def _with_unknown_outcomes(counts: np.ndarray, confidence: float) -> pd.DataFrame:
    """:func:`disparity_intervals` of ``(groups, 6)`` counts: the selection rate counts every row, so its
    disparities' bounds come from (selected, not selected) alone; the others from the known outcomes."""
    bounds = disparity_intervals(counts[:, :4], confidence=confidence)
    selected, unselected = counts[:, [0, 1, 4]].sum(axis=1), counts[:, [2, 3, 5]].sum(axis=1)
    everyone = np.stack([selected, 0 * selected, unselected, 0 * selected], axis=1)
    label_free = ["demographic_parity_difference", "demographic_parity_ratio"]
    bounds.loc[label_free] = disparity_intervals(everyone, confidence=confidence).loc[label_free]
    return bounds


def resample_counts(counts: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap replicates ``(n_resamples, groups, cells)`` of per-group counts ``(groups, cells)``.

    Resampling rows within each group (group sizes fixed) and recounting is the same, in
    distribution, as drawing each group's cells from a multinomial with the observed shares.
    """
    counts = np.asarray(counts, dtype=np.int64)
    cells = counts.shape[1]
    draws = np.empty((n_resamples,) + counts.shape, dtype=np.int64)
    for group, row in enumerate(counts):
        size = int(row.sum())
        draws[:, group, :] = rng.multinomial(size, row / size if size else np.full(cells, 1 / cells), size=n_resamples)
    return draws


def replicate_quantile(values: np.ndarray, q: float) -> np.ndarray:
    """The ``q`` quantile over replicates (axis 0), leaving out replicates where the rate is undefined;
    NaN where it is undefined in every replicate."""
    with np.errstate(invalid="ignore"):
        all_nan = np.all(np.isnan(values), axis=0)
        filled = np.where(np.isnan(values) & all_nan, 0.0, values)
        result = np.nanquantile(filled, q, axis=0)
    return np.where(all_nan, np.nan, result)


def metric_intervals(
    y_true: Any,
    y_pred: Any,
    sensitive: Any,
    *,
    positive_label: Any = 1,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    random_state: int = 0,
) -> Intervals:
    """Bootstrap intervals for :func:`group_metrics` and :func:`disparities` of these predictions."""
    truth, predicted, codes, labels = checked_inputs(y_true, y_pred, sensitive, positive_label)
    counts = confusion_counts(truth, predicted, codes, len(labels))
    return bootstrap_intervals(counts, labels, n_resamples=n_resamples, confidence=confidence, random_state=random_state)


def exact_interval(successes: Any, trials: Any, *, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided exact (Clopper-Pearson) intervals of rates ``successes / trials``, elementwise.

    Each end misses the true rate with probability at most ``(1 - confidence) / 2``; NaN where ``trials`` is 0
    (a rate of no rows is undefined, not 0 or 1)."""
    successes, trials = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    lower, upper = _exact_bounds(successes, trials, (1 - confidence) / 2)
    empty = trials <= 0
    return np.where(empty, np.nan, lower), np.where(empty, np.nan, upper)
