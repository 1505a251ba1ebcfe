"""End to end, a tab's draft: upload and move the threshold without saving, reload: the upload and the numbers come back;
another tab and another browser on the same server start fresh, and the URL never carries the draft."""

from __future__ import annotations

import pytest
from browser import (
    assert_page_is_clean,
    fairness_numbers,
    heading,
    open_page,
    require_chromium,
    streamlit_server,
    upload_table_with_scores,
    wait_until_idle,
    write_scored_table,
)

pytestmark = pytest.mark.browser


def test_a_reload_keeps_the_unsaved_work_and_no_other_tab_sees_it(browser, tmp_path, output_dir, monkeypatch):
    from playwright.sync_api import expect

    require_chromium()
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    table = write_scored_table(tmp_path / "loans.csv", 2000, ["north", "south"], column="region", seed=5)

    with streamlit_server(output_dir / "streamlit-drafts.log") as url:
        context = browser.new_context(viewport={"width": 1280, "height": 1500})
        page = context.new_page()
        upload_table_with_scores(page, url, table, "2,000")
        open_page(page, "Fairness", "fairness")
        slider = page.locator("#fd-threshold")
        slider.focus()
        for _ in range(4):
            slider.press("ArrowLeft")
        expect(page.locator("#fd-threshold-value")).not_to_have_text("0.5000")
        page.wait_for_timeout(1000)  # the move settles and the server reruns the page's fragment, which writes the draft
        wait_until_idle(page)
        before = fairness_numbers(page)
        assert "draft" not in page.url and "audit=" not in page.url  # nothing of the draft in what could be sent

        draft_id = page.evaluate("sessionStorage.getItem('fairdash-draft')")
        page.reload()
        expect(heading(page, "Fairness")).to_be_visible()
        expect(page.get_by_test_id("stSidebar")).to_contain_text("loans.csv", timeout=30_000)
        expect(page.locator("#fd-threshold-value")).to_have_text(before[-1], timeout=30_000)
        assert fairness_numbers(page) == before
        assert page.evaluate("sessionStorage.getItem('fairdash-draft')") == draft_id  # a reload is no twin of itself
        assert_page_is_clean(page)
        page.screenshot(path=str(output_dir / "browser-draft-after-reload.png"), full_page=True)

        # A tab opened from this one starts with a copy of its storage (so does "Duplicate tab"): it takes its own id and a
        # copy of the work, and its moves never reach this tab's draft.
        with context.expect_page() as opened:
            page.evaluate("window.open(location.href)")
        twin = opened.value
        expect(twin.get_by_test_id("stSidebar")).to_contain_text("loans.csv", timeout=30_000)
        expect(twin.locator("#fd-threshold-value")).to_have_text(before[-1], timeout=30_000)
        ids = [tab.evaluate("sessionStorage.getItem('fairdash-draft')") for tab in (page, twin)]
        assert len(set(ids)) == 2 and all(len(draft_id) == 24 for draft_id in ids)
        wait_until_idle(twin)
        twin.locator("#fd-threshold").focus()
        for _ in range(6):
            twin.locator("#fd-threshold").press("ArrowLeft")
        expect(twin.locator("#fd-threshold-value")).not_to_have_text(before[-1])
        twin.wait_for_timeout(1000)
        wait_until_idle(twin)
        twin.close()
        page.reload()
        expect(page.locator("#fd-threshold-value")).to_have_text(before[-1], timeout=30_000)
        assert fairness_numbers(page) == before

        for other in (context.new_page(), browser.new_context().new_page()):  # another tab; another browser
            other.goto(f"{url}/fairness")
            expect(heading(other, "Fairness")).to_be_visible()
            wait_until_idle(other)
            other.wait_for_timeout(1500)  # time for a binding to arrive, were there one to bring the draft
            wait_until_idle(other)
            expect(other.get_by_test_id("stSidebar")).not_to_contain_text("loans.csv")
            assert_page_is_clean(other)
        context.close()
