"""Uploaded files kept in the session beyond their page (an uploader's file is gone once its page is left): the table,
the model (or a model read from MLflow, kept as an uploaded one is), the Fixes page's training table and second model,
and the Over time page's log."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import streamlit as st

from fairdash.ui import keys
from fairdash.ui.choices import forget_model_choices, forget_selections, forget_trust

__all__ = [
    "UploadedFile",
    "remember_upload",
    "forget_removed_upload",
    "restore_upload",
    "uploaded",
    "uploader_key",
    "uploaded_table",
    "uploaded_model",
    "keep_mlflow_model",
    "mlflow_model_kept",
    "forget_mlflow_model",
    "score_mode_changed",
]

# Each kind of upload: its uploader's key, and where the file is kept beyond its page.
_UPLOADS = {
    "table": (keys.DATA_UPLOADER, keys.UPLOADED_TABLE),
    "model": (keys.MODEL_UPLOADER, keys.UPLOADED_MODEL),
    "train": (keys.TRAIN_UPLOADER, keys.UPLOADED_TRAIN),
    "other_model": (keys.OTHER_MODEL_UPLOADER, keys.UPLOADED_OTHER_MODEL),
    "log": (keys.LOG_UPLOADER, keys.UPLOADED_LOG),
}
_MLFLOW_FILE = "mlflow:"  # how the file id of a model read from MLflow starts


@dataclass(frozen=True)
class UploadedFile:
    """An uploaded file kept in the session: its name, Streamlit's id for this upload, and its bytes."""

    name: str
    file_id: str
    content: bytes


def remember_upload(kind: str, uploaded: Any | None) -> None:
    """Keep an uploaded file beyond its page: the table (``kind="table"``), the model (``"model"``),
    the Fixes page's training table (``"train"``) and second model (``"other_model"``), the log (``"log"``).

    ``None`` keeps what was uploaded: an uploader drawn anew, after a visit to another page, is
    empty (a removal by the user is :func:`forget_removed_upload`). A new table forgets the column
    choices; a new model forgets the trust given to the last one.
    """
    key = _UPLOADS[kind][1]
    if uploaded is None:
        return
    current = st.session_state.get(key)
    if current is not None and current.file_id == uploaded.file_id:
        return
    st.session_state[key] = UploadedFile(name=uploaded.name, file_id=uploaded.file_id, content=uploaded.getvalue())
    _forget_what_went_with(kind)


def forget_removed_upload(kind: str) -> None:
    """The uploader's ``on_change``: when the user removed the file, forget it (and what went with it)."""
    widget, key = _UPLOADS[kind]
    if st.session_state.get(widget) is None and key in st.session_state:
        _forget_what_went_with(kind)
        st.session_state.pop(key)


def restore_upload(kind: str, name: str, file_id: str, content: bytes) -> None:
    """Put a file kept with a saved audit where an upload of ``kind`` is kept (what went with the last one is forgotten:
    a model restored this way starts untrusted)."""
    _forget_what_went_with(kind)
    st.session_state[_UPLOADS[kind][1]] = UploadedFile(name=name, file_id=file_id, content=content)


def _forget_what_went_with(kind: str) -> None:
    if kind == "table":
        forget_selections()
    elif kind == "model":
        forget_model_choices()
    elif kind == "other_model":
        forget_trust(keys.TRUST_OTHER_PICKLE, keys.TRUST_OTHER_SKOPS)
    elif kind == "log":  # another log: its columns are chosen anew
        for key in keys.LOG_COLUMN_KEYS:
            st.session_state.pop(key, None)


def uploaded(kind: str) -> UploadedFile | None:
    """The file of this kind uploaded so far (see :func:`remember_upload`), or ``None``."""
    return st.session_state.get(_UPLOADS[kind][1])


def uploader_key(kind: str) -> str:
    """The widget key of the uploader for this kind of file (see :func:`remember_upload`)."""
    return _UPLOADS[kind][0]


def uploaded_table() -> UploadedFile | None:
    return uploaded("table")


def uploaded_model() -> UploadedFile | None:
    return uploaded("model")


def _mlflow_source(tracking_uri: str, uri: str) -> str:
    return _MLFLOW_FILE + hashlib.sha256(f"{tracking_uri}\n{uri}".encode()).hexdigest()[:32] + ":"


def keep_mlflow_model(tracking_uri: str, uri: str, name: str, content: bytes) -> None:
    """Keep the file of a model read from MLflow (``uri`` in the store ``tracking_uri``) where an uploaded model is kept, so
    that every page, the trust it needs and saving treat it as an upload. The trust given to read it is kept: it was given
    for this model. Its id names its content, as the caches that take it key on it."""
    file_id = _mlflow_source(tracking_uri, uri) + hashlib.sha256(content).hexdigest()
    st.session_state[keys.UPLOADED_MODEL] = UploadedFile(name=name, file_id=file_id, content=content)


def mlflow_model_kept(tracking_uri: str, uri: str) -> bool:
    """Whether the model kept is the one ``uri`` names in the store ``tracking_uri`` (else it is to be read)."""
    kept = uploaded_model()
    return kept is not None and kept.file_id.startswith(_mlflow_source(tracking_uri, uri))


def forget_mlflow_model() -> None:
    """The MLflow URI's ``on_change``: another model (or none) is meant, so the one read before and the trust given go."""
    kept = uploaded_model()
    if kept is not None and kept.file_id.startswith(_MLFLOW_FILE):
        st.session_state.pop(keys.UPLOADED_MODEL)
    forget_model_choices()


def score_mode_changed() -> None:
    """The score mode's ``on_change``: a model file and an MLflow model are two sources; choosing one forgets a model of
    the other and its trust (trust given to a file never reads an MLflow model, nor the reverse)."""
    mode, kept = st.session_state.get(keys.SCORE_MODE), uploaded_model()
    if (
        kept is not None
        and mode in (keys.MODE_MODEL, keys.MODE_MLFLOW)
        and kept.file_id.startswith(_MLFLOW_FILE) != (mode == keys.MODE_MLFLOW)
    ):
        st.session_state.pop(keys.UPLOADED_MODEL)
        forget_model_choices()
