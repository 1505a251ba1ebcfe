"""Many count tables judged at once (the Over time page's windows) equal each table judged alone by `judge`, the oracle."""

import math

import numpy as np
import pandas as pd
import pytest

from fairdash.engine.intervals import RATE_INTERVAL_METHOD, rate_intervals, rate_intervals_many
from fairdash.engine.result import AuditSettings, judge, judge_many
from fairdash.monitor.engines import MonitorSpec, count_log
from fairdash.monitor.logs import COMPAS_MONITOR, compas_log, synthetic_log
from fairdash.monitor.windows import monitor

TOLERANCE = 1e-12


def _same_frame(ours: pd.DataFrame, oracle: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(ours, oracle, check_exact=False, rtol=0, atol=TOLERANCE)


def _same_result(ours, oracle) -> None:
    pd.testing.assert_frame_equal(ours.by_group, oracle.by_group)
    pd.testing.assert_series_equal(ours.overall, oracle.overall, check_exact=False, rtol=0, atol=TOLERANCE)
    assert ours.left_out == oracle.left_out and ours.settings == oracle.settings
    for part in ("lower", "upper", "overall", "disparities"):
        _same_frame(getattr(ours.intervals, part), getattr(oracle.intervals, part))
    pd.testing.assert_series_equal(ours.intervals.too_small, oracle.intervals.too_small)
    assert (ours.intervals.confidence, ours.intervals.rate_method, ours.intervals.disparity_method) == (
        oracle.intervals.confidence,
        oracle.intervals.rate_method,
        oracle.intervals.disparity_method,
    )
    assert ours.disparities.keys() == oracle.disparities.keys()
    for name, value in oracle.disparities.items():
        mine = ours.disparities[name]
        if value is None or isinstance(value, (bool, np.bool_)):
            assert mine is value or mine == value, name
        else:
            assert (math.isnan(mine) and math.isnan(value)) or abs(mine - value) <= TOLERANCE, name
    pd.testing.assert_frame_equal(ours.findings, oracle.findings, check_exact=False, rtol=0, atol=TOLERANCE)


def _windows(counts, threshold):
    """Each window's counts and labels, as the monitor hands them to the audit (groups with rows only)."""
    at = counts.counts_at(threshold)
    tables, labels = [], []
    for window in at:
        present = window.sum(axis=1) > 0
        tables.append(window[present])
        labels.append([label for label, keep in zip(counts.labels, present) if keep])
    return tables, labels


@pytest.fixture(scope="module")
def compas_counts():
    return count_log(compas_log(), COMPAS_MONITOR)


@pytest.mark.parametrize(
    "threshold, settings",
    [
        (5.0, AuditSettings()),
        (3.0, AuditSettings(tolerance=0.05, min_group_size=0)),
        (8.0, AuditSettings(tolerance=0.2, min_group_size=100)),
    ],
)
def test_every_compas_month_judged_at_once_equals_judge_alone(compas_counts, threshold, settings):
    tables, labels = _windows(compas_counts, threshold)
    assert len(tables) == 24 and len({len(table) for table in tables}) > 1  # windows differ in their groups: padding is used
    ours = judge_many(tables, labels, settings, reference="Caucasian")
    assert len(ours) == len(tables)
    for table, names, result in zip(tables, labels, ours):
        _same_result(result, judge(table, names, settings, reference="Caucasian"))


def test_the_monitor_equals_its_windows_judged_one_by_one(compas_counts):
    settings = AuditSettings(thresholds=6.0)
    result = monitor(compas_counts, threshold=6.0)
    tables, labels = _windows(compas_counts, 6.0)
    for window, table, names in zip(result.windows, tables, labels):
        _same_result(window.result, judge(table, names, settings))


def test_a_synthetic_log_with_pending_months_equals_judge_alone():
    spec = MonitorSpec(time="time", target="outcome", positive_label=1, sensitive=("group",), score="score")
    counts = count_log(synthetic_log(30_000, months=12, drift_month=6, pending_months=3, random_state=2), spec)
    result = monitor(counts, threshold=0.5, baseline=str(counts.windows[2].date()))
    tables, labels = _windows(counts, 0.5)
    assert any(window.pending for window in result.windows)
    for window, table, names in zip(result.windows, tables, labels):
        _same_result(window.result, judge(table, names, AuditSettings(thresholds=0.5)))


def _random_tables(rng, cells):
    """Small and odd tables: one group, empty groups, no positives, no one selected, no known outcome."""
    tables = []
    for _ in range(40):
        groups = int(rng.integers(1, 6))
        table = rng.integers(0, rng.choice([2, 5, 40, 400]), size=(groups, cells))
        if rng.random() < 0.3:
            table[:, [0, 3]] = 0  # no positives: TPR undefined everywhere
        if rng.random() < 0.2:
            table[:, [0, 1]] = 0  # no one selected: the ratios undefined
        if cells == 6 and rng.random() < 0.2:
            table[:, :4] = 0  # no outcome known yet
        if rng.random() < 0.2:
            table[rng.integers(groups)] = 0  # a group without rows
        tables.append(table)
    return tables


@pytest.mark.parametrize("cells", [4, 6])
def test_odd_tables_equal_their_own_intervals_and_results(cells):
    tables = _random_tables(np.random.default_rng(cells), cells)
    labels = [[f"g{position}" for position in range(len(table))] for table in tables]
    settings = AuditSettings(min_group_size=3)
    for ours, table, names in zip(judge_many(tables, labels, settings), tables, labels):
        _same_result(ours, judge(table, names, settings))
    # Without the judged groups given, every group is judged, as rate_intervals does it.
    for ours, table, names in zip(rate_intervals_many(tables, labels, confidence=0.9), tables, labels):
        oracle = rate_intervals(table, names, confidence=0.9)
        for part in ("lower", "upper", "overall", "disparities"):
            _same_frame(getattr(ours, part), getattr(oracle, part))


def test_small_groups_follow_the_settings_minimum(compas_counts):
    """The groups marked too small are those under the settings' minimum, not under a fixed 30 rows."""
    tables, labels = _windows(compas_counts, 5.0)
    for minimum in (0, 31, 200):
        for result, table in zip(judge_many(tables, labels, AuditSettings(min_group_size=minimum)), tables):
            assert result.intervals.too_small.tolist() == (table.sum(axis=1) < minimum).tolist()
            assert set(result.intervals.too_small[result.intervals.too_small].index) == set(result.left_out)
            assert result.intervals.rate_method == RATE_INTERVAL_METHOD
    sizes = np.concatenate([table.sum(axis=1) for table in tables])
    assert ((sizes >= 31) & (sizes < 200)).any() and (sizes < 31).any()  # the minimums above mark different groups


def test_no_tables_give_no_results():
    assert judge_many([], []) == []
