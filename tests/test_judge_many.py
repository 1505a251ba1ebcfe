"""Many count tables judged at once (the Over time page's windows) equal each table judged alone by `judge`, the oracle."""

import math

import numpy as np
import pandas as pd
import pytest

from fairdash.audit.intervals import bootstrap_intervals, bootstrap_intervals_many
from fairdash.audit.result import AuditSettings, judge, judge_many
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
    assert (ours.intervals.confidence, ours.intervals.n_resamples, ours.intervals.random_state, ours.intervals.disparity_method) == (
        oracle.intervals.confidence, oracle.intervals.n_resamples, oracle.intervals.random_state, oracle.intervals.disparity_method)
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


@pytest.mark.parametrize("threshold, settings", [
    (5.0, AuditSettings()),
    (3.0, AuditSettings(tolerance=0.05, min_group_size=0)),
    (8.0, AuditSettings(tolerance=0.2, min_group_size=100)),
])
def test_every_compas_month_judged_at_once_equals_judge_alone(compas_counts, threshold, settings):
    tables, labels = _windows(compas_counts, threshold)
    assert len(tables) == 24 and len({len(table) for table in tables}) > 1  # windows differ in their groups: padding is used
    ours = judge_many(tables, labels, settings, reference="Caucasian", n_resamples=400, random_state=3)
    assert len(ours) == len(tables)
    for table, names, result in zip(tables, labels, ours):
        _same_result(result, judge(table, names, settings, reference="Caucasian", n_resamples=400, random_state=3))


def test_the_monitor_equals_its_windows_judged_one_by_one(compas_counts):
    settings = AuditSettings(thresholds=6.0)
    result = monitor(compas_counts, threshold=6.0, resamples=400, random_state=0)
    tables, labels = _windows(compas_counts, 6.0)
    for window, table, names in zip(result.windows, tables, labels):
        _same_result(window.result, judge(table, names, settings, n_resamples=400, random_state=0))


def test_a_synthetic_log_with_pending_months_equals_judge_alone():
    spec = MonitorSpec(time="time", target="outcome", positive_label=1, sensitive=("group",), score="score")
    counts = count_log(synthetic_log(30_000, months=12, drift_month=6, pending_months=3, random_state=2), spec)
    result = monitor(counts, threshold=0.5, baseline=str(counts.windows[2].date()), resamples=300)
    tables, labels = _windows(counts, 0.5)
    assert any(window.pending for window in result.windows)
    for window, table, names in zip(result.windows, tables, labels):
        _same_result(window.result, judge(table, names, AuditSettings(thresholds=0.5), n_resamples=300, random_state=0))


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
    for ours, table, names in zip(judge_many(tables, labels, settings, n_resamples=200, random_state=1), tables, labels):
        _same_result(ours, judge(table, names, settings, n_resamples=200, random_state=1))
    # Without the judged groups given, every group is judged, as bootstrap_intervals does it.
    for ours, table, names in zip(bootstrap_intervals_many(tables, labels, n_resamples=200, confidence=0.9), tables, labels):
        oracle = bootstrap_intervals(table, names, n_resamples=200, confidence=0.9)
        for part in ("lower", "upper", "overall", "disparities"):
            _same_frame(getattr(ours, part), getattr(oracle, part))


def test_replicates_with_undefined_rates_take_numpys_quantile():
    # A group with 1 positive in 30 rows: in many replicates it draws none, so its TPR is undefined there and
    # the quantile is over the replicates that define it, as numpy.nanquantile takes it.
    table = np.array([[1, 3, 26, 0], [20, 10, 60, 10]])
    ours = bootstrap_intervals_many([table], [["rare", "common"]], n_resamples=500)[0]
    from fairdash.audit.intervals import resample_counts
    from fairdash.audit.metrics import rates

    replicates = rates(resample_counts(table, 500, np.random.default_rng(0)))["tpr"]
    assert np.isnan(replicates[:, 0]).any() and not np.isnan(replicates[:, 0]).all()
    np.testing.assert_allclose(ours.lower["tpr"].to_numpy(), np.nanquantile(replicates, 0.025, axis=0), rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(ours.upper["tpr"].to_numpy(), np.nanquantile(replicates, 0.975, axis=0), rtol=0, atol=TOLERANCE)


def test_tables_in_batches_equal_tables_together(compas_counts, monkeypatch):
    from fairdash.audit import intervals

    tables, labels = _windows(compas_counts, 5.0)
    together = bootstrap_intervals_many(tables, labels, n_resamples=300)
    # Room for two windows' replicates at a time: 12 batches, the last ones padded to fewer groups.
    monkeypatch.setattr(intervals, "REPLICATE_CELLS", 2 * 300 * max(len(table) for table in tables) * 6)
    batched = bootstrap_intervals_many(tables, labels, n_resamples=300)
    for ours, oracle, table, names in zip(batched, together, tables, labels):
        alone = bootstrap_intervals(table, names, n_resamples=300)
        for part in ("lower", "upper", "overall", "disparities"):
            _same_frame(getattr(ours, part), getattr(oracle, part))
            _same_frame(getattr(ours, part), getattr(alone, part))


def test_no_tables_give_no_results():
    assert judge_many([], []) == []
