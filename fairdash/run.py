"""A whole audit of a table and a model: validation, the one result at the chosen thresholds, the rules, and
what the model relies on. The dashboard's downloads and the command line both call :func:`run_audit`."""

from __future__ import annotations

import datetime as _datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple, Sequence, TypedDict

import pandas as pd

from fairdash.engine.calibration import Calibration, calibration_by_group
from fairdash.engine.conditional import Conditional, check_control, conditional_disparity
from fairdash.engine.conflict import CriteriaConflict, criteria_conflict
from fairdash.engine.guess import DataSummary, summarize
from fairdash.engine.inputs import AuditInputs, prepare_audit
from fairdash.engine.metrics import DEFAULT_TOLERANCE
from fairdash.engine.result import AuditResult, AuditSettings, judge
from fairdash.engine.spec import SMALL_GROUP_SIZE, AuditSpec, bins_used, sensitive_frame, small_groups_warning
from fairdash.engine.subgroups import SubgroupSearch, find_subgroups
from fairdash.engine.thresholds import Threshold, ThresholdCurves
from fairdash.engine.warnings import AuditWarning
from fairdash.explain.recourse import Recourse
from fairdash.explain.rules import Surrogate, surrogate_columns, surrogate_tree
from fairdash.intake.models import ScoreModel

if TYPE_CHECKING:  # shap loads when an explanation runs
    from fairdash.explain.attributions import ShapResult

__all__ = [
    "PERMUTATION_ROWS",
    "Audit",
    "run_audit",
    "where_unfair",
    "WhereUnfair",
    "audit_calibration",
    "audit_conflict",
    "audit_recourse",
    "top_features",
    "gap_features",
    "GAP_SHARE_PREFIX",
    "audit_conditional",
]

GAP_SHARE_PREFIX = "share of the gap"
"""How the column of each feature's share of the gap between two groups begins in :func:`gap_features`' table
(``"share of the gap, A minus B"``)."""

PERMUTATION_ROWS = 100
"""The rows the report's top features explain when only the model-agnostic explainer applies: it
calls the model some hundred times per row, and a smaller sample keeps a CLI audit to seconds."""


@dataclass(frozen=True)
class Audit:
    """Everything one audit found, at the chosen thresholds."""

    data_name: str
    model_name: str | None
    spec: AuditSpec
    inputs: AuditInputs
    summary: DataSummary
    result: AuditResult
    """The fairness audit at the chosen thresholds: every number of it (see :func:`fairdash.engine.result.judge`)."""
    curves: ThresholdCurves
    surrogate: Surrogate | None
    features: pd.DataFrame | None
    created: str
    bins: dict[str, tuple[float, ...]]
    explain_error: str | None = None
    calibration: Calibration | None = None
    """Calibration within groups (with ``run_audit(calibration=True)``)."""
    conflict: CriteriaConflict | None = None
    """Why the criteria conflict, for the judged groups (with ``run_audit(calibration=True)``)."""
    subgroups: SubgroupSearch | None = None
    """The subgroups with the largest gaps (with ``run_audit(subgroups=True)``)."""
    recourse: Recourse | None = None
    """Recourse by group at the chosen thresholds, when asked for (``run_audit(..., recourse_rows=N)``)."""
    conditional: Conditional | None = None
    """Selection rates within the strata of a control factor and the CDD (``run_audit(..., control=[...])``)."""

    # The result's parts under the names the report and the command line read them by.
    thresholds = property(lambda self: self.result.settings.thresholds)
    tolerance = property(lambda self: self.result.settings.tolerance)
    groups_left_out = property(lambda self: self.result.left_out)
    table = property(lambda self: self.result.by_group)
    intervals = property(lambda self: self.result.intervals)
    disparities = property(lambda self: self.result.disparities)
    findings = property(lambda self: self.result.findings)

    @property
    def warnings(self) -> tuple[AuditWarning, ...]:
        """The audit's warnings, as facts (in words: :func:`fairdash.present.sentences.warning_text`): the groups under its small-group minimum (``result.settings.min_group_size``), then
        the inputs' (missing sensitive values, ID-like columns, the scores)."""
        small = small_groups_warning(self.summary.groups["count"], self.result.settings.min_group_size)
        return ((small,) if small else ()) + tuple(self.inputs.warnings)


def run_audit(
    table: pd.DataFrame,
    spec: AuditSpec,
    model: ScoreModel | None = None,
    *,
    thresholds: Threshold | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    min_group_size: int = SMALL_GROUP_SIZE,
    data_name: str = "data",
    with_rules: bool = True,
    explain_rows: int = 500,
    features: pd.DataFrame | None = None,
    inputs: AuditInputs | None = None,
    curves: ThresholdCurves | None = None,
    recourse_rows: int | None = None,
    calibration: bool = False,
    subgroups: bool = False,
    max_conditions: int = 2,
    subgroup_min_size: int = SMALL_GROUP_SIZE,
    control: Sequence[str] = (),
) -> Audit:
    """Compute a whole audit: validation, metrics with intervals, disparities, findings, rules.

    Parameters
    ----------
    table, spec, model
        As for :func:`fairdash.engine.inputs.prepare_audit`.
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
    calibration, subgroups, max_conditions, subgroup_min_size
        Also calibration within groups and why the criteria conflict; the subgroups with the largest gaps (:func:`where_unfair`).
    recourse_rows : int, optional
        With a model, also the recourse by group (:func:`audit_recourse`) over up to this many turned-down rows.
    control : sequence of str
        Legitimate factor(s) held equal: the selection rates within their strata and the CDD (:func:`audit_conditional`).
    """
    inputs, curves, chosen = _prepared(table, spec, model, inputs, curves, thresholds)
    core = _judged(table, spec, model, inputs, curves, chosen, tolerance, min_group_size, with_rules, features, explain_rows)
    asked = _Asked(calibration, subgroups, max_conditions, subgroup_min_size, recourse_rows, control)
    parts = _optional_parts(table, spec, model, inputs, chosen, min_group_size, core["result"], asked)
    return Audit(data_name=data_name, model_name=model.name if model is not None else None, spec=spec, **core, **parts)


def _prepared(
    table: pd.DataFrame,
    spec: AuditSpec,
    model: ScoreModel | None,
    inputs: AuditInputs | None,
    curves: ThresholdCurves | None,
    thresholds: Threshold | None,
) -> tuple[AuditInputs, ThresholdCurves, float | dict[str, float]]:
    """The audit's inputs and curves (those given, else prepared) and its thresholds (the default one unless given)."""
    inputs = inputs if inputs is not None else prepare_audit(table, spec, model)
    curves = curves if curves is not None else ThresholdCurves(inputs.y_true, inputs.scores, inputs.group_codes)
    chosen: float | dict[str, float] = (
        inputs.default_threshold
        if thresholds is None
        else (
            {str(label): float(value) for label, value in thresholds.items()}
            if isinstance(thresholds, Mapping)
            else float(thresholds)
        )
    )
    return inputs, curves, chosen


def _judged(
    table: pd.DataFrame,
    spec: AuditSpec,
    model: ScoreModel | None,
    inputs: AuditInputs,
    curves: ThresholdCurves,
    chosen: float | dict[str, float],
    tolerance: float,
    min_group_size: int,
    with_rules: bool,
    features: pd.DataFrame | None,
    explain_rows: int,
) -> dict[str, Any]:
    """The audit's result at ``chosen``, its rules and explanations, the table's summary, the time and the bands, by the
    names of :class:`Audit`'s fields."""
    settings = AuditSettings(thresholds=chosen, tolerance=tolerance, min_group_size=min_group_size)
    result = judge(curves.counts_at(chosen), curves.labels, settings, reference=inputs.reference)
    surrogate = _surrogate(table, spec, inputs, chosen, with_model=model is not None) if with_rules else None
    explain_error = None
    if features is None and model is not None and spec.features and explain_rows > 0:
        features, explain_error = _explained(model, table[list(spec.features)], inputs, result.judged, explain_rows)
    return {
        "inputs": inputs,
        "summary": summarize(table, spec, min_group_size=min_group_size),
        "result": result,
        "curves": curves,
        "surrogate": surrogate,
        "features": features,
        "created": _datetime.datetime.now(_datetime.timezone.utc).isoformat(timespec="seconds"),
        "bins": bins_used(table, spec.sensitive, spec.bins),
        "explain_error": explain_error,
    }


class _Asked(NamedTuple):
    """The optional parts of an audit asked for (see :func:`run_audit`)."""

    calibration: bool
    subgroups: bool
    max_conditions: int
    subgroup_min_size: int
    recourse_rows: int | None
    control: Sequence[str]


def _optional_parts(
    table: pd.DataFrame,
    spec: AuditSpec,
    model: ScoreModel | None,
    inputs: AuditInputs,
    chosen: float | dict[str, float],
    min_group_size: int,
    result: AuditResult,
    asked: _Asked,
) -> dict[str, Any]:
    """The optional parts asked for, by the names of :class:`Audit`'s fields: where it is unfair (calibration and
    subgroups), the recourse by group and the conditional disparity."""
    return {
        **where_unfair(
            table,
            inputs,
            result,
            calibration=asked.calibration,
            subgroups=asked.subgroups,
            max_conditions=asked.max_conditions,
            min_size=asked.subgroup_min_size,
        ),
        "recourse": audit_recourse(table, spec, model, inputs, chosen, asked.recourse_rows, min_group_size)
        if asked.recourse_rows
        else None,
        "conditional": audit_conditional(table, inputs, chosen, asked.control) if asked.control else None,
    }


def audit_conditional(table: pd.DataFrame, inputs: AuditInputs, thresholds: Threshold, control: Sequence[str]) -> Conditional:
    """The decisions at ``thresholds`` given ``control``: selection rates within its strata and each group's conditional
    demographic disparity (:func:`fairdash.engine.conditional.conditional_disparity`); the control checked against the
    audit's target, score and sensitive attributes."""
    from fairdash.engine.thresholds import decisions_at

    spec = inputs.spec
    control = check_control(control, target=spec.target, sensitive=spec.sensitive, score=spec.score, columns=table.columns)
    return conditional_disparity(table, decisions_at(inputs.scores, inputs.groups, thresholds), inputs.groups, control)


class WhereUnfair(TypedDict, total=False):
    """The optional parts of an :class:`Audit` that :func:`where_unfair` computed, by field name."""

    calibration: Calibration
    conflict: CriteriaConflict
    subgroups: SubgroupSearch


def where_unfair(
    table: pd.DataFrame,
    inputs: AuditInputs,
    result: AuditResult,
    *,
    calibration: bool,
    subgroups: bool,
    max_conditions: int = 2,
    min_size: int = SMALL_GROUP_SIZE,
) -> WhereUnfair:
    """The optional parts of an :class:`Audit`, as its fields: with ``calibration``, calibration within groups
    (:func:`calibration_by_group`) and why the criteria conflict (:func:`criteria_conflict`), at the result's tolerance
    and small-group minimum; with ``subgroups``, the subgroups of up to ``max_conditions`` conditions and at least
    ``min_size`` rows over every column but the target and the score, at the result's thresholds (:func:`find_subgroups`)."""
    from fairdash.engine.thresholds import decisions_at

    settings, spec, parts = result.settings, inputs.spec, WhereUnfair()
    if calibration:
        parts["calibration"] = audit_calibration(inputs, settings)
        parts["conflict"] = audit_conflict(inputs, result)
    if subgroups:
        columns = [column for column in table.columns if column not in (spec.target, spec.score)]
        parts["subgroups"] = find_subgroups(
            table,
            inputs.y_true,
            decisions_at(inputs.scores, inputs.groups, settings.thresholds_chosen),
            columns=columns,
            max_conditions=max_conditions,
            min_size=min_size,
        )
    return parts


def audit_calibration(inputs: AuditInputs, settings: AuditSettings) -> Calibration:
    """Calibration within the audit's groups at its tolerance and small-group minimum (it does not depend on the
    thresholds): the figures :func:`where_unfair` puts in an audit and the Fairness page shows."""
    return calibration_by_group(
        inputs.y_true,
        inputs.scores,
        inputs.group_codes,
        probability=inputs.score_kind == "probability",
        min_group_size=settings.min_group_size,
        tolerance=settings.tolerance,
    )


def audit_conflict(inputs: AuditInputs, result: AuditResult) -> CriteriaConflict:
    """Why the fairness criteria conflict for ``result`` (its thresholds and tolerance), against the reference group."""
    return criteria_conflict(result.judged, reference=inputs.reference, tolerance=result.settings.tolerance)


def audit_recourse(
    table: pd.DataFrame,
    spec: AuditSpec,
    model: ScoreModel | None,
    inputs: AuditInputs,
    thresholds: Threshold,
    rows: int,
    min_group_size: int = SMALL_GROUP_SIZE,
) -> Recourse:
    """Recourse by group at ``thresholds``, the sensitive attributes held (:func:`fairdash.explain.recourse.recourse_by_group`)."""
    from fairdash.engine.thresholds import thresholds_per_row
    from fairdash.explain.counterfactuals import search_space
    from fairdash.explain.recourse import recourse_by_group

    X = table[list(spec.features)] if spec.features else table.iloc[:, :0]
    space = search_space(X, immutable=[column for column in spec.sensitive if column in X.columns])
    return recourse_by_group(
        model,
        X,
        scores=inputs.scores,
        thresholds=thresholds_per_row(inputs.groups, thresholds),
        groups=inputs.groups,
        space=space,
        positive_label=inputs.model_label,
        max_rows=rows,
        min_group_size=min_group_size,
    )


def _explained(
    model: ScoreModel, X: pd.DataFrame, inputs: AuditInputs, judged: pd.DataFrame, rows: int
) -> tuple[pd.DataFrame | None, str | None]:
    """:func:`top_features`, or why it failed: the model's or shap's failure leaves the fairness audit standing (and gating)."""
    try:
        return top_features(model, X, inputs, judged, max_rows=rows), None
    except Exception as error:
        return None, f"{type(error).__name__}: {' '.join(str(error).split())[:300]}"


def _surrogate(
    table: pd.DataFrame, spec: AuditSpec, inputs: AuditInputs, thresholds: Threshold, *, with_model: bool
) -> Surrogate | None:
    """A depth-3 surrogate tree of the decisions at ``thresholds`` (``None`` when no column can explain them)."""
    from fairdash.engine.thresholds import decisions_at

    columns = surrogate_columns(table, spec, with_model=with_model)
    if not columns:
        return None
    return surrogate_tree(
        table[columns],
        decisions_at(inputs.scores, inputs.groups, thresholds),
        max_depth=3,
        sensitive=sensitive_frame(table, spec.sensitive, spec.bins),
        sensitive_columns=spec.sensitive,
    )


def top_features(
    model: ScoreModel, X: pd.DataFrame, inputs: AuditInputs, judged: pd.DataFrame, *, max_rows: int = 500
) -> pd.DataFrame:
    """Mean |SHAP| per feature, and each feature's share of the gap in mean output between the groups
    selected most and least often (SHAP on a seeded sample of ``max_rows`` rows; of at most
    :data:`PERMUTATION_ROWS` where only the model-agnostic explainer applies, as for ONNX models)."""
    from fairdash.explain.attributions import explainer_method, shap_values

    rows = max_rows if explainer_method(model) != "permutation" else min(max_rows, PERMUTATION_ROWS)
    return gap_features(shap_values(model, X, positive_label=inputs.model_label, max_rows=rows), inputs.groups, judged)


def gap_features(result: ShapResult, groups: pd.Series, judged: pd.DataFrame) -> pd.DataFrame:
    """Mean |SHAP| per feature of a :class:`~fairdash.explain.attributions.ShapResult`, and each feature's share of the gap
    in mean output between the judged groups selected most and least often (when the sample has both), sorted by the
    first; the table :func:`top_features` returns and the Summary reads."""
    from fairdash.explain.attributions import gap_decomposition

    features = result.values.abs().mean().rename(f"mean |SHAP| ({result.output.replace('_', '-')})").to_frame()
    rates = judged["selection_rate"].dropna()
    sampled = set(groups.loc[result.values.index])
    if len(rates) >= 2 and {rates.idxmax(), rates.idxmin()} <= sampled:
        gap = gap_decomposition(result.values, groups, rates.idxmax(), rates.idxmin())
        features[f"{GAP_SHARE_PREFIX}, {rates.idxmax()} minus {rates.idxmin()}"] = gap
    return features.sort_values(features.columns[0], ascending=False)
