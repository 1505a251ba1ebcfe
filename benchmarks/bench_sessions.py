"""Ten sessions on one server: each uploads its own table and moves its own threshold, all at once, in chromium.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_sessions.py [--sessions 10] [--moves 8] [--rows 20000]

Needs Debian's chromium. Starts `streamlit run` (its store in a temporary FAIRDASH_HOME), opens one browser context per
session (separate cookies and websockets: separate Streamlit sessions), each uploading a table of its own (groups named
after the session) and opening the Fairness page, one after another; then, in every session at the same time (asyncio),
times each ArrowRight on the threshold slider until the page's metric table shows new numbers. Then checks that no session shows another's table,
saves all sessions' audits at the same moment (every save must land in the store), closes the sessions, and prints the
server's resident memory at each stage and the per-move latency: one session alone, then all sessions at once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

TABLE_TEXT = """() => {
  const frames = [...document.querySelectorAll('[data-testid="stDataFrame"]')];
  const table = frames.find(frame => frame.textContent.includes('Selection rate'));
  return table ? [...table.querySelectorAll('td')].map(cell => cell.textContent).join('|') : '';
}"""


def session_table(path: Path, session: int, rows: int) -> None:
    """A table whose groups carry the session's number, so that a page showing another session's data is seen."""
    rng = np.random.default_rng(session)
    outcome = rng.random(rows) < 0.4
    pd.DataFrame({
        "group": rng.choice([f"s{session} north", f"s{session} south", f"s{session} east"], rows),
        "score": np.clip(rng.normal(0.35 + 0.3 * outcome, 0.2), 0, 1).round(4),
        "outcome": outcome.astype(int),
        "income": rng.normal(50, 15, rows).round(1),
    }).to_csv(path, index=False)


def server_rss_mb(port: int) -> float:
    """The resident memory of the `streamlit run` process serving ``port`` (from /proc)."""
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = status.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(command) and str(port).encode() in command:
            for line in (status.parent / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    raise RuntimeError(f"no streamlit process on port {port}")


async def idle(page) -> None:
    from playwright.async_api import expect

    app = page.get_by_test_id("stApp")
    await expect(app).to_have_attribute("data-test-connection-state", "CONNECTED")
    await expect(app).to_have_attribute("data-test-script-state", "notRunning")
    await expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)


async def open_session(browser, url: str, table: Path, rows: int):
    """A new context (a new Streamlit session) with its table uploaded, on the Fairness page."""
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1280, "height": 1400})
    page = await context.new_page()
    await page.goto(url)
    await expect(page.get_by_role("heading", name="Data & model", level=1, exact=True)).to_be_visible()
    await idle(page)
    await page.get_by_text("My own data", exact=True).click()
    await idle(page)
    await page.get_by_text("A column of the table").click()
    await idle(page)
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Table (CSV or Parquet)")
    rows_shown = page.get_by_test_id("stMetric").filter(has_text="Rows").get_by_test_id("stMetricValue")
    for _ in range(3):  # under load, a file given while a rerun starts can be dropped by the uploader: give it again
        await uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(table))
        try:
            await expect(rows_shown).to_have_text(f"{rows:,}", timeout=60_000)
            break
        except AssertionError:
            await idle(page)
    await expect(rows_shown).to_have_text(f"{rows:,}")
    await idle(page)
    await page.get_by_test_id("stSidebarNav").locator('a[href$="/fairness"]').click()
    await expect(page.get_by_role("heading", name="Fairness", level=1, exact=True)).to_be_visible()
    await page.wait_for_function(f"() => ({TABLE_TEXT})().length > 0")
    return context, page


async def time_moves(page, moves: int) -> list[float]:
    slider = page.locator("#fd-threshold")  # the Fairness page's in-browser preview: its settled move reruns the server's table
    timings = []
    for _ in range(moves):
        await idle(page)
        before = await page.evaluate(TABLE_TEXT)
        await slider.focus()
        start = time.perf_counter()
        await slider.press("ArrowRight")
        await page.wait_for_function(f"before => ({TABLE_TEXT})() !== before", arg=before, polling="raf")
        timings.append(time.perf_counter() - start)
    return timings


async def save(page) -> None:
    from playwright.async_api import expect

    await page.get_by_test_id("stSidebarNav").locator('a[href$="/report"]').click()
    await expect(page.get_by_role("heading", name="Report", level=1, exact=True)).to_be_visible()
    await idle(page)
    await page.get_by_role("button", name="Save this audit").click()
    await expect(page.get_by_text("Saved. Its link")).to_be_visible()


def summary(label: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return (f"   {label:38s} median {statistics.median(ordered) * 1e3:6.0f} ms   p90 {p90 * 1e3:6.0f} ms   "
            f"max {ordered[-1] * 1e3:6.0f} ms   ({len(ordered)} moves)")


async def run(sessions: int, moves: int, rows: int) -> None:
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=180_000)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        os.environ["FAIRDASH_HOME"] = str(folder / "home")  # the server inherits it: a store of its own
        tables = [folder / f"table_{number}.csv" for number in range(sessions)]
        for number, path in enumerate(tables):
            session_table(path, number, rows)
        with streamlit_server(folder / "server.log") as url:
            port = int(url.rsplit(":", 1)[1])
            memory = [("server started", server_rss_mb(port))]
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                alone_context, alone_page = await open_session(browser, url, tables[0], rows)
                alone = await time_moves(alone_page, moves)
                await alone_context.close()
                memory.append(("after one session", server_rss_mb(port)))
                # Opened one after another (ten uploads started in the same second lost a file in the uploader, twice out of
                # two runs: not diagnosed yet); all stay open, and then all move at once.
                opened = [await open_session(browser, url, table, rows) for table in tables]
                memory.append((f"{sessions} sessions, tables uploaded", server_rss_mb(port)))
                together = await asyncio.gather(*(time_moves(page, moves) for _, page in opened))
                memory.append((f"{sessions} sessions, after the moves", server_rss_mb(port)))
                leaks = []
                for number, (_, page) in enumerate(opened):
                    text = await page.inner_text("body")
                    leaks += [(number, other) for other in range(sessions) if other != number and f"s{other} north" in text]
                await asyncio.gather(*(save(page) for _, page in opened))
                for context, _ in opened:
                    await context.close()
                await browser.close()
            await asyncio.sleep(5)
            memory.append(("sessions closed (5 s later)", server_rss_mb(port)))
        with sqlite3.connect(folder / "home" / "audits.sqlite") as connection:
            saved = connection.execute("SELECT count(*) FROM audits").fetchone()[0]

    print(f"{sessions} sessions at once on one server, each its own {rows:,}-row table; threshold move -> updated metric table")
    print(summary("one session alone", alone))
    print(summary(f"{sessions} sessions moving at once (all)", [t for timings in together for t in timings]))
    print(f"   ratio of medians {statistics.median([t for ts in together for t in ts]) / statistics.median(alone):.1f}x "
          f"(2 CPUs shared by the server, chromium and this script)")
    print("server memory (resident):")
    for label, megabytes in memory:
        print(f"   {label:38s} {megabytes:7.0f} MB")
    print(f"isolation: {'no session showed another session table' if not leaks else f'LEAKS {leaks}'}")
    print(f"saves at the same moment: {saved} of {sessions} landed in the store")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--moves", type=int, default=8)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    asyncio.run(run(args.sessions, args.moves, args.rows))


if __name__ == "__main__":
    main()
