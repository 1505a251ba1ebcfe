"""End to end, saved audits: upload, move the threshold, save with the files, reload, restart the server, open the link in
a fresh browser context: the same numbers each time."""

from __future__ import annotations

import re

import pytest
from browser import (
    assert_page_is_clean,
    draft_id,
    fairness_numbers,
    heading,
    open_page,
    poll,
    require_chromium,
    streamlit_server,
    threshold_is,
    upload_table_with_scores,
    wait_for_draft,
    wait_until_idle,
    write_scored_table,
)

pytestmark = pytest.mark.browser


def test_upload_save_reload_restart_and_open_the_link_elsewhere(browser, tmp_path, output_dir, monkeypatch):
    from playwright.sync_api import expect

    require_chromium()
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))  # the servers below inherit it
    table = write_scored_table(tmp_path / "applicants.csv", 3000, ["north", "south", "east"], seed=3)

    with streamlit_server(output_dir / "streamlit-saved-1.log") as url:
        context = browser.new_context(viewport={"width": 1280, "height": 1700})
        page = context.new_page()
        upload_table_with_scores(page, url, table, "3,000")
        open_page(page, "Fairness", "fairness")
        slider = page.locator("#fd-threshold")  # the in-browser preview's slider
        slider.focus()
        for _ in range(3):
            slider.press("ArrowRight")
        expect(page.locator("#fd-threshold-value")).not_to_have_text("0.5000")
        # The move settles (a quarter second) and the server reruns the page's fragment, which writes the tab's draft.
        wait_for_draft(tmp_path / "home", draft_id(page), threshold_is(page.locator("#fd-threshold-value").inner_text()))
        before = poll(lambda: fairness_numbers(page), lambda numbers: True, what="the Fairness page after the move")
        open_page(page, "Report", "report")
        page.get_by_text("Keep the uploaded table and model with it").click()
        wait_until_idle(page)
        page.get_by_role("button", name="Save this audit").click()
        expect(page.get_by_text("Saved. Its link")).to_be_visible()
        link = page.get_by_test_id("stCode").last.inner_text().strip()
        audit_id = re.search(r"\?audit=([A-Za-z0-9_-]{24})$", link).group(1)
        assert f"audit={audit_id}" in page.url

        page.reload()  # the session is gone; the link in the URL brings the audit back
        expect(heading(page, "Report")).to_be_visible()
        open_page(page, "Fairness", "fairness")
        assert fairness_numbers(page) == before
        assert_page_is_clean(page)
        context.close()

    with streamlit_server(output_dir / "streamlit-saved-2.log") as url:  # a restarted server
        fresh = browser.new_context(viewport={"width": 1280, "height": 1700})  # a colleague: no cookies, no session
        page = fresh.new_page()
        page.goto(f"{url}/fairness?audit={audit_id}")
        expect(heading(page, "Fairness")).to_be_visible()
        assert fairness_numbers(page) == before
        expect(page.get_by_test_id("stSidebar")).to_contain_text("applicants.csv")
        assert_page_is_clean(page)
        page.goto(f"{url}/?audit=..%2F..%2Fetc")
        expect(page.get_by_text("No such audit")).to_be_visible()
        fresh.close()


def test_an_unknown_link_keeps_saying_so_after_the_tab_binds_its_draft(browser, tmp_path, output_dir, monkeypatch):
    """The tab's draft binding reruns the script at once; the message used to vanish with that rerun, leaving the demo on
    screen as if it were the linked audit (probe 2026-12b/16)."""
    from playwright.sync_api import expect

    require_chromium()
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    with streamlit_server(output_dir / "streamlit-unknown-link.log") as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/?audit=AAAAAAAAAAAAAAAAAAAAAAAA")
        page.wait_for_function("() => sessionStorage.getItem('fairdash-draft') !== null")  # the binding has reported
        expect(page.get_by_test_id("stSidebar")).to_contain_text("Adult")  # the sidebar's summary: the run after it
        wait_until_idle(page)
        expect(page.get_by_text("No such audit")).to_be_visible()
        assert "audit=AAAAAAAAAAAAAAAAAAAAAAAA" in page.url
        page.screenshot(path=str(output_dir / "unknown-link.png"))
        page.close()
