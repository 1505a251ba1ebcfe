"""Where the Data & model page's scores come from: a model file, an MLflow model, or a column of the table.

An MLflow model (``models:/NAME/VERSION`` or ``runs:/RUN_ID/PATH``, scikit-learn flavoured, read by
:func:`fairdash.store.tracking.load_mlflow_model` from the tracking store the "Log to MLflow" button logs to) is offered
where that store is configured. Its file is then kept as an uploaded model is, so that every page, saving and trust treat
it as one. It is a pickle inside: nothing is unpickled before the user trusts this very model, and trust given to another
model (a file, another URI) never reads it.
"""

from __future__ import annotations

import streamlit as st

from fairdash.errors import FairdashError, UntrustedModelError
from fairdash.intake.models import PICKLE_SUFFIXES, PICKLE_WARNING
from fairdash.ui import keys, state, uploads
from fairdash.ui.saved import mlflow_uri
from fairdash.ui.widgets import md, model_upload, show_error, stop_page, trust_pickle_box

__all__ = ["SCORE_SOURCES", "model_source", "mlflow_model_input"]

SCORE_SOURCES = {
    keys.MODE_MODEL: "A model file",
    keys.MODE_MLFLOW: "An MLflow model",
    keys.MODE_COLUMN: "A column of the table (scores or 0/1 predictions)",
}


def model_source() -> None:
    """The choice of where the scores come from, and the model's upload or MLflow URI with the trust it needs.

    A model file's problem is left for the page to show with the workspace's (loading it again raises it); an MLflow
    model's refusal or problem is shown here and stops the page, as nothing of it is kept yet.
    """
    tracking = mlflow_uri()
    modes = [mode for mode in SCORE_SOURCES if mode != keys.MODE_MLFLOW or tracking]
    before = state.get(keys.SCORE_MODE)
    state.ensure_choice(keys.SCORE_MODE, modes, keys.MODE_MODEL)
    if state.get(keys.SCORE_MODE) != before:  # e.g. MLflow chosen before its tracking URI went: as if the user changed it
        uploads.score_mode_changed()
    st.radio(
        "The model's scores come from",
        options=modes,
        format_func=SCORE_SOURCES.get,
        key=keys.SCORE_MODE,
        on_change=uploads.score_mode_changed,
    )
    if state.get(keys.SCORE_MODE) == keys.MODE_MLFLOW and tracking:  # offered only with a tracking URI
        mlflow_model_input(tracking)
    elif state.get(keys.SCORE_MODE) == keys.MODE_MODEL:
        try:
            model_upload(
                "Model (.skops or .onnx; .pkl or .joblib only if you trust it)",
                "model",
                trust_pickle_key=keys.TRUST_PICKLE,
                trust_skops_key=keys.TRUST_SKOPS,
            )
        except UntrustedModelError as refusal:
            if refusal.untrusted_types:
                stop_page()  # the rest of the page needs the model; the refusal is said once, above
        except FairdashError:
            pass  # shown by the page, with every other problem of the workspace


def mlflow_model_input(tracking_uri: str) -> None:
    """The MLflow model's URI; the model read from ``tracking_uri`` once per URI, after the trust it needs."""
    st.text_input(
        "MLflow model",
        key=keys.MLFLOW_MODEL,
        max_chars=1000,
        on_change=uploads.forget_mlflow_model,
        placeholder="models:/NAME/VERSION or runs:/RUN_ID/PATH",
        help=f"A scikit-learn model in the MLflow tracking store {md(tracking_uri)}, by its registered name and "
        "version or by its run and path.",
    )
    uri = str(state.get(keys.MLFLOW_MODEL) or "").strip()
    if not uri:
        return  # the page says what is missing
    if not uploads.mlflow_model_kept(tracking_uri, uri):
        _read_or_ask(uri, tracking_uri)
    kept = uploads.uploaded_model()
    if kept is None:
        return  # not read (the problem is shown above): the page says what is missing
    st.caption(f"Read from MLflow ({md(tracking_uri)}) as {md(kept.name)}.")
    if kept.name.endswith(PICKLE_SUFFIXES):
        st.warning(PICKLE_WARNING, icon=":material/warning:")
        trust_pickle_box(keys.TRUST_PICKLE)  # unticked later: the page says the model is not opened


def _read_or_ask(uri: str, tracking_uri: str) -> None:
    """Read the model into the session; a refusal is shown with the trust it needs, a problem as a message: both stop."""
    try:
        with st.spinner("Reading the model from MLflow..."):
            _read(uri, tracking_uri)
    except UntrustedModelError as refusal:
        st.warning(md(refusal), icon=":material/warning:")
        if refusal.untrusted_types:
            st.multiselect("Types I have reviewed and trust", options=list(refusal.untrusted_types), key=keys.TRUST_SKOPS)
        else:
            trust_pickle_box(keys.TRUST_PICKLE)
        stop_page()
    except FairdashError as error:  # no such model, not scikit-learn, a store that cannot be read, a path that leaves the run
        show_error(error)
        stop_page()


def _read(uri: str, tracking_uri: str) -> None:
    """Keep the model's file, named for its format: a skops file reads without trust; a pickle only with the trust given
    since its URI was entered (the URI's ``on_change`` forgets any trust before)."""
    from fairdash.store.tracking import load_mlflow_model

    found = load_mlflow_model(
        uri,
        tracking_uri=tracking_uri,
        trust_pickle=bool(state.get(keys.TRUST_PICKLE)),
        trusted_types=tuple(state.get(keys.TRUST_SKOPS) or ()),
    )
    uploads.keep_mlflow_model(tracking_uri, uri, f"{uri.rstrip('/')}/{found.file_name}", found.content)
