"""Cold start: the first visit to a freshly started dashboard against a second visit, time to the Adult demo's content.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_startup.py [--launcher fairdash|streamlit|make] [--repeats 3]

Each repeat starts a server, waits until it answers ``/_stcore/health`` (it accepts visitors), then opens the dashboard
in a fresh browser context twice, one after the other: the time from ``goto`` to the demo's row count (15,060) on the
Data & model page. Launchers: ``fairdash`` is :func:`fairdash.launch.dashboard_command` (what ``fairdash dashboard``
and ``make run`` run: the heavy modules imported before the server accepts visitors); ``streamlit`` is the bare
``python -m streamlit run app.py`` (the state before); ``make`` is ``make run``. Prints each repeat and the medians:
start to health, first visit, second visit, their ratio, and start to the first content.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from browser import CHROMIUM, CHROMIUM_ARGS, _free_port  # noqa: E402

from fairdash.launch import dashboard_command, wait_until_serving  # noqa: E402


def _command(launcher: str, port: int) -> list[str]:
    if launcher == "fairdash":
        return dashboard_command(host="127.0.0.1", port=port)
    if launcher == "make":
        return ["make", "run", f"PORT={port}"]
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]


def _visit(browser, url: str) -> float:
    from playwright.sync_api import expect

    context = browser.new_context()  # nothing cached in the browser from the visit before
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("15,060")
    elapsed = time.perf_counter() - start
    context.close()
    return elapsed


def one_start(browser, launcher: str, log) -> tuple[float, float, float]:
    """Start a server; return (start to health, first visit, second visit) in seconds."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    server = subprocess.Popen(
        _command(launcher, port),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"},
    )
    try:
        wait_until_serving(server, port=port, timeout=600)
        healthy = time.perf_counter() - start
        return healthy, _visit(browser, url), _visit(browser, url)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--launcher", choices=["fairdash", "streamlit", "make"], default="fairdash")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    expect.set_options(timeout=180_000)
    (ROOT / "test-output").mkdir(exist_ok=True)
    rows = []
    with open(ROOT / "test-output" / f"bench-startup-{args.launcher}.log", "wb") as log, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for repeat in range(args.repeats):
            healthy, first, second = one_start(browser, args.launcher, log)
            rows.append((healthy, first, second))
            print(
                f"{args.launcher} #{repeat + 1}: start to health {healthy:.1f} s; first visit {first:.2f} s; second visit "
                f"{second:.2f} s; ratio {first / second:.2f}; start to first content {healthy + first:.1f} s",
                flush=True,
            )
        browser.close()
    healthy, first, second = (statistics.median(column) for column in zip(*rows))
    ratio = statistics.median(row[1] / row[2] for row in rows)
    print(
        f"{args.launcher}, median of {len(rows)}: start to health {healthy:.1f} s; first visit {first:.2f} s; second visit "
        f"{second:.2f} s; first/second {ratio:.2f}; start to first content {statistics.median(r[0] + r[1] for r in rows):.1f} s"
    )


if __name__ == "__main__":
    main()
