"""The Summary page's content: the audit at the Fairness page's settings in plain words (the words are
:mod:`fairdash.present.summary`'s; this module only reads the session and draws)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from fairdash.engine.result import AuditResult
from fairdash.run import gap_features
from fairdash.errors import FairdashError
from fairdash.present.model_card import model_card
from fairdash.present.summary import NO_MODEL, NOT_EXPLAINED, Summary, features_from_json, summary_of
from fairdash.present.text import threshold_text
from fairdash.ui import cache, fixes_state, keys, state, thresholds_state
from fairdash.ui.session import SessionAudit
from fairdash.ui.threshold_controls import current_thresholds
from fairdash.ui.widgets import md

__all__ = ["session_result", "session_summary", "report_model_card", "show_summary", "VERDICT_BADGES"]

VERDICT_BADGES = {
    "pass": ":green-badge[:material/check: pass]",
    "fail": ":red-badge[:material/close: fail]",
    "inconclusive": ":orange-badge[:material/help: inconclusive]",
    "undefined": ":gray-badge[undefined]",
    "": ":gray-badge[no rule]",
}
"""Each verdict as a badge that says it in a word (never by colour alone)."""

_NOT_EXPLAINED = "Not computed yet: turn on 'Compute SHAP values' on the Explain page to name the largest driver of the gap."
_NOT_COMPARED = "Not computed yet: compare the fixes on the Fixes page to name the one that closes the most of the gap."
_EXPLAIN_ROWS = 1000  # the Explain page's default number of rows explained


def session_result(audit: SessionAudit) -> tuple[AuditResult, str]:
    """The audit at the thresholds, tolerance and small-group minimum set on the Fairness page (judged once per
    setting, as the Fairness page judges it), and the thresholds in words."""
    curves = cache.threshold_curves(audit.key, audit.inputs)
    thresholds = current_thresholds(audit, curves)
    settings = thresholds_state.audit_settings(thresholds)
    result = cache.judged(
        audit.key,
        curves,
        json.dumps([thresholds, settings.tolerance, settings.min_group_size], sort_keys=True),
        settings,
        audit.inputs.reference,
    )
    return result, threshold_text(thresholds)


def session_summary(audit: SessionAudit) -> tuple[Summary, str]:
    """The Summary of :func:`session_result`, with the Explain page's SHAP values when they are on and the Fixes page's
    comparison when made; and the thresholds in words."""
    result, thresholds = session_result(audit)
    features, error = _explanations(audit, result.judged)
    summary = summary_of(
        result,
        features=features,
        explain_error=error,
        compared=fixes_state.compared_fixes(audit.key),
        not_explained=_NOT_EXPLAINED if audit.workspace.model is not None else NO_MODEL,
        not_compared=_NOT_COMPARED,
    )
    return summary, thresholds


def report_model_card(audit: SessionAudit, json_text: str, compared: tuple[str, list] | None) -> str:
    """The model card of the Report page's audit JSON (``json_text``), its Summary from the same explanations and the fixes
    the report includes (``compared``)."""
    document = json.loads(json_text)
    result, _ = session_result(audit)
    summary = summary_of(
        result,
        features=features_from_json(document),
        explain_error=document.get("features_error"),
        compared=compared,
        not_explained=NOT_EXPLAINED if audit.workspace.model is not None else NO_MODEL,
    )
    return model_card(document, summary=summary)


def _explanations(audit: SessionAudit, judged: pd.DataFrame) -> tuple[pd.DataFrame | None, str | None]:
    """The features' shares of the gap from the Explain page's SHAP values (computed there, or here once it is on)."""
    model = audit.workspace.model
    if model is None or not state.get(keys.EXPLAIN_ON):
        return None, None
    X = audit.workspace.table[list(audit.spec.features)]
    try:
        result = cache.shap_global(
            audit.key, model, X, audit.inputs.model_label, int(state.get(keys.EXPLAIN_ROWS) or _EXPLAIN_ROWS)
        )
    except FairdashError as error:
        return None, str(error)
    return gap_features(result, audit.inputs.groups, judged), None


def show_summary(summary: Summary) -> None:
    """The Summary, fit to present: the verdicts first, then what else the audit found and cannot tell; the glossary."""
    for line in summary.headline:
        st.markdown(f"{VERDICT_BADGES[line.verdict]} {md(line.sentence)}")
    left, right = st.columns(2)
    with left:
        st.subheader("Groups left out")
        st.markdown(md(summary.left_out))
        st.subheader("The largest driver of the gap")
        st.markdown(md(summary.driver))
        st.subheader("The best fix found")
        st.markdown(md(summary.best_fix))
    with right:
        st.subheader("What this audit cannot tell")
        st.markdown("\n".join(f"- {md(item)}" for item in summary.cannot_tell))
    with st.expander("Glossary: every term the report uses"):
        st.markdown("\n".join(f"- **{md(term)}**: {md(meaning)}" for term, meaning in summary.glossary))
