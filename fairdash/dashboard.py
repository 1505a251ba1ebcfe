"""The dashboard opened on an in-memory audit: :func:`show` hands the audit (its table, model and settings) to the store,
starts a dashboard server in the background (or reuses the one this process started), and returns at once.

The handover is a saved audit whose source is ``{"kind": "notebook"}``, saved with its table and model, under a new,
unguessable id (:func:`fairdash.store.db.new_audit_id`). The dashboard reopens it live through its link, as any saved
audit; its model, pickled here from the object in memory and not from a file anyone could have placed, opens without the
trust prompt, and only while its bytes are those saved (:func:`fairdash.ui.saved.restore`). The server runs under
:mod:`fairdash.guard`, which stops it when this process ends: a closed notebook leaves no server behind.

Behind a hosted notebook's proxy (JupyterHub with jupyter-server-proxy), set ``FAIRDASH_PUBLIC_URL`` to the address the
browser reaches the port at, ``{port}`` standing for the port: ``https://hub.example.org/user/me/proxy/{port}/``.
"""

from __future__ import annotations

import html
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from fairdash.api import Audit, handover_files
from fairdash.errors import FairdashError, InvalidInputError
from fairdash.launch import DEFAULT_HOST, dashboard_command, wait_until_serving

__all__ = ["PUBLIC_URL_VARIABLE", "HANDOVER_SOURCE", "Dashboard", "show", "public_url", "free_port", "IFRAME_HEIGHT"]

PUBLIC_URL_VARIABLE = "FAIRDASH_PUBLIC_URL"
"""The environment variable that gives the address a browser reaches the server at, ``{port}`` for its port."""
HANDOVER_SOURCE = {"kind": "notebook"}  # fairdash.ui.saved.HANDOVER_KIND (ui is above this module)
"""The source a handed-over audit is saved with (see the module's description)."""
HOST = DEFAULT_HOST
IFRAME_HEIGHT = 800
_READY_SECONDS = 90.0
_PAGE = "fairness"  # the page the link opens on


@dataclass
class _Server:
    """A dashboard server this process started (through the guard, whose standard input is this process's pipe)."""

    port: int
    home: str
    process: subprocess.Popen
    lock: threading.Lock = field(default_factory=threading.Lock)

    def alive(self) -> bool:
        return self.process.poll() is None

    def ready(self, timeout: float) -> bool:
        """Whether the server answers its health check within ``timeout`` seconds (False at once if it has ended)."""
        try:
            wait_until_serving(self.process, host=HOST, port=self.port, timeout=timeout)
        except FairdashError:
            return False
        return True

    def stop(self) -> None:
        """Close the guard's pipe (it stops the server) and wait for it to end."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_SERVERS: dict[tuple[int | None, str], _Server] = {}  # this process's servers: one per port asked and store
_SERVERS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Dashboard:
    """A dashboard server opened on one audit, as :func:`show` returns it.

    ``url`` opens the audit's Fairness page (every page follows it); ``stop()`` ends the server (every Dashboard this
    process showed on it); in a notebook it shows as the dashboard in a frame with its link beside it."""

    url: str
    audit_id: str
    port: int
    server: _Server = field(repr=False, compare=False)

    def wait(self, timeout: float = _READY_SECONDS) -> "Dashboard":
        """Wait until the server answers (at most ``timeout`` seconds); raises :class:`FairdashError` if it ended or did not."""
        if not self.server.ready(timeout):
            code = self.server.process.poll()
            raise FairdashError(
                f"The dashboard server on port {self.port} "
                + (f"ended (exit code {code})." if code is not None else f"did not answer within {timeout:g} seconds.")
            )
        return self

    def stop(self) -> None:
        """End the dashboard server."""
        self.server.stop()
        with _SERVERS_LOCK:
            for key, server in list(_SERVERS.items()):
                if server is self.server:
                    del _SERVERS[key]

    def _repr_html_(self) -> str:
        link = html.escape(self.url, quote=True)
        if not self.server.ready(_READY_SECONDS):
            return f'<p>The fairdash dashboard did not start; its address was <a href="{link}" target="_blank">{link}</a>.</p>'
        return (
            f'<div class="fairdash-dashboard"><p>fairdash dashboard: <a href="{link}" target="_blank" rel="noopener">{link}</a>'
            f' (opens in a new tab)</p><iframe src="{link}" width="100%" height="{IFRAME_HEIGHT}" '
            'style="border:1px solid #ddd" title="fairdash dashboard"></iframe></div>'
        )


def show(audit: Audit, *, port: int | None = None, open_browser: bool | None = None, title: str | None = None) -> Dashboard:
    """Open the dashboard on ``audit`` (its data, model, thresholds and settings; every page) in a background server.

    Returns at once. The server is started, or the one this process started before is reused; it ends with this
    process (or ``Dashboard.stop()``).

    Parameters
    ----------
    audit : Audit
        What :func:`fairdash.audit` returned.
    port : int, optional
        The server's port (default: a free one, or the server already started).
    open_browser : bool, optional
        Open the link in a browser once the server answers; by default only outside a notebook.
    title : str, optional
        The handed-over audit's title on the Saved audits page.

    Raises
    ------
    InvalidInputError
        Not an Audit, or a port another program listens on.
    """
    if not isinstance(audit, Audit):
        raise InvalidInputError(f"show() takes what fairdash.audit(...) returned; got a {type(audit).__name__}.")
    from fairdash.store.db import AuditStore
    from fairdash.store.saving import save_audit

    table, model = handover_files(audit)
    store = AuditStore()
    audit_id = save_audit(
        store,
        audit.details,
        title=title or f"{audit.details.data_name} (from a notebook)",
        source=HANDOVER_SOURCE,
        table=table,
        model=model,
        keep_files=True,
    )
    server = _server(port, str(store.home))
    dashboard = Dashboard(
        url=f"{public_url(server.port)}{_PAGE}?audit={audit_id}", audit_id=audit_id, port=server.port, server=server
    )
    if open_browser if open_browser is not None else "ipykernel" not in sys.modules:
        threading.Thread(target=_open_when_ready, args=(dashboard,), daemon=True).start()
    return dashboard


def public_url(port: int) -> str:
    """The address a browser reaches the server at, ending in ``/``: ``FAIRDASH_PUBLIC_URL`` with ``{port}`` filled in,
    else ``http://localhost:PORT/``."""
    template = os.environ.get(PUBLIC_URL_VARIABLE, "").strip()
    base = template.replace("{port}", str(port)) if template else f"http://localhost:{port}/"
    return base if base.endswith("/") else base + "/"


def free_port() -> int:
    """A port no program listens on now (the system's choice)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _server(port: int | None, home: str) -> _Server:
    """This process's server for ``port`` (any, when None) and the store ``home``: the running one, else a new one."""
    with _SERVERS_LOCK:
        for (asked, kept_home), server in list(_SERVERS.items()):
            if server.alive() and kept_home == home and (port is None or server.port == port):
                return server
            if not server.alive():
                del _SERVERS[(asked, kept_home)]
        chosen = port if port is not None else free_port()
        if port is not None and not _port_free(port):
            raise InvalidInputError(
                f"Port {port} is in use by another program: pass another port=, or none to let fairdash choose."
            )
        server = _Server(port=chosen, home=home, process=_start(chosen, home))
        _SERVERS[(port, home)] = server
        return server


def _start(port: int, home: str) -> subprocess.Popen:
    """The guard running the dashboard's server on ``port``; its standard input is a pipe only this process holds."""
    from fairdash import guard

    command = [sys.executable, "-I", str(Path(guard.__file__).resolve()), *dashboard_command(host=HOST, port=port)]
    with open(Path(home) / f"dashboard-{port}.log", "ab") as log:  # the server's messages, should it not start
        return subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            close_fds=True,
            start_new_session=True,
            env={**os.environ, "PYTHONPATH": _package_path()},
            preexec_fn=guard.die_with_parent,
        )


def _package_path() -> str:
    """``PYTHONPATH`` for the server: the folder this fairdash is imported from first, so the server runs the same code."""
    here = str(Path(__file__).resolve().parent.parent)
    return os.pathsep.join([here, *[part for part in os.environ.get("PYTHONPATH", "").split(os.pathsep) if part]])


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _open_when_ready(dashboard: Dashboard) -> None:
    import webbrowser

    if dashboard.server.ready(_READY_SECONDS):
        webbrowser.open(dashboard.url)
