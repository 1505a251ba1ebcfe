"""End to end, a dashboard a team shares (issue 30): sign-in through an authenticating proxy's header, which Playwright
sends on every request of a browser context (``extra_http_headers``), the websocket's included. No user: a sign-in
message and nothing else. Alice's audit is listed and opens for her only; a team audit for both; once Alice shares it
(on the Saved audits page), Bob opens it; once she takes it back, he does not. (Bob's crafted rename and delete are
refused in the store: tests/test_audit_owners.py and tests/test_signin_pages.py.)"""

from __future__ import annotations

import pytest
from browser import heading, require_chromium, streamlit_server, wait_until_idle, write_scored_table

pytestmark = pytest.mark.browser

ALICE, BOB = "alice@example.com", "bob@example.com"
HEADER = "X-Forwarded-Email"


def _save(table, title: str, owner: str | None) -> str:
    """An audit of the scored table, saved with its file (so that its link reopens it live), for ``owner``."""
    import pandas as pd

    from fairdash.engine.spec import AuditSpec
    from fairdash.run import run_audit
    from fairdash.store.db import AuditStore, StoredFile
    from fairdash.store.saving import save_audit

    spec = AuditSpec(target="outcome", positive_label=1, sensitive=("group",), score="score")
    audit = run_audit(pd.read_csv(table), spec, thresholds=0.5, with_rules=False, data_name=table.name)
    return save_audit(
        AuditStore(),
        audit,
        title=title,
        source={"kind": "upload"},
        owner=owner,
        keep_files=True,
        table=StoredFile(table.name, table.read_bytes()),
    )


def _listed(page) -> list[str]:
    """The titles the Saved audits page's Audit box offers."""
    from playwright.sync_api import expect

    wait_until_idle(page)
    if page.get_by_text("No saved audit to show yet").count():
        return []
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Audit", exact=True))
    box.click()
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    titles = [text.rsplit(" (", 1)[0] for text in options.all_inner_texts()]
    page.keyboard.press("Escape")
    return sorted(titles)


def _opens(page, url: str, audit_id: str) -> bool:
    """Whether the link opens the audit in this context (else the page says "No such audit")."""
    from playwright.sync_api import expect

    page.goto(f"{url}/?audit={audit_id}")
    expect(heading(page, "Data & model")).to_be_visible()
    wait_until_idle(page)
    return page.get_by_text("No such audit").count() == 0


def test_who_sees_which_audit_when_users_sign_in_through_a_proxy(browser, tmp_path, output_dir, monkeypatch):
    from playwright.sync_api import expect

    require_chromium()
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    table = write_scored_table(tmp_path / "applicants.csv", 800, ["north", "south"], seed=4)
    private, team = _save(table, "alice private", ALICE), _save(table, "pipeline", None)
    with streamlit_server(output_dir / "streamlit-team.log", env={"FAIRDASH_USER_HEADER": HEADER}) as url:
        nobody = browser.new_context().new_page()
        nobody.goto(f"{url}/?audit={private}")
        expect(nobody.get_by_text("Sign in to use this dashboard")).to_be_visible()
        wait_until_idle(nobody)
        assert nobody.get_by_test_id("stSidebarNav").count() == 0 and nobody.get_by_test_id("stFileUploader").count() == 0
        assert nobody.get_by_test_id("stSelectbox").count() == 0
        nobody.screenshot(path=str(output_dir / "team-nobody.png"))

        alice = browser.new_context(extra_http_headers={HEADER: ALICE}, viewport={"width": 1280, "height": 1600}).new_page()
        bob = browser.new_context(extra_http_headers={HEADER: BOB}, viewport={"width": 1280, "height": 1600}).new_page()
        alice.goto(f"{url}/saved")
        assert _listed(alice) == ["alice private", "pipeline"]
        bob.goto(f"{url}/saved")
        assert _listed(bob) == ["pipeline"]
        assert _opens(alice, url, private) and _opens(bob, url, team) and _opens(alice, url, team)
        assert not _opens(bob, url, private)
        expect(bob.get_by_text("No such audit")).to_be_visible()

        alice.goto(f"{url}/saved")
        wait_until_idle(alice)
        alice.get_by_test_id("stSelectbox").filter(has=alice.get_by_text("Audit", exact=True)).click()
        alice.get_by_role("option").filter(has_text="alice private").click()
        wait_until_idle(alice)
        alice.locator("summary").filter(has_text="Share").click()  # the expander
        alice.get_by_label("Share with (email addresses)").fill(BOB)
        alice.get_by_label("Share with (email addresses)").press("Enter")
        wait_until_idle(alice)
        alice.get_by_role("button", name="Share", exact=True).click()
        expect(alice.get_by_test_id("stAlertContentSuccess").get_by_text(f"Shared with {BOB}.")).to_be_visible()
        assert _opens(bob, url, private)
        bob.goto(f"{url}/saved")
        assert _listed(bob) == ["alice private", "pipeline"]
        expect(bob.get_by_text("Rename or delete")).to_have_count(0)  # not his to rename or delete

        alice.get_by_role("button", name=f"Take back from {BOB}").click()
        expect(alice.get_by_test_id("stAlertContentSuccess").get_by_text(f"Taken back from {BOB}.")).to_be_visible()
        assert not _opens(bob, url, private)
        alice.screenshot(path=str(output_dir / "team-alice.png"))
        for page in (nobody, alice, bob):
            page.context.close()
