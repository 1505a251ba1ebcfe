"""Per-group confusion counts, and every rate and disparity derived from them.

Everything starts from one table of counts per group (true/false positives/negatives), computed in a
single vectorized pass: the groups are factorized and ``np.bincount`` counts the four cells of every
group at once. Rates, disparities and their intervals are arithmetic on those counts, so the
threshold slider (:mod:`fairdash.engine.thresholds`) and the report reuse the same functions.

Definitions follow Fairlearn: a between-groups *difference* is the largest group value minus the
smallest, a *ratio* the smallest over the largest. As in Fairlearn's ``MetricFrame`` (``by_group``
beside ``overall``), a metric table holds the groups only; :func:`overall_metrics` gives the figures
over all rows, so no group label can be mistaken for the overall row.

The rule each disparity is judged by is decided here too, once (:func:`verdict_rules`, :func:`verdict`): the
findings, the gate and the report's script all apply it."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from fairdash.engine.groups import GroupCodes, group_codes
from fairdash.engine.rates import FLOAT_TOLERANCE, RATES, fractions
from fairdash.engine.spec import MAX_CLASSES, SMALL_GROUP_SIZE
from fairdash.engine.undefined import RateUndefined, Undefined
from fairdash.errors import InvalidInputError, brief
from fairdash.intake.values import finite_number, match_label, plain_value, value_text

__all__ = [
    "COUNT_COLUMNS",
    "RATE_COLUMNS",
    "METRIC_COLUMNS",
    "RATE_NAMES",
    "DISPARITY_RATES",
    "DISPARITY_NAMES",
    "FOUR_FIFTHS",
    "as_bool",
    "sensitive_codes",
    "confusion_counts",
    "checked_inputs",
    "rates",
    "table_from_counts",
    "overall_from_counts",
    "overall_metrics",
    "group_metrics",
    "disparities_from_rates",
    "disparities_from_table",
    "undefined_reason",
    "why_undefined",
    "disparities",
    "compare_to_reference",
    "DEFAULT_TOLERANCE",
    "check_tolerance",
    "drop_small_groups",
    "VERDICT_SLACK",
    "verdict_rules",
    "verdict",
    "conclusive",
    "rule_text",
]

COUNT_COLUMNS = ("tp", "fp", "tn", "fn")


RATE_COLUMNS = tuple(RATES)


METRIC_COLUMNS = ("count",) + RATE_COLUMNS + COUNT_COLUMNS


RATE_NAMES = {"count": "Rows", **{name: definition.label for name, definition in RATES.items()}}


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


def as_bool(values: Any, positive_label: Any = 1, *, what: str = "The outcomes (y_true)") -> np.ndarray:
    """Outcomes or decisions as a flat boolean array, ``True`` where positive; refused rather than guessed.

    Booleans are taken as they are, and so are 0/1 values (numbers, or the text ``"0"``/``"1"``): 1 is positive,
    unless ``positive_label`` is 0. Any other values need ``positive_label`` to be one of them (matched as
    :func:`~fairdash.intake.values.match_label` does: ``"1"`` finds ``1``); with more than two classes, that class is
    audited against the rest. ``what`` names the values in messages.

    Raises
    ------
    InvalidInputError
        When a value is missing, when ``positive_label`` is not a value (naming the values seen), or when there are
        more than :data:`~fairdash.engine.spec.MAX_CLASSES` distinct values (scores or measurements, not classes).

    Examples
    --------
    >>> as_bool(["no", "yes", "yes"], "yes").tolist()
    [False, True, True]
    """
    array = np.asarray(values).ravel()
    if array.dtype == bool:
        return array
    missing = pd.isna(array)
    if missing.any():
        raise InvalidInputError(
            f"{what} are missing in {int(missing.sum()):,} row(s), the first in row {int(np.argmax(missing)) + 1:,}. "
            "Remove those rows or fill them in first."
        )
    present = pd.unique(array)
    if all(isinstance(value, (bool, np.bool_)) for value in present):
        return np.asarray(array == True, dtype=bool)  # noqa: E712 (an object array of booleans)
    if len(present) > MAX_CLASSES:
        raise InvalidInputError(
            f"{what} hold {len(present):,} distinct values ({_listed(present)}): scores or measurements, not "
            f"classes. Pass booleans, 0/1 values, or classes with positive_label=... naming the positive one."
        )
    found = None if positive_label is None else match_label(present, positive_label)
    if found is None:
        if not {_zero_one(value) for value in present} <= {0, 1}:
            label = "" if positive_label is None else f", none of them the positive label {brief(positive_label)}"
            raise InvalidInputError(f"{what} hold {_listed(present)}{label}; say which is positive with positive_label=...")
        found = 0 if _zero_one(positive_label) == 0 else 1
        return np.asarray([_zero_one(value) == found for value in present], dtype=bool)[pd.factorize(array)[0]]
    return np.asarray(array == found, dtype=bool)


def _zero_one(value: Any) -> int | float | None:
    """0 or 1 for a value that is one of them (a boolean, a number, the text ``"1"``), else the number or None."""
    value = plain_value(value)
    return int(value) if isinstance(value, bool) else finite_number(value)


def _listed(values: Sequence[Any], shown: int = 6) -> str:
    """``'no' and 'yes'``; ``'a', 'b', ... and 14 more``."""
    try:
        ordered = sorted(values)
    except TypeError:
        ordered = sorted(values, key=str)
    texts = [
        brief(value, 30)
        if isinstance(value, str)
        else f"{value:.6g}"
        if isinstance(value, (float, np.floating))
        else value_text(value)
        for value in map(plain_value, ordered[:shown])
    ]
    if len(ordered) > shown:
        return ", ".join(texts) + f" and {len(ordered) - shown:,} more"
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def sensitive_codes(sensitive: Any) -> GroupCodes:
    """Group codes and sorted labels for a Series, an array, or a DataFrame of several columns
    (a :class:`~fairdash.engine.groups.GroupCodes` is taken as it is)."""
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


def checked_inputs(
    y_true: Any, y_pred: Any, sensitive: Any, positive_label: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    truth = as_bool(y_true, positive_label, what="The outcomes (y_true)")
    predicted = as_bool(y_pred, positive_label, what="The decisions (y_pred)")
    codes, labels = sensitive_codes(sensitive)
    if not (len(truth) == len(predicted) == len(codes)):
        raise InvalidInputError(
            f"y_true, y_pred and sensitive must have one value per row; got {len(truth)}, {len(predicted)} and {len(codes)}."
        )
    return truth, predicted, codes, labels


def rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Every rate of :data:`~fairdash.engine.rates.RATES` from counts ``(..., 4)`` (``tp, fp, tn, fn`` on the last axis);
    NaN where a denominator is 0.

    Counts ``(..., 6)`` add the rows whose outcome is not known yet, selected and not (a decision log's
    recent rows): they count for the selection rate only; every other rate is over the known outcomes."""

    def divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        return np.divide(numerator, denominator, out=np.full_like(numerator, np.nan), where=denominator > 0)

    return {name: divide(*fraction) for name, fraction in fractions(np.asarray(counts), dtype=float).items()}


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
        One row per group (sorted by label; see :func:`fairdash.engine.groups.group_codes`); columns
        ``count``, the rates ``base_rate, selection_rate, tpr, fpr, fnr, tnr, precision, accuracy``
        (NaN where the denominator is 0) and the counts ``tp, fp, tn, fn``. The figures over all
        rows are :func:`overall_metrics` of it.

    Examples
    --------
    >>> group_metrics([1, 0, 1, 1], [1, 0, 0, 1], ["a", "a", "b", "b"]).loc["b", "tpr"]
    np.float64(0.5)
    """
    truth, predicted, codes, labels = checked_inputs(y_true, y_pred, sensitive, positive_label)
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


def undefined_reason(table: pd.DataFrame, name: str) -> Undefined | None:
    """Why a disparity of this metric table is undefined (NaN), as facts (:func:`why_undefined`); ``None`` when it is
    defined.

    A difference needs two groups whose rate is defined (a rate is undefined in a group with no row
    in its denominator: no true positives for the TPR, nobody selected for precision); a ratio also
    needs the highest rate above 0.
    """
    if not np.isnan(disparities_from_table(table)[name]):
        return None
    return why_undefined(table, name)


def why_undefined(table: pd.DataFrame, name: str) -> Undefined:
    """Why the disparity ``name`` of this metric table is undefined, as an :class:`~fairdash.engine.undefined.Undefined`
    (:func:`fairdash.present.sentences.undefined_text` says it in words)."""
    if len(table) < 2:
        return Undefined("too_few_groups")
    reasons = []
    for rate in DISPARITY_RATES[name.rsplit("_", 1)[0]]:
        values = table[rate].astype(float)
        defined = values.dropna()
        if len(defined) < 2:
            reasons.append(
                RateUndefined(rate, "no_group" if len(defined) == 0 else "one_group", tuple(values.index[values.isna()]))
            )
        elif name.endswith("_ratio") and defined.max() <= 0:
            reasons.append(RateUndefined(rate, "highest_zero"))
    return Undefined("rates", tuple(reasons)) if reasons else Undefined("too_few_define")


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
        comparison["selection_rate_ratio"] = (
            table["selection_rate"] / base["selection_rate"] if base["selection_rate"] > 0 else np.nan
        )
    comparison["four_fifths_pass"] = comparison["selection_rate_ratio"] >= FOUR_FIFTHS
    return comparison


DEFAULT_TOLERANCE = 0.1


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


VERDICT_SLACK = FLOAT_TOLERANCE
"""A difference this far above the tolerance still passes: 0.1 computed as 0.30000000000000004 - 0.2 is 0.1
(:data:`~fairdash.engine.rates.FLOAT_TOLERANCE`, the one tolerance of float comparisons)."""


def verdict_rules(tolerance: float = DEFAULT_TOLERANCE) -> dict[str, dict[str, Any] | None]:
    """The rule each disparity is judged by: ``{"at_least": 0.8}`` for the selection-rate ratio (the four-fifths
    rule), ``{"at_most": tolerance}`` for every difference, ``None`` for the other ratios (no rule sets a bar
    for them). The one place verdicts are decided: :func:`verdict` applies it, and the report's script
    receives it with :data:`VERDICT_SLACK` rather than writing it again."""
    check_tolerance(tolerance)
    return {
        name: {"at_least": FOUR_FIFTHS}
        if name == "demographic_parity_ratio"
        else None
        if name.endswith("_ratio")
        else {"at_most": tolerance}
        for name in DISPARITY_NAMES
    }


def verdict(value: float, rule: Mapping[str, Any] | None) -> bool | None:
    """Whether ``value`` passes ``rule`` (one of :func:`verdict_rules`); ``None`` without a rule or a value (undefined)."""
    if rule is None or value is None or np.isnan(value):
        return None
    if "at_least" in rule:
        return bool(value >= rule["at_least"])
    return bool(value <= rule["at_most"] + VERDICT_SLACK)


def conclusive(value: float, lower: float, upper: float, rule: dict[str, Any] | None) -> bool | None:
    """Whether the data support ``value``'s verdict: ``True`` when the interval ``lower``-``upper`` lies wholly on
    the verdict's side of the rule's bar (both ends pass, or both fail, as :func:`verdict` judges them), ``False``
    when it crosses the bar (or is missing while the value is not); ``None`` where there is no verdict."""
    passed = verdict(value, rule)
    if passed is None:
        return None
    if lower is None or upper is None or np.isnan(lower) or np.isnan(upper):
        return False
    return bool(verdict(lower, rule) == passed and verdict(upper, rule) == passed)


def rule_text(rule: dict[str, Any] | None) -> str:
    """``">= 0.8"``, ``"<= 0.1"``, or ``""`` without a rule."""
    if rule is None:
        return ""
    return f">= {rule['at_least']:g}" if "at_least" in rule else f"<= {rule['at_most']:g}"
