"""Two audits side by side (two versions of a model, this month's data against last month's): each disparity and each
group's rates before and after, the change, its interval, and whether it is beyond chance.

The audits are their JSON documents (saved, or written by ``audit --json``); nothing is recomputed from rows. They
must have the same target and sensitive columns. Whether a change is beyond chance is the monitor's change test
(:func:`fairdash.monitor.windows.gap_change`): for a difference, a two-sided z-test of the change in the gap between
the same two groups (the after audit's extremes), from the binomial variances of the four proportions. For a ratio
(the monitor tests none), the same four proportions by the delta method: the ratio's variance is
``r² (var(p_low)/p_low² + var(p_high)/p_high²)``. A change is beyond chance when its p-value is under 5%
divided by the number of disparities tested (Bonferroni, as the monitor divides by its windows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from fairdash.audit.metrics import COUNT_COLUMNS, DISPARITY_NAMES, DISPARITY_RATES
from fairdash.errors import InvalidInputError, brief
from fairdash.monitor.windows import GAP_DENOMINATORS, gap_change

__all__ = ["LEVEL", "COMPARED_RATES", "Comparison", "compare_audits", "comparison_json"]

LEVEL = 0.05
"""The family-wise level of the "beyond chance" verdicts."""
COMPARED_RATES = ("selection_rate", "tpr", "fpr", "precision", "base_rate", "accuracy")
"""The group rates shown side by side."""
_Z95 = 1.959963984540054  # the normal quantile of a 95% two-sided interval


@dataclass(frozen=True)
class Comparison:
    """Two audits compared (see :func:`compare_audits`).

    ``disparities``: one row per disparity, columns ``before, after, change, tested_change, lower, upper, p_value,
    beyond_chance, high, low, rate``: ``change`` is after minus before; the test is of the change between the same two
    groups (``high``, ``low``: the after audit's extremes, by ``rate``), ``tested_change``, with its 95% interval
    ``lower``-``upper`` (it equals ``change`` when both audits have the same extreme groups); NaN/None where undefined. ``groups``: one row
    per (group, rate) of the groups in both audits, columns ``before, after, change, before_lower, before_upper,
    after_lower, after_upper``. ``before``/``after``: what each audit was (title, data, model, thresholds, created).
    """

    before: dict[str, Any]
    after: dict[str, Any]
    disparities: pd.DataFrame
    groups: pd.DataFrame
    notes: tuple[str, ...]


def _table(document: Mapping[str, Any]) -> pd.DataFrame:
    groups = document.get("groups")
    if not isinstance(groups, Mapping) or not groups:
        raise InvalidInputError("An audit to compare has no groups: give the JSON of 'audit --json' or a saved audit's id.")
    table = pd.DataFrame.from_dict(dict(groups), orient="index").astype(float)
    missing = [column for column in ("count", *COUNT_COLUMNS, *COMPARED_RATES) if column not in table.columns]
    if missing:
        raise InvalidInputError(f"An audit to compare lacks the group column(s) {', '.join(missing)}: is it an audit's JSON?")
    return table


def _judged(document: Mapping[str, Any], table: pd.DataFrame) -> pd.DataFrame:
    left_out = document.get("settings", {}).get("groups_left_out_of_disparities") or []
    return table.drop(index=[group for group in left_out if group in table.index])


def _describe(document: Mapping[str, Any], label: Mapping[str, Any]) -> dict[str, Any]:
    settings = document.get("settings", {})
    return {**label, "data": settings.get("data"), "model": settings.get("model"), "thresholds": document.get("thresholds"),
            "tolerance": settings.get("tolerance"), "created": document.get("created")}


def _check_same_question(before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
    for key in ("target", "positive_label", "sensitive"):
        first, second = before.get("settings", {}).get(key), after.get("settings", {}).get(key)
        if first != second:
            raise InvalidInputError(f"The audits differ in {key.replace('_', ' ')} ({brief(first)} before, {brief(second)} after): "
                                    "compare audits of the same target and groups.")


def _extremes(table: pd.DataFrame, name: str) -> tuple[str, Any, Any] | None:
    """The rate and the two groups that define the disparity ``name`` in ``table`` (equalized odds: the worse rate)."""
    kind, _, measure = name.rpartition("_")
    best = None
    for rate in DISPARITY_RATES[kind]:
        values = table[rate].dropna()
        if len(values) < 2:
            continue
        high, low = values.idxmax(), values.idxmin()
        gap = values[high] - values[low] if measure == "difference" else (values[low] / values[high] if values[high] > 0 else math.nan)
        worse = best is None or (gap > best[0] if measure == "difference" else gap < best[0])
        if gap == gap and worse:
            best = (gap, rate, high, low)
    return None if best is None else best[1:]


def _ratio_error(table: pd.DataFrame, rate: str, high: Any, low: Any) -> float | None:
    """The delta-method standard error of ``rate[low] / rate[high]`` from the two binomial proportions."""
    total = 0.0
    for group in (high, low):
        p, n = float(table.loc[group, rate]), float(sum(table.loc[group, column] for column in GAP_DENOMINATORS[rate]))
        if n == 0 or not p > 0:
            return None
        total += (1 - p) / (n * p)
    return abs(table.loc[low, rate] / table.loc[high, rate]) * math.sqrt(total)


def _disparity_row(name: str, before: Mapping[str, Any], after: Mapping[str, Any], tables: tuple[pd.DataFrame, pd.DataFrame]) -> dict[str, Any]:
    """One disparity before and after, its change, and the test of the change between the same two groups: that
    change (``tested_change``, the ``change`` itself when the extreme groups are the same in both audits), its 95%
    interval and p-value (NaN where untestable)."""
    from scipy.stats import norm

    old, new = (_number(document.get("disparities", {}).get(name)) for document in (before, after))
    row = {"before": old, "after": new, "change": new - old, "tested_change": math.nan, "lower": math.nan, "upper": math.nan,
           "p_value": math.nan, "rate": None, "high": None, "low": None}
    found = _extremes(tables[1], name)
    if found is None or row["change"] != row["change"]:
        return row
    rate, high, low = found
    if name.endswith("_difference"):
        tested = gap_change(tables[1], tables[0], rate, high, low)
    else:
        tested = _ratio_change(tables, rate, high, low)
    if tested is not None and tested[1] > 0:
        delta, error = tested
        row.update(tested_change=delta, lower=delta - _Z95 * error, upper=delta + _Z95 * error,
                   p_value=float(2 * norm.sf(abs(delta) / error)), rate=rate, high=high, low=low)
    return row


def _ratio_change(tables: tuple[pd.DataFrame, pd.DataFrame], rate: str, high: Any, low: Any) -> tuple[float, float] | None:
    """The change in ``rate[low] / rate[high]`` from the first table to the second, and its delta-method standard error."""
    ratios, variance = [], 0.0
    for table in tables:
        if high not in table.index or low not in table.index:
            return None
        error = _ratio_error(table, rate, high, low)
        if error is None:
            return None
        ratios.append(float(table.loc[low, rate] / table.loc[high, rate]))
        variance += error ** 2
    return ratios[1] - ratios[0], math.sqrt(variance)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


def _group_rows(before: Mapping[str, Any], after: Mapping[str, Any], tables: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    """Each rate of each group in both audits, before and after, with the audits' own bootstrap intervals."""
    rows = []
    for group in [label for label in tables[1].index if label in tables[0].index]:
        for rate in COMPARED_RATES:
            old, new = float(tables[0].loc[group, rate]), float(tables[1].loc[group, rate])
            bounds = [document.get("intervals", {}).get(group, {}).get(rate) or [None, None] for document in (before, after)]
            rows.append({"group": group, "rate": rate, "before": old, "after": new, "change": new - old,
                         "before_lower": _number(bounds[0][0]), "before_upper": _number(bounds[0][1]),
                         "after_lower": _number(bounds[1][0]), "after_upper": _number(bounds[1][1])})
    return pd.DataFrame(rows).set_index(["group", "rate"]) if rows else pd.DataFrame(
        columns=["before", "after", "change", "before_lower", "before_upper", "after_lower", "after_upper"])


def compare_audits(before: Mapping[str, Any], after: Mapping[str, Any], *, before_label: Mapping[str, Any] | None = None,
                   after_label: Mapping[str, Any] | None = None) -> Comparison:
    """Compare two audits' JSON documents (see the module's description for the test).

    Parameters
    ----------
    before, after : dict
        The audits' JSON (:func:`fairdash.present.report.audit_json`), the older first.
    before_label, after_label : dict, optional
        What names each audit (e.g. ``{"id": ..., "title": ...}`` or ``{"file": ...}``), carried into the result.

    Raises
    ------
    InvalidInputError
        Documents that are not audits, or audits of another target, positive label or sensitive columns.
    """
    _check_same_question(before, after)
    tables = (_judged(before, _table(before)), _judged(after, _table(after)))
    rows = {name: _disparity_row(name, before, after, tables) for name in DISPARITY_NAMES}
    disparities = pd.DataFrame.from_dict(rows, orient="index")
    tested = int(disparities["p_value"].notna().sum())
    disparities["beyond_chance"] = [None if p != p else bool(p < LEVEL / max(tested, 1)) for p in disparities["p_value"]]
    full = (_table(before), _table(after))
    notes = []
    for label, only in (("before", full[0].index.difference(full[1].index)), ("after", full[1].index.difference(full[0].index))):
        if len(only):
            notes.append(f"Groups only in the {label} audit: {', '.join(brief(group) for group in only[:8])}.")
    if before.get("thresholds") != after.get("thresholds"):
        notes.append(f"The thresholds differ ({before.get('thresholds')} before, {after.get('thresholds')} after).")
    return Comparison(before=_describe(before, before_label or {}), after=_describe(after, after_label or {}),
                      disparities=disparities, groups=_group_rows(before, after, full), notes=tuple(notes))


def _verdict(value: Any) -> bool | None:
    return None if value is None or value != value else bool(value)


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """The comparison as JSON: ``disparities`` (name -> ``before``, ``after``, ``change``, ``interval``, ``p_value``,
    ``beyond_chance``, ``tested``: the rate, the two groups and the change between them that ``interval`` and
    ``p_value`` are of) and ``groups`` (group -> rate -> ``before``, ``after``, ``change``, ``before_interval``,
    ``after_interval``), with ``before``, ``after``, ``notes`` and ``method``."""
    from fairdash.present.document import json_number

    def tested(row: Mapping[str, Any]) -> dict[str, Any] | None:
        return None if pd.isna(row["rate"]) else {"rate": row["rate"], "high": str(row["high"]), "low": str(row["low"]),
                                                 "change": json_number(row["tested_change"])}

    groups: dict[str, dict[str, Any]] = {}
    for (group, rate), row in comparison.groups.iterrows():
        groups.setdefault(str(group), {})[rate] = {
            "before": json_number(row["before"]), "after": json_number(row["after"]), "change": json_number(row["change"]),
            "before_interval": [json_number(row["before_lower"]), json_number(row["before_upper"])],
            "after_interval": [json_number(row["after_lower"]), json_number(row["after_upper"])]}
    return {
        "before": comparison.before,
        "after": comparison.after,
        "disparities": {name: {"before": json_number(row["before"]), "after": json_number(row["after"]),
                               "change": json_number(row["change"]), "interval": [json_number(row["lower"]), json_number(row["upper"])],
                               "p_value": json_number(row["p_value"]), "beyond_chance": _verdict(row["beyond_chance"]), "tested": tested(row)}
                        for name, row in comparison.disparities.iterrows()},
        "groups": groups,
        "notes": list(comparison.notes),
        "method": (f"change = after - before; interval (95%, normal) and p_value (two-sided z-test) of the change between the "
                   "same two groups, the after audit's extremes (tested.change), from the binomial variances of the four "
                   f"proportions (ratios by the delta method); beyond chance when p_value < {LEVEL:g} divided by the number "
                   "of disparities tested"),
    }
