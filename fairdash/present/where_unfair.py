"""Calibration within groups, the criteria conflict and the subgroups found, as JSON, tables for people and report
sections: shown, never computed (the numbers come from :mod:`fairdash.engine.calibration`,
:mod:`fairdash.engine.conflict` and :mod:`fairdash.engine.subgroups`)."""

from __future__ import annotations

import html
from typing import Any, Callable

import pandas as pd

from fairdash.engine.calibration import GAP_FINDING, Calibration, group_finding
from fairdash.engine.conflict import CRITERIA, CriteriaConflict
from fairdash.engine.metrics import RATE_NAMES
from fairdash.engine.subgroups import SubgroupSearch
from fairdash.present import plots
from fairdash.present.document import json_number
from fairdash.present.page import section, table_html
from fairdash.present.sentences import (
    calibration_method,
    calibration_notes,
    calibration_rule_text,
    conflict_sentences,
    subgroups_correction,
    undefined_text,
)
from fairdash.present.text import percent, verdict_word

__all__ = [
    "calibration_json",
    "subgroups_json",
    "calibration_table",
    "observed_by_value",
    "conflict_table",
    "subgroups_table",
    "calibration_content",
    "conflict_content",
    "subgroups_content",
    "gap_text",
    "value_names",
    "where_unfair_json",
    "where_unfair_sections",
]


def _pair(low: Any, high: Any) -> list[Any]:
    return [json_number(low), json_number(high)]


def calibration_json(calibration: Calibration) -> dict[str, Any]:
    """``{"bins", "groups": {group: {"points": [{"lower", "upper", "mean_score", "observed", "count", "interval"}], "ece",
    "ece_interval", "ece_if_calibrated", "brier", "in_the_large"}}, "disparities": {"ece_difference"},
    "disparity_intervals": {"ece_difference"}, "findings": {name: {"value", "if_calibrated", "p_value", "p_adjusted",
    "rule", "passed", "undefined"}}, "method"}`` (null where undefined). The findings are the gap's
    (``ece_difference``) and each group's (``ece[<group>]``)."""

    def points(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return [
            {
                "lower": json_number(row.lower),
                "upper": json_number(row.upper),
                "mean_score": json_number(row.mean_score),
                "observed": json_number(row.observed),
                "count": int(row.count),
                "interval": _pair(row.interval_lower, row.interval_upper),
            }
            for row in frame.itertuples()
        ]

    return {
        "bins": calibration.bins,
        "groups": {
            str(label): {
                "points": points(group.points),
                "ece": json_number(group.ece),
                "ece_interval": _pair(*group.ece_interval),
                "ece_if_calibrated": json_number(group.ece_if_calibrated),
                "brier": json_number(group.brier),
                "in_the_large": json_number(group.in_the_large),
            }
            for label, group in calibration.groups.items()
        },
        "disparities": {"ece_difference": json_number(calibration.ece_difference)},
        "disparity_intervals": {"ece_difference": _pair(*calibration.ece_difference_interval)},
        "findings": {
            str(name): {
                "value": json_number(row["value"]),
                "if_calibrated": json_number(row["if_calibrated"]),
                "p_value": json_number(row["p_value"]),
                "p_adjusted": json_number(row["p_adjusted"]),
                "rule": calibration_rule_text(row["rule"]),
                "passed": row["passed"],
                "undefined": undefined_text(row["undefined"]),
            }
            for name, row in calibration.findings.to_dict("index").items()
        },
        "method": calibration_method(calibration),
    }


def subgroups_json(search: SubgroupSearch) -> dict[str, Any]:
    """``subgroups`` (best first: ``conditions``, ``size``, ``metric``, ``rate``, ``rest_rate``, ``gap``, ``interval``,
    ``p_value``, ``p_adjusted``), ``subgroups_tested`` and ``correction``."""
    return {
        "subgroups": [
            {
                "conditions": [condition.as_json() for condition in row.conditions],
                "size": int(row.size),
                "metric": row.metric,
                "rate": json_number(row.rate),
                "rest_rate": json_number(row.rest_rate),
                "gap": json_number(row.gap),
                "interval": _pair(row.lower, row.upper),
                "p_value": json_number(row.p_value),
                "p_adjusted": json_number(row.p_adjusted),
            }
            for row in search.results.itertuples()
        ],
        "subgroups_tested": search.tested,
        "correction": subgroups_correction(search),
    }


def gap_text(calibration: Calibration) -> str:
    """The ECE gap in one line: its value, interval, what calibrated groups show, and its verdict; or why it is undefined."""
    if calibration.undefined:
        return f"Gap in expected calibration error: undefined ({undefined_text(calibration.undefined)})."
    low, high = calibration.ece_difference_interval
    finding = calibration.findings.loc[GAP_FINDING]
    word = {True: "passes", False: "fails", None: "has no verdict"}[calibration.passed]
    return (
        f"Gap in expected calibration error between {', '.join(calibration.judged)}: {calibration.ece_difference:.3f} "
        f"({calibration.confidence:.0%} interval {low:.3f}–{high:.3f}); calibrated groups with the same rows show "
        f"{calibration.ece_difference_if_calibrated:.3f} on average (p = {_p_text(finding['p_adjusted'])} after Holm); it {word} "
        f"({calibration_rule_text(calibration.rule)})."
    )


def _p_text(p: float) -> str:
    return "undefined" if p != p else f"{p:.2g}"


def calibration_table(calibration: Calibration) -> pd.DataFrame:
    """Each group's calibration figures as text for people (undefined with its reason where undefined)."""
    rows = {}
    for label, group in calibration.groups.items():
        low, high = group.ece_interval
        undefined = (
            "undefined: the scores are not probabilities" if not calibration.probability else "undefined: the group has no rows"
        )  # the only two ways a group's figures are undefined
        finding = calibration.findings.loc[group_finding(label)]
        unknown = f"none ({undefined_text(finding['undefined'])})"
        verdict = verdict_word(finding, undefined=unknown, no_rule=unknown)
        rows[label] = {
            "Rows": f"{group.count:,}",
            "Points": len(group.points),
            "ECE": undefined if group.ece != group.ece else f"{group.ece:.3f} ({low:.3f}–{high:.3f})",
            "ECE if calibrated": undefined if group.ece != group.ece else f"{group.ece_if_calibrated:.3f}",
            "p (Holm)": _p_text(finding["p_adjusted"]),
            "Calibrated?": verdict,
            "Brier score": undefined if group.brier != group.brier else f"{group.brier:.3f}",
            "Mean score − base rate": undefined if group.in_the_large != group.in_the_large else f"{group.in_the_large:+.3f}",
            "In the gap": "yes" if label in calibration.judged else "no (too small)",
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("group")


def value_names(values: Any) -> list[str]:
    """Names for distinct numbers, each as short as keeps them apart (``f"{value:g}"`` when that does): 0.9999999 and 1
    stay two names, as 1234567 and 1234568 do.

    Examples
    --------
    >>> value_names([0.5, 0.9999999, 1.0])
    ['0.5', '0.9999999', '1']
    """
    values = [float(value) for value in values]
    for digits in range(6, 18):
        names = [f"{value:.{digits}g}" for value in values]
        if len(set(names)) == len(set(values)):
            return names
    return [repr(value) for value in values]


def observed_by_value(calibration: Calibration) -> pd.DataFrame:
    """The observed positive rate per score value (columns, in order) and group (rows), as text with each count; for a
    score with few values (``bins == "score values"``). Each column is named by :func:`value_names`."""
    values = sorted({float(value) for group in calibration.groups.values() for value in group.points["lower"]})
    names = dict(zip(values, value_names(values)))
    cells = {
        label: {names[float(row.lower)]: f"{row.observed:.0%} of {int(row.count):,}" for row in group.points.itertuples()}
        for label, group in calibration.groups.items()
    }
    frame = pd.DataFrame.from_dict(cells, orient="index").rename_axis("group")
    return frame.reindex(columns=[names[value] for value in values]).fillna("")


def conflict_table(conflict: CriteriaConflict) -> pd.DataFrame:
    """The identity per group as text: base rate, precision, FNR, FPR measured, from the identity, and forced; an
    undefined figure says why (what its rate divides by is empty, or what the identity needs is missing)."""
    table = conflict.table
    forced = f"FPR with the precision and FNR of {conflict.reference}"
    columns = {  # column: (the figure, why it can be undefined)
        "Base rate": ("base_rate", "no rows"),
        "Precision": ("precision", "nobody selected"),
        "FNR": ("fnr", "no actual positives"),
        "FPR measured": ("fpr", "no actual negatives"),
        "FPR from the identity": ("fpr_identity", "it needs a precision above 0, a base rate below 1 and a defined FNR"),
        forced: (
            "fpr_forced",
            f"it needs a base rate below 1 here and, in {conflict.reference}, a precision above 0 and a defined FNR",
        ),
    }
    return pd.DataFrame(
        {
            name: [f"undefined: {why}" if value != value else percent(value) for value in table[figure]]
            for name, (figure, why) in columns.items()
        },
        index=table.index,
    )


def subgroups_table(results: pd.DataFrame) -> pd.DataFrame:
    """Ranked subgroups (:attr:`SubgroupSearch.results`, or some of its rows) as text for people, in their order."""
    results = results.reset_index(drop=True)
    return pd.DataFrame(
        {
            "Subgroup": results["subgroup"].to_numpy(),
            "Rate": results["metric"].map(RATE_NAMES).to_numpy(),
            "Gap": [
                f"{gap:+.1%} ({low:+.1%} to {high:+.1%})"
                for gap, low, high in zip(results["gap"], results["lower"], results["upper"])
            ],
            "In the subgroup": results["rate"].map(percent).to_numpy(),
            "In the rest": results["rest_rate"].map(percent).to_numpy(),
            "Rows": results["size"].map("{:,}".format).to_numpy(),
            "p (corrected)": results["p_adjusted"].map(lambda p: "< 1e-300" if p == 0 else f"{p:.2g}").to_numpy(),
        },
        index=pd.RangeIndex(1, len(results) + 1, name="rank"),
    )


def _chart(figure: Any) -> str:
    return plots.chart_html(figure)


def calibration_content(calibration: Calibration) -> str:
    """The report's calibration section: the chart, the table, the gap's verdict, notes and the method."""
    notes = "".join(f'<p class="warning">{html.escape(note)}</p>' for note in calibration_notes(calibration))
    by_value = table_html(observed_by_value(calibration)) if calibration.bins == "score values" else ""
    return (
        _chart(plots.calibration_curves(calibration))
        + by_value
        + table_html(calibration_table(calibration))
        + notes
        + f"<p>{html.escape(gap_text(calibration))}</p><p>Bins: {html.escape(calibration.bins)}. Intervals: "
        f"{html.escape(calibration_method(calibration))}.</p>"
    )


def conflict_content(conflict: CriteriaConflict) -> str:
    """The report's section on why the criteria conflict: the sentences and the identity's table."""
    pairs = conflict.pairs.assign(
        forced_gap=conflict.pairs["forced_gap"].map(percent), forces=[CRITERIA[k] for k in conflict.pairs.index]
    )
    return (
        "".join(f"<p>{html.escape(sentence)}</p>" for sentence in conflict_sentences(conflict))
        + table_html(conflict_table(conflict))
        + table_html(
            pairs.rename(columns={"holding": "made to hold", "forces": "forced apart", "forced_gap": "by"})[
                ["made to hold", "forced apart", "by", "possible", "passed"]
            ],
            index=False,
        )
    )


def subgroups_content(search: SubgroupSearch) -> str:
    """The report's subgroup section: the chart of the largest gaps, the ranked table, what was searched and the correction."""
    skipped = "".join(f"<li>{html.escape(str(column))}: {html.escape(why)}</li>" for column, why in search.skipped.items())
    return (
        _chart(plots.subgroup_gaps(search.results))
        + table_html(subgroups_table(search.results))
        + f"<p>{search.tested:,} subgroups of up to {search.max_conditions} conditions and at least {search.min_size:,} rows, over "
        f"{html.escape(', '.join(map(str, search.columns)))}. {html.escape(subgroups_correction(search))}.</p>"
        + (f"<p>Columns left out:</p><ul>{skipped}</ul>" if skipped else "")
    )


def where_unfair_json(calibration: Calibration | None, subgroups: SubgroupSearch | None) -> dict[str, Any]:
    """The audit JSON's keys for what was computed: ``calibration``; ``subgroups``, ``subgroups_tested``, ``correction``."""
    document: dict[str, Any] = {}
    if calibration is not None:
        document["calibration"] = calibration_json(calibration)
    if subgroups is not None:
        document.update(subgroups_json(subgroups))
    return document


def where_unfair_sections(
    calibration: Calibration | None, conflict: CriteriaConflict | None, subgroups: SubgroupSearch | None
) -> list[str]:
    """The report's sections for what was computed: calibration, the criteria conflict, the subgroups."""
    parts: list[tuple[str, Any, Callable[[Any], str]]] = [
        ("Calibration within groups", calibration, calibration_content),
        ("Why the criteria conflict", conflict, conflict_content),
        ("Subgroups with the largest gaps", subgroups, subgroups_content),
    ]
    return [section(title, content(value)) for title, value, content in parts if value is not None]
