"""Rules: a small decision tree that says, in readable rules, what the model decides."""

import json

import streamlit as st

from fairdash.engine.spec import sensitive_frame
from fairdash.engine.thresholds import decisions_at
from fairdash.explain.rules import MAX_FIT_ROWS, PROXY_STRENGTH, surrogate_columns
from fairdash.present import plots
from fairdash.present.text import COLUMN_LABELS, threshold_text
from fairdash.ui import cache, keys, state, thresholds_state
from fairdash.ui.threshold_controls import current_thresholds
from fairdash.ui.widgets import chart, inside_frame, md, require_audit

inside_frame()
st.title("Rules")
audit = require_audit()
inputs, spec, table = audit.inputs, audit.spec, audit.workspace.table
curves = cache.threshold_curves(audit.key, inputs)
thresholds = current_thresholds(audit, curves)

# 1. What the tree is fitted to.
state.set_default(keys.RULES_TARGET, keys.RULES_FOR_DECISIONS)
st.segmented_control(
    "Explain",
    options=[keys.RULES_FOR_DECISIONS, keys.RULES_FOR_OUTCOMES],
    key=keys.RULES_TARGET,
    format_func={
        keys.RULES_FOR_DECISIONS: "The model's decisions",
        keys.RULES_FOR_OUTCOMES: "The true outcomes (for comparison)",
    }.get,
)
if state.get(keys.RULES_TARGET) == keys.RULES_FOR_OUTCOMES:
    decisions, what = inputs.y_true, f"the true outcome ({spec.target} = {spec.positive_label})"
else:
    decisions, what = (
        decisions_at(inputs.scores, inputs.groups, thresholds),
        f"the model's decisions at thresholds {threshold_text(thresholds)}",
    )
features = surrogate_columns(table, spec, with_model=audit.workspace.model is not None)
st.caption(f"A decision tree fitted to {md(what)}, from {len(features)} columns. Change the thresholds on the Fairness page.")


state.set_default(keys.RULES_DEPTH, 3)
state.set_default(keys.RULES_MIN_LEAF, 0.01)
left, right = st.columns(2)
depth = left.slider("Depth (deeper: more faithful, harder to read)", 1, 8, key=keys.RULES_DEPTH)
min_leaf = right.select_slider(
    "Smallest rule (share of rows)",
    options=[0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
    format_func=lambda share: f"{share:.1%}",
    key=keys.RULES_MIN_LEAF,
)

X = table[features]
decisions_key = json.dumps([state.get(keys.RULES_TARGET), thresholds], sort_keys=True, default=str)
sensitive = sensitive_frame(table, spec.sensitive, spec.bins)
surrogate = cache.surrogate(audit.key, decisions_key, X, decisions, sensitive, tuple(spec.sensitive), depth, min_leaf)

# 2. How faithful it is, overall and per group.
first, second = st.columns([1, 2])
first.metric(
    "Fidelity", f"{surrogate.fidelity:.1%}", help=f"Agreement with {md(what)} on {surrogate.held_out_rows:,} held-out rows."
)
if surrogate.fit_rows == MAX_FIT_ROWS:
    first.caption(
        f"Fitted on a seeded sample of {MAX_FIT_ROWS:,} rows; the fidelity is measured on all {surrogate.held_out_rows:,} held-out rows."
    )
first.metric("Rules", f"{len(surrogate.rules)}")
for note in surrogate.notes:
    first.caption(md(note))
if surrogate.fidelity_by_group is not None:
    first.dataframe(surrogate.fidelity_by_group.map("{:.1%}".format).to_frame().join(surrogate.held_out_by_group))
    by_group = surrogate.fidelity_by_group[
        surrogate.held_out_by_group >= thresholds_state.audit_settings().min_group_size
    ]  # small groups swing by chance
    if len(by_group) > 1 and by_group.max() - by_group.min() > 0.05:
        first.warning(
            f"The rules describe {md(by_group.idxmax())} better than {md(by_group.idxmin())} "
            f"({by_group.max():.1%} against {by_group.min():.1%}): a finding in itself.",
            icon=":material/warning:",
        )
with second:
    chart(
        plots.fidelity_by_depth(cache.fidelity_curve(audit.key, decisions_key, X, decisions, min_leaf), current_depth=depth),
        key=keys.FIDELITY_CHART,
    )

# 3. The rules and the tree.
st.subheader("Rules")
flagged = surrogate.rules[surrogate.rules["tests_sensitive"] | surrogate.rules["tests_proxy"]]
if len(flagged):
    st.warning(
        f"{len(flagged)} rule(s) test a sensitive attribute or a likely proxy of one (association of {PROXY_STRENGTH} or more).",
        icon=":material/flag:",
    )
st.dataframe(
    surrogate.rules,
    column_config={
        "rule": st.column_config.TextColumn(COLUMN_LABELS["rule"], width="large"),
        "coverage": st.column_config.NumberColumn(COLUMN_LABELS["coverage"], format="percent"),
        "precision": st.column_config.NumberColumn(COLUMN_LABELS["precision"], format="percent"),
        "tests_sensitive": st.column_config.CheckboxColumn(COLUMN_LABELS["tests_sensitive"]),
        "tests_proxy": st.column_config.CheckboxColumn(COLUMN_LABELS["tests_proxy"]),
        **{
            column: st.column_config.NumberColumn(format="percent")
            for column in surrogate.rules.columns
            if column.startswith("share in")
        },
    },
    hide_index=True,
)
with st.expander("Each rule in full"):  # a long rule is cut in the table's cell
    st.markdown(
        "\n".join(
            f"{number}. {md(rule)} ({coverage:.1%} of the rows; precision {precision:.1%})"
            for number, (rule, coverage, precision) in enumerate(
                surrogate.rules[["rule", "coverage", "precision"]].itertuples(index=False), start=1
            )
        )
    )
st.graphviz_chart(surrogate.dot)
with st.expander("How strongly each column is associated with the sensitive attribute(s)"):
    st.dataframe(surrogate.proxies.map("{:.2f}".format).to_frame())
