"""End to end: the Data balance view in Debian's chromium with a table uploaded and no model chosen, its numbers against
the library's, a hostile group label shown as text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from browser import (
    assert_page_is_clean,
    heading,
    require_chromium,
    streamlit_server,
    uploader,
    wait_until_idle,
)

from fairdash.engine.balance import data_balance

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)> **b**"


@pytest.fixture(scope="module")
def server(output_dir):
    require_chromium()
    with streamlit_server(output_dir / "streamlit-balance-browser.log") as url:
        yield url


def test_the_data_balance_view_with_no_model_chosen(server, browser, tmp_path, output_dir):
    from playwright.sync_api import expect

    rng = np.random.default_rng(8)
    n = 500
    group = rng.choice([HOSTILE, "plain"], n, p=[0.3, 0.7])
    table = pd.DataFrame(
        {
            "group": group,
            "dept": rng.choice(["A", "B"], n),
            "hours": rng.normal(40, 5, n) - 5 * (group == HOSTILE),
            "hired": np.where(rng.random(n) < np.where(group == HOSTILE, 0.2, 0.5), "yes", "no"),
        }
    )
    path = tmp_path / "people.csv"
    table.to_csv(path, index=False)
    expected = data_balance(table, target="hired", positive_label="yes", sensitive="group")

    context = browser.new_context(viewport={"width": 1280, "height": 2200})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(server)
        expect(heading(page, "Data & model")).to_be_visible()
        wait_until_idle(page)
        page.get_by_text("My own data", exact=True).click()
        uploader(page, "Table (CSV or Parquet)").set_input_files(str(path))
        expect(page.get_by_role("heading", name="Data balance")).to_be_visible()
        wait_until_idle(page)
        expect(page.get_by_test_id("stAlertContentInfo")).to_contain_text("Upload the model file")  # no model chosen
        difference, ratio = expected.base_rate_disparities["difference"], expected.base_rate_disparities["ratio"]
        expect(page.get_by_test_id("stMarkdown").filter(has_text="Base rate difference")).to_contain_text(
            f"Base rate difference {difference:.3f} (95% interval"
        )
        expect(page.get_by_test_id("stMarkdown").filter(has_text="Base rate difference")).to_contain_text(
            f"base rate ratio {ratio:.3f}"
        )
        page.get_by_test_id("stMultiSelect").filter(has_text="Hold equal").click()
        page.get_by_role("option").filter(has_text="dept").click()
        page.keyboard.press("Escape")
        expect(page.get_by_text("Given dept")).to_be_visible()
        wait_until_idle(page)
        expect(page.get_by_test_id("stMarkdown").filter(has_text="Over all rows, " + HOSTILE)).to_have_count(1)
        assert page.locator("img[src='x']").count() == 0 and not dialogs
        assert_page_is_clean(page)
        page.screenshot(path=output_dir / "browser-data-balance.png", full_page=True)
    finally:
        context.close()
