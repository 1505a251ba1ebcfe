"""End to end: the Explain page's counterfactual panel and recourse view in Debian's chromium, driven by Playwright."""

from __future__ import annotations

import re

import pytest
from browser import assert_page_is_clean, heading, require_chromium, streamlit_server, wait_until_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(output_dir):
    require_chromium()
    with streamlit_server(output_dir / "streamlit-counterfactual-tests.log") as url:
        yield url


def test_counterfactual_panel_and_recourse_in_the_browser(server, browser, output_dir):
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1280, "height": 2200}).new_page()
    page.goto(f"{server}/explain")
    expect(heading(page, "Explain")).to_be_visible()
    wait_until_idle(page)
    page.get_by_test_id("stCheckbox").get_by_text("Compute SHAP values").click()
    expect(page.get_by_test_id("stPlotlyChart").filter(has_text="SHAP values by feature").last).to_be_visible()
    wait_until_idle(page)
    page.get_by_text("One person", exact=True).click()
    expect(page.get_by_role("heading", name="What would change the decision")).to_be_visible()
    table = page.get_by_test_id("stTable").filter(has_text="changes (from → to)")
    expect(table).to_be_visible()
    wait_until_idle(page)
    assert_page_is_clean(page)
    shown = page.get_by_test_id("stMarkdown").filter(has_text="against threshold").first.inner_text()
    score = float(re.search(r"Score ([0-9.]+) against threshold 0\.5", shown).group(1))
    rows = table.locator("tbody tr")
    assert 1 <= rows.count() <= 3
    for position in range(rows.count()):
        cells = rows.nth(position).locator("td")
        assert "→" in cells.nth(0).inner_text() and "sex:" not in cells.nth(0).inner_text()
        assert (float(cells.nth(1).inner_text()) >= 0.5) != (score >= 0.5)  # the other decision
    expect(page.get_by_text("Nearest real row with the other decision")).to_be_visible()
    page.get_by_test_id("stExpander").get_by_text("Constraints: what may change, and how").click()
    constraints = page.get_by_test_id("stExpander").filter(has_text="Constraints")
    expect(constraints).to_contain_text("Never changed: the sensitive attribute(s) sex")
    expect(constraints.get_by_test_id("stDataFrame")).to_be_visible()  # the ranges' editor (drawn lazily)
    wait_until_idle(page)
    # The editor's canvas is drawn after it is laid out: wait until it has a size and some painted pixel.
    page.wait_for_function(
        """(expander) => [...expander.querySelectorAll('[data-testid="stDataFrame"] canvas')].some((canvas) => {
        if (!canvas.width || !canvas.height) return false;
        const context = canvas.getContext("2d");  // glide-data-grid, Streamlit's table, draws in 2D
        if (!context) return false;
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let index = 3; index < pixels.length; index += 4) if (pixels[index] !== 0) return true;
        return false;
    })""",
        arg=constraints.element_handle(),
        timeout=30_000,
    )
    constraints.screenshot(path=output_dir / "browser-explain-constraints.png")
    page.screenshot(path=output_dir / "browser-explain-counterfactuals.png", full_page=True)

    page.get_by_text("Recourse by group", exact=True).click()
    page.get_by_test_id("stCheckbox").get_by_text("Compute recourse by group").click()
    burden = page.get_by_test_id("stTable").filter(has_text="burden (95% interval)")
    expect(burden).to_be_visible(timeout=180_000)
    wait_until_idle(page)
    assert_page_is_clean(page)
    expect(burden.locator("tbody tr")).to_have_count(2)
    expect(burden).to_contain_text("Female")
    expect(page.get_by_test_id("stMetric").filter(has_text="Burden ratio (smallest / largest)")).to_be_visible()
    page.screenshot(path=output_dir / "browser-explain-recourse.png", full_page=True)
    page.close()
