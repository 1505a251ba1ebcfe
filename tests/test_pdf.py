"""The report as a PDF (``audit --pdf``, :mod:`fairdash.present.pdf`): its text holds the report's headings and tables,
the charts are drawn, no table row is cut across pages (checked on 200 groups, with a negative control: a row taller
than a page, which the same check finds cut), the paper size, and a missing Chromium (exit 2, one line,
no file)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser import require_chromium

from fairdash.run import run_audit
from fairdash.engine.spec import AuditSpec
from fairdash.cli import main
from fairdash.present.pdf import (
    CHROMIUM_ENV,
    ChromiumMissingError,
    default_paper,
    html_to_pdf,
)
from fairdash.present.report import audit_html
from fairdash.present.text import formatted_table

GROUPS = 200


def require_poppler() -> None:
    if shutil.which("pdftotext") and shutil.which("pdftoppm"):
        return
    message = "pdftotext/pdftoppm are missing: install poppler-utils (make test does, as root)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def page_texts(pdf: Path) -> list[str]:
    """Each page's text in the order the page draws it (``pdftotext -raw``)."""
    pages = int(
        re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout)[1]
    )
    return [
        subprocess.run(
            ["pdftotext", "-raw", "-f", str(k), "-l", str(k), str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        for k in range(1, pages + 1)
    ]


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def many_groups():
    """An audit of 200 groups (group k has 40 + k rows, so each row of the metric table is unique) and its HTML page."""
    rng = np.random.default_rng(3)
    sizes = 40 + np.arange(GROUPS)
    group = np.repeat([f"group {k:03d}" for k in range(GROUPS)], sizes)
    table = pd.DataFrame({"g": group, "y": rng.integers(0, 2, len(group)), "s": rng.random(len(group))})
    audit = run_audit(
        table,
        AuditSpec(target="y", positive_label=1, sensitive=("g",), score="s"),
        None,
        thresholds=0.5,
        min_group_size=0,
        data_name="many.csv",
        explain_rows=0,
    )
    return audit, audit_html(audit)


def rows_on_pages(audit, texts: list[str], rename: dict[str, str] | None = None) -> dict[str, int]:
    """Each metric-table row (its label, as ``rename`` changes it, and every cell, in order) -> how many pages hold it whole."""
    shown = formatted_table(audit.table, audit.intervals).rename(index=rename or {})
    pages = [squeezed(text) for text in texts]
    return {
        label: sum(squeezed(str(label) + "".join(map(str, row))) in page for page in pages)
        for label, row in zip(shown.index, shown.itertuples(index=False))
    }


@pytest.mark.browser
def test_no_row_is_cut_across_pages(many_groups, tmp_path):
    require_chromium()
    require_poppler()
    audit, page = many_groups
    pdf = html_to_pdf(page, tmp_path / "many.pdf", paper="a4")
    texts = page_texts(pdf)
    assert len(texts) > 5
    whole = rows_on_pages(audit, texts)
    assert len(whole) == GROUPS and all(count == 1 for count in whole.values()), [k for k, v in whole.items() if v != 1][:5]
    # Each page the metric table spans repeats its header (the rows' labels and the columns' names).
    shown = formatted_table(audit.table, audit.intervals)
    spanned = [
        page
        for page in map(squeezed, texts)
        if any(
            squeezed(str(label) + "".join(map(str, row))) in page
            for label, row in zip(shown.index, shown.itertuples(index=False))
        )
    ]
    assert len(spanned) >= 3 and all("Falsenegativerate" in page for page in spanned)
    assert "Rates by group" in "".join(texts)  # the plotly chart's title: text drawn by JavaScript before the print

    # Negative control: the check finds a cut row. Chromium keeps a row whole whenever it fits on a page (the print
    # style sheet's `break-inside: avoid` is for browsers that do not), so the control is a row taller than a page.
    tall = "group 100 " + "tall " * 3000
    cut = rows_on_pages(
        audit,
        page_texts(html_to_pdf(page.replace("group 100", tall), tmp_path / "cut.pdf", paper="a4")),
        rename={"group 100": tall},
    )
    assert cut[tall] == 0 and sum(count == 1 for count in cut.values()) == GROUPS - 1


@pytest.fixture(scope="module")
def compas_pdf(tmp_path_factory):
    """``audit --pdf`` of the COMPAS demo (scores in the table), on Letter, with its HTML report beside it."""
    require_chromium()
    require_poppler()
    folder = tmp_path_factory.mktemp("compas")
    assert main(["demo", "compas", "--out", str(folder / "compas.csv")]) == 0
    code = main(
        [
            "audit",
            "--data",
            str(folder / "compas.csv"),
            "--target",
            "two_year_recid",
            "--sensitive",
            "race",
            "--score",
            "decile_score",
            "--threshold",
            "5",
            "--pdf",
            str(folder / "audit.pdf"),
            "--paper",
            "letter",
            "--report",
            str(folder / "audit.html"),
        ]
    )
    assert code == 0
    return folder


@pytest.mark.browser
def test_pdf_holds_the_reports_headings_tables_and_charts(compas_pdf):
    texts = page_texts(compas_pdf / "audit.pdf")
    text = squeezed("".join(texts))
    page = (compas_pdf / "audit.html").read_text(encoding="utf-8")
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert len(headings) >= 5
    for heading in headings:
        assert squeezed(heading.replace("&#x27;", "'").replace("&amp;", "&")) in text, heading
    for label in ("African-American", "Caucasian", "demographicparitydifference", "Selectionrate"):
        assert label in text
    # Charts: their titles and axes are text in the PDF, drawn only once plotly's script ran.
    for chart in ("Ratesbygroup", "ROCcurvebygroup", "Confusionmatricesbygroup"):
        assert chart in text
    info = subprocess.run(["pdfinfo", str(compas_pdf / "audit.pdf")], capture_output=True, text=True, check=True).stdout
    assert "612 x 792 pts (letter)" in info
    # The slider's controls are left out on paper; its tables stay, with the thresholds as they stand.
    assert "Movea threshold" not in text and "Asprinted" in text


@pytest.mark.browser
def test_pdf_pages_render_to_images(compas_pdf):
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(compas_pdf / "audit.pdf"), str(compas_pdf / "page")], check=True)
    images = sorted(compas_pdf.glob("page-*.png"))
    assert len(images) >= 3
    from PIL import Image

    # A chart page is not blank: the charts' colours are there (the rate bars' blue, PALETTE[0]).
    colours = set()
    for image in images:
        colours |= {pixel for _, pixel in Image.open(image).convert("RGB").getcolors(1 << 20) or []}
    assert any(abs(r - 59) < 25 and abs(g - 110) < 25 and abs(b - 168) < 25 for r, g, b in colours)


def test_missing_chromium_is_one_line_and_leaves_no_file(tmp_path, monkeypatch, capsys):
    data = tmp_path / "scored.csv"
    pd.DataFrame({"y": [0, 1] * 40, "g": ["a", "b"] * 40, "s": np.linspace(0, 1, 80)}).to_csv(data, index=False)
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-such-chromium"))
    out = tmp_path / "audit.pdf"
    code = main(["audit", "--data", str(data), "--target", "y", "--sensitive", "g", "--score", "s", "--pdf", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "apt-get install chromium" in err[0]
    assert list(tmp_path.iterdir()) == [data]
    with pytest.raises(ChromiumMissingError, match="apt-get install chromium"):
        html_to_pdf("<html><head></head><body>x</body></html>", out)
    assert not out.exists()


def test_chromium_that_fails_leaves_no_file_and_keeps_an_earlier_one(tmp_path, monkeypatch):
    from fairdash.present.pdf import PdfRenderError

    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'it broke' >&2\nexit 5\n")
    fake.chmod(0o755)
    monkeypatch.setenv(CHROMIUM_ENV, str(fake))
    out = tmp_path / "audit.pdf"
    out.write_bytes(b"earlier")
    with pytest.raises(PdfRenderError, match="it broke"):
        html_to_pdf("<html><head></head><body>x</body></html>", out)
    assert out.read_bytes() == b"earlier" and sorted(p.name for p in tmp_path.iterdir()) == ["audit.pdf", "chromium"]


def test_pdf_output_may_not_overwrite_an_input(tmp_path, capsys):
    data = tmp_path / "scored.csv"
    pd.DataFrame({"y": [0, 1] * 40, "g": ["a", "b"] * 40, "s": np.linspace(0, 1, 80)}).to_csv(data, index=False)
    before = data.read_bytes()
    code = main(["audit", "--data", str(data), "--target", "y", "--sensitive", "g", "--score", "s", "--pdf", str(data)])
    assert code == 2 and "--pdf" in capsys.readouterr().err and data.read_bytes() == before


@pytest.mark.parametrize(
    "environ, paper",
    [
        ({"LANG": "en_US.UTF-8"}, "letter"),
        ({"LANG": "de_DE.UTF-8"}, "a4"),
        ({"LANG": "en_US.UTF-8", "LC_PAPER": "en_GB.UTF-8"}, "a4"),
        ({"LC_ALL": "es_MX", "LANG": "fr_FR"}, "letter"),
        ({}, "a4"),
        ({"LANG": "C"}, "a4"),
    ],
)
def test_paper_follows_the_locale(environ, paper):
    assert default_paper(environ) == paper
