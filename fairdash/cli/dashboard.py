"""``fairdash dashboard``: serve the dashboard (on the Adult demo until the visitor brings a file) from any folder.

    fairdash dashboard                     http://127.0.0.1:8501, this machine only
    fairdash dashboard --port 8600
    FAIRDASH_EVERY_VISITOR_SEES_EVERY_AUDIT=yes fairdash dashboard --host 0.0.0.0

It runs ``python -m streamlit run APP`` (through :mod:`fairdash.serve`, which imports the heavy modules first) with the
app and pages of the installed package (:func:`fairdash.launch.app_file`) and Streamlit's settings of the repository,
usage statistics off, in place of this process, until Ctrl+C.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from fairdash.launch import DEFAULT_HOST, DEFAULT_PORT, OPEN_TO_NETWORK_SETTING, dashboard_command, dashboard_url

__all__ = ["HELP", "DESCRIPTION", "add_arguments", "port_number", "run"]

HELP = "serve the dashboard (the Adult demo, or the visitor's own files) in the browser"
DESCRIPTION = (
    f"Serve the dashboard on this machine (http://{DEFAULT_HOST}:{DEFAULT_PORT} by default) until Ctrl+C. An address "
    f"beyond this machine also needs {OPEN_TO_NETWORK_SETTING}=yes: without sign-in every visitor sees every saved audit."
)


def port_number(text: str) -> int:
    """A TCP port, 1 to 65535 (argparse's type for ``--port``)."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number; give one from 1 to 65535")
    return port


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``dashboard``."""
    parser.add_argument("--port", type=port_number, default=DEFAULT_PORT, help=f"the port to serve on (default {DEFAULT_PORT})")
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"the address to listen on (default {DEFAULT_HOST}, this machine only; another needs {OPEN_TO_NETWORK_SETTING}=yes)",
    )


def run(args: argparse.Namespace) -> int:
    command = dashboard_command(host=args.host, port=args.port)  # refuses an address beyond the machine without the setting
    print(f"fairdash dashboard: starting at {dashboard_url(host=args.host, port=args.port)} (Ctrl+C stops it)", flush=True)
    sys.stderr.flush()
    if os.name == "posix":  # the server takes this process's place: a signal to it reaches the server, no child is left over
        os.execv(command[0], command)
    return subprocess.call(command)
