"""The balance of the data before any model: each group's rows, share and base rate (the labels' positive rate),
missing values, representation against reference shares, and how each other column's distribution differs between
the groups (the likely proxies). Numbers only; words and JSON are in :mod:`fairdash.present.balance`.

Distribution tests, one per column: a column of numbers (over :data:`FEW_VALUES` distinct values) by the two-sample
Kolmogorov-Smirnov test of each group against all other rows (distance: the largest KS statistic; p-value: the
smallest, times the number of groups, Bonferroni); a column of categories by the chi-square test of independence of
group and category (distance: the largest total variation distance between a group's categories and the other rows').
The p-values are corrected over the columns by Holm's method, so the chance of flagging any column of a table where
no column differs is at most the level.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fairdash.engine.calibration import holm
from fairdash.engine.conditional import Conditional, check_control, conditional_disparity
from fairdash.engine.groups import group_codes
from fairdash.intake.values import value_text
from fairdash.intake.json_files import read_json_file
from fairdash.engine.intervals import disparity_intervals, exact_interval
from fairdash.engine.metrics import disparities_from_rates
from fairdash.engine.spec import (
    MAX_CLASSES,
    binary_target,
    bins_used,
    check_column_roles,
    sensitive_frame,
)
from fairdash.errors import InvalidInputError, brief

__all__ = [
    "FEW_VALUES",
    "SHARES_SLACK",
    "TOP_CATEGORIES",
    "DataBalance",
    "base_rate_disparities",
    "check_reference_shares",
    "data_balance",
    "feature_shifts",
    "group_table",
    "read_reference_shares",
    "representation",
]

FEW_VALUES = 10
"""A numeric column with at most this many distinct values is compared as categories."""

TOP_CATEGORIES = 20
"""The most categories a column's test keeps apart; rarer ones (and any under 5 rows) are pooled as one."""

SHARES_SLACK = 0.02
"""How far from 1 the reference shares of one attribute may sum (rounded census figures)."""


@dataclass(frozen=True)
class DataBalance:
    """The balance of a table's labels and columns between its groups (see :func:`data_balance`).

    ``groups``: index group; ``rows``, ``share``, ``base_rate``, ``lower``, ``upper`` (exact interval of the base
    rate), ``missing_share`` (share of the group's cells missing, over the columns other than the target and the
    sensitive ones). ``base_rate_disparities``: ``difference`` and ``ratio`` (largest minus smallest, smallest over
    largest), ``base_rate_intervals`` their intervals. ``representation``: index group; ``share``,
    ``reference_share``, ``ratio`` (None without reference shares). ``features``: index column; ``kind``,
    ``distance``, ``p_value``, ``p_adjusted`` (most different first); ``skipped``: column -> why not tested.
    """

    target: str
    positive_label: Any
    sensitive: tuple[str, ...]
    rows: int
    groups: pd.DataFrame
    base_rate_disparities: dict[str, float]
    base_rate_intervals: dict[str, tuple[float, float]]
    representation: pd.DataFrame | None
    features: pd.DataFrame
    skipped: dict[str, str]
    conditional: Conditional | None = None
    bins: dict[str, tuple[float, ...]] = field(default_factory=dict)
    confidence: float = 0.95


def data_balance(
    table: pd.DataFrame,
    *,
    target: str,
    positive_label: Any,
    sensitive: Sequence[str] | str,
    bins: Any = (),
    control: Sequence[str] = (),
    reference_shares: Mapping[str, Mapping[str, float]] | None = None,
    confidence: float = 0.95,
) -> DataBalance:
    """The balance of ``table`` between the groups of ``sensitive``, before any model.

    Parameters
    ----------
    table : DataFrame
    target, positive_label : the column of true outcomes and its favourable value.
    sensitive : column name(s); several make intersectional groups, numeric ones are cut into bands (``bins``).
    control : legitimate factor(s): the base rates within their strata and the conditional demographic disparity.
    reference_shares : ``{attribute: {value: share}}`` (e.g. census shares), see :func:`check_reference_shares`.

    Raises
    ------
    InvalidInputError
        Missing columns, a column in two roles, a control with too many values, bad reference shares.

    Examples
    --------
    >>> t = pd.DataFrame({"y": [1, 0, 1, 1, 0, 0], "g": list("aabbbb"), "x": [1, 2, 3, 4, 5, 6]})
    >>> data_balance(t, target="y", positive_label=1, sensitive="g").groups["base_rate"].tolist()
    [0.5, 0.5]
    """
    sensitive = (sensitive,) if isinstance(sensitive, str) else tuple(sensitive)
    check_column_roles(target=target, sensitive=sensitive)
    control = check_control(control, target=target, sensitive=sensitive, columns=table.columns)
    labels = binary_target(table, target, positive_label)
    frame = sensitive_frame(table, sensitive, bins)
    groups = group_codes(frame, sensitive).per_row(table.index)
    others = [column for column in table.columns if column != target and column not in sensitive]
    by_group = group_table(labels, groups, table[others], confidence=confidence)
    difference, ratio, intervals = base_rate_disparities(by_group, confidence=confidence)
    shown = _shown_representation(table, sensitive, frame, reference_shares)
    features, skipped = feature_shifts(table[[column for column in others if column not in control]], groups)
    conditional = _base_rate_cdd(table, labels, groups, control, confidence=confidence)
    return DataBalance(
        target=target,
        positive_label=positive_label,
        sensitive=sensitive,
        rows=len(table),
        groups=by_group,
        base_rate_disparities={"difference": difference, "ratio": ratio},
        base_rate_intervals=intervals,
        representation=shown,
        features=features,
        skipped=skipped,
        conditional=conditional,
        bins=bins_used(table, sensitive, bins),
        confidence=confidence,
    )


def _shown_representation(
    table: pd.DataFrame,
    sensitive: tuple[str, ...],
    frame: pd.DataFrame,
    reference_shares: Mapping[str, Mapping[str, float]] | None,
) -> pd.DataFrame | None:
    """The representation against ``reference_shares`` once they are checked, or None without them."""
    if reference_shares is None:
        return None
    return representation(table, sensitive, check_reference_shares(reference_shares, frame, sensitive))


def _base_rate_cdd(
    table: pd.DataFrame, labels: np.ndarray, groups: pd.Series, control: tuple[str, ...], *, confidence: float
) -> Conditional | None:
    """The base rates within the strata of ``control`` and the conditional demographic disparity, or None without it."""
    return conditional_disparity(table, labels, groups, control, rate="base_rate", confidence=confidence) if control else None


def group_table(labels: np.ndarray, groups: pd.Series, others: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Each group's ``rows``, ``share``, ``positives``, ``base_rate`` with its exact interval (``lower``, ``upper``), and
    ``missing_share`` of its cells in ``others``."""
    frame = pd.DataFrame({"group": groups.to_numpy(), "label": labels})
    table = frame.groupby("group", sort=True)["label"].agg(rows="size", positives="sum")
    table["positives"] = table["positives"].astype(np.int64)
    table["share"] = table["rows"] / len(frame)
    table["base_rate"] = table["positives"] / table["rows"]
    table["lower"], table["upper"] = exact_interval(table["positives"], table["rows"], confidence=confidence)
    missing = others.isna().sum(axis=1).to_numpy() if others.shape[1] else np.zeros(len(frame))
    cells = pd.Series(missing, index=frame.index).groupby(frame["group"]).sum()
    table["missing_share"] = cells.reindex(table.index).to_numpy() / (table["rows"] * max(others.shape[1], 1))
    if not others.shape[1]:
        table["missing_share"] = np.nan
    table.index.name = "group"
    return table[["rows", "share", "positives", "base_rate", "lower", "upper", "missing_share"]]


def base_rate_disparities(
    groups: pd.DataFrame, *, confidence: float = 0.95
) -> tuple[float, float, dict[str, tuple[float, float]]]:
    """The base rate's largest-minus-smallest difference and smallest-over-largest ratio between groups, measured as
    demographic parity measures the selection rate (:func:`fairdash.engine.metrics.disparities_from_rates`), and their
    intervals (:func:`fairdash.engine.intervals.disparity_intervals`: the labels taken as the decisions)."""
    rates = groups["base_rate"].to_numpy(float)
    nan = np.full_like(rates, np.nan)
    values = disparities_from_rates({"selection_rate": rates, "tpr": nan, "fpr": nan, "precision": nan})
    positives, negatives = groups["positives"].to_numpy(), (groups["rows"] - groups["positives"]).to_numpy()
    counts = np.stack([positives, 0 * positives, negatives, 0 * positives], axis=1)
    bounds = disparity_intervals(counts, confidence=confidence)
    difference, ratio = bounds.loc["demographic_parity_difference"], bounds.loc["demographic_parity_ratio"]
    intervals = {
        "difference": (float(difference.iloc[0]), float(difference.iloc[1])),
        "ratio": (float(ratio.iloc[0]), float(ratio.iloc[1])),
    }
    return float(values["demographic_parity_difference"]), float(values["demographic_parity_ratio"]), intervals


def read_reference_shares(path: str | Path) -> dict[str, dict[str, float]]:
    """A reference-shares file: JSON ``{attribute: {value: share}}``; raises with a plain message when it is not."""
    shown = brief(str(path))
    content = read_json_file(path, option="--reference-shares")
    if not isinstance(content, dict) or not content or not all(isinstance(v, dict) and v for v in content.values()):
        raise InvalidInputError(
            f"--reference-shares {shown} must hold {{attribute: {{value: share}}}}, "
            'e.g. {"sex": {"Female": 0.51, "Male": 0.49}}.'
        )
    return content


def check_reference_shares(
    shares: Mapping[str, Mapping[str, Any]], frame: pd.DataFrame, sensitive: Sequence[str]
) -> dict[str, dict[Any, float]]:
    """The reference shares, checked against the sensitive columns as grouped (``frame``): each attribute a sensitive
    column, each value one of its values, each share a number from 0 to 1, and each attribute's shares summing to 1
    within :data:`SHARES_SLACK`. Returns attribute -> {the column's value -> share}."""
    checked: dict[str, dict[Any, float]] = {}
    for attribute, values in shares.items():
        if attribute not in sensitive:
            raise InvalidInputError(
                f"The reference shares name {brief(attribute)}, which is not a sensitive attribute "
                f"({', '.join(brief(column) for column in sensitive)})."
            )
        present = {value_text(value): value for value in frame[attribute].dropna().unique()}
        for value, share in values.items():
            if value not in present:
                raise InvalidInputError(
                    f"The reference shares name {brief(value)} for {brief(attribute)}, which is not one of "
                    f"its values ({', '.join(brief(v) for v in list(present)[:10])})."
                )
            if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
                raise InvalidInputError(
                    f"The reference share of {brief(value)} must be a number from 0 to 1; got {brief(share)}."
                )
        total = float(sum(values.values()))
        if not math.isclose(total, 1.0, abs_tol=SHARES_SLACK):
            raise InvalidInputError(
                f"The reference shares of {brief(attribute)} sum to {total:.3f}, not 1: give every value's "
                "share of the reference population (they may be rounded)."
            )
        checked[attribute] = {present[value]: float(share) for value, share in values.items()}
    return checked


def representation(table: pd.DataFrame, sensitive: Sequence[str], shares: Mapping[str, Mapping[Any, float]]) -> pd.DataFrame:
    """Each value's share of the rows against its reference share: ``share``, ``reference_share``, ``ratio`` (share over
    reference share). Indexed by the value's text, or ``attribute = value`` with several sensitive attributes; a value
    in the data the reference does not name has no reference share."""
    frame = sensitive_frame(table, sensitive, ())
    rows = []
    for attribute, reference in shares.items():
        counts = frame[attribute].value_counts(dropna=True)
        for value, count in counts.items():
            share, expected = count / len(frame), reference.get(value, np.nan)
            label = value_text(value) if len(sensitive) == 1 else f"{attribute} = {value_text(value)}"
            rows.append((label, share, expected, share / expected if expected and expected > 0 else np.nan))
    return pd.DataFrame(rows, columns=["group", "share", "reference_share", "ratio"]).set_index("group")


def feature_shifts(columns: pd.DataFrame, groups: pd.Series) -> tuple[pd.DataFrame, dict[str, str]]:
    """How far each column's distribution differs between the groups (see the module's description): index column;
    ``kind`` (numbers or categories), ``distance`` (0 to 1), ``p_value``, ``p_adjusted`` (Holm), most different first;
    and the columns not tested, with why."""
    labels = groups.to_numpy()
    rows, skipped = [], {}
    for column in columns.columns:
        values = columns[column]
        found = _numeric_shift(values, labels) if _is_numeric(values) else _category_shift(values, labels)
        if isinstance(found, str):
            skipped[str(column)] = found
        else:
            rows.append((str(column), *found))
    frame = pd.DataFrame(rows, columns=["column", "kind", "distance", "p_value"]).set_index("column")
    frame["p_adjusted"] = holm(frame["p_value"].to_numpy()) if len(frame) else []
    return frame.sort_values(["p_adjusted", "distance"], ascending=[True, False], kind="stable"), skipped


def _is_numeric(values: pd.Series) -> bool:
    return (
        pd.api.types.is_numeric_dtype(values)
        and not pd.api.types.is_bool_dtype(values)
        and values.nunique(dropna=True) > FEW_VALUES
    )


def _numeric_shift(values: pd.Series, labels: np.ndarray) -> tuple[str, float, float] | str:
    """The largest KS statistic of a group against the other rows, and the smallest p-value times the groups tested."""
    from scipy.stats import ks_2samp

    numbers = values.to_numpy(dtype=float)
    known = np.isfinite(numbers)
    distances, p_values = [], []
    for group in pd.unique(labels[known]):
        inside = known & (labels == group)
        outside = known & (labels != group)
        if inside.sum() < 2 or outside.sum() < 2:
            continue
        result = ks_2samp(numbers[inside], numbers[outside], method="auto")
        distances.append(float(result.statistic))
        p_values.append(float(result.pvalue))
    if not distances:
        return "too few known values in the groups to compare"
    return "numbers", max(distances), min(1.0, min(p_values) * len(p_values))


def _category_shift(values: pd.Series, labels: np.ndarray) -> tuple[str, float, float] | str:
    """The chi-square test of independence of group and category (the rare categories pooled, a missing value a category
    of its own), and the largest total variation distance between a group's categories and the other rows'."""
    from scipy.stats import chi2_contingency

    codes, categories = pd.factorize(values, use_na_sentinel=True)
    codes = np.where(codes < 0, len(categories), codes)  # a missing value: a category of its own
    counts = np.bincount(codes, minlength=len(categories) + 1)
    order = np.argsort(-counts, kind="stable")
    kept = order[counts[order] >= 5][:TOP_CATEGORIES]
    if len(counts) > MAX_CLASSES * 50 and len(kept) < 2:
        return f"{len(categories):,} distinct values, nearly one per row (an identifier?)"
    pooled = np.full(len(counts), len(kept))  # every rare category into one
    pooled[kept] = np.arange(len(kept))
    row_groups, _ = pd.factorize(labels)
    table = np.zeros((row_groups.max() + 1, len(kept) + 1))
    np.add.at(table, (row_groups, pooled[codes]), 1)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return "one value only, once rare values are pooled"
    p_value = float(chi2_contingency(table, correction=False).pvalue)
    rest = table.sum(axis=0) - table
    with np.errstate(invalid="ignore", divide="ignore"):
        tv = 0.5 * np.abs(table / table.sum(axis=1, keepdims=True) - rest / rest.sum(axis=1, keepdims=True)).sum(axis=1)
    return "categories", float(np.nanmax(tv)), p_value
