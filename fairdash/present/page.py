"""The self-contained HTML page every report is: its template, style and script shipped as package files,
and the pieces sections are made of (every text from the data escaped)."""

from __future__ import annotations

import functools
import html
import json
from importlib import resources
from typing import Any, Sequence

import pandas as pd

from fairdash.engine.intervals import DISPARITY_INTERVAL_METHOD
from fairdash.present.document import versions
from fairdash.present.sentences import finding_sentence
from fairdash.present.text import inconclusive_note, verdict_word

__all__ = ["html_page", "script_json", "section", "definition_list", "table_html", "findings_html", "static_file"]


def html_page(
    title: str,
    sections: Sequence[str],
    *,
    made_by: str,
    charts: bool = True,
    payload: str = "{}",
    script: str = "",
    style: str = "",
) -> str:
    """A self-contained HTML page of ``sections`` (see :func:`section`), with the versions in its footer;
    ``charts`` inlines plotly.js (no outside address is ever fetched); ``style`` adds to the report's style sheet."""
    import plotly.offline

    footer = f"{html.escape(made_by)}. Versions: " + ", ".join(f"{name} {version}" for name, version in versions().items()) + "."
    return static_file("page.html").format(
        title=html.escape(title),
        plotly=plotly.offline.get_plotlyjs() if charts else "",
        style=static_file("report.css") + style,
        body="\n".join(sections),
        footer=footer,
        payload=payload,
        script=script,
    )


def script_json(document: Any) -> str:
    """JSON to place inside a ``<script>`` element: ``<``, ``>`` and ``&`` as ``\\u`` escapes, so no
    text from the data can close the element or open a comment (``</script>``, ``<!--``)."""
    text = json.dumps(document, allow_nan=False, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def section(title: str, content: str) -> str:
    """A titled section of a report page (the title escaped; ``content`` is HTML already)."""
    return f"<section><h2>{html.escape(title)}</h2>\n{content}\n</section>"


def definition_list(items: list[tuple[str, str]]) -> str:
    """Label-value pairs as an HTML definition list, both escaped."""
    return "<dl>" + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in items) + "</dl>"


def table_html(frame: pd.DataFrame, *, index: bool = True) -> str:
    """A table as escaped HTML in the report's style; missing values as n/a."""
    return frame.to_html(index=index, escape=True, border=0, classes="grid", na_rep="n/a")


def findings_html(findings: pd.DataFrame, bounds: pd.DataFrame) -> str:
    """The disparities as an HTML table: value, interval, rule, verdict (inconclusive where the interval crosses the bar)
    and the sentence."""
    rows = []
    for name, row in findings.to_dict("index").items():
        word = verdict_word(row)
        verdict = f'<span class="{word}">{word}</span>' if word in ("pass", "fail") else word
        note = inconclusive_note(row)
        verdict += f' <span class="inconclusive">({html.escape(note)})</span>' if note else ""
        value = "n/a" if pd.isna(row["value"]) else f"{row['value']:.3f}"
        low, high = bounds.loc[name, ["lower", "upper"]]
        interval = "n/a" if pd.isna(low) else f"{low:.3f}–{high:.3f}"
        rows.append(
            f"<tr><td>{html.escape(name.replace('_', ' '))}</td><td>{value}</td><td class='nowrap'>{interval}</td><td class='nowrap'>{html.escape(row['rule'])}</td>"
            f"<td>{verdict}</td><td class='words'>{html.escape(finding_sentence(name, row))}</td></tr>"
        )
    return (
        '<table class="grid"><thead><tr><th>disparity</th><th>value</th><th>95% interval</th><th>passes when</th><th></th>'
        f"<th class='words'>in words</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<p>Intervals: {html.escape(DISPARITY_INTERVAL_METHOD)}.</p>"
    )


@functools.cache
def static_file(name: str) -> str:
    """A file shipped in ``fairdash/present/static`` (the report's page template, style and script), as text."""
    return resources.files("fairdash.present").joinpath("static", name).read_text(encoding="utf-8")
