"""Items 1, 5 and 6 in a real browser: no script runs from a label, no label renders as markup, no
request leaves the machine."""

from __future__ import annotations

from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest
from browser import (
    assert_page_is_clean,
    open_page,
    streamlit_server,
    upload_table_with_scores,
    wait_until_idle,
)
from payloads import MARKDOWN_PAYLOADS, SCRIPT_PAYLOADS

pytestmark = pytest.mark.browser

GROUP_COLUMN = "$x^2$ **sex**"
LABELS = SCRIPT_PAYLOADS + MARKDOWN_PAYLOADS


def _hostile_table() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = 40 * len(LABELS)
    return pd.DataFrame(
        {
            GROUP_COLUMN: np.repeat(LABELS, 40),
            "income": rng.normal(50, 10, rows).round(1),
            "hired": rng.integers(0, 2, rows),
            "score": rng.random(rows).round(3),
        }
    )


class Watch:
    """Everything a page does that a hostile input could cause: dialogs, page errors, requests that leave."""

    def __init__(self, page) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", self._request)
        # Nothing may depend on the network: any request that would leave is also aborted.
        page.route("**/*", lambda route: route.continue_() if self._local(route.request.url) else route.abort())

    @staticmethod
    def _local(url: str) -> bool:
        parsed = urlparse(url)
        return parsed.scheme in ("file", "data", "blob", "about") or parsed.hostname in ("127.0.0.1", "localhost")

    def _request(self, request) -> None:
        if not self._local(request.url):
            self.outside.append(request.url)


def test_the_report_runs_no_script_from_a_label_and_stays_alive(browser, tmp_path, output_dir):
    from playwright.sync_api import expect

    from fairdash.engine.spec import AuditSpec
    from fairdash.present.report import audit_html
    from fairdash.run import run_audit

    table = _hostile_table()
    audit = run_audit(
        table, AuditSpec(target="hired", positive_label=1, sensitive=(GROUP_COLUMN,), score="score"), with_rules=False
    )
    path = tmp_path / "hostile-report.html"
    path.write_text(audit_html(audit), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 1700})
    watch = Watch(page)
    page.goto(path.as_uri())
    live = page.locator("#fd-table")
    for label in LABELS:  # each label shown as the text it is
        expect(live.locator("td", has_text=label).first).to_have_text(label)
    before = live.inner_text()
    slider = page.locator("#fd-threshold")
    slider.focus()
    for _ in range(30):
        slider.press("ArrowLeft")
    expect(live).not_to_have_text(before)  # the live part still works
    page.locator("#fd-mode-groups").check()
    assert sorted(page.locator("#fd-groups label").all_inner_texts()) == sorted(LABELS)
    page.screenshot(path=output_dir / "hostile-report.png", full_page=True)
    page.close()
    assert watch.dialogs == [] and watch.errors == [] and watch.outside == []


def test_the_dashboard_shows_hostile_labels_as_text_and_stays_offline(browser, tmp_path, output_dir):
    from playwright.sync_api import expect

    path = tmp_path / "hostile.csv"
    _hostile_table().to_csv(path, index=False)
    with streamlit_server(output_dir / "streamlit-hostile.log") as url:
        page = browser.new_page(viewport={"width": 1280, "height": 1700})
        watch = Watch(page)
        upload_table_with_scores(page, url, path, f"{40 * len(LABELS):,}")
        main = page.get_by_test_id("stMain")
        # The column name is shown as it is written: no bold, no LaTeX.
        expect(main.get_by_text(f"of {GROUP_COLUMN}", exact=False)).to_have_count(1)
        assert_page_is_clean(page)
        page.screenshot(path=output_dir / "hostile-data.png", full_page=True)

        open_page(page, "Fairness", "fairness")
        wait_until_idle(page)
        # The sentences name groups: each shows literally, none as markup.
        expect(main.get_by_text(SCRIPT_PAYLOADS[0], exact=False).first).to_be_visible()
        assert_page_is_clean(page)
        # The in-browser preview puts the labels into its HTML: each is text there too.
        page.locator("#fd-mode-groups").check()
        expect(page.locator("#fd-groups label")).to_have_count(len(LABELS))
        assert sorted(page.locator("#fd-groups label").all_inner_texts()) == sorted(LABELS)
        assert sorted(page.locator("#fd-live-matrices .matrix-title").all_inner_texts()) == sorted(LABELS)
        wait_until_idle(page)
        page.screenshot(path=output_dir / "hostile-fairness.png", full_page=True)
        assert main.locator(".katex").count() == 0
        assert main.locator("strong", has_text="bold").count() == 0
        assert main.locator('img[src*="example.com"]').count() == 0
        assert main.locator('a[href*="example.com"]').count() == 0  # no link made of a label either

        open_page(page, "Report", "report")
        wait_until_idle(page)
        assert_page_is_clean(page)
        page.close()
    assert watch.dialogs == [] and watch.errors == [], (watch.dialogs, watch.errors)
    assert watch.outside == [], watch.outside  # no web font, no remote image, nothing
