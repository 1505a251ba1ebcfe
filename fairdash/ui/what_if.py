"""The what-if editor of the Explain page: change one row's features, see the new score and decision."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from fairdash.engine.inputs import AuditInputs
from fairdash.engine.spec import AuditSpec
from fairdash.engine.thresholds import Threshold, thresholds_where_moved
from fairdash.intake.models import ScoreModel
from fairdash.present.text import threshold_text
from fairdash.ui import cache, keys
from fairdash.ui.widgets import md

__all__ = ["what_if"]


def _verdict(score: float, threshold: float) -> str:
    if not np.isfinite(threshold):
        return "not judged (no row of the data has these sensitive values, so no group's threshold applies)"
    return f"selected (threshold {threshold:.3g})" if score >= threshold else f"not selected (threshold {threshold:.3g})"


def _edited(X: pd.DataFrame, original: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """The form with the row's values: the row as edited (the data's column types), and whether it was submitted."""
    edited = {}
    with st.form(keys.WHAT_IF_FORM):
        grid = st.columns(3)
        for position, column in enumerate(X.columns):
            value = original[column].iloc[0]
            with grid[position % 3]:
                if pd.api.types.is_numeric_dtype(X[column]) and not pd.api.types.is_bool_dtype(X[column]):
                    edited[column] = st.number_input(md(column), value=float(value), key=keys.what_if_key(column))
                else:
                    options = list(X[column].value_counts().index[:200])
                    if value not in options:
                        options.append(value)
                    edited[column] = st.selectbox(md(column), options, index=options.index(value), key=keys.what_if_key(column))
        submitted = st.form_submit_button("Score the edited row", type="primary")
    changed = original.copy()
    for column, value in edited.items():
        changed[column] = pd.Series([value], index=changed.index).astype(X[column].dtype)
    return changed, submitted


def what_if(
    model: ScoreModel,
    table: pd.DataFrame,
    X: pd.DataFrame,
    row: Any,
    spec: AuditSpec,
    inputs: AuditInputs,
    thresholds: Threshold,
    audit_key: str,
) -> None:
    """A form with the row's values; on submit, the edited row's score and decision, and the same with the sensitive
    attribute flipped; each judged at the threshold of the group its own sensitive values put it in (``thresholds``: one,
    or one per group), as the system would judge that person."""
    original = X.loc[[row]]
    columns = list(X.columns)
    changed, submitted = _edited(X, original)
    sensitive_inputs = [column for column in spec.sensitive if column in columns]
    column = sensitive_inputs[0] if sensitive_inputs else None
    others = [value for value in X[column].value_counts().index if value != changed[column].iloc[0]] if column else []
    versions = [original, changed] + ([changed.assign(**{column: others[0]})] if column is not None and others else [])
    rows = pd.concat(versions)
    scores = model.scores(rows, positive_label=inputs.model_label, features=columns)
    # The rows with their sensitive values as edited (and flipped): each judged where those put it.
    judged_at = thresholds_where_moved(
        table,
        pd.concat([table.loc[[row]]] * len(versions)).assign(**{c: rows[c].to_numpy() for c in columns}),
        thresholds,
        sensitive=spec.sensitive,
        bins=spec.bins,
    )
    (before, after), (own, edited_at) = scores[:2], judged_at[:2]
    first, second = st.columns(2)
    first.metric("Score as recorded", f"{before:.3f}", help=_verdict(before, own))
    second.metric("Score as edited", f"{after:.3f}", delta=f"{after - before:+.3f}", help=_verdict(after, edited_at))
    if submitted or after != before or edited_at != own:
        message = f"Decision: {_verdict(before, own)} -> {_verdict(after, edited_at)}"
        (st.warning if (before >= own) != (after >= edited_at) else st.success)(message)
    if column is None:
        st.caption("The model does not take the sensitive attribute(s) as an input, so there is nothing to flip.")
        return
    if others:
        flipped_score, flipped_at = scores[2], judged_at[2]
        same = np.isfinite(flipped_at) and (flipped_score >= flipped_at) == (after >= edited_at)
        st.markdown(
            f"With {md(column)} = **{md(others[0])}** instead of **{md(changed[column].iloc[0])}** and nothing else changed, the score "
            f"is **{flipped_score:.3f}**: {_verdict(flipped_score, flipped_at)} at the threshold of the group that puts the person "
            "in, " + ("the same decision." if same else "**a different decision**.")
        )
    _flip_every_row(model, table, X, column, spec, inputs, thresholds, audit_key)


def _flip_every_row(
    model: ScoreModel,
    table: pd.DataFrame,
    X: pd.DataFrame,
    column: str,
    spec: AuditSpec,
    inputs: AuditInputs,
    thresholds: Threshold,
    audit_key: str,
) -> None:
    # A toggle, not a button: the table stays while the user edits the row above.
    if st.toggle(f"Flip {md(column)} on every row and count changed decisions", key=keys.FLIP_SENSITIVE):
        flips = cache.flips(audit_key, model, X, table, column, thresholds, tuple(spec.sensitive), spec.bins, inputs.model_label)
        st.dataframe(flips, column_config={"flip_rate": st.column_config.NumberColumn(format="percent")})
        st.caption(
            f"Each row's {md(column)} swapped ({md(', '.join(f'{k} -> {v}' for k, v in flips['swapped_to'].items()))}), "
            f"everything else unchanged; decisions at {md(threshold_text(thresholds))}: each row judged at its group's "
            "threshold before the swap and at the threshold of the group the swap puts it in after."
        )
