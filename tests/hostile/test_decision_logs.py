"""The engine path (DuckDB, Spark) against the in-memory audit, and the decision logs users bring (the review of
2026-12-02, issue 21): one outlier, time zones, decision columns, far dates, engine errors, column roles, outputs."""

import json
import os
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from fairdash.engine.findings import disparity_findings
from fairdash.engine.metrics import group_metrics
from fairdash.engine.thresholds import default_threshold
from fairdash.cli import main
from fairdash.errors import InvalidInputError
from fairdash.intake.tables import read_table
from fairdash.monitor.engines import MonitorSpec, count_log
from fairdash.monitor.windows import monitor
from fairdash.present.sentences import finding_sentence, monitor_note_text

ROOT = Path(__file__).resolve().parents[2]
SPEC = MonitorSpec(time="time", target="outcome", positive_label=1, sensitive=("group",), score="score")


def _log(rows: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    outcome = rng.random(rows) < 0.4
    return pd.DataFrame(
        {
            "time": (pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 180, rows), unit="D")).strftime("%Y-%m-%d"),
            "group": rng.choice(["a", "b"], rows),
            "score": np.clip(rng.normal(0.35 + 0.3 * outcome, 0.15), 0, 1).round(3),
            "outcome": outcome.astype(int),
        }
    )


def _monitor_args(path, *extra):
    return ["monitor", "--data", str(path), "--time", "time", "--target", "outcome", "--sensitive", "group", *map(str, extra)]


def _selection_rates(frame: pd.DataFrame, threshold: float) -> pd.Series:
    return group_metrics(frame["outcome"], frame["score"] >= threshold, frame["group"])["selection_rate"]


# -- C1, H1, M1: one way of counting and deciding ----------------------------------------------------------


@pytest.mark.parametrize("outlier, threshold", [(1e18, 0.5), (1.01, 0.35), (-5e9, 0.5), (1e18, 0.3333)])
def test_one_outlier_score_leaves_the_engine_exact_at_the_threshold(tmp_path, outlier, threshold):
    log = _log()
    log.loc[0, "score"] = outlier
    path = tmp_path / "outlier.csv"
    log.to_csv(path, index=False)
    truth = _selection_rates(log, threshold)
    codes = {}
    for engine in ("memory", "duckdb"):
        out = tmp_path / f"{engine}.json"
        codes[engine] = main(
            [
                "audit",
                "--data",
                str(path),
                "--target",
                "outcome",
                "--sensitive",
                "group",
                "--score",
                "score",
                "--threshold",
                str(threshold),
                "--no-explain",
                "--engine",
                engine,
                "--json",
                str(out),
                "--fail-on",
                "demographic_parity_ratio<0.99",
            ]
        )
        rates = {group: values["selection_rate"] for group, values in json.loads(out.read_text())["groups"].items()}
        assert rates == pytest.approx(truth.to_dict(), abs=1e-12), engine  # MetricFrame-checked group_metrics on the rows
    assert codes["memory"] == codes["duckdb"]
    # The monitor counts the same rows alike, and its slider reaches the usual thresholds despite the outlier.
    counts = count_log(log, SPEC, threshold=threshold)
    window_rows = log.assign(month=pd.to_datetime(log["time"]).dt.to_period("M"))
    first = window_rows[window_rows["month"] == window_rows["month"].min()]
    assert monitor(counts, threshold=threshold).windows[0].table["selection_rate"].to_dict() == pytest.approx(
        _selection_rates(first, threshold).to_dict(), abs=1e-12
    )
    page_counts = count_log(log, SPEC)
    assert page_counts.bins.slider().snap(0.5) == pytest.approx(0.5) and page_counts.bins.step == 0.01


def test_a_threshold_between_grid_points_is_refused_not_rounded():
    counts = count_log(_log(), SPEC)  # the page's counts: a grid of 0.01 from 0
    assert monitor(counts, threshold=0.37).threshold == 0.37
    with pytest.raises(InvalidInputError, match="lies between two points of the grid"):
        monitor(counts, threshold=0.3333)


def test_the_engine_takes_the_in_memory_default_threshold_and_small_group_rule(tmp_path):
    path = tmp_path / "compas.csv"
    assert main(["demo", "compas", "--out", str(path)]) == 0
    table = pd.read_csv(path)
    assert default_threshold(np.unique(table["decile_score"].to_numpy(dtype=float))) == 5.0
    results = {}
    for engine in ("memory", "duckdb"):
        out = tmp_path / f"{engine}.json"
        code = main(
            [
                "audit",
                "--data",
                str(path),
                "--target",
                "two_year_recid",
                "--sensitive",
                "race",
                "--score",
                "decile_score",
                "--no-explain",
                "--engine",
                engine,
                "--json",
                str(out),
                "--min-group-size",
                "2500",
                "--fail-on",
                "demographic_parity_difference>0.35",
            ]
        )
        document = json.loads(out.read_text())
        results[engine] = (
            code,
            document["thresholds"],
            document["disparities"]["demographic_parity_difference"],
            sorted(document["settings"]["groups_left_out_of_disparities"]),
        )
    assert results["memory"] == results["duckdb"]
    code, threshold, difference, left_out = results["duckdb"]
    # Only one group has 2,500 rows: nothing to compare, so undefined, and the gate fails closed.
    assert threshold == 5.0 and difference is None and code == 1
    assert len(left_out) == table["race"].nunique() - 1


# -- H2: one rule for time zones ------------------------------------------------------------------------------


def test_times_with_offsets_are_windowed_in_utc_whatever_the_server_zone(tmp_path, monkeypatch):
    log = pd.DataFrame(
        {
            "time": ["2024-01-31T23:30:00-08:00", "2024-02-01T02:00:00+05:00", "2024-01-15", "2024-02-15T12:00:00"] * 30,
            "group": ["a", "b"] * 60,
            "score": [0.2, 0.7] * 60,
            "outcome": [0, 1, 1, 0] * 30,
        }
    )
    path = tmp_path / "tz.csv"
    log.to_csv(path, index=False)
    # In UTC: 2024-02-01 07:30 (February), 2024-01-31 21:00 (January), and the two without an offset as written.
    expected = [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")], [60, 60]
    for zone in ("UTC", "America/Los_Angeles", "Asia/Kolkata"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        for source in (path, read_table(path)):  # the command line's file and the page's table
            counts = count_log(source, SPEC)
            assert (list(counts.windows), [int(counts.cells[index].sum()) for index in range(2)]) == expected, zone
    monkeypatch.delenv("TZ")
    time.tzset()


# -- H3: a decision column holds 0 and 1 ------------------------------------------------------------------------


def test_a_decision_column_that_is_not_zero_or_one_is_refused_by_its_values(tmp_path, capsys):
    path = tmp_path / "log.csv"
    _log().to_csv(path, index=False)
    assert main(_monitor_args(path, "--decision", "score", "--fail-on", "demographic_parity_difference>0.05")) == 2
    error = capsys.readouterr().err
    assert (
        "must hold 0 and 1 (1: selected); it holds 0." in error and "and more" in error and len(error.strip().splitlines()) == 1
    )
    decided = _log().assign(decision=lambda frame: (frame["score"] >= 0.5).astype(int))
    result = monitor(
        count_log(
            decided, MonitorSpec(time="time", target="outcome", positive_label=1, sensitive=("group",), decision="decision")
        )
    )
    first = decided[pd.to_datetime(decided["time"]).dt.month == 1]
    assert result.windows[0].table["selection_rate"].to_dict() == pytest.approx(_selection_rates(first, 0.5).to_dict(), abs=1e-12)


# -- H4, M7: any date, at the cost of its windows ----------------------------------------------------------------


def test_dates_beyond_pandas_nanoseconds_are_windows_and_a_placeholder_is_noted(tmp_path, capsys):
    far = _log().assign(time=lambda frame: np.where(np.arange(len(frame)) % 2, "1924-03-15", "2300-05-15"))
    result = monitor(count_log(far, SPEC))
    assert [window.start for window in result.windows] == [pd.Timestamp("1924-03-01"), pd.Timestamp("2300-05-01")]
    assert [window.rows for window in result.windows] == [1500, 1500]
    sentinel = _log()
    sentinel.loc[0, "time"] = "9999-12-31"
    path = tmp_path / "sentinel.csv"
    sentinel.to_csv(path, index=False)
    assert main(_monitor_args(path, "--score", "score")) == 0
    out = capsys.readouterr().out
    assert "9999-12-01" in out and "placeholders for a missing date" in out and "1 row(s)" in out


def test_the_gap_note_counts_the_missing_days_of_a_log_spanning_years_1_to_9999(monkeypatch):
    def every_day(*args, **kwargs):
        raise AssertionError("the gap note listed every window between the first and the last (3.6 million days here)")

    monkeypatch.setattr(pd, "date_range", every_day)  # its cost must follow the windows present, not the span
    log = _log().assign(time=lambda frame: np.where(np.arange(len(frame)) % 2, "0001-01-01", "9999-12-31"))
    result = monitor(
        count_log(
            log, MonitorSpec(time="time", target="outcome", positive_label=1, sensitive=("group",), score="score", window="day")
        )
    )
    days = (np.datetime64("9999-12-31") - np.datetime64("0001-01-01")).astype(int) + 1
    (gap,) = [monitor_note_text(note) for note in result.notes if note.code == "gaps"]
    assert f"and {days - 2 - 6} more" in gap and "0001-01-02, 0001-01-03" in gap


# -- H5: bad input exits 2 with one line -----------------------------------------------------------------------------


def test_engine_errors_on_bad_logs_are_one_line_and_exit_2(tmp_path, capsys):
    log = _log()
    base = tmp_path / "base.csv"
    log.to_csv(base, index=False)
    database = tmp_path / "log.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute(f"CREATE TABLE log AS SELECT * FROM read_csv('{base}')")
    for folder in ("empty", "mismatch", "corrupt"):
        (tmp_path / folder).mkdir()
    log.iloc[:1500].to_parquet(tmp_path / "mismatch" / "a.parquet")
    log.iloc[1500:].rename(columns={"group": "grp"}).to_parquet(tmp_path / "mismatch" / "b.parquet")
    log.to_parquet(tmp_path / "corrupt" / "a.parquet")
    (tmp_path / "corrupt" / "b.parquet").write_bytes(b"not parquet")
    (tmp_path / "ragged.csv").write_text(base.read_text() + "2024-06-30,a,0.9")
    log.to_csv(tmp_path / "semi.csv", sep=";", decimal=",", index=False)
    log.assign(time=pd.to_datetime(log["time"]).astype("int64") // 10**9).to_csv(tmp_path / "epoch.csv", index=False)
    cases = {
        "missing table": (_monitor_args(f"duckdb:{database}:nope", "--score", "score"), "DuckDB could not read the log"),
        "not a database": (_monitor_args(f"duckdb:{base}:log", "--score", "score"), "DuckDB could not read the log"),
        "empty folder": (_monitor_args(tmp_path / "empty", "--score", "score"), "holds no .parquet file"),
        "renamed column": (_monitor_args(tmp_path / "mismatch", "--score", "score"), "could not read the log"),
        "corrupt file": (_monitor_args(tmp_path / "corrupt", "--score", "score"), "could not read the log"),
        "ragged line": (_monitor_args(tmp_path / "ragged.csv", "--score", "score"), "could not read the log"),
        "decimal commas": (_monitor_args(tmp_path / "semi.csv", "--score", "score"), "decimal commas"),
        "epoch seconds": (_monitor_args(tmp_path / "epoch.csv", "--score", "score"), "seconds since 1970"),
        "baseline": (_monitor_args(base, "--score", "score", "--baseline", "not a date"), "is not a date"),
        "text score": (
            [
                "audit",
                "--data",
                str(base),
                "--target",
                "outcome",
                "--sensitive",
                "score",
                "--score",
                "group",
                "--engine",
                "duckdb",
            ],
            "not numbers",
        ),
    }
    for name, (arguments, message) in cases.items():
        assert main(arguments) == 2, name
        error = capsys.readouterr().err.strip().splitlines()
        assert len(error) == 1 and message in error[0] and "Traceback" not in error[0], (name, error)


def test_the_spark_engine_without_java_says_so(monkeypatch):
    from fairdash.monitor.engines import spark_session

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(InvalidInputError, match="needs Java 17 or newer: there is no java on the PATH"):
        spark_session()


# -- H6, M2, M3: the columns' roles and their values -----------------------------------------------------------------


def test_a_column_in_two_roles_is_refused(tmp_path, capsys):
    path = tmp_path / "log.csv"
    _log().to_csv(path, index=False)
    assert (
        main(
            [
                "monitor",
                "--data",
                str(path),
                "--time",
                "time",
                "--target",
                "outcome",
                "--sensitive",
                "outcome",
                "--score",
                "score",
            ]
        )
        == 2
    )
    assert "outcome" in capsys.readouterr().err
    assert main(_monitor_args(path, "--score", "score").__add__(["--sensitive", "group,group"])) == 2
    assert "twice" in capsys.readouterr().err
    with pytest.raises(InvalidInputError, match="time column 'score' is also chosen"):
        MonitorSpec(time="score", target="outcome", positive_label=1, sensitive=("group",), score="score")


def test_a_yes_no_outcome_keeps_its_own_labels(tmp_path, capsys):
    log = _log().assign(outcome=lambda frame: np.where(frame["outcome"] == 1, "Yes", "No"))
    path = tmp_path / "yes_no.csv"
    log.to_csv(path, index=False)
    assert main(_monitor_args(path, "--score", "score", "--positive-label", "Yes", "--json", tmp_path / "out.json")) == 0
    first = json.loads((tmp_path / "out.json").read_text())["windows"][0]["groups"]
    january = log[pd.to_datetime(log["time"]).dt.month == 1]
    truth = group_metrics(january["outcome"] == "Yes", january["score"] >= 0.5, january["group"])
    assert {group: values["tpr"] for group, values in first.items()} == pytest.approx(truth["tpr"].to_dict(), abs=1e-12)


# -- M9 and the low ones ---------------------------------------------------------------------------------------------


def test_an_output_never_overwrites_an_input_and_a_failed_write_names_its_file(tmp_path, capsys):
    path = tmp_path / "compas.csv"
    main(["demo", "compas", "--out", str(path)])
    before = path.read_bytes()
    arguments = [
        "audit",
        "--data",
        str(path),
        "--target",
        "two_year_recid",
        "--sensitive",
        "race",
        "--score",
        "decile_score",
        "--no-explain",
    ]
    assert main([*arguments, "--json", str(path)]) == 2
    assert path.read_bytes() == before and "would be overwritten" in capsys.readouterr().err
    assert main([*arguments, "--json", str(tmp_path / "same.out"), "--report", str(tmp_path / "same.out")]) == 2
    if os.path.exists("/dev/full"):
        assert main([*arguments, "--report", "/dev/full"]) == 2
        assert "Cannot write '/dev/full'" in capsys.readouterr().err
    assert main([*arguments, "--bins", "priors_count=1,5", "--bins", "priors_count=2,6"]) == 2
    assert "--bins names 'priors_count' twice" in capsys.readouterr().err


def test_an_undefined_window_prints_n_a_and_all_alike_groups_are_not_compared_with_themselves(tmp_path, capsys):
    log = _log().iloc[:40].assign(time="2024-01-05")
    log.loc[0, "time"] = "2024-02-05"  # a one-row window
    path = tmp_path / "short.csv"
    log.to_csv(path, index=False)
    assert main(_monitor_args(path, "--score", "score", "--min-group-size", "0")) == 0
    (february,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("2024-02-01")]
    assert "n/a" in february and "nan" not in february
    table = group_metrics([1, 0, 1, 0], [1, 1, 1, 1], ["a", "a", "b", "b"])
    sentence = finding_sentence("demographic_parity_ratio", disparity_findings(table).loc["demographic_parity_ratio"])
    assert sentence == "Every group is selected at the same rate (100.0%)."
    assert default_threshold(np.array([0.0, 2.0])) == 2.0 and default_threshold(np.arange(1.0, 11.0)) == 5.0


# -- the Over time page: the same rules, said on the page --------------------------------------------------------------


def test_the_over_time_page_takes_a_placeholder_date_and_refuses_a_probability_as_decision():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/over_time.py").run()
    at.segmented_control(key="log_source").set_value("upload").run()
    log = _log()
    log.loc[0, "time"] = "9999-12-31"
    at.file_uploader(key="log_upload").set_value(("log.csv", log.to_csv(index=False).encode(), "text/csv")).run()
    assert not at.exception and not at.error
    assert any("placeholders for a missing date" in info.value.replace("\\", "") for info in at.info)
    assert at.slider(key="log_threshold").value == 0.5  # probabilities: the grid reaches 0.5 whatever the placeholder row
    at.radio(key="log_decisions").set_value("decision").run()
    assert not at.exception
    assert any("must hold 0 and 1 (1: selected)" in error.value.replace("\\", "") for error in at.error)  # markdown-escaped


def test_log_counts_shared_between_sessions_cannot_change():
    counts = count_log(_log(), SPEC)
    before = counts.counts_at(0.5).copy()
    with pytest.raises(AttributeError):
        counts.rows = 0
    with pytest.raises(ValueError):
        counts.cells[0, 0, 0, 0] = 10**6  # read-only: a session cannot change another's counts
    assert (counts.counts_at(0.5) == before).all()


def test_a_date_past_year_9999_or_before_year_1_is_refused_in_one_line(tmp_path, capsys):
    for placeholder in ("12000-01-01", "0044-03-15 (BC)"):
        log = _log()
        log.loc[0, "time"] = placeholder
        path = tmp_path / "far.csv"
        log.to_csv(path, index=False)
        assert main(_monitor_args(path, "--score", "score")) == 2, placeholder
        error = capsys.readouterr().err.strip().splitlines()
        assert len(error) == 1 and "years 1 to 9999" in error[0], error
