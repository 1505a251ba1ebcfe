"""How the dashboard is started: the app file and the ``streamlit run`` command line.

(A minimal version for :func:`fairdash.show`; the packaged app replaces :func:`app_file`'s answer.)"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["app_file", "dashboard_command"]


def app_file() -> Path:
    """The dashboard's entry file: the checkout's ``app.py``."""
    return Path(__file__).resolve().parent.parent / "app.py"


def dashboard_command(*, host: str, port: int, query: str | None = None) -> list[str]:
    """The command that serves the dashboard on ``host``:``port`` without opening a browser (``query`` is the part of
    the address after ``?`` a browser should open, unused by the server itself)."""
    return [sys.executable, "-m", "streamlit", "run", str(app_file()), "--server.headless", "true", "--server.address", host,
            "--server.port", str(port), "--browser.gatherUsageStats", "false"]
