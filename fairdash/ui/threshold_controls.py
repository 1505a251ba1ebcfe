"""The threshold controls of the Fairness page: the in-browser preview, Suggest and Reset.

The preview is a Streamlit component (components v2: inline, no iframe) running the report's own script,
``fairdash/present/static/preview.js``: each slider move redraws the per-group table, the disparities with
their verdicts and the confusion matrices in the browser from the counts at every position. Once a move
settles it sends the thresholds back; only then does the server rerun (the page's fragment), and every
other page reads them from the session.
"""

from __future__ import annotations

import json
from typing import Mapping

import streamlit as st

from fairdash.engine.result import AuditResult
from fairdash.engine.thresholds import CONSTRAINTS, SliderScale, ThresholdCurves
from fairdash.present.preview import preview_payload, preview_script, preview_style
from fairdash.present.sentences import suggestion_sentence
from fairdash.present.text import PER_GROUP_THRESHOLDS_CAUTION, suggestion_table
from fairdash.ui import cache, keys, state, thresholds_state
from fairdash.ui.session import SessionAudit
from fairdash.ui.widgets import md

__all__ = ["CONSTRAINT_NAMES", "current_thresholds", "threshold_controls", "threshold_slider"]

CONSTRAINT_NAMES = {
    "demographic_parity": "Demographic parity (equal selection rates)",
    "equal_opportunity": "Equal opportunity (equal true positive rates)",
    "equalized_odds": "Equalized odds (equal true and false positive rates)",
}
_ADAPTER = """
export default function (component) {
  const { data, parentElement, setStateValue } = component;
  return fairdashPreview(parentElement, data, settled => setStateValue("thresholds", settled));
}
"""
_preview = st.components.v2.component("fairdash_threshold_preview", css=preview_style(), js=preview_script() + _ADAPTER)


def current_thresholds(audit: SessionAudit, curves: ThresholdCurves) -> float | dict[str, float]:
    """The thresholds set on the Fairness page for this audit, or the default threshold."""
    thresholds_state.reset_thresholds_if_audit_changed(audit.key)
    if audit.inputs.binary_scores:
        return 0.5
    return thresholds_state.chosen_thresholds(curves.labels, _default(audit, cache.threshold_scale(audit.key, curves)))


def _default(audit: SessionAudit, scale: SliderScale) -> float:
    return scale.snap(audit.inputs.default_threshold)


def threshold_controls(audit: SessionAudit, curves: ThresholdCurves, result: AuditResult) -> None:
    """Draw the preview at ``result``'s thresholds (its rules and left-out groups judge as Python does), Reset and Suggest."""
    if audit.inputs.binary_scores:
        st.info(
            "The scores are 0/1 predictions, so there is no threshold to move: the metrics below are for the "
            "predictions as they are. Upload scores (probabilities) to explore thresholds.",
            icon=":material/info:",
        )
        return
    thresholds = result.settings.thresholds_chosen
    # The positions: every distinct score (thinned to 1,000), the default and the thresholds the server last set,
    # so a preview opens exactly on them; the user's own moves are always positions already.
    anchors = [_default(audit, cache.threshold_scale(audit.key, curves))]
    anchors += list(thresholds.values()) if isinstance(thresholds, Mapping) else [thresholds]
    revision = thresholds_state.preview_revision()
    preview = cache.preview_counts(audit.key, curves, json.dumps([revision, anchors]), anchors)
    payload = preview_payload(
        preview,
        curves.labels,
        thresholds,
        rules=result.settings.rules,
        left_out=result.left_out,
        confidence=result.intervals.confidence,
        revision=revision,
    )
    _preview(
        key=keys.THRESHOLD_PREVIEW,
        data=payload,
        default={"thresholds": None},
        on_thresholds_change=lambda: _settled(curves.labels),
    )
    st.button("Reset the thresholds", on_click=thresholds_state.reset_thresholds, icon=":material/restart_alt:")
    _suggest_controls(audit, curves)


def _settled(labels: list[str]) -> None:
    settled = (st.session_state.get(keys.THRESHOLD_PREVIEW) or {}).get("thresholds")
    if isinstance(settled, dict):
        thresholds_state.store_settled_thresholds(settled, labels)


def _suggest_controls(audit: SessionAudit, curves: ThresholdCurves) -> None:
    state.set_default(keys.SUGGEST_TOLERANCE, thresholds_state.audit_settings().tolerance)  # aim under the bar the verdicts use
    with st.expander("Suggest per-group thresholds that meet a constraint", icon=":material/auto_fix_high:"):
        left, right = st.columns([3, 1])
        left.selectbox(
            "Constraint", options=list(CONSTRAINTS), format_func=CONSTRAINT_NAMES.__getitem__, key=keys.SUGGEST_CONSTRAINT
        )
        right.number_input(
            "Tolerance",
            min_value=0.0,
            max_value=1.0,
            step=0.01,
            key=keys.SUGGEST_TOLERANCE,
            help="The largest allowed difference between groups.",
        )
        st.button("Suggest", type="primary", on_click=_apply_suggestion, args=(audit, curves), icon=":material/auto_fix_high:")
        st.caption(PER_GROUP_THRESHOLDS_CAUTION)
        suggestion = thresholds_state.last_suggestion()
        if suggestion is not None:
            (st.success if suggestion.met else st.warning)(md(suggestion_sentence(suggestion)))
            table = suggestion_table(suggestion)
            st.dataframe(table, column_config={name: st.column_config.NumberColumn(format="%.3f") for name in table.columns})
            st.caption(
                "Every disparity over the groups the audit judges, before and after"
                + (
                    f"; {md(', '.join(suggestion.left_out))} left out (too small), at the one threshold of "
                    f"{suggestion.baseline_threshold:g}."
                    if suggestion.left_out
                    else "."
                )
            )


def threshold_slider(label: str, key: str, scale: SliderScale, default: float) -> None:
    """A threshold slider over ``scale``'s positions (each score value, or steps of a range), kept in ``key``."""
    state.set_default(key, default)
    st.session_state[key] = scale.snap(st.session_state[key])  # a value kept from other scores (another log) fits these
    options = scale.options
    if options is not None:
        st.select_slider(
            label, options=list(options), key=key, format_func=lambda value: "above all" if value == options[-1] else f"{value:g}"
        )
    else:
        st.slider(label, min_value=scale.minimum, max_value=scale.maximum, step=scale.step, key=key, format="%.3f")


def _apply_suggestion(audit: SessionAudit, curves: ThresholdCurves) -> None:
    constraint = state.get(keys.SUGGEST_CONSTRAINT) or CONSTRAINTS[0]
    tolerance = float(state.get(keys.SUGGEST_TOLERANCE, thresholds_state.audit_settings().tolerance))
    min_group_size = thresholds_state.audit_settings().min_group_size  # the groups the audit judges: Suggest searches over these
    suggestion = cache.suggestion(audit.key, curves, constraint, tolerance, audit.inputs.default_threshold, min_group_size)
    thresholds_state.remember_suggestion(suggestion)
    if suggestion.thresholds is not None:  # met
        thresholds_state.set_group_thresholds(dict(suggestion.thresholds))  # the preview's positions include them (anchors)
