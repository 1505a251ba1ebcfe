"""The what-if editor of the Explain page: change one row's features, see the new score and decision."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from fairdash.audit.inputs import AuditInputs
from fairdash.audit.spec import AuditSpec
from fairdash.intake.models import ScoreModel
from fairdash.ui import cache, state
from fairdash.ui.widgets import md

__all__ = ["what_if"]


def what_if(model: ScoreModel, X: pd.DataFrame, row: Any, spec: AuditSpec, inputs: AuditInputs, threshold: float, audit_key: str) -> None:
    """A form with the row's values; on submit, the edited row's score and decision at ``threshold``."""
    original = X.loc[[row]]
    columns = list(X.columns)
    with st.form("what_if"):
        edited = {}
        grid = st.columns(3)
        for position, column in enumerate(columns):
            value = original[column].iloc[0]
            with grid[position % 3]:
                if pd.api.types.is_numeric_dtype(X[column]) and not pd.api.types.is_bool_dtype(X[column]):
                    edited[column] = st.number_input(md(column), value=float(value), key=f"what_if_{column}")
                else:
                    options = list(X[column].value_counts().index[:200])
                    if value not in options:
                        options.append(value)
                    edited[column] = st.selectbox(md(column), options, index=options.index(value), key=f"what_if_{column}")
        submitted = st.form_submit_button("Score the edited row", type="primary")
    changed = original.copy()
    for column, value in edited.items():
        changed[column] = pd.Series([value], index=changed.index).astype(X[column].dtype)
    before = float(model.scores(original, positive_label=inputs.model_label, features=columns)[0])
    after = float(model.scores(changed, positive_label=inputs.model_label, features=columns)[0])
    verdict = lambda score: "selected" if score >= threshold else "not selected"  # noqa: E731
    first, second = st.columns(2)
    first.metric("Score as recorded", f"{before:.3f}", help=verdict(before))
    second.metric("Score as edited", f"{after:.3f}", delta=f"{after - before:+.3f}", help=verdict(after))
    if submitted or after != before:
        message = f"Decision: {verdict(before)} -> {verdict(after)}"
        (st.warning if verdict(before) != verdict(after) else st.success)(message)

    sensitive_inputs = [column for column in spec.sensitive if column in columns]
    if not sensitive_inputs:
        st.caption("The model does not take the sensitive attribute(s) as an input, so there is nothing to flip.")
        return
    column = sensitive_inputs[0]
    others = [value for value in X[column].value_counts().index if value != changed[column].iloc[0]]
    if others:
        flipped = changed.copy()
        flipped[column] = others[0]
        flipped_score = float(model.scores(flipped, positive_label=inputs.model_label, features=columns)[0])
        same = verdict(flipped_score) == verdict(after)
        st.markdown(f"With {md(column)} = **{md(others[0])}** instead of **{md(changed[column].iloc[0])}** and nothing else changed, the score "
                    f"is **{flipped_score:.3f}**: {verdict(flipped_score)}, "
                    + ("the same decision." if same else "**a different decision**."))
    # A toggle, not a button: the table stays while the user edits the row above.
    if st.toggle(f"Flip {md(column)} on every row and count changed decisions", key=state.FLIP_SENSITIVE):
        table = cache.flips(audit_key, model, X, column, threshold, inputs.model_label)
        st.dataframe(table, column_config={"flip_rate": st.column_config.NumberColumn(format="percent")})
        st.caption(f"Each row's {md(column)} swapped ({md(', '.join(f'{k} -> {v}' for k, v in table['swapped_to'].items()))}), "
                   f"everything else unchanged; decisions at {threshold:.3g}.")
