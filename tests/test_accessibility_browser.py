"""Accessibility: axe-core (WCAG 2.0/2.1 A and AA rules) on every page of the dashboard and on the HTML report.

axe-core comes from the pinned PyPI package ``axe-playwright-python`` (requirements-test.txt): only its bundled
``axe.min.js`` is used, injected into the page, so the test needs no network. A serious or critical violation in
fairdash's own content fails the test. What Streamlit itself draws is Streamlit's: a violation node is left out
only when it sits inside one of the Streamlit elements listed in ``STREAMLIT_OWN`` below, each with the reason.
Streamlit scrolls inside its own container, so each page is measured with a viewport as tall as its content
(axe skips what is below the fold)."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import assert_page_is_clean, heading, require_chromium, streamlit_server, wait_until_idle

pytestmark = pytest.mark.browser

PAGES = [
    ("data", "Data & model"),
    ("summary", "Summary"),
    ("fairness", "Fairness"),
    ("subgroups", "Subgroups"),
    ("fixes", "Fixes"),
    ("explain", "Explain"),
    ("rules", "Rules"),
    ("over_time", "Over time"),
    ("report", "Report"),
    ("saved", "Saved audits"),
]
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = {"serious", "critical"}

# Streamlit's own elements, by (axe rule, CSS selector of the element whose inside is Streamlit's). Narrow on purpose:
# a rule listed here is excused only inside these elements, never page-wide.
STREAMLIT_OWN: list[tuple[str, str, str]] = []

# Runs axe, drops the nodes inside Streamlit's own elements (``own``: {rule: [selector, ...]}; the walk up crosses
# shadow roots) and returns the rest as plain data.
AXE_RUN = """async ([tags, own]) => {
  const inside = (element, selector) => {
    for (let node = element; node; node = node.parentElement || (node.getRootNode && node.getRootNode().host) || null) {
      if (node.matches && node.matches(selector)) return true;
    }
    return false;
  };
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, elementRef: true, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.filter(n => !(own[v.id] || []).some(selector => inside(n.element, selector)))
                  .map(n => ({impact: n.impact, target: JSON.stringify(n.target), html: n.html.slice(0, 200),
                              summary: (n.failureSummary || '').split('\\n').slice(1).join(' ').trim()})),
  }));
}"""


def axe_file() -> Path:
    """axe-core's script, as the pinned PyPI package bundles it (no network at test time)."""
    import axe_playwright_python

    return Path(axe_playwright_python.__file__).parent / "axe.min.js"


def serious_violations(page) -> list[dict]:
    """axe's serious and critical violations on the page, without the nodes inside Streamlit's own elements."""
    own: dict[str, list[str]] = {}
    for rule, selector, _reason in STREAMLIT_OWN:
        own.setdefault(rule, []).append(selector)
    page.add_script_tag(path=str(axe_file()))
    violations = page.evaluate(AXE_RUN, [TAGS, own])
    return [violation for violation in violations if violation["impact"] in SERIOUS and violation["nodes"]]


def described(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']} {violation['id']} ({violation['help']}): {len(violation['nodes'])} node(s)")
        lines += [f"    {node['target']}: {node['html']}\n        {node['summary']}" for node in violation["nodes"]]
    return "\n".join(lines)


def as_tall_as_the_page(page) -> None:
    """Grow the viewport to the height of the main container's content (Streamlit scrolls inside it)."""
    height = page.evaluate("""() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stSidebarContent], body')]
                                            .map(e => e.scrollHeight))""")
    page.set_viewport_size({"width": 1280, "height": min(max(int(height) + 100, 1700), 12_000)})


@pytest.fixture(scope="module")
def server(output_dir):
    require_chromium()
    with streamlit_server(output_dir / "streamlit-accessibility.log") as url:
        yield url


@pytest.fixture(scope="module")
def tab(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1700})
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize(("path", "title"), PAGES)
def test_no_serious_violation_on_the_page(server, tab, output_dir, path, title):
    from playwright.sync_api import expect

    tab.set_viewport_size({"width": 1280, "height": 1700})
    tab.goto(server if path == "data" else f"{server}/{path}")
    expect(heading(tab, title)).to_be_visible()
    wait_until_idle(tab)
    assert_page_is_clean(tab)
    as_tall_as_the_page(tab)
    wait_until_idle(tab)
    violations = serious_violations(tab)
    tab.screenshot(path=output_dir / f"a11y-{path}.png", full_page=True)
    assert not violations, f"axe-core on {title}:\n{described(violations)}"


def test_no_serious_violation_in_the_report_file(browser, output_dir):
    from playwright.sync_api import expect

    from fairdash.engine.demo import load_demo
    from fairdash.present.report import audit_html
    from fairdash.run import run_audit

    demo = load_demo("adult")
    audit = run_audit(demo.data, demo.spec, demo.model, data_name="adult", with_rules=False)
    path = output_dir / "report-adult-a11y.html"
    path.write_text(audit_html(audit), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 1700})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(path.as_uri())
    expect(page.locator("#fd-table")).to_contain_text("Female")
    page.set_viewport_size({"width": 1280, "height": min(page.evaluate("document.body.scrollHeight") + 100, 12_000)})
    violations = serious_violations(page)
    page.screenshot(path=output_dir / "a11y-report-file.png", full_page=True)
    page.close()
    assert not violations, f"axe-core on the HTML report:\n{described(violations)}"
