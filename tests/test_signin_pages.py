"""Sign-in in the dashboard, headless (AppTest), issue 30: the proxy header's hostile values refused; no user, nothing but
a sign-in message; Streamlit's OIDC way (its configuration, ``[auth]`` in the secrets, and the mapping of ``st.user`` to
a user) tested here without an identity provider (none can run in this sandbox); a crafted rename or delete of another's
audit refused by the store; a session whose user changes starts afresh; without sign-in, the Saved audits page lists
only what the session was given. The header reaches the app through ``signin.header_values``, replaced here (the browser
test sends the real header: tests/test_browser_team.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fairdash.errors import InvalidInputError
from fairdash.store.access import Visitor
from fairdash.store.db import AuditRecord, AuditStore
from fairdash.ui import signin

ROOT = Path(__file__).resolve().parents[1]
ALICE, BOB = "alice@example.com", "bob@example.com"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(signin.USER_HEADER_SETTING, raising=False)
    return tmp_path / "home"


def _header(monkeypatch, *values: str) -> None:
    monkeypatch.setenv(signin.USER_HEADER_SETTING, "X-Forwarded-Email")
    monkeypatch.setattr(signin, "header_values", lambda name: list(values))


def _record(title: str) -> AuditRecord:
    return AuditRecord(
        title=title,
        created="2026-12-02T10:00:00+00:00",
        data_name="d.csv",
        model_name=None,
        settings={},
        data_sha256=None,
        model_sha256=None,
        headline={},
        audit_json=json.dumps({}),
        report_html="<html></html>",
    )


def _real(home: Path, title: str, owner: str | None) -> str:
    """A real audit (its JSON reads back on the Saved audits page), saved for ``owner``."""
    import numpy as np
    import pandas as pd

    from fairdash.engine.spec import AuditSpec
    from fairdash.run import run_audit
    from fairdash.store.saving import audit_record

    rng = np.random.default_rng(1)
    table = pd.DataFrame({"g": rng.choice(["a", "b"], 400), "y": rng.integers(0, 2, 400), "s": rng.uniform(size=400)})
    audit = run_audit(
        table,
        AuditSpec(target="y", positive_label=1, sensitive=("g",), score="s"),
        thresholds=0.5,
        with_rules=False,
        data_name="d.csv",
    )
    record = audit_record(audit, title=title, source={"kind": "upload"}, data_sha256=None, model_sha256=None)
    return AuditStore(home).save(record, owner=owner)


def _app(path: str = "app.py") -> AppTest:
    return AppTest.from_file(str(ROOT / path), default_timeout=120)


def _nothing_but_a_message(at: AppTest) -> None:
    assert not at.exception
    assert not at.selectbox and not at.text_input and not at.dataframe and not at.get("file_uploader") and not at.code


def test_no_user_sees_a_sign_in_message_and_nothing_else(home, monkeypatch):
    _header(monkeypatch)
    at = _app()
    at.query_params["audit"] = AuditStore(home).save(_record("team"))
    at.run()
    _nothing_but_a_message(at)
    assert [info.value for info in at.info][0].startswith(signin.SIGN_IN_MESSAGE)
    import sqlite3

    with sqlite3.connect(home / "audits.sqlite") as connection:  # no draft was written for the anonymous visitor
        assert connection.execute("SELECT count(*) FROM drafts").fetchone() == (0,)


@pytest.mark.parametrize(
    "values, said",
    [
        (("alice@example.com", "bob@example.com"), "came 2 times"),
        (("alice@example.com, bob@example.com",), "several values"),
        (("alice@exam\x01ple.com",), "not an email address"),
        (("a" * 10_000,), "longer than an email address"),
        (("alice",), "not an email address"),
    ],
)
def test_a_header_that_does_not_name_one_user_is_refused_and_nothing_shown(monkeypatch, values, said):
    _header(monkeypatch, *values)
    at = _app().run()
    _nothing_but_a_message(at)
    assert len(at.error) == 1 and said in at.error[0].value and len(at.error[0].value) < 300


def test_a_crafted_rename_or_delete_of_another_users_audit_is_refused(home, monkeypatch):
    """Bob's session calls the page's callbacks with Alice's id, the delete confirmed: what a forged websocket message could
    ask. The store refuses both as "no such audit", and nothing changes."""
    alice_id = AuditStore(home).save(_record("alice's"), owner=ALICE)
    _header(monkeypatch, BOB)

    def crafted(audit_id: str) -> None:
        import streamlit as st

        from fairdash.ui import keys, saved

        st.session_state[keys.RENAME_TITLE] = "Bob's now"
        saved.rename_clicked(audit_id)
        saved.show_outcome()
        st.session_state[keys.confirm_delete_key(audit_id)] = True
        saved.delete_clicked(audit_id)
        saved.show_outcome()

    at = AppTest.from_function(crafted, args=(alice_id,), default_timeout=60).run()
    assert not at.exception
    assert [error.value for error in at.error] == ["no such audit", "no such audit"]
    assert AuditStore(home).get(alice_id).title == "alice's"


def test_the_saved_audits_page_shows_owner_controls_to_the_owner_only(home, monkeypatch):
    alice_id = _real(home, "alice's", ALICE)
    AuditStore(home).for_visitor(Visitor.signed_in(ALICE)).share(alice_id, [BOB])
    for user, controls in ((ALICE, True), (BOB, False)):
        _header(monkeypatch, user)
        at = _app()
        at.run()
        at.switch_page("pages/saved.py").run()
        assert not at.exception, [error.value for error in at.exception]
        assert [option.split(" (")[0] for option in at.selectbox(key="saved_audit").options] == ["alice's"]
        labels = {expander.label for expander in at.expander}
        assert ({"Share", "History", "Rename or delete"} <= labels) is controls
        assert not ({"Share", "History", "Rename or delete"} & labels) or controls
        assert at.dataframe[0].value["owner"].tolist() == ["you" if controls else ALICE]
        shown = [caption.value.replace("\\", "").replace("\u200b", "") for caption in at.sidebar.caption]
        assert f"Signed in as {user}" in shown and not at.sidebar.button  # behind a proxy, the proxy signs out


def test_a_session_whose_user_changes_starts_afresh(monkeypatch):
    _header(monkeypatch, ALICE)
    at = _app().run()
    at.session_state["save_title"] = "alice's draft title"
    at.run()
    assert at.session_state["save_title"] == "alice's draft title"
    _header(monkeypatch, BOB)
    at.run()
    assert "save_title" not in at.session_state


def test_without_sign_in_a_fresh_session_lists_nothing_and_opens_a_link_it_holds(home):
    team = _real(home, "pipeline", None)
    at = _app()
    at.run()
    at.switch_page("pages/saved.py").run()
    assert not at.selectbox and not at.code
    assert "this page lists the audits saved or opened in this session" in at.info[0].value
    at.text_input(key="open_by_id").set_value(f"http://localhost:8501/?audit={team}").run()
    assert [option.split(" (")[0] for option in at.selectbox(key="saved_audit").options] == ["pipeline"]
    assert {expander.label for expander in at.expander} >= {"Rename or delete"}  # one person's: theirs to manage
    assert "Share" not in {expander.label for expander in at.expander}  # nobody to share with


# Streamlit's OIDC sign-in: the configuration read from the secrets, st.user mapped to a user.
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "s" * 32,
    "client_id": "fairdash",
    "client_secret": "x",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def test_oidc_sign_in_is_on_with_auth_in_the_secrets_and_asks_to_sign_in(monkeypatch):
    at = _app()
    at.secrets["auth"] = AUTH
    monkeypatch.setattr(signin, "_oidc_claims", lambda: {"is_logged_in": False})
    at.run()
    _nothing_but_a_message(at)
    assert at.info[0].value == signin.SIGN_IN_MESSAGE
    assert [button.label for button in at.button] == ["Sign in"]
    plain = _app().run()  # no [auth]: no sign-in, the dashboard as on a laptop
    assert not plain.exception and plain.title[0].value == "Data & model"


def test_an_oidc_user_is_their_email_address(monkeypatch, home):
    AuditStore(home).save(_record("alice's"), owner=ALICE)
    monkeypatch.setattr(signin, "_oidc_claims", lambda: {"is_logged_in": True, "email": "Alice@Example.com", "name": "Alice"})
    at = _app()
    at.secrets["auth"] = AUTH
    at.run()
    at.switch_page("pages/saved.py").run()
    assert not at.exception and at.selectbox(key="saved_audit").options == ["alice's (2026-12-02T10:00)"]
    assert f"Signed in as {ALICE}" in [caption.value.replace("\\", "").replace("\u200b", "") for caption in at.sidebar.caption]
    assert [button.label for button in at.sidebar.button] == ["Sign out"]  # Streamlit's st.logout


@pytest.mark.parametrize(
    "claims, user",
    [
        ({}, None),
        ({"is_logged_in": False, "email": ALICE}, None),
        ({"is_logged_in": True, "email": "Alice@Example.com"}, ALICE),
        ({"is_logged_in": True, "email": ALICE, "email_verified": True}, ALICE),
    ],
)
def test_st_user_maps_to_a_user(claims, user):
    assert signin.user_from_claims(claims) == user


@pytest.mark.parametrize(
    "claims",
    [
        {"is_logged_in": True},
        {"is_logged_in": True, "email": "a@b.c, d@e.f"},
        {"is_logged_in": True, "email": ALICE, "email_verified": False},
    ],
)
def test_an_oidc_identity_without_one_verified_address_is_refused(claims):
    with pytest.raises(InvalidInputError):
        signin.user_from_claims(claims)
