"""Fairness: per-group metrics, disparities and confusion matrices at thresholds the user moves."""

import json

import streamlit as st

from fairdash.engine.findings import HEADLINE
from fairdash.engine.metrics import DEFAULT_TOLERANCE, compare_to_reference, disparities_from_table
from fairdash.engine.result import AuditResult
from fairdash.engine.spec import SMALL_GROUP_SIZE
from fairdash.present import plots
from fairdash.present.sentences import finding_sentence, undefined_text, with_sentences
from fairdash.present.text import formatted_overall, formatted_table, inconclusive_note, verdict_word
from fairdash.ui import cache, drafts, keys, state, thresholds_state
from fairdash.ui.balance_panel import control_panel
from fairdash.ui.calibration_panel import calibration_panel
from fairdash.ui.threshold_controls import current_thresholds, threshold_controls
from fairdash.ui.widgets import chart, inside_frame, md, require_audit

inside_frame()
st.title("Fairness")
audit = require_audit()
inputs = audit.inputs
curves = cache.threshold_curves(audit.key, inputs)
st.caption(
    f"{md(audit.title)}: {len(inputs.y_true):,} rows in {len(curves.labels)} groups of {' × '.join(md(c) for c in audit.spec.sensitive)}; "
    f"positive = {md(audit.spec.target)} is {md(audit.spec.positive_label)}; reference group: {md(inputs.reference)}."
)

# 1. The settings that decide verdicts: a change reruns the page.
left, right = st.columns(2)
state.set_default(keys.TOLERANCE, DEFAULT_TOLERANCE)
state.set_default(keys.MIN_GROUP_SIZE, SMALL_GROUP_SIZE)
left.number_input("Tolerance for differences", min_value=0.0, max_value=1.0, step=0.01, key=keys.TOLERANCE)
right.number_input(
    "Leave out groups under this many rows (0 keeps all)",
    min_value=0,
    step=1,
    key=keys.MIN_GROUP_SIZE,
    help="Their rates swing by chance; a disparity driven by a handful of people says little.",
)


@st.fragment
def at_the_thresholds() -> None:
    """Everything the thresholds decide: a settled slider move reruns this, not the data checks above."""
    state.keep_widget_values()  # a fragment's rerun forgets other pages' choices unless kept, as app.py keeps them on a full run
    # The one audit at these settings: the preview judges with its rules, every number below is read from it.
    thresholds = current_thresholds(audit, curves)
    settings = thresholds_state.audit_settings(thresholds)
    result = cache.judged(
        audit.key,
        curves,
        json.dumps([thresholds, settings.tolerance, settings.min_group_size], sort_keys=True),
        settings,
        inputs.reference,
    )
    st.subheader("Move the thresholds")
    st.caption(
        "The table, the disparities and the confusion matrices follow the slider in your browser; the intervals and "
        "charts below, and the other pages, follow once it rests."
    )
    threshold_controls(audit, curves, result)
    disparities_with_uncertainty(result)
    metrics_with_uncertainty(result)
    charts(result)
    calibration_panel(audit, result)  # calibration within groups, and why the criteria conflict
    control_panel(audit, result)  # disparities given a legitimate factor
    drafts.keep_draft()  # a settled move reruns only this part: the tab's draft takes the new thresholds here


def disparities_with_uncertainty(result: AuditResult) -> None:
    """The headline disparities with their intervals and verdicts, in sentences, then all of them."""
    findings, intervals = result.findings, result.intervals
    st.subheader("Disparities with their uncertainty")
    if result.left_out:
        st.caption(f"Left out of the disparities: {md(', '.join(result.left_out))}.")
    for column, name in zip(st.columns(len(HEADLINE)), HEADLINE):
        finding = findings.to_dict("index")[name]
        low, high = intervals.disparities.loc[name, ["lower", "upper"]]
        if finding["undefined"]:
            column.metric(name.replace("_", " ").capitalize(), "undefined", help=md(undefined_text(finding["undefined"])))
            column.markdown(":gray-badge[undefined]")
            continue
        verdict = {"pass": ":green-badge[:material/check: pass]", "fail": ":red-badge[:material/close: fail]", "": ""}[
            verdict_word(finding)
        ]
        column.metric(name.replace("_", " ").capitalize(), f"{finding['value']:.3f}", help=f"Passes when {finding['rule']}.")
        interval = "" if low != low else f"95% interval {low:.3f}–{high:.3f}"
        note = inconclusive_note(finding)
        column.markdown(
            f"{verdict} {finding['rule']}  \n{interval}" + (f"  \n:orange[:material/help: {note}]" if note else "")
        )  # text wraps; a badge is cut
    for name in ("demographic_parity_ratio", "equalized_odds_difference", "predictive_parity_difference"):
        st.markdown(f"- {md(finding_sentence(name, findings.loc[name]))}")
    st.caption(f"Disparity intervals: at least 95%, {intervals.disparity_method}.")
    with st.expander("All disparities"):
        st.dataframe(
            with_sentences(findings).join(intervals.disparities),
            column_config={"value": st.column_config.NumberColumn(format="%.3f")},
        )


METRIC_PARTS = (
    ("Who is selected, and how often rightly", ["Rows", "Base rate", "Selection rate", "Precision", "Accuracy", "Note"]),
    (
        "Errors among the truly positive and the truly negative",
        ["Rows", "True positive rate", "False negative rate", "False positive rate"],
    ),
)


def metrics_with_uncertainty(result: AuditResult) -> None:
    """Each group's rates with exact intervals, all rows apart, each group against the reference."""
    st.subheader("Metrics by group, with intervals")
    table, overall = formatted_table(result.by_group, result.intervals), formatted_overall(result.overall, result.intervals)
    for title, columns in METRIC_PARTS:  # in two parts: one table of every rate with its interval is wider than the page
        st.markdown(f"**{title}**")
        st.dataframe(table[[column for column in columns if column in table]], width="stretch")
        st.dataframe(overall[[column for column in columns if column in overall]], width="stretch")
    st.caption(f"In brackets: {result.intervals.confidence:.0%} intervals, {result.intervals.rate_method}.")
    with st.expander(f"Each group against the reference group ({md(inputs.reference)})"):
        st.dataframe(
            compare_to_reference(result.by_group, inputs.reference),
            column_config={"selection_rate_ratio": st.column_config.NumberColumn(format="%.3f")},
        )


def charts(result: AuditResult) -> None:
    """One chart at a time, so a settled move redraws one chart, not four."""
    table, intervals = result.by_group, result.intervals
    state.set_default(keys.CHART, "Rates")
    shown = st.segmented_control("Chart", ["Rates", "Confusion matrices", "ROC curves", "Trade-off"], key=keys.CHART)
    if shown == "Rates":
        chart(
            plots.rate_bars(table, intervals, reference=inputs.reference),
            key=keys.RATE_BARS_CHART,
            numbers="The same rates, with their intervals, are in the tables under **Metrics by group** above.",
        )
    elif shown == "Confusion matrices":
        normalize = st.toggle("Show shares of each actual class", key=keys.NORMALIZE_MATRICES)
        chart(plots.confusion_matrices(table, normalize=normalize), key=keys.CONFUSION_MATRICES_CHART)
    elif shown == "ROC curves":
        chart(plots.roc_curves(cache.roc(audit.key, curves), table), key=keys.ROC_CHART)
    elif shown == "Trade-off":
        disparity = st.selectbox(
            "Disparity",
            ["demographic_parity_difference", "equal_opportunity_difference", "equalized_odds_difference"],
            format_func=lambda name: name.replace("_", " "),
            key=keys.TRADEOFF_DISPARITY,
        )
        current = (float(result.overall["accuracy"]), float(disparities_from_table(table)[disparity]))
        chart(plots.tradeoff_curve(cache.tradeoff(audit.key, curves), disparity, current=current), key=keys.TRADEOFF_CHART)
        st.caption("Each dot is one threshold for everyone (all groups, small ones included); the star is the current setting.")
    st.download_button(
        "Download the thresholds (JSON)",
        data=json.dumps(
            {
                "target": audit.spec.target,
                "positive_label": str(audit.spec.positive_label),
                "sensitive": list(audit.spec.sensitive),
                "thresholds": result.settings.thresholds,
            },
            indent=2,
        ),
        file_name="fairdash-thresholds.json",
        mime="application/json",
        icon=":material/download:",
    )


at_the_thresholds()
