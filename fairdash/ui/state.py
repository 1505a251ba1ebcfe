"""Every session-state key the dashboard uses, and the functions that read and write them.

Pages never write a key string inline: they call these. Two kinds of keys:

- widget keys (``WIDGET_KEYS``): the user's choices. Streamlit forgets a widget's value when a page
  without that widget runs, so :func:`keep_widget_values` (called by ``app.py`` on every run) re-saves
  them and the choices survive a trip to another page.
- stored values: uploaded files' bytes (an uploader's file is gone once its page is left).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import streamlit as st

# Widget keys on the Data & model page.
SOURCE = "source"  # "demo" or "upload"
DEMO = "demo"
DATA_UPLOADER = "data"
MODEL_UPLOADER = "model"
SCORE_MODE = "score_mode"  # "model" or "column"
TRUST_PICKLE = "trust_pickle"
TRUST_SKOPS = "trust_skops"
TARGET = "target"
POSITIVE_LABEL = "positive_label"
SENSITIVE = "sensitive"
REFERENCE = "reference"
SCORE_COLUMN = "score_column"
FEATURES = "features"

SOURCE_DEMO = "demo"
SOURCE_UPLOAD = "upload"
MODE_MODEL = "model"
MODE_COLUMN = "column"

# Choices that only make sense for one table: forgotten when the table changes.
SELECTION_KEYS = (TARGET, POSITIVE_LABEL, SENSITIVE, REFERENCE, SCORE_COLUMN, FEATURES)
WIDGET_KEYS = (SOURCE, DEMO, SCORE_MODE, TRUST_PICKLE, TRUST_SKOPS) + SELECTION_KEYS

# Stored values.
_UPLOADED_TABLE = "uploaded_table"
_UPLOADED_MODEL = "uploaded_model"


@dataclass(frozen=True)
class UploadedFile:
    """An uploaded file kept in the session: its name, Streamlit's id for this upload, and its bytes."""

    name: str
    file_id: str
    content: bytes


def keep_widget_values() -> None:
    """Stop Streamlit from forgetting the user's choices when they visit another page."""
    for key in WIDGET_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def get(key: str, default: Any = None) -> Any:
    return st.session_state.get(key, default)


def set_value(key: str, value: Any) -> None:
    st.session_state[key] = value


def forget_selections() -> None:
    """Drop the column choices, e.g. when another table is chosen; the page then offers defaults."""
    for key in SELECTION_KEYS:
        st.session_state.pop(key, None)


def ensure_choice(key: str, options: Sequence[Any], default: Any) -> None:
    """Make the stored value of a select widget one of ``options`` (else ``default``) before drawing it."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def ensure_choices(key: str, options: Sequence[Any], default: Sequence[Any]) -> None:
    """The same for a multiselect: keep the stored values that are still options, else ``default``."""
    stored = [value for value in st.session_state.get(key) or [] if value in options]
    st.session_state[key] = stored if stored else [value for value in default if value in options]


def source() -> str:
    return st.session_state.get(SOURCE, SOURCE_DEMO)


def demo_key() -> str:
    from fairdash.demo import DEFAULT_DEMO

    return st.session_state.get(DEMO, DEFAULT_DEMO)


def remember_upload(kind: str, uploaded: Any | None) -> None:
    """Keep an uploaded table (``kind="table"``) or model (``"model"``) beyond its page.

    ``None`` (the user removed the file) forgets it. A new table forgets the column choices.
    """
    key = _UPLOADED_TABLE if kind == "table" else _UPLOADED_MODEL
    if uploaded is None:
        if key in st.session_state and kind == "table":
            forget_selections()
        st.session_state.pop(key, None)
        return
    current = st.session_state.get(key)
    if current is not None and current.file_id == uploaded.file_id:
        return
    st.session_state[key] = UploadedFile(name=uploaded.name, file_id=uploaded.file_id, content=uploaded.getvalue())
    if kind == "table":
        forget_selections()


def uploaded_table() -> UploadedFile | None:
    return st.session_state.get(_UPLOADED_TABLE)


def uploaded_model() -> UploadedFile | None:
    return st.session_state.get(_UPLOADED_MODEL)
