"""The Saved audits page's owner controls: share an audit with named users or the whole team and take it back, and its
history; and, without sign-in, a box to open an audit by its id or link. What a visitor may do is decided by the store
(:mod:`fairdash.store.access`): a control shown by mistake would still be refused there, as "no such audit"."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from fairdash.errors import FairdashError, InvalidInputError
from fairdash.store.db import SavedAudit
from fairdash.ui import keys, saved, saving_state, state
from fairdash.ui.widgets import md, show_error

__all__ = ["may_manage", "share_panel", "history_panel", "open_by_id_box", "share_clicked", "unshare_clicked", "addresses"]


def may_manage(audit: SavedAudit) -> bool:
    """Whether this visitor may rename, delete, share and read the history of ``audit`` (the store checks it again)."""
    visitor = saved.store().visitor
    return visitor.kind != "user" or audit.owner == visitor.user


def addresses(text: str) -> list[str]:
    """The addresses typed in the share box: separated by commas, semicolons, spaces or lines (each checked by the store)."""
    return [part for part in re.split(r"[\s,;]+", text) if part]


def share_panel(audit: SavedAudit) -> None:
    """Share with named users or the team, and take back (only for a signed-in owner: without sign-in there is no one)."""
    if saved.store().visitor.kind != "user" or not may_manage(audit):
        return
    with st.expander("Share"):
        try:
            sharing = saved.store().sharing(audit.id)
        except FairdashError as error:
            show_error(error)
            return
        st.caption(
            md(
                "Shared with "
                + (", ".join(sharing.users + (("the whole team",) if sharing.team else ())) or "nobody yet")
                + ". Whoever it is shared with opens it and its kept files; only you rename, delete or share it."
            )
        )
        st.text_input("Share with (email addresses)", key=keys.SHARE_WITH, placeholder="bob@example.com, carol@example.com")
        left, right = st.columns(2)
        left.button("Share", icon=":material/share:", on_click=share_clicked, args=(audit.id, False))
        right.button(
            "Take back from the team" if sharing.team else "Share with the whole team",
            icon=":material/groups:",
            on_click=unshare_clicked if sharing.team else share_clicked,
            args=(audit.id, None) if sharing.team else (audit.id, True),
        )
        for user in sharing.users:
            st.button(f"Take back from {user}", icon=":material/person_remove:", on_click=unshare_clicked, args=(audit.id, user))


def share_clicked(audit_id: str, team: bool) -> None:
    """ "Share" (the addresses typed) or "Share with the whole team"."""
    users = [] if team else addresses(str(state.get(keys.SHARE_WITH) or ""))
    try:
        sharing = saved.store().share(audit_id, users, team=team)
    except FairdashError as error:
        saving_state.set_save_outcome("error", str(error))
        return
    if not team:
        state.set_value(keys.SHARE_WITH, "")
    saving_state.set_save_outcome(
        "done", "Shared with " + ", ".join(sharing.users + (("the whole team",) if sharing.team else ())) + "."
    )


def unshare_clicked(audit_id: str, user: str | None) -> None:
    """ "Take back from USER" (``None``: from the team)."""
    try:
        saved.store().unshare(audit_id, [user] if user else [], team=user is None)
    except FairdashError as error:
        saving_state.set_save_outcome("error", str(error))
        return
    saving_state.set_save_outcome("done", f"Taken back from {user or 'the team'}.")


def history_panel(audit: SavedAudit) -> None:
    """Who saved, shared, unshared, renamed and exported the audit, and when (for the owner)."""
    if not may_manage(audit):
        return
    with st.expander("History"):
        try:
            entries = saved.store().history(audit.id)
        except FairdashError as error:
            show_error(error)
            return
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "when (UTC)": entry.at.replace("T", " ").rstrip("Z"),
                        "who": entry.who,
                        "what": entry.what,
                        "detail": entry.detail or "",
                    }
                    for entry in entries
                ]
            ),
            hide_index=True,
        )


def open_by_id_box() -> None:
    """Open an audit by its id or link: without sign-in the page lists only what this session was given, and an audit
    saved elsewhere (``audit --save`` prints its link) opens this way."""
    st.text_input(
        "Open an audit by its id or link",
        key=keys.OPEN_BY_ID,
        placeholder="http://localhost:8501/?audit=...",
        on_change=_open_typed,
    )


def _open_typed() -> None:
    text = str(state.get(keys.OPEN_BY_ID) or "").strip()
    audit_id = text.rsplit(f"{saved.QUERY_KEY}=", 1)[-1].split("&")[0]
    try:
        found = saved.store().get(audit_id)
    except FairdashError:
        saving_state.set_save_outcome("error", str(InvalidInputError(saved.NO_SUCH_AUDIT_MESSAGE)))
        return
    saving_state.give_audit(found.id)
    state.set_value(keys.SAVED_AUDIT, found.id)
