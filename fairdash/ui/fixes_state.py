"""The Fixes page's state in the session: the refits the user asked for, and the last comparison (for the Report)."""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

from fairdash.ui import keys

__all__ = ["ask_refits", "take_refit_request", "remember_fixes", "compared_fixes", "comparison_key"]


def ask_refits(names: tuple[str, ...]) -> None:
    """A button's callback: the user asks for the refits of ``names`` (kept until :func:`take_refit_request`)."""
    st.session_state[keys.REFITS_ASKED] = {*st.session_state.get(keys.REFITS_ASKED, set()), names}


def take_refit_request(names: tuple[str, ...]) -> bool:
    """Whether the user asked for the refits of ``names`` since the last call (the request is used up)."""
    asked = st.session_state.get(keys.REFITS_ASKED, set())
    st.session_state[keys.REFITS_ASKED] = asked - {names}
    return names in asked


def remember_fixes(audit_key: str, constraint: str, fixes: list) -> None:
    """Keep the Fixes page's comparison for the Report page (of the same audit)."""
    st.session_state[keys.FIXES_COMPARED] = (audit_key, constraint, fixes)


def compared_fixes(audit_key: str) -> tuple[str, list] | None:
    """The constraint and fixes compared for this audit on the Fixes page, or ``None``."""
    kept = st.session_state.get(keys.FIXES_COMPARED)
    return (kept[1], kept[2]) if kept is not None and kept[0] == audit_key else None


def comparison_key(compared: tuple[str, list[Any]]) -> str:
    """Stands for a comparison (a constraint and its fixes) in cache keys: a digest of what the report shows of it (every
    fix's figures as its JSON has them), so that equal comparisons share a key and different ones never do (unlike an
    object's ``id``, which Python reuses once the object is gone)."""
    from fairdash.present.document import json_text
    from fairdash.present.fixes_report import fixes_json

    constraint, fixes = compared
    entries = fixes_json(fixes, constraint=constraint)["fixes"]
    return hashlib.sha256(json_text({"constraint": constraint, "fixes": entries}).encode()).hexdigest()
