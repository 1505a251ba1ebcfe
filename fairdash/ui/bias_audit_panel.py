"""The Report page's view of New York City Local Law 144's tables (:mod:`fairdash.engine.ll144`): scoring rates (above the
median score) or selection rates (at the thresholds set on the Fairness page), by attribute and by the intersection of
the first two."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from fairdash.engine.ll144 import bias_audit_tables
from fairdash.errors import FairdashError
from fairdash.present.bias_audit import (
    bias_audit_frame,
    bias_audit_json,
    bias_audit_notes,
)
from fairdash.present.document import json_text
from fairdash.ui.session import SessionAudit
from fairdash.ui.widgets import md, show_error

__all__ = ["bias_audit_view"]

_SCORING, _SELECTION = "Scoring rates (score above the median)", "Selection rates (at the thresholds set)"


def _applicants(audit: SessionAudit, thresholds: float | dict[str, float], kind: str) -> pd.DataFrame:
    """The sensitive columns (the first two) with each row's score, or its decision at ``thresholds``."""
    columns = list(audit.spec.sensitive[:2])
    frame = audit.workspace.table[columns].reset_index(drop=True).copy()
    scores = np.asarray(audit.inputs.scores, dtype=float)
    if kind == _SCORING:
        frame["__score__"] = scores
    else:
        cut = (
            audit.inputs.groups.map(thresholds).to_numpy(dtype=float)
            if isinstance(thresholds, dict)
            else np.full(len(scores), float(thresholds))
        )
        frame["__decision__"] = (scores >= cut).astype(int)
    return frame


def bias_audit_view(audit: SessionAudit, thresholds: float | dict[str, float]) -> None:
    """An expander with the tables, the notes that define them and their JSON download; computed when opened by a toggle."""
    with st.expander("NYC Local Law 144 tables (selection or scoring rates and impact ratios)"):
        st.caption(
            "New York City's bias audit of hiring tools: each category's applicants, rate and impact ratio by attribute "
            "and by the intersection of two. The law sets no pass mark, so these tables carry none."
        )
        if not st.toggle("Show the tables"):
            return
        kinds = [_SELECTION] if audit.inputs.binary_scores else [_SCORING, _SELECTION]
        kind = st.radio("Rates", kinds, horizontal=True)
        try:
            frame = _applicants(audit, thresholds, kind)
            result = bias_audit_tables(
                frame,
                list(audit.spec.sensitive[:2]),
                score="__score__" if kind == _SCORING else None,
                decision="__decision__" if kind == _SELECTION else None,
            )
        except FairdashError as error:
            show_error(error)
            return
        if len(audit.spec.sensitive) > 2:
            st.caption(f"The tables take the first two attributes: {md(', '.join(map(str, audit.spec.sensitive[:2])))}.")
        for attribute in result.tables:
            st.markdown(f"**By {md(attribute)}**")
            st.dataframe(bias_audit_frame(result, attribute))
        for note in bias_audit_notes(result):
            st.caption(md(note))
        st.download_button(
            "Download the tables (JSON)",
            data=json_text(bias_audit_json(result)),
            file_name="fairdash-ll144.json",
            mime="application/json",
            icon=":material/download:",
        )
