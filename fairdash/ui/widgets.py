"""UI pieces shared by the pages: the error guard, the audit header, the sidebar summary, the model upload."""

from __future__ import annotations

import inspect
import re
from contextlib import contextmanager
from typing import Any, Callable, Iterator, NoReturn

import streamlit as st

from fairdash.errors import FairdashError, NotGivenYetError, UntrustedModelError
from fairdash.intake.models import MODEL_SUFFIXES, PICKLE_SUFFIXES, PICKLE_WARNING, ScoreModel
from fairdash.ui import keys, uploads
from fairdash.ui.session import SessionAudit, current_audit, load_uploaded_model

__all__ = [
    "md",
    "show_error",
    "user_errors_shown",
    "before_stop",
    "stop_page",
    "require_audit",
    "sidebar_summary",
    "frame_runs_page",
    "inside_frame",
    "trust_pickle_box",
    "model_upload",
    "chart",
]

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:&=^\"'%@])")
_SHOWN_MESSAGE = 600  # characters of an error message shown; a 100 MB cell must not become a 100 MB box


def md(value: Any) -> str:
    """Text from the user's data as Streamlit markdown that shows it as it is: every markdown, LaTeX,
    colour (``:red[...]``) and link character escaped, line breaks folded to spaces.

    Streamlit makes links of ``http://...``, ``www.x.org`` and ``a@b.org`` in plain text whatever the
    escapes (GitHub's autolinks), so a zero-width space breaks each of those three patterns.
    """
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))
    return _AUTOLINK.sub(lambda match: "\u200b" + match.group(0), escaped)


_AUTOLINK = re.compile(r"\\:(?=//)|(?<=www)\\\.|\\@", re.IGNORECASE)


def chart(figure: Any, *, key: str | None = None, place: Any = None, numbers: str = "") -> None:
    """A plotly chart in ``place`` (a column or container; the page by default), with its text alternative beneath
    (:func:`fairdash.present.plots.chart_description`) and ``numbers``, markdown saying where its numbers are as text."""
    from fairdash.present import plots

    place = st if place is None else place
    place.plotly_chart(figure, key=key)
    place.caption(md(plots.chart_description(figure)) + (f" {numbers}" if numbers else ""))


def show_error(error: Exception) -> None:
    """An error box with the message of a :class:`FairdashError` (which may quote the data), escaped and kept short."""
    message = str(error)
    if len(message) > _SHOWN_MESSAGE:
        message = message[:_SHOWN_MESSAGE] + "…"
    if isinstance(error, NotGivenYetError):  # the next step before the user has done anything: no red box
        st.info(md(message), icon=":material/upload_file:")
    else:
        st.error(md(message), icon=":material/error:")


@contextmanager
def user_errors_shown() -> Iterator[None]:
    """Show a :class:`FairdashError` as an error box and stop the page; let any other error surface.

    A ``FairdashError`` is bad input the user can fix, described in plain words; anything else is
    a bug and must not be hidden.
    """
    try:
        yield
    except FairdashError as error:
        show_error(error)
        stop_page()


_BEFORE_STOP: dict[str, Callable[[], None]] = {}


def before_stop(hook: Callable[[], None]) -> None:
    """Have :func:`stop_page` call ``hook`` before it stops a page (one hook per function name: a module Streamlit reloads
    replaces its own). The drafts register theirs here: this module stays below them, so a page's stop needs no import of
    what it flushes."""
    _BEFORE_STOP[f"{hook.__module__}.{hook.__qualname__}"] = hook


def stop_page() -> NoReturn:
    """Stop the page here, each :func:`before_stop` hook run first (the tab's draft written): once a page stops, Streamlit
    refuses even to read the session, so app.py's writing after the page cannot run (an upload waiting for its target
    would be lost by a reload)."""
    for hook in list(_BEFORE_STOP.values()):
        hook()
    st.stop()


def require_audit() -> SessionAudit:
    """The current audit, or an error box (with a link back to the Data & model page) and a stop."""
    try:
        return current_audit()
    except FairdashError as error:
        show_error(error)
        st.page_link("pages/data.py", label="Go to Data & model", icon=":material/table:")
        stop_page()


def sidebar_summary() -> None:
    """A few lines in the sidebar saying what is being audited (nothing when it is not set up yet)."""
    try:
        audit = current_audit()
    except FairdashError:
        st.sidebar.caption("No audit set up yet: see Data & model.")
        return
    spec = audit.spec
    model = audit.workspace.model
    lines = [
        f"**{md(audit.title)}**",
        f"{len(audit.inputs.y_true):,} rows",
        f"Target: {md(spec.target)} = {md(spec.positive_label)}",
        f"Groups: {' × '.join(md(column) for column in spec.sensitive)}",
        f"Reference: {md(audit.inputs.reference)}",
        f"Model: {md(model.name)}" if model is not None else f"Scores: {md(spec.score)}",
    ]
    st.sidebar.markdown("  \n".join(lines))


def frame_runs_page() -> None:
    """Say that this run is the frame's (app.py, just before the page runs): :func:`inside_frame` reads it."""
    st.session_state[keys.FRAME_RUN] = True


def inside_frame() -> None:
    """Make sure the page runs inside ``app.py`` (page config, sidebar, navigation); every page calls it first.

    Because the repository has a ``pages/`` folder, Streamlit serves the first visit after a server start the old way:
    a deep link such as ``/fairness`` runs the page file alone, without ``app.py``. Any call of ``st.navigation`` turns
    that mode off for the server, but ``app.py``'s comes only once ``app.py`` has run, which a first-visit deep link
    never does. So a page that finds this run was not the frame's (app.py marks its runs, :func:`frame_runs_page`) calls
    ``st.navigation`` itself, with this page (the same address: nothing is shown of it), and
    reruns: the page comes back inside the frame. Public API only; ``tests/test_streamlit_private_api.py`` checks both
    Streamlit's behaviour and this mend.
    """
    if st.session_state.pop(keys.FRAME_RUN, False):
        return
    here = inspect.currentframe()
    caller = here.f_back if here is not None else None  # the page's module: Streamlit runs it with __file__ set to its path
    if caller is None:
        raise RuntimeError("frame_runs_page needs the calling page's frame; this Python gives none")
    # This page must not be the default one: a default page's address is "", and the link's would not be found.
    st.navigation(
        [st.Page(_frame_pending, title="fairdash", default=True), st.Page(caller.f_globals["__file__"])], position="hidden"
    )
    st.rerun()


def _frame_pending() -> None:
    """The default page of :func:`inside_frame`'s navigation, never shown (the rerun comes first)."""


def trust_pickle_box(key: str) -> None:
    """The tick box that trusts one pickled model (its key is forgotten when another model is chosen)."""
    st.checkbox("I trust this file: load it, running the code it contains", key=key)


def model_upload(label: str, kind: str, *, trust_pickle_key: str, trust_skops_key: str) -> tuple[ScoreModel | None, str | None]:
    """An uploader for a model file (``kind`` as in :func:`fairdash.ui.uploads.remember_upload`) and the
    trust it needs: a pickle gets a warning and a tick box; a skops file with types skops does not
    trust gets a warning listing them to tick. Returns the loaded model and its file id, or
    ``(None, None)`` with no file.

    Raises what loading raises (:class:`UntrustedModelError` until trusted, after showing the skops
    types to tick), so each page says the rest where it fits.
    """
    uploaded = st.file_uploader(
        label,
        type=[suffix.lstrip(".") for suffix in MODEL_SUFFIXES],
        key=uploads.uploader_key(kind),
        on_change=uploads.forget_removed_upload,
        args=(kind,),
    )
    uploads.remember_upload(kind, uploaded)
    kept = uploads.uploaded(kind)
    if kept is None:
        return None, None
    if kept.name.lower().endswith(PICKLE_SUFFIXES):
        st.warning(PICKLE_WARNING, icon=":material/warning:")
        trust_pickle_box(trust_pickle_key)
    try:
        return load_uploaded_model(kept, trust_pickle_key=trust_pickle_key, trust_skops_key=trust_skops_key), kept.file_id
    except UntrustedModelError as refusal:
        if refusal.untrusted_types:
            st.warning(md(refusal), icon=":material/warning:")
            st.multiselect("Types I have reviewed and trust", options=list(refusal.untrusted_types), key=trust_skops_key)
        raise
