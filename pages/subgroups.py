"""Subgroups: who is treated worst, found among every subgroup of one or two conditions, not guessed."""

import streamlit as st

from fairdash.engine.metrics import RATE_NAMES
from fairdash.engine.spec import SMALL_GROUP_SIZE
from fairdash.engine.subgroups import SUBGROUP_METRICS
from fairdash.present import plots
from fairdash.present.sentences import subgroups_correction
from fairdash.ui import keys, state
from fairdash.ui.subgroups_panel import audit_button, back_button, current_thresholds, ranked, ranked_table, search
from fairdash.ui.widgets import chart, inside_frame, md, require_audit, stop_page, user_errors_shown

inside_frame()
st.title("Subgroups")
audit = require_audit()
thresholds = current_thresholds(audit)
st.caption(
    f"{md(audit.title)}: every subgroup of one or two conditions over the table's columns (categories as they are, "
    "numbers in quintile bands; sensitive or not, so proxies show), against the rest of the rows, at the thresholds "
    "of the Fairness page."
)
back_button()

# 1. What to search.
left, middle, right = st.columns(3)
state.set_default(keys.SUBGROUP_CONDITIONS, 2)
state.set_default(keys.SUBGROUP_MIN_SIZE, SMALL_GROUP_SIZE)
left.segmented_control("Conditions at most", [1, 2], key=keys.SUBGROUP_CONDITIONS)
middle.number_input("Smallest subgroup (rows)", min_value=1, step=10, key=keys.SUBGROUP_MIN_SIZE)
right.selectbox(
    "Gaps in",
    [None, *SUBGROUP_METRICS],
    format_func=lambda rate: "every rate" if rate is None else RATE_NAMES[rate],
    key=keys.SUBGROUP_METRIC,
)
with user_errors_shown():
    found = search(
        audit,
        thresholds,
        max_conditions=state.get(keys.SUBGROUP_CONDITIONS) or 2,
        min_size=int(state.get(keys.SUBGROUP_MIN_SIZE)),
    )
results = ranked(found, state.get(keys.SUBGROUP_METRIC))

# 2. What was found, best first.
if results.empty:
    st.info(
        f"No subgroup of {found.min_size:,} rows or more (leaving as many for the rest) has this rate defined: lower the "
        "smallest subgroup size.",
        icon=":material/info:",
    )
    stop_page()
st.markdown(
    f"**{found.tested:,} subgroups tested** ({found.tests:,} tests); {found.passing:,} gaps pass the corrected 5% threshold. "
    f"The {len(results)} surest are listed."
)
st.caption(md(f"{subgroups_correction(found)}. Ranked by how large the gap surely is: the end of its interval nearest 0."))
for column, why in found.skipped.items():
    st.caption(f"Left out: {md(column)}: {md(why)}.")
st.dataframe(ranked_table(results), width="stretch")
chart(plots.subgroup_gaps(results), key=keys.SUBGROUP_GAPS_CHART)

# 3. Audit one against the rest.
st.subheader("Audit a subgroup against the rest")
ranks = list(range(1, len(results) + 1))
state.ensure_choice(keys.SUBGROUP_CHOSEN, ranks, 1)
st.selectbox(
    "Subgroup", ranks, key=keys.SUBGROUP_CHOSEN, format_func=lambda rank: f"{rank}. {results.iloc[rank - 1]['subgroup']}"
)
audit_button(audit, results, state.get(keys.SUBGROUP_CHOSEN))
