"""Reading and writing the session's values: the generic part every page uses.

The keys are declared in :mod:`fairdash.ui.keys`; the values of one concern are read and written by its module:
:mod:`fairdash.ui.choices` (what to audit), :mod:`fairdash.ui.uploads` (files kept beyond their page),
:mod:`fairdash.ui.thresholds_state` (thresholds and the settings that judge), :mod:`fairdash.ui.saving_state` (saved
audits, links and drafts) and :mod:`fairdash.ui.fixes_state` (the Fixes page's requests and comparison).
"""

from __future__ import annotations

from typing import Any, Sequence

import streamlit as st

from fairdash.ui import keys

__all__ = ["keep_widget_values", "set_default", "get", "set_value", "pop", "ensure_choice", "ensure_choices"]


def keep_widget_values() -> None:
    """Stop Streamlit from forgetting the user's choices when they visit another page (app.py, each run) or when a
    fragment reruns alone (its end forgets the widgets it did not draw): every key declared kept
    (:func:`fairdash.ui.keys.is_kept`) is saved again; a widget already drawn in this run keeps its value."""
    for key in list(st.session_state.keys()):
        if keys.is_kept(key):
            try:
                st.session_state[key] = st.session_state[key]
            except Exception:  # noqa: BLE001  Streamlit refuses a widget drawn above in this run (a fragment in a full
                pass  # run): it is kept already; its exception class lives in a module that is not public API


def set_default(key: str, value: Any) -> None:
    """Give a widget its first value through session state (never also through the widget's own
    ``value``/``default`` argument, which Streamlit warns about)."""
    if key not in st.session_state:
        st.session_state[key] = value


def get(key: str, default: Any = None) -> Any:
    return st.session_state.get(key, default)


def set_value(key: str, value: Any) -> None:
    st.session_state[key] = value


def pop(key: str, default: Any = None) -> Any:
    """Remove ``key``'s value and return it (``default`` when there is none)."""
    return st.session_state.pop(key, default)


def ensure_choice(key: str, options: Sequence[Any], default: Any) -> None:
    """Make the stored value of a select widget one of ``options`` (else ``default``) before drawing it."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def ensure_choices(key: str, options: Sequence[Any], default: Sequence[Any]) -> None:
    """The same for a multiselect: keep the stored values that are still options, else ``default``."""
    stored = [value for value in st.session_state.get(key) or [] if value in options]
    st.session_state[key] = stored if stored else [value for value in default if value in options]
