"""Per-group confusion counts, and every rate and disparity derived from them.

Everything starts from one table of counts per group (true/false positives/negatives), computed in a
single vectorized pass: the groups are factorized and ``np.bincount`` counts the four cells of every
group at once. Rates, disparities and bootstrap intervals are arithmetic on those counts, so the
threshold slider (:mod:`fairdash.thresholds`) and the report reuse the same functions.

Definitions follow Fairlearn: a between-groups *difference* is the largest group value minus the
smallest, a *ratio* the smallest over the largest. As in Fairlearn's ``MetricFrame`` (``by_group``
beside ``overall``), a metric table holds the groups only; :func:`overall_metrics` gives the figures
over all rows, so no group label can be mistaken for the overall row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from fairdash.data import SMALL_GROUP_SIZE, GroupCodes, brief, group_codes
from fairdash.errors import InvalidInputError

COUNT_COLUMNS = ("tp", "fp", "tn", "fn")
RATE_COLUMNS = ("base_rate", "selection_rate", "tpr", "fpr", "fnr", "tnr", "precision", "accuracy")
METRIC_COLUMNS = ("count",) + RATE_COLUMNS + COUNT_COLUMNS

RATE_NAMES = {
    "count": "Rows",
    "base_rate": "Base rate",
    "selection_rate": "Selection rate",
    "tpr": "True positive rate",
    "fpr": "False positive rate",
    "fnr": "False negative rate",
    "tnr": "True negative rate",
    "precision": "Precision",
    "accuracy": "Accuracy",
}

# Which rate each disparity compares between groups.
DISPARITY_RATES = {
    "demographic_parity": ("selection_rate",),
    "equal_opportunity": ("tpr",),
    "equalized_odds": ("tpr", "fpr"),
    "predictive_parity": ("precision",),
}
DISPARITY_NAMES = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "predictive_parity_difference",
    "predictive_parity_ratio",
)
FOUR_FIFTHS = 0.8


def as_bool(values: Any, positive_label: Any = 1) -> np.ndarray:
    """``values == positive_label`` as a boolean array; a boolean input is taken as it is."""
    array = np.asarray(values)
    if array.dtype == bool:
        return array
    return np.asarray(array == positive_label, dtype=bool)


def sensitive_codes(sensitive: Any) -> GroupCodes:
    """Group codes and sorted labels for a Series, an array, or a DataFrame of several columns
    (a :class:`~fairdash.data.GroupCodes` is taken as it is)."""
    if isinstance(sensitive, GroupCodes):
        return sensitive
    if isinstance(sensitive, pd.DataFrame):
        return group_codes(sensitive, list(sensitive.columns))
    if isinstance(sensitive, pd.Series):
        return group_codes(sensitive.to_frame(name="group"), ["group"])
    return group_codes(pd.DataFrame({"group": np.asarray(sensitive)}), ["group"])


def confusion_counts(y_true: np.ndarray, y_pred: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Counts per group in one pass: an ``(n_groups, 4)`` array of ``tp, fp, tn, fn``."""
    cell = codes * 4 + (y_true.astype(np.int64) << 1) + y_pred  # 0 tn, 1 fp, 2 fn, 3 tp
    tn_fp_fn_tp = np.bincount(cell, minlength=4 * n_groups).reshape(n_groups, 4)
    return tn_fp_fn_tp[:, [3, 1, 0, 2]]


def _checked(y_true: Any, y_pred: Any, sensitive: Any, positive_label: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    truth = as_bool(y_true, positive_label).ravel()
    predicted = as_bool(y_pred, positive_label).ravel()
    codes, labels = sensitive_codes(sensitive)
    if not (len(truth) == len(predicted) == len(codes)):
        raise InvalidInputError(
            f"y_true, y_pred and sensitive must have one value per row; got {len(truth)}, {len(predicted)} and {len(codes)}."
        )
    return truth, predicted, codes, labels


def rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Every rate from counts ``(..., 4)`` (``tp, fp, tn, fn`` on the last axis); NaN where a denominator is 0.

    Counts ``(..., 6)`` add the rows whose outcome is not known yet, selected and not (a decision log's
    recent rows): they count for the selection rate only; every other rate is over the known outcomes."""
    tp, fp, tn, fn = (counts[..., i].astype(float) for i in range(4))
    n = tp + fp + tn + fn
    positives, negatives, selected = tp + fn, fp + tn, tp + fp
    unknown_selected, unknown = (counts[..., 4].astype(float), counts[..., 4:].sum(axis=-1).astype(float)) if counts.shape[-1] == 6 else (0.0, 0.0)

    def divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        return np.divide(numerator, denominator, out=np.full_like(numerator, np.nan), where=denominator > 0)

    return {
        "base_rate": divide(positives, n),
        "selection_rate": divide(selected + unknown_selected, n + unknown),
        "tpr": divide(tp, positives),
        "fpr": divide(fp, negatives),
        "fnr": divide(fn, positives),
        "tnr": divide(tn, negatives),
        "precision": divide(tp, selected),
        "accuracy": divide(tp + tn, n),
    }


def table_from_counts(counts: np.ndarray, labels: Sequence[str]) -> pd.DataFrame:
    """The metric table (one row per group) from a ``(groups, 4)`` count array; from ``(groups, 6)`` (see
    :func:`rates`), ``count`` holds every row and the column ``unknown`` those whose outcome is not known."""
    counts = np.asarray(counts, dtype=np.int64)
    counts = counts.reshape(-1, counts.shape[-1] if counts.ndim == 2 and counts.shape[-1] == 6 else 4)
    columns = {"count": counts.sum(axis=1), **rates(counts)}
    columns.update((name, counts[:, position]) for position, name in enumerate(COUNT_COLUMNS))
    if counts.shape[1] == 6:
        columns["unknown"] = counts[:, 4] + counts[:, 5]
    # Built in one constructor call (no inserts): this runs on every slider move.
    return pd.DataFrame(columns, index=pd.Index(list(labels), name="group", dtype=object))


def overall_from_counts(counts: np.ndarray) -> pd.Series:
    """The metrics over all rows (Fairlearn's ``MetricFrame.overall``) from per-group counts ``(groups, 4 or 6)``."""
    total = np.asarray(counts, dtype=np.int64).sum(axis=0)
    values = {"count": int(total.sum()), **{rate: float(value) for rate, value in rates(total).items()}}
    values.update((name, int(total[position])) for position, name in enumerate(COUNT_COLUMNS))
    return pd.Series(values, name="overall", dtype=object)


def overall_metrics(table: pd.DataFrame) -> pd.Series:
    """The metrics over all rows of a metric table (Fairlearn's ``MetricFrame.overall``), from its counts."""
    counts = table[list(COUNT_COLUMNS)].to_numpy(dtype=np.int64).sum(axis=0)
    values = {"count": int(counts.sum()), **{rate: float(value) for rate, value in rates(counts).items()}}
    values.update((name, int(counts[position])) for position, name in enumerate(COUNT_COLUMNS))
    return pd.Series(values, name="overall", dtype=object)


def group_metrics(y_true: Any, y_pred: Any, sensitive: Any, *, positive_label: Any = 1) -> pd.DataFrame:
    """Per-group metrics of binary predictions.

    Parameters
    ----------
    y_true, y_pred : array-like
        True and predicted labels (``positive_label`` marks the positive class), or booleans.
    sensitive : Series, array or DataFrame
        The group of each row; several columns make intersectional groups ``"a | b"``. A missing
        value is its own group, ``"(missing)"``.
    positive_label : default 1

    Returns
    -------
    pandas.DataFrame
        One row per group (sorted by label; see :func:`fairdash.data.group_codes`); columns
        ``count``, the rates ``base_rate, selection_rate, tpr, fpr, fnr, tnr, precision, accuracy``
        (NaN where the denominator is 0) and the counts ``tp, fp, tn, fn``. The figures over all
        rows are :func:`overall_metrics` of it.

    Examples
    --------
    >>> group_metrics([1, 0, 1, 1], [1, 0, 0, 1], ["a", "a", "b", "b"]).loc["b", "tpr"]
    np.float64(0.5)
    """
    truth, predicted, codes, labels = _checked(y_true, y_pred, sensitive, positive_label)
    return table_from_counts(confusion_counts(truth, predicted, codes, len(labels)), labels)


def _between_groups(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest minus smallest, and smallest over largest, along the last axis.

    Groups where the rate is undefined (NaN) are left out; with fewer than two groups left, there is
    nothing to compare and the result is NaN (not 0, which would read as "perfectly fair").
    """
    if values.shape[-1] == 0:  # no group at all (e.g. every group too small to judge)
        undefined = np.full(values.shape[:-1], np.nan)
        return undefined, undefined.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        all_nan = np.sum(~np.isnan(values), axis=-1) < 2
        safe = np.where(all_nan[..., None], 0.0, values)
        high = np.where(all_nan, np.nan, np.nanmax(safe, axis=-1))
        low = np.where(all_nan, np.nan, np.nanmin(safe, axis=-1))
        ratio = np.where(high > 0, low / np.where(high > 0, high, 1.0), np.nan)
    return high - low, ratio


def disparities_from_rates(group_rates: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every disparity from per-group rates (groups on the last axis; leading axes are kept)."""
    result: dict[str, np.ndarray] = {}
    for name, (first, *others) in DISPARITY_RATES.items():
        difference, ratio = _between_groups(group_rates[first])
        for other in others:  # equalized odds: the worse of the two rates
            other_difference, other_ratio = _between_groups(group_rates[other])
            difference = np.fmax(difference, other_difference)
            ratio = np.fmin(ratio, other_ratio)
        result[f"{name}_difference"] = difference
        result[f"{name}_ratio"] = ratio
    return result


def disparities_from_table(table: pd.DataFrame) -> dict[str, Any]:
    """The disparity summary of a metric table (as returned by :func:`group_metrics`)."""
    values = disparities_from_rates({rate: table[rate].to_numpy(dtype=float) for rate in RATE_COLUMNS})
    result: dict[str, Any] = {name: float(values[name]) for name in DISPARITY_NAMES}
    # The demographic parity ratio's verdict, as the findings decide it: undefined (None), not failed, when the
    # ratio is (see undefined_reason for why).
    result["four_fifths_pass"] = verdict(result["demographic_parity_ratio"], verdict_rules()["demographic_parity_ratio"])
    return result


_DENOMINATORS = {"selection_rate": "rows", "tpr": "true positives", "fpr": "true negatives", "precision": "selected rows"}
_RATE_TEXT = {"selection_rate": "selection rate", "tpr": "true positive rate", "fpr": "false positive rate", "precision": "precision"}


def undefined_reason(table: pd.DataFrame, name: str) -> str | None:
    """Why a disparity of this metric table is undefined (NaN), in plain words; ``None`` when it is defined.

    A difference needs two groups whose rate is defined (a rate is undefined in a group with no row
    in its denominator: no true positives for the TPR, nobody selected for precision); a ratio also
    needs the highest rate above 0.
    """
    if not np.isnan(disparities_from_table(table)[name]):
        return None
    return _why_undefined(table, name)


def _why_undefined(table: pd.DataFrame, name: str) -> str:
    if len(table) < 2:
        return "fewer than two groups to compare (groups under the small-group minimum are left out)"
    reasons = []
    for rate in DISPARITY_RATES[name.rsplit("_", 1)[0]]:
        values = table[rate].astype(float)
        defined = values.dropna()
        if len(defined) < 2:
            without = [str(label) for label in values.index[values.isna()]]
            shown = ", ".join(without[:5]) + (f" and {len(without) - 5} more" if len(without) > 5 else "")
            count = "no group" if len(defined) == 0 else "only one group"
            reasons.append(f"{count} has a defined {_RATE_TEXT[rate]}"
                           + (f" ({shown}: no {_DENOMINATORS[rate]})" if without else ""))
        elif name.endswith("_ratio") and defined.max() <= 0:
            reasons.append(f"the highest {_RATE_TEXT[rate]} is 0, and a ratio to 0 is undefined")
    return "; ".join(reasons) or "fewer than two groups define it"


def disparities(
    y_true: Any, y_pred: Any, sensitive: Any, *, reference: str | None = None, positive_label: Any = 1
) -> dict[str, Any]:
    """Between-group disparities of binary predictions, as Fairlearn defines them.

    Returns
    -------
    dict
        ``demographic_parity_difference`` / ``_ratio`` (selection rate), ``equal_opportunity_difference``
        / ``_ratio`` (true positive rate), ``equalized_odds_difference`` (the larger of the TPR and FPR
        differences) / ``_ratio`` (the smaller of the two ratios), ``predictive_parity_difference`` /
        ``_ratio`` (precision), and ``four_fifths_pass``: every group's selection rate is at least
        four fifths of the highest. With ``reference``, also ``reference`` and
        ``selection_rate_ratio_to_reference`` (the lowest group's selection rate over the reference's).
    """
    table = group_metrics(y_true, y_pred, sensitive, positive_label=positive_label)
    result = disparities_from_table(table)
    if reference is not None:
        comparison = compare_to_reference(table, reference)
        result["reference"] = reference
        result["selection_rate_ratio_to_reference"] = float(comparison["selection_rate_ratio"].min())
    return result


def compare_to_reference(table: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Each group's rates against the reference group's: differences (group minus reference) and ratios."""
    if reference not in table.index:
        shown = ", ".join(map(str, table.index[:10])) + (" ..." if len(table) > 10 else "")
        raise InvalidInputError(f"The reference group {brief(reference)} is not among the groups ({shown}).")
    base = table.loc[reference]
    comparison = pd.DataFrame(index=table.index)
    for rate in ("selection_rate", "tpr", "fpr", "precision", "accuracy"):
        comparison[f"{rate}_difference"] = table[rate] - base[rate]
    with np.errstate(divide="ignore", invalid="ignore"):
        comparison["selection_rate_ratio"] = table["selection_rate"] / base["selection_rate"] if base["selection_rate"] > 0 else np.nan
    comparison["four_fifths_pass"] = comparison["selection_rate_ratio"] >= FOUR_FIFTHS
    return comparison


@dataclass(frozen=True)
class Intervals:
    """Bootstrap confidence intervals for a metric table.

    ``lower`` and ``upper`` have the table's index (the groups) and its rate columns; ``overall`` has
    one row per rate and columns ``lower``, ``upper`` (all rows together);
    ``disparities`` has one row per disparity and columns ``lower``, ``upper``; ``too_small`` marks
    groups with fewer rows than :data:`fairdash.data.SMALL_GROUP_SIZE`, whose intervals are wide and
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
    truth, predicted, codes, labels = _checked(y_true, y_pred, sensitive, positive_label)
    counts = confusion_counts(truth, predicted, codes, len(labels))
    return bootstrap_intervals(counts, labels, n_resamples=n_resamples, confidence=confidence, random_state=random_state)


DEFAULT_TOLERANCE = 0.1


VERDICT_SLACK = 1e-12
"""A difference this far above the tolerance still passes: 0.1 computed as 0.30000000000000004 - 0.2 is 0.1."""


def verdict_rules(tolerance: float = DEFAULT_TOLERANCE) -> dict[str, dict[str, Any] | None]:
    """The rule each disparity is judged by: ``{"at_least": 0.8}`` for the selection-rate ratio (the four-fifths
    rule), ``{"at_most": tolerance}`` for every difference, ``None`` for the other ratios (no rule sets a bar
    for them). The one place verdicts are decided: :func:`verdict` applies it, and the report's script
    receives it with :data:`VERDICT_SLACK` rather than writing it again."""
    check_tolerance(tolerance)
    return {name: {"at_least": FOUR_FIFTHS} if name == "demographic_parity_ratio" else None if name.endswith("_ratio")
            else {"at_most": tolerance} for name in DISPARITY_NAMES}


def verdict(value: float, rule: dict[str, Any] | None) -> bool | None:
    """Whether ``value`` passes ``rule`` (one of :func:`verdict_rules`); ``None`` without a rule or a value (undefined)."""
    if rule is None or value is None or np.isnan(value):
        return None
    if "at_least" in rule:
        return bool(value >= rule["at_least"])
    return bool(value <= rule["at_most"] + VERDICT_SLACK)


def rule_text(rule: dict[str, Any] | None) -> str:
    """``">= 0.8"``, ``"<= 0.1"``, or ``""`` without a rule."""
    if rule is None:
        return ""
    return f">= {rule['at_least']:g}" if "at_least" in rule else f"<= {rule['at_most']:g}"


def disparity_findings(table: pd.DataFrame, *, reference: str | None = None, tolerance: float = DEFAULT_TOLERANCE) -> pd.DataFrame:
    """Each disparity with its verdict and a sentence in plain words.

    Differences pass at ``tolerance`` or less; the selection-rate ratio passes at four fifths
    (0.8) or more (the four-fifths rule). The other ratios are shown without a verdict: no rule
    sets a bar for them. A disparity that is undefined (see :func:`undefined_reason`) neither passes
    nor fails, and its sentence says why.

    Returns
    -------
    pandas.DataFrame
        Index: disparity name; columns ``value``, ``rule`` (e.g. ``">= 0.8"``, or ``""`` where none
        applies), ``passed`` (True, False, or None), ``sentence``, ``undefined`` (the reason, or None).
    """
    summary = disparities_from_table(table)
    sentences = _sentences(table, reference)
    rows = []
    rules = verdict_rules(tolerance)
    for name in DISPARITY_NAMES:
        value = summary[name]
        reason = _why_undefined(table, name) if np.isnan(value) else None
        rule, passed = rule_text(rules[name]), verdict(value, rules[name])
        sentence = f"Undefined: {reason}." if reason is not None else sentences.get(name, "")
        rows.append({"disparity": name, "value": value, "rule": rule, "passed": passed, "sentence": sentence, "undefined": reason})
    findings = pd.DataFrame(index=pd.Index([row.pop("disparity") for row in rows], name="disparity"))
    for column in rows[0]:
        # object columns built from lists keep None as None (a frame built from records makes it NaN)
        values = [row[column] for row in rows]
        findings[column] = np.array(values, dtype=float) if column == "value" else pd.Series(values, index=findings.index, dtype=object)
    return findings


def _sentences(groups: pd.DataFrame, reference: str | None) -> dict[str, str]:
    """Each disparity in plain words, naming the groups at its extremes (the reference group's ratio too)."""
    def extremes(rate: str) -> tuple[str, float, str, float] | None:
        values = groups[rate].dropna()
        if len(values) < 2:
            return None
        return values.idxmin(), values.min(), values.idxmax(), values.max()

    sentences: dict[str, str] = {}
    selection = extremes("selection_rate")
    if selection and selection[1] == selection[3]:  # every group alike: no group to set against another
        sentences["demographic_parity_ratio"] = sentences["demographic_parity_difference"] = (
            f"Every group is selected at the same rate ({selection[1]:.1%}).")
    elif selection:
        low, low_value, high, high_value = selection
        ratio = low_value / high_value if high_value > 0 else float("nan")
        sentences["demographic_parity_ratio"] = (
            f"{low} is selected at {ratio:.2f} times the rate of {high} ({low_value:.1%} against {high_value:.1%})."
        )
        sentences["demographic_parity_difference"] = (
            f"Selection rates range from {low_value:.1%} ({low}) to {high_value:.1%} ({high})."
        )
        if reference not in (None, high) and reference in groups.index and groups.loc[reference, "selection_rate"] > 0:
            versus = (groups["selection_rate"] / groups.loc[reference, "selection_rate"]).drop(index=reference).dropna()
            if len(versus):
                sentences["demographic_parity_ratio"] += (
                    f" Against the reference {reference}, the lowest is {versus.idxmin()} at {versus.min():.2f} times its rate."
                )
    true_positive = extremes("tpr")
    if true_positive:
        low, low_value, high, high_value = true_positive
        text = (f"Of the people who truly are positive, the model selects {low_value:.1%} in {low} "
                f"but {high_value:.1%} in {high}.")
        sentences["equal_opportunity_difference"] = sentences["equal_opportunity_ratio"] = text
    false_positive = extremes("fpr")
    if true_positive and false_positive:
        low, low_value, high, high_value = false_positive
        sentences["equalized_odds_difference"] = sentences["equalized_odds_ratio"] = (
            sentences["equal_opportunity_difference"]
            + f" Of those who truly are negative, it wrongly selects {low_value:.1%} in {low} and {high_value:.1%} in {high}."
        )
    precision = extremes("precision")
    if precision:
        low, low_value, high, high_value = precision
        sentences["predictive_parity_difference"] = sentences["predictive_parity_ratio"] = (
            f"When the model selects someone it is right {low_value:.1%} of the time in {low} and {high_value:.1%} in {high}."
        )

    return sentences


def check_tolerance(tolerance: float) -> float:
    """``tolerance`` as a float; raises unless it is a number from 0 to 1."""
    try:
        value = float(tolerance)
    except (TypeError, ValueError):
        raise InvalidInputError(f"The tolerance must be a number from 0 to 1; got {tolerance!r}.") from None
    if not 0 <= value <= 1:  # also refuses NaN
        raise InvalidInputError(f"The tolerance must be a number from 0 to 1; got {tolerance!r}.")
    return value


def drop_small_groups(table: pd.DataFrame, *, min_count: int = SMALL_GROUP_SIZE) -> tuple[pd.DataFrame, list[str]]:
    """The table without groups under ``min_count`` rows, and the labels left out.

    Small groups' rates swing by chance; a disparity driven by a group of 11 people says little. The rule
    is the same however the rows were counted (in memory, DuckDB, Spark): when fewer than two groups have
    ``min_count`` rows, the disparities are undefined (:func:`undefined_reason` says why), never judged on
    the small groups after all.
    """
    counts = table["count"]
    small = counts[counts < min_count].index.tolist()
    return table.drop(index=small), small


def formatted_table(table: pd.DataFrame, intervals: Intervals | None = None) -> pd.DataFrame:
    """The metric table as text for people: rates as percentages with their interval, counts with separators."""
    shown = pd.DataFrame(index=table.index)
    shown["Rows"] = table["count"].map("{:,}".format)
    for rate in ("base_rate", "selection_rate", "tpr", "fpr", "fnr", "precision", "accuracy"):
        values = table[rate]
        if intervals is None:
            shown[RATE_NAMES[rate]] = values.map(_percent)
        else:
            lower, upper = intervals.lower.loc[table.index, rate], intervals.upper.loc[table.index, rate]
            shown[RATE_NAMES[rate]] = [
                _percent(value) + ("" if np.isnan(low) else f" ({low * 100:.1f}–{high * 100:.1f})")
                for value, low, high in zip(values, lower, upper)
            ]
    if intervals is not None:
        shown["Note"] = ["too few rows to judge" if small else "" for small in intervals.too_small.loc[table.index]]
    return shown


def formatted_overall(table: pd.DataFrame, intervals: Intervals | None = None) -> pd.DataFrame:
    """:func:`formatted_table`'s columns for all rows together, as one row (kept apart from the groups)."""
    overall = overall_metrics(table)
    shown = {"Rows": f"{overall['count']:,}"}
    for rate in ("base_rate", "selection_rate", "tpr", "fpr", "fnr", "precision", "accuracy"):
        text = _percent(overall[rate])
        if intervals is not None and not np.isnan(intervals.overall.loc[rate, "lower"]):
            low, high = intervals.overall.loc[rate, ["lower", "upper"]]
            text += f" ({low * 100:.1f}–{high * 100:.1f})"
        shown[RATE_NAMES[rate]] = text
    return pd.DataFrame([shown], index=pd.Index(["all rows"], name="overall"))


def _percent(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value * 100:.1f}%"
