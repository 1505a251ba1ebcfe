"""Fairness over time: a decision log counted where it lies, by DuckDB or Spark (:mod:`~fairdash.monitor.engines`), each
window judged as an audit is, with alerts and notes (:mod:`~fairdash.monitor.windows`), and logs to try it on
(:mod:`~fairdash.monitor.logs`).

Its ``__all__`` is what the rest of the package imports from it (each from the module that defines it)."""

from fairdash.monitor.engines import (  # noqa: F401
    LogCounts,
    MonitorSpec,
    count_log,
    count_table,
)
from fairdash.monitor.logs import (  # noqa: F401
    compas_log,
)
from fairdash.monitor.windows import (  # noqa: F401
    FAR_YEARS,
    ChangeAlert,
    GateAlert,
    Monitor,
    MonitorNote,
    monitor,
)

__all__ = [
    "FAR_YEARS",
    "ChangeAlert",
    "GateAlert",
    "LogCounts",
    "Monitor",
    "MonitorNote",
    "MonitorSpec",
    "compas_log",
    "count_log",
    "count_table",
    "monitor",
]
