"""Disparities given a legitimate factor: rates within each stratum of a control column, and the conditional
demographic disparity (CDD) of Wachter, Mittelstadt & Russell (2021), as AWS SageMaker Clarify defines it.

Numbers only; the sentences that say whether the factor accounts for a gap are in :mod:`fairdash.present.balance`.

For a group ``d`` and a stratum ``i`` (one value of the control, such as one department), the demographic
disparity is ``DD_i = (rejected in d) / (rejected) - (accepted in d) / (accepted)``: how much larger a share of the
rejected than of the accepted ``d`` makes up. The CDD is the strata's ``DD_i`` weighted by their rows, ``sum n_i DD_i
/ n``. A stratum where one group only is present, or where every row is accepted (or every row rejected), is left
out of the CDD (its DD is 0 or undefined, never a division by zero), and named in :attr:`Conditional.left_out`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fairdash.engine.groups import GROUP_SEPARATOR, group_codes
from fairdash.engine.intervals import exact_interval
from fairdash.engine.spec import bins_used, sensitive_frame
from fairdash.errors import InvalidInputError, brief

__all__ = [
    "CDD_LARGEST",
    "MAX_STRATA",
    "Conditional",
    "cdd_name",
    "cdd_values",
    "cdd_with_interval",
    "check_control",
    "conditional_disparity",
    "conditional_rates",
    "control_strata",
    "demographic_disparities",
]

MAX_STRATA = 100
"""The most strata (distinct values, or combinations of values, of the control columns) a control may make; a numeric
control with many values is cut into quintile bands first (as a numeric sensitive attribute is)."""


@dataclass(frozen=True)
class Conditional:
    """Rates within each stratum of the control, and the conditional demographic disparity per group.

    Attributes
    ----------
    control : tuple of str
        The control columns.
    rate : str
        The rate within strata: ``"base_rate"`` (the labels') or ``"selection_rate"`` (the decisions').
    strata : DataFrame
        Indexed by (stratum, group), every pair present: ``rows``, ``positives``, the rate, ``lower``, ``upper``
        (exact Clopper-Pearson interval of the rate).
    cdd : DataFrame
        Indexed by group: ``cdd``, ``lower``, ``upper`` (given the control), and ``dd``, ``dd_lower``, ``dd_upper``
        (the same over all rows, ignoring the control).
    left_out : dict
        Stratum -> why it is left out of the CDD.
    bins : dict
        Control column -> band edges, for numeric controls cut into bands.
    rows_used : int
        The rows of the strata the CDD weighs.
    """

    control: tuple[str, ...]
    rate: str
    strata: pd.DataFrame
    cdd: pd.DataFrame
    left_out: dict[str, str]
    bins: dict[str, tuple[float, ...]] = field(default_factory=dict)
    rows_used: int = 0
    confidence: float = 0.95


def check_control(
    control: Sequence[str],
    *,
    target: str,
    sensitive: Sequence[str],
    score: str | None = None,
    columns: Sequence[Any] | None = None,
) -> tuple[str, ...]:
    """The control columns, checked: each in the table (when ``columns`` is given), named once, and neither the
    target, the score nor a sensitive attribute (holding a sensitive attribute equal would compare each group with
    itself). Raises :class:`InvalidInputError` naming the column."""
    control = tuple(control)
    for column in control:
        if control.count(column) > 1:
            raise InvalidInputError(f"The control column {brief(column)} is named twice; name each control column once.")
        if columns is not None and column not in columns:
            raise InvalidInputError(f"The table has no control column {brief(column)}.")
        for role, chosen in (("the target", [target]), ("the score column", [score]), ("a sensitive attribute", sensitive)):
            if column in chosen:
                raise InvalidInputError(
                    f"The control column {brief(column)} is {role}; a control is a legitimate factor held "
                    "equal, such as the department or the job level. Choose another column."
                )
    return control


def control_strata(
    table: pd.DataFrame, control: Sequence[str], *, max_strata: int = MAX_STRATA, bins: Any = ()
) -> tuple[pd.Series, dict[str, tuple[float, ...]]]:
    """Each row's stratum label (the control columns' values joined as group labels are; a missing value is a stratum
    of its own), and the band edges of the numeric controls cut into quintiles (over 20 distinct values).

    Raises :class:`InvalidInputError` when the control makes more than ``max_strata`` strata (a text column of
    thousands of values, such as an ID or a free-text field)."""
    control = list(control)
    frame = sensitive_frame(table, control, bins)
    labels = group_codes(frame, control).per_row(table.index, name=GROUP_SEPARATOR.join(map(str, control)))
    count = labels.nunique()
    if count > max_strata:
        raise InvalidInputError(
            f"The control {brief(' x '.join(map(str, control)))} makes {count:,} strata, more than {max_strata}: within so many, "
            "each holds too few rows to compare groups. Choose a column of fewer values (a department, a job level), or "
            "bands of it."
        )
    return labels, bins_used(table, control, bins)


def conditional_rates(
    outcome: Any, groups: pd.Series, strata: pd.Series, *, rate: str = "selection_rate", confidence: float = 0.95
) -> pd.DataFrame:
    """The rate of ``outcome`` (booleans) for each (stratum, group) present, as Fairlearn's ``MetricFrame(...,
    control_features=strata).by_group`` gives it: columns ``rows``, ``positives``, ``rate``, ``lower``, ``upper``."""
    frame = pd.DataFrame({"stratum": strata.to_numpy(), "group": groups.to_numpy(), "outcome": np.asarray(outcome, dtype=bool)})
    counted = frame.groupby(["stratum", "group"], sort=True, observed=True)["outcome"].agg(rows="size", positives="sum")
    counted["positives"] = counted["positives"].astype(np.int64)
    counted[rate] = counted["positives"] / counted["rows"]
    counted["lower"], counted["upper"] = exact_interval(counted["positives"], counted["rows"], confidence=confidence)
    return counted


def demographic_disparities(
    outcome: Any, groups: pd.Series, strata: pd.Series
) -> tuple[pd.DataFrame, dict[str, str], pd.DataFrame]:
    """Each stratum's demographic disparity per group, the strata left out (with why) and the counts behind.

    Returns ``dd`` (strata kept x groups: share of the rejected in the group minus share of the accepted),
    ``left_out`` (stratum -> reason) and ``counts`` (stratum x group x (rejected, accepted), as a frame with a
    column MultiIndex ``(outcome, group)``)."""
    frame = pd.DataFrame({"stratum": strata.to_numpy(), "group": groups.to_numpy(), "accepted": np.asarray(outcome, dtype=bool)})
    counts = frame.groupby(["stratum", "accepted", "group"], observed=True).size().unstack(["accepted", "group"], fill_value=0)
    counts = counts.reindex(columns=pd.MultiIndex.from_product([[False, True], sorted(frame["group"].unique())]), fill_value=0)
    rejected, accepted = counts[False], counts[True]
    present = (rejected + accepted) > 0
    left_out: dict[str, str] = {}
    for stratum in counts.index:
        if present.loc[stratum].sum() < 2:
            only = present.columns[present.loc[stratum]][0]
            left_out[str(stratum)] = f"one group only ({only})"
        elif rejected.loc[stratum].sum() == 0 or accepted.loc[stratum].sum() == 0:
            left_out[str(stratum)] = f"every row {'accepted' if rejected.loc[stratum].sum() == 0 else 'rejected'}: no comparison"
    kept = [stratum for stratum in counts.index if str(stratum) not in left_out]
    rejected, accepted = rejected.loc[kept], accepted.loc[kept]
    dd = rejected.div(rejected.sum(axis=1), axis=0) - accepted.div(accepted.sum(axis=1), axis=0)
    return dd, left_out, counts.loc[kept]


def cdd_with_interval(counts: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """The CDD of each group from the kept strata's counts (as :func:`demographic_disparities` returns them) and its
    interval (:data:`fairdash.present.sentences.CDD_INTERVAL_METHOD`): columns ``cdd``, ``lower``, ``upper``; NaN with no stratum kept."""
    from scipy.stats import norm

    rejected, accepted = counts[False].to_numpy(float), counts[True].to_numpy(float)
    groups = list(counts[False].columns)
    if len(rejected) == 0:
        return pd.DataFrame({"cdd": np.nan, "lower": np.nan, "upper": np.nan}, index=pd.Index(groups, name="group"))
    n_rejected, n_accepted = rejected.sum(axis=1, keepdims=True), accepted.sum(axis=1, keepdims=True)
    rows = (n_rejected + n_accepted)[:, 0]
    weights = rows / rows.sum()
    dd = rejected / n_rejected - accepted / n_accepted
    cdd = weights @ dd
    share_rejected, share_accepted = (rejected + 1) / (n_rejected + 2), (accepted + 1) / (n_accepted + 2)
    centre = weights @ (share_rejected - share_accepted)
    within = share_rejected * (1 - share_rejected) / (n_rejected + 2) + share_accepted * (1 - share_accepted) / (n_accepted + 2)
    between = (weights @ dd**2 - cdd**2) / rows.sum()  # the strata's weights vary from sample to sample too
    spread = norm.ppf(0.5 + confidence / 2) * np.sqrt(weights**2 @ within + np.maximum(between, 0.0))
    lower, upper = np.clip(centre - spread, -1, 1), np.clip(centre + spread, -1, 1)
    return pd.DataFrame(
        {"cdd": cdd, "lower": np.minimum(lower, cdd), "upper": np.maximum(upper, cdd)}, index=pd.Index(groups, name="group")
    )


def conditional_disparity(
    table: pd.DataFrame,
    outcome: Any,
    groups: pd.Series,
    control: Sequence[str],
    *,
    rate: str = "selection_rate",
    confidence: float = 0.95,
    max_strata: int = MAX_STRATA,
    bins: Any = (),
) -> Conditional:
    """Rates within each stratum of ``control`` and the conditional demographic disparity of each group.

    Parameters
    ----------
    table : DataFrame
        Holds the control columns.
    outcome : array of bool
        Accepted (the positive label, or selected by the model) per row.
    groups : Series
        Each row's group label (aligned with ``table``).
    control : sequence of str
        The legitimate factor(s) held equal; several make strata of their combinations.
    rate : {"selection_rate", "base_rate"}
        The name the rate within strata goes by (the decisions' or the labels').

    Examples
    --------
    >>> t = pd.DataFrame({"dept": list("AAAABBBB")})
    >>> g = pd.Series(list("mfmfmfmf"))
    >>> conditional_disparity(t, [1, 1, 0, 0, 1, 0, 1, 0], g, ["dept"]).cdd["cdd"].round(3).tolist()
    [0.5, -0.5]
    """
    if len(np.asarray(outcome)) != len(table) or len(groups) != len(table):
        raise InvalidInputError("The outcomes, groups and table must have the same rows.")
    strata, used_bins = control_strata(table, control, max_strata=max_strata, bins=bins)
    groups = pd.Series(groups.to_numpy(), index=table.index)
    rates = conditional_rates(outcome, groups, strata, rate=rate, confidence=confidence)
    _, left_out, counts = demographic_disparities(outcome, groups, strata)
    cdd = cdd_with_interval(counts, confidence=confidence)
    overall = cdd_with_interval(_counts_of_all(outcome, groups), confidence=confidence)
    cdd[["dd", "dd_lower", "dd_upper"]] = overall[["cdd", "lower", "upper"]].to_numpy()
    return Conditional(
        control=tuple(control),
        rate=rate,
        strata=rates,
        cdd=cdd,
        left_out=left_out,
        bins=used_bins,
        rows_used=int(counts.to_numpy().sum()),
        confidence=confidence,
    )


def _counts_of_all(outcome: Any, groups: pd.Series) -> pd.DataFrame:
    """All rows as one stratum, in the shape :func:`cdd_with_interval` takes."""
    one = pd.Series("all", index=groups.index)
    _, _, counts = demographic_disparities(outcome, groups, one)
    if len(counts):
        return counts
    labels = sorted(groups.unique())
    return pd.DataFrame(np.zeros((0, 2 * len(labels))), columns=pd.MultiIndex.from_product([[False, True], labels]))


CDD_LARGEST = "cdd_max"
"""The gate's name of the largest CDD in absolute value over the groups (``--fail-on 'cdd_max>0.05'``)."""


def cdd_name(group: str) -> str:
    """The gate's name of one group's CDD: ``cdd[<group>]``, the group as labelled (``cdd[Female]``)."""
    return f"cdd[{group}]"


def cdd_values(conditional: Conditional) -> dict[str, float]:
    """The numbers ``--fail-on`` takes from a conditional: each group's CDD (:func:`cdd_name`) and :data:`CDD_LARGEST`
    (NaN when no group's CDD is defined: a gate on it fails closed)."""
    values = {cdd_name(str(group)): float(value) for group, value in conditional.cdd["cdd"].items()}
    defined = [abs(value) for value in values.values() if not math.isnan(value)]
    values[CDD_LARGEST] = max(defined) if defined else float("nan")
    return values
