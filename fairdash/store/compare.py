"""Two audits side by side (two versions of a model, this month's data against last month's): each disparity and each
group's rates before and after, the change, its interval, and whether it is beyond chance.

The audits are their JSON documents (saved, or written by ``audit --json``); nothing is recomputed from rows. They
must have the same target and sensitive columns, and the shape :func:`check_audit_document` checks. Whether a change is
beyond chance is the monitor's change test (:func:`fairdash.monitor.windows.gap_change`): for a difference, a two-sided
z-test of the change in the gap between the same two groups, from the binomial variances of the four proportions. For a
ratio (the monitor tests none), the same four proportions by the delta method: the ratio's variance is
``r² (var(p_low)/p_low² + var(p_high)/p_high²)``. A change is beyond chance when its p-value is under 5% divided by the
number of disparities tested (Bonferroni, as the monitor divides by its windows).

The two groups tested are the after audit's extremes (the groups that define its disparity); where its groups all
have the same rate (no two groups to test between: a group is never tested against itself) or that pair cannot be
tested, the before audit's extremes. Where those two groups define the disparity in both audits, the change tested is
``change`` itself; otherwise (the extreme groups moved) it is the change in the gap between the two groups tested, and
the result says so (``tested_is_change``), for the page and the command line to label the interval with the pair.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from fairdash.audit.metrics import COUNT_COLUMNS, DISPARITY_NAMES, DISPARITY_RATES
from fairdash.errors import InvalidInputError, brief
from fairdash.monitor.windows import GAP_DENOMINATORS, gap_change

__all__ = ["LEVEL", "COMPARED_RATES", "Comparison", "check_audit_document", "read_audit_document", "compare_audits", "comparison_json"]

LEVEL = 0.05
"""The family-wise level of the "beyond chance" verdicts."""
COMPARED_RATES = ("selection_rate", "tpr", "fpr", "precision", "base_rate", "accuracy")
"""The group rates shown side by side."""
_Z95 = 1.959963984540054  # the normal quantile of a 95% two-sided interval
_GROUP_COUNTS = ("count", *COUNT_COLUMNS)
_MAX_COUNT = 2 ** 53  # the largest whole number a JSON number (a double) holds exactly
_DENOMINATORS = {**GAP_DENOMINATORS, "base_rate": ("count",), "accuracy": ("count",)}  # the rows each rate is a share of
_NOT_AN_AUDIT = "{name} is not an audit's JSON: {what}. Give the JSON 'audit --json' wrote, or a saved audit's id."


@dataclass(frozen=True)
class Comparison:
    """Two audits compared (see :func:`compare_audits`).

    ``disparities``: one row per disparity, columns ``before, after, change, tested_change, lower, upper, p_value,
    beyond_chance, high, low, rate, tested_is_change, why_untested``: ``change`` is after minus before; the test is of the
    change between two groups (``high``, ``low``, by ``rate``: the after audit's extremes, or the before audit's where
    the after audit's cannot be tested), ``tested_change``, with its 95% interval ``lower``-``upper``.
    ``tested_is_change`` says whether that is ``change`` itself (the two groups define the disparity in both audits) or
    the change in the gap between those two groups (the extreme groups moved); ``why_untested`` says why a change was not
    tested (NaN/None where undefined). ``groups``: one row per (group, rate) of the groups in both audits, columns
    ``before, after, change, before_lower, before_upper, after_lower, after_upper``. ``before``/``after``: what each
    audit was (title, data, model, thresholds, created).
    """

    before: dict[str, Any]
    after: dict[str, Any]
    disparities: pd.DataFrame
    groups: pd.DataFrame
    notes: tuple[str, ...]


def _shown(value: Any) -> str:
    """A value of a document quoted in a message, short, as JSON names null."""
    return "null" if value is None else brief(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_count(value: Any) -> bool:
    return _is_number(value) and 0 <= value <= _MAX_COUNT and float(value).is_integer()


def _check_groups(groups: Any) -> str | None:
    """What is wrong with an audit's ``groups`` (group -> column -> number), or ``None``."""
    if not isinstance(groups, Mapping) or not groups:
        return f"'groups' is {_shown(groups)}, not an object of the groups' rates"
    for group, row in groups.items():
        wrong = _check_group(group, row)
        if wrong:
            return wrong
    return None


def _check_group(group: Any, row: Any) -> str | None:
    """What is wrong with one group's counts and rates, or ``None``."""
    if not isinstance(row, Mapping):
        return f"the group {brief(group)} is {_shown(row)}, not an object of its rates"
    missing = [column for column in (*_GROUP_COUNTS, *COMPARED_RATES) if column not in row]
    if missing:
        return f"the group {brief(group)} lacks {', '.join(missing)}"
    for column in _GROUP_COUNTS:
        if not _is_count(row[column]):
            return f"the group {brief(group)} has {column} {_shown(row[column])}, not a count (a whole number from 0 to 2**53)"
    if sum(int(row[column]) for column in COUNT_COLUMNS) != int(row["count"]):
        return (f"the group {brief(group)} has {', '.join(f'{column} {int(row[column])}' for column in COUNT_COLUMNS)}, "
                f"which do not add up to its count {int(row['count'])}")
    for column in COMPARED_RATES:  # null where the rate is undefined (a denominator of 0)
        if row[column] is not None and not (_is_number(row[column]) and 0 <= row[column] <= 1):
            return f"the group {brief(group)} has {column} {_shown(row[column])}, not a rate between 0 and 1"
        if row[column] is not None and not sum(int(row[count]) for count in _DENOMINATORS[column]):
            return (f"the group {brief(group)} has {column} {_shown(row[column])}, a share of no rows "
                    f"({' + '.join(_DENOMINATORS[column])} is 0: an audit writes null)")
    return None


def _check_intervals(intervals: Any) -> str | None:
    """What is wrong with an audit's ``intervals`` (group -> rate -> [lower, upper], each null where undefined), or ``None``."""
    if not isinstance(intervals, Mapping):
        return f"'intervals' is {_shown(intervals)}, not an object of the groups' intervals"
    for group, rates in intervals.items():
        if rates is not None and not isinstance(rates, Mapping):
            return f"the intervals of {brief(group)} are {_shown(rates)}, not an object"
        for rate in COMPARED_RATES:
            bounds = (rates or {}).get(rate)
            if bounds is not None and not (isinstance(bounds, (list, tuple)) and len(bounds) == 2
                                           and all(bound is None or _is_number(bound) for bound in bounds)):
                return f"the {rate} interval of the group {brief(group)} is {_shown(bounds)}, not [lower, upper]"
    return None


def _check_settings(document: Mapping[str, Any]) -> str | None:
    """What is wrong with an audit's ``settings``, ``disparities``, ``thresholds`` and ``created``, or ``None``."""
    settings, disparities = document.get("settings"), document.get("disparities", {})
    if not isinstance(settings, Mapping):
        return f"'settings' is {_shown(settings)}, not an object"
    left_out = settings.get("groups_left_out_of_disparities")
    if left_out is not None and not (isinstance(left_out, list) and all(isinstance(group, str) for group in left_out)):
        return f"'groups_left_out_of_disparities' is {_shown(left_out)}, not a list of groups"
    for key in ("data", "model"):
        if settings.get(key) is not None and not isinstance(settings[key], str):
            return f"the settings' {key} is {_shown(settings[key])}, not a name"
    if settings.get("tolerance") is not None and not _is_number(settings["tolerance"]):
        return f"the tolerance is {_shown(settings['tolerance'])}, not a number"
    if settings.get("min_group_size") is not None and not _is_count(settings["min_group_size"]):  # absent in older audits
        return f"the small-group minimum is {_shown(settings['min_group_size'])}, not a whole number of rows"
    if not isinstance(disparities, Mapping):
        return f"'disparities' is {_shown(disparities)}, not an object of the disparities"
    for name in DISPARITY_NAMES:  # a difference is the highest rate minus the lowest, a ratio the lowest over the highest
        if disparities.get(name) is not None and not (_is_number(disparities[name]) and 0 <= disparities[name] <= 1):
            return f"the disparity {name} is {_shown(disparities[name])}, not a number between 0 and 1"
    thresholds = document.get("thresholds")
    if not (thresholds is None or _is_number(thresholds) or isinstance(thresholds, Mapping)
            and all(isinstance(group, str) and _is_number(value) for group, value in thresholds.items())):
        return f"'thresholds' is {_shown(thresholds)}, not a threshold or an object of one per group"
    if document.get("created") is not None and not isinstance(document["created"], str):
        return f"'created' is {_shown(document['created'])}, not a time"
    return None


def check_audit_document(document: Any, *, name: str = "The audit") -> None:
    """Check that ``document`` has the shape of an audit's JSON where :func:`compare_audits` reads it.

    Parameters
    ----------
    document : object
        An audit's JSON as parsed (:func:`fairdash.present.report.audit_json`).
    name : str
        What the message calls the document (a file's name, "The before audit").

    Raises
    ------
    InvalidInputError
        Naming the first part that is not as an audit writes it (``settings``, ``groups``, ``disparities``,
        ``intervals``, ``thresholds``, ``created``), or a number no audit can hold: a disparity outside 0-1 (a
        difference is the highest rate minus the lowest, a ratio the lowest over the highest), a rate outside 0-1, a
        count that is not a whole number from 0 to 2**53, a group whose tp, fp, tn and fn do not add up to its count, or a
        rate given where it is a share of no rows.
    """
    if not isinstance(document, Mapping):
        raise InvalidInputError(_NOT_AN_AUDIT.format(name=name, what=f"it is {_shown(document)}, not an object"))
    wrong = _check_settings(document) or _check_groups(document.get("groups")) or _check_intervals(document.get("intervals", {}))
    if wrong:
        raise InvalidInputError(_NOT_AN_AUDIT.format(name=name, what=wrong))


def read_audit_document(text: str | bytes, *, name: str = "The audit") -> dict[str, Any]:
    """An audit's JSON text (a file's bytes, a saved audit's JSON) parsed and checked (:func:`check_audit_document`).

    Raises
    ------
    InvalidInputError
        Text that is not UTF-8 JSON (NaN and Infinity, which Python's parser would take, are not JSON), or JSON that is
        not an audit's.
    """
    def refused(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    try:
        document = json.loads(text.decode("utf-8-sig") if isinstance(text, bytes) else text, parse_constant=refused)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, NaN or Infinity, or nested past the parser's depth
        raise InvalidInputError(f"{name} is not an audit's JSON (not valid UTF-8 JSON).") from None
    check_audit_document(document, name=name)
    return document


def _table(document: Mapping[str, Any]) -> pd.DataFrame:
    """The groups' counts and compared rates (checked by :func:`check_audit_document`), NaN where undefined."""
    columns = [*_GROUP_COUNTS, *COMPARED_RATES]
    rows = {group: [row[column] for column in columns] for group, row in document["groups"].items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns).astype(float)


def _judged(document: Mapping[str, Any], table: pd.DataFrame) -> pd.DataFrame:
    left_out = document["settings"].get("groups_left_out_of_disparities") or []
    return table.drop(index=[group for group in left_out if group in table.index])


def _describe(document: Mapping[str, Any], label: Mapping[str, Any]) -> dict[str, Any]:
    settings = document["settings"]
    return {**label, "data": settings.get("data"), "model": settings.get("model"), "thresholds": document.get("thresholds"),
            "tolerance": settings.get("tolerance"), "min_group_size": settings.get("min_group_size"), "created": document.get("created")}


def _check_same_question(before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
    for key in ("target", "positive_label", "sensitive"):
        first, second = before["settings"].get(key), after["settings"].get(key)
        if first != second:
            raise InvalidInputError(f"The audits differ in {key.replace('_', ' ')} ({brief(first)} before, {brief(second)} after): "
                                    "compare audits of the same target and groups.")


def _extremes(table: pd.DataFrame, name: str) -> tuple[str, Any, Any] | None:
    """The rate and the two groups that define the disparity ``name`` in ``table`` (equalized odds: the worse rate);
    ``None`` when no rate has two groups that differ (where all groups tie, no pair defines the disparity)."""
    kind, _, measure = name.rpartition("_")
    best = None
    for rate in DISPARITY_RATES[kind]:
        values = table[rate].dropna()
        if len(values) < 2:
            continue
        high, low = values.idxmax(), values.idxmin()
        if high == low:  # every group has the same rate: the "gap" would be a group against itself
            continue
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


def _disparity_row(name: str, before: Mapping[str, Any], after: Mapping[str, Any],
                   tables: tuple[pd.DataFrame, pd.DataFrame]) -> dict[str, Any]:
    """One disparity before and after, its change, and the test of the change between two groups (the after audit's
    extremes, else the before audit's): that change (``tested_change``), its 95% interval and p-value, whether it is
    ``change`` itself, and why not tested (NaN where untestable)."""
    from scipy.stats import norm

    old, new = (_number(document.get("disparities", {}).get(name)) for document in (before, after))
    row = {"before": old, "after": new, "change": new - old, "tested_change": math.nan, "lower": math.nan, "upper": math.nan,
           "p_value": math.nan, "rate": None, "high": None, "low": None, "tested_is_change": None, "why_untested": None}
    if row["change"] != row["change"]:
        undefined = " and ".join(label for label, value in (("before", old), ("after", new)) if value != value)
        return {**row, "why_untested": f"the disparity is undefined {undefined}"}
    pairs = list(dict.fromkeys(found for found in (_extremes(tables[1], name), _extremes(tables[0], name)) if found is not None))
    if not pairs:
        rates = " or ".join(rate.replace("_", " ") for rate in DISPARITY_RATES[name.rpartition("_")[0]])
        return {**row, "why_untested": f"no two groups differ in {rates} in either audit"}
    for rate, high, low in pairs:
        if name.endswith("_difference"):
            tested = gap_change(tables[1], tables[0], rate, high, low)
        else:
            tested = _ratio_change(tables, rate, high, low)
        if tested is not None and tested[1] > 0:
            delta, error = tested
            # The tested pair defines the disparity in both audits exactly when its change is the disparity's change.
            row.update(tested_change=delta, lower=delta - _Z95 * error, upper=delta + _Z95 * error, rate=rate, high=high, low=low,
                       p_value=float(2 * norm.sf(abs(delta) / error)),
                       tested_is_change=math.isclose(delta, row["change"], rel_tol=1e-9, abs_tol=1e-12))
            return row
    return {**row, "why_untested": f"the gap between {brief(pairs[0][1])} and {brief(pairs[0][2])} has no variance, an undefined "
                                   "rate or a group missing from one audit"}


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
            bounds = [((document.get("intervals") or {}).get(group) or {}).get(rate) or [None, None] for document in (before, after)]
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
        Documents that are not audits (see :func:`check_audit_document`), or audits of another target, positive label or
        sensitive columns.
    """
    check_audit_document(before, name="The before audit")
    check_audit_document(after, name="The after audit")
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
        notes.append(f"The thresholds differ ({brief(before.get('thresholds'), 200)} before, {brief(after.get('thresholds'), 200)} after).")
    for key, what in (("min_group_size", "small-group minimums"), ("tolerance", "tolerances")):
        first, second = before["settings"].get(key), after["settings"].get(key)
        if first is not None and second is not None and first != second:  # an older audit's JSON does not say
            notes.append(f"The {what} differ ({first:g} before, {second:g} after): the groups judged or the verdicts may differ for that alone.")
    return Comparison(before=_describe(before, before_label or {}), after=_describe(after, after_label or {}),
                      disparities=disparities, groups=_group_rows(before, after, full), notes=tuple(notes))


def _verdict(value: Any) -> bool | None:
    return None if value is None or value != value else bool(value)


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """The comparison as JSON: ``disparities`` (name -> ``before``, ``after``, ``change``, ``interval``, ``p_value``,
    ``beyond_chance``, ``tested``: the rate, the two groups and the change between them that ``interval`` and
    ``p_value`` are of, and ``is_change``: whether that is ``change`` itself; ``why_untested``: why not tested, or
    null) and ``groups`` (group -> rate -> ``before``, ``after``, ``change``, ``before_interval``, ``after_interval``),
    with ``before``, ``after``, ``notes`` and ``method``."""
    from fairdash.present.document import json_number

    def tested(row: Mapping[str, Any]) -> dict[str, Any] | None:
        return None if pd.isna(row["rate"]) else {"rate": row["rate"], "high": str(row["high"]), "low": str(row["low"]),
                                                 "change": json_number(row["tested_change"]), "is_change": bool(row["tested_is_change"])}

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
                               "p_value": json_number(row["p_value"]), "beyond_chance": _verdict(row["beyond_chance"]),
                               "tested": tested(row), "why_untested": row["why_untested"] if isinstance(row["why_untested"], str) else None}
                        for name, row in comparison.disparities.iterrows()},
        "groups": groups,
        "notes": list(comparison.notes),
        "method": (f"change = after - before; interval (95%, normal) and p_value (two-sided z-test) of the change between the "
                   "same two groups (tested.change), the after audit's extremes, or the before audit's where those cannot be "
                   "tested (all groups tie); it is the change itself where those groups define the disparity in both audits "
                   "(tested.is_change), else the change in the gap between them; from the binomial variances of the four "
                   f"proportions (ratios by the delta method); beyond chance when p_value < {LEVEL:g} divided by the number "
                   "of disparities tested"),
    }
