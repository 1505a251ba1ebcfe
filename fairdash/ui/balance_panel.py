"""The Data balance view of the Data & model page (it works before any model is chosen), and the Fairness page's
control picker: disparities given a legitimate factor. Numbers from :mod:`fairdash.engine.balance` and
:mod:`fairdash.engine.conditional`, words and tables from :mod:`fairdash.present.balance`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from fairdash.engine.balance import DataBalance, data_balance
from fairdash.engine.conditional import Conditional
from fairdash.engine.result import AuditResult
from fairdash.present.sentences import BALANCE_CORRECTION, CDD_INTERVAL_METHOD
from fairdash.errors import FairdashError, InvalidInputError, NotGivenYetError
from fairdash.present.balance import (
    cdd_table,
    conditional_sentences,
    features_table,
    groups_table,
    representation_table,
    strata_table,
)
from fairdash.ui import cache, choices, keys, session, state, uploads
from fairdash.ui.widgets import md, show_error, stop_page, user_errors_shown

__all__ = [
    "balance_before_model",
    "control_panel",
    "data_balance_view",
]


@st.cache_resource(max_entries=8, show_spinner="Weighing the data…")
def _balance(
    table_id: str,
    _table: pd.DataFrame,
    target: str,
    positive_label: Any,
    sensitive: tuple[str, ...],
    bins_key: str,
    _bins: Any,
    control: tuple[str, ...],
    shares_text: str,
) -> DataBalance:
    shares = _shares(shares_text)
    return data_balance(
        _table,
        target=target,
        positive_label=positive_label,
        sensitive=sensitive,
        bins=_bins,
        control=control,
        reference_shares=shares,
    )


def _shares(text: str) -> dict[str, Any] | None:
    """The reference shares typed as JSON, or None when none are typed."""
    if not text.strip():
        return None
    try:
        shares = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(
            f'The reference shares are not valid JSON ({error.msg}); type them as {{"sex": {{"Female": 0.51, "Male": 0.49}}}}.'
        ) from None
    if not isinstance(shares, dict) or not all(isinstance(value, dict) for value in shares.values()):
        raise InvalidInputError(
            'The reference shares must be {attribute: {value: share}}, e.g. {"sex": {"Female": 0.51, "Male": 0.49}}.'
        )
    return shares


def data_balance_view(
    table: pd.DataFrame, table_id: str, *, target: str, positive_label: Any, sensitive: Sequence[str], bins: Any = ()
) -> None:
    """The Data balance view: groups, base rates, missing values, representation, the columns that differ, and the base
    rates given a control factor. Needs no model."""
    if not sensitive or positive_label is None:
        return
    st.subheader("Data balance")
    st.caption("The labels and columns by group, before any model: where bias can enter the data itself.")
    candidates = [column for column in table.columns if column != target and column not in sensitive]
    state.ensure_choices(keys.BALANCE_CONTROL, candidates, [])
    left, right = st.columns(2)
    left.multiselect(
        "Hold equal (a legitimate factor, e.g. the department)",
        options=candidates,
        key=keys.BALANCE_CONTROL,
        help="The base rates within each of its values, and the conditional demographic disparity.",
    )
    right.text_area(
        "Reference shares (JSON, optional)",
        key=keys.BALANCE_SHARES,
        height=68,
        placeholder='{"sex": {"Female": 0.51, "Male": 0.49}}',
    )
    try:  # bad choices here (a control, the shares) are shown without stopping the rest of the page
        found = _balance(
            table_id,
            table,
            target,
            positive_label,
            tuple(sensitive),
            repr(bins),
            bins,
            tuple(state.get(keys.BALANCE_CONTROL) or ()),
            state.get(keys.BALANCE_SHARES) or "",
        )
    except FairdashError as error:
        show_error(error)
        return
    _balance_tables(found)
    if found.conditional is not None:
        conditional_view(found.conditional)


def _balance_tables(found: DataBalance) -> None:
    difference, ratio = found.base_rate_disparities["difference"], found.base_rate_disparities["ratio"]
    (d_low, d_high), (r_low, r_high) = found.base_rate_intervals["difference"], found.base_rate_intervals["ratio"]

    def shown(value: float) -> str:
        return "undefined" if pd.isna(value) else f"{value:.3f}"

    st.markdown(
        f"**Base rate difference** {shown(difference)} (95% interval {d_low:.3f} to {d_high:.3f}); "
        f"**base rate ratio** {shown(ratio)} (95% interval {r_low:.3f} to {r_high:.3f}): largest minus smallest, "
        "smallest over largest."
    )
    st.dataframe(groups_table(found), key=keys.BALANCE_GROUPS_TABLE)
    representation = representation_table(found)
    if representation is not None:
        st.markdown("**Representation** against the reference shares")
        st.dataframe(representation, key=keys.BALANCE_REPRESENTATION_TABLE)
    st.markdown("**Columns whose distribution differs between the groups** (likely proxies first)")
    st.dataframe(features_table(found), key=keys.BALANCE_FEATURES_TABLE)
    st.caption(
        f"{md(BALANCE_CORRECTION)}. A column that differs strongly can stand in for the sensitive attribute: the Rules page "
        "flags the rules that test such proxies."
    )
    for column, why in found.skipped.items():
        st.caption(f"Not tested: {md(column)}: {md(why)}.")


def conditional_view(conditional: Conditional) -> None:
    """The rates within the control's strata, each group's DD and CDD with intervals, and the sentences."""
    control = " × ".join(map(str, conditional.control))
    st.markdown(f"**Given {md(control)}**")
    for sentence in conditional_sentences(conditional).values():
        st.markdown(f"- {md(sentence)}")
    st.dataframe(cdd_table(conditional), key=keys.cdd_table_key(conditional.rate))
    st.dataframe(strata_table(conditional), key=keys.strata_table_key(conditional.rate))
    st.caption(
        f"DD: share of the rejected in the group minus share of the accepted; CDD: the strata's DD weighted by their rows. "
        f"Intervals: {md(CDD_INTERVAL_METHOD)}."
    )


def balance_before_model() -> None:
    """With a table uploaded and no model chosen yet: the page's message, then the table's Data balance, then stop.
    Does nothing when the workspace is complete (or no table is uploaded: the page says what to do)."""
    upload = uploads.uploaded_table()
    if choices.source() == keys.SOURCE_DEMO or upload is None:
        return
    try:
        session.current_workspace()
        return
    except NotGivenYetError as error:
        show_error(error)
    with user_errors_shown():
        table = cache.uploaded_table(upload.file_id, upload.name, upload.content)
        guess = cache.guessed_spec(upload.file_id, table, None, None)
    columns = list(table.columns)
    left, middle, right = st.columns(3)
    state.ensure_choice(keys.BALANCE_TARGET, columns, guess.target)
    target = left.selectbox("Target (the true outcome)", options=columns, key=keys.BALANCE_TARGET)
    labels = list(pd.unique(table[target].dropna()))[:20]
    state.ensure_choice(
        keys.BALANCE_POSITIVE, labels, guess.positive_label if guess.positive_label in labels else (labels or [None])[-1]
    )
    positive = middle.selectbox("Positive label", options=labels, key=keys.BALANCE_POSITIVE)
    others = [column for column in columns if column != target]
    state.ensure_choices(keys.BALANCE_SENSITIVE, others, list(guess.sensitive) or others[:1])
    sensitive = right.multiselect("Sensitive attribute(s)", options=others, key=keys.BALANCE_SENSITIVE)
    data_balance_view(
        table,
        upload.file_id,
        target=target,
        positive_label=positive,
        sensitive=sensitive,
        bins=choices.chosen_bins(table, sensitive),
    )
    stop_page()  # the tab's draft written first: a reload keeps the upload


def control_panel(audit: session.SessionAudit, result: AuditResult) -> None:
    """The Fairness page's control picker: the selection rates within each stratum of a legitimate factor, at the
    current thresholds, and whether the gap remains once it is held equal (the CDD)."""
    from fairdash.run import audit_conditional

    spec, table = audit.spec, audit.workspace.table
    candidates = [column for column in table.columns if column not in (spec.target, spec.score, *spec.sensitive)]
    st.subheader("Given a legitimate factor")
    state.ensure_choices(keys.FAIRNESS_CONTROL, candidates, [])
    control = st.multiselect(
        "Hold equal",
        options=candidates,
        key=keys.FAIRNESS_CONTROL,
        help="A factor that may legitimately decide (the department, the job level): the selection rates "
        "within each of its values, and the conditional demographic disparity.",
    )
    if not control:
        st.caption("Choose a column to see whether the gap remains among people alike in it.")
        return
    with user_errors_shown():
        conditional = audit_conditional(table, audit.inputs, result.settings.thresholds_chosen, control)
    conditional_view(conditional)
