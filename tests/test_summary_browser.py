"""The Summary page in Debian's chromium: reached from the sidebar right after Data & model, its verdicts said in words."""

from __future__ import annotations

import re

import pytest
from browser import assert_page_is_clean, choose_demo, open_page, require_chromium, streamlit_server, wait_until_idle

from fairdash.run import run_audit
from fairdash.engine.demo import load_demo
from fairdash.present.summary import audit_summary

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(output_dir):
    require_chromium()
    with streamlit_server(output_dir / "streamlit-summary-browser.log") as url:
        yield url


def test_the_summary_page_presents_the_compas_audit(server, browser, output_dir):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})  # a presentation screen
    choose_demo(page, server, "COMPAS")
    links = page.get_by_test_id("stSidebarNav").locator("a").all_inner_texts()
    assert [text.split("\n")[-1] for text in links][:3] == ["Data & model", "Summary", "Fairness"]
    open_page(page, "Summary", "summary")
    wait_until_idle(page)
    assert_page_is_clean(page)
    demo = load_demo("compas")
    expected = audit_summary(run_audit(demo.data, demo.spec, thresholds=5, with_rules=False))
    main = page.get_by_test_id("stMain")
    for line in expected.headline:
        expect(main).to_contain_text(line.sentence)
    expect(main).to_contain_text("Native American (11 rows)")
    for verdict in {line.verdict for line in expected.headline}:  # each verdict is a word on the page, not a colour alone
        expect(main.get_by_text(re.compile(rf"^(\w+ )?{verdict}$")).first).to_be_visible()  # the badge: its icon's name, the word
    expect(main).to_contain_text("What this audit cannot tell")
    page.screenshot(path=output_dir / "browser-summary-compas.png", full_page=False)
    page.get_by_text("Glossary: every term the report uses").click()
    expect(main).to_contain_text("Among people whose actual outcome is positive, the share selected.")
    page.screenshot(path=output_dir / "browser-summary-compas-glossary.png", full_page=True)
    page.close()
