"""The threshold controls of the Fairness page: one slider or one per group, suggest, reset."""

from __future__ import annotations

import streamlit as st

from fairdash.audit.thresholds import CONSTRAINTS, SliderScale, ThresholdCurves
from fairdash.ui import cache, state
from fairdash.ui.session import SessionAudit
from fairdash.ui.widgets import md

CONSTRAINT_NAMES = {
    "demographic_parity": "Demographic parity (equal selection rates)",
    "equal_opportunity": "Equal opportunity (equal true positive rates)",
    "equalized_odds": "Equalized odds (equal true and false positive rates)",
}


def current_thresholds(audit: SessionAudit, curves: ThresholdCurves) -> float | dict[str, float]:
    """The thresholds set on the Fairness page for this audit, or the default threshold."""
    state.reset_thresholds_if_audit_changed(audit.key)
    if audit.inputs.binary_scores:
        return 0.5
    return state.chosen_thresholds(curves.labels, _default(audit, cache.threshold_scale(audit.key, curves)))


def _default(audit: SessionAudit, scale: SliderScale) -> float:
    return scale.snap(audit.inputs.default_threshold)


def threshold_controls(audit: SessionAudit, curves: ThresholdCurves) -> float | dict[str, float]:
    """Draw the controls; return the thresholds they set (a float, or ``{group: float}``)."""
    state.reset_thresholds_if_audit_changed(audit.key)
    scale = cache.threshold_scale(audit.key, curves)
    default = _default(audit, scale)
    if audit.inputs.binary_scores:
        st.info(
            "The scores are 0/1 predictions, so there is no threshold to move: the metrics below are for the "
            "predictions as they are. Upload scores (probabilities) to explore thresholds.",
            icon=":material/info:",
        )
        return 0.5

    mode_column, reset_column = st.columns([4, 1], vertical_alignment="bottom")
    state.set_default(state.THRESHOLD_MODE, state.MODE_GLOBAL)
    state.set_default(state.SUGGEST_TOLERANCE, 0.02)
    with mode_column:
        st.segmented_control(
            "Thresholds", options=[state.MODE_GLOBAL, state.MODE_PER_GROUP], key=state.THRESHOLD_MODE,
            format_func={state.MODE_GLOBAL: "One for everyone", state.MODE_PER_GROUP: "One per group"}.get,
        )
    reset_column.button("Reset", on_click=state.reset_thresholds, icon=":material/restart_alt:")
    if state.get(state.THRESHOLD_MODE) == state.MODE_PER_GROUP:
        columns = st.columns(min(3, len(curves.labels)))
        for position, label in enumerate(curves.labels):
            with columns[position % len(columns)]:
                threshold_slider(md(label), state.group_threshold_key(label), scale, default)
    else:
        threshold_slider("Selected when the score is at least", state.THRESHOLD, scale, default)

    with st.expander("Suggest per-group thresholds that meet a constraint", icon=":material/auto_fix_high:"):
        left, right = st.columns([3, 1])
        left.selectbox("Constraint", options=list(CONSTRAINTS), format_func=CONSTRAINT_NAMES.get, key=state.SUGGEST_CONSTRAINT)
        right.number_input("Tolerance", min_value=0.0, max_value=0.5, step=0.01, key=state.SUGGEST_TOLERANCE,
                           help="The largest allowed difference between groups.")
        st.button("Suggest", type="primary", on_click=_apply_suggestion, args=(audit, curves, scale), icon=":material/auto_fix_high:")
        suggestion = state.last_suggestion()
        if suggestion is not None:
            (st.success if suggestion.met else st.warning)(suggestion.message)
    return current_thresholds(audit, curves)


def threshold_slider(label: str, key: str, scale: SliderScale, default: float) -> None:
    """A threshold slider over ``scale``'s positions (each score value, or steps of a range), kept in ``key``."""
    state.set_default(key, default)
    st.session_state[key] = scale.snap(st.session_state[key])  # a value kept from other scores (another log) fits these
    if scale.options is not None:
        st.select_slider(label, options=list(scale.options), key=key,
                         format_func=lambda value: "above all" if value == scale.options[-1] else f"{value:g}")
    else:
        st.slider(label, min_value=scale.minimum, max_value=scale.maximum, step=scale.step, key=key, format="%.3f")


def _apply_suggestion(audit: SessionAudit, curves: ThresholdCurves, scale: SliderScale) -> None:
    constraint = state.get(state.SUGGEST_CONSTRAINT) or CONSTRAINTS[0]
    tolerance = float(state.get(state.SUGGEST_TOLERANCE, 0.02))
    suggestion = cache.suggestion(audit.key, curves, constraint, tolerance, audit.inputs.default_threshold)
    state.remember_suggestion(suggestion)
    if suggestion.met:
        state.set_group_thresholds({label: scale.snap(value) if scale.options else value for label, value in suggestion.thresholds.items()})
