"""Saved audits in the dashboard: "Save this audit", ``?audit=ID`` in the URL reopening it, "Log to MLflow".

(A session's unsaved work, its draft, is :mod:`fairdash.ui.drafts`: bound to the browser tab, never to a URL.)

The store is :class:`fairdash.store.db.AuditStore` (``FAIRDASH_HOME``). It is opened only when used, so a store that is
corrupt, from a newer fairdash or on a full disk is a message where it is used, and the rest of the dashboard runs.
An audit reopens live from its settings: a demo's, or the files kept with it (a model among them starts untrusted,
whoever saved it: a pickle asks for trust again; only the model :func:`fairdash.show` handed over from memory does not,
see :func:`handed_over`). Its thresholds, tolerance and small-group choice are set as saved.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pandas as pd
import streamlit as st

from fairdash.engine.compare import read_audit_document
from fairdash.engine.result import AuditSettings
from fairdash.errors import FairdashError
from fairdash.intake.values import match_label
from fairdash.present.text import findings_as_saved, inconclusive_note, verdict_word
from fairdash.store.db import (
    AuditStore,
    NoSuchAuditError,
    SavedAudit,
    StoredFile,
    StoreError,
    valid_audit_id,
)
from fairdash.store.saving import record_from_document, saved_audit_json, sha256_of
from fairdash.ui import choices, keys, saving_state, signin, state, thresholds_state, uploads
from fairdash.ui.session import SessionAudit, current_audit, current_workspace
from fairdash.ui.widgets import md, show_error, stop_page, user_errors_shown

__all__ = [
    "NO_SUCH_AUDIT_MESSAGE",
    "READ_ONLY_MESSAGE",
    "data_identity",
    "show_linked_view",
    "QUERY_KEY",
    "store",
    "open_from_url",
    "restore",
    "apply_pending_settings",
    "session_source",
    "session_uploads",
    "save_panel",
    "open_link",
    "audit_link",
    "mlflow_uri",
    "saved_audits",
    "listing",
    "comparison_of",
    "reopens_live",
    "handed_over",
    "HANDOVER_KIND",
    "as_saved",
    "owner_label",
    "exported",
    "rename_clicked",
    "delete_clicked",
    "show_outcome",
]

NO_SUCH_AUDIT_MESSAGE = (
    "No such audit: the link names no audit saved on this server (it may have been deleted). What the "
    "pages show is not that audit."
)
READ_ONLY_MESSAGE = (
    "The link names an audit saved without its data, so it cannot reopen live: it is shown as saved, read-only, "
    "on the Saved audits page. What the other pages show is not that audit."
)
QUERY_KEY = "audit"
HANDOVER_KIND = "notebook"
"""The source kind of an audit :func:`fairdash.show` handed over (``fairdash.dashboard.HANDOVER_SOURCE``)."""


def store() -> AuditStore:
    """The store in ``FAIRDASH_HOME``, answering this session's visitor (:func:`fairdash.ui.signin.visitor`): what the
    visitor may not see or change is "no such audit". A plain object: each call opens its own connection."""
    return AuditStore(visitor=signin.visitor())


def audit_link(audit_id: str) -> str:
    """This server's link to a saved audit (the address the browser used, else ``FAIRDASH_URL``'s)."""
    from fairdash.store.db import audit_url

    base = st.context.url
    return f"{base.split('?')[0].rsplit('/', 1)[0]}/?{QUERY_KEY}={audit_id}" if base else audit_url(audit_id)


def open_from_url() -> None:
    """Follow the saved audit ``?audit=ID`` names, once per id and session (app.py calls it before each page), and keep
    the link in the URL while the session shows that audit's data, so a reload or a bookmark reopens it.

    An audit saved with its files (or a demo's) reopens live; one saved without them is shown as saved, read-only, on
    the Saved audits page; an id that names no audit says so. Those two say so on every page while the URL names them,
    as what the pages show is not that audit. Once the user loads other data, the link is dropped from the URL: it
    would name one audit and show another."""
    wanted = st.query_params.get(QUERY_KEY)
    opened, (status, identity) = saving_state.opened_audit(), saving_state.opened_audit_as()
    if opened is not None and identity != data_identity():
        _forget_link()
        return
    if wanted is None:
        if opened is None:
            return
        st.query_params[QUERY_KEY] = wanted = opened  # a page switch clears the URL's query
    elif wanted != opened:
        status = _follow(wanted)
        if status is None:
            return
        saving_state.remember_opened_audit(wanted, status=status, identity=data_identity())
    _link_notice(status)


def _follow(audit_id: str) -> str | None:
    """Open the audit a new link names: ``"live"``, ``"read_only"`` or ``"unknown"`` (``None``: the store cannot be read)."""
    try:
        if not valid_audit_id(audit_id):  # checked before any use, and told as an unknown id is
            raise NoSuchAuditError()
        found = store().get(audit_id)
        saving_state.give_audit(found.id)  # a link is a gift: its audit is listed in this session
        if not reopens_live(found):
            state.set_value(keys.SAVED_AUDIT, found.id)  # the Saved audits page shows it as saved
            saving_state.request_linked_view()
            return "read_only"
        restore(found)
    except NoSuchAuditError:
        return "unknown"
    except FairdashError as error:  # a store that cannot be read, a kept file that is gone
        show_error(error)
        _forget_link()
        return None
    return "live"


def show_linked_view() -> None:
    """Open the Saved audits page once where a link named an audit that can only be shown as saved (app.py, after the
    navigation is known and before the page runs)."""
    if saving_state.take_linked_view_request():
        st.switch_page("pages/saved.py")


def _link_notice(status: str | None) -> None:
    """What a link that does not reopen live means, on every page while the URL names it."""
    if status == "unknown":
        st.error(NO_SUCH_AUDIT_MESSAGE, icon=":material/link_off:")
    elif status == "read_only":
        st.warning(READ_ONLY_MESSAGE, icon=":material/lock:")


def data_identity() -> str:
    """Which data the session shows: the demo, or the uploaded table and model (by their upload ids). A link stays in the
    URL only while this is what it was when the link was followed."""
    table, model = session_uploads()
    return json.dumps([session_source(), table.file_id if table else None, model.file_id if model else None])


def _forget_link() -> None:
    st.query_params.pop(QUERY_KEY, None)
    saving_state.remember_opened_audit(None)


def open_link(audit_id: str) -> None:
    """Open a saved audit in this session (the Saved audits page's "Open"), as its link would."""
    saving_state.remember_opened_audit(None)
    saving_state.give_audit(audit_id)
    st.query_params[QUERY_KEY] = audit_id


def restore(saved: SavedAudit, *, draft: bool = False) -> None:
    """Set the Data & model choices to a saved audit's (or, with ``draft``, a tab's draft's: its files are read from the
    drafts), and its thresholds to apply once it runs. A draft written before its audit could run holds only its source
    and files: what it lacks is left as the session has it."""
    settings, source = saved.settings, saved.settings.get("source", {})
    read = store().draft_file if draft else store().stored_file
    table = read(saved.id, "table") if source.get("kind") != "demo" and saved.table_file is not None else None
    if source.get("kind") == "demo":
        state.set_value(keys.SOURCE, keys.SOURCE_DEMO)
        state.set_value(keys.DEMO, source["demo"])
        choices.forget_selections()
    elif table is not None:  # a draft's row may name a table whose files it has not kept yet: as if without data
        state.set_value(keys.SOURCE, keys.SOURCE_UPLOAD)
        # Named by their content: the caches every session shares key on these names, and a draft's files change
        # under one id (a name from the id served a tab its older upload, or one tab's file to a colleague's link).
        uploads.restore_upload("table", table.name, f"kept:table:{sha256_of(table.content)}", table.content)
        model = read(saved.id, "model") if saved.model_file is not None else None
        state.set_value(keys.SCORE_MODE, keys.MODE_MODEL if model is not None else keys.MODE_COLUMN)
        if model is not None:
            uploads.restore_upload("model", model.name, f"kept:model:{sha256_of(model.content)}", model.content)
            if not draft and handed_over(saved, model):
                state.set_value(keys.TRUST_PICKLE, True)  # after restore_upload, which forgets the trust given before
    else:
        raise StoreError(
            f"The audit {saved.title!r} was saved without its data, so it cannot be reopened live: its report "
            "and JSON are on the Saved audits page."
        )
    _restore_choices(settings)


def handed_over(saved: SavedAudit, model: StoredFile) -> bool:
    """Whether ``model`` is the model :func:`fairdash.show` handed over from a notebook with ``saved``: its source says
    so (:data:`HANDOVER_KIND`; the dashboard and the command line never save it) and its bytes are those saved. Such a
    model was pickled from the object in memory, by the user who audits it, so it needs no trust prompt; the trust goes
    to this model in this session only (another upload forgets it), and to no other saved audit."""
    return (
        saved.settings.get("source", {}).get("kind") == HANDOVER_KIND
        and saved.model_sha256 is not None
        and sha256_of(model.content) == saved.model_sha256
    )


def _restore_choices(settings: dict[str, Any]) -> None:
    for key, name in ((keys.TARGET, "target"), (keys.POSITIVE_LABEL, "positive_label"), (keys.REFERENCE, "reference")):
        if name in settings:
            state.set_value(key, settings[name])
    if "sensitive" in settings:
        state.set_value(keys.SENSITIVE, list(settings["sensitive"]))
    if settings.get("score") is not None:
        state.set_value(keys.SCORE_COLUMN, settings["score"])
    if settings.get("features"):
        state.set_value(keys.FEATURES, list(settings["features"]))
    for column, edges in (settings.get("bins") or {}).items():
        state.set_value(
            keys.bins_key(column), ", ".join(f"{edge:.17g}" for edge in edges)
        )  # every digit: 1234567 must not reopen as 1234570
    state.set_value(keys.FAIRNESS_CONTROL, list(settings.get("control") or ()))  # the Fairness page's "Given a legitimate factor"
    if "thresholds" in settings:
        thresholds_state.set_pending_thresholds(settings["thresholds"], settings["tolerance"], settings["min_group_size"])


def apply_pending_settings() -> None:
    """Set a reopened audit's thresholds once its audit runs (a model may first wait for the user's trust)."""
    pending = thresholds_state.pending_thresholds()
    if pending is None:
        return
    try:
        workspace = current_workspace()
        # The label as the table holds it (the JSON's 1 is the table's numpy 1): the Data & model page's choice is the
        # table's value, and the thresholds belong to the audit its spec makes.
        values = list(pd.unique(workspace.table[state.get(keys.TARGET)].dropna()))  # numpy values, as the page offers them
        found = match_label(values, state.get(keys.POSITIVE_LABEL))
        if found is not None:
            state.set_value(keys.POSITIVE_LABEL, found)
        audit = current_audit()
    except (FairdashError, KeyError):  # a model awaiting trust, a column the table lost: applied once the audit runs
        return
    thresholds_state.pin_thresholds(audit.key, *pending)


def save_panel(audit: SessionAudit, settings: AuditSettings, json_text: str, html_text: str) -> None:
    """ "Save this audit" (title editable; for uploads, whether to keep the files) and, where a tracking URI is
    configured, "Log to MLflow"."""
    state.set_default(keys.SAVE_TITLE, audit.title)
    st.text_input("Title", key=keys.SAVE_TITLE, max_chars=200)
    uploaded = choices.source() == keys.SOURCE_UPLOAD
    if uploaded:
        st.checkbox("Keep the uploaded table and model with it, so that its link reopens it live", key=keys.SAVE_FILES)
    left, right = st.columns(2)
    # A callback: it runs before the page on the click's rerun, whatever the page does before reaching the button.
    left.button(
        "Save this audit",
        icon=":material/bookmark_add:",
        type="primary",
        on_click=_save_clicked,
        args=(audit, settings, json_text, html_text, uploaded and bool(state.get(keys.SAVE_FILES))),
    )
    uri = mlflow_uri()
    if uri:
        right.button("Log to MLflow", icon=":material/upload:", on_click=_log_clicked, args=(json_text, html_text, uri))
    show_outcome()


def _save_clicked(audit: SessionAudit, settings: AuditSettings, json_text: str, html_text: str, keep_files: bool) -> None:
    try:
        audit_id = _save(audit, settings, json_text, html_text, keep_files=keep_files)
    except FairdashError as error:
        saving_state.set_save_outcome("error", str(error))
        return
    saving_state.remember_opened_audit(audit_id, identity=data_identity())
    saving_state.give_audit(audit_id)
    st.query_params[QUERY_KEY] = audit_id
    saving_state.set_save_outcome("saved", audit_id)


def _log_clicked(json_text: str, html_text: str, uri: str) -> None:
    from fairdash.store.tracking import log_audit

    try:
        run_id, where = log_audit(json.loads(json_text), html_text, tracking_uri=uri, run_name=str(state.get(keys.SAVE_TITLE)))
    except FairdashError as error:
        saving_state.set_save_outcome("error", str(error))
        return
    saving_state.set_save_outcome("logged", f"Logged to MLflow: run {run_id} in {where}")


def mlflow_uri() -> str | None:
    """The tracking URI the dashboard logs to: ``FAIRDASH_MLFLOW_URI`` or ``MLFLOW_TRACKING_URI`` (none: no button)."""
    return os.environ.get("FAIRDASH_MLFLOW_URI") or os.environ.get("MLFLOW_TRACKING_URI") or None


def _save(audit: SessionAudit, settings: AuditSettings, json_text: str, html_text: str, *, keep_files: bool) -> str:
    """Save the session's audit as the Report page built it; the uploaded files' bytes only with ``keep_files``."""
    document: dict[str, Any] = json.loads(json_text)
    source, (table, model) = session_source(), session_uploads()
    if source["kind"] == "demo":
        data_sha = sha256_of(audit.workspace.table.to_csv(index=False).encode())
    else:
        data_sha = sha256_of(table.content if table else None)
    record = record_from_document(
        document,
        html_text,
        title=str(state.get(keys.SAVE_TITLE) or audit.title),
        source=source,
        min_group_size=settings.min_group_size,
        data_sha256=data_sha,
        model_sha256=sha256_of(model.content if model else None),
    )
    kept_table, kept_model = (
        StoredFile(name=kept.name, content=kept.content) if kept is not None and keep_files else None for kept in (table, model)
    )
    return store().save(record, table=kept_table, model=kept_model)


def session_source() -> dict[str, str]:
    """Where the session's data comes from, as a saved audit's settings say it: a demo (its key) or an upload."""
    return {"kind": "demo", "demo": choices.demo_key()} if choices.source() == keys.SOURCE_DEMO else {"kind": "upload"}


def session_uploads() -> tuple[uploads.UploadedFile | None, uploads.UploadedFile | None]:
    """The uploaded table and model the session's audit uses: none for a demo, the model only when the scores come
    from it (an MLflow model is kept as an uploaded one is)."""
    if choices.source() == keys.SOURCE_DEMO:
        return None, None
    from_model = state.get(keys.SCORE_MODE) in (keys.MODE_MODEL, keys.MODE_MLFLOW)
    return uploads.uploaded_table(), uploads.uploaded_model() if from_model else None


def saved_audits() -> list[SavedAudit]:
    """Every saved audit, newest first; a store that cannot be read is a message and a stop (the other pages run)."""
    try:
        return store().list()
    except FairdashError as error:
        show_error(error)
        stop_page()


def listing(audits: list[SavedAudit]) -> Any:
    """The saved audits as a table for the page: title, data, model, time, and the headline disparities with verdicts."""

    def verdict(found: dict[str, Any]) -> str:
        if found["value"] is None:
            return "undefined"
        word, note = verdict_word(found, loud=True), inconclusive_note(found, short=True)
        return f"{found['value']:.3f}" + (f" {word}" if word else "") + (f" ({note})" if note else "")

    rows = [
        {
            "title": saved.title,
            "owner": owner_label(saved),
            "data": saved.data_name,
            "model": saved.model_name or f"scores: {saved.settings.get('score')}",
            "saved": saved.created.replace("T", " ")[:19],
            "files kept": "yes" if saved.table_file else "no",
            **{name.replace("_", " "): verdict(found) for name, found in saved.headline.items()},
        }
        for saved in audits
    ]
    return pd.DataFrame(rows, index=pd.Index([saved.id for saved in audits], name="id"))


def owner_label(saved: SavedAudit) -> str:
    """Whose the audit is, as the listing says it: "you", "team", "this dashboard" or the owner's address."""
    from fairdash.store.access import LOCAL_OWNER

    if saved.owner is None:
        return "team"
    if saved.owner == LOCAL_OWNER:
        return "this dashboard"
    return "you" if saved.owner == store().visitor.user else saved.owner


def exported(audit_id: str, what: str) -> None:
    """A download button's ``on_click``: the audit's history notes the export (best effort: the download happens anyway)."""
    try:
        store().record_export(audit_id, what)
    except FairdashError:
        return


def comparison_of(before_id: str, after_id: str) -> Any:
    """The comparison of two saved audits (:func:`fairdash.engine.compare.compare_audits`); raises ``FairdashError``."""
    from fairdash.engine.compare import compare_audits, read_audit_document

    kept = store()
    documents = [
        read_audit_document(saved_audit_json(kept, audit_id), name=f"The saved audit {audit_id}")
        for audit_id in (before_id, after_id)
    ]
    return compare_audits(*documents, before_label={"id": before_id}, after_label={"id": after_id})


def reopens_live(saved: SavedAudit) -> bool:
    """Whether the audit can be reopened on the pages: a demo's, or one saved with its files."""
    return saved.table_file is not None or saved.settings.get("source", {}).get("kind") == "demo"


def as_saved(saved: SavedAudit) -> None:
    """The audit's findings as saved (its JSON, never recomputed); for one that cannot reopen live, what it would need."""
    with user_errors_shown():
        document = read_audit_document(store().audit_json(saved.id), name=f"The saved audit {saved.id}")
    expanded = not reopens_live(saved)
    with st.expander("Its findings, as saved", expanded=expanded):
        if expanded:
            st.info(
                md(
                    f"Saved without its data, so it cannot reopen live: these are its numbers as saved. To reopen it live, "
                    f"save it again with its files (the Report page's 'Keep the uploaded table...', or `audit --save "
                    f"--keep-files`), or upload {saved.data_name} on Data & model and choose target "
                    f"{saved.settings.get('target')}, sensitive {', '.join(map(str, saved.settings.get('sensitive') or []))}."
                ),
                icon=":material/lock:",
            )
        st.dataframe(findings_as_saved(document), hide_index=True)  # a grid shows text as it is: no markdown to escape


def rename_clicked(audit_id: str) -> None:
    """The Saved audits page's "Rename" (a callback: the new title is the text box's)."""
    try:
        store().rename(audit_id, str(state.get(keys.RENAME_TITLE) or ""))  # the store tidies it, and refuses an empty one
    except FairdashError as error:
        saving_state.set_save_outcome("error", str(error))
    else:
        saving_state.set_save_outcome("done", "Renamed.")


def delete_clicked(audit_id: str) -> None:
    """The Saved audits page's "Delete": the row and the files kept with it; a session that had it open forgets it. Only
    with the confirmation given for this very audit (the button is disabled without it; this holds whatever the browser sends)."""
    if not saving_state.delete_confirmed(audit_id):
        saving_state.set_save_outcome(
            "error", "Nothing was deleted: tick 'Yes, delete this audit and its files' for this audit first."
        )
        return
    try:
        store().delete(audit_id)
    except FairdashError as error:
        saving_state.set_save_outcome("error", str(error))
        return
    if saving_state.opened_audit() == audit_id:
        _forget_link()
    state.set_value(keys.confirm_delete_key(audit_id), False)
    saving_state.set_save_outcome("done", "Deleted, with the files kept with it.")


def show_outcome() -> None:
    """What the last click did, once."""
    outcome = saving_state.pop_save_outcome()
    if outcome is None:
        return
    kind, text = outcome
    if kind == "error":
        show_error(FairdashError(text))
    elif kind == "saved":
        st.success("Saved. Its link, for a bookmark or a colleague on this server:", icon=":material/check:")
        st.code(audit_link(text), language=None)
    else:
        st.success(md(text), icon=":material/check:")
