"""Fairness over time on a decision log of any size, counted where the rows are (DuckDB or Spark).

Every figure is a function of counts per (window, group, outcome, score bin), so one GROUP BY gives
them all, and a threshold move re-reads no row: the counts are summed above the threshold's bin.

The query is written once. Each engine first exposes the log as a view ``fd_log`` whose columns have
fixed names (``fd_time``, ``fd_target``, ``fd_score``, ``fd_s0``...), so the same SQL text (:data:`COUNT_SQL`)
runs on both; it holds no value from the data (labels and thresholds are applied to the counts).

- **DuckDB** (the default, embedded): a CSV or Parquet file, a folder of Parquet files, a DuckDB
  database (``duckdb:PATH:TABLE``) or a pandas DataFrame; out of core, so a log bigger than memory works.
- **Spark** (``pyspark``, local or on a cluster): the same sources but a DuckDB database.

Scores are counted per value when they have few (deciles, 0/1 decisions) and on a grid otherwise, laid
through the threshold given (:mod:`fairdash.score_bins`): a threshold's decisions are exact whatever the
other scores, and one the counts cannot answer exactly is refused, never rounded.

Times with a UTC offset are converted to UTC; times without one are taken as written (no zone is assumed,
and the server's does not matter). The same on both engines and the Over time page.
"""

from __future__ import annotations

import math
import os
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

from fairdash.data import SMALL_GROUP_SIZE, brief, check_column_roles, group_codes, match_label
from fairdash.audit_result import AuditResult, AuditSettings, judge
from fairdash.errors import InvalidInputError
from fairdash.score_bins import VALUE_LIMIT, ScoreBins
from fairdash.thresholds import check_threshold
from fairdash.metrics import DEFAULT_TOLERANCE, DISPARITY_NAMES

WINDOWS = ("day", "week", "month", "quarter")
ENGINES = ("duckdb", "spark")
PENDING_SHARE = 0.5
"""A window where more than this share of outcomes is not known yet is marked pending."""
PSI_BINS = 10
CHANGE_TESTED = ("demographic_parity_difference", "equal_opportunity_difference")
_LABEL_FREE = ("demographic_parity_difference", "demographic_parity_ratio")
"""The disparities of selection rates alone: judged in every window, outcomes known or not."""
_UNKNOWN, _NEGATIVE, _POSITIVE = 0, 1, 2

PROFILE_SQL = """
SELECT COUNT(*) AS fd_rows,
       MIN(fd_score) AS fd_low,
       MAX(fd_score) AS fd_high,
       COUNT(*) - COUNT(fd_score) AS fd_no_scores,
       COUNT(*) - COUNT(fd_time_raw) AS fd_no_times
FROM fd_log
"""
"""First pass: the rows and the score range (for the bins). Parquet keeps these in its metadata, so
DuckDB answers without reading the rows."""

TIME_SQL = """
SELECT SUM(CASE WHEN fd_time IS NULL AND fd_time_raw IS NOT NULL THEN 1 ELSE 0 END) AS fd_bad_times,
       MIN(CASE WHEN fd_time IS NULL AND fd_time_raw IS NOT NULL THEN CAST(fd_time_raw AS STRING) END) AS fd_bad_time
FROM fd_log
"""
"""Only for a time column held as text: the values that are not dates or times (a column of dates needs no check)."""

SPREAD_SQL = """
SELECT approx_count_distinct(fd_score) AS fd_values, {quantiles} AS fd_usual
FROM fd_log
"""
"""Only for scores outside [0, 1] (a probability needs no look): about how many distinct values, and the
range where all but 0.1% at either end lie (the grid's range; an outlier stays out of it)."""
_QUANTILES = {"duckdb": "approx_quantile(fd_score, [0.001, 0.999])", "spark": "percentile_approx(fd_score, array(0.001, 0.999))"}

VALUES_SQL = """
SELECT DISTINCT fd_score FROM fd_log WHERE fd_score IS NOT NULL LIMIT {limit}
"""
"""The distinct scores, when there are few (counted per value), and a decision column's values (0 and 1)."""

COUNT_SQL = """
SELECT {window} AS fd_window,
       {groups},
       fd_target,
       {score_bin} AS fd_bin,
       COUNT(*) AS fd_rows
FROM fd_log
WHERE fd_time IS NOT NULL AND fd_score IS NOT NULL
GROUP BY {positions}
"""
"""The one query: rows per (window, group, outcome value, score bin; :meth:`ScoreBins.sql`). Only numbers are
formatted in; the outcome is read as positive or not afterwards, on the few distinct values (casting
every row to text cost a quarter of the query)."""

# Each window as a whole number both engines compute (grouping by a number is faster than by a timestamp, a
# fifth of the query at 10M rows, and a number holds any year, where pandas' nanoseconds end in 2262): days
# and weeks (which start on Monday in both) as year * 1000 + day of the year; months and quarters as
# year * 12 + month - 1 and year * 4 + quarter - 1.
_WINDOW_SQL = {
    "day": "year(fd_time) * 1000 + dayofyear(fd_time)",
    "week": "year(date_trunc('week', fd_time)) * 1000 + dayofyear(date_trunc('week', fd_time))",
    "month": "year(fd_time) * 12 + month(fd_time) - 1",
    "quarter": "year(fd_time) * 4 + quarter(fd_time) - 1",
}


def _window_start(codes: np.ndarray, window: str) -> np.ndarray:
    """The windows' start days (``datetime64[D]``, any year) from what :data:`_WINDOW_SQL` returns."""
    codes = np.asarray(codes, dtype=np.int64)
    if window in ("month", "quarter"):
        months = codes * (3 if window == "quarter" else 1) - 1970 * 12
        return months.astype("datetime64[M]").astype("datetime64[D]")
    years = (codes // 1000 - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    return years + (codes % 1000 - 1).astype("timedelta64[D]")


def _window_ordinals(starts: np.ndarray, window: str) -> np.ndarray:
    """Consecutive windows as consecutive whole numbers (for the gaps between them)."""
    days = np.asarray(starts, dtype="datetime64[D]")
    if window == "day":
        return days.astype(np.int64)
    if window == "week":
        return (days.astype(np.int64) - 4) // 7  # 1970-01-05 was a Monday
    months = days.astype("datetime64[M]").astype(np.int64)
    return months // 3 if window == "quarter" else months


def _ordinal_start(ordinal: int, window: str) -> str:
    """The start date of the window :func:`_window_ordinals` numbers ``ordinal``."""
    if window == "day":
        return str(np.datetime64(ordinal, "D"))
    if window == "week":
        return str(np.datetime64(ordinal * 7 + 4, "D"))
    return str(np.datetime64(ordinal * (3 if window == "quarter" else 1), "M").astype("datetime64[D]"))


@dataclass(frozen=True)
class MonitorSpec:
    """What to monitor in a decision log: the time column, the window, the outcome and its positive
    label, the sensitive attribute(s), and either a score column (with a threshold) or a 0/1 decision column.
    Without a time column (``time=None``) the whole log is one window: an audit counted by the engine."""

    time: str | None
    target: str
    positive_label: Any
    sensitive: tuple[str, ...]
    window: str = "month"
    score: str | None = None
    decision: str | None = None

    def __post_init__(self) -> None:
        if self.window not in WINDOWS:
            raise InvalidInputError(f"The window must be one of {', '.join(WINDOWS)}; got {brief(self.window)}.")
        if (self.score is None) == (self.decision is None):
            raise InvalidInputError("Name either the score column or the decision column (not both).")
        if not self.sensitive:
            raise InvalidInputError("Name at least one sensitive column.")
        check_column_roles(target=self.target, sensitive=self.sensitive, score=self.score or self.decision)
        if self.time is not None and self.time in (self.target, self.score, self.decision, *self.sensitive):
            raise InvalidInputError(f"The time column {brief(self.time)} is also chosen for another role; choose the column of dates or times.")


@dataclass(frozen=True)
class LogCounts:
    """The log reduced to counts: ``cells[window, group, outcome, bin]`` (outcome: unknown, negative,
    positive), with the windows' starts, the groups' labels and the score bins. Immutable: the dashboard
    shares one between sessions (``st.cache_resource``)."""

    spec: MonitorSpec
    windows: tuple[pd.Timestamp, ...]
    labels: tuple[str, ...]
    cells: np.ndarray
    bins: ScoreBins
    """How the scores were binned: per value or on a grid (see :mod:`fairdash.score_bins`)."""
    rows: int
    engine: str
    dropped: dict[str, int] = field(default_factory=dict)
    above: np.ndarray = field(init=False, repr=False)
    """Rows at or above each bin, per window, group and outcome (one more bin of zeros): a threshold move is a lookup."""

    def __post_init__(self) -> None:
        above = np.concatenate([np.cumsum(self.cells[..., ::-1], axis=-1)[..., ::-1],
                                np.zeros(self.cells.shape[:-1] + (1,), dtype=np.int64)], axis=-1)
        for array in (self.cells, above):
            array.flags.writeable = False
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "above", above)

    def counts_at(self, threshold: float) -> np.ndarray:
        """``(windows, groups, 6)``: tp, fp, tn, fn among known outcomes, then selected and not selected
        among unknown outcomes; selected means score >= threshold (its bin and above)."""
        first = self.bins.first_selected(threshold)
        selected = self.above[..., first]
        total = self.above[..., 0]
        tp, fn = selected[..., _POSITIVE], total[..., _POSITIVE] - selected[..., _POSITIVE]
        fp, tn = selected[..., _NEGATIVE], total[..., _NEGATIVE] - selected[..., _NEGATIVE]
        unknown_selected = selected[..., _UNKNOWN]
        unknown_unselected = total[..., _UNKNOWN] - unknown_selected
        return np.stack([tp, fp, tn, fn, unknown_selected, unknown_unselected], axis=-1)


# -- engines -------------------------------------------------------------------------------------


def _columns(spec: MonitorSpec) -> dict[str, str]:
    """The view's fixed names for the log's columns."""
    names = {"fd_time_raw": spec.time, "fd_target": spec.target, "fd_score": spec.score or spec.decision}
    if spec.time is None:
        del names["fd_time_raw"]
    names.update({f"fd_s{position}": column for position, column in enumerate(spec.sensitive)})
    return names


_DUCKDB_NUMBERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
                   "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
_SPARK_NUMBERS = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")
_CSV_TYPES = "['BIGINT', 'DOUBLE', 'VARCHAR']"
"""What DuckDB may read a CSV column as: no booleans (a Yes/No outcome stays "Yes"), no times (a time stays text
and is read as the page reads it, its offset included: see :func:`_time_sql`)."""


def _time_sql(column: str) -> str:
    """A time as a timestamp in UTC: one with an offset (``+05:00``) is converted to UTC, one without is taken as
    it is. DuckDB's session time zone is UTC (:func:`count_log`), as Spark's is (:func:`spark_session`)."""
    return f"CAST(TRY_CAST({column} AS TIMESTAMPTZ) AS TIMESTAMP)"


def _duckdb_relation(connection: Any, source: Any) -> str:
    """The log as something DuckDB selects from: a registered DataFrame, a database's table, files."""
    def literal(text: str) -> str:
        return "'" + str(text).replace("'", "''") + "'"

    if isinstance(source, pd.DataFrame):
        connection.register("fd_source", source)
        return "fd_source"
    text = str(source)
    if text.startswith("duckdb:"):
        try:
            _, path, table = text.split(":", 2)
        except ValueError:
            raise InvalidInputError("A DuckDB log is named duckdb:PATH:TABLE.") from None
        if not Path(path).is_file():
            raise InvalidInputError(f"There is no DuckDB database at {brief(path)}.")
        connection.execute(f"ATTACH {literal(path)} AS fd_database (READ_ONLY)")
        return f"fd_database.{_quote(table)}"
    path = Path(text)
    if path.is_dir():
        if not any(path.rglob("*.parquet")):
            raise InvalidInputError(f"The folder {brief(text)} holds no .parquet file.")
        return f"read_parquet({literal(str(path / '**' / '*.parquet'))})"
    if not path.is_file():
        raise InvalidInputError(f"There is no file or folder {brief(text)}.")
    if path.suffix.lower() in (".parquet", ".pq"):
        return f"read_parquet({literal(str(path))})"
    return f"read_csv({literal(str(path))}, header = true, auto_type_candidates = {_CSV_TYPES})"


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _duckdb_view(connection: Any, source: Any, spec: MonitorSpec) -> bool:
    """Expose the log as ``fd_log``; return whether its time column holds text (to be checked for dates)."""
    relation = _duckdb_relation(connection, source)
    described = {row[0]: str(row[1]).upper() for row in connection.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
    _check_columns(list(described), spec)
    _check_types({column: kind.split("(")[0] for column, kind in described.items()}, spec, _DUCKDB_NUMBERS, "BOOLEAN")
    names = _columns(spec)
    time = _quote(names["fd_time_raw"]) if spec.time is not None else None
    selects = ([f"{_time_sql(time)} AS fd_time", f"{time} AS fd_time_raw"]
               if time is not None else ["TIMESTAMP '1970-01-01' AS fd_time", "CAST(NULL AS STRING) AS fd_time_raw"])
    selects.append(f"CAST({_quote(names['fd_score'])} AS DOUBLE) AS fd_score")
    selects += [f"{_quote(column)} AS {name}" for name, column in names.items() if name not in ("fd_time_raw", "fd_score")]
    connection.execute(f"CREATE OR REPLACE TEMP VIEW fd_log AS SELECT {', '.join(selects)} FROM {relation}")
    return spec.time is not None and not described[spec.time].startswith(("TIMESTAMP", "DATE"))


def _check_types(kinds: dict[str, str], spec: MonitorSpec, numbers: Sequence[str], boolean: str) -> None:
    """The score (or decision) column must hold numbers (a decision may hold booleans), the time column dates or text."""
    output = spec.score or spec.decision
    allowed = tuple(numbers) + ((boolean,) if spec.decision is not None else ())
    if kinds[output] not in allowed:
        what = "score" if spec.score is not None else "decision"
        raise InvalidInputError(
            f"The {what} column {brief(output)} holds {kinds[output].lower()} values, not numbers. If the file writes decimal "
            "commas (0,35), save it with decimal points or as Parquet." + (" A decision holds 0 and 1." if spec.decision else ""))
    if spec.time is not None and kinds[spec.time] in numbers:
        raise InvalidInputError(
            f"The time column {brief(spec.time)} holds numbers, not dates or times. If they are seconds since 1970 (Unix "
            "time), write them as dates first (in pandas: pd.to_datetime(column, unit='s')).")


_SPARK_LOCK = threading.Lock()


def spark_session() -> Any:
    """A local Spark session for this process (``pyspark``; Java 17 or newer), made once."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InvalidInputError("The Spark engine needs pyspark (pip install pyspark) and Java 17 or newer.") from None
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        raise InvalidInputError("The Spark engine needs Java 17 or newer: there is no java on the PATH and JAVA_HOME is not set. "
                                "Install Java, or count the log with DuckDB (the default engine).")
    with _SPARK_LOCK:
        return (SparkSession.builder.master("local[2]").appName("fairdash monitor")
                .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "4")
                .getOrCreate())


def _spark_view(session: Any, source: Any, spec: MonitorSpec) -> bool:
    """Expose the log as ``fd_log``; return whether its time column holds text (to be checked for dates)."""
    from pyspark.sql import functions as F

    if isinstance(source, pd.DataFrame):
        frame = session.createDataFrame(source)
    else:
        text = str(source)
        if text.startswith("duckdb:"):
            raise InvalidInputError("The Spark engine reads CSV and Parquet logs; use the DuckDB engine for a DuckDB database.")
        path = Path(text)
        if not path.exists():
            raise InvalidInputError(f"There is no file or folder {brief(text)}.")
        if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):
            frame = session.read.parquet(str(path))
        else:  # a time with an offset is read in UTC, as the DuckDB engine reads it (the session's zone is UTC)
            frame = session.read.csv(str(path), header=True, inferSchema=True)
    _check_columns(frame.columns, spec)
    kinds = {column: kind.split("(")[0] for column, kind in frame.dtypes}
    _check_types(kinds, spec, _SPARK_NUMBERS, "boolean")
    names = _columns(spec)
    textual_time = spec.time is not None and kinds[spec.time] not in ("timestamp", "date", "timestamp_ntz")
    if spec.time is None:  # one window
        time, raw = F.lit("1970-01-01").cast("timestamp"), F.lit(None).cast("string")
    else:
        raw = F.col(f"`{spec.time}`")
        time = F.try_to_timestamp(raw.cast("string")) if textual_time else raw.cast("timestamp")
    columns = [time.alias("fd_time"), raw.alias("fd_time_raw"), F.col(f"`{names['fd_score']}`").cast("double").alias("fd_score")]
    columns += [F.col(f"`{column}`").alias(name) for name, column in names.items() if name not in ("fd_time_raw", "fd_score")]
    frame.select(*columns).createOrReplaceTempView("fd_log")
    return textual_time


def _check_columns(present: Sequence[str], spec: MonitorSpec) -> None:
    missing = [column for column in _columns(spec).values() if column not in present]
    if missing:
        shown = ", ".join(map(brief, list(present)[:20]))
        raise InvalidInputError(f"The log has no column(s) {', '.join(map(brief, missing))}; its columns are {shown}.")


@contextmanager
def _read_errors(engine: str) -> Iterator[None]:
    """The engine's complaint about the log (a missing table, a file that is not a database, a corrupt or ragged
    file, files whose columns differ) is bad input: said in one line, not a traceback."""
    try:
        yield
    except InvalidInputError:
        raise
    except Exception as error:
        if not _about_the_input(error, engine):
            raise
        first = next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)
        raise InvalidInputError(f"{'DuckDB' if engine == 'duckdb' else 'Spark'} could not read the log: {first[:300]}") from None


def _about_the_input(error: Exception, engine: str) -> bool:
    if engine == "duckdb":
        import duckdb

        return isinstance(error, (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException,
                                  duckdb.CatalogException, duckdb.BinderException, duckdb.SerializationException))
    from pyspark.errors import PySparkException

    return isinstance(error, PySparkException) or type(error).__name__ == "Py4JJavaError"


def count_log(source: Any, spec: MonitorSpec, *, engine: str = "duckdb", threshold: float | None = None) -> LogCounts:
    """Read the log once (a profile, then the counts) and keep its counts.

    ``source``: a CSV or Parquet file, a folder of Parquet files, ``duckdb:PATH:TABLE`` or a DataFrame.
    ``threshold``: a threshold to be exact at whatever the scores (see :mod:`fairdash.score_bins`); without
    one, the thresholds on the counts' grid are.
    Raises :class:`InvalidInputError` for a missing column, unreadable times or files, a log with no rows.
    """
    if engine not in ENGINES:
        raise InvalidInputError(f"The engine must be one of {', '.join(ENGINES)}; got {brief(engine)}.")
    threshold = None if threshold is None else check_threshold(threshold)
    with _read_errors(engine):
        if engine == "duckdb":
            import duckdb

            connection = duckdb.connect()
            try:
                connection.execute("SET TimeZone = 'UTC'")
                textual_time = _duckdb_view(connection, source, spec)
                return _counts(lambda sql: connection.execute(sql).df(), spec, engine, textual_time, threshold)
            finally:
                connection.close()
        session = spark_session()
        textual_time = _spark_view(session, source, spec)
        return _counts(lambda sql: session.sql(sql).toPandas(), spec, engine, textual_time, threshold)


def _counts(run: Any, spec: MonitorSpec, engine: str, textual_time: bool, threshold: float | None) -> LogCounts:
    profile = run(PROFILE_SQL).iloc[0]
    rows = int(profile["fd_rows"])
    if rows == 0:
        raise InvalidInputError("The log has no rows.")
    if textual_time:
        times = run(TIME_SQL).iloc[0]
        bad = int(times["fd_bad_times"] or 0)
        if bad:
            raise InvalidInputError(f"{bad:,} value(s) of the time column {brief(spec.time)} are not dates or times, "
                                    f"such as {brief(times['fd_bad_time'])}.")
    bins = _score_bins(run, spec, engine, profile["fd_low"], profile["fd_high"], threshold)
    groups = ", ".join(f"fd_s{position}" for position in range(len(spec.sensitive)))
    positions = ", ".join(str(position) for position in range(1, len(spec.sensitive) + 4))
    counted = run(COUNT_SQL.format(window=_WINDOW_SQL[spec.window], groups=groups, score_bin=bins.sql(), positions=positions))
    if counted.empty:
        raise InvalidInputError("No row of the log has both a time and a score.")
    window_values, window_codes = np.unique(counted["fd_window"].to_numpy(dtype=np.int64), return_inverse=True)
    sensitive = counted[[f"fd_s{position}" for position in range(len(spec.sensitive))]]
    sensitive.columns = list(spec.sensitive)
    codes = group_codes(sensitive, spec.sensitive)
    outcome = _outcomes(counted["fd_target"].rename(spec.target), spec.positive_label)
    cells = np.zeros((len(window_values), len(codes.labels), 3, bins.count), dtype=np.int64)
    np.add.at(cells, (window_codes, codes.codes, outcome, bins.bin_of(counted["fd_bin"].to_numpy())), counted["fd_rows"].to_numpy(dtype=np.int64))
    dropped = {"no time": int(profile["fd_no_times"] or 0) if spec.time is not None else 0, "no score": int(profile["fd_no_scores"] or 0)}
    starts = [pd.Timestamp(start.astype("datetime64[s]")) for start in _window_start(window_values, spec.window)]
    return LogCounts(spec=spec, windows=starts, labels=codes.labels, cells=cells, bins=bins, rows=rows, engine=engine, dropped=dropped)


def _score_bins(run: Any, spec: MonitorSpec, engine: str, low: Any, high: Any, threshold: float | None) -> ScoreBins:
    """How to count this log's scores (see :mod:`fairdash.score_bins`), with a look at their spread only for
    scores outside [0, 1]; a decision column must hold 0 and 1."""
    column = brief(spec.score or spec.decision)
    if low is None or pd.isna(low):
        raise InvalidInputError(f"The column {column} holds no numbers.")
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high)):
        raise InvalidInputError(f"The column {column} holds infinite values ({low:g} to {high:g}); a score must be a finite number.")
    if spec.decision is not None:
        values = run(VALUES_SQL.format(limit=6))["fd_score"].to_numpy(dtype=float)
        if not np.isin(values, (0.0, 1.0)).all():
            shown = ", ".join(f"{value:g}" for value in sorted(values)[:5])
            raise InvalidInputError(f"The decision column {column} must hold 0 and 1 (1: selected); it holds {shown}"
                                    f"{' and more' if len(values) > 5 else ''}. Name a column of scores as the score, with a threshold.")
        return ScoreBins.per_value(values)
    if 0 <= low and high <= 1:
        return ScoreBins.on_grid(low, high, low, high, anchor=threshold)
    spread = run(SPREAD_SQL.format(quantiles=_QUANTILES[engine])).iloc[0]
    if int(spread["fd_values"]) <= 2 * VALUE_LIMIT:  # an estimate: the exact list decides
        values = run(VALUES_SQL.format(limit=VALUE_LIMIT + 1))["fd_score"].to_numpy(dtype=float)
        if len(values) <= VALUE_LIMIT:
            return ScoreBins.per_value(values)
    usual_low, usual_high = (float(value) for value in spread["fd_usual"])
    return ScoreBins.on_grid(low, high, usual_low, usual_high, anchor=threshold)


def _outcomes(values: pd.Series, positive_label: Any) -> np.ndarray:
    """Each outcome as unknown (missing or empty), negative or positive; the positive label is matched
    as the audit matches it (:func:`fairdash.data.match_label`: ``"1"`` finds ``1`` and ``1.0``, ``"true"`` finds True)."""
    text = values.astype("string")
    unknown = (text.isna() | (text.str.strip() == "")).to_numpy(dtype=bool)
    known = pd.unique(values[~unknown])
    positive_value = match_label(known, positive_label)
    if positive_value is None and len(known):  # else every known outcome would silently count as negative
        shown = ", ".join(brief(value) for value in known[:10])
        raise InvalidInputError(f"The positive outcome {brief(positive_label)} is not a value of {brief(values.name)}; its values are {shown}.")
    positive = np.zeros(len(values), dtype=bool) if positive_value is None else (values == positive_value).fillna(False).to_numpy(dtype=bool)
    return np.where(unknown, _UNKNOWN, np.where(positive, _POSITIVE, _NEGATIVE))


# -- figures per window ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One window's figures at a threshold: its audit (:func:`fairdash.audit_result.judge` on its counts), and what
    only a window has (its start, the share of outcomes not known yet, the score drift)."""

    start: pd.Timestamp
    rows: int
    result: AuditResult
    unknown_share: float
    pending: bool
    psi: pd.Series

    # The result's parts under the names the monitor's presenters read them by.
    table = property(lambda self: self.result.by_group)
    lower = property(lambda self: self.result.intervals.lower)
    upper = property(lambda self: self.result.intervals.upper)
    disparities = property(lambda self: self.result.disparities)
    disparity_bounds = property(lambda self: self.result.intervals.disparities)
    findings = property(lambda self: self.result.findings)
    left_out = property(lambda self: self.result.left_out)


@dataclass(frozen=True)
class Monitor:
    """The monitor at one threshold: every window (in time order), the alerts, the baseline."""

    counts: LogCounts
    threshold: float
    tolerance: float
    baseline: pd.Timestamp
    windows: list[Window]
    alerts: list[dict[str, Any]]
    notes: tuple[str, ...] = ()


def _psi(current: np.ndarray, baseline: np.ndarray) -> float:
    """Population stability index of two histograms over the same bins (0 where either is empty)."""
    if current.sum() == 0 or baseline.sum() == 0:
        return float("nan")
    p = np.maximum(current / current.sum(), 1e-4)
    q = np.maximum(baseline / baseline.sum(), 1e-4)
    return float(np.sum((p - q) * np.log(p / q)))


def monitor(counts: LogCounts, *, threshold: float | None = None, tolerance: float = DEFAULT_TOLERANCE,
            baseline: Any = None, min_group_size: int = SMALL_GROUP_SIZE, resamples: int = 400, random_state: int = 0) -> Monitor:
    """Every window's metrics, disparities (with intervals) and verdicts at ``threshold``, and the alerts.

    ``threshold`` defaults to what an audit of the same scores in memory takes
    (:attr:`fairdash.score_bins.ScoreBins.default_threshold`: 0.5 for probabilities and 0/1 decisions, the
    lower middle of few distinct scores); scores with many values outside [0, 1] need one. ``baseline`` (a
    window's start; default the first window) is what the change test and the score drift (PSI) compare with.

    Alerts: for each disparity with a rule, the first window where it fails the gate (differences at
    ``tolerance``, the selection-rate ratio at 0.8); and for the demographic parity and equal
    opportunity differences, the first window whose difference changed from the baseline's by more than
    chance allows: a two-sided z-test of the change in the difference between the same two groups (the
    window's extremes), from the four binomial proportions, at 5% with Bonferroni over the windows.
    Label-based alerts skip windows whose outcomes are mostly not in yet. As on the Fairness page,
    groups with fewer than ``min_group_size`` rows in a window stay in its table but are left out of
    its disparities, verdicts and alerts (``Window.left_out``).
    """
    if threshold is None:
        threshold = counts.bins.default_threshold
        if threshold is None:
            raise InvalidInputError(f"The scores of {brief(counts.spec.score)} are not probabilities and take many values "
                                    f"({counts.bins.low:g} to {counts.bins.high:g}): give the threshold.")
    settings = AuditSettings(thresholds=check_threshold(threshold), tolerance=tolerance, min_group_size=min_group_size)
    base_index = _baseline_index(counts.windows, baseline)
    coarse = _drift_histograms(counts, base_index)
    at = counts.counts_at(settings.thresholds)
    windows = []
    for index, start in enumerate(counts.windows):
        present = at[index].sum(axis=1) > 0
        kept = at[index][present]
        unknown = float((kept[:, 4] + kept[:, 5]).sum() / max(kept.sum(), 1))
        psi = pd.Series({label: _psi(coarse[index, position], coarse[base_index, position])
                         for position, label in enumerate(counts.labels) if present[position]}, name="psi", dtype=float)
        result = judge(kept, [label for label, keep in zip(counts.labels, present) if keep], settings,
                       n_resamples=resamples, random_state=random_state)
        windows.append(Window(start=start, rows=int(kept.sum()), result=result, unknown_share=unknown,
                              pending=unknown > PENDING_SHARE, psi=psi))
    alerts = sorted(_gate_alerts(windows) + _change_alerts(windows, windows[base_index]),
                    key=lambda alert: (alert["window"], alert["disparity"]))
    return Monitor(counts=counts, threshold=float(settings.thresholds), tolerance=settings.tolerance, baseline=windows[base_index].start,
                   windows=windows, alerts=alerts, notes=_notes(counts, windows))


def _baseline_index(starts: Sequence[pd.Timestamp], baseline: Any) -> int:
    """The position of the window starting at ``baseline`` (default: the first)."""
    if baseline is None:
        return 0
    try:
        wanted = pd.Timestamp(baseline)
    except (ValueError, TypeError, OverflowError):
        raise InvalidInputError(f"The baseline {brief(str(baseline))} is not a date; give a window's start date, such as "
                                f"{starts[0].date()}.") from None
    if wanted not in starts:
        raise InvalidInputError(f"There is no window starting {brief(str(baseline))}; the windows start "
                                f"{', '.join(str(start.date()) for start in starts[:6])}{' ...' if len(starts) > 6 else ''}.")
    return list(starts).index(wanted)


def _drift_histograms(counts: LogCounts, base_index: int) -> np.ndarray:
    """``(windows, groups, deciles)``: each group's rows over the deciles of the baseline window's scores (for the PSI)."""
    per_bin = counts.cells.sum(axis=2)  # (windows, groups, bins)
    base_hist = per_bin[base_index].sum(axis=0)
    cumulative = np.cumsum(base_hist) / max(base_hist.sum(), 1)
    cuts = np.unique(np.searchsorted(cumulative, np.linspace(0, 1, PSI_BINS + 1)[1:-1], side="left"))
    coarse_of_bin = np.searchsorted(cuts, np.arange(per_bin.shape[-1]), side="left")  # fine bin -> its decile
    return per_bin @ np.eye(len(cuts) + 1, dtype=np.int64)[coarse_of_bin]


def _gate_alerts(windows: Sequence[Window]) -> list[dict[str, Any]]:
    """For each disparity with a rule, the first window whose verdict fails (label-based ones skip pending windows)."""
    alerts = []
    findings = [window.findings.to_dict("index") for window in windows]
    for name in DISPARITY_NAMES:
        for window, found in zip(windows, findings):
            finding = found[name]
            if window.pending and name not in _LABEL_FREE:
                continue
            if finding["passed"] is False:
                alerts.append({"window": window.start, "disparity": name, "value": finding["value"],
                               "reason": f"leaves the gate: {finding['value']:.3f}, which fails {finding['rule']}"})
                break
    return alerts


def _change_alerts(windows: Sequence[Window], base: Window) -> list[dict[str, Any]]:
    """For each tested difference, the first window whose change from the baseline is beyond chance (see :func:`monitor`)."""
    from scipy.stats import norm

    alerts = []
    later = [window for window in windows if window.start != base.start]
    for name in CHANGE_TESTED:
        rate = "selection_rate" if name.startswith("demographic") else "tpr"
        denominator = "count" if rate == "selection_rate" else None
        for window in later:
            if window.pending and rate != "selection_rate":
                continue
            change = _change_test(window, base, rate, denominator)
            if change is None:
                continue
            delta, z = change
            p_value = 2 * norm.sf(abs(z))
            if p_value < 0.05 / max(len(later), 1):
                alerts.append({"window": window.start, "disparity": name, "value": window.disparities[name],
                               "reason": (f"changed by {delta:+.3f} from the baseline window {base.start.date()} "
                                          f"(z = {z:.1f}, p = {p_value:.1e}; two-sided z-test on the gap between the same two groups, "
                                          f"Bonferroni over {len(later)} windows)")})
                break  # the first window where it changed; the chart shows the windows after it
    return alerts


def _notes(counts: LogCounts, windows: list[Window]) -> tuple[str, ...]:
    """What a reader should know about the log: windows with no rows, groups that appear late, no outcomes."""
    notes = []
    gaps, shown = _gaps(counts.windows, counts.spec.window)
    if gaps:
        listed = ", ".join(shown) + (f" and {gaps - len(shown)} more" if gaps > len(shown) else "")
        notes.append(f"No rows in the {counts.spec.window}(s) starting {listed}: a gap in the log, not a window of zeros.")
    far = _far_windows(counts)
    if far:
        notes.append(f"{far[0]:,} row(s) in window(s) starting {', '.join(far[1])} lie more than {FAR_YEARS} years from the "
                     "log's middle: placeholders for a missing date (such as 9999-12-31)? They are counted in windows of their own.")
    present = counts.cells.sum(axis=(2, 3)) > 0  # (windows, groups)
    late = [(label, counts.windows[int(np.argmax(present[:, position]))]) for position, label in enumerate(counts.labels)
            if not present[0, position]]
    if late:
        notes.append("Groups that first appear later: " + ", ".join(f"{brief(label)} ({start.date()})" for label, start in late[:6]) + ".")
    if counts.cells[:, :, (_NEGATIVE, _POSITIVE)].sum() == 0:
        notes.append(f"No outcome in {brief(counts.spec.target)} is known yet: only the selection rates and their disparities "
                     "(demographic parity) can be judged.")
    return tuple(notes)


FAR_YEARS = 50
"""A window this far from the log's middle window is noted as a likely placeholder date."""


def _far_windows(counts: LogCounts) -> tuple[int, list[str]] | None:
    """The rows and starts of windows more than :data:`FAR_YEARS` from the middle window (by rows), if any."""
    rows = counts.cells.sum(axis=(1, 2, 3))
    years = np.array([start.year + start.day_of_year / 366 for start in counts.windows])
    middle = years[int(np.searchsorted(np.cumsum(rows), rows.sum() / 2))]
    far = np.abs(years - middle) > FAR_YEARS
    if not far.any():
        return None
    return int(rows[far].sum()), [str(start.date()) for start, away in zip(counts.windows, far) if away][:6]


def _gaps(starts: Sequence[pd.Timestamp], window: str, *, shown: int = 6) -> tuple[int, list[str]]:
    """How many windows between the first and the last have no row, and the first ``shown`` of them: counted
    from the windows present, so a log spanning years 1 to 9999 costs no more than one spanning a month."""
    ordinals = _window_ordinals(np.array([start.to_datetime64() for start in starts], dtype="datetime64[D]"), window)
    missing = int(ordinals[-1] - ordinals[0] + 1 - len(ordinals))
    first: list[str] = []
    for before, after in zip(ordinals[:-1], ordinals[1:]):
        first += [_ordinal_start(int(ordinal), window) for ordinal in range(before + 1, min(after, before + 1 + shown - len(first)))]
        if len(first) >= shown:
            break
    return missing, first


def _change_test(window: Window, base: Window, rate: str, denominator: str | None) -> tuple[float, float] | None:
    """The change in the gap between the window's highest and lowest group from the baseline's gap
    between the same groups, and its z statistic (binomial variances of the four proportions)."""
    values = window.table[rate].drop(index=list(window.left_out)).dropna()
    if len(values) < 2:
        return None
    high, low = values.idxmax(), values.idxmin()
    if high not in base.table.index or low not in base.table.index:
        return None

    def size(frame: pd.DataFrame, group: str) -> float:
        if denominator is not None:
            return float(frame.loc[group, denominator])
        return float(frame.loc[group, "tp"] + frame.loc[group, "fn"])

    proportions = [(window.table, high), (window.table, low), (base.table, high), (base.table, low)]
    variance = 0.0
    for frame, group in proportions:
        p, n = float(frame.loc[group, rate]), size(frame, group)
        if n == 0 or p != p:
            return None
        variance += p * (1 - p) / n
    delta = (values[high] - values[low]) - (base.table.loc[high, rate] - base.table.loc[low, rate])
    if variance == 0:
        return None
    return float(delta), float(delta / math.sqrt(variance))


def monitor_json(result: Monitor) -> dict[str, Any]:
    """The monitor as a JSON-ready dict: ``settings``, ``windows`` (time order: ``start`` as an ISO date,
    ``rows``, ``pending``, ``groups`` and ``disparities`` as in the audit's JSON, ``disparity_intervals``,
    ``intervals``, ``psi``) and ``alerts`` (``window``, ``disparity``, ``value``, ``reason``)."""
    from fairdash.report import json_number, result_json

    spec = result.counts.spec
    windows = []
    for window in result.windows:
        windows.append({
            "start": window.start.date().isoformat(),
            "rows": window.rows,
            "pending": window.pending,
            "groups_left_out_of_disparities": list(window.left_out),
            "unknown_outcomes": window.unknown_share,
            **result_json(window.result),
            "psi": {str(label): json_number(value) for label, value in window.psi.items()},
        })
    return {
        "settings": {"time": spec.time, "window": spec.window, "target": spec.target, "positive_label": str(spec.positive_label),
                     "sensitive": list(spec.sensitive), "score": spec.score, "decision": spec.decision, "threshold": result.threshold,
                     "tolerance": result.tolerance, "baseline": result.baseline.date().isoformat(), "engine": result.counts.engine,
                     "rows": result.counts.rows, "rows_left_out": result.counts.dropped, "notes": list(result.notes)},
        "windows": windows,
        "alerts": [{"window": alert["window"].date().isoformat(), "disparity": alert["disparity"], "value": json_number(alert["value"]),
                    "reason": alert["reason"]} for alert in result.alerts],
    }


def monitor_html(result: Monitor) -> str:
    """The monitor as one self-contained HTML page: each disparity over time, the group mix, the score
    drift, and the alerts."""
    from fairdash import plots
    from fairdash.report import definition_list, section, table_html, html_page

    spec = result.counts.spec
    rules = result.windows[0].result.settings.rules  # the rules every window was judged by
    figures = [plots.disparity_over_time(result, name, gate=next(iter(rules[name].values())))
               for name in ("demographic_parity_ratio", "demographic_parity_difference", "equalized_odds_difference")]
    figures += [plots.group_mix(result), plots.score_drift(result)]
    charts = "\n".join(f'<div class="chart">{figure.to_html(include_plotlyjs=False, full_html=False, config={"displaylogo": False})}</div>'
                       for figure in figures)
    alerts = pd.DataFrame([{"window": str(alert["window"].date()), "disparity": alert["disparity"].replace("_", " "),
                            "value": f"{alert['value']:.3f}", "reason": alert["reason"]} for alert in result.alerts])
    settings = [("Log", f"{result.counts.rows:,} rows ({result.counts.engine})"), ("Time", f"{spec.time}, by {spec.window}"),
                ("Target", f"{spec.target} = {spec.positive_label}"), ("Sensitive", " × ".join(spec.sensitive)),
                ("Decisions", f"{spec.score} >= {result.threshold:g}" if spec.score else f"{spec.decision}"),
                ("Baseline window", str(result.baseline.date()))]
    return html_page("Fairness over time", [
        section("Settings", definition_list(settings)),
        section("Alerts", table_html(alerts, index=False) if len(alerts) else "<p>No alert.</p>"),
        section("Over time", charts),
    ], made_by="fairdash monitor")


# -- demo and generator ---------------------------------------------------------------------------


def compas_log() -> pd.DataFrame:
    """COMPAS as a decision log: each defendant's screening date, race, sex, decile score and outcome
    (ProPublica's filter, as in the COMPAS demo)."""
    from fairdash.demo import DATA_DIR

    raw = pd.read_csv(DATA_DIR / "compas-scores-two-years.csv.gz")
    keep = (raw["days_b_screening_arrest"].between(-30, 30) & (raw["is_recid"] != -1) & (raw["c_charge_degree"] != "O")
            & (raw["score_text"] != "N/A"))
    log = raw.loc[keep, ["compas_screening_date", "race", "sex", "decile_score", "two_year_recid"]].reset_index(drop=True)
    log["compas_screening_date"] = pd.to_datetime(log["compas_screening_date"])
    return log


COMPAS_MONITOR = MonitorSpec(time="compas_screening_date", target="two_year_recid", positive_label=1, sensitive=("race",),
                             window="month", score="decile_score")
"""The Over-time page's demo: COMPAS by month over its screening dates (2013-2014)."""


def synthetic_log(rows: int, *, months: int = 24, drift_month: int | None = 12, drift: float = 0.15, pending_months: int = 2,
                  start: str = "2024-01-01", random_state: int = 0) -> pd.DataFrame:
    """A decision log of ``rows`` rows over ``months`` months: time, group (a/b/c), score, outcome.

    From ``drift_month`` on (0-based; ``None``: never), group b's scores drop by ``drift`` (so its
    selection rate falls: a planted disparity); the last ``pending_months`` have most outcomes unknown.
    """
    rng = np.random.default_rng(random_state)
    month = rng.integers(0, months, rows)
    day = rng.integers(0, 28, rows)
    times = (np.datetime64(start, "M") + month.astype("timedelta64[M]")).astype("datetime64[D]") + day.astype("timedelta64[D]")
    group = rng.choice(np.array(["a", "b", "c"]), rows, p=[0.5, 0.3, 0.2])
    outcome = rng.random(rows) < 0.4
    score = rng.normal(0.35 + 0.3 * outcome, 0.15)
    if drift_month is not None:
        score = score - np.where((group == "b") & (month >= drift_month), drift, 0.0)
    score = np.clip(score, 0, 1).round(4)
    known = ~((month >= months - pending_months) & (rng.random(rows) < 0.8))
    return pd.DataFrame({"time": times, "group": group, "score": score,
                         "outcome": pd.Series(outcome.astype(int), dtype="Int64").where(known, pd.NA)})


def count_table(source: Any, spec: Any, *, engine: str = "duckdb", threshold: float | None = None) -> LogCounts:
    """A scores-only audit's counts, made by the engine where the table lies (a Parquet file or folder
    too big for memory): the whole table as one window, exact at ``threshold`` (see :func:`count_log`).
    ``spec`` is an :class:`fairdash.data.AuditSpec` with a ``score`` column; :func:`monitor` on the result
    gives the audit's table, intervals and verdicts."""
    if spec.score is None:
        raise InvalidInputError("An audit counted by the engine needs the score column (--score); a model needs the rows in memory.")
    if spec.bins:
        raise InvalidInputError("Bands of numeric sensitive attributes (--bins) need the rows in memory; band the column in the file.")
    return count_log(source, MonitorSpec(time=None, target=spec.target, positive_label=spec.positive_label, sensitive=tuple(spec.sensitive),
                                         score=spec.score), engine=engine, threshold=threshold)


def engine_audit_json(result: Monitor, *, data_name: str = "data") -> dict[str, Any]:
    """An audit counted by the engine (one window, see :func:`count_table`) as JSON, with the audit's keys
    where they apply: ``settings``, ``data``, ``groups``, ``intervals``, ``disparities``,
    ``disparity_intervals``, ``findings``, ``thresholds``, ``versions``."""
    from fairdash.report import versions

    (window,) = monitor_json(result)["windows"]
    settings = monitor_json(result)["settings"]
    return {
        "settings": {"data": data_name, "model": None, "target": settings["target"], "positive_label": settings["positive_label"],
                     "sensitive": settings["sensitive"], "score": settings["score"], "tolerance": settings["tolerance"],
                     "engine": settings["engine"], "groups_left_out_of_disparities": window["groups_left_out_of_disparities"]},
        "data": {"rows": window["rows"], "rows_without_outcome": int(result.windows[0].table["unknown"].sum()),
                 "rows_left_out": settings["rows_left_out"]},
        **{key: window[key] for key in ("groups", "intervals", "disparities", "disparity_intervals", "findings")},
        "thresholds": result.threshold,
        "versions": versions(),
    }


def engine_audit_html(result: Monitor) -> str:
    """An audit counted by the engine as a self-contained HTML page: the disparities with verdicts and the metric table."""
    from fairdash.metrics import formatted_table
    from fairdash.report import definition_list, findings_html, section, table_html, html_page

    spec = result.counts.spec
    (window,) = result.windows
    settings = [("Rows", f"{window.rows:,} (counted by {result.counts.engine}, no row read into memory)"),
                ("Target", f"{spec.target} = {spec.positive_label}"), ("Sensitive", " × ".join(spec.sensitive)),
                ("Decisions", f"{spec.score} >= {result.threshold:g}"), ("Left out of the disparities (too small)", ", ".join(window.left_out) or "none")]
    return html_page("Fairness audit", [
        section("Settings", definition_list(settings)),
        section("Disparities", findings_html(window.findings, window.disparity_bounds)),
        section("Metrics by group", table_html(formatted_table(window.table.drop(columns=["unknown"])))),
    ], made_by="fairdash audit", charts=False)
