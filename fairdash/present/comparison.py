"""Two audits compared, shown: one chart of each disparity's change with its interval, and a table (the Saved audits page
and ``python -m fairdash compare`` print the same table)."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd
import plotly.graph_objects as go

from fairdash.engine.compare import LEVEL, Comparison, Untested
from fairdash.errors import brief
from fairdash.present.document import json_number
from fairdash.present.plots import plot_text
from fairdash.present.sentences import comparison_notes, untested_text

__all__ = ["comparison_chart", "comparison_table", "tested_text", "comparison_json"]


def tested_text(row: pd.Series) -> str:
    """Which change a disparity's interval and p-value are of (a row of :attr:`Comparison.disparities`): the rate and the
    pair of groups tested (e.g. ``selection rate 'b' - 'c'``; a ratio ``'c' / 'b'``, as the disparity is defined), marked
    "(the disparity's own pair)" where those two groups define the disparity in both audits; or "untested" and why. Group
    names are quoted (``repr``), so a name from the data prints as text in a terminal; a page or a chart escapes the text
    for where it goes (markdown, plotly's tags)."""
    if row["rate"] is None or row["rate"] != row["rate"]:
        return f"untested: {untested_text(row['why_untested'])}" if isinstance(row["why_untested"], Untested) else "untested"
    high, low, rate = brief(row["high"], 40), brief(row["low"], 40), str(row["rate"]).replace("_", " ")
    pair = f"{high} - {low}" if row.name.endswith("_difference") else f"{low} / {high}"  # as the disparity is defined
    return f"{rate} {pair}" + (" (the disparity's own pair)" if row["tested_is_change"] else "")


def comparison_chart(comparison: Comparison) -> go.Figure:
    """Each disparity's tested change (after minus before, of the pair :func:`tested_text` names in the label, its group
    names escaped as plotly reads tags), with its simultaneous 95% interval; red where the change is beyond chance.
    Disparities whose change could not be tested are left out."""
    rows = comparison.disparities.dropna(subset=["lower"])
    colours = ["#c0392b" if beyond else "#7f8c8d" for beyond in rows["beyond_chance"]]
    labels = [plot_text(f"{name.replace('_', ' ')}: {tested_text(row)}") for name, row in rows.iterrows()]
    figure = go.Figure(
        go.Scatter(
            x=rows["tested_change"],
            y=labels,
            mode="markers",
            marker={"color": colours, "size": 10},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": rows["upper"] - rows["tested_change"],
                "arrayminus": rows["tested_change"] - rows["lower"],
            },
            hovertemplate="%{y}: change %{x:+.3f}<extra></extra>",
            name="tested change",
        )
    )
    figure.add_vline(x=0, line_dash="dot", line_color="#555")
    figure.update_layout(
        title="Change in the gap of the pair tested, after minus before (simultaneous 95% intervals; red: beyond chance)",
        xaxis_title="change",
        height=120 + 40 * len(rows),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
    )
    return figure


def comparison_table(comparison: Comparison) -> pd.DataFrame:
    """The disparities before and after and their change; then the pair tested (:func:`tested_text`), its change, its
    interval, p-value and verdict: the interval stands beside the change it is of. Text for a page or a terminal."""
    table = comparison.disparities

    def signed(value: float) -> str:
        return "undefined" if value != value else f"{value:+.3f}"

    tested = table["p_value"].notna()
    return pd.DataFrame(
        {
            "before": table["before"].map(lambda value: "undefined" if value != value else f"{value:.3f}"),
            "after": table["after"].map(lambda value: "undefined" if value != value else f"{value:.3f}"),
            "change": table["change"].map(signed),
            "pair tested": [tested_text(row) for _, row in table.iterrows()],
            "its change": [signed(value) if test else "" for value, test in zip(table["tested_change"], tested)],
            "its interval (simultaneous 95%)": [
                f"{low:+.3f} to {high:+.3f}" if low == low else "" for low, high in zip(table["lower"], table["upper"])
            ],
            "p-value (all pairs)": table["p_value"].map(lambda p: "" if p != p else f"{p:.2g}"),
            "beyond chance": table["beyond_chance"].map({True: "yes", False: "no"}).fillna(""),
        },
        index=table.index,
    ).rename(index=lambda name: name.replace("_", " "))


def _beyond_chance(value: Any) -> bool | None:
    return None if value is None or value != value else bool(value)


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """The comparison as JSON: ``disparities`` (name -> ``before``, ``after``, ``change``, ``interval``, ``p_value``,
    ``beyond_chance``, ``tested``: the rate, the two groups and the change between them that ``interval`` and
    ``p_value`` are of, ``is_change``: whether that is ``change`` itself, and ``groups``: how many groups' pairs were tested; ``why_untested``: why not tested, or
    null) and ``groups`` (group -> rate -> ``before``, ``after``, ``change``, ``before_interval``, ``after_interval``),
    with ``before``, ``after``, ``notes`` and ``method``."""

    def tested(row: Mapping[str, Any]) -> dict[str, Any] | None:
        return (
            None
            if pd.isna(row["rate"])
            else {
                "rate": row["rate"],
                "high": str(row["high"]),
                "low": str(row["low"]),
                "change": json_number(row["tested_change"]),
                "is_change": bool(row["tested_is_change"]),
                "groups": int(row["groups_tested"]),
            }
        )

    groups: dict[str, dict[str, Any]] = {}
    for (group, rate), row in comparison.groups.iterrows():
        groups.setdefault(str(group), {})[rate] = {
            "before": json_number(row["before"]),
            "after": json_number(row["after"]),
            "change": json_number(row["change"]),
            "before_interval": [json_number(row["before_lower"]), json_number(row["before_upper"])],
            "after_interval": [json_number(row["after_lower"]), json_number(row["after_upper"])],
        }
    return {
        "before": comparison.before,
        "after": comparison.after,
        "disparities": {
            name: {
                "before": json_number(row["before"]),
                "after": json_number(row["after"]),
                "change": json_number(row["change"]),
                "interval": [json_number(row["lower"]), json_number(row["upper"])],
                "p_value": json_number(row["p_value"]),
                "beyond_chance": _beyond_chance(row["beyond_chance"]),
                "tested": tested(row),
                "why_untested": untested_text(row["why_untested"]) if isinstance(row["why_untested"], Untested) else None,
            }
            for name, row in comparison.disparities.iterrows()
        },
        "groups": groups,
        "notes": comparison_notes(comparison.notes),
        "method": (
            "change = after - before; every pair of groups in both audits tested for a change in its gap (the "
            "binomial variances of the four proportions; ratios by the delta method); tested: the pair whose |z| is "
            "largest, its change (tested.change; tested.is_change: whether that is change itself) and p_value over all "
            "pairs of tested.groups groups (the largest |z| against the studentized range, Tukey-Kramer; Bonferroni over "
            f"the rates of equalized odds); beyond chance when p_value < {LEVEL:g} divided by the number of disparities "
            "tested; interval: the tested change's simultaneous interval at that same level"
        ),
    }
