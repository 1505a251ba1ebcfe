"""The dashboard is one person's by default: it listens on 127.0.0.1, and listening beyond the machine takes an explicit
setting whose name says that every visitor then sees every saved audit (issue 32, probe 01's open door)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

import pytest
from browser import ROOT, heading, require_chromium, streamlit_server, wait_until_idle

from fairdash.ui.exposure import OPEN_TO_NETWORK_SETTING, is_loopback


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_loopback_addresses_reach_this_machine_only(address):
    assert is_loopback(address)


@pytest.mark.parametrize(
    "address", [None, "", "0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "example.org", "127.0.0.1.example.org"]
)
def test_every_other_address_reaches_beyond(address):
    assert not is_loopback(address)


def test_the_repository_config_and_make_run_listen_on_127_0_0_1():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    printed = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    (command,) = [line for line in printed.splitlines() if "streamlit run" in line]  # under make test, make says where it is too
    assert "--server.address 127.0.0.1" in command


def _saved_audit(tmp_path) -> str:
    """An audit saved from the command line (with its table kept), as a colleague's would be."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    data = tmp_path / "private.csv"
    pd.DataFrame(
        {"hiv_status": rng.choice(["pos", "neg"], 200), "approved": rng.integers(0, 2, 200), "risk": rng.uniform(0, 1, 200)}
    ).to_csv(data, index=False)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "fairdash",
            "audit",
            "--data",
            str(data),
            "--target",
            "approved",
            "--positive-label",
            "1",
            "--sensitive",
            "hiv_status",
            "--score",
            "risk",
            "--no-explain",
            "--save",
            "--keep-files",
            "--title",
            "Private audit",
        ],
        capture_output=True,
        text=True,
        env=os.environ,
        cwd=ROOT,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1].split()[1]


@pytest.mark.browser
def test_a_server_open_to_the_network_shows_nothing_without_the_explicit_setting(browser, tmp_path, output_dir, monkeypatch):
    from playwright.sync_api import expect

    require_chromium()
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(OPEN_TO_NETWORK_SETTING, raising=False)
    audit_id = _saved_audit(tmp_path)
    with streamlit_server(output_dir / "streamlit-network-refused.log", address="0.0.0.0") as url:
        page = browser.new_page()
        for path in ("/saved", f"/?audit={audit_id}"):
            page.goto(url + path)
            expect(page.get_by_text("This dashboard listens beyond this machine")).to_be_visible()
            wait_until_idle(page)
            assert "Private audit" not in page.inner_text("body")
            expect(heading(page, "Saved audits")).to_have_count(0)
            expect(page.get_by_test_id("stFileUploader")).to_have_count(0)
        page.screenshot(path=str(output_dir / "network-refused.png"), full_page=True)
        page.close()


@pytest.mark.browser
def test_with_the_explicit_setting_the_saved_audits_page_says_what_every_visitor_can_do(
    browser, tmp_path, output_dir, monkeypatch
):
    from playwright.sync_api import expect

    require_chromium()
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    _saved_audit(tmp_path)
    with streamlit_server(
        output_dir / "streamlit-network-open.log", address="0.0.0.0", env={OPEN_TO_NETWORK_SETTING: "yes"}
    ) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.goto(url + "/saved")
        expect(heading(page, "Saved audits")).to_be_visible()
        expect(page.get_by_text("every visitor holding an audit's link can open")).to_be_visible()  # issue 30: listed per session
        wait_until_idle(page)
        expect(page.get_by_text("Loading the demo")).to_have_count(0)  # the sidebar's summary, drawn after the page
        page.screenshot(path=str(output_dir / "network-open-saved.png"), full_page=True)
        page.close()

    with streamlit_server(output_dir / "streamlit-local.log") as url:  # 127.0.0.1: the page says nothing of the network
        page = browser.new_page()
        page.goto(url + "/saved")
        expect(heading(page, "Saved audits")).to_be_visible()
        wait_until_idle(page)
        expect(page.get_by_text("open to the network")).to_have_count(0)
        page.close()
