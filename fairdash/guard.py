"""Run a command for as long as the process that started this one lives, and not a moment longer.

Started by :func:`fairdash.dashboard.show` as ``python -I guard.py COMMAND...`` with a pipe on its standard input (by path,
isolated: it imports only the standard library, not fairdash). It runs COMMAND (the dashboard's server) and stops it
when its standard input closes, which happens when the parent process ends however it ends (a kernel shut down, killed
or crashed: the operating system closes the pipe), when the parent pid changes, on SIGTERM, or when the command ends.
On Linux the parent's death also sends this process SIGTERM (``prctl(PR_SET_PDEATHSIG)``), and the server gets SIGKILL
should this process itself be killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

__all__ = ["main", "die_with_parent"]

_PR_SET_PDEATHSIG = 1


def die_with_parent(signal_number: int = signal.SIGTERM) -> None:
    """Ask Linux to send ``signal_number`` to this process when its parent ends (nothing elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal_number), 0, 0, 0)
    except (OSError, AttributeError):
        pass  # the pipe still stops the server


def main(command: list[str]) -> int:
    """Run ``command`` until standard input closes, the parent changes, a signal, or the command's own end."""
    parent = os.getppid()
    done = threading.Event()

    def watch_stdin() -> None:
        sys.stdin.buffer.read()  # returns once the parent's end of the pipe is closed
        done.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    for signal_number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signal_number, lambda *_: done.set())
    server = subprocess.Popen(command, stdin=subprocess.DEVNULL, preexec_fn=lambda: die_with_parent(signal.SIGKILL))
    while not done.wait(0.5):
        if server.poll() is not None:
            return server.returncode
        if os.getppid() != parent:
            break
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    return 0


if __name__ == "__main__":
    die_with_parent()
    sys.exit(main(sys.argv[1:]))
