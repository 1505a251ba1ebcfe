"""Time from `make run` to the dashboard showing the Adult demo in a browser (a warm machine: the
virtual environment already installed, so make only starts the server).

    .venv/bin/python benchmarks/bench_startup.py

Measures twice: the first visit, from `make run` (server start, imports, the shipped demo model loaded: nothing
trained) and a second visit in a new browser tab (everything cached in the server).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import CHROMIUM, CHROMIUM_ARGS, _free_port  # noqa: E402


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=180_000)
    port = _free_port()
    start = time.perf_counter()
    log = open(ROOT / "test-output" / "bench-startup.log", "wb") if (ROOT / "test-output").exists() else subprocess.DEVNULL
    server = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True, env={**os.environ, "STREAMLIT_SERVER_ADDRESS": "127.0.0.1"})
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            timings = []
            for visit in range(2):
                page = browser.new_page()
                visit_start = time.perf_counter()
                while True:
                    try:
                        page.goto(f"http://127.0.0.1:{port}", timeout=2_000)
                        break
                    except Exception:
                        time.sleep(0.2)
                expect(page.get_by_test_id("stMetricValue").first).to_have_text("15,060")
                timings.append(time.perf_counter() - (start if visit == 0 else visit_start))
                page.close()
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(f"make run -> Adult demo rendered in the browser: {timings[0]:.1f} s (first visit: server start, imports, shipped model loaded)")
    print(f"a second visit, model cached: {timings[1]:.1f} s")


if __name__ == "__main__":
    main()
