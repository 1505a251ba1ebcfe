"""Cached wrappers around the library for the pages.

Tables, models and prepared audits are cached with ``st.cache_resource``: they are shared, never
mutated, and returning them without a copy keeps a rerun (a slider move) from costing time in
proportion to the rows. Arguments named ``_x`` are not hashed; the id beside each stands for it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import streamlit as st

from fairdash.engine.demo import Demo, load_demo
from fairdash.engine.guess import guess_spec
from fairdash.engine.inputs import AuditInputs, prepare_audit
from fairdash.engine.preview import PreviewCounts
from fairdash.engine.preview import preview_counts as counts_for_preview
from fairdash.engine.result import AuditResult, AuditSettings, judge
from fairdash.engine.spec import AuditSpec
from fairdash.engine.thresholds import Constraint, SliderScale, Suggestion, ThresholdCurves, slider_scale
from fairdash.explain.attributions import (
    ShapResult,
    explainer_method,
    flip_rates,
    lime_weights,
    permutation_importance_table,
    shap_values,
)
from fairdash.explain.rules import Surrogate, fidelity_by_depth, surrogate_tree
from fairdash.fixes.compare import Fix, compare_fixes
from fairdash.intake.models import ScoreModel, load_model
from fairdash.intake.tables import read_table
from fairdash.monitor.engines import LogCounts, MonitorSpec, count_log
from fairdash.monitor.windows import Monitor, monitor

__all__ = [
    "demo",
    "uploaded_table",
    "uploaded_model",
    "guessed_spec",
    "column_values",
    "audit_inputs",
    "threshold_curves",
    "judged",
    "roc",
    "tradeoff",
    "suggestion",
    "preview_counts",
    "threshold_scale",
    "surrogate",
    "fidelity_curve",
    "report_files",
    "shap_global",
    "fixes",
    "explain_row",
    "permutation_importance",
    "flips",
    "log_counts",
    "monitored",
    "compas_log",
]


@st.cache_resource(show_spinner="Loading the demo...")
def demo(key: str) -> Demo:
    return load_demo(key)


@st.cache_resource(max_entries=4, show_spinner="Reading the table...")
def uploaded_table(file_id: str, name: str, _content: bytes) -> pd.DataFrame:
    return read_table(_content, name=name)


@st.cache_resource(max_entries=4, show_spinner="Loading the model...")
def uploaded_model(file_id: str, name: str, _content: bytes, trust_pickle: bool, trusted_types: Sequence[str]) -> ScoreModel:
    return load_model(_content, name=name, trust_pickle=trust_pickle, trusted_types=tuple(trusted_types))


@st.cache_resource(max_entries=8, show_spinner=False)
def guessed_spec(table_id: str, _table: pd.DataFrame, model_id: str | None, feature_names: tuple[str, ...] | None) -> AuditSpec:
    """The first choices for an uploaded table, guessed once per table and model (a pass over every
    column: not to be paid again on each slider move)."""
    return guess_spec(_table, feature_names=feature_names, with_model=model_id is not None)


@st.cache_data(max_entries=16, show_spinner=False)
def column_values(table_id: str, _table: pd.DataFrame, column: str) -> list[Any]:
    """The distinct values of a column (missing left out), found once per table and column: pages
    that rerun on every slider move must not pass over the rows each time."""
    return pd.unique(_table[column].dropna()).tolist()


@st.cache_resource(max_entries=8, show_spinner="Scoring the table...")
def audit_inputs(
    table_id: str, _table: pd.DataFrame, model_id: str | None, _model: ScoreModel | None, spec: AuditSpec
) -> AuditInputs:
    return prepare_audit(_table, spec, _model)


@st.cache_resource(max_entries=8, show_spinner="Sorting the scores by group...")
def threshold_curves(audit_key: str, _inputs: AuditInputs) -> ThresholdCurves:
    return ThresholdCurves(_inputs.y_true, _inputs.scores, _inputs.group_codes)


@st.cache_data(max_entries=64, show_spinner=False)
def judged(audit_key: str, _curves: ThresholdCurves, settings_key: str, _settings: AuditSettings, reference: str) -> AuditResult:
    """The audit at these settings (``settings_key`` stands for them), once per setting: a rerun that moves no
    threshold (a chart switch, a toggle) does not judge again."""
    return judge(_curves.counts_at(_settings.thresholds_chosen), _curves.labels, _settings, reference=reference)


@st.cache_data(max_entries=8, show_spinner=False)
def roc(audit_key: str, _curves: ThresholdCurves) -> pd.DataFrame:
    return _curves.roc()


@st.cache_data(max_entries=8, show_spinner=False)
def tradeoff(audit_key: str, _curves: ThresholdCurves) -> pd.DataFrame:
    return _curves.tradeoff()


@st.cache_data(max_entries=64, show_spinner=False)
def suggestion(
    audit_key: str, _curves: ThresholdCurves, constraint: Constraint, tolerance: float, baseline: float, min_group_size: int
) -> Suggestion:
    return _curves.suggest(constraint, tolerance, baseline=baseline, min_group_size=min_group_size)


@st.cache_resource(max_entries=16, show_spinner=False)
def preview_counts(audit_key: str, _curves: ThresholdCurves, anchors_key: str, _anchors: list[float]) -> PreviewCounts:
    """The preview's positions and counts (``anchors_key`` names ``_anchors``, the thresholds laid into them)."""
    return counts_for_preview(_curves, include=_anchors)


@st.cache_resource(max_entries=8, show_spinner=False)
def threshold_scale(audit_key: str, _curves: ThresholdCurves) -> SliderScale:
    return slider_scale(_curves.distinct_scores())


@st.cache_data(max_entries=16, show_spinner="Fitting the surrogate tree...")
def surrogate(
    audit_key: str,
    decisions_key: str,
    _X: pd.DataFrame,
    _decisions: np.ndarray,
    _sensitive: pd.DataFrame,
    sensitive_columns: tuple[str, ...],
    max_depth: int,
    min_samples_leaf: float,
) -> Surrogate:
    return surrogate_tree(
        _X,
        _decisions,
        max_depth=max_depth,
        min_samples_leaf=min_samples_leaf,
        sensitive=_sensitive,
        sensitive_columns=sensitive_columns,
    )


@st.cache_data(max_entries=16, show_spinner="Measuring fidelity at depths 1 to 8...")
def fidelity_curve(
    audit_key: str, decisions_key: str, _X: pd.DataFrame, _decisions: np.ndarray, min_samples_leaf: float
) -> pd.DataFrame:
    return fidelity_by_depth(_X, _decisions, min_samples_leaf=min_samples_leaf)


@st.cache_data(max_entries=8, show_spinner="Building the report...")
def report_files(
    audit_key: str,
    settings_key: str,
    _table: pd.DataFrame,
    _spec: AuditSpec,
    _model: ScoreModel | None,
    _inputs: AuditInputs,
    _curves: ThresholdCurves,
    _settings: AuditSettings,
    data_name: str,
    with_rules: bool,
    fixes_key: str | None = None,
    _fixes: tuple[str, list] | None = None,
    calibration: bool = False,
    subgroups: bool = False,
    control: tuple[str, ...] = (),
) -> tuple[str, str]:
    """The audit's JSON and HTML report, as text (``settings_key`` stands for ``_settings``); with the Fixes page's
    comparison (``fixes_key`` stands for it), calibration within groups, the subgroups and the rates given the Fairness
    page's ``control``, as ``audit`` makes them."""
    from fairdash.present.document import json_text
    from fairdash.present.report import audit_html, audit_json
    from fairdash.run import run_audit

    audit = run_audit(
        _table,
        _spec,
        _model,
        thresholds=_settings.thresholds,
        tolerance=_settings.tolerance,
        min_group_size=_settings.min_group_size,
        data_name=data_name,
        with_rules=with_rules,
        inputs=_inputs,
        curves=_curves,
        calibration=calibration,
        subgroups=subgroups,
        control=control,
    )
    return json_text(audit_json(audit, compared=_fixes)), audit_html(audit, compared=_fixes)


@st.cache_resource
def _slow_results() -> tuple[threading.Lock, OrderedDict[tuple[Any, ...], Any]]:
    # Sessions run in threads of one server and share this store: the lock guards it, not the computation.
    return threading.Lock(), OrderedDict()


def _remembered(key: tuple[Any, ...], compute: Callable[[], Any], keep: int = 8) -> Any:
    """``compute()`` once per key, kept for the last ``keep`` keys and shared by sessions.

    For slow work that shows its own progress bar: a ``st.cache_data`` call cannot update a bar drawn
    outside it. The computation runs outside the lock, so other sessions are never held up.
    """
    lock, results = _slow_results()
    with lock:
        if key in results:
            results.move_to_end(key)
            return results[key]
    result = compute()
    with lock:
        results[key] = result
        while len(results) > keep * 2:  # two kinds of work share the store
            results.popitem(last=False)
    return result


def shap_global(audit_key: str, model: ScoreModel, X: pd.DataFrame, positive_label: Any, max_rows: int) -> ShapResult:
    """SHAP values for the Explain page, kept for the last 8 settings and shared by sessions.

    Not ``st.cache_data``: a cached call cannot update a progress bar drawn outside it, and the
    model-agnostic explainer (models with no tree or linear explainer, ONNX models) takes minutes
    on a thousand rows, so it shows its progress; the fast exact ones show a spinner.
    """

    def compute() -> ShapResult:
        if explainer_method(model) == "permutation":
            text = f"Computing SHAP values with the model-agnostic explainer on {min(max_rows, len(X)):,} rows"
            bar = st.progress(0.0, text=f"{text}...")
            result = shap_values(
                model,
                X,
                positive_label=positive_label,
                max_rows=max_rows,
                progress=lambda done: bar.progress(done, text=f"{text}: {done:.0%}"),
            )
            bar.empty()
            return result
        with st.spinner("Computing SHAP values..."):
            return shap_values(model, X, positive_label=positive_label, max_rows=max_rows)

    return _remembered(("shap", audit_key, repr(positive_label), max_rows), compute)


def fixes(
    audit_key: str,
    table: pd.DataFrame,
    spec: AuditSpec,
    model: ScoreModel | None,
    *,
    train_id: str | None,
    train: pd.DataFrame | None,
    other_id: str | None,
    other_model: ScoreModel | None,
    constraint: str,
    threshold: float | dict[str, float],
    settings: AuditSettings,
    methods: tuple[str, ...],
    start: bool = True,
) -> list[Fix] | None:
    """The Fixes page's comparison, kept per audit and settings; a progress bar names each refit. With ``start=False``
    only a comparison already made is returned (``None`` otherwise): the refits start when the user asks."""

    def compute() -> list[Fix]:
        bar = st.progress(0.0, text="Comparing the fixes...")
        result = compare_fixes(
            table,
            spec,
            model,
            train=train,
            constraint=constraint,
            threshold=threshold,
            tolerance=settings.tolerance,
            min_group_size=settings.min_group_size,
            other_model=other_model,
            methods=methods,
            progress=lambda done, text: bar.progress(min(done, 1.0), text=f"{text}..."),
        )
        bar.empty()
        return result

    at = tuple(sorted(threshold.items())) if isinstance(threshold, dict) else threshold
    key = ("fixes", audit_key, train_id, other_id, constraint, at, settings.tolerance, settings.min_group_size, methods)
    if not start and not _is_remembered(key):
        return None
    return _remembered(key, compute)


def _is_remembered(key: tuple[Any, ...]) -> bool:
    lock, results = _slow_results()
    with lock:
        return key in results


@st.cache_data(max_entries=64, show_spinner="Explaining the row with SHAP and LIME...")
def explain_row(
    audit_key: str, _model: ScoreModel, _X: pd.DataFrame, positive_label: Any, row: Any
) -> tuple[ShapResult, pd.Series]:
    shap_row = shap_values(
        _model, _X.loc[[row]], positive_label=positive_label, background=_X.sample(min(100, len(_X)), random_state=0)
    )
    return shap_row, lime_weights(_model, _X, row, positive_label=positive_label)


@st.cache_data(max_entries=8, show_spinner="Shuffling each column (permutation importance)...")
def permutation_importance(
    audit_key: str, _model: ScoreModel, _X: pd.DataFrame, _y_true: np.ndarray, positive_label: Any
) -> pd.DataFrame:
    return permutation_importance_table(_model, _X, _y_true, positive_label=positive_label)


@st.cache_data(max_entries=16, show_spinner="Swapping the sensitive attribute on every row...")
def flips(
    audit_key: str,
    _model: ScoreModel,
    _X: pd.DataFrame,
    _table: pd.DataFrame,
    column: str,
    thresholds: Any,
    sensitive: tuple[str, ...],
    bins: Any,
    positive_label: Any,
) -> pd.DataFrame:
    return flip_rates(_model, _X, column, thresholds, positive_label=positive_label, table=_table, sensitive=sensitive, bins=bins)


@st.cache_resource(max_entries=4, show_spinner="Counting the log by window, group, outcome and score...")
def log_counts(log_id: str, _log: pd.DataFrame, spec: MonitorSpec, engine: str) -> LogCounts:
    """The log read once per log, settings and engine; every threshold and baseline is then counts only."""
    return count_log(_log, spec, engine=engine)


@st.cache_resource(max_entries=32, show_spinner=False)
def monitored(
    counts_key: str, _counts: LogCounts, threshold: float | None, settings: AuditSettings, baseline: str | None
) -> Monitor:
    return monitor(
        _counts, threshold=threshold, tolerance=settings.tolerance, min_group_size=settings.min_group_size, baseline=baseline
    )


@st.cache_resource(show_spinner="Reading the COMPAS log...")
def compas_log() -> pd.DataFrame:
    from fairdash.monitor.logs import compas_log as read

    return read()
