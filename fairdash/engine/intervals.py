"""Uncertainty from counts: an exact (Clopper-Pearson) interval of every rate, from its numerator and denominator
counts, and exact intervals of every disparity that hold whatever the number of groups.

Both hold their stated level at any count, including small groups and rates near 0 or 1, where a percentile
bootstrap of a rate falls far below it (see ``benchmarks/bench_coverage.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from fairdash.engine.metrics import DISPARITY_NAMES, DISPARITY_RATES, RATE_COLUMNS, checked_inputs, confusion_counts
from fairdash.engine.rates import RATES, fractions
from fairdash.engine.spec import SMALL_GROUP_SIZE

__all__ = [
    "Intervals",
    "RATE_INTERVAL_METHOD",
    "rate_fractions",
    "rate_intervals",
    "rate_intervals_many",
    "DISPARITY_INTERVAL_METHOD",
    "disparity_intervals",
    "metric_intervals",
    "exact_interval",
]


@dataclass(frozen=True)
class Intervals:
    """Confidence intervals for a metric table.

    ``lower`` and ``upper`` have the table's index (the groups) and its rate columns; ``overall`` has
    one row per rate and columns ``lower``, ``upper`` (all rows together); each is an exact interval of the rate
    (``rate_method``), NaN where the rate is undefined. ``disparities`` has one row per disparity and columns
    ``lower``, ``upper`` (``disparity_method``); ``too_small`` marks groups with fewer rows than the settings'
    small-group minimum, whose intervals are wide and whose rates should not be judged.
    """

    lower: pd.DataFrame
    upper: pd.DataFrame
    overall: pd.DataFrame
    disparities: pd.DataFrame
    too_small: pd.Series
    confidence: float
    rate_method: str = ""
    disparity_method: str = ""


RATE_INTERVAL_METHOD = (
    "exact (Clopper-Pearson) interval of each rate from its numerator and denominator counts, which covers the true "
    "rate at least at the stated level whatever the count, rates near 0 or 1 included"
)


def rate_fractions(counts: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every rate of :func:`fairdash.engine.metrics.rates` as its (numerator, denominator) counts, each shaped as ``counts``
    without its last axis (:func:`fairdash.engine.rates.fractions`).

    ``counts`` is ``(..., 4)`` (``tp, fp, tn, fn``) or ``(..., 6)`` with the rows whose outcome is not known, selected
    and not: the selection rate counts them too, every other rate only the known outcomes."""
    return fractions(np.asarray(counts, dtype=np.int64))


def _rate_bounds(counts: np.ndarray, confidence: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each rate's exact (lower, upper) bounds from counts ``(..., 4 or 6)``, NaN where its denominator is 0."""
    return {
        rate: exact_interval(successes, trials, confidence=confidence)
        for rate, (successes, trials) in rate_fractions(counts).items()
    }


def rate_intervals(
    counts: np.ndarray,
    labels: Sequence[str],
    *,
    judged: Sequence[str] | None = None,
    confidence: float = 0.95,
    min_group_size: int = SMALL_GROUP_SIZE,
) -> Intervals:
    """Exact intervals of every rate, per group and over all rows, and of every disparity, from per-group counts.

    Each rate's interval is the two-sided Clopper-Pearson interval of its numerator and denominator counts
    (:data:`RATE_INTERVAL_METHOD`, see :func:`rate_fractions`): it covers the true rate at least at ``confidence``
    at every count, rates near 0 or 1 included, and is NaN where the rate is undefined (an empty denominator).
    ``judged`` names the groups the disparities are taken over (default: all of them), e.g. the index of the table
    :func:`~fairdash.engine.metrics.drop_small_groups` leaves; see :func:`disparity_intervals`. ``too_small`` marks the
    groups with fewer than ``min_group_size`` rows.
    """
    counts = np.asarray(counts, dtype=np.int64)
    counts = counts.reshape(len(labels), counts.shape[-1] if counts.ndim == 2 and counts.shape[-1] == 6 else 4)
    index = pd.Index(list(labels), name="group", dtype=object)
    per_group, overall = _rate_bounds(counts, confidence), _rate_bounds(counts.sum(axis=0), confidence)
    kept = set(labels if judged is None else judged)
    columns = [position for position, label in enumerate(labels) if label in kept]
    return Intervals(
        lower=pd.DataFrame({rate: per_group[rate][0] for rate in RATE_COLUMNS}, index=index),
        upper=pd.DataFrame({rate: per_group[rate][1] for rate in RATE_COLUMNS}, index=index),
        overall=pd.DataFrame(
            {
                "lower": [float(overall[rate][0]) for rate in RATE_COLUMNS],
                "upper": [float(overall[rate][1]) for rate in RATE_COLUMNS],
            },
            index=pd.Index(RATE_COLUMNS, name="rate"),
        ),
        disparities=disparity_intervals(counts[columns], confidence=confidence),
        too_small=pd.Series(counts.sum(axis=1) < min_group_size, index=index, name="too_small"),
        confidence=confidence,
        rate_method=RATE_INTERVAL_METHOD,
        disparity_method=DISPARITY_INTERVAL_METHOD,
    )


DISPARITY_INTERVAL_METHOD = (
    "exact (Clopper-Pearson) bounds on every group's rate, combined so that the interval of a largest-minus-"
    "smallest disparity covers its true value at least at the stated level whatever the number of groups"
)


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
            successes, trials = RATES[rate].fraction([counts[:, cell] for cell in range(4)])
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
    selected, rows = RATES["selection_rate"].fraction([counts[:, cell] for cell in range(6)])
    unselected = rows - selected
    everyone = np.stack([selected, 0 * selected, unselected, 0 * selected], axis=1)
    label_free = ["demographic_parity_difference", "demographic_parity_ratio"]
    bounds.loc[label_free] = disparity_intervals(everyone, confidence=confidence).loc[label_free]
    return bounds


def metric_intervals(
    y_true: Any,
    y_pred: Any,
    sensitive: Any,
    *,
    positive_label: Any = 1,
    confidence: float = 0.95,
    min_group_size: int = SMALL_GROUP_SIZE,
) -> Intervals:
    """:func:`rate_intervals` for :func:`group_metrics` and :func:`disparities` of these predictions."""
    truth, predicted, codes, labels = checked_inputs(y_true, y_pred, sensitive, positive_label)
    counts = confusion_counts(truth, predicted, codes, len(labels))
    return rate_intervals(counts, labels, confidence=confidence, min_group_size=min_group_size)


def rate_intervals_many(
    counts_per_table: Sequence[np.ndarray],
    labels_per_table: Sequence[Sequence[str]],
    *,
    judged_per_table: Sequence[Sequence[str]] | None = None,
    confidence: float = 0.95,
    min_group_size: int = SMALL_GROUP_SIZE,
) -> list[Intervals]:
    """:func:`rate_intervals` of many count tables (a log's windows) at once, each equal to its own call.

    The tables are padded with empty groups to the largest and their bounds computed together: every rate's
    exact bounds in one call, and the disparities' bounds of all tables in one array. The tables must have the
    same number of count cells.
    """
    arrays = [np.asarray(counts, dtype=np.int64) for counts in counts_per_table]
    if not arrays:
        return []
    cells = arrays[0].shape[-1]  # a table of no groups keeps its cells
    tables = [array.reshape(len(labels), cells) for array, labels in zip(arrays, labels_per_table)]
    groups = max(len(table) for table in tables)
    padded = np.zeros((len(tables), groups, cells), dtype=np.int64)
    judged = np.zeros((len(tables), groups), dtype=bool)
    for position, (table, labels) in enumerate(zip(tables, labels_per_table)):
        padded[position, : len(table)] = table
        kept = set(labels if judged_per_table is None else judged_per_table[position])
        judged[position, : len(table)] = [label in kept for label in labels]
    per_group, overall = (
        _rate_bounds(padded, confidence),
        _rate_bounds(padded.sum(axis=1), confidence),
    )  # (tables, groups), (tables,)
    overall_bounds = np.stack([[overall[rate][end] for rate in RATE_COLUMNS] for end in (0, 1)], axis=-1)  # (rates, tables, 2)
    disparity_bounds = _disparity_bounds_many(padded, judged, confidence)  # (tables, disparities, 2)
    results = []
    for position, (table, labels) in enumerate(zip(tables, labels_per_table)):
        index, size = pd.Index(list(labels), name="group", dtype=object), len(table)
        results.append(
            Intervals(
                lower=pd.DataFrame({rate: per_group[rate][0][position, :size] for rate in RATE_COLUMNS}, index=index),
                upper=pd.DataFrame({rate: per_group[rate][1][position, :size] for rate in RATE_COLUMNS}, index=index),
                overall=pd.DataFrame(
                    overall_bounds[:, position], index=pd.Index(RATE_COLUMNS, name="rate"), columns=["lower", "upper"]
                ),
                disparities=pd.DataFrame(
                    disparity_bounds[position], index=pd.Index(DISPARITY_NAMES, name="disparity"), columns=["lower", "upper"]
                ),
                too_small=pd.Series(table.sum(axis=1) < min_group_size, index=index, name="too_small"),
                confidence=confidence,
                rate_method=RATE_INTERVAL_METHOD,
                disparity_method=DISPARITY_INTERVAL_METHOD,
            )
        )
    return results


def _disparity_bounds_many(counts: np.ndarray, judged: np.ndarray, confidence: float) -> np.ndarray:
    """:func:`disparity_intervals` of many tables ``(tables, groups, 4 or 6)``, over each table's ``judged`` groups
    ``(tables, groups)``, as an array ``(tables, disparities, 2)`` (lower, upper) in :data:`DISPARITY_NAMES` order."""
    bounds = np.empty((counts.shape[0], len(DISPARITY_NAMES), 2))
    for name, rate_names in DISPARITY_RATES.items():
        difference, ratio = _bounds_of_one_disparity(counts[..., :4], judged, rate_names, (1 - confidence) / 2)
        bounds[:, DISPARITY_NAMES.index(f"{name}_difference")] = difference
        bounds[:, DISPARITY_NAMES.index(f"{name}_ratio")] = ratio
    if counts.shape[-1] == 6:  # as _with_unknown_outcomes: the selection rate's disparities count every row
        selected, rows = RATES["selection_rate"].fraction([counts[..., cell] for cell in range(6)])
        unselected = rows - selected
        everyone = np.stack([selected, 0 * selected, unselected, 0 * selected], axis=-1)
        difference, ratio = _bounds_of_one_disparity(
            everyone, judged, DISPARITY_RATES["demographic_parity"], (1 - confidence) / 2
        )
        bounds[:, DISPARITY_NAMES.index("demographic_parity_difference")] = difference
        bounds[:, DISPARITY_NAMES.index("demographic_parity_ratio")] = ratio
    return bounds


def _bounds_of_one_disparity(
    counts: np.ndarray, judged: np.ndarray, rate_names: Sequence[str], half_error: float
) -> tuple[np.ndarray, np.ndarray]:
    """One disparity's (difference, ratio) bounds, each ``(tables, 2)``: :func:`disparity_intervals`' rule,
    with every table's groups in one array (a group outside ``judged`` or with an empty denominator is masked)."""
    parts = []
    for rate in rate_names:
        successes, trials = RATES[rate].fraction([counts[..., cell] for cell in range(4)])
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
            rate_difference = np.stack(
                [np.maximum(0.0, top(wide_low) - bottom(wide_high)), top(narrow_high) - bottom(narrow_low)], axis=1
            )
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
