"""Report: take the audit to stakeholders (one HTML file) and pipelines (JSON, the command line)."""

import json

import streamlit as st

from fairdash.cli.audit import audit_command
from fairdash.present.sentences import settings_text
from fairdash.present.text import threshold_text
from fairdash.ui import cache, choices, fixes_state, keys, saved, state, thresholds_state
from fairdash.ui.bias_audit_panel import bias_audit_view
from fairdash.ui.report_pdf import pdf_download
from fairdash.ui.summary_panel import report_model_card
from fairdash.ui.threshold_controls import current_thresholds
from fairdash.ui.widgets import inside_frame, md, require_audit

inside_frame()
st.title("Report")
audit = require_audit()
curves = cache.threshold_curves(audit.key, audit.inputs)
settings = thresholds_state.audit_settings(current_thresholds(audit, curves))

st.markdown(
    f"The report records the audit as it stands: **{md(audit.title)}**, thresholds **{md(threshold_text(settings.thresholds))}**, "
    f"{settings_text(settings)}. Change these on the Fairness page."
)
state.set_default(keys.REPORT_RULES, True)
state.set_default(keys.REPORT_CALIBRATION, True)
state.set_default(keys.REPORT_SUBGROUPS, False)
with_rules = st.toggle("Include the surrogate rules (depth 3)", key=keys.REPORT_RULES)
with_calibration = st.toggle("Include calibration within groups and why the criteria conflict", key=keys.REPORT_CALIBRATION)
with_subgroups = st.toggle(
    "Include the subgroups with the largest gaps (every column, one or two conditions)",
    key=keys.REPORT_SUBGROUPS,
    help="As the Subgroups page finds them; on a wide table this takes a while.",
)

compared = fixes_state.compared_fixes(audit.key)
include_fixes = False
if compared is not None:
    include_fixes = st.toggle(
        f"Include the fixes compared on the Fixes page ({len(compared[1])}, for {compared[0].replace('_', ' ')})", value=True
    )
settings_key = json.dumps([settings.thresholds, settings.tolerance, settings.min_group_size], sort_keys=True, default=str)
fixes_key = fixes_state.comparison_key(compared) if include_fixes else None  # by content: an id() is reused
control = choices.control_chosen(audit.workspace.table)  # the Fairness page's "Given a legitimate factor"
if control:
    st.caption(f"With the rates given {md(', '.join(control))}, as chosen on the Fairness page.")
json_text, html_text = cache.report_files(
    audit.key,
    settings_key,
    audit.workspace.table,
    audit.spec,
    audit.workspace.model,
    audit.inputs,
    curves,
    settings,
    audit.title,
    with_rules,
    fixes_key,
    compared if include_fixes else None,
    with_calibration,
    with_subgroups,
    control,
)
left, right, third = st.columns(3)
left.download_button(
    "Download the report (HTML)",
    data=html_text,
    file_name="fairdash-report.html",
    mime="text/html",
    icon=":material/download:",
    type="primary",
)
right.download_button(
    "Download the audit (JSON)",
    data=json_text,
    file_name="fairdash-audit.json",
    mime="application/json",
    icon=":material/download:",
)
pdf_download(third, html_text)
st.download_button(
    "Download the model card (Markdown)",
    data=report_model_card(audit, json_text, compared if include_fixes else None),
    file_name="MODEL_CARD.md",
    mime="text/markdown",
    icon=":material/download:",
    help="Hugging Face's model card format: every disparity in the YAML front matter's model-index, the results "
    "in words, and the fields for the model's owner to fill in.",
)
st.caption(
    f"The HTML file ({len(html_text.encode()) / 1e6:.1f} MB) opens offline in any browser, charts included, and has "
    "its own threshold sliders: readers can try other thresholds without Python. The PDF is the same report on paper "
    "(printed by Chromium when you click), for readers who need a fixed document."
)

bias_audit_view(audit, settings.thresholds)

st.subheader("The same audit in a release pipeline")
model = audit.workspace.model
demo = choices.demo_key() if choices.source() == keys.SOURCE_DEMO else None  # Parquet keeps the demo's column types as they are
st.code(
    audit_command(
        audit.spec,
        model_file=model.name if model is not None else None,
        thresholds=settings.thresholds,
        tolerance=settings.tolerance,
        min_group_size=settings.min_group_size,
        data_file="DATA.parquet" if demo else "DATA.csv",
        trusted_types=(state.get(keys.TRUST_SKOPS) or []) if model is not None and not demo else [],
        calibration=with_calibration,
        subgroups=with_subgroups,
        demo=demo,
        control=control,
    ),
    language=None,
    wrap_lines=True,
)  # plain: the highlighter's colours are under 3:1; wrapped: no region to scroll
st.caption("Exit code 0: passes; 1: a --fail-on condition holds (named on stderr); 2: bad input.")
with st.expander("The JSON"):
    st.json(json.loads(json_text), expanded=1)

st.subheader("Keep this audit")
saved.save_panel(audit, settings, json_text, html_text)
