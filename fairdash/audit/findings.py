"""Each disparity's finding: its value, the rule it is judged by and the verdict (decided by
:func:`fairdash.audit.metrics.verdict`), a sentence in plain words naming the groups, and why it is undefined."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairdash.audit.metrics import (
    DEFAULT_TOLERANCE,
    DISPARITY_NAMES,
    conclusive,
    disparities_from_table,
    rule_text,
    verdict,
    verdict_rules,
    why_undefined,
)

__all__ = ["HEADLINE", "disparity_findings"]

HEADLINE = ("demographic_parity_ratio", "equal_opportunity_difference", "equalized_odds_difference", "predictive_parity_difference")
"""The headline disparities: the ones the Fairness page, a list of saved audits and ``--fail-on-inconclusive`` look at."""


def disparity_findings(table: pd.DataFrame, *, reference: str | None = None, tolerance: float = DEFAULT_TOLERANCE,
                       bounds: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each disparity with its verdict, whether its interval supports the verdict, and a sentence in plain words.

    Differences pass at ``tolerance`` or less; the selection-rate ratio passes at four fifths
    (0.8) or more (the four-fifths rule). The other ratios are shown without a verdict: no rule
    sets a bar for them. A disparity that is undefined (see :func:`fairdash.audit.metrics.undefined_reason`) neither passes
    nor fails, and its sentence says why. ``bounds`` (index: disparity; columns ``lower``, ``upper``: the result's
    ``intervals.disparities``) decide ``conclusive`` (see :func:`fairdash.audit.metrics.conclusive`); without them it is
    None.

    Returns
    -------
    pandas.DataFrame
        Index: disparity name; columns ``value``, ``rule`` (e.g. ``">= 0.8"``, or ``""`` where none
        applies), ``passed`` (True, False, or None), ``conclusive`` (True: the interval lies wholly on the verdict's
        side of the bar; False: it crosses the bar; None: no verdict, or no ``bounds``), ``sentence``, ``undefined``
        (the reason, or None).
    """
    summary = disparities_from_table(table)
    sentences = _sentences(table, reference)
    rows = []
    rules = verdict_rules(tolerance)
    for name in DISPARITY_NAMES:
        value = summary[name]
        reason = why_undefined(table, name) if np.isnan(value) else None
        rule, passed = rule_text(rules[name]), verdict(value, rules[name])
        supported = None if bounds is None else conclusive(value, bounds.loc[name, "lower"], bounds.loc[name, "upper"], rules[name])
        sentence = f"Undefined: {reason}." if reason is not None else sentences.get(name, "")
        rows.append({"disparity": name, "value": value, "rule": rule, "passed": passed, "conclusive": supported,
                     "sentence": sentence, "undefined": reason})
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
        sentences["demographic_parity_ratio"] += _against_reference(groups["selection_rate"], reference, high)
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


def _against_reference(selection: pd.Series, reference: str | None, highest: str) -> str:
    """The other groups' selection rates as multiples of the reference group's, named from the reference's side:
    the group selected least often when one is below the reference, else (the reference is the lowest) the one
    selected most often; nothing when the reference is the highest (the sentence before says it) or has no rate."""
    if reference in (None, highest) or reference not in selection.index or not selection[reference] > 0:
        return ""
    versus = (selection / selection[reference]).drop(index=reference).dropna()
    if not len(versus):
        return ""
    if versus.min() < 1:
        return f" Against the reference {reference}, the lowest is {versus.idxmin()} at {versus.min():.2f} times its rate."
    return (f" Against the reference {reference}, every other group is selected at least as often; "
            f"the highest is {versus.idxmax()} at {versus.max():.2f} times its rate.")
