"""The Data & model choices in the session: where the data comes from, the columns, the trust given to a model, a
subgroup audited against the rest, and a page a button asked to open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import streamlit as st

from fairdash.ui import keys

__all__ = [
    "source",
    "demo_key",
    "forget_selections",
    "chosen_bins",
    "forget_model_choices",
    "forget_trust",
    "AuditedSubgroup",
    "audit_subgroup",
    "audited_subgroup",
    "stop_auditing_subgroup",
    "control_chosen",
    "request_page",
    "take_page_request",
]


def source() -> str:
    return st.session_state.get(keys.SOURCE, keys.SOURCE_DEMO)


def demo_key() -> str:
    from fairdash.engine.demo import DEFAULT_DEMO

    return st.session_state.get(keys.DEMO, DEFAULT_DEMO)


def forget_selections() -> None:
    """Drop the column choices, e.g. when another table is chosen; the page then offers defaults."""
    st.session_state.pop(keys.AUDITED_SUBGROUP, None)  # its column belongs to the table left
    for key in list(st.session_state.keys()):
        if key in keys.SELECTION_KEYS or str(key).startswith(keys.BINS_PREFIX):
            st.session_state.pop(key, None)


def chosen_bins(table: Any, sensitive: Sequence[str]) -> dict[str, tuple[float, ...]]:
    """The band edges the user typed for numeric sensitive attributes (``{column: edges}``); columns
    without typed edges get the default bands (see :func:`fairdash.engine.spec.bins_used`)."""
    from fairdash.engine.spec import parse_bins

    return {
        column: parse_bins(st.session_state[keys.bins_key(column)], column)
        for column in sensitive
        if str(st.session_state.get(keys.bins_key(column)) or "").strip()
    }


def forget_model_choices() -> None:
    """Another model (or none): the trust given to the last one goes, and so do the columns it took (the new model's own
    are offered)."""
    forget_trust()
    st.session_state.pop(keys.FEATURES, None)


def forget_trust(pickle_key: str = keys.TRUST_PICKLE, skops_key: str = keys.TRUST_SKOPS) -> None:
    """Trust is given to one file: another model file (or none) starts untrusted again."""
    st.session_state.pop(pickle_key, None)
    st.session_state.pop(skops_key, None)


@dataclass(frozen=True)
class AuditedSubgroup:
    """A subgroup the session audits against the rest: its conditions, the column added for it to a copy of the
    table, and the sensitive attributes and reference chosen before (restored when the user goes back)."""

    conditions: tuple[Any, ...]
    column: str
    sensitive_before: tuple[str, ...] | None
    reference_before: Any


def audit_subgroup(subgroup: AuditedSubgroup, *, reference: str) -> None:
    """Audit ``subgroup`` against the rest: its column becomes the sensitive attribute, ``reference`` the reference group."""
    st.session_state[keys.AUDITED_SUBGROUP] = subgroup
    st.session_state[keys.SENSITIVE] = [subgroup.column]
    st.session_state[keys.REFERENCE] = reference


def audited_subgroup() -> AuditedSubgroup | None:
    """The subgroup audited against the rest, or ``None``."""
    return st.session_state.get(keys.AUDITED_SUBGROUP)


def stop_auditing_subgroup() -> None:
    """Go back to the audit chosen before the subgroup (its sensitive attributes and reference)."""
    subgroup = st.session_state.pop(keys.AUDITED_SUBGROUP, None)
    if subgroup is None:
        return
    for key, value in (
        (keys.SENSITIVE, list(subgroup.sensitive_before) if subgroup.sensitive_before else None),
        (keys.REFERENCE, subgroup.reference_before),
    ):
        if value is None:
            st.session_state.pop(key, None)
        else:
            st.session_state[key] = value


def control_chosen(table: Any) -> tuple[str, ...]:
    """The columns the Fairness page holds equal ("Given a legitimate factor") that the table still has."""
    return tuple(column for column in st.session_state.get(keys.FAIRNESS_CONTROL) or () if column in table.columns)


def request_page(name: str) -> None:
    """Ask, from a widget's callback, for the page ``name`` to open in the next run (see :func:`take_page_request`)."""
    st.session_state[keys.PAGE_REQUEST] = name


def take_page_request() -> str | None:
    """The page a callback asked for, once (``None`` when none was)."""
    return st.session_state.pop(keys.PAGE_REQUEST, None)
