"""Saved audits: the audits this visitor may see (own, shared with them, the team's; without sign-in, those this session
saved or opened); open, download, compare two; for the owner, rename, delete, share and the history."""

import streamlit as st

from fairdash.present.comparison import comparison_chart, comparison_table
from fairdash.present.sentences import comparison_notes
from fairdash.store.saving import saved_audit_json
from fairdash.ui import exposure, keys, saved, saving_state, sharing, state
from fairdash.ui.widgets import chart, inside_frame, md, stop_page, user_errors_shown

inside_frame()
st.title("Saved audits")
exposure.network_notice()
signed_in = saved.store().visitor.kind == "user"
if not signed_in:
    sharing.open_by_id_box()
audits = saved.saved_audits()
if not audits:
    saved.show_outcome()
    st.info(
        "No saved audit to show yet: save one on the Report page. "
        + (
            "Audits shared with you or with the team are listed here too."
            if signed_in
            else "Without sign-in, this page lists the audits saved or opened in this session; open another by its link or id "
            "(`python -m fairdash audit --save` prints it, `python -m fairdash audits list` lists them all)."
        ),
        icon=":material/info:",
    )
    stop_page()

st.dataframe(saved.listing(audits))
by_id = {audit.id: audit for audit in audits}
ids = list(by_id)
state.ensure_choice(keys.SAVED_AUDIT, ids, ids[0])
chosen = st.selectbox(
    "Audit",
    options=ids,
    format_func=lambda audit_id: f"{by_id[audit_id].title} ({by_id[audit_id].created[:16]})",
    key=keys.SAVED_AUDIT,
    on_change=saving_state.forget_delete_confirmations,
)
audit = by_id[chosen]
st.caption(
    f"Data {md(audit.data_name)} (SHA-256 {audit.data_sha256 or 'not recorded'}); "
    f"model {md(audit.model_name or 'none: a score column')} (SHA-256 {audit.model_sha256 or 'not recorded'})."
)

left, middle, right = st.columns(3)
left.button(
    "Open",
    icon=":material/open_in_new:",
    type="primary",
    on_click=saved.open_link,
    args=(audit.id,),
    disabled=not saved.reopens_live(audit),
    help="Reopen it live on every page, with its thresholds as saved (needs its files, or a demo's data).",
)
with user_errors_shown():
    middle.download_button(
        "Report (HTML)",
        data=saved.store().report_html(audit.id),
        file_name="fairdash-report.html",
        mime="text/html",
        icon=":material/download:",
        on_click=saved.exported,
        args=(audit.id, "report"),
    )
    right.download_button(
        "Audit (JSON)",
        data=saved_audit_json(saved.store(), audit.id),
        file_name="fairdash-audit.json",
        mime="application/json",
        icon=":material/download:",
        on_click=saved.exported,
        args=(audit.id, "JSON"),
    )
st.code(saved.audit_link(audit.id), language=None)
saved.as_saved(audit)

sharing.share_panel(audit)
sharing.history_panel(audit)
if sharing.may_manage(audit):  # the owner's (the store refuses anyone else, as "no such audit")
    with st.expander("Rename or delete"):
        state.set_value(keys.RENAME_TITLE, state.get(keys.RENAME_TITLE) if state.get(keys.RENAME_OF) == audit.id else audit.title)
        state.set_value(keys.RENAME_OF, audit.id)
        st.text_input("New title", key=keys.RENAME_TITLE, max_chars=200)
        st.button("Rename", icon=":material/edit:", on_click=saved.rename_clicked, args=(audit.id,))
        st.checkbox("Yes, delete this audit and its files", key=keys.confirm_delete_key(audit.id))
        st.button(
            "Delete",
            icon=":material/delete:",
            disabled=not saving_state.delete_confirmed(audit.id),
            on_click=saved.delete_clicked,
            args=(audit.id,),
        )
saved.show_outcome()

st.subheader("Compare two audits")
if len(audits) < 2:
    st.caption("Save a second audit of the same target and groups to compare them.")
    stop_page()
before = st.selectbox("Before", options=ids, index=1, format_func=lambda audit_id: by_id[audit_id].title, key=keys.COMPARE_BEFORE)
after = st.selectbox("After", options=ids, index=0, format_func=lambda audit_id: by_id[audit_id].title, key=keys.COMPARE_AFTER)
with user_errors_shown():
    comparison = saved.comparison_of(before, after)
chart(comparison_chart(comparison))
table = comparison_table(comparison)  # st.table draws its cells as markdown: the group names 'pair tested' quotes are escaped
st.table(table.assign(**{"pair tested": table["pair tested"].map(md)}))
for note in comparison_notes(comparison.notes):
    st.caption(md(note))
st.caption(
    "Every pair of groups is tested for a change in its gap, as the Over time page's alerts are; 'pair tested' names "
    "the pair whose gap changed the most, 'its change' and 'its interval' are of that pair's gap. Its p-value accounts for "
    "the choice among all pairs (the largest z against the studentized range); beyond chance at 5%, divided over the "
    "disparities tested, and the interval is simultaneous at that same level."
)
