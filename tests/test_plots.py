"""The figures draw the engine's numbers: what a chart shows is checked against an independent count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix

from fairdash.engine.intervals import metric_intervals
from fairdash.engine.metrics import group_metrics, overall_metrics
from fairdash.present import plots


@pytest.fixture(scope="module")
def decisions(people):
    selected = (people["score"] >= 0.5).to_numpy()
    table = group_metrics(people["hired"], selected, people["race"], positive_label="yes")
    return people, selected, table


def test_confusion_matrices_draw_sklearns_counts_per_group(decisions):
    people, selected, table = decisions
    figure = plots.confusion_matrices(table)
    heatmaps = [trace for trace in figure.data if trace.type == "heatmap"]
    groups = list(table.index)
    assert len(heatmaps) == len(groups)  # one matrix per group, none for all rows
    for label, heatmap in zip(groups, heatmaps):
        rows = (people["race"] == label).to_numpy()
        # sklearn orders labels [negative, positive]; the figure puts the positive class first.
        (tn, fp), (fn, tp) = confusion_matrix(people["hired"][rows] == "yes", selected[rows], labels=[False, True])
        assert np.array_equal(np.asarray(heatmap.z), [[tp, fn], [fp, tn]])
        assert heatmap.text[0][0] == f"{tp:,}"
    titles = [annotation.text for annotation in figure.layout.annotations]
    assert titles == [f"{label} (n={int(table.loc[label, 'count']):,})" for label in groups]


def test_row_normalised_matrices_are_shares_of_each_actual_class(decisions):
    _, _, table = decisions
    figure = plots.confusion_matrices(table, normalize=True)
    for label, heatmap in zip(table.index, figure.data):
        shares = np.asarray(heatmap.z)
        np.testing.assert_allclose(shares.sum(axis=1), 1.0)
        # The top-left share is the true positive rate of the metric table.
        assert shares[0, 0] == pytest.approx(table.loc[label, "tpr"])


def test_rate_bars_error_bars_reach_the_rate_interval(decisions):
    people, selected, table = decisions
    intervals = metric_intervals(people["hired"], selected, people["race"], positive_label="yes")
    figure = plots.rate_bars(table, intervals, reference="A")
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert [bar.name for bar in bars] == ["Selection rate", "True positive rate", "False positive rate", "Precision"]
    selection = bars[0]
    assert list(selection.x) == ["A (ref.)", "B", "C"]
    groups = ["A", "B", "C"]
    np.testing.assert_allclose(selection.y, table.loc[groups, "selection_rate"])
    np.testing.assert_allclose(
        np.asarray(selection.y) + np.asarray(selection.error_y.array), intervals.upper.loc[groups, "selection_rate"]
    )
    np.testing.assert_allclose(
        np.asarray(selection.y) - np.asarray(selection.error_y.arrayminus), intervals.lower.loc[groups, "selection_rate"]
    )
    # The dotted line is the overall selection rate.
    assert figure.layout.shapes[0].y0 == pytest.approx(overall_metrics(table)["selection_rate"])


def test_waterfall_steps_add_up_to_the_total_with_the_rest_summed():
    shares = pd.Series(np.linspace(-1, 1, 20) ** 3, index=[f"f{i}" for i in range(20)])
    figure = plots.contributions(shares, title="gap", base=0.25, top=5)
    waterfall = figure.data[0]
    assert list(waterfall.measure) == ["absolute"] + ["relative"] * 6 + ["total"]
    assert waterfall.x[-2] == "15 other features"
    steps = np.asarray(waterfall.y[:-1], dtype=float)
    assert steps.sum() == pytest.approx(0.25 + shares.sum())
    # The five shown are the five largest in size, largest first.
    assert list(waterfall.x[1:6]) == list(shares.abs().sort_values(ascending=False).index[:5])


def test_beeswarm_puts_one_dot_per_row_at_its_shap_value():
    rng = np.random.default_rng(1)
    features = pd.DataFrame({"age": rng.integers(18, 80, 50), "job": rng.choice(["a", "b"], 50), "hours": rng.normal(40, 5, 50)})
    values = pd.DataFrame({"age": rng.normal(0, 3, 50), "job": rng.normal(0, 1, 50), "hours": rng.normal(0, 0.1, 50)})
    figure = plots.beeswarm(values, features)
    # Most important at the top: plotly draws the first line at the bottom.
    assert [trace.name for trace in figure.data] == ["hours", "job", "age"]
    for trace in figure.data:
        np.testing.assert_allclose(trace.x, values[trace.name])
        assert len(trace.y) == len(values)


def test_signed_bars_are_coloured_by_direction_like_the_waterfall():
    weights = pd.Series({"capital_gain": -0.6, "marital_status": 0.15, "age": 0.05})
    bars = plots.importance_bars(weights, title="LIME", axis_title="weight").data[0]
    waterfall = plots.contributions(weights, title="SHAP").data[0]
    colour = dict(zip(bars.y, bars.marker.color))
    assert colour["capital_gain"] == waterfall.decreasing.marker.color
    assert colour["marital_status"] == colour["age"] == waterfall.increasing.marker.color
    # Unsigned importances keep one colour.
    assert isinstance(plots.importance_bars(weights.abs(), title="|w|", axis_title="").data[0].marker.color, str)


def test_with_200_groups_each_chart_draws_the_highest_and_lowest_selection_rates():
    rng = np.random.default_rng(4)
    n = 20_000
    regions = rng.integers(0, 200, n)
    selected = rng.random(n) < (regions / 250)  # region k is selected at about k/250
    table = group_metrics(rng.integers(0, 2, n), selected, regions)
    assert len(table) == 200
    rates = pd.Series(selected).groupby(regions).mean()  # the oracle: a pass over the rows
    expected = {str(region) for region in rates.sort_values(kind="stable").index[:6]} | {
        str(region) for region in rates.sort_values(kind="stable").index[-6:]
    }
    bars = plots.rate_bars(table, metric_intervals(rng.integers(0, 2, n), selected, regions))
    assert {plots.html.unescape(x) for x in bars.data[0].x} == expected
    matrices = plots.confusion_matrices(table)
    assert {trace.name for trace in matrices.data} == expected
    roc = plots.roc_curves(pd.DataFrame({"group": np.repeat(table.index, 2), "fpr": 0.5, "tpr": 0.5}), table)
    assert {trace.name for trace in roc.data if trace.name} == expected
    for figure in (bars, matrices, roc):
        assert "12 of 200 groups" in figure.layout.title.text


def test_each_chart_has_a_text_alternative_naming_its_title_axes_and_series():
    """A screen reader cannot read a chart: its text alternative says what it shows, and a label from the data
    is escaped where the alternative goes (the report's figcaption)."""
    import pandas as pd

    from fairdash.present.plots import chart_description, chart_html, importance_bars, roc_curves

    labels = ["<img src=x onerror=alert(1)>", "men"]
    roc = pd.DataFrame(
        {"group": [label for label in labels for _ in range(3)], "fpr": [0.0, 0.5, 1.0] * 2, "tpr": [0.0, 0.7, 1.0] * 2}
    )
    figure = roc_curves(roc, pd.DataFrame({"fpr": [0.5, 0.5], "tpr": [0.7, 0.7], "selection_rate": [0.4, 0.5]}, index=labels))
    text = chart_description(figure)
    assert text.startswith("Chart: ROC curve by group")
    assert "Horizontal axis: False positive rate; vertical axis: True positive rate." in text
    assert "Series: <img src=x onerror=alert(1)>, men." in text  # plain text: escaped where it goes
    caption = chart_html(figure).split("<figcaption>")[1]
    assert "&lt;img src=x onerror=alert(1)&gt;" in caption and "<img" not in caption
    bars = chart_description(
        importance_bars(pd.Series({f"f{i}": 1.0 / (i + 1) for i in range(20)}), title="T", axis_title="mean |SHAP|", top=15)
    )
    assert "Bars for: " in bars and "and 3 more." in bars  # the 15 bars drawn: 12 named, then how many more
