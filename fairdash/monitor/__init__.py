"""Fairness over time: a decision log counted where it lies, by DuckDB or Spark (:mod:`~fairdash.monitor.engines`), each
window judged as an audit is, with alerts and notes (:mod:`~fairdash.monitor.windows`), and logs to try it on
(:mod:`~fairdash.monitor.logs`).

Its public names are importable from here too (the stable paths of DESIGN.md)."""

from fairdash.monitor.engines import (  # noqa: F401
    COUNT_SQL,
    ENGINES,
    NEGATIVE,
    POSITIVE,
    PROFILE_SQL,
    SPREAD_SQL,
    TIME_SQL,
    UNKNOWN,
    VALUES_SQL,
    WINDOWS,
    LogCounts,
    MonitorSpec,
    count_log,
    count_table,
    spark_session,
)
from fairdash.monitor.logs import (  # noqa: F401
    COMPAS_MONITOR,
    compas_log,
    synthetic_log,
)
from fairdash.monitor.windows import (  # noqa: F401
    CHANGE_TESTED,
    FAR_YEARS,
    LABEL_FREE,
    PENDING_SHARE,
    PSI_BINS,
    Monitor,
    Window,
    monitor,
)

__all__ = ["WINDOWS", "ENGINES", "UNKNOWN", "NEGATIVE", "POSITIVE", "PROFILE_SQL", "TIME_SQL", "SPREAD_SQL", "VALUES_SQL", "COUNT_SQL", "MonitorSpec", "LogCounts", "spark_session", "count_log", "count_table", "PENDING_SHARE", "PSI_BINS", "CHANGE_TESTED", "LABEL_FREE", "Window", "Monitor", "monitor", "FAR_YEARS", "compas_log", "COMPAS_MONITOR", "synthetic_log"]
