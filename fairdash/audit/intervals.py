"""Uncertainty from counts: bootstrap intervals of every rate (resampling counts, not rows) and exact intervals
of every disparity that hold whatever the number of groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from fairdash.audit.metrics import DISPARITY_NAMES, DISPARITY_RATES, RATE_COLUMNS, checked_inputs, confusion_counts, rates
from fairdash.audit.spec import SMALL_GROUP_SIZE

__all__ = [
    "Intervals", "bootstrap_intervals", "bootstrap_intervals_many", "REPLICATE_CELLS", "DISPARITY_INTERVAL_METHOD", "disparity_intervals",
    "resample_counts", "replicate_quantile", "metric_intervals", "exact_interval",
]


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


REPLICATE_CELLS = 4_000_000
"""How many replicate counts :func:`bootstrap_intervals_many` holds at once (32 MB of them): tables beyond it go in
batches, so a log of thousands of windows times many groups needs no more memory than a few hundred."""


def bootstrap_intervals_many(
    counts_per_table: Sequence[np.ndarray],
    labels_per_table: Sequence[Sequence[str]],
    *,
    judged_per_table: Sequence[Sequence[str]] | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    random_state: int = 0,
) -> list[Intervals]:
    """:func:`bootstrap_intervals` of many count tables (a log's windows) at once, each equal to its own call.

    Each table's replicates are drawn as :func:`bootstrap_intervals` draws them (a generator seeded with
    ``random_state`` for each table, so a window's intervals do not depend on the windows before it): that is
    one call per table, as the draws of one seeded stream cannot be shared. Everything after the draws (the
    rates, their quantiles, the exact bounds of the disparities) is computed for many tables together, the
    tables padded with empty groups to the largest, in batches of at most :data:`REPLICATE_CELLS` replicate
    counts. The tables must have the same number of count cells.
    """
    tables = [np.asarray(counts, dtype=np.int64).reshape(len(labels), -1) for counts, labels in zip(counts_per_table, labels_per_table)]
    if not tables:
        return []
    judged = [list(labels if judged_per_table is None else judged_per_table[position]) for position, labels in enumerate(labels_per_table)]
    per_table = n_resamples * max(len(table) for table in tables) * tables[0].shape[1]
    batch = max(1, REPLICATE_CELLS // max(per_table, 1))
    results: list[Intervals] = []
    for first in range(0, len(tables), batch):
        chosen = slice(first, first + batch)
        results += _intervals_of_batch(tables[chosen], labels_per_table[chosen], judged[chosen], n_resamples, confidence, random_state)
    return results


def _intervals_of_batch(tables: Sequence[np.ndarray], labels_per_table: Sequence[Sequence[str]], judged_per_table: Sequence[Sequence[str]],
                        n_resamples: int, confidence: float, random_state: int) -> list[Intervals]:
    """:func:`bootstrap_intervals_many` of one batch of tables, computed together."""
    groups, cells = max(len(table) for table in tables), tables[0].shape[1]
    padded = np.zeros((len(tables), groups, cells), dtype=np.int64)
    draws = np.zeros((n_resamples, len(tables), groups, cells), dtype=np.int64)
    judged = np.zeros((len(tables), groups), dtype=bool)
    for position, (table, labels, kept) in enumerate(zip(tables, labels_per_table, judged_per_table)):
        padded[position, : len(table)] = table
        draws[:, position, : len(table)] = resample_counts(table, n_resamples, np.random.default_rng(random_state))
        kept = set(kept)
        judged[position, : len(table)] = [label in kept for label in labels]
    alpha = (1 - confidence) / 2
    per_group, overall = rates(draws), rates(draws.sum(axis=2))
    lower = {rate: _quantile_over_replicates(per_group[rate], alpha) for rate in RATE_COLUMNS}  # each (tables, groups)
    upper = {rate: _quantile_over_replicates(per_group[rate], 1 - alpha) for rate in RATE_COLUMNS}
    overall_bounds = np.stack([[_quantile_over_replicates(overall[rate], q) for rate in RATE_COLUMNS] for q in (alpha, 1 - alpha)], axis=-1)
    disparity_bounds = _disparity_bounds_many(padded, judged, confidence)  # (tables, disparities, 2)
    results = []
    for position, (table, labels) in enumerate(zip(tables, labels_per_table)):
        index, size = pd.Index(list(labels), name="group", dtype=object), len(table)
        results.append(Intervals(
            lower=pd.DataFrame({rate: lower[rate][position, :size] for rate in RATE_COLUMNS}, index=index),
            upper=pd.DataFrame({rate: upper[rate][position, :size] for rate in RATE_COLUMNS}, index=index),
            overall=pd.DataFrame(overall_bounds[:, position], index=pd.Index(RATE_COLUMNS, name="rate"), columns=["lower", "upper"]),
            disparities=pd.DataFrame(disparity_bounds[position], index=pd.Index(DISPARITY_NAMES, name="disparity"), columns=["lower", "upper"]),
            too_small=pd.Series(table.sum(axis=1) < SMALL_GROUP_SIZE, index=index, name="too_small"),
            confidence=confidence, n_resamples=n_resamples, random_state=random_state, disparity_method=DISPARITY_INTERVAL_METHOD,
        ))
    return results


def _quantile_over_replicates(values: np.ndarray, q: float) -> np.ndarray:
    """:func:`replicate_quantile` for any shape at once: the ``q`` quantile over axis 0 leaving NaN out, by numpy's
    default ("linear") method, step for step as :func:`numpy.nanquantile` takes it; NaN where every replicate is."""
    ordered = np.sort(values, axis=0)  # NaN sorts last, so the defined values lead each column
    defined = np.count_nonzero(~np.isnan(values), axis=0)
    virtual = (defined - 1) * q
    below = np.floor(virtual)
    gamma = virtual - below
    below = np.clip(below, 0, None).astype(np.intp)
    above = np.minimum(below + 1, np.maximum(defined - 1, 0))
    low = np.take_along_axis(ordered, below[None], axis=0)[0]
    high = np.take_along_axis(ordered, above[None], axis=0)[0]
    with np.errstate(invalid="ignore"):
        step = high - low
        # numpy's _lerp: from the lower neighbour below the middle, from the upper one from it on.
        result = np.where(gamma >= 0.5, high - step * (1 - gamma), low + step * gamma)
    return np.where(defined == 0, np.nan, result)


def _disparity_bounds_many(counts: np.ndarray, judged: np.ndarray, confidence: float) -> np.ndarray:
    """:func:`disparity_intervals` of many tables ``(tables, groups, 4 or 6)``, over each table's ``judged`` groups
    ``(tables, groups)``, as an array ``(tables, disparities, 2)`` (lower, upper) in :data:`DISPARITY_NAMES` order."""
    bounds = np.empty((counts.shape[0], len(DISPARITY_NAMES), 2))
    for name, rate_names in DISPARITY_RATES.items():
        difference, ratio = _bounds_of_one_disparity(counts[..., :4], judged, rate_names, (1 - confidence) / 2)
        bounds[:, DISPARITY_NAMES.index(f"{name}_difference")] = difference
        bounds[:, DISPARITY_NAMES.index(f"{name}_ratio")] = ratio
    if counts.shape[-1] == 6:  # as _with_unknown_outcomes: the selection rate's disparities count every row
        selected, unselected = counts[..., [0, 1, 4]].sum(axis=-1), counts[..., [2, 3, 5]].sum(axis=-1)
        everyone = np.stack([selected, 0 * selected, unselected, 0 * selected], axis=-1)
        difference, ratio = _bounds_of_one_disparity(everyone, judged, DISPARITY_RATES["demographic_parity"], (1 - confidence) / 2)
        bounds[:, DISPARITY_NAMES.index("demographic_parity_difference")] = difference
        bounds[:, DISPARITY_NAMES.index("demographic_parity_ratio")] = ratio
    return bounds


def _bounds_of_one_disparity(counts: np.ndarray, judged: np.ndarray, rate_names: Sequence[str],
                             half_error: float) -> tuple[np.ndarray, np.ndarray]:
    """One disparity's (difference, ratio) bounds, each ``(tables, 2)``: :func:`disparity_intervals`' rule,
    with every table's groups in one array (a group outside ``judged`` or with an empty denominator is masked)."""
    parts = []
    for rate in rate_names:
        numerator, denominator = _RATE_CELLS[rate]
        successes, trials = counts[..., list(numerator)].sum(axis=-1), counts[..., list(denominator)].sum(axis=-1)
        defined = judged & (trials > 0)
        parts.append((successes, trials, defined, defined.sum(axis=1) >= 2))  # a rate defined in fewer than two groups drops out
    included = sum(part[3].astype(np.int64) for part in parts)
    spread = sum(2 * part[2].sum(axis=1) * part[3] for part in parts)
    narrow_error = (half_error / (2 * np.maximum(included, 1)))[:, None]
    wide_error = (half_error / np.maximum(spread, 1))[:, None]
    tables = counts.shape[0]
    difference = np.full((tables, 2), -np.inf)
    ratio = np.full((tables, 2), np.inf)
    has_ratio = np.zeros(tables, dtype=bool)
    for successes, trials, defined, kept in parts:
        narrow_low, narrow_high = _exact_bounds(successes, trials, narrow_error)
        wide_low, wide_high = _exact_bounds(successes, trials, wide_error)
        def top(values: np.ndarray) -> np.ndarray:
            return np.where(defined, values, -np.inf).max(axis=1)

        def bottom(values: np.ndarray) -> np.ndarray:
            return np.where(defined, values, np.inf).min(axis=1)

        with np.errstate(invalid="ignore", divide="ignore"):
            rate_difference = np.stack([np.maximum(0.0, top(wide_low) - bottom(wide_high)), top(narrow_high) - bottom(narrow_low)], axis=1)
            wide_ratio = np.where(top(wide_low) <= 0, 1.0, np.minimum(1.0, bottom(wide_high) / top(wide_low)))
            rate_ratio = np.stack([bottom(narrow_low) / top(narrow_high), wide_ratio], axis=1)
        difference = np.where(kept[:, None], np.maximum(difference, rate_difference), difference)
        with_ratio = kept & (top(np.where(defined, successes, 0)) > 0)  # every rate 0: the ratio is undefined
        ratio = np.where(with_ratio[:, None], np.minimum(ratio, rate_ratio), ratio)
        has_ratio |= with_ratio
    return np.where(included[:, None] > 0, difference, np.nan), np.where(has_ratio[:, None], ratio, np.nan)


def exact_interval(successes: Any, trials: Any, *, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided exact (Clopper-Pearson) intervals of rates ``successes / trials``, elementwise.

    Each end misses the true rate with probability at most ``(1 - confidence) / 2``; NaN where ``trials`` is 0
    (a rate of no rows is undefined, not 0 or 1)."""
    successes, trials = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    lower, upper = _exact_bounds(successes, trials, (1 - confidence) / 2)
    empty = trials <= 0
    return np.where(empty, np.nan, lower), np.where(empty, np.nan, upper)
