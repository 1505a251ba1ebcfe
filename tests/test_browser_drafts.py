"""End to end, a tab's draft: upload and move the threshold without saving, reload: the upload and the numbers come back;
another tab and another browser on the same server start fresh, and the URL never carries the draft."""

from __future__ import annotations

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
        # The move settles and the server reruns the page's fragment, which writes the draft.
        home = tmp_path / "home"
        wait_for_draft(home, draft_id(page), threshold_is(page.locator("#fd-threshold-value").inner_text()))
        before = poll(lambda: fairness_numbers(page), lambda numbers: True, what="the Fairness page after the move")
        assert "draft" not in page.url and "audit=" not in page.url  # nothing of the draft in what could be sent

        first_id = draft_id(page)
        page.reload()
        expect(heading(page, "Fairness")).to_be_visible()
        expect(page.get_by_test_id("stSidebar")).to_contain_text("loans.csv", timeout=30_000)
        expect(page.locator("#fd-threshold-value")).to_have_text(before[-1], timeout=30_000)
        assert fairness_numbers(page) == before
        assert draft_id(page) == first_id  # a reload is no twin of itself
        assert_page_is_clean(page)
        page.screenshot(path=str(output_dir / "browser-draft-after-reload.png"), full_page=True)

        # A tab opened from this one starts with a copy of its storage (so does "Duplicate tab"): it takes its own id and a
        # copy of the work, and its moves never reach this tab's draft.
        with context.expect_page() as opened:
            page.evaluate("window.open(location.href)")
        twin = opened.value
        expect(twin.get_by_test_id("stSidebar")).to_contain_text("loans.csv", timeout=30_000)
        expect(twin.locator("#fd-threshold-value")).to_have_text(before[-1], timeout=30_000)
        ids = [draft_id(tab) for tab in (page, twin)]
        assert len(set(ids)) == 2 and all(len(tab_id) == 24 for tab_id in ids)
        wait_until_idle(twin)
        twin.locator("#fd-threshold").focus()
        for _ in range(6):
            twin.locator("#fd-threshold").press("ArrowLeft")
        expect(twin.locator("#fd-threshold-value")).not_to_have_text(before[-1])
        wait_for_draft(home, ids[1], threshold_is(twin.locator("#fd-threshold-value").inner_text()))
        wait_until_idle(twin)
        assert threshold_is(before[-1])(wait_for_draft(home, ids[0]))  # the twin's move never reached this tab's draft
        twin.close()
        page.reload()
        expect(page.locator("#fd-threshold-value")).to_have_text(before[-1], timeout=30_000)
        assert fairness_numbers(page) == before

        for other in (context.new_page(), browser.new_context().new_page()):  # another tab; another browser
            other.goto(f"{url}/fairness")
            expect(heading(other, "Fairness")).to_be_visible()
            # The tab binds its own new draft (a fresh session's draft is written after the run that follows the binding):
            # past that run, a binding that brought another tab's draft would have brought it.
            poll(lambda: draft_id(other), lambda tab_id: tab_id is not None and tab_id not in ids, what="the new tab's draft id")
            wait_for_draft(home, draft_id(other))
            wait_until_idle(other)
            expect(other.get_by_test_id("stSidebar")).not_to_contain_text("loans.csv")
            assert_page_is_clean(other)
        context.close()
