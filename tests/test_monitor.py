"""Fairness over time: every window's figures against Fairlearn's MetricFrame run window by window on the
same rows with pandas, on DuckDB and on Spark (local mode); the planted drift is found at its window
and a log without drift raises no alert; bad logs get plain messages."""

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
from sklearn.metrics import precision_score

from fairdash.cli import main
from fairdash.errors import InvalidInputError
from fairdash.monitor.engines import MonitorSpec, count_log
from fairdash.monitor.logs import COMPAS_MONITOR, compas_log, synthetic_log
from fairdash.monitor.windows import monitor
from fairdash.present.monitor_report import monitor_json, monitor_notes
from fairdash.present.sentences import alert_text

SYNTHETIC = MonitorSpec(time="time", target="outcome", positive_label=1, sensitive=("group",), score="score")


@pytest.fixture(scope="module")
def compas():
    return compas_log()


def _check_against_metric_frame(result, log, spec, threshold, window_of):
    """Each window: selection rate over every row; TPR, FPR and precision over the rows whose outcome is known."""
    assert [str(window.start.date()) for window in result.windows] == sorted(window_of.unique().astype(str))
    for window in result.windows:
        rows = log[window_of == window.start]
        decided = (rows[spec.score] >= threshold).to_numpy()
        groups = rows[list(spec.sensitive)[0]]
        everyone = MetricFrame(metrics=selection_rate, y_true=decided, y_pred=decided, sensitive_features=groups)
        known = rows[spec.target].notna().to_numpy()
        truth = rows[spec.target].to_numpy()[known].astype(float) == float(spec.positive_label)
        labelled = MetricFrame(
            metrics={
                "tpr": true_positive_rate,
                "fpr": false_positive_rate,
                "precision": lambda t, p: precision_score(t, p, zero_division=np.nan),
            },
            y_true=truth,
            y_pred=decided[known],
            sensitive_features=groups[known],
        )
        for group, rate in everyone.by_group.items():
            assert window.table.loc[group, "selection_rate"] == pytest.approx(rate, abs=1e-12), (window.start, group)
            assert window.table.loc[group, "count"] == (groups == group).sum()
        in_group = (groups[known] == group for group in labelled.by_group.index)
        for (group, row), members in zip(labelled.by_group.iterrows(), in_group):
            members = members.to_numpy()
            denominators = {
                "tpr": truth[members].sum(),
                "fpr": (~truth[members]).sum(),
                "precision": decided[known][members].sum(),
            }
            for rate, value in row.items():
                ours = window.table.loc[group, rate]
                if np.isnan(ours):  # undefined (Fairlearn says 0): its denominator is empty in the rows
                    assert denominators[rate] == 0, (window.start, group, rate)
                else:
                    assert ours == pytest.approx(value, abs=1e-12), (window.start, group, rate)


def test_each_compas_month_equals_metric_frame_on_its_rows(compas):
    result = monitor(count_log(compas, COMPAS_MONITOR), threshold=5)
    months = compas["compas_screening_date"].dt.to_period("M").dt.start_time
    _check_against_metric_frame(result, compas, COMPAS_MONITOR, 5, months)
    assert len(result.windows) == 24 and result.windows[0].start == pd.Timestamp("2013-01-01")


@pytest.mark.parametrize("window, period", [("day", "D"), ("week", "W-SUN"), ("month", "M"), ("quarter", "Q")])
def test_each_kind_of_window_starts_where_pandas_periods_start(compas, window, period):
    spec = MonitorSpec(
        time="compas_screening_date",
        target="two_year_recid",
        positive_label=1,
        sensitive=("race",),
        window=window,
        score="decile_score",
    )
    counts = count_log(compas, spec)
    starts = compas["compas_screening_date"].dt.to_period(period).dt.start_time  # a pandas week W-SUN starts on Monday
    assert list(counts.windows) == sorted(starts.unique())
    sizes = starts.value_counts()
    assert [int(counts.cells[index].sum()) for index in range(len(counts.windows))] == [sizes[start] for start in counts.windows]


@pytest.mark.parametrize("threshold", [0.5, 0.37, 0.29, 0.0, 1.0])
def test_a_log_with_pending_outcomes_equals_metric_frame_at_thresholds_on_the_grid(threshold):
    log = synthetic_log(30_000, months=6, drift_month=None, pending_months=2, random_state=3)
    counts = count_log(log, SYNTHETIC)
    assert (counts.bins.start, counts.bins.step) == (0.0, 0.01)  # probabilities: 0 to 1 by 0.01
    assert (log["score"] == threshold).sum() > 0 or threshold in (0.0, 1.0)  # scores sit on the threshold: they are selected
    result = monitor(counts, threshold=threshold)
    _check_against_metric_frame(result, log, SYNTHETIC, threshold, log["time"].dt.to_period("M").dt.start_time)
    assert [window.pending for window in result.windows] == [False] * 4 + [True] * 2


def test_the_planted_drift_is_found_at_its_window_and_a_steady_log_raises_none():
    drifted = monitor(count_log(synthetic_log(120_000, drift_month=12, random_state=1), SYNTHETIC))
    first = {}
    for alert in drifted.alerts:
        first.setdefault(alert["disparity"], alert)
    assert first["demographic_parity_difference"]["window"] == pd.Timestamp("2025-01-01")
    assert any(
        alert["kind"] == "change"
        and "changed by +" in alert_text(alert["reason"])
        and "Tukey-Kramer" in alert_text(alert["reason"])
        for alert in drifted.alerts
    )
    assert min(alert["window"] for alert in drifted.alerts) == pd.Timestamp("2025-01-01")
    steady = monitor(count_log(synthetic_log(120_000, drift_month=None, random_state=1), SYNTHETIC))
    assert steady.alerts == []


def test_a_threshold_move_reads_no_rows(compas, monkeypatch):
    counts = count_log(compas, COMPAS_MONITOR)
    import fairdash.monitor.engines as module

    monkeypatch.setattr(module, "count_log", lambda *args, **kwargs: pytest.fail("the log was read again"))
    low, high = monitor(counts, threshold=3), monitor(counts, threshold=8)
    assert low.windows[0].table["selection_rate"].sum() > high.windows[0].table["selection_rate"].sum()


def test_bad_logs_get_plain_messages(compas, tmp_path):
    with pytest.raises(InvalidInputError, match="no column.*'when'"):
        count_log(
            compas, MonitorSpec(time="when", target="two_year_recid", positive_label=1, sensitive=("race",), score="decile_score")
        )
    broken = compas.astype({"compas_screening_date": str})
    broken.loc[7, "compas_screening_date"] = "next Tuesday"
    with pytest.raises(InvalidInputError, match="1 value.*not dates or times, such as 'next Tuesday'"):
        count_log(broken, COMPAS_MONITOR)
    # A positive outcome the log does not hold is named, not read as "every outcome negative".
    wrong = MonitorSpec(
        time="compas_screening_date", target="two_year_recid", positive_label="yes", sensitive=("race",), score="decile_score"
    )
    with pytest.raises(InvalidInputError, match="The positive outcome 'yes' is not a value of 'two_year_recid'; its values are"):
        count_log(compas, wrong)
    with pytest.raises(InvalidInputError, match="no rows"):
        count_log(compas.iloc[:0], COMPAS_MONITOR)
    with pytest.raises(InvalidInputError, match="window must be one of"):
        MonitorSpec(time="t", target="y", positive_label=1, sensitive=("s",), score="x", window="fortnight")


def test_gaps_late_groups_and_missing_outcomes_are_said(compas):
    log = compas[~compas["compas_screening_date"].dt.month.isin([5])].copy()
    log.loc[log["compas_screening_date"] < "2014-01-01", "race"] = log["race"].where(log["race"] != "Asian", "Other")
    log["two_year_recid"] = np.nan
    result = monitor(count_log(log, COMPAS_MONITOR), threshold=5)
    notes = " ".join(monitor_notes(result))
    assert "No rows in the month(s) starting 2013-05-01, 2014-05-01" in notes
    assert "Groups that first appear later: 'Asian' (2014-01-01)" in notes
    assert "No outcome in 'two_year_recid' is known yet" in notes
    assert all(window.pending for window in result.windows)
    assert not np.isnan(result.windows[0].disparities["demographic_parity_difference"])
    assert np.isnan(result.windows[0].disparities["equal_opportunity_difference"])


def test_duckdb_reads_a_parquet_folder_and_a_database_in_place(compas, tmp_path):
    folder = tmp_path / "log"
    folder.mkdir()
    for year, part in compas.groupby(compas["compas_screening_date"].dt.year):
        part.to_parquet(folder / f"year={year}.parquet")
    database = tmp_path / "log.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.register("frame", compas)
        connection.execute('CREATE TABLE "decisions log" AS SELECT * FROM frame')
    expected = count_log(compas, COMPAS_MONITOR).cells
    assert np.array_equal(count_log(folder, COMPAS_MONITOR).cells, expected)
    assert np.array_equal(count_log(f"duckdb:{database}:decisions log", COMPAS_MONITOR).cells, expected)


def test_the_cli_monitors_into_json_and_gates_on_the_latest_window(compas, tmp_path):
    compas.to_csv(tmp_path / "log.csv", index=False)
    arguments = [
        "monitor",
        "--data",
        str(tmp_path / "log.csv"),
        "--time",
        "compas_screening_date",
        "--window",
        "quarter",
        "--target",
        "two_year_recid",
        "--sensitive",
        "race",
        "--score",
        "decile_score",
        "--threshold",
        "5",
        "--json",
        str(tmp_path / "m.json"),
        "--report",
        str(tmp_path / "m.html"),
    ]
    assert main(arguments) == 0
    document = json.loads((tmp_path / "m.json").read_text())
    assert [window["start"] for window in document["windows"]][:3] == ["2013-01-01", "2013-04-01", "2013-07-01"]
    latest = document["windows"][-1]
    assert set(latest) >= {"start", "rows", "groups", "disparities"} and "African-American" in latest["groups"]
    assert all(set(alert) == {"window", "disparity", "kind", "value", "reason"} for alert in document["alerts"])
    assert {alert["kind"] for alert in document["alerts"]} <= {"gate", "change"}
    # The baseline (the first quarter) already fails the gates: said so, never "leaves the gate", never a change.
    at_baseline = [alert for alert in document["alerts"] if alert["window"] == "2013-01-01"]
    assert at_baseline and all(
        alert["kind"] == "gate" and alert["reason"].startswith("fails the gate in the baseline window already")
        for alert in at_baseline
    )
    # The log's last quarters hold only reoffenders (every group's base rate 1): named as data and said in words.
    assert document["one_outcome_windows"] == ["2014-07-01", "2014-10-01"]
    assert any("2014-07-01, 2014-10-01" in note and "base rate 0 or 1" in note for note in document["settings"]["notes"])
    ratio = latest["disparities"]["demographic_parity_ratio"]
    assert main(arguments + ["--fail-on", f"demographic_parity_ratio<{ratio + 0.01}"]) == 1
    assert main(arguments + ["--fail-on", f"demographic_parity_ratio<{ratio - 0.01}"]) == 0
    assert main(arguments[:2] + [str(tmp_path / "nothing.csv")] + arguments[3:]) == 2
    assert "Fairness over time" in (tmp_path / "m.html").read_text()


def test_spark_counts_what_duckdb_counts(compas, tmp_path):
    """The same SQL on Spark in local mode (Java from Debian's packages): the same counts, so the same figures."""
    compas.to_parquet(tmp_path / "log.parquet")
    on_duckdb = count_log(tmp_path / "log.parquet", COMPAS_MONITOR)
    on_spark = count_log(tmp_path / "log.parquet", COMPAS_MONITOR, engine="spark")
    assert on_spark.windows == on_duckdb.windows and on_spark.labels == on_duckdb.labels
    assert np.array_equal(on_spark.cells, on_duckdb.cells)
    for window in ("week", "quarter"):  # each window's SQL runs on both engines alike
        spec = MonitorSpec(
            time="compas_screening_date",
            target="two_year_recid",
            positive_label=1,
            sensitive=("race", "sex"),
            window=window,
            score="decile_score",
        )
        duck, spark = count_log(tmp_path / "log.parquet", spec), count_log(tmp_path / "log.parquet", spec, engine="spark")
        assert spark.windows == duck.windows and np.array_equal(spark.cells, duck.cells), window
    log = synthetic_log(20_000, months=4, drift_month=None, pending_months=1, random_state=5)
    log.to_csv(tmp_path / "synthetic.csv", index=False)
    assert np.array_equal(
        count_log(tmp_path / "synthetic.csv", SYNTHETIC, engine="spark").cells,
        count_log(tmp_path / "synthetic.csv", SYNTHETIC).cells,
    )
    document = monitor_json(monitor(on_spark, threshold=5))
    assert document["settings"]["engine"] == "spark" and len(document["windows"]) == 24


def test_a_scores_only_audit_counted_by_the_engine_equals_the_in_memory_audit(compas, tmp_path, monkeypatch):
    table = compas.drop(columns=["compas_screening_date"])
    table.to_parquet(tmp_path / "table.parquet")
    common = [
        "audit",
        "--data",
        str(tmp_path / "table.parquet"),
        "--target",
        "two_year_recid",
        "--positive-label",
        "1",
        "--sensitive",
        "race",
        "--score",
        "decile_score",
        "--threshold",
        "5",
        "--no-explain",
    ]
    assert main(common + ["--json", str(tmp_path / "memory.json")]) == 0
    assert main(common + ["--engine", "duckdb", "--json", str(tmp_path / "engine.json")]) == 0
    memory, engine = (json.loads((tmp_path / f"{name}.json").read_text()) for name in ("memory", "engine"))
    assert engine["settings"]["engine"] == "duckdb" and engine["data"]["rows"] == len(table)
    for group, row in memory["groups"].items():
        for rate in ("count", "selection_rate", "tpr", "fpr", "precision", "accuracy", "tp", "fp", "tn", "fn"):
            assert engine["groups"][group][rate] == pytest.approx(row[rate], abs=1e-12), (group, rate)
    for name, value in memory["disparities"].items():
        assert engine["disparities"][name] == pytest.approx(value, abs=1e-12), name
    for name, bounds in memory["disparity_intervals"].items():
        assert engine["disparity_intervals"][name] == pytest.approx(bounds, abs=1e-12), name
    # A Parquet table too big for memory: the same audit falls back to DuckDB by itself, and gates alike.
    import fairdash.intake.tables

    monkeypatch.setattr(fairdash.intake.tables, "MAX_ROWS", 1000)
    ratio = memory["disparities"]["demographic_parity_ratio"]
    assert (
        main(common + ["--json", str(tmp_path / "fallback.json"), "--fail-on", f"demographic_parity_ratio<{ratio + 0.01}"]) == 1
    )
    assert json.loads((tmp_path / "fallback.json").read_text())["settings"]["engine"] == "duckdb"
    # What needs the rows in memory says so.
    assert (
        main(
            [
                "audit",
                "--data",
                str(tmp_path / "table.parquet"),
                "--target",
                "two_year_recid",
                "--sensitive",
                "race",
                "--model",
                str(tmp_path / "m.skops"),
                "--engine",
                "duckdb",
            ]
        )
        == 2
    )


def test_the_score_grid_puts_usual_thresholds_on_its_points():
    from fairdash.engine.score_bins import score_grid

    assert score_grid(0.0003, 0.9987) == (0.0, 0.01, 102, 0)  # probabilities: 0 to 1.01 (nobody selected at 1.01)
    start, step, points, _ = score_grid(1, 10)  # every integer is a grid point
    assert start == 1 and all(abs((value - start) / step - round((value - start) / step)) < 1e-9 for value in range(1, 11))
    start, step, points, _ = score_grid(-3.2, 4.1)
    assert step == 0.1 and start + (points - 2) * step >= 4.1 - 1e-9
    start, step, points, anchor = score_grid(0.0, 1.0, anchor=0.333)  # a threshold given first is a point of the grid
    assert step == 0.01 and start + anchor * step == pytest.approx(0.333, abs=1e-12)
    assert score_grid(5, 5)[1] == 0.05  # one value: steps of a hundredth of its size
