"""The thresholds in the session and the settings that judge with them: set on the Fairness page (by its preview,
Suggest or Reset), or by a saved audit reopened; read by every page."""

from __future__ import annotations

import math
from typing import Any, Sequence

import streamlit as st

from fairdash.engine.metrics import DEFAULT_TOLERANCE
from fairdash.engine.result import AuditSettings
from fairdash.engine.spec import SMALL_GROUP_SIZE
from fairdash.ui import keys

__all__ = [
    "reset_thresholds_if_audit_changed",
    "reset_thresholds",
    "set_group_thresholds",
    "store_settled_thresholds",
    "preview_revision",
    "chosen_thresholds",
    "audit_settings",
    "remember_suggestion",
    "last_suggestion",
    "set_pending_thresholds",
    "pending_thresholds",
    "pin_thresholds",
]


def reset_thresholds_if_audit_changed(audit_id: str) -> None:
    """Threshold values belong to one audit (one score scale): a new audit starts from defaults."""
    if st.session_state.get(keys.THRESHOLDS_BELONG_TO) == audit_id:
        return
    reset_thresholds()
    st.session_state[keys.THRESHOLDS_BELONG_TO] = audit_id


def reset_thresholds() -> None:
    for key in list(st.session_state.keys()):
        if key in (keys.THRESHOLD, keys.THRESHOLD_MODE, keys.SUGGESTION) or str(key).startswith(keys.GROUP_THRESHOLD_PREFIX):
            del st.session_state[key]
    _server_moved_thresholds()


def set_group_thresholds(thresholds: dict[str, float]) -> None:
    """Set one threshold per group (Suggest) and switch to per-group mode; the preview moves to them."""
    st.session_state[keys.THRESHOLD_MODE] = keys.MODE_PER_GROUP
    for label, value in thresholds.items():
        st.session_state[keys.group_threshold_key(label)] = value
    _server_moved_thresholds()


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) else None


def store_settled_thresholds(settled: dict[str, Any], labels: Sequence[str]) -> None:
    """Keep the thresholds a preview settled on (``{mode, global, groups: {label: value}, revision}``) where every page
    reads them; a value that is not a number, or a group that is not one of ``labels``, is ignored, and so is a move
    made before the server last set the thresholds (another ``revision``: Suggest or Reset came after it)."""
    if settled.get("revision") != preview_revision():
        return
    if settled.get("mode") in (keys.MODE_GLOBAL, keys.MODE_PER_GROUP):
        st.session_state[keys.THRESHOLD_MODE] = settled["mode"]
    if _number(settled.get("global")) is not None:
        st.session_state[keys.THRESHOLD] = _number(settled["global"])
    groups = settled.get("groups")
    if not isinstance(groups, dict):
        groups = {}
    for label in labels:
        if _number(groups.get(label)) is not None:
            st.session_state[keys.group_threshold_key(label)] = _number(groups[label])


def preview_revision() -> int:
    """Bumped each time the server sets the thresholds (Suggest, Reset, another audit): an open preview moves to them."""
    return int(st.session_state.get(keys.PREVIEW_REVISION, 0))


def _server_moved_thresholds() -> None:
    st.session_state[keys.PREVIEW_REVISION] = preview_revision() + 1


def chosen_thresholds(labels: list[str], default: float) -> float | dict[str, float]:
    """The thresholds the user has set: one float, or one per group in per-group mode."""
    if st.session_state.get(keys.THRESHOLD_MODE, keys.MODE_GLOBAL) == keys.MODE_PER_GROUP:
        return {label: float(st.session_state.get(keys.group_threshold_key(label), default)) for label in labels}
    return float(st.session_state.get(keys.THRESHOLD, default))


def audit_settings(thresholds: float | dict[str, float] | None = None) -> AuditSettings:
    """The tolerance and the small-group minimum set on the Fairness page (with ``thresholds``), read once: every
    page and cached function takes this one value, so they all judge alike."""
    return AuditSettings(
        thresholds=thresholds,
        tolerance=float(st.session_state.get(keys.TOLERANCE, DEFAULT_TOLERANCE)),
        min_group_size=int(st.session_state.get(keys.MIN_GROUP_SIZE, SMALL_GROUP_SIZE)),
    )


def remember_suggestion(suggestion: Any) -> None:
    st.session_state[keys.SUGGESTION] = suggestion


def last_suggestion() -> Any:
    return st.session_state.get(keys.SUGGESTION)


def set_pending_thresholds(thresholds: Any, tolerance: float, min_group_size: int) -> None:
    """A saved audit's settings, to apply once its audit runs (:func:`pending_thresholds`)."""
    st.session_state[keys.PENDING_THRESHOLDS] = (thresholds, tolerance, min_group_size)


def pending_thresholds() -> tuple[Any, float, int] | None:
    return st.session_state.get(keys.PENDING_THRESHOLDS)


def pin_thresholds(audit_id: str, thresholds: float | dict[str, float], tolerance: float, min_group_size: int) -> None:
    """Set the Fairness page's thresholds, tolerance and small-group minimum, as belonging to the audit ``audit_id``
    (so that :func:`reset_thresholds_if_audit_changed` keeps them)."""
    reset_thresholds()
    if isinstance(thresholds, dict):
        set_group_thresholds({str(label): float(value) for label, value in thresholds.items()})
    else:
        st.session_state[keys.THRESHOLD_MODE] = keys.MODE_GLOBAL
        st.session_state[keys.THRESHOLD] = float(thresholds)
    st.session_state[keys.TOLERANCE] = float(tolerance)
    st.session_state[keys.MIN_GROUP_SIZE] = int(min_group_size)
    st.session_state[keys.THRESHOLDS_BELONG_TO] = audit_id
    st.session_state.pop(keys.PENDING_THRESHOLDS, None)
