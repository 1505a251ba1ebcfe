"""Who can reach this dashboard: this machine only (the default), or the network, on purpose.

Without sign-in every visitor sees every saved audit (and can open and delete it), so the dashboard is one person's and
listens on 127.0.0.1 (``.streamlit/config.toml``, ``make run``). Listening beyond the machine takes the address and an
explicit setting whose name says what follows, :data:`OPEN_TO_NETWORK_SETTING` (defined in :mod:`fairdash.launch`,
which checks it before starting a server too); a server started beyond the machine
without it shows a message and nothing else, and with it the Saved audits page says that every visitor sees every audit.
"""

from __future__ import annotations

import streamlit as st

from fairdash.launch import OPEN_TO_NETWORK_SETTING, is_loopback, open_to_network_accepted

__all__ = ["OPEN_TO_NETWORK_SETTING", "is_loopback", "listens_beyond_machine", "open_to_network_accepted",
           "refuse_unaccepted_network", "network_notice"]


def listens_beyond_machine() -> bool:
    """Whether this server listens beyond this machine. A session with no browser behind it (a headless test, bare
    mode) has no server and no address: it reaches no network."""
    if st.context.url is None:
        return False
    return not is_loopback(st.get_option("server.address"))


def refuse_unaccepted_network() -> None:
    """Before anything is drawn: a server that listens beyond this machine without the explicit setting shows why and
    stops, so no visitor from the network sees an upload, a draft or a saved audit."""
    if not listens_beyond_machine() or open_to_network_accepted():
        return
    address = st.get_option("server.address") or "every interface"
    st.error(
        f"This dashboard listens beyond this machine ({address}), and without sign-in every visitor would see every "
        "saved audit, kept tables included. Start it on 127.0.0.1 (`make run`, or `--server.address 127.0.0.1`), or, to "
        f"share it on purpose with everyone who can reach it, set `{OPEN_TO_NETWORK_SETTING}=yes`.",
        icon=":material/lock:",
    )
    st.stop()


def network_notice() -> None:
    """On the Saved audits page while the dashboard is open to the network: say what that means."""
    if listens_beyond_machine():
        st.warning(
            f"This dashboard is open to the network ({OPEN_TO_NETWORK_SETTING} is set): every visitor sees every audit "
            "listed here and can open, download, rename and delete it.",
            icon=":material/public:",
        )
