"""Local Law 144's tables (:mod:`fairdash.engine.ll144`) in words, as JSON and as a self-contained HTML page. No pass or
fail anywhere: the law sets no threshold."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from fairdash.engine.ll144 import BiasAuditTables
from fairdash.present.document import json_number
from fairdash.present.page import html_page, section, table_html
from fairdash.present.text import percent

__all__ = ["RATE_WORDS", "bias_audit_frame", "bias_audit_html", "bias_audit_json", "bias_audit_notes"]

RATE_WORDS = {
    "selection": "Selection rate: the share of the category's applicants who were selected.",
    "scoring": "Scoring rate: the share of the category's applicants whose score is above the median score of all applicants.",
}
"""What ``rate`` is, for each kind of table."""


def bias_audit_json(result: BiasAuditTables) -> dict[str, Any]:
    """``{"kind", "tables": {attribute: [{"category", "applicants", "rate", "impact_ratio", "excluded"}]},
    "unknown": {attribute: count}, "rows", "median_score" (scoring only, else null), "excluded_below",
    "definitions"}``; an excluded category's ``impact_ratio`` is null."""
    return {
        "kind": result.kind,
        "tables": {
            name: [
                {
                    "category": str(category),
                    "applicants": int(row["applicants"]),
                    "rate": json_number(row["rate"]),
                    "impact_ratio": json_number(row["impact_ratio"]),
                    "excluded": bool(row["excluded"]),
                }
                for category, row in table.iterrows()
            ]
            for name, table in result.tables.items()
        },
        "unknown": {name: int(count) for name, count in result.unknown.items()},
        "rows": result.rows,
        "median_score": json_number(result.median) if result.median is not None else None,
        "excluded_below": result.exclude_below,
        "definitions": {
            "rate": RATE_WORDS[result.kind],
            "impact_ratio": "The category's rate over the highest rate among the categories not excluded.",
            "excluded": f"The category has under {result.exclude_below:.0%} of all rows: its rate is shown, "
            "but it is left out of the impact ratios.",
        },
    }


def bias_audit_frame(result: BiasAuditTables, attribute: str) -> pd.DataFrame:
    """One attribute's table for people: applicants with separators, rates as percentages, impact ratios to 3 places."""
    table = result.tables[attribute]
    rate = "Scoring rate" if result.kind == "scoring" else "Selection rate"
    return pd.DataFrame(
        {
            "Applicants": table["applicants"].map("{:,}".format),
            rate: table["rate"].map(percent),
            "Impact ratio": [
                ("excluded (under " + f"{result.exclude_below:.0%})") if excluded else "n/a" if pd.isna(ratio) else f"{ratio:.3f}"
                for ratio, excluded in zip(table["impact_ratio"], table["excluded"])
            ],
        },
        index=pd.Index(table.index, name="Category"),
    )


def bias_audit_notes(result: BiasAuditTables) -> list[str]:
    """The sentences under the tables: what the rate is, the median (scoring), exclusions, unknowns, no pass mark."""
    notes = [RATE_WORDS[result.kind]]
    if result.median is not None:
        notes.append(
            f"The median score of all {result.rows:,} applicants is {result.median:g}; a score equal to it is not above it."
        )
    notes.append(
        f"Impact ratio: the category's rate over the highest rate among the categories not excluded. A category "
        f"with under {result.exclude_below:.0%} of all applicants is shown with its rate but left out of the impact ratios."
    )
    for name, count in result.unknown.items():
        if count:
            notes.append(f"{count:,} applicants of unknown {name} are in none of its categories.")
    notes.append("Local Law 144 sets no pass mark: these tables report, they do not judge.")
    return notes


def bias_audit_html(result: BiasAuditTables, *, title: str, made_by: str) -> str:
    """The tables as one self-contained HTML page (every label from the data escaped)."""
    sections = [section(f"By {name}", table_html(bias_audit_frame(result, name))) for name in result.tables]
    notes = "".join(f"<p>{html.escape(note)}</p>" for note in bias_audit_notes(result))
    return html_page(title, [*sections, section("How these numbers are defined", notes)], made_by=made_by, charts=False)
