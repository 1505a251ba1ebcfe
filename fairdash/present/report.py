"""The audit as a result to hand on: a JSON document and a self-contained interactive HTML report.

:func:`fairdash.run.run_audit` computes everything once (the dashboard's download buttons and the
command line both call it); :func:`audit_json` and :func:`audit_html` only present it.

The HTML report opens offline in any browser: plotly's JavaScript is inlined once and no address
outside the file is referenced. It carries each group's confusion counts at up to
:data:`REPORT_THRESHOLDS` thresholds (every distinct score when there are fewer), so a reader can move
a global or per-group threshold in the file and see the table, the disparities and the confusion
matrices recomputed by a small script, with no server."""

from __future__ import annotations

import html
from typing import Any, Sequence

from fairdash.engine.preview import PREVIEW_POSITIONS, preview_counts
from fairdash.engine.spec import band_labels
from fairdash.present import plots
from fairdash.present.balance import conditional_content, conditional_json
from fairdash.present.document import json_number, result_json, versions
from fairdash.present.fixes_report import fixes_content, fixes_json
from fairdash.present.page import (
    definition_list,
    findings_html,
    html_page,
    script_json,
    section,
    static_file,
    table_html,
)
from fairdash.present.preview import preview_payload, preview_script, preview_style
from fairdash.present.recourse import recourse_html, recourse_json
from fairdash.present.sentences import warning_text
from fairdash.present.summary import audit_summary, summary_html
from fairdash.present.text import (
    for_people,
    formatted_overall,
    formatted_table,
    threshold_text,
)
from fairdash.present.where_unfair import where_unfair_json, where_unfair_sections
from fairdash.run import Audit

__all__ = ["REPORT_THRESHOLDS", "audit_json", "slider_payload", "audit_html"]

REPORT_THRESHOLDS = PREVIEW_POSITIONS
"""The most threshold positions the report's own slider offers (every distinct score when fewer)."""


def audit_json(audit: Audit, *, compared: tuple[str, Sequence[Any]] | None = None) -> dict[str, Any]:
    """The audit as a JSON-ready dict with stable top-level keys.

    ``settings`` (data, model, target, positive label, sensitive attributes, reference group,
    tolerance, small-group minimum ``min_group_size``, score column, features, ``intervals``: the methods of the rates' and
    the disparities' intervals and their confidence), ``data`` (rows, group sizes, warnings), ``groups`` (group label ->
    {metric -> number or null}), ``overall`` (the same over all rows, kept apart from the groups),
    ``intervals`` (group -> {rate -> [lower, upper]}), ``overall_intervals`` (rate -> [lower, upper]),
    ``disparities`` (name -> value; null where undefined), ``disparity_intervals`` (name -> [lower,
    upper], over the same groups as the disparities), ``findings`` (name -> {value, rule, passed,
    conclusive, sentence, undefined}), ``thresholds`` (a number, or group -> number), ``rules`` (when computed), ``recourse``
    (when computed, see :func:`fairdash.present.recourse.recourse_json`), ``conditional`` (with a control, see
    :func:`fairdash.present.balance.conditional_json`),
    ``versions``, ``created``; ``calibration``, ``subgroups``, ``subgroups_tested``, ``correction`` when computed (see
    :mod:`fairdash.present.where_unfair`); with ``compared`` (a constraint and the fixes
    :func:`fairdash.fixes.compare.compare_fixes` made for it), ``fixes`` and ``fixes_constraint`` as in :func:`fixes_json`.
    """
    document: dict[str, Any] = {
        "settings": _settings_json(audit),
        "data": {
            "rows": audit.summary.rows,
            "columns": audit.summary.columns,
            "missing_cells": audit.summary.missing_cells,
            "group_sizes": {str(label): int(count) for label, count in audit.summary.groups["count"].items()},
            "warnings": [warning_text(warning) for warning in audit.warnings],
        },
        **result_json(audit.result),
        **({"recourse": recourse_json(audit.recourse)} if audit.recourse is not None else {}),
        **({"conditional": conditional_json(audit.conditional)} if audit.conditional is not None else {}),
        "thresholds": audit.thresholds,
        "versions": versions(),
        "created": audit.created,
    }
    if compared is not None:
        constraint, fixes = compared
        document["fixes_constraint"] = constraint
        document["fixes"] = fixes_json(fixes, constraint=constraint)["fixes"]
    document.update(where_unfair_json(audit.calibration, audit.subgroups))  # calibration; subgroups, subgroups_tested, correction
    document.update(_explanations_json(audit))
    return document


def _explanations_json(audit: Audit) -> dict[str, Any]:
    """``features`` (or ``features_error``) and ``rules``, when the audit has them."""
    document: dict[str, Any] = {}
    if audit.explain_error is not None:
        document["features_error"] = audit.explain_error
    if audit.features is not None:
        document["features"] = {
            str(feature): {str(column): json_number(value) for column, value in row.items()}
            for feature, row in audit.features.iterrows()
        }
    if audit.surrogate is not None:
        document["rules"] = {
            "fidelity": audit.surrogate.fidelity,
            "notes": list(audit.surrogate.notes),
            "rules": [
                {key: json_number(value) for key, value in row.items()} for row in audit.surrogate.rules.to_dict("records")
            ],
        }
    return document


def slider_payload(audit: Audit) -> dict[str, Any]:
    """What the report's slider needs (:func:`fairdash.present.preview.preview_payload`), opening on the audited thresholds."""
    preview = preview_counts(audit.curves, include=audit.thresholds, max_positions=REPORT_THRESHOLDS)
    return preview_payload(
        preview,
        audit.curves.labels,
        audit.thresholds,
        rules=audit.result.settings.rules,
        left_out=audit.groups_left_out,
        confidence=audit.intervals.confidence,
    )


def _settings_json(audit: Audit) -> dict[str, Any]:
    """The audit's ``settings``, as :func:`audit_json` describes them."""
    spec = audit.spec
    return {
        "data": audit.data_name,
        "model": audit.model_name,
        "target": spec.target,
        "positive_label": json_number(spec.positive_label) if not isinstance(spec.positive_label, str) else spec.positive_label,
        "sensitive": list(spec.sensitive),
        "bins": {str(column): list(edges) for column, edges in audit.bins.items()},
        "reference": audit.inputs.reference,
        "score": spec.score,
        "features": list(spec.features) if audit.model_name else [],
        "tolerance": audit.tolerance,
        "min_group_size": audit.result.settings.min_group_size,
        "groups_left_out_of_disparities": list(audit.groups_left_out),
        "intervals": {
            "rates": audit.intervals.rate_method,
            "disparities": audit.intervals.disparity_method,
            "confidence": audit.intervals.confidence,
        },
    }


def _charts_html(audit: Audit) -> str:
    """The report's charts: the rates by group, the confusion matrices, the ROC curves and the trade-off curve."""
    figures = [
        plots.rate_bars(audit.table, audit.intervals, reference=audit.inputs.reference),
        plots.confusion_matrices(audit.table),
        plots.roc_curves(audit.curves.roc(), audit.table),
        plots.tradeoff_curve(
            audit.curves.tradeoff(),
            "demographic_parity_difference",
            current=(float(audit.result.overall["accuracy"]), audit.disparities["demographic_parity_difference"]),
        ),
    ]
    return (
        "\n".join(plots.chart_html(figure) for figure in figures)
        + "<p>The tables of metrics by group above hold the charts' numbers.</p>"
    )


def _settings_list(audit: Audit) -> list[tuple[str, str]]:
    """The report's settings, as (name, value) pairs."""
    spec = audit.spec
    return [
        ("Data", audit.data_name),
        ("Model", audit.model_name or f"none: scores from column {spec.score}"),
        ("Target", f"{spec.target} = {spec.positive_label}"),
        ("Sensitive", " × ".join(spec.sensitive)),
        *((f"Bands of {column}", ", ".join(band_labels(edges))) for column, edges in audit.bins.items()),
        ("Reference group", audit.inputs.reference),
        ("Thresholds", threshold_text(audit.thresholds)),
        ("Tolerance", f"{audit.tolerance:g}"),
        ("Rows", f"{audit.summary.rows:,}"),
        (
            f"Left out of the disparities (under {audit.result.settings.min_group_size} rows)",
            ", ".join(audit.groups_left_out) or "none",
        ),
        (
            "Intervals",
            f"{audit.intervals.confidence:.0%}; rates: {audit.intervals.rate_method}; disparities: {audit.intervals.disparity_method}",
        ),
    ]


def _optional_sections(audit: Audit, compared: tuple[str, Sequence[Any]] | None) -> list[str]:
    """The report's sections for the parts the audit has: SHAP (or why it failed), calibration and subgroups, the fixes
    compared, the conditional disparity, recourse and the surrogate's rules."""
    sections: list[str] = []
    if audit.features is not None:
        sections.append(section("What the model relies on (SHAP)", table_html(audit.features.head(15).round(4))))
    elif audit.explain_error is not None:
        sections.append(
            section(
                "What the model relies on (SHAP)",
                f'<p class="warning">The explanation failed, so it is left out: {html.escape(audit.explain_error)}</p>',
            )
        )
    sections += where_unfair_sections(audit.calibration, audit.conflict, audit.subgroups)
    if compared is not None:
        constraint, fixes = compared
        sections.append(section(f"Fixes compared ({constraint.replace('_', ' ')})", fixes_content(fixes, constraint)))
    if audit.conditional is not None:
        sections.append(
            section(
                f"Given {' × '.join(map(str, audit.conditional.control))} (selection rates within each stratum)",
                conditional_content(audit.conditional),
            )
        )
    if audit.recourse is not None:
        sections.append(section("Recourse by group (counterfactuals of the rows turned down)", recourse_html(audit.recourse)))
    if audit.surrogate is not None:
        rules = for_people(
            audit.surrogate.rules[["rule", "coverage", "precision", "tests_sensitive", "tests_proxy"]],
            percent_columns=("coverage", "precision"),
        )
        sections.append(
            section(
                f"Rules (surrogate tree, fidelity {audit.surrogate.fidelity:.1%} on held-out rows)",
                table_html(rules, index=False),
            )
        )
    return sections


def audit_html(audit: Audit, *, compared: tuple[str, Sequence[Any]] | None = None) -> str:
    """The audit as one self-contained HTML page (see the module's description); with ``compared`` (a
    constraint and its fixes, as for :func:`audit_json`), the comparison (chart and table) as a section of its own."""
    charts = _charts_html(audit)
    settings = _settings_list(audit)
    sections = [
        section("Summary", summary_html(audit_summary(audit, compared=compared), thresholds=threshold_text(audit.thresholds))),
        section("Settings", definition_list(settings)),
        section(
            "Data",
            table_html(for_people(audit.summary.groups, percent_columns=("share", "base_rate")))
            + "".join(f'<p class="warning">{html.escape(warning_text(warning))}</p>' for warning in audit.warnings),
        ),
        section("Disparities at the audited thresholds", findings_html(audit.findings, audit.intervals.disparities)),
        section(
            f"Metrics by group ({audit.intervals.confidence:.0%} exact Clopper-Pearson intervals)",
            table_html(formatted_table(audit.table, audit.intervals))
            + "<p>All rows together:</p>"
            + table_html(formatted_overall(audit.result.overall, audit.intervals)),
        ),
        section("Try other thresholds", static_file("slider.html")),
        section("Charts", charts),
    ]
    sections += _optional_sections(audit, compared)
    return html_page(
        f"Fairness audit: {audit.data_name}",
        sections,
        made_by=f"fairdash audit, {audit.created}",
        payload=script_json(slider_payload(audit)),
        script=preview_script() + static_file("report.js"),
        style=preview_style(),
    )
