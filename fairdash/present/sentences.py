"""Every sentence about an audit's findings, written from the facts the audit computed (numbers inside, words at
the edge): a disparity's finding (:func:`finding_sentence`, from :func:`fairdash.engine.findings.disparity_findings`)
and why the fairness criteria conflict (:func:`conflict_sentences`, from :func:`fairdash.engine.conflict.criteria_conflict`).
Nothing here computes a figure: each number said is one the audit holds."""

from __future__ import annotations

from typing import Any, Mapping, overload

import pandas as pd

from fairdash.engine.calibration import Calibration, CalibrationRule
from fairdash.engine.compare import ComparisonNote, Untested
from fairdash.engine.conflict import CRITERIA, CriteriaConflict
from fairdash.engine.findings import AgainstReference, Extremes
from fairdash.engine.rates import RATES
from fairdash.engine.result import AuditSettings
from fairdash.engine.subgroups import SUBGROUP_METRICS, SubgroupSearch
from fairdash.engine.thresholds import Suggestion
from fairdash.engine.groups import MISSING_GROUP
from fairdash.engine.undefined import RateUndefined, Undefined
from fairdash.engine.warnings import AuditWarning
from fairdash.errors import brief
from fairdash.explain.recourse import Recourse
from fairdash.monitor.windows import FAR_YEARS, ChangeAlert, GateAlert, MonitorNote

__all__ = [
    "finding_sentence",
    "with_sentences",
    "conflict_sentences",
    "suggestion_sentence",
    "listed",
    "CONSTRAINT_DIFFERENCES",
    "calibration_method",
    "subgroups_correction",
    "recourse_rows",
    "undefined_text",
    "calibration_notes",
    "untested_text",
    "comparison_notes",
    "alert_text",
    "monitor_note_text",
    "calibration_rule_text",
    "BALANCE_CORRECTION",
    "CDD_INTERVAL_METHOD",
    "settings_text",
    "warning_text",
    "LISTED_GROUPS",
]


def finding_sentence(name: str, finding: Mapping[str, Any]) -> str:
    """A disparity's finding (a row of :func:`~fairdash.engine.findings.disparity_findings`) in plain words, naming the
    groups at its extremes; why it is undefined when it is; ``""`` when a rate it compares has too few groups.

    Examples: ``"c is selected at 0.17 times the rate of a (10.0% against 60.0%)."``, ``"Undefined: ..."``."""
    if finding["undefined"]:
        return f"Undefined: {undefined_text(finding['undefined'])}."
    ends = tuple(finding["extremes"])
    if not ends or any(end is None for end in ends):
        return ""
    family = name.rsplit("_", 1)[0]
    if family == "demographic_parity":
        return _selection(ends[0], ratio=name.endswith("_ratio"), versus=finding["against_reference"])
    if family == "predictive_parity":
        return _precision(ends[0])
    text = _true_positives(ends[0])
    return text + " " + _false_positives(ends[1]) if family == "equalized_odds" else text


def _selection(end: Extremes, *, ratio: bool, versus: AgainstReference | None) -> str:
    if end.low_rate == end.high_rate:  # every group alike: no group to set against another
        return f"Every group is selected at the same rate ({end.low_rate:.1%})."
    if not ratio:
        return f"Selection rates range from {end.low_rate:.1%} ({end.low}) to {end.high_rate:.1%} ({end.high})."
    return (
        f"{end.low} is selected at {end.ratio:.2f} times the rate of {end.high} ({end.low_rate:.1%} against "
        f"{end.high_rate:.1%})." + _against_reference(versus)
    )


def _against_reference(versus: AgainstReference | None) -> str:
    if versus is None:
        return ""
    if versus.below:
        return f" Against the reference {versus.reference}, the lowest is {versus.group} at {versus.multiple:.2f} times its rate."
    return (
        f" Against the reference {versus.reference}, every other group is selected at least as often; "
        f"the highest is {versus.group} at {versus.multiple:.2f} times its rate."
    )


def _true_positives(end: Extremes) -> str:
    return (
        f"Of the people who truly are positive, the model selects {end.low_rate:.1%} in {end.low} "
        f"but {end.high_rate:.1%} in {end.high}."
    )


def _false_positives(end: Extremes) -> str:
    return f"Of those who truly are negative, it wrongly selects {end.low_rate:.1%} in {end.low} and {end.high_rate:.1%} in {end.high}."


def _precision(end: Extremes) -> str:
    return f"When the model selects someone it is right {end.low_rate:.1%} of the time in {end.low} and {end.high_rate:.1%} in {end.high}."


def with_sentences(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings as a person reads them: ``value, rule, passed, conclusive, sentence, undefined`` (the facts behind
    each sentence left out)."""
    shown = findings[["value", "rule", "passed", "conclusive"]].copy()
    shown["sentence"] = pd.Series(
        [finding_sentence(name, row) for name, row in findings.to_dict("index").items()], index=findings.index, dtype=object
    )
    shown["undefined"] = pd.Series(
        [undefined_text(reason) for reason in findings["undefined"]], index=findings.index, dtype=object
    )
    return shown


@overload
def undefined_text(undefined: Undefined) -> str: ...
@overload
def undefined_text(undefined: None) -> None: ...
def undefined_text(undefined: Undefined | None) -> str | None:
    """Why a figure is undefined (an :class:`~fairdash.engine.undefined.Undefined`), in plain words; None for None.

    Example: ``"only one group has a defined true positive rate (b: no true positives)"``."""
    if undefined is None:
        return None
    if undefined.code == "too_few_groups":
        return "fewer than two groups to compare (groups under the small-group minimum are left out)"
    if undefined.code == "rates":
        return "; ".join(_rate_undefined(reason) for reason in undefined.rates)
    if undefined.code in _UNDEFINED_WORDS:
        return _UNDEFINED_WORDS[undefined.code].format(count=undefined.count, groups=", ".join(map(str, undefined.groups)))
    return "fewer than two groups define it"


_NOT_PROBABILITY = (
    "the score is not a probability ({}), so only the observed rate per score value is shown; an ECE would "
    "compare a rank with a rate"
)

_UNDEFINED_WORDS = {
    "recourse_too_few_groups": "fewer than two groups have enough rows with a counterfactual found to compare (groups under the "
    "small-group minimum are left out)",
    "recourse_few_found": "only {count} group(s) have a counterfactual found ({groups}: none within the search budget)",
    "recourse_zero_burden": "the largest burden is 0 (every counterfactual at distance 0), and a ratio to 0 is undefined",
    "scores_are_predictions": _NOT_PROBABILITY.format("0/1 predictions"),
    "scores_outside_0_1": _NOT_PROBABILITY.format("its values lie outside 0 to 1"),
    "calibration_too_few_groups": "fewer than two groups have {count} rows or more",
    "calibration_small_group": "the group has fewer than {count} rows",
}


_CALIBRATION_NOTES = {
    "predictions": "The scores are 0/1 predictions, not scores: each group's two points are the share of positives among the "
    "rows predicted 0 and among those predicted 1 (its precision). A calibration curve needs a score.",
    "constant": "Every row has the same score: each group has one point, its base rate, and nothing shows how the observed "
    "rate follows the score.",
}


def calibration_rule_text(rule: CalibrationRule) -> str:
    """The rule a calibration finding is judged by, in words (from its tolerance, level and number of tests)."""
    return (
        f"at most {rule.at_most:g} above what calibrated groups with the same rows show (Monte Carlo p >= {rule.alpha:g}, Holm "
        f"over {rule.tests} tests)"
    )


def calibration_notes(calibration: Calibration) -> list[str]:
    """What a page says about the score beside the calibration chart (from :attr:`Calibration.notes`), in words."""
    return [_CALIBRATION_NOTES[note] for note in calibration.notes]


def _rate_undefined(reason: RateUndefined) -> str:
    rate = RATES[reason.rate]
    if reason.code == "highest_zero":
        return f"the highest {rate.label.lower()} is 0, and a ratio to 0 is undefined"
    count = "no group" if reason.code == "no_group" else "only one group"
    return f"{count} has a defined {rate.label.lower()}" + (
        f" ({listed(reason.without, 5)}: no {rate.of})" if reason.without else ""
    )


def conflict_sentences(conflict: CriteriaConflict) -> list[str]:
    """Why the criteria conflict, in plain words: base rates, how much of the FPR gap between the reference and the
    largest other group they force, which pairs of criteria can hold together, which hold now."""
    if not conflict.comparable:
        return ["Fewer than two groups to compare: there is no conflict between criteria to explain."]
    table, reference, tolerance = conflict.table, conflict.reference, conflict.tolerance
    high, low = conflict.highest_base, conflict.lowest_base
    base = table["base_rate"]
    sentences = [
        f"Base rates differ: {base[high]:.1%} of {high} are truly positive, {base[low]:.1%} of {low}."
        if base[high] > base[low]
        else "Every group has the same base rate: all three criteria can hold together."
    ]
    if conflict.compared is not None:
        sentences.append(
            _forced_fpr(table.loc[conflict.compared], conflict.compared, table.loc[reference], reference, conflict.share)
        )
    pairs = conflict.pairs
    cannot = [
        f"{row['holding']} would leave {CRITERIA[third].removeprefix('equal ')} {row['forced_gap']:.1%} apart"
        if row["possible"]
        else f"{row['holding']} cannot hold at all (the {CRITERIA[third].removeprefix('equal ')} it needs lie outside 0 to 1)"
        for third, row in pairs.iterrows()
        if row["passed"] is not True and (row["forced_gap"] == row["forced_gap"])
    ]
    if cannot:
        sentences.append(
            f"Holding two criteria at the rates of {reference} forces the third apart, beyond the tolerance "
            f"{tolerance:g}: " + "; ".join(cannot) + "."
        )
    can = [row["holding"] for _, row in pairs.iterrows() if row["passed"]]
    if can:
        sentences.append(f"These can hold together for these groups (at the rates of {reference}): " + "; ".join(can) + ".")
    now = [CRITERIA[rate] for rate, passed in conflict.holding.items() if passed]
    sentences.append(
        "At the current thresholds, "
        + (", ".join(now) + (" hold" if len(now) > 1 else " holds") if now else "none of the three holds")
        + f" (within {tolerance:g})."
    )
    return sentences


def _forced_fpr(row: pd.Series, far: Any, ref: pd.Series, reference: str, share: float) -> str:
    """The FPR gap between ``far`` and the reference, and what the base rates force of it."""
    if row["fpr_forced"] > 1:  # no decisions give that group the reference's precision and miss rate
        forces = f"would need an FPR of {row['fpr_forced']:.1%}, which no threshold gives"
    else:
        forces = f"alone forces an FPR of {row['fpr_forced']:.1%}"
    sentence = (
        f"False positive rates: {row['fpr']:.1%} in {far} against {ref['fpr']:.1%} in {reference}. The identity "
        f"FPR = p/(1−p) × (1−PPV)/PPV × (1−FNR) ties them to the base rates: with the precision ({ref['precision']:.1%}) "
        f"and the false negative rate ({ref['fnr']:.1%}) of {reference}, the base rate of {far} ({row['base_rate']:.1%} "
        f"against {ref['base_rate']:.1%}) {forces}"
    )
    if row["fpr_forced"] > 1:
        return sentence + "."
    if 0 <= share <= 1:
        sentence += f": {share:.0%} of the gap comes from the base rates, the rest from the groups' own precision and miss rate"
    elif share > 1:
        sentence += ": the base rates alone would make the gap wider than it is"
    return sentence + "."


CONSTRAINT_DIFFERENCES = {
    "demographic_parity": "selection-rate (demographic parity)",
    "equal_opportunity": "true-positive-rate (equal opportunity)",
    "equalized_odds": "equalized-odds",
}
"""Each constraint's difference, as a sentence names it."""


def listed(labels: Any, shown: int = 6) -> str:
    """Up to ``shown`` labels, comma-separated, then how many more: ``"a, b and 3 more"``."""
    labels = [str(label) for label in labels]
    text = ", ".join(labels[:shown])
    return f"{text} and {len(labels) - shown} more" if len(labels) > shown else text


def suggestion_sentence(suggestion: Suggestion) -> str:
    """What :meth:`~fairdash.engine.thresholds.ThresholdCurves.suggest` found, in plain words: what the thresholds
    cost (the difference and the accuracy before and after), or why there is no suggestion (its ``reason``); and the
    groups left out of the search.

    Example: ``"No suggestion: fewer than two groups are large enough to judge."``"""
    left_out, baseline = suggestion.left_out, suggestion.baseline_threshold
    kept = (
        (
            f" {listed(left_out)} {'is' if len(left_out) == 1 else 'are'} too small to judge, so left out of the search: "
            f"{'it keeps' if len(left_out) == 1 else 'they keep'} the one threshold of {baseline:g}."
        )
        if left_out
        else ""
    )
    difference = CONSTRAINT_DIFFERENCES[suggestion.constraint]
    if not suggestion.met:
        why = (
            "fewer than two groups are large enough to judge"
            if suggestion.reason == "too_few_groups"
            else f"no per-group thresholds bring the {difference} difference within {suggestion.tolerance:g}"
        )
        return f"No suggestion: {why}.{kept}"
    before, accuracy = suggestion.baseline_accuracy, suggestion.accuracy
    return (
        f"These thresholds bring the {difference} difference from {suggestion.baseline_disparity:.3f} to "
        f"{suggestion.disparity:.3f} (tolerance {suggestion.tolerance:g}); accuracy goes from {before:.1%} to "
        f"{accuracy:.1%} ({(accuracy - before) * 100:+.1f} points) against one threshold of {baseline:g}.{kept}"
    )


def calibration_method(calibration: Calibration) -> str:
    """How :func:`~fairdash.engine.calibration.calibration_by_group` computed its intervals and tests, in words (from its
    level, resamples and seed)."""
    return (
        f"points: exact (Clopper-Pearson) {calibration.confidence:.0%} intervals; each ECE: plus and minus how far noise "
        f"moves it ({calibration.n_resamples:,} binomial draws per bin at its observed rate pulled toward 1/2); the gap: "
        f"every judged group's ECE interval at once (Bonferroni over the groups), largest minus smallest; the tests: "
        f"{calibration.n_resamples:,} calibrated groups with the same rows (each row's outcome drawn from its own score, "
        f"seed {calibration.random_state}), Monte Carlo p-values, Holm over the tests"
    )


def subgroups_correction(search: SubgroupSearch) -> str:
    """The multiple-testing correction of :func:`~fairdash.engine.subgroups.find_subgroups`, in words (from its counts)."""
    each = 1 - (1 - search.confidence) / max(search.tests, 1)
    return (
        f"Bonferroni over {search.tests:,} tests ({search.tested:,} subgroups of 1 to {search.max_conditions} conditions, "
        f"each in up to {len(SUBGROUP_METRICS)} rates): p_adjusted = min(1, p x {search.tests:,}); intervals hold "
        f"for all tests at once at {search.confidence:.0%} (each at {each:.6g})"
    )


def recourse_rows(recourse: Recourse) -> str:
    """Which rows :func:`~fairdash.explain.recourse.recourse_by_group` searched and how its intervals were made, in words."""
    which = (
        f"a seeded sample (seed {recourse.random_state}) of {recourse.searched:,} of the {recourse.denied:,} rows turned down"
        if recourse.sampled
        else f"all {recourse.denied:,} rows turned down"
    )
    return (
        f"{which}; {recourse.evaluated:,} changed rows scored; {recourse.confidence:.0%} bootstrap-t intervals "
        f"({recourse.n_resamples:,} resamples or more of each group's rows with a counterfactual); the gaps' intervals from "
        f"one-sided bounds on every judged group's mean burden (the extremes' for one end, every group's for the "
        f"other, Bonferroni), which hold whatever the number of groups"
    )


def untested_text(untested: Untested) -> str:
    """Why a disparity's change was not tested (an :class:`~fairdash.engine.compare.Untested`), in plain words.

    Example: ``"no two groups differ in tpr or fpr in either audit"``."""
    rates = " or ".join(rate.replace("_", " ") for rate in untested.rates)
    if untested.code == "undefined":
        return f"the disparity is undefined {' and '.join(untested.audits)}"
    if untested.code == "no_difference":
        return f"no two groups differ in {rates} in either audit"
    return f"no two groups have a {rates} in both audits whose change has a variance"


_SETTINGS_DIFFER = {"min_group_size": "small-group minimums", "tolerance": "tolerances"}


def comparison_notes(notes: Any) -> list[str]:
    """What to know before reading a comparison (its :attr:`~fairdash.engine.compare.Comparison.notes`), in words."""
    return [_comparison_note(note) for note in notes]


def _comparison_note(note: ComparisonNote) -> str:
    if note.code == "only_groups":
        return f"Groups only in the {note.audit} audit: {', '.join(brief(group) for group in note.groups)}."
    if note.code == "thresholds":
        return f"The thresholds differ ({brief(note.before, 200)} before, {brief(note.after, 200)} after)."
    return (
        f"The {_SETTINGS_DIFFER[note.code]} differ ({note.before:g} before, {note.after:g} after): the groups judged or the "
        "verdicts may differ for that alone."
    )


_WHERE = {
    "leaves": "leaves the gate",
    "baseline": "fails the gate in the baseline window already",
    "first": "fails the gate from the first window judged",
}


def alert_text(alert: GateAlert | ChangeAlert) -> str:
    """Why the monitor raised an alert (its ``reason``: a :class:`~fairdash.monitor.windows.GateAlert` or
    :class:`~fairdash.monitor.windows.ChangeAlert`), in plain words.

    Example: ``"leaves the gate: 0.720, which fails >= 0.8"``."""
    if isinstance(alert, GateAlert):
        return f"{_WHERE[alert.where]}: {alert.value:.3f}, which fails {alert.rule}"
    return (
        f"the gap in {alert.rate.replace('_', ' ')} between {brief(alert.high, 40)} and {brief(alert.low, 40)} changed by "
        f"{alert.change:+.3f} from the baseline window {alert.baseline.date()} (z = {alert.z:.1f}, p = {alert.p_value:.1e}: "
        f"the largest of {alert.pairs} pair(s) of {alert.groups} groups, Tukey-Kramer; Bonferroni over {alert.windows} windows)"
    )


def monitor_note_text(note: MonitorNote) -> str:
    """What a reader should know about the log (a :class:`~fairdash.monitor.windows.MonitorNote`), in plain words."""
    if note.code == "gaps":
        listed = ", ".join(note.starts) + (f" and {note.count - len(note.starts)} more" if note.count > len(note.starts) else "")
        return f"No rows in the {note.window}(s) starting {listed}: a gap in the log, not a window of zeros."
    if note.code == "far":
        return (
            f"{note.count:,} row(s) in window(s) starting {', '.join(note.starts)} lie more than {FAR_YEARS} years from the "
            "log's middle: placeholders for a missing date (such as 9999-12-31)? They are counted in windows of their own."
        )
    if note.code == "late_groups":
        return (
            "Groups that first appear later: "
            + ", ".join(f"{brief(label)} ({start.date()})" for label, start in note.groups)
            + "."
        )
    return (
        f"No outcome in {brief(note.target)} is known yet: only the selection rates and their disparities "
        "(demographic parity) can be judged."
    )


BALANCE_CORRECTION = (
    "Holm over the columns tested; numbers: Kolmogorov-Smirnov of each group against the other rows "
    "(Bonferroni over the groups); categories: chi-square test of independence"
)
"""How :func:`~fairdash.engine.balance.data_balance` tests the columns and corrects over them, in words."""

CDD_INTERVAL_METHOD = (
    "normal interval of the strata's weighted demographic disparities, each stratum's share difference with one "
    "accepted and one rejected row added to each group's counts (Agresti-Caffo), plus the variance of the strata's "
    "weights; coverage checked by simulation (docs/statistics.md)"
)
"""How :func:`~fairdash.engine.conditional.conditional_disparity` makes the CDD's intervals, in words."""


def settings_text(settings: AuditSettings) -> str:
    """The settings that judge an audit, in words, for a page or a report to say which it uses."""
    small = (
        f"groups under {settings.min_group_size} rows left out" if settings.min_group_size else "no group left out for its size"
    )
    return f"tolerance {settings.tolerance:g}, {small}"


LISTED_GROUPS = 10
"""Groups named in one warning about small groups; the rest are counted."""


def warning_text(warning: AuditWarning) -> str:
    """One of the audit's warnings (an :class:`~fairdash.engine.warnings.AuditWarning`) in plain words.

    Example: ``"1 group(s) have fewer than 30 rows, too few to judge: (missing) (25). Their rates swing widely by
    chance."``"""
    if warning.code == "small_groups":
        small = warning.groups
        named = ", ".join(f"{label} ({count})" for label, count in small[:LISTED_GROUPS])
        more = f" and {len(small) - LISTED_GROUPS:,} more" if len(small) > LISTED_GROUPS else ""
        return (
            f"{len(small)} group(s) have fewer than {warning.min_group_size} rows, too few to judge: {named}{more}. "
            "Their rates swing widely by chance."
        )
    if warning.code == "missing_sensitive":
        return f"Some rows have no value for a sensitive attribute; they form a group of their own, {MISSING_GROUP}."
    if warning.code == "id_feature":
        return f"The model takes {brief(warning.column)}, which looks like a row ID; a model should not learn from IDs."
    if warning.code == "id_sensitive":
        return f"The sensitive attribute {brief(warning.column)} looks like a row ID (nearly every value is different)."
    if warning.code == "scores_outside_0_1":
        return (
            f"{warning.count:,} score(s) lie outside [0, 1] (the first, {warning.value:g}, in row {warning.row:,}) though "
            "the others look like probabilities. They are audited as they are, and the default threshold is then the "
            "middle score, not 0.5."
        )
    low, high = warning.classes
    return (
        f"The model predicts classes {low} and {high}, not the table's labels: its class {high} is taken as the positive "
        f"label {brief(warning.positive_label)}. If the model was trained with the other coding, choose the other "
        "positive label."
    )
