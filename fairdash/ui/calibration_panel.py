"""The Fairness page's calibration chart and the panel that says why the fairness criteria conflict."""

from __future__ import annotations

import streamlit as st

from fairdash.engine.calibration import Calibration
from fairdash.engine.inputs import AuditInputs
from fairdash.engine.result import AuditResult, AuditSettings
from fairdash.present import plots
from fairdash.present.sentences import calibration_method, calibration_notes, conflict_sentences
from fairdash.present.where_unfair import calibration_table, conflict_table, gap_text, observed_by_value
from fairdash.run import audit_calibration, audit_conflict
from fairdash.ui import keys, state
from fairdash.ui.session import SessionAudit
from fairdash.ui.widgets import chart, md

__all__ = ["calibration_panel"]


@st.cache_data(max_entries=16, show_spinner="Binning the scores per group...")
def _calibration(
    audit_key: str, _inputs: AuditInputs, _settings: AuditSettings, min_group_size: int, tolerance: float
) -> Calibration:
    # The scores do not move with the thresholds: computed once per audit and setting (the last two arguments are the
    # cache's key for the settings), not on every slider move.
    return audit_calibration(_inputs, _settings)


def calibration_panel(audit: SessionAudit, result: AuditResult) -> None:
    """Calibration within groups (behind a toggle: the page draws one chart at a time unless asked) and why the
    criteria conflict, for ``result`` (the Fairness page's audit at its thresholds)."""
    state.set_default(keys.SHOW_CALIBRATION, False)
    if st.toggle(
        "Calibration within groups: does a score mean the same for everyone?",
        key=keys.SHOW_CALIBRATION,
        help="Of the rows with about the same score, the share that truly is positive, per group. It does not "
        "depend on the thresholds.",
    ):
        _calibration_part(audit, result)
    conflict = audit_conflict(audit.inputs, result)
    with st.expander("Why the criteria conflict", expanded=True, icon=":material/compare_arrows:"):
        for sentence in conflict_sentences(conflict):
            st.markdown(f"- {md(sentence)}")
        st.dataframe(conflict_table(conflict), width="stretch")
        st.caption(
            "Where the base rates differ, a score that is calibrated in every group cannot give them equal false "
            "positive and false negative rates at once (Chouldechova 2017; Kleinberg, Mullainathan and Raghavan 2016)."
        )


def _calibration_part(audit: SessionAudit, result: AuditResult) -> None:
    settings = result.settings
    calibration = _calibration(audit.key, audit.inputs, settings, settings.min_group_size, settings.tolerance)
    for note in calibration_notes(calibration):
        st.info(md(note), icon=":material/info:")
    chart(plots.calibration_curves(calibration), key=keys.CALIBRATION_CHART)
    if calibration.bins == "score values":
        st.dataframe(observed_by_value(calibration), width="stretch")
    st.dataframe(calibration_table(calibration), width="stretch")
    badge = {
        True: ":green-badge[:material/check: pass]",
        False: ":red-badge[:material/close: fail]",
        None: ":gray-badge[undefined]",
    }
    st.markdown(f"{badge[calibration.passed]} {md(gap_text(calibration))}")
    st.caption(
        md(
            f"Intervals and tests: {calibration_method(calibration)}. A calibrated group's ECE is not 0 (the fewer its rows, the "
            f"larger): each group's ECE and the gap are set against what calibrated groups with the same rows show."
        )
    )
