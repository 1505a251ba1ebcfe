"""Numbers as text for people: the metric table with its intervals, percentages, thresholds, verdict words."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from fairdash.engine.intervals import Intervals
from fairdash.engine.metrics import RATE_NAMES

__all__ = [
    "formatted_table",
    "formatted_overall",
    "percent",
    "threshold_text",
    "verdict_word",
    "inconclusive_note",
    "verdict_text",
    "verdict_words",
    "NO_RULE",
    "NO_VERDICT",
    "findings_as_saved",
    "COLUMN_LABELS",
    "for_people",
    "suggestion_table",
    "PER_GROUP_THRESHOLDS_CAUTION",
]


def formatted_table(table: pd.DataFrame, intervals: Intervals | None = None) -> pd.DataFrame:
    """The metric table as text for people: rates as percentages with their interval, counts with separators."""
    shown = pd.DataFrame(index=table.index)
    shown["Rows"] = table["count"].map("{:,}".format)
    for rate in ("base_rate", "selection_rate", "tpr", "fpr", "fnr", "precision", "accuracy"):
        values = table[rate]
        if intervals is None:
            shown[RATE_NAMES[rate]] = values.map(percent)
        else:
            lower, upper = intervals.lower.loc[table.index, rate], intervals.upper.loc[table.index, rate]
            shown[RATE_NAMES[rate]] = [
                percent(value) + ("" if np.isnan(low) else f" ({low * 100:.1f}–{high * 100:.1f})")
                for value, low, high in zip(values, lower, upper)
            ]
    if intervals is not None:
        shown["Note"] = ["too few rows to judge" if small else "" for small in intervals.too_small.loc[table.index]]
    return shown


def formatted_overall(overall: pd.Series, intervals: Intervals | None = None) -> pd.DataFrame:
    """:func:`formatted_table`'s columns for all rows together (an audit result's ``overall``), as one row kept
    apart from the groups."""
    shown = {"Rows": f"{overall['count']:,}"}
    for rate in ("base_rate", "selection_rate", "tpr", "fpr", "fnr", "precision", "accuracy"):
        text = percent(overall[rate])
        if intervals is not None and not np.isnan(intervals.overall.loc[rate, "lower"]):
            low, high = intervals.overall.loc[rate, ["lower", "upper"]]
            text += f" ({low * 100:.1f}–{high * 100:.1f})"
        shown[RATE_NAMES[rate]] = text
    return pd.DataFrame([shown], index=pd.Index(["all rows"], name="overall"))


def percent(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value * 100:.1f}%"


def threshold_text(thresholds: float | Mapping[str, float]) -> str:
    """Thresholds in words, as every page and report writes them (four significant digits)."""
    if isinstance(thresholds, Mapping):
        return ", ".join(f"{label}: {value:.4g}" for label, value in thresholds.items())
    return f"{thresholds:.4g} for everyone"


NO_RULE = "no rule"
""":func:`verdict_word`'s ``no_rule`` where a column needs a word (the recourse section of a report)."""
NO_VERDICT = "n/a"
""":func:`verdict_word`'s ``undefined`` and ``no_rule`` in the command line's columns."""


def verdict_word(finding: Mapping[str, Any], *, loud: bool = False, undefined: str = "undefined", no_rule: str = "") -> str:
    """A finding's verdict as every presenter names it, the one place the words are written: ``"pass"``, ``"fail"``
    (``"FAIL"`` when ``loud``: the word a reader of a log looks for), ``undefined`` where there is no value (the
    finding's ``undefined`` says why) and ``no_rule`` where no rule sets a bar (``""``; a column that needs a word
    says :data:`NO_VERDICT` or :data:`NO_RULE`). Decided by :func:`fairdash.engine.metrics.verdict`; only named here.

    ``finding`` needs ``passed``; ``undefined`` (the reason) where a value can be missing."""
    if finding.get("undefined"):
        return undefined
    passed = finding["passed"]
    if passed is None:
        return no_rule
    return "pass" if passed else "FAIL" if loud else "fail"


def inconclusive_note(finding: Mapping[str, Any], *, short: bool = False) -> str:
    """``"inconclusive: the interval crosses 0.8"`` (``"inconclusive"`` when ``short``) where a finding's interval
    crosses its rule's bar (its ``conclusive`` is False, see :func:`fairdash.engine.metrics.conclusive`), else ``""``
    (older documents have no ``conclusive``: nothing is said)."""
    if finding.get("conclusive") is not False or finding.get("passed") is None:
        return ""
    bar = str(finding.get("rule") or "").split()[-1:]  # the rule's text, ">= 0.8" or "<= 0.1" (metrics.rule_text)
    return _INCONCLUSIVE.format(bar=bar[0]) if bar and not short else "inconclusive"


_INCONCLUSIVE = "inconclusive: the interval crosses {bar}"


def verdict_words() -> dict[str, str]:
    """The words of :func:`verdict_word` and :func:`inconclusive_note` for a script that judges in the page (the
    threshold preview): ``pass``, ``fail``, ``undefined``, and ``inconclusive`` with ``{bar}`` where the bar goes."""
    return {
        "pass": verdict_word({"passed": True}),
        "fail": verdict_word({"passed": False}),
        "undefined": verdict_word({"undefined": True}),
        "inconclusive": _INCONCLUSIVE,
    }


def verdict_text(finding: Mapping[str, Any]) -> str:
    """The verdict word with the note when the interval does not support it: ``"fail (inconclusive: the interval
    crosses 0.8)"``, ``"pass"``."""
    word, note = verdict_word(finding), inconclusive_note(finding)
    return f"{word} ({note})" if note else word


def findings_as_saved(document: Mapping[str, Any]) -> pd.DataFrame:
    """A saved audit's findings as its JSON holds them (never recomputed): one row per disparity with its value, interval,
    rule, verdict and sentence (or why it is undefined)."""
    intervals = document.get("disparity_intervals") or {}

    def row(name: str, finding: Mapping[str, Any]) -> dict[str, str]:
        low, high = (intervals.get(name) or [None, None])[:2]
        value = finding.get("value")
        return {
            "disparity": name.replace("_", " "),
            "value": "undefined" if value is None else f"{value:.3f}",
            "interval": "" if low is None or high is None else f"{low:.3f} to {high:.3f}",
            "rule": finding.get("rule") or "",
            "verdict": verdict_text(finding),
            "in words": finding.get("undefined") or finding.get("sentence") or "",
        }

    rows = [row(name, finding) for name, finding in (document.get("findings") or {}).items()]
    return pd.DataFrame(rows, columns=["disparity", "value", "interval", "rule", "verdict", "in words"])


COLUMN_LABELS = {
    **RATE_NAMES,
    "share": "Share",
    "too_small": "Too small to judge",
    "rule": "Rule",
    "coverage": "Coverage",
    "tests_sensitive": "Tests a sensitive attribute",
    "tests_proxy": "Tests a likely proxy",
}
"""The names a person reads for the library's column names (a column not listed keeps its own name)."""


def for_people(frame: pd.DataFrame, *, percent_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """A table as text for people: counts with thousands separators, the named columns as percentages, booleans as
    "yes" or nothing, and the columns under :data:`COLUMN_LABELS`' names."""
    shown = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if column in percent_columns:
            values = values.map(lambda value: percent(float(value)))
        elif pd.api.types.is_bool_dtype(values):
            values = values.map({True: "yes", False: ""})
        elif pd.api.types.is_integer_dtype(values):
            values = values.map("{:,}".format)
        shown[COLUMN_LABELS.get(column, column)] = values
    return shown


PER_GROUP_THRESHOLDS_CAUTION = (
    "Thresholds set per group treat the groups differently by design: two people with the same score can get "
    "different decisions because of their group. Some jurisdictions forbid this for protected attributes (in US "
    "employment, for instance, adjusting scores or cut-offs by race, sex or national origin is unlawful); check "
    "what applies before you use them."
)
"""Said wherever per-group thresholds are offered (Suggest on the Fairness page, the thresholds fix)."""


def suggestion_table(suggestion: Any) -> pd.DataFrame:
    """Every disparity of a :class:`~fairdash.engine.thresholds.Suggestion` before (at its one threshold) and
    after (at the suggested thresholds), over the judged groups: one row per disparity, NaN where undefined
    (and ``after`` all NaN when nothing was suggested)."""
    names = list(suggestion.before)
    after = suggestion.after or {}
    return pd.DataFrame(
        {
            f"Before (one threshold of {suggestion.baseline_threshold:g})": [suggestion.before[name] for name in names],
            "After (suggested)": [after.get(name, float("nan")) for name in names],
        },
        index=pd.Index([name.replace("_", " ").capitalize() for name in names], name="Disparity (judged groups)"),
    )
