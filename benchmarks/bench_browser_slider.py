"""Latency of a threshold slider move in the real dashboard: Adult demo against a 1,000,000-row table.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_browser_slider.py [--moves 15]

Needs Debian's chromium (make test installs it). Starts `streamlit run` on a free port, opens the
Fairness page in headless chromium, and times, for each ArrowRight key press on the slider, the wall
time until the per-group metric table on the page shows new numbers. Prints the median for the Adult
demo (15,060 rows) and for a generated table of 1,000,000 rows x 20 columns uploaded as Parquet, and their ratio
(goal: at most 1.5x, i.e. the page's cost does not grow with the rows).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server, upload_table_with_scores, wait_until_idle  # noqa: E402

TABLE_TEXT = """() => {
  const frames = [...document.querySelectorAll('[data-testid="stDataFrame"]')];
  const table = frames.find(frame => frame.textContent.includes('Selection rate'));
  return table ? [...table.querySelectorAll('td')].map(cell => cell.textContent).join('|') : '';
}"""


def million_row_table(path: Path, rows: int = 1_000_000) -> None:
    """20 columns: the group, the score, the outcome and 17 others (numbers and text) a real table carries."""
    rng = np.random.default_rng(0)
    group = rng.choice(["group A", "group B", "group C", "group D", "group E"], rows)
    outcome = rng.random(rows) < 0.4
    score = np.clip(rng.normal(0.35 + 0.3 * outcome, 0.2), 0, 1).round(4)
    columns = {"group": group, "score": score, "outcome": outcome.astype(int)}
    columns.update({f"measure_{k}": rng.normal(50, 15, rows).round(1) for k in range(8)})
    columns.update({f"count_{k}": rng.poisson(3 + k, rows) for k in range(6)})
    columns.update({f"code_{k}": rng.choice([f"c{j}" for j in range(20 + 10 * k)], rows) for k in range(3)})
    pd.DataFrame(columns).to_parquet(path)


def time_moves(page, moves: int) -> list[float]:
    from playwright.sync_api import expect

    slider = page.get_by_test_id("stSlider").first.get_by_role("slider")
    expect(page.get_by_test_id("stMetricValue")).to_have_count(4)
    page.wait_for_function(f"() => ({TABLE_TEXT})().length > 0")
    timings = []
    for _ in range(moves):
        wait_until_idle(page)
        before = page.evaluate(TABLE_TEXT)
        slider.focus()
        start = time.perf_counter()
        slider.press("ArrowRight")
        page.wait_for_function(f"before => ({TABLE_TEXT})() !== before", arg=before, polling="raf")
        timings.append(time.perf_counter() - start)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=15)
    moves = parser.parse_args().moves
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=120_000)
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        big = Path(folder) / "million.parquet"
        million_row_table(big)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with streamlit_server(Path(folder) / "server.log") as url:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.goto(f"{url}/fairness")
            expect(page.get_by_role("heading", name="Fairness", level=1, exact=True)).to_be_visible()
            adult = time_moves(page, moves)

            upload_table_with_scores(page, url, big, "1,000,000")
            page.get_by_test_id("stSidebarNav").get_by_text("Fairness").click()
            expect(page.get_by_role("heading", name="Fairness", level=1, exact=True)).to_be_visible()
            expect(page.get_by_text("1,000,000 rows in 5 groups")).to_be_visible()
            million = time_moves(page, moves)
        browser.close()

    adult_median, million_median = statistics.median(adult), statistics.median(million)
    print(f"slider move -> updated table, median of {moves} moves")
    print(f"   Adult demo (15,060 rows)   {adult_median * 1e3:7.0f} ms   (min {min(adult) * 1e3:.0f}, max {max(adult) * 1e3:.0f})")
    print(f"   1,000,000 rows x 20 cols {million_median * 1e3:7.0f} ms   (min {min(million) * 1e3:.0f}, max {max(million) * 1e3:.0f})")
    print(f"   ratio {million_median / adult_median:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()
