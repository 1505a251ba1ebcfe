"""Many sessions on one server, in chromium: isolation, per-move latency, concurrent saves, and memory over a long run.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_sessions.py [--sessions 10] [--moves 8] [--rows 20000]
                                                                    [--rounds 30] [--churn 3] [--round-moves 2]

Needs Debian's chromium; takes about 10 minutes with the defaults (2 CPUs). Starts `streamlit run` (its store in a
temporary FAIRDASH_HOME) and opens one browser context per session (separate cookies, websockets and sessionStorage:
separate Streamlit sessions and drafts), each uploading a table of its own (groups named after the session, "s3 north")
and opening the Fairness page. Phases:

1. one session alone: times each ArrowRight on the threshold slider until the page's metric table shows new numbers;
2. ``--sessions`` sessions, opened one after another, all moving at once (asyncio), timed the same way; then every
   session saves its audit at the same moment (every save must land in the store);
3. the long run (``--rounds``, 0 to skip): each round closes the ``--churn`` oldest sessions, opens as many new ones,
   each with a new table of its own (new data: new cache entries), moves every open session's threshold
   ``--round-moves`` times at once, and samples the server's resident memory (RSS).

It prints, as each round ends, the RSS, the sessions connected and the MB of uploaded files Streamlit holds (from its
/_stcore/metrics: a closed tab's session and its uploads are kept 2 minutes for a reconnect), and the round's median
move; then the per-move latency alone and all at once, the RSS at each stage, and whether memory levels off: the
least-squares slope (MB per round) of the RSS and of its peak so far over the last third of the rounds against the
first third (RSS saws up and down as freed memory is reused, so the verdict reads the peak). Then whether any session
ever showed another's table, how many of the simultaneous saves landed, and whether each session's draft (the store's
`drafts` table) is its own: one row per session, naming that session's table, its kept file holding that session's
groups and no other's, its threshold the one that session's page showed. A move whose table does not change within
120 s, or (in the long run) a session whose upload never lands, is said on stderr and the run goes on.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
DRAFT_ID = "() => window.sessionStorage.getItem('fairdash-draft')"  # fairdash/ui/drafts.py: the tab's draft id


@dataclass
class Session:
    """One browser context on the server: its number (its groups are "s<number> north"...), its table, its page."""

    number: int
    table: Path
    context: Any
    page: Any


@dataclass(frozen=True)
class ClosedSession:
    """What a session left behind for the draft check: its draft id, its table, the threshold its page showed."""

    number: int
    table_name: str
    draft_id: str | None
    shown_threshold: str


def session_table(path: Path, session: int, rows: int) -> None:
    """A table whose groups carry the session's number, so that a page showing another session's data is seen."""
    rng = np.random.default_rng(session)
    outcome = rng.random(rows) < 0.4
    pd.DataFrame(
        {
            "group": rng.choice([f"s{session} north", f"s{session} south", f"s{session} east"], rows),
            "score": np.clip(rng.normal(0.35 + 0.3 * outcome, 0.2), 0, 1).round(4),
            "outcome": outcome.astype(int),
            "income": rng.normal(50, 15, rows).round(1),
        }
    ).to_csv(path, index=False)


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


def server_holdings(url: str) -> dict[str, float]:
    """What Streamlit's /_stcore/metrics says the server holds: the sessions connected, and the MB of uploaded files and
    of media files (download buttons' data) in its file managers (a closed session's stay: see the README's many users)."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=30) as response:
        lines = response.read().decode().splitlines()
    found = {"sessions connected": 0.0, "uploaded files MB": 0.0, "media files MB": 0.0}
    for line in lines:
        name, _, value = line.rpartition(" ")
        if name == "active_sessions":
            found["sessions connected"] = float(value)
        elif name.startswith("cache_memory_bytes") and "UploadedFileManager" in name:
            found["uploaded files MB"] += float(value) / 2**20
        elif name.startswith("cache_memory_bytes") and "st_memory_media_file_storage" in name:
            found["media files MB"] += float(value) / 2**20
    return found


async def idle(page) -> None:
    from playwright.async_api import expect

    app = page.get_by_test_id("stApp")
    await expect(app).to_have_attribute("data-test-connection-state", "CONNECTED")
    await expect(app).to_have_attribute("data-test-script-state", "notRunning")
    await expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)


async def upload_table(page, table: Path, rows: int) -> None:
    """On the Data & model page: my own data, the score a column of the table, the table given to the uploader."""
    from playwright.async_api import expect

    await page.get_by_text("My own data", exact=True).click()
    await idle(page)
    await page.get_by_text("A column of the table").click()
    await idle(page)
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Table (CSV or Parquet)")
    rows_shown = page.get_by_test_id("stMetric").filter(has_text="Rows").get_by_test_id("stMetricValue")
    seen: list[str] = []  # what the page met while uploading, printed when the upload never lands
    page.on(
        "response",
        lambda response: (
            seen.append(f"{response.status} {response.request.method} {response.url}") if "upload_file" in response.url else None
        ),
    )
    page.on("console", lambda message: seen.append(f"console {message.type}: {message.text}"))
    page.on("requestfailed", lambda request: seen.append(f"failed {request.method} {request.url} {request.failure}"))
    for attempt in range(3):  # under load, a file given while a rerun starts can be dropped by the uploader: give it again
        await uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(table))
        try:
            await expect(rows_shown).to_have_text(f"{rows:,}", timeout=60_000)
            break
        except AssertionError:
            print(
                f"   {table.name}: upload {attempt + 1} not shown after 60 s; the page met: {seen}", file=sys.stderr, flush=True
            )
            await idle(page)
    await expect(rows_shown).to_have_text(f"{rows:,}")
    await idle(page)


async def to_fairness(page) -> None:
    from playwright.async_api import expect

    await page.get_by_test_id("stSidebarNav").locator('a[href$="/fairness"]').click()
    await expect(page.get_by_role("heading", name="Fairness", level=1, exact=True)).to_be_visible()
    await page.wait_for_function(f"() => ({TABLE_TEXT})().length > 0")


async def open_session(browser, url: str, folder: Path, number: int, rows: int) -> Session:
    """A new context (a new Streamlit session) with a new table of its own uploaded, on the Fairness page."""
    from playwright.async_api import expect

    table = folder / f"table_{number}.csv"
    session_table(table, number, rows)
    context = await browser.new_context(viewport={"width": 1280, "height": 1400})
    try:
        page = await context.new_page()
        await page.goto(url)
        await expect(page.get_by_role("heading", name="Data & model", level=1, exact=True)).to_be_visible()
        await idle(page)
        await upload_table(page, table, rows)
        await to_fairness(page)
    except BaseException:
        await context.close()
        raise
    return Session(number, table, context, page)


async def time_moves(session: Session, moves: int) -> list[float]:
    """Seconds from each ArrowRight on the preview's slider to new numbers in the server's metric table (its settled
    move reruns it); ``inf`` for a move whose table did not change within 120 s (said on stderr)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    page, timings = session.page, []
    slider = page.locator("#fd-threshold")
    for _ in range(moves):
        await idle(page)
        before = await page.evaluate(TABLE_TEXT)
        await slider.focus()
        start = time.perf_counter()
        await slider.press("ArrowRight")
        try:
            await page.wait_for_function(f"before => ({TABLE_TEXT})() !== before", arg=before, polling="raf", timeout=120_000)
            timings.append(time.perf_counter() - start)
        except PlaywrightTimeout:
            shown = await page.locator("#fd-threshold-value").inner_text()
            print(
                f"   session {session.number}: no new table 120 s after a move (the preview shows {shown})",
                file=sys.stderr,
                flush=True,
            )
            timings.append(float("inf"))
    return timings


async def save(page) -> None:
    from playwright.async_api import expect

    await page.get_by_test_id("stSidebarNav").locator('a[href$="/report"]').click()
    await expect(page.get_by_role("heading", name="Report", level=1, exact=True)).to_be_visible()
    await idle(page)
    await page.get_by_role("button", name="Save this audit").click()
    await expect(page.get_by_text("Saved. Its link")).to_be_visible()


async def other_sessions_shown(sessions: list[Session], numbers: range) -> list[tuple[int, int]]:
    """(session, other) for every open session whose page shows a group of another session's table."""
    found = []
    for session in sessions:
        text = await session.page.inner_text("body")
        found += [(session.number, other) for other in numbers if other != session.number and f"s{other} north" in text]
    return found


async def close(session: Session) -> ClosedSession:
    """Close the session's context, keeping what the draft check needs (read while the page is on the Fairness page)."""
    await idle(session.page)
    left = ClosedSession(
        session.number,
        session.table.name,
        await session.page.evaluate(DRAFT_ID),
        await session.page.locator("#fd-threshold-value").inner_text(),
    )
    await session.context.close()
    return left


def check_drafts(home: Path, closed: list[ClosedSession]) -> list[str]:
    """What is wrong with the store's drafts: each closed session must have one row of its own, naming its own table,
    its kept file holding its own groups and no other session's, its threshold the one its page showed."""
    from fairdash.store.db import AuditStore, NoSuchAuditError

    store = AuditStore(home)
    with sqlite3.connect(home / "audits.sqlite") as connection:
        rows = connection.execute("SELECT count(*) FROM drafts").fetchone()[0]
    problems = [] if rows == len(closed) else [f"{rows} draft rows for {len(closed)} sessions"]
    if len({session.draft_id for session in closed}) != len(closed):
        problems.append("two sessions held the same draft id")
    for session in closed:
        try:
            draft = store.get_draft(session.draft_id)
            kept = store.draft_file(session.draft_id, "table")
        except (NoSuchAuditError, TypeError):  # no row for it, or no id in the tab
            problems.append(f"session {session.number}: no draft (its tab held {session.draft_id!r})")
            continue
        sessions_in_file = {
            int(number) for number in re.findall(r"\bs(\d+) (?:north|south|east)\b", kept.content.decode() if kept else "")
        }
        threshold, shown = draft.settings.get("thresholds"), session.shown_threshold
        if draft.table_file != session.table_name or sessions_in_file != {session.number}:
            problems.append(
                f"session {session.number}: draft of {draft.table_file!r}, its file has the groups of sessions {sessions_in_file}"
            )
        elif shown != "above all" and not (
            isinstance(threshold, float) and abs(float(shown) - threshold) <= 1e-3 * abs(threshold)
        ):
            problems.append(f"session {session.number}: draft threshold {threshold!r}, page showed {shown}")
    return problems


def slope(values: list[float]) -> float:
    """The least-squares slope of the values against their index (per round)."""
    return float(np.polyfit(np.arange(len(values)), values, 1)[0]) if len(values) > 1 else float("nan")


def summary(label: str, timings: list[float]) -> str:
    ordered = sorted(t for t in timings if np.isfinite(t))
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    lost = len(timings) - len(ordered)
    return (
        f"   {label:38s} median {statistics.median(ordered) * 1e3:6.0f} ms   p90 {p90 * 1e3:6.0f} ms   "
        f"max {ordered[-1] * 1e3:6.0f} ms   ({len(ordered)} moves{f'; {lost} showed no new table in 120 s' if lost else ''})"
    )


def print_round(number: int, rss: float, holdings: dict[str, float], timings: list[float], seconds: float) -> None:
    print(
        f"   round {number:3d}  RSS {rss:6.0f} MB   connected {holdings['sessions connected']:3.0f}   "
        f"uploads held {holdings['uploaded files MB']:5.1f} MB   media {holdings['media files MB']:5.1f} MB   "
        f"move median {statistics.median(timings) * 1e3:6.0f} ms   ({seconds:4.0f} s)"
        f"{'   LOST MOVES ' + str(sum(np.isinf(timings))) if not np.all(np.isfinite(timings)) else ''}",
        flush=True,
    )


def verdict(rss: list[float]) -> list[str]:
    """Whether memory levels off: the RSS slope over the last third of the rounds against the first third's, and the
    same for its highest value so far (RSS saws up and down as memory is freed and reused; its peak does not fall)."""
    if len(rss) < 6:
        return [f"verdict: none, {len(rss)} rounds are too few (6 at least: a third of them gives a slope)"]
    third = len(rss) // 3
    peak = list(np.maximum.accumulate(rss))
    first, last = slope(rss[:third]), slope(rss[-third:])
    peak_first, peak_last = slope(peak[:third]), slope(peak[-third:])
    settled = peak_last <= max(1.0, 0.25 * peak_first)
    return [
        f"RSS slope: {first:+.1f} MB/round over the first {third} rounds, {last:+.1f} MB/round over the last {third}",
        f"peak RSS so far: {peak_first:+.1f} MB/round over the first {third} rounds, {peak_last:+.1f} over the last {third} "
        f"({peak[third - 1]:.0f} MB after round {third}, {peak[-1]:.0f} MB at the end)",
        f"RSS over the rounds: {min(rss):.0f} to {max(rss):.0f} MB; first third mean {np.mean(rss[:third]):.0f} MB, "
        f"last third mean {np.mean(rss[-third:]):.0f} MB",
        f"verdict: {'levels off' if settled else 'does NOT level off'} (the peak's slope over the last third "
        f"{'at most' if settled else 'above'} the larger of 1 MB/round and a quarter of the first third's)",
    ]


async def open_or_skip(browser, url: str, folder: Path, number: int, rows: int) -> Session | None:
    """A new session for the long run, or None (said on stderr) when its page never got there: the run goes on."""
    from playwright.async_api import Error as PlaywrightError

    try:
        return await open_session(browser, url, folder, number, rows)
    except (AssertionError, PlaywrightError) as error:
        print(f"   session {number} could not be opened: {str(error).splitlines()[0]}", file=sys.stderr, flush=True)
        return None


async def long_run(
    browser,
    url: str,
    port: int,
    folder: Path,
    opened: list[Session],
    args,
    closed: list[ClosedSession],
    leaks_found: list[tuple[int, int]],
) -> list[float]:
    """Rounds of sessions coming and going (see the docstring); returns the RSS after each round."""
    rss, number = [], max(session.number for session in opened) + 1
    print(
        f"long run: {args.rounds} rounds; each closes {args.churn} sessions, opens {args.churn} with new tables, "
        f"{len(opened)} open sessions move {args.round_moves} times at once",
        flush=True,
    )
    for round_number in range(1, args.rounds + 1):
        start = time.perf_counter()
        for session in opened[: args.churn]:
            closed.append(await close(session))
        del opened[: args.churn]
        for _ in range(args.churn):
            opened += [session for session in [await open_or_skip(browser, url, folder, number, args.rows)] if session]
            number += 1
        moved = await asyncio.gather(*(time_moves(session, args.round_moves) for session in opened))
        found = await other_sessions_shown(opened, range(number))
        leaks_found += found
        if found:
            print(f"   round {round_number}: LEAKS {found}")
        rss.append(server_rss_mb(port))
        print_round(round_number, rss[-1], server_holdings(url), [t for ts in moved for t in ts], time.perf_counter() - start)
    return rss


async def first_phases(
    browser, url: str, port: int, folder: Path, args, memory: list, closed: list
) -> tuple[list[Session], dict]:
    """One session alone, then ``--sessions`` at once, then their simultaneous saves; the sessions are left open."""
    alone_session = await open_session(browser, url, folder, 0, args.rows)
    alone = await time_moves(alone_session, args.moves)
    closed.append(await close(alone_session))
    memory.append(("after one session", server_rss_mb(port)))
    # Opened one after another (ten uploads started in the same second lost a file in the uploader, twice out of
    # two runs: not diagnosed yet); all stay open, and then all move at once.
    opened = [await open_session(browser, url, folder, number, args.rows) for number in range(1, args.sessions + 1)]
    memory.append((f"{args.sessions} sessions, tables uploaded", server_rss_mb(port)))
    together = await asyncio.gather(*(time_moves(session, args.moves) for session in opened))
    memory.append((f"{args.sessions} sessions, after the moves", server_rss_mb(port)))
    found = await other_sessions_shown(opened, range(args.sessions + 1))
    await asyncio.gather(*(save(session.page) for session in opened))
    memory.append((f"{args.sessions} sessions, after the saves", server_rss_mb(port)))
    await asyncio.gather(*(to_fairness(session.page) for session in opened))
    with sqlite3.connect(folder / "home" / "audits.sqlite") as connection:
        saved = connection.execute("SELECT count(*) FROM audits").fetchone()[0]
    return opened, {
        "alone": alone,
        "together": [t for ts in together for t in ts],
        "leaks": found,
        "saved": saved,
        "table MB": alone_session.table.stat().st_size / 2**20,
    }


def print_report(args, results: dict, memory: list, rss: list[float], drafts: list[str], closed: int) -> None:
    print(
        f"{args.sessions} sessions at once on one server, each its own {args.rows:,}-row table; "
        "threshold move -> updated metric table"
    )
    print(summary("one session alone", results["alone"]))
    print(summary(f"{args.sessions} sessions moving at once (all)", results["together"]))
    print(
        f"   ratio of medians {statistics.median(results['together']) / statistics.median(results['alone']):.1f}x "
        f"(2 CPUs shared by the server, chromium and this script)"
    )
    print("server memory (resident):")
    for label, megabytes in memory:
        print(f"   {label:38s} {megabytes:7.0f} MB")
    held = results["holdings"]
    print(
        f"   then Streamlit still held {held['uploaded files MB']:.1f} MB of uploaded files, {held['media files MB']:.1f} MB of media "
        f"({results['table MB']:.2f} MB a table, {closed} sessions opened)"
    )
    if rss:
        print(f"long run ({args.rounds} rounds, RSS after each above):")
    for line in verdict(rss) if rss else []:
        print(f"   {line}" if not line.startswith("verdict") else line)
    isolation = "no session showed another session table" if not results["leaks"] else f"LEAKS {results['leaks']}"
    print(f"isolation: {isolation}")
    print(f"saves at the same moment: {results['saved']} of {args.sessions} landed in the store")
    print(f"drafts: {'each of the ' + str(closed) + ' sessions has its own' if not drafts else 'PROBLEMS'}")
    for problem in drafts:
        print(f"   {problem}")


async def run(args) -> None:
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=180_000)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        os.environ["FAIRDASH_HOME"] = str(folder / "home")  # the server inherits it: a store of its own
        closed: list[ClosedSession] = []
        with streamlit_server(folder / "server.log") as url:
            port = int(url.rsplit(":", 1)[1])
            memory = [("server started", server_rss_mb(port))]
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                opened, results = await first_phases(browser, url, port, folder, args, memory, closed)
                rss = await long_run(browser, url, port, folder, opened, args, closed, results["leaks"]) if args.rounds else []
                for session in opened:
                    closed.append(await close(session))
                await browser.close()
            await asyncio.sleep(5)
            memory.append(("all sessions closed (5 s later)", server_rss_mb(port)))
            results["holdings"] = server_holdings(url)
        drafts = check_drafts(folder / "home", closed)
    print_report(args, results, memory, rss, drafts, len(closed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10, help="sessions open at once (phase 2 and the long run)")
    parser.add_argument("--moves", type=int, default=8, help="threshold moves per session in phases 1 and 2")
    parser.add_argument("--rows", type=int, default=20_000, help="rows of each session's table")
    parser.add_argument("--rounds", type=int, default=30, help="rounds of the long run (0: none)")
    parser.add_argument("--churn", type=int, default=3, help="sessions closed and opened in each round")
    parser.add_argument("--round-moves", type=int, default=2, help="threshold moves per open session in each round")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
