"""The Explain page's counterfactuals of one row (beside SHAP and LIME) and its recourse by group."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from fairdash.engine.inputs import AuditInputs
from fairdash.engine.spec import AuditSpec
from fairdash.explain.counterfactuals import (
    DISTANCE,
    Counterfactuals,
    NearestRow,
    directions_of,
    find_counterfactuals,
    search_space,
)
from fairdash.explain.recourse import RECOURSE_ROWS, Recourse, recourse_by_group
from fairdash.intake.models import ScoreModel
from fairdash.present.recourse import SearchPace, recourse_groups_table
from fairdash.present.sentences import recourse_rows, undefined_text
from fairdash.present.text import verdict_word
from fairdash.ui import keys, state
from fairdash.ui.widgets import md, user_errors_shown

__all__ = ["counterfactual_panel", "recourse_panel"]


def _held(spec: AuditSpec, X: pd.DataFrame) -> list[str]:
    return [column for column in spec.sensitive if column in X.columns]


def _numeric(X: pd.DataFrame) -> list[str]:
    return [
        column for column in X.columns if pd.api.types.is_numeric_dtype(X[column]) and not pd.api.types.is_bool_dtype(X[column])
    ]


def _constraints(
    X: pd.DataFrame, sensitive: list[str]
) -> tuple[tuple[str, ...], tuple[list[str], list[str]], dict[str, tuple[float, float]]]:
    """The constraints the user sets in an expander: features held, those only to increase and only to decrease (both
    lists offer every number: a feature in both is refused with the reason, not silently dropped from one), ranges
    (default: the data's)."""
    numeric = [column for column in _numeric(X) if column not in sensitive]
    with st.expander("Constraints: what may change, and how", expanded=False):
        st.caption(
            f"Never changed: the sensitive attribute(s) {md(', '.join(sensitive)) or '(none among the features)'}. "
            "Categories change only to categories seen in the data."
        )
        held = st.multiselect("Also hold fixed", [column for column in X.columns if column not in sensitive], key=keys.CF_HELD)
        left, right = st.columns(2)
        increase = left.multiselect("Only increase", numeric, key=keys.CF_INCREASE)
        decrease = right.multiselect("Only decrease", numeric, key=keys.CF_DECREASE)
        observed = pd.DataFrame(
            {
                "feature": numeric,
                "lowest": [float(X[column].min()) for column in numeric],
                "highest": [float(X[column].max()) for column in numeric],
            }
        )
        st.caption("The values each number may take (by default the range seen in the data): edit a cell to narrow or widen it.")
        edited = st.data_editor(observed, key=keys.CF_RANGES, hide_index=True, disabled=["feature"], width="stretch")
    ranges = {
        row.feature: (float(row.lowest), float(row.highest))
        for row in edited.itertuples()
        if (row.lowest, row.highest) != tuple(observed.loc[observed["feature"] == row.feature, ["lowest", "highest"]].iloc[0])
    }
    return tuple(held), (increase, decrease), ranges


@st.cache_data(max_entries=64, show_spinner="Searching for counterfactuals (thousands of changed rows per model call)...")
def _found(
    audit_key: str,
    _model: ScoreModel,
    _X: pd.DataFrame,
    _scores: np.ndarray,
    _selected: np.ndarray,
    selected_key: str,
    row: Any,
    threshold: float,
    positive_label: Any,
    held: tuple[str, ...],
    directions: tuple,
    ranges: tuple,
    n: int,
) -> Counterfactuals:
    space = search_space(_X, immutable=held, directions=dict(directions), ranges=dict(ranges))
    return find_counterfactuals(
        _model, _X, row, threshold=threshold, positive_label=positive_label, space=space, n=n, scores=_scores, selected=_selected
    )


def counterfactual_panel(
    model: ScoreModel,
    X: pd.DataFrame,
    row: Any,
    spec: AuditSpec,
    inputs: AuditInputs,
    threshold: float,
    row_thresholds: np.ndarray,
    thresholds_key: str,
    audit_key: str,
) -> None:
    """Up to k counterfactuals of ``row`` at ``threshold`` (each: the features changed, from -> to, the new score, the
    distance) and the nearest real row with the other decision."""
    st.subheader("What would change the decision")
    sensitive = _held(spec, X)
    state.set_default(keys.CF_COUNT, 3)
    st.select_slider("Counterfactuals", options=[1, 2, 3, 4, 5], key=keys.CF_COUNT)
    extra, (increase, decrease), ranges = _constraints(X, sensitive)
    with user_errors_shown():
        directions = directions_of(increase, decrease)
        # Every row's decision (for the nearest real row) depends on every group's threshold: its key is all of them.
        result = _found(
            audit_key,
            model,
            X,
            inputs.scores,
            inputs.scores >= row_thresholds,
            thresholds_key,
            row,
            float(threshold),
            inputs.model_label,
            tuple(sensitive) + extra,
            tuple(sorted(directions.items())),
            tuple(sorted(ranges.items())),
            int(state.get(keys.CF_COUNT)),
        )
    if not result.found:
        st.info(md(result.reason), icon=":material/info:")
    else:
        _show_found(result)
    _show_nearest(result.nearest)
    st.caption(
        f"Each counterfactual was scored by the model as shown ({result.evaluated:,} changed rows scored) and reaches "
        f"'{result.wanted}' at the threshold {result.threshold:.3g}. Distance: {md(DISTANCE)}."
    )


def _show_found(result: Counterfactuals) -> None:
    """The counterfactuals found, one row each: the features changed (from -> to), the new score and the distance."""
    # st.table draws its cells as markdown: the data's text is escaped like any other markdown of the page.
    st.table(
        pd.DataFrame(
            {
                "changes (from → to)": [
                    "; ".join(f"{md(column)}: {md(before)} → {md(after)}" for column, (before, after) in found.changes.items())
                    for found in result.found
                ],
                "new score": [f"{found.score:.3f}" for found in result.found],
                "distance": [f"{found.distance:.3g}" for found in result.found],
            },
            index=pd.RangeIndex(1, len(result.found) + 1, name="#"),
        )
    )


def _show_nearest(nearest: NearestRow | None) -> None:
    """The nearest real row with the other decision, and its changes, when there is one."""
    if nearest is not None:
        changes = "; ".join(f"{md(column)}: {md(before)} → {md(after)}" for column, (before, after) in nearest.changes.items())
        which = "" if nearest.same_held else " (no such row shares its sensitive attributes: the nearest of all)"
        st.markdown(
            f"Nearest real row with the other decision{which}: **row {md(nearest.row)}**, score {nearest.score:.3f}, "
            f"distance {nearest.distance:.3g}: {changes}."
        )


@st.cache_data(max_entries=8, show_spinner=False)
def _recourse(
    audit_key: str,
    _model: ScoreModel,
    _X: pd.DataFrame,
    _scores: np.ndarray,
    _thresholds: np.ndarray,
    thresholds_key: str,
    _groups: pd.Series,
    positive_label: Any,
    held: tuple[str, ...],
    rows: int,
    min_group_size: int,
) -> Recourse:
    pace = SearchPace("turned-down rows for their nearest counterfactual")
    bar = st.progress(
        0.0, text="Searching the turned-down rows for their nearest counterfactual: the time left is measured on the first ones"
    )
    result = recourse_by_group(
        _model,
        _X,
        scores=_scores,
        thresholds=_thresholds,
        groups=_groups,
        space=search_space(_X, immutable=held),
        positive_label=positive_label,
        max_rows=rows,
        min_group_size=min_group_size,
        progress=lambda done, total: bar.progress(done / max(1, total), text=pace(done, total)),
    )
    bar.empty()
    return result


def recourse_panel(
    model: ScoreModel,
    X: pd.DataFrame,
    spec: AuditSpec,
    inputs: AuditInputs,
    row_thresholds: np.ndarray,
    thresholds_key: str,
    min_group_size: int,
    audit_key: str,
) -> None:
    """Each group's recourse burden over the rows turned down, with its interval, the share with none found, and the gap."""
    state.set_default(keys.RECOURSE_ROWS, RECOURSE_ROWS)
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    left.select_slider(
        "Turned-down rows to search (a seeded sample when there are more)",
        options=[500, 1000, 2000, 5000, 20000],
        key=keys.RECOURSE_ROWS,
    )
    right.toggle("Compute recourse by group", key=keys.RECOURSE_ON)
    if not state.get(keys.RECOURSE_ON):
        st.info(
            "Turn on 'Compute recourse by group' to search every turned-down row's nearest counterfactual "
            "(this can take minutes: the progress bar shows the time left, measured on the first rows searched).",
            icon=":material/info:",
        )
        return
    with user_errors_shown():
        result = _recourse(
            audit_key,
            model,
            X,
            inputs.scores,
            row_thresholds,
            thresholds_key,
            inputs.groups,
            inputs.model_label,
            tuple(_held(spec, X)),
            int(state.get(keys.RECOURSE_ROWS)),
            min_group_size,
        )
    shown = recourse_groups_table(result)
    st.table(shown.set_axis([md(label) for label in shown.index]).rename_axis("group"))  # cells are markdown: labels escaped
    _show_burden_findings(result)
    if result.left_out:
        st.caption(
            f"Left out of the gap (under {result.min_group_size} rows with a counterfactual found): {md(', '.join(result.left_out))}."
        )
    st.caption(
        f"Burden: the mean distance from a group's turned-down rows to their nearest counterfactual found, the sensitive "
        f"attributes held. Rows: {md(recourse_rows(result))}. Distance: {md(DISTANCE)}. A group with many rows without one "
        "found within the search budget has a burden that looks lower than it is."
    )


def _show_burden_findings(result: Recourse) -> None:
    """The burden difference and ratio side by side: each one's value with its interval and verdict, or why undefined."""
    columns = st.columns(2)
    for column, (name, finding) in zip(columns, result.findings.iterrows()):
        title = {
            "recourse_burden_difference": "Burden difference (largest - smallest)",
            "recourse_burden_ratio": "Burden ratio (smallest / largest)",
        }[name]
        if finding["undefined"]:
            reason = undefined_text(finding["undefined"])
            column.metric(title, "undefined", help=md(reason))
            column.caption(f"Undefined: {md(reason)}")
            continue
        word = verdict_word({"undefined": None, "passed": finding["passed"]})
        column.metric(title, f"{finding['value']:.3g}", help=f"95% interval {finding['lower']:.3g} - {finding['upper']:.3g}")
        column.caption(
            f"95% interval {finding['lower']:.3g} - {finding['upper']:.3g}"
            + (f"; **{word}** (at least 0.8, the four-fifths rule)" if word else "; no rule sets a bar (units of distance)")
        )
