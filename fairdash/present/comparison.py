"""Two audits compared, shown: one chart of each disparity's change with its interval, and a table (the Saved audits page
and ``python -m fairdash compare`` print the same table)."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd
import plotly.graph_objects as go

from fairdash.errors import brief
from fairdash.present.plots import plot_text
from fairdash.store.compare import Comparison

__all__ = ["comparison_chart", "comparison_table", "tested_text"]


def tested_text(row: Mapping[str, Any]) -> str:
    """What a disparity's interval and p-value are of (a row of :attr:`Comparison.disparities`): "the change" itself;
    or, where the extreme groups moved, the change in the gap between the two groups tested, named, with its value
    (e.g. ``selection rate 'b' - 'c': +0.031``; a ratio ``'c' / 'b'``); or "untested" and why. Group names are quoted
    (``repr``), so a name from the data prints as text in a terminal; a page or a chart escapes the text for where it goes
    (markdown, plotly's tags)."""
    if row["rate"] is None or row["rate"] != row["rate"]:
        return f"untested: {row['why_untested']}" if row["why_untested"] else "untested"
    if row["tested_is_change"]:
        return "the change"
    high, low, rate = brief(row["high"], 40), brief(row["low"], 40), str(row["rate"]).replace("_", " ")
    pair = f"{high} - {low}" if row.name.endswith("_difference") else f"{low} / {high}"  # as the disparity is defined
    return f"{rate} {pair}: {row['tested_change']:+.3f}"


def comparison_chart(comparison: Comparison) -> go.Figure:
    """Each disparity's tested change (after minus before), with its 95% interval; red where the change is beyond
    chance. A change tested between two groups other than the disparity's own in both audits is labelled with them
    (:func:`tested_text`, its group names escaped as plotly reads tags). Disparities whose change could not be tested are
    left out."""
    rows = comparison.disparities.dropna(subset=["lower"])
    colours = ["#c0392b" if beyond else "#7f8c8d" for beyond in rows["beyond_chance"]]
    labels = [plot_text(name.replace("_", " ") + ("" if row["tested_is_change"] else f" ({tested_text(row)})")) for name, row in rows.iterrows()]
    figure = go.Figure(go.Scatter(
        x=rows["tested_change"], y=labels, mode="markers",
        marker={"color": colours, "size": 10},
        error_x={"type": "data", "symmetric": False, "array": rows["upper"] - rows["tested_change"],
                 "arrayminus": rows["tested_change"] - rows["lower"]},
        hovertemplate="%{y}: change %{x:+.3f}<extra></extra>", name="change"))
    figure.add_vline(x=0, line_dash="dot", line_color="#555")
    figure.update_layout(title="Change in each disparity, after minus before (95% intervals; red: beyond chance)",
                         xaxis_title="change", height=120 + 40 * len(rows), margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return figure


def comparison_table(comparison: Comparison) -> pd.DataFrame:
    """The disparities before and after, the change, what the interval is of (:func:`tested_text`), the interval, p-value
    and verdict, as text for a page or a terminal."""
    table = comparison.disparities
    return pd.DataFrame({
        "before": table["before"].map(lambda value: "undefined" if value != value else f"{value:.3f}"),
        "after": table["after"].map(lambda value: "undefined" if value != value else f"{value:.3f}"),
        "change": table["change"].map(lambda value: "undefined" if value != value else f"{value:+.3f}"),
        "interval of": [tested_text(row) for _, row in table.iterrows()],
        "95% interval": [f"{low:+.3f} to {high:+.3f}" if low == low else "" for low, high in zip(table["lower"], table["upper"])],
        "p-value": table["p_value"].map(lambda p: "" if p != p else f"{p:.2g}"),
        "beyond chance": table["beyond_chance"].map({True: "yes", False: "no"}).fillna(""),
    }, index=table.index).rename(index=lambda name: name.replace("_", " "))
