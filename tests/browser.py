"""Helpers for the end-to-end tests: a real `streamlit run` on a free port, Debian's chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fairdash.errors import FairdashError
from fairdash.launch import wait_until_serving

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip without a browser on a developer's machine; in CI a missing browser is a failure."""
    if Path(CHROMIUM).exists():
        return
    message = f"{CHROMIUM} is missing: install Debian's chromium (make test does, as root)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(log_path: Path, *, address: str = "127.0.0.1", env: dict[str, str] | None = None) -> Iterator[str]:
    """Run the dashboard (bound to ``address``, with ``env`` added to the environment); yield its URL once
    /_stcore/health answers ok; stop it afterwards."""
    port = _free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **(env or {})}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
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
                address,
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_until_serving(process, port=port, timeout=60)
            except FairdashError as error:
                raise RuntimeError(f"{error} See {log_path}") from error
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_until_idle(page) -> None:
    """Wait until the app has finished its run: connected, script not running."""
    from playwright.sync_api import expect

    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED")
    expect(app).to_have_attribute("data-test-script-state", "notRunning")
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    # Elements whose code loads lazily (sliders, tables, charts) show a skeleton until drawn.
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0)


def poll(read, accept, *, timeout: float = 60.0, what: str = "the page"):
    """Read until `accept(value)` holds, and still holds half a second later; return that value.

    After a slider key press the thumb moves at once but the rerun it triggers starts a moment
    later, and during a rerun old and new elements coexist: waiting for "idle" can pass before the
    rerun begins. Waiting for the expected outcome, settled, does not race."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        try:
            value = read()
            if accept(value):
                time.sleep(0.5)
                again = read()
                if again == value:
                    return value
        except Error:  # an element detached while being read: read again
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} did not settle on an accepted value within {timeout:.0f} s; last read: {value!r}")


def draft_id(page) -> str | None:
    """The id of the tab's draft, as its ``sessionStorage`` holds it (None before the tab has one)."""
    return page.evaluate("sessionStorage.getItem('fairdash-draft')")


def wait_for_draft(home: Path, draft: str | None, accept=lambda settings: True, *, timeout: float = 60.0) -> dict:
    """Wait until the store at ``home`` holds the draft ``draft`` and ``accept(its settings)`` holds; return them.

    The server writes a tab's draft at the end of a run that changed the work: a draft holding a moved threshold is
    the event that says the server has run with the move (the page may still be drawing: then wait until idle)."""
    from fairdash.errors import FairdashError
    from fairdash.store.db import AuditStore

    deadline = time.monotonic() + timeout
    settings = None
    while time.monotonic() < deadline:
        try:
            settings = AuditStore(home).get_draft(draft).settings if draft else None
        except FairdashError:  # not written yet
            settings = None
        if settings is not None and accept(settings):
            return settings
        time.sleep(0.1)
    raise AssertionError(f"the draft {draft} did not reach an accepted state within {timeout:.0f} s; last read: {settings!r}")


def threshold_is(shown: str):
    """An ``accept`` for :func:`wait_for_draft`: the draft's one threshold is the one shown (as ``0.4600``)."""
    return lambda settings: (
        isinstance(settings.get("thresholds"), (int, float)) and abs(settings["thresholds"] - float(shown)) < 5e-5
    )


def single_text(locator) -> str | None:
    """The text of the one element the locator matches, or None while it matches none or several."""
    return locator.inner_text(timeout=2_000) if locator.count() == 1 else None


def assert_page_is_clean(page) -> None:
    """No exception element, no traceback text, no error box."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    text = page.inner_text("body")
    assert "Traceback" not in text
    assert "Page not found" not in text  # a deep link that names no page opens a dialog over the main page


def heading(page, title: str):
    """A page's level-1 heading, by its exact text (a page may also hold an h3 of the same word)."""
    return page.get_by_role("heading", name=title, level=1, exact=True)


def choose_demo(page, url: str, demo: str) -> None:
    """On the start page, choose the built-in demo whose title holds ``demo`` (e.g. "COMPAS")."""
    from playwright.sync_api import expect

    page.goto(url)
    wait_until_idle(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Demo").click()
    page.get_by_role("option").filter(has_text=demo).click()
    expect(page.get_by_test_id("stSidebar")).to_contain_text(demo)
    wait_until_idle(page)


def open_page(page, title: str, url_path: str) -> None:
    """Open a page by its link in the sidebar (by url path: a link's name also holds its icon's text)."""
    from playwright.sync_api import expect

    page.get_by_test_id("stSidebarNav").locator(f'a[href$="/{url_path}"]').click()
    expect(heading(page, title)).to_be_visible()


def metric_value(page, label: str):
    """The value of the metric with this label."""
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def uploader(page, label: str):
    """The file input of the uploader with this label."""
    return page.get_by_test_id("stFileUploader").filter(has_text=label).get_by_test_id("stFileUploaderDropzoneInput")


def write_scored_table(path: Path, rows: int, groups: list[str], *, column: str = "group", seed: int = 0) -> Path:
    """A CSV of ``rows`` people in ``groups`` (column ``column``), a 0/1 ``outcome`` and a ``score`` that tells it apart."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    outcome = rng.random(rows) < 0.4
    pd.DataFrame(
        {
            column: rng.choice(groups, rows),
            "outcome": outcome.astype(int),
            "score": np.clip(rng.normal(0.35 + 0.3 * outcome, 0.2), 0, 1).round(3),
        }
    ).to_csv(path, index=False)
    return path


def fairness_numbers(page) -> list[str]:
    """The Fairness page's four headline disparities and the in-browser preview's threshold, as shown."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stMetricValue")).to_have_count(4)
    wait_until_idle(page)
    return page.get_by_test_id("stMetricValue").all_inner_texts() + [page.locator("#fd-threshold-value").inner_text()]


def upload_table_with_scores(page, url: str, path: Path, expected_rows: str) -> None:
    """On the Data & model page, upload a table whose score column is already in it."""
    from playwright.sync_api import expect

    page.goto(url)
    expect(heading(page, "Data & model")).to_be_visible()
    wait_until_idle(page)
    page.get_by_text("My own data", exact=True).click()
    page.get_by_text("A column of the table").click()
    uploader(page, "Table (CSV or Parquet)").set_input_files(str(path))
    expect(metric_value(page, "Rows")).to_have_text(expected_rows)
    wait_until_idle(page)
