"""Where the dashboard's app is, and the command that serves it (``fairdash dashboard``, ``fairdash.show``).

The dashboard's source is the checkout's ``app.py``, ``pages/`` and ``assets/``; a built wheel carries copies of them in
``fairdash/dashboard_files/`` (``setup.py`` copies them at build time), so an installed fairdash serves its dashboard from
any folder. No Streamlit import here: this module is cheap to import, and the server runs in its own process.

Who may reach the server: this machine only, unless :data:`OPEN_TO_NETWORK_SETTING` says, on purpose, that every visitor
then sees every saved audit (:mod:`fairdash.ui.exposure` shows the same refusal inside the app).
"""

from __future__ import annotations

import importlib
import ipaddress
import os
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO, Any, Mapping

from fairdash.errors import FairdashError, InvalidInputError

__all__ = [
    "PACKAGED_DIR",
    "CHECKOUT_DIR",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "OPEN_TO_NETWORK_SETTING",
    "USER_HEADER_SETTING",
    "WARM_MODULES",
    "dashboard_dir",
    "app_file",
    "streamlit_options",
    "dashboard_command",
    "dashboard_url",
    "is_loopback",
    "open_to_network_accepted",
    "check_exposure",
    "start_dashboard",
    "wait_until_serving",
    "warm",
]

PACKAGED_DIR = Path(__file__).resolve().parent / "dashboard_files"
"""The app, pages, assets and Streamlit settings inside an installed package (absent in a checkout)."""
CHECKOUT_DIR = Path(__file__).resolve().parents[1]
"""The source checkout this module sits in, when it does (``make run``, an editable install)."""
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501

OPEN_TO_NETWORK_SETTING = "FAIRDASH_EVERY_VISITOR_SEES_EVERY_AUDIT"
USER_HEADER_SETTING = "FAIRDASH_USER_HEADER"
"""The environment variable naming the request header an authenticating proxy puts the user's email address in
(:mod:`fairdash.ui.signin`): sign-in is on, so the dashboard may listen beyond this machine."""
"""The environment variable that accepts listening beyond this machine (``yes``): every visitor then sees every audit."""
_ACCEPTED = {"1", "yes", "true", "on"}

# Always set, whatever the settings file says: no usage statistics sent, no browser opened nor e-mail asked by Streamlit.
_FIXED_OPTIONS = {"browser.gatherUsageStats": "false", "server.headless": "true"}

WARM_MODULES = (
    "pandas",
    "numpy",
    "scipy.stats",
    "pyarrow",
    "plotly.graph_objects",
    "plotly.io",
    "sklearn.ensemble",
    "sklearn.pipeline",
    "skops.io",
    "shap",
    "fairdash.run",
    "fairdash.present",
    "fairdash.store",
)
"""What the dashboard's first run imports that takes seconds: imported by :func:`warm` before the server accepts visitors."""


def dashboard_dir() -> Path:
    """The folder holding ``app.py``, ``pages/`` and ``assets/``: the installed package's copy, else the checkout."""
    for folder in (PACKAGED_DIR, CHECKOUT_DIR):
        if (folder / "app.py").is_file() and (folder / "pages").is_dir():
            return folder
    raise FairdashError(
        f"The dashboard's files are missing (looked in {PACKAGED_DIR} and {CHECKOUT_DIR}). Reinstall fairdash "
        "from its wheel or from a checkout with `pip install .`."
    )


def app_file() -> Path:
    """The dashboard's entry file: the packaged ``app.py`` when fairdash is installed, the checkout's otherwise."""
    return dashboard_dir() / "app.py"


def streamlit_options(*, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> list[str]:
    """Streamlit's command-line options: the repository's ``.streamlit/config.toml`` (Streamlit reads that file only from
    the folder it starts in, so it is passed as options), then no usage statistics, headless, ``host`` and ``port``."""
    config = dashboard_dir() / ".streamlit" / "config.toml"
    settings: dict[str, Any] = {}
    if config.is_file():
        for section, values in tomllib.loads(config.read_text(encoding="utf-8")).items():
            settings.update({f"{section}.{key}": value for key, value in values.items()})
    settings.update(_FIXED_OPTIONS)
    settings.update({"server.address": host, "server.port": int(port)})
    options = []
    for name, value in settings.items():
        options += [f"--{name}", str(value).lower() if isinstance(value, bool) else str(value)]
    return options


def dashboard_command(*, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> list[str]:
    """The command that serves the dashboard on ``host:port``: ``python -m streamlit run APP`` with the options of
    :func:`streamlit_options`, started through ``fairdash.serve``, which imports the heavy modules first (:func:`warm`)
    so that the first visit is as quick as the next ones. Raises :class:`InvalidInputError` for an address beyond this
    machine without :data:`OPEN_TO_NETWORK_SETTING`."""
    check_exposure(host)
    return [sys.executable, "-m", "fairdash.serve", "streamlit", "run", str(app_file()), *streamlit_options(host=host, port=port)]


def dashboard_url(
    *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, path: str = "", query: Mapping[str, str] | None = None
) -> str:
    """The address a browser opens: ``http://host:port/path?query`` (an address of every interface becomes 127.0.0.1)."""
    shown = DEFAULT_HOST if host.strip("[]") in ("", "0.0.0.0", "::") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    url = f"http://{shown}:{int(port)}/{path.lstrip('/')}"
    return f"{url}?{urllib.parse.urlencode(dict(query))}" if query else url


def is_loopback(address: str | None) -> bool:
    """Whether a server bound to ``address`` is reachable from this machine only. No address (Streamlit's default) is
    every interface, and so is ``0.0.0.0`` or ``::``; a name other than ``localhost`` may resolve anywhere."""
    if not address:
        return False
    text = address.strip().strip("[]")
    if text.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def open_to_network_accepted() -> bool:
    """Whether :data:`OPEN_TO_NETWORK_SETTING` accepts that every visitor sees every audit."""
    return os.environ.get(OPEN_TO_NETWORK_SETTING, "").strip().lower() in _ACCEPTED


def check_exposure(host: str) -> None:
    """Refuse an address beyond this machine unless sign-in by a proxy's header is on (:data:`USER_HEADER_SETTING`) or
    :data:`OPEN_TO_NETWORK_SETTING` accepts what follows. (Streamlit's own sign-in is configured in its secrets, which
    the dashboard reads: a server started beyond the machine with neither shows a message and nothing else.)"""
    if is_loopback(host) or open_to_network_accepted() or os.environ.get(USER_HEADER_SETTING, "").strip():
        return
    raise InvalidInputError(
        f"--host {host} listens beyond this machine, and without sign-in every visitor would see every saved audit. Use "
        f"127.0.0.1 (the default), turn sign-in on behind an authenticating proxy ({USER_HEADER_SETTING}=X-Forwarded-Email), "
        f"or, to share the dashboard on purpose with everyone who can reach it, set {OPEN_TO_NETWORK_SETTING}=yes."
    )


def start_dashboard(
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    log: IO[bytes] | int | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen:
    """Start :func:`dashboard_command` as a child process (its output to ``log``: a file, or ``subprocess.DEVNULL``; a
    pipe nobody reads could fill and block it) with ``env`` added to this process's environment."""
    command = dashboard_command(host=host, port=port)
    return subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT if log is not None else None, env={**os.environ, **(env or {})}
    )


def wait_until_serving(
    process: subprocess.Popen, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, timeout: float = 120.0
) -> str:
    """Wait until the server started as ``process`` answers ``/_stcore/health``; return its URL. Raises
    :class:`FairdashError` if the process ends first or ``timeout`` seconds pass."""
    url = dashboard_url(host=host, port=port)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return url
        except OSError:
            pass
        if process.poll() is not None:
            raise FairdashError(f"The dashboard's server stopped (exit code {process.returncode}) before it served {url}.")
        if time.monotonic() > deadline:
            raise FairdashError(f"The dashboard's server did not answer at {url} within {timeout:.0f} s.")
        time.sleep(0.2)


def warm() -> None:
    """Import :data:`WARM_MODULES` and load the Adult demo (kept in memory by its cache), so that the server's first
    visitor waits for none of it. A failure here is left for the app to report: warming is only an optimisation."""
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    try:
        importlib.import_module("fairdash.engine.demo").load_demo("adult")
    except Exception:  # noqa: BLE001 (the app meets the same error on its first run and shows it)
        pass
