"""The Subgroups page's parts: the search at the Fairness page's thresholds, the ranked table, and the button that
audits a chosen subgroup against the rest."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fairdash.engine.subgroups import SUBGROUP_VALUES, SubgroupSearch, find_subgroups, with_subgroup_column
from fairdash.engine.thresholds import Threshold, decisions_at
from fairdash.present.where_unfair import subgroups_table
from fairdash.ui import cache, choices, keys, thresholds_state
from fairdash.ui.session import SessionAudit
from fairdash.ui.widgets import md

__all__ = ["SHOWN", "current_thresholds", "search", "ranked", "ranked_table", "audit_button", "back_button"]

SHOWN = 50
"""The most subgroups the page lists."""


def current_thresholds(audit: SessionAudit) -> Threshold:
    """The thresholds set on the Fairness page (its default before a visit)."""
    curves = cache.threshold_curves(audit.key, audit.inputs)
    return thresholds_state.chosen_thresholds(curves.labels, audit.inputs.default_threshold)


@st.cache_data(max_entries=16, show_spinner="Counting every subgroup of one or two conditions...")
def _search(
    audit_key: str,
    thresholds_key: str,
    _audit: SessionAudit,
    _thresholds: Threshold,
    max_conditions: int,
    min_size: int,
    added: str | None,
) -> SubgroupSearch:
    inputs, spec = _audit.inputs, _audit.spec
    left_out = {spec.target, spec.score, added}  # every column but these: the column added for a subgroup is not the user's
    columns = [column for column in _audit.workspace.table.columns if column not in left_out]
    return find_subgroups(
        _audit.workspace.table,
        inputs.y_true,
        decisions_at(inputs.scores, inputs.groups, _thresholds),
        columns=columns,
        max_conditions=max_conditions,
        min_size=min_size,
        top=SHOWN,
    )


def search(audit: SessionAudit, thresholds: Threshold, *, max_conditions: int, min_size: int) -> SubgroupSearch:
    """The subgroup search at ``thresholds`` (its :data:`SHOWN` best overall and of each rate), once per audit and setting."""
    subgroup = choices.audited_subgroup()
    return _search(
        audit.key, repr(thresholds), audit, thresholds, max_conditions, min_size, subgroup.column if subgroup else None
    )


def ranked(found: SubgroupSearch, metric: str | None, *, shown: int = SHOWN) -> pd.DataFrame:
    """The best ``shown`` tests of one rate (``None``: of all three), in the search's order."""
    results = found.results if metric is None else found.results[found.results["metric"] == metric]
    return results.head(shown).reset_index(drop=True)


def ranked_table(results: pd.DataFrame) -> pd.DataFrame:
    """Ranked tests (of :func:`ranked`) as the page shows them."""
    return subgroups_table(results)


def audit_button(audit: SessionAudit, results: pd.DataFrame, rank: int) -> None:
    """A button that makes the subgroup ranked ``rank`` (from 1) in ``results`` the session's sensitive attribute,
    against the rest, on a copy of the table; then opens the Fairness page."""
    # A callback, not the button's return value: it runs before the next script run, whatever that run does first.
    st.button(
        "Audit this subgroup against the rest",
        icon=":material/balance:",
        type="primary",
        key=keys.AUDIT_SUBGROUP_BUTTON,
        on_click=_audit_chosen,
        args=(audit, tuple(results.iloc[rank - 1]["conditions"])),
    )
    if choices.take_page_request():
        st.switch_page("pages/fairness.py")


def _audit_chosen(audit: SessionAudit, conditions: tuple) -> None:
    before = choices.audited_subgroup()
    table = audit.workspace.table.drop(columns=[before.column]) if before is not None else audit.workspace.table
    _, column = with_subgroup_column(table, conditions)
    sensitive_before = before.sensitive_before if before is not None else tuple(audit.spec.sensitive)
    reference_before = before.reference_before if before is not None else audit.spec.reference
    choices.audit_subgroup(
        choices.AuditedSubgroup(conditions, column, sensitive_before, reference_before), reference=SUBGROUP_VALUES[1]
    )
    choices.request_page("fairness")


def back_button() -> None:
    """With a subgroup audited against the rest: a note and a button back to the audit chosen before."""
    subgroup = choices.audited_subgroup()
    if subgroup is None:
        return
    st.info(
        f"A copy of the table has the column “{md(subgroup.column)}” (the subgroup against the rest), for the audit of that "
        "subgroup. The search below leaves that column out.",
        icon=":material/info:",
    )
    st.button("Back to the audit chosen before", key=keys.STOP_AUDITING_SUBGROUP_BUTTON, on_click=choices.stop_auditing_subgroup)
