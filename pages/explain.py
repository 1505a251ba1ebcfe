"""Explain: why the model decides, overall, per group, for one person, and what if."""

import numpy as np
import pandas as pd
import streamlit as st

from fairdash.engine.thresholds import thresholds_per_row
from fairdash.explain.attributions import gap_decomposition, lime_missing_filled, mean_abs_by_group, rank_agreement
from fairdash.present import plots
from fairdash.present.text import threshold_text
from fairdash.ui import cache, keys, state, thresholds_state
from fairdash.ui.counterfactual_panel import counterfactual_panel, recourse_panel
from fairdash.ui.threshold_controls import current_thresholds
from fairdash.ui.widgets import chart, inside_frame, md, require_audit, stop_page, user_errors_shown

inside_frame()
st.title("Explain")
audit = require_audit()
model, spec, table, inputs = audit.workspace.model, audit.spec, audit.workspace.table, audit.inputs
if model is None:
    st.info(
        "This audit has scores but no model, so there is nothing to explain: explanations need a model (counterfactuals "
        "too: the model scores the changed rows). "
        "Upload the model on Data & model, or see the Rules page, which describes the decisions from the data.",
        icon=":material/info:",
    )
    stop_page()
X = table[list(spec.features)]
curves = cache.threshold_curves(audit.key, inputs)
thresholds = current_thresholds(audit, curves)
row_thresholds = thresholds_per_row(inputs.groups, thresholds)

# 1. Heavy work only when asked for.
state.set_default(keys.EXPLAIN_ROWS, 1000)
left, right = st.columns([2, 1], vertical_alignment="bottom")
left.select_slider("Rows to explain (a random sample, seed 0)", options=[250, 500, 1000, 2000, 5000], key=keys.EXPLAIN_ROWS)
right.toggle("Compute SHAP values", key=keys.EXPLAIN_ON)
if not state.get(keys.EXPLAIN_ON):
    st.info("Turn on 'Compute SHAP values' to see what the model relies on.", icon=":material/info:")
    stop_page()
with user_errors_shown():
    result = cache.shap_global(audit.key, model, X, inputs.model_label, int(state.get(keys.EXPLAIN_ROWS)))
values = result.values
st.caption(
    f"SHAP ({result.method} explainer) on {len(values):,} of {len(X):,} rows"
    + (f", background of {result.background_size} rows" if result.background_size else "")
    + f"; values are contributions to the model's output in {result.output.replace('_', '-')} space."
)

state.set_default(keys.EXPLAIN_VIEW, "Overall")
view = st.segmented_control("View", ["Overall", "By group", "One person", "What if", "Recourse by group"], key=keys.EXPLAIN_VIEW)

if view == "Overall":
    left, right = st.columns(2)
    chart(
        plots.importance_bars(
            values.abs().mean().sort_values(ascending=False),
            title="Mean |SHAP| (what the model relies on)",
            axis_title="mean |SHAP value|",
        ),
        key=keys.IMPORTANCE_CHART,
        place=left,
    )
    with right:
        if st.toggle("Compute permutation importance", key=keys.PERMUTATION_ON):
            importance = cache.permutation_importance(audit.key, model, X, inputs.y_true, inputs.model_label)
            chart(
                plots.importance_bars(
                    importance["importance"],
                    title="Permutation importance (drop in ROC AUC)",
                    axis_title="drop in ROC AUC when shuffled",
                ),
                key=keys.PERMUTATION_CHART,
            )
    chart(plots.beeswarm(values, X), key=keys.BEESWARM_CHART)

elif view == "By group":
    groups = inputs.groups
    chart(plots.grouped_importance(mean_abs_by_group(values, groups)), key=keys.BY_GROUP_CHART)
    labels = list(groups.loc[values.index].value_counts().index)
    state.ensure_choices(keys.GAP_GROUPS, labels, labels[:2])
    chosen = st.multiselect("Explain the gap between two groups", labels, key=keys.GAP_GROUPS, max_selections=2)
    if len(chosen) == 2:
        shares = gap_decomposition(values, groups, chosen[0], chosen[1])
        chart(
            plots.contributions(shares, title=f"Why the mean output differs: {chosen[0]} minus {chosen[1]}", total_label="gap"),
            key=keys.GAP_CHART,
        )
        st.caption(
            f"The shares add up to the gap in mean output ({shares.sum():+.4f}, {result.output.replace('_', '-')}); "
            "a large share for a feature that stands for group membership points to a proxy."
        )

elif view == "Recourse by group":
    recourse_panel(
        model, X, spec, inputs, row_thresholds, repr(thresholds), thresholds_state.audit_settings().min_group_size, audit.key
    )

elif view in ("One person", "What if"):
    state.set_default(keys.ROW_SOURCE, "Borderline cases")
    source = st.segmented_control("Choose from", ["Borderline cases", "False negatives", "Any row"], key=keys.ROW_SOURCE)
    distance = pd.Series(np.abs(inputs.scores - row_thresholds), index=table.index)
    if source == "False negatives":
        groups = list(inputs.groups.value_counts().index)
        state.ensure_choice(keys.ROW_GROUP, groups, groups[-1])
        group = st.selectbox("Group", groups, key=keys.ROW_GROUP)
        mask = (inputs.groups.to_numpy() == group) & inputs.y_true & (inputs.scores < row_thresholds)
        candidates = distance[mask].sort_values().index[:200].tolist()
    elif source == "Borderline cases":
        candidates = distance.sort_values().index[:200].tolist()
    else:
        candidates = table.index[:5000].tolist()
    if not candidates:
        st.info("No row matches: choose another group or source.")
        stop_page()
    state.ensure_choice(keys.ROW, candidates, candidates[0])
    row = st.selectbox(
        "Row",
        candidates,
        key=keys.ROW,
        format_func=lambda i: f"row {i}: score {inputs.scores[table.index.get_loc(i)]:.3f}, {inputs.groups.loc[i]}",
    )
    position = table.index.get_loc(row)
    decided = inputs.scores[position] >= row_thresholds[position]
    st.markdown(
        f"Score **{inputs.scores[position]:.3f}** against threshold {row_thresholds[position]:.3g} "
        f"({md(threshold_text(thresholds))}): **{'selected' if decided else 'not selected'}**; truly "
        f"**{'positive' if inputs.y_true[position] else 'negative'}**."
    )
    if view == "One person":
        with user_errors_shown():
            shap_row, lime_row = cache.explain_row(audit.key, model, X, inputs.model_label, row)
        left, right = st.columns(2)
        chart(
            plots.contributions(
                shap_row.values.loc[row],
                base=shap_row.base_value,
                total_label="output",
                title=f"SHAP ({shap_row.output.replace('_', '-')})",
            ),
            key=keys.WATERFALL_CHART,
            place=left,
        )
        chart(
            plots.importance_bars(
                lime_row.reindex(lime_row.abs().sort_values(ascending=False).index),
                title="LIME weights",
                axis_title="weight (local linear model)",
            ),
            key=keys.LIME_CHART,
            place=right,
        )
        st.caption(
            f"Agreement of the two (Spearman rank correlation): {rank_agreement(shap_row.values.loc[row], lime_row):.2f}. "
            "LIME: 2,000 perturbed samples, seed 0, text columns declared categorical."
        )
        filled = lime_missing_filled(X, row)
        if len(filled):  # LIME cannot move a missing value between quartiles: say what it explained instead
            gaps = ", ".join(f"{md(column)} (LIME used the median, {value:.4g})" for column, value in filled.items())
            st.caption(f"This row misses {gaps}; SHAP explains the row as it is.")
        counterfactual_panel(
            model, X, row, spec, inputs, float(row_thresholds[position]), row_thresholds, repr(thresholds), audit.key
        )
    else:
        from fairdash.ui.what_if import what_if

        what_if(model, table, X, row, spec, inputs, thresholds, audit.key)
