"""Saved audits and drafts in the session: the audit a link opened and how, what a save click did, the delete
confirmations, and the tab's draft (:mod:`fairdash.ui.saved` and :mod:`fairdash.ui.drafts` use these)."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from fairdash.ui import keys

__all__ = [
    "delete_confirmed",
    "forget_delete_confirmations",
    "opened_audit",
    "opened_audit_as",
    "remember_opened_audit",
    "request_linked_view",
    "take_linked_view_request",
    "set_save_outcome",
    "pop_save_outcome",
    "draft",
    "remember_draft",
    "offered_draft_id",
    "signed_in_as",
    "remember_signed_in",
    "given_audits",
    "give_audit",
]


def delete_confirmed(audit_id: str) -> bool:
    """Whether the user confirmed deleting this very audit."""
    return bool(st.session_state.get(keys.confirm_delete_key(audit_id)))


def forget_delete_confirmations() -> None:
    """The Saved audits page's Audit box's ``on_change``: every audit's delete confirmation is forgotten (coming back to an
    audit, its Delete is disabled until confirmed again)."""
    for key in [key for key in st.session_state.keys() if str(key).startswith(keys.CONFIRM_DELETE_PREFIX)]:
        del st.session_state[key]


def opened_audit() -> str | None:
    """The id of the saved audit this session opened, or ``None``."""
    return st.session_state.get(keys.OPENED_AUDIT)


def remember_opened_audit(audit_id: str | None, *, status: str = "live", identity: str | None = None) -> None:
    """The link this session follows (``None``: none), how it opened (``"live"``, ``"read_only"``, ``"unknown"``) and
    the data the session showed then (:func:`fairdash.ui.saved.data_identity`)."""
    st.session_state[keys.OPENED_AUDIT] = audit_id
    st.session_state[keys.OPENED_AS] = (status, identity) if audit_id is not None else (None, None)


def opened_audit_as() -> tuple[str | None, str | None]:
    """How the followed link opened and the data the session showed then (``(None, None)`` without a link)."""
    return st.session_state.get(keys.OPENED_AS, (None, None))


def request_linked_view() -> None:
    """Ask for the Saved audits page to open before the next page runs (a link to an audit shown read-only)."""
    st.session_state[keys.LINKED_VIEW] = True


def take_linked_view_request() -> bool:
    """Whether a link asked for the Saved audits page, once."""
    return bool(st.session_state.pop(keys.LINKED_VIEW, False))


def set_save_outcome(kind: str, text: str) -> None:
    """What a save or log click did (``"saved"`` and the id, ``"logged"`` and a sentence, ``"error"`` and the message)."""
    st.session_state[keys.SAVE_OUTCOME] = (kind, text)


def pop_save_outcome() -> tuple[str, str] | None:
    """The outcome of the last click, once (the next run shows nothing)."""
    return st.session_state.pop(keys.SAVE_OUTCOME, None)


def draft() -> tuple[str, str, str] | None:
    """The tab's draft (:mod:`fairdash.ui.drafts`): its id, the settings text last written, the uploads written with it."""
    return st.session_state.get(keys.DRAFT)


def remember_draft(draft_id: str, written: str, files_key: str) -> None:
    st.session_state[keys.DRAFT] = (draft_id, written, files_key)


def offered_draft_id(new_id: Callable[[], str]) -> str:
    """The draft id this session offers a tab that has none yet: made once, by ``new_id``, on the first call only."""
    if keys.OFFERED_DRAFT not in st.session_state:
        st.session_state[keys.OFFERED_DRAFT] = new_id()
    return st.session_state[keys.OFFERED_DRAFT]


def signed_in_as() -> str | None:
    """The user this session belongs to (``None``: nobody yet, or no sign-in)."""
    return st.session_state.get(keys.SIGNED_IN_AS)


def remember_signed_in(user: str) -> None:
    st.session_state[keys.SIGNED_IN_AS] = user


def given_audits() -> tuple[str, ...]:
    """The ids of the audits this session saved or opened (without sign-in, all that its Saved audits page lists)."""
    return tuple(st.session_state.get(keys.GIVEN_AUDITS, ()))


def give_audit(audit_id: str) -> None:
    """Remember that this session saved or opened the audit ``audit_id``."""
    if audit_id not in given_audits():
        st.session_state[keys.GIVEN_AUDITS] = (*given_audits(), audit_id)
