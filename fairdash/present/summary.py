"""The Summary: what an audit found, in plain words, for a reader who is not an analyst.

One sentence per headline disparity (:data:`fairdash.engine.findings.HEADLINE`) with its value, interval and verdict,
written here from the result's numbers (the findings' value, rule, verdict and ``conclusive``, the judged groups'
rates): the library decides, this module only words it. Then the groups left out and why, the largest driver of the
gap (when the explanations were computed), the fix that closes the most of the gap at the least accuracy (when fixes
were compared), what the audit cannot tell, and a glossary of every term the report uses. :func:`summary_html` is the
report's first section; the dashboard's Summary page shows the same :class:`Summary`.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import pandas as pd

from fairdash.engine.findings import HEADLINE, Extremes
from fairdash.engine.metrics import verdict, verdict_rules
from fairdash.engine.result import AuditResult
from fairdash.run import GAP_SHARE_PREFIX
from fairdash.present.sentences import undefined_text
from fairdash.present.text import NO_RULE, inconclusive_note, verdict_word

__all__ = [
    "HEADLINE_TITLES",
    "CANNOT_TELL",
    "GLOSSARY",
    "SummaryLine",
    "Summary",
    "summary_of",
    "audit_summary",
    "verdict_of",
    "features_from_json",
    "summary_html",
    "NOT_EXPLAINED",
    "NOT_COMPARED",
    "NO_MODEL",
]

HEADLINE_TITLES = {
    "demographic_parity_ratio": "Who is selected (demographic parity ratio)",
    "equal_opportunity_difference": "Who is selected among those with a positive outcome (equal opportunity difference)",
    "equalized_odds_difference": "Both kinds of error (equalized odds difference)",
    "predictive_parity_difference": "How often a selection is right (predictive parity difference)",
}
"""Each headline disparity's title in words (its name follows in brackets, for the reader who looks it up)."""

CANNOT_TELL = (
    "Why the groups differ. The audit measures differences between groups; it does not show what causes them "
    "(the model, the data, or differences in the world), nor that a driver it names causes the gap.",
    "Anything about groups the data does not record. Only the sensitive attributes given were audited; people can "
    "be treated unfairly by an attribute that is not in the table, or by a mix of attributes not examined.",
    "Whether the recorded outcomes are themselves fair. The audit takes the outcomes in the data as the truth: if "
    "past decisions or biased measurement shaped them, a model that matches them can still be unfair.",
    "Much about small groups. Groups under the small-group minimum are left out of the disparities, and a small "
    "group's figures have wide intervals: an inconclusive verdict means the data cannot tell pass from fail.",
    "How the model behaves on other people or later. The figures hold for these rows at these thresholds; another "
    "population, or the same one later, may differ.",
    "Which fairness rule is the right one. When groups' base rates differ, no model meets every rule at once; "
    "choosing which to meet is a decision for people, not for the audit.",
    "Whether the model is lawful. The four-fifths rule is a rule of thumb from United States employment practice; passing or "
    "failing it is not a legal finding.",
)
"""What no audit of this kind can tell, said on every Summary (a fixed list: it does not depend on the data)."""

GLOSSARY = (
    ("Accuracy", "The share of all people whose decision matches their actual outcome."),
    (
        "AUC (area under the ROC curve)",
        "How well the scores rank people with a positive outcome above the others: 1 is perfect, 0.5 is chance.",
    ),
    ("Base rate", "The share of a group whose actual outcome is positive."),
    (
        "Calibration",
        "Whether a score means the same in every group: of the people scored 0.7, about 70% have a positive "
        "outcome, whatever their group. ECE (expected calibration error) is the average gap between score and outcome.",
    ),
    (
        "Confusion matrix",
        "The four counts of a group: selected and positive, selected and negative, not selected and "
        "positive, not selected and negative.",
    ),
    (
        "Counterfactual, recourse",
        "The smallest change to a person's data that would change the decision; recourse by "
        "group compares how far each group's turned-down people are from such a change.",
    ),
    (
        "Demographic parity",
        "Every group is selected at the same rate. Its ratio is the lowest selection rate over the "
        "highest; its difference is the highest minus the lowest.",
    ),
    (
        "Difference, ratio",
        "Two ways to compare groups: the largest rate minus the smallest, or the smallest over the largest (1 means equal).",
    ),
    ("Disparity", "A difference between groups in one of the rates, as a difference or a ratio."),
    (
        "Equal opportunity",
        "Among people whose actual outcome is positive, every group is selected at the same rate (equal true positive rates).",
    ),
    ("Equalized odds", "Equal opportunity, and also equal false positive rates: the larger of the two gaps is reported."),
    ("False negative rate (FNR)", "Among people whose actual outcome is positive, the share not selected."),
    ("False positive rate (FPR)", "Among people whose actual outcome is negative, the share wrongly selected."),
    (
        "Fix",
        "A change that aims to narrow a gap: thresholds per group, reweighing (training rows weighted so that "
        "outcome and group are independent), reductions (training under a fairness constraint), unawareness (training "
        "without the sensitive attributes), or another model.",
    ),
    ("Four-fifths rule", "Every group's selection rate should be at least four fifths (0.8) of the highest group's."),
    ("In sample", "Tuned on the very rows it is judged on, which flatters it."),
    (
        "Inconclusive",
        "The verdict at the measured value could change within the 95% interval: the interval crosses "
        "the rule's bar, so the data cannot tell pass from fail.",
    ),
    (
        "Interval (95%)",
        "The range that holds the true value at least 95 times out of 100 (exact Clopper-Pearson "
        "intervals for rates, combined for disparities).",
    ),
    (
        "Left out (small-group minimum)",
        "Groups with fewer rows than the minimum are not used in the disparities: their rates swing by chance.",
    ),
    (
        "Positive outcome",
        "The value of the target the audit treats as positive (for example, a loan repaid); being "
        "selected means the model predicts it.",
    ),
    ("Precision (PPV, positive predictive value)", "Among the people selected, the share whose actual outcome is positive."),
    ("Predictive parity", "A selection is right equally often in every group (equal precision)."),
    ("Reference group", "The group others are compared with (by default the largest)."),
    ("ROC curve", "The true positive rate against the false positive rate at every threshold."),
    ("Selection rate", "The share of a group the model selects (predicts the positive outcome for)."),
    (
        "SHAP",
        "A method that splits each score into contributions of the features; the share of the gap is each "
        "feature's part in the difference between two groups' mean scores.",
    ),
    ("Subgroup", "People defined by one or two conditions on any column (for example, age under 25 and part-time)."),
    (
        "Surrogate rules, fidelity",
        "A small decision tree that imitates the model's decisions; fidelity is how often it "
        "agrees with them on rows it did not learn from.",
    ),
    ("Threshold", "The score at or above which a person is selected."),
    ("Tolerance", "The largest difference between groups that passes (0.1 by default)."),
    ("True negative rate (TNR)", "Among people whose actual outcome is negative, the share not selected."),
    ("True positive rate (TPR)", "Among people whose actual outcome is positive, the share selected."),
    (
        "Undefined",
        "A disparity that cannot be computed (for example, a group with nobody selected has no precision); the reason is given.",
    ),
)
"""Every term the report, the Summary and the model card use, in plain words (abbreviations spelled out)."""

NOT_EXPLAINED = "Not computed: the explanations (SHAP) were not run for this audit."
NOT_COMPARED = "Not computed: no fixes were compared for this audit."


@dataclass(frozen=True)
class SummaryLine:
    """One headline disparity in words: ``verdict`` is ``"pass"``, ``"fail"``, ``"inconclusive"`` or ``"undefined"``."""

    name: str
    title: str
    value: float
    lower: float
    upper: float
    rule: str
    verdict: str
    sentence: str


@dataclass(frozen=True)
class Summary:
    """What an audit found, in words (see the module's description)."""

    headline: tuple[SummaryLine, ...]
    left_out: str
    driver: str
    best_fix: str
    cannot_tell: tuple[str, ...] = CANNOT_TELL
    glossary: tuple[tuple[str, str], ...] = GLOSSARY


def verdict_of(finding: Mapping[str, Any]) -> str:
    """A finding's verdict as the Summary says it: ``"undefined"`` (no value), ``"inconclusive"`` (its ``conclusive``
    is False: the interval crosses the bar), else ``"pass"`` or ``"fail"`` (``""`` where no rule applies)."""
    if finding["undefined"] or finding["passed"] is None:
        return verdict_word(finding)
    return inconclusive_note(finding, short=True) or verdict_word(finding)


def summary_of(
    result: AuditResult,
    *,
    features: pd.DataFrame | None = None,
    explain_error: str | None = None,
    compared: tuple[str, Sequence[Any]] | None = None,
    not_explained: str = NOT_EXPLAINED,
    not_compared: str = NOT_COMPARED,
) -> Summary:
    """The Summary of one audit result.

    Parameters
    ----------
    result : AuditResult
        The audit; every number said is read from it.
    features : DataFrame, optional
        What the model relies on (:func:`fairdash.run.top_features`); its share-of-the-gap column names the driver.
    explain_error : str, optional
        Why the explanation failed, when it did.
    compared : (constraint, fixes), optional
        The fixes :func:`fairdash.fixes.compare.compare_fixes` made; the best one is named.
    not_explained, not_compared : str
        What to say when there are no explanations, no fixes (a page says where to compute them).
    """
    lines = tuple(_line(result, name) for name in HEADLINE)
    return Summary(
        headline=lines,
        left_out=_left_out(result),
        driver=_driver(result, features, explain_error, not_explained),
        best_fix=_best_fix(result, compared) if compared is not None else not_compared,
    )


NO_MODEL = "Not computed: the audit has scores but no model, and explanations need a model."


def audit_summary(audit: Any, *, compared: tuple[str, Sequence[Any]] | None = None) -> Summary:
    """:func:`summary_of` an :class:`~fairdash.run.Audit`, with its explanations and the fixes ``compared``."""
    return summary_of(
        audit.result,
        features=audit.features,
        explain_error=audit.explain_error,
        compared=compared,
        not_explained=NOT_EXPLAINED if audit.model_name else NO_MODEL,
    )


def features_from_json(document: Mapping[str, Any]) -> pd.DataFrame | None:
    """The audit JSON's ``features`` as the table :func:`summary_of` takes (None when it has none)."""
    features = document.get("features")
    if not features:
        return None
    return pd.DataFrame.from_dict(features, orient="index").astype(float)


# ---- One sentence per headline disparity -------------------------------------------------------------------------


def _shown(value: float, rule: Mapping[str, Any] | None) -> str:
    """``value`` with two decimals, more when two would put it on the other side of the rule's bar (0.795 is not 0.80)."""
    for digits in (2, 3, 4, 6):
        text = f"{value:.{digits}f}"
        if rule is None or verdict(float(text), rule) == verdict(value, rule):
            return text
    return repr(float(value))


def _rate(value: float) -> str:
    return f"{value:.1%}"


def _line(result: AuditResult, name: str) -> SummaryLine:
    finding = result.findings.loc[name].to_dict()
    low, high = (float(bound) for bound in result.intervals.disparities.loc[name, ["lower", "upper"]])
    rule = result.settings.rules[name]
    if rule is None:
        raise ValueError(f"{name} is not a headline disparity: it has no rule")  # every one in HEADLINE has
    word = verdict_of(finding)
    title = HEADLINE_TITLES[name]
    if word == "undefined":
        sentence = f"{title}: undefined, because {undefined_text(finding['undefined'])}."
    else:
        value = float(finding["value"])
        interval = "" if math.isnan(low) else f"95% interval {_shown(low, rule)} to {_shown(high, rule)}"
        sentence = (
            f"{_what(finding, name, _shown(value, rule), interval)}; {_rule_words(rule)}: {_verdict_words(word, finding, rule)}."
        )
    return SummaryLine(
        name=name,
        title=title,
        value=float(finding["value"]),
        lower=low,
        upper=high,
        rule=finding["rule"],
        verdict=word,
        sentence=sentence,
    )


def _ends(finding: Mapping[str, Any], rate: str) -> Extremes | None:
    """The finding's groups with the lowest and the highest ``rate``, as the audit found them (None: fewer than two
    groups define it)."""
    return next((ends for ends in finding["extremes"] or () if ends is not None and ends.rate == rate), None)


def _defined(finding: Mapping[str, Any], rate: str) -> tuple[str, float, str, float]:
    """:func:`_ends` of a rate a defined disparity compares (two groups or more define it), as text and numbers."""
    ends = _ends(finding, rate)
    if ends is None:
        raise ValueError(f"fewer than two groups define the {rate} of a defined disparity")
    return str(ends.low), ends.low_rate, str(ends.high), ends.high_rate


def _gap(ends: Extremes | None) -> float:
    return -math.inf if ends is None else ends.high_rate - ends.low_rate


def _what(finding: Mapping[str, Any], name: str, value: str, interval: str) -> str:
    """The disparity's part of the sentence: the groups at its extremes, their rates and the value with its interval."""
    bracket = f" ({interval})" if interval else ""
    if name == "demographic_parity_ratio":
        low, low_rate, high, high_rate = _defined(finding, "selection_rate")
        if low_rate == high_rate:
            return f"Every group is selected at the same rate ({_rate(low_rate)}): a ratio of {value}{bracket}"
        return (
            f"{low} is selected at {value} times the rate of {high}{bracket}: {_rate(low_rate)} of {low} against "
            f"{_rate(high_rate)} of {high}"
        )
    if name == "equalized_odds_difference":
        # The wider of the two gaps (a rate fewer than two groups define has none): the one the difference is.
        wider = "tpr" if _gap(_ends(finding, "tpr")) >= _gap(_ends(finding, "fpr")) else "fpr"
        return f"The larger of the two error gaps is {value}{bracket}: {_among(_defined(finding, wider), wider == 'tpr')}"
    if name == "equal_opportunity_difference":
        among = _among(_defined(finding, "tpr"), True)
        return f"{among[0].upper()}{among[1:]}: a gap of {value}{bracket}"
    low, low_rate, high, high_rate = _defined(finding, "precision")
    return (
        f"When the model selects someone, it is right {_rate(high_rate)} of the time for {high} and {_rate(low_rate)} "
        f"for {low}: a gap of {value}{bracket}"
    )


def _among(extremes: tuple[str, float, str, float], positive: bool) -> str:
    low, low_rate, high, high_rate = extremes
    if positive:
        return f"among people whose actual outcome is positive, {_rate(high_rate)} of {high} are selected but {_rate(low_rate)} of {low}"
    return (
        f"among people whose actual outcome is negative, {_rate(high_rate)} of {high} are wrongly selected but "
        f"{_rate(low_rate)} of {low}"
    )


def _rule_words(rule: Mapping[str, Any]) -> str:
    if "at_least" in rule:
        return f"the four-fifths rule asks for at least {rule['at_least']:g}"
    return f"the tolerance asks for at most {rule['at_most']:g}"


def _verdict_words(word: str, finding: Mapping[str, Any], rule: Mapping[str, Any]) -> str:
    if word == "inconclusive":
        bar = rule.get("at_least", rule.get("at_most"))
        return (
            f"inconclusive (the value {'passes' if finding['passed'] else 'fails'}, but the interval crosses {bar:g}, "
            "so the data cannot tell)"
        )
    return {"pass": "passes", "fail": "fails"}.get(word, word)


# ---- Groups left out, the driver, the best fix --------------------------------------------------------------------


def _left_out(result: AuditResult) -> str:
    minimum = result.settings.min_group_size
    if not result.left_out:
        return (
            f"No group was left out: every group has at least {minimum:,} rows."
            if minimum
            else "No group was left out (no small-group minimum was set)."
        )
    counts = result.by_group["count"]
    named = [f"{label} ({int(counts[label]):,} row{'s' if int(counts[label]) != 1 else ''})" for label in result.left_out]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return (
        f"Left out of the disparities: {listed}, under the small-group minimum of {minimum:,} rows: too few for "
        "their rates to be judged. Their own figures are still in the report's tables."
    )


def _driver(result: AuditResult, features: pd.DataFrame | None, explain_error: str | None, not_explained: str) -> str:
    if features is None:
        return f"The explanation failed, so no driver is named: {explain_error}" if explain_error else not_explained
    share = next((column for column in features.columns if str(column).startswith(GAP_SHARE_PREFIX)), None)
    rates = result.judged["selection_rate"].astype(float).dropna()
    if share is None or len(rates) < 2:
        return (
            "The explanations do not split the gap between the groups selected most and least often (fewer than two "
            "such groups, or the sample explained missed one), so no driver is named."
        )
    shares = features[share].astype(float).dropna()
    feature = shares.abs().idxmax()
    total = float(shares.sum())
    part = f" ({shares[feature] / total:.0%} of it)" if total and shares[feature] / total > 0 else ""
    return (
        f"The largest driver of the gap between {rates.idxmax()} (selected most often) and {rates.idxmin()} (least often) "
        f"is {feature}: {shares[feature]:+.3f} of the {total:+.3f} difference between their mean scores{part}, "
        "by SHAP on a sample of rows. A driver shows where the gap appears, not what causes it."
    )


def _best_fix(result: AuditResult, compared: tuple[str, Sequence[Any]]) -> str:
    from fairdash.fixes.compare import CONSTRAINT_DISPARITY

    constraint, fixes = compared
    disparity = CONSTRAINT_DISPARITY[constraint]
    words = disparity.replace("_", " ")
    original = next((fix for fix in fixes if fix.name == "original" and fix.error is None), None)
    made = [
        fix
        for fix in fixes
        if fix.error is None and fix.name != "original" and not math.isnan(fix.disparities.get(disparity, math.nan))
    ]
    if original is None or math.isnan(original.disparities.get(disparity, math.nan)) or not made:
        return f"No fix for {constraint.replace('_', ' ')} could be compared with the original model ({len(made)} made)."
    before = original.disparities[disparity]
    closing = [fix for fix in made if fix.disparities[disparity] < before]
    if not closing:
        return f"None of the {len(made)} fixes compared narrows the {words} ({before:.3f} for the original model)."
    rule = verdict_rules(result.settings.tolerance)[disparity]
    within = [fix for fix in closing if verdict(fix.disparities[disparity], rule)]
    best = (
        max(within, key=lambda fix: fix.accuracy)
        if within
        else min(closing, key=lambda fix: (fix.disparities[disparity], -fix.accuracy))
    )
    after = best.disparities[disparity]
    how = (
        f"the most accurate of the {len(within)} that bring it within the tolerance of {result.settings.tolerance:g}"
        if within
        else f"none brings it within the tolerance of {result.settings.tolerance:g}; this one comes closest"
    )
    text = (
        f"{best.title} closes the most of the gap at the least cost in accuracy: the {words} goes from {before:.3f} to "
        f"{after:.3f} ({(before - after) / before:.0%} of it closed), accuracy from {_rate(original.accuracy)} to "
        f"{_rate(best.accuracy)}. Chosen among the {len(made)} fixes compared: {how}."
    )
    if best.in_sample:
        text += " Its figures are in sample (tuned on these very rows), which flatters it."
    if best.name == "thresholds":
        text += " Thresholds set per group treat people differently by group: check what the law allows first."
    return text


# ---- As HTML (the report's first section) -------------------------------------------------------------------------


def summary_html(summary: Summary, *, thresholds: str | None = None) -> str:
    """The Summary as HTML (every text escaped; verdicts in words, not by colour alone), glossary included."""
    escape = html.escape
    lines = "".join(
        f'<li><strong class="verdict-{escape(line.verdict or "none")}">{escape(line.verdict or NO_RULE)}</strong>: '
        f"{escape(line.sentence)}</li>"
        for line in summary.headline
    )
    at = f"<p>At the audited thresholds ({escape(thresholds)}).</p>" if thresholds else ""
    parts = [
        at,
        f'<ul class="summary-headline">{lines}</ul>',
        f"<h3>Groups left out</h3><p>{escape(summary.left_out)}</p>",
        f"<h3>The largest driver of the gap</h3><p>{escape(summary.driver)}</p>",
        f"<h3>The best fix found</h3><p>{escape(summary.best_fix)}</p>",
        "<h3>What this audit cannot tell</h3><ul>"
        + "".join(f"<li>{escape(item)}</li>" for item in summary.cannot_tell)
        + "</ul>",
        '<h3>Glossary</h3><dl class="glossary">'
        + "".join(f"<dt>{escape(term)}</dt><dd>{escape(meaning)}</dd>" for term, meaning in summary.glossary)
        + "</dl>",
    ]
    return "\n".join(part for part in parts if part)
