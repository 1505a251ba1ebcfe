"""An audit result as a notebook shows it (``_repr_html_``): the headline disparities with their verdicts and 95%
intervals, then the per-group table. Every label from the data is escaped; numbers are the result's, never recomputed."""

from __future__ import annotations

import html
import math

import pandas as pd

from fairdash.engine.result import HTML_VIEWS, AuditResult
from fairdash.present.summary import summary_of
from fairdash.present.sentences import settings_text
from fairdash.present.text import formatted_table, threshold_text

__all__ = ["result_html", "headline_frame"]

_STYLE = (
    "<style>.fairdash-audit table{border-collapse:collapse;margin:.4em 0}.fairdash-audit td,.fairdash-audit th"
    "{padding:.15em .6em;text-align:right}.fairdash-audit .fail{color:#b00020;font-weight:600}"
    ".fairdash-audit .pass{color:#1b6e20}</style>"
)


def headline_frame(result: AuditResult) -> pd.DataFrame:
    """The headline disparities (:data:`fairdash.engine.findings.HEADLINE`): value, 95% interval and verdict, one row each."""
    rows = []
    for line in summary_of(result).headline:
        interval = "" if math.isnan(line.lower) else f"{line.lower:.3f} to {line.upper:.3f}"
        rows.append(
            {
                "disparity": line.name,
                "value": "undefined" if math.isnan(line.value) else f"{line.value:.3f}",
                "95% interval": interval,
                "rule": line.rule if isinstance(line.rule, str) else "",
                "verdict": line.verdict,
            }
        )
    return pd.DataFrame(rows).set_index("disparity")


def result_html(result: AuditResult, *, title: str | None = None, notes: tuple[str, ...] = ()) -> str:
    """The result as an HTML fragment for a notebook: a title, the settings, the headline disparities with their
    verdicts and intervals, the groups left out, the per-group table with intervals, and ``notes`` (warnings), all
    escaped."""
    settings = result.settings
    thresholds = threshold_text(settings.thresholds) if settings.thresholds is not None else "default"
    parts = [_STYLE, '<div class="fairdash-audit">']
    if title:
        parts.append(f"<h4>{html.escape(title)}</h4>")
    parts.append(f"<p>Threshold {html.escape(thresholds)}; {html.escape(settings_text(settings))}.</p>")
    headline = headline_frame(result)
    rows = "".join(
        f"<tr><th>{html.escape(str(name))}</th><td>{html.escape(row['value'])}</td><td>{html.escape(row['95% interval'])}"
        f'</td><td>{html.escape(row["rule"])}</td><td class="{html.escape(row["verdict"])}">{html.escape(row["verdict"])}</td></tr>'
        for name, row in headline.iterrows()
    )
    parts.append(
        "<table><thead><tr><th>disparity</th><th>value</th><th>95% interval</th><th>rule</th><th>verdict</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )
    if result.left_out:
        parts.append(
            f"<p>Left out of the disparities (under {settings.min_group_size} rows): "
            f"{html.escape(', '.join(map(str, result.left_out)))}.</p>"
        )
    table = formatted_table(result.by_group, result.intervals)
    parts.append(table.to_html(escape=True, border=0))  # escapes the group labels (the index) and every cell
    parts += [f"<p>{html.escape(note)}</p>" for note in notes]
    parts.append("</div>")
    return "\n".join(parts)


HTML_VIEWS.append(result_html)  # AuditResult._repr_html_ writes through this module: words at the edge
