"""End to end in Debian's chromium: the calibration chart and the conflict panel on COMPAS, the subgroup table on
Adult and its button that audits a subgroup against the rest. Screenshots go to test-output/."""

from __future__ import annotations

import pytest
from browser import assert_page_is_clean, choose_demo, heading, open_page, require_chromium, streamlit_server, wait_until_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(output_dir):
    require_chromium()
    with streamlit_server(output_dir / "streamlit-where-unfair.log") as url:
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 2400})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()
    assert dialogs == []


def test_the_calibration_chart_and_the_conflict_on_compas(server, page, output_dir):
    from playwright.sync_api import expect

    choose_demo(page, server, "COMPAS")
    open_page(page, "Fairness", "fairness")
    conflict = page.get_by_test_id("stExpander").filter(has_text="Why the criteria conflict")
    expect(conflict).to_contain_text("42.3% in African-American against 22.0% in Caucasian")
    expect(conflict).to_contain_text("forces an FPR of 37.6%")
    page.get_by_text("Calibration within groups: does a score mean the same for everyone?").click()
    chart = page.get_by_test_id("stPlotlyChart").filter(has_text="Observed positive rate per score value")
    expect(chart).to_be_visible()
    expect(chart).to_contain_text("African-American")
    expect(chart.locator("path.point")).not_to_have_count(0)  # the markers are drawn, not only the axes
    expect(page.get_by_text("Gap in expected calibration error: undefined")).to_be_visible()
    wait_until_idle(page)
    assert_page_is_clean(page)
    chart.scroll_into_view_if_needed()
    page.screenshot(path=output_dir / "browser-calibration-compas.png", full_page=True)
    chart.screenshot(path=output_dir / "browser-calibration-compas-chart.png")
    conflict.scroll_into_view_if_needed()
    conflict.screenshot(path=output_dir / "browser-conflict-compas.png")


def test_the_subgroup_table_on_adult_and_its_audit_against_the_rest(server, page, output_dir):
    from playwright.sync_api import expect

    page.goto(server)
    wait_until_idle(page)
    open_page(page, "Subgroups", "subgroups")
    expect(page.get_by_text("1,510 subgroups tested")).to_be_visible()
    table = page.get_by_test_id("stDataFrame").first
    expect(
        table.locator("td").filter(has_text="education = Prof-school & marital_status = Married-civ-spouse").first
    ).to_be_attached()
    expect(page.get_by_test_id("stPlotlyChart").filter(has_text="Largest gaps against the rest")).to_be_visible()
    wait_until_idle(page)
    assert_page_is_clean(page)
    page.screenshot(path=output_dir / "browser-subgroups-adult.png", full_page=True)

    page.get_by_role("button", name="Audit this subgroup against the rest").click()
    expect(heading(page, "Fairness")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Reference: the rest")
    metrics = page.get_by_test_id("stDataFrame").filter(has_text="Selection rate")
    expect(metrics.locator("td").filter(has_text="the subgroup").first).to_be_attached()
    wait_until_idle(page)
    assert_page_is_clean(page)
    page.screenshot(path=output_dir / "browser-subgroup-audited.png", full_page=True)


def test_script_in_column_names_and_values_stays_text(server, page, output_dir, people, tmp_path):
    """A column named like markup and values that are scripts: the Subgroups page, the subgroup's own column (its
    name made from them) on the Fairness page and the calibration chart show them as text; no dialog opens."""
    from browser import upload_table_with_scores
    from playwright.sync_api import expect

    hostile = people.rename(columns={"race": "<img src=x onerror=alert(1)>"})
    hostile["sex"] = hostile["sex"].map({"female": "</script><script>alert(2)</script>", "male": "<!--<script>"})
    path = tmp_path / "hostile.csv"
    hostile.to_csv(path, index=False)
    upload_table_with_scores(page, server, path, "600")
    open_page(page, "Subgroups", "subgroups")
    expect(page.get_by_text("subgroups tested")).to_be_visible()
    wait_until_idle(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Subgroup").click()
    option = page.get_by_role("option").filter(has_text="</script><script>alert(2)</script>").first
    option.click()
    wait_until_idle(page)
    page.get_by_role("button", name="Audit this subgroup against the rest").click()
    expect(heading(page, "Fairness")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("</script><script>alert(2)</script>")
    page.get_by_text("Calibration within groups: does a score mean the same for everyone?").click()
    expect(page.get_by_test_id("stPlotlyChart").filter(has_text="Calibration within groups")).to_contain_text("the subgroup")
    wait_until_idle(page)
    assert_page_is_clean(page)
    page.screenshot(path=output_dir / "browser-subgroup-hostile.png", full_page=True)
