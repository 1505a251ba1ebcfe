"""A decision log of any size reduced to counts where its rows are (DuckDB or Spark): :func:`count_log`.

Every figure over time is a function of counts per (window, group, outcome, score bin), so one GROUP BY
gives them all, and a threshold move re-reads no row: the counts are summed above the threshold's bin
(:meth:`LogCounts.counts_at`; each window is judged in :mod:`fairdash.monitor.windows`).

The query is written once. Each engine first exposes the log as a view ``fd_log`` whose columns have
fixed names (``fd_time``, ``fd_target``, ``fd_score``, ``fd_s0``...), so the same SQL text (:data:`COUNT_SQL`)
runs on both; it holds no value from the data (labels and thresholds are applied to the counts).

- **DuckDB** (the default, embedded): a CSV or Parquet file, a folder of Parquet files, a DuckDB
  database (``duckdb:PATH:TABLE``) or a pandas DataFrame; out of core, so a log bigger than memory works.
- **Spark** (``pyspark``, local or on a cluster): the same sources but a DuckDB database.

Scores are counted per value when they have few (deciles, 0/1 decisions) and on a grid otherwise, laid
through the threshold given (:mod:`fairdash.engine.score_bins`): a threshold's decisions are exact whatever the
other scores, and one the counts cannot answer exactly is refused, never rounded.

Times with a UTC offset are converted to UTC; times without one are taken as written (no zone is assumed,
and the server's does not matter). The same on both engines and the Over time page."""

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

from fairdash.engine.groups import group_codes
from fairdash.engine.score_bins import VALUE_LIMIT, ScoreBins
from fairdash.engine.spec import check_column_roles
from fairdash.engine.thresholds import check_threshold
from fairdash.errors import InvalidInputError, brief
from fairdash.intake.values import match_label

__all__ = [
    "UNKNOWN",
    "NEGATIVE",
    "POSITIVE",
    "WINDOWS",
    "ENGINES",
    "PROFILE_SQL",
    "TIME_SQL",
    "SPREAD_SQL",
    "VALUES_SQL",
    "COUNT_SQL",
    "MonitorSpec",
    "LogCounts",
    "spark_session",
    "count_log",
    "count_table",
]

WINDOWS = ("day", "week", "month", "quarter")


ENGINES = ("duckdb", "spark")


UNKNOWN, NEGATIVE, POSITIVE = 0, 1, 2


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
            raise InvalidInputError(
                f"The time column {brief(self.time)} is also chosen for another role; choose the column of dates or times."
            )

    @property
    def output(self) -> str:
        """The column the decisions come from: the score column, or the decision column (one of them is named)."""
        if self.score is not None:
            return self.score
        if self.decision is not None:
            return self.decision
        raise InvalidInputError("Name either the score column or the decision column (not both).")


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
    """How the scores were binned: per value or on a grid (see :mod:`fairdash.engine.score_bins`)."""
    rows: int
    engine: str
    dropped: dict[str, int] = field(default_factory=dict)
    above: np.ndarray = field(init=False, repr=False)
    """Rows at or above each bin, per window, group and outcome (one more bin of zeros): a threshold move is a lookup."""

    def __post_init__(self) -> None:
        above = np.concatenate(
            [np.cumsum(self.cells[..., ::-1], axis=-1)[..., ::-1], np.zeros(self.cells.shape[:-1] + (1,), dtype=np.int64)],
            axis=-1,
        )
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
        tp, fn = selected[..., POSITIVE], total[..., POSITIVE] - selected[..., POSITIVE]
        fp, tn = selected[..., NEGATIVE], total[..., NEGATIVE] - selected[..., NEGATIVE]
        unknown_selected = selected[..., UNKNOWN]
        unknown_unselected = total[..., UNKNOWN] - unknown_selected
        return np.stack([tp, fp, tn, fn, unknown_selected, unknown_unselected], axis=-1)


def _columns(spec: MonitorSpec) -> dict[str, str]:
    """The view's fixed names for the log's columns."""
    names = {"fd_time_raw": spec.time} if spec.time is not None else {}
    names.update({"fd_target": spec.target, "fd_score": spec.output})
    names.update({f"fd_s{position}": column for position, column in enumerate(spec.sensitive)})
    return names


_DUCKDB_NUMBERS = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
)


_SPARK_NUMBERS = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")


_CSV_TYPES = "['BIGINT', 'DOUBLE', 'VARCHAR']"
"""What DuckDB may read a CSV column as: no booleans (a Yes/No outcome stays "Yes"), no times (a time stays text
and is read as the page reads it, its offset included: see :func:`_time_sql`)."""


def _time_sql(column: str, kind: str) -> str:
    """A time as a timestamp in UTC: text with an offset (``+05:00``) and a time-zoned column are converted to UTC,
    a time without a zone is taken as written. DuckDB's session time zone is UTC (:func:`count_log`), as Spark's is
    (:func:`spark_session`). Dates and plain timestamps skip the zone arithmetic: it cost 0.4 s at 10M rows."""
    if kind.startswith(("TIMESTAMP", "DATE")):  # a zoned one is read in the session's zone, UTC
        return f"CAST({column} AS TIMESTAMP)"
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
            _, database, table = text.split(":", 2)
        except ValueError:
            raise InvalidInputError("A DuckDB log is named duckdb:PATH:TABLE.") from None
        if not Path(database).is_file():
            raise InvalidInputError(f"There is no DuckDB database at {brief(database)}.")
        connection.execute(f"ATTACH {literal(database)} AS fd_database (READ_ONLY)")
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
    selects = (
        [f"{_time_sql(time, described[spec.time])} AS fd_time", f"{time} AS fd_time_raw"]
        if time is not None
        else ["TIMESTAMP '1970-01-01' AS fd_time", "CAST(NULL AS STRING) AS fd_time_raw"]
    )
    selects.append(f"CAST({_quote(names['fd_score'])} AS DOUBLE) AS fd_score")
    selects += [f"{_quote(column)} AS {name}" for name, column in names.items() if name not in ("fd_time_raw", "fd_score")]
    connection.execute(f"CREATE OR REPLACE TEMP VIEW fd_log AS SELECT {', '.join(selects)} FROM {relation}")
    return spec.time is not None and not described[spec.time].startswith(("TIMESTAMP", "DATE"))


def _check_types(kinds: dict[str, str], spec: MonitorSpec, numbers: Sequence[str], boolean: str) -> None:
    """The score (or decision) column must hold numbers (a decision may hold booleans), the time column dates or text."""
    output = spec.output
    allowed = tuple(numbers) + ((boolean,) if spec.decision is not None else ())
    if kinds[output] not in allowed:
        what = "score" if spec.score is not None else "decision"
        raise InvalidInputError(
            f"The {what} column {brief(output)} holds {kinds[output].lower()} values, not numbers. If the file writes decimal "
            "commas (0,35), save it with decimal points or as Parquet." + (" A decision holds 0 and 1." if spec.decision else "")
        )
    if spec.time is not None and kinds[spec.time] in numbers:
        raise InvalidInputError(
            f"The time column {brief(spec.time)} holds numbers, not dates or times. If they are seconds since 1970 (Unix "
            "time), write them as dates first (in pandas: pd.to_datetime(column, unit='s'))."
        )


_SPARK_LOCK = threading.Lock()


def spark_session() -> Any:
    """A local Spark session for this process (``pyspark``; Java 17 or newer), made once."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InvalidInputError("The Spark engine needs pyspark (pip install pyspark) and Java 17 or newer.") from None
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        raise InvalidInputError(
            "The Spark engine needs Java 17 or newer: there is no java on the PATH and JAVA_HOME is not set. "
            "Install Java, or count the log with DuckDB (the default engine)."
        )
    with _SPARK_LOCK:
        return (
            SparkSession.builder.master("local[2]")
            .appName("fairdash monitor")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate()
        )


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

        return isinstance(
            error,
            (
                duckdb.IOException,
                duckdb.InvalidInputException,
                duckdb.ConversionException,
                duckdb.CatalogException,
                duckdb.BinderException,
                duckdb.SerializationException,
            ),
        )
    from pyspark.errors import PySparkException

    return isinstance(error, PySparkException) or type(error).__name__ == "Py4JJavaError"


def count_log(source: Any, spec: MonitorSpec, *, engine: str = "duckdb", threshold: float | None = None) -> LogCounts:
    """Read the log once (a profile, then the counts) and keep its counts.

    ``source``: a CSV or Parquet file, a folder of Parquet files, ``duckdb:PATH:TABLE`` or a DataFrame.
    ``threshold``: a threshold to be exact at whatever the scores (see :mod:`fairdash.engine.score_bins`); without
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
            raise InvalidInputError(
                f"{bad:,} value(s) of the time column {brief(spec.time)} are not dates or times, "
                f"such as {brief(times['fd_bad_time'])}."
            )
    bins = _score_bins(run, spec, engine, profile["fd_low"], profile["fd_high"], threshold)
    groups = ", ".join(f"fd_s{position}" for position in range(len(spec.sensitive)))
    positions = ", ".join(str(position) for position in range(1, len(spec.sensitive) + 4))
    counted = run(COUNT_SQL.format(window=_WINDOW_SQL[spec.window], groups=groups, score_bin=bins.sql(), positions=positions))
    if counted.empty:
        raise InvalidInputError("No row of the log has both a time and a score.")
    window_values, window_codes = np.unique(counted["fd_window"].to_numpy(dtype=np.int64), return_inverse=True)
    _check_years(window_values, spec)
    sensitive = counted[[f"fd_s{position}" for position in range(len(spec.sensitive))]]
    sensitive.columns = list(spec.sensitive)
    codes = group_codes(sensitive, spec.sensitive)
    outcome = _outcomes(counted["fd_target"].rename(spec.target), spec.positive_label)
    cells = np.zeros((len(window_values), len(codes.labels), 3, bins.count), dtype=np.int64)
    np.add.at(
        cells,
        (window_codes, codes.codes, outcome, bins.bin_of(counted["fd_bin"].to_numpy())),
        counted["fd_rows"].to_numpy(dtype=np.int64),
    )
    dropped = {
        "no time": int(profile["fd_no_times"] or 0) if spec.time is not None else 0,
        "no score": int(profile["fd_no_scores"] or 0),
    }
    starts = [pd.Timestamp(start.astype("datetime64[s]")) for start in _window_start(window_values, spec.window)]
    return LogCounts(
        spec=spec,
        windows=tuple(starts),
        labels=tuple(codes.labels),
        cells=cells,
        bins=bins,
        rows=rows,
        engine=engine,
        dropped=dropped,
    )


def _check_years(window_values: np.ndarray, spec: MonitorSpec) -> None:
    """Windows of years 1 to 9999 only: the engines read later and earlier (BC) times, dates cannot hold them."""
    years = window_values // {"day": 1000, "week": 1000, "month": 12, "quarter": 4}[spec.window]
    outside = years[(years < 1) | (years > 9999)]
    if len(outside):
        shown = f"{-outside[0] + 1} BC" if outside[0] < 1 else str(outside[0])
        raise InvalidInputError(
            f"The time column {brief(spec.time)} holds times outside the years 1 to 9999 (in the year {shown}); "
            "fix or leave out those rows (a placeholder such as 9999-12-31 is fine)."
        )


def _score_bins(run: Any, spec: MonitorSpec, engine: str, low: Any, high: Any, threshold: float | None) -> ScoreBins:
    """How to count this log's scores (see :mod:`fairdash.engine.score_bins`), with a look at their spread only for
    scores outside [0, 1]; a decision column must hold 0 and 1."""
    column = brief(spec.output)
    if low is None or pd.isna(low):
        raise InvalidInputError(f"The column {column} holds no numbers.")
    low, high = float(low), float(high)
    if math.isnan(low) or math.isnan(high):  # DuckDB sorts NaN above every number
        raise InvalidInputError(
            f"The column {column} holds NaN values; a score must be a number (leave it empty where there is none)."
        )
    if not (math.isfinite(low) and math.isfinite(high)):
        raise InvalidInputError(
            f"The column {column} holds infinite values ({low:g} to {high:g}); a score must be a finite number."
        )
    if spec.decision is not None:
        values = run(VALUES_SQL.format(limit=6))["fd_score"].to_numpy(dtype=float)
        if not np.isin(values, (0.0, 1.0)).all():
            shown = ", ".join(f"{value:g}" for value in sorted(values)[:5])
            raise InvalidInputError(
                f"The decision column {column} must hold 0 and 1 (1: selected); it holds {shown}"
                f"{' and more' if len(values) > 5 else ''}. Name a column of scores as the score, with a threshold."
            )
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
    as the audit matches it (:func:`fairdash.intake.values.match_label`: ``"1"`` finds ``1`` and ``1.0``, ``"true"`` finds True)."""
    text = values.astype("string")
    unknown = (text.isna() | (text.str.strip() == "")).to_numpy(dtype=bool)
    known = pd.unique(values[~unknown])
    positive_value = match_label(known, positive_label)
    if positive_value is None and len(known):  # else every known outcome would silently count as negative
        shown = ", ".join(brief(value) for value in known[:10])
        raise InvalidInputError(
            f"The positive outcome {brief(positive_label)} is not a value of {brief(values.name)}; its values are {shown}."
        )
    positive = (
        np.zeros(len(values), dtype=bool)
        if positive_value is None
        else (values == positive_value).fillna(False).to_numpy(dtype=bool)
    )
    return np.where(unknown, UNKNOWN, np.where(positive, POSITIVE, NEGATIVE))


def count_table(source: Any, spec: Any, *, engine: str = "duckdb", threshold: float | None = None) -> LogCounts:
    """A scores-only audit's counts, made by the engine where the table lies (a Parquet file or folder
    too big for memory): the whole table as one window, exact at ``threshold`` (see :func:`count_log`).
    ``spec`` is an :class:`fairdash.engine.spec.AuditSpec` with a ``score`` column; :func:`fairdash.monitor.windows.monitor` on the result
    gives the audit's table, intervals and verdicts."""
    if spec.score is None:
        raise InvalidInputError(
            "An audit counted by the engine needs the score column (--score); a model needs the rows in memory."
        )
    if spec.bins:
        raise InvalidInputError(
            "Bands of numeric sensitive attributes (--bins) need the rows in memory; band the column in the file."
        )
    return count_log(
        source,
        MonitorSpec(
            time=None, target=spec.target, positive_label=spec.positive_label, sensitive=tuple(spec.sensitive), score=spec.score
        ),
        engine=engine,
        threshold=threshold,
    )
