"""Fairness: per-group metrics, disparities and confusion matrices at thresholds the user moves."""

import json

import streamlit as st

from fairdash.audit.metrics import DEFAULT_TOLERANCE, compare_to_reference, disparities_from_table
from fairdash.audit.spec import SMALL_GROUP_SIZE
from fairdash.present import plots
from fairdash.present.text import formatted_overall, formatted_table, verdict_word
from fairdash.ui import cache, state
from fairdash.ui.threshold_controls import threshold_controls
from fairdash.ui.widgets import inside_frame, md, require_audit

inside_frame()
st.title("Fairness")
audit = require_audit()
inputs = audit.inputs
curves = cache.threshold_curves(audit.key, inputs)
st.caption(
    f"{md(audit.title)}: {len(inputs.y_true):,} rows in {len(curves.labels)} groups of {' × '.join(md(c) for c in audit.spec.sensitive)}; "
    f"positive = {md(audit.spec.target)} is {md(audit.spec.positive_label)}; reference group: {md(inputs.reference)}."
)

# 1. The thresholds drive everything below.
thresholds = threshold_controls(audit, curves)

# 2. The disparity summary.
st.subheader("Disparities")
left, right = st.columns(2)
state.set_default(state.TOLERANCE, DEFAULT_TOLERANCE)
state.set_default(state.DROP_SMALL_GROUPS, True)
left.number_input("Tolerance for differences", min_value=0.0, max_value=1.0, step=0.01, key=state.TOLERANCE)
right.toggle(f"Leave out groups under {SMALL_GROUP_SIZE} rows", key=state.DROP_SMALL_GROUPS,
             help="Their rates swing by chance; a disparity driven by a handful of people says little.")
# The one audit at these settings: every number below is read from it.
settings = state.audit_settings(thresholds)
result = cache.judged(audit.key, curves, json.dumps([thresholds, settings.tolerance, settings.min_group_size], sort_keys=True),
                      settings, inputs.reference)
table, findings, intervals = result.by_group, result.findings, result.intervals
disparity_bounds = intervals.disparities
if result.left_out:
    st.caption(f"Left out of the disparities: {md(', '.join(result.left_out))}.")

headline = ["demographic_parity_ratio", "equal_opportunity_difference", "equalized_odds_difference", "predictive_parity_difference"]
for column, name in zip(st.columns(len(headline)), headline):
    finding = findings.to_dict("index")[name]
    low, high = disparity_bounds.loc[name, ["lower", "upper"]]
    if finding["undefined"]:
        column.metric(name.replace("_", " ").capitalize(), "undefined", help=md(finding["undefined"]))
        column.markdown(":gray-badge[undefined]")
        continue
    verdict = {"pass": ":green-badge[:material/check: pass]", "fail": ":red-badge[:material/close: fail]", "": ""}[verdict_word(finding)]
    column.metric(name.replace("_", " ").capitalize(), f"{finding['value']:.3f}", help=f"Passes when {finding['rule']}.")
    interval = "" if low != low else f"95% interval {low:.3f}–{high:.3f}"
    column.markdown(f"{verdict} {finding['rule']}  \n{interval}")
for name in ("demographic_parity_ratio", "equalized_odds_difference", "predictive_parity_difference"):
    st.markdown(f"- {md(findings.loc[name, 'sentence'])}")
st.caption(f"Disparity intervals: at least 95%, {intervals.disparity_method}.")
with st.expander("All disparities"):
    st.dataframe(findings.join(disparity_bounds), column_config={"value": st.column_config.NumberColumn(format="%.3f")})

# 3. Per-group metrics.
st.subheader("Metrics by group")
st.dataframe(formatted_table(table, intervals), width="stretch")
st.dataframe(formatted_overall(result.overall, intervals), width="stretch")
st.caption(f"In brackets: 95% bootstrap intervals ({intervals.n_resamples:,} resamples of the counts, seed {intervals.random_state}).")
with st.expander(f"Each group against the reference group ({md(inputs.reference)})"):
    st.dataframe(compare_to_reference(table, inputs.reference),
                 column_config={"selection_rate_ratio": st.column_config.NumberColumn(format="%.3f")})

# 4. Pictures: one at a time, so a slider move redraws one chart, not four.
state.set_default(state.CHART, "Rates")
chart = st.segmented_control("Chart", ["Rates", "Confusion matrices", "ROC curves", "Trade-off"], key=state.CHART)
if chart == "Rates":
    st.plotly_chart(plots.rate_bars(table, intervals, reference=inputs.reference), key="rate_bars")
elif chart == "Confusion matrices":
    normalize = st.toggle("Show shares of each actual class", key=state.NORMALIZE_MATRICES)
    st.plotly_chart(plots.confusion_matrices(table, normalize=normalize), key="confusion_matrices")
elif chart == "ROC curves":
    st.plotly_chart(plots.roc_curves(cache.roc(audit.key, curves), table), key="roc")
elif chart == "Trade-off":
    disparity = st.selectbox("Disparity", ["demographic_parity_difference", "equal_opportunity_difference", "equalized_odds_difference"],
                             format_func=lambda name: name.replace("_", " "), key=state.TRADEOFF_DISPARITY)
    current = (float(result.overall["accuracy"]), float(disparities_from_table(table)[disparity]))
    st.plotly_chart(plots.tradeoff_curve(cache.tradeoff(audit.key, curves), disparity, current=current), key="tradeoff")
    st.caption("Each dot is one threshold for everyone (all groups, small ones included); the star is the current setting.")

st.download_button(
    "Download the thresholds (JSON)",
    data=json.dumps({"target": audit.spec.target, "positive_label": str(audit.spec.positive_label),
                     "sensitive": list(audit.spec.sensitive), "thresholds": thresholds}, indent=2),
    file_name="fairdash-thresholds.json", mime="application/json", icon=":material/download:",
)

from fairdash.ui.calibration_panel import calibration_panel  # noqa: E402  (appended: the page's parts above are another's)
calibration_panel(audit, result)  # calibration within groups, and why the criteria conflict
