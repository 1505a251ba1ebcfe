"""Fixes: every kind of fix for a disparity, trained and judged on the audited rows, on one chart."""

from functools import partial

import streamlit as st

from fairdash.fixes.compare import (
    CONSTRAINT_DISPARITY,
    DEFAULT_BOUNDS,
    FIX_NAMES,
    NEEDS_TRAINING,
    estimate_refits,
    refit_fits,
)
from fairdash.present import plots
from fairdash.present.document import json_text
from fairdash.present.fixes_report import (
    IN_SAMPLE_NOTE,
    estimate_text,
    fix_error,
    fixes_html,
    fixes_json,
    fixes_table,
    unmet_message,
)
from fairdash.present.sentences import settings_text
from fairdash.present.text import PER_GROUP_THRESHOLDS_CAUTION, formatted_table, threshold_text
from fairdash.ui import cache, fixes_state, keys, state, thresholds_state
from fairdash.ui.fixes_panel import other_model_input, refits, training_rows
from fairdash.ui.threshold_controls import current_thresholds
from fairdash.ui.widgets import chart, inside_frame, md, require_audit

inside_frame()
st.title("Fixes")
audit = require_audit()
inputs, model = audit.inputs, audit.workspace.model
st.caption(
    f"Every fix is judged on the same {len(inputs.y_true):,} rows of {md(audit.title)}, with the Fairness page's "
    "metrics and intervals. Fixes that refit the model train on its training rows."
)

# 1. The rows the refits train on, and a second model to compare.
left, right = st.columns(2)
with left:
    train, train_id, why_not = training_rows(model)
with right:
    other_model, other_id = other_model_input()

# 2. What the fixes aim for.
left, middle, right = st.columns(3)
constraint = left.selectbox(
    "Constraint",
    list(CONSTRAINT_DISPARITY),
    key=keys.FIXES_CONSTRAINT,
    format_func={
        "demographic_parity": "Demographic parity",
        "equalized_odds": "Equalized odds",
        "equal_opportunity": "Equal opportunity (true positive rate parity)",
    }.get,
)
state.set_default(keys.FIXES_SCORE, "accuracy")
score = (
    middle.segmented_control(
        "Chart's accuracy",
        ["accuracy", "balanced_accuracy"],
        key=keys.FIXES_SCORE,
        format_func=lambda name: name.replace("_", " ").capitalize(),
    )
    or "accuracy"
)
audited = current_thresholds(audit, cache.threshold_curves(audit.key, inputs))  # the audit's thresholds, as the report's
refit_at = audited if isinstance(audited, float) else inputs.default_threshold
judging = thresholds_state.audit_settings(audited)  # the Fairness page's tolerance and small-group choice
right.caption(
    f"The original decides at the audited thresholds ({md(threshold_text(audited))}); the refits at {refit_at:.4g}"
    + ("" if isinstance(audited, float) else " (the default: per-group thresholds are one of the fixes compared here)")
    + f"; the thresholds fix aims at a {constraint.replace('_', ' ')} difference of {judging.tolerance:g} or less over "
    + f"the groups judged; {settings_text(judging)} (the Fairness page's settings)."
)

settings = dict(
    train_id=train_id, train=train, other_id=other_id, other_model=other_model, constraint=constraint, settings=judging
)
fixes = cache.fixes(
    audit.key, audit.workspace.table, audit.spec, model, **settings, threshold=audited, methods=("thresholds", "other_model")
)  # no refit: these start only when asked, below

refit = partial(  # the refits, at the one threshold they are judged at
    cache.fixes, audit.key, audit.workspace.table, audit.spec, model, **settings, threshold=refit_at
)

if why_not is None:
    refitted = refits(
        refit,
        ("reweighing", "unawareness"),
        f"Refit the model: reweighing and unawareness (2 fits on {len(train):,} training rows)",
    )
    if refitted is None:
        st.caption("Nothing is refitted until you ask: the refits train the model again on its training rows.")
    else:
        timed = next((fix for fix in refitted if fix.error is None and fix.seconds > 0), None)
        fits = refit_fits("reductions")
        cost = estimate_text(estimate_refits("reductions", timed, train_rows=len(train))) if timed else f"up to {fits} fits"
        reduced = refits(
            refit, ("reductions",), f"Add reductions (Fairlearn's ExponentiatedGradient at {len(DEFAULT_BOUNDS)} bounds): {cost}"
        )
        fixes = sorted(
            fixes + refitted + (reduced or []), key=lambda fix: FIX_NAMES.index(fix.name)
        )  # stable: bounds stay in order
disparity = CONSTRAINT_DISPARITY[constraint]
fixes_state.remember_fixes(audit.key, constraint, fixes)  # the Report page adds the comparison to the audit's report

# 3. Every fix on one chart, and in one table.
st.subheader("The trade-off")
chart(plots.fixes_tradeoff(fixes, disparity, score=score), key=keys.FIXES_TRADEOFF_CHART)
st.caption(
    "Each point is one fix on the same rows; the bars are the disparity's interval (at least 95%); the star is the original. "
    "Reductions give one point per constraint bound, joined. " + PER_GROUP_THRESHOLDS_CAUTION
)
if any(fix.in_sample for fix in fixes):
    st.caption(IN_SAMPLE_NOTE)
table = fixes_table(fixes, disparity)
# Per-group thresholds rank nobody by one score, so they have no AUC: said as "n/a", not a grey "None".
shown = table.drop(columns=["not made"], errors="ignore").assign(
    AUC=lambda frame: frame["AUC"].map(lambda v: "n/a" if v != v else f"{v:.3f}")
)
st.dataframe(
    shown,
    width="stretch",
    column_config={name: st.column_config.NumberColumn(format="%.3f") for name in ("accuracy", "balanced accuracy")}
    | {name: st.column_config.NumberColumn(format="percent") for name in table.columns if name.startswith("selected: ")},
)
unmet = unmet_message(fixes, constraint, judging.tolerance)
if unmet:
    st.warning(md(unmet), icon=":material/warning:")
not_made: dict[str, list[str]] = {}  # one message per reason, naming the fixes it stopped
for fix in fixes:
    if fix.error is not None and not (why_not and fix.name in NEEDS_TRAINING):
        not_made.setdefault(fix_error(fix), []).append(fix.title)
for reason, titles in not_made.items():
    st.warning(f"**{md(' and '.join(titles))}** could not be made: {md(reason)}", icon=":material/warning:")

# 4. One fix against the original.
made = [fix for fix in fixes if fix.error is None and fix.name != "original"]
original = fixes[0]
if made:
    st.subheader("One fix against the original")
    titles = [fix.title for fix in made]
    state.ensure_choice(keys.FIXES_CHOSEN, titles, titles[0])
    picked_title = st.selectbox("Fix", titles, key=keys.FIXES_CHOSEN)
    picked = next(fix for fix in made if fix.title == picked_title)
    left, right = st.columns(2)
    for column, fix, heading in ((left, original, "Original"), (right, picked, md(picked.title))):
        column.markdown(
            f"**{heading}**: accuracy {fix.accuracy:.3f}, {disparity.replace('_', ' ')} "
            + ("undefined" if fix.disparities[disparity] != fix.disparities[disparity] else f"{fix.disparities[disparity]:.3f}")
        )
        column.dataframe(
            formatted_table(fix.table, fix.intervals)[
                ["Rows", "Selection rate", "True positive rate", "False positive rate", "Accuracy"]
            ],
            width="stretch",
        )
        chart(
            plots.confusion_matrices(fix.table, columns=2),
            key=keys.ORIGINAL_MATRICES_CHART if fix is original else keys.FIX_MATRICES_CHART,
            place=column,
        )
    if picked.name in ("reweighing", "unawareness"):
        import skops.io

        st.download_button(
            "Download this model (.skops)",
            data=skops.io.dumps(picked.model),
            file_name=f"fairdash-{picked.name}.skops",
            mime="application/octet-stream",
            icon=":material/download:",
        )
    elif picked.name == "reductions":
        st.caption(
            "A reductions model is a randomized mixture of several refitted models (Fairlearn's ExponentiatedGradient): "
            "it is not offered as .skops, which would load it only after trusting Fairlearn's types."
        )
elif why_not is None or other_model is not None:
    st.info("No fix could be made; the messages above say why.", icon=":material/info:")

# 5. Take it away.
left, right = st.columns(2)
left.download_button(
    "Download the comparison (JSON)",
    data=json_text(fixes_json(fixes, constraint=constraint, data_name=audit.title)),
    file_name="fairdash-fixes.json",
    mime="application/json",
    icon=":material/download:",
)
right.download_button(
    "Download the comparison (HTML)",
    data=fixes_html(fixes, constraint=constraint, data_name=audit.title),
    file_name="fairdash-fixes.html",
    mime="text/html",
    icon=":material/download:",
)
