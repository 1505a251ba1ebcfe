"""fairdash: the frame of the dashboard (page config, sidebar, navigation). Pages live in pages/."""

from pathlib import Path

import streamlit as st

from fairdash.errors import FairdashError
from fairdash.ui import drafts, exposure, saved, signin, state, widgets

HERE = Path(__file__).resolve().parent  # `streamlit run` may be started from any folder

# The icon is a file of ours: a Material icon name here would make every page load fetch a web font.
st.set_page_config(page_title="fairdash: fairness audit", page_icon=str(HERE / "assets" / "icon.png"), layout="wide")
exposure.refuse_unaccepted_network()  # first: a server open to the network without the explicit setting shows nothing
signin.require_sign_in()  # with sign-in on, a visitor with no user sees a message and nothing else
signin.sidebar_user()  # who is signed in (here: a page that stops early must still say it)
state.keep_widget_values()
saved.open_from_url()  # ?audit=ID: a saved audit reopened on whatever page the link names
drafts.bind_draft()  # after a reload: the tab's own unsaved work, once the tab has said which draft is its own
drafts.draw_binding()
saved.apply_pending_settings()
st.logo(HERE / "assets" / "logo.svg", size="large")

navigation = st.navigation(
    [
        st.Page("pages/data.py", title="Data & model", icon=":material/table:", url_path="data", default=True),
        st.Page("pages/summary.py", title="Summary", icon=":material/summarize:", url_path="summary"),
        st.Page("pages/fairness.py", title="Fairness", icon=":material/balance:", url_path="fairness"),
        st.Page("pages/subgroups.py", title="Subgroups", icon=":material/group_work:", url_path="subgroups"),
        st.Page("pages/fixes.py", title="Fixes", icon=":material/build:", url_path="fixes"),
        st.Page("pages/explain.py", title="Explain", icon=":material/psychology:", url_path="explain"),
        st.Page("pages/rules.py", title="Rules", icon=":material/account_tree:", url_path="rules"),
        st.Page("pages/over_time.py", title="Over time", icon=":material/timeline:", url_path="over_time"),
        st.Page("pages/report.py", title="Report", icon=":material/download:", url_path="report"),
        st.Page("pages/saved.py", title="Saved audits", icon=":material/bookmarks:", url_path="saved"),
    ]
)
saved.show_linked_view()  # a link to an audit saved without its data: shown as saved, on Saved audits
widgets.frame_runs_page()  # the page's inside_frame() sees it runs inside this frame
try:
    navigation.run()
except FairdashError as error:  # bad input the user can fix, wherever a page met it: a message, not a traceback
    widgets.show_error(error)
finally:
    # After the page, so that the summary reflects what the page just changed (even if it stopped early).
    drafts.keep_draft()  # first: after a page's st.stop() nothing more can be drawn, and the draft draws nothing
    widgets.sidebar_summary()
