"""Plotly figures, used by the dashboard's pages and the report alike.

Each function takes plain tables (as the metrics functions return them) and returns a new
``plotly.graph_objects.Figure``; where the figure goes is the caller's business. No global plotly
setting is changed.
"""

from __future__ import annotations

import html
import math
from typing import Any, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fairdash.engine.calibration import Calibration
from fairdash.engine.intervals import Intervals
from fairdash.engine.metrics import RATE_NAMES, overall_metrics
from fairdash.present.sentences import alert_text

__all__ = [
    "PALETTE",
    "MAX_GROUPS_DRAWN",
    "drawn_groups",
    "rate_bars",
    "confusion_matrices",
    "roc_curves",
    "tradeoff_curve",
    "fidelity_by_depth",
    "importance_bars",
    "beeswarm",
    "grouped_importance",
    "contributions",
    "fixes_tradeoff",
    "disparity_over_time",
    "group_mix",
    "score_drift",
    "calibration_curves",
    "subgroup_gaps",
    "plot_text",
    "chart_description",
    "chart_html",
]

PALETTE = ("#3b6ea8", "#e07b39", "#59a14f", "#b6992d", "#8c6bb1", "#d4a6c8", "#86bcb6", "#e15759", "#79706e", "#9d7660")
_LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=60, b=10), font=dict(size=13))


MAX_GROUPS_DRAWN = 12
"""Charts of more groups show the groups with the highest and lowest selection rates, this many in all."""


def drawn_groups(table: pd.DataFrame, *, rate: str = "selection_rate", limit: int = MAX_GROUPS_DRAWN) -> tuple[pd.DataFrame, str]:
    """The groups a chart draws, and a note for its title ("" when all are drawn).

    With more than ``limit`` groups, a chart of each would be unreadable: the ``limit // 2`` groups
    with the highest ``rate`` and as many with the lowest are drawn, in table order; the table on
    the page lists them all.
    """
    if len(table) <= limit:
        return table, ""
    ordered = table[rate].sort_values(kind="stable", na_position="first")
    kept = set(ordered.index[: limit // 2]) | set(ordered.index[-(limit - limit // 2) :])
    shown = table[table.index.isin(kept)]
    return shown, f" ({len(shown)} of {len(table)} groups: the highest and lowest {RATE_NAMES[rate].lower()}s)"


def plot_text(value: Any) -> str:
    """A label from the data as plotly text: plotly reads tags such as ``<a href>`` and ``<b>`` in
    text, so ``<``, ``>`` and ``&`` are written as entities (it shows them as the characters). Every
    figure that puts text from the data in a label, a title or a hover passes it through this."""
    return html.escape(str(value), quote=False)


def chart_description(figure: go.Figure, *, most: int = 12) -> str:
    """The figure's text alternative, as plain text (escape it where it goes): "Chart: " its title, its axes and its
    series (the first ``most`` of them, then how many more). Screen readers cannot read a chart; this says what it
    shows, and the page or report says where its numbers are."""
    layout = figure.layout
    parts = [f"Chart: {_plain(layout.title.text) or 'untitled'}."]
    axes = [
        f"{where} axis: {_plain(axis.title.text)}"
        for where, axis in (("horizontal", layout.xaxis), ("vertical", layout.yaxis))
        if axis.title.text
    ]
    if axes:
        text = "; ".join(axes)
        parts.append(text[0].upper() + text[1:] + ".")
    bars = [trace for trace in figure.data if trace.type == "bar"]
    for label, values in (
        ("Bars for", bars[0].x if bars and bars[0].orientation != "h" else None),
        ("Bars for", bars[0].y if bars and bars[0].orientation == "h" else None),
        ("Series", [trace.name for trace in figure.data if trace.name]),
    ):
        names = list(dict.fromkeys(_plain(value) for value in (values if values is not None else ()) if isinstance(value, str)))
        if names:
            more = f" and {len(names) - most} more" if len(names) > most else ""
            parts.append(f"{label}: {', '.join(names[:most])}{more}.")
    return " ".join(parts)


def chart_html(figure: go.Figure) -> str:
    """The figure as an HTML ``<figure>`` for a report (plotly.js loaded by the page), its text alternative
    (:func:`chart_description`) as the caption."""
    drawn = figure.to_html(include_plotlyjs=False, full_html=False, config={"displaylogo": False})
    return f'<figure class="chart">{drawn}<figcaption>{html.escape(chart_description(figure))}</figcaption></figure>'


def _plain(text: Any) -> str:
    """Plotly text (entities and <br>) as plain text."""
    return "" if text is None else html.unescape(" ".join(str(text).replace("<br>", " ").split()))


def rate_bars(
    table: pd.DataFrame,
    intervals: Intervals | None = None,
    *,
    rates: Sequence[str] = ("selection_rate", "tpr", "fpr", "precision"),
    reference: str | None = None,
) -> go.Figure:
    """Grouped bars: one colour per rate, one cluster per group, with confidence intervals as error bars
    (of many groups, those of :func:`drawn_groups`)."""
    groups, note = drawn_groups(table)
    figure = go.Figure()
    for position, rate in enumerate(rates):
        values = groups[rate]
        error = None
        if intervals is not None:
            lower = intervals.lower.loc[groups.index, rate]
            upper = intervals.upper.loc[groups.index, rate]
            error = dict(
                type="data", array=(upper - values).clip(lower=0), arrayminus=(values - lower).clip(lower=0), visible=True
            )
        figure.add_bar(
            name=RATE_NAMES[rate],
            x=[plot_text(_mark_reference(label, reference)) for label in groups.index],
            y=values,
            error_y=error,
            marker_color=PALETTE[position % len(PALETTE)],
            hovertemplate="%{x}<br>" + RATE_NAMES[rate] + ": %{y:.3f}<extra></extra>",
        )
    overall_rate = overall_metrics(table)[rates[0]] if len(table) else float("nan")
    if not math.isnan(overall_rate):
        figure.add_hline(
            y=overall_rate,
            line_dash="dot",
            line_color="#555",
            annotation_text=f"overall {RATE_NAMES[rates[0]].lower()}",
            annotation_position="top left",
        )
    title = "Rates by group" + (" (bars: 95% interval)" if intervals is not None else "") + note
    figure.update_layout(
        title=title,
        barmode="group",
        yaxis=dict(range=[0, 1.05], tickformat=".0%"),
        legend=dict(orientation="h", y=-0.15),
        **_LAYOUT,
    )
    return figure


def _mark_reference(label: str, reference: str | None) -> str:
    return f"{label} (ref.)" if label == reference else label


def confusion_matrices(table: pd.DataFrame, *, normalize: bool = False, columns: int = 4) -> go.Figure:
    """One 2x2 heatmap per group: actual (rows) against predicted (columns); counts or row shares
    (of many groups, those of :func:`drawn_groups`)."""
    groups, note = drawn_groups(table)
    count = len(groups)
    columns = min(columns, count)
    rows = math.ceil(count / columns)
    figure = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[plot_text(f"{label} (n={n:,})") for label, n in groups["count"].items()],
        shared_yaxes=True,  # row labels once per row of matrices, not overlapping the next matrix
        horizontal_spacing=0.04,
        vertical_spacing=min(0.12, 0.5 / (rows - 1)) if rows > 1 else 0.1,
    )
    for position, (label, row) in enumerate(groups.iterrows()):
        cells = np.array([[row["tp"], row["fn"]], [row["fp"], row["tn"]]], dtype=float)
        shown = (
            cells / np.where(cells.sum(axis=1, keepdims=True) > 0, cells.sum(axis=1, keepdims=True), 1) if normalize else cells
        )
        text = [[f"{value:.0%}" if normalize else f"{int(value):,}" for value in line] for line in shown]
        figure.add_trace(
            go.Heatmap(
                z=shown,
                x=["predicted +", "predicted −"],
                y=["actual +", "actual −"],
                text=text,
                texttemplate="%{text}",
                colorscale="Blues",
                showscale=False,
                zmin=0,
                zmax=1 if normalize else None,
                name=plot_text(label),
                hovertemplate="%{y}, %{x}: %{text}<extra>%{fullData.name}</extra>",
            ),
            row=position // columns + 1,
            col=position % columns + 1,
        )
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(
        title="Confusion matrices by group" + (" (share of each actual class)" if normalize else " (counts)") + note,
        height=220 * rows + 80,
        **_LAYOUT,
    )
    return figure


def roc_curves(roc: pd.DataFrame, operating_points: pd.DataFrame) -> go.Figure:
    """Each group's ROC curve, with a marker where the current threshold puts it.

    ``roc`` has columns ``group, fpr, tpr`` (as :meth:`ThresholdCurves.roc` returns);
    ``operating_points`` is a metric table (index: group; columns ``fpr``, ``tpr``); of many groups,
    those of :func:`drawn_groups` are drawn.
    """
    operating_points, note = drawn_groups(operating_points)
    roc = roc[roc["group"].isin(operating_points.index)]
    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dot", color="#aaa"), showlegend=False, hoverinfo="skip")
    for position, (label, curve) in enumerate(roc.groupby("group", sort=False)):
        colour = PALETTE[position % len(PALETTE)]
        figure.add_scatter(
            x=curve["fpr"],
            y=curve["tpr"],
            mode="lines",
            name=plot_text(label),
            line=dict(color=colour),
            hovertemplate="FPR %{x:.3f}, TPR %{y:.3f}<extra>%{fullData.name}</extra>",
        )
        if label in operating_points.index:
            point = operating_points.loc[label]
            figure.add_scatter(
                x=[point["fpr"]],
                y=[point["tpr"]],
                mode="markers",
                marker=dict(size=12, color=colour, line=dict(width=2, color="white")),
                showlegend=False,
                name=plot_text(label),
                hovertemplate="current threshold<br>FPR %{x:.3f}, TPR %{y:.3f}<extra>%{fullData.name}</extra>",
            )
    figure.update_layout(
        title="ROC curve by group (dots: current thresholds)" + note,
        xaxis_title="False positive rate",
        yaxis_title="True positive rate",
        xaxis=dict(range=[0, 1]),
        yaxis=dict(range=[0, 1.02]),
        **_LAYOUT,
    )
    return figure


def tradeoff_curve(curve: pd.DataFrame, disparity: str, *, current: tuple[float, float] | None = None) -> go.Figure:
    """Accuracy against a disparity over every global threshold, the current setting marked."""
    figure = go.Figure()
    figure.add_scatter(
        x=curve[disparity],
        y=curve["accuracy"],
        mode="lines+markers",
        marker=dict(size=4, color=PALETTE[0]),
        customdata=curve["threshold"],
        name="one threshold for all",
        hovertemplate="threshold %{customdata:.3g}<br>disparity %{x:.3f}<br>accuracy %{y:.3f}<extra></extra>",
    )
    if current is not None:
        figure.add_scatter(
            x=[current[1]],
            y=[current[0]],
            mode="markers",
            name="current setting",
            marker=dict(size=16, symbol="star", color=PALETTE[1], line=dict(width=1, color="#333")),
        )
    label = disparity.replace("_", " ")
    figure.update_layout(
        title=f"Accuracy against {label}",
        xaxis_title=label,
        yaxis_title="accuracy",
        legend=dict(orientation="h", y=-0.2),
        **_LAYOUT,
    )
    return figure


def fidelity_by_depth(curve: pd.DataFrame, *, current_depth: int | None = None) -> go.Figure:
    """Held-out fidelity of the surrogate tree at each depth, with the number of rules as labels."""
    figure = go.Figure()
    figure.add_scatter(
        x=curve["depth"],
        y=curve["fidelity"],
        mode="lines+markers+text",
        text=[f"{n} rules" for n in curve["rules"]],
        textposition="bottom right",
        marker=dict(color=PALETTE[0], size=8),
        name="fidelity",
        hovertemplate="depth %{x}: fidelity %{y:.1%}<extra></extra>",
    )
    if current_depth is not None and current_depth in set(curve["depth"]):
        chosen = curve.set_index("depth").loc[current_depth]
        figure.add_scatter(
            x=[current_depth],
            y=[chosen["fidelity"]],
            mode="markers",
            name="current depth",
            marker=dict(size=16, symbol="star", color=PALETTE[1], line=dict(width=1, color="#333")),
        )
    figure.update_layout(
        title="Fidelity against depth (held-out rows)",
        xaxis_title="depth",
        yaxis_title="fidelity",
        yaxis=dict(tickformat=".1%"),
        showlegend=False,
        height=320,
        **_LAYOUT,
    )
    return figure


def importance_bars(importance: pd.Series, *, title: str, axis_title: str, top: int = 15) -> go.Figure:
    """Horizontal bars, the most important at the top. Signed values (LIME weights) are coloured as in
    :func:`contributions`: red pushes towards selection, blue away from it."""
    shown = importance.head(top)[::-1]
    colours = [PALETTE[7] if value > 0 else PALETTE[0] for value in shown] if (shown < 0).any() else PALETTE[0]
    figure = go.Figure(
        go.Bar(
            x=shown.to_numpy(),
            y=[plot_text(name) for name in shown.index],
            orientation="h",
            marker_color=colours,
            hovertemplate="%{y}: %{x:.4f}<extra></extra>",
        )
    )
    figure.update_layout(title=plot_text(title), xaxis_title=axis_title, height=120 + 24 * len(shown), **_LAYOUT)
    return figure


def beeswarm(values: pd.DataFrame, features: pd.DataFrame, *, top: int = 12, random_state: int = 0) -> go.Figure:
    """One dot per row and feature: its SHAP value (x), jittered within the feature's line, coloured by
    the feature's value (numbers: low blue to high red; text: grey)."""
    order = values.abs().mean().sort_values(ascending=False).index[:top][::-1]
    rng = np.random.default_rng(random_state)
    figure = go.Figure()
    scale_shown = False
    for line, feature in enumerate(order):
        # A SHAP column may not be a table column (a pipeline step that does not name its outputs).
        column = features.loc[values.index, feature] if feature in features.columns else pd.Series("", index=values.index)
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        if numeric:
            low, high = np.nanpercentile(column.astype(float), [5, 95])
            colour = np.clip((column.astype(float) - low) / (high - low if high > low else 1), 0, 1)
            marker = dict(
                color=colour,
                colorscale="RdBu_r",
                cmin=0,
                cmax=1,
                size=4,
                opacity=0.7,
                showscale=not scale_shown,
                colorbar=dict(title="feature value", tickvals=[0, 1], ticktext=["low", "high"]),
            )
            scale_shown = True
        else:
            marker = dict(color="#888", size=4, opacity=0.6)
        figure.add_scatter(
            x=values[feature],
            y=line + rng.uniform(-0.3, 0.3, len(values)),
            mode="markers",
            marker=marker,
            name=plot_text(feature),
            showlegend=False,
            customdata=column.astype(str).map(plot_text),
            hovertemplate="%{fullData.name} = %{customdata}<br>SHAP %{x:.3f}<extra></extra>",
        )
    figure.update_layout(
        title="SHAP values by feature (one dot per row)",
        xaxis_title="SHAP value (contribution to the output)",
        yaxis=dict(tickvals=list(range(len(order))), ticktext=[plot_text(f) for f in order]),
        height=140 + 34 * len(order),
        **_LAYOUT,
    )
    return figure


def grouped_importance(table: pd.DataFrame, *, top: int = 12) -> go.Figure:
    """Mean |SHAP| per feature, one bar per group, side by side."""
    shown = table.head(top)
    figure = go.Figure()
    for position, group in enumerate(shown.columns):
        figure.add_bar(
            name=plot_text(group),
            x=[plot_text(f) for f in shown.index],
            y=shown[group],
            marker_color=PALETTE[position % len(PALETTE)],
        )
    figure.update_layout(
        title="Mean |SHAP| by group", barmode="group", yaxis_title="mean |SHAP|", legend=dict(orientation="h", y=-0.3), **_LAYOUT
    )
    return figure


def contributions(
    shares: pd.Series, *, title: str, base: float | None = None, total_label: str = "total", top: int = 12
) -> go.Figure:
    """A waterfall of contributions (largest first; the rest summed), from ``base`` (if given) to the total."""
    ordered = shares.reindex(shares.abs().sort_values(ascending=False).index)
    head, rest = ordered.head(top), ordered.iloc[top:]
    labels = [plot_text(name) for name in head.index] + (
        [f"{len(rest)} other feature{'s' if len(rest) > 1 else ''}"] if len(rest) else []
    )
    steps = list(head.to_numpy()) + ([float(rest.sum())] if len(rest) else [])
    measures = ["relative"] * len(steps)
    if base is not None:
        labels, steps, measures = ["base value"] + labels, [base] + steps, ["absolute"] + measures
    figure = go.Figure(
        go.Waterfall(
            x=labels + [total_label],
            y=steps + [0.0],
            measure=measures + ["total"],
            orientation="v",
            increasing=dict(marker=dict(color=PALETTE[7])),
            decreasing=dict(marker=dict(color=PALETTE[0])),
            totals=dict(marker=dict(color="#555")),
            hovertemplate="%{x}: %{y:.4f}<extra></extra>",
        )
    )
    figure.update_layout(title=plot_text(title), showlegend=False, **_LAYOUT)
    return figure


def fixes_tradeoff(fixes: Sequence[Any], disparity: str, *, score: str = "accuracy") -> go.Figure:
    """Every fix as a point (reductions as a curve over its bounds): ``score`` against ``disparity``,
    the disparity's interval as a horizontal error bar, the original marked with a star."""
    figure = go.Figure()
    made = [fix for fix in fixes if fix.error is None]
    kinds = list(dict.fromkeys(fix.name for fix in made))
    for position, kind in enumerate(kinds):
        members = [fix for fix in made if fix.name == kind]
        x = [fix.disparities.get(disparity, float("nan")) for fix in members]
        bounds = [fix.intervals.disparities.loc[disparity] for fix in members]
        figure.add_scatter(
            x=x,
            y=[getattr(fix, score) for fix in members],
            name=plot_text(members[0].title if len(members) == 1 else members[0].title.split(" (")[0] + " (one point per bound)"),
            mode="lines+markers" if len(members) > 1 else "markers",
            marker=dict(
                size=18 if kind == "original" else 11,
                symbol="star" if kind == "original" else "circle",
                color=PALETTE[position % len(PALETTE)],
                line=dict(width=1, color="#333"),
            ),
            error_x=dict(
                type="data",
                symmetric=False,
                array=[b["upper"] - v for b, v in zip(bounds, x)],
                arrayminus=[v - b["lower"] for b, v in zip(bounds, x)],
                thickness=1,
            ),
            text=[plot_text(fix.title) for fix in members],
            hovertemplate="%{text}<br>"
            + disparity.replace("_", " ")
            + " %{x:.3f}<br>"
            + score.replace("_", " ")
            + " %{y:.3f}<extra></extra>",
        )
    label = disparity.replace("_", " ")
    figure.update_layout(
        title=f"{score.replace('_', ' ').capitalize()} against {label}: every fix on the same rows",
        xaxis_title=f"{label} (bars: interval)",
        yaxis_title=score.replace("_", " "),
        legend=dict(orientation="h", y=-0.2),
        **_LAYOUT,
    )
    return figure


def _add_interval_band(figure: go.Figure, starts: list, lower: list[float], upper: list[float]) -> None:
    """The intervals from ``lower`` to ``upper`` at ``starts``, drawn on ``figure`` as a band (one legend entry)."""
    # The band, one polygon per run of windows where the interval is defined (a polygon through a gap folds over).
    defined = [not (math.isnan(low) or math.isnan(high)) for low, high in zip(lower, upper)]
    runs, run = [], []
    for position, ok in enumerate(defined + [False]):
        if ok:
            run.append(position)
        elif run:
            runs.append(run)
            run = []
    for number, run in enumerate(runs):
        x = [starts[i] for i in run]
        figure.add_scatter(
            x=x + x[::-1],
            y=[upper[i] for i in run] + [lower[i] for i in run][::-1],
            fill="toself",
            fillcolor="rgba(59,110,168,0.15)",
            line=dict(width=0),
            hoverinfo="skip",
            mode="lines",
            name="interval (at least 95%)",
            legendgroup="interval",
            showlegend=number == 0,
        )


def disparity_over_time(result: Any, name: str, *, gate: float | None = None) -> go.Figure:
    """One disparity per window with its interval as a band, the gate as a dashed line; windows whose
    outcomes are mostly not in yet drawn hollow; alerts marked."""
    starts = [window.start for window in result.windows]
    values = [window.disparities.get(name, float("nan")) for window in result.windows]
    lower = [window.disparity_bounds.loc[name, "lower"] for window in result.windows]
    upper = [window.disparity_bounds.loc[name, "upper"] for window in result.windows]
    label = name.replace("_", " ")
    figure = go.Figure()
    _add_interval_band(figure, starts, lower, upper)
    pending = [window.pending for window in result.windows]
    figure.add_scatter(
        x=starts,
        y=values,
        mode="lines+markers",
        name=label,
        line=dict(color=PALETTE[0]),
        marker=dict(size=8, color=["white" if late else PALETTE[0] for late in pending], line=dict(width=2, color=PALETTE[0])),
        customdata=[["outcomes mostly not in yet" if late else ""] for late in pending],
        hovertemplate="%{x|%Y-%m-%d}<br>" + label + " %{y:.3f}<br>%{customdata[0]}<extra></extra>",
    )
    if gate is not None:
        figure.add_hline(
            y=gate, line_dash="dash", line_color=PALETTE[1], annotation_text=f"gate {gate:g}", annotation_position="top left"
        )
    alerted = [alert for alert in result.alerts if alert["disparity"] == name]
    if alerted:
        figure.add_scatter(
            x=[alert["window"] for alert in alerted],
            y=[alert["value"] for alert in alerted],
            mode="markers",
            name="alert",
            marker=dict(symbol="x", size=14, color=PALETTE[1]),
            text=[plot_text(alert_text(alert["reason"])) for alert in alerted],
            hovertemplate="%{text}<extra></extra>",
        )
    figure.update_layout(
        title=f"{label.capitalize()} by {result.counts.spec.window}",
        xaxis_title=result.counts.spec.window,
        yaxis_title=label,
        legend=dict(orientation="h", y=-0.2),
        **_LAYOUT,
    )
    return figure


def group_mix(result: Any) -> go.Figure:
    """Each group's share of the rows in each window, stacked."""
    labels = result.counts.labels
    shares = pd.DataFrame(
        [{label: window.table["count"].get(label, 0) / max(window.rows, 1) for label in labels} for window in result.windows],
        index=[window.start for window in result.windows],
    )
    figure = go.Figure()
    for position, label in enumerate(labels):
        figure.add_scatter(
            x=shares.index,
            y=shares[label],
            stackgroup="mix",
            name=plot_text(label),
            mode="lines",
            line=dict(width=0.5, color=PALETTE[position % len(PALETTE)]),
            hovertemplate=plot_text(label) + " %{y:.1%}<extra></extra>",
        )
    figure.update_layout(
        title="Group mix: each group's share of the rows",
        yaxis=dict(tickformat=".0%", range=[0, 1]),
        legend=dict(orientation="h", y=-0.2),
        **_LAYOUT,
    )
    return figure


def score_drift(result: Any) -> go.Figure:
    """Each judged group's population stability index against the baseline window (0.1: some drift; 0.25: a shift)."""
    figure = go.Figure()
    for position, label in enumerate(result.counts.labels):
        points = [
            (window.start, window.psi.get(label))
            for window in result.windows
            if label in window.psi.index and label not in window.left_out
        ]
        if not points:
            continue
        figure.add_scatter(
            x=[start for start, _ in points],
            y=[value for _, value in points],
            mode="lines+markers",
            name=plot_text(label),
            line=dict(color=PALETTE[position % len(PALETTE)]),
            hovertemplate=plot_text(label) + " PSI %{y:.3f}<extra></extra>",
        )
    for level, text in ((0.1, "some drift"), (0.25, "a shift")):
        figure.add_hline(y=level, line_dash="dot", line_color="#999", annotation_text=text, annotation_position="top left")
    figure.update_layout(
        title=f"Score drift per group against the baseline window ({result.baseline.date()})",
        yaxis_title="PSI",
        legend=dict(orientation="h", y=-0.2),
        **_LAYOUT,
    )
    return figure


def calibration_curves(calibration: Calibration, *, limit: int = MAX_GROUPS_DRAWN) -> go.Figure:
    """Each group's reliability curve: mean score against the observed positive rate per bin, each point with its exact
    interval and count; the diagonal where the score is a probability. Of more than ``limit`` groups, the largest are
    drawn; groups too small for the gap are dotted and faint (their points swing by chance)."""
    groups = sorted(calibration.groups.items(), key=lambda item: -item[1].count)
    drawn, note = groups[:limit], (f" ({limit} largest of {len(groups)} groups)" if len(groups) > limit else "")
    figure = go.Figure()
    if calibration.probability:
        figure.add_scatter(
            x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dot", color="#aaa"), name="perfectly calibrated", hoverinfo="skip"
        )
    for position, (label, group) in enumerate(drawn):
        points = group.points
        figure.add_scatter(
            x=points["mean_score"],
            y=points["observed"],
            mode="lines+markers",
            name=plot_text(label if label in calibration.judged else f"{label} (too small to judge)"),
            line=dict(color=PALETTE[position % len(PALETTE)], dash="solid" if label in calibration.judged else "dot"),
            opacity=1.0 if label in calibration.judged else 0.45,
            customdata=points[["count"]].to_numpy(),
            error_y=dict(
                type="data",
                array=(points["interval_upper"] - points["observed"]).clip(lower=0),
                arrayminus=(points["observed"] - points["interval_lower"]).clip(lower=0),
                visible=True,
                thickness=1,
            ),
            hovertemplate="mean score %{x:.3g}<br>observed %{y:.1%} of %{customdata[0]:,} rows<extra>%{fullData.name}</extra>",
        )
    by_value = calibration.bins == "score values"
    title = (
        ("Observed positive rate per score value, by group" if not calibration.probability else "Calibration within groups")
        + " (bars: exact 95% intervals)"
        + note
    )
    figure.update_layout(
        title=title,
        xaxis_title="score" if by_value else "mean score in the bin (equal-count bins per group)",
        yaxis_title="observed positive rate",
        yaxis=dict(range=[0, 1.02], tickformat=".0%"),
        legend=dict(orientation="h", y=-0.2),
        **_LAYOUT,
    )
    if calibration.probability:
        figure.update_xaxes(range=[0, 1])
    return figure


def subgroup_gaps(results: pd.DataFrame, *, top: int = 15) -> go.Figure:
    """The best subgroups' gaps against the rest (the results of :func:`fairdash.engine.subgroups.find_subgroups`), each
    with its simultaneous interval, one bar per (subgroup, rate)."""
    shown = results.head(top).iloc[::-1]
    labels = [
        plot_text(f"{subgroup} · {RATE_NAMES[metric].lower()}") for subgroup, metric in zip(shown["subgroup"], shown["metric"])
    ]
    figure = go.Figure()
    figure.add_bar(
        x=shown["gap"],
        y=labels,
        orientation="h",
        marker_color=[PALETTE[1] if gap > 0 else PALETTE[0] for gap in shown["gap"]],
        error_x=dict(
            type="data",
            array=(shown["upper"] - shown["gap"]).clip(lower=0),
            arrayminus=(shown["gap"] - shown["lower"]).clip(lower=0),
            visible=True,
        ),
        customdata=shown[["size"]].to_numpy(),
        hovertemplate="%{y}<br>gap %{x:+.1%} (%{customdata[0]:,} rows)<extra></extra>",
    )
    figure.add_vline(x=0, line_color="#555")
    figure.update_layout(
        title="Largest gaps against the rest of the rows (bars: intervals for all tests at once)",
        xaxis=dict(tickformat="+.0%", title="subgroup's rate minus the rest's"),
        height=120 + 28 * len(shown),
        showlegend=False,
        **_LAYOUT,
    )
    return figure
