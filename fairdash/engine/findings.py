"""Each disparity's finding: its value, the rule it is judged by and the verdict (decided by
:func:`fairdash.engine.metrics.verdict`), why it is undefined, and the facts a sentence about it needs (the groups at
the extremes of its rates, with their rates; the reference group's comparison). The sentences themselves are
written in :mod:`fairdash.present.sentences`: numbers inside, words at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairdash.engine.metrics import (
    DEFAULT_TOLERANCE,
    DISPARITY_NAMES,
    DISPARITY_RATES,
    conclusive,
    disparities_from_table,
    rule_text,
    verdict,
    verdict_rules,
    why_undefined,
)

__all__ = ["HEADLINE", "Extremes", "AgainstReference", "disparity_findings", "extremes", "against_reference"]

HEADLINE = (
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equalized_odds_difference",
    "predictive_parity_difference",
)
"""The headline disparities: the ones the Fairness page, a list of saved audits and ``--fail-on-inconclusive`` look at."""


@dataclass(frozen=True)
class Extremes:
    """A rate's lowest and highest groups among those where it is defined (the first of equal ones, as
    ``idxmin``/``idxmax``), their rates, and ``ratio``: lowest over highest (NaN when the highest is 0). Two are equal
    when every field is, an undefined ratio equal to another undefined one (NaN is not equal to itself)."""

    rate: str
    low: Any
    low_rate: float
    high: Any
    high_rate: float
    ratio: float

    def _key(self) -> tuple[Any, ...]:
        return (self.rate, self.low, self.low_rate, self.high, self.high_rate, None if self.ratio != self.ratio else self.ratio)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Extremes) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


@dataclass(frozen=True)
class AgainstReference:
    """The other groups' selection rates as multiples of the reference group's: ``group`` is the one selected least
    often when one is below the reference (``below``), else the one selected most often, at ``multiple`` times."""

    reference: Any
    group: Any
    multiple: float
    below: bool


def disparity_findings(
    table: pd.DataFrame, *, reference: str | None = None, tolerance: float = DEFAULT_TOLERANCE, bounds: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each disparity with its verdict, whether its interval supports the verdict, and the facts a sentence needs.

    Differences pass at ``tolerance`` or less; the selection-rate ratio passes at four fifths
    (0.8) or more (the four-fifths rule). The other ratios are shown without a verdict: no rule
    sets a bar for them. A disparity that is undefined (see :func:`fairdash.engine.metrics.undefined_reason`) neither passes
    nor fails, and ``undefined`` says why. ``bounds`` (index: disparity; columns ``lower``, ``upper``: the result's
    ``intervals.disparities``) decide ``conclusive`` (see :func:`fairdash.engine.metrics.conclusive`); without them it is
    None.

    Returns
    -------
    pandas.DataFrame
        Index: disparity name; columns ``value``, ``rule`` (e.g. ``">= 0.8"``, or ``""`` where none
        applies), ``passed`` (True, False, or None), ``conclusive`` (True: the interval lies wholly on the verdict's
        side of the bar; False: it crosses the bar; None: no verdict, or no ``bounds``), ``undefined`` (the reason, or
        None), ``extremes`` (an :class:`Extremes` per rate the disparity compares, None where fewer than two groups
        define it) and ``against_reference`` (an :class:`AgainstReference` for the selection-rate ratio, else None).
        :func:`fairdash.present.sentences.finding_sentence` writes each in words.
    """
    summary = disparities_from_table(table)
    ends = {rate: extremes(table, rate) for rate in ("selection_rate", "tpr", "fpr", "precision")}
    selection = ends["selection_rate"]
    versus = (
        against_reference(table["selection_rate"], reference, selection.high)
        if selection is not None and selection.low_rate != selection.high_rate
        else None
    )
    rows = []
    rules = verdict_rules(tolerance)
    for name in DISPARITY_NAMES:
        value = summary[name]
        reason = why_undefined(table, name) if np.isnan(value) else None
        rule, passed = rule_text(rules[name]), verdict(value, rules[name])
        supported = (
            None if bounds is None else conclusive(value, bounds.loc[name, "lower"], bounds.loc[name, "upper"], rules[name])
        )
        rows.append(
            {
                "disparity": name,
                "value": value,
                "rule": rule,
                "passed": passed,
                "conclusive": supported,
                "undefined": reason,
                "extremes": tuple(ends[rate] for rate in DISPARITY_RATES[name.rsplit("_", 1)[0]]),
                "against_reference": versus if name == "demographic_parity_ratio" else None,
            }
        )
    findings = pd.DataFrame(index=pd.Index([row.pop("disparity") for row in rows], name="disparity"))
    for column in rows[0]:
        # object columns built from lists keep None as None (a frame built from records makes it NaN)
        values = [row[column] for row in rows]
        findings[column] = (
            np.array(values, dtype=float) if column == "value" else pd.Series(values, index=findings.index, dtype=object)
        )
    return findings


def extremes(groups: pd.DataFrame, rate: str) -> Extremes | None:
    """The groups with the lowest and the highest ``rate`` of a metric table; None when fewer than two define it."""
    values = groups[rate].dropna()
    if len(values) < 2:
        return None
    low, high = float(values.min()), float(values.max())
    return Extremes(
        rate=rate,
        low=values.idxmin(),
        low_rate=low,
        high=values.idxmax(),
        high_rate=high,
        ratio=low / high if high > 0 else float("nan"),
    )


def against_reference(selection: pd.Series, reference: str | None, highest: Any) -> AgainstReference | None:
    """The other groups' selection rates against the reference group's, named from the reference's side: the group
    selected least often when one is below the reference, else (the reference is the lowest) the one selected most
    often; None when the reference is the highest (the sentence before says it) or has no rate."""
    if reference in (None, highest) or reference not in selection.index or not selection[reference] > 0:
        return None
    versus = (selection / selection[reference]).drop(index=reference).dropna()
    if not len(versus):
        return None
    if versus.min() < 1:
        return AgainstReference(reference=reference, group=versus.idxmin(), multiple=float(versus.min()), below=True)
    return AgainstReference(reference=reference, group=versus.idxmax(), multiple=float(versus.max()), below=False)
