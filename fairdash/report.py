"""The audit as a result to hand on: a JSON document and a self-contained interactive HTML report.

:func:`run_audit` computes everything once (the dashboard's download buttons and the command line
both call it); :func:`audit_json` and :func:`audit_html` only present it.

The HTML report opens offline in any browser: plotly's JavaScript is inlined once and no address
outside the file is referenced. It carries each group's confusion counts at up to
:data:`REPORT_THRESHOLDS` thresholds (every distinct score when there are fewer), so a reader can move
a global or per-group threshold in the file and see the table, the disparities and the confusion
matrices recomputed by a small script, with no server.
"""

from __future__ import annotations

import datetime as _datetime
import functools
import html
import json
import platform
from dataclasses import dataclass
from importlib import metadata, resources
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from fairdash import __version__, plots
from fairdash.audit import AuditInputs, prepare_audit
from fairdash.audit_result import AuditResult, AuditSettings, judge
from fairdash.data import SMALL_GROUP_SIZE, AuditSpec, DataSummary, band_labels, bins_used, sensitive_frame, summarize
from fairdash.metrics import (
    DEFAULT_TOLERANCE,
    DISPARITY_INTERVAL_METHOD,
    METRIC_COLUMNS,
    VERDICT_SLACK,
    formatted_overall,
    formatted_table,
    overall_metrics,
)
from fairdash.models import ScoreModel
from fairdash.rules import Surrogate, surrogate_columns, surrogate_tree
from fairdash.thresholds import Threshold, ThresholdCurves

REPORT_THRESHOLDS = 1000
"""The most threshold positions the report's own slider offers (every distinct score when fewer)."""
PERMUTATION_ROWS = 100
"""The rows the report's top features explain when only the model-agnostic explainer applies: it
calls the model some hundred times per row, and a smaller sample keeps a CLI audit to seconds."""

_LIBRARIES = ("numpy", "pandas", "scikit-learn", "plotly", "shap", "lime", "skops", "fairlearn", "streamlit")


@dataclass(frozen=True)
class Audit:
    """Everything one audit found, at the chosen thresholds."""

    data_name: str
    model_name: str | None
    spec: AuditSpec
    inputs: AuditInputs
    summary: DataSummary
    result: AuditResult
    """The fairness audit at the chosen thresholds: every number of it (see :func:`fairdash.audit_result.judge`)."""
    curves: ThresholdCurves
    surrogate: Surrogate | None
    features: pd.DataFrame | None
    created: str
    bins: dict[str, tuple[float, ...]]
    explain_error: str | None = None

    # The result's parts under the names the report and the command line read them by.
    thresholds = property(lambda self: self.result.settings.thresholds)
    tolerance = property(lambda self: self.result.settings.tolerance)
    groups_left_out = property(lambda self: self.result.left_out)
    table = property(lambda self: self.result.by_group)
    intervals = property(lambda self: self.result.intervals)
    disparities = property(lambda self: self.result.disparities)
    findings = property(lambda self: self.result.findings)


def run_audit(
    table: pd.DataFrame, spec: AuditSpec, model: ScoreModel | None = None, *,
    thresholds: Threshold | None = None, tolerance: float = DEFAULT_TOLERANCE, min_group_size: int = SMALL_GROUP_SIZE,
    data_name: str = "data", with_rules: bool = True, explain_rows: int = 500, features: pd.DataFrame | None = None,
    inputs: AuditInputs | None = None, curves: ThresholdCurves | None = None,
) -> Audit:
    """Compute a whole audit: validation, metrics with intervals, disparities, findings, rules.

    Parameters
    ----------
    table, spec, model
        As for :func:`fairdash.audit.prepare_audit`.
    thresholds : float or {group: float}, optional
        Decision thresholds (``score >= threshold``); by default the audit's default threshold.
    tolerance : float
        Differences up to this pass.
    min_group_size : int
        Groups with fewer rows are left out of the disparities (as the dashboard does by default); 0 keeps all.
    with_rules : bool
        Also fit a depth-3 surrogate tree to the decisions.
    explain_rows : int
        With a model, :func:`top_features` explains up to this many rows; 0 skips the explanations.
        An explanation that fails does not fail the audit: ``Audit.explain_error`` says why.
    features : DataFrame, optional
        Feature importance to include (index: feature), instead of computing it.
    inputs, curves : optional
        Already prepared inputs and curves (the dashboard passes its cached ones).
    """
    inputs = inputs if inputs is not None else prepare_audit(table, spec, model)
    curves = curves if curves is not None else ThresholdCurves(inputs.y_true, inputs.scores, inputs.group_codes)
    if thresholds is None:
        chosen: float | dict[str, float] = inputs.default_threshold
    elif isinstance(thresholds, Mapping):
        chosen = {str(label): float(value) for label, value in thresholds.items()}
    else:
        chosen = float(thresholds)
    settings = AuditSettings(thresholds=chosen, tolerance=tolerance, min_group_size=min_group_size)
    result = judge(curves.counts_at(chosen), curves.labels, settings, reference=inputs.reference)
    surrogate = _surrogate(table, spec, inputs, chosen, with_model=model is not None) if with_rules else None
    explain_error = None
    if features is None and model is not None and spec.features and explain_rows > 0:
        features, explain_error = _explained(model, table[list(spec.features)], inputs, result.judged, explain_rows)
    return Audit(
        data_name=data_name,
        model_name=model.name if model is not None else None,
        spec=spec,
        inputs=inputs,
        summary=summarize(table, spec),
        result=result,
        curves=curves,
        surrogate=surrogate,
        features=features,
        created=_datetime.datetime.now(_datetime.timezone.utc).isoformat(timespec="seconds"),
        bins=bins_used(table, spec.sensitive, spec.bins),
        explain_error=explain_error,
    )


def _explained(model: ScoreModel, X: pd.DataFrame, inputs: AuditInputs, judged: pd.DataFrame,
               rows: int) -> tuple[pd.DataFrame | None, str | None]:
    """:func:`top_features`, or why it failed: the model's or shap's failure leaves the fairness audit standing (and gating)."""
    try:
        return top_features(model, X, inputs, judged, max_rows=rows), None
    except Exception as error:
        return None, f"{type(error).__name__}: {' '.join(str(error).split())[:300]}"


def _surrogate(table: pd.DataFrame, spec: AuditSpec, inputs: AuditInputs, thresholds: Threshold, *, with_model: bool) -> Surrogate | None:
    """A depth-3 surrogate tree of the decisions at ``thresholds`` (``None`` when no column can explain them)."""
    from fairdash.thresholds import decisions_at

    columns = surrogate_columns(table, spec, with_model=with_model)
    if not columns:
        return None
    return surrogate_tree(table[columns], decisions_at(inputs.scores, inputs.groups, thresholds), max_depth=3,
                          sensitive=sensitive_frame(table, spec.sensitive, spec.bins), sensitive_columns=spec.sensitive)


def top_features(model: ScoreModel, X: pd.DataFrame, inputs: AuditInputs, judged: pd.DataFrame, *, max_rows: int = 500) -> pd.DataFrame:
    """Mean |SHAP| per feature, and each feature's share of the gap in mean output between the groups
    selected most and least often (SHAP on a seeded sample of ``max_rows`` rows; of at most
    :data:`PERMUTATION_ROWS` where only the model-agnostic explainer applies, as for ONNX models)."""
    from fairdash.explain import explainer_method, gap_decomposition, shap_values

    rows = max_rows if explainer_method(model) != "permutation" else min(max_rows, PERMUTATION_ROWS)
    result = shap_values(model, X, positive_label=inputs.model_label, max_rows=rows)
    features = result.values.abs().mean().rename(f"mean |SHAP| ({result.output.replace('_', '-')})").to_frame()
    rates = judged["selection_rate"].dropna()
    sampled = set(inputs.groups.loc[result.values.index])
    if len(rates) >= 2 and {rates.idxmax(), rates.idxmin()} <= sampled:
        gap = gap_decomposition(result.values, inputs.groups, rates.idxmax(), rates.idxmin())
        features[f"share of the gap, {rates.idxmax()} minus {rates.idxmin()}"] = gap
    return features.sort_values(features.columns[0], ascending=False)


def versions() -> dict[str, str]:
    """fairdash's version, Python's, and those of the libraries it uses (without importing them)."""
    found = {"fairdash": __version__, "python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def json_number(value: Any) -> Any:
    """A JSON-safe number: NaN (and infinity) become null, numpy scalars plain Python."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value


def json_text(document: Any) -> str:
    """JSON text that any parser reads: no NaN or Infinity (they are not JSON), values that are not
    JSON types as text."""
    return json.dumps(document, indent=2, default=str, allow_nan=False, ensure_ascii=False)


def audit_json(audit: Audit, *, compared: tuple[str, Sequence[Any]] | None = None) -> dict[str, Any]:
    """The audit as a JSON-ready dict with stable top-level keys.

    ``settings`` (data, model, target, positive label, sensitive attributes, reference group,
    tolerance, score column, features), ``data`` (rows, group sizes, warnings), ``groups`` (group label ->
    {metric -> number or null}), ``overall`` (the same over all rows, kept apart from the groups),
    ``intervals`` (group -> {rate -> [lower, upper]}), ``overall_intervals`` (rate -> [lower, upper]),
    ``disparities`` (name -> value; null where undefined), ``disparity_intervals`` (name -> [lower,
    upper], over the same groups as the disparities), ``findings`` (name -> {value, rule, passed,
    sentence, undefined}), ``thresholds`` (a number, or group -> number), ``rules`` (when computed),
    ``versions``, ``created``; with ``compared`` (a constraint and the fixes
    :func:`fairdash.fixes.compare_fixes` made for it), ``fixes`` and ``fixes_constraint`` as in :func:`fixes_json`.
    """
    spec = audit.spec
    document: dict[str, Any] = {
        "settings": {
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
            "groups_left_out_of_disparities": list(audit.groups_left_out),
            "bootstrap": {"resamples": audit.intervals.n_resamples, "confidence": audit.intervals.confidence,
                          "seed": audit.intervals.random_state},
        },
        "data": {
            "rows": audit.summary.rows,
            "columns": audit.summary.columns,
            "missing_cells": audit.summary.missing_cells,
            "group_sizes": {str(label): int(count) for label, count in audit.summary.groups["count"].items()},
            "warnings": list(audit.inputs.warnings),
        },
        **result_json(audit.result),
        "thresholds": audit.thresholds,
        "versions": versions(),
        "created": audit.created,
    }
    if compared is not None:
        constraint, fixes = compared
        document["fixes_constraint"] = constraint
        document["fixes"] = fixes_json(fixes, constraint=constraint)["fixes"]
    if audit.explain_error is not None:
        document["features_error"] = audit.explain_error
    if audit.features is not None:
        document["features"] = {
            str(feature): {str(column): json_number(value) for column, value in row.items()} for feature, row in audit.features.iterrows()
        }
    if audit.surrogate is not None:
        document["rules"] = {
            "fidelity": audit.surrogate.fidelity,
            "rules": [{key: json_number(value) for key, value in row.items()} for row in audit.surrogate.rules.to_dict("records")],
        }
    return document


def result_json(result: AuditResult) -> dict[str, Any]:
    """An audit result's numbers as JSON: ``groups``, ``overall``, ``intervals`` (group -> rate -> [lower, upper]),
    ``overall_intervals``, ``disparities``, ``disparity_intervals`` and ``findings`` (name -> value, rule, passed,
    sentence, undefined); the same keys in the audit's JSON, each monitor window's and each fix's."""
    def pair(row: Mapping[str, Any]) -> list[Any]:
        return [json_number(row["lower"]), json_number(row["upper"])]

    intervals = result.intervals
    return {
        "groups": groups_json(result.by_group),
        "overall": {column: json_number(result.overall[column]) for column in METRIC_COLUMNS},
        "intervals": {str(label): {rate: [json_number(intervals.lower.loc[label, rate]), json_number(intervals.upper.loc[label, rate])]
                                   for rate in intervals.lower.columns} for label in intervals.lower.index},
        "overall_intervals": {rate: pair(row) for rate, row in intervals.overall.iterrows()},
        "disparities": {name: json_number(value) for name, value in result.disparities.items()},
        "disparity_intervals": {name: pair(row) for name, row in intervals.disparities.iterrows()},
        "findings": {name: {"value": json_number(row["value"]), "rule": row["rule"], "passed": row["passed"], "sentence": row["sentence"],
                            "undefined": row["undefined"]} for name, row in result.findings.to_dict("index").items()},
    }


def groups_json(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """A metric table as group label -> {metric -> number or null}."""
    return {str(label): {column: json_number(row[column]) for column in METRIC_COLUMNS} for label, row in table.iterrows()}


def fixes_json(fixes: Sequence[Any], *, constraint: str, data_name: str = "data", train_name: str | None = None) -> dict[str, Any]:
    """The comparison of :func:`fairdash.fixes.compare_fixes` as a JSON-ready dict.

    ``settings`` (data, training table, constraint) and ``fixes``: one object per fix with ``name``
    (``original``, ``thresholds``, ``reweighing``, ``reductions``, ``unawareness``, ``other_model``),
    ``title``, ``bound`` (reductions; null for the others), ``accuracy``, ``balanced_accuracy``, ``auc``,
    ``disparities`` and ``disparity_intervals`` (as in the audit's JSON), ``groups`` (the audit's per-group
    table), ``thresholds``, ``training_seconds``, and ``error`` (why the fix could not be made, or null).
    Every fix has every key: one that could not be made has each figure null, its ``disparities``,
    ``disparity_intervals`` and ``groups`` keeping the names a made fix has (so a reader needs no
    check of ``error`` before looking a figure up).
    """
    figures = [_fix_figures(fix) for fix in fixes]
    # Every fix is judged on the same rows, so a made fix's figures give the shape of those not made.
    shape = next((entry for entry in figures if entry is not None), None)
    entries = [{"name": fix.name, "title": fix.title, "bound": json_number(fix.bound),
                **(entry if entry is not None else _nulled(shape if shape is not None else dict.fromkeys(_FIX_FIGURES))),
                "error": fix.error}
               for fix, entry in zip(fixes, figures)]
    return {"settings": {"data": data_name, "train": train_name, "constraint": constraint}, "fixes": entries,
            "versions": versions(), "created": _datetime.datetime.now(_datetime.timezone.utc).isoformat(timespec="seconds")}


_FIX_FIGURES = ("accuracy", "balanced_accuracy", "auc", "disparities", "disparity_intervals", "groups", "thresholds", "training_seconds")


def _fix_figures(fix: Any) -> dict[str, Any] | None:
    """A made fix's figures as JSON (the keys of :data:`_FIX_FIGURES`); ``None`` for a fix not made."""
    if fix.error is not None:
        return None
    return dict(
        accuracy=json_number(fix.accuracy), balanced_accuracy=json_number(fix.balanced_accuracy), auc=json_number(fix.auc),
        disparities={name: json_number(value) for name, value in fix.disparities.items()},
        disparity_intervals={name: [json_number(row["lower"]), json_number(row["upper"])] for name, row in fix.intervals.disparities.iterrows()},
        groups=groups_json(fix.table),
        thresholds=({str(k): json_number(v) for k, v in fix.thresholds.items()} if isinstance(fix.thresholds, Mapping)
                    else json_number(fix.thresholds)),
        training_seconds=json_number(round(fix.seconds, 3)),
    )


def _nulled(value: Any) -> Any:
    """``value`` with every number (or text) replaced by null: objects keep their keys, lists their length."""
    if isinstance(value, dict):
        return {key: _nulled(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nulled(item) for item in value]
    return None


def fixes_table(fixes: Sequence[Any], disparity: str) -> pd.DataFrame:
    """One row per fix: accuracy, balanced accuracy, AUC, the chosen disparity with its interval, each
    group's selection rate, training time; a fix that could not be made shows why."""
    rows = []
    for fix in fixes:
        row: dict[str, Any] = {"fix": fix.title}
        if fix.error is None:
            low, high = fix.intervals.disparities.loc[disparity, ["lower", "upper"]]
            value = fix.disparities[disparity]
            row.update({"accuracy": fix.accuracy, "balanced accuracy": fix.balanced_accuracy,
                        "AUC": float("nan") if fix.auc is None else fix.auc,  # no score to rank by: per-group thresholds
                        disparity.replace("_", " "): "undefined" if pd.isna(value) else f"{value:.3f} [{low:.3f}, {high:.3f}]"})
            row.update({f"selected: {label}": rate for label, rate in fix.table["selection_rate"].items()})
            row["training (s)"] = round(fix.seconds, 2) if fix.seconds else None
        else:
            row["not made"] = fix.error
        rows.append(row)
    return pd.DataFrame(rows).set_index("fix")


def fixes_html(fixes: Sequence[Any], *, constraint: str, data_name: str = "data") -> str:
    """The comparison as one self-contained HTML page: the trade-off chart and the table, for the
    disparity the constraint aims at."""
    from fairdash.fixes import CONSTRAINT_DISPARITY

    disparity = CONSTRAINT_DISPARITY[constraint]
    return html_page(f"Fixes compared: {data_name}", [
        section("Settings", definition_list([("Data", data_name), ("Constraint", constraint.replace("_", " ")),
                                              ("Disparity shown", disparity.replace("_", " "))])),
        section("Every fix on the same rows", _fixes_content(fixes, constraint)),
    ], made_by="fairdash fixes")


def _fixes_content(fixes: Sequence[Any], constraint: str) -> str:
    """The trade-off chart and the table of fixes, as HTML (plotly.js is on the page already)."""
    from fairdash.fixes import CONSTRAINT_DISPARITY

    disparity = CONSTRAINT_DISPARITY[constraint]
    figure = plots.fixes_tradeoff(fixes, disparity)
    table = fixes_table(fixes, disparity)
    numbers = table.select_dtypes("number").columns
    shown = table.assign(**{column: table[column].map(lambda v: "" if pd.isna(v) else f"{v:.3f}") for column in numbers})
    return (f'<div class="chart">{figure.to_html(include_plotlyjs=False, full_html=False, config={"displaylogo": False})}</div>'
            + table_html(shown) + f"<p>Intervals of the disparity: {html.escape(DISPARITY_INTERVAL_METHOD)}.</p>")


def _slider_payload(audit: Audit) -> dict[str, Any]:
    """What the report's script needs: thresholds on a grid and each group's counts at each."""
    curves = audit.curves
    grid = curves.distinct_scores(max_points=REPORT_THRESHOLDS)
    above = float(np.nextafter(grid[-1], np.inf))
    grid = np.append(grid, above)  # the last position selects nobody
    counts = curves.counts_over(grid)  # (positions, groups, 4): tp, fp, tn, fn

    def position_of(value: float) -> int:
        return int(min(np.searchsorted(grid, value, side="left"), len(grid) - 1))

    if isinstance(audit.thresholds, dict):
        start = {"mode": "per_group", "global": position_of(float(np.median(list(audit.thresholds.values())))),
                 "groups": [position_of(audit.thresholds[label]) for label in curves.labels]}
    else:
        start = {"mode": "global", "global": position_of(audit.thresholds), "groups": [position_of(audit.thresholds)] * len(curves.labels)}
    return {
        "labels": curves.labels,
        "thresholds": [float(value) for value in grid],
        "counts": counts.tolist(),
        "start": start,
        "rules": audit.result.settings.rules,
        "slack": VERDICT_SLACK,
        "left_out": list(audit.groups_left_out),
        "exact": len(grid) - 1 == len(curves.distinct_scores()),
    }


def audit_html(audit: Audit, *, compared: tuple[str, Sequence[Any]] | None = None) -> str:
    """The audit as one self-contained HTML page (see the module's description); with ``compared`` (a
    constraint and its fixes, as for :func:`audit_json`), the comparison (chart and table) as a section of its own."""
    spec = audit.spec
    figures = [
        plots.rate_bars(audit.table, audit.intervals, reference=audit.inputs.reference),
        plots.confusion_matrices(audit.table),
        plots.roc_curves(audit.curves.roc(), audit.table),
        plots.tradeoff_curve(audit.curves.tradeoff(), "demographic_parity_difference",
                             current=(float(overall_metrics(audit.table)["accuracy"]), audit.disparities["demographic_parity_difference"])),
    ]
    charts = "\n".join(
        f'<div class="chart">{figure.to_html(include_plotlyjs=False, full_html=False, config={"displaylogo": False})}</div>'
        for figure in figures
    )
    settings = [
        ("Data", audit.data_name), ("Model", audit.model_name or f"none: scores from column {spec.score}"),
        ("Target", f"{spec.target} = {spec.positive_label}"), ("Sensitive", " × ".join(spec.sensitive)),
        *((f"Bands of {column}", ", ".join(band_labels(edges))) for column, edges in audit.bins.items()),
        ("Reference group", audit.inputs.reference), ("Thresholds", threshold_text(audit.thresholds)),
        ("Tolerance", f"{audit.tolerance:g}"), ("Rows", f"{audit.summary.rows:,}"),
        ("Left out of the disparities (too small)", ", ".join(audit.groups_left_out) or "none"),
    ]
    sections = [
        section("Settings", definition_list(settings)),
        section("Data", table_html(audit.summary.groups.assign(
            share=lambda frame: frame["share"].map("{:.1%}".format), base_rate=lambda frame: frame["base_rate"].map("{:.1%}".format)))
            + "".join(f'<p class="warning">{html.escape(warning)}</p>' for warning in audit.inputs.warnings)),
        section("Disparities at the audited thresholds", findings_html(audit.findings, audit.intervals.disparities)),
        section("Metrics by group (95% bootstrap intervals)", table_html(formatted_table(audit.table, audit.intervals))
                 + "<p>All rows together:</p>" + table_html(formatted_overall(audit.table, audit.intervals))),
        section("Try other thresholds", static_file("slider.html")),
        section("Charts", charts),
    ]
    if audit.features is not None:
        sections.append(section("What the model relies on (SHAP)", table_html(audit.features.head(15).round(4))))
    elif audit.explain_error is not None:
        sections.append(section("What the model relies on (SHAP)",
                                 f'<p class="warning">The explanation failed, so it is left out: {html.escape(audit.explain_error)}</p>'))
    if compared is not None:
        constraint, fixes = compared
        sections.append(section(f"Fixes compared ({constraint.replace('_', ' ')})", _fixes_content(fixes, constraint)))
    if audit.surrogate is not None:
        rules = audit.surrogate.rules[["rule", "coverage", "precision", "tests_sensitive", "tests_proxy"]].assign(
            coverage=lambda frame: frame["coverage"].map("{:.1%}".format), precision=lambda frame: frame["precision"].map("{:.1%}".format))
        sections.append(section(
            f"Rules (surrogate tree, fidelity {audit.surrogate.fidelity:.1%} on held-out rows)", table_html(rules, index=False)))
    return html_page(f"Fairness audit: {audit.data_name}", sections, made_by=f"fairdash audit, {audit.created}",
                     payload=_script_json(_slider_payload(audit)), script=static_file("report.js"))


def html_page(title: str, sections: Sequence[str], *, made_by: str, charts: bool = True, payload: str = "{}", script: str = "") -> str:
    """A self-contained HTML page of ``sections`` (see :func:`section`), with the versions in its footer;
    ``charts`` inlines plotly.js (no outside address is ever fetched)."""
    import plotly.offline

    footer = (f"{html.escape(made_by)}. Versions: " + ", ".join(f"{name} {version}" for name, version in versions().items()) + ".")
    return static_file("page.html").format(title=html.escape(title), plotly=plotly.offline.get_plotlyjs() if charts else "", style=static_file("report.css"),
                        body="\n".join(sections), footer=footer, payload=payload, script=script)


def _script_json(document: Any) -> str:
    """JSON to place inside a ``<script>`` element: ``<``, ``>`` and ``&`` as ``\\u`` escapes, so no
    text from the data can close the element or open a comment (``</script>``, ``<!--``)."""
    text = json.dumps(document, allow_nan=False, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def threshold_text(thresholds: float | Mapping[str, float]) -> str:
    """Thresholds in words, as every page and report writes them (four significant digits)."""
    if isinstance(thresholds, Mapping):
        return ", ".join(f"{label}: {value:.4g}" for label, value in thresholds.items())
    return f"{thresholds:.4g} for everyone"


def section(title: str, content: str) -> str:
    """A titled section of a report page (the title escaped; ``content`` is HTML already)."""
    return f"<section><h2>{html.escape(title)}</h2>\n{content}\n</section>"


def definition_list(items: list[tuple[str, str]]) -> str:
    """Label-value pairs as an HTML definition list, both escaped."""
    return "<dl>" + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in items) + "</dl>"


def table_html(frame: pd.DataFrame, *, index: bool = True) -> str:
    """A table as escaped HTML in the report's style; missing values as n/a."""
    return frame.to_html(index=index, escape=True, border=0, classes="grid", na_rep="n/a")


def verdict_word(finding: Mapping[str, Any]) -> str:
    """A finding's verdict as every presenter names it: ``"pass"``, ``"fail"``, ``"undefined"`` (no value; its
    ``undefined`` says why) or ``""`` (no rule sets a bar). Decided by :func:`fairdash.metrics.verdict`; only named here."""
    if finding["undefined"]:
        return "undefined"
    return {True: "pass", False: "fail", None: ""}[finding["passed"]]


def findings_html(findings: pd.DataFrame, bounds: pd.DataFrame) -> str:
    """The disparities as an HTML table: value, interval, rule, verdict and the sentence."""
    rows = []
    for name, row in findings.to_dict("index").items():
        word = verdict_word(row)
        verdict = f'<span class="{word}">{word}</span>' if word in ("pass", "fail") else word
        value = "n/a" if pd.isna(row["value"]) else f"{row['value']:.3f}"
        low, high = bounds.loc[name, ["lower", "upper"]]
        interval = "n/a" if pd.isna(low) else f"{low:.3f}–{high:.3f}"
        rows.append(f"<tr><td>{html.escape(name.replace('_', ' '))}</td><td>{value}</td><td class='nowrap'>{interval}</td><td class='nowrap'>{html.escape(row['rule'])}</td>"
                    f"<td>{verdict}</td><td class='words'>{html.escape(row['sentence'])}</td></tr>")
    return ('<table class="grid"><thead><tr><th>disparity</th><th>value</th><th>95% interval</th><th>passes when</th><th></th>'
            f"<th class='words'>in words</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p>Intervals: {html.escape(DISPARITY_INTERVAL_METHOD)}.</p>")


@functools.cache
def static_file(name: str) -> str:
    """A file shipped in ``fairdash/static`` (the report's page template, style and script), as text."""
    return resources.files("fairdash").joinpath("static", name).read_text(encoding="utf-8")
