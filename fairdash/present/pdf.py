"""A report page as a paginated PDF, printed by headless Chromium (Debian's ``chromium``) without network.

The page is written to a private temporary folder and opened from there (``file://``); Chromium prints it once its
scripts have run (the plotly charts are drawn by JavaScript: ``--virtual-time-budget`` lets them finish before the
print), with the page size set by an ``@page`` rule. The PDF goes to a temporary file beside the output and is moved
into place only once it is whole: a failed or timed-out print leaves no file. How tables break across pages (never
inside a row, the header repeated) and what the slider shows on paper is the report's print style sheet
(``static/report.css``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from fairdash.errors import FairdashError, InvalidInputError, brief

__all__ = [
    "CHROMIUM_ENV",
    "PAPER_SIZES",
    "ChromiumMissingError",
    "PdfRenderError",
    "default_paper",
    "find_chromium",
    "html_to_pdf",
]

PAPER_SIZES = {"a4": "A4", "letter": "letter"}
"""The paper sizes offered (``--paper``) and their CSS ``@page`` names."""

CHROMIUM_ENV = "FAIRDASH_CHROMIUM"
"""The environment variable that names the Chromium binary (default: ``chromium`` on the PATH)."""

LETTER_TERRITORIES = frozenset({"US", "CA", "MX", "CL", "CO", "CR", "GT", "NI", "PA", "PH", "PR", "SV", "VE"})
"""Territories whose locale prints on Letter (glibc's ``LC_PAPER``); A4 everywhere else."""

_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing outside the file can be fetched
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
    "--virtual-time-budget=30000",
)


class ChromiumMissingError(InvalidInputError):
    """No Chromium to print with: the message names the package to install."""


class PdfRenderError(FairdashError):
    """Chromium ran but made no PDF (it failed or ran out of time)."""


def default_paper(environ: Mapping[str, str] | None = None) -> str:
    """``"letter"`` when the locale's territory prints on Letter (``LC_ALL``, else ``LC_PAPER``, else ``LANG``, such as
    ``en_US.UTF-8``), else ``"a4"``."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_PAPER", "LANG"):
        value = environ.get(name, "")
        if value:
            territory = value.split(".")[0].split("@")[0].partition("_")[2].upper()
            return "letter" if territory in LETTER_TERRITORIES else "a4"
    return "a4"


def find_chromium() -> str:
    """The Chromium binary: ``FAIRDASH_CHROMIUM`` when set, else ``chromium`` on the PATH; raises
    :class:`ChromiumMissingError` (one line, naming ``apt-get install chromium``) when there is none."""
    given = os.environ.get(CHROMIUM_ENV)
    found = shutil.which(given) if given else shutil.which("chromium")
    if not found:
        where = f"{CHROMIUM_ENV}={brief(given)} is not an executable" if given else "chromium is not on the PATH"
        raise ChromiumMissingError(
            f"The PDF needs Chromium to print it and {where}; install it (apt-get install chromium) "
            "or write the HTML report (--report) and print that from a browser."
        )
    return found


def html_to_pdf(page: str, out: str | os.PathLike[str], *, paper: str = "a4", timeout: float = 180.0) -> Path:
    """Print the HTML ``page`` (self-contained: nothing is fetched) to the PDF file ``out`` on ``paper`` (``"a4"`` or
    ``"letter"``); return its path.

    Raises :class:`ChromiumMissingError` without Chromium, :class:`PdfRenderError` when Chromium fails or takes longer
    than ``timeout`` seconds; either way no file is left at ``out`` (an earlier file there is kept as it was).
    """
    if paper not in PAPER_SIZES:
        raise InvalidInputError(f"Paper {brief(paper)} is not offered; use one of {', '.join(PAPER_SIZES)}.")
    chromium = find_chromium()
    target = Path(out)
    size = f"<style>@page {{ size: {PAPER_SIZES[paper]}; }}</style>"
    # After the first <head>, which comes before any script: a "</head>" inside plotly's inlined script is never touched.
    sized = page.replace("<head>", "<head>" + size, 1) if "<head>" in page else size + page
    with tempfile.TemporaryDirectory(prefix="fairdash-pdf-") as folder:
        source = Path(folder, "report.html")
        source.write_text(sized, encoding="utf-8")
        printed = Path(folder, "report.pdf")
        _print(chromium, source, printed, Path(folder, "profile"), timeout)
        partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
        try:
            shutil.copyfile(printed, partial)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return target


def _print(chromium: str, source: Path, printed: Path, profile: Path, timeout: float) -> None:
    """Run Chromium once on ``source``; raise :class:`PdfRenderError` unless ``printed`` is a whole PDF."""
    command = [chromium, *_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={printed}", source.as_uri()]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, errors = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)  # its own session: the browser's helper processes end with it
        process.communicate()
        raise PdfRenderError(
            f"Chromium did not finish printing the PDF within {timeout:g} seconds; no PDF was written."
        ) from None
    whole = printed.is_file() and printed.read_bytes()[:5] == b"%PDF-" and b"%%EOF" in printed.read_bytes()[-1024:]
    if process.returncode != 0 or not whole:
        last = next((line for line in reversed(errors.decode("utf-8", "replace").splitlines()) if line.strip()), "no message")
        raise PdfRenderError(
            f"Chromium could not print the PDF (exit code {process.returncode}: {last.strip()[:200]}); no PDF was written."
        )
