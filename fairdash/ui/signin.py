"""Who is signed in: off by default (a laptop: the dashboard is one person's), or one of two ways.

- Behind an authenticating proxy (oauth2-proxy, a company SSO gateway): ``FAIRDASH_USER_HEADER=X-Forwarded-Email`` (any
  header name) takes the user from that request header. Only behind such a proxy: anyone who reaches the server directly
  can send the header.
- Streamlit's own OpenID Connect sign-in, when ``[auth]`` is configured in ``.streamlit/secrets.toml`` as Streamlit
  documents it: ``st.login()`` and ``st.user.email``.

With either on, a visitor with no user (or a header that is not one email address) sees a message and nothing else
(:func:`require_sign_in`, app.py before anything else). The store answers the visitor (:func:`visitor`): what it may
not see is "no such audit". Without sign-in the visitor is the dashboard without sign-in, whose session lists only the
audits it was given (saved or opened in it).
"""

from __future__ import annotations

import os
from typing import Any, Literal, Mapping

import streamlit as st

from fairdash.errors import InvalidInputError
from fairdash.launch import USER_HEADER_SETTING
from fairdash.store.access import Visitor, valid_user
from fairdash.ui import saving_state
from fairdash.ui.widgets import md

__all__ = [
    "USER_HEADER_SETTING",
    "SIGN_IN_MESSAGE",
    "header_name",
    "oidc_configured",
    "sign_in_mode",
    "header_values",
    "user_from_header",
    "user_from_claims",
    "current_user",
    "require_sign_in",
    "visitor",
    "sidebar_user",
]

SIGN_IN_MESSAGE = "Sign in to use this dashboard: its saved audits belong to their owners."


def header_name() -> str | None:
    """The header :data:`USER_HEADER_SETTING` names, or ``None`` when the proxy way is off."""
    return os.environ.get(USER_HEADER_SETTING, "").strip() or None


def oidc_configured() -> bool:
    """Whether Streamlit's OIDC sign-in is configured (an ``[auth]`` section in the secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than answers False
        return False


def sign_in_mode() -> Literal["proxy", "oidc"] | None:
    """How users sign in: the proxy header (when named, it wins), Streamlit's OIDC, or ``None`` (no sign-in)."""
    if header_name():
        return "proxy"
    return "oidc" if oidc_configured() else None


def header_values(name: str) -> list[str]:
    """Every value the request sent for header ``name`` (the websocket's request; tests replace this function)."""
    return list(st.context.headers.get_all(name))


def user_from_header(values: list[str]) -> str | None:
    """The user a proxy named in its header's ``values``: ``None`` when none was sent; one address, checked."""
    if not values:
        return None
    if len(values) > 1:
        raise InvalidInputError(f"The sign-in header {header_name()} came {len(values)} times: the proxy must send one address.")
    try:
        return valid_user(values[0].strip())
    except InvalidInputError as error:
        raise InvalidInputError(f"The sign-in header {header_name()} does not name one user: {error}") from None


def user_from_claims(claims: Mapping[str, Any]) -> str | None:
    """The user of an OIDC identity (``st.user`` as a mapping): its ``email``, checked, once signed in; a provider that
    says the address is not verified is refused."""
    if not claims.get("is_logged_in"):
        return None
    if claims.get("email_verified") is False:
        raise InvalidInputError("Your identity provider says your email address is not verified: verify it, then sign in again.")
    return valid_user(claims.get("email"))


def _oidc_claims() -> Mapping[str, Any]:
    return st.user.to_dict()


def current_user() -> str | None:
    """The signed-in user's address, ``None`` when nobody is signed in (or sign-in is off); a header or identity that
    is not one address raises :class:`InvalidInputError`."""
    mode = sign_in_mode()
    if mode == "proxy":
        return user_from_header(header_values(str(header_name())))
    return user_from_claims(_oidc_claims()) if mode == "oidc" else None


def require_sign_in() -> None:
    """Before anything is drawn: with sign-in on and no user, a message (and Streamlit's sign-in button) and a stop. A
    session whose user changed starts afresh, so nothing one user chose is shown to another."""
    mode = sign_in_mode()
    if mode is None:
        return
    try:
        user = current_user()
    except InvalidInputError as error:
        st.error(str(error), icon=":material/lock:")
        st.stop()
    if user is None:
        # The only page: without a navigation of its own, Streamlit would list the pages/ folder in the sidebar.
        st.navigation(
            [st.Page(_sign_in_screen if mode == "oidc" else _proxy_sign_in_screen, title="Sign in", default=True)],
            position="hidden",
        ).run()
        st.stop()
    if saving_state.signed_in_as() not in (None, user):
        st.session_state.clear()
    saving_state.remember_signed_in(user)


def _sign_in_screen() -> None:
    st.info(SIGN_IN_MESSAGE, icon=":material/lock:")
    st.button("Sign in", icon=":material/login:", type="primary", on_click=st.login)


def _proxy_sign_in_screen() -> None:
    st.info(
        f"{SIGN_IN_MESSAGE} This server signs users in through a proxy: open it through that address.", icon=":material/lock:"
    )


def visitor() -> Visitor:
    """Who the store answers in this session: the signed-in user, or the dashboard without sign-in holding the ids its
    session was given."""
    user = current_user() if sign_in_mode() else None
    return Visitor.signed_in(user) if user is not None else Visitor.local(saving_state.given_audits())


def sidebar_user() -> None:
    """Who is signed in, in the sidebar (with Streamlit's sign-in, a button to sign out); nothing without sign-in."""
    mode = sign_in_mode()
    user = saving_state.signed_in_as() if mode else None
    if user is None:
        return
    st.sidebar.caption(f"Signed in as {md(user)}")
    if mode == "oidc":
        st.sidebar.button("Sign out", icon=":material/logout:", on_click=st.logout)
