"""Two audits side by side (two versions of a model, this month's data against last month's): each disparity and each
group's rates before and after, the change, its interval, and whether it is beyond chance.

The audits are their JSON documents (saved, or written by ``audit --json``); nothing is recomputed from rows. They
must have the same target and sensitive columns, and the shape :func:`check_audit_document` checks. Whether a change is
beyond chance is the monitor's change test (:func:`fairdash.engine.changes.largest_change`): every pair of groups judged
in both audits is tested (for a difference, the change in the gap between the two, from the binomial variances of the
four proportions; for a ratio, the change in their ratio by the delta method), the pair whose ``|z|`` is largest is
shown, and its p-value is that of the largest ``|z|`` over all pairs (the studentized range, Tukey-Kramer), so the
choice of the pair is paid for whatever the number of groups. A change is beyond chance when its p-value is under 5%
divided by the number of disparities tested (Bonferroni, as the monitor divides by its windows), and its interval is
simultaneous at that same level: it excludes 0 exactly when the change is beyond chance.

The pair tested is named beside its change (``tested_change``) and interval. Where those two groups define the
disparity in both audits, that change is ``change`` itself (``tested_is_change``); otherwise it is the change in the gap
between the two groups. Where no two groups differ in either audit, the change is not tested (``why_untested``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Literal, Mapping

import pandas as pd

from fairdash.engine.changes import PairChange, largest_change
from fairdash.engine.metrics import COUNT_COLUMNS, DISPARITY_NAMES, DISPARITY_RATES
from fairdash.engine.rates import FLOAT_TOLERANCE, RATES
from fairdash.errors import InvalidInputError, brief

__all__ = [
    "LEVEL",
    "COMPARED_RATES",
    "Comparison",
    "Untested",
    "ComparisonNote",
    "check_audit_document",
    "read_audit_document",
    "compare_audits",
]

LEVEL = 0.05
"""The family-wise level of the "beyond chance" verdicts."""
COMPARED_RATES = ("selection_rate", "tpr", "fpr", "precision", "base_rate", "accuracy")
"""The group rates shown side by side."""
_GROUP_COUNTS = ("count", *COUNT_COLUMNS)
_MAX_COUNT = 2**53  # the largest whole number a JSON number (a double) holds exactly
_DENOMINATORS = {name: RATES[name].count_columns for name in COMPARED_RATES}  # the rows each rate is a share of
_NOT_AN_AUDIT = "{name} is not an audit's JSON: {what}. Give the JSON 'audit --json' wrote, or a saved audit's id."


@dataclass(frozen=True)
class Untested:
    """Why a disparity's change was not tested, as facts (:func:`fairdash.present.sentences.untested_text` says it):
    ``code`` "undefined" (the disparity is undefined in ``audits``, "before" and/or "after"), "no_difference" (no two
    groups differ in ``rates`` in either audit) or "no_variance" (no two groups have the ``rates`` in both audits with a
    change that has a variance)."""

    code: Literal["undefined", "no_difference", "no_variance"]
    audits: tuple[str, ...] = ()
    rates: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComparisonNote:
    """What to know before reading a comparison, as facts (:func:`fairdash.present.sentences.comparison_notes` says it):
    ``code`` "only_groups" (``groups``, the first 8, are only in the ``audit`` "before" or "after"), "thresholds",
    "min_group_size" or "tolerance" (the setting differs: ``before``, ``after``)."""

    code: Literal["only_groups", "thresholds", "min_group_size", "tolerance"]
    audit: str = ""
    groups: tuple[Any, ...] = ()
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class Comparison:
    """Two audits compared (see :func:`compare_audits`).

    ``disparities``: one row per disparity, columns ``before, after, change, tested_change, lower, upper, p_value,
    beyond_chance, high, low, rate, groups_tested, tested_is_change, why_untested``: ``change`` is after minus before;
    the test is over every pair of the ``groups_tested`` groups, and shows the pair whose gap changed the most (``high``,
    ``low``, by ``rate``): its change ``tested_change``, with its simultaneous interval ``lower``-``upper`` (95% over all
    pairs and disparities tested) and the p-value over all pairs. ``tested_is_change`` says whether that is ``change``
    itself (the two groups define the disparity in both audits) or the change in the gap between those two groups;
    ``why_untested`` says why a change was not tested (an :class:`Untested`; None where tested). ``groups``: one row per (group, rate) of the groups in both audits, columns
    ``before, after, change, before_lower, before_upper, after_lower, after_upper``. ``before``/``after``: what each
    audit was (title, data, model, thresholds, created).
    """

    before: dict[str, Any]
    after: dict[str, Any]
    disparities: pd.DataFrame
    groups: pd.DataFrame
    notes: tuple[ComparisonNote, ...]


def _shown(value: Any) -> str:
    """A value of a document quoted in a message, short, as JSON names null."""
    return "null" if value is None else brief(value)


def _is_number(value: Any) -> bool:
    """A finite JSON number a double holds (an integer of 400 digits is valid JSON but no number an audit writes)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


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
        return (
            f"the group {brief(group)} has {', '.join(f'{column} {int(row[column])}' for column in COUNT_COLUMNS)}, "
            f"which do not add up to its count {int(row['count'])}"
        )
    for column in COMPARED_RATES:  # null where the rate is undefined (a denominator of 0)
        if row[column] is not None and not (_is_number(row[column]) and 0 <= row[column] <= 1):
            return f"the group {brief(group)} has {column} {_shown(row[column])}, not a rate between 0 and 1"
        if row[column] is not None and not sum(int(row[count]) for count in _DENOMINATORS[column]):
            return (
                f"the group {brief(group)} has {column} {_shown(row[column])}, a share of no rows "
                f"({' + '.join(_DENOMINATORS[column])} is 0: an audit writes null)"
            )
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
            if bounds is not None and not (
                isinstance(bounds, (list, tuple))
                and len(bounds) == 2
                and all(bound is None or _is_number(bound) for bound in bounds)
            ):
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
    if not (
        thresholds is None
        or _is_number(thresholds)
        or isinstance(thresholds, Mapping)
        and all(isinstance(group, str) and _is_number(value) for group, value in thresholds.items())
    ):
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
    return {
        **label,
        "data": settings.get("data"),
        "model": settings.get("model"),
        "thresholds": document.get("thresholds"),
        "tolerance": settings.get("tolerance"),
        "min_group_size": settings.get("min_group_size"),
        "created": document.get("created"),
    }


def _same_label(first: Any, second: Any) -> bool:
    """Whether two positive labels name the same outcome: equal, or a number and its text (an audit counted in memory
    writes the label 1, one counted by DuckDB or Spark writes "1"); two texts must be equal ("01" is not "1")."""
    if first == second:
        return True
    for number, text in ((first, second), (second, first)):
        if _is_number(number) and isinstance(text, str):
            try:
                return float(text) == float(number)
            except ValueError:
                return False
    return False


def _check_same_question(before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
    for key in ("target", "positive_label", "sensitive"):
        first, second = before["settings"].get(key), after["settings"].get(key)
        if not (_same_label(first, second) if key == "positive_label" else first == second):
            raise InvalidInputError(
                f"The audits differ in {key.replace('_', ' ')} ({brief(first)} before, {brief(second)} after): "
                "compare audits of the same target and groups."
            )


def _some_differ(tables: tuple[pd.DataFrame, pd.DataFrame], rates: tuple[str, ...]) -> bool:
    """Whether two groups differ in one of ``rates`` in either table (else every gap is 0 in both: nothing to test)."""
    return any(table[rate].dropna().nunique() > 1 for table in tables for rate in rates)


def _disparity_row(
    name: str, before: Mapping[str, Any], after: Mapping[str, Any], tables: tuple[pd.DataFrame, pd.DataFrame]
) -> tuple[dict[str, Any], PairChange | None]:
    """One disparity before and after, its change, and the test of change over every pair of groups
    (:func:`fairdash.engine.changes.largest_change`): the pair whose gap changed the most, that change
    (``tested_change``), its p-value over all pairs, whether it is ``change`` itself, and why not tested (NaN where
    untestable). The interval is set by :func:`compare_audits`, once the number of disparities tested is known."""
    old, new = (_number(document.get("disparities", {}).get(name)) for document in (before, after))
    row: dict[str, Any] = {
        "before": old,
        "after": new,
        "change": new - old,
        "tested_change": math.nan,
        "lower": math.nan,
        "upper": math.nan,
        "p_value": math.nan,
        "rate": None,
        "high": None,
        "low": None,
        "groups_tested": 0,
        "tested_is_change": None,
        "why_untested": None,
    }
    if row["change"] != row["change"]:
        undefined = tuple(label for label, value in (("before", old), ("after", new)) if value != value)
        return {**row, "why_untested": Untested("undefined", audits=undefined)}, None
    kind, _, measure = name.rpartition("_")
    rates = DISPARITY_RATES[kind]
    if not _some_differ(tables, rates):
        return {**row, "why_untested": Untested("no_difference", rates=rates)}, None
    found = largest_change(tables[1], tables[0], rates, measure="difference" if measure == "difference" else "ratio")
    if found is None:
        return {**row, "why_untested": Untested("no_variance", rates=rates)}, None
    # The tested pair defines the disparity in both audits exactly when its change is the disparity's change.
    row.update(
        tested_change=found.change,
        p_value=found.p_value,
        rate=found.rate,
        high=found.high,
        low=found.low,
        groups_tested=found.groups,
        tested_is_change=math.isclose(found.change, row["change"], rel_tol=1e-9, abs_tol=FLOAT_TOLERANCE),
    )
    return row, found


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


def _group_rows(before: Mapping[str, Any], after: Mapping[str, Any], tables: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    """Each rate of each group in both audits, before and after, with the audits' own bootstrap intervals."""
    rows = []
    for group in [label for label in tables[1].index if label in tables[0].index]:
        for rate in COMPARED_RATES:
            old, new = float(tables[0].loc[group, rate]), float(tables[1].loc[group, rate])
            bounds = [
                ((document.get("intervals") or {}).get(group) or {}).get(rate) or [None, None] for document in (before, after)
            ]
            rows.append(
                {
                    "group": group,
                    "rate": rate,
                    "before": old,
                    "after": new,
                    "change": new - old,
                    "before_lower": _number(bounds[0][0]),
                    "before_upper": _number(bounds[0][1]),
                    "after_lower": _number(bounds[1][0]),
                    "after_upper": _number(bounds[1][1]),
                }
            )
    return (
        pd.DataFrame(rows).set_index(["group", "rate"])
        if rows
        else pd.DataFrame(columns=["before", "after", "change", "before_lower", "before_upper", "after_lower", "after_upper"])
    )


def compare_audits(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    before_label: Mapping[str, Any] | None = None,
    after_label: Mapping[str, Any] | None = None,
) -> Comparison:
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
    tested = sum(found is not None for _, found in rows.values())
    for row, found in rows.values():  # the interval at the verdict's level: it excludes 0 exactly when beyond chance
        if found is not None:
            row["lower"], row["upper"] = found.interval(LEVEL / tested)
    disparities = pd.DataFrame.from_dict({name: row for name, (row, _) in rows.items()}, orient="index")
    disparities["beyond_chance"] = [None if p != p else bool(p < LEVEL / max(tested, 1)) for p in disparities["p_value"]]
    full = (_table(before), _table(after))
    notes = []
    for label, only in (("before", full[0].index.difference(full[1].index)), ("after", full[1].index.difference(full[0].index))):
        if len(only):
            notes.append(ComparisonNote("only_groups", audit=label, groups=tuple(only[:8])))
    if before.get("thresholds") != after.get("thresholds"):
        notes.append(ComparisonNote("thresholds", before=before.get("thresholds"), after=after.get("thresholds")))
    for key in ("min_group_size", "tolerance"):
        first, second = before["settings"].get(key), after["settings"].get(key)
        if first is not None and second is not None and first != second:  # an older audit's JSON does not say
            notes.append(ComparisonNote(key, before=first, after=second))
    return Comparison(
        before=_describe(before, before_label or {}),
        after=_describe(after, after_label or {}),
        disparities=disparities,
        groups=_group_rows(before, after, full),
        notes=tuple(notes),
    )
