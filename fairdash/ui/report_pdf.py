"""The Report page's PDF download: the HTML report printed by Chromium (:mod:`fairdash.present.pdf`) when the button is
clicked, on the paper chosen beside it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from fairdash.present.pdf import (
    PAPER_SIZES,
    ChromiumMissingError,
    default_paper,
    find_chromium,
    html_to_pdf,
)

__all__ = ["pdf_download"]


@st.cache_data(max_entries=2, show_spinner="Printing the PDF…")
def _pdf_bytes(html_text: str, paper: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="fairdash-pdf-out-") as folder:
        return html_to_pdf(html_text, Path(folder, "report.pdf"), paper=paper).read_bytes()


def pdf_download(container, html_text: str) -> None:
    """A "Download the report (PDF)" button in ``container`` (the PDF is printed on click, then kept for the same report
    and paper) and the paper's choice; without Chromium, the button is disabled and a caption says what to install."""
    try:
        find_chromium()
    except ChromiumMissingError as error:
        container.download_button("Download the report (PDF)", data=b"", disabled=True, icon=":material/picture_as_pdf:")
        container.caption(str(error))
        return
    papers = list(PAPER_SIZES)
    paper = container.radio("Paper", papers, index=papers.index(default_paper()), format_func=PAPER_SIZES.get, horizontal=True)
    container.download_button(
        "Download the report (PDF)",
        data=lambda: _pdf_bytes(html_text, paper),
        file_name="fairdash-report.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
    )
