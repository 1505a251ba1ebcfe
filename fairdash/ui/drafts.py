"""A browser tab's draft: its unsaved work (the Data & model choices, the thresholds, the uploads), written to the store
after each run that changed it, so that a reload of the tab brings the work back.

The draft belongs to the tab, never to a URL: a URL is sent to colleagues, and a draft named in one would hand them the
sender's unsaved work, uploads included. The draft's id (144 random bits, as a saved audit's) lives in the tab's
``sessionStorage``, which a reload keeps, a link does not carry and another tab does not see; a small component with no
size hands it to the server once per server session (:func:`bind_draft`; its script is
``fairdash/present/static/draft_binding.js``). A tab with no id takes the one the server offers. A duplicated tab starts
with a copy of its twin's storage: it asks the open tabs whether one holds that id and, if one does, takes a new id
and a copy of the twin's draft, so the two never write over each other. A browser that refuses storage has no drafts.

When the tab has followed another saved audit's link since the draft was written (``?audit=`` differs), the link wins.
A model kept with a draft comes back untrusted, as one kept with a saved audit does: a pickle asks for trust again.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from fairdash.errors import FairdashError
from fairdash.present.page import static_file
from fairdash.store.db import StoredFile, new_audit_id, valid_audit_id
from fairdash.ui import keys, saved, saving_state, thresholds_state, uploads
from fairdash.ui.session import SessionAudit, current_audit
from fairdash.ui.widgets import before_stop

__all__ = ["bind_draft", "draw_binding", "keep_draft", "session_settings"]

_binding = st.components.v2.component("fairdash_draft_binding", js=static_file("draft_binding.js"))
# The component's state, under keys.DRAFT_BINDING: ``{"draft": {"id": ID, "from": ID or None}}``, the id the tab holds, and
# for a duplicated tab, the id of the twin whose work it starts from.


def draw_binding() -> None:
    """The component that tells the server the tab's draft id (in the sidebar, with nothing to show; app.py draws it
    before the page, so that a page that stops early still has it)."""
    bound = saving_state.draft()
    with st.sidebar:
        _binding(
            key=keys.DRAFT_BINDING,
            data={"offered": saving_state.offered_draft_id(new_audit_id), "bound": bound[0] if bound else None},
            default={"draft": None},
            on_draft_change=lambda: None,
        )


def bind_draft() -> None:
    """Bind the session to the draft id its tab holds, and bring that draft back (or, in a duplicated tab, a copy of
    its twin's), once per session (app.py calls it before the page, after ``?audit=ID`` is opened, so that the later
    work wins)."""
    reported = (st.session_state.get(keys.DRAFT_BINDING) or {}).get("draft")
    reported = reported if isinstance(reported, dict) else {}
    wanted, copied = reported.get("id"), reported.get("from")
    if saving_state.draft() is not None or not valid_audit_id(wanted) or not (copied is None or valid_audit_id(copied)):
        return
    saving_state.remember_draft(wanted, "", "")
    try:
        draft = saved.store().get_draft(copied or wanted)
        if draft.settings.get("link") != st.query_params.get(saved.QUERY_KEY):
            return  # the tab followed another audit's link since: the link wins, and the draft is rewritten from it
        saved.restore(draft, draft=True)
    except FairdashError:  # no draft yet (a new tab), an expired one, a store that cannot be read: start as new
        return
    if copied is None:  # what the draft holds now: nothing to write until the work changes (a copy is written whole)
        saving_state.remember_draft(wanted, _written(draft.settings), _files_key(*saved.session_uploads()))


def _written(settings: dict[str, Any]) -> str:
    return json.dumps(settings, sort_keys=True, default=str)


def _files_key(table: uploads.UploadedFile | None, model: uploads.UploadedFile | None) -> str:
    return f"{table.file_id if table else ''}|{model.file_id if model else ''}"


def keep_draft() -> None:
    """Write the session's choices (and its uploads, when they changed) as its tab's draft (app.py after each page, the
    Fairness page after a settled move). Best effort: the store's problems are told where one saves."""
    bound = saving_state.draft()
    if bound is None:
        return  # the tab has not said which draft is its own yet: writing now could overwrite it with a blank session
    table, model = saved.session_uploads()
    files_key = _files_key(table, model)
    settings = session_settings()
    if "target" not in settings and bound[2] == files_key and bound[1]:
        # The audit cannot run now (a pickle awaiting trust again after a reload): keep the choices last written.
        settings = {**json.loads(bound[1]), **settings}
    written = _written(settings)
    if (bound[1], bound[2]) == (written, files_key):
        return
    try:
        saved.store().save_draft(
            bound[0],
            json.loads(written),
            keep_files=bound[2] == files_key,
            table=StoredFile(table.name, table.content) if table else None,
            model=StoredFile(model.name, model.content) if model else None,
        )
    except FairdashError:
        return
    saving_state.remember_draft(bound[0], written, files_key)


before_stop(keep_draft)  # a page that stops (widgets.stop_page) writes the tab's draft first


def session_settings() -> dict[str, Any]:
    """The session's choices as a saved audit's settings, plus the link the tab is on; only the source when the
    choices do not make an audit yet (an upload waiting for its target): the uploads are kept all the same."""
    found: dict[str, Any] = {"source": saved.session_source(), "link": st.query_params.get(saved.QUERY_KEY)}
    try:
        audit = current_audit()
    except FairdashError:
        return found
    return {**found, **_audit_settings(audit)}


def _audit_settings(audit: SessionAudit) -> dict[str, Any]:
    from fairdash.ui import cache
    from fairdash.ui.threshold_controls import current_thresholds

    spec = audit.spec
    curves = cache.threshold_curves(audit.key, audit.inputs)
    settings = thresholds_state.audit_settings(current_thresholds(audit, curves))
    return {
        "target": spec.target,
        "positive_label": spec.positive_label,
        "sensitive": list(spec.sensitive),
        "bins": {column: list(edges) for column, edges in spec.bins},
        "reference": audit.inputs.reference,
        "score": spec.score,
        "features": list(spec.features) if audit.workspace.model is not None else [],
        "thresholds": settings.thresholds,
        "tolerance": settings.tolerance,
        "min_group_size": settings.min_group_size,
    }
