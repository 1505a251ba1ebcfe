"""Two audits compared, shown: one chart of each disparity's change with its interval, and a table."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from fairdash.store.compare import Comparison

__all__ = ["comparison_chart", "comparison_table"]


def comparison_chart(comparison: Comparison) -> go.Figure:
    """Each disparity's change between the same two groups (after minus before), with its 95% interval; red where the
    change is beyond chance. Disparities whose change could not be tested are left out."""
    rows = comparison.disparities.dropna(subset=["lower"])
    colours = ["#c0392b" if beyond else "#7f8c8d" for beyond in rows["beyond_chance"]]
    figure = go.Figure(go.Scatter(
        x=rows["tested_change"], y=[name.replace("_", " ") for name in rows.index], mode="markers",
        marker={"color": colours, "size": 10},
        error_x={"type": "data", "symmetric": False, "array": rows["upper"] - rows["tested_change"],
                 "arrayminus": rows["tested_change"] - rows["lower"]},
        hovertemplate="%{y}: change %{x:+.3f}<extra></extra>", name="change"))
    figure.add_vline(x=0, line_dash="dot", line_color="#555")
    figure.update_layout(title="Change in each disparity, after minus before (95% intervals; red: beyond chance)",
                         xaxis_title="change", height=120 + 40 * len(rows), margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return figure


def comparison_table(comparison: Comparison) -> pd.DataFrame:
    """The disparities before and after, the change, its interval, p-value and verdict, as text for a page."""
    table = comparison.disparities
    return pd.DataFrame({
        "before": table["before"].map(lambda value: "undefined" if value != value else f"{value:.3f}"),
        "after": table["after"].map(lambda value: "undefined" if value != value else f"{value:.3f}"),
        "change": table["change"].map(lambda value: "undefined" if value != value else f"{value:+.3f}"),
        "95% interval": [f"{low:+.3f} to {high:+.3f}" if low == low else "" for low, high in zip(table["lower"], table["upper"])],
        "p-value": table["p_value"].map(lambda p: "" if p != p else f"{p:.2g}"),
        "beyond chance": table["beyond_chance"].map({True: "yes", False: "no"}).fillna(""),
    }, index=table.index).rename(index=lambda name: name.replace("_", " "))
