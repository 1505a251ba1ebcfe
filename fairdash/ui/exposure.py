"""Who can reach this dashboard: this machine only (the default), the network with sign-in, or the network without it,
on purpose.

Without sign-in there are no users: whoever holds an audit's link opens it (and can rename and delete it), so the
dashboard is one person's and listens on 127.0.0.1 (``.streamlit/config.toml``, ``make run``). With sign-in
(:mod:`fairdash.ui.signin`) each audit belongs to its owner and the server may listen beyond the machine. Without it,
listening beyond the machine takes the address and an explicit setting whose name says what follows,
:data:`OPEN_TO_NETWORK_SETTING`; a server started beyond the machine without either shows a message and nothing else, and
with the setting the Saved audits page says what it means.
"""

from __future__ import annotations

import streamlit as st

from fairdash.launch import OPEN_TO_NETWORK_SETTING, is_loopback, open_to_network_accepted
from fairdash.ui import signin

__all__ = [
    "OPEN_TO_NETWORK_SETTING",
    "is_loopback",
    "listens_beyond_machine",
    "open_to_network_accepted",
    "refuse_unaccepted_network",
    "network_notice",
]


def listens_beyond_machine() -> bool:
    """Whether this server listens beyond this machine. A session with no browser behind it (a headless test, bare
    mode) has no server and no address: it reaches no network."""
    if st.context.url is None:
        return False
    return not is_loopback(st.get_option("server.address"))


def refuse_unaccepted_network() -> None:
    """Before anything is drawn: a server that listens beyond this machine without the explicit setting shows why and
    stops, so no visitor from the network sees an upload, a draft or a saved audit."""
    if not listens_beyond_machine() or open_to_network_accepted() or signin.sign_in_mode() is not None:
        return
    address = st.get_option("server.address") or "every interface"
    st.error(
        f"This dashboard listens beyond this machine ({address}), and without sign-in every visitor holding a link would "
        "open its saved audit, kept tables included. Start it on 127.0.0.1 (`make run`, or `--server.address 127.0.0.1`), "
        f"turn sign-in on ({signin.USER_HEADER_SETTING} behind an authenticating proxy, or `[auth]` in the secrets), or, to "
        f"share it on purpose with everyone who can reach it, set `{OPEN_TO_NETWORK_SETTING}=yes`.",
        icon=":material/lock:",
    )
    st.stop()


def network_notice() -> None:
    """On the Saved audits page while the dashboard is open to the network: say what that means."""
    if listens_beyond_machine() and signin.sign_in_mode() is None:
        st.warning(
            f"This dashboard is open to the network without sign-in ({OPEN_TO_NETWORK_SETTING} is set): every visitor "
            "holding an audit's link can open, download, rename and delete it (this page lists to each visitor the "
            "audits saved or opened in their session).",
            icon=":material/public:",
        )
