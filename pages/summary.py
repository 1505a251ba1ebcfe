"""Summary: what the audit found, in plain words, fit to present on a screen."""

import streamlit as st

from fairdash.ui.summary_panel import session_summary, show_summary
from fairdash.ui.widgets import inside_frame, md, require_audit

inside_frame()
st.title("Summary")
audit = require_audit()
summary, thresholds = session_summary(audit)
st.caption(
    f"{md(audit.title)}: positive outcome {md(audit.spec.target)} = {md(audit.spec.positive_label)}; groups of "
    f"{' × '.join(md(column) for column in audit.spec.sensitive)}; thresholds {md(thresholds)} (set on the Fairness page)."
)
show_summary(summary)
