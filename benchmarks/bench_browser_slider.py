"""Threshold moves in chromium: the dashboard's in-browser preview against the HTML report's own slider.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_browser_slider.py [--moves 15]

Needs Debian's chromium (make test installs it). In one run, for each arrow key press, the wall time
until the changed table is on the page:

1. the report's in-page slider (the Adult audit's HTML file, no server): the peer;
2. the dashboard's preview on the Adult demo (15,060 rows): goal within 3x of (1);
3. the dashboard's preview on an uploaded 1,000,000-row x 20-column Parquet table: goal within 1.5x of (2);
4. the settled move (component value back to Python, the fragment rerun, its table redrawn), Adult and 1M;
5. the Over time page's threshold move on the COMPAS log against the Fairness page's settled move on COMPAS:
   goal within 3x.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from browser import CHROMIUM, CHROMIUM_ARGS, choose_demo, open_page, streamlit_server, upload_table_with_scores, wait_until_idle  # noqa: E402
from million_rows import million_row_table  # noqa: E402

# The preview's table, in the report's document or in the component's shadow root (found once, kept).
PREVIEW_TABLE = """() => {
  let root = window.__fdRoot;
  if (!root || !root.isConnected && !(root.host && root.host.isConnected)) {
    root = document.querySelector('#fd-table') ? document : null;
    for (const host of root ? [] : document.querySelectorAll('*')) if (host.shadowRoot && host.shadowRoot.querySelector('#fd-table')) root = host.shadowRoot;
    window.__fdRoot = root;
  }
  const table = root && root.querySelector('#fd-table');
  return table ? table.innerHTML : '';
}"""
# The server's table (st.dataframe) whose cells hold `marker`.
SERVER_TABLE = """marker => {
  const frames = [...document.querySelectorAll('[data-testid="stDataFrame"]')];
  const table = frames.find(frame => frame.textContent.includes(marker));
  return table ? [...table.querySelectorAll('td')].map(cell => cell.textContent).join('|') : '';
}"""


def time_presses(page, slider, read: str, moves: int, *, arg=None, settle: bool = False) -> list[float]:
    """Press an arrow key ``moves`` times on ``slider`` (right, left, right...: a slider at its end, as COMPAS's
    deciles soon are, would not move); each time, the seconds until ``read`` returns something new."""
    page.wait_for_function(f"arg => ({read})(arg).length > 0", arg=arg, timeout=120_000)
    timings = []
    for move in range(moves):
        if settle:
            wait_until_idle(page)
        before = page.evaluate(read, arg)
        slider.focus()
        start = time.perf_counter()
        slider.press("ArrowLeft" if move % 2 else "ArrowRight")
        page.wait_for_function(f"([before, arg]) => ({read})(arg) !== before", arg=[before, arg], polling="raf", timeout=60_000)
        timings.append(time.perf_counter() - start)
    return timings


def report_moves(browser, folder: Path, moves: int) -> list[float]:
    from fairdash.engine.demo import load_demo
    from fairdash.present.report import audit_html
    from fairdash.run import run_audit

    demo = load_demo("adult")
    path = folder / "adult.html"
    path.write_text(audit_html(run_audit(demo.data, demo.spec, demo.model, with_rules=False, explain_rows=0)), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.goto(path.as_uri())
    timings = time_presses(page, page.locator("#fd-threshold"), PREVIEW_TABLE, moves)
    page.close()
    return timings


def dashboard_moves(page, moves: int) -> tuple[list[float], list[float]]:
    """The preview's key-to-table times, then the settled ones (key to the server's table redrawn)."""
    slider = page.locator("#fd-threshold")
    live = time_presses(page, slider, PREVIEW_TABLE, moves)
    settled = time_presses(page, slider, SERVER_TABLE, moves, arg="Selection rate", settle=True)
    return live, settled


def over_time_moves(page, url: str, moves: int) -> list[float]:
    open_page(page, "Over time", "over_time")
    wait_until_idle(page)
    slider = page.get_by_test_id("stSlider").first.get_by_role("slider")
    return time_presses(page, slider, SERVER_TABLE, moves, arg="Selection rate", settle=True)


def line(name: str, timings: list[float]) -> float:
    median = statistics.median(timings)
    print(f"   {name:52s} {median * 1e3:7.0f} ms   (min {min(timings) * 1e3:.0f}, max {max(timings) * 1e3:.0f})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=15)
    moves = parser.parse_args().moves
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=120_000)
    with tempfile.TemporaryDirectory() as name, sync_playwright() as playwright:
        folder = Path(name)
        million_row_table(folder / "million.parquet")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        report = report_moves(browser, folder, moves)
        with streamlit_server(folder / "server.log") as url:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.goto(f"{url}/fairness")
            adult, adult_settled = dashboard_moves(page, moves)
            choose_demo(page, url, "COMPAS")
            open_page(page, "Fairness", "fairness")
            compas_settled = time_presses(
                page, page.locator("#fd-threshold"), SERVER_TABLE, moves, arg="Selection rate", settle=True
            )
            over_time = over_time_moves(page, url, moves)
            upload_table_with_scores(page, url, folder / "million.parquet", "1,000,000")
            open_page(page, "Fairness", "fairness")
            expect(page.get_by_text("1,000,000 rows in 5 groups")).to_be_visible()
            million, million_settled = dashboard_moves(page, moves)
        browser.close()

    print(f"key press -> changed table, median of {moves} presses (one run, chromium)")
    peer = line("report's in-page slider, Adult (peer)", report)
    ours = line("dashboard preview, Adult", adult)
    big = line("dashboard preview, 1,000,000 rows x 20 columns", million)
    settled = line("settled move (to the server's table), Adult", adult_settled)
    line("settled move, 1,000,000 rows", million_settled)
    compas = line("settled move on the Fairness page, COMPAS", compas_settled)
    moved = line("Over time threshold move, COMPAS", over_time)
    print(f"   dashboard / report (Adult)            {ours / peer:5.2f}x  (goal <= 3x)")
    print(f"   dashboard 1M / dashboard Adult         {big / ours:5.2f}x  (goal <= 1.5x)")
    print(f"   settled / live (Adult)                 {settled / ours:5.2f}x  (includes the {250} ms settle pause)")
    print(f"   Over time / Fairness settled (COMPAS)  {moved / compas:5.2f}x  (goal <= 3x)")


if __name__ == "__main__":
    main()
