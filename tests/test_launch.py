"""fairdash.launch and ``fairdash dashboard`` in the checkout (fast; tests/test_wheel.py checks the installed package)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from fairdash.cli import main
from fairdash.errors import InvalidInputError
from fairdash.launch import (
    OPEN_TO_NETWORK_SETTING,
    USER_HEADER_SETTING,
    app_file,
    check_exposure,
    dashboard_command,
    dashboard_url,
    streamlit_options,
)

ROOT = Path(__file__).resolve().parents[1]


def _options(command: list[str]) -> dict[str, str]:
    tail = command[command.index("run") + 2 :]
    return dict(zip(tail[::2], tail[1::2]))


def test_in_a_checkout_the_app_is_the_checkouts_app_py():
    assert app_file() == ROOT / "app.py"


def test_the_command_runs_streamlit_on_the_app_with_the_repository_settings_usage_statistics_off(monkeypatch):
    monkeypatch.delenv(OPEN_TO_NETWORK_SETTING, raising=False)
    command = dashboard_command(host="127.0.0.1", port=8765)
    assert command[:5] == [sys.executable, "-m", "fairdash.serve", "streamlit", "run"] and command[5] == str(app_file())
    options = _options(command)
    assert options["--server.address"] == "127.0.0.1" and options["--server.port"] == "8765"
    assert options["--browser.gatherUsageStats"] == "false" and options["--server.headless"] == "true"
    # Streamlit reads .streamlit/config.toml only from the folder it starts in: every setting is passed as an option.
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert options["--server.maxUploadSize"] == str(config["server"]["maxUploadSize"])
    assert options["--theme.primaryColor"] == config["theme"]["primaryColor"]
    assert options["--client.showErrorDetails"] == config["client"]["showErrorDetails"]
    assert len(streamlit_options()) % 2 == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org"])
def test_an_address_beyond_the_machine_is_refused_without_the_setting(host, monkeypatch):
    monkeypatch.delenv(OPEN_TO_NETWORK_SETTING, raising=False)
    monkeypatch.delenv(USER_HEADER_SETTING, raising=False)
    with pytest.raises(InvalidInputError, match=OPEN_TO_NETWORK_SETTING):
        dashboard_command(host=host, port=8501)
    monkeypatch.setenv(USER_HEADER_SETTING, "X-Forwarded-Email")  # sign-in behind a proxy: each audit has its owner
    check_exposure(host)
    monkeypatch.delenv(USER_HEADER_SETTING)
    monkeypatch.setenv(OPEN_TO_NETWORK_SETTING, "yes")
    check_exposure(host)
    assert _options(dashboard_command(host=host, port=8501))["--server.address"] == host


def test_fairdash_dashboard_refuses_the_network_in_one_line_and_starts_nothing(monkeypatch, capsys):
    monkeypatch.delenv(OPEN_TO_NETWORK_SETTING, raising=False)
    monkeypatch.delenv(USER_HEADER_SETTING, raising=False)
    assert main(["dashboard", "--host", "0.0.0.0", "--port", "8765"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("fairdash: error: --host 0.0.0.0") and OPEN_TO_NETWORK_SETTING in error and error.count("\n") == 1


@pytest.mark.parametrize("port", ["0", "65536", "http", "-1"])
def test_a_port_that_is_not_one_is_a_usage_error(port, capsys):
    assert main(["dashboard", "--port", port]) == 2
    assert "not a port number" in capsys.readouterr().err


def test_the_url_a_browser_opens():
    assert dashboard_url(host="0.0.0.0", port=8501) == "http://127.0.0.1:8501/"
    assert dashboard_url(host="::1", port=9, path="/fairness", query={"audit": "a b"}) == "http://[::1]:9/fairness?audit=a+b"


def test_version_is_pyprojects():
    done = subprocess.run([sys.executable, "-m", "fairdash", "--version"], capture_output=True, text=True, cwd=ROOT, check=True)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert done.stdout.strip() in (f"fairdash {version}", "fairdash unknown")


def test_serve_refuses_anything_but_streamlits_command_line():
    done = subprocess.run([sys.executable, "-m", "fairdash.serve", "run", "app.py"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode != 0 and "usage: python -m fairdash.serve streamlit run" in done.stderr
