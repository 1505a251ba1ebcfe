"""Data & model: choose what to audit (a demo, or your table and model) and which columns mean what."""

import pandas as pd
import streamlit as st

from fairdash.engine.demo import DEMO_TITLES
from fairdash.engine.groups import group_labels
from fairdash.engine.guess import summarize
from fairdash.engine.spec import (
    default_bins,
    edge_texts,
    needs_bins,
    sensitive_frame,
    small_groups_warning,
)
from fairdash.present.sentences import warning_text
from fairdash.ui import (
    balance_panel,
    choices,
    keys,
    session,
    state,
    thresholds_state,
    uploads,
)
from fairdash.ui.model_source import model_source
from fairdash.ui.widgets import inside_frame, md, user_errors_shown

inside_frame()
st.title("Data & model")

# 1. Where the data comes from.
state.set_default(keys.SOURCE, keys.SOURCE_DEMO)
st.segmented_control(
    "Start from",
    options=[keys.SOURCE_DEMO, keys.SOURCE_UPLOAD],
    format_func={keys.SOURCE_DEMO: "A built-in demo", keys.SOURCE_UPLOAD: "My own data"}.get,
    key=keys.SOURCE,
    on_change=choices.forget_selections,
)
if choices.source() is None:  # a segmented control can be clicked off; fall back to the demo
    state.set_value(keys.SOURCE, keys.SOURCE_DEMO)

if choices.source() == keys.SOURCE_DEMO:
    st.selectbox(
        "Demo",
        options=list(DEMO_TITLES),
        format_func=DEMO_TITLES.get,
        key=keys.DEMO,
        on_change=choices.forget_selections,
    )
else:
    left, right = st.columns(2)
    with left:
        table_file = st.file_uploader(
            "Table (CSV or Parquet)",
            type=["csv", "parquet", "pq", "tsv", "txt"],
            key=keys.DATA_UPLOADER,
            on_change=uploads.forget_removed_upload,
            args=("table",),
        )
        uploads.remember_upload("table", table_file)
        if table_file is None and uploads.uploaded_table() is not None:
            st.caption(f"Using {md(uploads.uploaded_table().name)}, uploaded earlier.")
    with right:
        model_source()  # a model file, an MLflow model (where a tracking URI is configured) or a column

balance_panel.balance_before_model()  # a table and no model yet: its Data balance, then the page stops
with user_errors_shown():
    workspace = session.current_workspace()
table, default = workspace.table, workspace.default_spec
if choices.source() == keys.SOURCE_DEMO:
    from fairdash.engine.demo import load_demo

    st.caption(load_demo(choices.demo_key()).description)

# 2. What the columns mean.
st.subheader("What to audit")
columns = list(table.columns)
left, middle, right = st.columns(3)
with left:
    state.ensure_choice(keys.TARGET, columns, default.target)
    st.selectbox("Target (the true outcome)", options=columns, key=keys.TARGET, help="The column the model predicts.")
    target_values = pd.unique(table[state.get(keys.TARGET)].dropna())
    if len(target_values) == 0:
        st.error("This column has no values: choose the column that holds the true outcome.", icon=":material/error:")
    elif len(target_values) <= 20:
        labels = list(target_values)
        state.ensure_choice(
            keys.POSITIVE_LABEL, labels, default.positive_label if default.positive_label in labels else labels[-1]
        )
        st.selectbox(
            "Positive label",
            options=labels,
            key=keys.POSITIVE_LABEL,
            help="The outcome the model predicts as 'selected' (e.g. high income, reoffends, good credit).",
        )
        if len(labels) > 2:
            st.caption(
                f"{len(labels)} classes: {md(state.get(keys.POSITIVE_LABEL))} is audited against the other "
                f"{len(labels) - 1}, by the model's probability for it."
            )
with middle:
    candidates = [column for column in columns if column != state.get(keys.TARGET)]
    state.ensure_choices(keys.SENSITIVE, candidates, default.sensitive or candidates[:1])
    st.multiselect(
        "Sensitive attribute(s)",
        options=candidates,
        key=keys.SENSITIVE,
        help="Several attributes make intersectional groups, such as 'Female | Black'.",
    )
    sensitive = state.get(keys.SENSITIVE)
    for column in [column for column in sensitive or [] if needs_bins(table[column])]:
        state.set_default(keys.bins_key(column), ", ".join(edge_texts(default_bins(table[column]))))
        st.text_input(
            f"Bands of {md(column)} (edges)",
            key=keys.bins_key(column),
            help=f"{md(column)} has {table[column].nunique():,} distinct values: the audit groups it into bands "
            "that start at these values (by default, quintiles). Edit them, e.g. 25, 40, 65.",
        )
    if sensitive:
        with user_errors_shown():
            group_sizes = group_labels(
                sensitive_frame(table, sensitive, choices.chosen_bins(table, sensitive)), sensitive
            ).value_counts()
        groups = list(group_sizes.index)
        state.ensure_choice(keys.REFERENCE, groups, default.reference if default.reference in groups else groups[0])
        st.selectbox(
            "Reference group",
            options=groups,
            key=keys.REFERENCE,
            format_func=lambda group: f"{group} ({group_sizes[group]:,} rows)",
            help="The group others are compared with; by default the largest.",
        )
with right:
    if workspace.model is None:
        numeric = [
            column for column in columns if column != state.get(keys.TARGET) and pd.api.types.is_numeric_dtype(table[column])
        ]
        if numeric:
            state.ensure_choice(keys.SCORE_COLUMN, numeric, default.score if default.score in numeric else numeric[-1])
            st.selectbox("Score or prediction column", options=numeric, key=keys.SCORE_COLUMN)
        else:
            st.error("The table has no numeric column that could hold scores or 0/1 predictions.")
    else:
        boundary = {
            "predict_proba": "probabilities; default threshold 0.5",
            "decision_function": "a margin; default threshold 0, the model's own boundary",
            "predict": "0/1 predictions",
        }[workspace.model.method]
        st.markdown(
            f"**Model**: {md(workspace.model.name)}  \n`{type(workspace.model.estimator).__name__}`, "
            f"scored by `{workspace.model.method}` ({boundary})"
        )
        if workspace.model.unnamed_inputs:
            st.info(
                f"The model was trained on an array: it takes {workspace.model.unnamed_inputs} unnamed inputs. "
                "Choose its columns below, in the order it was trained on.",
                icon=":material/info:",
            )
        feature_default = list(default.features) if default.features else candidates
        state.ensure_choices(keys.FEATURES, columns, feature_default)
        st.multiselect(
            "Columns the model takes",
            options=columns,
            key=keys.FEATURES,
            help="By default, the columns the model was trained on (its feature_names_in_).",
        )

# 3. What the table looks like for these choices.
with user_errors_shown():
    audit = session.current_audit()
    min_group_size = (
        thresholds_state.audit_settings().min_group_size
    )  # the Fairness page's small-group minimum: too small follows it
    summary = summarize(table, audit.spec, min_group_size=min_group_size)

st.subheader("Summary")
first, second, third, fourth = st.columns(4)
first.metric("Rows", f"{summary.rows:,}")
second.metric("Columns", f"{summary.columns:,}")
third.metric("Missing values", f"{summary.missing_cells:,}")
fourth.metric("Positive rate", f"{audit.inputs.y_true.mean():.1%}")
for warning in filter(None, (small_groups_warning(summary.groups["count"], min_group_size), *audit.inputs.warnings)):
    st.warning(md(warning_text(warning)), icon=":material/warning:")

st.markdown(
    f"**Groups** of {' × '.join(md(column) for column in audit.spec.sensitive)} (reference: {md(audit.inputs.reference)})"
)
st.dataframe(
    summary.groups.rename(
        columns={"count": "Rows", "share": "Share", "base_rate": "Base rate", "too_small": "Too small to judge"}
    ),
    column_config={
        "Share": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
        "Base rate": st.column_config.NumberColumn(format="percent"),
    },
)
if len(summary.missing_by_column):
    with st.expander(f"Missing values in {len(summary.missing_by_column)} column(s)"):
        st.dataframe(summary.missing_by_column.rename("missing").to_frame())
with st.expander("First rows of the table"):
    st.dataframe(table.head(50))
balance_panel.data_balance_view(
    table,
    workspace.table_id,
    target=audit.spec.target,
    positive_label=audit.spec.positive_label,
    sensitive=audit.spec.sensitive,
    bins=audit.spec.bins,
)
st.success("Ready: the Fairness page audits these choices.", icon=":material/check:")
